//! The open questions: every point where the contract leaves the answer open, the answers
//! the harness accepts and why, read from `schemas/open-questions.json`.
//!
//! The ids are a closed set ([`OpenQuestion`]), so a case, a check or a choice of the
//! reference target that names one is checked by the compiler; loading the contract checks
//! that the file and the enum list the same questions.

use serde::Deserialize;

use super::ContractError;
use super::schema::SchemaFile;

macro_rules! open_questions {
    ($($(#[$doc:meta])* $variant:ident => $id:literal),+ $(,)?) => {
        /// A point where the contract leaves the answer open.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum OpenQuestion {
            $($(#[$doc])* $variant,)+
        }

        impl OpenQuestion {
            /// Every open question, in the file's order.
            pub const ALL: &'static [OpenQuestion] = &[$(OpenQuestion::$variant,)+];

            /// The question's id (`repeated-parameter`).
            pub fn id(self) -> &'static str {
                match self {
                    $(OpenQuestion::$variant => $id,)+
                }
            }
        }
    };
}

open_questions! {
    /// A parameter given more than once.
    RepeatedParameter => "repeated-parameter",
    /// Signed and zero-padded forms of an integer (`-0`, `+5`, `05`).
    IntegerForms => "integer-forms",
    /// A parameter given with an empty value.
    EmptyValue => "empty-value",
    /// Which of several faults of one request is reported.
    SeveralFaults => "several-faults",
    /// The error of a request with no signature and no access key.
    UnsignedRequest => "unsigned-request",
    /// The error of a request without Version.
    MissingVersion => "missing-version",
    /// The error of a valid flow name the harness did not create.
    UnknownFlow => "unknown-flow",
    /// New executions may read Starting before Running.
    StartingFirst => "starting-first",
    /// Unset fields absent, `null` or `""`.
    UnsetFields => "unset-fields",
    /// The Output of executions that have no result.
    TerminalOutput => "terminal-output",
    /// The fractional digits of timestamps.
    TimestampPrecision => "timestamp-precision",
    /// The form of a RequestId.
    RequestIdFormat => "request-id-format",
    /// Fields the page does not list.
    UnknownFields => "unknown-fields",
    /// White space in messages.
    MessageWhitespace => "message-whitespace",
    /// How far a request's time may be from the service's clock.
    ClockTolerance => "clock-tolerance",
    /// When a target throttles, and with which retry hint.
    Throttling => "throttling",
    /// The error of a request for another account's flow or execution.
    ForeignResource => "foreign-resource",
    /// The form of JSON bodies: white space, escapes.
    JsonForm => "json-form",
    /// How an answer is framed on the connection: its length, whether the connection
    /// stays open.
    HttpFraming => "http-framing",
    /// How soon a held long poll is answered after the end that wakes it.
    WakeUp => "wake-up",
}

impl std::fmt::Display for OpenQuestion {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.id())
    }
}

/// One open question as the file states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionText {
    /// Which question.
    pub question: OpenQuestion,
    /// The question, as a person asks it.
    pub text: String,
    /// The answers the harness accepts.
    pub accepted: String,
    /// Why the contract leaves it open.
    pub why: String,
}

/// Every open question, with its text.
#[derive(Debug, Clone)]
pub struct OpenQuestions {
    questions: Vec<QuestionText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "$comment")]
    _comment: String,
    questions: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    question: String,
    accepted: String,
    why: String,
}

impl OpenQuestions {
    /// Reads the file; every id must be a known question and every known question listed
    /// once, in the enum's order.
    pub(super) fn load(file: &SchemaFile) -> Result<Self, ContractError> {
        let bad = |message: String| ContractError::Schema {
            file: file.name,
            message,
        };
        let parsed: File =
            serde_json::from_str(file.text).map_err(|source| ContractError::Json {
                file: file.name,
                source,
            })?;
        let ids: Vec<&str> = parsed
            .questions
            .iter()
            .map(|entry| entry.id.as_str())
            .collect();
        let known: Vec<&str> = OpenQuestion::ALL
            .iter()
            .map(|question| question.id())
            .collect();
        if ids != known {
            return Err(bad(format!(
                "lists the questions {ids:?}; the harness knows {known:?}"
            )));
        }
        let questions = parsed
            .questions
            .into_iter()
            .zip(OpenQuestion::ALL)
            .map(|(entry, question)| QuestionText {
                question: *question,
                text: entry.question,
                accepted: entry.accepted,
                why: entry.why,
            })
            .collect();
        Ok(Self { questions })
    }

    /// Every question, in the file's order.
    pub fn all(&self) -> &[QuestionText] {
        &self.questions
    }

    /// The text of one question.
    pub fn get(&self, question: OpenQuestion) -> &QuestionText {
        self.questions
            .iter()
            .find(|text| text.question == question)
            .expect("every question is listed: checked when the contract is loaded")
    }
}

/// The suffix a description gets for the open questions it touches: ` (open: a, b)`, or
/// nothing.
pub fn open_note(questions: &[OpenQuestion]) -> String {
    if questions.is_empty() {
        return String::new();
    }
    let ids: Vec<&str> = questions.iter().map(|question| question.id()).collect();
    format!(" (open: {})", ids.join(", "))
}
