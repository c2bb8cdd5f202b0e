//! The timing phase of a run: a measured baseline, then every timing case's script, all
//! at once, each observed as a [`Timeline`] for the timing checks.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::results::{CaseOutcome, CaseResult};
use super::session::Session;
use crate::cases::fixtures::FixtureFlow;
use crate::cases::timing::{Scenario, TimingCase};
use crate::checks::strict_json_of_polls;
use crate::checks::timing::{Poll, Timeline, TimingBounds, check_timing};
use crate::contract::Contract;
use crate::wire::RpcRequest;

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
    let timeline = script(session, &case).await;
    let mut findings = check_timing(Contract::embedded(), &case, &timeline, &bounds);
    findings.extend(strict_json_of_polls(&case.id, &timeline.polls));
    CaseResult {
        case: case.info(),
        findings,
        outcome: CaseOutcome::Timing(Box::new(timeline)),
    }
}

/// The execution name of a timing case: its id's last part and the run id.
fn execution_name(session: &Session, case: &TimingCase) -> String {
    let detail = case.id.rsplit('/').next().unwrap_or("timing");
    format!("{detail}_{}", session.fixtures.run_id)
}

async fn script(session: &Arc<Session>, case: &TimingCase) -> Timeline {
    let fixtures = &session.fixtures;
    let origin = Instant::now();
    let name = execution_name(session, case);
    // Text beyond ASCII, as the finished execution's: every read of the execution holds it.
    let input = format!("{{\"case\":\"{}\",\"k\":\"café ✓ 漢字\"}}", case.id);
    let mut timeline = Timeline::default();
    match &case.scenario {
        Scenario::AtOnceOnRunning { wait } => {
            poll_running(
                session,
                &name,
                input,
                *wait,
                Duration::ZERO,
                origin,
                &mut timeline,
            )
            .await;
        }
        Scenario::WaitOutlived { wait } => {
            let hold = seconds(*wait);
            poll_running(
                session,
                &name,
                input,
                Some(*wait),
                hold,
                origin,
                &mut timeline,
            )
            .await;
        }
        Scenario::EndsDuringWait {
            flow: fixture,
            wait,
        } => {
            let flow = fixtures.flow_of(*fixture);
            timeline.execution = Some((flow.clone(), name.clone()));
            timeline.started = Some(start(session, &flow, &name, &input, origin).await);
            timeline.input = Some(input);
            let hold = fixture.duration();
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(*wait), hold, origin).await);
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
            timeline.started = Some(start(session, &flow, &name, &input, origin).await);
            timeline.input = Some(input);
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(0), Duration::ZERO, origin).await);
            timeline.polls_before_stop = timeline.polls.len();
            stop(session, &flow, &name).await;
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(0), Duration::ZERO, origin).await);
            timeline
                .polls
                .push(poll(session, &flow, &name, Some(5), Duration::ZERO, origin).await);
        }
    }
    timeline
}

/// Starts a long execution, polls it once with `wait`, and stops it.
async fn poll_running(
    session: &Arc<Session>,
    name: &str,
    input: String,
    wait: Option<i64>,
    hold: Duration,
    origin: Instant,
    timeline: &mut Timeline,
) {
    if let Some(existing) = &session.fixtures.existing {
        // An execution that runs for the whole run: polled, never started or stopped.
        if let Some(running) = &existing.running {
            timeline.execution = Some((running.flow.clone(), running.execution.clone()));
            let poll = poll(
                session,
                &running.flow,
                &running.execution,
                wait,
                hold,
                origin,
            )
            .await;
            timeline.polls.push(poll);
        }
        return;
    }
    let flow = session.fixtures.flow_of(FixtureFlow::Long);
    timeline.execution = Some((flow.clone(), name.to_owned()));
    timeline.started = Some(start(session, &flow, name, &input, origin).await);
    timeline.input = Some(input);
    timeline
        .polls
        .push(poll(session, &flow, name, wait, hold, origin).await);
    stop(session, &flow, name).await;
}

/// Whole seconds of a WaitTimeSeconds.
fn seconds(wait: i64) -> Duration {
    Duration::from_secs(u64::try_from(wait).unwrap_or_default())
}

/// Starts an execution (recorded for the clean-up to stop); gives when the request was
/// sent and answered.
async fn start(
    session: &Arc<Session>,
    flow: &str,
    name: &str,
    input: &str,
    origin: Instant,
) -> (Duration, Duration) {
    let sent = origin.elapsed();
    // A failed start shows up in the polls that follow.
    let _ = session.start_execution(flow, name, input).await;
    (sent, origin.elapsed())
}

async fn stop(session: &Session, flow: &str, name: &str) {
    session.stop_execution(flow, name).await;
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
    let sent = origin.elapsed();
    let started = Instant::now();
    match session.exchange(&request, hold).await {
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
