//! The official Alibaba Cloud SDKs (from PyPI) as real clients of the reference target:
//! proof that the reference and the signing speak the real protocol.
//!
//! The SDKs run in the tests' virtualenv (see `common::python`). Nothing here skips
//! itself: without Python or the SDKs, these tests fail.

mod common;

use common::Target;
use conformance::contract::{BodyKind, Contract, ErrorCode, PER_ANSWER_FIELDS};
use serde_json::Value;

/// Runs a scenario of `tests/python/interop.py` against `target` and returns what it saw.
async fn scenario(name: &str, target: &Target) -> Value {
    common::python::sdk_scenario(name, &target.reference.url()).await
}

fn assert_sdk_error(seen: &Value, code: ErrorCode) {
    let status = Contract::embedded().errors().status_of(code);
    assert_eq!(seen["code"], code.as_str(), "{seen}");
    assert_eq!(seen["status"], status.as_u16(), "{seen}");
}

fn assert_success_body(body: &Value) {
    assert_eq!(
        Contract::embedded()
            .bodies()
            .validate(BodyKind::Success, body),
        [],
        "{body}"
    );
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the official SDKs from PyPI in a virtualenv (network, python3)"]
async fn the_fnf_sdk_creates_starts_long_polls_and_sees_errors() {
    let target = Target::start().await;
    let seen = scenario("tea-v1-lifecycle", &target).await;
    assert_eq!(seen["started"]["Status"], "Running");
    assert_eq!(seen["at_once"]["Status"], "Running");
    assert_success_body(&seen["at_once"]);
    let polled = &seen["polled"];
    assert_success_body(polled);
    assert_eq!(polled["Status"], "Succeeded");
    assert_eq!(polled["Output"], "{\"from\":\"sdk\"}");
    assert_eq!(seen["polled_status_code"], 200);
    // The flow waits one second; the 30-second long poll ends with it.
    let waited = seen["polled_seconds"].as_f64().unwrap();
    assert!(
        (0.5..15.0).contains(&waited),
        "the long poll took {waited} s"
    );
    assert_sdk_error(&seen["flow_not_exists"], ErrorCode::FlowNotExists);
    assert_sdk_error(&seen["execution_not_exists"], ErrorCode::ExecutionNotExists);
    assert_sdk_error(&seen["signature_not_match"], ErrorCode::SignatureNotMatch);
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the official SDKs from PyPI in a virtualenv (network, python3)"]
async fn the_generic_openapi_client_signs_v3_and_is_understood() {
    let target = Target::start().await;
    let seen = scenario("tea-v3-generic", &target).await;
    let algorithms = seen["signed_with"].as_array().unwrap();
    assert!(!algorithms.is_empty());
    assert!(
        algorithms
            .iter()
            .all(|algorithm| algorithm == "ACS3-HMAC-SHA256"),
        "{seen}"
    );
    assert_eq!(seen["started_status_code"], 200);
    assert_eq!(seen["described_status_code"], 200);
    assert_success_body(&seen["described"]);
    assert_eq!(seen["described"]["Name"], "v3_exec");
    assert_sdk_error(&seen["execution_not_exists"], ErrorCode::ExecutionNotExists);
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the official SDKs from PyPI in a virtualenv (network, python3)"]
async fn the_core_sdk_with_the_fnf_requests_works() {
    let target = Target::start().await;
    let seen = scenario("core-v1", &target).await;
    assert_success_body(&seen["described"]);
    assert_eq!(seen["described"]["Status"], "Succeeded");
    assert_eq!(seen["described"]["Input"], "{\"from\":\"core\"}");
    assert_sdk_error(&seen["flow_not_exists"], ErrorCode::FlowNotExists);
}

/// An answer of a scenario without the fields a service sets per answer.
fn per_request(answer: &Value) -> Value {
    let mut answer = answer.clone();
    if let Some(body) = answer["body"].as_object_mut() {
        body.retain(|key, _| !PER_ANSWER_FIELDS.contains(&key.as_str()));
    }
    answer
}

/// Asserts that every answer of `seen` named in `variants` is the 200 success of
/// `get_query`, the GET client's, but for the fields a service sets per answer.
fn assert_same_answers(seen: &Value, variants: &[&str]) {
    let get = &seen["get_query"];
    assert_eq!(get["status"], 200, "{seen}");
    assert_success_body(&get["body"]);
    assert_eq!(get["body"]["Status"], "Succeeded", "{seen}");
    for variant in variants {
        assert_success_body(&seen[*variant]["body"]);
        assert_eq!(
            per_request(&seen[*variant]),
            per_request(get),
            "{variant}: {seen}"
        );
    }
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the official SDKs from PyPI in a virtualenv (network, python3)"]
async fn the_generic_client_gets_the_same_answer_with_a_json_or_form_body() {
    let target = Target::start().await;
    let seen = scenario("tea-v3-encodings", &target).await;
    assert_same_answers(&seen, &["post_json", "post_form"]);
    // What the SDK sent: the query, then a JSON body as the SDKs label it, then a form.
    let sent = seen["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 3, "{seen}");
    assert_eq!(sent[1]["content_type"], "application/json; charset=utf-8");
    assert_eq!(sent[2]["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(sent[1]["query"], Value::Array(Vec::new()));
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the official SDKs from PyPI in a virtualenv (network, python3)"]
async fn the_core_sdk_gets_the_same_answer_with_a_post_form() {
    let target = Target::start().await;
    let seen = scenario("core-post-form", &target).await;
    assert_same_answers(&seen, &["post_form", "post_form_in_body"]);
    assert_eq!(
        seen["sent"]["POST"]["content_type"],
        "application/x-www-form-urlencoded"
    );
    let in_body = &seen["sent"]["POST-everything-in-body"]["body_names"];
    for name in ["Action", "Signature", "AccessKeyId", "Format", "RegionId"] {
        assert!(
            in_body.as_array().unwrap().contains(&Value::from(name)),
            "{name}: {seen}"
        );
    }
}
