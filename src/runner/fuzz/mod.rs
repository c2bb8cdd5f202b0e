//! Fuzzing parameter validation: generated requests, each held to its contract-derived
//! expectation through the same checks as the catalog. A run goes on until its budget
//! (or `--max-failures`), groups failing requests by their [`signature`] (what they break),
//! shrinks one of each group to a small failing request, keeps each distinct failure in a
//! regressions file and replays that file first in later runs.

mod generate;
mod regressions;
mod shrink;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use super::baseline::{Baseline, BaselineVerdict, Known};
use super::provision::provision_all;
use super::provisioned::Lifecycle;
use super::schedule::{body_of, findings_of, unbuildable};
use super::session::Session;
use super::{RunError, RunOptions};
use crate::cases::strategies::{FuzzRequest, expectation_with_questions};
use crate::cases::{Case, CaseRequest, Tag};
use crate::checks::Finding;
use crate::contract::{Contract, OPERATION, ParamFault};
use crate::wire::{Connection, RpcRequest, SigningContext, decode_pairs, join_encoded, timestamp};

/// The most requests shrinking one distinct failure may send.
pub(super) const SHRINK_STEPS_PER_FAILURE: usize = 1_000;
/// The most requests shrinking may send in a whole run.
pub(super) const SHRINK_STEPS: usize = 4_000;

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
    /// The id unique to the run, part of the names it created (redacted where a report
    /// must read the same run after run).
    pub run_id: String,
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
    /// What `--baseline` says of the run, if one was given ([`FuzzReport::judge`]).
    pub baseline: Option<BaselineVerdict>,
}

impl FuzzReport {
    /// Judges the run with a baseline of known failures, for the report to show.
    pub fn judge(&mut self, baseline: &Baseline) {
        self.baseline = Some(baseline.judge_fuzz(self));
    }

    /// Whether the baseline expects this distinct failure (never without one).
    pub fn expected(&self, failure: &FuzzFailure) -> bool {
        self.baseline.as_ref().is_some_and(|baseline| {
            baseline.expects(&Known::Fuzz {
                signature: failure.signature.clone(),
            })
        })
    }

    /// Whether the run passes: every distinct failure is one the baseline expects.
    pub fn passes(&self) -> bool {
        self.failures.iter().all(|failure| self.expected(failure))
    }
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
pub(super) fn rule_class(request: &FuzzRequest) -> String {
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
/// then ` @ ` and its rule class, such as `expected-outcome @ FlowName:characters`.
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
    findings_of(
        session,
        &case,
        &sent_time,
        &answer,
        body_of(&answer).as_ref(),
    )
}

/// Runs the fuzzer. However it ends (at the end, on an error, or interrupted at any
/// moment), it first removes what it created.
pub async fn fuzz(options: &RunOptions, fuzz: &FuzzOptions) -> Result<FuzzReport, RunError> {
    // Read before anything is created on the target, so that a bad file leaves nothing.
    let kept = match &fuzz.regressions {
        Some(path) => regressions::read(path)?,
        None => regressions::Kept::default(),
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
    kept: regressions::Kept,
) -> Result<FuzzReport, RunError> {
    provision_all(&session).await?;
    let started = Instant::now();
    let mut report = FuzzReport {
        target: session.endpoint.to_string(),
        embedded: options.target.is_none(),
        run_id: session.fixtures.run_id.clone(),
        seed: fuzz.seed,
        sent: 0,
        generated: 0,
        replayed: 0,
        failed: 0,
        failures: Vec::new(),
        stopped_early: false,
        generating: Duration::ZERO,
        elapsed: Duration::ZERO,
        baseline: None,
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
        let trees = generate::generate(&session, options, fuzz, &mut report).await;
        report.generating = generating.elapsed();
        if fuzz.shrink {
            let mut steps = SHRINK_STEPS;
            for (failure, tree) in report.failures.iter_mut().zip(trees) {
                if let Some(tree) = tree {
                    report.sent += shrink::shrink(&session, tree, failure, &mut steps).await;
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
        regressions::keep(path, &to_keep, fuzz.seed)?;
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::checks::CheckId;

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

    pub(super) fn request(params: &[(&str, &str)]) -> FuzzRequest {
        FuzzRequest {
            params: params
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    pub(super) fn finding(check: CheckId) -> Finding {
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
}
