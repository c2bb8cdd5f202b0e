//! Fuzzing parameter validation: generated requests, each held to its contract-derived
//! expectation through the same checks as the catalog. A run goes on until its budget
//! (or `--max-failures`), groups failing requests by their [`signature`] (what they break),
//! shrinks one of each group to a small failing request, keeps each distinct failure in a
//! regressions file and replays that file first in later runs.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Lifecycle, RunError, RunOptions, Session, findings_of, provision_all, unbuildable};
use crate::cases::strategies::{FuzzRequest, describe_requests, expectation_with_questions};
use crate::cases::{Case, CaseRequest, Tag};
use crate::checks::Finding;
use crate::contract::{Contract, OPERATION, ParamFault};
use crate::wire::{Connection, RpcRequest, SigningContext, decode_pairs, join_encoded, timestamp};

/// The most requests shrinking one distinct failure may send.
pub const SHRINK_STEPS_PER_FAILURE: usize = 1_000;
/// The most requests shrinking may send in a whole run.
pub const SHRINK_STEPS: usize = 4_000;

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
    /// Whether each distinct failure is shrunk (a fault matrix only needs to know it failed).
    pub shrink: bool,
    /// Stop generating once this many distinct failures (replayed ones included) were found.
    pub max_failures: Option<usize>,
}

