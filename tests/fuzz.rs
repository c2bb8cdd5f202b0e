//! Fuzzing parameter validation: nothing on the clean reference target; a planted
//! validation bug found, shrunk, kept and replayed.

mod common;

use common::Target;
use conformance::contract::Contract;
use conformance::reference::{Fault, NameFault, NameParameter};
use conformance::runner::{FuzzOptions, RunOptions, decode, fuzz};

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

async fn planted(
    fault: Fault,
    seed: u64,
) -> (conformance::runner::FuzzReport, std::path::PathBuf, Target) {
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
            .any(|f| f.check == "expected-outcome"),
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
    assert_eq!(again.failures.len(), 1);
    assert_eq!(
        again.failures[0].index, None,
        "the failure is the replayed one"
    );
    std::fs::remove_file(file).unwrap();
}

#[tokio::test]
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

#[test]
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
