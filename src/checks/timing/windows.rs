//! When the timing checks allow each answer of a timeline to come: a window of the case's
//! clock per judged answer. The checks `timing-at-once`, `timing-wait-honoured` and
//! `timing-ends-with-execution` judge an answer by whether it came inside its window, and
//! the HTML report draws the same windows, so what it shows is what the checks hold.

use std::time::Duration;

use super::held::{StopPhase, held, unthrottled_indices, wait_of};
use super::{Poll, Timeline, TimingBounds};
use crate::cases::timing::Scenario;
use crate::checks::CheckId;
use crate::contract::Contract;

/// Which answer of a timeline a window is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The DescribeExecution poll at this index of [`Timeline::polls`].
    Poll(usize),
    /// The other operation's answer at this index of [`Timeline::beside`].
    Beside(usize),
}

/// When one answer must come, on the case's clock (from the start of the case): the check
/// holds it to `from ..= to`, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The check that holds the answer to it.
    pub check: CheckId,
    /// The answer.
    pub answer: Answer,
    /// The earliest the answer may come.
    pub from: Duration,
    /// The latest the answer may come.
    pub to: Duration,
}

impl Window {
    fn new(check: CheckId, answer: Answer, from: Duration, to: Duration) -> Self {
        Self {
            check,
            answer,
            from,
            to,
        }
    }

    /// Whether `poll` was answered within the window.
    pub(super) fn holds(&self, poll: &Poll) -> bool {
        (self.from..=self.to).contains(&poll.answered())
    }
}

impl Timeline {
    /// The answer a window is for.
    pub(super) fn answer_of(&self, answer: Answer) -> &Poll {
        match answer {
            Answer::Poll(index) => &self.polls[index],
            Answer::Beside(index) => &self.beside[index],
        }
    }
}

