//! The timing checks on canned timelines of polls held at once (slack 302 ms).

use std::time::Duration;

use serde_json::{Value, json};

use super::super::tests::{body, case, failing, poll};
use super::*;
use crate::checks::CheckId;

const NONE: [CheckId; 0] = [];

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn ended(status: &str) -> Value {
    body(status, Some("2024-01-01T00:00:02.000Z"))
}

fn throttled(sent_ms: u64) -> Poll {
    let refusal = json!({"Code": "ResourceThrottled", "Message": "m", "RequestId": "r"});
    poll(Some(10), sent_ms, 3, 429, refusal)
}

/// Eight polls held from 20 ms on an execution started at 0-10 ms that ends 2 s later, each
/// answered `elapsed_ms` after it was sent, then a poll at once.
fn eight_held(elapsed_ms: impl Fn(u64) -> u64) -> Timeline {
    let mut polls: Vec<Poll> = (0..8)
        .map(|index| poll(Some(10), 20, elapsed_ms(index), 200, ended("Succeeded")))
        .collect();
    polls.push(poll(Some(0), 10_100, 5, 200, ended("Succeeded")));
    Timeline {
        polls,
        started: Some((ms(0), ms(10))),
        input: Some("{\"x\":1}".to_owned()),
        ..Timeline::default()
    }
}

#[test]
fn every_poll_held_on_an_execution_that_ends_is_answered_at_its_end() {
    let case = case("timing/ends-during-wait-8-held");
    assert_eq!(failing(&case, &eight_held(|index| 1985 + index)), NONE);
    // Notify-one: one woken at the end, the others at their wait.
    let one_woken = eight_held(|index| if index == 0 { 1985 } else { 9990 });
    assert_eq!(
        failing(&case, &one_woken),
        [CheckId::TimingEndsWithExecution]
    );
}

#[test]
fn throttled_polls_are_no_evidence() {
    let eight = case("timing/ends-during-wait-8-held");
    let mut timeline = eight_held(|_| 1985);
    timeline.polls[3] = throttled(20);
    assert_eq!(failing(&eight, &timeline), NONE);
    // Every held poll throttled: a poll sent before the end may read Running.
    let early = Timeline {
        polls: vec![
            throttled(20),
            poll(Some(0), 600, 5, 200, body("Running", None)),
        ],
        started: Some((ms(0), ms(10))),
        input: Some("{\"x\":1}".to_owned()),
        ..Timeline::default()
    };
    assert_eq!(failing(&eight, &early), NONE);
    // Once a held poll has said the execution ended, a later poll must say so too.
    let mut back = eight_held(|_| 1985);
    back.polls[8] = poll(Some(0), 2100, 5, 200, body("Running", None));
    assert!(failing(&eight, &back).contains(&CheckId::TimingAnswer));
    // A long poll the target throttled says nothing of its wait.
    let only_throttled = Timeline {
        polls: vec![throttled(10)],
        ..Timeline::default()
    };
    assert_eq!(
        failing(&case("timing/wait-outlived-2"), &only_throttled),
        NONE
    );
    // Left out before the stop, the polls after it still count as after it.
    let stopped = Timeline {
        polls: vec![
            throttled(10),
            poll(Some(0), 20, 5, 200, body("Running", None)),
            poll(Some(0), 40, 5, 200, ended("Stopped")),
        ],
        polls_before_stop: 2,
        ..Timeline::default()
    };
    assert_eq!(failing(&case("timing/stopped"), &stopped), NONE);
}

/// Six polls with WaitTimeSeconds 4 sent at 20 ms, StopExecution sent at 500 ms and
/// answered at 510 ms; each poll answered `elapsed_ms` after it was sent, reading `status`.
fn six_held(elapsed_ms: u64, status: &str) -> Timeline {
    let stopped = (status == "Stopped").then_some("2024-01-01T00:00:00.500Z");
    Timeline {
        polls: (0..6)
            .map(|_| poll(Some(4), 20, elapsed_ms, 200, body(status, stopped)))
            .collect(),
        started: Some((ms(0), ms(10))),
        input: Some("{\"x\":1}".to_owned()),
        stop: Some((ms(500), ms(510))),
        ..Timeline::default()
    }
}

