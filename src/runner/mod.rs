//! The runner: provisions the fixtures, sends every selected case with bounded
//! concurrency at the run's pace, checks each exchange, and removes what it provisioned,
//! however the run ends. It knows nothing of output formats: it returns a [`RunReport`].

mod events;
mod fuzz;
mod interrupt;
mod matrix;
mod pacing;
mod provisioned;
mod timing;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cases::catalog::{catalog, unknown_access_key};
use crate::cases::fixtures::{FixtureFile, FixtureFlow, Fixtures, fresh_run_id};
use crate::cases::timing::Scenario;
use crate::cases::timing::{TimingCase, timing_cases};
use crate::cases::{Caller, Case, CaseRequest, Outcome, Selectable, Tag};
use crate::checks::timing::TimingBounds;
use crate::checks::{self, CheckId, Finding, Observed};
use crate::contract::{BodyKind, Contract, NameParameter};
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
pub use interrupt::Interrupt;
pub use matrix::{
    CHOICE_FUZZ_CASES, ChoiceOutcome, FaultOutcome, MATRIX_FUZZ_CASES, MATRIX_FUZZ_SEED,
    choice_matrix, fault_matrix,
};
pub use pacing::{Pacing, SERVICE_DESCRIBE_LIMIT, SERVICE_OTHER_LIMIT, ServiceLimit};
pub use timing::TimingResult;

use pacing::Pacer;
use provisioned::{Lifecycle, Provisioned};

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
    /// How fast requests may go.
    pub pacing: Pacing,
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
    /// Whether Ctrl-C or SIGTERM stops the run, after removing what it created.
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
            pacing: Pacing::Unlimited,
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
    /// The options or the set-up are wrong: the user's to mend (exit code 2).
    #[error("{0}")]
    Setup(String),
    /// The target broke the wire format where a run cannot go on without the answer (a
    /// fuzz run's set-up): the target's fault (exit code 1, as a finding would be).
    #[error("{0}")]
    Broken(String),
    /// Ctrl-C or SIGTERM stopped the run; what it had created was removed (exit code 130).
    #[error("interrupted; {}", provisioned::summary(removed, left))]
    Interrupted {
        /// The flows removed.
        removed: Vec<String>,
        /// The flows that could not be removed and may still be on the target.
        left: Vec<String>,
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
    pub tags: Vec<Tag>,
    /// What it does.
    pub description: String,
    /// Why it could not mean anything in this run.
    pub reason: String,
}

impl Selectable for SkippedCase {
    fn id(&self) -> &str {
        &self.id
    }
    fn tags(&self) -> &[Tag] {
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
    /// The flows of the run that could not be deleted and may still be on the target.
    pub left_behind: Vec<String>,
}

impl RunReport {
    /// Every finding, in case order, timing cases last.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        let catalog = self.results.iter().flat_map(|result| &result.findings);
        catalog.chain(self.timing.iter().flat_map(|result| &result.findings))
    }

