//! The fault and choice matrices: the default suite (the catalog, the timing cases and a
//! fuzz run) against the reference target with each of its faults in turn, and without
//! any, proves that each check catches the faults it owns and that a conformant target
//! gives no failure (`conformance fault-matrix`, `docs/fault-matrix.md`); the same suite
//! against each of its choices proves that the harness stays quiet on every answer the
//! contract allows (`conformance choice-matrix`, `docs/choice-matrix.md`).
//!
//! The suites of a matrix run `matrix_parallelism()` at a time; the clean target's suite,
//! the one whose every finding counts, runs first and alone.

use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{FuzzOptions, Pacing, RunError, RunOptions, fuzz, run};
use crate::checks::{CheckId, Finding};
use crate::reference::{Choice, Fault, Reference, ReferenceOptions, default_accounts};

/// How many generated requests the fuzz run of each fault's suite sends.
pub(crate) const MATRIX_FUZZ_CASES: u64 = 2_000;
/// How many generated requests the fuzz run of each choice's suite sends.
pub(crate) const CHOICE_FUZZ_CASES: u64 = 5_000;
/// The seed of those fuzz runs, so that every matrix sends the same requests.
pub(crate) const MATRIX_FUZZ_SEED: u64 = 2019_0315;
/// How many generated requests the fuzz run of a choice that throttles at the real
/// service's rate sends (at that rate: 5 a second).
pub(crate) const THROTTLED_CHOICE_FUZZ_CASES: u64 = 50;

/// How a matrix runs the default suite against one target.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// How fast the suite sends.
    pacing: Pacing,
    /// Whether the run has the throttling probe.
    probe_throttling: bool,
    /// How many requests its fuzz run sends, if it has one.
    fuzz_cases: Option<u64>,
}

impl Plan {
    /// The suite against a fault: the default suite; for a fault of throttling answers,
    /// which only the throttling probe provokes, the run with the probe and no fuzz run
    /// (its target throttles DescribeExecution, and the fault bends nothing else).
    fn fault(fault: Option<Fault>) -> Self {
        let throttles = fault.is_some_and(Fault::throttles);
        Self {
            pacing: Pacing::Unlimited,
            probe_throttling: throttles,
            fuzz_cases: (!throttles).then_some(MATRIX_FUZZ_CASES),
        }
    }

    /// The suite against a choice: the default suite; for a choice that throttles at the
    /// real service's rate, at the pace a run keeps to against the real service (its
    /// backoff waits out what slips through), with the throttling probe, and a fuzz run of
    /// `THROTTLED_CHOICE_FUZZ_CASES`, which starts on the bucket the probe emptied.
    fn choice(choice: Choice) -> Self {
        if choice.throttles() {
            Self {
                pacing: Pacing::Service,
                probe_throttling: true,
                fuzz_cases: Some(THROTTLED_CHOICE_FUZZ_CASES),
            }
        } else {
            Self {
                pacing: Pacing::Unlimited,
                probe_throttling: false,
                fuzz_cases: Some(CHOICE_FUZZ_CASES),
            }
        }
    }
}

/// The most suites of a matrix that run at once, whatever the machine.
///
/// Each suite's timing cases measure long polls by the wall clock against bounds derived
/// from the suite's own baseline: suites that run beside each other share the CPU, and too
/// many would make a conformant target's answers late. One suite a core, as proven on two
/// cores (release build: the fault matrix twice and the choice matrix, no timing finding
/// on the clean target or any choice), and no more than four until more is proven safe.
const MAX_MATRIX_PARALLELISM: usize = 4;

/// How many suites of a matrix run at once: one a core, at most
/// `MAX_MATRIX_PARALLELISM`.
fn matrix_parallelism() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_MATRIX_PARALLELISM)
}

/// What the default suite found against one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultOutcome {
    /// The fault switched on; `None` for the conformant reference target.
    pub fault: Option<Fault>,
    /// The checks that failed, each at least once.
    pub caught_by: BTreeSet<CheckId>,
    /// How many findings in all.
    pub findings: usize,
}

impl FaultOutcome {
    /// Whether the check that owns the fault's rule caught it (for the clean target:
    /// whether nothing failed).
    pub fn detected(&self) -> bool {
        match self.fault {
            Some(fault) => self.caught_by.contains(&fault.owner()),
            None => self.findings == 0,
        }
    }
}

/// What the default suite found against the reference target with one choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceOutcome {
    /// The choice.
    pub choice: Choice,
    /// Every finding (there should be none).
    pub findings: Vec<Finding>,
}

