//! Choices: the other answers a correct service may give where the contract leaves the
//! answer open (`conformance serve --choice NAME`, `ReferenceOptions::choices`). Each takes
//! one allowed answer to one open question of `schemas/open-questions.json`; the choice
//! matrix runs the default suite against each and requires no finding, so that the harness
//! is proven quiet where nothing is broken, as the faults prove that it sees. This is the
//! only place that takes another allowed answer: the rest of the target asks [`Choices`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::contract::{IntegerGrammar, OpenQuestion, Reading, Repeats};
use crate::wire::RETRY_AFTER_HEADER;

macro_rules! choices {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, $question:ident, $description:literal;)+) => {
        /// One allowed answer to an open question, other than the reference target's own.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Choice {
            $($(#[$doc])* $variant,)+
        }

        impl Choice {
            /// Every choice, in the order `--list-choices` shows them.
            pub const ALL: &'static [Choice] = &[$(Choice::$variant,)+];

            /// The choice's name (`starting-first`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Choice::$variant => $name,)+
                }
            }

            /// The open question it answers.
            pub fn question(self) -> OpenQuestion {
                match self {
                    $(Choice::$variant => OpenQuestion::$question,)+
                }
            }

            /// What the target does with it.
            pub fn description(self) -> &'static str {
                match self {
                    $(Choice::$variant => $description,)+
                }
            }
        }
    };
}

choices! {
    /// A repeated parameter: the first value counts.
    RepeatedFirstWins => "repeated-first-wins", RepeatedParameter,
        "a parameter given more than once is read with its first value";
    /// A repeated parameter: the last value counts.
    RepeatedLastWins => "repeated-last-wins", RepeatedParameter,
        "a parameter given more than once is read with its last value";
    /// Parameters are read into a map before the signature is checked.
    RepeatedAsMap => "repeated-as-map", RepeatedParameter,
        "parameters are read into a map (the last value wins) before the signature is checked, so a signature over a repeated parameter does not match";
    /// `+5`, `05`, `00` are integers.
    LenientIntegers => "lenient-integers", IntegerForms,
        "WaitTimeSeconds is read like Java's parseInt: +5, 05 and 00 are integers";
    /// `-0` is no integer.
    StrictIntegers => "strict-integers", IntegerForms,
        "WaitTimeSeconds=-0 is refused as no integer";
    /// An empty value is no value.
    EmptyAsAbsent => "empty-as-absent", EmptyValue,
        "a parameter with an empty value is taken as absent";
    /// Invalid parameters are reported before missing ones.
    InvalidFirst => "invalid-first", SeveralFaults,
        "a request with an invalid and a missing parameter is answered InvalidArgument";
    /// Faults are reported from the last parameter to the first.
    LastParameterFirst => "last-parameter-first", SeveralFaults,
        "of several missing parameters, the last is named";
    /// Unsigned requests are AccessDenied.
    UnsignedAccessDenied => "unsigned-access-denied", UnsignedRequest,
        "a request with no signature and no access key is answered 403 AccessDenied";
    /// A missing Version is an unsupported one.
    MissingVersionUnsupported => "missing-version-unsupported", MissingVersion,
        "a request without Version is answered APIVersionNotSupported";
    /// New executions read Starting for their first second.
    StartingFirst => "starting-first", StartingFirst,
        "a new execution reads Starting for its first second, then Running";
    /// Unset fields are empty strings.
    UnsetAsEmpty => "unset-as-empty", UnsetFields,
        "fields that are not set are answered \"\" (StoppedTime of a running execution, Output), as the real service does";
    /// Unset fields are `null`.
    UnsetAsNull => "unset-as-null", UnsetFields,
        "fields that are not set are answered null";
    /// Ended executions without a result have Output `{}`.
    OutputOnEnd => "output-on-end", TerminalOutput,
        "an ended execution without a result (Stopped, Failed, TimedOut) has Output \"{}\"";
    /// Timestamps have no fraction.
    WholeSeconds => "whole-seconds", TimestampPrecision,
        "timestamps have no fractional digits (2019-01-01T01:01:01Z)";
    /// Timestamps have microseconds.
    Microseconds => "microseconds", TimestampPrecision,
        "timestamps have six fractional digits (2019-01-01T01:01:01.001000Z)";
    /// RequestIds are upper-case.
    RequestIdUpperCase => "request-id-upper-case", RequestIdFormat,
        "request ids are upper-case hex, as gateways give them";
    /// RequestIds are 32 hex digits with no hyphens.
    RequestIdPlain => "request-id-plain", RequestIdFormat,
        "request ids are 32 hex digits without hyphens";
    /// Bodies carry fields the page does not list.
    ExtraFields => "extra-fields", UnknownFields,
        "success bodies also carry Environment, ExternalInputUri and ExternalOutputUri";
    /// Error bodies carry the gateway's extra fields.
    GatewayErrorExtras => "gateway-error-extras", UnknownFields,
        "error bodies also carry Recommend and AccessDeniedDetail, as Alibaba Cloud's gateway adds them";
    /// Another account's flow is AccessDenied.
    ForeignAccessDenied => "foreign-access-denied", ForeignResource,
        "DescribeExecution of another account's flow is answered 403 AccessDenied, not 404 FlowNotExists";
    /// Messages have other white space.
    MessageWhitespace => "message-whitespace", MessageWhitespace,
        "messages have doubled spaces between words and a trailing space";
    /// The clock tolerance is five minutes.
    FiveMinuteClock => "five-minute-clock", ClockTolerance,
        "a request time more than 5 minutes from the clock, either way, is RequestTimeTooSkewed (not 15)";
    /// DescribeExecution is rate-limited as the real service limits it.
    RateLimited => "rate-limited", Throttling,
        "DescribeExecution is rate-limited per account at the real service's bucket (50 at once, refilled at 5 a second): 429 ResourceThrottled with x-acs-retry-after in milliseconds";
    /// As `rate-limited`, the hint in Retry-After seconds.
    RateLimitedRetryAfter => "rate-limited-retry-after", Throttling,
        "as rate-limited, with the retry hint in Retry-After, in whole seconds";
    /// As `rate-limited`, with no hint.
    RateLimitedNoHint => "rate-limited-no-hint", Throttling,
        "as rate-limited, with no retry hint at all";
    /// Bodies are pretty-printed.
    PrettyJson => "pretty-json", JsonForm,
        "bodies are pretty-printed JSON (two-space indents, a newline after), labelled application/json; charset=utf-8";
    /// Bodies escape every non-ASCII character and `/`.
    EscapedJson => "escaped-json", JsonForm,
        "bodies write every non-ASCII character as \\uXXXX (surrogate pairs beyond the Basic Multilingual Plane) and / as \\/";
    /// Bodies are sent chunked.
    ChunkedBodies => "chunked-bodies", HttpFraming,
        "bodies are sent with chunked transfer encoding in 16-byte chunks, without Content-Length";
    /// Every answer closes its connection.
    ConnectionClose => "connection-close", HttpFraming,
        "every answer says Connection: close and the target closes the connection after it: the client connects again";
    /// Held polls are answered a moment after the end that wakes them.
    LateWakeUp => "late-wake-up", WakeUp,
        "a long poll held when its execution ends (or is stopped) is answered 100 ms after the end";
    /// Error bodies name a fixed host in HostId.
    FixedHostId => "fixed-host-id", UnknownFields,
        "error bodies' HostId is the fixed host 127.0.0.1, not the address the request was sent to (the HostId is the service's to choose)";
}

