//! The target's round trip as the traffic shows it: what every upper timing bound adds to
//! the contract's numbers, as a run adds its measured baseline. A proxy cannot measure it
//! before the traffic starts, so it learns it from the answers that are not held: the
//! median of the last [`SAMPLES`] of them (a far target, a slow network or a new TLS
//! connection's handshake is not a finding of the target's timing).

use std::collections::VecDeque;
use std::time::Duration;

/// How many recent answers the round trip is the median of.
pub(super) const SAMPLES: usize = 32;

/// The recent round trips of answers that were not held.
#[derive(Debug, Default)]
pub(super) struct RoundTrips {
    recent: VecDeque<Duration>,
}

impl RoundTrips {
    /// Notes the time an answer that was not held took.
    pub(super) fn note(&mut self, elapsed: Duration) {
        if self.recent.len() == SAMPLES {
            self.recent.pop_front();
        }
        self.recent.push_back(elapsed);
    }

    /// The median of the recent round trips; none before the first answer that was not
    /// held (then no upper bound is judged).
    pub(super) fn median(&self) -> Option<Duration> {
        let mut sorted: Vec<Duration> = self.recent.iter().copied().collect();
        sorted.sort_unstable();
        sorted.get(sorted.len() / 2).copied()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{RoundTrips, SAMPLES};

    #[test]
    fn the_median_of_the_recent_answers() {
        let mut trips = RoundTrips::default();
        assert_eq!(trips.median(), None);
        for millis in [30, 10, 20] {
            trips.note(Duration::from_millis(millis));
        }
        assert_eq!(trips.median(), Some(Duration::from_millis(20)));
        for _ in 0..SAMPLES {
            trips.note(Duration::from_millis(500));
        }
        assert_eq!(trips.median(), Some(Duration::from_millis(500)));
    }
}
