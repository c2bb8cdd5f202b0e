//! Fuzzing parameter validation: generated requests, each held to its contract-derived
//! expectation through the same checks as the catalog; the first failure is shrunk to the
//! smallest failing request, kept in a regressions file and replayed first by later runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Lifecycle, RunError, RunOptions, Session, provision_all, run_case};
use crate::cases::strategies::{FuzzRequest, describe_requests, expectation};
use crate::cases::{Case, CaseRequest};
use crate::checks::Finding;
use crate::contract::{Contract, OPERATION};
use crate::wire::{RpcRequest, decode_pairs, join_encoded};

/// How long a fuzz run goes on, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzOptions {
    /// At most this many generated requests.
    pub cases: Option<u64>,
    /// At most this long.
    pub duration: Option<Duration>,
    /// The seed of the generator: the same seed gives the same requests.
    pub seed: u64,
    /// The file failing requests are kept in and replayed from first.
    pub regressions: Option<PathBuf>,
    /// Send only this request (`FlowName=...&ExecutionName=...`), as a failure printed it.
    pub replay: Option<String>,
    /// Whether the first failure is shrunk (a fault matrix only needs to know it failed).
    pub shrink: bool,
}

/// A request the target answered against the contract.
#[derive(Debug, Clone)]
pub struct FuzzFailure {
    /// The smallest failing request found.
    pub request: FuzzRequest,
    /// What the checks found on it.
    pub findings: Vec<Finding>,
    /// Which generated request failed first (none for a replayed one).
    pub index: Option<u64>,
    /// How many smaller failing requests shrinking went through.
    pub shrinks: usize,
}

/// A whole fuzz run.
#[derive(Debug)]
pub struct FuzzReport {
    /// The endpoint.
    pub target: String,
    /// Whether it was the embedded reference target.
    pub embedded: bool,
    /// The seed.
    pub seed: u64,
    /// How many requests were sent (generated, replayed and shrinking ones).
    pub sent: u64,
    /// How many generated requests were checked.
    pub generated: u64,
    /// How many regressions were replayed first.
    pub replayed: usize,
    /// The failures: a failing regression, or the shrunk first failure.
    pub failures: Vec<FuzzFailure>,
    /// How long the requests took.
    pub elapsed: Duration,
}

/// A request as one line: its parameters percent-encoded, in order.
pub fn encode(request: &FuzzRequest) -> String {
    join_encoded(
        request
            .params
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    )
}

/// The request of a line written by [`encode`].
pub fn decode(line: &str) -> FuzzRequest {
    FuzzRequest {
        params: decode_pairs(line.trim().as_bytes()),
    }
}

fn case_of(session: &Session, index: u64, request: &FuzzRequest) -> Case {
    let fixtures = &session.fixtures;
    let mut rpc = RpcRequest::get(OPERATION);
    rpc.params = request.params.clone();
    Case {
        id: format!("fuzz/{index}"),
        tags: vec!["fuzz"],
        description: encode(request),
        request: CaseRequest::signed(rpc),
        expect: expectation(
            Contract::embedded(),
            request,
            &fixtures.flow,
            &fixtures.execution,
        ),
    }
}

/// Sends one request; its findings.
async fn check(session: &Session, index: u64, request: &FuzzRequest) -> Vec<Finding> {
    run_case(session, case_of(session, index, request))
        .await
        .findings
}

