//! The throttling probe (`--probe-throttling`, never on by default): a bounded burst of
//! valid DescribeExecution requests of the run's finished execution, sent as fast as the
//! run allows, that stops at the first answer that is not a success. A correct service
//! answers each such request with the execution or throttles it, so that answer must be
//! the error table's 429 ResourceThrottled, held to every check of a catalog case (status,
//! Code, message, error body, RequestId, content type) and to `retry-hint`. A target that
//! never throttles within the bound leaves nothing to hold: the case is skipped, and says so.

use std::time::Duration;

use super::fixtures::Fixtures;
use super::{Case, CaseRequest, Outcome, Tag};
use crate::contract::{Contract, ErrorCode, OPERATION, OpenQuestion};
use crate::wire::RpcRequest;

/// The most requests a burst sends. The real service's DescribeExecution bucket holds 50
/// and refills at 5 a second (`../shared/contract/observed-service.md`): a burst sent
/// faster than that sees a 429 within about 60 requests; 300 leaves room for a larger
/// bucket and a slow network, and is still a few seconds of the service's refill.
pub const BURST_REQUESTS: usize = 300;

/// How many requests of a burst are in flight at once: enough to outrun a refill of a few
/// a second over a slow network, without flooding anything.
pub const BURST_CONCURRENCY: usize = 16;

/// The longest a burst goes on (requests in flight are let finish).
pub const BURST_TIME: Duration = Duration::from_secs(30);

/// The id of the probe.
pub const PROBE_ID: &str = "throttling/burst";

/// The probe: a valid DescribeExecution of the run's finished execution, sent again and
/// again; the answer that ends the burst is held to this case.
pub fn throttling_probe(contract: &Contract, fixtures: &Fixtures) -> Case {
    let throttled = ErrorCode::ResourceThrottled;
    Case {
        id: PROBE_ID.to_owned(),
        tags: vec![Tag::Throttling, Tag::Valid],
        description: format!(
            "a burst of at most {BURST_REQUESTS} valid DescribeExecution requests of the finished execution ({BURST_CONCURRENCY} at once, at most {} s; --rate still holds) until the first answer that is not a success: {} {throttled} with a well-formed error body and a readable retry hint if any (open: throttling); skipped if none comes",
            BURST_TIME.as_secs(),
            contract.errors().status_of(throttled).as_u16(),
        ),
        request: CaseRequest::signed(
            RpcRequest::get(OPERATION)
                .param("FlowName", &fixtures.flow)
                .param("ExecutionName", &fixtures.execution),
        ),
        expect: vec![Outcome::error(throttled, &[])],
        questions: vec![OpenQuestion::Throttling],
    }
}

/// Why a burst that met no throttling is skipped.
pub fn unthrottled_reason(sent: usize, elapsed: Duration) -> String {
    format!(
        "no throttling within {sent} requests ({:.1} s; the bound is {BURST_REQUESTS} requests or {} s): the target did not throttle, so there is no 429 to hold to the error table",
        elapsed.as_secs_f64(),
        BURST_TIME.as_secs()
    )
}
