//! When the reference target throttles: `--rate-limit` (every operation, per account), or
//! DescribeExecution alone, per account, when a choice or a fault of throttling asks for
//! it (the real service limits each operation with a bucket of its own).

use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::ReferenceOptions;
use super::choices::Choices;
use super::faults::Faults;
use crate::contract::{OPERATION, SERVICE_DESCRIBE_LIMIT, ServiceLimit};

/// The DescribeExecution bucket of a target with a fault of throttling: roomy enough that
/// the catalog's burst (some 140 DescribeExecution requests at once) is hardly throttled,
/// small enough that the throttling probe's burst (up to 300 requests) is, unless it sends
/// fewer than 20 a second.
const FAULT_DESCRIBE_LIMIT: ServiceLimit = ServiceLimit::new(20, 150);

/// A target's rate limit, per account.
#[derive(Debug)]
pub(crate) struct Throttle {
    limiter: DefaultKeyedRateLimiter<String>,
    /// Whether only DescribeExecution is limited.
    describe_only: bool,
}

impl Throttle {
    /// The rate limit `options` ask for, if any: `rate_limit` for every operation; else a
    /// choice of throttling, at the real service's DescribeExecution bucket; else a fault of
    /// throttling, at a bucket only a burst exceeds.
    pub(crate) fn new(
        options: &ReferenceOptions,
        faults: &Faults,
        choices: &Choices,
    ) -> Option<Self> {
        if let Some(per_second) = options.rate_limit {
            return Some(Self::of(Quota::per_second(per_second), false));
        }
        let describe = if choices.throttle() {
            SERVICE_DESCRIBE_LIMIT
        } else if faults.throttling().is_some() {
            FAULT_DESCRIBE_LIMIT
        } else {
            return None;
        };
        let quota = Quota::per_second(describe.per_second).allow_burst(describe.burst);
        Some(Self::of(quota, true))
    }

    fn of(quota: Quota, describe_only: bool) -> Self {
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            describe_only,
        }
    }

    /// How long `account` must wait before its request of `action` is served, if it must.
    pub(crate) fn check(&self, account: &str, action: Option<&str>) -> Option<Duration> {
        if self.describe_only && action != Some(OPERATION) {
            return None;
        }
        let not_until = self.limiter.check_key(&account.to_owned()).err()?;
        Some(not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;
    use crate::reference::{Choice, Fault, ThrottleFault};

    fn burst(throttle: &Throttle, action: &str) -> usize {
        (0..1000)
            .take_while(|_| throttle.check("testid", Some(action)).is_none())
            .count()
    }

    #[test]
    fn choices_and_faults_of_throttling_limit_describe_execution_alone() {
        let options = ReferenceOptions::default();
        let clean = Throttle::new(&options, &Faults::default(), &Choices::default());
        assert!(clean.is_none());
        let realistic = Throttle::new(
            &options,
            &Faults::default(),
            &Choices::new(&[Choice::RateLimited]),
        )
        .expect("a limit");
        assert_eq!(burst(&realistic, "CreateFlow"), 1000);
        assert_eq!(burst(&realistic, OPERATION), 50);
        let faulty = Throttle::new(
            &options,
            &Faults::new(&[Fault::Throttle(ThrottleFault::As503)]),
            &Choices::default(),
        )
        .expect("a limit");
        assert_eq!(burst(&faulty, OPERATION), 150);
        let every = ReferenceOptions {
            rate_limit: NonZeroU32::new(3),
            ..ReferenceOptions::default()
        };
        let every = Throttle::new(&every, &Faults::default(), &Choices::default()).unwrap();
        assert_eq!(burst(&every, "CreateFlow"), 3);
    }
}
