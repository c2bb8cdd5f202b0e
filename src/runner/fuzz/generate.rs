//! Generation: request `index` of a seed drawn on any thread in any order with the same
//! result, checked by `concurrency` workers until the budget, the deadline or
//! `--max-failures`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::super::RunOptions;
use super::super::session::Session;
use super::{FuzzFailure, FuzzOptions, FuzzReport, check, signature};
use crate::cases::strategies::{FuzzRequest, describe_requests};
use crate::checks::Finding;
use crate::contract::Contract;

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
pub(super) type Tree = Box<dyn ValueTree<Value = FuzzRequest>>;

/// The generator of the requests of a run's fixtures: request `index` of seed `seed` is
/// the value tree the strategy draws from an rng seeded by both, so that any request can
/// be drawn again on its own (to shrink it) and requests are drawn on any thread in any
/// order with the same result.
pub(super) struct Generator {
    flow: String,
    execution: String,
    strategy: BoxedStrategy<FuzzRequest>,
    runner: TestRunner,
}

impl Generator {
    pub(super) fn new(flow: &str, execution: &str) -> Self {
        Self {
            flow: flow.to_owned(),
            execution: execution.to_owned(),
            strategy: describe_requests(Contract::embedded(), flow, execution),
            runner: TestRunner::new_with_rng(Config::default(), rng(0, 0)),
        }
    }

    /// The value tree of request `index` of `seed`.
    pub(super) fn tree(&mut self, seed: u64, index: u64) -> Option<Tree> {
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
pub(super) async fn generate(
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