    /// What the clean-up could not delete, for people, if anything.
    pub fn left_behind(&self) -> Option<String> {
        (!self.left_behind.is_empty()).then(|| provisioned::summary(&[], &self.left_behind))
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
    pacer: Pacer,
    events: Option<Events>,
    /// What is left of the run's time for waiting out throttling (429).
    backoff_budget: Mutex<Duration>,
    /// What the run created on the target: what its clean-up removes.
    provisioned: Provisioned,
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

    async fn send(
        &self,
        action: Option<&str>,
        request: http::Request<Vec<u8>>,
    ) -> Result<Exchange, TransportError> {
        self.send_holding(action, request, Duration::ZERO).await
    }

    /// Sends a request of `action` at the run's pace, allowing `hold` (a long poll's
    /// rightful wait), then the run's timeout, then a second so that a late answer is told
    /// from none. A throttled request (429) is sent again after the wait its answer asks
    /// for, a few times, within the run's budget for such waits; then its last answer
    /// stands.
    async fn send_holding(
        &self,
        action: Option<&str>,
        request: http::Request<Vec<u8>>,
        hold: Duration,
    ) -> Result<Exchange, TransportError> {
        self.send_on(action, None, request, hold).await
    }

    /// As [`Session::send_holding`], on `connection` if given (a fuzz worker's own),
    /// else through the client's pool.
    async fn send_on(
        &self,
        action: Option<&str>,
        mut connection: Option<&mut Connection>,
        request: http::Request<Vec<u8>>,
        hold: Duration,
    ) -> Result<Exchange, TransportError> {
        let limit = hold + self.timeout + Duration::from_secs(1);
        let mut retries = 0;
        loop {
            self.pacer.ready(action).await;
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
        self.send_holding(rpc.action.as_deref(), built, wait)
            .await
            .ok()
    }

    /// Sends a set-up (or clean-up) request as `caller` and returns its body: a 2xx answer
    /// with a JSON object. Anything else is a [`CallError`]: no answer, a well-formed
    /// refusal, or an answer that breaks the wire format.
    async fn call(&self, rpc: &RpcRequest, caller: Caller) -> Result<Value, CallError> {
        let case = setup_case(rpc, caller);
        let signing = self.signing(&case.request)?;
        let built = rpc
            .build(&self.endpoint, &signing, &SigningContext::fresh())
            .map_err(|error| RunError::Setup(error.to_string()))?;
        let exchange = match self.send(rpc.action.as_deref(), built.clone()).await {
            Ok(exchange) => exchange,
            Err(TransportError::Setup(reason)) => return Err(RunError::Setup(reason).into()),
            // No HTTP answer to set-up is an unreachable target.
            Err(other) => {
                return Err(RunError::Unreachable {
                    target: self.endpoint.to_string(),
                    reason: format!("{} got no HTTP answer: {other}", rpc_name(rpc)),
                }
                .into());
            }
        };
        let body = exchange.json();
        let status = exchange.status;
        if let Some(body) = body
            .as_ref()
            .filter(|body| status.is_success() && body.is_object())
        {
            return Ok(body.clone());
        }
        if let Some(refused) = refusal(rpc, &exchange, body.as_ref()) {
            return Err(refused);
        }
        // An answer over HTTP that is not one of the wire protocol: the target's fault, so
        // findings of the set-up step, held to the checks of the wire format.
        let contract = Contract::embedded();
        let observed = Observed {
            case: &case,
            exchange: &exchange,
            body: body.as_ref(),
            sent_time: "",
            time_bound: self.timeout,
        };
        let findings: Vec<Finding> = checks::check(contract, &observed)
            .into_iter()
            .filter(|finding| WIRE_FORMAT_CHECKS.contains(&finding.check))
            .collect();
        if findings.is_empty() {
            // Well-formed by every check of the wire format: a refusal after all.
            return Err(CallError::Refused {
                code: String::new(),
                text: format!("{} answered {}", rpc_name(rpc), status.as_u16()),
            });
        }
        Err(CallError::Broken(Box::new(CaseResult {
            case,
            request: built,
            answer: Ok(exchange),
            findings,
        })))
    }

    /// Sends a request that creates something (a flow, an execution), from a task of its
    /// own that holds the in-flight lock: a run interrupted meanwhile lets it land before
    /// its clean-up, so that nothing is created after the clean-up removed it.
    async fn create_call(
        self: &Arc<Self>,
        rpc: RpcRequest,
        caller: Caller,
    ) -> Result<Value, CallError> {
        let landing = self.provisioned.on_its_way().await;
        let session = Arc::clone(self);
        let task = tokio::spawn(async move {
            let answer = session.call(&rpc, caller).await;
            drop(landing);
            answer
        });
        task.await.unwrap_or_else(|error| {
            Err(RunError::Setup(format!("a set-up request failed: {error}")).into())
        })
    }

    /// Creates a fixture flow, recording it for removal first (an answer lost on the way
    /// does not mean the flow was not made).
    async fn create(
        self: &Arc<Self>,
        name: &str,
        flow: FixtureFlow,
        caller: Caller,
    ) -> Result<Value, CallError> {
        self.provisioned.flow(name, caller);
        self.create_call(create_flow(name, flow), caller).await
    }

    /// Starts an execution that the run must stop (or see end) before it removes its
    /// flow, recording it first.
    async fn start_execution(
        self: &Arc<Self>,
        flow: &str,
        name: &str,
        input: &str,
    ) -> Result<Value, CallError> {
        self.provisioned.execution(flow, name);
        let start = RpcRequest::post("StartExecution")
            .param("FlowName", flow)
            .param("ExecutionName", name)
            .param("Input", input);
        self.create_call(start, Caller::Main).await
    }

    /// Stops an execution the run started; once stopped, clean-up need not.
    async fn stop_execution(&self, flow: &str, name: &str) {
        let stop = RpcRequest::post("StopExecution")
            .param("FlowName", flow)
            .param("ExecutionName", name);
        if self.call(&stop, Caller::Main).await.is_ok() {
            self.provisioned.ended(flow, name);
        }
    }
}

/// The checks that say whether an answer is one of the wire protocol at all: what a set-up
/// answer is held to when the run cannot use it.
const WIRE_FORMAT_CHECKS: [CheckId; 4] = [
    CheckId::No5xx,
    CheckId::ContentTypeJson,
    CheckId::JsonBody,
    CheckId::ErrorSchema,
];

/// Why a set-up or clean-up request gave the run no body to go on with.
#[derive(Debug)]
enum CallError {
    /// What stops the run: no HTTP answer, or a request the harness could not make.
    Run(RunError),
    /// A well-formed refusal: an error body of the wire protocol (its Code), or a redirect.
    Refused {
        /// The Code (empty for a redirect).
        code: String,
        /// What came back, for people.
        text: String,
    },
    /// An answer over HTTP that breaks the wire format: the target's fault, with the
    /// findings of the set-up step.
    Broken(Box<CaseResult>),
}

impl From<RunError> for CallError {
    fn from(error: RunError) -> Self {
        CallError::Run(error)
    }
}

impl CallError {
    /// The error that stops the run, where the run cannot go on without the answer.
    fn into_run_error(self) -> RunError {
        match self {
            CallError::Run(error) => error,
            CallError::Refused { text, .. } => {
                RunError::Setup(format!("failed to set up the fixtures: {text}"))
            }
            CallError::Broken(result) => {
                let found: Vec<String> = result
                    .findings
                    .iter()
                    .map(|finding| {
                        format!(
                            "[{}] expected: {}; actual: {}",
                            finding.check, finding.expected, finding.actual
                        )
                    })
                    .collect();
                RunError::Broken(format!(
                    "the target's answer to {} breaks the wire format: {}",
                    result.case.id,
                    found.join("; ")
                ))
            }
        }
    }
}

/// The refusal an answer is, if it is one: a redirect (which the harness never follows),
/// or a status below 500 with an error body of the wire protocol. Refusals are the user's
/// to act on (credentials, permissions, the URL, the rate); they stop the run.
fn refusal(rpc: &RpcRequest, exchange: &Exchange, body: Option<&Value>) -> Option<CallError> {
    let status = exchange.status;
    let action = rpc_name(rpc);
    if status.is_redirection() {
        // Only the origin: the location may carry the request's signature.
        let origin = exchange
            .header("location")
            .and_then(|location| location.parse::<http::Uri>().ok())
            .and_then(|uri| Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?)))
            .map_or_else(String::new, |origin| format!(" to {origin}"));
        return Some(CallError::Refused {
            code: String::new(),
            text: format!(
                "{action} answered {} (a redirect{origin}; the harness follows none: is the URL right?)",
                status.as_u16()
            ),
        });
    }
    let body = body.filter(|body| {
        !status.is_success()
            && !status.is_server_error()
            && body.is_object()
            && Contract::embedded()
                .bodies()
                .validate(BodyKind::Error, body)
                .is_empty()
    })?;
    let code = body["Code"].as_str().unwrap_or_default().to_owned();
    let message = body["Message"].as_str().unwrap_or_default();
    let hint = match status.as_u16() {
        401 | 403 => {
            " (check the credentials and what the account may do; --fixtures uses executions that exist already)"
        }
        429 => " (the target throttles the run: a lower --rate may help)",
        _ => "",
    };
    Some(CallError::Refused {
        text: format!(
            "{action} answered {} {code} {message}{hint}",
            status.as_u16()
        ),
        code,
    })
}

