//! The faults switched on in a running reference target, and the questions the target
//! asks of them: how to answer a long poll, whether to break down, how to bend a value.

use crate::contract::{Contract, ErrorCode, NameParameter};
use crate::reference::execution::{State, Status};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use super::{
    AuthFault, COMPARED_PREFIX, Fault, HistoryFault, JsonFault, NameFault, ThrottleFault,
    gateway_error,
};
use crate::wire::{Leniency, Received};
use http::header::CONTENT_TYPE;

/// How a long poll is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LongPoll {
    /// At once.
    Now,
    /// When the execution ends or the wait has passed, whichever is first, and then this
    /// much later.
    UntilEnd(Duration, Duration),
    /// After this long, whatever the execution does.
    After(Duration),
    /// As `UntilEnd` with no delay, but only the first poll woken by the end is answered
    /// then; the others at their wait ([`Fault::WakesOne`]).
    OneWoken(Duration),
    /// When the execution ends by itself or the wait has passed: a stop does not wake it
    /// ([`Fault::StopWakesNone`]).
    StopUnheard(Duration),
}

/// How a faulty target breaks down on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Breakdown {
    /// It answers 500 at once.
    Crash,
    /// It answers 500 after this long: for a client, never.
    Hang(Duration),
}

/// The Codes of the protocol's own errors, answered InvalidArgument under
/// [`Fault::ProtocolErrorsAsInvalid`].
const PROTOCOL_ERRORS: [ErrorCode; 4] = [
    ErrorCode::MissingRequiredHeader,
    ErrorCode::ActionNotSupported,
    ErrorCode::APIVersionNotSupported,
    ErrorCode::EntityTooLarge,
];

/// How long a faulty target's hang lasts.
const HANG: Duration = Duration::from_secs(600);

/// The RequestId every answer has under [`Fault::RequestIdRepeated`].
const REPEATED_REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

/// The faults switched on, and the questions the reference target asks of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults(Arc<[Fault]>);

impl Faults {
    pub(crate) fn new(faults: &[Fault]) -> Self {
        Self(faults.into())
    }

    pub(crate) fn has(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }

