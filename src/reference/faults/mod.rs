//! Faults: deliberate departures from the contract, switched on one by one, to prove that
//! the harness catches what it claims to (`conformance serve --fault NAME`, `ReferenceOptions::faults`).
//! Each breaks one rule and names the check that owns the rule. This is the only place
//! that bends the reference target's behaviour: the rest of the target asks [`Faults`].

use std::fmt;

use crate::checks::CheckId;
use crate::contract::{Contract, NameParameter};

mod auth;
mod held;
mod history;
mod json;
mod switched;
mod throttling;

pub use auth::AuthFault;
pub(crate) use auth::{COMPARED_PREFIX, gateway_error};
pub use history::HistoryFault;
pub use json::JsonFault;
pub(crate) use json::is_set_up;
pub(crate) use switched::{Breakdown, Faults, LongPoll};
pub use throttling::ThrottleFault;

/// A name rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameFault {
    /// A name one character longer than the maximum is accepted.
    AcceptsTooLong,
    /// A name of exactly the maximum length is refused.
    RejectsLongest,
    /// An empty name is taken as a name.
    AcceptsEmpty,
    /// A one-character name is refused.
    RejectsShortest,
    /// A name starting with a digit is accepted.
    AcceptsDigitFirst,
    /// A name starting with `_` is refused.
    RejectsUnderscoreFirst,
    /// Names with `.` are accepted.
    AcceptsDots,
    /// Names with non-ASCII letters are accepted.
    AcceptsNonAscii,
    /// Names with `-` are refused.
    RejectsHyphens,
    /// Names with `_` after the first character are refused.
    RejectsUnderscores,
    /// Names with digits are refused.
    RejectsDigits,
    /// Names with upper-case letters are refused.
    RejectsUppercase,
    /// Names with lower-case letters are refused.
    RejectsLowercase,
    /// Names are looked up without regard to case.
    CaseInsensitive,
}

impl NameFault {
    /// Every name fault.
    pub const ALL: [Self; 14] = [
        Self::AcceptsTooLong,
        Self::RejectsLongest,
        Self::AcceptsEmpty,
        Self::RejectsShortest,
        Self::AcceptsDigitFirst,
        Self::RejectsUnderscoreFirst,
        Self::AcceptsDots,
        Self::AcceptsNonAscii,
        Self::RejectsHyphens,
        Self::RejectsUnderscores,
        Self::RejectsDigits,
        Self::RejectsUppercase,
        Self::RejectsLowercase,
        Self::CaseInsensitive,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Self::AcceptsTooLong => "accepts-too-long",
            Self::RejectsLongest => "rejects-longest",
            Self::AcceptsEmpty => "accepts-empty",
            Self::RejectsShortest => "rejects-shortest",
            Self::AcceptsDigitFirst => "accepts-digit-first",
            Self::RejectsUnderscoreFirst => "rejects-underscore-first",
            Self::AcceptsDots => "accepts-dots",
            Self::AcceptsNonAscii => "accepts-non-ascii",
            Self::RejectsHyphens => "rejects-hyphens",
            Self::RejectsUnderscores => "rejects-underscores",
            Self::RejectsDigits => "rejects-digits",
            Self::RejectsUppercase => "rejects-uppercase",
            Self::RejectsLowercase => "rejects-lowercase",
            Self::CaseInsensitive => "case-insensitive",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::AcceptsTooLong => "a name one character over the maximum length is accepted",
            Self::RejectsLongest => "a name of exactly the maximum length is refused",
            Self::AcceptsEmpty => "an empty name is looked up instead of refused",
            Self::RejectsShortest => "a one-character name is refused",
            Self::AcceptsDigitFirst => "a name starting with a digit is accepted",
            Self::RejectsUnderscoreFirst => "a name starting with _ is refused",
            Self::AcceptsDots => "a name with . is accepted",
            Self::AcceptsNonAscii => "a name with non-ASCII letters is accepted",
            Self::RejectsHyphens => "a name with - is refused",
            Self::RejectsUnderscores => "a name with _ after its first character is refused",
            Self::RejectsDigits => "a name with a digit is refused",
            Self::RejectsUppercase => "a name with an upper-case letter is refused",
            Self::RejectsLowercase => "a name with a lower-case letter is refused",
            Self::CaseInsensitive => "names are looked up without regard to case",
        }
    }

    /// Whether the fault overrules the contract on `value`: `Some(true)` to take it as
    /// valid, `Some(false)` to refuse it.
    fn verdict(self, contract: &Contract, value: &str) -> Option<bool> {
        let names = contract.names();
        let max = names.rules().max_length;
        let length = value.chars().count();
        let valid_with = |replaced: String| names.is_valid(&replaced);
        match self {
            Self::AcceptsTooLong => {
                (length == max + 1 && valid_with(value.chars().take(max).collect())).then_some(true)
            }
            Self::RejectsLongest => (length == max && names.is_valid(value)).then_some(false),
            Self::AcceptsEmpty => value.is_empty().then_some(true),
            Self::RejectsShortest => (length == 1 && names.is_valid(value)).then_some(false),
            Self::AcceptsDigitFirst => (value.starts_with(|c: char| c.is_ascii_digit())
                && valid_with(format!("N{value}")))
            .then_some(true),
            Self::RejectsUnderscoreFirst => value.starts_with('_').then_some(false),
            Self::AcceptsDots => {
                (value.contains('.') && valid_with(value.replace('.', "_"))).then_some(true)
            }
            Self::AcceptsNonAscii => {
                let ascii: String = value
                    .chars()
                    .map(|c| if c.is_alphabetic() { 'a' } else { c })
                    .collect();
                (!value.is_ascii() && valid_with(ascii)).then_some(true)
            }
            Self::RejectsHyphens => value.contains('-').then_some(false),
            Self::RejectsUnderscores => value.chars().skip(1).any(|c| c == '_').then_some(false),
            Self::RejectsDigits => value.chars().any(|c| c.is_ascii_digit()).then_some(false),
            Self::RejectsUppercase => value
                .chars()
                .any(|c| c.is_ascii_uppercase())
                .then_some(false),
            Self::RejectsLowercase => value
                .chars()
                .any(|c| c.is_ascii_lowercase())
                .then_some(false),
            Self::CaseInsensitive => None,
        }
    }
}

