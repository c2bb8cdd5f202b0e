//! The `conformance` command: a thin shell around the library.

use std::process::ExitCode;

/// jemalloc: the harness and the reference target allocate small, short-lived values per
/// request, which glibc's allocator handles slowly.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    conformance::cli::run(std::env::args_os())
}
