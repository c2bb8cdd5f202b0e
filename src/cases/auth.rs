//! The `auth/*` cases: the signature must cover exactly what is sent (each part changed
//! after signing, the signature itself altered), the request time must be near the
//! service's clock in both directions, and a request that does not authenticate gets the
//! auth error whatever else is wrong with it.
//!
//! What a correct service answers is the page's auth error (403 SignatureNotMatch,
//! InvalidAccessKeyID, RequestTimeTooSkewed); where another documented answer is as
//! correct (a removed Timestamp is a missing parameter too), the case accepts it and its
//! description says so. The API gateway's own codes for the same errors
//! (`SignatureDoesNotMatch`, ...) are deviations reported by `error-family`, not wrong
//! answers.

use super::catalog::{Builder, SKEW, describe};
use super::{Caller, Case, CaseRequest, Expected, Outcome, SignatureEdit, Tag, Tamper};
use crate::contract::{ErrorCode, OpenQuestion, describe_outcomes, open_note};
use crate::wire::{FORM_CONTENT_TYPE, RpcRequest, SignatureVersion, join_encoded};

/// The Alibaba Cloud platform's clock tolerance (`observed-service.md`): the page gives no
/// number. A request this far off is refused under it, whatever tolerance up to it a
/// service keeps.
const CONVENTION_SKEW: time::Duration = time::Duration::minutes(20);

/// A skew every service accepts: a client's clock a few seconds off.
const SMALL_SKEW: time::Duration = time::Duration::seconds(5);

/// The parameters of signature v1 that an unsigned request lacks: what a service that
/// answers it MissingRequiredParams may name.
const SIGNATURE_PARAMS: [&str; 4] = [
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
];

/// The Code every broken signature gets.
fn signature_not_match() -> Vec<Outcome> {
    vec![Outcome::error(ErrorCode::SignatureNotMatch, &[])]
}

