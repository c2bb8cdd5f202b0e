//! The faults of polls held at once: waking only one of them, not waking them at a stop,
//! serving a bounded number of requests at once, and counting the wait from the
//! execution's start.

use std::time::Duration;

use super::{Fault, Faults, LongPoll};

/// How many requests a target with [`Fault::ServesFewAtOnce`] serves at once.
const SERVED_AT_ONCE: usize = 32;

impl Faults {
    /// How a held poll with `wait`, on an execution running for `age`, is answered under a
    /// fault of held polls, if one is on.
    pub(super) fn held_poll(&self, wait: Duration, age: Duration) -> Option<LongPoll> {
        if self.has(Fault::WakesOne) {
            Some(LongPoll::OneWoken(wait))
        } else if self.has(Fault::StopWakesNone) {
            Some(LongPoll::StopUnheard(wait))
        } else if self.has(Fault::WaitFromStart) {
            let left = wait.saturating_sub(age);
            Some(if left.is_zero() {
                LongPoll::Now
            } else {
                LongPoll::UntilEnd(left, Duration::ZERO)
            })
        } else {
            None
        }
    }

    /// How many requests the target serves at once, if it bounds them.
    pub(crate) fn served_at_once(&self) -> Option<usize> {
        self.has(Fault::ServesFewAtOnce).then_some(SERVED_AT_ONCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fault_of_held_polls_bends_only_its_own_poll() {
        let (wait, age) = (Duration::from_secs(2), Duration::from_millis(1500));
        let on = |fault| Faults::new(&[fault]).held_poll(wait, age);
        assert_eq!(on(Fault::WakesOne), Some(LongPoll::OneWoken(wait)));
        assert_eq!(on(Fault::StopWakesNone), Some(LongPoll::StopUnheard(wait)));
        assert_eq!(
            on(Fault::WaitFromStart),
            Some(LongPoll::UntilEnd(
                Duration::from_millis(500),
                Duration::ZERO
            ))
        );
        let old = Faults::new(&[Fault::WaitFromStart]).held_poll(wait, Duration::from_secs(3));
        assert_eq!(old, Some(LongPoll::Now));
        assert_eq!(Faults::default().held_poll(wait, age), None);
        assert_eq!(
            Faults::new(&[Fault::ServesFewAtOnce]).served_at_once(),
            Some(32)
        );
        assert_eq!(Faults::default().served_at_once(), None);
    }
}
