//! The throttling probe (`--probe-throttling`) end to end: skipped, and saying so, against
//! a target that does not throttle; against one that does, the answer that ends its burst
//! is held to the error table (`--filter throttling` runs it alone).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{Target, otherid};
use conformance::checks::CheckId;
use conformance::reference::{Choice, Fault, ReferenceOptions};
use conformance::runner::{RunOptions, RunReport, run};

const PROBE: &str = "throttling/burst";

fn probe_only(target: &Target) -> RunOptions {
    RunOptions {
        filters: vec!["throttling".to_owned()],
        probe_throttling: true,
        ..target.run_options()
    }
}

/// The checks the probe failed.
fn probe_failures(report: &RunReport) -> BTreeSet<CheckId> {
    report
        .findings()
        .filter(|finding| finding.case == PROBE)
        .map(|finding| finding.check)
        .collect()
}

#[tokio::test]
async fn the_probe_is_skipped_and_says_so_against_a_target_that_does_not_throttle() {
    let target = Target::start().await;
    let report = run(&probe_only(&target)).await.unwrap();
    assert_eq!(
        report.cases.len(),
        1,
        "--filter throttling selects the probe alone"
    );
    let reason = report.cases[0].skip_reason().expect("skipped");
    assert!(
        reason.starts_with("no throttling within 300 requests"),
        "{reason}"
    );
    assert!(report.conformant());
}

#[tokio::test]
async fn the_probe_holds_the_429_that_ends_its_burst_to_the_error_table() {
    let fault = Fault::named("throttle-as-503").unwrap();
    let faulty = Target::faulty(vec![fault]).await;
    let report = run(&probe_only(&faulty)).await.unwrap();
    let failed = probe_failures(&report);
    assert!(failed.contains(&fault.owner()), "{failed:?}");

    // A well-formed 429 passes every check: here at the real service's rate, with a hint
    // in seconds.
    let throttling = Target::with(ReferenceOptions {
        choices: vec![Choice::RateLimitedRetryAfter],
        ..ReferenceOptions::default()
    })
    .await;
    let report = run(&probe_only(&throttling)).await.unwrap();
    assert!(report.cases[0].ran(), "{:?}", report.cases[0].skip_reason());
    assert!(
        report.conformant(),
        "{:#?}",
        report.findings().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_gateway_family_is_a_deviation_of_its_own() {
    let faulty = Target::faulty(vec![Fault::named("throttle-gateway-family").unwrap()]).await;
    let report = run(&RunOptions {
        other_credentials: Some(otherid()),
        ..probe_only(&faulty)
    })
    .await
    .unwrap();
    assert_eq!(
        probe_failures(&report),
        BTreeSet::from([CheckId::ErrorFamily])
    );
}

#[test]
fn the_filter_alone_says_the_probe_needs_its_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["--filter", "throttling"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("only with --probe-throttling"), "{stderr}");
}
