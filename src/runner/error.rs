//! Why a run (or a fuzz run, or a matrix) could not be carried out: one typed error with
//! its causes, which the command maps to an exit code.

use std::path::PathBuf;
use std::time::Duration;

use super::provisioned;
use crate::cases::fixtures::FixtureError;
use crate::checks::Finding;
use crate::wire::{TransportError, WireError};

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The options ask for what cannot be done (a signed run without credentials, a
    /// request the harness cannot build).
    #[error(transparent)]
    Options(#[from] WireError),
    /// The HTTP client could not be set up (TLS roots, a client option).
    #[error(transparent)]
    Client(TransportError),
    /// The fixture file is unreadable or does not fit the run.
    #[error(transparent)]
    Fixtures(#[from] FixtureError),
    /// A regressions file of a fuzz run could not be read or written.
    #[error("failed to {verb} {}: {source}", path.display())]
    Regressions {
        /// `read`, or `keep the regressions in`.
        verb: &'static str,
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A reference target (embedded, or one of a matrix) could not be started.
    #[error("failed to start {which}: {source}")]
    Reference {
        /// Which one: `the embedded reference target`, `a reference target`.
        which: &'static str,
        /// What failed.
        source: std::io::Error,
    },
    /// The run could not listen for Ctrl-C and SIGTERM.
    #[error("failed to listen for Ctrl-C: {0}")]
    Signals(#[source] std::io::Error),
    /// A set-up request's task failed.
    #[error("a set-up request failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The target refused a set-up request with a well-formed answer (credentials,
    /// permissions, the URL, the rate): the user's to act on.
    #[error("failed to set up the fixtures: {0}")]
    Refused(String),
    /// The run's finished execution did not finish in time.
    #[error("the fixture execution {execution} did not finish in {timeout:?} (status {status:?})")]
    Unfinished {
        /// The execution.
        execution: String,
        /// How long set-up waited.
        timeout: Duration,
        /// The status it last had.
        status: String,
    },
    /// An execution of the fixture file is not in the state the file says.
    #[error(
        "the fixture execution {execution} of flow {flow} is {status:?}, not {expected:?} as the fixture file says"
    )]
    WrongState {
        /// The flow.
        flow: String,
        /// The execution.
        execution: String,
        /// The status it has.
        status: String,
        /// The status the file gives.
        expected: String,
    },
    /// The target broke the wire format where a run cannot go on without the answer (a
    /// fuzz run's set-up): the target's fault, as a finding would be.
    #[error(
        "the target's answer to {step} breaks the wire format: {}",
        found(findings)
    )]
    Broken {
        /// The set-up step (`setup/CreateFlow`).
        step: String,
        /// What the checks of the wire format found.
        findings: Vec<Finding>,
    },
    /// Ctrl-C or SIGTERM stopped the run; what it had created was removed.
    #[error("interrupted; {}", provisioned::summary(removed, left))]
    Interrupted {
        /// The flows removed.
        removed: Vec<String>,
        /// The flows that could not be removed and may still be on the target.
        left: Vec<String>,
    },
    /// The target gave no HTTP answer to a request the run needs.
    #[error("the target {target} is unreachable: {action} got no HTTP answer: {source}")]
    Unreachable {
        /// The endpoint.
        target: String,
        /// The request (`CreateFlow`).
        action: String,
        /// Why no answer came.
        source: TransportError,
    },
    /// The run failed after it had created something, and its clean-up says what became
    /// of that.
    #[error("{error}; {done}")]
    CleanedUp {
        /// Why the run failed.
        error: Box<RunError>,
        /// What the clean-up removed, and what it left.
        done: String,
    },
}

impl RunError {
    /// The error that ended the run, without what its clean-up did.
    pub fn cause(&self) -> &RunError {
        match self {
            RunError::CleanedUp { error, .. } => error.cause(),
            other => other,
        }
    }
}

/// The findings of a broken answer, for people.
fn found(findings: &[Finding]) -> String {
    let found: Vec<String> = findings
        .iter()
        .map(|finding| {
            format!(
                "[{}] expected: {}; actual: {}",
                finding.check, finding.expected, finding.actual
            )
        })
        .collect();
    found.join("; ")
}
