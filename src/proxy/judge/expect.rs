//! What the contract allows a DescribeExecution that went through the proxy to be answered,
//! and how the request itself breaks the contract (client findings).
//!
//! The expectation comes from the contract only ([`Contract::allowed`]), widened by what
//! the proxy cannot know: it does not know what exists, so a valid query allows its
//! success (echoing its names) and both not-found errors; it cannot verify the client's
//! signature, clock, rate or permissions, so every documented error whose cause is not the
//! parameters is allowed too (SignatureNotMatch, InvalidAccessKeyID, RequestTimeTooSkewed,
//! ResourceThrottled, AccessDenied, and the protocol's errors where the request gives their
//! cause: a missing signature parameter, v3 header or Version, a body).

use serde_json::Value;

use crate::cases::{Case, CaseRequest, Expected, Outcome, Tag};
use crate::contract::{
    Answer, Contract, ErrorCode, NameParameter, OPERATION, OpenQuestion, ParamFault, Query,
    describe_outcomes, open_note,
};
use crate::wire::RpcRequest;

use super::request::Seen;

/// How a DescribeExecution exchange is judged: its case, and the queries a correct service
/// may read its parameters as (none when every reading refuses them).
#[derive(Debug, Clone)]
pub(super) struct Expectation {
    /// The case the checks hold the answer to.
    pub case: Case,
    /// The valid queries the request may be read as.
    pub queries: Vec<Query>,
}

/// The expectation of a DescribeExecution request, or `None` when it asks for another API
/// version than the contract's or its parameters are not all known (a body cut at the
/// capture cap, or one no service reads parameters from): then only the wire-level checks
/// hold.
pub(super) fn expectation(contract: &Contract, id: &str, seen: &Seen) -> Option<Expectation> {
    if seen.other_version() {
        // Another API version is another contract.
        return None;
    }
    let params = seen.known_params()?;
    let allowed = contract.allowed(&params);
    let (mut outcomes, mut questions) = allowed.outcomes_knowing_nothing();
    let queries: Vec<Query> = allowed.queries().cloned().collect();
    let mut push = |outcome: Outcome| {
        if !outcomes.contains(&outcome) {
            outcomes.push(outcome);
        }
    };
    for outcome in unverifiable(seen) {
        push(outcome);
    }
    if seen.unsigned() && !questions.contains(&OpenQuestion::UnsignedRequest) {
        questions.push(OpenQuestion::UnsignedRequest);
    }
    if seen.version.is_none() && !questions.contains(&OpenQuestion::MissingVersion) {
        questions.push(OpenQuestion::MissingVersion);
    }
    questions.sort();
    let description = format!(
        "{OPERATION} through the proxy: {}{}. The proxy does not know what exists (a valid query may succeed or find nothing) and cannot verify the signature, the clock, the rate or the caller's permissions (their errors are allowed)",
        describe_outcomes(&outcomes, contract),
        open_note(&questions)
    );
    let mut rpc = RpcRequest::get(OPERATION);
    rpc.params = params
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    Some(Expectation {
        case: Case {
            id: id.to_owned(),
            tags: vec![Tag::Traffic],
            description,
            request: CaseRequest::signed(rpc),
            expect: outcomes,
            questions,
        },
        queries,
    })
}

/// The errors whose cause the proxy cannot rule out, whatever the parameters: the auth
/// errors and throttling always, the protocol's errors where the request gives their cause.
fn unverifiable(seen: &Seen) -> Vec<Outcome> {
    let request_time = if seen.request_time.is_some() {
        Expected::SentTime
    } else {
        Expected::Any
    };
    let mut outcomes = vec![
        Outcome::error(ErrorCode::SignatureNotMatch, &[]),
        Outcome::Error {
            code: ErrorCode::InvalidAccessKeyID,
            values: vec![Expected::Any],
        },
        Outcome::Error {
            code: ErrorCode::RequestTimeTooSkewed,
            values: vec![request_time, Expected::Any],
        },
        Outcome::error(ErrorCode::ResourceThrottled, &[]),
        // Another account's flow (open: foreign-resource), a permission the proxy does not
        // see, or a request without signature (open: unsigned-request).
        Outcome::error(ErrorCode::AccessDenied, &[]),
    ];
    let missing_code = if seen.v3 {
        ErrorCode::MissingRequiredHeader
    } else {
        ErrorCode::MissingRequiredParams
    };
    outcomes.extend(
        seen.missing
            .iter()
            .map(|name| Outcome::error(missing_code, &[name])),
    );
    if seen.version.is_none() {
        // Open: missing-version.
        outcomes.push(Outcome::Error {
            code: ErrorCode::APIVersionNotSupported,
            values: vec![Expected::Any],
        });
        if !seen.v3 {
            outcomes.push(Outcome::error(
                ErrorCode::MissingRequiredParams,
                &["Version"],
            ));
        }
    }
    if seen.has_body {
        outcomes.push(Outcome::Error {
            code: ErrorCode::EntityTooLarge,
            values: vec![Expected::Any],
        });
    }
    outcomes
}

