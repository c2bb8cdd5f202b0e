//! The runner: provisions the fixtures, sends every selected case with bounded
//! concurrency and an optional rate limit, checks each exchange, and removes what it
//! provisioned. It knows nothing of output formats: it returns a [`RunReport`].

mod events;
mod fuzz;
mod matrix;
mod timing;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cases::catalog::{SIGNED_RUN, catalog, unknown_access_key};
use crate::cases::fixtures::{FixtureFile, FixtureFlow, Fixtures, fresh_run_id};
use crate::cases::timing::Scenario;
use crate::cases::timing::{TimingCase, timing_cases};
use crate::cases::{Caller, Case, CaseRequest, Selectable};
use crate::checks::timing::TimingBounds;
use crate::checks::{self, Finding, Observed};
use crate::contract::Contract;
use crate::reference::{Reference, ReferenceOptions};
use crate::wire::{
    Client, ClientOptions, Connection, Credentials, Endpoint, Exchange, RpcRequest,
    SignatureVersion, Signing, SigningContext, TransportError, retry_after, timestamp,
};

pub use events::{Events, RunEvent};
pub use fuzz::{
    FuzzFailure, FuzzOptions, FuzzReport, SHRINK_STEPS, SHRINK_STEPS_PER_FAILURE, decode, encode,
    fuzz, rule_class, signature,
};
pub use matrix::{FaultOutcome, MATRIX_FUZZ_CASES, MATRIX_FUZZ_SEED, fault_matrix};
pub use timing::TimingResult;

/// How many times a throttled request is sent again.
const MAX_RETRIES: u32 = 3;
/// The longest wait a throttled answer may ask for and still be waited out.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// The most a run waits out throttling in all.
const BACKOFF_BUDGET: Duration = Duration::from_secs(60);

/// What to run, against what.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The endpoint; `None` starts the embedded reference target.
    pub target: Option<Endpoint>,
    /// The credentials that sign the cases.
    pub credentials: Option<Credentials>,
    /// Credentials of a second account, for account isolation.
    pub other_credentials: Option<Credentials>,
    /// The signature version of the cases that do not need a particular one.
    pub signature: SignatureVersion,
    /// How many cases are in flight at once.
    pub concurrency: usize,
    /// At most this many requests a second, if set.
    pub rate: Option<NonZeroU32>,
    /// The latest an answer may come.
    pub timeout: Duration,
    /// Case ids to run (all if empty).
    pub cases: Vec<String>,
    /// Patterns a case must match, by tag or id (all if empty).
    pub filters: Vec<String>,
    /// The margin added to the measured round trip in every timing bound.
    pub timing_margin: Duration,
    /// Whether the timing cases include waits up to the contract's maximum.
    pub long_waits: bool,
    /// Whether Ctrl-C stops the run, after removing what it created.
    pub stop_on_interrupt: bool,
    /// Executions that exist already; the run then creates (and removes) nothing.
    pub fixtures: Option<FixtureFile>,
    /// Run only this part of the selected cases.
    pub shard: Option<Shard>,
    /// Who hears of the run's progress, if anyone.
    pub events: Option<Events>,
    /// How the HTTP client connects and reads (TLS roots, `--insecure`, body cap).
    pub client: ClientOptions,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            target: None,
            credentials: None,
            other_credentials: None,
            signature: SignatureVersion::V1,
            concurrency: 16,
            rate: None,
            timeout: Duration::from_secs(10),
            cases: Vec::new(),
            filters: Vec::new(),
            timing_margin: Duration::from_millis(500),
            long_waits: false,
            stop_on_interrupt: false,
            fixtures: None,
            shard: None,
            events: None,
            client: ClientOptions::default(),
        }
    }
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The options or the set-up are wrong (exit code 2).
    #[error("{0}")]
    Setup(String),
    /// Ctrl-C stopped the run; what it had created was removed.
    #[error("interrupted; removed the run's flows {}", removed.join(", "))]
    Interrupted {
        /// The flows removed.
        removed: Vec<String>,
    },
    /// The target could not be reached (exit code 3).
    #[error("the target {target} is unreachable: {reason}")]
    Unreachable {
        /// The endpoint.
        target: String,
        /// What failed.
        reason: String,
    },
}

/// One case as it ran.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// The request as sent.
    pub request: http::Request<Vec<u8>>,
    /// The answer, or why none came.
    pub answer: Result<Exchange, TransportError>,
    /// The checks it failed.
    pub findings: Vec<Finding>,
}

