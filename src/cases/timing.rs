//! The timing cases: long polls on executions in known states. Each is a small script of
//! requests whose answers, and when they came, the timing checks judge.

use std::time::Duration;

use super::Tag;
use super::fixtures::FixtureFlow;
use crate::contract::Contract;

/// What a timing case does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// Starts a long execution and polls it with `wait` (absent or 0): answered at once,
    /// Running.
    AtOnceOnRunning {
        /// WaitTimeSeconds, absent if `None`.
        wait: Option<i64>,
    },
    /// Starts a long execution and, `delay` later, polls it with `wait` > 0: answered
    /// `wait` after the request (not after the start), Running.
    WaitOutlived {
        /// WaitTimeSeconds.
        wait: i64,
        /// How long after the start the poll is sent.
        delay: Duration,
    },
    /// Starts an execution of `flow` and polls it `held` times at once with `wait`, longer
    /// than the execution runs: every poll answered when it ends, with its terminal status;
    /// then polls again.
    EndsDuringWait {
        /// The flow, whose duration is shorter than `wait`.
        flow: FixtureFlow,
        /// WaitTimeSeconds.
        wait: i64,
        /// How many polls are held at once.
        held: usize,
    },
    /// Starts a long execution, polls it `held` times at once with `wait`, and stops it
    /// `stop_after` later: every poll held at the stop answered at the stop, Stopped.
    StoppedWhileHeld {
        /// How many polls are held at once.
        held: usize,
        /// WaitTimeSeconds, long enough that "at the stop" and "at the wait" are told apart.
        wait: i64,
        /// How long after the polls StopExecution is sent.
        stop_after: Duration,
    },
    /// Starts a long execution and holds `held` polls with `wait` on it; `after` later sends
    /// WaitTimeSeconds=0 polls and another operation (DescribeFlow): answered at once.
    AtOnceBesideHeld {
        /// How many polls are held at once (fewer at a pace: the runner keeps them within
        /// half of the pace's burst).
        held: usize,
        /// WaitTimeSeconds of the held polls.
        wait: i64,
        /// How long after the held polls the at-once requests are sent.
        after: Duration,
    },
    /// Polls the run's finished execution with `wait`: at once.
    AtOnceOnFinished {
        /// WaitTimeSeconds.
        wait: i64,
    },
    /// Polls an execution that does not exist with `wait`: 404 at once.
    AtOnceOnUnknown {
        /// WaitTimeSeconds.
        wait: i64,
    },
    /// Polls with a WaitTimeSeconds past the bound: 400 at once.
    RejectedAtOnce {
        /// WaitTimeSeconds, out of range.
        wait: i64,
    },
    /// Starts a long execution, stops it, polls it: Stopped, at once.
    Stopped,
}

/// One timing case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingCase {
    /// A stable id (`timing/wait-outlived-2`).
    pub id: String,
    /// Tags for selection.
    pub tags: Vec<Tag>,
    /// What it does and what must come back.
    pub description: String,
    /// The script.
    pub scenario: Scenario,
}

/// How many polls are held at once on one execution that ends during their wait.
pub const ENDS_HELD: usize = 8;
/// How many polls are held at once on one execution when it is stopped.
pub const STOP_HELD: usize = 6;
/// How long after its held polls StopExecution is sent: long enough that they are surely
/// held, short against their wait.
pub const STOP_AFTER: Duration = Duration::from_millis(500);
/// How many polls are held while requests that must be answered at once are sent (more
/// than a server that serves a bounded number of requests at once, 32 say, lets through).
pub const BESIDE_HELD: usize = 64;
/// How long after the held polls the at-once requests are sent.
pub const BESIDE_AFTER: Duration = Duration::from_millis(500);
/// How long after its execution's start the late poll is sent.
pub const LATE_DELAY: Duration = Duration::from_millis(1500);

