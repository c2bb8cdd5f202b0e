//! The validating proxy (`conformance proxy`): it stands between real clients and a
//! target, forwards every request and answer unchanged (header names aside, which go on
//! in lower case), and holds what passes through to the contract.
//!
//! Two halves meet at [`Traffic`], one record per request that went through:
//! - [`forward`] is the transparent part: an HTTP/1.1 server that forwards each request
//!   to the target as the client sent it (Host included) and streams the answer back,
//!   keeping a bounded copy of both bodies and the times, and hands the record over.
//! - [`judge`] holds each record to the contract with the run's own checks: target
//!   findings for answers that break it, client findings for requests that break it,
//!   timing and per-execution history across the traffic; at the end it makes the same
//!   reports as a run, one case per exchange.

pub mod forward;
pub mod judge;
mod traffic;

pub use forward::{Proxy, ProxyError, ProxyOptions};
pub use judge::{ClientFinding, Judge, JudgeOptions, ProxyReport};
pub use traffic::{CapturedRequest, Traffic};
