//! Hostile targets: small servers on 127.0.0.1 that answer badly in every way a broken
//! service can. For each, the run ends within its bounds, says why, keeps its memory
//! bounded, does not panic and exits with the documented code.
//!
//! Each server either misbehaves on every request (set-up meets it first), or only on the
//! requests whose request line holds a given text, and passes the rest on to a reference
//! target: the requests that carry WaitTimeSeconds (so the run sets up and the wait-time
//! cases meet the misbehaviour), or one set-up operation (so the run reports it and runs
//! the cases that need nothing of set-up).

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::Target;
use common::raw_http::{forward, read_request};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// How a hostile server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hostility {
    /// Reads the request and never answers.
    Silent,
    /// Sends the head of a response, then nothing.
    HeadersThenSilence,
    /// A chunked body that never ends.
    EndlessBody,
    /// A 100 MB body.
    HugeBody,
    /// 200 with HTML.
    NotJson,
    /// 200 with bytes that are not UTF-8 before the JSON (no reading makes it JSON: one
    /// that is JSON read leniently is `strict-json`'s, and the run goes on with it).
    InvalidUtf8,
    /// Bytes that are not HTTP.
    MalformedHttp,
    /// The connection reset (RST).
    Reset,
    /// The connection closed without a byte.
    ClosedAtOnce,
    /// 302 to another origin.
    Redirect,
    /// 503, always.
    Endless5xx,
    /// 429 with `x-acs-retry-after: 100` (milliseconds), always.
    Endless429Acs,
    /// 429 with `Retry-After: 1` (seconds), always.
    Endless429RetryAfter,
}

impl Hostility {
    const ALL: [Self; 13] = [
        Self::Silent,
        Self::HeadersThenSilence,
        Self::EndlessBody,
        Self::HugeBody,
        Self::NotJson,
        Self::InvalidUtf8,
        Self::MalformedHttp,
        Self::Reset,
        Self::ClosedAtOnce,
        Self::Redirect,
        Self::Endless5xx,
        Self::Endless429Acs,
        Self::Endless429RetryAfter,
    ];
}

/// A hostile server, and the origin its redirects point to.
struct Hostile {
    address: SocketAddr,
    /// Requests it misbehaved on.
    hits: Arc<AtomicUsize>,
    /// Requests that reached the redirects' other origin.
    elsewhere: Arc<AtomicUsize>,
}

impl Hostile {
    /// A server that misbehaves as `hostility` says on every request, or, with `upstream`,
    /// only on those whose request line holds its text (the rest go to `upstream`).
    async fn start(hostility: Hostility, upstream: Option<(SocketAddr, &'static str)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let other = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let other_address = other.local_addr().unwrap();
        let elsewhere = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&elsewhere);
        tokio::spawn(async move {
            while let Ok((_stream, _)) = other.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counter = Arc::clone(&counter);
                tokio::spawn(serve(stream, hostility, upstream, other_address, counter));
            }
        });
        Self {
            address,
            hits,
            elsewhere,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

fn response(status: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

async fn serve(
    mut stream: TcpStream,
    hostility: Hostility,
    upstream: Option<(SocketAddr, &'static str)>,
    other: SocketAddr,
    hits: Arc<AtomicUsize>,
) {
    while let Some((head, body)) = read_request(&mut stream).await {
        let request_line = head.lines().next().unwrap_or_default();
        if let Some((upstream, only)) = upstream
            && !request_line.contains(only)
        {
            let answer = forward(upstream, &head, &body).await;
            if stream.write_all(&answer).await.is_err() {
                return;
            }
            continue;
        }
        hits.fetch_add(1, Ordering::SeqCst);
        let throttled = br#"{"RequestId":"r","Code":"ResourceThrottled","Message":"Slow down."}"#;
        let answer = match hostility {
            Hostility::Silent => {
                tokio::time::sleep(Duration::from_secs(600)).await;
                return;
            }
            Hostility::HeadersThenSilence => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
                let _ = stream.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(600)).await;
                return;
            }
            Hostility::EndlessBody => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = [b"4000\r\n".as_slice(), &[b'x'; 0x4000], b"\r\n"].concat();
                while stream.write_all(&chunk).await.is_ok() {}
                return;
            }
            Hostility::HugeBody => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let piece = vec![b'x'; 1 << 16];
                for _ in 0..(100_000_000 / piece.len()) {
                    if stream.write_all(&piece).await.is_err() {
                        return;
                    }
                }
                return;
            }
            Hostility::NotJson => response("200 OK", "", b"<html><body>It works!</body></html>"),
            Hostility::InvalidUtf8 => response("200 OK", "", b"\xff\xfe{\"Status\": \"x\"}"),
            Hostility::MalformedHttp => b"HELLO THERE\r\n\r\n".to_vec(),
            Hostility::Reset => {
                let _ = stream.set_zero_linger();
                return;
            }
            Hostility::ClosedAtOnce => return,
            Hostility::Redirect => response(
                "302 Found",
                &format!("Location: http://{other}/?Action=DescribeExecution\r\n"),
                b"",
            ),
            Hostility::Endless5xx => response(
                "503 Service Unavailable",
                "",
                br#"{"RequestId":"r","Code":"ServiceUnavailable","Message":"Down."}"#,
            ),
            Hostility::Endless429Acs => response(
                "429 Too Many Requests",
                "x-acs-retry-after: 100\r\n",
                throttled,
            ),
            Hostility::Endless429RetryAfter => {
                response("429 Too Many Requests", "Retry-After: 1\r\n", throttled)
            }
        };
        if stream.write_all(&answer).await.is_err() {
            return;
        }
        if hostility == Hostility::MalformedHttp {
            return;
        }
    }
}

