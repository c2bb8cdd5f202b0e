//! The catalog: named, deterministic cases derived from the contract, covering every rule
//! of the seed. Whether a value is valid, and so what must come back, is asked of the
//! contract; the catalog only chooses values at and around the edges.

use super::fixtures::Fixtures;
use super::{Caller, Case, CaseRequest, Expected, Outcome, Tag, Tamper};
use crate::contract::{
    Answer, Contract, ErrorCode, Known, NameParameter, OPERATION, OpenQuestion, describe_outcomes,
    open_note,
};
use crate::wire::{RpcRequest, SignatureVersion, v3};

/// How far a skewed request's time is from now: well past any service's tolerance.
pub(super) const SKEW: time::Duration = time::Duration::HOUR;

/// The size of the oversized body: twice the reference target's default limit.
const OVERSIZED_BODY: usize = 2 * 1024 * 1024;

/// Every case, in a stable order, for the fixtures' names.
pub fn catalog(contract: &Contract, fixtures: &Fixtures) -> Vec<Case> {
    let builder = Builder { contract, fixtures };
    let mut cases = Vec::new();
    for dimension in NameParameter::ALL {
        cases.extend(builder.name_cases(dimension));
    }
    cases.extend(builder.wait_time_cases());
    cases.extend(builder.missing_cases());
    cases.extend(builder.protocol_cases());
    cases.extend(builder.auth_cases());
    cases.extend(builder.existence_cases());
    cases.extend(super::encodings::encoding_cases(&builder));
    cases.extend(super::isolation::isolation_cases(&builder));
    cases
}

/// What every family of cases is built from: the contract and the run's fixtures.
pub(super) struct Builder<'a> {
    pub(super) contract: &'a Contract,
    pub(super) fixtures: &'a Fixtures,
}

/// A DescribeExecution of `execution` in `flow`, by GET.
pub(super) fn describe(flow: &str, execution: &str) -> RpcRequest {
    RpcRequest::get(OPERATION)
        .param("FlowName", flow)
        .param("ExecutionName", execution)
}

