//! The `conformance` command: a thin shell around the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    conformance::cli::run(std::env::args_os())
}
