//! Nothing left behind: `conformance` and `conformance fuzz`, stopped by Ctrl-C or SIGTERM
//! during set-up, during the cases or while fuzzing, or ended by an error, remove every flow
//! they created (and stop the executions that would outlive them), and an interrupted one
//! exits 130.
//!
//! The target is `conformance serve` in a process of its own, behind a proxy that sees
//! every request: so the test knows every flow a run asked for, whatever the run says, and
//! can hold an answer to catch a run in set-up. The signals go when the proxy sees the
//! request that shows the run is where the test wants it, never after a sleep.

mod common;

use std::net::SocketAddr;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};

use common::raw_http::{forward, read_request};
use common::served::{PATIENCE, Served, send_signal};
use common::{otherid, testid};
use conformance::wire::{
    Client, ClientOptions, Endpoint, RpcRequest, Signing, SigningContext, decode_pairs,
};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, watch};

/// Whether the flow `name` of the account `key` is on the target, asked directly.
async fn has_flow(served: &Served, name: &str, key: &str) -> bool {
    let credentials = if key == otherid().access_key_id() {
        otherid()
    } else {
        testid()
    };
    let request = RpcRequest::get("DescribeFlow")
        .param("Name", name)
        .build(
            &served.endpoint(),
            &Signing::V1(credentials),
            &SigningContext::fresh(),
        )
        .unwrap();
    let client = Client::new(&ClientOptions::default()).unwrap();
    let exchange = client.send(request, PATIENCE).await.unwrap();
    match exchange.status.as_u16() {
        200 => true,
        404 => false,
        other => panic!("DescribeFlow {name}: {other}"),
    }
}

/// A request the proxy passed on.
#[derive(Debug, Clone)]
struct Seen {
    /// Its parameters, query and form body together.
    params: Vec<(String, String)>,
}

impl Seen {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn is(&self, action: &str) -> bool {
        self.param("Action") == Some(action)
    }
}

/// A proxy in front of the target that sees every request.
struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    events: mpsc::UnboundedReceiver<Seen>,
    /// Whether the held CreateFlow has reached the target.
    landed: watch::Receiver<bool>,
    /// Lets the held CreateFlow go on to the target.
    release: watch::Sender<bool>,
}

impl Proxy {
    /// Passes every request on to `upstream`; with `hold`, the `hold`-th CreateFlow is
    /// passed on only when [`Proxy::release_held`] says so, and its answer never comes back
    /// (the flow is made all the same).
    async fn start(upstream: SocketAddr, hold: Option<usize>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (sender, events) = mpsc::unbounded_channel();
        let (land, landed) = watch::channel(false);
        let land = Arc::new(land);
        let (release, released) = watch::channel(false);
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, sender, land) = (Arc::clone(&log), sender.clone(), Arc::clone(&land));
                let held = Held {
                    nth: hold,
                    released: released.clone(),
                    land,
                };
                tokio::spawn(relay(stream, upstream, held, log, sender));
            }
        });
        Self {
            url,
            seen,
            events,
            landed,
            release,
        }
    }

    /// Lets the held CreateFlow go on to the target.
    fn release_held(&self) {
        self.release.send_replace(true);
    }

    /// Waits until the held CreateFlow has reached the target.
    async fn held_landed(&mut self) {
        tokio::time::timeout(PATIENCE, self.landed.wait_for(|landed| *landed))
            .await
            .expect("the held CreateFlow reaches the target")
            .unwrap();
    }

    /// Waits for the first request from now on that `wanted` picks.
    async fn until(&mut self, what: &str, mut wanted: impl FnMut(&Seen) -> bool) {
        let found = tokio::time::timeout(PATIENCE, async {
            while let Some(seen) = self.events.recv().await {
                if wanted(&seen) {
                    return;
                }
            }
        });
        found
            .await
            .unwrap_or_else(|_| panic!("the proxy never saw {what}"));
    }

    /// Every request seen so far.
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The flows the run asked for, with the access key that asked.
    fn flows_asked_for(&self) -> Vec<(String, String)> {
        self.seen()
            .iter()
            .filter(|seen| seen.is("CreateFlow"))
            .map(|seen| {
                (
                    seen.param("Name").unwrap().to_owned(),
                    seen.param("AccessKeyId").unwrap().to_owned(),
                )
            })
            .collect()
    }
}

