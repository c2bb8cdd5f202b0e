//! `conformance serve` (or `conformance proxy`) in a process of its own, ready when it says
//! so: its first line on standard output is the URL it listens on, and nothing is sent to it
//! before that line.

use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use conformance::wire::Endpoint;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// The longest a test waits for a process to be ready or to end: a bound, not a
/// measurement.
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// A running `conformance serve` or `proxy`, killed when dropped.
pub(crate) struct Served {
    child: Child,
    /// The address it listens on.
    pub(crate) address: SocketAddr,
    /// Its first line of standard output: the URL.
    first_line: String,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

/// What it printed until it ended, and how it ended.
pub(crate) struct Ended {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Served {
    /// Starts `conformance serve ARGS` (on 127.0.0.1:0 unless ARGS say otherwise) and waits
    /// until it has printed its URL; fails the test if it does not within [`PATIENCE`].
    pub(crate) async fn start(args: &[&str]) -> Self {
        Self::command("serve", args).await
    }

    /// Starts `conformance SUBCOMMAND ARGS`, a command that prints its URL first (`serve`,
    /// `proxy`), and waits until it has.
    pub(crate) async fn command(subcommand: &str, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_conformance"))
            .arg(subcommand)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("conformance {subcommand} starts: {error}"));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first_line = String::new();
        tokio::time::timeout(PATIENCE, stdout.read_line(&mut first_line))
            .await
            .unwrap_or_else(|_| panic!("{subcommand} printed no URL within {PATIENCE:?}"))
            .unwrap();
        let address = first_line
            .trim()
            .trim_start_matches("http://")
            .parse()
            .unwrap_or_else(|_| panic!("{subcommand}'s first line is no URL: {first_line:?}"));
        Self {
            address,
            first_line,
            stdout: tokio::spawn(read_all(stdout)),
            stderr: tokio::spawn(read_all(child.stderr.take().unwrap())),
            child,
        }
    }

    /// Its URL.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Its URL as an endpoint.
    pub(crate) fn endpoint(&self) -> Endpoint {
        self.url().parse().unwrap()
    }

    /// Sends SIGTERM and waits (within [`PATIENCE`]) for it to end.
    pub(crate) async fn terminate(mut self) -> Ended {
        send_signal(self.child.id().expect("the process is running"), "TERM");
        let status = tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("it ends when terminated")
            .unwrap();
        Ended {
            status,
            stdout: self.first_line + &self.stdout.await.unwrap(),
            stderr: self.stderr.await.unwrap(),
        }
    }
}

async fn read_all(mut from: impl AsyncRead + Unpin) -> String {
    let mut bytes = Vec::new();
    let _ = from.read_to_end(&mut bytes).await;
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Sends `signal` (`INT`, `TERM`) to the process `pid`.
pub(crate) fn send_signal(pid: u32, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{signal} {pid}");
}
