//! The report files and snapshots of a run: the JUnit file is valid against the JUnit
//! schema of Jenkins' xUnit plugin, the JSON file against its own schema in `schemas/`,
//! and a changed answer of the target shows up as snapshot drift that `--accept` clears.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::Target;
use conformance::checks::CheckId;
use conformance::reference::{Choice, Fault, NameFault, NameParameter, ReferenceOptions};
use conformance::report::{self, ReportFormat};
use conformance::runner::{self, Baseline, Known, RunReport};
use serde_json::Value;

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("reports", name)
}

/// A run of every case against a reference target with `faults`, as testid, without a
/// second account (so the isolation case is skipped).
async fn run_against(faults: Vec<Fault>) -> (RunReport, Target) {
    let target = Target::faulty(faults).await;
    let run = runner::run(&target.run_options())
        .await
        .expect("the run completes");
    (run, target)
}

fn dots(name: NameParameter) -> Fault {
    Fault::Name(name, NameFault::AcceptsDots)
}

/// A clean run and one with a catalog fault and a timing fault, side by side (each mostly
/// waits for its long polls).
async fn two_runs() -> [RunReport; 2] {
    let ((clean, _), (faulty, _)) = tokio::join!(
        run_against(Vec::new()),
        run_against(vec![dots(NameParameter::Flow), Fault::AnswersEarly])
    );
    assert!(clean.conformant());
    assert!(!faulty.conformant());
    assert!(faulty.skipped().next().is_some());
    [clean, faulty]
}

fn written(format: ReportFormat, run: &RunReport) -> Vec<u8> {
    let mut out = Vec::new();
    format.write(run, &mut out).unwrap();
    out
}

/// Validates JUnit files with `tests/python/validate_junit.py`; its output if any is invalid.
fn junit_violations(files: &[PathBuf]) -> Option<String> {
    let python = common::python::python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/validate_junit.py");
    let cache = python
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("junit-schema");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(cache)
        .args(files)
        .output()
        .expect("the validator runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    match output.status.code() {
        Some(0) => None,
        Some(1) if !text.is_empty() => Some(text),
        _ => panic!("the JUnit validator failed: {text}"),
    }
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): xmlschema from PyPI in a virtualenv (network, python3)"]
async fn the_junit_report_is_valid_against_the_jenkins_xunit_schema() {
    let dir = scratch("junit");
    let mut runs = two_runs().await;
    let mut files = Vec::new();
    for (name, run) in ["clean", "faulty"].iter().zip(&runs) {
        let path = dir.join(format!("{name}.xml"));
        std::fs::write(&path, written(ReportFormat::Junit, run)).unwrap();
        files.push(path);
    }
    // With a baseline: expected failures pass with a system-out, a fixed entry is noted.
    let mut known: Vec<Known> = runs[1].findings().map(Known::of).skip(1).collect();
    known.push(Known::Case {
        case: "flow-name/char-slash".to_owned(),
        check: CheckId::ExpectedOutcome,
    });
    runs[0].judge(&Baseline::of(known.clone()));
    let baselined = dir.join("baselined.xml");
    std::fs::write(&baselined, written(ReportFormat::Junit, &runs[0])).unwrap();
    files.push(baselined);
    runs[1].judge(&Baseline::of(known));
    let baselined = dir.join("baselined-faulty.xml");
    let xml = String::from_utf8(written(ReportFormat::Junit, &runs[1])).unwrap();
    assert!(
        xml.contains("<system-out>EXPECTED FAILURE (baseline"),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    std::fs::write(&baselined, xml).unwrap();
    files.push(baselined);
    assert_eq!(junit_violations(&files), None);
    runs[1].baseline = None;

    // One testcase per case, in one testsuite per family; a failure carries the check,
    // expected, actual and the reproduction.
    let faulty = &runs[1];
    let xml = String::from_utf8(written(ReportFormat::Junit, faulty)).unwrap();
    let cases = faulty.cases.len();
    assert_eq!(xml.matches("<testcase ").count(), cases);
    for family in [
        "flow-name",
        "execution-name",
        "wait-time",
        "protocol",
        "timing",
    ] {
        assert!(
            xml.contains(&format!("<testsuite name=\"{family}\"")),
            "{family}"
        );
    }
    let dots = faulty
        .cases
        .iter()
        .find(|result| result.case.id == "flow-name/char-dot")
        .unwrap();
    let finding = &dots.findings[0];
    let failure = xml
        .split("<testcase name=\"flow-name/char-dot\"")
        .nth(1)
        .and_then(|rest| rest.split("</testcase>").next())
        .unwrap();
    assert!(failure.contains("<failure "), "{failure}");
    assert!(
        failure.contains(&format!(" type=\"{}\"", finding.check)),
        "{failure}"
    );
    for part in [
        format!("expected: {}", finding.expected),
        format!(
            "reproduce: conformance --target {} --case flow-name/char-dot",
            faulty.target
        ),
        "request (unsigned): curl".to_owned(),
    ] {
        let escaped = part.replace('"', "&quot;");
        assert!(failure.contains(&escaped), "{part:?} not in {failure}");
    }
    assert!(xml.contains("<skipped message=\"needs --other-credentials\"/>"));

    // The validator does fail: the attribute quick-junit puts on the root breaks the schema.
    let broken = dir.join("broken.xml");
    std::fs::write(
        &broken,
        xml.replacen("<testsuites ", "<testsuites skipped=\"0\" ", 1),
    )
    .unwrap();
    let violations = junit_violations(&[broken]).expect("the root's skipped is invalid");
    assert!(violations.contains("skipped"), "{violations}");
}

fn report_schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the report schema compiles")
}

