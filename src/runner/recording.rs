//! Every exchange of a run as it went over the wire, when asked for (`--report har=PATH`):
//! each attempt of every request (catalog cases, set-up and clean-up, the timing cases'
//! polls, the throttling probe, a throttled request and its retries), in the order sent,
//! with the wall-clock time it left. Off by default: a run keeps only what its checks and
//! reports need.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use crate::wire::{Exchange, TransportError};

/// One request as sent, and its answer.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// When it left, by the wall clock.
    pub sent_at: SystemTime,
    /// How long until its answer was read, or until it failed.
    pub elapsed: Duration,
    /// The request as sent, signature and all: redact it before showing it.
    pub request: http::Request<Vec<u8>>,
    /// The answer, or why none came.
    pub answer: Result<Exchange, TransportError>,
}

/// The exchanges recorded so far, if the run records them.
#[derive(Debug, Default)]
pub(super) struct Recording(Option<Mutex<Vec<Recorded>>>);

impl Recording {
    /// A recording that keeps every exchange if `on`, none otherwise.
    pub(super) fn new(on: bool) -> Self {
        Self(on.then(Mutex::default))
    }

    /// Records an exchange, if the run records them.
    pub(super) fn record(
        &self,
        sent_at: SystemTime,
        elapsed: Duration,
        request: &http::Request<Vec<u8>>,
        answer: &Result<Exchange, TransportError>,
    ) {
        if let Some(kept) = &self.0 {
            let recorded = Recorded {
                sent_at,
                elapsed,
                request: request.clone(),
                answer: answer.clone(),
            };
            kept.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(recorded);
        }
    }

    /// The exchanges recorded, in the order sent, leaving none.
    pub(super) fn take(&self) -> Vec<Recorded> {
        let Some(kept) = &self.0 else {
            return Vec::new();
        };
        let mut taken = std::mem::take(&mut *kept.lock().unwrap_or_else(PoisonError::into_inner));
        taken.sort_by_key(|recorded| recorded.sent_at);
        taken
    }
}
