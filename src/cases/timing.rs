//! The timing cases: long polls on executions in known states. Each is a small script of
//! requests whose answers, and when they came, the timing checks judge.

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
    /// Starts a long execution and polls it with `wait` > 0: answered after `wait`, Running.
    WaitOutlived {
        /// WaitTimeSeconds.
        wait: i64,
    },
    /// Starts an execution of `flow` and polls it with `wait`, longer than the execution
    /// runs: answered when it ends, with its terminal status; then polls again.
    EndsDuringWait {
        /// The flow, whose duration is shorter than `wait`.
        flow: FixtureFlow,
        /// WaitTimeSeconds.
        wait: i64,
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
            Scenario::WaitOutlived { wait: short },
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
        cases.push(case(&format!("wait-outlived-{max}"), &format!("WaitTimeSeconds {max} on an execution that outlives it: answered after {max} s, Running or Starting (open: starting-first)"), Scenario::WaitOutlived { wait: max }));
    }
    cases
}

fn case(id: &str, description: &str, scenario: Scenario) -> TimingCase {
    let mut tags = vec![Tag::Timing];
    if matches!(scenario, Scenario::WaitOutlived { wait } if wait > 10) {
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
        let long = timing_cases(Contract::embedded(), true);
        assert!(long.iter().any(|case| case.id == "timing/wait-outlived-60"));
    }
}
