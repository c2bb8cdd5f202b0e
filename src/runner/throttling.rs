//! The throttling probe's burst: the probe's request, freshly signed each time, sent
//! `BURST_CONCURRENCY` at once, each once (no backoff, and no pace but one the user chose),
//! until the first answer that is not a success, `BURST_REQUESTS` requests or `BURST_TIME`.
//! The answer that ends the burst is held to the probe's case; a burst that meets none is
//! skipped, and says so.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use tokio::task::JoinSet;

use super::results::{CaseOutcome, CaseResult, Checked};
use super::schedule::{body_of, findings_of, unbuildable};
use super::session::Session;
use crate::cases::Case;
use crate::cases::throttling::{BURST_CONCURRENCY, BURST_REQUESTS, BURST_TIME, unthrottled_reason};
use crate::wire::{Exchange, SigningContext, TransportError, timestamp};

/// The answer that ended a burst: the request's place in the burst, when it was signed,
/// what was sent and what came back (or that the request could not be built).
struct Ending {
    index: usize,
    sent_time: String,
    request: http::Request<Vec<u8>>,
    answer: Result<Result<Exchange, TransportError>, String>,
}

/// What the burst's senders share.
struct Burst {
    session: Arc<Session>,
    case: Case,
    next: AtomicUsize,
    over: AtomicBool,
    started: Instant,
}

impl Burst {
    /// Sends the burst's requests in turn until it is over; the first answer that is not a
    /// success (of this sender) ends it.
    async fn sender(self: Arc<Self>) -> Option<Ending> {
        loop {
            if self.over.load(Ordering::Acquire) || self.started.elapsed() >= BURST_TIME {
                return None;
            }
            let index = self.next.fetch_add(1, Ordering::AcqRel);
            if index >= BURST_REQUESTS {
                return None;
            }
            let context = SigningContext::fresh();
            let sent_time = timestamp::format(context.time);
            let request = match self.session.build(&self.case.request, &context) {
                Ok(request) => request,
                Err(error) => {
                    self.over.store(true, Ordering::Release);
                    return Some(Ending {
                        index,
                        sent_time,
                        request: http::Request::new(Vec::new()),
                        answer: Err(error.to_string()),
                    });
                }
            };
            let action = self.case.request.rpc.action.as_deref();
            let answer = self.session.send_once(action, request.clone()).await;
            if answer
                .as_ref()
                .is_ok_and(|exchange| exchange.status.is_success())
            {
                continue;
            }
            self.over.store(true, Ordering::Release);
            return Some(Ending {
                index,
                sent_time,
                request,
                answer: Ok(answer),
            });
        }
    }
}

/// Runs the throttling probe `case`: the burst, then the checks on the answer that ended
/// it, or the reason it is skipped.
pub(super) async fn run_probe(session: &Arc<Session>, case: Case) -> CaseResult {
    let burst = Arc::new(Burst {
        session: Arc::clone(session),
        case,
        next: AtomicUsize::new(0),
        over: AtomicBool::new(false),
        started: Instant::now(),
    });
    let mut senders = JoinSet::new();
    for _ in 0..BURST_CONCURRENCY {
        senders.spawn(Arc::clone(&burst).sender());
    }
    // The first in the burst's order among the answers that ended it.
    let ending = senders
        .join_all()
        .await
        .into_iter()
        .flatten()
        .min_by_key(|ending| ending.index);
    let sent = burst.next.load(Ordering::Acquire).min(BURST_REQUESTS);
    let case = burst.case.clone();
    let Some(ending) = ending else {
        return CaseResult {
            case: case.info(),
            findings: Vec::new(),
            outcome: CaseOutcome::Skipped {
                reason: unthrottled_reason(sent, burst.started.elapsed()),
            },
        };
    };
    let answer = match ending.answer {
        Ok(answer) => answer,
        Err(error) => {
            let finding = unbuildable(&case, &error);
            let checked = Checked {
                answer: Err(TransportError::Setup(finding.actual.clone())),
                request: ending.request,
                body: None,
                case,
            };
            return CaseResult::checked(checked, vec![finding]);
        }
    };
    let body = body_of(&answer);
    let findings = findings_of(session, &case, &ending.sent_time, &answer, body.as_ref());
    let checked = Checked {
        case,
        request: ending.request,
        answer,
        body,
    };
    CaseResult::checked(checked, findings)
}
