//! The judge on canned traffic: what a real target rarely does (early, late and held
//! answers, a StoppedTime that moves, an echoed signature) and what the judge must not
//! judge (a client that left, a request that is no RPC request).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Version};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Judge, JudgeOptions};
use crate::checks::CheckId;
use crate::proxy::{CapturedRequest, Traffic};
use crate::wire::{Exchange, TransportError};

mod refusals;

const SIGNATURE: &str = "c2lnbmF0dXJlLW9mLXRoZS1jbGllbnQ=";

fn judge() -> Judge {
    Judge::new(JudgeOptions {
        target: "http://127.0.0.1:9".to_owned(),
        slack: Duration::from_millis(500),
        strict_client: false,
    })
}

/// A signed v1 request of `action` with these operation parameters.
fn request(method: Method, action: &str, params: &str) -> CapturedRequest {
    let uri = format!(
        "/?Action={action}&Version=2019-03-15&Format=json&Timestamp=2026-01-01T00%3A00%3A00Z&SignatureNonce=n&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&AccessKeyId=testid&Signature={SIGNATURE}&{params}"
    );
    CapturedRequest {
        method,
        uri: uri.parse().unwrap(),
        version: Version::HTTP_11,
        headers: HeaderMap::new(),
        body: Bytes::new(),
        truncated: false,
    }
}

/// An answer after `elapsed_ms`, its RequestId (if it has one) made unique.
fn answer(status: u16, body: &Value, elapsed_ms: u64) -> Exchange {
    static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);
    let mut body = body.clone();
    if body.get("RequestId").is_some() {
        body["RequestId"] = json!(format!("r-{}", REQUEST_IDS.fetch_add(1, Ordering::Relaxed)));
    }
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    Exchange {
        method: Method::GET,
        url: "http://127.0.0.1:9/".to_owned(),
        status: StatusCode::from_u16(status).unwrap(),
        version: Version::HTTP_11,
        headers,
        body: body.to_string().into(),
        truncated: false,
        first_byte: Duration::from_millis(elapsed_ms),
        elapsed: Duration::from_millis(elapsed_ms),
    }
}

fn execution(status: &str, stopped: Option<&str>, request_id: &str) -> Value {
    let mut body = json!({
        "RequestId": request_id, "Status": status, "FlowName": "F", "Name": "E",
        "StartedTime": "2026-01-01T00:00:00.000Z", "FlowDefinition": "version: v1",
        "Input": "{}"
    });
    if let Some(stopped) = stopped {
        body["StoppedTime"] = json!(stopped);
        body["Output"] = json!("{}");
    }
    body
}

/// One exchange: sent `at_ms` after `start`, answered with `answer`.
fn traffic(
    sequence: u64,
    start: Instant,
    at_ms: u64,
    request: CapturedRequest,
    answer: Result<Exchange, TransportError>,
) -> Traffic {
    Traffic {
        sequence,
        received_at: SystemTime::now(),
        sent: start + Duration::from_millis(at_ms),
        request,
        answer,
        client_left: false,
    }
}

fn poll(sequence: u64, start: Instant, at_ms: u64, wait: &str, answered: Exchange) -> Traffic {
    let params = format!("FlowName=F&ExecutionName=E&WaitTimeSeconds={wait}");
    let request = request(Method::GET, "DescribeExecution", &params);
    traffic(sequence, start, at_ms, request, Ok(answered))
}

/// An answer that was not held (another operation), `elapsed_ms` after it was sent: the
/// round trip the judge's upper bounds add.
fn round_trip(start: Instant, elapsed_ms: u64) -> Traffic {
    let request = request(Method::GET, "ListFlows", "Limit=1");
    let answered = answer(200, &json!({"RequestId": "r"}), elapsed_ms);
    traffic(100, start, 0, request, Ok(answered))
}

fn checks(judge: Judge) -> Vec<(String, CheckId)> {
    judge
        .finish()
        .report
        .findings()
        .map(|finding| (finding.case.clone(), finding.check))
        .collect()
}

#[test]
fn a_running_poll_answered_before_its_wait_or_after_it_and_the_slack_is_found() {
    let start = Instant::now();
    let mut judge = judge();
    let running = |id: &str| execution("Running", None, id);
    // Before any answer that was not held, no upper bound: the round trip is unknown.
    judge.observe(poll(1, start, 0, "2", answer(200, &running("r1"), 10)));
    judge.observe(poll(7, start, 0, "1", answer(200, &running("r7"), 9000)));
    judge.observe(round_trip(start, 5));
    judge.observe(poll(2, start, 0, "2", answer(200, &running("r2"), 2000)));
    judge.observe(poll(3, start, 0, "1", answer(200, &running("r3"), 3000)));
    judge.observe(poll(4, start, 0, "0", answer(200, &running("r4"), 1000)));
    // Ending during the wait is no early answer.
    let done = execution("Succeeded", Some("2026-01-01T00:00:01.000Z"), "r5");
    judge.observe(poll(5, start, 3000, "10", answer(200, &done, 200)));
    // Nor is ending with the execution, but held past the wait and the slack is late.
    judge.observe(poll(6, start, 3000, "1", answer(200, &done, 3000)));
    assert_eq!(
        checks(judge),
        [
            (
                "DescribeExecution/000001".to_owned(),
                CheckId::TimingWaitHonoured
            ),
            (
                "DescribeExecution/000003".to_owned(),
                CheckId::TimingWaitHonoured
            ),
            ("DescribeExecution/000004".to_owned(), CheckId::TimingAtOnce),
            (
                "DescribeExecution/000006".to_owned(),
                CheckId::TimingWaitHonoured
            ),
        ]
    );
}