impl CaseResult {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// How long the answer took (zero when none came).
    pub fn elapsed(&self) -> Duration {
        self.answer
            .as_ref()
            .map_or(Duration::ZERO, |exchange| exchange.elapsed)
    }
}

/// A case a run left out, and why.
#[derive(Debug, Clone)]
pub struct SkippedCase {
    /// The case's id.
    pub id: String,
    /// Its tags.
    pub tags: Vec<&'static str>,
    /// What it does.
    pub description: String,
    /// Why it could not mean anything in this run.
    pub reason: String,
}

impl Selectable for SkippedCase {
    fn id(&self) -> &str {
        &self.id
    }
    fn tags(&self) -> &[&'static str] {
        &self.tags
    }
    fn description(&self) -> &str {
        &self.description
    }
}

/// A whole run.
#[derive(Debug)]
pub struct RunReport {
    /// The endpoint the cases went to.
    pub target: String,
    /// Whether it was the embedded reference target.
    pub embedded: bool,
    /// The id unique to the run, part of every name it created.
    pub run_id: String,
    /// The signature version of the run.
    pub signature: SignatureVersion,
    /// Every case run, in catalog order.
    pub results: Vec<CaseResult>,
    /// Every timing case run, in order.
    pub timing: Vec<TimingResult>,
    /// The bounds the timing cases were held to, if any ran.
    pub timing_bounds: Option<TimingBounds>,
    /// Cases left out, with the reason (never silently).
    pub skipped: Vec<SkippedCase>,
    /// How long the run took, set-up included.
    pub elapsed: Duration,
}

impl RunReport {
    /// Every finding, in case order, timing cases last.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        let catalog = self.results.iter().flat_map(|result| &result.findings);
        catalog.chain(self.timing.iter().flat_map(|result| &result.findings))
    }

    /// Whether the target is conformant: every case passed.
    pub fn conformant(&self) -> bool {
        self.findings().next().is_none()
    }

    /// How many cases ran, and how many of them failed.
    pub fn counts(&self) -> (usize, usize) {
        let failed = self
            .results
            .iter()
            .filter(|result| !result.passed())
            .count()
            + self.timing.iter().filter(|result| !result.passed()).count();
        (self.results.len() + self.timing.len(), failed)
    }
}

/// The cases as `--list` shows them, catalog then timing (the names in descriptions are
/// those of an example run).
pub fn list(options: &RunOptions) -> Vec<Box<dyn Selectable>> {
    let (catalog, timing) = selected(&Fixtures::new("00000000"), options);
    let catalog = catalog
        .into_iter()
        .map(|case| Box::new(case) as Box<dyn Selectable>);
    let timing = timing
        .into_iter()
        .map(|case| Box::new(case) as Box<dyn Selectable>);
    catalog.chain(timing).collect()
}

/// The `--case` ids that name no case.
pub fn unknown_cases(options: &RunOptions) -> Vec<String> {
    let all = RunOptions {
        cases: Vec::new(),
        filters: Vec::new(),
        shard: None,
        ..options.clone()
    };
    let known = list(&all);
    options
        .cases
        .iter()
        .filter(|id| !known.iter().any(|case| case.id() == id.as_str()))
        .cloned()
        .collect()
}

/// The catalog and timing cases the options select.
fn selected(fixtures: &Fixtures, options: &RunOptions) -> (Vec<Case>, Vec<TimingCase>) {
    let contract = Contract::embedded();
    let catalog = select(catalog(contract, fixtures), options);
    let timing = select(timing_cases(contract, options.long_waits), options);
    let Some(shard) = options.shard else {
        return (catalog, timing);
    };
    // Shards split the selected cases, catalog then timing, in turn.
    let offset = catalog.len();
    let catalog = catalog
        .into_iter()
        .enumerate()
        .filter(|(at, _)| shard.has(*at))
        .map(|(_, case)| case)
        .collect();
    let timing = timing
        .into_iter()
        .enumerate()
        .filter(|(at, _)| shard.has(offset + at))
        .map(|(_, case)| case)
        .collect();
    (catalog, timing)
}

