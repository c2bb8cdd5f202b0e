//! Shared set-up of the integration tests: a reference target on 127.0.0.1:0 and a client
//! that signs and sends RPC requests to it.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the helpers"
)]

pub(crate) mod python;
pub(crate) mod raw_client;
pub(crate) mod raw_http;
pub(crate) mod scripted;
pub(crate) mod served;
pub(crate) mod tls_front;

use std::time::Duration;

use conformance::contract::{BodyKind, Contract, ErrorCode};
use conformance::reference::{Fault, Reference, ReferenceOptions};
use conformance::runner::RunOptions;
use conformance::wire::{
    Client, ClientOptions, Credentials, Endpoint, Exchange, RpcRequest, Signing, SigningContext,
};
use serde_json::Value;

/// The default account of the reference target.
pub(crate) fn testid() -> Credentials {
    Credentials::new("testid", "testsecret")
}

/// The second default account.
pub(crate) fn otherid() -> Credentials {
    Credentials::new("otherid", "othersecret")
}

/// A running reference target and a client for it.
pub(crate) struct Target {
    pub(crate) reference: Reference,
    pub(crate) endpoint: Endpoint,
    pub(crate) client: Client,
}

impl Target {
    pub(crate) async fn start() -> Self {
        Self::with(ReferenceOptions::default()).await
    }

    /// A reference target that breaks the contract as `faults` say.
    pub(crate) async fn faulty(faults: Vec<Fault>) -> Self {
        Self::with(ReferenceOptions {
            faults,
            ..ReferenceOptions::default()
        })
        .await
    }

    /// The options of a run against this target as testid (no second account).
    pub(crate) fn run_options(&self) -> RunOptions {
        RunOptions {
            target: Some(self.endpoint.clone()),
            credentials: Some(testid()),
            ..RunOptions::default()
        }
    }

    pub(crate) async fn with(options: ReferenceOptions) -> Self {
        let reference = Reference::start("127.0.0.1:0".parse().unwrap(), options)
            .await
            .expect("the reference target starts");
        let endpoint = reference.endpoint();
        Self {
            reference,
            endpoint,
            client: Client::new(&ClientOptions::default()).unwrap(),
        }
    }

    /// Sends `request` signed as `signing` says.
    pub(crate) async fn send_as(&self, request: &RpcRequest, signing: &Signing) -> Exchange {
        let built = request
            .build(&self.endpoint, signing, &SigningContext::fresh())
            .unwrap();
        self.send_raw(built).await
    }

    /// Sends `request` signed with signature v1 by testid.
    pub(crate) async fn send(&self, request: &RpcRequest) -> Exchange {
        self.send_as(request, &Signing::V1(testid())).await
    }

    /// Sends a request as built, however malformed.
    pub(crate) async fn send_raw(&self, request: http::Request<Vec<u8>>) -> Exchange {
        self.client
            .send(request, Duration::from_secs(90))
            .await
            .expect("the reference target answers")
    }

    /// Creates a flow of `definition` for testid, and checks it worked.
    pub(crate) async fn create_flow(&self, name: &str, definition: &str) {
        self.create_flow_as(name, definition, &Signing::V1(testid()))
            .await;
    }

    pub(crate) async fn create_flow_as(&self, name: &str, definition: &str, signing: &Signing) {
        let exchange = self
            .send_as(
                &RpcRequest::post("CreateFlow")
                    .param("Name", name)
                    .param("Definition", definition)
                    .param("Description", "made by a test")
                    .param("Type", "FDL"),
                signing,
            )
            .await;
        assert_eq!(
            exchange.status,
            200,
            "CreateFlow {name}: {}",
            body_text(&exchange)
        );
    }