/// A WaitTimeSeconds rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitFault {
    /// One more than the maximum is accepted.
    AcceptsAboveMax,
    /// The maximum is refused.
    RejectsMax,
    /// Negative values are accepted (as 0).
    AcceptsNegative,
    /// 0 is refused.
    RejectsZero,
    /// Text that is no integer in any grammar (` 5`, `1.5`, `1e1`) is read as a number.
    ParsesLoosely,
}

impl WaitFault {
    /// Every WaitTimeSeconds fault.
    pub const ALL: [Self; 5] = [
        Self::AcceptsAboveMax,
        Self::RejectsMax,
        Self::AcceptsNegative,
        Self::RejectsZero,
        Self::ParsesLoosely,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Self::AcceptsAboveMax => "accepts-above-max",
            Self::RejectsMax => "rejects-max",
            Self::AcceptsNegative => "accepts-negative",
            Self::RejectsZero => "rejects-zero",
            Self::ParsesLoosely => "parses-loosely",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::AcceptsAboveMax => "WaitTimeSeconds one over the maximum is accepted",
            Self::RejectsMax => "WaitTimeSeconds at the maximum is refused",
            Self::AcceptsNegative => "a negative WaitTimeSeconds is accepted as 0",
            Self::RejectsZero => "WaitTimeSeconds=0 is refused",
            Self::ParsesLoosely => {
                "WaitTimeSeconds text that is no integer (1.5, 1e1, ' 5') is read as a number"
            }
        }
    }

    fn verdict(self, contract: &Contract, value: &str) -> Option<bool> {
        let range = contract.wait_time_seconds();
        let integer = value.parse::<i64>().ok();
        match self {
            Self::AcceptsAboveMax => (integer == Some(range.end() + 1)).then_some(true),
            Self::RejectsMax => (integer == Some(*range.end())).then_some(false),
            Self::AcceptsNegative => integer.is_some_and(|n| n < 0).then_some(true),
            Self::RejectsZero => (value == "0").then_some(false),
            Self::ParsesLoosely => value
                .trim()
                .parse::<f64>()
                .is_ok_and(|n| n.is_finite() && range.contains(&(n as i64)))
                .then_some(true),
        }
    }
}