impl Builder<'_> {
    /// A DescribeExecution case whose expectation is the oracle's: every answer the
    /// contract allows to `rpc`'s parameters, given the run's fixtures. Its description is
    /// `what`, the answers, and the open questions the request touches; it is tagged
    /// `valid` or `invalid` by the contract's own reading.
    pub(super) fn oracle_case(
        &self,
        id: String,
        tags: Vec<Tag>,
        what: &str,
        rpc: RpcRequest,
    ) -> Case {
        let fixtures = self.fixtures;
        let params: Vec<(&str, &str)> = rpc
            .params
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let allowed = self.contract.allowed(&params);
        // Names made unique by the run name no flow; others (short ones) might.
        let absent: Vec<&str> = params
            .iter()
            .filter(|(name, value)| {
                *name == "FlowName"
                    && value
                        .to_lowercase()
                        .contains(&fixtures.run_id.to_lowercase())
            })
            .map(|(_, value)| *value)
            .filter(|value| *value != fixtures.flow)
            .collect();
        let (expect, questions) = allowed.outcomes(&Known {
            flow: &fixtures.flow,
            execution: Some(&fixtures.execution),
            absent_flows: &absent,
        });
        let valid = matches!(allowed.answers.first(), Some(Answer::Query(_)));
        Case {
            id,
            tags: [tags, vec![if valid { Tag::Valid } else { Tag::Invalid }]].concat(),
            description: format!(
                "{what}: {}{}",
                describe_outcomes(&expect, self.contract),
                open_note(&questions)
            ),
            request: CaseRequest::signed(rpc),
            expect,
            questions,
        }
    }

    /// The candidate values of a name, by id: at the length bounds, each first-character
    /// class, each allowed character class, disallowed characters, whitespace.
    fn name_candidates(&self) -> Vec<(String, String)> {
        let rules = self.contract.names().rules();
        let seed = format!("N{}", self.fixtures.run_id);
        let mut candidates: Vec<(String, String)> = Vec::new();
        let mut lengths = vec![
            rules.min_length.saturating_sub(1),
            rules.min_length,
            rules.min_length + 1,
            rules.max_length - 1,
            rules.max_length,
            rules.max_length + 1,
            1000,
        ];
        lengths.dedup();
        for length in lengths {
            candidates.push((
                format!("length-{length}"),
                self.fixtures.name_of_length(length),
            ));
        }
        for (id, first) in [
            ("letter", "A"),
            ("lowercase-letter", "z"),
            ("underscore", "_"),
            ("digit", "1"),
            ("hyphen", "-"),
        ] {
            candidates.push((format!("first-{id}"), format!("{first}{seed}")));
        }
        for (id, class) in [
            ("upper", "ABCXYZ"),
            ("lower", "abcxyz"),
            ("digits", "0123456789"),
            ("underscore", "__"),
            ("hyphen", "--"),
        ] {
            candidates.push((format!("class-{id}"), format!("{seed}{class}")));
        }
        let disallowed = [
            ("space", " "),
            ("dot", "."),
            ("slash", "/"),
            ("percent", "%"),
            ("star", "*"),
            ("colon", ":"),
            ("single-quote", "'"),
            ("double-quote", "\""),
            ("less-than", "<"),
            ("plus", "+"),
            ("e-acute", "é"),
            ("cjk", "中"),
            ("cyrillic-a", "а"),
            ("fullwidth-a", "Ａ"),
            ("emoji", "😀"),
            ("tab", "\t"),
            ("newline", "\n"),
            ("control-01", "\u{1}"),
            ("nul", "\0"),
            ("zero-width-space", "\u{200b}"),
        ];
        for (id, character) in disallowed {
            candidates.push((format!("char-{id}"), format!("{seed}{character}x")));
        }
        candidates.push(("leading-space".to_owned(), format!(" {seed}")));
        candidates.push(("trailing-space".to_owned(), format!("{seed} ")));
        candidates
    }

    fn name_cases(&self, dimension: NameParameter) -> Vec<Case> {
        let fixtures = self.fixtures;
        let parameter = dimension.parameter();
        let mut cases: Vec<Case> = self
            .name_candidates()
            .into_iter()
            .map(|(id, name)| {
                let (flow, execution) = match dimension {
                    NameParameter::Flow => (name.clone(), fixtures.absent_execution.clone()),
                    NameParameter::Execution => (fixtures.flow.clone(), name.clone()),
                };
                self.oracle_case(
                    format!("{}/{id}", dimension.family()),
                    vec![Tag::Name(dimension)],
                    &format!("{parameter} {name:?}"),
                    describe(&flow, &execution),
                )
            })
            .collect();

        // Case sensitivity: the fixture exists in mixed case; other cases name nothing.
        let (existing, lower, upper) = match dimension {
            NameParameter::Flow => (
                &fixtures.flow,
                fixtures.flow.to_lowercase(),
                fixtures.flow.to_uppercase(),
            ),
            NameParameter::Execution => (
                &fixtures.execution,
                fixtures.execution.to_lowercase(),
                fixtures.execution.to_uppercase(),
            ),
        };
        for (id, name) in [("case-lower", lower), ("case-upper", upper)] {
            let (flow, execution) = match dimension {
                NameParameter::Flow => (name.clone(), fixtures.execution.clone()),
                NameParameter::Execution => (fixtures.flow.clone(), name.clone()),
            };
            cases.push(self.oracle_case(
                format!("{}/{id}", dimension.family()),
                vec![Tag::Name(dimension), Tag::CaseSensitivity],
                &format!(
                    "{parameter} {name:?} while {existing:?} exists (names are case-sensitive)"
                ),
                describe(&flow, &execution),
            ));
        }
        cases
    }

    fn wait_time_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let range = self.contract.wait_time_seconds();
        let texts: Vec<(String, Option<String>)> = vec![
            ("absent".to_owned(), None),
            (
                format!("{}", range.start()),
                Some(range.start().to_string()),
            ),
            (
                format!("{}", range.start() + 1),
                Some((range.start() + 1).to_string()),
            ),
            (format!("{}", range.end()), Some(range.end().to_string())),
            (
                format!("{}", range.start() - 1),
                Some((range.start() - 1).to_string()),
            ),
            (
                format!("{}", range.end() + 1),
                Some((range.end() + 1).to_string()),
            ),
            ("2-pow-31".to_owned(), Some("2147483648".to_owned())),
            (
                "2-pow-63".to_owned(),
                Some("9223372036854775808".to_owned()),
            ),
            ("decimal".to_owned(), Some("1.5".to_owned())),
            ("exponent".to_owned(), Some("1e1".to_owned())),
            ("plus-sign".to_owned(), Some("+5".to_owned())),
            ("minus-zero".to_owned(), Some("-0".to_owned())),
            ("plus-zero".to_owned(), Some("+0".to_owned())),
            ("double-zero".to_owned(), Some("00".to_owned())),
            ("leading-zero".to_owned(), Some("05".to_owned())),
            ("leading-space".to_owned(), Some(" 5".to_owned())),
            ("hex".to_owned(), Some("0x10".to_owned())),
            ("empty".to_owned(), Some(String::new())),
            ("text".to_owned(), Some("ten".to_owned())),
        ];
        texts
            .into_iter()
            .map(|(id, text)| {
                let mut request = describe(&fixtures.flow, &fixtures.execution);
                if let Some(text) = &text {
                    request = request.param("WaitTimeSeconds", text.clone());
                }
                let shown = text.map_or_else(|| "absent".to_owned(), |text| format!("{text:?}"));
                self.oracle_case(
                    format!("wait-time/{id}"),
                    vec![Tag::WaitTime],
                    &format!("WaitTimeSeconds {shown} on a finished execution (answered at once)"),
                    request,
                )
            })
            .collect()
    }

    fn missing_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let only = |name: &str, value: &str| RpcRequest::get(OPERATION).param(name, value);
        vec![
            self.oracle_case(
                "missing/execution-name".to_owned(),
                vec![Tag::Missing],
                "no ExecutionName",
                only("FlowName", &fixtures.flow),
            ),
            self.oracle_case(
                "missing/flow-name".to_owned(),
                vec![Tag::Missing],
                "no FlowName",
                only("ExecutionName", &fixtures.execution),
            ),
            self.oracle_case(
                "missing/both".to_owned(),
                vec![Tag::Missing],
                "neither name",
                RpcRequest::get(OPERATION),
            ),
            self.oracle_case(
                "missing/flow-name-twice".to_owned(),
                vec![Tag::Missing, Tag::Repeated],
                "FlowName given twice with the same value",
                describe(&fixtures.flow, &fixtures.execution).param("FlowName", &fixtures.flow),
            ),
        ]
    }

    fn protocol_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let good = || describe(&fixtures.flow, &fixtures.execution);
        let mut cases = Vec::new();
        // A case whose answer the contract leaves open names its question.
        let open = |id: &str| match id {
            "unsigned" => vec![OpenQuestion::UnsignedRequest],
            "missing-version" => vec![OpenQuestion::MissingVersion],
            _ => Vec::new(),
        };
        let mut case = |id: &str,
                        tags: Vec<Tag>,
                        description: &str,
                        request: CaseRequest,
                        expect: Vec<Outcome>| {
            let questions = open(id);
            cases.push(Case {
                id: format!("protocol/{id}"),
                tags: [vec![Tag::Protocol], tags].concat(),
                description: format!("{description}{}", open_note(&questions)),
                request,
                expect,
                questions,
            });
        };

        let mut unknown = good();
        unknown.action = Some(format!("{OPERATION}s"));
        case(
            "unknown-action",
            vec![],
            "Action DescribeExecutions: 400 ActionNotSupported naming it",
            CaseRequest::signed(unknown),
            vec![Outcome::error(
                ErrorCode::ActionNotSupported,
                &["DescribeExecutions"],
            )],
        );

        let mut wrong = good();
        wrong.version = Some("2020-01-01".to_owned());
        case(
            "wrong-version",
            vec![],
            "Version 2020-01-01: 400 APIVersionNotSupported naming it",
            CaseRequest::signed(wrong),
            vec![Outcome::error(
                ErrorCode::APIVersionNotSupported,
                &["2020-01-01"],
            )],
        );

        let mut missing = good();
        missing.version = None;
        case(
            "missing-version",
            vec![],
            "no Version: 400 MissingRequiredParams naming it, APIVersionNotSupported, or with signature v3 MissingRequiredHeader naming x-acs-version",
            CaseRequest::signed(missing),
            vec![
                Outcome::error(ErrorCode::MissingRequiredParams, &["Version"]),
                Outcome::Error {
                    code: ErrorCode::APIVersionNotSupported,
                    values: vec![Expected::Any],
                },
                Outcome::error(ErrorCode::MissingRequiredHeader, &["x-acs-version"]),
            ],
        );

        let unsigned = CaseRequest {
            caller: Caller::Unsigned,
            ..CaseRequest::signed(good())
        };
        case(
            "unsigned",
            vec![Tag::Auth, Tag::SignedRun],
            "no signature and no access key: 400 MissingRequiredParams, 403 InvalidAccessKeyID, SignatureNotMatch or AccessDenied",
            unsigned,
            vec![
                Outcome::Error {
                    code: ErrorCode::MissingRequiredParams,
                    values: vec![Expected::Any],
                },
                Outcome::Error {
                    code: ErrorCode::InvalidAccessKeyID,
                    values: vec![Expected::Any],
                },
                Outcome::error(ErrorCode::SignatureNotMatch, &[]),
                Outcome::error(ErrorCode::AccessDenied, &[]),
            ],
        );

        let unknown_key = CaseRequest {
            caller: Caller::UnknownKey,
            ..CaseRequest::signed(good())
        };
        case(
            "unknown-access-key",
            vec![Tag::Auth],
            "an access key no account has: 403 InvalidAccessKeyID naming it",
            unknown_key,
            vec![Outcome::error(
                ErrorCode::InvalidAccessKeyID,
                &[&unknown_access_key(fixtures)],
            )],
        );

        let wrong_secret = CaseRequest {
            caller: Caller::WrongSecret,
            ..CaseRequest::signed(good())
        };
        case(
            "wrong-secret",
            vec![Tag::Auth],
            "signed with a wrong secret: 403 SignatureNotMatch",
            wrong_secret,
            vec![Outcome::error(ErrorCode::SignatureNotMatch, &[])],
        );

        let skewed = CaseRequest {
            skew: Some(SKEW),
            ..CaseRequest::signed(good())
        };
        case(
            "skewed-time",
            vec![Tag::Auth, Tag::SignedRun],
            "request time an hour ago: 403 RequestTimeTooSkewed naming it",
            skewed,
            vec![Outcome::Error {
                code: ErrorCode::RequestTimeTooSkewed,
                values: vec![Expected::SentTime, Expected::Any],
            }],
        );

        for header in v3::REQUIRED_HEADERS {
            let request = CaseRequest {
                signature: Some(SignatureVersion::V3),
                tamper: Some(Tamper::RemoveHeader(header)),
                ..CaseRequest::signed(good())
            };
            case(
                &format!("v3-without-{header}"),
                vec![Tag::Auth, Tag::V3],
                &format!(
                    "signature v3 without the {header} header: 400 MissingRequiredHeader naming it"
                ),
                request,
                vec![Outcome::error(ErrorCode::MissingRequiredHeader, &[header])],
            );
        }

        let mut post = good();
        post.method = http::Method::POST;
        let text_body = CaseRequest {
            // The body of a v1 request is not signed unless it is a form, so the request
            // stays correctly signed.
            signature: Some(SignatureVersion::V1),
            tamper: Some(Tamper::ReplaceBody {
                content_type: "text/plain".to_owned(),
                body: b"FlowName=x".to_vec(),
            }),
            ..CaseRequest::signed(post.clone())
        };
        case(
            "unsupported-content-type",
            vec![Tag::Limits],
            "POST with a text/plain body: 415 UnsupportedMediaType",
            text_body,
            vec![Outcome::error(ErrorCode::UnsupportedMediaType, &[])],
        );

        let oversized = CaseRequest::signed(post.param("Padding", "x".repeat(OVERSIZED_BODY)));
        case(
            "oversized-body",
            vec![Tag::Limits],
            "POST with a signed 2 MiB form body: 400 EntityTooLarge (the limit it names is the target's own)",
            oversized,
            vec![Outcome::Error {
                code: ErrorCode::EntityTooLarge,
                values: vec![Expected::Any],
            }],
        );
        cases
    }

    fn existence_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let case = |id: &str, tags: Vec<Tag>, what: &str, flow: &str, execution: &str| {
            self.oracle_case(
                format!("existence/{id}"),
                [vec![Tag::Existence], tags].concat(),
                what,
                describe(flow, execution),
            )
        };
        vec![
            case(
                "known-execution",
                vec![],
                "the run's finished execution",
                &fixtures.flow,
                &fixtures.execution,
            ),
            case(
                "unknown-flow",
                vec![],
                "a valid flow name that names nothing",
                &fixtures.absent_flow,
                &fixtures.execution,
            ),
            case(
                "unknown-execution",
                vec![],
                "a valid execution name that names nothing in a known flow",
                &fixtures.flow,
                &fixtures.absent_execution,
            ),
            super::isolation::foreign_case(
                self,
                "existence/other-accounts-flow",
                vec![Tag::Existence],
                "a flow of the other credentials (not visible)",
                Caller::Main,
                describe(&fixtures.other_flow, &fixtures.execution),
            ),
        ]
    }
}

