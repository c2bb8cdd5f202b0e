//! HTTPS targets: a TLS front (rustls) with a certificate from a private CA, before a
//! reference target. The platform's roots do not know the CA, `--ca-cert` adds it, and
//! `--insecure` accepts anything, with a warning.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::Target;
use common::tls_front::tls_front;

fn conformance(url: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["--target", url, "--case", "existence/known-execution"])
        .args(extra)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_target_is_trusted_through_ca_cert_or_insecure_only() {
    let reference = Target::start().await;
    let (address, ca_pem) = tls_front(reference.reference.address()).await;
    let url = format!("https://localhost:{}", address.port());
    let dir = std::env::temp_dir().join(format!("conformance-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let ca = ca_file.to_str().unwrap();

    let run = |extra: Vec<String>| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            conformance(&url, &extra)
        })
    };

    // The platform's roots do not know the private CA: the target is unreachable.
    let untrusted = run(Vec::new()).await.unwrap();
    assert_eq!(untrusted.status.code(), Some(3), "{}", text(&untrusted));
    assert!(
        text(&untrusted).contains("certificate"),
        "{}",
        text(&untrusted)
    );

    let har = dir.join("run.har");
    let trusted = run(vec![
        "--ca-cert".into(),
        ca.into(),
        "--report".into(),
        format!("har={}", har.display()),
    ])
    .await
    .unwrap();
    assert_eq!(trusted.status.code(), Some(0), "{}", text(&trusted));
    assert!(text(&trusted).contains("1 passed, 0 failed"));
    assert!(!text(&trusted).contains("insecure"));
    // The HTTP version the answers came in over TLS (agreed in the handshake: HTTP/1.1
    // with this front) is in the HAR, not "unknown".
    let har: serde_json::Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    for entry in entries {
        assert_eq!(entry["request"]["httpVersion"], "HTTP/1.1", "{entry}");
        assert_eq!(entry["response"]["httpVersion"], "HTTP/1.1", "{entry}");
    }

    let insecure = run(vec!["--insecure".into()]).await.unwrap();
    assert_eq!(insecure.status.code(), Some(0), "{}", text(&insecure));
    let warned = String::from_utf8_lossy(&insecure.stderr);
    assert!(
        warned.contains("warning: --insecure: TLS certificates are not checked"),
        "{warned}"
    );

    // A CA file that holds no certificate, or none at all, is a usage error.
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    for file in [empty.as_path(), Path::new("/nonexistent/ca.pem")] {
        let bad = run(vec!["--ca-cert".into(), file.display().to_string()])
            .await
            .unwrap();
        assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    }
    std::fs::remove_dir_all(dir).unwrap();
}
