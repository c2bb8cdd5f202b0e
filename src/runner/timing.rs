//! The timing phase of a run: a measured baseline, then every timing case's script, all
//! at once, each observed as a [`Timeline`] for the timing checks.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::results::{CaseOutcome, CaseResult};
use super::session::{CallError, Session};
use crate::cases::fixtures::FixtureFlow;
use crate::cases::timing::{Scenario, TimingCase};
use crate::checks::strict_json_of_polls;
use crate::checks::timing::{Poll, Timeline, TimingBounds, check_timing};
use crate::contract::{Contract, ErrorCode};
use crate::wire::RpcRequest;

mod held;

/// How many WaitTimeSeconds=0 polls the baseline takes the median of.
const BASELINE_POLLS: usize = 5;

/// The median round trip of WaitTimeSeconds=0 polls of the run's finished execution.
pub(super) async fn baseline(session: &Session) -> Duration {
    let fixtures = &session.fixtures;
    let mut times = Vec::with_capacity(BASELINE_POLLS);
    for _ in 0..BASELINE_POLLS {
        let poll = poll(
            session,
            &fixtures.flow,
            &fixtures.execution,
            Some(0),
            Duration::ZERO,
            Instant::now(),
        )
        .await;
        times.push(poll.elapsed);
    }
    times.sort();
    times[times.len() / 2]
}

/// Runs one timing case and checks what it saw.
pub(super) async fn run_timing_case(
    session: &Arc<Session>,
    case: TimingCase,
    bounds: TimingBounds,
) -> CaseResult {
    let timeline = match script(session, &case).await {
        Ok(timeline) => timeline,
        Err(Throttled) => {
            return CaseResult {
                case: case.info(),
                findings: Vec::new(),
                outcome: CaseOutcome::Skipped {
                    reason: "the target throttled the StartExecution it needs, after the run's retries (open question throttling)".to_owned(),
                },
            };
        }
    };
    let mut findings = check_timing(Contract::embedded(), &case, &timeline, &bounds);
    findings.extend(
        strict_json_of_polls(&case.id, &timeline.polls)
            .or_else(|| strict_json_of_polls(&case.id, &timeline.beside)),
    );
    CaseResult {
        case: case.info(),
        findings,
        outcome: CaseOutcome::Timing(Box::new(timeline)),
    }
}

/// The execution name of a timing case: its id's last part and the run id.
fn execution_name(session: &Session, case: &TimingCase) -> String {
    timing_execution(&case.id, &session.fixtures.run_id)
}

/// The execution the timing case `id` starts (and polls) in the run `run_id`.
pub(crate) fn timing_execution(id: &str, run_id: &str) -> String {
    let detail = id.rsplit('/').next().unwrap_or("timing");
    format!("{detail}_{run_id}")
}

/// The target throttled a StartExecution a case needs (after the run's retries): the
/// contract lets it, and the case cannot run.
struct Throttled;