/// The access key ID the unknown-key case signs with.
pub fn unknown_access_key(fixtures: &Fixtures) -> String {
    format!("NoSuchKey{}", fixtures.run_id)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn cases() -> Vec<Case> {
        catalog(Contract::embedded(), &Fixtures::new("0123abcd"))
    }

    #[test]
    fn ids_are_unique_and_stable() {
        let ids: Vec<String> = cases().into_iter().map(|case| case.id).collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
        let again: Vec<String> = catalog(Contract::embedded(), &Fixtures::new("ffffeeee"))
            .into_iter()
            .map(|case| case.id)
            .collect();
        assert_eq!(ids, again, "ids do not depend on the run");
    }

    #[test]
    fn the_seeds_edges_are_covered() {
        let ids: HashSet<String> = cases().into_iter().map(|case| case.id).collect();
        for family in ["flow-name", "execution-name"] {
            for detail in [
                "length-0",
                "length-1",
                "length-2",
                "length-127",
                "length-128",
                "length-129",
                "length-1000",
                "first-digit",
                "first-hyphen",
                "first-underscore",
                "char-emoji",
                "char-zero-width-space",
                "leading-space",
                "trailing-space",
                "case-lower",
            ] {
                assert!(
                    ids.contains(&format!("{family}/{detail}")),
                    "{family}/{detail}"
                );
            }
        }
        for detail in [
            "absent",
            "0",
            "1",
            "60",
            "-1",
            "61",
            "2-pow-31",
            "2-pow-63",
            "decimal",
            "exponent",
            "plus-sign",
            "leading-space",
            "hex",
            "empty",
            "text",
        ] {
            assert!(
                ids.contains(&format!("wait-time/{detail}")),
                "wait-time/{detail}"
            );
        }
    }

    #[test]
    fn every_tag_of_a_case_reads_back_from_its_text() {
        let timing = crate::cases::timing::timing_cases(Contract::embedded(), true);
        let tags = cases()
            .into_iter()
            .flat_map(|case| case.tags)
            .chain(timing.into_iter().flat_map(|case| case.tags));
        for tag in tags {
            assert_eq!(tag.as_str().parse::<Tag>(), Ok(tag), "--filter {tag}");
        }
    }

    #[test]
    fn validity_comes_from_the_contract() {
        let by_id = |id: &str| cases().into_iter().find(|case| case.id == id).unwrap();
        assert!(by_id("flow-name/length-128").tags.contains(&Tag::Valid));
        assert!(by_id("flow-name/length-129").tags.contains(&Tag::Invalid));
        assert!(
            by_id("execution-name/first-underscore")
                .tags
                .contains(&Tag::Valid)
        );
        assert!(
            by_id("execution-name/first-digit")
                .tags
                .contains(&Tag::Invalid)
        );
        assert!(by_id("wait-time/60").tags.contains(&Tag::Valid));
        assert!(by_id("wait-time/61").tags.contains(&Tag::Invalid));
        assert_eq!(
            by_id("wait-time/61").expect,
            vec![Outcome::error(ErrorCode::InvalidArgument, &[])]
        );
    }
}
