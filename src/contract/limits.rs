//! The real service's published rate limits (its limits page; see
//! `../shared/contract/observed-service.md`, "Limits of the real service"): not part of the
//! contract a target is held to, but what a polite run keeps to and what a realistic
//! reference target throttles at.

use std::num::NonZeroU32;

/// A token bucket of the real service: refilled at `per_second`, holding at most `burst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLimit {
    /// Tokens added each second.
    pub per_second: NonZeroU32,
    /// The most tokens the bucket holds: the longest burst.
    pub burst: NonZeroU32,
}

impl ServiceLimit {
    /// A bucket of `burst` tokens refilled at `per_second`.
    pub const fn new(per_second: u32, burst: u32) -> Self {
        match (NonZeroU32::new(per_second), NonZeroU32::new(burst)) {
            (Some(per_second), Some(burst)) => Self { per_second, burst },
            // Evaluated at compile time only (the limits are constants).
            _ => panic!("a service limit is at least one request"),
        }
    }
}

/// The real service's limit for DescribeExecution.
pub const SERVICE_DESCRIBE_LIMIT: ServiceLimit = ServiceLimit::new(5, 50);

/// The real service's limit for every other operation (CreateFlow, StartExecution, ...).
pub const SERVICE_OTHER_LIMIT: ServiceLimit = ServiceLimit::new(2, 10);