async fn script(session: &Arc<Session>, case: &TimingCase) -> Result<Timeline, Throttled> {
    let fixtures = &session.fixtures;
    let origin = Instant::now();
    let name = execution_name(session, case);
    // Text beyond ASCII, as the finished execution's: every read of the execution holds it.
    let input = format!("{{\"case\":\"{}\",\"k\":\"café ✓ 漢字\"}}", case.id);
    let mut timeline = Timeline::default();
    match &case.scenario {
        Scenario::AtOnceOnRunning { wait } => {
            if let Some(running) = running(session, &name, input, origin, &mut timeline).await? {
                let poll = running.poll(session, *wait, Duration::ZERO, origin).await;
                timeline.polls.push(poll);
                running.finish(session).await;
            }
        }
        Scenario::WaitOutlived { wait, delay } => {
            if let Some(running) = running(session, &name, input, origin, &mut timeline).await? {
                tokio::time::sleep(*delay).await;
                let poll = running.poll(session, Some(*wait), seconds(*wait), origin);
                timeline.polls.push(poll.await);
                running.finish(session).await;
            }
        }
        Scenario::EndsDuringWait {
            flow: fixture,
            wait,
            held,
        } => {
            let flow = fixtures.flow_of(*fixture);
            timeline.execution = Some((flow.clone(), name.clone()));
            timeline.started = Some(start(session, &flow, &name, &input, origin).await?);
            timeline.input = Some(input);
            let waits = vec![Some(*wait); *held];
            timeline.polls = held::polls(session, &flow, &name, waits, origin).await;
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(0), Duration::ZERO, origin).await);
            // Once seen to end, it needs no stopping; otherwise the clean-up stops it.
            let last = timeline.polls.last().and_then(|poll| poll.body.as_ref());
            let status = last.and_then(|body| body.get("Status")?.as_str());
            if status.is_some_and(|status| Contract::embedded().bodies().is_terminal(status)) {
                session.provisioned.ended(&flow, &name);
            }
        }
        Scenario::StoppedWhileHeld {
            held,
            wait,
            stop_after,
        } => {
            let flow = fixtures.flow_of(FixtureFlow::Long);
            timeline.execution = Some((flow.clone(), name.clone()));
            timeline.started = Some(start(session, &flow, &name, &input, origin).await?);
            timeline.input = Some(input);
            let polls = held::polls(session, &flow, &name, vec![Some(*wait); *held], origin);
            let stop = held::stop_after(session, &flow, &name, *stop_after, origin);
            (timeline.polls, timeline.stop) = tokio::join!(polls, stop);
        }
        Scenario::AtOnceBesideHeld { held, wait, after } => {
            if let Some(running) = running(session, &name, input, origin, &mut timeline).await? {
                let count = held::within_pace(session, *held);
                let (polls, beside) =
                    held::beside(session, &running, (*wait, count), *after, origin).await;
                (timeline.polls, timeline.beside) = (polls, beside);
                running.finish(session).await;
            }
        }
        Scenario::AtOnceOnFinished { wait }
        | Scenario::RejectedAtOnce { wait }
        | Scenario::AtOnceOnUnknown { wait } => {
            let execution = if matches!(case.scenario, Scenario::AtOnceOnUnknown { .. }) {
                &fixtures.absent_execution
            } else {
                &fixtures.execution
            };
            if matches!(case.scenario, Scenario::AtOnceOnFinished { .. }) {
                timeline.execution = Some((fixtures.flow.clone(), execution.clone()));
            }
            let at_once = poll(
                session,
                &fixtures.flow,
                execution,
                Some(*wait),
                Duration::ZERO,
                origin,
            );
            timeline.polls.push(at_once.await);
        }
        Scenario::Stopped if fixtures.existing.is_some() => {
            // An execution stopped before the run: it reads Stopped, at once.
            if let Some(stopped) = fixtures
                .existing
                .as_ref()
                .and_then(|existing| existing.stopped.as_ref())
            {
                timeline.execution = Some((stopped.flow.clone(), stopped.execution.clone()));
                for wait in [0, 5] {
                    let poll = poll(
                        session,
                        &stopped.flow,
                        &stopped.execution,
                        Some(wait),
                        Duration::ZERO,
                        origin,
                    )
                    .await;
                    timeline.polls.push(poll);
                }
            }
        }
        Scenario::Stopped => {
            let flow = fixtures.flow_of(FixtureFlow::Long);
            timeline.execution = Some((flow.clone(), name.clone()));
            timeline.started = Some(start(session, &flow, &name, &input, origin).await?);
            timeline.input = Some(input);
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(0), Duration::ZERO, origin).await);
            timeline.polls_before_stop = timeline.polls.len();
            session.stop_execution(&flow, &name).await;
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(0), Duration::ZERO, origin).await);
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(5), Duration::ZERO, origin).await);
        }
    }
    Ok(timeline)
}

/// A running execution a case polls.
struct Running {
    flow: String,
    execution: String,
    /// Whether the case started it (and so stops it).
    started: bool,
}

