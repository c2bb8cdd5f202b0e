//! The fault catalog of the reference target, as tests. Fast: every check that owns a
//! fault catches one of its faults end to end (the default run against the in-process
//! reference target with that fault), every check of the registry is proven to fail
//! somewhere, and `docs/fault-matrix.md` lists every fault with the rule it breaks and its
//! owner. Slow tier: the whole matrix, the default suite (catalog, timing cases, a
//! 2,000-request fuzz run) against the target with each fault, must fail the check that
//! owns the broken rule, and against the clean target must not fail at all, as the
//! document says.

mod common;

use std::collections::BTreeSet;

use common::{Target, otherid};
use conformance::checks::CheckId;
use conformance::reference::Fault;
use conformance::report::write_fault_matrix;
use conformance::runner::{FaultOutcome, RunOptions, fault_matrix, run};

/// One fault for each check that owns a fault, one of each family of rules: names,
/// WaitTimeSeconds, long-poll timing, execution states, bodies, messages, statuses and the
/// protocol (RequestId, the same answer to every encoding, content type, 5xx, no answer at
/// all), and throttling answers (their runs have the throttling probe, which alone provokes
/// them). The timing faults are those
/// that answer seconds late: a loaded machine widens the bounds (they grow with the
/// measured round trip), so a fault that answers early (`answers-early`) or a little late
/// (`overshoots-end`) may slip through them there; the slow tier runs those too.
const FAST_FAULTS: &[&str] = &[
    "flow-name-accepts-dots",
    "wait-accepts-above-max",
    "ignores-wait",
    "answers-late",
    "holds-finished",
    "stopped-as-failed",
    "status-goes-back",
    "body-drops-started-time",
    "message-off-template",
    "error-wrong-status",
    "request-id-header-differs",
    "request-id-repeated",
    "post-whole-seconds",
    "content-type-text",
    "crashes-on-long-names",
    "hangs-on-empty-names",
    "gateway-auth-errors",
    "throttle-hint-malformed",
    "stopped-time-moves",
    "names-lower-cased",
    "json-bom-on-setup",
];

/// The checks no fault owns, each proven to fail by the unit tests beside it on canned
/// exchanges (`src/checks/`), and `time-bound` also end to end (`tests/run.rs`).
const PROVEN_BY_UNIT_TESTS: &[CheckId] =
    &[CheckId::JsonBody, CheckId::ErrorSchema, CheckId::TimeBound];

fn fault(name: &str) -> Fault {
    Fault::named(name).unwrap_or_else(|| panic!("no fault {name}"))
}

#[test]
fn there_are_at_least_35_faults() {
    // Each is owned by a check: `Fault::owner` gives a `CheckId`, so that is the compiler's.
    let faults = Fault::all();
    assert!(faults.len() >= 35, "{} faults", faults.len());
}

