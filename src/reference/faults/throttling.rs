//! The faults of throttling answers: a target with one of them throttles DescribeExecution
//! (see `reference::throttle`) and bends its 429 ResourceThrottled, which only the
//! throttling probe (`--probe-throttling`) provokes; the fault matrix runs it for them.

use crate::checks::CheckId;

/// A rule of the throttling answer broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThrottleFault {
    /// Throttling is answered with HTTP 503.
    As503,
    /// Throttling is answered with HTTP 400.
    As400,
    /// Throttling is answered with a Code the table does not have.
    WrongCode,
    /// The throttling message is not its template.
    OffTemplate,
    /// The retry hint cannot be read.
    HintMalformed,
    /// The retry hint is a negative number of milliseconds.
    HintNegative,
    /// Throttling is answered in the API gateway's family (`Throttling.User`).
    GatewayFamily,
}

impl ThrottleFault {
    /// Every throttling fault.
    pub const ALL: [Self; 7] = [
        Self::As503,
        Self::As400,
        Self::WrongCode,
        Self::OffTemplate,
        Self::HintMalformed,
        Self::HintNegative,
        Self::GatewayFamily,
    ];

    pub(super) fn suffix(self) -> &'static str {
        match self {
            Self::As503 => "as-503",
            Self::As400 => "as-400",
            Self::WrongCode => "wrong-code",
            Self::OffTemplate => "off-template",
            Self::HintMalformed => "hint-malformed",
            Self::HintNegative => "hint-negative",
            Self::GatewayFamily => "gateway-family",
        }
    }

    pub(super) fn description(self) -> &'static str {
        match self {
            Self::As503 => "throttling is answered 503 ResourceThrottled",
            Self::As400 => "throttling is answered 400 ResourceThrottled",
            Self::WrongCode => {
                "throttling is answered 429 TooManyRequests, a Code the table does not have"
            }
            Self::OffTemplate => "the throttling message reads 'Rate exceeded.'",
            Self::HintMalformed => "the throttling retry hint reads x-acs-retry-after: soon",
            Self::HintNegative => "the throttling retry hint reads x-acs-retry-after: -1000",
            Self::GatewayFamily => {
                "throttling is answered 429 Throttling.User, the API gateway's family"
            }
        }
    }

    pub(super) fn owner(self) -> CheckId {
        match self {
            Self::As503 | Self::As400 => CheckId::StatusMatchesCode,
            Self::WrongCode => CheckId::ExpectedOutcome,
            Self::OffTemplate => CheckId::MessageTemplate,
            Self::HintMalformed | Self::HintNegative => CheckId::RetryHint,
            Self::GatewayFamily => CheckId::ErrorFamily,
        }
    }

    /// A throttling answer's status, Code and Message as answered.
    pub(crate) fn bend(self, status: u16, code: String, message: String) -> (u16, String, String) {
        match self {
            Self::As503 => (503, code, message),
            Self::As400 => (400, code, message),
            Self::WrongCode => (status, "TooManyRequests".to_owned(), message),
            Self::OffTemplate => (status, code, "Rate exceeded.".to_owned()),
            Self::GatewayFamily => (
                status,
                "Throttling.User".to_owned(),
                "Request was denied due to user flow control.".to_owned(),
            ),
            Self::HintMalformed | Self::HintNegative => (status, code, message),
        }
    }

    /// The `x-acs-retry-after` value a throttling answer gives instead of its own.
    pub(crate) fn hint(self) -> Option<&'static str> {
        match self {
            Self::HintMalformed => Some("soon"),
            Self::HintNegative => Some("-1000"),
            _ => None,
        }
    }
}