/// Every window the timing checks hold the answers of `timeline` (as observed, throttled
/// answers included) to, in the checks' order; a throttled answer has none (it is no
/// evidence).
pub fn windows(
    contract: &Contract,
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Vec<Window> {
    let kept = unthrottled_indices(contract, timeline);
    let judged = super::unthrottled(contract, timeline);
    let mut all = at_once(scenario, &judged, bounds);
    all.extend(wait_honoured(scenario, &judged, bounds));
    all.extend(ends_with_execution(scenario, &judged, bounds));
    for window in &mut all {
        window.answer = match window.answer {
            Answer::Poll(index) => Answer::Poll(kept.polls[index]),
            Answer::Beside(index) => Answer::Beside(kept.beside[index]),
        };
    }
    all
}

/// When the execution of an [`Scenario::EndsDuringWait`] case ended by itself, on the
/// case's clock: it started between StartExecution's sending and its answer, and runs its
/// flow's duration.
pub fn ended_by_itself(scenario: &Scenario, timeline: &Timeline) -> Option<(Duration, Duration)> {
    let Scenario::EndsDuringWait { flow, .. } = scenario else {
        return None;
    };
    let (sent, answered) = timeline.started?;
    Some((sent + flow.duration(), answered + flow.duration()))
}

/// `timing-at-once`: what must be answered at once comes within the slack of its sending.
pub(super) fn at_once(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Vec<Window> {
    let indices = 0..timeline.polls.len();
    let polls: Vec<usize> = match scenario {
        Scenario::AtOnceOnRunning { .. }
        | Scenario::AtOnceOnFinished { .. }
        | Scenario::AtOnceOnUnknown { .. }
        | Scenario::RejectedAtOnce { .. } => indices.collect(),
        Scenario::Stopped => indices.skip(timeline.polls_before_stop).collect(),
        // After the end, a poll of a finished execution is answered at once too: those
        // sent after the held ones, and a held one that left after the end (a run slowed
        // by throttling or its pace can send it late).
        Scenario::EndsDuringWait { flow, .. } => indices
            .filter(|&index| {
                let poll = &timeline.polls[index];
                !held(poll) || left_after_end(timeline, flow.duration(), poll)
            })
            .collect(),
        // Beside held polls, what asks for no wait.
        Scenario::AtOnceBesideHeld { .. } => indices
            .filter(|&index| !held(&timeline.polls[index]))
            .collect(),
        Scenario::WaitOutlived { .. } | Scenario::StoppedWhileHeld { .. } => Vec::new(),
    };
    let slack = bounds.slack();
    let within = |answer: Answer, bound: Duration| {
        let sent = timeline.answer_of(answer).sent;
        Window::new(CheckId::TimingAtOnce, answer, sent, sent + bound)
    };
    let mut windows: Vec<Window> = polls
        .into_iter()
        .map(|index| within(Answer::Poll(index), slack))
        .collect();
    // Another operation is held to its own round trip when nothing was held (the baseline
    // measures DescribeExecution, which a service may answer faster).
    if matches!(scenario, Scenario::AtOnceBesideHeld { .. })
        && let Some(calm) = timeline.beside.first()
    {
        windows.extend(
            (1..timeline.beside.len())
                .map(|index| within(Answer::Beside(index), slack + calm.elapsed)),
        );
    }
    windows
}

/// Whether `poll` surely left after its execution ended: after StartExecution's answer
/// plus the execution's `duration`.
pub(super) fn left_after_end(timeline: &Timeline, duration: Duration, poll: &Poll) -> bool {
    timeline
        .started
        .is_some_and(|(_, answered)| poll.sent >= answered + duration)
}

/// `timing-wait-honoured`: a long poll on an execution that outlives it lasts its wait,
/// counted from the request, within the slack (the first poll; none if the target
/// throttled it).
pub(super) fn wait_honoured(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Vec<Window> {
    if !matches!(scenario, Scenario::WaitOutlived { .. }) {
        return Vec::new();
    }
    let slack = bounds.slack();
    timeline
        .polls
        .iter()
        .take(1)
        .map(|poll| {
            let wait = wait_of(poll);
            Window::new(
                CheckId::TimingWaitHonoured,
                Answer::Poll(0),
                poll.sent + wait.saturating_sub(slack),
                poll.sent + wait + slack,
            )
        })
        .collect()
}

/// `timing-ends-with-execution`: a long poll held when its execution ends (by itself or by
/// StopExecution) comes within the slack of the end.
pub(super) fn ends_with_execution(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Vec<Window> {
    let slack = bounds.slack();
    let window = |index: usize, from: Duration, to: Duration| {
        Window::new(
            CheckId::TimingEndsWithExecution,
            Answer::Poll(index),
            from,
            to,
        )
    };
    let indices = 0..timeline.polls.len();
    match scenario {
        Scenario::EndsDuringWait { .. } => {
            let Some((end_earliest, end_latest)) = ended_by_itself(scenario, timeline) else {
                return Vec::new();
            };
            let (from, to) = (end_earliest.saturating_sub(slack), end_latest + slack);
            // The rule is about a poll held when the execution ends: one that may have left
            // after the end (a run slowed by throttling or its pace) is no evidence either
            // way, and one that surely did is held to `at_once`.
            indices
                .filter(|&index| {
                    let poll = &timeline.polls[index];
                    held(poll) && poll.sent + slack < end_earliest
                })
                .map(|index| window(index, from, to))
                .collect()
        }
        // Every poll held through a StopExecution is answered at the stop: within the
        // slack of the stop's answer (the stop ends the execution before it is answered;
        // the poll's answer may lag it by a round trip). No stop accepted: nothing ended
        // while the polls were held.
        Scenario::StoppedWhileHeld { .. } => match timeline.stop {
            Some((_, stop_answered)) => indices
                .filter(|&index| timeline.stop_phase(&timeline.polls[index]) == StopPhase::Through)
                .map(|index| window(index, timeline.polls[index].sent, stop_answered + slack))
                .collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::tests::{body, bounds, case, failing, poll};
    use super::*;

    /// Eight polls held from 20 ms on an execution started at 0-10 ms that ends 2 s later,
    /// the fourth throttled, then a poll at once.
    fn eight_held(elapsed_ms: u64) -> Timeline {
        let ended = body("Succeeded", Some("2024-01-01T00:00:02.000Z"));
        let mut polls: Vec<Poll> = (0..8)
            .map(|_| poll(Some(10), 20, elapsed_ms, 200, ended.clone()))
            .collect();
        let refusal = json!({"Code": "ResourceThrottled", "Message": "m", "RequestId": "r"});
        polls[3] = poll(Some(10), 20, 3, 429, refusal);
        polls.push(poll(Some(0), 10_100, 5, 200, ended));
        Timeline {
            polls,
            started: Some((Duration::ZERO, Duration::from_millis(10))),
            input: Some("{\"x\":1}".to_owned()),
            ..Timeline::default()
        }
    }

    #[test]
    fn windows_are_what_the_checks_judge_on_the_observed_polls() {
        let case = case("timing/ends-during-wait-8-held");
        let timeline = eight_held(1985);
        let windows = windows(Contract::embedded(), &case.scenario, &timeline, &bounds());
        let slack = bounds().slack();
        // The held polls but the throttled one, at the end (2 s after a start at 0-10 ms)
        // within the slack; the last poll at once.
        let mut expected: Vec<Window> = vec![Window::new(
            CheckId::TimingAtOnce,
            Answer::Poll(8),
            Duration::from_millis(10_100),
            Duration::from_millis(10_100) + slack,
        )];
        expected.extend([0, 1, 2, 4, 5, 6, 7].map(|index| {
            Window::new(
                CheckId::TimingEndsWithExecution,
                Answer::Poll(index),
                Duration::from_secs(2) - slack,
                Duration::from_millis(2010) + slack,
            )
        }));
        assert_eq!(windows, expected);
        assert_eq!(
            ended_by_itself(&case.scenario, &timeline),
            Some((Duration::from_secs(2), Duration::from_millis(2010)))
        );
        // A poll outside its window is the check's finding, and only then.
        assert!(
            windows
                .iter()
                .all(|w| w.holds(timeline.answer_of(w.answer)))
        );
        assert_eq!(failing(&case, &timeline), []);
        let late = eight_held(9990);
        assert!(!windows[1].holds(late.answer_of(windows[1].answer)));
        assert_eq!(failing(&case, &late), [CheckId::TimingEndsWithExecution]);
    }

    #[test]
    fn a_long_poll_outlived_by_its_execution_is_held_to_its_wait() {
        let case = case("timing/wait-outlived-2");
        let timeline = Timeline {
            polls: vec![poll(Some(2), 1500, 2010, 200, body("Running", None))],
            ..Timeline::default()
        };
        let slack = bounds().slack();
        assert_eq!(
            windows(Contract::embedded(), &case.scenario, &timeline, &bounds()),
            [Window::new(
                CheckId::TimingWaitHonoured,
                Answer::Poll(0),
                Duration::from_millis(3500) - slack,
                Duration::from_millis(3500) + slack,
            )]
        );
    }
}
