//! What the benchmarks share: `conformance` subcommands in processes of their own, and
//! signed calls to them with the library's client.

#![allow(
    dead_code,
    reason = "each benchmark uses a different part of the helpers"
)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use conformance::wire::{Client, Credentials, Endpoint, RpcRequest, Signing, SigningContext};

/// A `conformance` subcommand in a process of its own, killed when dropped.
pub(crate) struct Process {
    child: Child,
    /// The URL it printed on its first line.
    pub(crate) endpoint: Endpoint,
}

impl Process {
    /// Starts `conformance ARGS` and waits for the URL on its first line; the rest of its
    /// output is read and dropped, so that it never blocks on a full pipe.
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("conformance starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            while stdout.read_to_end(&mut sink).is_ok_and(|read| read > 0) {
                sink.clear();
            }
        });
        Self {
            child,
            endpoint: line.trim().parse().expect("the first line is the URL"),
        }
    }

    /// Resident memory now and at its peak (VmRSS, VmHWM), in MiB, from one read of
    /// /proc/PID/status.
    pub(crate) fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|line| line.starts_with(name))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
                .map_or(f64::NAN, |kib| kib / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// How many files it has open.
    pub(crate) fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).map_or(0, Iterator::count)
    }

    /// Its soft limit of open files.
    pub(crate) fn open_files_limit(&self) -> usize {
        std::fs::read_to_string(format!("/proc/{}/limits", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find(|line| line.starts_with("Max open files"))
            .and_then(|line| line.split_whitespace().nth(3))
            .and_then(|soft| soft.parse().ok())
            .unwrap_or(1024)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How the benchmarks sign: signature v1 as the reference target's test account.
pub(crate) fn signing() -> Signing {
    Signing::V1(Credentials::new("testid", "testsecret"))
}

/// Sends `request` signed, requires a success and returns its body.
pub(crate) async fn call(
    client: &Client,
    endpoint: &Endpoint,
    request: &RpcRequest,
) -> serde_json::Value {
    let built = request
        .build(endpoint, &signing(), &SigningContext::fresh())
        .unwrap();
    let exchange = client
        .send(built, Duration::from_secs(120))
        .await
        .expect("the target answers");
    assert!(
        exchange.status.is_success(),
        "{request:?}: {}",
        String::from_utf8_lossy(&exchange.body)
    );
    exchange.json().unwrap()
}

/// Creates the flow `name`, whose executions wait `seconds`.
pub(crate) async fn create_flow(client: &Client, endpoint: &Endpoint, name: &str, seconds: u64) {
    let definition = format!(
        "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: hold\n    duration: {seconds}\n"
    );
    let request = RpcRequest::post("CreateFlow")
        .param("Name", name)
        .param("Definition", definition)
        .param("Description", "benchmark")
        .param("Type", "FDL");
    call(client, endpoint, &request).await;
}