/// The HostId of error bodies with [`Choice::FixedHostId`].
const FIXED_HOST_ID: &str = "127.0.0.1";

/// How late a held poll is answered after the end that wakes it, with [`Choice::LateWakeUp`].
const LATE_WAKE_UP: Duration = Duration::from_millis(100);

/// The clock tolerance of [`Choice::FiveMinuteClock`].
const FIVE_MINUTES: Duration = Duration::from_secs(5 * 60);

impl fmt::Display for Choice {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl Choice {
    /// Whether the target throttles DescribeExecution at the real service's rate with
    /// this choice.
    pub fn throttles(self) -> bool {
        matches!(
            self,
            Choice::RateLimited | Choice::RateLimitedRetryAfter | Choice::RateLimitedNoHint
        )
    }

    /// The choice with this name, if any.
    pub fn named(name: &str) -> Option<Choice> {
        Self::ALL
            .iter()
            .copied()
            .find(|choice| choice.name() == name)
    }
}

/// The choices a reference target makes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Choices(Arc<[Choice]>);

impl Choices {
    pub(crate) fn new(choices: &[Choice]) -> Self {
        Self(choices.into())
    }

    pub(crate) fn has(&self, choice: Choice) -> bool {
        self.0.contains(&choice)
    }

    /// How the target reads DescribeExecution's parameters.
    pub(crate) fn reading(&self) -> Reading {
        let mut reading = Reading::default();
        for choice in self.0.iter() {
            match choice {
                Choice::RepeatedFirstWins => reading.repeats = Repeats::FirstWins,
                Choice::RepeatedLastWins => reading.repeats = Repeats::LastWins,
                Choice::LenientIntegers => reading.integers = IntegerGrammar::Lenient,
                Choice::StrictIntegers => reading.integers = IntegerGrammar::Strict,
                Choice::EmptyAsAbsent => reading.empty_as_absent = true,
                Choice::InvalidFirst => reading.invalid_first = true,
                Choice::LastParameterFirst => reading.last_parameter_first = true,
                _ => {}
            }
        }
        reading
    }

