//! Polls held at once: several long polls on one execution sent together, and what is
//! sent beside them while they are held (a StopExecution, requests that must be answered
//! at once). Every DescribeExecution still goes through [`super::poll`].

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Running, poll, seconds, send_timed};
use crate::checks::timing::Poll;
use crate::contract::OPERATION;
use crate::runner::session::Session;
use crate::wire::RpcRequest;

/// Sends a poll of `flow`'s execution `name` for each of `waits`, all at once, and gives
/// them in the order they were answered (so that what the polls read is in the order the
/// target said it).
pub(super) async fn polls(
    session: &Arc<Session>,
    flow: &str,
    name: &str,
    waits: Vec<Option<i64>>,
    origin: Instant,
) -> Vec<Poll> {
    let mut tasks = JoinSet::new();
    for wait in waits {
        let (session, flow, name) = (Arc::clone(session), flow.to_owned(), name.to_owned());
        let hold = wait.map_or(Duration::ZERO, seconds);
        tasks.spawn(async move { poll(&session, &flow, &name, wait, hold, origin).await });
    }
    let mut polls = tasks.join_all().await;
    polls.sort_by_key(Poll::answered);
    polls
}

/// Sends StopExecution `after` from now; when it was sent and answered, if it was
/// accepted.
pub(super) async fn stop_after(
    session: &Session,
    flow: &str,
    name: &str,
    after: Duration,
    origin: Instant,
) -> Option<(Duration, Duration)> {
    tokio::time::sleep(after).await;
    let sent = origin.elapsed();
    let accepted = session.stop_execution(flow, name).await;
    accepted.then(|| (sent, origin.elapsed()))
}

/// How many of `wanted` held polls a run sends: all of them, or at a pace at most half the
/// pace's burst of DescribeExecution (at least one), so that they leave together without
/// waiting for their turns and leave room in the bucket for the requests sent beside them
/// (the real service's bucket of 50 lets 25 go).
pub(super) fn within_pace(session: &Session, wanted: usize) -> usize {
    match session.pacer.burst(Some(OPERATION)) {
        Some(burst) => wanted.min(usize::try_from(burst / 2).unwrap_or(usize::MAX).max(1)),
        None => wanted,
    }
}

/// Holds `held.1` polls with WaitTimeSeconds `held.0` on `running` and, `after` later,
/// sends two WaitTimeSeconds=0 polls and a DescribeFlow of its flow. Gives every poll (in
/// the order answered) and two DescribeFlow answers: one sent before any poll was held
/// (how long that operation takes on this target when nothing is held, since the run's
/// baseline measures DescribeExecution only), then the one sent beside the held polls.
pub(super) async fn beside(
    session: &Arc<Session>,
    running: &Running,
    (wait, count): (i64, usize),
    after: Duration,
    origin: Instant,
) -> (Vec<Poll>, Vec<Poll>) {
    let (flow, name) = (running.flow.as_str(), running.execution.as_str());
    let describe = RpcRequest::get("DescribeFlow").param("Name", flow);
    let calm = send_timed(session, &describe, None, Duration::ZERO, origin).await;
    let holding = polls(session, flow, name, vec![Some(wait); count], origin);
    let at_once = async {
        tokio::time::sleep(after).await;
        tokio::join!(
            polls(session, flow, name, vec![Some(0); 2], origin),
            send_timed(session, &describe, None, Duration::ZERO, origin)
        )
    };
    let (mut held, (at_once, described)) = tokio::join!(holding, at_once);
    held.extend(at_once);
    held.sort_by_key(Poll::answered);
    (held, vec![calm, described])
}