#[test]
fn polls_held_through_a_stop_are_answered_at_the_stop_and_read_stopped() {
    let case = case("timing/stopped-while-6-held");
    assert_eq!(failing(&case, &six_held(500, "Stopped")), NONE);
    // The stop wakes nothing: answered at their wait.
    assert_eq!(
        failing(&case, &six_held(4000, "Stopped")),
        [CheckId::TimingEndsWithExecution]
    );
    // Answered at the stop, but Running.
    assert_eq!(
        failing(&case, &six_held(500, "Running")),
        [CheckId::TimingAnswer]
    );
}

#[test]
fn a_poll_answered_before_the_stop_is_judged_running_only() {
    let case = case("timing/stopped-while-6-held");
    // Answered at 120 ms, before the stop was sent: no evidence about the stop.
    assert_eq!(failing(&case, &six_held(100, "Running")), NONE);
    assert_eq!(
        failing(&case, &six_held(100, "Stopped")),
        [CheckId::TimingAnswer],
        "Stopped before any stop"
    );
    // No stop accepted: the execution runs through the polls' wait.
    let mut unstopped = six_held(4000, "Running");
    unstopped.stop = None;
    assert_eq!(failing(&case, &unstopped), NONE);
}

#[test]
fn a_poll_whose_wait_may_have_ended_before_the_stop_reads_either() {
    let case = case("timing/stopped-while-6-held");
    // A stop slowed to 4.5 s (its turn at a pace): the polls' 4 s wait ended about then.
    for status in ["Running", "Stopped"] {
        let mut late = six_held(4490, status);
        late.stop = Some((ms(4480), ms(4500)));
        assert_eq!(failing(&case, &late), NONE, "{status}");
    }
}

/// A DescribeFlow at 0 ms answered in `calm_ms`, three held polls with WaitTimeSeconds 2
/// sent at 10 ms, two WaitTimeSeconds=0 polls and a DescribeFlow at 500 ms, the polls
/// answered `at_once_ms` and the DescribeFlow `flow_ms` after they were sent.
fn beside_after_calm(calm_ms: u64, at_once_ms: u64, flow_ms: u64) -> Timeline {
    let running = || body("Running", None);
    let mut polls: Vec<Poll> = (0..2)
        .map(|_| poll(Some(0), 500, at_once_ms, 200, running()))
        .collect();
    polls.extend((0..3).map(|_| poll(Some(2), 10, 2000, 200, running())));
    Timeline {
        polls,
        started: Some((ms(0), ms(5))),
        input: Some("{\"x\":1}".to_owned()),
        beside: vec![
            poll(None, 0, calm_ms, 200, json!({"Name": "F"})),
            poll(None, 500, flow_ms, 200, json!({"Name": "F"})),
        ],
        ..Timeline::default()
    }
}

fn beside(at_once_ms: u64, flow_ms: u64) -> Timeline {
    beside_after_calm(5, at_once_ms, flow_ms)
}

#[test]
fn requests_beside_held_polls_are_answered_at_once() {
    let case = case("timing/at-once-beside-64-held");
    assert_eq!(failing(&case, &beside(5, 5)), NONE);
    // Served behind the held polls (a bound on the requests served at once).
    assert_eq!(failing(&case, &beside(1500, 5)), [CheckId::TimingAtOnce]);
    assert_eq!(failing(&case, &beside(5, 1500)), [CheckId::TimingAtOnce]);
    // Another operation is held to its own round trip when nothing is held: a target whose
    // DescribeFlow always takes 700 ms is not starving it.
    assert_eq!(failing(&case, &beside_after_calm(700, 5, 720)), NONE);
    assert_eq!(
        failing(&case, &beside_after_calm(700, 5, 2500)),
        [CheckId::TimingAtOnce]
    );
    let mut ended = beside(5, 5);
    ended.polls[4] = poll(Some(2), 10, 2000, 200, body("Succeeded", Some("x")));
    assert!(failing(&case, &ended).contains(&CheckId::TimingAnswer));
}

#[test]
fn a_late_poll_waits_from_its_request_not_from_the_start() {
    let case = case("timing/wait-outlived-2-sent-late");
    let sent_late = |elapsed_ms: u64| Timeline {
        polls: vec![poll(Some(2), 1500, elapsed_ms, 200, body("Running", None))],
        started: Some((ms(0), ms(5))),
        input: Some("{\"x\":1}".to_owned()),
        ..Timeline::default()
    };
    assert_eq!(failing(&case, &sent_late(2005)), NONE);
    // The wait counted from the execution's start: answered 0.5 s after the request.
    assert_eq!(
        failing(&case, &sent_late(500)),
        [CheckId::TimingWaitHonoured]
    );
}
