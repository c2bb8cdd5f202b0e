//! The catalog: named, deterministic cases derived from the contract, covering every rule
//! of the seed. Whether a value is valid, and so what must come back, is asked of the
//! contract; the catalog only chooses values at and around the edges.

use std::time::Duration;

use super::fixtures::Fixtures;
use super::{Caller, Case, CaseRequest, Expected, Outcome};
use crate::contract::{Contract, ErrorCode, OPERATION};
use crate::wire::{RpcRequest, SignatureVersion, v3};

/// The tag of cases that only mean something when the run signs its requests.
pub const SIGNED_RUN: &str = "signed-run";

/// How far a skewed request's time is from now: well past any service's tolerance.
const SKEW: Duration = Duration::from_secs(60 * 60);

/// The size of the oversized body: twice the reference target's default limit.
const OVERSIZED_BODY: usize = 2 * 1024 * 1024;

/// Every case, in a stable order, for the fixtures' names.
pub fn catalog(contract: &Contract, fixtures: &Fixtures) -> Vec<Case> {
    let builder = Builder { contract, fixtures };
    let mut cases = Vec::new();
    for dimension in [Dimension::Flow, Dimension::Execution] {
        cases.extend(builder.name_cases(dimension));
    }
    cases.extend(builder.wait_time_cases());
    cases.extend(builder.missing_cases());
    cases.extend(builder.protocol_cases());
    cases.extend(builder.existence_cases());
    cases
}

/// Which name a name case varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Flow,
    Execution,
}

impl Dimension {
    fn parameter(self) -> &'static str {
        match self {
            Dimension::Flow => "FlowName",
            Dimension::Execution => "ExecutionName",
        }
    }

    fn family(self) -> &'static str {
        match self {
            Dimension::Flow => "flow-name",
            Dimension::Execution => "execution-name",
        }
    }
}

struct Builder<'a> {
    contract: &'a Contract,
    fixtures: &'a Fixtures,
}

fn describe(flow: &str, execution: &str) -> RpcRequest {
    RpcRequest::get(OPERATION)
        .param("FlowName", flow)
        .param("ExecutionName", execution)
}