/// The case a set-up request stands for in the report when its answer breaks the wire
/// format: `setup/CreateFlow`.
fn setup_case(rpc: &RpcRequest, caller: Caller) -> Case {
    let action = rpc_name(rpc);
    Case {
        id: format!("{}/{action}", Tag::Setup),
        tags: vec![Tag::Setup],
        description: format!(
            "set-up: {action}, which the run's fixtures need: a 2xx answer with a JSON object, or an error body of the wire protocol"
        ),
        request: CaseRequest {
            caller,
            ..CaseRequest::signed(rpc.clone())
        },
        expect: Vec::new(),
        questions: Vec::new(),
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

/// What a case needs set-up to have made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The run's flow.
    Flow,
    /// The run's finished execution (and so its flow).
    Execution,
    /// The run's flow of this fixture, for the timing cases that start executions.
    TimingFlow(FixtureFlow),
    /// The other account's flow.
    OtherFlow,
}

/// What set-up made, and where it stopped.
#[derive(Debug, Default)]
struct Setup {
    /// What the cases may lean on.
    made: Vec<Need>,
    /// The set-up step whose answer broke the wire format, with its findings: where set-up
    /// stopped.
    broken: Option<CaseResult>,
}

impl Setup {
    /// Why a case with these needs cannot run, if set-up did not make one of them.
    fn lacks(&self, needs: &[Need]) -> Option<String> {
        let broken = self.broken.as_ref()?;
        let missing = needs.iter().find(|need| !self.made.contains(need))?;
        let what = match missing {
            Need::Flow => "the run's flow".to_owned(),
            Need::Execution => "the run's finished execution".to_owned(),
            Need::TimingFlow(flow) => format!("the run's {} flow", flow.label()),
            Need::OtherFlow => "the other account's flow".to_owned(),
        };
        Some(format!(
            "needs {what}, which set-up could not make: the answer to {} broke the wire format",
            broken.case.id
        ))
    }
}

/// Creates the run's flows and its finished execution (or checks the executions of the
/// fixture file), and says what it made. An answer that breaks the wire format ends
/// set-up there, as findings; a refusal or no answer ends the run.
async fn provision(session: &Arc<Session>) -> Result<Setup, RunError> {
    let mut setup = Setup::default();
    match provision_steps(session, &mut setup.made).await {
        Ok(()) => Ok(setup),
        Err(CallError::Broken(result)) => {
            setup.broken = Some(*result);
            Ok(setup)
        }
        Err(other) => Err(other.into_run_error()),
    }
}

/// Provisions what a fuzz run needs: all of it, or the run cannot go on.
async fn provision_all(session: &Arc<Session>) -> Result<(), RunError> {
    let mut made = Vec::new();
    provision_steps(session, &mut made)
        .await
        .map_err(CallError::into_run_error)
}

async fn provision_steps(session: &Arc<Session>, made: &mut Vec<Need>) -> Result<(), CallError> {
    let fixtures = &session.fixtures;
    if let Some(existing) = &fixtures.existing {
        check_existing(session, &existing.executions).await?;
        made.extend([Need::Flow, Need::Execution, Need::OtherFlow]);
        made.extend(FixtureFlow::ALL.map(Need::TimingFlow));
        return Ok(());
    }
    let main = Caller::Main;
    session
        .create(&fixtures.flow, FixtureFlow::Immediate, main)
        .await?;
    made.push(Need::Flow);
    let start = RpcRequest::post("StartExecution")
        .param("FlowName", &fixtures.flow)
        .param("ExecutionName", &fixtures.execution)
        .param("Input", "{\"from\":\"conformance\"}");
    session.create_call(start, main).await?;
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
            Err(CallError::Refused { .. } | CallError::Broken(_)) => {
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
            ))
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    made.push(Need::Execution);
    for flow in [FixtureFlow::Wait, FixtureFlow::Fail, FixtureFlow::Long] {
        session.create(&fixtures.flow_of(flow), flow, main).await?;
        made.push(Need::TimingFlow(flow));
    }
    if session.other.is_some() {
        session
            .create(&fixtures.other_flow, FixtureFlow::Immediate, Caller::Other)
            .await?;
        made.push(Need::OtherFlow);
    }
    Ok(())
}