/// One deliberate departure from the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A rule of FlowName or ExecutionName.
    Name(NameParameter, NameFault),
    /// A rule of WaitTimeSeconds.
    Wait(WaitFault),
    /// A rule of authentication.
    Auth(AuthFault),
    /// A rule of the throttling answer (the target throttles DescribeExecution).
    Throttle(ThrottleFault),
    /// Long polls on running executions are answered at once, ignoring WaitTimeSeconds.
    AnswersEarly,
    /// Long polls ignore the execution's end and are answered a second after their wait.
    AnswersLate,
    /// Long polls on finished executions are held for their whole wait.
    HoldsFinished,
    /// Long polls on executions that end during them are answered 1.5 s after the end.
    OvershootsEnd,
    /// Long polls are held until the execution ends, however short their wait.
    IgnoresWait,
    /// A missing parameter is answered InvalidArgument, not MissingRequiredParams.
    MissingWrongCode,
    /// The message of a missing FlowName names ExecutionName, and the other way round.
    MissingNamesOther,
    /// Errors are answered with HTTP 400, whatever their Code's status.
    ErrorWrongStatus,
    /// Codes are answered with a trailing `Error` (`FlowNotExistsError`).
    ErrorCodeMisspelt,
    /// Messages are not their Code's template.
    MessageOffTemplate,
    /// Messages fill their template with upper-cased values.
    MessageWrongValues,
    /// Success bodies lack StartedTime.
    BodyDropsStartedTime,
    /// Input is answered as a JSON object, not as text holding JSON.
    BodyInputAsObject,
    /// Timestamps are answered as `2026-11-24 02:14:48`.
    BodyTimestampFormat,
    /// Statuses are answered upper-cased (`SUCCEEDED`).
    BodyStatusSpelling,
    /// Bodies lack RequestId.
    RequestIdMissing,
    /// Every answer has the same RequestId.
    RequestIdRepeated,
    /// The `x-acs-request-id` header differs from the body's RequestId.
    RequestIdHeaderDiffers,
    /// Answers are labelled `text/plain`.
    ContentTypeText,
    /// Signatures are not checked.
    SignatureUnchecked,
    /// The request time is not checked against the clock.
    SkewUnchecked,
    /// An unknown access key is answered SignatureNotMatch.
    UnknownKeyWrongCode,
    /// All accounts share their flows.
    SharedAccounts,
    /// Every account can read the first account's executions (one direction only).
    FirstAccountReadable,
    /// The common parameters are read from the query only: a POST form with them in its
    /// body is refused.
    FormBodyRefused,
    /// `application/json` with a charset parameter is answered 415.
    JsonCharsetRefused,
    /// `Format` other than `json` (`JSON`) is refused.
    FormatCaseSensitive,
    /// Answers to POST requests have timestamps without their fraction.
    PostWholeSeconds,
    /// DescribeExecution with a name over 100 characters is answered 500.
    CrashesOnLongNames,
    /// DescribeExecution with an empty name is never answered.
    HangsOnEmptyNames,
    /// A finished execution reads Running on every second DescribeExecution.
    StatusGoesBack,
    /// Stopped executions read Failed.
    StoppedAsFailed,
    /// Failed executions read Succeeded.
    FailedAsSucceeded,
    /// Input is answered as `{}`, whatever was given.
    InputDropped,
    /// A rule of an execution's history (its reads over time, the text it was made with).
    History(HistoryFault),
    /// A rule of strict JSON (the bodies' bytes).
    Json(JsonFault),
    /// Of the long polls held on an execution when it ends, only the first is woken
    /// (notify-one); the others are answered at their wait.
    WakesOne,
    /// StopExecution wakes no held long poll: they are answered at their wait.
    StopWakesNone,
    /// At most 32 requests are served at once: the others wait for one to be answered.
    ServesFewAtOnce,
    /// A long poll's wait is counted from the execution's start, not the request's arrival.
    WaitFromStart,
    /// The protocol's own errors (MissingRequiredHeader, ActionNotSupported,
    /// APIVersionNotSupported, EntityTooLarge) are answered 400 InvalidArgument.
    ProtocolErrorsAsInvalid,
}