/// One distinct failure: every checked request with the same [`signature`], and the
/// smallest of them found.
#[derive(Debug, Clone)]
pub struct FuzzFailure {
    /// What the failing requests break: `checks @ rule class`, see [`signature`].
    pub signature: String,
    /// The representative: the first failing request of the group, shrunk.
    pub request: FuzzRequest,
    /// What the checks found on the representative.
    pub findings: Vec<Finding>,
    /// Which generated request failed first (none when a replayed one did).
    pub index: Option<u64>,
    /// How many checked requests (generated and replayed) had this signature.
    pub hits: u64,
    /// How many smaller failing requests shrinking went through.
    pub shrinks: usize,
    /// Whether this run added it to the regressions file (it was not there yet).
    pub kept: bool,
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
    /// How many checked requests (generated and replayed) failed.
    pub failed: u64,
    /// The distinct failures: failing replays first, then in the order generation met them.
    pub failures: Vec<FuzzFailure>,
    /// Whether `--max-failures` ended generation before its budget.
    pub stopped_early: bool,
    /// How long generating and checking took (shrinking and replays left out).
    pub generating: Duration,
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

/// The contract rules a request breaks, as the contract's request rules name them:
/// `Parameter:rule` for each broken rule (`FlowName:characters`, `ExecutionName:length`,
/// `WaitTimeSeconds:maximum`, `FlowName:missing`, `WaitTimeSeconds:repeated`), sorted and
/// joined by `+`; `valid` when it breaks none.
pub fn rule_class(request: &FuzzRequest) -> String {
    let violations = Contract::embedded().request().validate(
        request
            .params
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let rules: BTreeSet<String> = violations
        .iter()
        .map(|violation| {
            let rule = match &violation.fault {
                ParamFault::Missing => "missing",
                ParamFault::Repeated => "repeated",
                ParamFault::Invalid { rule, .. } => rule.as_str(),
            };
            format!("{}:{rule}", violation.parameter)
        })
        .collect();
    if rules.is_empty() {
        "valid".to_owned()
    } else {
        rules.into_iter().collect::<Vec<_>>().join("+")
    }
}

/// What a failing request breaks: the ids of the checks it fails, sorted and joined by `+`,
/// then ` @ ` and its [`rule_class`], such as `expected-outcome @ FlowName:characters`.
/// Requests with the same signature are one distinct failure.
pub fn signature(request: &FuzzRequest, findings: &[Finding]) -> String {
    let checks: BTreeSet<&str> = findings
        .iter()
        .map(|finding| finding.check.as_str())
        .collect();
    format!(
        "{} @ {}",
        checks.into_iter().collect::<Vec<_>>().join("+"),
        rule_class(request)
    )
}

fn case_of(session: &Session, index: u64, request: &FuzzRequest) -> Case {
    let fixtures = &session.fixtures;
    let mut rpc = RpcRequest::get(OPERATION);
    rpc.params = request.params.clone();
    let (expect, questions) = expectation_with_questions(
        Contract::embedded(),
        request,
        &fixtures.flow,
        &fixtures.execution,
    );
    Case {
        id: format!("fuzz/{index}"),
        tags: vec![Tag::Fuzz],
        // Reports show the request's parameters, not the case: no need to describe it.
        description: String::new(),
        request: CaseRequest::signed(rpc),
        expect,
        questions,
    }
}

/// Sends one request (on `connection` if given, else through the pool) and checks its
/// answer; its findings. The same as a catalog case's run, without keeping what was sent
/// (a fuzz run reports only the request's parameters).
async fn check(
    session: &Session,
    connection: Option<&mut Connection>,
    index: u64,
    request: &FuzzRequest,
) -> Vec<Finding> {
    let case = case_of(session, index, request);
    let context = SigningContext::fresh();
    let sent_time = timestamp::format(context.time);
    let built = match session.build(&case.request, &context) {
        Ok(built) => built,
        Err(error) => return vec![unbuildable(&case, &error)],
    };
    let answer = session
        .send_on(Some(OPERATION), connection, built, Duration::ZERO)
        .await;
    findings_of(session, &case, &sent_time, &answer)
}

/// The generator's rng for request `index` of `seed`: a XorShift generator (fast; the
/// requests need no cryptographic strength) seeded by both, mixed by splitmix64 so that
/// neighbouring indices give unrelated requests.
fn rng(seed: u64, index: u64) -> TestRng {
    fn mix(value: u64) -> u64 {
        let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    let high = mix(seed ^ mix(index));
    let low = mix(high ^ index);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&high.to_le_bytes());
    bytes[8..].copy_from_slice(&low.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::XorShift, &bytes)
}

/// Runs the fuzzer. However it ends (at the end, on an error, or interrupted at any
/// moment), it first removes what it created.
pub async fn fuzz(options: &RunOptions, fuzz: &FuzzOptions) -> Result<FuzzReport, RunError> {
    // Read before anything is created on the target, so that a bad file leaves nothing.
    let kept = match &fuzz.regressions {
        Some(path) => read_regressions(path)?,
        None => Kept::default(),
    };
    let lifecycle = Lifecycle::open(options).await?;
    let session = lifecycle.session();
    let (report, _) = lifecycle.run(fuzz_in(session, options, fuzz, kept)).await?;
    Ok(report)
}

/// The fuzz run on an open session, with the regressions file's contents.
async fn fuzz_in(
    session: Arc<Session>,
    options: &RunOptions,
    fuzz: &FuzzOptions,
    kept: Kept,
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
        failed: 0,
        failures: Vec::new(),
        stopped_early: false,
        generating: Duration::ZERO,
        elapsed: Duration::ZERO,
    };
    let replays = match &fuzz.replay {
        Some(line) => vec![decode(line)],
        None => kept.requests.clone(),
    };
    // Signatures the regressions file holds already, by its comments and by replaying it.
    let mut known = kept.signatures.clone();
    for (request, findings) in replay(&session, options, replays).await {
        report.replayed += 1;
        report.sent += 1;
        if findings.is_empty() {
            continue;
        }
        report.failed += 1;
        let signature = signature(&request, &findings);
        known.insert(signature.clone());
        match report
            .failures
            .iter_mut()
            .find(|failure| failure.signature == signature)
        {
            Some(failure) => failure.hits += 1,
            None => report.failures.push(FuzzFailure {
                signature,
                request,
                findings,
                index: None,
                hits: 1,
                shrinks: 0,
                kept: false,
            }),
        }
    }
    let mut to_keep = Vec::new();
    if fuzz.replay.is_none() {
        let generating = Instant::now();
        let trees = generate(&session, options, fuzz, &mut report).await;
        report.generating = generating.elapsed();
        if fuzz.shrink {
            let mut steps = SHRINK_STEPS;
            for (failure, tree) in report.failures.iter_mut().zip(trees) {
                if let Some(tree) = tree {
                    report.sent += shrink(&session, tree, failure, &mut steps).await;
                }
            }
        }
        for failure in &mut report.failures {
            let line = encode(&failure.request);
            let fresh = failure.index.is_some()
                && !known.contains(&failure.signature)
                && !kept.lines.contains(&line);
            if fresh && fuzz.regressions.is_some() {
                failure.kept = true;
                to_keep.push((line, failure.signature.clone(), failure.index));
            }
        }
    }
    report.elapsed = started.elapsed();
    // Written inside the run, so that its flows are removed whether or not this works.
    if let Some(path) = &fuzz.regressions {
        keep_regressions(path, &to_keep, fuzz.seed)?;
    }
    Ok(report)
}

/// Sends the replayed requests, at most `concurrency` at once; each with its findings, in
/// the order given.
async fn replay(
    session: &Arc<Session>,
    options: &RunOptions,
    requests: Vec<FuzzRequest>,
) -> Vec<(FuzzRequest, Vec<Finding>)> {
    let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    for (at, request) in requests.into_iter().enumerate() {
        let (session, permits) = (Arc::clone(session), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let findings = check(&session, None, 0, &request).await;
            (at, request, findings)
        });
    }
    let mut results = tasks.join_all().await;
    results.sort_by_key(|(at, _, _)| *at);
    results
        .into_iter()
        .map(|(_, request, findings)| (request, findings))
        .collect()
}