/// Checks that each existing execution is in the state its fixture file says.
async fn check_existing(
    session: &Session,
    executions: &[crate::cases::fixtures::ExistingExecution],
) -> Result<(), CallError> {
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
            ))
            .into());
        }
    }
    Ok(())
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
        pacer: Pacer::new(options.pacing),
        events: options.events.clone(),
        backoff_budget: Mutex::new(BACKOFF_BUDGET),
        provisioned: Provisioned::default(),
    });
    Ok((session, reference))
}

/// Runs the selected cases and checks every answer. However it ends (at the end, on an
/// error, or interrupted at any moment, set-up included), it first removes what it created.
pub async fn run(options: &RunOptions) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let lifecycle = Lifecycle::open(options).await?;
    let session = lifecycle.session();
    let (mut report, removal) = lifecycle.run(run_in(&session, options)).await?;
    report.left_behind = removal.left;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The run on an open session: set-up, then the cases.
async fn run_in(session: &Arc<Session>, options: &RunOptions) -> Result<RunReport, RunError> {
    let (cases, timing_cases) = selected(&session.fixtures, options);
    let setup = provision(session).await?;
    let mut skipped = Vec::new();
    let cases = skip(cases, &mut skipped, |case| {
        case_skip(session, case)
            .map(str::to_owned)
            .or_else(|| setup.lacks(&case_needs(&session.fixtures, case)))
    });
    let timing_cases = skip(timing_cases, &mut skipped, |case| {
        timing_skip(session, case)
            .map(str::to_owned)
            .or_else(|| setup.lacks(&timing_needs(case)))
    });
    session.emit(RunEvent::Started {
        cases: cases.len() + timing_cases.len(),
    });
    let concurrency = options.concurrency.max(1);
    let margin = options.timing_margin;
    let (results, (timing, timing_bounds)) = if session.pacer.is_paced() {
        // At a pace, a request may wait for its turn: the timing cases go first, one at a
        // time, so that no poll of theirs waits behind the catalog's requests.
        let timing = run_timing(session, timing_cases, margin, true).await;
        (run_cases(session, cases, concurrency).await, timing)
    } else {
        tokio::join!(
            run_cases(session, cases, concurrency),
            run_timing(session, timing_cases, margin, false)
        )
    };
    let mut all: Vec<CaseResult> = setup.broken.into_iter().collect();
    all.extend(results);
    Ok(RunReport {
        target: session.endpoint.to_string(),
        embedded: options.target.is_none(),
        run_id: session.fixtures.run_id.clone(),
        signature: options.signature,
        results: all,
        timing,
        timing_bounds,
        skipped,
        elapsed: Duration::ZERO,
        left_behind: Vec::new(),
    })
}

