//! The timing cases against the reference target: all pass on the clean target, and each
//! timing check fails on a target that answers too early, too late, or holds a request
//! for a finished execution.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::Target;
use conformance::checks::CheckId;
use conformance::reference::Fault;
use conformance::runner::{RunOptions, run};

/// The (case, check) pairs of the timing cases that fail against a target with `faults`.
async fn timing_failures(faults: Vec<Fault>) -> BTreeSet<(String, CheckId)> {
    let target = Target::faulty(faults).await;
    let options = RunOptions {
        filters: vec!["timing".to_owned()],
        timeout: Duration::from_secs(1),
        ..target.run_options()
    };
    let report = run(&options).await.unwrap();
    assert_eq!(report.timing().count(), 13);
    assert!(report.timing_bounds.is_some());
    report
        .findings()
        .map(|finding| (finding.case.clone(), finding.check))
        .collect()
}

fn has(failures: &BTreeSet<(String, CheckId)>, case: &str, check: CheckId) -> bool {
    failures.contains(&(case.to_owned(), check))
}

#[tokio::test]
async fn every_timing_case_passes_on_the_clean_target() {
    let failures = timing_failures(Vec::new()).await;
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn a_target_that_answers_long_polls_early_fails() {
    let failures = timing_failures(vec![Fault::AnswersEarly]).await;
    assert!(
        has(
            &failures,
            "timing/wait-outlived-2",
            CheckId::TimingWaitHonoured
        ),
        "{failures:#?}"
    );
    assert!(
        has(
            &failures,
            "timing/ends-during-wait",
            CheckId::TimingEndsWithExecution
        ),
        "{failures:#?}"
    );
    assert!(
        has(&failures, "timing/ends-during-wait", CheckId::TimingAnswer),
        "{failures:#?}"
    );
}

#[tokio::test]
async fn a_target_that_answers_long_polls_late_fails() {
    let failures = timing_failures(vec![Fault::AnswersLate]).await;
    assert!(
        has(
            &failures,
            "timing/wait-outlived-2",
            CheckId::TimingWaitHonoured
        ),
        "{failures:#?}"
    );
    assert!(
        has(
            &failures,
            "timing/ends-during-wait",
            CheckId::TimingEndsWithExecution
        ),
        "{failures:#?}"
    );
    assert!(
        has(
            &failures,
            "timing/fails-during-wait",
            CheckId::TimingEndsWithExecution
        ),
        "{failures:#?}"
    );
}

#[tokio::test]
async fn a_target_that_holds_a_finished_execution_fails() {
    let failures = timing_failures(vec![Fault::HoldsFinished]).await;
    assert!(
        has(&failures, "timing/finished-60", CheckId::TimingAtOnce),
        "{failures:#?}"
    );
    assert!(
        has(&failures, "timing/stopped", CheckId::TimingAtOnce),
        "{failures:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_fault_of_polls_held_at_once_is_caught_by_its_owner() {
    let cases = [
        (Fault::WakesOne, "timing/ends-during-wait-8-held"),
        (Fault::StopWakesNone, "timing/stopped-while-6-held"),
        (Fault::ServesFewAtOnce, "timing/at-once-beside-64-held"),
        (Fault::WaitFromStart, "timing/wait-outlived-2-sent-late"),
    ];
    let runs = cases.map(|(fault, _)| tokio::spawn(timing_failures(vec![fault])));
    for ((fault, case), run) in cases.into_iter().zip(runs) {
        let failures = run.await.unwrap();
        assert!(
            has(&failures, case, fault.owner()),
            "{fault}: {failures:#?}"
        );
    }
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the real service's pace, 20 s of waiting"]
async fn at_the_real_services_pace_the_default_suite_passes_on_the_clean_target() {
    // DescribeExecution at 5 a second beyond a burst of 50: the catalog's requests wait
    // their turn, and none of the timing cases' polls may wait behind them.
    let target = Target::start().await;
    let options = RunOptions {
        pacing: conformance::runner::Pacing::Service,
        ..target.run_options()
    };
    let report = run(&options).await.unwrap();
    assert_eq!(report.timing().count(), 13);
    let findings: Vec<_> = report.findings().collect();
    assert!(findings.is_empty(), "{findings:#?}");
}