/// What a run of the binary did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// The most resident memory seen, in KiB.
    peak_kib: u64,
}

/// Runs `conformance ARGS` against `url` as testid, sampling its memory as it goes.
fn conformance(url: &str, args: &[&str]) -> Ran {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["--target", url, "--timeout", "2", "--no-progress"])
        .args(args)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_kib = 0;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut text).unwrap();
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(line) = text.lines().find(|line| line.starts_with("VmHWM:"))
        {
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            peak_kib = peak_kib.max(kib);
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    Ran {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed: started.elapsed(),
        peak_kib,
    }
}

/// The findings of the wait-time cases in a JSON report, as `check: actual` lines.
fn findings(report: &Value) -> Vec<String> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|case| case["findings"].as_array().unwrap().iter())
        .map(|finding| format!("{}: {}", finding["check"], finding["actual"]))
        .collect()
}

/// What every finding about a hostile answer says, in part.
fn reason(hostility: Hostility) -> &'static str {
    match hostility {
        Hostility::Silent | Hostility::HeadersThenSilence => "no answer within 3s",
        Hostility::EndlessBody | Hostility::HugeBody => "longer than 1048576 bytes",
        Hostility::NotJson => "It works!",
        Hostility::InvalidUtf8 => "not UTF-8",
        Hostility::MalformedHttp | Hostility::Reset | Hostility::ClosedAtOnce => {
            "failed to read the answer"
        }
        Hostility::Redirect => "302",
        Hostility::Endless5xx => "503",
        Hostility::Endless429Acs | Hostility::Endless429RetryAfter => "429",
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow tier (.ci/slow-tier): 13 hostile servers, each run waits out its time-outs"]
async fn hostile_answers_to_the_cases_are_reported_with_their_reason() {
    let reference = Target::start().await;
    let upstream = reference.reference.address();
    let dir = std::env::temp_dir().join(format!("conformance-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for hostility in Hostility::ALL {
        let hostile = Hostile::start(hostility, Some((upstream, "WaitTimeSeconds"))).await;
        let report = dir.join(format!("{hostility:?}.json"));
        let ran = tokio::task::spawn_blocking({
            let url = hostile.url();
            let report = format!("json={}", report.display());
            move || conformance(&url, &["--filter", "wait-time", "--report", &report])
        })
        .await
        .unwrap();
        let context = format!("{hostility:?}: {}{}", ran.stdout, ran.stderr);
        eprintln!(
            "per case, {hostility:?}: {:?}, peak {} KiB",
            ran.elapsed, ran.peak_kib
        );
        assert_eq!(ran.code, Some(1), "{context}");
        assert!(!ran.stderr.contains("panicked"), "{context}");
        // 14 cases meet the hostility at once: each within its 2 s timeout and a second's
        // grace; for 429, once throttled, one at a time, each waiting what it is asked
        // for, within the run's 60 s budget for such waits.
        let bound = match hostility {
            Hostility::Endless429Acs | Hostility::Endless429RetryAfter => 80,
            _ => 20,
        };
        assert!(
            ran.elapsed < Duration::from_secs(bound),
            "{hostility:?} took {:?}",
            ran.elapsed
        );
        assert!(
            ran.peak_kib < 150 * 1024,
            "{hostility:?} peaked at {} KiB",
            ran.peak_kib
        );
        let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        let found = findings(&report);
        let failed = report["summary"]["failed"].as_u64().unwrap() as usize;
        assert!(failed >= 13, "{context}");
        let explained = found
            .iter()
            .filter(|finding| finding.contains(reason(hostility)))
            .count();
        assert!(explained >= failed, "{hostility:?}: {found:#?}");
        match hostility {
            Hostility::Redirect => assert_eq!(
                hostile.elsewhere.load(Ordering::SeqCst),
                0,
                "a redirect was followed"
            ),
            Hostility::Endless429Acs | Hostility::Endless429RetryAfter => {
                // Every throttled request was sent again, after the wait asked, five times
                // or until the run's budget for such waits (60 s) ran out.
                let hits = hostile.hits.load(Ordering::SeqCst);
                if hostility == Hostility::Endless429RetryAfter {
                    assert!(hits > failed && hits <= failed * 6, "{hits}: {context}");
                    assert!(ran.elapsed >= Duration::from_secs(5));
                } else {
                    assert_eq!(hits, failed * 6, "{context}");
                }
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow tier (.ci/slow-tier): 13 hostile servers, each run waits out its time-outs"]
async fn a_target_hostile_to_every_request_is_reported_from_set_up_on_with_a_reason() {
    for hostility in Hostility::ALL {
        let hostile = Hostile::start(hostility, None).await;
        // The wait-time cases only: every case that runs keeps its answer, up to 1 MiB.
        let ran = tokio::task::spawn_blocking({
            let url = hostile.url();
            move || conformance(&url, &["--filter", "wait-time"])
        })
        .await
        .unwrap();
        let context = format!("{hostility:?}: {}{}", ran.stdout, ran.stderr);
        eprintln!(
            "at set-up, {hostility:?}: {:?}, peak {} KiB",
            ran.elapsed, ran.peak_kib
        );
        assert!(!ran.stderr.contains("panicked"), "{context}");
        assert!(
            ran.elapsed < Duration::from_secs(15),
            "{context} took {:?}",
            ran.elapsed
        );
        assert!(
            ran.peak_kib < 150 * 1024,
            "{context} peaked at {} KiB",
            ran.peak_kib
        );
        // No HTTP answer: unreachable (3). An answer that breaks the wire format: the
        // target's fault, a finding of the set-up step (1). A well-formed refusal, which
        // the user must act on (a redirect: the URL; throttling: the rate): 2.
        let (code, says, output) = match hostility {
            Hostility::Silent
            | Hostility::HeadersThenSilence
            | Hostility::MalformedHttp
            | Hostility::Reset
            | Hostility::ClosedAtOnce => (3, "CreateFlow got no HTTP answer", &ran.stderr),
            Hostility::EndlessBody
            | Hostility::HugeBody
            | Hostility::NotJson
            | Hostility::InvalidUtf8 => (1, "FAIL setup/CreateFlow [json-body]", &ran.stdout),
            Hostility::Endless5xx => (1, "FAIL setup/CreateFlow [no-5xx]", &ran.stdout),
            Hostility::Redirect => (2, "CreateFlow answered 302", &ran.stderr),
            Hostility::Endless429Acs | Hostility::Endless429RetryAfter => {
                (2, "CreateFlow answered 429 ResourceThrottled", &ran.stderr)
            }
        };
        assert_eq!(ran.code, Some(code), "{context}");
        assert!(output.contains(says), "{context}");
        if code == 1 {
            // The cases that need nothing of set-up ran; the others say why they did not.
            assert!(ran.stdout.contains("FAIL wait-time/61 "), "{context}");
            assert!(
                ran.stdout.contains(
                    "SKIP wait-time/0: needs the run's finished execution, which set-up could not make: the answer to setup/CreateFlow broke the wire format"
                ),
                "{context}"
            );
        }
        if hostility == Hostility::Redirect {
            assert_eq!(hostile.elsewhere.load(Ordering::SeqCst), 0);
        }
    }
}

/// The ids of a JSON report's cases with this outcome.
fn with_outcome<'a>(report: &'a Value, outcome: &str) -> Vec<&'a str> {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["outcome"] == outcome)
        .map(|case| case["id"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_set_up_step_that_breaks_the_wire_format_is_a_finding_and_the_cases_that_need_nothing_run()
 {
    let reference = Target::start().await;
    let upstream = reference.reference.address();
    let dir = std::env::temp_dir().join(format!("conformance-setup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // CreateFlow answered with HTML (and never made): nothing exists. StartExecution
    // answered with bytes that are not UTF-8 (and never made): the flow exists, no execution.
    for (hostility, step, check, lacking) in [
        (
            Hostility::NotJson,
            "CreateFlow",
            "json-body",
            "the run's flow",
        ),
        (
            Hostility::InvalidUtf8,
            "StartExecution",
            "json-body",
            "the run's finished execution",
        ),
    ] {
        let hostile = Hostile::start(hostility, Some((upstream, step))).await;
        let report = dir.join(format!("{step}.json"));
        let ran = tokio::task::spawn_blocking({
            let url = hostile.url();
            let report = format!("json={}", report.display());
            move || conformance(&url, &["--report", &report])
        })
        .await
        .unwrap();
        let context = format!("{step}: {}{}", ran.stdout, ran.stderr);
        assert_eq!(ran.code, Some(1), "{context}");
        assert!(
            ran.stdout.contains(&format!(
                "FAIL setup/{step} [{check}] expected: a JSON object"
            )),
            "{context}"
        );
        // A set-up step is re-run by a whole run, not by a --case of its own.
        assert!(
            ran.stdout.contains(&format!(
                "reproduce: conformance --target {}\n",
                hostile.url()
            )),
            "{context}"
        );
        let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        // Every case that ran passed against the reference target: none of them leaned on
        // what set-up could not make.
        assert_eq!(
            with_outcome(&report, "failed"),
            [format!("setup/{step}")],
            "{context}"
        );
        let passed = with_outcome(&report, "passed");
        let skipped = with_outcome(&report, "skipped");
        for id in [
            "wait-time/61",
            "flow-name/length-129",
            "missing/both",
            "protocol/wrong-secret",
            "existence/unknown-flow",
        ] {
            assert!(passed.contains(&id), "{step}: {id} did not run: {context}");
        }
        for id in [
            "existence/known-execution",
            "wait-time/0",
            "execution-name/case-lower",
            "timing/finished-60",
        ] {
            assert!(skipped.contains(&id), "{step}: {id} ran: {context}");
        }
        let needs_the_flow = ["execution-name/length-128", "existence/unknown-execution"];
        for id in needs_the_flow {
            let list = if step == "CreateFlow" {
                &skipped
            } else {
                &passed
            };
            assert!(list.contains(&id), "{step}: {id}: {context}");
        }
        let reasons: Vec<&str> = report["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|case| case["skip_reason"].as_str())
            .collect();
        assert!(
            reasons.iter().any(|reason| reason.starts_with(&format!("needs {lacking}, which set-up could not make: the answer to setup/{step} broke the wire format"))),
            "{reasons:#?}"
        );

        // A fuzz run cannot go on without its fixtures: the finding ends it, exit code 1.
        let fuzzed = tokio::task::spawn_blocking({
            let url = hostile.url();
            move || {
                Command::new(env!("CARGO_BIN_EXE_conformance"))
                    .args(["fuzz", "--target", &url, "--cases", "10"])
                    .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
                    .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&fuzzed.stderr);
        assert_eq!(fuzzed.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "the target's answer to setup/{step} breaks the wire format: [{check}]"
            )),
            "{stderr}"
        );
    }
}
