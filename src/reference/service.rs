//! The protocol around every operation, in the order the reference target applies it:
//! content type, authentication and clock skew, throttling, version, action, parameters.
//! Each step answers from the contract's error table.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use time::OffsetDateTime;
use tokio::sync::Semaphore;

use super::ReferenceOptions;
use super::choices::{Choice, Choices};
use super::faults::{AuthFault, Breakdown, Fault, Faults};
use super::operations::{Call, Operations, Step};
use super::reply::Reply;
use super::throttle::Throttle;
use crate::contract::{
    API_VERSION, Answer, Contract, ErrorCode, Expected, OPERATION, Outcome, Query,
};
use crate::wire::{
    AuthError, Authenticated, BodyFault, COMMON_PARAMS, Received, SignatureVersion,
    authenticate_leniently, timestamp, v3::parse_authorization,
};

/// The reference target's behaviour, independent of HTTP.
#[derive(Debug)]
pub(crate) struct Service {
    contract: &'static Contract,
    secrets: HashMap<String, String>,
    anonymous_account: Option<String>,
    max_clock_skew: Duration,
    throttle: Option<Throttle>,
    faults: Faults,
    choices: Choices,
    operations: Operations,
    /// The requests served at once, if a fault bounds them.
    at_once: Option<Arc<Semaphore>>,
}

impl Service {
    /// A service with the given options.
    pub(crate) fn new(options: &ReferenceOptions) -> Self {
        let faults = Faults::new(&options.faults);
        let choices = Choices::new(&options.choices);
        let secrets = options
            .accounts
            .iter()
            .map(|account| {
                (
                    account.access_key_id().to_owned(),
                    account.access_key_secret().to_owned(),
                )
            })
            .collect();
        let anonymous_account = options
            .anonymous
            .then(|| {
                options
                    .accounts
                    .first()
                    .map(|account| account.access_key_id().to_owned())
            })
            .flatten();
        Self {
            contract: Contract::embedded(),
            secrets,
            anonymous_account,
            max_clock_skew: options.max_clock_skew,
            throttle: Throttle::new(options, &faults, &choices),
            operations: Operations::new(
                options.max_execution_lifetime,
                faults.clone(),
                choices.clone(),
            )
            .readable_by_all(
                options
                    .accounts
                    .first()
                    .filter(|_| faults.has(Fault::FirstAccountReadable))
                    .map(|account| account.access_key_id().to_owned()),
            ),
            at_once: faults.served_at_once().map(|n| Arc::new(Semaphore::new(n))),
            faults,
            choices,
        }
    }

