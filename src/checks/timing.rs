//! The timing checks: when each long poll was answered, and what the answers say of the
//! execution over time. Pure functions of a [`Timeline`], so they are unit-tested on
//! canned timelines.

use std::time::Duration;

use serde_json::Value;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::registry::Rule;
use super::{CheckId, Finding, Mismatch, bodies};
use crate::cases::fixtures::FixtureFlow;
use crate::cases::timing::{Scenario, TimingCase};

use crate::contract::{Contract, Known, OpenQuestion, Outcome, open_note, set_field};
use crate::wire::json::JsonViolation;

mod held;
mod windows;

use held::{StopPhase, ends_at_stop, held, unthrottled};
use windows::left_after_end;
pub use windows::{Answer, Window, ended_by_itself, windows};

/// One DescribeExecution of a timing case, and when it was answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// The WaitTimeSeconds sent, if any.
    pub wait: Option<i64>,
    /// When it was sent, from the start of the case.
    pub sent: Duration,
    /// How long the answer took.
    pub elapsed: Duration,
    /// The HTTP status.
    pub status: u16,
    /// The body, if JSON (read leniently).
    pub body: Option<Value>,
    /// How the body breaks strict JSON, if it does (`strict-json`).
    pub json_violation: Option<JsonViolation>,
}

impl Poll {
    /// When the answer came, from the start of the case.
    pub fn answered(&self) -> Duration {
        self.sent + self.elapsed
    }

    fn field(&self, name: &str) -> Option<&str> {
        self.body.as_ref()?.get(name)?.as_str()
    }

    /// A field that is set: absent, `null` and `""` all say "not set" (open question
    /// `unset-fields`).
    fn set_field(&self, name: &str) -> Option<&str> {
        set_field(self.body.as_ref()?, name)?.as_str()
    }
}

/// What a timing case saw.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// The polls, in the order sent.
    pub polls: Vec<Poll>,
    /// When StartExecution was sent and answered, from the start of the case.
    pub started: Option<(Duration, Duration)>,
    /// The Input given to StartExecution.
    pub input: Option<String>,
    /// The FlowName and ExecutionName every poll asks for, where the case polls one
    /// execution that exists.
    pub execution: Option<(String, String)>,
    /// How many of the polls came before StopExecution (for the stopped case).
    pub polls_before_stop: usize,
    /// When StopExecution was sent and answered, from the start of the case, if it was
    /// accepted (for the case that stops an execution while polls are held on it).
    pub stop: Option<(Duration, Duration)>,
    /// Answers to another operation (DescribeFlow): the first sent before any poll was
    /// held, the others beside the held polls, held to when they came (within the slack of
    /// the first's round trip), not to what they say.
    pub beside: Vec<Poll>,
}

/// The bounds the timing checks hold answers to, printed in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimingBounds {
    /// The median round trip of WaitTimeSeconds=0 requests on a finished execution.
    pub baseline: Duration,
    /// The margin added to every bound (`--timing-slack`).
    pub margin: Duration,
}

impl TimingBounds {
    /// The slack of every bound: the baseline plus the margin.
    pub fn slack(&self) -> Duration {
        self.baseline + self.margin
    }
}