#[test]
fn every_check_is_proven_to_fail_by_a_fast_fault_or_its_unit_tests() {
    let fast: BTreeSet<CheckId> = FAST_FAULTS.iter().map(|name| fault(name).owner()).collect();
    let owners: BTreeSet<CheckId> = Fault::all().into_iter().map(Fault::owner).collect();
    // Every check that owns a fault has one among the fast faults.
    let missing: Vec<&CheckId> = owners.difference(&fast).collect();
    assert!(missing.is_empty(), "no fast fault for {missing:?}");
    let proven: BTreeSet<CheckId> = fast
        .into_iter()
        .chain(PROVEN_BY_UNIT_TESTS.iter().copied())
        .collect();
    // Every check `conformance checks` lists, per exchange, per run and per long poll.
    let registry: BTreeSet<CheckId> = CheckId::ALL.into_iter().collect();
    assert_eq!(proven, registry);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fault_of_each_owning_check_is_caught_by_its_owner() {
    // The runs go side by side: only the owner's finding counts, which a loaded machine
    // cannot take away (every fast fault is seconds from its bound), only add to.
    let mut runs = tokio::task::JoinSet::new();
    for name in FAST_FAULTS {
        let fault = fault(name);
        runs.spawn(async move {
            let target = Target::faulty(vec![fault]).await;
            let report = run(&RunOptions {
                other_credentials: Some(otherid()),
                probe_throttling: fault.throttles(),
                ..target.run_options()
            })
            .await
            .unwrap_or_else(|error| panic!("{fault}: {error}"));
            let caught_by: BTreeSet<CheckId> =
                report.findings().map(|finding| finding.check).collect();
            (fault, caught_by)
        });
    }
    let mut missed: Vec<String> = runs
        .join_all()
        .await
        .into_iter()
        .filter(|(fault, caught_by)| !caught_by.contains(&fault.owner()))
        .map(|(fault, caught_by)| {
            format!(
                "{fault} (owned by {}) was caught by {caught_by:?}",
                fault.owner()
            )
        })
        .collect();
    missed.sort();
    assert!(missed.is_empty(), "{missed:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn set_up_answers_that_are_not_strict_json_are_findings_of_their_steps_and_the_cases_run() {
    // CreateFlow, StartExecution, StopExecution and DeleteFlow answer with a byte-order
    // mark: readable leniently, so the run goes on with what they made.
    let target = Target::faulty(vec![fault("json-bom-on-setup")]).await;
    let report = run(&RunOptions {
        other_credentials: Some(otherid()),
        ..target.run_options()
    })
    .await
    .expect("the run goes on");
    assert!(!report.conformant());
    assert_eq!(report.skipped().count(), 0);
    let steps: BTreeSet<&str> = report
        .findings()
        .map(|finding| {
            assert_eq!(finding.check, CheckId::StrictJson, "{finding:?}");
            assert!(finding.actual.contains("byte-order mark"), "{finding:?}");
            finding.case.as_str()
        })
        .collect();
    // One finding per step, however many of its answers broke the rule; the clean-up's
    // DeleteFlow too.
    assert_eq!(
        steps,
        BTreeSet::from([
            "setup/CreateFlow",
            "setup/DeleteFlow",
            "setup/StartExecution",
            "setup/StopExecution"
        ])
    );
    assert_eq!(report.findings().count(), steps.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_long_poll_of_the_timing_cases_is_held_to_strict_json() {
    let target = Target::faulty(vec![fault("json-trailing-data")]).await;
    let report = run(&RunOptions {
        filters: vec!["timing".to_owned()],
        ..target.run_options()
    })
    .await
    .expect("the run goes on");
    let timing: Vec<_> = report.timing().collect();
    assert!(timing.len() >= 5, "{}", timing.len());
    for (result, _) in timing {
        let checks: Vec<CheckId> = result
            .findings
            .iter()
            .map(|finding| finding.check)
            .collect();
        assert_eq!(checks, [CheckId::StrictJson], "{}", result.case.id);
        assert!(
            result.findings[0].actual.starts_with("poll 1 of "),
            "{:?}",
            result.findings
        );
    }
}

/// Asserts that `docs/fault-matrix.md` is what the matrix writes for these outcomes.
fn assert_current(outcomes: &[FaultOutcome]) {
    let mut generated = Vec::new();
    write_fault_matrix(outcomes, &mut generated).unwrap();
    common::assert_document_current(
        "docs/fault-matrix.md",
        &generated,
        "cargo run --release -- fault-matrix",
    );
}

#[test]
fn the_fault_matrix_document_lists_every_fault_with_its_rule_and_owner() {
    // The verdicts the slow tier requires: every fault caught by its owner, nothing found
    // on the clean target. The document must say so of the faults there are now.
    let mut outcomes = vec![FaultOutcome {
        fault: None,
        caught_by: BTreeSet::new(),
        findings: 0,
    }];
    outcomes.extend(Fault::all().into_iter().map(|fault| FaultOutcome {
        fault: Some(fault),
        caught_by: BTreeSet::from([fault.owner()]),
        findings: 1,
    }));
    assert_current(&outcomes);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow tier (.ci/slow-tier): the default suite against each fault, minutes"]
async fn every_fault_is_caught_by_its_owner_and_the_clean_target_by_nothing() {
    let outcomes = fault_matrix(&Fault::all()).await.expect("the suites run");
    let missed: Vec<String> = outcomes
        .iter()
        .filter(|outcome| !outcome.detected())
        .map(|outcome| match outcome.fault {
            Some(fault) => format!(
                "{fault} (owned by {}) was caught by {:?}",
                fault.owner(),
                outcome.caught_by
            ),
            None => format!(
                "the clean target failed {} times: {:?}",
                outcome.findings, outcome.caught_by
            ),
        })
        .collect();
    assert!(missed.is_empty(), "{missed:#?}");
    assert_current(&outcomes);
}
