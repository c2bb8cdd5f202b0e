//! Fuzzing parameter validation: nothing on the clean reference target; a planted
//! validation bug found, shrunk, kept and replayed; several planted bugs found in one run,
//! each a distinct failure.

mod common;

use common::Target;
use conformance::checks::CheckId;
use conformance::contract::Contract;
use conformance::reference::{Fault, NameFault, NameParameter, WaitFault};
use conformance::runner::{FuzzOptions, FuzzReport, RunOptions, decode, fuzz};

fn options(target: &Target) -> RunOptions {
    target.run_options()
}

fn budget(cases: u64, seed: u64, regressions: Option<std::path::PathBuf>) -> FuzzOptions {
    FuzzOptions {
        cases: Some(cases),
        duration: None,
        seed,
        regressions,
        replay: None,
        shrink: true,
        max_failures: None,
    }
}

#[tokio::test]
async fn the_clean_target_passes_and_the_same_seed_gives_the_same_run() {
    let target = Target::start().await;
    let report = fuzz(&options(&target), &budget(2000, 7, None))
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!((report.sent, report.generated), (2000, 2000));
}

async fn planted(fault: Fault, seed: u64) -> (FuzzReport, std::path::PathBuf, Target) {
    let target = Target::faulty(vec![fault]).await;
    let file = std::env::temp_dir().join(format!(
        "conformance-regressions-{}-{seed}.txt",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&file);
    let report = fuzz(&options(&target), &budget(10_000, seed, Some(file.clone())))
        .await
        .unwrap();
    (report, file, target)
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): 10,000 generated requests and shrinking, 10 s of CPU in debug"]
async fn a_target_that_accepts_129_character_names_is_found_shrunk_and_replayed() {
    let (report, file, target) = planted(
        Fault::Name(NameParameter::Execution, NameFault::AcceptsTooLong),
        1,
    )
    .await;
    let failure = report.failures.first().expect("found within 10,000 cases");
    let max = Contract::embedded().names().rules().max_length;
    let long: Vec<&String> = failure
        .request
        .params
        .iter()
        .map(|(_, v)| v)
        .filter(|v| v.chars().count() == max + 1)
        .collect();
    assert_eq!(
        long.len(),
        1,
        "shrunk to one name of {} characters: {:?}",
        max + 1,
        failure.request
    );
    assert!(
        failure
            .findings
            .iter()
            .any(|f| f.check == CheckId::ExpectedOutcome),
        "{:?}",
        failure.findings
    );

    // Kept, and replayed first by the next run, which fails on it at once.
    let kept = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        decode(kept.lines().next().unwrap().split(" #").next().unwrap()),
        failure.request
    );
    let again = fuzz(&options(&target), &budget(10, 99, Some(file.clone())))
        .await
        .unwrap();
    assert_eq!(again.replayed, 1);
    assert_eq!(
        again.failures[0].index, None,
        "the first failure is the replayed one"
    );
    assert_eq!(again.failures[0].signature, failure.signature);
    assert_eq!(
        again.generated, 10,
        "a failing replay does not stop generation"
    );
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): 10,000 generated requests and shrinking, 10 s of CPU in debug"]
async fn a_target_that_accepts_dots_in_names_is_found_and_shrunk() {
    let (report, file, _target) =
        planted(Fault::Name(NameParameter::Flow, NameFault::AcceptsDots), 2).await;
    let failure = report.failures.first().expect("found within 10,000 cases");
    let dotted = failure
        .request
        .params
        .iter()
        .filter(|(_, v)| v.contains('.'))
        .count();
    assert_eq!(dotted, 1, "{:?}", failure.request);
    std::fs::remove_file(file).unwrap();
}

/// Three validation bugs at once: an over-long ExecutionName, dots in FlowName, one
/// WaitTimeSeconds over the maximum.
fn three_faults() -> Vec<Fault> {
    vec![
        Fault::Name(NameParameter::Execution, NameFault::AcceptsTooLong),
        Fault::Name(NameParameter::Flow, NameFault::AcceptsDots),
        Fault::Wait(WaitFault::AcceptsAboveMax),
    ]
}

