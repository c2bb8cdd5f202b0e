//! Checks: named oracles that hold one exchange against the contract. Checks are pure:
//! no I/O, so each is unit-tested on canned exchanges.
//!
//! One file per family: `errors` (status, Code, Message), `bodies` (schemas, echoed
//! names), `protocol` (content type, strict JSON, RequestId, 5xx, time), [`timing`] (long
//! polls), `variants` (the encodings of one request answered alike), [`history`] (every read
//! of one execution across the run). The
//! registry ([`CheckId`]) names every check once, with its description and its rule.

mod bodies;
mod errors;
pub mod examples;
pub mod history;
mod protocol;
mod registry;
pub mod timing;
mod variants;

use std::time::Duration;

use serde_json::Value;

use crate::cases::{Case, Outcome};
use crate::contract::Contract;
use crate::wire::Exchange;

pub use history::execution_history;
pub use protocol::{strict_json_of_polls, unique_request_ids};
pub use registry::CheckId;
pub use variants::same_answers;

use registry::Rule;

/// What a check expected and what it found instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What the contract wants.
    pub expected: String,
    /// What came back.
    pub actual: String,
}

impl Mismatch {
    fn new(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

/// A check that failed on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The case's id.
    pub case: String,
    /// The check that failed.
    pub check: CheckId,
    /// What the contract wants.
    pub expected: String,
    /// What came back.
    pub actual: String,
}

/// An exchange of a case, as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The case.
    pub case: &'a Case,
    /// What was sent and received.
    pub exchange: &'a Exchange,
    /// The body as JSON, if it is JSON.
    pub body: Option<&'a Value>,
    /// The request time the harness sent, as the wire carries it.
    pub sent_time: &'a str,
    /// The latest an answer may come.
    pub time_bound: Duration,
}

impl Observed<'_> {
    /// The body's Code, if it has one.
    fn code(&self) -> Option<&str> {
        self.body?.get("Code")?.as_str()
    }

    /// Whether the answer is a success (HTTP 2xx).
    fn is_success(&self) -> bool {
        self.exchange.status.is_success()
    }

    /// The expected success outcome, if the case allows one.
    fn expected_success(&self) -> Option<(&str, &str)> {
        self.case.expect.iter().find_map(|outcome| match outcome {
            Outcome::Success { flow, execution } => Some((flow.as_str(), execution.as_str())),
            Outcome::Error { .. } | Outcome::AnyError => None,
        })
    }
}

/// Runs every per-exchange check on `observed`, in the registry's order.
pub fn check(contract: &Contract, observed: &Observed<'_>) -> Vec<Finding> {
    CheckId::ALL
        .into_iter()
        .filter_map(|check| check_one(contract, check, observed))
        .collect()
}

/// Runs one per-exchange check on `observed`: its finding if it fails (none for a check
/// that is not held to one exchange).
pub fn check_one(contract: &Contract, check: CheckId, observed: &Observed<'_>) -> Option<Finding> {
    match check.rule() {
        Rule::Exchange(rule) => rule(contract, observed).err().map(|mismatch| Finding {
            case: observed.case.id.clone(),
            check,
            expected: mismatch.expected,
            actual: mismatch.actual,
        }),
        Rule::Answer | Rule::Run | Rule::Timeline(_) => None,
    }
}

#[cfg(test)]
pub(crate) mod canned {
    //! Canned exchanges for the checks' unit tests.

    use std::time::Duration;

    use http::{HeaderMap, HeaderValue, Method, StatusCode};
    use serde_json::Value;

    use super::{CheckId, Finding, Observed, check};
    use crate::cases::{Case, CaseRequest, Outcome};
    use crate::contract::{Contract, ErrorCode};
    use crate::wire::{Exchange, RpcRequest};

    pub(crate) fn case(expect: Vec<Outcome>) -> Case {
        Case {
            id: "family/case".to_owned(),
            tags: vec![],
            description: String::new(),
            request: CaseRequest::signed(RpcRequest::get("DescribeExecution")),
            expect,
            questions: Vec::new(),
        }
    }

    pub(crate) fn flow_not_exists() -> Case {
        case(vec![Outcome::error(ErrorCode::FlowNotExists, &["flow"])])
    }

    pub(crate) fn success_case() -> Case {
        case(vec![Outcome::Success {
            flow: "flow".to_owned(),
            execution: "exec".to_owned(),
        }])
    }

    pub(crate) fn exchange(status: u16, body: &Value) -> Exchange {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        if let Some(id) = body.get("RequestId").and_then(Value::as_str) {
            headers.insert("x-acs-request-id", HeaderValue::from_str(id).unwrap());
        }
        Exchange {
            method: Method::GET,
            url: "http://127.0.0.1/".to_owned(),
            status: StatusCode::from_u16(status).unwrap(),
            version: http::Version::HTTP_11,
            headers,
            body: body.to_string().into(),
            truncated: false,
            first_byte: Duration::from_millis(1),
            elapsed: Duration::from_millis(2),
        }
    }

    pub(crate) fn error_body(code: &str, message: &str) -> Value {
        serde_json::json!({"RequestId": "r-1", "HostId": "h", "Code": code, "Message": message})
    }

    /// The documented answer to an error of `code` without placeholders: the table's
    /// status and a body with its Code and Message, asked of the contract.
    pub(crate) fn documented_error(code: ErrorCode) -> Exchange {
        let spec = Contract::embedded().errors().get(code);
        let message = spec.message.render(&[]).expect("a template without values");
        exchange(spec.status.as_u16(), &error_body(code.as_str(), &message))
    }

    pub(crate) fn success_body() -> Value {
        serde_json::json!({
            "RequestId": "r-2", "Status": "Succeeded", "FlowName": "flow", "Name": "exec",
            "StartedTime": "2019-01-01T01:01:01.001Z", "StoppedTime": "2019-01-01T01:01:02.001Z",
            "FlowDefinition": "version: v1", "Input": "{}", "Output": "{}"
        })
    }

    /// The ids of the checks that fail on `exchange` for `case`.
    pub(crate) fn failing(case: &Case, exchange: &Exchange) -> Vec<CheckId> {
        findings(case, exchange)
            .into_iter()
            .map(|finding| finding.check)
            .collect()
    }

    pub(crate) fn findings(case: &Case, exchange: &Exchange) -> Vec<Finding> {
        let body: Option<Value> = exchange.json();
        let observed = Observed {
            case,
            exchange,
            body: body.as_ref(),
            sent_time: "2024-01-01T00:00:00Z",
            time_bound: Duration::from_secs(5),
        };
        check(Contract::embedded(), &observed)
    }
}
