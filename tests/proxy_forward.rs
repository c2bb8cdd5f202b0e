//! The proxy's forwarding half ([`Proxy`]) against a scripted server that keeps every byte
//! it received and answers byte for byte as each test says, with raw clients that send
//! and read bytes: requests and answers pass unchanged (hop-by-hop headers aside, header
//! names in lower case), bodies stream both ways, every framing of an answer passes whole,
//! an early answer reaches the client, a long answer is held as long as the target holds
//! it, connections are kept alive on both sides (and a stale one is not used), an HTTPS target is trusted as a run trusts it, an unreachable
//! or broken target gives a 502, a client that leaves is noted, and stopping sends every
//! record. Every record is checked. `conformance proxy` itself: tests/proxy_command.rs.

mod common;

use std::time::Duration;

use common::raw_client::{Raw, get, ok};
use common::scripted::{Received, Scripted, Step, answer, chunk, message};
use common::tls_front::{slow_tls_front, tls_front};
use conformance::proxy::{Proxy, ProxyOptions, Traffic};
use conformance::wire::TransportError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::Instant;

/// How long a test waits for what should come at once.
const SOON: Duration = Duration::from_secs(5);

fn options(target: &str) -> ProxyOptions {
    ProxyOptions {
        target: target.parse().unwrap(),
        listen: "127.0.0.1:0".parse().unwrap(),
        ca_certificates: None,
        insecure: false,
        capture_bytes: 1024 * 1024,
    }
}

async fn start(options: ProxyOptions) -> (Proxy, UnboundedReceiver<Traffic>) {
    let (sender, traffic) = unbounded_channel();
    let proxy = Proxy::start(options, sender).await.unwrap();
    (proxy, traffic)
}

/// The next record, which must come within [`SOON`].
async fn record(traffic: &mut UnboundedReceiver<Traffic>) -> Traffic {
    tokio::time::timeout(SOON, traffic.recv())
        .await
        .expect("a record within 5 s")
        .expect("the channel is open")
}

/// A `Name: value` header line with its name in lower case.
fn lower_name(line: &str) -> String {
    let (name, value) = line.split_once(':').expect("a header line");
    format!("{}:{value}", name.to_ascii_lowercase())
}