/// The cases `why_not` has no reason to leave out; the others go to `skipped` with it.
fn skip<T: Selectable>(
    cases: Vec<T>,
    skipped: &mut Vec<SkippedCase>,
    why_not: impl Fn(&T) -> Option<String>,
) -> Vec<T> {
    cases
        .into_iter()
        .filter(|case| match why_not(case) {
            Some(reason) => {
                skipped.push(SkippedCase {
                    id: case.id().to_owned(),
                    tags: case.tags().to_vec(),
                    description: case.description().to_owned(),
                    reason,
                });
                false
            }
            None => true,
        })
        .collect()
}

/// What a catalog case needs set-up to have made. Most need nothing: an invalid parameter,
/// a missing one, a protocol fault or a name that names nothing is answered alike whatever
/// exists. A case that expects the finished execution (a success, or its names in another
/// case) needs it; one that expects a lookup in the run's flow (404 for an execution of
/// it) needs the flow; the isolation case needs the other account's flow.
fn case_needs(fixtures: &Fixtures, case: &Case) -> Vec<Need> {
    if case.tags.contains(&Tag::Isolation) {
        return vec![Need::OtherFlow];
    }
    let success = case
        .expect
        .iter()
        .any(|outcome| matches!(outcome, Outcome::Success { .. }));
    if success || case.tags.contains(&Tag::CaseSensitivity) {
        return vec![Need::Execution];
    }
    let errors = Contract::embedded().errors();
    let looked_up = case.expect.iter().any(|outcome| {
        matches!(outcome, Outcome::Error { code, .. }
            if errors.status_of(*code) == http::StatusCode::NOT_FOUND)
    });
    let names_the_flow = case
        .request
        .rpc
        .params
        .iter()
        .any(|(name, value)| name == "FlowName" && value == &fixtures.flow);
    if looked_up && names_the_flow {
        vec![Need::Flow]
    } else {
        Vec::new()
    }
}

