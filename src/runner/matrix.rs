//! The fault matrix: the default suite (the catalog, the timing cases and a fuzz run)
//! against the reference target with each of its faults in turn, and without any. It
//! proves that each check catches the faults it owns and that a conformant target gives no
//! failure (`conformance fault-matrix`, `docs/fault-matrix.md`).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use super::{FuzzOptions, RunError, RunOptions, fuzz, run};
use crate::reference::{Fault, Reference, ReferenceOptions, default_accounts};

/// How many generated requests the fuzz run of each suite sends.
pub const MATRIX_FUZZ_CASES: u64 = 2_000;
/// The seed of those fuzz runs, so that every matrix sends the same requests.
pub const MATRIX_FUZZ_SEED: u64 = 2019_0315;

/// What the default suite found against one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultOutcome {
    /// The fault switched on; `None` for the conformant reference target.
    pub fault: Option<Fault>,
    /// The checks that failed, each at least once.
    pub caught_by: BTreeSet<&'static str>,
    /// How many findings in all.
    pub findings: usize,
}

impl FaultOutcome {
    /// Whether the check that owns the fault's rule caught it (for the clean target:
    /// whether nothing failed).
    pub fn detected(&self) -> bool {
        match self.fault {
            Some(fault) => self.caught_by.contains(fault.owner()),
            None => self.findings == 0,
        }
    }
}

/// Runs the default suite against the clean reference target, then against one with each
/// fault of `faults` switched on.
pub async fn fault_matrix(faults: &[Fault]) -> Result<Vec<FaultOutcome>, RunError> {
    let mut outcomes = Vec::with_capacity(faults.len() + 1);
    outcomes.push(suite(None).await?);
    for fault in faults {
        outcomes.push(suite(Some(*fault)).await?);
    }
    Ok(outcomes)
}

/// The default suite against a reference target with `fault`.
async fn suite(fault: Option<Fault>) -> Result<FaultOutcome, RunError> {
    let reference = Reference::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ReferenceOptions {
            faults: fault.into_iter().collect(),
            ..ReferenceOptions::default()
        },
    )
    .await
    .map_err(|error| RunError::Setup(format!("failed to start a reference target: {error}")))?;
    let accounts = default_accounts();
    let options = RunOptions {
        target: Some(reference.endpoint()),
        credentials: accounts.first().cloned(),
        other_credentials: accounts.get(1).cloned(),
        ..RunOptions::default()
    };
    let outcome = async {
        let report = run(&options).await?;
        let fuzzed = fuzz(
            &options,
            &FuzzOptions {
                cases: Some(MATRIX_FUZZ_CASES),
                duration: None,
                seed: MATRIX_FUZZ_SEED,
                regressions: None,
                replay: None,
                shrink: false,
                // Which checks a fault fails is known at its first failure.
                max_failures: Some(1),
            },
        )
        .await?;
        let findings: Vec<&'static str> = report
            .findings()
            .map(|finding| finding.check)
            .chain(
                fuzzed
                    .failures
                    .iter()
                    .flat_map(|failure| failure.findings.iter().map(|finding| finding.check)),
            )
            .collect();
        Ok(FaultOutcome {
            fault,
            caught_by: findings.iter().copied().collect(),
            findings: findings.len(),
        })
    }
    .await;
    // A fault may hold requests for minutes: stop without waiting for them.
    let _ = tokio::time::timeout(Duration::from_secs(1), reference.stop()).await;
    outcome
}
