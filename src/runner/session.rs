//! The session of a run: its target, credentials and client, and the one way every
//! request goes out (at the run's pace, throttling waited out within a budget). Set-up
//! and clean-up requests go through [`Session::call`], which tells a usable answer from a
//! refusal and from one that breaks the wire format, and records the steps whose usable
//! answers are not strict JSON.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::backoff::Backoff;
use super::events::{Events, RunEvent};
use super::pacing::Pacer;
use super::provisioned::Provisioned;
use super::recording::Recording;
use super::results::{CaseResult, Checked};
use super::steps::StrictSteps;
use super::{RunError, RunOptions};
use crate::cases::catalog::unknown_access_key;
use crate::cases::fixtures::{Fixtures, fresh_run_id};
use crate::cases::{Caller, Case, CaseRequest, Tag};
use crate::checks::{self, CheckId, Finding, Observed};
use crate::contract::{BodyKind, Contract};
use crate::reference::{Reference, ReferenceOptions, default_accounts};
use crate::wire::{
    Client, Connection, Credentials, Endpoint, Exchange, RpcRequest, SignatureVersion, Signing,
    SigningContext, TransportError, WireError,
};

/// The target and credentials of a run.
pub(super) struct Session {
    pub(super) fixtures: Fixtures,
    pub(super) endpoint: Endpoint,
    pub(super) client: Client,
    pub(super) credentials: Option<Credentials>,
    pub(super) other: Option<Credentials>,
    pub(super) signature: SignatureVersion,
    pub(super) timeout: Duration,
    pub(super) pacer: Pacer,
    pub(super) events: Option<Events>,
    /// How the run waits out throttling (429).
    pub(super) backoff: Backoff,
    /// What the run created on the target: what its clean-up removes.
    pub(super) provisioned: Provisioned,
    /// The set-up and clean-up steps whose answers the run used although they break
    /// strict JSON.
    pub(super) strict_steps: StrictSteps,
    /// Every exchange, if the run records them (`RunOptions::record_exchanges`).
    pub(super) recording: Recording,
}

impl Session {
    pub(super) fn emit(&self, event: RunEvent<'_>) {
        if let Some(events) = &self.events {
            events.emit(event);
        }
    }

    pub(super) fn signing(&self, request: &CaseRequest) -> Result<Signing, RunError> {
        let version = request.signature.unwrap_or(self.signature);
        // Cases about a particular key need a signature even in an unsigned run.
        let signed = if version == SignatureVersion::None {
            SignatureVersion::V1
        } else {
            version
        };
        // Without credentials of its own (an unsigned run), the access key of the reference
        // target's first account: one `conformance serve` knows.
        let main_id = self
            .credentials
            .as_ref()
            .or(default_accounts().first())
            .map(|credentials| credentials.access_key_id().to_owned())
            .unwrap_or_default();
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
        Ok(signing?)
    }

    pub(super) fn build(
        &self,
        request: &CaseRequest,
        context: &SigningContext,
    ) -> Result<http::Request<Vec<u8>>, RunError> {
        let signing = self.signing(request)?;
        let mut built = request.rpc.build(&self.endpoint, &signing, context)?;
        if let Some(tamper) = &request.tamper {
            tamper.apply(&mut built, signing.version())?;
        }
        Ok(built)
    }

