//! How fast a run sends: unlimited on this machine; toward any other target, the real
//! service's published limits, one token bucket per kind of operation; or one rate for
//! every request (`--rate`).

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota};

use crate::contract::OPERATION;
pub use crate::contract::{SERVICE_DESCRIBE_LIMIT, SERVICE_OTHER_LIMIT, ServiceLimit};

/// A limiter that keeps to `limit`.
fn bucket(limit: ServiceLimit) -> DefaultDirectRateLimiter {
    DefaultDirectRateLimiter::direct(Quota::per_second(limit.per_second).allow_burst(limit.burst))
}

/// How fast a run may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pacing {
    /// As fast as the concurrency allows (a target on this machine).
    #[default]
    Unlimited,
    /// At most this many requests a second, whatever the operation (`--rate`).
    Rate(NonZeroU32),
    /// The real service's published limits, a bucket per kind of operation:
    /// [`SERVICE_DESCRIBE_LIMIT`] for DescribeExecution, [`SERVICE_OTHER_LIMIT`] for the rest.
    Service,
}

/// The rate limiters of a run's [`Pacing`].
pub(super) enum Pacer {
    /// No limit.
    Unlimited,
    /// One limiter for every request, and its rate (its burst too).
    One(DefaultDirectRateLimiter, NonZeroU32),
    /// One limiter for DescribeExecution, another for the other operations.
    PerOperation {
        describe: DefaultDirectRateLimiter,
        other: DefaultDirectRateLimiter,
    },
}

impl Pacer {
    pub(super) fn new(pacing: Pacing) -> Self {
        match pacing {
            Pacing::Unlimited => Self::Unlimited,
            Pacing::Rate(rate) => Self::One(
                DefaultDirectRateLimiter::direct(Quota::per_second(rate)),
                rate,
            ),
            Pacing::Service => Self::PerOperation {
                describe: bucket(SERVICE_DESCRIBE_LIMIT),
                other: bucket(SERVICE_OTHER_LIMIT),
            },
        }
    }

    /// Whether the pace is one the user chose (`--rate`), not the default politeness.
    pub(super) fn is_chosen(&self) -> bool {
        matches!(self, Self::One(..))
    }

    /// Whether requests wait for a limiter at all.
    pub(super) fn is_paced(&self) -> bool {
        !matches!(self, Self::Unlimited)
    }

    /// How many requests of `action` a full bucket lets go at once, if the pace limits
    /// them at all.
    pub(super) fn burst(&self, action: Option<&str>) -> Option<u32> {
        match self {
            Self::Unlimited => None,
            Self::One(_, rate) => Some(rate.get()),
            Self::PerOperation { .. } => Some(
                if action == Some(OPERATION) {
                    SERVICE_DESCRIBE_LIMIT
                } else {
                    SERVICE_OTHER_LIMIT
                }
                .burst
                .get(),
            ),
        }
    }

    /// The limiter a request of `action` waits for, if any.
    fn limiter(&self, action: Option<&str>) -> Option<&DefaultDirectRateLimiter> {
        match self {
            Self::Unlimited => None,
            Self::One(limiter, _) => Some(limiter),
            Self::PerOperation { describe, other } => Some(if action == Some(OPERATION) {
                describe
            } else {
                other
            }),
        }
    }

    /// Waits until a request of `action` may be sent.
    pub(super) async fn ready(&self, action: Option<&str>) {
        if let Some(limiter) = self.limiter(action) {
            limiter.until_ready().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many requests of `action` may go at once before the first has to wait.
    fn burst(pacer: &Pacer, action: Option<&str>) -> usize {
        let limiter = pacer.limiter(action).expect("a limiter");
        (0..1000).take_while(|_| limiter.check().is_ok()).count()
    }

    #[test]
    fn the_service_pacing_keeps_to_the_published_bucket_of_each_operation() {
        let pacer = Pacer::new(Pacing::Service);
        assert!(pacer.is_paced());
        assert_eq!(burst(&pacer, Some("DescribeExecution")), 50);
        assert_eq!(pacer.burst(Some("DescribeExecution")), Some(50));
        assert_eq!(pacer.burst(Some("CreateFlow")), Some(10));
        // The other operations have a bucket of their own, not drained by the above.
        assert_eq!(burst(&pacer, Some("CreateFlow")), 10);
        assert!(
            pacer
                .limiter(Some("StartExecution"))
                .unwrap()
                .check()
                .is_err()
        );
        assert!(pacer.limiter(None).unwrap().check().is_err());
    }

    #[test]
    fn a_rate_is_one_limit_for_every_operation() {
        let pacer = Pacer::new(Pacing::Rate(NonZeroU32::new(7).unwrap()));
        assert_eq!(burst(&pacer, Some("DescribeExecution")), 7);
        assert_eq!(pacer.burst(Some("DescribeExecution")), Some(7));
        assert_eq!(
            Pacer::new(Pacing::Unlimited).burst(Some("DescribeExecution")),
            None
        );
        assert!(pacer.limiter(Some("CreateFlow")).unwrap().check().is_err());
        assert!(!Pacer::new(Pacing::Unlimited).is_paced());
    }
}
