//! The judge on real traffic: requests signed by the library's wire client, sent to the
//! reference target (clean, under faults, under choices), each turned into the [`Traffic`]
//! record the forwarding half would make of it.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tokio::time::Instant;

use super::{ClientFinding, Judge, JudgeOptions, ProxyReport};
use crate::cases::fixtures::FixtureFlow;
use crate::checks::CheckId;
use crate::proxy::{CapturedRequest, Traffic};
use crate::reference::{Choice, Fault, Reference, ReferenceOptions};
use crate::report::ReportFormat;
use crate::wire::{
    Client, ClientOptions, Credentials, Endpoint, RpcRequest, SignatureVersion, Signing,
    SigningContext,
};

/// The slack of the tests' timing bounds: wide enough for a loaded machine, narrow enough
/// that a one-second wait answered at once or a second late is caught.
const SLACK: Duration = Duration::from_millis(700);

/// A client application talking to a reference target, its traffic judged.
struct App {
    endpoint: Endpoint,
    client: Client,
    signing: Signing,
    tag: &'static str,
    sequence: u64,
    judge: Judge,
    lines: Vec<String>,
}

impl App {
    fn new(reference: &Reference, version: SignatureVersion) -> Self {
        let credentials = Credentials::new("testid", "testsecret");
        let signing = match version {
            SignatureVersion::V3 => Signing::V3(credentials),
            _ => Signing::V1(credentials),
        };
        Self {
            endpoint: reference.endpoint(),
            client: Client::new(&ClientOptions::default()).unwrap(),
            signing,
            tag: version.as_str(),
            sequence: 0,
            judge: Judge::new(JudgeOptions {
                target: reference.url(),
                slack: SLACK,
                strict_client: false,
            }),
            lines: Vec::new(),
        }
    }

    /// Sends `rpc` signed, hands its record to the judge.
    async fn send(&mut self, rpc: RpcRequest) -> Traffic {
        let request = rpc
            .build(&self.endpoint, &self.signing, &SigningContext::fresh())
            .unwrap();
        self.sequence += 1;
        let traffic = traffic(self.sequence, &self.client, request).await;
        self.lines.extend(self.judge.observe(traffic.clone()));
        traffic
    }

    fn finish(self) -> (ProxyReport, Vec<String>) {
        (self.judge.finish(), self.lines)
    }
}

/// The record of `request` sent with `client`, as the proxy would make it.
async fn traffic(sequence: u64, client: &Client, request: http::Request<Vec<u8>>) -> Traffic {
    let received_at = SystemTime::now();
    let sent = Instant::now();
    let answer = client.send(request.clone(), Duration::from_secs(30)).await;
    let (parts, body) = request.into_parts();
    let uri = parts
        .uri
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .parse()
        .unwrap();
    Traffic {
        sequence,
        received_at,
        sent,
        request: CapturedRequest {
            method: parts.method,
            uri,
            version: parts.version,
            headers: parts.headers,
            body: Bytes::from(body),
            truncated: false,
        },
        answer,
        client_left: false,
    }
}

fn describe(flow: &str, execution: &str, wait: Option<&str>) -> RpcRequest {
    let rpc = RpcRequest::get("DescribeExecution")
        .param("FlowName", flow)
        .param("ExecutionName", execution);
    match wait {
        Some(wait) => rpc.param("WaitTimeSeconds", wait),
        None => rpc,
    }
}