#[test]
fn a_poll_sent_after_the_execution_was_seen_ended_must_be_answered_at_once() {
    let start = Instant::now();
    let mut judge = judge();
    let done = |id: &str| execution("Succeeded", Some("2026-01-01T00:00:01.000Z"), id);
    judge.observe(poll(1, start, 0, "0", answer(200, &done("r1"), 5)));
    // Sent before the first answer ended: not held to it.
    judge.observe(poll(2, start, 1, "10", answer(200, &done("r2"), 3000)));
    judge.observe(poll(3, start, 100, "10", answer(200, &done("r3"), 3000)));
    judge.observe(poll(4, start, 200, "10", answer(200, &done("r4"), 20)));
    assert_eq!(
        checks(judge),
        [("DescribeExecution/000003".to_owned(), CheckId::TimingAtOnce)]
    );
}

#[test]
fn history_holds_each_read_to_those_that_ended_before_it_was_sent() {
    let start = Instant::now();
    let mut judge = judge();
    let done = execution("Succeeded", Some("2026-01-01T00:00:01.000Z"), "r1");
    judge.observe(poll(1, start, 0, "0", answer(200, &done, 5)));
    // Sent before the terminal answer ended, answered after it: no order between them.
    let running = execution("Running", None, "r2");
    judge.observe(poll(2, start, 1, "0", answer(200, &running, 10)));
    // Sent after it: a status that went back, a StoppedTime that moved.
    let back = execution("Running", None, "r3");
    judge.observe(poll(3, start, 100, "0", answer(200, &back, 5)));
    let moved = execution("Succeeded", Some("2026-01-01T00:00:02.000Z"), "r4");
    judge.observe(poll(4, start, 200, "0", answer(200, &moved, 5)));
    let report = judge.finish();
    let findings: Vec<_> = report.report.findings().collect();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[0].case, "DescribeExecution/000003");
    assert_eq!(findings[0].check, CheckId::ExecutionInvariants);
    assert!(
        findings[0]
            .actual
            .contains("after DescribeExecution/000001"),
        "{}",
        findings[0].actual
    );
    assert_eq!(findings[1].case, "DescribeExecution/000004");
    assert_eq!(findings[1].check, CheckId::ExecutionHistory);
    assert!(findings[1].expected.contains("DescribeExecution/000001"));
}

#[test]
fn client_findings_only_where_every_reading_refuses_the_request() {
    let mut judge = judge();
    let start = Instant::now();
    let invalid =
        json!({"RequestId": "r", "Code": "InvalidArgument", "Message": "Parameter error."});
    let missing = json!({
        "RequestId": "r", "Code": "MissingRequiredParams",
        "Message": "The HTTP query 'ExecutionName' must be specified."
    });
    let sent = [
        ("FlowName=F&ExecutionName=E&WaitTimeSeconds=%2B5", None),
        ("FlowName=F&ExecutionName=E&WaitTimeSeconds=", None),
        ("FlowName=F&FlowName=G&ExecutionName=E", None),
        (
            "FlowName=F&ExecutionName=E&WaitTimeSeconds=61",
            Some("wait-time-range"),
        ),
        ("FlowName=F", Some("execution-name-required")),
        (
            "FlowName=F&ExecutionName=1E",
            Some("execution-name-first-character"),
        ),
    ];
    for (sequence, (params, rule)) in (1..).zip(sent) {
        let request = request(Method::GET, "DescribeExecution", params);
        let body = if rule == Some("execution-name-required") {
            &missing
        } else {
            &invalid
        };
        let answered = Ok(answer(400, body, 5));
        judge.observe(traffic(sequence, start, 0, request, answered));
    }
    let report = judge.finish();
    let rules: Vec<&str> = report.client.iter().map(|f| f.rule.as_str()).collect();
    let wanted: Vec<&str> = sent.iter().filter_map(|(_, rule)| *rule).collect();
    assert_eq!(rules, wanted);
    assert!(
        report.passes(),
        "{:#?}",
        report.report.findings().collect::<Vec<_>>()
    );
}

