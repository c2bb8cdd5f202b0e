//! The `conformance` command.

fn main() {}
