//! The proxy benchmark (to come).

fn main() {}