/// Every finding of a timing case: each timing check of the registry, in its order.
pub fn check_timing(
    contract: &Contract,
    case: &TimingCase,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Vec<Finding> {
    let timeline = &unthrottled(contract, timeline);
    CheckId::ALL
        .into_iter()
        .filter_map(|check| match check.rule() {
            Rule::Timeline(rule) => rule(contract, case, timeline, bounds)
                .err()
                .map(|mismatch| Finding {
                    case: case.id.clone(),
                    check,
                    expected: mismatch.expected,
                    actual: mismatch.actual,
                }),
            Rule::Answer | Rule::Exchange(_) | Rule::Run => None,
        })
        .collect()
}

impl Poll {
    /// Its answer in a few words: the HTTP status and the body's Status or Code
    /// (`200 Running`, `404 ExecutionNotExists`).
    pub fn described(&self) -> String {
        match (self.field("Status"), self.field("Code")) {
            (Some(status), _) => format!("{} {status}", self.status),
            (None, Some(code)) => format!("{} {code}", self.status),
            (None, None) => self.status.to_string(),
        }
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}

/// The answer each poll should have, as `(status, Status or Code)`.
pub(super) fn answer(
    contract: &Contract,
    scenario: &Scenario,
    timeline: &Timeline,
) -> Result<(), Mismatch> {
    let terminal = |status: &str| contract.bodies().is_terminal(status);
    // Running, or Starting before it (open question starting-first): any documented status
    // that is not terminal.
    let not_ended = |status: &str| {
        contract
            .bodies()
            .statuses()
            .iter()
            .any(|known| known == status)
            && !terminal(status)
    };
    let running = format!(
        "200 Running (or Starting{})",
        open_note(&[OpenQuestion::StartingFirst])
    );
    for (index, poll) in timeline.polls.iter().enumerate() {
        let status = poll.field("Status").unwrap_or_default();
        let (fits, expected) = match scenario {
            Scenario::AtOnceOnRunning { .. }
            | Scenario::WaitOutlived { .. }
            | Scenario::AtOnceBesideHeld { .. } => {
                (poll.status == 200 && not_ended(status), running.clone())
            }
            Scenario::StoppedWhileHeld { .. } => match timeline.stop_phase(poll) {
                StopPhase::Before => (
                    poll.status == 200 && not_ended(status),
                    format!("{running}, answered before the stop"),
                ),
                StopPhase::Through => (
                    poll.status == 200 && status == "Stopped",
                    "200 Stopped, held through the stop".to_owned(),
                ),
                StopPhase::Unclear => (
                    poll.status == 200 && (not_ended(status) || status == "Stopped"),
                    format!("{running} or 200 Stopped, its wait over about when the stop came"),
                ),
            },
            Scenario::EndsDuringWait { flow, .. } => {
                let wanted = if *flow == FixtureFlow::Fail {
                    "Failed"
                } else {
                    "Succeeded"
                };
                // The held polls wait through the end; a later one reads the end once it
                // surely came (or a held poll said so before it was sent). One sent
                // before that (its held poll throttled) may read either.
                let after_end = left_after_end(timeline, flow.duration(), poll)
                    || timeline.polls.iter().any(|other| {
                        other.answered() <= poll.sent && other.field("Status") == Some(wanted)
                    });
                if held(poll) || after_end {
                    (
                        poll.status == 200 && status == wanted,
                        format!("200 {wanted}"),
                    )
                } else {
                    (
                        poll.status == 200 && (not_ended(status) || status == wanted),
                        format!("{running} or 200 {wanted}, sent before the end was seen"),
                    )
                }
            }
            Scenario::AtOnceOnFinished { .. } => (
                poll.status == 200 && terminal(status),
                "200 with a terminal status".to_owned(),
            ),
            Scenario::AtOnceOnUnknown { wait } | Scenario::RejectedAtOnce { wait } => {
                // The oracle's answer to a poll with this wait of an execution that does not
                // exist in a flow that does.
                let wait = wait.to_string();
                let params = [
                    ("FlowName", "F"),
                    ("ExecutionName", "E"),
                    ("WaitTimeSeconds", wait.as_str()),
                ];
                let (outcomes, _) = contract.allowed(&params).outcomes(&Known {
                    flow: "F",
                    execution: None,
                    absent_flows: &[],
                });
                let fits = outcomes.iter().any(|outcome| match outcome {
                    Outcome::Error { code, .. } => {
                        poll.field("Code") == Some(code.as_str())
                            && poll.status == contract.errors().status_of(*code).as_u16()
                    }
                    Outcome::Success { .. } | Outcome::AnyError => false,
                });
                let labels: Vec<String> = outcomes
                    .iter()
                    .map(|outcome| outcome.label(contract))
                    .collect();
                (fits, labels.join(" or "))
            }
            Scenario::Stopped if index < timeline.polls_before_stop => (
                poll.status == 200 && not_ended(status),
                format!("{running}, before the stop"),
            ),
            Scenario::Stopped => (
                poll.status == 200 && status == "Stopped",
                "200 Stopped".to_owned(),
            ),
        };
        if !fits {
            return Err(Mismatch::new(
                format!("poll {}: {expected}", index + 1),
                poll.described(),
            ));
        }
    }
    Ok(())
}

/// What must be answered at once (no wait, a finished or unknown execution, a rejected
/// wait) comes within the slack: within its [`windows::at_once`] window.
pub(super) fn at_once(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Result<(), Mismatch> {
    for window in windows::at_once(scenario, timeline, bounds) {
        window.judge(timeline.answer_of(window.answer))?;
    }
    Ok(())
}

/// A long poll on an execution that outlives it lasts its wait, counted from the request,
/// within the slack: within its [`windows::wait_honoured`] window.
pub(super) fn wait_honoured(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Result<(), Mismatch> {
    for window in windows::wait_honoured(scenario, timeline, bounds) {
        window.judge(timeline.answer_of(window.answer))?;
    }
    Ok(())
}

impl Window {
    /// Whether `poll` came within the window, in the words of `timing-at-once` ("an answer
    /// within") and of the others ("an answer between").
    pub fn judge(&self, poll: &Poll) -> Result<(), Mismatch> {
        if self.holds(poll) {
            return Ok(());
        }
        let expected = if self.check == CheckId::TimingAtOnce {
            format!("an answer within {}", seconds(self.to - poll.sent))
        } else {
            format!(
                "an answer between {} and {} after the request",
                seconds(self.from - poll.sent),
                seconds(self.to - poll.sent)
            )
        };
        Err(Mismatch::new(
            expected,
            format!("an answer after {}", seconds(poll.elapsed)),
        ))
    }
}

/// A long poll held when its execution ends (by itself or by StopExecution) comes within
/// the slack of the end.
pub(super) fn ends_with_execution(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Result<(), Mismatch> {
    match scenario {
        Scenario::EndsDuringWait { flow, .. } => {
            ends_by_itself(scenario, flow.duration(), timeline, bounds)
        }
        Scenario::StoppedWhileHeld { .. } => ends_at_stop(scenario, timeline, bounds),
        _ => Ok(()),
    }
}

/// Every held poll of an execution that ends `duration` after it starts: within its
/// [`windows::ends_with_execution`] window.
fn ends_by_itself(
    scenario: &Scenario,
    duration: Duration,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Result<(), Mismatch> {
    let held: Vec<usize> = (0..timeline.polls.len())
        .filter(|&index| held(&timeline.polls[index]))
        .collect();
    if held.is_empty() {
        // None sent, or the target throttled them all: no evidence.
        return Ok(());
    }
    if timeline.started.is_none() {
        return Err(Mismatch::new("a started execution", "none"));
    }
    for window in windows::ends_with_execution(scenario, timeline, bounds) {
        let poll = timeline.answer_of(window.answer);
        if !window.holds(poll) {
            let index = match window.answer {
                Answer::Poll(at) => held.iter().position(|&index| index == at),
                Answer::Beside(_) => None,
            };
            return Err(Mismatch::new(
                format!(
                    "every held poll answered between {} and {} into the case (the execution ends {} after it starts)",
                    seconds(window.from),
                    seconds(window.to),
                    seconds(duration)
                ),
                format!(
                    "held poll {} of {}: an answer {} into the case",
                    index.unwrap_or_default() + 1,
                    held.len(),
                    seconds(poll.answered())
                ),
            ));
        }
    }
    Ok(())
}

/// What the polls of one execution say stays consistent across them, and that each names
/// the execution asked for. What every read of an execution in the run must agree on (Input,
/// StoppedTime, Output, FlowDefinition) is [`super::history`]'s.
pub fn invariants(contract: &Contract, timeline: &Timeline) -> Result<(), Mismatch> {
    let successes: Vec<&Poll> = timeline
        .polls
        .iter()
        .filter(|poll| poll.status == 200)
        .collect();
    let mut seen_terminal: Option<&str> = None;
    let mut seen_running: Option<&str> = None;
    let mut started: Option<&str> = None;
    for poll in successes {
        let status = poll.field("Status").unwrap_or_default();
        let terminal = contract.bodies().is_terminal(status);
        if let Some(before) = seen_terminal {
            if status != before {
                return Err(Mismatch::new(
                    format!("{before} for good"),
                    format!("{before}, then {status}"),
                ));
            }
        }
        // The statuses in the contract's order: Starting comes only before the others.
        let first_status = contract.bodies().statuses().first().map(String::as_str);
        if let Some(before) = seen_running
            && Some(status) == first_status
        {
            return Err(Mismatch::new(
                format!("no {status} after {before}"),
                format!("{before}, then {status}"),
            ));
        }
        if terminal {
            seen_terminal = Some(status);
        } else if Some(status) != first_status {
            seen_running = Some(status);
        }
        let started_time = poll.field("StartedTime");
        match (started, started_time) {
            (Some(first), Some(now)) if first != now => {
                return Err(Mismatch::new(
                    format!("StartedTime {first} throughout"),
                    format!("StartedTime {now}"),
                ));
            }
            (None, Some(now)) => started = Some(now),
            _ => {}
        }
        let stopped = poll.set_field("StoppedTime");
        if stopped.is_some() != terminal {
            return Err(Mismatch::new(
                format!(
                    "StoppedTime exactly when the status is terminal (unset: absent, null or \"\"{})",
                    open_note(&[OpenQuestion::UnsetFields])
                ),
                match stopped {
                    Some(stopped) => format!("{status} with StoppedTime {stopped}"),
                    None => format!("{status} without StoppedTime"),
                },
            ));
        }
        let instant = |text: &str| OffsetDateTime::parse(text, &Rfc3339).ok();
        if let (Some(stopped), Some(started)) = (stopped, started_time) {
            if let (Some(stopped_at), Some(started_at)) = (instant(stopped), instant(started))
                && stopped_at < started_at
            {
                return Err(Mismatch::new(
                    "StoppedTime not before StartedTime",
                    format!("StartedTime {started}, StoppedTime {stopped}"),
                ));
            }
        }
        if let (Some((flow, execution)), Some(body)) = (&timeline.execution, &poll.body) {
            bodies::names_echoed(flow, execution, body)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cases::timing::timing_cases;

    pub(super) fn case(id: &str) -> TimingCase {
        timing_cases(Contract::embedded(), false)
            .into_iter()
            .find(|case| case.id == id)
            .unwrap()
    }

    pub(super) fn bounds() -> TimingBounds {
        TimingBounds {
            baseline: Duration::from_millis(2),
            margin: Duration::from_millis(300),
        }
    }

    pub(super) fn body(status: &str, stopped: Option<&str>) -> Value {
        let mut body = json!({"Status": status, "StartedTime": "2024-01-01T00:00:00.000Z", "Input": "{\"x\":1}", "FlowName": "F", "Name": "E"});
        if let Some(stopped) = stopped {
            body["StoppedTime"] = json!(stopped);
        }
        body
    }

    pub(super) fn poll(
        wait: Option<i64>,
        sent_ms: u64,
        elapsed_ms: u64,
        status: u16,
        body: Value,
    ) -> Poll {
        Poll {
            wait,
            sent: Duration::from_millis(sent_ms),
            elapsed: Duration::from_millis(elapsed_ms),
            status,
            body: Some(body),
            json_violation: None,
        }
    }

    pub(super) fn failing(case: &TimingCase, timeline: &Timeline) -> Vec<CheckId> {
        check_timing(Contract::embedded(), case, timeline, &bounds())
            .into_iter()
            .map(|finding| finding.check)
            .collect()
    }

    fn running(wait: Option<i64>, elapsed_ms: u64) -> Timeline {
        Timeline {
            polls: vec![poll(wait, 10, elapsed_ms, 200, body("Running", None))],
            input: Some("{\"x\":1}".to_owned()),
            ..Timeline::default()
        }
    }

    #[test]
    fn at_once_passes_quick_answers_and_fails_held_ones() {
        let case = case("timing/at-once-running-0");
        assert_eq!(failing(&case, &running(Some(0), 5)), Vec::<CheckId>::new());
        assert_eq!(
            failing(&case, &running(Some(0), 2000)),
            [CheckId::TimingAtOnce]
        );
    }

    #[test]
    fn wait_honoured_fails_early_and_late_answers() {
        let case = case("timing/wait-outlived-2");
        assert_eq!(
            failing(&case, &running(Some(2), 2010)),
            Vec::<CheckId>::new()
        );
        assert_eq!(
            failing(&case, &running(Some(2), 5)),
            [CheckId::TimingWaitHonoured],
            "too early"
        );
        assert_eq!(
            failing(&case, &running(Some(2), 4000)),
            [CheckId::TimingWaitHonoured],
            "too late"
        );
    }

    #[test]
    fn ends_with_execution_fails_when_held_past_the_end_or_answered_before_it() {
        let case = case("timing/ends-during-wait");
        let timeline = |elapsed_ms: u64, status: &str| Timeline {
            polls: vec![poll(
                Some(10),
                20,
                elapsed_ms,
                200,
                body(
                    status,
                    (status != "Running").then_some("2024-01-01T00:00:02.000Z"),
                ),
            )],
            started: Some((Duration::from_millis(0), Duration::from_millis(10))),
            input: Some("{\"x\":1}".to_owned()),
            execution: Some(("F".to_owned(), "E".to_owned())),
            ..Timeline::default()
        };
        assert_eq!(
            failing(&case, &timeline(1990, "Succeeded")),
            Vec::<CheckId>::new()
        );
        assert_eq!(
            failing(&case, &timeline(9980, "Succeeded")),
            [CheckId::TimingEndsWithExecution],
            "held to the end of the wait"
        );
        assert_eq!(
            failing(&case, &timeline(100, "Running")),
            [CheckId::TimingAnswer, CheckId::TimingEndsWithExecution],
            "answered early"
        );
    }

    #[test]
    fn a_poll_that_left_after_the_end_is_held_to_at_once_not_to_the_end() {
        // A run slowed by throttling: StartExecution answered at 3.4 s (retried), the poll
        // sent at 3.45 s, after the two-second execution surely ended.
        let case = case("timing/ends-during-wait");
        let timeline = |sent_ms: u64, elapsed_ms: u64| Timeline {
            polls: vec![poll(
                Some(10),
                sent_ms,
                elapsed_ms,
                200,
                body("Succeeded", Some("2024-01-01T00:00:02.000Z")),
            )],
            started: Some((Duration::from_millis(0), Duration::from_millis(3400))),
            input: Some("{\"x\":1}".to_owned()),
            execution: Some(("F".to_owned(), "E".to_owned())),
            ..Timeline::default()
        };
        assert_eq!(failing(&case, &timeline(5450, 5)), Vec::<CheckId>::new());
        assert_eq!(
            failing(&case, &timeline(5450, 9990)),
            [CheckId::TimingAtOnce],
            "held although its execution had ended"
        );
        // Sent when the execution may or may not have ended: no evidence either way.
        assert_eq!(failing(&case, &timeline(3450, 5)), Vec::<CheckId>::new());
    }

    #[test]
    fn a_finished_execution_held_is_late() {
        let case = case("timing/finished-60");
        let held = Timeline {
            polls: vec![poll(
                Some(60),
                0,
                60_000,
                200,
                body("Succeeded", Some("2024-01-01T00:00:01.000Z")),
            )],
            ..Timeline::default()
        };
        assert_eq!(failing(&case, &held), [CheckId::TimingAtOnce]);
    }

    #[test]
    fn invariants_catch_a_status_going_back_moving_times_and_other_names() {
        let case = case("timing/ends-during-wait");
        let done = body("Succeeded", Some("2024-01-01T00:00:02.000Z"));
        let base = |second: Value| Timeline {
            polls: vec![
                poll(Some(10), 20, 1990, 200, done.clone()),
                poll(Some(0), 2100, 5, 200, second),
            ],
            started: Some((Duration::ZERO, Duration::from_millis(10))),
            input: Some("{\"x\":1}".to_owned()),
            execution: Some(("F".to_owned(), "E".to_owned())),
            ..Timeline::default()
        };
        assert_eq!(failing(&case, &base(done.clone())), Vec::<CheckId>::new());
        let back = base(body("Running", None));
        assert!(failing(&case, &back).contains(&CheckId::ExecutionInvariants));
        let mut moved = done.clone();
        moved["StartedTime"] = json!("2024-01-01T00:00:00.500Z");
        assert_eq!(failing(&case, &base(moved)), [CheckId::ExecutionInvariants]);
        let mut no_stop = done.clone();
        no_stop.as_object_mut().unwrap().remove("StoppedTime");
        assert_eq!(
            failing(&case, &base(no_stop)),
            [CheckId::ExecutionInvariants]
        );
        // A long poll names the execution asked for, exactly.
        let mut other_name = done.clone();
        other_name["Name"] = json!("e");
        assert_eq!(
            failing(&case, &base(other_name)),
            [CheckId::ExecutionInvariants]
        );
        let mut other_flow = done.clone();
        other_flow["FlowName"] = json!("f");
        assert_eq!(
            failing(&case, &base(other_flow)),
            [CheckId::ExecutionInvariants]
        );
    }

    #[test]
    fn polls_of_nothing_and_bad_waits_get_the_oracles_errors() {
        let error = |status: u16, code: &str| {
            poll(
                Some(60),
                10,
                5,
                status,
                json!({"Code": code, "Message": "m", "RequestId": "r"}),
            )
        };
        let one = |poll: Poll| Timeline {
            polls: vec![poll],
            ..Timeline::default()
        };
        let unknown = case("timing/unknown-60");
        assert_eq!(
            failing(&unknown, &one(error(404, "ExecutionNotExists"))),
            Vec::<CheckId>::new()
        );
        assert_eq!(
            failing(&unknown, &one(error(404, "FlowNotExists"))),
            [CheckId::TimingAnswer]
        );
        let rejected = case("timing/rejected-61");
        assert_eq!(
            failing(&rejected, &one(error(400, "InvalidArgument"))),
            Vec::<CheckId>::new()
        );
        assert_eq!(
            failing(&rejected, &one(error(403, "InvalidArgument"))),
            [CheckId::TimingAnswer]
        );
        assert_eq!(
            failing(
                &rejected,
                &one(poll(Some(61), 10, 5, 200, body("Running", None)))
            ),
            [CheckId::TimingAnswer]
        );
    }

    #[test]
    fn starting_may_come_first_but_never_after_running() {
        let case = case("timing/stopped");
        let timeline = |statuses: &[&str]| Timeline {
            polls: statuses
                .iter()
                .map(|status| {
                    let stopped = (*status == "Stopped").then_some("2024-01-01T00:00:01Z");
                    poll(Some(0), 10, 5, 200, body(status, stopped))
                })
                .collect(),
            polls_before_stop: statuses.len() - 1,
            ..Timeline::default()
        };
        assert_eq!(
            failing(&case, &timeline(&["Starting", "Running", "Stopped"])),
            Vec::<CheckId>::new()
        );
        assert_eq!(
            failing(&case, &timeline(&["Running", "Starting", "Stopped"])),
            [CheckId::ExecutionInvariants]
        );
        // An empty StoppedTime is an unset one.
        let mut empty = timeline(&["Running", "Stopped"]);
        empty.polls[0].body.as_mut().unwrap()["StoppedTime"] = json!("");
        assert_eq!(failing(&case, &empty), Vec::<CheckId>::new());
        let mut unset = timeline(&["Running", "Stopped"]);
        unset.polls[1].body.as_mut().unwrap()["StoppedTime"] = json!("");
        assert_eq!(failing(&case, &unset), [CheckId::ExecutionInvariants]);
    }

    #[test]
    fn a_stopped_execution_must_read_stopped() {
        let case = case("timing/stopped");
        let timeline = |last: &str| Timeline {
            polls: vec![
                poll(Some(0), 10, 5, 200, body("Running", None)),
                poll(
                    Some(5),
                    100,
                    5,
                    200,
                    body(last, Some("2024-01-01T00:00:01.000Z")),
                ),
            ],
            input: Some("{\"x\":1}".to_owned()),
            polls_before_stop: 1,
            ..Timeline::default()
        };
        assert_eq!(failing(&case, &timeline("Stopped")), Vec::<CheckId>::new());
        assert_eq!(failing(&case, &timeline("Failed")), [CheckId::TimingAnswer]);
    }
}