    /// Starts an execution for testid and returns its body.
    pub(crate) async fn start_execution(
        &self,
        flow: &str,
        name: &str,
        input: Option<&str>,
    ) -> Value {
        let mut request = RpcRequest::post("StartExecution")
            .param("FlowName", flow)
            .param("ExecutionName", name);
        if let Some(input) = input {
            request = request.param("Input", input);
        }
        let exchange = self.send(&request).await;
        assert_eq!(
            exchange.status,
            200,
            "StartExecution: {}",
            body_text(&exchange)
        );
        exchange.json().unwrap()
    }

    /// DescribeExecution with an optional WaitTimeSeconds.
    pub(crate) async fn describe(&self, flow: &str, name: &str, wait: Option<u32>) -> Exchange {
        let mut request = RpcRequest::get("DescribeExecution")
            .param("FlowName", flow)
            .param("ExecutionName", name);
        if let Some(wait) = wait {
            request = request.param("WaitTimeSeconds", wait.to_string());
        }
        self.send(&request).await
    }
}

/// An FDL flow that waits `seconds` and then succeeds.
pub(crate) fn waiting_flow(seconds: f64) -> String {
    format!(
        "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: hold\n    duration: {seconds}\n  - type: pass\n    name: done\n"
    )
}

/// An FDL flow that waits `seconds` and then fails.
pub(crate) fn failing_flow(seconds: f64) -> String {
    format!(
        "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: hold\n    duration: {seconds}\n  - type: fail\n    name: boom\n    error: Boom\n    cause: it broke\n"
    )
}

pub(crate) fn body_text(exchange: &Exchange) -> String {
    String::from_utf8_lossy(&exchange.body).into_owned()
}

/// Asserts that `exchange` is the error `code` with its table status, its message
/// rendered with `values`, a schema-valid body, JSON content type and matching RequestIds.
pub(crate) fn assert_error(exchange: &Exchange, code: ErrorCode, values: &[&str]) {
    let contract = Contract::embedded();
    let body = exchange
        .json()
        .unwrap_or_else(|| panic!("not JSON: {}", body_text(exchange)));
    assert_eq!(body["Code"], code.as_str(), "{}", body_text(exchange));
    let row = contract.errors().get(code);
    assert_eq!(exchange.status, row.status, "{}", body_text(exchange));
    let message = body["Message"].as_str().unwrap();
    assert!(
        row.is_rendering_of(message, values),
        "message {message:?} is not {code} with {values:?}"
    );
    assert_eq!(contract.bodies().validate(BodyKind::Error, &body), []);
    assert!(body["HostId"].is_string());
    assert_common(exchange, &body);
}

/// Asserts a schema-valid DescribeExecution success body and returns it.
pub(crate) fn assert_execution(exchange: &Exchange) -> Value {
    assert_eq!(exchange.status, 200, "{}", body_text(exchange));
    let body = exchange.json().unwrap();
    assert_eq!(
        Contract::embedded()
            .bodies()
            .validate(BodyKind::Success, &body),
        [],
        "{body}"
    );
    assert_common(exchange, &body);
    body
}

fn assert_common(exchange: &Exchange, body: &Value) {
    assert_eq!(exchange.header("content-type"), Some("application/json"));
    let request_id = body["RequestId"].as_str().expect("a RequestId");
    assert_eq!(exchange.header("x-acs-request-id"), Some(request_id));
}

/// Asserts that the checked-in document at `path` (from the package's root) is
/// `generated`; the panic shows the difference and the `command` that regenerates it.
pub(crate) fn assert_document_current(path: &str, generated: &[u8], command: &str) {
    let generated = String::from_utf8_lossy(generated);
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let checked_in = std::fs::read_to_string(&full).unwrap_or_default();
    if checked_in != generated {
        let diff = similar::TextDiff::from_lines(checked_in.as_str(), &generated)
            .unified_diff()
            .header(path, "generated")
            .to_string();
        panic!("{path} is not current; regenerate it with\n  {command} > {path}\n{diff}");
    }
}

/// A fresh directory `group/name` under the tests' scratch space.
pub(crate) fn scratch(group: &str, name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
