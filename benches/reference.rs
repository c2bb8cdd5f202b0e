//! Benchmarks of the reference target, run as a separate process (`conformance serve`)
//! the way users run it.
//!
//! ```sh
//! cargo bench --bench reference                        # both
//! cargo bench --bench reference -- throughput [SECONDS] [CONNECTIONS]
//! cargo bench --bench reference -- long-polls [POLLS]
//! cargo bench --bench reference -- fuzz-vs-wrk [SECONDS] [CASES] [CONNECTIONS]
//! ```
//!
//! - throughput: signed (v1) DescribeExecution requests per second over keep-alive
//!   connections, answered 200 from a running execution. The client is the harness's own
//!   (`wire::Client`) on the same 2-core machine, so the figure is for client and server
//!   together. Requests are signed before timing starts (a pool reused in turn: the
//!   reference target does not remember nonces), so signing is not in the figure; every
//!   request is still verified by the server.
//! - long-polls: POLLS DescribeExecution requests with WaitTimeSeconds=60, each on its own
//!   connection, all held at once on executions that end together; reports the server's
//!   resident memory while they are held and how late each answer came after its
//!   execution's StoppedTime.
//! - fuzz-vs-wrk: the harness's fuzz path against a plain HTTP load generator, side by side
//!   on one server (`conformance serve --anonymous`, unsigned requests). First `wrk -t1
//!   -cCONNECTIONS -dSECONDS` on one fixed unsigned DescribeExecution URL of a finished
//!   execution (answers per second: the most this server and machine give one client
//!   thread); then `conformance fuzz --target URL --signature none --cases CASES
//!   --concurrency CONNECTIONS` (generated requests, each built, sent, answered and held to
//!   every check, per second, as the run prints it). Prints both and their ratio. Defaults:
//!   10 s, 200,000 cases, 16 connections (the same number of requests in flight for both).
//!   Needs `wrk` (`apt-get install -y wrk`); says so and measures nothing without it.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Process, call, create_flow, signing};
use conformance::cases::fixtures::FixtureFlow;
use conformance::wire::{Client, ClientOptions, RpcRequest, Signing, SigningContext};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::task::JoinSet;

