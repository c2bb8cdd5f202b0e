//! The exit codes of the `conformance` command, in one place.
//!
//! "The target is not conformant" and "the harness could not run" are different outcomes,
//! so CI can tell a failing target from a broken set-up.

/// The run completed and the target is conformant (or a command other than a run succeeded).
pub(crate) const CONFORMANT: u8 = 0;
/// The run completed and found the target not conformant.
pub(crate) const NOT_CONFORMANT: u8 = 1;
/// The command line, a file it names, or the set-up is wrong.
pub(crate) const USAGE_ERROR: u8 = 2;
/// The target could not be reached.
pub(crate) const TARGET_UNREACHABLE: u8 = 3;
/// Ctrl-C stopped the run (after it removed what it had created).
pub(crate) const INTERRUPTED: u8 = 130;