/// How a DescribeExecution request breaks the contract's parameter rules, as
/// `(rule id, what was sent)`: only where the contract is clear, that is where every
/// reading of the open questions refuses the request (an empty value, `+5` or a repeated
/// parameter a reading takes as valid is no client finding).
pub(super) fn client_rules(contract: &Contract, seen: &Seen) -> Vec<(String, String)> {
    let Some(params) = seen.known_params() else {
        return Vec::new();
    };
    let allowed = contract.allowed(&params);
    if allowed
        .answers
        .iter()
        .any(|answer| matches!(answer, Answer::Query(_)))
    {
        return Vec::new();
    }
    contract
        .request()
        .validate(params.iter().copied())
        .into_iter()
        .filter_map(|violation| {
            let parameter = violation.parameter.as_str();
            let rule = rule_of(contract, parameter, &violation.fault)?;
            let actual = match seen.param(parameter) {
                Some(value) => format!("{parameter}={}", shown(value)),
                None => format!("no {parameter}"),
            };
            Some((rule, actual))
        })
        .collect()
}

/// The id of the rule (`schemas/rules.json`) a parameter fault breaks.
fn rule_of(contract: &Contract, parameter: &str, fault: &ParamFault) -> Option<String> {
    let name = NameParameter::ALL
        .into_iter()
        .find(|name| name.parameter() == parameter);
    let wait = contract
        .request()
        .parameters()
        .iter()
        .any(|known| known.integer && known.name == parameter);
    let id = match (fault, name) {
        (ParamFault::Repeated, _) => return None,
        (ParamFault::Missing, Some(name)) => format!("{}-required", name.family()),
        (ParamFault::Invalid { rule, .. }, Some(name)) => format!("{}-{rule}", name.family()),
        (ParamFault::Invalid { .. }, None) if wait => "wait-time-range".to_owned(),
        (ParamFault::Missing, None) => format!("error-{}", ErrorCode::MissingRequiredParams),
        (ParamFault::Invalid { .. }, None) => format!("error-{}", ErrorCode::InvalidArgument),
    };
    let fallback = format!("error-{}", fault.error_code()?);
    Some(
        contract
            .rules()
            .get(&id)
            .map_or(fallback, |rule| rule.id.clone()),
    )
}

/// A value as a finding shows it: quoted, at most 80 characters.
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(80).collect();
    if cut.len() < value.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}

/// The case, its success outcomes reordered so that the one whose names the body gives
/// comes first (`echoed-names` holds a success to the first it allows: a request whose
/// readings name different executions may be answered for any of them).
pub(super) fn matching_success_first(case: &Case, body: Option<&Value>) -> Case {
    let mut case = case.clone();
    let names = |outcome: &Outcome| match (outcome, body) {
        (Outcome::Success { flow, execution }, Some(body)) => {
            body.get("FlowName").and_then(Value::as_str) == Some(flow.as_str())
                && body.get("Name").and_then(Value::as_str) == Some(execution.as_str())
        }
        _ => false,
    };
    if let Some(at) = case.expect.iter().position(names) {
        let outcome = case.expect.remove(at);
        case.expect.insert(0, outcome);
    }
    case
}

/// The case of an exchange held to the wire format's checks only.
pub(super) fn wire_only_case(id: &str, seen: &Seen) -> Case {
    let operation = seen.operation.as_deref().unwrap_or("(no operation)");
    let description = if seen.is_rpc() {
        format!(
            "{operation} through the proxy: held to the wire format's checks only (JSON, content type, RequestId, no 5xx), which need no expectation"
        )
    } else {
        format!(
            "{} {operation} through the proxy: not an RPC request (a GET or POST naming an operation), so not judged",
            seen.method
        )
    };
    Case {
        description,
        request: CaseRequest::signed(RpcRequest::get(operation)),
        ..named_case(id)
    }
}

/// A case that is only its id, expecting nothing.
pub(super) fn named_case(id: &str) -> Case {
    Case {
        id: id.to_owned(),
        tags: vec![Tag::Traffic],
        description: String::new(),
        request: CaseRequest::signed(RpcRequest::get("")),
        expect: Vec::new(),
        questions: Vec::new(),
    }
}