/// The seed as the generator's 32 bytes.
fn rng(seed: u64) -> TestRng {
    let bytes: Vec<u8> = seed
        .to_le_bytes()
        .iter()
        .cycle()
        .take(32)
        .copied()
        .collect();
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// Runs the fuzzer. However it ends (at the end, on an error, or interrupted at any
/// moment), it first removes what it created.
pub async fn fuzz(options: &RunOptions, fuzz: &FuzzOptions) -> Result<FuzzReport, RunError> {
    let lifecycle = Lifecycle::open(options).await?;
    let session = lifecycle.session();
    let (report, _) = lifecycle.run(fuzz_in(session, options, fuzz)).await?;
    Ok(report)
}

/// The fuzz run on an open session.
async fn fuzz_in(
    session: Arc<Session>,
    options: &RunOptions,
    fuzz: &FuzzOptions,
) -> Result<FuzzReport, RunError> {
    provision_all(&session).await?;
    let started = Instant::now();
    let mut report = FuzzReport {
        target: session.endpoint.to_string(),
        embedded: options.target.is_none(),
        seed: fuzz.seed,
        sent: 0,
        generated: 0,
        replayed: 0,
        failures: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let kept = fuzz
        .regressions
        .as_deref()
        .map(read_regressions)
        .transpose()?
        .unwrap_or_default();
    let replays = match &fuzz.replay {
        Some(line) => vec![decode(line)],
        None => kept,
    };
    for request in replays {
        report.replayed += 1;
        report.sent += 1;
        let findings = check(&session, 0, &request).await;
        if !findings.is_empty() {
            report.failures.push(FuzzFailure {
                request,
                findings,
                index: None,
                shrinks: 0,
            });
        }
    }
    if fuzz.replay.is_none() && report.failures.is_empty() {
        generate(&session, options, fuzz, &mut report).await;
        if let (Some(path), Some(failure)) = (&fuzz.regressions, report.failures.first()) {
            keep_regression(path, failure, fuzz.seed)?;
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Generates and sends requests in batches until the budget is spent or one fails, then
/// shrinks that one.
async fn generate(
    session: &Arc<Session>,
    options: &RunOptions,
    fuzz: &FuzzOptions,
    report: &mut FuzzReport,
) {
    let contract = Contract::embedded();
    let strategy = describe_requests(
        contract,
        &session.fixtures.flow,
        &session.fixtures.execution,
    );
    let mut runner = TestRunner::new_with_rng(Config::default(), rng(fuzz.seed));
    let deadline = fuzz.duration.map(|duration| Instant::now() + duration);
    let budget = fuzz.cases.unwrap_or(u64::MAX);
    let batch = options.concurrency.max(1) as u64 * 4;
    let mut index = 0u64;
    while index < budget && deadline.is_none_or(|deadline| Instant::now() < deadline) {
        let count = batch.min(budget - index);
        let mut trees = Vec::with_capacity(count as usize);
        let mut tasks = JoinSet::new();
        for offset in 0..count {
            let Ok(tree) = strategy.new_tree(&mut runner) else {
                continue;
            };
            let request = tree.current();
            trees.push(tree);
            let session = Arc::clone(session);
            let at = index + offset;
            tasks.spawn(async move { (at, check(&session, at, &request).await) });
        }
        let mut results = tasks.join_all().await;
        report.sent += results.len() as u64;
        report.generated += results.len() as u64;
        results.sort_by_key(|(at, _)| *at);
        if let Some((at, findings)) = results
            .into_iter()
            .find(|(_, findings)| !findings.is_empty())
        {
            let tree = trees.swap_remove((at - index) as usize);
            let failure = if fuzz.shrink {
                shrink(session, tree, at, findings, report).await
            } else {
                FuzzFailure {
                    request: tree.current(),
                    findings,
                    index: Some(at),
                    shrinks: 0,
                }
            };
            report.failures.push(failure);
            return;
        }
        index += count;
    }
}

/// Shrinks a failing request to the smallest one that still fails.
async fn shrink(
    session: &Session,
    mut tree: Box<dyn ValueTree<Value = FuzzRequest>>,
    index: u64,
    findings: Vec<Finding>,
    report: &mut FuzzReport,
) -> FuzzFailure {
    let mut failure = FuzzFailure {
        request: tree.current(),
        findings,
        index: Some(index),
        shrinks: 0,
    };
    // Each step is one request: a few thousand take seconds.
    let mut budget = 4000;
    if !tree.simplify() {
        return failure;
    }
    while budget > 0 {
        budget -= 1;
        let candidate = tree.current();
        report.sent += 1;
        let findings = check(session, index, &candidate).await;
        if findings.is_empty() {
            if !tree.complicate() {
                break;
            }
        } else {
            failure = FuzzFailure {
                request: candidate,
                findings,
                index: Some(index),
                shrinks: failure.shrinks + 1,
            };
            if !tree.simplify() {
                break;
            }
        }
    }
    failure
}

fn read_regressions(path: &Path) -> Result<Vec<FuzzRequest>, RunError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(|line| line.split(" #").next().unwrap_or_default())
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .map(decode)
            .collect()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(RunError::Setup(format!(
            "failed to read {}: {error}",
            path.display()
        ))),
    }
}

fn keep_regression(path: &Path, failure: &FuzzFailure, seed: u64) -> Result<(), RunError> {
    use std::io::Write;
    let checks: Vec<&str> = failure
        .findings
        .iter()
        .map(|finding| finding.check)
        .collect();
    let line = format!(
        "{} # seed {seed}, case {}: {}\n",
        encode(&failure.request),
        failure.index.unwrap_or(0),
        checks.join(", ")
    );
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(line.as_bytes()))
        .map_err(|error| {
            RunError::Setup(format!(
                "failed to keep the regression in {}: {error}",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests(seed: u64) -> Vec<FuzzRequest> {
        let strategy = describe_requests(Contract::embedded(), "flow", "exec");
        let mut runner = TestRunner::new_with_rng(Config::default(), rng(seed));
        (0..200)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_requests() {
        assert_eq!(requests(42), requests(42));
        assert_ne!(requests(42), requests(43));
    }

    #[test]
    fn a_request_line_round_trips() {
        let request = FuzzRequest {
            params: vec![
                ("FlowName".to_owned(), "a b+c%41&=é".to_owned()),
                ("FlowName".to_owned(), String::new()),
                ("WaitTimeSeconds".to_owned(), " 5".to_owned()),
            ],
        };
        assert_eq!(decode(&encode(&request)), request);
    }
}
