//! Scheduling: the selected cases sent with bounded concurrency (the timing cases beside
//! them, or first at a pace), each answer checked once, every result in catalog order, then
//! the history of every execution the run read.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::events::RunEvent;
use super::results::{CaseOutcome, CaseResult, Checked};
use super::selection::Planned;
use super::session::Session;
use super::{history, throttling, timing};
use crate::cases::Case;
use crate::cases::timing::TimingCase;
use crate::checks::timing::TimingBounds;
use crate::checks::{self, CheckId, Finding, Observed};
use crate::contract::Contract;
use crate::wire::{Exchange, SigningContext, TransportError, timestamp};

/// Runs the planned cases that `skip` has no reason to leave out (catalog cases
/// `concurrency` at once, timing cases beside them, or first and one at a time when the
/// run is paced; the throttling probe after all of them, alone, so that its burst
/// throttles no other case), and gives every planned case's result in the order planned,
/// with the bounds the timing cases were held to.
pub(super) async fn run_planned(
    session: &Arc<Session>,
    planned: Vec<Planned>,
    skip: impl Fn(&Planned) -> Option<String>,
    concurrency: usize,
    margin: Duration,
) -> (Vec<CaseResult>, Option<TimingBounds>) {
    let mut slots: Vec<Option<CaseResult>> = Vec::with_capacity(planned.len());
    let (mut catalog, mut timing, mut probes) = (Vec::new(), Vec::new(), Vec::new());
    for case in planned {
        if let Some(reason) = skip(&case) {
            slots.push(Some(CaseResult {
                case: case.info(),
                findings: Vec::new(),
                outcome: CaseOutcome::Skipped { reason },
            }));
            continue;
        }
        let at = slots.len();
        slots.push(None);
        match case {
            Planned::Catalog(case) => catalog.push((at, *case)),
            Planned::Timing(case) => timing.push((at, case)),
            Planned::Throttling(case) => probes.push((at, *case)),
        }
    }
    session.emit(RunEvent::Started {
        cases: catalog.len() + timing.len() + probes.len(),
    });
    let (catalog_at, catalog): (Vec<usize>, Vec<Case>) = catalog.into_iter().unzip();
    let (timing_at, timing): (Vec<usize>, Vec<TimingCase>) = timing.into_iter().unzip();
    let (results, (timed, bounds)) = if session.pacer.is_paced() {
        // At a pace, a request may wait for its turn: the timing cases go first, one at a
        // time, so that no poll of theirs waits behind the catalog's requests.
        let timed = run_timing(session, timing, margin, true).await;
        (run_cases(session, catalog, concurrency).await, timed)
    } else {
        tokio::join!(
            run_cases(session, catalog, concurrency),
            run_timing(session, timing, margin, false)
        )
    };
    let ran = catalog_at.into_iter().zip(results);
    for (at, result) in ran.chain(timing_at.into_iter().zip(timed)) {
        slots[at] = Some(result);
    }
    for (at, case) in probes {
        let result = throttling::run_probe(session, case).await;
        finished(session, &result);
        slots[at] = Some(result);
    }
    let mut results: Vec<CaseResult> = slots.into_iter().flatten().collect();
    history::check_history(&session.fixtures, &mut results);
    (results, bounds)
}

/// Measures the baseline, then runs every timing case at once, or one after another.
async fn run_timing(
    session: &Arc<Session>,
    cases: Vec<TimingCase>,
    margin: Duration,
    one_at_a_time: bool,
) -> (Vec<CaseResult>, Option<TimingBounds>) {
    if cases.is_empty() {
        return (Vec::new(), None);
    }
    let bounds = TimingBounds {
        baseline: timing::baseline(session).await,
        margin,
    };
    if one_at_a_time {
        let mut results = Vec::with_capacity(cases.len());
        for case in cases {
            let result = timing::run_timing_case(session, case, bounds).await;
            finished(session, &result);
            results.push(result);
        }
        return (results, Some(bounds));
    }
    let mut tasks = JoinSet::new();
    for (index, case) in cases.into_iter().enumerate() {
        let session = Arc::clone(session);
        tasks.spawn(async move {
            let result = timing::run_timing_case(&session, case, bounds).await;
            finished(&session, &result);
            (index, result)
        });
    }
    (in_order(tasks.join_all().await), Some(bounds))
}

