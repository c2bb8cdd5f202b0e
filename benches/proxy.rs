//! Benchmarks of `conformance proxy`, run as users run it: the reference target as its own
//! process (`conformance serve`, no rate limit), the proxy as another (`conformance proxy
//! --target URL`), the load from this one, all on loopback.
//!
//! ```sh
//! cargo bench --bench proxy                        # both
//! cargo bench --bench proxy -- latency [REQUESTS]  # default 2,000
//! cargo bench --bench proxy -- long-polls [POLLS]  # default 10,000
//! ```
//!
//! - latency: REQUESTS sequential signed (v1) DescribeExecution requests of a running
//!   execution straight to the target and as many through the proxy, interleaved (one
//!   direct, one through, and so on, after 200 of each to warm up), over keep-alive
//!   connections of the harness's own client (`wire::Client`); each request is signed
//!   before its clock starts. Prints each path's median and p99 and the median added
//!   latency (the median through the proxy less the median direct). Goal: at most 1 ms.
//! - long-polls: POLLS DescribeExecution requests with WaitTimeSeconds=60 (the contract's
//!   most) on an execution that stays Running longer (its flow waits 600 s), each on its
//!   own connection through the proxy, all held at once. Once the proxy holds them all
//!   (its open files count two per poll: the client's connection and the target's), reads
//!   the proxy's resident memory (VmRSS) and peak (VmHWM) from /proc and prints them and
//!   the cost per poll; it checks that none was answered early. Goal: 10,000 polls in
//!   under 200 MB. Each held poll takes two of the proxy's open files: `conformance proxy`
//!   raises its soft limit to its hard one, and if that still cannot hold POLLS the
//!   benchmark measures the most it can hold and says so.

mod common;

use std::time::{Duration, Instant};

use common::{Process, call, create_flow, signing};
use conformance::wire::{Client, ClientOptions, Endpoint, RpcRequest, SigningContext};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A flow whose executions wait `seconds`, and one execution of it, started.
async fn running_execution(client: &Client, endpoint: &Endpoint, seconds: u64) {
    create_flow(client, endpoint, "bench", seconds).await;
    let start = RpcRequest::post("StartExecution")
        .param("FlowName", "bench")
        .param("ExecutionName", "held");
    call(client, endpoint, &start).await;
}

fn describe(wait: Option<u32>) -> RpcRequest {
    let request = RpcRequest::get("DescribeExecution")
        .param("FlowName", "bench")
        .param("ExecutionName", "held");
    match wait {
        Some(seconds) => request.param("WaitTimeSeconds", seconds.to_string()),
        None => request,
    }
}