    pub(super) async fn send(
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
    /// stands. Once throttled, the run sends one request at a time.
    pub(super) async fn send_holding(
        &self,
        action: Option<&str>,
        request: http::Request<Vec<u8>>,
        hold: Duration,
    ) -> Result<Exchange, TransportError> {
        self.send_on(action, None, request, hold).await
    }

    /// As [`Session::send_holding`], on `connection` if given (a fuzz worker's own),
    /// else through the client's pool.
    pub(super) async fn send_on(
        &self,
        action: Option<&str>,
        mut connection: Option<&mut Connection>,
        request: http::Request<Vec<u8>>,
        hold: Duration,
    ) -> Result<Exchange, TransportError> {
        let limit = self.answer_limit(hold);
        let mut retries = 0;
        // A long poll does not take turns: holding the turn for its wait would hold up
        // every other request, the StopExecution it waits for among them.
        let takes_turns = hold.is_zero();
        let mut turn = if takes_turns {
            self.backoff.turn().await
        } else {
            None
        };
        loop {
            self.pacer.ready(action).await;
            let (sent_at, started) = (SystemTime::now(), Instant::now());
            let answer = match connection.as_deref_mut() {
                Some(connection) => connection.send(request.clone(), limit).await,
                None => self.client.send(request.clone(), limit).await,
            };
            self.recording
                .record(sent_at, started.elapsed(), &request, &answer);
            let exchange = answer?;
            let Some(wait) = self.backoff.wait(&exchange, retries) else {
                return Ok(exchange);
            };
            retries += 1;
            tokio::time::sleep(wait).await;
            if takes_turns && turn.is_none() {
                turn = self.backoff.turn().await;
            }
        }
    }

    /// Sends a request once, as it is: a throttled answer stands, and only a pace the user
    /// chose (`--rate`) holds it back, not the real service's limits a run keeps to by
    /// default (the throttling probe, whose point is to exceed them).
    pub(super) async fn send_once(
        &self,
        action: Option<&str>,
        request: http::Request<Vec<u8>>,
    ) -> Result<Exchange, TransportError> {
        if self.pacer.is_chosen() {
            self.pacer.ready(action).await;
        }
        let (sent_at, started) = (SystemTime::now(), Instant::now());
        let answer = self
            .client
            .send(request.clone(), self.answer_limit(Duration::ZERO))
            .await;
        self.recording
            .record(sent_at, started.elapsed(), &request, &answer);
        answer
    }

    /// How long a request may take before it counts as unanswered: `hold` (a long poll's
    /// rightful wait), then the run's timeout, then a second so that a late answer is told
    /// from none.
    fn answer_limit(&self, hold: Duration) -> Duration {
        hold + self.timeout + Duration::from_secs(1)
    }

    /// Sends a request (a DescribeExecution, or another operation of a timing case) as the
    /// main caller, allowing for its `wait`; `None` when no answer came.
    pub(super) async fn exchange(&self, rpc: &RpcRequest, wait: Duration) -> Option<Exchange> {
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
    pub(super) async fn call(&self, rpc: &RpcRequest, caller: Caller) -> Result<Value, CallError> {
        let case = setup_case(rpc, caller);
        let signing = self.signing(&case.request)?;
        let built = rpc
            .build(&self.endpoint, &signing, &SigningContext::fresh())
            .map_err(RunError::from)?;
        let exchange = match self.send(rpc.action.as_deref(), built.clone()).await {
            Ok(exchange) => exchange,
            Err(error @ TransportError::Setup(_)) => return Err(RunError::Client(error).into()),
            // No HTTP answer to set-up is an unreachable target.
            Err(source) => {
                return Err(RunError::Unreachable {
                    target: self.endpoint.to_string(),
                    action: rpc_name(rpc).to_owned(),
                    source,
                }
                .into());
            }
        };
        self.strict_steps.answered(&case.id);
        let body = exchange.json();
        let status = exchange.status;
        let used = match body
            .as_ref()
            .filter(|body| status.is_success() && body.is_object())
        {
            Some(body) => Some(Ok(body.clone())),
            None => refusal(rpc, &exchange, body.as_ref()).map(Err),
        };
        let contract = Contract::embedded();
        let observed = Observed {
            case: &case,
            exchange: &exchange,
            body: body.as_ref(),
            sent_time: "",
            time_bound: self.timeout,
        };
        // A body the run goes on with (or a refusal) is held to strict JSON; an answer
        // over HTTP that is not one of the wire protocol, the target's fault, to every
        // check of the wire format.
        let findings: Vec<Finding> = if used.is_some() {
            checks::check_one(contract, CheckId::StrictJson, &observed)
                .into_iter()
                .collect()
        } else {
            checks::check(contract, &observed)
                .into_iter()
                .filter(|finding| WIRE_FORMAT_CHECKS.contains(&finding.check))
                .collect()
        };
        let step = |findings| {
            let checked = Checked {
                case,
                request: built,
                answer: Ok(exchange),
                body,
            };
            CaseResult::checked(checked, findings)
        };
        if let Some(used) = used {
            if !findings.is_empty() {
                self.strict_steps.record(step(findings));
            }
            return used;
        }
        if findings.is_empty() {
            // Well-formed by every check of the wire format: a refusal after all.
            return Err(CallError::Refused {
                code: String::new(),
                text: format!("{} answered {}", rpc_name(rpc), status.as_u16()),
            });
        }
        Err(CallError::Broken(Box::new(step(findings))))
    }
}

/// The checks that say whether an answer is one of the wire protocol at all: what a set-up
/// answer is held to when the run cannot use it.
pub(super) const WIRE_FORMAT_CHECKS: [CheckId; 5] = [
    CheckId::No5xx,
    CheckId::ContentTypeJson,
    CheckId::JsonBody,
    CheckId::ErrorSchema,
    CheckId::StrictJson,
];

/// Why a set-up or clean-up request gave the run no body to go on with.
#[derive(Debug)]
pub(super) enum CallError {
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
    pub(super) fn into_run_error(self) -> RunError {
        match self {
            CallError::Run(error) => error,
            CallError::Refused { text, .. } => RunError::Refused(text),
            CallError::Broken(broken) => RunError::Broken {
                step: broken.case.id,
                findings: broken.findings,
            },
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
pub(super) fn setup_case(rpc: &RpcRequest, caller: Caller) -> Case {
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

pub(super) fn rpc_name(rpc: &RpcRequest) -> &str {
    rpc.action.as_deref().unwrap_or("a request")
}

/// The session of a run (and the embedded reference target it runs against, if any).
pub(super) async fn open(
    options: &RunOptions,
) -> Result<(Arc<Session>, Option<Reference>), RunError> {
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
                    .map_err(|source| RunError::Reference {
                        which: "the embedded reference target",
                        source,
                    })?;
            let endpoint = reference.endpoint();
            let accounts = default_accounts();
            (
                Some(reference),
                endpoint,
                accounts.first().cloned(),
                accounts.get(1).cloned(),
            )
        }
    };
    if options.signature != SignatureVersion::None && credentials.is_none() {
        return Err(WireError::MissingCredentials(options.signature).into());
    }
    let client = Client::new(&options.client).map_err(RunError::Client)?;
    let fixtures = match &options.fixtures {
        Some(file) => Fixtures::existing(&fresh_run_id(), file)?,
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
        backoff: Backoff::new(),
        provisioned: Provisioned::default(),
        strict_steps: StrictSteps::default(),
        recording: Recording::new(options.record_exchanges),
    });
    Ok((session, reference))
}