/// The timing cases; `long_waits` adds waits up to the contract's maximum.
pub fn timing_cases(contract: &Contract, long_waits: bool) -> Vec<TimingCase> {
    let range = contract.wait_time_seconds();
    let (min, max) = (*range.start(), *range.end());
    let short = (FixtureFlow::Wait.duration().as_secs_f64().ceil() as i64).max(min + 1);
    let mut cases = vec![
        case(
            "at-once-running-absent",
            "no WaitTimeSeconds on a running execution: answered at once, Running or Starting (open: starting-first)",
            Scenario::AtOnceOnRunning { wait: None },
        ),
        case(
            &format!("at-once-running-{min}"),
            &format!(
                "WaitTimeSeconds {min} on a running execution: answered at once, Running or Starting (open: starting-first)"
            ),
            Scenario::AtOnceOnRunning { wait: Some(min) },
        ),
        case(
            &format!("wait-outlived-{short}"),
            &format!(
                "WaitTimeSeconds {short} on an execution that outlives it: answered after {short} s (within the slack), Running or Starting (open: starting-first)"
            ),
            Scenario::WaitOutlived {
                wait: short,
                delay: Duration::ZERO,
            },
        ),
        case(
            &format!("wait-outlived-{short}-sent-late"),
            &format!(
                "WaitTimeSeconds {short} sent {} s into a long execution: answered {short} s after the request (within the slack), not counted from the execution's start; Running or Starting (open: starting-first)",
                LATE_DELAY.as_secs_f64()
            ),
            Scenario::WaitOutlived {
                wait: short,
                delay: LATE_DELAY,
            },
        ),
        case(
            "ends-during-wait",
            &format!(
                "WaitTimeSeconds {} on an execution that succeeds after {} s: answered when it ends, Succeeded",
                short * 5,
                FixtureFlow::Wait.duration().as_secs()
            ),
            Scenario::EndsDuringWait {
                flow: FixtureFlow::Wait,
                wait: short * 5,
                held: 1,
            },
        ),
        case(
            &format!("ends-during-wait-{ENDS_HELD}-held"),
            &format!(
                "{ENDS_HELD} polls with WaitTimeSeconds {} held at once on one execution that succeeds after {} s: every one answered within the slack of its end (all woken, not one), Succeeded (open: wake-up, a wake-up later than the end within the slack is allowed)",
                short * 5,
                FixtureFlow::Wait.duration().as_secs()
            ),
            Scenario::EndsDuringWait {
                flow: FixtureFlow::Wait,
                wait: short * 5,
                held: ENDS_HELD,
            },
        ),
        case(
            &format!("stopped-while-{STOP_HELD}-held"),
            &format!(
                "{STOP_HELD} polls with WaitTimeSeconds {} held at once on a long execution, StopExecution {} s later: every poll held at the stop answered within the slack of StopExecution's answer, Stopped, not at its wait (a poll answered before the stop was sent is judged Running or Starting only; open: starting-first, wake-up)",
                short * 2,
                STOP_AFTER.as_secs_f64()
            ),
            Scenario::StoppedWhileHeld {
                held: STOP_HELD,
                wait: short * 2,
                stop_after: STOP_AFTER,
            },
        ),
        case(
            &format!("at-once-beside-{BESIDE_HELD}-held"),
            &format!(
                "{BESIDE_HELD} polls with WaitTimeSeconds {short} held on a long execution (at a pace, at most half the pace's burst of DescribeExecution), then {} s later two WaitTimeSeconds=0 polls and a DescribeFlow: the polls answered within the slack, the DescribeFlow within the slack of its own round trip measured before any poll was held (held polls must not starve other requests); the held polls answered Running or Starting (open: starting-first)",
                BESIDE_AFTER.as_secs_f64()
            ),
            Scenario::AtOnceBesideHeld {
                held: BESIDE_HELD,
                wait: short,
                after: BESIDE_AFTER,
            },
        ),
        case(
            "fails-during-wait",
            &format!(
                "WaitTimeSeconds {} on an execution that fails after {} s: answered when it ends, Failed",
                short * 5,
                FixtureFlow::Fail.duration().as_secs()
            ),
            Scenario::EndsDuringWait {
                flow: FixtureFlow::Fail,
                wait: short * 5,
                held: 1,
            },
        ),
        case(
            &format!("finished-{max}"),
            &format!("WaitTimeSeconds {max} on a finished execution: answered at once"),
            Scenario::AtOnceOnFinished { wait: max },
        ),
        case(
            &format!("unknown-{max}"),
            &format!("WaitTimeSeconds {max} on an execution that does not exist: 404 at once"),
            Scenario::AtOnceOnUnknown { wait: max },
        ),
        case(
            &format!("rejected-{}", max + 1),
            &format!("WaitTimeSeconds {}: 400 InvalidArgument at once", max + 1),
            Scenario::RejectedAtOnce { wait: max + 1 },
        ),
        case(
            "stopped",
            "a running execution (Running or Starting; open: starting-first) reads Stopped once stopped, and a long poll on it answers at once",
            Scenario::Stopped,
        ),
    ];
    if long_waits {
        cases.push(case(&format!("wait-outlived-{max}"), &format!("WaitTimeSeconds {max} on an execution that outlives it: answered after {max} s, Running or Starting (open: starting-first)"), Scenario::WaitOutlived { wait: max, delay: Duration::ZERO }));
    }
    cases
}

fn case(id: &str, description: &str, scenario: Scenario) -> TimingCase {
    let mut tags = vec![Tag::Timing];
    if matches!(scenario, Scenario::WaitOutlived { wait, .. } if wait > 10) {
        tags.push(Tag::LongWait);
    }
    TimingCase {
        id: format!("timing/{id}"),
        tags,
        description: description.to_owned(),
        scenario,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_timing_cases_wait_a_few_seconds_at_most() {
        let cases = timing_cases(Contract::embedded(), false);
        assert!(cases.iter().any(|case| case.id == "timing/wait-outlived-2"));
        assert!(cases.iter().any(|case| case.id == "timing/rejected-61"));
        assert!(!cases.iter().any(|case| case.tags.contains(&Tag::LongWait)));
        for id in [
            "timing/ends-during-wait-8-held",
            "timing/stopped-while-6-held",
            "timing/at-once-beside-64-held",
            "timing/wait-outlived-2-sent-late",
        ] {
            let case = cases.iter().find(|case| case.id == id).expect(id);
            assert_eq!(case.tags, [Tag::Timing], "{id}");
        }
        let long = timing_cases(Contract::embedded(), true);
        assert!(long.iter().any(|case| case.id == "timing/wait-outlived-60"));
    }
}
