//! The baseline of known failures end to end, as CI uses it: a baseline written against a
//! faulty target lets the same target pass; a new fault fails the run naming only the new
//! failure; a mended target reports every entry as no longer failing; shards' baselines
//! together are the whole run's; a bad file is a usage error naming its line; and
//! `conformance fuzz` does the same by failure signature.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::Target;
use conformance::reference::Fault;
use conformance::runner::{Baseline, Known};
use tokio::runtime::Runtime;

/// The cases of the round trip: auth deviations of the API gateway's family, a name rule
/// and a few more, and the set-up steps every run goes through.
const CASES: [&str; 5] = [
    "auth/first-wrong-secret-bad-flow",
    "auth/first-unknown-key-bad-flow",
    "auth/skew-future-hour",
    "flow-name/char-dot",
    "wait-time/61",
];

fn fault(name: &str) -> Fault {
    Fault::named(name).unwrap_or_else(|| panic!("no fault {name}"))
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("baseline", name)
}

/// A reference target with these faults, served on `runtime`.
fn target_with(runtime: &Runtime, faults: &[&str]) -> Target {
    runtime.block_on(Target::faulty(
        faults.iter().map(|name| fault(name)).collect(),
    ))
}

/// `conformance ARGS` against `target` as testid.
fn conformance(target: &Target, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .args(["--target", &target.reference.url()])
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .output()
        .expect("the binary runs")
}

