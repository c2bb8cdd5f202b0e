//! The official Alibaba Cloud SDKs (from PyPI) as real clients of the reference target:
//! proof that the reference and the signing speak the real protocol.
//!
//! The first test to run makes a virtualenv in Cargo's target temp dir and installs the
//! pinned SDKs of `tests/sdk/requirements.txt` into it (`python3` must exist; set
//! `CONFORMANCE_PYTHON` to use another interpreter). Nothing here skips itself: without
//! Python or the SDKs, these tests fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::Target;
use conformance::contract::{BodyKind, Contract, ErrorCode};
use serde_json::Value;

const REQUIREMENTS: &str = include_str!("sdk/requirements.txt");

/// The virtualenv's Python, made on first use.
fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(make_virtualenv) {
        Ok(python) => python,
        Err(error) => panic!("the SDK virtualenv could not be set up: {error}"),
    }
}

fn make_virtualenv() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sdk-venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&marker).is_ok_and(|installed| installed == REQUIREMENTS)
        && python.exists()
    {
        return Ok(python);
    }
    let interpreter = std::env::var("CONFORMANCE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run(Command::new(&interpreter)
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/requirements.txt");
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements))?;
    std::fs::write(&marker, REQUIREMENTS).map_err(|error| error.to_string())?;
    Ok(python)
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Runs a scenario of `tests/sdk/interop.py` against `target` and returns what it saw.
async fn scenario(name: &str, target: &Target) -> Value {
    let python = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/interop.py");
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
async fn the_core_sdk_with_the_fnf_requests_works() {
    let target = Target::start().await;
    let seen = scenario("core-v1", &target).await;
    assert_success_body(&seen["described"]);
    assert_eq!(seen["described"]["Status"], "Succeeded");
    assert_eq!(seen["described"]["Input"], "{\"from\":\"core\"}");
    assert_sdk_error(&seen["flow_not_exists"], ErrorCode::FlowNotExists);
}
