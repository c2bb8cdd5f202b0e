//! `conformance proxy` between real clients and the reference target, end to end: the
//! harness's own client (fast tier) and the official Python SDKs (slow tier) make an
//! application's calls once directly and once through the proxy, to two fresh reference
//! targets, and must see the same answers; the proxy must be quiet on the clean reference and
//! report a body fault, a message fault and a long-poll fault.

mod common;

use std::time::Duration;

use common::served::{Ended, Served};
use common::{Target, testid, waiting_flow};
use conformance::reference::Fault;
use conformance::wire::{
    Client, ClientOptions, Endpoint, Exchange, RpcRequest, Signing, SigningContext,
};
use serde_json::{Value, json};

/// The fields whose values differ between two runs of the same calls (ids, times), and the
/// tail of an SDK error message that quotes the RequestId.
const VOLATILE: &[&str] = &[
    "RequestId",
    "HostId",
    "Id",
    "CreatedTime",
    "LastModifiedTime",
    "StartedTime",
    "StoppedTime",
];

/// `value` with every volatile field's value replaced (its presence is still compared).
fn normalized(value: &Value) -> Value {
    match value {
        Value::Object(members) => members
            .iter()
            .map(|(name, member)| {
                let member = if VOLATILE.contains(&name.as_str()) {
                    json!("[volatile]")
                } else {
                    normalized(member)
                };
                (name.clone(), member)
            })
            .collect(),
        Value::Array(items) => items.iter().map(normalized).collect(),
        Value::String(text) => match text.split_once("request id: ") {
            Some((before, _)) => json!(format!("{before}request id: [volatile]")),
            None => value.clone(),
        },
        other => other.clone(),
    }
}

/// A client of one endpoint (the target's or the proxy's) that signs as `signing`.
struct App {
    endpoint: Endpoint,
    client: Client,
    signing: Signing,
}

impl App {
    fn new(url: &str, signing: Signing) -> Self {
        Self {
            endpoint: url.parse().unwrap(),
            client: Client::new(&ClientOptions::default()).unwrap(),
            signing,
        }
    }

    async fn send(&self, request: RpcRequest) -> Exchange {
        let built = request
            .build(&self.endpoint, &self.signing, &SigningContext::fresh())
            .unwrap();
        self.client
            .send(built, Duration::from_secs(90))
            .await
            .expect("an answer")
    }

    async fn describe(&self, flow: &str, execution: &str, wait: Option<u32>) -> Exchange {
        let mut request = RpcRequest::get("DescribeExecution")
            .param("FlowName", flow)
            .param("ExecutionName", execution);
        if let Some(wait) = wait {
            request = request.param("WaitTimeSeconds", wait.to_string());
        }
        self.send(request).await
    }

    /// An application's calls: create a flow, start an execution, read it at once, long
    /// poll it to its end and read it once more, read a missing execution, a missing flow
    /// and an invalid name, delete the flow. What each call saw, normalized.
    async fn calls(&self) -> Vec<(&'static str, Value)> {
        let mut seen = Vec::new();
        let mut see = |call: &'static str, exchange: Exchange| {
            seen.push((
                call,
                json!({
                    "status": exchange.status.as_u16(),
                    "content-type": exchange.header("content-type"),
                    "body": normalized(&exchange.json().unwrap_or(Value::Null)),
                }),
            ));
            exchange
        };
        see(
            "create",
            self.send(
                RpcRequest::post("CreateFlow")
                    .param("Name", "app_flow")
                    .param("Definition", waiting_flow(1.0))
                    .param("Description", "an application's flow")
                    .param("Type", "FDL"),
            )
            .await,
        );
        see(
            "start",
            self.send(
                RpcRequest::post("StartExecution")
                    .param("FlowName", "app_flow")
                    .param("ExecutionName", "app_exec")
                    .param("Input", r#"{"from":"app"}"#),
            )
            .await,
        );
        see(
            "at once",
            self.describe("app_flow", "app_exec", Some(0)).await,
        );
        for _ in 0..20 {
            let polled = see(
                "poll",
                self.describe("app_flow", "app_exec", Some(30)).await,
            );
            if polled.json().is_none_or(|body| body["Status"] != "Running") {
                break;
            }
        }
        see(
            "final",
            self.describe("app_flow", "app_exec", Some(5)).await,
        );
        see(
            "missing execution",
            self.describe("app_flow", "no_such_exec", None).await,
        );
        see(
            "missing flow",
            self.describe("no_such_flow", "app_exec", None).await,
        );
        see(
            "invalid name",
            self.describe("app_flow", "1-starts-with-a-digit", None)
                .await,
        );
        see(
            "delete",
            self.send(RpcRequest::post("DeleteFlow").param("Name", "app_flow"))
                .await,
        );
        seen
    }
}