#[test]
fn an_echoed_signature_never_reaches_a_line() {
    let mut judge = judge();
    let body = json!({"RequestId": "r", "Code": "SignatureNotMatch", "Message": format!("signature {SIGNATURE} is wrong")});
    let request = request(
        Method::GET,
        "DescribeExecution",
        "FlowName=F&ExecutionName=E",
    );
    let lines = judge.observe(traffic(
        1,
        Instant::now(),
        0,
        request,
        Ok(answer(403, &body, 5)),
    ));
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("[message-template]"), "{}", lines[0]);
    assert!(!lines[0].contains(SIGNATURE), "{}", lines[0]);
    assert!(lines[0].contains("[redacted]"), "{}", lines[0]);
    let report = judge.finish();
    let finding = report.report.findings().next().unwrap();
    assert!(!finding.actual.contains(SIGNATURE), "{finding:?}");
    let kept = &report.report.cases[0].exchange().unwrap().answer;
    let kept = String::from_utf8_lossy(&kept.as_ref().unwrap().body).into_owned();
    assert!(
        !kept.contains(SIGNATURE) && kept.contains("[redacted]"),
        "{kept}"
    );
}

#[test]
fn what_is_not_judged_and_what_got_no_answer() {
    let mut judge = judge();
    let start = Instant::now();
    let html = answer(404, &json!("not found"), 5);
    let head = request(
        Method::HEAD,
        "DescribeExecution",
        "FlowName=F&ExecutionName=E",
    );
    assert!(
        judge
            .observe(traffic(1, start, 0, head, Ok(html)))
            .is_empty()
    );
    let mut left = poll(
        2,
        start,
        0,
        "5",
        answer(200, &execution("Running", None, "r"), 10),
    );
    left.client_left = true;
    assert!(judge.observe(left).is_empty());
    let broken = Err(TransportError::Broken("reset".to_owned()));
    let create = request(Method::POST, "CreateFlow", "Name=F");
    judge.observe(traffic(3, start, 0, create, broken));
    let mut text = answer(200, &json!({"RequestId": "r"}), 5);
    text.headers
        .insert("content-type", HeaderValue::from_static("text/plain"));
    let delete = request(Method::POST, "DeleteFlow", "Name=F");
    judge.observe(traffic(4, start, 0, delete, Ok(text)));
    assert_eq!(
        checks(judge),
        [
            ("CreateFlow/000003".to_owned(), CheckId::Answered),
            ("DeleteFlow/000004".to_owned(), CheckId::ContentTypeJson),
        ]
    );
}

#[test]
fn a_far_target_s_round_trip_is_no_timing_finding() {
    let start = Instant::now();
    let mut judge = judge();
    judge.observe(round_trip(start, 800));
    let running = execution("Running", None, "r1");
    // 1.1 s for no wait: within the 0.8 s round trip and the 0.5 s slack.
    judge.observe(poll(1, start, 0, "0", answer(200, &running, 1100)));
    // 2.2 s for a wait of 1 s: within it too; 2.5 s is not.
    let done = execution("Succeeded", Some("2026-01-01T00:00:01.000Z"), "r2");
    judge.observe(poll(2, start, 1000, "1", answer(200, &done, 2200)));
    judge.observe(poll(3, start, 5000, "1", answer(200, &done, 2500)));
    assert_eq!(
        checks(judge),
        [("DescribeExecution/000003".to_owned(), CheckId::TimingAtOnce)]
    );
}

/// `exchange` with its body compressed as `coding` says (`br` is left as is: the judge
/// cannot read it anyway).
fn encoded(mut exchange: Exchange, coding: &'static str) -> Exchange {
    use std::io::Write;
    if coding == "gzip" {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&exchange.body).unwrap();
        exchange.body = encoder.finish().unwrap().into();
    }
    exchange
        .headers
        .insert("content-encoding", HeaderValue::from_static(coding));
    exchange
}

#[test]
fn a_compressed_answer_is_judged_as_the_client_reads_it_or_said_to_be_unread() {
    let start = Instant::now();
    let mut judge = judge();
    let running = execution("Running", None, "r1");
    let mut broken = execution("Running", None, "r2");
    broken.as_object_mut().unwrap().remove("StartedTime");
    let quiet = judge.observe(poll(
        1,
        start,
        0,
        "0",
        encoded(answer(200, &running, 5), "gzip"),
    ));
    assert_eq!(quiet, Vec::<String>::new());
    let caught = judge.observe(poll(
        2,
        start,
        0,
        "0",
        encoded(answer(200, &broken, 5), "gzip"),
    ));
    assert!(
        caught.iter().any(|line| line.contains("[success-schema]")),
        "{caught:#?}"
    );
    let unread = judge.observe(poll(
        3,
        start,
        0,
        "0",
        encoded(answer(200, &broken, 5), "br"),
    ));
    assert_eq!(
        unread,
        [
            "NOTE DescribeExecution/000003 not judged: its body is in a coding the judge cannot read (br)"
        ]
    );
    assert_eq!(
        checks(judge),
        [(
            "DescribeExecution/000002".to_owned(),
            CheckId::SuccessSchema
        )]
    );
}