#[tokio::test]
async fn a_request_and_its_answer_pass_unchanged_but_for_the_hop_by_hop_headers() {
    let answered = r#"{"RequestId":"r-1","Status":"Running"}"#;
    let upstream = Scripted::start(move |_| {
        vec![Step::Write(answer(
            "HTTP/1.1 203 Fine By Me",
            &[
                ("Content-Type", "application/json;charset=utf-8"),
                ("X-Acs-Request-Id", "r-1"),
                ("Keep-Alive", "timeout=5"),
                ("x-lower-case", "a"),
                ("X-Twice", "1"),
                ("X-Twice", "2"),
                ("Connection", "keep-alive, X-Hop"),
                ("X-Hop", "gone"),
                ("Content-Length", &answered.len().to_string()),
            ],
            answered.as_bytes(),
        ))]
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let path = "/?Action=DescribeExecution&FlowName=a%2Fb~c+d*e&Signature=abc%3D&Empty=";
    let body = "ExecutionName=e%201&Extra=1";
    let kept = [
        "Host: cloudflow.cn-hangzhou.aliyuncs.com",
        "User-Agent: AlibabaCloud (Linux) Python/3.11",
        "x-acs-action: DescribeExecution",
        "Authorization: ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action,Signature=00ff",
        "Content-Type: application/x-www-form-urlencoded",
        "Content-Length: 27",
        "X-Acs-Date: 2026-12-04T00:00:00Z",
    ];
    let hop = [
        "Connection: keep-alive, X-Hop",
        "X-Hop: gone",
        "TE: trailers",
    ];
    let sent_head: String = [&kept[..2], &hop[..], &kept[2..]]
        .concat()
        .iter()
        .map(|line| format!("{line}\r\n"))
        .collect();
    let mut client = Raw::connect(proxy.url()).await;
    client
        .send(format!("POST {path} HTTP/1.1\r\n{sent_head}\r\n{body}").as_bytes())
        .await;
    let got = client.answer().await;

    let received = upstream.received();
    assert_eq!(received.len(), 1);
    // Header names go on in lower case (HTTP gives their case no meaning), values and
    // order as they came.
    let expected_head: String = kept
        .iter()
        .map(|line| format!("{}\r\n", lower_name(line)))
        .collect();
    assert_eq!(
        received[0].head,
        format!("POST {path} HTTP/1.1\r\n{expected_head}\r\n"),
        "the request as the target got it"
    );
    assert_eq!(received[0].body, body.as_bytes());
    assert_eq!(
        got.head,
        format!(
            "HTTP/1.1 203 Fine By Me\r\ncontent-type: application/json;charset=utf-8\r\nx-acs-request-id: r-1\r\nx-lower-case: a\r\nx-twice: 1\r\nx-twice: 2\r\ncontent-length: {}\r\n\r\n",
            answered.len()
        ),
        "the answer as the client got it"
    );
    assert_eq!(got.body, answered.as_bytes());

    let record = record(&mut traffic).await;
    assert_eq!(record.sequence, 1);
    assert!(!record.client_left);
    assert_eq!(record.request.method, http::Method::POST);
    assert_eq!(record.request.uri.to_string(), path);
    assert_eq!(record.request.version, http::Version::HTTP_11);
    // The request as the client sent it: hop-by-hop headers included.
    let names: Vec<&str> = record
        .request
        .headers
        .keys()
        .map(http::HeaderName::as_str)
        .collect();
    assert_eq!(
        names,
        [
            "host",
            "user-agent",
            "connection",
            "x-hop",
            "te",
            "x-acs-action",
            "authorization",
            "content-type",
            "content-length",
            "x-acs-date"
        ]
    );
    assert_eq!(record.request.body, body.as_bytes());
    assert!(!record.request.truncated);
    let exchange = record.answer.expect("an answer");
    assert_eq!(exchange.method, http::Method::POST);
    assert_eq!(exchange.url, format!("{}{path}", upstream.url()));
    assert_eq!(exchange.status, 203);
    assert_eq!(exchange.header("x-acs-request-id"), Some("r-1"));
    assert_eq!(exchange.header("keep-alive"), Some("timeout=5"), "as sent");
    assert_eq!(exchange.body, answered.as_bytes());
    assert!(!exchange.truncated);
    assert!(exchange.first_byte <= exchange.elapsed);
    assert!(exchange.elapsed < SOON, "{:?}", exchange.elapsed);
    assert!(record.sent.elapsed() >= exchange.elapsed);
    proxy.stop().await;
}

#[tokio::test]
async fn bodies_longer_than_the_cap_pass_whole_and_are_kept_cut() {
    let answered = "0123456789abcdefghijklmnopqrst";
    let upstream = Scripted::start(move |_| vec![Step::Write(ok(answered))]).await;
    let (proxy, mut traffic) = start(ProxyOptions {
        capture_bytes: 8,
        ..options(&upstream.url())
    })
    .await;
    let sent = "Name=0123456789abcdef";
    let mut client = Raw::connect(proxy.url()).await;
    client
        .send(
            format!(
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: {}\r\n\r\n{sent}",
                sent.len()
            )
            .as_bytes(),
        )
        .await;
    assert_eq!(client.answer().await.body, answered.as_bytes());
    assert_eq!(upstream.received()[0].body, sent.as_bytes());
    let record = record(&mut traffic).await;
    assert_eq!(record.request.body, &sent.as_bytes()[..8]);
    assert!(record.request.truncated);
    let exchange = record.answer.unwrap();
    assert_eq!(exchange.body, &answered.as_bytes()[..8]);
    assert!(exchange.truncated);
    proxy.stop().await;
}

#[tokio::test]
async fn bodies_stream_both_ways_as_they_come() {
    let upstream = Scripted::start(|_| {
        vec![
            Step::Write(
                [
                    answer("HTTP/1.1 200 OK", &[("Transfer-Encoding", "chunked")], b""),
                    chunk(b"first "),
                ]
                .concat(),
            ),
            Step::Pause(Duration::from_secs(1)),
            Step::Write([chunk(b"second"), b"0\r\n\r\n".to_vec()].concat()),
        ]
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    let sent = Instant::now();
    client
        .send(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await;
    client.send(&chunk(b"part one ")).await;
    // The first part of the upload reaches the target before the rest is sent.
    assert!(
        upstream
            .has_received(b"part one ", Duration::from_secs(2))
            .await,
        "the request body was held back"
    );
    client
        .send(&[chunk(b"part two"), b"0\r\n\r\n".to_vec()].concat())
        .await;
    let got = client.answer().await;
    assert_eq!(upstream.received()[0].body, b"part one part two");
    assert_eq!(got.body, b"first second");
    let first = got.first_body_byte.unwrap() - sent;
    assert!(
        first < Duration::from_millis(800),
        "the first chunk came after {first:?}, with the rest"
    );
    assert!(got.whole - sent >= Duration::from_secs(1));

    let record = record(&mut traffic).await;
    assert_eq!(record.request.body, &b"part one part two"[..]);
    let exchange = record.answer.unwrap();
    assert_eq!(exchange.body, &b"first second"[..]);
    assert!(exchange.first_byte < Duration::from_millis(800));
    assert!(exchange.elapsed >= Duration::from_secs(1), "{exchange:?}");
    proxy.stop().await;
}

#[tokio::test]
async fn an_answer_the_target_holds_is_held_as_long_not_cut() {
    let upstream = Scripted::start(|_| {
        vec![
            Step::Pause(Duration::from_secs(2)),
            Step::Write(ok(r#"{"Status":"Succeeded"}"#)),
        ]
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    let sent = Instant::now();
    client.send(&get("/?WaitTimeSeconds=2")).await;
    let got = client.answer().await;
    let waited = got.whole - sent;
    assert!(
        (Duration::from_secs(2)..Duration::from_secs(4)).contains(&waited),
        "{waited:?}"
    );
    assert_eq!(got.body, br#"{"Status":"Succeeded"}"#);
    let exchange = record(&mut traffic).await.answer.unwrap();
    assert!(
        exchange.first_byte >= Duration::from_secs(2),
        "{exchange:?}"
    );
    assert!(exchange.elapsed >= exchange.first_byte);
    proxy.stop().await;
}

#[tokio::test]
async fn requests_on_one_kept_alive_connection_go_on_one_connection_to_the_target() {
    let upstream = Scripted::start(|received: &Received| {
        vec![Step::Write(ok(&format!(
            r#"{{"to":"{}"}}"#,
            received.target()
        )))]
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    for index in 1..=3 {
        client.send(&get(&format!("/?n={index}"))).await;
        let got = client.answer().await;
        assert_eq!(got.body, format!(r#"{{"to":"/?n={index}"}}"#).as_bytes());
        // The pool takes the target's connection back once the answer has ended, on a task
        // of its own: a moment for it, as any client's next request gives it.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(upstream.connections(), 1, "{:?}", upstream.received());
    for index in 1..=3 {
        let record = record(&mut traffic).await;
        assert_eq!(record.sequence, index);
        assert_eq!(record.request.uri.to_string(), format!("/?n={index}"));
        assert!(record.answer.is_ok());
    }
    proxy.stop().await;
}

#[tokio::test]
async fn every_framing_of_an_answer_passes_whole_and_the_connection_is_reused_when_it_may_be() {
    let upstream = Scripted::start(|received: &Received| match received.target() {
        "/chunked" => vec![Step::Write(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n".to_vec(),
        )],
        "/continue" => vec![Step::Write(
            [b"HTTP/1.1 100 Continue\r\n\r\n".to_vec(), ok("{}")].concat(),
        )],
        "/empty" => vec![Step::Write(b"HTTP/1.1 204 No Content\r\n\r\n".to_vec())],
        "/close" => vec![
            Step::Write(answer("HTTP/1.1 200 OK", &[("Content-Type", "text/plain")], b"to the end")),
            Step::Close,
        ],
        _ => vec![Step::Write(ok("after"))],
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    let mut bodies = Vec::new();
    for path in ["/chunked", "/continue", "/empty", "/close", "/after"] {
        client.send(&get(path)).await;
        let got = client.answer().await;
        bodies.push(String::from_utf8(got.body).unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(bodies, ["hello world", "{}", "", "to the end", "after"]);
    let connections: Vec<usize> = upstream
        .received()
        .iter()
        .map(|received| received.connection)
        .collect();
    assert_eq!(
        connections,
        [0, 0, 0, 0, 1],
        "one connection until an answer delimited by its close"
    );
    let mut recorded = Vec::new();
    for _ in 0..5 {
        let body = record(&mut traffic).await.answer.unwrap().body;
        recorded.push(String::from_utf8(body.to_vec()).unwrap());
    }
    assert_eq!(recorded, bodies, "the records have the bodies decoded");
    proxy.stop().await;
}

#[tokio::test]
async fn a_connection_the_target_closed_while_idle_is_not_used_again() {
    let upstream = Scripted::start(|received: &Received| match received.target() {
        "/first" => vec![Step::Write(ok("first")), Step::Close],
        _ => vec![Step::Write(ok("second"))],
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    client.send(&get("/first")).await;
    assert_eq!(client.answer().await.body, b"first");
    // The target's close reaches the proxy while the connection is idle in its pool.
    tokio::time::sleep(Duration::from_millis(200)).await;
    client.send(&get("/second")).await;
    let got = client.answer().await;
    assert!(got.head.starts_with("HTTP/1.1 200 "), "{}", got.head);
    assert_eq!(got.body, b"second");
    assert_eq!(upstream.connections(), 2);
    for _ in 0..2 {
        assert!(record(&mut traffic).await.answer.is_ok());
    }
    proxy.stop().await;
}

#[tokio::test]
async fn an_answer_the_target_gives_before_the_request_body_s_end_reaches_the_client() {
    // A target that refuses a long body from its head alone: it answers at once and reads
    // no more of it, its connection left open.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        let refusal = r#"{"Code":"EntityTooLarge"}"#;
        stream
            .write_all(&answer(
                "HTTP/1.1 413 Payload Too Large",
                &[
                    ("Content-Length", &refusal.len().to_string()),
                    ("Connection", "close"),
                ],
                refusal.as_bytes(),
            ))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let (proxy, mut traffic) = start(options(&target)).await;
    let mut client = Raw::connect(proxy.url()).await;
    let length = 64 * 1024 * 1024;
    client
        .send(format!("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: {length}\r\n\r\n").as_bytes())
        .await;
    let (mut reading, mut writing) = client.into_split();
    let uploading = tokio::spawn(async move {
        let block = vec![b'x'; 64 * 1024];
        for _ in 0..length / block.len() {
            if writing.write_all(&block).await.is_err() {
                break;
            }
        }
    });
    let mut text = Vec::new();
    let read = async {
        let mut block = [0u8; 4096];
        while message(&text).is_none() {
            match reading.read(&mut block).await {
                Ok(0) | Err(_) => break,
                Ok(count) => text.extend_from_slice(&block[..count]),
            }
        }
    };
    let _ = tokio::time::timeout(SOON, read).await;
    let (head, body, _) = message(&text).expect("a whole answer");
    assert!(
        head.starts_with("HTTP/1.1 413 Payload Too Large\r\n"),
        "{head}"
    );
    assert_eq!(body, br#"{"Code":"EntityTooLarge"}"#);
    uploading.abort();
    let exchange = record(&mut traffic).await.answer.unwrap();
    assert_eq!(exchange.status, 413);
    proxy.stop().await;
}

#[tokio::test]
async fn an_https_target_is_trusted_with_its_ca_certificate_or_with_insecure_and_not_otherwise() {
    let upstream = Scripted::start(|_| vec![Step::Write(ok("{}"))]).await;
    let (front, ca_pem) = tls_front(upstream.address()).await;
    let target = format!("https://localhost:{}", front.port());
    for (name, ca_certificates, insecure, trusted) in [
        ("--ca-cert", Some(ca_pem.clone().into_bytes()), false, true),
        ("--insecure", None, true, true),
        ("the platform's roots", None, false, false),
    ] {
        let (proxy, mut traffic) = start(ProxyOptions {
            ca_certificates,
            insecure,
            ..options(&target)
        })
        .await;
        let mut client = Raw::connect(proxy.url()).await;
        client.send(&get("/")).await;
        let got = client.answer().await;
        let record = record(&mut traffic).await;
        if trusted {
            assert!(
                got.head.starts_with("HTTP/1.1 200 OK\r\n"),
                "{name}: {}",
                got.head
            );
            assert_eq!(got.body, b"{}", "{name}");
            assert_eq!(record.answer.unwrap().url, format!("{target}/"), "{name}");
        } else {
            assert!(
                got.head.starts_with("HTTP/1.1 502 "),
                "{name}: {}",
                got.head
            );
            let error = record.answer.unwrap_err().to_string();
            assert!(error.contains("certificate"), "{name}: {error}");
        }
        proxy.stop().await;
    }
    assert_eq!(upstream.received().len(), 2);
}

#[tokio::test]
async fn an_answer_is_timed_from_when_its_request_went_on_a_connection_already_made() {
    // The target's TLS handshake takes a while (a far or loaded target): the answer's
    // times, which the judge's timing checks read, leave it out.
    let handshake = Duration::from_millis(800);
    let upstream = Scripted::start(|_| vec![Step::Write(ok("{}"))]).await;
    let (front, ca_pem) = slow_tls_front(upstream.address(), handshake).await;
    let (proxy, mut traffic) = start(ProxyOptions {
        ca_certificates: Some(ca_pem.into_bytes()),
        ..options(&format!("https://localhost:{}", front.port()))
    })
    .await;
    let mut client = Raw::connect(proxy.url()).await;
    let asked = Instant::now();
    client.send(&get("/")).await;
    let got = client.answer().await;
    assert_eq!(got.body, b"{}");
    assert!(
        got.whole - asked >= handshake,
        "the handshake was waited for"
    );
    let record = record(&mut traffic).await;
    assert!(
        record.sent - asked >= handshake,
        "{:?}",
        record.sent - asked
    );
    let exchange = record.answer.unwrap();
    assert!(exchange.elapsed < handshake / 2, "{exchange:?}");
    proxy.stop().await;
}

#[tokio::test]
async fn an_unreachable_target_gives_a_502_that_names_the_proxy_and_a_record_of_the_error() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = format!("http://{}", unused.local_addr().unwrap());
    drop(unused);
    let (proxy, mut traffic) = start(options(&target)).await;
    let mut client = Raw::connect(proxy.url()).await;
    client.send(&get("/?Action=DescribeExecution")).await;
    let got = client.answer().await;
    assert!(
        got.head.starts_with("HTTP/1.1 502 Bad Gateway\r\n"),
        "{}",
        got.head
    );
    assert!(
        got.head
            .to_ascii_lowercase()
            .contains("content-type: text/plain"),
        "{}",
        got.head
    );
    let text = String::from_utf8(got.body).unwrap();
    assert!(
        text.starts_with(&format!(
            "conformance proxy: the target {target} could not be reached: failed to connect: "
        )),
        "{text}"
    );
    let record = record(&mut traffic).await;
    assert_eq!(record.sequence, 1);
    assert!(!record.client_left);
    assert!(
        matches!(record.answer, Err(TransportError::Connect(_))),
        "{:?}",
        record.answer
    );
    proxy.stop().await;
}

#[tokio::test]
async fn a_target_that_breaks_the_connection_gives_a_502_before_its_answer_and_a_cut_answer_after()
{
    let upstream = Scripted::start(|received: &Received| {
        if received.target() == "/before" {
            vec![Step::Close]
        } else {
            vec![
                Step::Write(answer(
                    "HTTP/1.1 200 OK",
                    &[("Content-Length", "100")],
                    b"0123456789",
                )),
                Step::Close,
            ]
        }
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    client.send(&get("/before")).await;
    let got = client.answer().await;
    assert!(got.head.starts_with("HTTP/1.1 502 "), "{}", got.head);
    let record_before = record(&mut traffic).await;
    assert!(
        matches!(record_before.answer, Err(TransportError::Broken(_))),
        "{:?}",
        record_before.answer
    );
    assert!(!record_before.client_left);

    let mut client = Raw::connect(proxy.url()).await;
    client.send(&get("/after")).await;
    let text = client.until_closed().await;
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.ends_with("0123456789"),
        "the client gets what came: {text}"
    );
    let record_after = record(&mut traffic).await;
    assert_eq!(record_after.sequence, 2);
    assert!(
        matches!(record_after.answer, Err(TransportError::Broken(_))),
        "{:?}",
        record_after.answer
    );
    assert!(!record_after.client_left);
    proxy.stop().await;
}

#[tokio::test]
async fn a_client_that_leaves_mid_poll_is_noted_and_its_request_to_the_target_dropped() {
    let upstream =
        Scripted::start(|_| vec![Step::Pause(Duration::from_secs(20)), Step::Write(ok("{}"))])
            .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    client.send(&get("/?WaitTimeSeconds=20")).await;
    assert!(upstream.has_received(b"WaitTimeSeconds", SOON).await);
    let left = Instant::now();
    drop(client);
    let record = record(&mut traffic).await;
    assert!(
        left.elapsed() < Duration::from_secs(2),
        "{:?}",
        left.elapsed()
    );
    assert!(record.client_left);
    assert_eq!(
        record.answer.unwrap_err(),
        TransportError::Broken("the client went away before the answer ended".to_owned())
    );
    // The target's connection is closed, not kept for another request.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        upstream
            .closed()
            .iter()
            .map(|(connection, _)| *connection)
            .collect::<Vec<_>>(),
        [0]
    );
    proxy.stop().await;
}

#[tokio::test]
async fn stop_ends_the_exchanges_in_flight_after_a_grace_and_every_record_has_been_sent() {
    let upstream = Scripted::start(|received: &Received| {
        if received.target() == "/held" {
            vec![Step::Pause(Duration::from_secs(30)), Step::Write(ok("{}"))]
        } else {
            vec![Step::Write(ok("{}"))]
        }
    })
    .await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    // One answered exchange, its connection left open and idle, and one held.
    let mut idle = Raw::connect(proxy.url()).await;
    idle.send(&get("/done")).await;
    idle.answer().await;
    let mut held = Raw::connect(proxy.url()).await;
    held.send(&get("/held")).await;
    assert!(upstream.has_received(b"/held", SOON).await);

    let stopping = Instant::now();
    proxy.stop().await;
    let stopped = stopping.elapsed();
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(3)).contains(&stopped),
        "{stopped:?}"
    );
    let mut records = Vec::new();
    while let Ok(record) = traffic.try_recv() {
        records.push(record);
    }
    assert_eq!(records.len(), 2, "{records:#?}");
    assert_eq!(records[0].sequence, 1);
    assert!(records[0].answer.is_ok());
    assert_eq!(records[1].sequence, 2);
    assert!(records[1].client_left);
    assert!(
        traffic.recv().await.is_none(),
        "no record can come after stop"
    );
    assert_eq!(held.until_closed().await, "", "the held poll is cut");
    assert_eq!(
        idle.until_closed().await,
        "",
        "the idle connection is closed"
    );

    // With nothing in flight, stop is at once.
    let (proxy, _traffic) = start(options(&upstream.url())).await;
    let stopping = Instant::now();
    proxy.stop().await;
    assert!(stopping.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn a_forward_proxy_s_absolute_form_request_goes_on_in_origin_form_with_its_host() {
    // What a client whose HTTP proxy is `conformance proxy` sends: the toward-the-real-
    // service set-up of the README.
    let upstream = Scripted::start(|_: &Received| vec![Step::Write(ok("{}"))]).await;
    let (proxy, mut traffic) = start(options(&upstream.url())).await;
    let mut client = Raw::connect(proxy.url()).await;
    client
        .send(b"GET http://cn-hangzhou.fnf.aliyuncs.com/?Action=DescribeExecution HTTP/1.1\r\nHost: cn-hangzhou.fnf.aliyuncs.com\r\n\r\n")
        .await;
    assert_eq!(client.answer().await.body, b"{}");
    let received = upstream.received();
    assert!(
        received[0].head.starts_with(
            "GET /?Action=DescribeExecution HTTP/1.1\r\nhost: cn-hangzhou.fnf.aliyuncs.com\r\n"
        ),
        "{:?}",
        received[0].head
    );
    let record = record(&mut traffic).await;
    assert_eq!(
        record.request.uri.path_and_query().unwrap().as_str(),
        "/?Action=DescribeExecution"
    );
    proxy.stop().await;
}