type Tree = Box<dyn ValueTree<Value = FuzzRequest>>;

/// The generator of the requests of a run's fixtures: request `index` of seed `seed` is
/// the value tree the strategy draws from an rng seeded by both, so that any request can
/// be drawn again on its own (to shrink it) and requests are drawn on any thread in any
/// order with the same result.
struct Generator {
    flow: String,
    execution: String,
    strategy: BoxedStrategy<FuzzRequest>,
    runner: TestRunner,
}

impl Generator {
    fn new(flow: &str, execution: &str) -> Self {
        Self {
            flow: flow.to_owned(),
            execution: execution.to_owned(),
            strategy: describe_requests(Contract::embedded(), flow, execution),
            runner: TestRunner::new_with_rng(Config::default(), rng(0, 0)),
        }
    }

    /// The value tree of request `index` of `seed`.
    fn tree(&mut self, seed: u64, index: u64) -> Option<Tree> {
        *self.runner.rng() = rng(seed, index);
        self.strategy.new_tree(&mut self.runner).ok()
    }
}

thread_local! {
    /// Each thread's generator, built once for the fixtures it was last asked about (the
    /// strategy is not `Send`, so it cannot travel with a task).
    static GENERATOR: std::cell::RefCell<Option<Generator>> = const { std::cell::RefCell::new(None) };
}

/// Request `index` of `seed` for the given fixtures, drawn by this thread's generator.
fn generated(flow: &str, execution: &str, seed: u64, index: u64) -> Option<FuzzRequest> {
    GENERATOR.with_borrow_mut(|slot| {
        let generator = match slot {
            Some(generator) if generator.flow == flow && generator.execution == execution => {
                generator
            }
            _ => slot.insert(Generator::new(flow, execution)),
        };
        generator.tree(seed, index).map(|tree| tree.current())
    })
}

/// A failing generated request, as generation met it.
struct Failing {
    index: u64,
    signature: String,
    request: FuzzRequest,
    findings: Vec<Finding>,
}

/// What the workers of a generation share.
struct Shared {
    /// The next request index to claim.
    next: AtomicU64,
    /// Set when `--max-failures` distinct failures were found: claim no more.
    stop: AtomicBool,
    /// How many requests were sent.
    sent: AtomicU64,
    /// The failing requests, in the order they were met.
    failing: Mutex<Vec<Failing>>,
    /// The new signatures met.
    distinct: Mutex<HashSet<String>>,
}

/// How a generation goes: its budget, and when it stops.
struct Plan {
    seed: u64,
    budget: u64,
    deadline: Option<Instant>,
    /// The signatures of the failing replays (not new).
    replayed: Vec<String>,
    max_failures: Option<usize>,
}

