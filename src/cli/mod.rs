//! The command line, in two stages (ripgrep's way): [`args`] holds clap's definitions,
//! [`options`] checks them and turns them into the library's options; [`dispatch`] runs
//! the command on those; every failure is one [`CliError`](error::CliError), which knows
//! its exit code.

mod args;
mod dispatch;
mod error;
mod exit;
mod options;
mod proxy;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use args::Cli;
use dispatch::{Verdict, dispatch};
use error::CliError;

/// Parses the command line, runs it, and says how the process should exit.
pub(crate) fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let ran = Cli::try_parse_from(args)
        .map_err(CliError::from)
        .and_then(|cli| dispatch(cli.command, &cli.run));
    match ran {
        Ok(Verdict::Conformant) => ExitCode::from(exit::CONFORMANT),
        Ok(Verdict::NotConformant) => ExitCode::from(exit::NOT_CONFORMANT),
        Err(error) => {
            error.print();
            ExitCode::from(error.exit_code())
        }
    }
}