impl Builder<'_> {
    /// Every `auth/*` case, in a stable order.
    pub(super) fn auth_cases(&self) -> Vec<Case> {
        let mut cases = self.integrity_cases(SignatureVersion::V1);
        cases.extend(self.integrity_cases(SignatureVersion::V3));
        cases.extend(self.skew_cases());
        cases.extend(self.auth_first_cases());
        cases
    }

    /// A case of the family: `what`, then every answer it accepts and the open questions.
    fn auth_case(
        &self,
        id: &str,
        tags: &[Tag],
        what: &str,
        request: CaseRequest,
        expect: Vec<Outcome>,
        questions: Vec<OpenQuestion>,
    ) -> Case {
        Case {
            id: format!("auth/{id}"),
            tags: [&[Tag::Auth], tags].concat(),
            description: format!(
                "{what}: {}{}",
                describe_outcomes(&expect, self.contract),
                open_note(&questions)
            ),
            request,
            expect,
            questions,
        }
    }

    /// The run's finished execution, signed with `version` and changed by `tamper` after
    /// signing.
    fn tampered(&self, rpc: RpcRequest, version: SignatureVersion, tamper: Tamper) -> CaseRequest {
        CaseRequest {
            signature: Some(version),
            tamper: Some(tamper),
            ..CaseRequest::signed(rpc)
        }
    }

    /// The signature altered, and each signed part changed after signing.
    fn integrity_cases(&self, version: SignatureVersion) -> Vec<Case> {
        let fixtures = self.fixtures;
        let v3 = version == SignatureVersion::V3;
        let prefix = version.as_str();
        let tags: &[Tag] = if v3 {
            &[Tag::SignedRun, Tag::V3]
        } else {
            &[Tag::SignedRun]
        };
        let good = || describe(&fixtures.flow, &fixtures.execution);
        let mut cases = Vec::new();
        let mut push = |id: &str, what: &str, rpc: RpcRequest, tamper: Tamper| {
            cases.push(self.auth_case(
                &format!("{prefix}-{id}"),
                tags,
                &format!("signature {prefix}, then {what}"),
                self.tampered(rpc, version, tamper),
                signature_not_match(),
                Vec::new(),
            ));
        };
        for (edit, id) in SignatureEdit::ALL {
            // Hex is read without regard to case: a v3 signature in upper case is the same.
            if v3 && edit == SignatureEdit::SwapCase {
                continue;
            }
            if edit == SignatureEdit::Empty {
                continue;
            }
            push(
                &format!("signature-{id}"),
                &format!("the signature {}", edit_text(edit)),
                good(),
                Tamper::Signature(edit),
            );
        }
        push(
            "param-value-changed",
            "ExecutionName changed to another valid name",
            good(),
            Tamper::SetParam("ExecutionName", fixtures.absent_execution.clone()),
        );
        push(
            "param-added",
            "WaitTimeSeconds=0 added",
            good(),
            Tamper::SetParam("WaitTimeSeconds", "0".to_owned()),
        );
        push(
            "param-removed",
            "its WaitTimeSeconds=0 removed",
            good().param("WaitTimeSeconds", "0"),
            Tamper::RemoveParam("WaitTimeSeconds"),
        );
        push(
            "method-changed",
            "sent as POST with an empty form body (as clients send it) instead of the signed GET",
            good(),
            Tamper::Method(http::Method::POST),
        );
        push(
            "time-changed",
            "the request time a second later (within any clock tolerance)",
            good(),
            Tamper::SecondLater,
        );
        push(
            "nonce-changed",
            "the signature nonce replaced",
            good(),
            Tamper::NewNonce,
        );
        if v3 {
            push(
                "x-acs-action-changed",
                "x-acs-action changed to ListExecutions (read-only, valid with these parameters)",
                good(),
                Tamper::SetHeader("x-acs-action", "ListExecutions".to_owned()),
            );
            push(
                "x-acs-content-sha256-changed",
                "x-acs-content-sha256 changed to a hash the (empty) body does not have",
                good(),
                Tamper::SetHeader("x-acs-content-sha256", "0".repeat(64)),
            );
            let mut post = good();
            post.method = http::Method::POST;
            let mut swapped = describe(&fixtures.flow, &fixtures.absent_execution);
            swapped.method = http::Method::POST;
            push(
                "body-swapped",
                "its form body (POST) replaced by another valid one, content type and declared x-acs-content-sha256 kept",
                post.clone(),
                Tamper::ReplaceBody {
                    content_type: FORM_CONTENT_TYPE.to_owned(),
                    body: join_encoded(
                        swapped
                            .params
                            .iter()
                            .map(|(name, value)| (name.as_str(), value.as_str())),
                    )
                    .into_bytes(),
                },
            );
            push(
                "content-type-changed",
                "the signed content-type of its form body (POST) given a charset",
                post,
                Tamper::SetHeader(
                    "content-type",
                    format!("{FORM_CONTENT_TYPE}; charset=UTF-8"),
                ),
            );
        }
        // Answers other than SignatureNotMatch that a correct service may give.
        let empty = self.tampered(good(), version, Tamper::Signature(SignatureEdit::Empty));
        cases.push(if v3 {
            self.auth_case(
                &format!("{prefix}-signature-empty"),
                tags,
                &format!("signature {prefix}, then the signature emptied"),
                empty,
                signature_not_match(),
                Vec::new(),
            )
        } else {
            self.auth_case(
                &format!("{prefix}-signature-empty"),
                tags,
                &format!(
                    "signature {prefix}, then the signature emptied (an empty value may be read as none)"
                ),
                empty,
                vec![
                    Outcome::error(ErrorCode::SignatureNotMatch, &[]),
                    Outcome::error(ErrorCode::MissingRequiredParams, &["Signature"]),
                ],
                vec![OpenQuestion::EmptyValue],
            )
        });
        if v3 {
            cases.push(self.auth_case(
                &format!("{prefix}-x-acs-version-changed"),
                tags,
                "signature v3, then x-acs-version changed to 2020-01-01 (a service may resolve the version before it authenticates)",
                self.tampered(
                    good(),
                    version,
                    Tamper::SetHeader("x-acs-version", "2020-01-01".to_owned()),
                ),
                vec![
                    Outcome::error(ErrorCode::SignatureNotMatch, &[]),
                    Outcome::error(ErrorCode::APIVersionNotSupported, &["2020-01-01"]),
                ],
                Vec::new(),
            ));
        } else {
            cases.push(self.auth_case(
                &format!("{prefix}-timestamp-removed"),
                tags,
                "signature v1, then its Timestamp removed (a missing parameter too)",
                self.tampered(good(), version, Tamper::RemoveParam("Timestamp")),
                vec![
                    Outcome::error(ErrorCode::SignatureNotMatch, &[]),
                    Outcome::error(ErrorCode::MissingRequiredParams, &["Timestamp"]),
                ],
                Vec::new(),
            ));
        }
        cases
    }

    /// The request time off in both directions: an hour and twenty minutes refused, a few
    /// seconds accepted. (An hour in the past is `protocol/skewed-time`.)
    fn skew_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let good = || describe(&fixtures.flow, &fixtures.execution);
        let too_skewed = || {
            vec![Outcome::Error {
                code: ErrorCode::RequestTimeTooSkewed,
                values: vec![Expected::SentTime, Expected::Any],
            }]
        };
        let skewed = |skew: time::Duration| CaseRequest {
            skew: Some(skew),
            ..CaseRequest::signed(good())
        };
        let tags = [Tag::SignedRun];
        let mut cases = vec![self.auth_case(
            "skew-future-hour",
            &tags,
            "request time an hour ahead (RequestTimeTooSkewed is about the difference, either way)",
            skewed(-SKEW),
            too_skewed(),
            Vec::new(),
        )];
        for (direction, sign) in [("past", 1), ("future", -1)] {
            cases.push(self.auth_case(
                &format!("skew-{direction}-20-minutes"),
                &tags,
                &format!(
                    "request time 20 minutes in the {direction}: refused under Alibaba Cloud's 15-minute convention (observed-service.md; the page gives no number)"
                ),
                skewed(CONVENTION_SKEW * sign),
                too_skewed(),
                vec![OpenQuestion::ClockTolerance],
            ));
        }
        for (direction, sign) in [("past", 1), ("future", -1)] {
            let mut case = self.oracle_case(
                format!("auth/skew-{direction}-seconds"),
                vec![Tag::Auth, Tag::SignedRun],
                &format!("request time 5 s in the {direction}, as a client's clock may be"),
                good(),
            );
            case.request.skew = Some(SMALL_SKEW * sign);
            cases.push(case);
        }
        cases
    }

    /// Requests that do not authenticate, each with invalid parameters: the auth error,
    /// never the validation error.
    fn auth_first_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let too_long_wait = (self.contract.wait_time_seconds().end() + 1).to_string();
        let invalid: [(&str, &str, RpcRequest); 3] = [
            (
                "bad-flow",
                "FlowName bad.name",
                describe(BAD_NAME, &fixtures.execution),
            ),
            (
                "wait-over-max",
                "WaitTimeSeconds one over the maximum",
                describe(&fixtures.flow, &fixtures.execution)
                    .param("WaitTimeSeconds", too_long_wait),
            ),
            (
                "no-execution",
                "no ExecutionName",
                RpcRequest::get(crate::contract::OPERATION).param("FlowName", &fixtures.flow),
            ),
        ];
        let unknown_key = super::catalog::unknown_access_key(fixtures);
        let mut unsigned = vec![
            Outcome::Error {
                code: ErrorCode::InvalidAccessKeyID,
                values: vec![Expected::Any],
            },
            Outcome::error(ErrorCode::SignatureNotMatch, &[]),
            Outcome::error(ErrorCode::AccessDenied, &[]),
        ];
        unsigned.extend(
            SIGNATURE_PARAMS
                .map(|param| Outcome::error(ErrorCode::MissingRequiredParams, &[param])),
        );
        let callers = [
            Unauthenticated {
                id: "unsigned",
                text: "no signature and no access key (the errors of protocol/unsigned; MissingRequiredParams must name a parameter of the signature)",
                caller: Caller::Unsigned,
                tags: &[Tag::SignedRun],
                expect: unsigned,
                questions: vec![OpenQuestion::UnsignedRequest],
            },
            Unauthenticated {
                id: "wrong-secret",
                text: "signed with a wrong secret",
                caller: Caller::WrongSecret,
                tags: &[],
                expect: signature_not_match(),
                questions: Vec::new(),
            },
            Unauthenticated {
                id: "unknown-key",
                text: "an access key no account has",
                caller: Caller::UnknownKey,
                tags: &[],
                expect: vec![Outcome::error(
                    ErrorCode::InvalidAccessKeyID,
                    &[&unknown_key],
                )],
                questions: Vec::new(),
            },
        ];
        let mut cases = Vec::new();
        for who in callers {
            for (params_id, params_text, rpc) in &invalid {
                cases.push(self.auth_case(
                    &format!("first-{}-{params_id}", who.id),
                    who.tags,
                    &format!(
                        "{}, and {params_text}: authentication comes first",
                        who.text
                    ),
                    CaseRequest {
                        caller: who.caller,
                        ..CaseRequest::signed(rpc.clone())
                    },
                    who.expect.clone(),
                    who.questions.clone(),
                ));
            }
        }
        cases
    }
}