async fn throughput(seconds: u64, connections: usize) {
    let server = Process::start(&["serve"]);
    let endpoint = server.endpoint.clone();
    let client = Client::new(&ClientOptions::default()).unwrap();
    create_flow(&client, &endpoint, "bench", 3600).await;
    call(
        &client,
        &endpoint,
        &RpcRequest::post("StartExecution")
            .param("FlowName", "bench")
            .param("ExecutionName", "exec"),
    )
    .await;
    let describe = RpcRequest::get("DescribeExecution")
        .param("FlowName", "bench")
        .param("ExecutionName", "exec");
    let pool: Arc<Vec<http::Request<Vec<u8>>>> = Arc::new(
        (0..4096)
            .map(|_| {
                describe
                    .build(&endpoint, &signing(), &SigningContext::fresh())
                    .unwrap()
            })
            .collect(),
    );

    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut tasks = JoinSet::new();
    for worker in 0..connections {
        let (client, pool, done, failed) = (
            client.clone(),
            Arc::clone(&pool),
            Arc::clone(&done),
            Arc::clone(&failed),
        );
        tasks.spawn(async move {
            let mut index = worker;
            while Instant::now() < until {
                let request = pool[index % pool.len()].clone();
                index += connections;
                match client.send(request, Duration::from_secs(10)).await {
                    Ok(exchange) if exchange.status == 200 => done.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
    }
    tasks.join_all().await;
    let elapsed = started.elapsed().as_secs_f64();
    let done = done.load(Ordering::Relaxed);
    let (rss, peak) = server.memory();
    println!(
        "throughput: {done} signed DescribeExecution requests answered 200 in {elapsed:.1} s over {connections} keep-alive connections = {:.0} requests/s ({} failed); server RSS {rss:.1} MiB, peak {peak:.1} MiB",
        done as f64 / elapsed,
        failed.load(Ordering::Relaxed)
    );
}

/// Executions started per second in the long-poll benchmark.
const START_RATE: f64 = 2000.0;

async fn long_polls(polls: usize) {
    let server = Process::start(&["serve"]);
    let endpoint = server.endpoint.clone();
    let client = Client::new(&ClientOptions::default()).unwrap();
    let hold = 20;
    create_flow(&client, &endpoint, "polled", hold).await;
    let (rss_idle, _) = server.memory();

    // Start the executions at a steady pace, so that they end at a rate the machine can
    // answer (2,000 a second); each ends `hold` seconds after its start.
    let started = Instant::now();
    let mut starts = JoinSet::new();
    for chunk in (0..polls).collect::<Vec<_>>().chunks(polls.div_ceil(32)) {
        let (client, endpoint, chunk) = (client.clone(), endpoint.clone(), chunk.to_vec());
        let pace = Duration::from_secs_f64(32.0 / START_RATE);
        starts.spawn(async move {
            let mut tick = tokio::time::interval(pace);
            for index in chunk {
                tick.tick().await;
                let request = RpcRequest::post("StartExecution")
                    .param("FlowName", "polled")
                    .param("ExecutionName", format!("e{index}"));
                call(&client, &endpoint, &request).await;
            }
        });
    }
    starts.join_all().await;
    println!(
        "long-polls: started {polls} executions in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A held request keeps its connection busy, so the pooled client opens one per poll.
    let mut tasks = JoinSet::new();
    let sent = Arc::new(AtomicU64::new(0));
    for index in 0..polls {
        let (endpoint, sent, own) = (endpoint.clone(), Arc::clone(&sent), client.clone());
        tasks.spawn(async move {
            let request = RpcRequest::get("DescribeExecution")
                .param("FlowName", "polled")
                .param("ExecutionName", format!("e{index}"))
                .param("WaitTimeSeconds", "60");
            let built = request
                .build(&endpoint, &signing(), &SigningContext::fresh())
                .unwrap();
            sent.fetch_add(1, Ordering::Relaxed);
            let exchange = own.send(built, Duration::from_secs(120)).await;
            let received = OffsetDateTime::now_utc();
            let body = exchange.ok().and_then(|exchange| exchange.json());
            let stopped = body
                .as_ref()
                .and_then(|body| body["StoppedTime"].as_str())
                .and_then(|text| OffsetDateTime::parse(text, &Rfc3339).ok());
            let status = body
                .as_ref()
                .and_then(|body| body["Status"].as_str().map(str::to_owned));
            (
                status,
                stopped.map(|stopped| (received - stopped).as_seconds_f64() * 1000.0),
            )
        });
        if index % 500 == 499 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (rss_held, _) = server.memory();
    let all_sent = started.elapsed().as_secs_f64();
    let results = tasks.join_all().await;
    let (_, peak) = server.memory();

    let mut lateness: Vec<f64> = results.iter().filter_map(|(_, late)| *late).collect();
    let succeeded = results
        .iter()
        .filter(|(status, _)| status.as_deref() == Some("Succeeded"))
        .count();
    lateness.sort_by(f64::total_cmp);
    let at = |q: f64| {
        lateness
            .get(((lateness.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "long-polls: {polls} polls held at once ({} sent {all_sent:.1} s after the first start; executions run {hold} s); {succeeded} answered Succeeded",
        sent.load(Ordering::Relaxed)
    );
    println!(
        "long-polls: answer after StoppedTime: median {:.1} ms, p99 {:.1} ms, max {:.1} ms (timestamps have 1 ms resolution)",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    println!(
        "long-polls: server RSS idle {rss_idle:.1} MiB, with all polls held {rss_held:.1} MiB, peak {peak:.1} MiB"
    );
}

/// The number after `label` on a line of `text`, such as wrk's `Requests/sec:`.
fn number_after(text: &str, label: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let (_, rest) = line.split_once(label)?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

async fn fuzz_vs_wrk(seconds: u64, cases: u64, connections: usize) {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("fuzz-vs-wrk: wrk is not installed (apt-get install -y wrk): nothing measured");
        return;
    }
    let server = Process::start(&["serve", "--anonymous"]);
    let endpoint = server.endpoint.clone();
    let client = Client::new(&ClientOptions::default()).unwrap();
    let unsigned = |request: &RpcRequest| {
        request
            .build(&endpoint, &Signing::Unsigned, &SigningContext::fresh())
            .unwrap()
    };
    let send = |request: http::Request<Vec<u8>>| {
        let client = client.clone();
        async move {
            let exchange = client.send(request, Duration::from_secs(10)).await.unwrap();
            assert!(
                exchange.status.is_success(),
                "{}",
                String::from_utf8_lossy(&exchange.body)
            );
            exchange.json().unwrap()
        }
    };
    send(unsigned(
        &RpcRequest::post("CreateFlow")
            .param("Name", "bench")
            .param("Definition", FixtureFlow::Immediate.definition())
            .param("Description", "benchmark")
            .param("Type", "FDL"),
    ))
    .await;
    send(unsigned(
        &RpcRequest::post("StartExecution")
            .param("FlowName", "bench")
            .param("ExecutionName", "done"),
    ))
    .await;
    let describe = RpcRequest::get("DescribeExecution")
        .param("FlowName", "bench")
        .param("ExecutionName", "done");
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let body = send(unsigned(&describe)).await;
        if body["Status"] == "Succeeded" {
            break;
        }
        assert!(
            Instant::now() < until,
            "the execution did not finish: {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = unsigned(&describe).uri().to_string();

    let wrk = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            &url,
        ])
        .output()
        .expect("wrk runs");
    let wrk_text = String::from_utf8_lossy(&wrk.stdout);
    let wrk_rate = number_after(&wrk_text, "Requests/sec:").unwrap_or(f64::NAN);
    let wrk_errors = number_after(&wrk_text, "Non-2xx or 3xx responses:").unwrap_or(0.0);
    println!(
        "fuzz-vs-wrk: wrk -t1 -c{connections} -d{seconds}s (one fixed unsigned DescribeExecution of a finished execution): {wrk_rate:.0} answers/s ({wrk_errors} not 2xx)"
    );

    let regressions = std::env::temp_dir().join(format!(
        "conformance-bench-regressions-{}.txt",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&regressions);
    let started = Instant::now();
    let fuzz = Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(["fuzz", "--target", &endpoint.to_string()])
        .args(["--signature", "none", "--seed", "1"])
        .args(["--cases", &cases.to_string()])
        .args(["--concurrency", &connections.to_string()])
        .arg("--regressions")
        .arg(&regressions)
        .output()
        .expect("conformance fuzz runs");
    let wall = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&regressions);
    let fuzz_text = String::from_utf8_lossy(&fuzz.stdout);
    let summary = fuzz_text
        .lines()
        .find(|line| line.contains(" passed, "))
        .unwrap_or_default();
    let fuzz_rate = number_after(summary, "generated and checked ").unwrap_or(f64::NAN);
    println!(
        "fuzz-vs-wrk: conformance fuzz --signature none --cases {cases} --concurrency {connections}: {fuzz_rate:.0} checked requests/s ({:.0}/s over the whole process, {wall:.1} s, set-up included; exit {:?})",
        cases as f64 / wall,
        fuzz.status.code()
    );
    println!("fuzz-vs-wrk: {summary}");
    println!(
        "fuzz-vs-wrk: ratio fuzz / wrk = {:.2}",
        fuzz_rate / wrk_rate
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let number = |index: usize, default: u64| {
        args.get(index)
            .and_then(|arg| arg.parse().ok())
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("throughput") => runtime.block_on(throughput(number(1, 10), number(2, 64) as usize)),
        Some("long-polls") => runtime.block_on(long_polls(number(1, 10_000) as usize)),
        Some("fuzz-vs-wrk") => runtime.block_on(fuzz_vs_wrk(
            number(1, 10),
            number(2, 200_000),
            number(3, 16) as usize,
        )),
        _ => {
            runtime.block_on(throughput(10, 64));
            runtime.block_on(long_polls(10_000));
        }
    }
}
