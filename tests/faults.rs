//! The fault catalog of the reference target, as a test: the default suite (catalog,
//! timing cases, a 2,000-request fuzz run) against the target with each fault must fail
//! the check that owns the broken rule, and against the clean target must not fail at all.
//! `docs/fault-matrix.md` must be what this run generates.

use std::path::Path;

use conformance::reference::Fault;
use conformance::report::write_fault_matrix;
use conformance::runner::fault_matrix;

#[test]
fn there_are_at_least_35_faults() {
    // Each is owned by a check: `Fault::owner` gives a `CheckId`, so that is the compiler's.
    let faults = Fault::all();
    assert!(faults.len() >= 35, "{} faults", faults.len());
}

#[tokio::test(flavor = "multi_thread")]
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

    let mut generated = Vec::new();
    write_fault_matrix(&outcomes, &mut generated).unwrap();
    let generated = String::from_utf8(generated).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/fault-matrix.md");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let diff = similar::TextDiff::from_lines(&checked_in, &generated)
            .unified_diff()
            .header("docs/fault-matrix.md", "generated")
            .to_string();
        panic!(
            "docs/fault-matrix.md is not current; regenerate it with\n  cargo run --release -- fault-matrix > docs/fault-matrix.md\n{diff}"
        );
    }
}