impl Running {
    fn poll(
        &self,
        session: &Session,
        wait: Option<i64>,
        hold: Duration,
        origin: Instant,
    ) -> impl Future<Output = Poll> {
        poll(session, &self.flow, &self.execution, wait, hold, origin)
    }

    /// Stops it if the case started it.
    async fn finish(&self, session: &Session) {
        if self.started {
            session.stop_execution(&self.flow, &self.execution).await;
        }
    }
}

/// The execution that runs for the whole run (`--fixtures`), or a long one started now
/// as `name` (recorded in the timeline); `None` when the fixtures have none.
async fn running(
    session: &Arc<Session>,
    name: &str,
    input: String,
    origin: Instant,
    timeline: &mut Timeline,
) -> Result<Option<Running>, Throttled> {
    if let Some(existing) = &session.fixtures.existing {
        // An execution that runs for the whole run: polled, never started or stopped.
        return Ok(existing.running.as_ref().map(|running| {
            timeline.execution = Some((running.flow.clone(), running.execution.clone()));
            Running {
                flow: running.flow.clone(),
                execution: running.execution.clone(),
                started: false,
            }
        }));
    }
    let flow = session.fixtures.flow_of(FixtureFlow::Long);
    timeline.execution = Some((flow.clone(), name.to_owned()));
    timeline.started = Some(start(session, &flow, name, &input, origin).await?);
    timeline.input = Some(input);
    Ok(Some(Running {
        flow,
        execution: name.to_owned(),
        started: true,
    }))
}

/// Whole seconds of a WaitTimeSeconds.
fn seconds(wait: i64) -> Duration {
    Duration::from_secs(u64::try_from(wait).unwrap_or_default())
}

/// Starts an execution (recorded for the clean-up to stop); gives when the request was
/// sent and answered, or that the target throttled it.
async fn start(
    session: &Arc<Session>,
    flow: &str,
    name: &str,
    input: &str,
    origin: Instant,
) -> Result<(Duration, Duration), Throttled> {
    let sent = origin.elapsed();
    // Any other failed start shows up in the polls that follow.
    if let Err(CallError::Refused { code, .. }) = session.start_execution(flow, name, input).await {
        if Contract::embedded()
            .errors()
            .stands_for(&code, ErrorCode::ResourceThrottled)
        {
            return Err(Throttled);
        }
    }
    Ok((sent, origin.elapsed()))
}

/// Sends a DescribeExecution with `wait`, giving up when no answer came `hold` plus the
/// run's timeout after sending: `hold` is how long the answer may rightly take (0 for a
/// poll that must be answered at once).
async fn poll(
    session: &Session,
    flow: &str,
    name: &str,
    wait: Option<i64>,
    hold: Duration,
    origin: Instant,
) -> Poll {
    let mut request = RpcRequest::get("DescribeExecution")
        .param("FlowName", flow)
        .param("ExecutionName", name);
    if let Some(wait) = wait {
        request = request.param("WaitTimeSeconds", wait.to_string());
    }
    send_timed(session, &request, wait, hold, origin).await
}

/// Sends `request` (a poll with `wait`, or another operation), observed as a [`Poll`]:
/// when it left and how long its answer took.
async fn send_timed(
    session: &Session,
    request: &RpcRequest,
    wait: Option<i64>,
    hold: Duration,
    origin: Instant,
) -> Poll {
    let sent = origin.elapsed();
    let started = Instant::now();
    match session.exchange(request, hold).await {
        // Sent when it left, after any wait for its turn at the run's pace (or a retry).
        Some(exchange) => Poll {
            wait,
            sent: origin.elapsed().saturating_sub(exchange.elapsed).max(sent),
            elapsed: exchange.elapsed,
            status: exchange.status.as_u16(),
            body: exchange.json(),
            json_violation: exchange.strict_json().err(),
        },
        None => Poll {
            wait,
            sent,
            elapsed: started.elapsed(),
            status: 0,
            body: None,
            json_violation: None,
        },
    }
}
