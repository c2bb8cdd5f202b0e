//! The command line: clap definitions, and the dispatch that turns them into calls of the
//! library and an exit code. No logic beyond that.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::contract::{API_VERSION, Contract};
use crate::exit;
use crate::reference::{Reference, ReferenceOptions, default_accounts};
use crate::wire::Credentials;

/// Contract-conformance test harness for Alibaba Cloud CloudFlow's DescribeExecution API.
///
/// conformance holds a CloudFlow-compatible endpoint to the documented contract of
/// DescribeExecution (API version 2019-03-15): the FlowName and ExecutionName rules, the
/// WaitTimeSeconds bounds and long-poll timing, missing parameters, the error-code table
/// and the response schemas. The contract is embedded in the binary.
///
/// Exit codes: 0 conformant, 1 not conformant, 2 usage or set-up error, 3 target
/// unreachable.
#[derive(Debug, Parser)]
#[command(name = "conformance", version, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the contract the harness holds targets to: parameters, rules, error codes.
    Contract,
    /// Run the reference target: a local CloudFlow service that follows the contract.
    ///
    /// It prints the URL it bound on the first line of standard output and serves until
    /// interrupted. State lives in memory only: flows and executions are gone when it stops.
    Serve(ServeArgs),
}

/// The options of `conformance serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// An account whose signatures are accepted, as ID:SECRET (repeatable). Without any,
    /// the local test accounts testid:testsecret and otherid:othersecret.
    #[arg(long = "account", value_name = "ID:SECRET", value_parser = parse_account)]
    pub accounts: Vec<Credentials>,
    /// Also accept unsigned requests, as the first account.
    #[arg(long)]
    pub anonymous: bool,
    /// The largest request body, in bytes; larger ones get EntityTooLarge.
    #[arg(long, value_name = "BYTES", default_value_t = ReferenceOptions::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// End executions that run longer than this as TimedOut.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub execution_timeout: Option<Duration>,
    /// Requests per second each account may send; more get 429 ResourceThrottled.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate_limit: Option<NonZeroU32>,
}

fn parse_account(text: &str) -> Result<Credentials, String> {
    Credentials::parse_pair(text).map_err(|error| error.to_string())
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| "expected a number of seconds, 0 or more".to_owned())
}

impl ServeArgs {
    /// The reference target's options.
    pub fn options(&self) -> ReferenceOptions {
        ReferenceOptions {
            accounts: if self.accounts.is_empty() {
                default_accounts()
            } else {
                self.accounts.clone()
            },
            anonymous: self.anonymous,
            max_body_bytes: self.max_body_bytes,
            max_execution_lifetime: self.execution_timeout,
            rate_limit: self.rate_limit,
            ..ReferenceOptions::default()
        }
    }
}

/// Parses the command line, runs it, and says how the process should exit.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with code 0, usage errors to stderr with 2.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit::USAGE_ERROR
            } else {
                exit::CONFORMANT
            });
        }
    };
    let mut stdout = io::stdout().lock();
    let written = match cli.command {
        None => {
            let mut command = <Cli as clap::CommandFactory>::command();
            command.print_long_help().and_then(|()| writeln!(stdout))
        }
        Some(Command::Contract) => print_contract(Contract::embedded(), &mut stdout),
        Some(Command::Serve(args)) => {
            drop(stdout);
            return serve(&args);
        }
    };
    match written {
        Ok(()) => ExitCode::from(exit::CONFORMANT),
        // A closed pipe (`conformance contract | head`) is not an error.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(exit::CONFORMANT),
        Err(error) => {
            eprintln!("conformance: failed to write the output: {error}");
            ExitCode::from(exit::USAGE_ERROR)
        }
    }
}

/// Runs the reference target until interrupted.
fn serve(args: &ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: failed to start the async runtime: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    runtime.block_on(async {
        let reference = match Reference::start(args.listen, args.options()).await {
            Ok(reference) => reference,
            Err(error) => {
                eprintln!("conformance: failed to listen on {}: {error}", args.listen);
                return ExitCode::from(exit::USAGE_ERROR);
            }
        };
        let mut stdout = io::stdout();
        if writeln!(stdout, "{}", reference.url())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::from(exit::USAGE_ERROR);
        }
        eprintln!(
            "conformance: serving the reference target at {} (state in memory; Ctrl-C stops)",
            reference.url()
        );
        interrupted().await;
        // Long polls in flight get a moment to finish, not their whole wait.
        let _ = tokio::time::timeout(Duration::from_secs(1), reference.stop()).await;
        ExitCode::from(exit::CONFORMANT)
    })
}

/// Waits for Ctrl-C or, on Unix, SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Writes the contract as a person reads it.
pub fn print_contract(contract: &Contract, out: &mut impl Write) -> io::Result<()> {
    let request = contract.request();
    writeln!(out, "{} (API version {API_VERSION})", request.operation())?;
    writeln!(out)?;
    writeln!(out, "Parameters:")?;
    for parameter in request.parameters() {
        let required = if parameter.required {
            "required"
        } else {
            "optional"
        };
        let kind = if parameter.integer {
            let range = contract.wait_time_seconds();
            format!("integer {} to {}", range.start(), range.end())
        } else {
            let rules = contract.names().rules();
            format!(
                "name: {} to {} characters, first {}, all {}",
                rules.min_length, rules.max_length, rules.first_character, rules.characters
            )
        };
        writeln!(out, "  {:<16} {required:<9} {kind}", parameter.name)?;
    }
    writeln!(out)?;
    writeln!(out, "Statuses: {}", contract.bodies().statuses().join(", "))?;
    writeln!(
        out,
        "Terminal: {}",
        contract.bodies().terminal_statuses().join(", ")
    )?;
    writeln!(out)?;
    writeln!(out, "Error codes:")?;
    for row in contract.errors().rows() {
        let scope = if row.describe_execution {
            ""
        } else {
            "  (other operations)"
        };
        writeln!(
            out,
            "  {} {:<26} {}{scope}",
            row.status.as_u16(),
            row.code,
            row.message.text()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