/// What a timing case needs set-up to have made: the finished execution (the baseline
/// polls it), and the flow of the executions it starts.
fn timing_needs(case: &TimingCase) -> Vec<Need> {
    let mut needs = vec![Need::Execution];
    match case.scenario {
        Scenario::AtOnceOnRunning { .. } | Scenario::WaitOutlived { .. } | Scenario::Stopped => {
            needs.push(Need::TimingFlow(FixtureFlow::Long));
        }
        Scenario::EndsDuringWait { flow, .. } => needs.push(Need::TimingFlow(flow)),
        Scenario::AtOnceOnFinished { .. }
        | Scenario::AtOnceOnUnknown { .. }
        | Scenario::RejectedAtOnce { .. } => {}
    }
    needs
}

/// Why a catalog case cannot mean anything in this run, if it cannot.
fn case_skip(session: &Session, case: &Case) -> Option<&'static str> {
    let fixtures = &session.fixtures;
    if case.tags.contains(&Tag::Isolation) {
        if session.other.is_none() {
            return Some("needs --other-credentials");
        }
        if fixtures.other_flow.is_empty() {
            return Some("needs an other_flow in the fixture file");
        }
    }
    if session.signature == SignatureVersion::None && case.tags.contains(&Tag::SignedRun) {
        return Some("means nothing in an unsigned run");
    }
    let names_itself = case.tags.contains(&Tag::CaseSensitivity)
        && case.request.rpc.params.iter().any(|(name, value)| {
            (name == "FlowName" && value == &fixtures.flow)
                && case.tags.contains(&Tag::Name(NameParameter::Flow))
                || (name == "ExecutionName" && value == &fixtures.execution)
                    && case.tags.contains(&Tag::Name(NameParameter::Execution))
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

/// Measures the baseline, then runs every timing case at once, or one after another.
async fn run_timing(
    session: &Arc<Session>,
    cases: Vec<TimingCase>,
    margin: Duration,
    one_at_a_time: bool,
) -> (Vec<TimingResult>, Option<TimingBounds>) {
    if cases.is_empty() {
        return (Vec::new(), None);
    }
    let bounds = TimingBounds {
        baseline: timing::baseline(session).await,
        margin,
    };
    if one_at_a_time {
        let mut results = Vec::with_capacity(cases.len());
        for case in cases {
            let result = timing::run_timing_case(session, case, bounds).await;
            session.emit(RunEvent::Finished {
                case: &result.case.id,
                passed: result.passed(),
            });
            results.push(result);
        }
        return (results, Some(bounds));
    }
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
            let finding = unbuildable(&case, &error);
            let request = http::Request::new(Vec::new());
            return CaseResult {
                case,
                request,
                answer: Err(TransportError::Setup(finding.actual.clone())),
                findings: vec![finding],
            };
        }
    };
    let answer = session
        .send(case.request.rpc.action.as_deref(), request.clone())
        .await;
    let findings = findings_of(session, &case, &sent_time, &answer);
    CaseResult {
        case,
        request,
        answer,
        findings,
    }
}

/// The finding of a case whose request the harness could not build.
fn unbuildable(case: &Case, error: &impl std::fmt::Display) -> Finding {
    Finding {
        case: case.id.clone(),
        check: CheckId::Answered,
        expected: "a request the harness can build".to_owned(),
        actual: error.to_string(),
    }
}

/// Every finding of a case's answer (sent at `sent_time`), or that it got none.
fn findings_of(
    session: &Session,
    case: &Case,
    sent_time: &str,
    answer: &Result<Exchange, TransportError>,
) -> Vec<Finding> {
    match answer {
        Ok(exchange) => {
            let body = exchange.json();
            let observed = Observed {
                case,
                exchange,
                body: body.as_ref(),
                sent_time,
                time_bound: session.timeout,
            };
            checks::check(Contract::embedded(), &observed)
        }
        Err(error) => vec![Finding {
            case: case.id.clone(),
            check: CheckId::Answered,
            expected: format!("an HTTP answer within {:?}", session.timeout),
            actual: error.to_string(),
        }],
    }
}