    /// The contract the service answers from.
    pub(crate) fn contract(&self) -> &'static Contract {
        self.contract
    }

    /// The faults that bend its answers.
    pub(crate) fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The choices that shape its answers.
    pub(crate) fn choices(&self) -> &Choices {
        &self.choices
    }

    /// Answers a received request. Whatever a long poll waits for, the request itself is
    /// dropped before the wait.
    pub(crate) async fn answer(&self, received: Received) -> Reply {
        // Under a fault, a request waits for one of a bounded number of turns, held until
        // it is answered.
        let _turn = match &self.at_once {
            Some(turns) => Some(Arc::clone(turns).acquire_owned().await),
            None => None,
        };
        let step = self.step(&received);
        let post = received.method == Method::POST;
        drop(received);
        let mut reply = step.finish().await;
        if post && let Reply::Success(body) = &mut reply {
            self.faults.bend_post_body(body);
        }
        reply
    }

    /// The request's answer, or the long poll that will give it.
    fn step(&self, received: &Received) -> Step {
        match self.prepare(received) {
            Ok(step) => step,
            Err(reply) => Step::Done(reply),
        }
    }

    fn prepare(&self, received: &Received) -> Result<Step, Reply> {
        if let Some((code, values)) = self.faults.refuses_encoding(received) {
            return Err(Reply::error(code, values));
        }
        let body_params = body_params(received)?;
        if self.faults.has(Fault::Auth(AuthFault::ValidatesBeforeAuth))
            && (received.param("Action") == Some(OPERATION)
                || received.header("x-acs-action") == Some(OPERATION))
            && let Err(refusal) = self.read(&operation_params(received, &body_params))
        {
            return Err(refusal);
        }
        let account = if self.choices.has(Choice::RepeatedAsMap) {
            self.authenticate(&as_map(received))?
        } else {
            self.authenticate(received)?
        };
        let v3 = received.headers.contains_key(AUTHORIZATION);
        let action = if v3 {
            received.header("x-acs-action")
        } else {
            received.param("Action")
        };
        if let Some(reply) = self.throttle(&account, action) {
            return Err(reply);
        }
        let version = if v3 {
            received.header("x-acs-version")
        } else {
            received.param("Version")
        };
        match version {
            None if self.choices.has(Choice::MissingVersionUnsupported) => {
                return Err(Reply::error(ErrorCode::APIVersionNotSupported, &[""]));
            }
            None => return Err(Reply::error(ErrorCode::MissingRequiredParams, &["Version"])),
            Some(version) if version != API_VERSION => {
                return Err(Reply::error(ErrorCode::APIVersionNotSupported, &[version]));
            }
            Some(_) => {}
        }
        let Some(action) = action else {
            return Err(Reply::error(ErrorCode::MissingRequiredParams, &["Action"]));
        };
        let Some(rules) = self.contract.operation(action) else {
            return Err(Reply::error(ErrorCode::ActionNotSupported, &[action]));
        };

        let params = operation_params(received, &body_params);
        let describe = rules.operation() == OPERATION;
        if describe && let Some(breakdown) = self.faults.breakdown(&params) {
            let internal = Reply::error(ErrorCode::InternalServerError, &[]);
            return Ok(match breakdown {
                Breakdown::Crash => Step::Done(internal),
                Breakdown::Hang(delay) => Step::Delayed(delay, internal),
            });
        }
        if describe {
            return self.describe(account, &params);
        }
        if let Some(violation) = rules.validate(params.iter().copied()).first() {
            // A repeated parameter, which the contract leaves open, is refused as invalid.
            let code = violation
                .fault
                .error_code()
                .unwrap_or(ErrorCode::InvalidArgument);
            return Err(if code == ErrorCode::MissingRequiredParams {
                self.missing(&violation.parameter)
            } else {
                Reply::error(code, &[])
            });
        }
        let call = Call {
            account: &account,
            params: &params,
        };
        Ok(self
            .operations
            .call(self.contract, rules.operation(), &call))
    }

    /// DescribeExecution, answered as the oracle says for the target's reading of the open
    /// questions, with the faults overruling the contract on values.
    fn describe(&self, account: String, params: &[(&str, &str)]) -> Result<Step, Reply> {
        let query = self.read(params)?;
        let mut read = vec![
            ("FlowName", query.flow.as_str()),
            ("ExecutionName", query.execution.as_str()),
        ];
        read.extend(query.wait.as_deref().map(|wait| ("WaitTimeSeconds", wait)));
        let call = Call {
            account: &account,
            params: &read,
        };
        Ok(self.operations.call(self.contract, OPERATION, &call))
    }

    /// DescribeExecution's parameters as the target reads them, or the error that refuses
    /// them.
    fn read(&self, params: &[(&str, &str)]) -> Result<Query, Reply> {
        let overrule = |name: &str, value: &str| self.faults.verdict(self.contract, name, value);
        match self
            .contract
            .answer(params, self.choices.reading(), &overrule)
        {
            Answer::Query(query) => Ok(query),
            Answer::Refused(Outcome::Error {
                code: ErrorCode::MissingRequiredParams,
                values,
            }) => {
                let parameter = match values.first() {
                    Some(Expected::Text(parameter)) => parameter.as_str(),
                    _ => "",
                };
                Err(self.missing(parameter))
            }
            Answer::Refused(Outcome::Error { code, .. }) => Err(Reply::error(code, &[])),
            Answer::Refused(_) => Err(Reply::error(ErrorCode::InvalidArgument, &[])),
        }
    }

    /// The answer to a request that lacks `parameter`.
    fn missing(&self, parameter: &str) -> Reply {
        match self.faults.missing_code() {
            ErrorCode::MissingRequiredParams => Reply::error(
                ErrorCode::MissingRequiredParams,
                &[self.faults.missing_named(parameter)],
            ),
            other => Reply::error(other, &[]),
        }
    }

    /// The account a request acts for, or the error that refuses it.
    fn authenticate(&self, received: &Received) -> Result<String, Reply> {
        let verified = authenticate_leniently(
            received,
            |id| self.secrets.get(id).map(String::as_str),
            self.faults.leniency(),
        );
        let verified = match verified {
            Err(AuthError::SignatureMismatch | AuthError::PayloadHashMismatch)
                if self.faults.has(Fault::SignatureUnchecked) =>
            {
                claimed(received).ok_or(AuthError::SignatureMismatch)
            }
            other => other,
        };
        let authenticated = verified.map_err(|error| match error {
            AuthError::MissingHeader(name) => {
                Reply::error(ErrorCode::MissingRequiredHeader, &[name])
            }
            AuthError::MissingParameter(name) => {
                Reply::error(ErrorCode::MissingRequiredParams, &[name])
            }
            AuthError::UnknownAccessKey(_) if self.faults.has(Fault::UnknownKeyWrongCode) => {
                Reply::error(ErrorCode::SignatureNotMatch, &[])
            }
            AuthError::UnknownAccessKey(id) => Reply::error(ErrorCode::InvalidAccessKeyID, &[&id]),
            AuthError::MalformedAuthorization
            | AuthError::PayloadHashMismatch
            | AuthError::SignatureMismatch => Reply::error(ErrorCode::SignatureNotMatch, &[]),
        })?;
        let Some(account) = authenticated.access_key_id else {
            let refusal = if self.choices.has(Choice::UnsignedAccessDenied) {
                Reply::error(ErrorCode::AccessDenied, &[])
            } else {
                Reply::error(ErrorCode::MissingRequiredParams, &["AccessKeyId"])
            };
            return self.anonymous_account.clone().ok_or(refusal);
        };
        let request_time = authenticated
            .request_time
            .ok_or_else(|| Reply::error(ErrorCode::MissingRequiredParams, &["Timestamp"]))?;
        let Some(sent_at) = timestamp::parse(&request_time) else {
            return Err(Reply::error(ErrorCode::InvalidArgument, &[]));
        };
        let now = OffsetDateTime::now_utc();
        let tolerance = self.choices.clock_tolerance(self.max_clock_skew);
        // How far in the past the request was sent (negative: in the future).
        let behind = now - sent_at;
        let too_far = if self.faults.has(Fault::Auth(AuthFault::SkewPastOnly)) {
            behind > tolerance
        } else {
            behind.unsigned_abs() > tolerance
        };
        if too_far && !self.faults.has(Fault::SkewUnchecked) {
            return Err(Reply::error(
                ErrorCode::RequestTimeTooSkewed,
                &[&request_time, &timestamp::format(now)],
            ));
        }
        Ok(account)
    }

    /// The throttling error when the account has used up its rate for `action`.
    fn throttle(&self, account: &str, action: Option<&str>) -> Option<Reply> {
        let wait = self.throttle.as_ref()?.check(account, action)?;
        Some(Reply::Error {
            code: ErrorCode::ResourceThrottled,
            values: Vec::new(),
            retry_after: Some(wait),
        })
    }
}

