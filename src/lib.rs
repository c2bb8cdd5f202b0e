//! `conformance`: a contract-conformance test harness for Alibaba Cloud CloudFlow's
//! `DescribeExecution` API.
//!
//! The data flows one way: the [`contract`] (loaded from `schemas/`) says what is valid,
//! the [`wire`] module builds, signs and verifies requests as CloudFlow's RPC protocol
//! wants them.

pub mod cases;
#[cfg(feature = "runner")]
pub mod checks;
#[cfg(feature = "cli")]
pub mod cli;
pub mod contract;
pub mod exit;
#[cfg(feature = "reference")]
pub mod reference;
#[cfg(feature = "runner")]
pub mod report;
#[cfg(feature = "runner")]
pub mod runner;
pub mod wire;

pub use cases::strategies;
