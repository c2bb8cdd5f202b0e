//! `conformance`: a contract-conformance test harness for Alibaba Cloud CloudFlow's
//! `DescribeExecution` API.
//!
//! The data flows one way: the [`contract`] (loaded from `schemas/`) says what is valid,
//! the [`wire`] module builds, signs and verifies requests as CloudFlow's RPC protocol
//! wants them.

pub mod cases;
pub mod checks;
pub mod contract;
pub mod reference;
pub mod report;
pub mod runner;
pub mod wire;

pub use cases::strategies;