impl Fault {
    /// Every fault, in the order `--list-faults` shows them.
    pub fn all() -> Vec<Fault> {
        let names = NameParameter::ALL
            .into_iter()
            .flat_map(|name| NameFault::ALL.map(|fault| Fault::Name(name, fault)));
        let waits = WaitFault::ALL.map(Fault::Wait);
        let auth = AuthFault::ALL.map(Fault::Auth);
        let throttling = ThrottleFault::ALL.map(Fault::Throttle);
        let history = HistoryFault::ALL.map(Fault::History);
        let json = JsonFault::ALL.map(Fault::Json);
        names
            .chain(waits)
            .chain([
                Fault::AnswersEarly,
                Fault::AnswersLate,
                Fault::HoldsFinished,
                Fault::OvershootsEnd,
                Fault::IgnoresWait,
                Fault::MissingWrongCode,
                Fault::MissingNamesOther,
                Fault::ErrorWrongStatus,
                Fault::ErrorCodeMisspelt,
                Fault::MessageOffTemplate,
                Fault::MessageWrongValues,
                Fault::BodyDropsStartedTime,
                Fault::BodyInputAsObject,
                Fault::BodyTimestampFormat,
                Fault::BodyStatusSpelling,
                Fault::RequestIdMissing,
                Fault::RequestIdRepeated,
                Fault::RequestIdHeaderDiffers,
                Fault::ContentTypeText,
                Fault::SignatureUnchecked,
                Fault::SkewUnchecked,
                Fault::UnknownKeyWrongCode,
                Fault::SharedAccounts,
                Fault::FirstAccountReadable,
                Fault::FormBodyRefused,
                Fault::JsonCharsetRefused,
                Fault::FormatCaseSensitive,
                Fault::PostWholeSeconds,
                Fault::CrashesOnLongNames,
                Fault::HangsOnEmptyNames,
                Fault::StatusGoesBack,
                Fault::StoppedAsFailed,
                Fault::FailedAsSucceeded,
                Fault::InputDropped,
                Fault::WakesOne,
                Fault::StopWakesNone,
                Fault::ServesFewAtOnce,
                Fault::WaitFromStart,
                Fault::ProtocolErrorsAsInvalid,
            ])
            .chain(auth)
            .chain(throttling)
            .chain(history)
            .chain(json)
            .collect()
    }

    /// The fault with this name, if any.
    pub fn named(name: &str) -> Option<Fault> {
        Self::all().into_iter().find(|fault| fault.name() == name)
    }

