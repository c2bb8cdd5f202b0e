//! What the timing checks make of polls held at once: where each stands to a
//! StopExecution, which answers are no evidence (throttled), and the rule of the polls held
//! through a stop.

use std::time::Duration;

use super::{Mismatch, Poll, Timeline, TimingBounds, seconds, windows};
use crate::cases::timing::Scenario;
use crate::contract::{Contract, ErrorCode};

impl Timeline {
    /// Where a poll of the stopped-while-held case stands to the stop.
    pub(super) fn stop_phase(&self, poll: &Poll) -> StopPhase {
        let Some((stop_sent, stop_answered)) = self.stop else {
            return StopPhase::Before;
        };
        if poll.answered() < stop_sent {
            StopPhase::Before
        } else if poll.sent + wait_of(poll) > stop_answered {
            StopPhase::Through
        } else {
            StopPhase::Unclear
        }
    }
}

/// Where a poll stands to a StopExecution sent while it may be held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StopPhase {
    /// Answered before the stop was sent (or no stop was accepted): the execution ran.
    Before,
    /// Its wait lasted past the stop's answer, so it was held when the stop took effect (or
    /// arrived after it): it must read Stopped, answered at the stop.
    Through,
    /// Answered after the stop was sent, but its wait may have ended before the stop took
    /// effect: Running or Stopped, when is no evidence.
    Unclear,
}

/// The timeline without the answers the target throttled (429 ResourceThrottled, or a
/// Code of the gateway's throttling family, that stood after the run's retries): the
/// contract lets a service throttle any request (open question `throttling`), so such an
/// answer says nothing of long polling. Many polls held at once against a target that
/// throttles, with no pace, get them.
pub(super) fn unthrottled(contract: &Contract, timeline: &Timeline) -> Timeline {
    let kept = unthrottled_indices(contract, timeline);
    let pick = |polls: &[Poll], indices: &[usize]| {
        indices.iter().map(|&index| polls[index].clone()).collect()
    };
    Timeline {
        polls: pick(&timeline.polls, &kept.polls),
        beside: pick(&timeline.beside, &kept.beside),
        polls_before_stop: kept
            .polls
            .iter()
            .filter(|&&index| index < timeline.polls_before_stop)
            .count(),
        ..timeline.clone()
    }
}

/// Where the answers of [`unthrottled`]'s timeline are in the timeline as observed.
pub(super) struct Kept {
    /// The index in [`Timeline::polls`] of each poll kept.
    pub(super) polls: Vec<usize>,
    /// The index in [`Timeline::beside`] of each answer kept.
    pub(super) beside: Vec<usize>,
}

/// The indices of the answers the target did not throttle.
pub(super) fn unthrottled_indices(contract: &Contract, timeline: &Timeline) -> Kept {
    let status = contract
        .errors()
        .status_of(ErrorCode::ResourceThrottled)
        .as_u16();
    let throttled = |poll: &Poll| {
        poll.status == status
            && poll.field("Code").is_some_and(|code| {
                contract
                    .errors()
                    .stands_for(code, ErrorCode::ResourceThrottled)
            })
    };
    let kept = |polls: &[Poll]| {
        (0..polls.len())
            .filter(|&index| !throttled(&polls[index]))
            .collect()
    };
    Kept {
        polls: kept(&timeline.polls),
        beside: kept(&timeline.beside),
    }
}

/// Whether a poll asked to be held (WaitTimeSeconds over 0).
pub(super) fn held(poll: &Poll) -> bool {
    poll.wait.is_some_and(|wait| wait > 0)
}

/// A poll's WaitTimeSeconds as a duration (0 if absent).
pub(super) fn wait_of(poll: &Poll) -> Duration {
    Duration::from_secs(
        poll.wait
            .and_then(|wait| u64::try_from(wait).ok())
            .unwrap_or_default(),
    )
}

/// Every poll held through a StopExecution is answered at the stop: within the slack of
/// the stop's answer (its [`windows::ends_with_execution`] window).
pub(super) fn ends_at_stop(
    scenario: &Scenario,
    timeline: &Timeline,
    bounds: &TimingBounds,
) -> Result<(), Mismatch> {
    let Some((_, stop_answered)) = timeline.stop else {
        // No stop accepted: nothing ended while the polls were held.
        return Ok(());
    };
    for window in windows::ends_with_execution(scenario, timeline, bounds) {
        let poll = timeline.answer_of(window.answer);
        if !window.holds(poll) {
            return Err(Mismatch::new(
                format!(
                    "every poll held through the stop answered by {} into the case (StopExecution answered at {})",
                    seconds(window.to),
                    seconds(stop_answered)
                ),
                format!(
                    "a poll sent at {} with WaitTimeSeconds {} answered {} into the case",
                    seconds(poll.sent),
                    poll.wait.unwrap_or_default(),
                    seconds(poll.answered())
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
