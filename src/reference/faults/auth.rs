//! The faults of authentication: a signature held to less than all of itself, a v3 body
//! not held to its declared hash, the clock checked one way, validation before
//! authentication, and the API gateway's codes in place of the documented ones.

use crate::checks::CheckId;
use crate::contract::ErrorCode;

/// An authentication rule broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthFault {
    /// Only the first characters of a signature are compared.
    SignaturePrefixOnly,
    /// Signatures are compared without regard to case.
    SignatureCaseInsensitive,
    /// A v3 body is not checked against its declared `x-acs-content-sha256`.
    BodyHashUnchecked,
    /// Only request times in the past are checked against the clock.
    SkewPastOnly,
    /// Parameters are validated before the request is authenticated.
    ValidatesBeforeAuth,
    /// Auth errors are answered in the API gateway's code family.
    GatewayAuthErrors,
}

/// How many leading characters of a signature [`AuthFault::SignaturePrefixOnly`] compares.
pub(crate) const COMPARED_PREFIX: usize = 8;

impl AuthFault {
    /// Every authentication fault.
    pub const ALL: [Self; 6] = [
        Self::SignaturePrefixOnly,
        Self::SignatureCaseInsensitive,
        Self::BodyHashUnchecked,
        Self::SkewPastOnly,
        Self::ValidatesBeforeAuth,
        Self::GatewayAuthErrors,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::SignaturePrefixOnly => "signature-prefix-only",
            Self::SignatureCaseInsensitive => "signature-case-insensitive",
            Self::BodyHashUnchecked => "body-hash-unchecked",
            Self::SkewPastOnly => "skew-past-only",
            Self::ValidatesBeforeAuth => "validates-before-auth",
            Self::GatewayAuthErrors => "gateway-auth-errors",
        }
    }

    pub(super) fn description(self) -> &'static str {
        match self {
            Self::SignaturePrefixOnly => "only the first 8 characters of a signature are compared",
            Self::SignatureCaseInsensitive => "signatures are compared without regard to case",
            Self::BodyHashUnchecked => {
                "a v3 body is not checked against its x-acs-content-sha256, so it can be swapped after signing"
            }
            Self::SkewPastOnly => "request times in the future are accepted, however far ahead",
            Self::ValidatesBeforeAuth => {
                "parameters are validated before authentication, so a request that does not authenticate learns InvalidArgument"
            }
            Self::GatewayAuthErrors => {
                "auth errors are InvalidAccessKeyId.NotFound 404, SignatureDoesNotMatch 400 and InvalidTimeStamp.Expired 400, as Alibaba Cloud's API gateway answers"
            }
        }
    }

    pub(super) fn owner(self) -> CheckId {
        match self {
            Self::GatewayAuthErrors => CheckId::ErrorFamily,
            _ => CheckId::ExpectedOutcome,
        }
    }
}

/// The status, Code and Message the API gateway answers for the documented auth error
/// `code`, if it has one of its own for it (its usual messages).
pub(crate) fn gateway_error(code: &str) -> Option<(u16, &'static str, &'static str)> {
    let documented = code.parse::<ErrorCode>().ok()?;
    GATEWAY_AUTH_ERRORS
        .iter()
        .find(|(stands_for, ..)| *stands_for == documented)
        .map(|(_, status, code, message)| (*status, *code, *message))
}

/// The gateway's auth errors (`observed-service.md`): the documented code each stands for,
/// its status, Code and usual Message.
const GATEWAY_AUTH_ERRORS: [(ErrorCode, u16, &str, &str); 3] = [
    (
        ErrorCode::InvalidAccessKeyID,
        404,
        "InvalidAccessKeyId.NotFound",
        "Specified access key is not found.",
    ),
    (
        ErrorCode::SignatureNotMatch,
        400,
        "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation.",
    ),
    (
        ErrorCode::RequestTimeTooSkewed,
        400,
        "InvalidTimeStamp.Expired",
        "Specified time stamp or date value is expired.",
    ),
];

#[cfg(test)]
mod tests {
    use super::GATEWAY_AUTH_ERRORS;
    use crate::contract::Contract;

    #[test]
    fn the_contract_knows_each_gateway_code_for_what_it_stands_for() {
        let errors = Contract::embedded().errors();
        for (documented, _, code, _) in GATEWAY_AUTH_ERRORS {
            assert_eq!(errors.gateway_family(code), Some(documented), "{code}");
            assert!(errors.lookup(code).is_none(), "{code}");
        }
    }
}
