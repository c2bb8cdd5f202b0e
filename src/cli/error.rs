//! The command's one error type, which knows its exit code: every way a command can fail
//! flows here, and [`CliError::exit_code`] is the one mapping from library errors to the
//! codes of [`exit`](super::exit).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use conformance::cases::fixtures::FixtureError;
use conformance::proxy::ProxyError;
use conformance::report::UnknownSubject;
use conformance::runner::{BaselineError, RunError};
use conformance::wire::{CredentialsError, WireError};

use super::exit;

/// Why a command could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line does not parse (or asks for help or the version, which clap
    /// prints).
    #[error(transparent)]
    Args(#[from] clap::Error),
    /// The credentials given do not go together.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The options ask for what cannot be done.
    #[error(transparent)]
    Options(#[from] WireError),
    /// `--ca-cert` could not be read.
    #[error("failed to read --ca-cert {}: {source}", path.display())]
    CaCert {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The `--fixtures` file cannot be used.
    #[error(transparent)]
    Fixtures(#[from] FixtureError),
    /// `--case` names cases that do not exist.
    #[error("no case has the id {} (see --list)", .0.join(", "))]
    UnknownCases(Vec<String>),
    /// `--case` and `--filter` select nothing.
    #[error("no case matches --case/--filter{0}")]
    NothingSelected(&'static str),
    /// A fuzz run against another machine without a budget.
    #[error(
        "fuzzing a target that is not this machine needs --cases N or --duration S, so that it ends when you mean it to"
    )]
    UnboundedFuzz,
    /// The async runtime could not start.
    #[error("failed to start the async runtime: {0}")]
    Runtime(#[source] io::Error),
    /// A run, fuzz run or matrix could not be carried out.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A `--report` file could not be written.
    #[error("failed to write the {format} report to {}: {source}", path.display())]
    Report {
        /// The report's format, as people know it.
        format: &'static str,
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The `--baseline` file cannot be read, or a line of it is no entry.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// The `--write-baseline` file could not be written.
    #[error("failed to write the baseline {}: {source}", path.display())]
    WriteBaseline {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The `--snapshots` directory could not be read or written.
    #[error(transparent)]
    Snapshots(io::Error),
    /// `serve` could not listen.
    #[error("failed to listen on {address}: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// What failed.
        source: io::Error,
    },
    /// `proxy` could not start: it could not listen, or the TLS set-up toward the target
    /// failed.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// `serve` could not listen for Ctrl-C.
    #[error("failed to listen for Ctrl-C: {0}")]
    Signals(#[source] io::Error),
    /// `explain` was given an id that names nothing.
    #[error(transparent)]
    UnknownSubject(#[from] UnknownSubject),
    /// Standard output could not be written (a closed pipe is no error).
    #[error("failed to write the output: {0}")]
    Output(#[source] io::Error),
}

impl CliError {
    /// The exit code of a command that failed this way.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            // clap prints help and version to stdout (code 0), usage errors to stderr.
            CliError::Args(error) if !error.use_stderr() => exit::CONFORMANT,
            CliError::Run(error) => match error.cause() {
                RunError::Broken { .. } => exit::NOT_CONFORMANT,
                RunError::Unreachable { .. } => exit::TARGET_UNREACHABLE,
                RunError::Interrupted { .. } => exit::INTERRUPTED,
                _ => exit::USAGE_ERROR,
            },
            _ => exit::USAGE_ERROR,
        }
    }

    /// Says what went wrong on standard error.
    pub(crate) fn print(&self) {
        match self {
            CliError::Args(error) => {
                let _ = error.print();
            }
            other => eprintln!("conformance: {other}"),
        }
    }
}

/// Output written, a closed pipe included (the reader has read enough).
pub(crate) fn written(result: io::Result<()>) -> Result<(), CliError> {
    match result {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(CliError::Output(error)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use conformance::wire::TransportError;

    use super::*;

    fn code(error: RunError) -> u8 {
        CliError::from(error).exit_code()
    }

    #[test]
    fn each_run_error_has_its_exit_code_whatever_the_clean_up_did() {
        let unreachable = || RunError::Unreachable {
            target: "http://127.0.0.1:9".to_owned(),
            action: "CreateFlow".to_owned(),
            source: TransportError::Connect("refused".to_owned()),
        };
        assert_eq!(code(unreachable()), exit::TARGET_UNREACHABLE);
        let cleaned = RunError::CleanedUp {
            error: Box::new(unreachable()),
            done: "removed the run's flows A".to_owned(),
        };
        assert_eq!(code(cleaned), exit::TARGET_UNREACHABLE);
        let broken = RunError::Broken {
            step: "setup/CreateFlow".to_owned(),
            findings: Vec::new(),
        };
        assert_eq!(code(broken), exit::NOT_CONFORMANT);
        let interrupted = RunError::Interrupted {
            removed: Vec::new(),
            left: Vec::new(),
        };
        assert_eq!(code(interrupted), exit::INTERRUPTED);
        assert_eq!(code(RunError::Refused("no".to_owned())), exit::USAGE_ERROR);
        assert_eq!(CliError::NothingSelected("").exit_code(), exit::USAGE_ERROR);
    }
}