/// Tells the run's observers that a case has run.
fn finished(session: &Session, result: &CaseResult) {
    session.emit(RunEvent::Finished {
        case: &result.case.id,
        passed: result.passed(),
    });
}

/// Results tagged with their index, in index order.
fn in_order(mut results: Vec<(usize, CaseResult)>) -> Vec<CaseResult> {
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Runs the catalog cases, `concurrency` at once, then the checks that look at the whole
/// run (unique request ids, the same answer to every encoding of a request).
async fn run_cases(
    session: &Arc<Session>,
    cases: Vec<Case>,
    concurrency: usize,
) -> Vec<CaseResult> {
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (index, case) in cases.into_iter().enumerate() {
        let (session, permits) = (Arc::clone(session), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = run_case(&session, case).await;
            finished(&session, &result);
            (index, result)
        });
    }
    let mut results = in_order(tasks.join_all().await);
    let observed: Vec<Observed<'_>> = results
        .iter()
        .filter_map(|result| {
            let checked = result.exchange()?;
            Some(Observed {
                case: &checked.case,
                exchange: checked.answer.as_ref().ok()?,
                body: checked.body.as_ref(),
                sent_time: "",
                time_bound: session.timeout,
            })
        })
        .collect();
    let mut run_findings = checks::unique_request_ids(observed.iter().copied());
    run_findings.extend(checks::same_answers(observed));
    for finding in run_findings {
        if let Some(result) = results
            .iter_mut()
            .find(|result| result.case.id == finding.case)
        {
            result.findings.push(finding);
        }
    }
    results
}

async fn run_case(session: &Session, case: Case) -> CaseResult {
    let mut context = SigningContext::fresh();
    if let Some(skew) = case.request.skew {
        context.time = OffsetDateTime::now_utc() - skew;
    }
    let sent_time = timestamp::format(context.time);
    let request = match session.build(&case.request, &context) {
        Ok(request) => request,
        Err(error) => {
            let finding = unbuildable(&case, &error);
            let checked = Checked {
                answer: Err(TransportError::Setup(finding.actual.clone())),
                request: http::Request::new(Vec::new()),
                body: None,
                case,
            };
            return CaseResult::checked(checked, vec![finding]);
        }
    };
    let answer = session
        .send(case.request.rpc.action.as_deref(), request.clone())
        .await;
    let body = body_of(&answer);
    let findings = findings_of(session, &case, &sent_time, &answer, body.as_ref());
    let checked = Checked {
        case,
        request,
        answer,
        body,
    };
    CaseResult::checked(checked, findings)
}

/// The body of an answer as JSON, if it is JSON: the one place a case's body is parsed.
pub(super) fn body_of(answer: &Result<Exchange, TransportError>) -> Option<Value> {
    answer.as_ref().ok().and_then(Exchange::json)
}

/// The finding of a case whose request the harness could not build.
pub(super) fn unbuildable(case: &Case, error: &impl std::fmt::Display) -> Finding {
    Finding {
        case: case.id.clone(),
        check: CheckId::Answered,
        expected: "a request the harness can build".to_owned(),
        actual: error.to_string(),
    }
}

/// Every finding of a case's answer (sent at `sent_time`, its body parsed as `body`), or
/// that it got none.
pub(super) fn findings_of(
    session: &Session,
    case: &Case,
    sent_time: &str,
    answer: &Result<Exchange, TransportError>,
    body: Option<&Value>,
) -> Vec<Finding> {
    match answer {
        Ok(exchange) => {
            let observed = Observed {
                case,
                exchange,
                body,
                sent_time,
                time_bound: session.timeout,
            };
            checks::check(Contract::embedded(), &observed)
        }
        Err(error) => vec![Finding {
            case: case.id.clone(),
            check: CheckId::Answered,
            expected: format!("an HTTP answer within {:?}", session.timeout),
            actual: error.to_string(),
        }],
    }
}
