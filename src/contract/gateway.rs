//! The error families of Alibaba Cloud's API gateway: codes a real service in front of the
//! gateway may answer instead of the documented ones (`observed-service.md`: "Auth errors
//! may come from the gateway in its own code family"). They are not the contract's codes,
//! so an answer with one is a deviation from the page; but it says the same thing as the
//! documented code it stands for, so the harness reports it under a check of its own
//! (`error-family`), which a baseline can accept, and not as a wrong answer.

use super::ErrorCode;

/// A Code of the API gateway's own family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayError {
    /// `InvalidAccessKeyId.NotFound` (404): the documented `InvalidAccessKeyID`.
    AccessKeyNotFound,
    /// `SignatureDoesNotMatch` (400): the documented `SignatureNotMatch`.
    SignatureDoesNotMatch,
    /// `InvalidTimeStamp.Expired` (400): the documented `RequestTimeTooSkewed`.
    TimeStampExpired,
    /// `SignatureNonceUsed`: a nonce sent before; the page has no replay error, and a
    /// signature the service will not take is its `SignatureNotMatch`.
    SignatureNonceUsed,
    /// `Throttling.User`: the documented `ResourceThrottled`.
    ThrottlingUser,
}

impl GatewayError {
    /// Every gateway Code the harness knows.
    pub const ALL: [GatewayError; 5] = [
        GatewayError::AccessKeyNotFound,
        GatewayError::SignatureDoesNotMatch,
        GatewayError::TimeStampExpired,
        GatewayError::SignatureNonceUsed,
        GatewayError::ThrottlingUser,
    ];

    /// The Code as the gateway answers it.
    pub fn code(self) -> &'static str {
        match self {
            GatewayError::AccessKeyNotFound => "InvalidAccessKeyId.NotFound",
            GatewayError::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            GatewayError::TimeStampExpired => "InvalidTimeStamp.Expired",
            GatewayError::SignatureNonceUsed => "SignatureNonceUsed",
            GatewayError::ThrottlingUser => "Throttling.User",
        }
    }

    /// The HTTP status it has been seen with, where the public material gives one.
    pub fn status(self) -> Option<u16> {
        match self {
            GatewayError::AccessKeyNotFound => Some(404),
            GatewayError::SignatureDoesNotMatch | GatewayError::TimeStampExpired => Some(400),
            GatewayError::SignatureNonceUsed | GatewayError::ThrottlingUser => None,
        }
    }

    /// The documented Code it stands for.
    pub fn stands_for(self) -> ErrorCode {
        match self {
            GatewayError::AccessKeyNotFound => ErrorCode::InvalidAccessKeyID,
            GatewayError::SignatureDoesNotMatch | GatewayError::SignatureNonceUsed => {
                ErrorCode::SignatureNotMatch
            }
            GatewayError::TimeStampExpired => ErrorCode::RequestTimeTooSkewed,
            GatewayError::ThrottlingUser => ErrorCode::ResourceThrottled,
        }
    }

    /// The gateway Code `code` is, if it is one.
    pub fn of_code(code: &str) -> Option<GatewayError> {
        Self::ALL.into_iter().find(|known| known.code() == code)
    }

    /// The gateway Code that stands for the documented `code`, if one does (the first:
    /// `SignatureDoesNotMatch` for `SignatureNotMatch`).
    pub fn standing_for(code: ErrorCode) -> Option<GatewayError> {
        Self::ALL
            .into_iter()
            .find(|known| known.stands_for() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::GatewayError;
    use crate::contract::{Contract, ErrorCode};

    #[test]
    fn gateway_codes_are_no_codes_of_the_table() {
        let table = Contract::embedded().errors();
        for known in GatewayError::ALL {
            assert!(table.lookup(known.code()).is_none(), "{}", known.code());
            assert_eq!(GatewayError::of_code(known.code()), Some(known));
        }
        assert_eq!(GatewayError::of_code("SignatureNotMatch"), None);
        assert_eq!(
            GatewayError::standing_for(ErrorCode::SignatureNotMatch),
            Some(GatewayError::SignatureDoesNotMatch)
        );
    }
}