    /// The value a success body gives a field that is not set, if it gives the field at all.
    fn unset(&self) -> Option<Value> {
        if self.has(Choice::UnsetAsEmpty) {
            Some(Value::from(""))
        } else if self.has(Choice::UnsetAsNull) {
            Some(Value::Null)
        } else {
            None
        }
    }

    /// Shapes DescribeExecution's success body: the status of a young execution, unset
    /// fields, extra fields, Output of ended executions, timestamps. `ended` says whether
    /// the execution has ended, `young` whether it started less than a second ago.
    pub(crate) fn shape_body(&self, body: &mut Map<String, Value>, ended: bool, young: bool) {
        if young && !ended && self.has(Choice::StartingFirst) {
            body.insert("Status".to_owned(), Value::from("Starting"));
        }
        for field in ["StartedTime", "StoppedTime"] {
            if let Some(Value::String(time)) = body.get_mut(field)
                && let Some(fraction) = time.strip_suffix('Z').and_then(|time| time.rfind('.'))
            {
                if self.has(Choice::WholeSeconds) {
                    *time = format!("{}Z", &time[..fraction]);
                } else if self.has(Choice::Microseconds) {
                    *time = format!("{}000Z", time.trim_end_matches('Z'));
                }
            }
        }
        if ended && self.has(Choice::OutputOnEnd) && !body.contains_key("Output") {
            body.insert("Output".to_owned(), Value::from("{}"));
        }
        if let Some(unset) = self.unset() {
            for field in ["StoppedTime", "Output", "Input"] {
                body.entry(field).or_insert_with(|| unset.clone());
            }
        }
        if self.has(Choice::ExtraFields) {
            body.insert(
                "Environment".to_owned(),
                serde_json::json!({"Variables": [{"Name": "stage", "Value": "test"}]}),
            );
            body.insert("ExternalInputUri".to_owned(), Value::from(""));
            body.insert("ExternalOutputUri".to_owned(), Value::from(""));
        }
    }

    /// Shapes an error body: the gateway's extra fields, HostId, the message's white space.
    pub(crate) fn shape_error(&self, body: &mut Map<String, Value>) {
        if self.has(Choice::FixedHostId) {
            body.insert("HostId".to_owned(), Value::from(FIXED_HOST_ID));
        }
        if self.has(Choice::GatewayErrorExtras) {
            body.insert(
                "Recommend".to_owned(),
                Value::from("https://api.aliyun.com/troubleshoot?q=fnf"),
            );
            body.insert(
                "AccessDeniedDetail".to_owned(),
                serde_json::json!({"PolicyType": ""}),
            );
        }
        if self.has(Choice::MessageWhitespace)
            && let Some(Value::String(message)) = body.get_mut("Message")
        {
            *message = format!("{} ", message.split(' ').collect::<Vec<_>>().join("  "));
        }
    }

    /// Whether the target throttles DescribeExecution at the real service's rate.
    pub(crate) fn throttle(&self) -> bool {
        self.0.iter().any(|choice| choice.throttles())
    }

    /// The retry hint of a throttling answer that asks for `wait`: its header and value,
    /// or none.
    pub(crate) fn retry_hint(&self, wait: Duration) -> Option<(&'static str, String)> {
        if self.has(Choice::RateLimitedNoHint) {
            None
        } else if self.has(Choice::RateLimitedRetryAfter) {
            Some((
                "retry-after",
                wait.as_secs_f64().ceil().max(1.0).to_string(),
            ))
        } else {
            Some((RETRY_AFTER_HEADER, wait.as_millis().max(1).to_string()))
        }
    }

    /// How long after the end that wakes it a held poll is answered.
    pub(crate) fn wake_up_delay(&self) -> Duration {
        if self.has(Choice::LateWakeUp) {
            LATE_WAKE_UP
        } else {
            Duration::ZERO
        }
    }

    /// How far a request's time may be from the clock, where the target is configured
    /// with `configured`.
    pub(crate) fn clock_tolerance(&self, configured: Duration) -> Duration {
        if self.has(Choice::FiveMinuteClock) {
            FIVE_MINUTES
        } else {
            configured
        }
    }

    /// A RequestId in the chosen form.
    pub(crate) fn request_id(&self, id: String) -> String {
        if self.has(Choice::RequestIdUpperCase) {
            id.to_uppercase()
        } else if self.has(Choice::RequestIdPlain) {
            id.replace('-', "")
        } else {
            id
        }
    }
}