impl Builder<'_> {
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

    fn name_cases(&self, dimension: Dimension) -> Vec<Case> {
        let fixtures = self.fixtures;
        let parameter = dimension.parameter();
        let mut cases: Vec<Case> = self
            .name_candidates()
            .into_iter()
            .map(|(id, name)| {
                let valid = self.contract.names().is_valid(&name);
                let (flow, execution) = match dimension {
                    Dimension::Flow => (name.clone(), fixtures.absent_execution.clone()),
                    Dimension::Execution => (fixtures.flow.clone(), name.clone()),
                };
                let (expect, answer) = if valid {
                    match dimension {
                        Dimension::Flow => (
                            vec![
                                Outcome::error(ErrorCode::FlowNotExists, &[&flow]),
                                Outcome::error(ErrorCode::ExecutionNotExists, &[&execution, &flow]),
                            ],
                            "valid, names nothing: 404 FlowNotExists (or ExecutionNotExists, should a flow of that name exist in the account)",
                        ),
                        Dimension::Execution => (
                            vec![Outcome::error(ErrorCode::ExecutionNotExists, &[&execution, &flow])],
                            "valid, names nothing: 404 ExecutionNotExists",
                        ),
                    }
                } else if name.is_empty() {
                    (
                        vec![
                            Outcome::error(ErrorCode::InvalidArgument, &[]),
                            Outcome::error(ErrorCode::MissingRequiredParams, &[parameter]),
                        ],
                        "empty, so invalid: 400 InvalidArgument (an empty value read as absent, MissingRequiredParams, is accepted too)",
                    )
                } else {
                    (
                        vec![Outcome::error(ErrorCode::InvalidArgument, &[])],
                        "invalid: 400 InvalidArgument",
                    )
                };
                Case {
                    id: format!("{}/{id}", dimension.family()),
                    tags: vec![dimension.family(), if valid { "valid" } else { "invalid" }],
                    description: format!("{parameter} {name:?}: {answer}"),
                    request: CaseRequest::signed(describe(&flow, &execution)),
                    expect,
                }
            })
            .collect();

        // Case sensitivity: the fixture exists in mixed case; other cases name nothing.
        let (existing, lower, upper) = match dimension {
            Dimension::Flow => (
                &fixtures.flow,
                fixtures.flow.to_lowercase(),
                fixtures.flow.to_uppercase(),
            ),
            Dimension::Execution => (
                &fixtures.execution,
                fixtures.execution.to_lowercase(),
                fixtures.execution.to_uppercase(),
            ),
        };
        for (id, name) in [("case-lower", lower), ("case-upper", upper)] {
            let (flow, execution, outcome) = match dimension {
                Dimension::Flow => (
                    name.clone(),
                    fixtures.execution.clone(),
                    Outcome::error(ErrorCode::FlowNotExists, &[&name]),
                ),
                Dimension::Execution => (
                    fixtures.flow.clone(),
                    name.clone(),
                    Outcome::error(ErrorCode::ExecutionNotExists, &[&name, &fixtures.flow]),
                ),
            };
            cases.push(Case {
                id: format!("{}/{id}", dimension.family()),
                tags: vec![dimension.family(), "case-sensitivity"],
                description: format!("{parameter} {name:?} while {existing:?} exists: names are case-sensitive, so 404"),
                request: CaseRequest::signed(describe(&flow, &execution)),
                expect: vec![outcome],
            });
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
                let valid = self
                    .contract
                    .request()
                    .validate(request.params.iter().map(|(n, v)| (n.as_str(), v.as_str())))
                    .is_empty();
                let (expect, answer) = if valid {
                    (
                        vec![Outcome::Success {
                            flow: fixtures.flow.clone(),
                            execution: fixtures.execution.clone(),
                        }],
                        "valid, on a finished execution: 200 at once",
                    )
                } else {
                    (
                        vec![Outcome::error(ErrorCode::InvalidArgument, &[])],
                        "invalid: 400 InvalidArgument",
                    )
                };
                let shown = text.map_or_else(|| "absent".to_owned(), |text| format!("{text:?}"));
                Case {
                    id: format!("wait-time/{id}"),
                    tags: vec!["wait-time", if valid { "valid" } else { "invalid" }],
                    description: format!("WaitTimeSeconds {shown}: {answer}"),
                    request: CaseRequest::signed(request),
                    expect,
                }
            })
            .collect()
    }

    fn missing_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let missing = |param: &str| Outcome::error(ErrorCode::MissingRequiredParams, &[param]);
        vec![
            Case {
                id: "missing/execution-name".to_owned(),
                tags: vec!["missing"],
                description: "no ExecutionName: 400 MissingRequiredParams naming it".to_owned(),
                request: CaseRequest::signed(RpcRequest::get(OPERATION).param("FlowName", &fixtures.flow)),
                expect: vec![missing("ExecutionName")],
            },
            Case {
                id: "missing/flow-name".to_owned(),
                tags: vec!["missing"],
                description: "no FlowName: 400 MissingRequiredParams naming it".to_owned(),
                request: CaseRequest::signed(RpcRequest::get(OPERATION).param("ExecutionName", &fixtures.execution)),
                expect: vec![missing("FlowName")],
            },
            Case {
                id: "missing/both".to_owned(),
                tags: vec!["missing"],
                description: "neither name: 400 MissingRequiredParams naming FlowName or ExecutionName (the contract does not say which)".to_owned(),
                request: CaseRequest::signed(RpcRequest::get(OPERATION)),
                expect: vec![missing("FlowName"), missing("ExecutionName")],
            },
            Case {
                id: "missing/flow-name-twice".to_owned(),
                tags: vec!["missing", "repeated"],
                description: "FlowName given twice with the same value: the contract does not say; 400 InvalidArgument or the execution (200) are accepted".to_owned(),
                request: CaseRequest::signed(describe(&fixtures.flow, &fixtures.execution).param("FlowName", &fixtures.flow)),
                expect: vec![
                    Outcome::error(ErrorCode::InvalidArgument, &[]),
                    Outcome::Success { flow: fixtures.flow.clone(), execution: fixtures.execution.clone() },
                ],
            },
        ]
    }

    fn protocol_cases(&self) -> Vec<Case> {
        let fixtures = self.fixtures;
        let good = || describe(&fixtures.flow, &fixtures.execution);
        let mut cases = Vec::new();
        let mut case = |id: &str,
                        tags: Vec<&'static str>,
                        description: &str,
                        request: CaseRequest,
                        expect: Vec<Outcome>| {
            cases.push(Case {
                id: format!("protocol/{id}"),
                tags: [vec!["protocol"], tags].concat(),
                description: description.to_owned(),
                request,
                expect,
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
            "no Version: 400 MissingRequiredParams naming it (APIVersionNotSupported is accepted too; with signature v3, which carries the version in a header, MissingRequiredHeader naming x-acs-version)",
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
            vec!["auth", SIGNED_RUN],
            "no signature and no access key: the contract does not say which error; 400 MissingRequiredParams, 403 InvalidAccessKeyID, SignatureNotMatch or AccessDenied are accepted",
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
            vec!["auth"],
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
            vec!["auth"],
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
            vec!["auth", SIGNED_RUN],
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
                remove_header: Some(header),
                ..CaseRequest::signed(good())
            };
            case(
                &format!("v3-without-{header}"),
                vec!["auth", "v3"],
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
            body: Some(("text/plain".to_owned(), b"FlowName=x".to_vec())),
            ..CaseRequest::signed(post.clone())
        };
        case(
            "unsupported-content-type",
            vec!["limits"],
            "POST with a text/plain body: 415 UnsupportedMediaType",
            text_body,
            vec![Outcome::error(ErrorCode::UnsupportedMediaType, &[])],
        );

        let oversized = CaseRequest::signed(post.param("Padding", "x".repeat(OVERSIZED_BODY)));
        case(
            "oversized-body",
            vec!["limits"],
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
        vec![
            Case {
                id: "existence/known-execution".to_owned(),
                tags: vec!["existence", "valid"],
                description: "the run's finished execution: 200 with a success body naming it".to_owned(),
                request: CaseRequest::signed(describe(&fixtures.flow, &fixtures.execution)),
                expect: vec![Outcome::Success { flow: fixtures.flow.clone(), execution: fixtures.execution.clone() }],
            },
            Case {
                id: "existence/unknown-flow".to_owned(),
                tags: vec!["existence"],
                description: "a valid flow name that names nothing: 404 FlowNotExists".to_owned(),
                request: CaseRequest::signed(describe(&fixtures.absent_flow, &fixtures.execution)),
                expect: vec![Outcome::error(ErrorCode::FlowNotExists, &[&fixtures.absent_flow])],
            },
            Case {
                id: "existence/unknown-execution".to_owned(),
                tags: vec!["existence"],
                description: "a valid execution name that names nothing in a known flow: 404 ExecutionNotExists".to_owned(),
                request: CaseRequest::signed(describe(&fixtures.flow, &fixtures.absent_execution)),
                expect: vec![Outcome::error(ErrorCode::ExecutionNotExists, &[&fixtures.absent_execution, &fixtures.flow])],
            },
            Case {
                id: "existence/other-accounts-flow".to_owned(),
                tags: vec!["existence", "isolation"],
                description: "a flow of the other credentials: not visible, 404 FlowNotExists".to_owned(),
                request: CaseRequest::signed(describe(&fixtures.other_flow, &fixtures.execution)),
                expect: vec![Outcome::error(ErrorCode::FlowNotExists, &[&fixtures.other_flow])],
            },
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
    fn validity_comes_from_the_contract() {
        let by_id = |id: &str| cases().into_iter().find(|case| case.id == id).unwrap();
        assert!(by_id("flow-name/length-128").tags.contains(&"valid"));
        assert!(by_id("flow-name/length-129").tags.contains(&"invalid"));
        assert!(
            by_id("execution-name/first-underscore")
                .tags
                .contains(&"valid")
        );
        assert!(
            by_id("execution-name/first-digit")
                .tags
                .contains(&"invalid")
        );
        assert!(by_id("wait-time/60").tags.contains(&"valid"));
        assert!(by_id("wait-time/61").tags.contains(&"invalid"));
        assert_eq!(
            by_id("wait-time/61").expect,
            vec![Outcome::error(ErrorCode::InvalidArgument, &[])]
        );
    }
}