/// Which CreateFlow a relay holds, and the signals about it.
struct Held {
    /// The n-th CreateFlow, if any.
    nth: Option<usize>,
    /// Becomes true when the test lets it go on.
    released: watch::Receiver<bool>,
    /// Set when it has reached the target.
    land: Arc<watch::Sender<bool>>,
}

async fn relay(
    mut stream: TcpStream,
    upstream: SocketAddr,
    mut hold: Held,
    log: Arc<Mutex<Vec<Seen>>>,
    events: mpsc::UnboundedSender<Seen>,
) {
    while let Some((head, body)) = read_request(&mut stream).await {
        let target = head.split_whitespace().nth(1).unwrap_or_default();
        let query = target.split_once('?').map_or("", |(_, query)| query);
        let mut params = decode_pairs(query.as_bytes());
        params.extend(decode_pairs(&body));
        let seen = Seen { params };
        let creates = {
            let mut log = log.lock().unwrap();
            log.push(seen.clone());
            log.iter().filter(|seen| seen.is("CreateFlow")).count()
        };
        let held = seen.is("CreateFlow") && hold.nth == Some(creates);
        let _ = events.send(seen);
        if held {
            // A slow target: the flow is made once the test has interrupted the run, and the
            // answer never comes back.
            tokio::time::timeout(PATIENCE, hold.released.wait_for(|released| *released))
                .await
                .expect("the test lets the held CreateFlow go")
                .unwrap();
            let _ = forward(upstream, &head, &body).await;
            hold.land.send_replace(true);
            std::future::pending::<()>().await;
        }
        let answer = forward(upstream, &head, &body).await;
        if stream.write_all(&answer).await.is_err() {
            return;
        }
    }
}