impl ChoiceOutcome {
    /// Whether the harness stayed quiet, as it must on an answer the contract allows.
    pub fn quiet(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Runs the default suite against the clean reference target, alone, then against one
/// with each fault of `faults` switched on, `matrix_parallelism()` at a time; the outcomes
/// come in that order.
pub async fn fault_matrix(faults: &[Fault]) -> Result<Vec<FaultOutcome>, RunError> {
    let mut outcomes = Vec::with_capacity(faults.len() + 1);
    outcomes.push(fault_outcome(None).await?);
    let faulty = in_parallel(faults.iter().map(|fault| fault_outcome(Some(*fault))));
    outcomes.extend(faulty.await?);
    Ok(outcomes)
}

/// Runs the default suite, with a fuzz run of `CHOICE_FUZZ_CASES`, against the reference
/// target with each choice of `choices`, `matrix_parallelism()` at a time; the outcomes
/// come in the order of `choices`.
pub async fn choice_matrix(choices: &[Choice]) -> Result<Vec<ChoiceOutcome>, RunError> {
    in_parallel(choices.iter().map(|choice| {
        let choice = *choice;
        let options = ReferenceOptions {
            choices: vec![choice],
            ..ReferenceOptions::default()
        };
        async move {
            Ok(ChoiceOutcome {
                choice,
                findings: suite(options, Plan::choice(choice)).await?,
            })
        }
    }))
    .await
}

/// Runs `suites`, `matrix_parallelism()` at a time, and gives their outcomes in their
/// order; the first error (in that order) stops the others. The suites share this task
/// (a fuzz run is not `Send`); the work of each, its cases and its target, is spawned.
async fn in_parallel<T, S>(suites: impl Iterator<Item = S>) -> Result<Vec<T>, RunError>
where
    S: Future<Output = Result<T, RunError>>,
{
    let permits = &Semaphore::new(matrix_parallelism());
    let mut pending: Vec<_> = suites
        .map(|suite| {
            Box::pin(async move {
                let _permit = permits.acquire().await;
                suite.await
            })
        })
        .collect();
    let mut outcomes: Vec<Option<Result<T, RunError>>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|context| {
        for (suite, outcome) in pending.iter_mut().zip(&mut outcomes) {
            if outcome.is_none()
                && let Poll::Ready(ready) = suite.as_mut().poll(context)
            {
                *outcome = Some(ready);
            }
        }
        // An error stops the matrix once every suite before it has ended.
        for outcome in &outcomes {
            match outcome {
                None => return Poll::Pending,
                Some(Err(_)) => return Poll::Ready(()),
                Some(Ok(_)) => {}
            }
        }
        Poll::Ready(())
    })
    .await;
    outcomes.into_iter().map_while(|outcome| outcome).collect()
}

async fn fault_outcome(fault: Option<Fault>) -> Result<FaultOutcome, RunError> {
    let options = ReferenceOptions {
        faults: fault.into_iter().collect(),
        ..ReferenceOptions::default()
    };
    let findings = suite(options, Plan::fault(fault)).await?;
    Ok(FaultOutcome {
        fault,
        caught_by: findings.iter().map(|finding| finding.check).collect(),
        findings: findings.len(),
    })
}

/// The default suite, as `plan` says, against a reference target with `target`'s
/// options: every finding.
async fn suite(target: ReferenceOptions, plan: Plan) -> Result<Vec<Finding>, RunError> {
    let reference = Reference::start(SocketAddr::from(([127, 0, 0, 1], 0)), target)
        .await
        .map_err(|source| RunError::Reference {
            which: "a reference target",
            source,
        })?;
    let accounts = default_accounts();
    let options = RunOptions {
        target: Some(reference.endpoint()),
        credentials: accounts.first().cloned(),
        other_credentials: accounts.get(1).cloned(),
        pacing: plan.pacing,
        probe_throttling: plan.probe_throttling,
        ..RunOptions::default()
    };
    let outcome = async {
        let report = run(&options).await?;
        let mut findings: Vec<Finding> = report.findings().cloned().collect();
        let Some(cases) = plan.fuzz_cases else {
            return Ok(findings);
        };
        let fuzzed = fuzz(
            &options,
            &FuzzOptions {
                cases: Some(cases),
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
        findings.extend(
            fuzzed
                .failures
                .iter()
                .flat_map(|failure| failure.findings.iter().cloned()),
        );
        Ok(findings)
    }
    .await;
    // A fault may hold requests for minutes: stop without waiting for them.
    let _ = tokio::time::timeout(Duration::from_secs(1), reference.stop()).await;
    outcome
}