    /// The fault's name (`flow-name-accepts-dots`, `answers-early`).
    pub fn name(self) -> String {
        let name = match self {
            Fault::Name(name, fault) => return format!("{}-{}", name.family(), fault.suffix()),
            Fault::Wait(fault) => return format!("wait-{}", fault.suffix()),
            Fault::Auth(fault) => fault.name(),
            Fault::Throttle(fault) => return format!("throttle-{}", fault.suffix()),
            Fault::History(fault) => fault.name(),
            Fault::Json(fault) => return format!("json-{}", fault.suffix()),
            Fault::AnswersEarly => "answers-early",
            Fault::AnswersLate => "answers-late",
            Fault::HoldsFinished => "holds-finished",
            Fault::OvershootsEnd => "overshoots-end",
            Fault::IgnoresWait => "ignores-wait",
            Fault::MissingWrongCode => "missing-wrong-code",
            Fault::MissingNamesOther => "missing-names-other",
            Fault::ErrorWrongStatus => "error-wrong-status",
            Fault::ErrorCodeMisspelt => "error-code-misspelt",
            Fault::MessageOffTemplate => "message-off-template",
            Fault::MessageWrongValues => "message-wrong-values",
            Fault::BodyDropsStartedTime => "body-drops-started-time",
            Fault::BodyInputAsObject => "body-input-as-object",
            Fault::BodyTimestampFormat => "body-timestamp-format",
            Fault::BodyStatusSpelling => "body-status-spelling",
            Fault::RequestIdMissing => "request-id-missing",
            Fault::RequestIdRepeated => "request-id-repeated",
            Fault::RequestIdHeaderDiffers => "request-id-header-differs",
            Fault::ContentTypeText => "content-type-text",
            Fault::SignatureUnchecked => "signature-unchecked",
            Fault::SkewUnchecked => "skew-unchecked",
            Fault::UnknownKeyWrongCode => "unknown-key-wrong-code",
            Fault::SharedAccounts => "shared-accounts",
            Fault::FirstAccountReadable => "first-account-readable",
            Fault::FormBodyRefused => "form-body-refused",
            Fault::JsonCharsetRefused => "json-charset-refused",
            Fault::FormatCaseSensitive => "format-case-sensitive",
            Fault::PostWholeSeconds => "post-whole-seconds",
            Fault::CrashesOnLongNames => "crashes-on-long-names",
            Fault::HangsOnEmptyNames => "hangs-on-empty-names",
            Fault::StatusGoesBack => "status-goes-back",
            Fault::StoppedAsFailed => "stopped-as-failed",
            Fault::FailedAsSucceeded => "failed-as-succeeded",
            Fault::InputDropped => "input-dropped",
            Fault::WakesOne => "wakes-one",
            Fault::StopWakesNone => "stop-wakes-none",
            Fault::ServesFewAtOnce => "serves-32-at-once",
            Fault::WaitFromStart => "wait-from-start",
            Fault::ProtocolErrorsAsInvalid => "protocol-errors-as-invalid-argument",
        };
        name.to_owned()
    }

    /// What the fault does.
    pub fn description(self) -> String {
        let text = match self {
            Fault::Name(name, fault) => {
                return format!("{}: {}", name.parameter(), fault.description());
            }
            Fault::Wait(fault) => fault.description(),
            Fault::Auth(fault) => fault.description(),
            Fault::Throttle(fault) => fault.description(),
            Fault::History(fault) => fault.description(),
            Fault::Json(fault) => fault.description(),
            Fault::AnswersEarly => "long polls on running executions are answered at once",
            Fault::AnswersLate => {
                "long polls ignore the execution's end and come 1 s after their wait"
            }
            Fault::HoldsFinished => {
                "long polls on finished executions are held for their whole wait"
            }
            Fault::OvershootsEnd => {
                "long polls on executions that end during them come 1.5 s after the end"
            }
            Fault::IgnoresWait => {
                "long polls are held until the execution ends, however short their wait"
            }
            Fault::MissingWrongCode => "a missing parameter is answered InvalidArgument",
            Fault::MissingNamesOther => "the message of a missing name names the other name",
            Fault::ErrorWrongStatus => "every error is answered with HTTP 400",
            Fault::ErrorCodeMisspelt => "every Code gets a trailing 'Error'",
            Fault::MessageOffTemplate => "messages are not their Code's template",
            Fault::MessageWrongValues => "messages fill their template with upper-cased values",
            Fault::BodyDropsStartedTime => "success bodies lack StartedTime",
            Fault::BodyInputAsObject => "Input is a JSON object, not text holding JSON",
            Fault::BodyTimestampFormat => "timestamps look like 2026-11-24 02:14:48",
            Fault::BodyStatusSpelling => "statuses are upper-cased (SUCCEEDED)",
            Fault::RequestIdMissing => "bodies lack RequestId",
            Fault::RequestIdRepeated => "every answer has the same RequestId",
            Fault::RequestIdHeaderDiffers => {
                "the x-acs-request-id header differs from the body's RequestId"
            }
            Fault::ContentTypeText => "answers are labelled text/plain",
            Fault::SignatureUnchecked => "signatures are not checked",
            Fault::SkewUnchecked => "the request time is not checked against the clock",
            Fault::UnknownKeyWrongCode => "an unknown access key is answered SignatureNotMatch",
            Fault::SharedAccounts => "all accounts see each other's flows",
            Fault::FirstAccountReadable => {
                "every account can read the first account's executions (isolation one way only)"
            }
            Fault::FormBodyRefused => {
                "a POST form with the common parameters in its body is refused (read from the query only)"
            }
            Fault::JsonCharsetRefused => {
                "a JSON body labelled application/json; charset=utf-8 is answered 415"
            }
            Fault::FormatCaseSensitive => "Format=JSON (upper case) is refused",
            Fault::PostWholeSeconds => {
                "answers to POST requests have timestamps without their fraction, unlike GET's"
            }
            Fault::CrashesOnLongNames => "a name over 100 characters is answered 500",
            Fault::HangsOnEmptyNames => "a request with an empty name is never answered",
            Fault::StatusGoesBack => "a finished execution reads Running on every second poll",
            Fault::StoppedAsFailed => "stopped executions read Failed",
            Fault::FailedAsSucceeded => "failed executions read Succeeded",
            Fault::InputDropped => "Input reads {} whatever was given",
            Fault::WakesOne => {
                "of the long polls held on an execution when it ends, only one is woken (notify-one); the others come at their wait"
            }
            Fault::StopWakesNone => {
                "StopExecution wakes no held long poll; they come at their wait"
            }
            Fault::ServesFewAtOnce => {
                "at most 32 requests are served at once, so requests wait behind held long polls"
            }
            Fault::WaitFromStart => {
                "a long poll's wait is counted from the execution's start, not from the request"
            }
            Fault::ProtocolErrorsAsInvalid => {
                "MissingRequiredHeader, ActionNotSupported, APIVersionNotSupported and EntityTooLarge are answered 400 InvalidArgument"
            }
        };
        text.to_owned()
    }