impl Plan {
    /// Whether `distinct` new failures reach `--max-failures`.
    fn reached(&self, distinct: usize) -> bool {
        self.max_failures
            .is_some_and(|max| self.replayed.len() + distinct >= max)
    }
}

/// One of the `concurrency` workers: claims the next request index, draws the request,
/// sends and checks it, and notes it if it fails; until the budget, the deadline or the
/// stop. Every index claimed is sent, so the requests sent are always `0..next`.
async fn worker(session: Arc<Session>, shared: Arc<Shared>, plan: Arc<Plan>) {
    let (flow, execution) = (&session.fixtures.flow, &session.fixtures.execution);
    let mut connection = session.client.connection();
    loop {
        if shared.stop.load(Ordering::Relaxed)
            || plan
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return;
        }
        let index = shared.next.fetch_add(1, Ordering::Relaxed);
        if index >= plan.budget {
            return;
        }
        let Some(request) = generated(flow, execution, plan.seed, index) else {
            continue;
        };
        let findings = check(&session, Some(&mut connection), index, &request).await;
        shared.sent.fetch_add(1, Ordering::Relaxed);
        if findings.is_empty() {
            continue;
        }
        let signature = signature(&request, &findings);
        if !plan.replayed.contains(&signature) {
            let mut distinct = lock(&shared.distinct);
            distinct.insert(signature.clone());
            if plan.reached(distinct.len()) {
                shared.stop.store(true, Ordering::Relaxed);
            }
        }
        lock(&shared.failing).push(Failing {
            index,
            signature,
            request,
            findings,
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Generates and checks requests, `concurrency` workers at once, until the budget is
/// spent (or `--max-failures` distinct failures were found), and groups the failing ones
/// into `report.failures`. Returns, for each failure of the report in order, the value tree
/// of its first generated request (none for a replayed failure), for shrinking.
///
/// The outcome does not depend on the order answers come in: failures are grouped in the
/// order of the requests, and a run stopped by `--max-failures` counts exactly the requests
/// up to the first of the last distinct failure.
async fn generate(
    session: &Arc<Session>,
    options: &RunOptions,
    fuzz: &FuzzOptions,
    report: &mut FuzzReport,
) -> Vec<Option<Tree>> {
    let plan = Arc::new(Plan {
        seed: fuzz.seed,
        budget: fuzz.cases.unwrap_or(u64::MAX),
        deadline: fuzz.duration.map(|duration| Instant::now() + duration),
        replayed: report
            .failures
            .iter()
            .map(|failure| failure.signature.clone())
            .collect(),
        max_failures: fuzz.max_failures,
    });
    if plan.reached(0) {
        report.stopped_early = true;
        return report.failures.iter().map(|_| None).collect();
    }
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        sent: AtomicU64::new(0),
        failing: Mutex::new(Vec::new()),
        distinct: Mutex::new(HashSet::new()),
    });
    let mut workers = JoinSet::new();
    for _ in 0..options.concurrency.max(1) {
        workers.spawn(worker(
            Arc::clone(session),
            Arc::clone(&shared),
            Arc::clone(&plan),
        ));
    }
    workers.join_all().await;
    report.sent += shared.sent.load(Ordering::Relaxed);
    let stopped = shared.stop.load(Ordering::Relaxed);
    let mut failing = std::mem::take(&mut *lock(&shared.failing));

    failing.sort_by_key(|failing| failing.index);
    // Where a run stopped by --max-failures ends: at the first request of its last
    // distinct failure, in request order (every request before it was checked).
    let mut end = shared.next.load(Ordering::Relaxed).min(plan.budget);
    if stopped {
        let mut seen: HashSet<&str> = HashSet::new();
        for failing in &failing {
            if !plan.replayed.contains(&failing.signature)
                && seen.insert(&failing.signature)
                && plan.reached(seen.len())
            {
                end = failing.index + 1;
                break;
            }
        }
        report.stopped_early = end < plan.budget;
    }
    report.generated = end;
    let mut generator = Generator::new(&session.fixtures.flow, &session.fixtures.execution);
    let mut trees: Vec<Option<Tree>> = report.failures.iter().map(|_| None).collect();
    for failing in failing.into_iter().filter(|failing| failing.index < end) {
        report.failed += 1;
        if let Some(failure) = report
            .failures
            .iter_mut()
            .find(|failure| failure.signature == failing.signature)
        {
            failure.hits += 1;
            continue;
        }
        trees.push(
            fuzz.shrink
                .then(|| generator.tree(fuzz.seed, failing.index))
                .flatten(),
        );
        report.failures.push(FuzzFailure {
            signature: failing.signature,
            request: failing.request,
            findings: failing.findings,
            index: Some(failing.index),
            hits: 1,
            shrinks: 0,
            kept: false,
        });
    }
    trees
}

/// Shrinks a failure's request to a smaller one with the same signature: first proptest's
/// shrinking of the generated value, then [`simplify`] on the parameters themselves. Sends
/// at most [`SHRINK_STEPS_PER_FAILURE`] requests, and no more than `steps` (what is left
/// of the run's [`SHRINK_STEPS`]), which it lowers; returns how many it sent.
async fn shrink(
    session: &Session,
    mut tree: Tree,
    failure: &mut FuzzFailure,
    steps: &mut usize,
) -> u64 {
    let index = failure.index.unwrap_or(0);
    let budget = SHRINK_STEPS_PER_FAILURE.min(*steps);
    let mut left = budget;
    // At most half for proptest's shrinking; the rest, and what it leaves, for the names.
    let mut proptest_left = budget / 2;
    let mut shrinks = 0;
    let mut simplified = tree.simplify();
    while simplified && proptest_left > 0 {
        proptest_left -= 1;
        left -= 1;
        let candidate = tree.current();
        let findings = check(session, None, index, &candidate).await;
        if !findings.is_empty() && signature(&candidate, &findings) == failure.signature {
            failure.request = candidate;
            failure.findings = findings;
            shrinks += 1;
            simplified = tree.simplify();
        } else {
            simplified = tree.complicate();
        }
    }
    let wanted = failure.signature.clone();
    let wanted = &wanted;
    let probe = |request: FuzzRequest| async move {
        let findings = check(session, None, index, &request).await;
        let same = !findings.is_empty() && signature(&request, &findings) == *wanted;
        same.then_some((request, findings))
    };
    if let Some((request, findings, steps)) = simplify(&failure.request, &mut left, probe).await {
        failure.request = request;
        failure.findings = findings;
        shrinks += steps;
    }
    failure.shrinks += shrinks;
    let sent = budget - left;
    *steps -= sent;
    sent as u64
}

/// The character a simplified value is made of, where the failure allows it.
const SIMPLE: char = 'a';

/// Simplifies a failing request step by step, deterministically: drops each parameter, then
/// for each value replaces its characters by [`SIMPLE`] (all at once, then in halves, quarters,
/// ... single characters), removes characters the same way, and replaces once more. A step
/// is kept when `probe` says the request still fails the same way (it returns the findings);
/// a candidate is never sent twice. Spends at most `left` probes. Returns the simplest
/// request, its findings and how many steps were kept, if any was.
async fn simplify<F, Fut>(
    request: &FuzzRequest,
    left: &mut usize,
    probe: F,
) -> Option<(FuzzRequest, Vec<Finding>, usize)>
where
    F: Fn(FuzzRequest) -> Fut,
    Fut: Future<Output = Option<(FuzzRequest, Vec<Finding>)>>,
{
    let mut current = request.clone();
    let mut best: Option<(FuzzRequest, Vec<Finding>, usize)> = None;
    let mut tried: HashSet<Vec<(String, String)>> = HashSet::new();
    tried.insert(current.params.clone());
    // One probe: true when the candidate is kept.
    macro_rules! attempt {
        ($candidate:expr) => {{
            let candidate: FuzzRequest = $candidate;
            if *left == 0 || !tried.insert(candidate.params.clone()) {
                false
            } else {
                *left -= 1;
                match probe(candidate).await {
                    Some((kept, findings)) => {
                        current = kept.clone();
                        let steps = best.as_ref().map_or(0, |(_, _, steps)| *steps) + 1;
                        best = Some((kept, findings, steps));
                        true
                    }
                    None => false,
                }
            }
        }};
    }

    let mut at = current.params.len();
    while at > 0 {
        at -= 1;
        let mut candidate = current.clone();
        candidate.params.remove(at);
        attempt!(candidate);
    }
    for pass in [Pass::Replace, Pass::Remove, Pass::Replace] {
        for param in 0..current.params.len() {
            let mut chunk = current.params[param].1.chars().count();
            while chunk > 0 && *left > 0 {
                let mut start = 0;
                while start < current.params[param].1.chars().count() {
                    let value: Vec<char> = current.params[param].1.chars().collect();
                    let end = (start + chunk).min(value.len());
                    let changed: String = match pass {
                        Pass::Replace => value
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                if (start..end).contains(&i) {
                                    SIMPLE
                                } else {
                                    *c
                                }
                            })
                            .collect(),
                        Pass::Remove => value[..start].iter().chain(&value[end..]).collect(),
                    };
                    let mut candidate = current.clone();
                    candidate.params[param].1 = changed;
                    let kept = attempt!(candidate);
                    // A removal kept leaves the next characters at `start`.
                    if !(kept && pass == Pass::Remove) {
                        start += chunk;
                    }
                }
                chunk = if chunk == 1 { 0 } else { chunk.div_ceil(2) };
            }
        }
    }
    best
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Replace,
    Remove,
}