/// The operation's own parameters of a request: those of its query and body that are not
/// the protocol's.
fn operation_params<'a>(
    received: &'a Received,
    body_params: &'a [(String, String)],
) -> Vec<(&'a str, &'a str)> {
    received
        .query
        .iter()
        .chain(body_params)
        .filter(|(name, _)| !COMMON_PARAMS.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// The request as a server that reads its parameters into a map sees it: each query
/// parameter once, with its last value.
fn as_map(received: &Received) -> Received {
    let mut query: Vec<(String, String)> = Vec::with_capacity(received.query.len());
    for (name, value) in &received.query {
        match query.iter_mut().find(|(known, _)| known == name) {
            Some(kept) => kept.1.clone_from(value),
            None => query.push((name.clone(), value.clone())),
        }
    }
    Received {
        query,
        ..received.clone()
    }
}

/// What a request whose signature does not match claims to be (for a fault that believes
/// it): its access key and time.
fn claimed(received: &Received) -> Option<Authenticated> {
    let v3 = received
        .header(AUTHORIZATION.as_str())
        .and_then(parse_authorization);
    let (access_key_id, request_time) = match v3 {
        Some(authorization) => (authorization.credential, received.header("x-acs-date")),
        None => (
            received.param("AccessKeyId")?.to_owned(),
            received.param("Timestamp"),
        ),
    };
    Some(Authenticated {
        version: SignatureVersion::None,
        access_key_id: Some(access_key_id),
        request_time: request_time.map(str::to_owned),
    })
}

/// The parameters of the body: a form, a JSON object, or none; another content type is
/// refused.
fn body_params(received: &Received) -> Result<Vec<(String, String)>, Reply> {
    received.body_params().map_err(|fault| match fault {
        BodyFault::NotAnObject => Reply::error(ErrorCode::InvalidArgument, &[]),
        BodyFault::UnsupportedMediaType => Reply::error(ErrorCode::UnsupportedMediaType, &[]),
    })
}