    /// The faults of strict JSON switched on, which bend every body's bytes.
    pub(crate) fn json(&self) -> impl Iterator<Item = JsonFault> + '_ {
        self.0.iter().filter_map(|fault| match fault {
            Fault::Json(fault) => Some(*fault),
            _ => None,
        })
    }

    /// Whether a fault overrules the contract on the value of a DescribeExecution
    /// parameter: `Some(true)` takes it as valid, `Some(false)` refuses it.
    pub(crate) fn verdict(
        &self,
        contract: &Contract,
        parameter: &str,
        value: &str,
    ) -> Option<bool> {
        self.0.iter().find_map(|fault| match fault {
            Fault::Name(name, rule) if name.parameter() == parameter => {
                rule.verdict(contract, value)
            }
            Fault::Wait(rule) if parameter == "WaitTimeSeconds" => rule.verdict(contract, value),
            _ => None,
        })
    }

    /// The faults of an execution's history switched on.
    fn history(&self) -> impl Iterator<Item = HistoryFault> + '_ {
        self.0.iter().filter_map(|fault| match fault {
            Fault::History(fault) => Some(*fault),
            _ => None,
        })
    }

    /// The fault of throttling answers switched on, if any.
    pub(crate) fn throttling(&self) -> Option<ThrottleFault> {
        self.0.iter().find_map(|fault| match fault {
            Fault::Throttle(fault) => Some(*fault),
            _ => None,
        })
    }

    /// Whether the target breaks down on these DescribeExecution parameters.
    pub(crate) fn breakdown(&self, params: &[(&str, &str)]) -> Option<Breakdown> {
        let names = || {
            params.iter().filter(|(name, _)| {
                NameParameter::ALL
                    .iter()
                    .any(|parameter| parameter.parameter() == *name)
            })
        };
        if self.has(Fault::CrashesOnLongNames)
            && names().any(|(_, value)| value.chars().count() > 100)
        {
            return Some(Breakdown::Crash);
        }
        if self.has(Fault::HangsOnEmptyNames) && names().any(|(_, value)| value.is_empty()) {
            return Some(Breakdown::Hang(HANG));
        }
        None
    }

    /// What the target's signature checks let pass that the protocol does not.
    pub(crate) fn leniency(&self) -> Leniency {
        Leniency {
            prefix_only: self
                .has(Fault::Auth(AuthFault::SignaturePrefixOnly))
                .then_some(COMPARED_PREFIX),
            ignore_case: self.has(Fault::Auth(AuthFault::SignatureCaseInsensitive)),
            trust_declared_hash: self.has(Fault::Auth(AuthFault::BodyHashUnchecked)),
        }
    }

    /// Whether `parameter` is looked up without regard to case.
    pub(crate) fn ignores_case_of(&self, parameter: NameParameter) -> bool {
        self.has(Fault::Name(parameter, NameFault::CaseInsensitive))
    }

    /// How a poll with `wait` on an execution that has (or has not) ended, `age` after
    /// its start, is answered; `longest` is the contract's longest wait.
    pub(crate) fn long_poll(
        &self,
        wait: Duration,
        ended: bool,
        age: Duration,
        longest: Duration,
    ) -> LongPoll {
        if wait.is_zero() {
            return LongPoll::Now;
        }
        if !ended && let Some(held) = self.held_poll(wait, age) {
            return held;
        }
        if ended {
            return if self.has(Fault::HoldsFinished) {
                LongPoll::After(wait)
            } else {
                LongPoll::Now
            };
        }
        if self.has(Fault::AnswersEarly) {
            LongPoll::Now
        } else if self.has(Fault::AnswersLate) {
            LongPoll::After(wait + Duration::from_secs(1))
        } else if self.has(Fault::OvershootsEnd) {
            LongPoll::UntilEnd(wait, Duration::from_millis(1500))
        } else if self.has(Fault::IgnoresWait) {
            LongPoll::UntilEnd(longest, Duration::ZERO)
        } else {
            LongPoll::UntilEnd(wait, Duration::ZERO)
        }
    }

    /// The Code of a missing parameter.
    pub(crate) fn missing_code(&self) -> ErrorCode {
        if self.has(Fault::MissingWrongCode) {
            ErrorCode::InvalidArgument
        } else {
            ErrorCode::MissingRequiredParams
        }
    }

    /// The parameter the message of a missing `parameter` names.
    pub(crate) fn missing_named<'a>(&self, parameter: &'a str) -> &'a str {
        if !self.has(Fault::MissingNamesOther) {
            return parameter;
        }
        match parameter {
            "FlowName" => "ExecutionName",
            "ExecutionName" => "FlowName",
            other => other,
        }
    }

    /// An error's status, Code and Message as answered.
    pub(crate) fn bend_error(
        &self,
        status: u16,
        code: &str,
        message: String,
        values: &[&str],
    ) -> (u16, String, String) {
        if self.has(Fault::Auth(AuthFault::GatewayAuthErrors))
            && let Some((status, code, message)) = gateway_error(code)
        {
            return (status, code.to_owned(), message.to_owned());
        }
        if self.has(Fault::ProtocolErrorsAsInvalid)
            && code
                .parse::<ErrorCode>()
                .is_ok_and(|code| PROTOCOL_ERRORS.contains(&code))
        {
            let invalid = Contract::embedded()
                .errors()
                .get(ErrorCode::InvalidArgument);
            return (
                invalid.status.as_u16(),
                invalid.code.as_str().to_owned(),
                invalid.message.text().to_owned(),
            );
        }
        let status = if self.has(Fault::ErrorWrongStatus) {
            400
        } else {
            status
        };
        let code = if self.has(Fault::ErrorCodeMisspelt) {
            format!("{code}Error")
        } else {
            code.to_owned()
        };
        let message = if self.has(Fault::MessageOffTemplate) {
            "Something went wrong.".to_owned()
        } else if self.has(Fault::MessageWrongValues) {
            values.iter().fold(message, |message, value| {
                message.replace(value, &value.to_uppercase())
            })
        } else {
            message
        };
        (status, code, message)
    }

    /// The RequestId of an answer: `fresh`, unless every answer gets the same.
    pub(crate) fn request_id(&self, fresh: String) -> String {
        if self.has(Fault::RequestIdRepeated) {
            REPEATED_REQUEST_ID.to_owned()
        } else {
            fresh
        }
    }

    /// The `x-acs-request-id` header of an answer whose body has `request_id`.
    pub(crate) fn request_id_header<'a>(&self, request_id: &'a str) -> Cow<'a, str> {
        if self.has(Fault::RequestIdHeaderDiffers) {
            Cow::Owned(uuid::Uuid::new_v4().to_string())
        } else {
            Cow::Borrowed(request_id)
        }
    }

    /// Whether bodies carry their RequestId.
    pub(crate) fn keeps_request_id(&self) -> bool {
        !self.has(Fault::RequestIdMissing)
    }

    /// The Content-Type of every answer.
    pub(crate) fn content_type(&self) -> &'static str {
        if self.has(Fault::ContentTypeText) {
            "text/plain"
        } else if self.json().any(JsonFault::labels_utf8) {
            "application/json; charset=utf-8"
        } else {
            "application/json"
        }
    }

    /// The account whose flows an account sees.
    pub(crate) fn namespace<'a>(&self, account: &'a str) -> &'a str {
        if self.has(Fault::SharedAccounts) {
            ""
        } else {
            account
        }
    }

    /// Whether a request is refused for how it is encoded, and the answer: the common
    /// parameters only in the form body, a JSON content type with parameters, a `Format`
    /// other than `json`. Nothing of the request is read unless its fault is on.
    pub(crate) fn refuses_encoding(
        &self,
        received: &Received,
    ) -> Option<(ErrorCode, &'static [&'static str])> {
        if self.has(Fault::FormBodyRefused)
            && received.query_param("Action").is_none()
            && received.param("Action").is_some()
        {
            return Some((ErrorCode::MissingRequiredParams, &["AccessKeyId"]));
        }
        if self.has(Fault::JsonCharsetRefused)
            && received.header(CONTENT_TYPE.as_str()).is_some_and(|value| {
                value.contains(';')
                    && value
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("application/json")
            })
        {
            return Some((ErrorCode::UnsupportedMediaType, &[]));
        }
        if self.has(Fault::FormatCaseSensitive)
            && received
                .param("Format")
                .is_some_and(|format| format != "json")
        {
            return Some((ErrorCode::InvalidArgument, &[]));
        }
        None
    }

    /// A success body answered to a POST request: its timestamps cut to whole seconds
    /// under [`Fault::PostWholeSeconds`].
    pub(crate) fn bend_post_body(&self, body: &mut Map<String, Value>) {
        if !self.has(Fault::PostWholeSeconds) {
            return;
        }
        for field in ["StartedTime", "StoppedTime"] {
            if let Some(Value::String(time)) = body.get_mut(field)
                && let Some(fraction) = time.rfind('.')
            {
                *time = format!("{}Z", &time[..fraction]);
            }
        }
    }

    /// How an execution in `state` reads on its `read`th DescribeExecution (from 0).
    pub(crate) fn read_state(&self, state: State, read: u64) -> State {
        let state = self
            .history()
            .fold(state, |state, fault| fault.read_state(state, read));
        let status = match state.status {
            Status::Stopped if self.has(Fault::StoppedAsFailed) => Status::Failed,
            Status::Failed if self.has(Fault::FailedAsSucceeded) => Status::Succeeded,
            Status::Running => Status::Running,
            _ if self.has(Fault::StatusGoesBack) && read % 2 == 1 => {
                return State {
                    status: Status::Running,
                    stopped_at: None,
                    output: None,
                    error: None,
                    cause: None,
                };
            }
            other => other,
        };
        State { status, ..state }
    }

    /// An execution body as answered: the faults of its fields applied.
    pub(crate) fn bend_body(&self, body: &mut Map<String, Value>) {
        for fault in self.history() {
            fault.bend_body(body);
        }
        if self.has(Fault::InputDropped) && body.contains_key("Input") {
            body.insert("Input".to_owned(), Value::from("{}"));
        }
        if self.has(Fault::BodyInputAsObject)
            && let Some(Value::String(input)) = body.get("Input")
        {
            let object = serde_json::from_str(input).unwrap_or_else(|_| Value::from(input.clone()));
            body.insert("Input".to_owned(), object);
        }
        if self.has(Fault::BodyDropsStartedTime) {
            body.remove("StartedTime");
        }
        if self.has(Fault::BodyTimestampFormat) {
            for field in ["StartedTime", "StoppedTime"] {
                if let Some(Value::String(time)) = body.get_mut(field) {
                    *time = time.replace('T', " ").chars().take(19).collect();
                }
            }
        }
        if self.has(Fault::BodyStatusSpelling)
            && let Some(Value::String(status)) = body.get_mut("Status")
        {
            *status = status.to_uppercase();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::WaitFault;

    #[test]
    fn without_faults_long_polls_follow_the_contract() {
        let faults = Faults::default();
        let wait = Duration::from_secs(5);
        let longest = Duration::from_secs(60);
        assert_eq!(
            faults.long_poll(Duration::ZERO, false, Duration::ZERO, longest),
            LongPoll::Now
        );
        assert_eq!(
            faults.long_poll(wait, true, Duration::ZERO, longest),
            LongPoll::Now
        );
        assert_eq!(
            faults.long_poll(wait, false, Duration::ZERO, longest),
            LongPoll::UntilEnd(wait, Duration::ZERO)
        );
    }

    #[test]
    fn faults_have_unique_names_and_are_found_by_them() {
        let all = Fault::all();
        assert!(all.len() >= 35, "{} faults", all.len());
        let mut names: Vec<String> = all.iter().map(|fault| fault.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for fault in all {
            assert_eq!(Fault::named(&fault.name()), Some(fault));
        }
    }

    #[test]
    fn name_faults_overrule_the_contract_only_where_they_say() {
        let contract = Contract::embedded();
        let faults = Faults::new(&[Fault::Name(NameParameter::Flow, NameFault::AcceptsDots)]);
        assert_eq!(faults.verdict(contract, "FlowName", "a.b"), Some(true));
        assert_eq!(faults.verdict(contract, "ExecutionName", "a.b"), None);
        assert_eq!(faults.verdict(contract, "FlowName", "a b"), None);
        let too_long = "a".repeat(contract.names().rules().max_length + 1);
        let faults = Faults::new(&[Fault::Name(
            NameParameter::Execution,
            NameFault::AcceptsTooLong,
        )]);
        assert_eq!(
            faults.verdict(contract, "ExecutionName", &too_long),
            Some(true)
        );
        assert_eq!(
            faults.verdict(contract, "ExecutionName", &format!("{too_long}a")),
            None
        );
        let waits = Faults::new(&[Fault::Wait(WaitFault::ParsesLoosely)]);
        assert_eq!(waits.verdict(contract, "WaitTimeSeconds", "+5"), Some(true));
        assert_eq!(waits.verdict(contract, "WaitTimeSeconds", "text"), None);
    }
}
