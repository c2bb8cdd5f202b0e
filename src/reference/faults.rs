//! Faults: deliberate departures from the contract, switched on one by one, to prove that
//! the harness catches what it claims to. This is the only place that bends the reference
//! target's behaviour.

use std::time::Duration;

use crate::contract::Contract;

/// One deliberate departure from the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Long polls on running executions are answered at once, ignoring WaitTimeSeconds.
    AnswersEarly,
    /// Long polls ignore the execution's end and are answered a second after their wait.
    AnswersLate,
    /// Long polls on finished executions are held for their whole wait.
    HoldsFinished,
    /// Names one character longer than the limit are accepted.
    AcceptsLongNames,
    /// Names with `.` are accepted.
    AcceptsDots,
}

impl Fault {
    /// Every fault.
    pub const ALL: [Fault; 5] = [
        Fault::AnswersEarly,
        Fault::AnswersLate,
        Fault::HoldsFinished,
        Fault::AcceptsLongNames,
        Fault::AcceptsDots,
    ];

    /// The fault's name (`answers-early`).
    pub fn name(self) -> &'static str {
        match self {
            Fault::AnswersEarly => "answers-early",
            Fault::AnswersLate => "answers-late",
            Fault::HoldsFinished => "holds-finished",
            Fault::AcceptsLongNames => "accepts-long-names",
            Fault::AcceptsDots => "accepts-dots",
        }
    }
}

/// How a long poll is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LongPoll {
    /// At once.
    Now,
    /// When the execution ends or the wait has passed, whichever is first.
    UntilEnd(Duration),
    /// After this long, whatever the execution does.
    After(Duration),
}

/// The faults switched on.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults(Vec<Fault>);

impl Faults {
    pub(crate) fn new(faults: &[Fault]) -> Self {
        Self(faults.to_vec())
    }

    fn has(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }

    /// Whether a fault lets `value`, an invalid name, through.
    pub(crate) fn excuses_name(&self, contract: &Contract, value: &str) -> bool {
        let max = contract.names().rules().max_length;
        let long = self.has(Fault::AcceptsLongNames) && value.chars().count() == max + 1;
        let trimmed: String = if long {
            value.chars().take(max).collect()
        } else {
            value.to_owned()
        };
        let dotted = if self.has(Fault::AcceptsDots) {
            trimmed.replace('.', "_")
        } else {
            trimmed
        };
        (long || dotted != value) && contract.names().is_valid(&dotted)
    }

    /// How a poll with `wait` on an execution that has (or has not) ended is answered.
    pub(crate) fn long_poll(&self, wait: Duration, ended: bool) -> LongPoll {
        if wait.is_zero() {
            return LongPoll::Now;
        }
        if ended {
            return if self.has(Fault::HoldsFinished) {
                LongPoll::After(wait)
            } else {
                LongPoll::Now
            };
        }
        if self.has(Fault::AnswersEarly) {
            LongPoll::Now
        } else if self.has(Fault::AnswersLate) {
            LongPoll::After(wait + Duration::from_secs(1))
        } else {
            LongPoll::UntilEnd(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_faults_long_polls_follow_the_contract() {
        let faults = Faults::default();
        let wait = Duration::from_secs(5);
        assert_eq!(faults.long_poll(Duration::ZERO, false), LongPoll::Now);
        assert_eq!(faults.long_poll(wait, true), LongPoll::Now);
        assert_eq!(faults.long_poll(wait, false), LongPoll::UntilEnd(wait));
    }
}
