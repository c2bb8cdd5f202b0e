//! The README's example: a team property-tests its own validator in-process with the
//! public strategies. Kept as a test so that the example always compiles and passes.

use conformance::cases::Outcome;
use conformance::contract::Contract;
use conformance::strategies::{FuzzRequest, describe_requests, expectation};
use proptest::prelude::*;

/// A team's own validator: the HTTP status and Code it would answer with.
fn my_validator(request: &FuzzRequest) -> (u16, &'static str) {
    let get = |name: &str| {
        request
            .params
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let valid_name = |name: &str| {
        let mut chars = name.chars();
        (1..=128).contains(&name.chars().count())
            && chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    for name in ["FlowName", "ExecutionName"] {
        if get(name).is_empty() {
            return (400, "MissingRequiredParams");
        }
    }
    for name in ["FlowName", "ExecutionName"] {
        if get(name).len() > 1 || !valid_name(get(name)[0]) {
            return (400, "InvalidArgument");
        }
    }
    let wait = get("WaitTimeSeconds");
    // JSON's integer grammar, as the contract reads integer text: "-0" is 0, "05" is not.
    let integer = |text: &str| {
        let digits = text.strip_prefix('-').unwrap_or(text);
        !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && text.parse::<i64>().is_ok_and(|n| (0..=60).contains(&n))
    };
    if wait.len() > 1 || wait.first().is_some_and(|text| !integer(text)) {
        return (400, "InvalidArgument");
    }
    if get("FlowName")[0] == "flow" && get("ExecutionName")[0] == "exec" {
        (200, "")
    } else if get("FlowName")[0] == "flow" {
        (404, "ExecutionNotExists")
    } else {
        (404, "FlowNotExists")
    }
}

proptest! {
    #[test]
    fn my_validator_answers_as_the_contract_says(
        request in describe_requests(Contract::embedded(), "flow", "exec")
    ) {
        let (status, code) = my_validator(&request);
        let allowed = expectation(Contract::embedded(), &request, "flow", "exec");
        let accepted = allowed.iter().any(|outcome| match outcome {
            Outcome::Success { .. } => status == 200,
            Outcome::Error { code: expected, .. } => code == expected.as_str()
                && status == Contract::embedded().errors().status_of(*expected).as_u16(),
            // Where the contract is silent (a repeated parameter), any documented error.
            Outcome::AnyError => Contract::embedded().errors().lookup(code)
                .is_some_and(|row| row.describe_execution && row.status.as_u16() == status),
        });
        prop_assert!(accepted, "{request:?}: answered {status} {code}, allowed {allowed:?}");
    }
}