/// A caller whose requests do not authenticate, and what it must be answered.
struct Unauthenticated {
    id: &'static str,
    text: &'static str,
    caller: Caller,
    tags: &'static [Tag],
    expect: Vec<Outcome>,
    questions: Vec<OpenQuestion>,
}

/// A FlowName the contract refuses in every reading (a `.`).
const BAD_NAME: &str = "bad.name";

/// What an alteration does to the signature, for descriptions.
fn edit_text(edit: SignatureEdit) -> &'static str {
    match edit {
        SignatureEdit::First => "with its first character changed",
        SignatureEdit::Middle => "with its middle character changed",
        SignatureEdit::Last => "with its last character changed",
        SignatureEdit::SwapCase => {
            "with the case of its letters swapped (Base64 is case-sensitive)"
        }
        SignatureEdit::Truncate => "cut to its first half",
        SignatureEdit::Extend => "extended by four characters",
        SignatureEdit::Empty => "emptied",
    }
}

#[cfg(test)]
mod tests {
    use super::BAD_NAME;
    use crate::cases::catalog::catalog;
    use crate::cases::fixtures::Fixtures;
    use crate::cases::{Case, Tag};
    use crate::contract::Contract;

    fn cases() -> Vec<Case> {
        catalog(Contract::embedded(), &Fixtures::fresh())
            .into_iter()
            .filter(|case| case.id.starts_with("auth/"))
            .collect()
    }

    #[test]
    fn the_bad_name_is_invalid() {
        assert!(!Contract::embedded().names().is_valid(BAD_NAME));
    }

    #[test]
    fn every_auth_case_is_tagged_auth_and_v3_ones_v3() {
        let cases = cases();
        assert!(cases.len() >= 40, "{} auth cases", cases.len());
        for case in &cases {
            assert!(case.tags.contains(&Tag::Auth), "{}", case.id);
            assert_eq!(
                case.tags.contains(&Tag::V3),
                case.id.starts_with("auth/v3-"),
                "{}",
                case.id
            );
        }
    }
}
