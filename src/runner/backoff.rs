//! Backoff: how a run waits out a target's throttling (429), within a budget, and takes
//! turns once throttled.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::wire::{Exchange, retry_after};

/// How many times a throttled request is sent again.
const MAX_RETRIES: u32 = 5;
/// The longest wait a throttled answer may ask for and still be waited out.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// The wait of a throttled answer that gives no readable retry hint (the page promises
/// none: open question `throttling`).
const DEFAULT_RETRY_WAIT: Duration = Duration::from_secs(1);
/// The most a run waits out throttling in all.
const BACKOFF_BUDGET: Duration = Duration::from_secs(60);

/// How a run waits out throttling (429): each throttled request waits what its answer
/// asks for, and from the first 429 on, the run's requests go one at a time, in turn, so
/// that a throttled request is sent again alone and gets the next token of the target's
/// bucket rather than racing the others for it.
#[derive(Debug)]
pub(super) struct Backoff {
    /// What is left of the run's time for waiting out throttling.
    budget: Mutex<Duration>,
    /// Whether the target has throttled the run.
    throttled: AtomicBool,
    /// The turn of the request that may be sent, once throttled (fair: first come, first
    /// served).
    lane: tokio::sync::Mutex<()>,
}

impl Backoff {
    pub(super) fn new() -> Self {
        Self {
            budget: Mutex::new(BACKOFF_BUDGET),
            throttled: AtomicBool::new(false),
            lane: tokio::sync::Mutex::new(()),
        }
    }

    /// The turn to send, once the run is throttled (`None` before).
    pub(super) async fn turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        if self.throttled.load(Ordering::Acquire) {
            Some(self.lane.lock().await)
        } else {
            None
        }
    }

    /// How long to wait before sending a throttled request again, if it is to be sent again
    /// (its `retries` so far): what its answer asks for (a second without a readable
    /// hint), if that is not too long and the run's budget has it.
    pub(super) fn wait(&self, exchange: &Exchange, retries: u32) -> Option<Duration> {
        if exchange.status != http::StatusCode::TOO_MANY_REQUESTS || retries >= MAX_RETRIES {
            return None;
        }
        let wait = retry_after(&exchange.headers).unwrap_or(DEFAULT_RETRY_WAIT);
        if wait > MAX_RETRY_WAIT {
            return None;
        }
        let mut left = self
            .budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *left = left.checked_sub(wait)?;
        self.throttled.store(true, Ordering::Release);
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::canned::documented_error;
    use crate::contract::ErrorCode;

    #[test]
    fn a_429_is_waited_out_as_its_hint_asks_or_a_second_and_then_the_run_takes_turns() {
        let backoff = Backoff::new();
        let mut throttled = documented_error(ErrorCode::ResourceThrottled);
        let mut refused = throttled.clone();
        refused.status = http::StatusCode::NOT_FOUND;
        assert_eq!(backoff.wait(&refused, 0), None);
        assert!(!backoff.throttled.load(Ordering::Acquire));
        assert_eq!(backoff.wait(&throttled, 0), Some(DEFAULT_RETRY_WAIT));
        assert!(backoff.throttled.load(Ordering::Acquire));
        throttled
            .headers
            .insert("x-acs-retry-after", http::HeaderValue::from_static("250"));
        assert_eq!(
            backoff.wait(&throttled, 1),
            Some(Duration::from_millis(250))
        );
        assert_eq!(backoff.wait(&throttled, MAX_RETRIES), None);
        throttled
            .headers
            .insert("x-acs-retry-after", http::HeaderValue::from_static("60000"));
        assert_eq!(
            backoff.wait(&throttled, 1),
            None,
            "longer than MAX_RETRY_WAIT"
        );
        // The budget runs out.
        throttled
            .headers
            .insert("x-acs-retry-after", http::HeaderValue::from_static("9000"));
        let waits = (0..10)
            .filter(|_| backoff.wait(&throttled, 0).is_some())
            .count();
        assert_eq!(waits, 6, "60 s of budget, 1.25 s spent, 9 s a wait");
    }
}