    /// Whether the fault bends throttling answers: a target with it throttles
    /// DescribeExecution, and only the throttling probe provokes its answer.
    pub fn throttles(self) -> bool {
        matches!(self, Fault::Throttle(_))
    }

    /// The check that owns the broken rule: the one that must catch the fault.
    pub fn owner(self) -> CheckId {
        match self {
            Fault::Auth(fault) => fault.owner(),
            Fault::Throttle(fault) => fault.owner(),
            Fault::History(fault) => fault.owner(),
            Fault::Json(fault) => fault.owner(),
            Fault::Name(..)
            | Fault::Wait(_)
            | Fault::MissingWrongCode
            | Fault::ErrorCodeMisspelt
            | Fault::SignatureUnchecked
            | Fault::SkewUnchecked
            | Fault::UnknownKeyWrongCode
            | Fault::SharedAccounts
            | Fault::FirstAccountReadable
            | Fault::FormBodyRefused
            | Fault::JsonCharsetRefused
            | Fault::FormatCaseSensitive
            | Fault::ProtocolErrorsAsInvalid => CheckId::ExpectedOutcome,
            Fault::PostWholeSeconds => CheckId::SameAnswer,
            Fault::AnswersEarly | Fault::IgnoresWait | Fault::WaitFromStart => {
                CheckId::TimingWaitHonoured
            }
            Fault::AnswersLate | Fault::OvershootsEnd | Fault::WakesOne | Fault::StopWakesNone => {
                CheckId::TimingEndsWithExecution
            }
            Fault::HoldsFinished | Fault::ServesFewAtOnce => CheckId::TimingAtOnce,
            Fault::MissingNamesOther | Fault::MessageOffTemplate | Fault::MessageWrongValues => {
                CheckId::MessageTemplate
            }
            Fault::ErrorWrongStatus => CheckId::StatusMatchesCode,
            Fault::BodyDropsStartedTime
            | Fault::BodyInputAsObject
            | Fault::BodyTimestampFormat
            | Fault::BodyStatusSpelling => CheckId::SuccessSchema,
            Fault::RequestIdMissing | Fault::RequestIdHeaderDiffers => CheckId::RequestId,
            Fault::RequestIdRepeated => CheckId::RequestIdUnique,
            Fault::ContentTypeText => CheckId::ContentTypeJson,
            Fault::CrashesOnLongNames => CheckId::No5xx,
            Fault::HangsOnEmptyNames => CheckId::Answered,
            Fault::StatusGoesBack => CheckId::ExecutionInvariants,
            Fault::InputDropped => CheckId::ExecutionHistory,
            Fault::StoppedAsFailed | Fault::FailedAsSucceeded => CheckId::TimingAnswer,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.name())
    }
}
