//! The reference target's answers, as insta snapshots in `snapshots/`: one review of what
//! it says to each kind of request, with what the contract leaves to the service (request
//! ids, HostId, times: `ServerChosen`) redacted by field, as `--snapshots` redacts it. A
//! change of any status, Code, Message or field shows up as a snapshot diff.

mod common;

use common::{Target, testid, waiting_flow};
use conformance::contract::Contract;
use conformance::wire::{Credentials, RpcRequest, Signing, SigningContext};
use serde_json::{Value, json};

/// One exchange as the snapshot shows it, the values the service chooses redacted.
fn entry(name: &str, exchange: &conformance::wire::Exchange) -> Value {
    let mut body = exchange.json().unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut body {
        for (field, value) in fields.iter_mut() {
            if let Some(chosen) = Contract::embedded().bodies().server_chosen(field, value) {
                *value = json!(chosen.placeholder());
            }
        }
    }
    json!({
        "case": name,
        "status": exchange.status.as_u16(),
        "content_type": exchange.header("content-type"),
        "body": body,
    })
}

#[tokio::test]
async fn reference_target_exchanges() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(0.0)).await;
    target.create_flow("long", &waiting_flow(3600.0)).await;
    target
        .start_execution("flow", "done", Some("{\"key\":\"value\"}"))
        .await;
    target.start_execution("long", "running", None).await;

    let describe = |flow: &str, execution: &str| {
        RpcRequest::get("DescribeExecution")
            .param("FlowName", flow)
            .param("ExecutionName", execution)
    };
    let mut entries = Vec::new();
    let cases: Vec<(&str, RpcRequest)> = vec![
        (
            "succeeded",
            describe("flow", "done").param("WaitTimeSeconds", "5"),
        ),
        ("running", describe("long", "running")),
        ("flow-not-exists", describe("nope", "done")),
        ("execution-not-exists", describe("flow", "nope")),
        ("invalid-name", describe("1flow", "done")),
        (
            "wait-time-61",
            describe("flow", "done").param("WaitTimeSeconds", "61"),
        ),
        (
            "missing-execution-name",
            RpcRequest::get("DescribeExecution").param("FlowName", "flow"),
        ),
        ("unknown-action", RpcRequest::get("DescribeExecutionz")),
        (
            "already-completed",
            RpcRequest::post("StopExecution")
                .param("FlowName", "flow")
                .param("ExecutionName", "done"),
        ),
    ];
    for (name, request) in &cases {
        entries.push(entry(name, &target.send(request).await));
    }
    let wrong = Signing::V1(Credentials::new("testid", "wrong"));
    entries.push(entry(
        "signature-not-match",
        &target.send_as(&describe("flow", "done"), &wrong).await,
    ));
    let unknown = Signing::V3(Credentials::new("nobody", "x"));
    entries.push(entry(
        "invalid-access-key-v3",
        &target.send_as(&describe("flow", "done"), &unknown).await,
    ));
    let mut built = describe("flow", "done")
        .build(
            &target.endpoint,
            &Signing::V3(testid()),
            &SigningContext::fresh(),
        )
        .unwrap();
    built.headers_mut().remove("x-acs-signature-nonce");
    entries.push(entry("missing-header-v3", &target.send_raw(built).await));

    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!("reference_target_exchanges", entries);
    });
}