/// One of N parts of the selected cases, for parallel CI jobs (`--shard I/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl Shard {
    /// Whether the case at `position` of the selection is in this shard.
    fn has(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parsed = text.split_once('/').and_then(|(index, count)| {
            Some((index.parse::<usize>().ok()?, count.parse::<usize>().ok()?))
        });
        match parsed {
            Some((index, count)) if count > 0 && (1..=count).contains(&index) => {
                Ok(Self { index, count })
            }
            _ => Err(format!(
                "a shard is I/N with 1 <= I <= N, such as 2/4; got {text:?}"
            )),
        }
    }
}

fn select<T: Selectable>(cases: Vec<T>, options: &RunOptions) -> Vec<T> {
    cases
        .into_iter()
        .filter(|case| options.cases.is_empty() || options.cases.iter().any(|id| id == case.id()))
        .filter(|case| options.filters.iter().all(|pattern| case.matches(pattern)))
        .collect()
}

/// The target and credentials of a run.
struct Session {
    fixtures: Fixtures,
    endpoint: Endpoint,
    client: Client,
    credentials: Option<Credentials>,
    other: Option<Credentials>,
    signature: SignatureVersion,
    timeout: Duration,
    limiter: Option<DefaultDirectRateLimiter>,
    events: Option<Events>,
    /// What is left of the run's time for waiting out throttling (429).
    backoff_budget: Mutex<Duration>,
    /// The flows the run asked the target to create, and as whom: the ones it removes.
    created: Mutex<Vec<(String, Caller)>>,
}

impl Session {
    fn emit(&self, event: RunEvent<'_>) {
        if let Some(events) = &self.events {
            events.emit(event);
        }
    }

    fn signing(&self, request: &CaseRequest) -> Result<Signing, RunError> {
        let version = request.signature.unwrap_or(self.signature);
        // Cases about a particular key need a signature even in an unsigned run.
        let signed = if version == SignatureVersion::None {
            SignatureVersion::V1
        } else {
            version
        };
        let main_id = self
            .credentials
            .as_ref()
            .map_or_else(|| "testid".to_owned(), |c| c.access_key_id().to_owned());
        let signing = match request.caller {
            Caller::Main => Signing::new(version, self.credentials.clone()),
            Caller::Other => Signing::new(signed, self.other.clone()),
            Caller::Unsigned => Ok(Signing::Unsigned),
            Caller::UnknownKey => Signing::new(
                signed,
                Some(Credentials::new(
                    unknown_access_key(&self.fixtures),
                    "no-such-secret",
                )),
            ),
            Caller::WrongSecret => {
                Signing::new(signed, Some(Credentials::new(main_id, "not-the-secret")))
            }
        };
        signing.map_err(|error| RunError::Setup(error.to_string()))
    }

