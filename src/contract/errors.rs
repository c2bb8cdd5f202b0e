//! The error-code table: which HTTP status goes with a Code, and the Message templates.
//!
//! The table is data (`schemas/error-codes.json`); this module gives it types. A template's
//! `%s` stands for a value taken from the request: [`MessageTemplate::render`] fills them in
//! and [`MessageTemplate::captures`] reads them back out of a message.

use std::fmt;
use std::str::FromStr;

use regex::Regex;
use serde::Deserialize;

use super::ContractError;

/// The placeholder of a message template.
const PLACEHOLDER: &str = "%s";

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident),+ $(,)?) => {
        /// An error Code the contract knows. Unknown codes a target returns stay strings.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)+
        }

        impl ErrorCode {
            /// Every code, in the order the table lists them.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The Code as it appears in an error body.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => stringify!($variant),)+
                }
            }
        }
    };
}

error_codes! {
    /// 400: a parameter breaks its rule.
    InvalidArgument,
    /// 400: a signature-v3 request lacks a required header.
    MissingRequiredHeader,
    /// 400: a required parameter is absent.
    MissingRequiredParams,
    /// 400: the Action names no operation.
    ActionNotSupported,
    /// 400: the Version is not `2019-03-15`.
    APIVersionNotSupported,
    /// 400: the body is larger than allowed.
    EntityTooLarge,
    /// 403: no such access key.
    InvalidAccessKeyID,
    /// 403: the request time is too far from the server's.
    RequestTimeTooSkewed,
    /// 403: the signature is wrong.
    SignatureNotMatch,
    /// 403: the resource belongs to someone else.
    AccessDenied,
    /// 404: the flow has no such execution.
    ExecutionNotExists,
    /// 404: no such flow.
    FlowNotExists,
    /// 412: the resource changed meanwhile.
    PreconditionFailed,
    /// 415: the body's content type is not accepted.
    UnsupportedMediaType,
    /// 429: too many requests.
    ResourceThrottled,
    /// 500: the service failed.
    InternalServerError,
    /// 409 (CreateFlow): the flow exists already.
    FlowAlreadyExists,
    /// 400 (StartExecution): the execution exists already.
    ExecutionAlreadyExists,
    /// 400 (StopExecution): the execution has ended already.
    ExecutionAlreadyCompleted,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The error of parsing a Code the contract does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

/// A Message template with `%s` placeholders, and the means to fill and read them.
#[derive(Debug, Clone)]
pub struct MessageTemplate {
    text: String,
    placeholders: usize,
    pattern: Regex,
}

/// The error of rendering a template with the wrong number of values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {template:?} takes {expected} values, got {given}")]
pub struct ArityError {
    /// The template text.
    pub template: String,
    /// How many `%s` it has.
    pub expected: usize,
    /// How many values were given.
    pub given: usize,
}

impl MessageTemplate {
    /// Compiles a template; each `%s` matches any text, possibly empty. White space in
    /// the template matches any run of white space, and white space at either end of a
    /// message is ignored (open question `message-whitespace`).
    pub fn new(text: &str) -> Self {
        let literal_parts: Vec<String> = text
            .split(PLACEHOLDER)
            .map(|part| {
                part.split(char::is_whitespace)
                    .map(regex::escape)
                    .collect::<Vec<_>>()
                    .join(r"\s+")
            })
            .collect();
        let pattern = format!(r"(?s)^\s*{}\s*$", literal_parts.join("(.*?)"));
        Self {
            text: text.to_owned(),
            placeholders: literal_parts.len() - 1,
            pattern: Regex::new(&pattern).expect("an escaped template is a valid regex"),
        }
    }

    /// The template as the table writes it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How many `%s` placeholders the template has.
    pub fn placeholders(&self) -> usize {
        self.placeholders
    }

    /// The message with each `%s` replaced by the next value.
    pub fn render(&self, values: &[&str]) -> Result<String, ArityError> {
        if values.len() != self.placeholders {
            return Err(ArityError {
                template: self.text.clone(),
                expected: self.placeholders,
                given: values.len(),
            });
        }
        let mut message = String::with_capacity(self.text.len());
        for (index, part) in self.text.split(PLACEHOLDER).enumerate() {
            if index > 0 {
                message.push_str(values[index - 1]);
            }
            message.push_str(part);
        }
        Ok(message)
    }

    /// The values of the placeholders if `message` has the template's form, else `None`.
    ///
    /// Where a value could be split more than one way (a value that itself contains the
    /// text between two placeholders), the first placeholder takes the shortest value; use
    /// [`MessageTemplate::is_rendering_of`] to compare with known values.
    pub fn captures(&self, message: &str) -> Option<Vec<String>> {
        let spans = self.value_spans(message)?;
        Some(
            spans
                .into_iter()
                .map(|span| message[span].to_owned())
                .collect(),
        )
    }

    /// Where each placeholder's value is in `message` (byte ranges, in order), if it has
    /// the template's form; split as [`MessageTemplate::captures`] splits.
    pub fn value_spans(&self, message: &str) -> Option<Vec<std::ops::Range<usize>>> {
        let captures = self.pattern.captures(message)?;
        Some(
            captures
                .iter()
                .skip(1)
                .map(|group| group.map_or(0..0, |m| m.range()))
                .collect(),
        )
    }

    /// Whether `message` is this template rendered with `values`, white space aside.
    pub fn is_rendering_of(&self, message: &str, values: &[&str]) -> bool {
        let spaced = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        self.render(values)
            .is_ok_and(|rendered| spaced(&rendered) == spaced(message))
    }
}

/// One row of the error-code table.
#[derive(Debug, Clone)]
pub struct ErrorSpec {
    /// The error the row is about: the `Code` of its bodies.
    pub code: ErrorCode,
    /// The HTTP status the table gives for it.
    pub status: http::StatusCode,
    /// The Message template.
    pub message: MessageTemplate,
    /// What each `%s` stands for, in order (`flow`, `execution`, `parameter`, ...).
    pub placeholders: Vec<String>,
    /// Other documented wordings of the message, with the same placeholders.
    pub alternatives: Vec<MessageTemplate>,
    /// Whether the row is in DescribeExecution's own table (not another operation's).
    pub describe_execution: bool,
}

impl ErrorSpec {
    /// The main template and then the alternatives.
    pub fn templates(&self) -> impl Iterator<Item = &MessageTemplate> {
        std::iter::once(&self.message).chain(&self.alternatives)
    }

    /// The placeholder values if `message` has the form of any documented wording.
    pub fn captures(&self, message: &str) -> Option<Vec<String>> {
        self.templates()
            .find_map(|template| template.captures(message))
    }

    /// Where each placeholder's value is in `message`, if it has the form of any documented
    /// wording.
    pub fn value_spans(&self, message: &str) -> Option<Vec<std::ops::Range<usize>>> {
        self.templates()
            .find_map(|template| template.value_spans(message))
    }

    /// Whether `message` is a documented wording rendered with exactly `values`.
    pub fn is_rendering_of(&self, message: &str, values: &[&str]) -> bool {
        self.templates()
            .any(|template| template.is_rendering_of(message, values))
    }

    /// The main wording rendered with `values`.
    pub fn render(&self, values: &[&str]) -> Result<String, ArityError> {
        self.message.render(values)
    }
}

/// The whole error-code table.
#[derive(Debug, Clone)]
pub struct ErrorTable {
    rows: Vec<ErrorSpec>,
}

#[derive(Deserialize)]
struct TableFile {
    describe_execution: Vec<RowFile>,
    other_operations: Vec<RowFile>,
}

#[derive(Deserialize)]
struct RowFile {
    status: u16,
    code: String,
    message: String,
    placeholders: Vec<String>,
    #[serde(default)]
    alternatives: Vec<String>,
}

impl ErrorTable {
    /// Reads the table from its JSON data (already validated against its schema).
    pub(super) fn from_json(value: serde_json::Value) -> Result<Self, ContractError> {
        let file: TableFile = serde_json::from_value(value).map_err(|error| {
            ContractError::Table(format!("error-codes.json does not parse: {error}"))
        })?;
        let own = file.describe_execution.into_iter().map(|row| (row, true));
        let other = file.other_operations.into_iter().map(|row| (row, false));
        let rows = own
            .chain(other)
            .map(|(row, describe_execution)| row.into_spec(describe_execution))
            .collect::<Result<Vec<_>, _>>()?;
        for code in ErrorCode::ALL {
            match rows.iter().filter(|row| row.code == *code).count() {
                1 => {}
                count => {
                    return Err(ContractError::Table(format!(
                        "code {code} has {count} rows, expected exactly one"
                    )));
                }
            }
        }
        Ok(Self { rows })
    }

    /// The row of a code.
    pub fn get(&self, code: ErrorCode) -> &ErrorSpec {
        self.rows
            .iter()
            .find(|row| row.code == code)
            .expect("every code has a row: checked when the table is loaded")
    }

    /// The row of a Code given as text, if the contract knows it.
    pub fn lookup(&self, code: &str) -> Option<&ErrorSpec> {
        code.parse().ok().map(|code| self.get(code))
    }

    /// The HTTP status the table gives for a code.
    pub fn status_of(&self, code: ErrorCode) -> http::StatusCode {
        self.get(code).status
    }

    /// All rows: DescribeExecution's own, in the seed's order, then other operations'.
    pub fn rows(&self) -> &[ErrorSpec] {
        &self.rows
    }

    /// The rows of DescribeExecution's own table, in the seed's order.
    pub fn describe_execution(&self) -> impl Iterator<Item = &ErrorSpec> {
        self.rows.iter().filter(|row| row.describe_execution)
    }

    /// The documented code a Code of the API gateway's own families stands for
    /// (`Throttling.User`: ResourceThrottled), if `code` is one. Such an answer deviates
    /// from the documented contract without being a wrong answer: `error-family` reports
    /// it, `expected-outcome` takes it as the code it stands for.
    pub fn gateway_family(&self, code: &str) -> Option<ErrorCode> {
        GATEWAY_FAMILIES
            .iter()
            .find(|(prefix, _)| code.starts_with(prefix))
            .map(|(_, documented)| *documented)
    }

    /// Whether `code` is `documented`, or a Code of the gateway's families that stands for
    /// it.
    pub fn stands_for(&self, code: &str, documented: ErrorCode) -> bool {
        code == documented.as_str() || self.gateway_family(code) == Some(documented)
    }
}

/// The error families of Alibaba Cloud's API gateway (`../shared/contract/observed-service.md`,
/// "Auth errors may come from the gateway in its own code family"), each a Code prefix
/// and the documented code it stands for.
const GATEWAY_FAMILIES: &[(&str, ErrorCode)] = &[
    // Throttling, Throttling.User, Throttling.Api, ...: terraform retries them all.
    ("Throttling", ErrorCode::ResourceThrottled),
    // The auth errors: InvalidAccessKeyId.NotFound (404), SignatureDoesNotMatch (400),
    // InvalidTimeStamp.Expired (400), and a nonce sent before (the page has no replay
    // error: a signature it will not take is SignatureNotMatch).
    ("InvalidAccessKeyId.NotFound", ErrorCode::InvalidAccessKeyID),
    ("SignatureDoesNotMatch", ErrorCode::SignatureNotMatch),
    ("InvalidTimeStamp.Expired", ErrorCode::RequestTimeTooSkewed),
    ("SignatureNonceUsed", ErrorCode::SignatureNotMatch),
];

impl RowFile {
    fn into_spec(self, describe_execution: bool) -> Result<ErrorSpec, ContractError> {
        let code: ErrorCode = self
            .code
            .parse()
            .map_err(|error| ContractError::Table(format!("{error} in error-codes.json")))?;
        let status = http::StatusCode::from_u16(self.status).map_err(|error| {
            ContractError::Table(format!("{code}: status {}: {error}", self.status))
        })?;
        let message = MessageTemplate::new(&self.message);
        let alternatives: Vec<_> = self
            .alternatives
            .iter()
            .map(|text| MessageTemplate::new(text))
            .collect();
        for template in std::iter::once(&message).chain(&alternatives) {
            if template.placeholders() != self.placeholders.len() {
                return Err(ContractError::Table(format!(
                    "{code}: template {:?} has {} placeholders but {} are named",
                    template.text(),
                    template.placeholders(),
                    self.placeholders.len()
                )));
            }
        }
        Ok(ErrorSpec {
            code,
            status,
            message,
            placeholders: self.placeholders,
            alternatives,
            describe_execution,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_renders_and_reads_back_its_values() {
        let template = MessageTemplate::new("Execution %s for flow %s does not exist.");
        let message = template.render(&["exec", "flow"]).unwrap();
        assert_eq!(message, "Execution exec for flow flow does not exist.");
        assert_eq!(
            template.captures(&message),
            Some(vec!["exec".to_owned(), "flow".to_owned()])
        );
        assert!(template.is_rendering_of(&message, &["exec", "flow"]));
        assert!(!template.is_rendering_of(&message, &["flow", "exec"]));
    }

    #[test]
    fn template_escapes_regex_characters() {
        let template =
            MessageTemplate::new("The payload size exceeds maximum allowed size (%s bytes).");
        assert_eq!(
            template.captures("The payload size exceeds maximum allowed size (65536 bytes)."),
            Some(vec!["65536".to_owned()])
        );
        assert_eq!(
            template.captures("The payload size exceeds maximum allowed size [65536 bytes]!"),
            None
        );
    }

    #[test]
    fn template_without_placeholders_matches_only_itself() {
        let template = MessageTemplate::new("Parameter error.");
        assert_eq!(template.captures("Parameter error."), Some(vec![]));
        assert_eq!(template.captures("Parameter error"), None);
        assert_eq!(template.captures("Parameter errorX"), None);
        assert_eq!(template.captures("Parametererror."), None);
        // White space counts as one space and is ignored at the ends (message-whitespace).
        assert_eq!(template.captures(" Parameter  error. "), Some(vec![]));
        assert_eq!(template.captures("Parameter\terror."), Some(vec![]));
    }

    #[test]
    fn values_are_read_whatever_the_white_space_around_them() {
        let template = MessageTemplate::new("Flow %s does not exist.");
        assert_eq!(
            template.captures("Flow  flow does not exist."),
            Some(vec!["flow".to_owned()])
        );
        assert_eq!(
            template.captures("Flow flow  does not exist. "),
            Some(vec!["flow".to_owned()])
        );
        assert!(template.is_rendering_of("Flow  flow does not exist.", &["flow"]));
        assert!(!template.is_rendering_of("Flow flows does not exist.", &["flow"]));
    }

    #[test]
    fn render_refuses_the_wrong_number_of_values() {
        let template = MessageTemplate::new("Flow %s does not exist.");
        assert_eq!(
            template.render(&[]),
            Err(ArityError {
                template: "Flow %s does not exist.".to_owned(),
                expected: 1,
                given: 0
            })
        );
        assert!(template.render(&["a", "b"]).is_err());
    }

    #[test]
    fn codes_round_trip_through_text() {
        for code in ErrorCode::ALL {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
        }
        assert!("invalidargument".parse::<ErrorCode>().is_err());
    }
}
