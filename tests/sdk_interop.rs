//! The official Alibaba Cloud SDKs (from PyPI) as real clients of the reference target:
//! proof that the reference and the signing speak the real protocol.
//!
//! The SDKs run in the tests' virtualenv (see `common::python`). Nothing here skips
//! itself: without Python or the SDKs, these tests fail.

mod common;

use std::path::Path;

use common::Target;
use conformance::contract::{BodyKind, Contract, ErrorCode};
use serde_json::Value;

/// Runs a scenario of `tests/python/interop.py` against `target` and returns what it saw.
async fn scenario(name: &str, target: &Target) -> Value {
    let python = common::python::python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/interop.py");
    let output = tokio::process::Command::new(python)
        .arg(&script)
        .arg(name)
        .arg(target.reference.url())
        .output()
        .await
        .expect("the SDK script runs");
    assert!(
        output.status.success(),
        "scenario {name} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the scenario prints JSON")
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