    fn build(
        &self,
        request: &CaseRequest,
        context: &SigningContext,
    ) -> Result<http::Request<Vec<u8>>, RunError> {
        let signing = self.signing(request)?;
        let mut built = request
            .rpc
            .build(&self.endpoint, &signing, context)
            .map_err(|error| RunError::Setup(error.to_string()))?;
        if let Some(header) = request.remove_header {
            built.headers_mut().remove(header);
        }
        if let Some((content_type, body)) = &request.body {
            let value = http::HeaderValue::from_str(content_type)
                .map_err(|error| RunError::Setup(error.to_string()))?;
            built
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, value);
            *built.body_mut() = body.clone();
        }
        Ok(built)
    }

    async fn send(&self, request: http::Request<Vec<u8>>) -> Result<Exchange, TransportError> {
        self.send_holding(request, Duration::ZERO).await
    }

    /// Sends under the rate limit, allowing `hold` (a long poll's rightful wait), then the
    /// run's timeout, then a second so that a late answer is told from none. A throttled
    /// request (429) is sent again after the wait its answer asks for, a few times, within
    /// the run's budget for such waits; then its last answer stands.
    async fn send_holding(
        &self,
        request: http::Request<Vec<u8>>,
        hold: Duration,
    ) -> Result<Exchange, TransportError> {
        self.send_on(None, request, hold).await
    }

    /// As [`Session::send_holding`], on `connection` if given (a fuzz worker's own),
    /// else through the client's pool.
    async fn send_on(
        &self,
        mut connection: Option<&mut Connection>,
        request: http::Request<Vec<u8>>,
        hold: Duration,
    ) -> Result<Exchange, TransportError> {
        let limit = hold + self.timeout + Duration::from_secs(1);
        let mut retries = 0;
        loop {
            if let Some(limiter) = &self.limiter {
                limiter.until_ready().await;
            }
            let exchange = match connection.as_deref_mut() {
                Some(connection) => connection.send(request.clone(), limit).await?,
                None => self.client.send(request.clone(), limit).await?,
            };
            let wait = (exchange.status == http::StatusCode::TOO_MANY_REQUESTS
                && retries < MAX_RETRIES)
                .then(|| retry_after(&exchange.headers))
                .flatten()
                .filter(|wait| *wait <= MAX_RETRY_WAIT && self.spend_backoff(*wait));
            match wait {
                Some(wait) => {
                    retries += 1;
                    tokio::time::sleep(wait).await;
                }
                None => return Ok(exchange),
            }
        }
    }

    /// Takes `wait` from the run's budget for waiting out throttling, if it is there.
    fn spend_backoff(&self, wait: Duration) -> bool {
        let mut left = self
            .backoff_budget
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match left.checked_sub(wait) {
            Some(rest) => {
                *left = rest;
                true
            }
            None => false,
        }
    }

    /// Sends a DescribeExecution as the main caller, allowing for its `wait`; `None` when no
    /// answer came.
    async fn exchange(&self, rpc: &RpcRequest, wait: Duration) -> Option<Exchange> {
        let signing = self.signing(&CaseRequest::signed(rpc.clone())).ok()?;
        let built = rpc
            .build(&self.endpoint, &signing, &SigningContext::fresh())
            .ok()?;
        self.send_holding(built, wait).await.ok()
    }

    /// Sends a set-up request as the main caller, or as the other one, and returns its
    /// body, or the error that stops the run.
    async fn call(&self, rpc: &RpcRequest, caller: Caller) -> Result<Value, RunError> {
        let signing = self.signing(&CaseRequest {
            caller,
            ..CaseRequest::signed(rpc.clone())
        })?;
        let built = rpc
            .build(&self.endpoint, &signing, &SigningContext::fresh())
            .map_err(|error| RunError::Setup(error.to_string()))?;
        // No HTTP answer to set-up is an unreachable target; a wrong answer is a set-up error.
        let exchange = self.send(built).await.map_err(|error| match error {
            TransportError::Setup(reason) => RunError::Setup(reason),
            other => RunError::Unreachable {
                target: self.endpoint.to_string(),
                reason: format!("{} got no HTTP answer: {other}", rpc_name(rpc)),
            },
        })?;
        let body = exchange.json().unwrap_or(Value::Null);
        if exchange.status.is_success() && body.is_object() {
            Ok(body)
        } else if exchange.status.is_success() {
            let text = String::from_utf8_lossy(&exchange.body);
            Err(RunError::Setup(format!(
                "failed to set up the fixtures: {} answered {} with a body that is not a JSON object: {:?}",
                rpc_name(rpc),
                exchange.status.as_u16(),
                text.chars().take(120).collect::<String>()
            )))
        } else {
            Err(RunError::Setup(format!(
                "failed to set up the fixtures: {} answered {} {} {}",
                rpc_name(rpc),
                exchange.status.as_u16(),
                body["Code"].as_str().unwrap_or_default(),
                body["Message"].as_str().unwrap_or_default()
            )))
        }
    }

    /// Creates a fixture flow, noting it for removal first (an answer lost on the way does
    /// not mean the flow was not made).
    async fn create(
        &self,
        name: &str,
        flow: FixtureFlow,
        caller: Caller,
    ) -> Result<Value, RunError> {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name.to_owned(), caller));
        self.call(&create_flow(name, flow), caller).await
    }
}

fn rpc_name(rpc: &RpcRequest) -> &str {
    rpc.action.as_deref().unwrap_or("a request")
}

fn create_flow(name: &str, flow: FixtureFlow) -> RpcRequest {
    RpcRequest::post("CreateFlow")
        .param("Name", name)
        .param("Definition", flow.definition())
        .param(
            "Description",
            "made by conformance; removed at the end of its run",
        )
        .param("Type", "FDL")
}

