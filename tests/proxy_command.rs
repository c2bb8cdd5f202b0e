//! `conformance proxy` as a command: its URL first, forwarding, SIGTERM, and the set-up
//! errors that end it with exit 2. (The forwarding itself: tests/proxy_forward.rs; the
//! judging of an application's traffic: tests/proxy.rs.)

mod common;

use common::raw_client::{Raw, get};
use common::scripted::{Scripted, Step, answer};
use common::served::Served;

#[tokio::test]
async fn conformance_proxy_prints_its_url_first_forwards_and_on_sigterm_exits_with_a_summary() {
    // A well-formed answer of another operation: held to the wire format's checks only.
    let answered = r#"{"RequestId":"r-1","Flows":[]}"#;
    let upstream = Scripted::start(move |_| {
        vec![Step::Write(answer(
            "HTTP/1.1 200 OK",
            &[
                ("Content-Type", "application/json"),
                ("x-acs-request-id", "r-1"),
                ("Content-Length", &answered.len().to_string()),
            ],
            answered.as_bytes(),
        ))]
    })
    .await;
    let proxied = Served::command("proxy", &["--target", &upstream.url()]).await;
    let mut client = Raw::connect(&proxied.url()).await;
    client.send(&get("/?Action=ListFlows")).await;
    assert_eq!(client.answer().await.body, answered.as_bytes());
    drop(client);
    let ended = proxied.terminate().await;
    let printed = format!("{}\n--- stderr\n{}", ended.stdout, ended.stderr);
    assert!(ended.status.success(), "{printed}");
    let lines: Vec<&str> = ended.stdout.lines().collect();
    assert!(lines[0].starts_with("http://127.0.0.1:"), "{printed}");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("1 exchange, 0 with target findings"),
        "the summary last: {printed}"
    );
    assert!(
        ended.stderr.contains("forwarding to"),
        "the note: {printed}"
    );
    assert_eq!(upstream.received().len(), 1);
}

#[test]
fn conformance_proxy_stops_with_exit_2_on_an_unreadable_ca_cert_or_an_address_in_use() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args(["proxy", "--target", "https://localhost:1"])
            .args(args)
            .output()
            .unwrap()
    };
    let unreadable = run(&["--ca-cert", "/nonexistent/ca.pem"]);
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unreadable.stderr).contains("failed to read --ca-cert"));
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let in_use = run(&["--listen", &address]);
    assert_eq!(in_use.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&in_use.stderr).contains("failed to listen on"),
        "{}",
        String::from_utf8_lossy(&in_use.stderr)
    );
    assert!(in_use.stdout.is_empty(), "no URL printed");
}