/// What a regressions file holds.
#[derive(Debug, Default)]
struct Kept {
    /// The requests, in the file's order.
    requests: Vec<FuzzRequest>,
    /// The request lines as written.
    lines: HashSet<String>,
    /// The signatures named in the comments.
    signatures: HashSet<String>,
}

/// Reads a regressions file: a request per line (as [`encode`] writes it), then ` # ` and
/// a comment that starts with its signature; `#` starts a comment line. A missing file
/// holds nothing.
fn read_regressions(path: &Path) -> Result<Kept, RunError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => {
            return Err(RunError::Setup(format!(
                "failed to read {}: {error}",
                path.display()
            )));
        }
    };
    let mut kept = Kept::default();
    for line in text.lines() {
        let (request, comment) = line.split_once(" #").unwrap_or((line, ""));
        if request.trim().is_empty() || request.starts_with('#') {
            continue;
        }
        if let Some(signature) = comment.trim().split(" (seed ").next() {
            if signature.contains(" @ ") {
                kept.signatures.insert(signature.to_owned());
            }
        }
        kept.lines.insert(request.trim().to_owned());
        kept.requests.push(decode(request));
    }
    Ok(kept)
}

/// Appends each new distinct failure to the regressions file: the request, then its
/// signature, seed and index in the comment.
fn keep_regressions(
    path: &Path,
    failures: &[(String, String, Option<u64>)],
    seed: u64,
) -> Result<(), RunError> {
    use std::io::Write;
    if failures.is_empty() {
        return Ok(());
    }
    let text: String = failures
        .iter()
        .map(|(line, signature, index)| {
            format!(
                "{line} # {signature} (seed {seed}, request {})\n",
                index.unwrap_or(0)
            )
        })
        .collect();
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|error| {
            RunError::Setup(format!(
                "failed to keep the regressions in {}: {error}",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckId;

    fn requests(seed: u64) -> Vec<FuzzRequest> {
        let mut generator = Generator::new("flow", "exec");
        (0..200)
            .map(|index| generator.tree(seed, index).unwrap().current())
            .collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_requests() {
        assert_eq!(requests(42), requests(42));
        assert_ne!(requests(42), requests(43));
        // In any order, on any thread, one at a time.
        let all = requests(42);
        for index in [199, 7, 0, 7] {
            assert_eq!(
                generated("flow", "exec", 42, index).as_ref(),
                Some(&all[index as usize])
            );
        }
        let on_another_thread = std::thread::spawn(|| generated("flow", "exec", 42, 3))
            .join()
            .unwrap();
        assert_eq!(on_another_thread.as_ref(), Some(&all[3]));
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

    fn request(params: &[(&str, &str)]) -> FuzzRequest {
        FuzzRequest {
            params: params
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    fn finding(check: CheckId) -> Finding {
        Finding {
            case: "fuzz/0".to_owned(),
            check,
            expected: String::new(),
            actual: String::new(),
        }
    }

    #[test]
    fn the_signature_names_the_checks_and_the_rules_broken() {
        let dotted = request(&[("FlowName", "a.b"), ("ExecutionName", "e")]);
        assert_eq!(rule_class(&dotted), "FlowName:characters");
        assert_eq!(
            signature(
                &dotted,
                &[
                    finding(CheckId::SuccessSchema),
                    finding(CheckId::ExpectedOutcome),
                    finding(CheckId::SuccessSchema)
                ]
            ),
            "expected-outcome+success-schema @ FlowName:characters"
        );
        assert_eq!(
            rule_class(&request(&[("FlowName", "f"), ("ExecutionName", "e")])),
            "valid"
        );
        let long = "a".repeat(Contract::embedded().names().rules().max_length + 1);
        assert_eq!(
            rule_class(&request(&[
                ("ExecutionName", &long),
                ("WaitTimeSeconds", "61"),
                ("WaitTimeSeconds", "1"),
            ])),
            "ExecutionName:length+FlowName:missing+WaitTimeSeconds:maximum+WaitTimeSeconds:repeated"
        );
    }

    /// Simplifies with a probe that fails (the same way) when `fails` says so.
    fn simplified(
        start: &FuzzRequest,
        budget: usize,
        fails: impl Fn(&FuzzRequest) -> bool,
    ) -> (FuzzRequest, usize) {
        let mut left = budget;
        let probes = std::cell::Cell::new(0);
        let probe = |candidate: FuzzRequest| {
            probes.set(probes.get() + 1);
            let failed =
                fails(&candidate).then(|| (candidate, vec![finding(CheckId::ExpectedOutcome)]));
            std::future::ready(failed)
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let best = runtime.block_on(simplify(start, &mut left, probe));
        assert_eq!(probes.get(), budget - left, "every probe is counted");
        (
            best.map_or_else(|| start.clone(), |(request, _, _)| request),
            probes.get(),
        )
    }

    #[test]
    fn shrinking_makes_names_short_and_simple() {
        let value = |request: &FuzzRequest, name: &str| {
            request
                .params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        // Accepting a dotted FlowName: the simplest is `a.`, with no other parameter.
        let dots = |candidate: &FuzzRequest| {
            rule_class(candidate) == "ExecutionName:missing+FlowName:characters"
        };
        let start = request(&[("FlowName", "Zq9-x.Yw_3"), ("WaitTimeSeconds", "17")]);
        let (shrunk, _) = simplified(&start, 1000, dots);
        assert_eq!(shrunk, request(&[("FlowName", "a.")]));

        // Accepting a name one over the maximum: as long, all `a`, in few probes.
        let max = Contract::embedded().names().rules().max_length;
        let random: String = (0..=max)
            .map(|i| char::from(b"Ab3_-xYz"[i % 8]))
            .map(|c| if c == '3' || c == '-' { 'k' } else { c })
            .collect();
        let start = request(&[("FlowName", "f"), ("ExecutionName", &random)]);
        let too_long = |candidate: &FuzzRequest| rule_class(candidate) == "ExecutionName:length";
        let (shrunk, probes) = simplified(&start, 1000, too_long);
        assert_eq!(value(&shrunk, "ExecutionName"), Some("a".repeat(max + 1)));
        assert_eq!(value(&shrunk, "FlowName").as_deref(), Some("a"));
        assert!(probes < 100, "{probes} probes");

        // The budget bounds the probes; the same start gives the same result.
        let (few, probes) = simplified(&start, 3, too_long);
        assert_eq!(probes, 3);
        assert_eq!(simplified(&start, 3, too_long).0, few);
    }
}
