//! The timing checks on the traffic: when a DescribeExecution was answered, held to its
//! wait, with the run's windows and wording ([`Window::judge`]) and the bounds of the
//! contract plus the judge's slack.
//!
//! Only a successful answer (HTTP 200 with a Status) is judged, and only where the traffic
//! tells enough: the wait must be the same under every reading of the request
//! (`WaitTimeSeconds=+5` is 5 or refused, but a success says the service read 5; a wait
//! whose readings differ is not judged). A poll whose client went away, an error answer
//! and a throttled one are not.

use std::time::Duration;

use serde_json::Value;

use super::expect::Expectation;
use crate::checks::timing::{Answer, Poll, Window};
use crate::checks::{CheckId, Finding};
use crate::contract::Contract;
use crate::wire::Exchange;

/// What the judge knows of one DescribeExecution answer when it times it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timed<'a> {
    /// The exchange's case id.
    pub case: &'a str,
    /// The answer.
    pub exchange: &'a Exchange,
    /// Its body as JSON.
    pub body: &'a Value,
    /// Whether the execution was seen terminal in an answer that ended before this request
    /// was sent on.
    pub terminal_before: bool,
}

/// The wait every reading of the request agrees on (absent is 0), if they agree and read
/// the request as valid.
pub(super) fn agreed_wait(expectation: &Expectation) -> Option<Duration> {
    let mut waits = expectation.queries.iter().map(|query| {
        let seconds = query.wait.as_deref().unwrap_or("0");
        seconds.parse::<u64>().ok().map(Duration::from_secs)
    });
    let first = waits.next()??;
    waits.all(|wait| wait == Some(first)).then_some(first)
}

/// The timing findings of one successful DescribeExecution answer: at once when its
/// execution was already seen terminal (`timing-at-once`), or when it asks for no wait;
/// after its wait if the status is not terminal, and never past its wait plus the slack
/// (`timing-wait-honoured`). Every upper bound adds the target's `round_trip` as the
/// traffic shows it ([`super::round_trip`]); before the traffic shows one, no upper bound
/// is judged (an early answer still is: no round trip makes an answer come sooner).
pub(super) fn timing(
    contract: &Contract,
    timed: &Timed<'_>,
    wait: Option<Duration>,
    slack: Duration,
    round_trip: Option<Duration>,
) -> Option<Finding> {
    if !timed.exchange.status.is_success() {
        return None;
    }
    let status = timed.body.get("Status")?.as_str()?;
    let terminal = contract.bodies().is_terminal(status);
    let upper = round_trip.map(|round_trip| round_trip + slack);
    let at_once = |check| Some(window(check, Duration::ZERO, upper?));
    let window = if timed.terminal_before {
        at_once(CheckId::TimingAtOnce)?
    } else {
        let wait = wait?;
        if wait.is_zero() {
            at_once(CheckId::TimingAtOnce)?
        } else if terminal {
            window(CheckId::TimingWaitHonoured, Duration::ZERO, wait + upper?)
        } else {
            window(
                CheckId::TimingWaitHonoured,
                wait.saturating_sub(slack),
                upper.map_or(Duration::MAX, |upper| wait + upper),
            )
        }
    };
    let poll = Poll {
        wait: None,
        sent: Duration::ZERO,
        elapsed: timed.exchange.elapsed,
        status: timed.exchange.status.as_u16(),
        body: None,
        json_violation: None,
    };
    let mismatch = window.judge(&poll).err()?;
    let why = if timed.terminal_before {
        "; the execution was seen terminal before it was sent"
    } else {
        ""
    };
    Some(Finding {
        case: timed.case.to_owned(),
        check: window.check,
        expected: format!("{}{why}", mismatch.expected),
        actual: format!("{} ({status})", mismatch.actual),
    })
}

fn window(check: CheckId, from: Duration, to: Duration) -> Window {
    Window {
        check,
        answer: Answer::Poll(0),
        from,
        to,
    }
}