/// The signatures of each planted fault of [`three_faults`] alone.
const THREE_SIGNATURES: [&str; 3] = [
    "expected-outcome @ ExecutionName:length",
    "expected-outcome @ FlowName:characters",
    "expected-outcome @ WaitTimeSeconds:maximum",
];

fn signatures(report: &FuzzReport) -> Vec<&str> {
    report
        .failures
        .iter()
        .map(|failure| failure.signature.as_str())
        .collect()
}

fn temp_file(name: &str) -> std::path::PathBuf {
    let file = std::env::temp_dir().join(format!("conformance-{name}-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&file);
    file
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): 10,000 generated requests and shrinking, 12 s of CPU in debug"]
async fn three_planted_faults_are_three_distinct_failures_of_one_run() {
    let target = Target::faulty(three_faults()).await;
    let report = fuzz(&options(&target), &budget(10_000, 1, None))
        .await
        .unwrap();
    assert_eq!(report.generated, 10_000, "the run went on to its budget");
    assert!(!report.stopped_early);
    let found = signatures(&report);
    for expected in THREE_SIGNATURES {
        assert!(found.contains(&expected), "{expected} not in {found:#?}");
    }
    let mut unique = found.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), found.len(), "distinct: {found:#?}");
    let hits: u64 = report.failures.iter().map(|failure| failure.hits).sum();
    assert_eq!(hits, report.failed, "every failing request is in one group");
    for failure in &report.failures {
        assert!(failure.hits >= 1 && failure.index.is_some());
        assert_eq!(
            conformance::runner::signature(&failure.request, &failure.findings),
            failure.signature,
            "the shrunk request fails as its group does"
        );
    }
    // Shrinking made the names simple: the dotted flow name is `a.`, the long execution
    // name is made of `a`s.
    let request = |signature: &str| {
        &report
            .failures
            .iter()
            .find(|failure| failure.signature == signature)
            .unwrap()
            .request
    };
    let value = |request: &conformance::strategies::FuzzRequest, name: &str| {
        request
            .params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    assert_eq!(value(request(THREE_SIGNATURES[1]), "FlowName"), "a.");
    let long = value(request(THREE_SIGNATURES[0]), "ExecutionName");
    let max = Contract::embedded().names().rules().max_length;
    assert_eq!(long, "a".repeat(max + 1));
}

/// On several threads, so that requests are drawn, sent and answered in another order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "slow tier (.ci/slow-tier): two fuzz runs, 13 s of CPU in debug"]
async fn the_failures_do_not_depend_on_the_concurrency() {
    let target = Target::faulty(three_faults()).await;
    let run = |concurrency: usize| {
        let options = RunOptions {
            concurrency,
            ..options(&target)
        };
        async move {
            let report = fuzz(&options, &budget(3_000, 5, None)).await.unwrap();
            let failures: Vec<_> = report
                .failures
                .iter()
                .map(|failure| {
                    (
                        failure.signature.clone(),
                        failure.index,
                        failure.hits,
                        failure.request.clone(),
                    )
                })
                .collect();
            (report.generated, report.failed, failures)
        }
    };
    let one = run(1).await;
    assert!(one.2.len() >= 2, "{:#?}", one.2);
    assert_eq!(run(16).await, one);
    assert_eq!(run(64).await, one);
}

#[tokio::test]
async fn max_failures_stops_at_the_first_distinct_failure() {
    let target = Target::faulty(three_faults()).await;
    let report = fuzz(
        &options(&target),
        &FuzzOptions {
            max_failures: Some(1),
            ..budget(10_000, 1, None)
        },
    )
    .await
    .unwrap();
    assert_eq!(report.failures.len(), 1, "{:#?}", signatures(&report));
    assert!(report.stopped_early);
    let first = report.failures[0].index.unwrap();
    assert_eq!(
        report.generated,
        first + 1,
        "counted up to the first failing request"
    );
    assert_eq!(report.failed, report.failures[0].hits);
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): three fuzz runs with shrinking, 24 s of CPU in debug"]
async fn the_regressions_file_keeps_every_distinct_failure_once() {
    let target = Target::faulty(three_faults()).await;
    let file = temp_file("regressions-distinct");
    // A line kept by an earlier run whose request passes now: its signature is in the file
    // all the same, so another request with it is not added.
    let passing = format!(
        "FlowName=f&ExecutionName=e # {} (seed 0, request 0)\n",
        THREE_SIGNATURES[1]
    );
    std::fs::write(&file, &passing).unwrap();
    let first = fuzz(&options(&target), &budget(10_000, 1, Some(file.clone())))
        .await
        .unwrap();
    assert_eq!(first.replayed, 1);
    let dotted = first
        .failures
        .iter()
        .find(|failure| failure.signature == THREE_SIGNATURES[1])
        .expect("found again");
    assert!(!dotted.kept, "already in the file");
    let lines = |file: &std::path::Path| -> Vec<(String, String)> {
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .map(|line| {
                let (request, comment) = line.split_once(" # ").unwrap();
                let signature = comment.split(" (seed ").next().unwrap();
                (request.to_owned(), signature.to_owned())
            })
            .collect()
    };
    let kept = lines(&file);
    let kept_signatures: Vec<&str> = kept.iter().map(|(_, s)| s.as_str()).collect();
    let mut expected = vec![THREE_SIGNATURES[1]];
    expected.extend(
        signatures(&first)
            .into_iter()
            .filter(|signature| *signature != THREE_SIGNATURES[1]),
    );
    assert_eq!(kept_signatures, expected, "one line each");

    // A second run with another seed replays all of them first, then generates, and adds
    // only signatures the file does not hold.
    let second = fuzz(&options(&target), &budget(10_000, 3, Some(file.clone())))
        .await
        .unwrap();
    assert_eq!(second.replayed, kept.len());
    assert_eq!(second.generated, 10_000);
    assert_eq!(
        &signatures(&second)[..kept.len() - 1],
        &kept_signatures[1..],
        "the failing replays come first, each its own failure"
    );
    let after = lines(&file);
    assert_eq!(&after[..kept.len()], &kept[..]);
    let mut all: Vec<&str> = after.iter().map(|(_, s)| s.as_str()).collect();
    for signature in signatures(&second) {
        assert!(all.contains(&signature), "{signature} kept");
    }
    all.sort_unstable();
    let count = all.len();
    all.dedup();
    assert_eq!(all.len(), count, "no signature twice: {after:#?}");
    std::fs::remove_file(file).unwrap();
}

#[test]
#[ignore = "slow tier (.ci/slow-tier): a fuzz run with shrinking in a process, 16 s of CPU in debug"]
fn the_printed_replay_command_replays_the_failure() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = runtime.block_on(Target::faulty(vec![Fault::Name(
        NameParameter::Flow,
        NameFault::AcceptsDots,
    )]));
    let url = target.reference.url();
    let dir = std::env::temp_dir().join(format!("conformance-fuzz-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conformance = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args([
                "fuzz",
                "--target",
                &url,
                "--access-key-id",
                "testid",
                "--access-key-secret",
                "testsecret",
            ])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let found = conformance(&["--seed", "11", "--cases", "10000"]);
    let stdout = String::from_utf8_lossy(&found.stdout).into_owned();
    assert_eq!(found.status.code(), Some(1), "{stdout}");
    let replay = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("replay: "))
        .expect("a replay line")
        .to_owned();
    let params = replay
        .split("--replay '")
        .nth(1)
        .unwrap()
        .trim_end_matches('\'');
    assert!(
        std::fs::read_to_string(dir.join("fuzz-regressions.txt"))
            .unwrap()
            .starts_with(params)
    );
    std::fs::remove_file(dir.join("fuzz-regressions.txt")).unwrap();
    let replayed = conformance(&["--replay", params]);
    let text = String::from_utf8_lossy(&replayed.stdout);
    assert_eq!(replayed.status.code(), Some(1), "{text}");
    assert!(text.contains("0 passed, 1 failed"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
    drop(target);
}