/// An application's life on one flow of `kind`: create it, start an execution, read it at
/// once, long-poll it (a second while it runs, then to its end when it ends within ten
/// seconds), read it after its end with a wait, read a missing execution (with an empty
/// and a `+1` wait, which readings differ on), send an invalid name, delete the flow.
async fn lifecycle(app: &mut App, kind: FixtureFlow) {
    let flow = format!("proxy_{}_{}", kind.label(), app.tag);
    app.send(
        RpcRequest::post("CreateFlow")
            .param("Name", &flow)
            .param("Definition", kind.definition())
            .param("Description", "the judge's test")
            .param("Type", "FDL"),
    )
    .await;
    app.send(
        RpcRequest::post("StartExecution")
            .param("FlowName", &flow)
            .param("ExecutionName", "run1")
            .param("Input", format!(r#"{{"a":{}}}"#, app.sequence)),
    )
    .await;
    app.send(describe(&flow, "run1", None)).await;
    app.send(describe(&flow, "run1", Some("1"))).await;
    if kind.duration() < Duration::from_secs(10) {
        app.send(describe(&flow, "run1", Some("10"))).await;
        app.send(describe(&flow, "run1", Some("2"))).await;
    }
    app.send(describe(&flow, "missing", None)).await;
    app.send(describe(&flow, "missing", Some(""))).await;
    app.send(describe(&flow, "missing", Some("+1"))).await;
    app.send(describe("bad.name", "run1", None)).await;
    app.send(RpcRequest::post("DeleteFlow").param("Name", &flow))
        .await;
}

/// The target findings of a lifecycle (v1 and v3, one after the other) against a
/// reference with `faults` and `choices`, by check, and the client findings' rules.
async fn judged(
    kind: FixtureFlow,
    faults: Vec<Fault>,
    choices: Vec<Choice>,
) -> (BTreeSet<CheckId>, Vec<String>, ProxyReport) {
    let options = ReferenceOptions {
        faults,
        choices,
        ..ReferenceOptions::default()
    };
    let reference = Reference::start("127.0.0.1:0".parse().unwrap(), options)
        .await
        .unwrap();
    let (mut v1, mut v3) = (
        App::new(&reference, SignatureVersion::V1),
        App::new(&reference, SignatureVersion::V3),
    );
    tokio::join!(lifecycle(&mut v1, kind), lifecycle(&mut v3, kind));
    reference.stop().await.unwrap();
    let (report, mut lines) = v1.finish();
    let (report_v3, lines_v3) = v3.finish();
    lines.extend(lines_v3);
    let checks = report
        .report
        .findings()
        .chain(report_v3.report.findings())
        .map(|finding| finding.check)
        .collect();
    let mut rules: Vec<String> = report
        .client
        .iter()
        .chain(&report_v3.client)
        .map(|finding| finding.rule.clone())
        .collect();
    rules.sort();
    let _ = lines;
    (checks, rules, report)
}

#[tokio::test]
async fn the_clean_reference_is_quiet_and_an_invalid_name_is_the_clients() {
    let (checks, rules, report) = judged(FixtureFlow::Wait, vec![], vec![]).await;
    assert_eq!(
        checks,
        BTreeSet::new(),
        "{:#?}",
        report.report.findings().collect::<Vec<_>>()
    );
    assert_eq!(rules, ["flow-name-characters", "flow-name-characters"]);
    assert!(report.passes());
    let ids: Vec<&str> = report
        .report
        .cases
        .iter()
        .map(|result| result.case.id.as_str())
        .collect();
    assert_eq!(
        ids[..3],
        [
            "CreateFlow/000001",
            "StartExecution/000002",
            "DescribeExecution/000003"
        ]
    );
    assert_eq!(
        report.client,
        [ClientFinding {
            case: "DescribeExecution/000010".to_owned(),
            rule: "flow-name-characters".to_owned(),
            actual: "FlowName=\"bad.name\"".to_owned(),
        }]
    );
    assert!(
        report.summary().contains("1 client finding"),
        "{}",
        report.summary()
    );
}

/// A flow deleted while its execution runs, made again and its execution started again with
/// another Input: a new execution, not the one the proxy followed.
#[tokio::test]
async fn a_flow_made_again_starts_its_executions_history_again() {
    let reference = Reference::start_local().await.unwrap();
    let mut app = App::new(&reference, SignatureVersion::V1);
    lifecycle(&mut app, FixtureFlow::Long).await;
    lifecycle(&mut app, FixtureFlow::Long).await;
    reference.stop().await.unwrap();
    let (report, _) = app.finish();
    assert_eq!(
        report.report.findings().collect::<Vec<_>>(),
        Vec::<&crate::checks::Finding>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_choice_on_answers_is_quiet() {
    let names = [
        "starting-first",
        "unset-as-empty",
        "unset-as-null",
        "output-on-end",
        "whole-seconds",
        "microseconds",
        "request-id-upper-case",
        "request-id-plain",
        "extra-fields",
        "gateway-error-extras",
        "message-whitespace",
        "pretty-json",
        "escaped-json",
        "late-wake-up",
        "lenient-integers",
        "strict-integers",
        "empty-as-absent",
        "foreign-access-denied",
        "fixed-host-id",
        "chunked-bodies",
        "missing-version-unsupported",
        "unsigned-access-denied",
        "rate-limited",
    ];
    let mut runs = tokio::task::JoinSet::new();
    for name in names {
        let choice = Choice::named(name).unwrap_or_else(|| panic!("no choice {name}"));
        runs.spawn(async move { (name, judged(FixtureFlow::Wait, vec![], vec![choice]).await) });
    }
    for (name, (checks, _, report)) in runs.join_all().await {
        assert_eq!(
            checks,
            BTreeSet::new(),
            "{name}: {:#?}",
            report.report.findings().collect::<Vec<_>>()
        );
    }
}

/// Each fault caught by its owning check, but for a long poll that comes a second after its
/// wait (`answers-late`): its owner (`timing-ends-with-execution`) needs the execution's end,
/// which the traffic does not tell; the proxy finds it held past its wait plus the slack.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_caught() {
    let cases = [
        ("body-drops-started-time", FixtureFlow::Wait, None),
        ("message-wrong-values", FixtureFlow::Wait, None),
        ("answers-early", FixtureFlow::Long, None),
        (
            "answers-late",
            FixtureFlow::Long,
            Some(CheckId::TimingWaitHonoured),
        ),
        ("holds-finished", FixtureFlow::Wait, None),
        ("status-goes-back", FixtureFlow::Wait, None),
        ("input-dropped", FixtureFlow::Wait, None),
        ("request-id-repeated", FixtureFlow::Wait, None),
    ];
    let mut runs = tokio::task::JoinSet::new();
    for (name, kind, check) in cases {
        let fault = Fault::named(name).unwrap_or_else(|| panic!("no fault {name}"));
        let check = check.unwrap_or(fault.owner());
        runs.spawn(async move { (fault, check, judged(kind, vec![fault], vec![]).await) });
    }
    for (fault, check, (checks, _, _)) in runs.join_all().await {
        assert!(
            checks.contains(&check),
            "{fault:?}: {checks:?}, not {check}"
        );
    }
}

#[tokio::test]
async fn findings_are_printed_redacted_and_the_reports_carry_the_client_findings() {
    let options = ReferenceOptions {
        faults: vec![Fault::named("message-wrong-values").unwrap()],
        ..ReferenceOptions::default()
    };
    let reference = Reference::start("127.0.0.1:0".parse().unwrap(), options)
        .await
        .unwrap();
    let mut app = App::new(&reference, SignatureVersion::V3);
    app.send(describe("nosuchflow", "run1", None)).await;
    app.send(describe("", "run1", None)).await;
    reference.stop().await.unwrap();
    let (report, lines) = app.finish();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with("FAIL DescribeExecution/000001 [message-template] expected: "),
        "{}",
        lines[0]
    );
    // An empty name breaks two rules.
    assert_eq!(
        lines[1..],
        [
            "CLIENT DescribeExecution/000002 [flow-name-length] sent: FlowName=\"\"",
            "CLIENT DescribeExecution/000002 [flow-name-first-character] sent: FlowName=\"\""
        ]
    );
    assert!(!report.passes());
    let mut json = Vec::new();
    report.write(ReportFormat::Json, &mut json).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["client_findings"][0]["rule"], "flow-name-length");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../schemas/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(json["cases"].as_array().unwrap().len(), 2);
    let mut junit = Vec::new();
    report.write(ReportFormat::Junit, &mut junit).unwrap();
    let junit = String::from_utf8(junit).unwrap();
    assert!(junit.contains("CLIENT DescribeExecution/000002"), "{junit}");
    for format in ReportFormat::ALL {
        let mut out = Vec::new();
        report.write(format, &mut out).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("Signature="), "{format:?}");
        assert!(!text.contains("testsecret"), "{format:?}");
    }
}