/// Creates the run's flows and its finished execution.
async fn provision(session: &Session) -> Result<(), RunError> {
    let fixtures = &session.fixtures;
    if let Some(existing) = &fixtures.existing {
        return check_existing(session, &existing.executions).await;
    }
    let main = Caller::Main;
    session
        .create(&fixtures.flow, FixtureFlow::Immediate, main)
        .await?;
    let start = RpcRequest::post("StartExecution")
        .param("FlowName", &fixtures.flow)
        .param("ExecutionName", &fixtures.execution)
        .param("Input", "{\"from\":\"conformance\"}");
    session.call(&start, main).await?;
    // The flow ends at once. Polled without WaitTimeSeconds: set-up must not lean on the
    // long polling under test.
    let contract = Contract::embedded();
    let deadline = Instant::now() + session.timeout;
    loop {
        let describe = RpcRequest::get("DescribeExecution")
            .param("FlowName", &fixtures.flow)
            .param("ExecutionName", &fixtures.execution);
        let body = match session.call(&describe, main).await {
            Ok(body) => body,
            // DescribeExecution is what the run tests: when it answers wrongly, the cases
            // say so; set-up gives the execution a moment to end and goes on.
            Err(RunError::Setup(_)) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                break;
            }
            Err(other) => return Err(other),
        };
        let status = body["Status"].as_str().unwrap_or_default();
        // A status the contract does not know has left Running all the same: the cases
        // will say what is wrong with it.
        let unknown = !contract
            .bodies()
            .statuses()
            .iter()
            .any(|known| known == status);
        if contract.bodies().is_terminal(status) || (!status.is_empty() && unknown) {
            break;
        }
        if Instant::now() > deadline {
            return Err(RunError::Setup(format!(
                "the fixture execution {} did not finish in {:?} (status {status:?})",
                fixtures.execution, session.timeout
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for flow in [FixtureFlow::Wait, FixtureFlow::Fail, FixtureFlow::Long] {
        session.create(&fixtures.flow_of(flow), flow, main).await?;
    }
    if session.other.is_some() {
        session
            .create(&fixtures.other_flow, FixtureFlow::Immediate, Caller::Other)
            .await?;
    }
    Ok(())
}

/// Checks that each existing execution is in the state its fixture file says.
async fn check_existing(
    session: &Session,
    executions: &[crate::cases::fixtures::ExistingExecution],
) -> Result<(), RunError> {
    for execution in executions {
        let describe = RpcRequest::get("DescribeExecution")
            .param("FlowName", &execution.flow)
            .param("ExecutionName", &execution.execution);
        let body = session.call(&describe, Caller::Main).await?;
        let status = body["Status"].as_str().unwrap_or_default();
        if status != execution.state {
            return Err(RunError::Setup(format!(
                "the fixture execution {} of flow {} is {status:?}, not {:?} as the fixture file says",
                execution.execution, execution.flow, execution.state
            )));
        }
    }
    Ok(())
}

/// Deletes the flows [`provision`] asked for, and only those; what is gone already is
/// fine. A target that stops answering is not asked again.
async fn remove(session: &Session) {
    let created = std::mem::take(
        &mut *session
            .created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for (name, caller) in created.into_iter().rev() {
        let delete = RpcRequest::post("DeleteFlow").param("Name", &name);
        if let Err(RunError::Unreachable { .. }) = session.call(&delete, caller).await {
            return;
        }
    }
}

/// The session of a run (and the embedded reference target it runs against, if any).
async fn open(options: &RunOptions) -> Result<(Arc<Session>, Option<Reference>), RunError> {
    let (reference, endpoint, credentials, other) = match &options.target {
        Some(endpoint) => (
            None,
            endpoint.clone(),
            options.credentials.clone(),
            options.other_credentials.clone(),
        ),
        None => {
            // An unsigned run needs a target that takes unsigned requests.
            let reference_options = ReferenceOptions {
                anonymous: options.signature == SignatureVersion::None,
                ..ReferenceOptions::default()
            };
            let reference =
                Reference::start(SocketAddr::from(([127, 0, 0, 1], 0)), reference_options)
                    .await
                    .map_err(|error| {
                        RunError::Setup(format!(
                            "failed to start the embedded reference target: {error}"
                        ))
                    })?;
            let endpoint = reference.endpoint();
            let accounts = crate::reference::default_accounts();
            (
                Some(reference),
                endpoint,
                accounts.first().cloned(),
                accounts.get(1).cloned(),
            )
        }
    };
    if options.signature != SignatureVersion::None && credentials.is_none() {
        return Err(RunError::Setup(
            crate::wire::WireError::MissingCredentials(options.signature).to_string(),
        ));
    }
    let client =
        Client::new(&options.client).map_err(|error| RunError::Setup(error.to_string()))?;
    let fixtures = match &options.fixtures {
        Some(file) => Fixtures::existing(&fresh_run_id(), file).map_err(RunError::Setup)?,
        None => Fixtures::fresh(),
    };
    let session = Arc::new(Session {
        fixtures,
        endpoint,
        client,
        credentials,
        other,
        signature: options.signature,
        timeout: options.timeout,
        limiter: options
            .rate
            .map(|rate| DefaultDirectRateLimiter::direct(Quota::per_second(rate))),
        events: options.events.clone(),
        backoff_budget: Mutex::new(BACKOFF_BUDGET),
        created: Mutex::new(Vec::new()),
    });
    Ok((session, reference))
}

/// Runs the selected cases and checks every answer.
pub async fn run(options: &RunOptions) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let (session, reference) = open(options).await?;
    let endpoint = session.endpoint.clone();
    let (cases, timing_cases) = selected(&session.fixtures, options);

    let mut skipped = Vec::new();
    let cases = skip(cases, &mut skipped, |case| case_skip(&session, case));
    let timing_cases = skip(timing_cases, &mut skipped, |case| {
        timing_skip(&session, case)
    });

    if let Err(error) = provision(&session).await {
        // Leave nothing behind even when set-up fails half way.
        remove(&session).await;
        if let Some(reference) = reference {
            let _ = reference.stop().await;
        }
        return Err(error);
    }
    session.emit(RunEvent::Started {
        cases: cases.len() + timing_cases.len(),
    });
    let timing_run = run_timing(&session, timing_cases, options.timing_margin);
    let both = async {
        tokio::join!(
            run_cases(&session, cases, options.concurrency.max(1)),
            timing_run
        )
    };
    let interrupted = async {
        if options.stop_on_interrupt {
            let _ = tokio::signal::ctrl_c().await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let (results, (timing, timing_bounds)) = tokio::select! {
        done = both => done,
        () = interrupted => {
            remove(&session).await;
            if let Some(reference) = reference {
                let _ = reference.stop().await;
            }
            return Err(RunError::Interrupted { removed: session.fixtures.created(session.other.is_some()) });
        }
    };
    remove(&session).await;
    if let Some(reference) = reference {
        let _ = reference.stop().await;
    }
    Ok(RunReport {
        target: endpoint.to_string(),
        embedded: options.target.is_none(),
        run_id: session.fixtures.run_id.clone(),
        signature: options.signature,
        results,
        timing,
        timing_bounds,
        skipped,
        elapsed: started.elapsed(),
    })
}

/// The cases `why_not` has no reason to leave out; the others go to `skipped` with it.
fn skip<T: Selectable>(
    cases: Vec<T>,
    skipped: &mut Vec<SkippedCase>,
    why_not: impl Fn(&T) -> Option<&'static str>,
) -> Vec<T> {
    cases
        .into_iter()
        .filter(|case| match why_not(case) {
            Some(reason) => {
                skipped.push(SkippedCase {
                    id: case.id().to_owned(),
                    tags: case.tags().to_vec(),
                    description: case.description().to_owned(),
                    reason: reason.to_owned(),
                });
                false
            }
            None => true,
        })
        .collect()
}

/// Why a catalog case cannot mean anything in this run, if it cannot.
fn case_skip(session: &Session, case: &Case) -> Option<&'static str> {
    let fixtures = &session.fixtures;
    if case.tags.contains(&"isolation") {
        if session.other.is_none() {
            return Some("needs --other-credentials");
        }
        if fixtures.other_flow.is_empty() {
            return Some("needs an other_flow in the fixture file");
        }
    }
    if session.signature == SignatureVersion::None && case.tags.contains(&SIGNED_RUN) {
        return Some("means nothing in an unsigned run");
    }
    let names_itself = case.tags.contains(&"case-sensitivity")
        && case.request.rpc.params.iter().any(|(name, value)| {
            (name == "FlowName" && value == &fixtures.flow) && case.id.starts_with("flow-name")
                || (name == "ExecutionName" && value == &fixtures.execution)
                    && case.id.starts_with("execution-name")
        });
    if names_itself {
        return Some("the fixture's name reads the same in that case");
    }
    None
}

/// Why a timing case cannot run against these fixtures, if it cannot.
fn timing_skip(session: &Session, case: &TimingCase) -> Option<&'static str> {
    let existing = session.fixtures.existing.as_ref()?;
    match case.scenario {
        Scenario::EndsDuringWait { .. } => {
            Some("needs the harness to start executions, which --fixtures rules out")
        }
        Scenario::AtOnceOnRunning { .. } | Scenario::WaitOutlived { .. }
            if existing.running.is_none() =>
        {
            Some("needs a Running execution in the fixture file")
        }
        Scenario::Stopped if existing.stopped.is_none() => {
            Some("needs a Stopped execution in the fixture file")
        }
        _ => None,
    }
}

/// Measures the baseline, then runs every timing case at once.
async fn run_timing(
    session: &Arc<Session>,
    cases: Vec<TimingCase>,
    margin: Duration,
) -> (Vec<TimingResult>, Option<TimingBounds>) {
    if cases.is_empty() {
        return (Vec::new(), None);
    }
    let bounds = TimingBounds {
        baseline: timing::baseline(session).await,
        margin,
    };
    let mut tasks = JoinSet::new();
    for (index, case) in cases.into_iter().enumerate() {
        let session = Arc::clone(session);
        tasks.spawn(async move {
            let result = timing::run_timing_case(&session, case, bounds).await;
            session.emit(RunEvent::Finished {
                case: &result.case.id,
                passed: result.passed(),
            });
            (index, result)
        });
    }
    let mut results = tasks.join_all().await;
    results.sort_by_key(|(index, _)| *index);
    (
        results.into_iter().map(|(_, result)| result).collect(),
        Some(bounds),
    )
}

async fn run_cases(
    session: &Arc<Session>,
    cases: Vec<Case>,
    concurrency: usize,
) -> Vec<CaseResult> {
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    for (index, case) in cases.into_iter().enumerate() {
        let (session, permits) = (Arc::clone(session), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = run_case(&session, case).await;
            session.emit(RunEvent::Finished {
                case: &result.case.id,
                passed: result.passed(),
            });
            (index, result)
        });
    }
    let mut results: Vec<(usize, CaseResult)> = tasks.join_all().await;
    results.sort_by_key(|(index, _)| *index);
    let mut results: Vec<CaseResult> = results.into_iter().map(|(_, result)| result).collect();

    let bodies: Vec<Option<Value>> = results
        .iter()
        .map(|result| result.answer.as_ref().ok().and_then(Exchange::json))
        .collect();
    let run_findings =
        checks::unique_request_ids(results.iter().zip(&bodies).filter_map(|(result, body)| {
            let exchange = result.answer.as_ref().ok()?;
            Some(Observed {
                case: &result.case,
                exchange,
                body: body.as_ref(),
                sent_time: "",
                time_bound: session.timeout,
            })
        }));
    for finding in run_findings {
        if let Some(result) = results
            .iter_mut()
            .find(|result| result.case.id == finding.case)
        {
            result.findings.push(finding);
        }
    }
    results
}

async fn run_case(session: &Session, case: Case) -> CaseResult {
    let mut context = SigningContext::fresh();
    if let Some(skew) = case.request.skew {
        context.time = OffsetDateTime::now_utc() - skew;
    }
    let sent_time = timestamp::format(context.time);
    let request = match session.build(&case.request, &context) {
        Ok(request) => request,
        Err(error) => {
            let finding = Finding {
                case: case.id.clone(),
                check: checks::ANSWERED.id,
                expected: "a request the harness can build".to_owned(),
                actual: error.to_string(),
            };
            let request = http::Request::new(Vec::new());
            return CaseResult {
                case,
                request,
                answer: Err(TransportError::Setup(finding.actual.clone())),
                findings: vec![finding],
            };
        }
    };
    let answer = session.send(request.clone()).await;
    let findings = match &answer {
        Ok(exchange) => {
            let body = exchange.json();
            let observed = Observed {
                case: &case,
                exchange,
                body: body.as_ref(),
                sent_time: &sent_time,
                time_bound: session.timeout,
            };
            checks::check(Contract::embedded(), &observed)
        }
        Err(error) => vec![Finding {
            case: case.id.clone(),
            check: checks::ANSWERED.id,
            expected: format!("an HTTP answer within {:?}", session.timeout),
            actual: error.to_string(),
        }],
    };
    CaseResult {
        case,
        request,
        answer,
        findings,
    }
}