/// `conformance ARGS` as testid, its output piped.
fn start_run(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testsecret")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Sends `signal` (`INT`, `TERM`) to the run.
fn signal(child: &Child, signal: &str) {
    send_signal(child.id().expect("the run is still going"), signal);
}

/// The run's exit code and standard error, once it has ended.
async fn ended(child: Child) -> (Option<i32>, String) {
    let output: Output = tokio::time::timeout(PATIENCE, child.wait_with_output())
        .await
        .expect("the run ends")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    (output.status.code(), format!("{stderr}{stdout}"))
}

/// The flows the run says it removed.
fn said_removed(output: &str) -> Vec<String> {
    let Some(list) = output.split("removed the run's flows ").nth(1) else {
        return Vec::new();
    };
    let list = list.lines().next().unwrap_or_default();
    let list = list.split(';').next().unwrap_or_default();
    let mut flows: Vec<String> = list.split(", ").map(str::to_owned).collect();
    flows.sort();
    flows
}

/// Asserts that the run asked for flows, that none of them is left on the target, and
/// that the run said it removed exactly those.
async fn assert_nothing_left(served: &Served, proxy: &Proxy, output: &str) {
    let asked = proxy.flows_asked_for();
    assert!(!asked.is_empty(), "the run made no flow: {output}");
    for (name, key) in &asked {
        assert!(
            !has_flow(served, name, key).await,
            "{name} is left on the target: {output}"
        );
    }
    let mut names: Vec<String> = asked.into_iter().map(|(name, _)| name).collect();
    names.sort();
    assert_eq!(said_removed(output), names, "{output}");
}

/// Asserts that every execution of the hour-long flow that the run started was stopped.
fn assert_long_executions_stopped(seen: &[Seen], output: &str) {
    let on_long = |seen: &&Seen| {
        seen.param("FlowName")
            .is_some_and(|flow| flow.starts_with("Conformance_Long_"))
    };
    let started: Vec<&str> = seen
        .iter()
        .filter(|seen| seen.is("StartExecution"))
        .filter(on_long)
        .filter_map(|seen| seen.param("ExecutionName"))
        .collect();
    assert!(!started.is_empty(), "{output}");
    for name in started {
        assert!(
            seen.iter()
                .filter(|seen| seen.is("StopExecution"))
                .any(|seen| seen.param("ExecutionName") == Some(name)),
            "{name} was never stopped: {output}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_that_ends_removes_its_flows_and_stops_its_executions() {
    let served = Served::start(&[]).await;
    let proxy = Proxy::start(served.address, None).await;
    let run = start_run(&[
        "--target",
        &proxy.url,
        "--other-credentials",
        "otherid:othersecret",
        "--no-progress",
    ]);
    let (code, output) = ended(run).await;
    assert_eq!(code, Some(0), "{output}");
    let seen = proxy.seen();
    for (name, key) in proxy.flows_asked_for() {
        assert!(
            !has_flow(&served, &name, &key).await,
            "{name} is left: {output}"
        );
    }
    assert_long_executions_stopped(&seen, &output);
    // What a default run sends, by operation (the README's politeness figures).
    let mut counts: Vec<(String, usize)> = Vec::new();
    for seen in &seen {
        let action = seen.param("Action").unwrap_or("(none)").to_owned();
        match counts.iter_mut().find(|(known, _)| *known == action) {
            Some((_, count)) => *count += 1,
            None => counts.push((action, 1)),
        }
    }
    eprintln!("a default run sent {} requests: {counts:?}", seen.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_set_up_removes_the_flows_made_so_far() {
    let served = Served::start(&[]).await;
    let mut proxy = Proxy::start(served.address, Some(2)).await;
    // The held request is passed on once the run is interrupted; its answer never comes,
    // and the run gives it up after the timeout, well after the flow it asked for was made.
    let run = start_run(&["--target", &proxy.url, "--timeout", "4", "--no-progress"]);
    proxy
        .until("the second CreateFlow", |seen| {
            seen.is("CreateFlow")
                && seen
                    .param("Name")
                    .is_some_and(|name| name.contains("_Wait_"))
        })
        .await;
    signal(&run, "INT");
    proxy.release_held();
    let (code, output) = ended(run).await;
    proxy.held_landed().await;
    assert_eq!(code, Some(130), "{output}");
    assert!(output.contains("conformance: interrupted; "), "{output}");
    // The run never got to its cases.
    assert!(
        !proxy
            .seen()
            .iter()
            .any(|seen| seen.param("WaitTimeSeconds").is_some()),
        "{output}"
    );
    assert_eq!(proxy.flows_asked_for().len(), 2, "{output}");
    assert_nothing_left(&served, &proxy, &output).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_the_cases_stops_their_executions_and_removes_the_flows() {
    let served = Served::start(&[]).await;
    let mut proxy = Proxy::start(served.address, None).await;
    let run = start_run(&[
        "--target",
        &proxy.url,
        "--long-waits",
        "--other-credentials",
        "otherid:othersecret",
        "--no-progress",
    ]);
    // A 60-second long poll on a running execution: the cases are under way.
    proxy
        .until("the 60-second long poll", |seen| {
            seen.param("WaitTimeSeconds") == Some("60")
                && seen
                    .param("ExecutionName")
                    .is_some_and(|name| name.starts_with("wait-outlived-60_"))
        })
        .await;
    signal(&run, "INT");
    let (code, output) = ended(run).await;
    assert_eq!(code, Some(130), "{output}");
    assert_eq!(proxy.flows_asked_for().len(), 5, "{output}");
    assert_nothing_left(&served, &proxy, &output).await;
    // Every execution of the hour-long flow was stopped, the interrupted poll's included.
    let seen = proxy.seen();
    assert!(
        seen.iter().any(|seen| seen.is("StartExecution")
            && seen
                .param("ExecutionName")
                .is_some_and(|name| name.starts_with("wait-outlived-60_"))),
        "{output}"
    );
    assert_long_executions_stopped(&seen, &output);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_fuzzing_removes_the_flows() {
    let served = Served::start(&[]).await;
    let mut proxy = Proxy::start(served.address, None).await;
    let dir = tempdir("sigterm");
    let regressions = dir.join("regressions.txt");
    let run = start_run(&[
        "fuzz",
        "--target",
        &proxy.url,
        "--duration",
        "300",
        "--seed",
        "1",
        "--regressions",
        regressions.to_str().unwrap(),
    ]);
    // Set-up polls its execution a few times at most: the 200th DescribeExecution is a
    // generated one.
    let mut describes = 0;
    proxy
        .until("the 200th DescribeExecution", |seen| {
            describes += usize::from(seen.is("DescribeExecution"));
            describes >= 200
        })
        .await;
    signal(&run, "TERM");
    let (code, output) = ended(run).await;
    assert_eq!(code, Some(130), "{output}");
    assert_nothing_left(&served, &proxy, &output).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn fuzz_removes_its_flows_when_the_regressions_file_cannot_be_read_or_written() {
    // A directory where the file should be: it cannot be read.
    let served = Served::start(&[]).await;
    let proxy = Proxy::start(served.address, None).await;
    let dir = tempdir("unreadable");
    let run = start_run(&[
        "fuzz",
        "--target",
        &proxy.url,
        "--cases",
        "10",
        "--regressions",
        dir.to_str().unwrap(),
    ]);
    let (code, output) = ended(run).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(output.contains("failed to read"), "{output}");
    // The file is read before anything is created on the target.
    assert!(proxy.flows_asked_for().is_empty(), "{output}");

    // A target with a fault fuzzing finds, and a file in a directory that does not exist:
    // the failure cannot be kept.
    let served = Served::start(&["--fault", "flow-name-accepts-dots"]).await;
    let proxy = Proxy::start(served.address, None).await;
    let unwritable = dir.join("no-such-directory").join("regressions.txt");
    let run = start_run(&[
        "fuzz",
        "--target",
        &proxy.url,
        "--cases",
        "10000",
        "--max-failures",
        "1",
        "--seed",
        "11",
        "--regressions",
        unwritable.to_str().unwrap(),
    ]);
    let (code, output) = ended(run).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains("failed to keep the regressions"),
        "{output}"
    );
    assert_nothing_left(&served, &proxy, &output).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_run_on_existing_fixtures_touches_none_of_the_users_flows() {
    let served = Served::start(&[]).await;
    let mut proxy = Proxy::start(served.address, None).await;
    // The user's flows and executions, made before the run.
    let target: Endpoint = format!("http://{}", served.address).parse().unwrap();
    let client = Client::new(&ClientOptions::default()).unwrap();
    let send = async |request: RpcRequest| {
        let built = request
            .build(&target, &Signing::V1(testid()), &SigningContext::fresh())
            .unwrap();
        let exchange = client.send(built, PATIENCE).await.unwrap();
        assert_eq!(exchange.status, 200, "{:?}", exchange.body);
    };
    for (flow, definition) in [
        ("User_Done", common::waiting_flow(0.0)),
        ("User_Long", common::waiting_flow(3600.0)),
    ] {
        send(
            RpcRequest::post("CreateFlow")
                .param("Name", flow)
                .param("Definition", definition)
                .param("Description", "the user's")
                .param("Type", "FDL"),
        )
        .await;
    }
    for (flow, execution) in [("User_Done", "done"), ("User_Long", "running")] {
        send(
            RpcRequest::post("StartExecution")
                .param("FlowName", flow)
                .param("ExecutionName", execution),
        )
        .await;
    }
    let dir = tempdir("fixtures");
    let file = dir.join("fixtures.json");
    std::fs::write(
        &file,
        r#"{"executions": [
            {"flow": "User_Done", "execution": "done", "state": "Succeeded"},
            {"flow": "User_Long", "execution": "running", "state": "Running"}
        ]}"#,
    )
    .unwrap();
    let run = start_run(&[
        "--target",
        &proxy.url,
        "--fixtures",
        file.to_str().unwrap(),
        "--long-waits",
        "--no-progress",
    ]);
    proxy
        .until("the 60-second long poll", |seen| {
            seen.param("WaitTimeSeconds") == Some("60")
                && seen.param("ExecutionName") == Some("running")
        })
        .await;
    signal(&run, "INT");
    let (code, output) = ended(run).await;
    assert_eq!(code, Some(130), "{output}");
    assert!(
        output.contains("interrupted; the run had created nothing on the target"),
        "{output}"
    );
    let changes = [
        "CreateFlow",
        "DeleteFlow",
        "StartExecution",
        "StopExecution",
    ];
    let changed: Vec<Seen> = proxy
        .seen()
        .into_iter()
        .filter(|seen| changes.iter().any(|action| seen.is(action)))
        .collect();
    assert!(changed.is_empty(), "{changed:?}");
    for flow in ["User_Done", "User_Long"] {
        assert!(has_flow(&served, flow, "testid").await, "{flow}: {output}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "conformance-interrupt-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