fn violations(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect()
}

#[tokio::test]
async fn the_json_report_is_valid_against_its_schema() {
    let validator = report_schema();
    let runs = two_runs().await;
    for run in &runs {
        let report: Value = serde_json::from_slice(&written(ReportFormat::Json, run)).unwrap();
        assert_eq!(violations(&validator, &report), Vec::<String>::new());
        let (ran, failed) = run.counts();
        let summary = &report["summary"];
        assert_eq!(summary["failed"], failed);
        assert_eq!(summary["cases"], ran + run.skipped().count());
        assert_eq!(summary["conformant"], run.conformant());
        assert_eq!(
            report["cases"].as_array().unwrap().len(),
            ran + run.skipped().count()
        );
        assert_eq!(report["version"], report::JSON_VERSION);
    }
    let faulty: Value = serde_json::from_slice(&written(ReportFormat::Json, &runs[1])).unwrap();
    let dots = faulty["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["id"] == "flow-name/char-dot")
        .unwrap();
    assert_eq!(dots["outcome"], "failed");
    assert_eq!(dots["response"]["answer"]["code"], "FlowNotExists");

    // The schema holds reports to it: each of these breaks it.
    let failed_at = faulty["cases"]
        .as_array()
        .unwrap()
        .iter()
        .position(|case| case["outcome"] == "failed")
        .unwrap();
    type Break = fn(&mut Value, usize);
    let breaks: [(&str, Break); 4] = [
        ("a newer version", |report, _| report["version"] = 2.into()),
        ("a failure without findings", |report, at| {
            report["cases"][at]["findings"] = Value::Array(Vec::new());
        }),
        ("a failure without its reproduction", |report, at| {
            report["cases"][at]
                .as_object_mut()
                .unwrap()
                .remove("reproduce");
        }),
        ("an unknown outcome", |report, at| {
            report["cases"][at]["outcome"] = "flaky".into();
        }),
    ];
    for (what, break_it) in breaks {
        let mut broken = faulty.clone();
        break_it(&mut broken, failed_at);
        assert!(!violations(&validator, &broken).is_empty(), "{what} passed");
    }

    // With a baseline: every finding but one listed, and an entry that no longer fails.
    let [_, mut faulty_run] = runs;
    let mut findings = faulty_run.findings().map(Known::of);
    let new = findings.next().unwrap();
    faulty_run.judge(&Baseline::of(findings.chain([Known::Case {
        case: "flow-name/char-slash".to_owned(),
        check: CheckId::ExpectedOutcome,
    }])));
    let report: Value = serde_json::from_slice(&written(ReportFormat::Json, &faulty_run)).unwrap();
    assert_eq!(violations(&validator, &report), Vec::<String>::new());
    let baseline = &report["baseline"];
    assert_eq!(baseline["passed"], false);
    assert_eq!(baseline["new_findings"], 1);
    let failed_as_expected = faulty_run
        .cases
        .iter()
        .filter(|result| faulty_run.failed_as_expected(result))
        .count();
    assert!(failed_as_expected > 0);
    assert_eq!(baseline["failed_as_expected"], failed_as_expected);
    assert_eq!(
        baseline["expected_findings"],
        faulty_run.findings().count() - 1
    );
    assert_eq!(
        baseline["no_longer_fails"],
        serde_json::json!([{"case": "flow-name/char-slash", "check": "expected-outcome"}])
    );
    let Known::Case { case: new_case, .. } = new else {
        unreachable!("a run's finding")
    };
    let cases = report["cases"].as_array().unwrap();
    let entry = cases.iter().find(|case| case["id"] == new_case).unwrap();
    assert_eq!(entry["baseline"], "new");
    assert_eq!(entry["findings"][0]["baseline"], "new");
    assert!(cases.iter().any(|case| case["baseline"] == "expected"));
    assert!(
        cases
            .iter()
            .all(|case| case.get("baseline").is_none() || case["outcome"] == "failed")
    );
    let mut broken = report.clone();
    broken["baseline"]["passed"] = "yes".into();
    assert!(!violations(&validator, &broken).is_empty());
}

fn conformance(target: &Target, args: &[&str]) -> Output {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
        .arg("--target")
        .arg(target.reference.url())
        .args(["--other-credentials", "otherid:othersecret"])
        .args(args)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .output()
        .expect("conformance runs");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(extension))
        .collect();
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_answer_is_snapshot_drift_until_accepted() {
    let dir = scratch("snapshots");
    let snapshots = dir.to_str().unwrap();
    let clean = Target::start().await;

    // The first run records a snapshot per catalog case; the second finds them unchanged.
    let first = conformance(&clean, &["--snapshots", snapshots]);
    assert_eq!(first.status.code(), Some(0), "{}", stdout(&first));
    let recorded = files(&dir, ".snap");
    assert_eq!(recorded.len(), 185, "{}", stdout(&first));
    assert!(stdout(&first).contains("0 changed, 185 recorded"));
    // Two runs at once, each matching the recorded snapshots: the clean target again, and
    // one that differs only by a choice. (Not the faulty one beside them: a run that matches
    // removes the .snap.new files it finds.)
    let fixed = Target::with(ReferenceOptions {
        choices: vec![Choice::FixedHostId],
        ..ReferenceOptions::default()
    })
    .await;
    let changed = Target::faulty(NameParameter::ALL.map(dots).to_vec()).await;
    let (again, parity) = std::thread::scope(|scope| {
        let again = scope.spawn(|| conformance(&clean, &["--snapshots", snapshots]));
        let parity = conformance(&fixed, &["--snapshots", snapshots]);
        (again.join().unwrap(), parity)
    });
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(
        stdout(&again).contains("185 unchanged, 0 changed"),
        "{}",
        stdout(&again)
    );

    // Parity: a target that differs only in what the service chooses (here its HostId, a
    // fixed host rather than the address asked for) matches the snapshots.
    assert!(
        stdout(&parity).contains("185 unchanged, 0 changed"),
        "{}",
        stdout(&parity)
    );

    // A target that answers names with a dot differently: drift, with a diff and .snap.new
    // files that insta reads; the old snapshots stay.
    let drift = conformance(&changed, &["--snapshots", snapshots]);
    let text = stdout(&drift);
    assert_eq!(drift.status.code(), Some(1), "{text}");
    assert!(
        text.contains("SNAPSHOT CHANGED flow-name/char-dot"),
        "{text}"
    );
    assert!(
        text.contains("-      \"Code\": \"InvalidArgument\","),
        "{text}"
    );
    assert!(
        text.contains("+      \"Code\": \"FlowNotExists\","),
        "{text}"
    );
    // Each change named, with the open question that allows it: none here.
    assert!(
        text.contains("  response.body.Code: \"InvalidArgument\" -> \"FlowNotExists\" (no open question allows it: a contract difference)"),
        "{text}"
    );
    assert!(
        text.contains("of the changed: 2 with a change no open question allows"),
        "{text}"
    );
    let pending = files(&dir, ".snap.new");
    let names: Vec<String> = pending
        .iter()
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "execution-name__char-dot.snap.new",
            "flow-name__char-dot.snap.new"
        ]
    );
    let new = insta::Snapshot::from_file(&pending[1]).expect("insta reads the .snap.new");
    assert_eq!(new.metadata().expression(), Some("flow-name/char-dot"));
    let contents = new.contents().as_text().unwrap().to_string();
    assert!(contents.contains("\"FlowNotExists\""), "{contents}");
    let old = insta::Snapshot::from_file(&dir.join("flow-name__char-dot.snap")).unwrap();
    assert!(
        old.contents()
            .as_text()
            .unwrap()
            .to_string()
            .contains("\"InvalidArgument\"")
    );

    // --accept takes the changes; then the changed target matches its snapshots.
    let accepted = conformance(&changed, &["--snapshots", snapshots, "--accept"]);
    assert!(
        stdout(&accepted).contains("0 changed, 0 recorded, 2 accepted"),
        "{}",
        stdout(&accepted)
    );
    assert!(files(&dir, ".snap.new").is_empty());
    let after = conformance(&changed, &["--snapshots", snapshots]);
    assert!(
        stdout(&after).contains("185 unchanged, 0 changed"),
        "{}",
        stdout(&after)
    );
    // The fault is still a failure of the checks, whatever the snapshots say.
    assert_eq!(after.status.code(), Some(1));
}

#[test]
fn sharded_jobs_together_report_every_case_exactly_once() {
    let dir = scratch("shards");
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
        .arg("--list")
        .output()
        .unwrap();
    let mut all: Vec<String> = String::from_utf8(listed.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect();
    all.sort();
    let mut reported = Vec::new();
    for index in 1..=3 {
        let path = dir.join(format!("shard-{index}.json"));
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args([
                "--shard",
                &format!("{index}/3"),
                "--no-progress",
                "--report",
            ])
            .arg(format!("json={}", path.display()))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        let report: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for case in report["cases"].as_array().unwrap() {
            reported.push(case["id"].as_str().unwrap().to_owned());
        }
    }
    reported.sort();
    assert_eq!(reported, all);
}
