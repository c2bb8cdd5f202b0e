//! The command line: clap definitions, and the dispatch that turns them into calls of the
//! library and an exit code. No logic beyond that.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::contract::{API_VERSION, Contract};
use crate::exit;

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