/// The time one signed DescribeExecution takes to `endpoint` (signed before the clock).
async fn timed(client: &Client, endpoint: &Endpoint) -> Duration {
    let built = describe(None)
        .build(endpoint, &signing(), &SigningContext::fresh())
        .unwrap();
    let started = Instant::now();
    let exchange = client.send(built, Duration::from_secs(10)).await.unwrap();
    let took = started.elapsed();
    assert_eq!(
        exchange.status,
        200,
        "{}",
        String::from_utf8_lossy(&exchange.body)
    );
    took
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

async fn latency(requests: usize) {
    let target = Process::start(&["serve"]);
    let proxy = Process::start(&["proxy", "--target", &target.endpoint.to_string()]);
    let client = Client::new(&ClientOptions::default()).unwrap();
    running_execution(&client, &target.endpoint, 3600).await;
    for _ in 0..200 {
        timed(&client, &target.endpoint).await;
        timed(&client, &proxy.endpoint).await;
    }
    let (mut direct, mut through) = (Vec::new(), Vec::new());
    for _ in 0..requests {
        direct.push(timed(&client, &target.endpoint).await);
        through.push(timed(&client, &proxy.endpoint).await);
    }
    direct.sort();
    through.sort();
    println!(
        "latency: {requests} signed DescribeExecution requests each way, interleaved, keep-alive, sequential"
    );
    println!(
        "latency: direct median {:.3} ms, p99 {:.3} ms; through the proxy median {:.3} ms, p99 {:.3} ms",
        quantile(&direct, 0.5),
        quantile(&direct, 0.99),
        quantile(&through, 0.5),
        quantile(&through, 0.99)
    );
    println!(
        "latency: median added by the proxy {:.3} ms (p99 added {:.3} ms); proxy RSS {:.1} MiB",
        quantile(&through, 0.5) - quantile(&direct, 0.5),
        quantile(&through, 0.99) - quantile(&direct, 0.99),
        proxy.memory().0
    );
}

async fn long_polls(wanted: usize) {
    let target = Process::start(&["serve"]);
    let proxy = Process::start(&["proxy", "--target", &target.endpoint.to_string()]);
    let client = Client::new(&ClientOptions::default()).unwrap();
    running_execution(&client, &target.endpoint, 600).await;
    // One exchange through, so that the proxy's client toward the target is set up.
    call(&client, &proxy.endpoint, &describe(None)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(client);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The target's connection of that exchange stays open in the proxy's pool; the first
    // poll takes it.
    let idle_files = proxy.open_files() - 1;
    let limit = proxy.open_files_limit();
    // A little room for the files the runtime opens as it goes.
    let most = limit.saturating_sub(idle_files + 8) / 2;
    let polls = wanted.min(most);
    if polls < wanted {
        println!(
            "long-polls: the proxy may open {limit} files ({idle_files} open idle) and each held poll takes two: {polls} polls, not {wanted}"
        );
    }
    let rss_idle = proxy.memory().0;
    let target_idle = target.memory().0;

    let authority = proxy.endpoint.authority().to_owned();
    let mut held = Vec::with_capacity(polls);
    let started = Instant::now();
    for index in 0..polls {
        let built = describe(Some(60))
            .build(&proxy.endpoint, &signing(), &SigningContext::fresh())
            .unwrap();
        let mut head = format!(
            "GET {} HTTP/1.1\r\nHost: {authority}\r\n",
            built.uri().path_and_query().unwrap()
        );
        for (name, value) in built.headers() {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
        }
        head.push_str("\r\n");
        let mut stream = TcpStream::connect(&authority).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        held.push(stream);
        // Connections in bursts the proxy's accept backlog takes.
        if index % 500 == 499 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let sent = started.elapsed().as_secs_f64();
    let until = Instant::now() + Duration::from_secs(50);
    while proxy.open_files() < idle_files + 2 * polls && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let files = proxy.open_files();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss, peak) = proxy.memory();
    let mut buffer = [0u8; 2048];
    let mut early = None;
    let answered = held
        .iter()
        .filter(|stream| match stream.try_read(&mut buffer) {
            Ok(read) => {
                early.get_or_insert_with(|| String::from_utf8_lossy(&buffer[..read]).into_owned());
                true
            }
            Err(_) => false,
        })
        .count();
    println!(
        "long-polls: {polls} DescribeExecution polls with WaitTimeSeconds=60 sent through the proxy in {sent:.1} s, one connection each; the proxy holds {files} open files ({idle_files} idle); {answered} answered before their wait"
    );
    println!(
        "long-polls: proxy RSS idle {rss_idle:.1} MiB, with all polls held {rss:.1} MiB ({:.1} MB), peak {peak:.1} MiB: {:.1} KiB a poll",
        rss * 1.048_576,
        (rss - rss_idle) * 1024.0 / polls as f64
    );
    let target_rss = target.memory().0;
    println!(
        "long-polls: for comparison, the reference target holding the same polls: RSS idle {target_idle:.1} MiB, held {target_rss:.1} MiB: {:.1} KiB a poll",
        (target_rss - target_idle) * 1024.0 / polls as f64
    );
    assert_eq!(
        answered, 0,
        "polls were answered before their wait: {early:?}"
    );
    assert!(
        files >= idle_files + 2 * polls,
        "the proxy did not hold every poll"
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let number = |index: usize, default: usize| {
        args.get(index)
            .and_then(|arg| arg.parse().ok())
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("latency") => runtime.block_on(latency(number(1, 2000))),
        Some("long-polls") => runtime.block_on(long_polls(number(1, 10_000))),
        _ => {
            runtime.block_on(latency(2000));
            runtime.block_on(long_polls(10_000));
        }
    }
}
