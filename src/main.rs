//! The `conformance` command: a thin shell around the library.

mod cli;

use std::process::ExitCode;

/// jemalloc: the harness and the reference target allocate small, short-lived values per
/// request, which glibc's allocator handles slowly.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    cli::main(std::env::args_os())
}