/// `conformance proxy --target URL ARGS` in a process of its own.
async fn proxy(target: &Target, args: &[&str]) -> Served {
    let url = target.reference.url();
    let mut all = vec!["--target", url.as_str()];
    all.extend_from_slice(args);
    Served::command("proxy", &all).await
}

/// The lines of the proxy's standard output that report a finding of the target.
fn target_findings(ended: &Ended) -> Vec<&str> {
    ended
        .stdout
        .lines()
        .filter(|line| line.starts_with("FAIL"))
        .collect()
}

/// The lines that report a client finding.
fn client_findings(ended: &Ended) -> Vec<&str> {
    ended
        .stdout
        .lines()
        .filter(|line| line.starts_with("CLIENT"))
        .collect()
}

fn printed(ended: &Ended) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        ended.status, ended.stdout, ended.stderr
    )
}

/// Makes the application's calls signed as `signing` to a fresh reference target directly
/// and to another through the proxy (with `args`); returns both, and how the proxy ended.
async fn direct_and_through(
    signing: Signing,
    args: &[&str],
) -> (
    Vec<(&'static str, Value)>,
    Vec<(&'static str, Value)>,
    Ended,
) {
    let direct = Target::start().await;
    let behind = Target::start().await;
    let proxied = proxy(&behind, args).await;
    let (app, proxied_app) = (
        App::new(&direct.reference.url(), signing.clone()),
        App::new(&proxied.url(), signing),
    );
    let (straight, through) = tokio::join!(app.calls(), proxied_app.calls());
    (straight, through, proxied.terminate().await)
}

#[tokio::test]
async fn through_the_proxy_signed_v1_and_v3_every_call_gets_the_same_answer_and_the_proxy_is_quiet()
{
    let dir = common::scratch("proxy", "quiet");
    for (name, signing) in [("v1", Signing::V1(testid())), ("v3", Signing::V3(testid()))] {
        let json = dir.join(format!("{name}.json"));
        let junit = dir.join(format!("{name}.xml"));
        let (straight, through, ended) = direct_and_through(
            signing,
            &[
                "--report",
                &format!("json={}", json.display()),
                "--report",
                &format!("junit={}", junit.display()),
            ],
        )
        .await;
        assert_eq!(through, straight, "{name}: {}", printed(&ended));
        let polls = through.iter().filter(|(call, _)| *call == "poll").count();
        assert_eq!(polls, 1, "{name}: one long poll to the end: {through:#?}");
        assert!(ended.status.success(), "{name}: {}", printed(&ended));
        assert_eq!(target_findings(&ended), Vec::<&str>::new(), "{name}");
        // The invalid name is the client's own doing: reported apart, not failing the run.
        let client = client_findings(&ended);
        assert_eq!(client.len(), 1, "{name}: {}", printed(&ended));
        assert!(
            client[0].contains("DescribeExecution"),
            "{name}: {}",
            client[0]
        );
        let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let cases = report["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), through.len(), "{name}: one case per exchange");
        let junit = std::fs::read_to_string(&junit).unwrap();
        assert_eq!(junit.matches("<testcase").count(), through.len(), "{name}");
        for output in [&ended.stdout, &ended.stderr, &junit] {
            assert!(!output.contains("testsecret"), "{name}: a secret printed");
        }
    }
}

#[tokio::test]
async fn with_strict_client_a_client_finding_fails_the_proxy() {
    let target = Target::start().await;
    let proxied = proxy(&target, &["--strict-client"]).await;
    let app = App::new(&proxied.url(), Signing::V1(testid()));
    app.describe("flow", "bad.name", None).await;
    let ended = proxied.terminate().await;
    assert_eq!(ended.status.code(), Some(1), "{}", printed(&ended));
    assert_eq!(client_findings(&ended).len(), 1, "{}", printed(&ended));
    assert_eq!(target_findings(&ended), Vec::<&str>::new());
}

/// A fault of each kind the issue names, with the check that owns its rule.
const FAULTS: [(&str, &str); 3] = [
    ("body-drops-started-time", "success-schema"),
    ("message-off-template", "message-template"),
    ("answers-early", "timing-wait-honoured"),
];

/// Asserts that the proxy in front of a target with `fault` failed (exit 1) with a finding
/// of `owner`.
fn assert_caught(fault: &str, owner: &str, ended: &Ended) {
    assert_eq!(ended.status.code(), Some(1), "{fault}: {}", printed(ended));
    let findings = target_findings(ended);
    assert!(
        findings.iter().any(|line| line.contains(owner)),
        "{fault}: no {owner} finding among {findings:#?}\n{}",
        printed(ended)
    );
}

#[tokio::test]
async fn the_proxy_reports_a_body_fault_a_message_fault_and_a_long_poll_fault() {
    let runs = FAULTS.map(|(fault, owner)| async move {
        let target = Target::faulty(vec![Fault::named(fault).unwrap()]).await;
        let proxied = proxy(&target, &[]).await;
        App::new(&proxied.url(), Signing::V1(testid()))
            .calls()
            .await;
        (fault, owner, proxied.terminate().await)
    });
    for (fault, owner, ended) in futures_join(runs).await {
        assert_caught(fault, owner, &ended);
    }
}

/// Runs the three futures at once.
async fn futures_join<F: Future>(futures: [F; 3]) -> [F::Output; 3] {
    let [a, b, c] = futures;
    let (a, b, c) = tokio::join!(a, b, c);
    [a, b, c]
}

/// Runs an application scenario of `tests/python/interop.py` (app-v1, app-v3) with the SDK
/// against `url` and returns what each call saw, normalized.
async fn sdk_app(scenario: &str, url: &str) -> Value {
    normalized(&common::python::sdk_scenario(scenario, url).await)
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the official SDKs from PyPI in a virtualenv (network, python3)"]
async fn through_the_proxy_the_sdks_get_the_same_answers_and_the_proxy_is_quiet() {
    for scenario in ["app-v1", "app-v3"] {
        let direct = Target::start().await;
        let behind = Target::start().await;
        let proxied = proxy(&behind, &[]).await;
        let (direct_url, proxy_url) = (direct.reference.url(), proxied.url());
        let (straight, through) = tokio::join!(
            sdk_app(scenario, &direct_url),
            sdk_app(scenario, &proxy_url),
        );
        let ended = proxied.terminate().await;
        assert_eq!(through, straight, "{scenario}: {}", printed(&ended));
        assert_eq!(
            straight["polls"].as_array().map(Vec::len),
            Some(2),
            "{scenario}: one long poll to the end and the final read: {straight:#}"
        );
        assert_eq!(straight["invalid_name"]["error"]["code"], "InvalidArgument");
        assert!(ended.status.success(), "{scenario}: {}", printed(&ended));
        assert_eq!(target_findings(&ended), Vec::<&str>::new(), "{scenario}");
        assert_eq!(client_findings(&ended).len(), 1, "{}", printed(&ended));
        assert!(!ended.stdout.contains("testsecret"));
    }
}

#[tokio::test]
#[ignore = "slow tier (.ci/slow-tier): the official SDKs from PyPI in a virtualenv (network, python3)"]
async fn through_the_proxy_the_sdks_traffic_shows_each_fault() {
    for scenario in ["app-v1", "app-v3"] {
        let runs = FAULTS.map(|(fault, owner)| async move {
            let target = Target::faulty(vec![Fault::named(fault).unwrap()]).await;
            let proxied = proxy(&target, &[]).await;
            sdk_app(scenario, &proxied.url()).await;
            (fault, owner, proxied.terminate().await)
        });
        for (fault, owner, ended) in futures_join(runs).await {
            assert_caught(fault, owner, &ended);
        }
    }
}