/// A run of [`CASES`] with more arguments.
fn run_cases(target: &Target, args: &[&str]) -> Output {
    let mut all: Vec<&str> = CASES.iter().flat_map(|case| ["--case", case]).collect();
    all.extend_from_slice(args);
    conformance(target, &all)
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn entries(path: &Path) -> BTreeSet<Known> {
    Baseline::read(path).unwrap().entries().cloned().collect()
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn a_baseline_passes_known_failures_and_fails_new_ones() {
    let runtime = Runtime::new().unwrap();
    let dir = scratch("round-trip");
    let file = dir.join("baseline.txt");
    // The API gateway's auth family (the real service's deviation), set-up answers with a
    // byte-order mark, and one RequestId for every answer (a run-wide check).
    let known = [
        "gateway-auth-errors",
        "json-bom-on-setup",
        "request-id-repeated",
    ];
    let faulty = target_with(&runtime, &known);

    let written = run_cases(&faulty, &["--write-baseline", path(&file)]);
    assert_eq!(written.status.code(), Some(1), "{}", text(&written));
    let contents = std::fs::read_to_string(&file).unwrap();
    let listed = entries(&file);
    for line in [
        "auth/first-wrong-secret-bad-flow [error-family]  # expected: 403 SignatureNotMatch",
        "auth/skew-future-hour [error-family]",
        "setup/CreateFlow [strict-json]",
        "wait-time/61 [request-id-unique]",
    ] {
        assert!(contents.contains(line), "{line:?} not in {contents}");
    }
    assert!(!contents.contains(&faulty.reference.url()), "{contents}");
    assert!(!contents.contains("127.0.0.1"), "{contents}");
    let mut lines: Vec<&str> = contents.lines().collect();
    lines.sort_unstable();
    assert_eq!(contents.lines().collect::<Vec<_>>(), lines, "sorted");

    // The same target with the baseline: every failure expected, exit 0. Writing a
    // baseline again gives the same file: nothing in it is run-specific.
    let again = dir.join("again.txt");
    let expected = run_cases(
        &faulty,
        &["--baseline", path(&file), "--write-baseline", path(&again)],
    );
    let output = text(&expected);
    assert_eq!(expected.status.code(), Some(0), "{output}");
    assert!(
        output.contains("EXPECTED (baseline) auth/skew-future-hour [error-family]"),
        "{output}"
    );
    assert!(!output.contains("FAIL "), "{output}");
    assert!(
        output.contains(&format!(
            "baseline {}: {} expected findings, 0 new, 0 entries no longer fail (remove them), 0 not run",
            file.display(),
            listed.len()
        )),
        "{output}"
    );
    assert_eq!(std::fs::read_to_string(&again).unwrap(), contents);

    // A second fault: only its failure is new, and fails the run.
    let mut worse = known.to_vec();
    worse.push("flow-name-accepts-dots");
    let worse = target_with(&runtime, &worse);
    let new = run_cases(&worse, &["--baseline", path(&file)]);
    let output = text(&new);
    assert_eq!(new.status.code(), Some(1), "{output}");
    let failed: Vec<&str> = output
        .lines()
        .filter(|line| line.starts_with("FAIL "))
        .collect();
    assert_eq!(failed.len(), 1, "{output}");
    assert!(
        failed[0].starts_with("FAIL flow-name/char-dot [expected-outcome]"),
        "{output}"
    );

    // The mended target: every entry no longer fails, and the run passes.
    let clean = runtime.block_on(Target::start());
    let mended = run_cases(&clean, &["--baseline", path(&file)]);
    let output = text(&mended);
    assert_eq!(mended.status.code(), Some(0), "{output}");
    for known in &listed {
        assert!(
            output.contains(&format!(
                "NO LONGER FAILS {known}: remove it from the baseline"
            )),
            "{known} in {output}"
        );
    }

    // --strict-baseline: the same entries fail the run, each named, and fail their case's
    // testcase in JUnit; without --baseline the option is a usage error.
    let junit = scratch("strict").join("junit.xml");
    let strict = run_cases(
        &clean,
        &[
            "--baseline",
            path(&file),
            "--strict-baseline",
            "--report",
            &format!("junit={}", junit.display()),
        ],
    );
    let output = text(&strict);
    assert_eq!(strict.status.code(), Some(1), "{output}");
    for known in &listed {
        assert!(
            output.contains(&format!(
                "NO LONGER FAILS {known}: remove it from the baseline {} (--strict-baseline: this fails the run)",
                path(&file)
            )),
            "{known} in {output}"
        );
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    let cases_listed: BTreeSet<&str> = listed
        .iter()
        .filter_map(|known| match known {
            Known::Case { case, .. } if !case.starts_with("setup/") => Some(case.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        xml.matches(r#"type="baseline""#).count(),
        cases_listed.len(),
        "{xml}"
    );
    let alone = run_cases(&clean, &["--strict-baseline"]);
    assert_eq!(alone.status.code(), Some(2), "{}", text(&alone));
}

#[test]
fn shards_baselines_together_are_the_whole_runs() {
    let runtime = Runtime::new().unwrap();
    let dir = scratch("shards");
    let faulty = target_with(&runtime, &["gateway-auth-errors"]);
    let whole = dir.join("whole.txt");
    run_cases(&faulty, &["--write-baseline", path(&whole)]);
    let mut merged = String::new();
    for shard in ["1/2", "2/2"] {
        let file = dir.join(format!("shard-{}.txt", &shard[..1]));
        run_cases(
            &faulty,
            &["--shard", shard, "--write-baseline", path(&file)],
        );
        merged.push_str(&std::fs::read_to_string(&file).unwrap());
        // Each shard judges its own cases: the others' entries are not run, not failures.
        let judged = run_cases(&faulty, &["--shard", shard, "--baseline", path(&whole)]);
        assert_eq!(judged.status.code(), Some(0), "{}", text(&judged));
        assert!(text(&judged).contains(" not run"), "{}", text(&judged));
    }
    let mut lines: Vec<&str> = merged.lines().collect();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(
        lines.join("\n") + "\n",
        std::fs::read_to_string(&whole).unwrap()
    );
}

#[test]
fn a_bad_baseline_is_a_usage_error_naming_its_line() {
    let runtime = Runtime::new().unwrap();
    let dir = scratch("bad");
    let target = runtime.block_on(Target::start());
    let missing = dir.join("missing.txt");
    let output = conformance(
        &target,
        &["--case", "wait-time/61", "--baseline", path(&missing)],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("failed to read the baseline"));
    for (contents, says) in [
        (
            "# header\nwait-time/61 [expected-outcome]\nwait-time/61 [no-such-check]\n",
            "line 3: no check has the id \"no-such-check\"",
        ),
        (
            "wait-time/61 expected-outcome\n",
            "line 1: expected `CASE-ID [CHECK]`",
        ),
        ("fuzz [no-5xx]\n", "line 1: a fuzz signature reads"),
    ] {
        let file = dir.join("bad.txt");
        std::fs::write(&file, contents).unwrap();
        let output = conformance(
            &target,
            &["--case", "wait-time/61", "--baseline", path(&file)],
        );
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        assert!(
            text(&output).contains(says),
            "{says:?} in {}",
            text(&output)
        );
    }
    // An unknown case is no error: cases come and go. It is not run.
    let file = dir.join("unknown-case.txt");
    std::fs::write(&file, "no/such-case [expected-outcome]\n").unwrap();
    let output = conformance(
        &target,
        &["--case", "wait-time/61", "--baseline", path(&file)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).contains("0 entries no longer fail (remove them), 1 not run"));
}

#[test]
fn a_fuzz_baseline_passes_known_failure_signatures() {
    let runtime = Runtime::new().unwrap();
    let dir = scratch("fuzz");
    let faulty = target_with(&runtime, &["flow-name-accepts-dots"]);
    let file = dir.join("baseline.txt");
    let fuzz = |args: &[&str]| {
        let mut all = vec!["fuzz", "--cases", "300", "--seed", "7", "--regressions"];
        let regressions = dir.join("regressions.txt");
        all.push(path(&regressions));
        all.extend_from_slice(args);
        let _ = std::fs::remove_file(&regressions);
        conformance(&faulty, &all)
    };
    let written = fuzz(&["--write-baseline", path(&file)]);
    assert_eq!(written.status.code(), Some(1), "{}", text(&written));
    let listed = entries(&file);
    assert!(!listed.is_empty());
    assert!(
        listed
            .iter()
            .all(|known| matches!(known, Known::Fuzz { signature } if signature.contains("FlowName:characters"))),
        "{listed:?}"
    );
    let expected = fuzz(&["--baseline", path(&file)]);
    let output = text(&expected);
    assert_eq!(expected.status.code(), Some(0), "{output}");
    assert!(output.contains("EXPECTED (baseline) fuzz ["), "{output}");
    assert!(output.contains(", 0 new,"), "{output}");
}
