//! The runner: provisions the fixtures, sends every selected case with bounded
//! concurrency at the run's pace, checks each exchange, and removes what it provisioned,
//! however the run ends. It knows nothing of output formats: it returns a [`RunReport`].
//!
//! One module per concern: the session (the target, and how every request goes out), the
//! lifecycle guard that removes what a run created however it ends, provisioning,
//! selection (`--case`, `--filter`, `--shard`), scheduling, the timing scripts, fuzzing
//! and the matrices; [`RunReport`] holds one ordered list of case results.

mod backoff;
mod baseline;
mod error;
mod events;
mod fuzz;
mod history;
mod interrupt;
mod matrix;
mod pacing;
mod provision;
mod provisioned;
mod recording;
mod results;
mod schedule;
mod selection;
mod session;
mod steps;
mod throttling;
mod timing;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cases::fixtures::FixtureFile;
use crate::wire::{ClientOptions, Credentials, Endpoint, SignatureVersion};

pub use baseline::{Baseline, BaselineError, BaselineVerdict, FUZZ_ENTRY, Known, LineError, Stale};
pub use error::RunError;
pub use events::{Events, RunEvent};
pub use fuzz::{FuzzFailure, FuzzOptions, FuzzReport, decode, encode, fuzz, signature};
pub use interrupt::Interrupt;
pub(crate) use matrix::{
    CHOICE_FUZZ_CASES, MATRIX_FUZZ_CASES, MATRIX_FUZZ_SEED, THROTTLED_CHOICE_FUZZ_CASES,
};
pub use matrix::{ChoiceOutcome, FaultOutcome, choice_matrix, fault_matrix};
pub use pacing::{Pacing, SERVICE_DESCRIBE_LIMIT, SERVICE_OTHER_LIMIT, ServiceLimit};
pub use recording::Recorded;
pub use results::{CaseOutcome, CaseResult, Checked, RunReport};
pub use selection::{Shard, list, unknown_cases};
pub(crate) use timing::timing_execution;

use provision::{Need, case_needs, provision, throttling_needs, timing_needs};
use provisioned::Lifecycle;
use selection::{Planned, selected};
use session::Session;

/// What to run, against what.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The endpoint; `None` starts the embedded reference target.
    pub target: Option<Endpoint>,
    /// The credentials that sign the cases.
    pub credentials: Option<Credentials>,
    /// Credentials of a second account, for account isolation.
    pub other_credentials: Option<Credentials>,
    /// The signature version of the cases that do not need a particular one.
    pub signature: SignatureVersion,
    /// How many cases are in flight at once.
    pub concurrency: usize,
    /// How fast requests may go.
    pub pacing: Pacing,
    /// The latest an answer may come.
    pub timeout: Duration,
    /// Case ids to run (all if empty).
    pub cases: Vec<String>,
    /// Patterns a case must match, by tag or id (all if empty).
    pub filters: Vec<String>,
    /// The margin added to the measured round trip in every timing bound.
    pub timing_margin: Duration,
    /// Whether the timing cases include waits up to the contract's maximum.
    pub long_waits: bool,
    /// Whether the throttling probe runs (`--probe-throttling`): a burst of up to a few
    /// hundred requests that provokes the target's 429, never on by default.
    pub probe_throttling: bool,
    /// Whether Ctrl-C or SIGTERM stops the run, after removing what it created.
    pub stop_on_interrupt: bool,
    /// Executions that exist already; the run then creates (and removes) nothing.
    pub fixtures: Option<FixtureFile>,
    /// Run only this part of the selected cases.
    pub shard: Option<Shard>,
    /// Who hears of the run's progress, if anyone.
    pub events: Option<Events>,
    /// How the HTTP client connects and reads (TLS roots, `--insecure`, body cap).
    pub client: ClientOptions,
    /// Whether the report keeps every exchange of the run ([`RunReport::exchanges`]), for
    /// `--report har=PATH`.
    pub record_exchanges: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            target: None,
            credentials: None,
            other_credentials: None,
            signature: SignatureVersion::V1,
            concurrency: 16,
            pacing: Pacing::Unlimited,
            timeout: Duration::from_secs(10),
            cases: Vec::new(),
            filters: Vec::new(),
            timing_margin: Duration::from_millis(500),
            long_waits: false,
            probe_throttling: false,
            stop_on_interrupt: false,
            fixtures: None,
            shard: None,
            events: None,
            client: ClientOptions::default(),
            record_exchanges: false,
        }
    }
}

/// Runs the selected cases and checks every answer. However it ends (at the end, on an
/// error, or interrupted at any moment, set-up included), it first removes what it created.
pub async fn run(options: &RunOptions) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let lifecycle = Lifecycle::open(options).await?;
    let session = lifecycle.session();
    let (mut report, removal) = lifecycle.run(run_in(&session, options)).await?;
    // The set-up and clean-up steps whose answers break strict JSON, before the cases.
    report.cases.splice(0..0, session.strict_steps.take());
    report.steps = session.strict_steps.answered_steps();
    report.left_behind = removal.left;
    report.exchanges = session.recording.take();
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The run on an open session: set-up, then the cases.
async fn run_in(session: &Arc<Session>, options: &RunOptions) -> Result<RunReport, RunError> {
    let planned = selected(&session.fixtures, options);
    let needs = |case: &Planned| match case {
        Planned::Catalog(case) => case_needs(&session.fixtures, case),
        Planned::Timing(case) => timing_needs(case),
        Planned::Throttling(_) => throttling_needs(),
    };
    // Set-up makes what the selected cases need (`--filter throttling`: no timing flows).
    let all_needs: Vec<Need> = planned.iter().flat_map(needs).collect();
    let setup = provision(session, &all_needs).await?;
    let skip = |case: &Planned| {
        case.skip(session)
            .map(str::to_owned)
            .or_else(|| setup.lacks(&needs(case)))
    };
    let (ran, timing_bounds) = schedule::run_planned(
        session,
        planned,
        skip,
        options.concurrency,
        options.timing_margin,
    )
    .await;
    let mut cases: Vec<CaseResult> = setup.broken.into_iter().collect();
    cases.extend(ran);
    Ok(RunReport {
        target: session.endpoint.to_string(),
        embedded: options.target.is_none(),
        run_id: session.fixtures.run_id.clone(),
        signature: options.signature,
        cases,
        timing_bounds,
        elapsed: Duration::ZERO,
        left_behind: Vec::new(),
        steps: Vec::new(),
        baseline: None,
        exchanges: Vec::new(),
    })
}
