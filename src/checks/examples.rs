//! An example per check (`schemas/check-examples.json`): an answer that fails it, and what
//! a target must do to pass. The examples are judged by the checks themselves
//! ([`CheckExample::judge`]), so an example can never claim a failure its check does not
//! find: a unit test runs every check on its example.
//!
//! An example is one or more exchanges (a case's request, what the contract expects of it
//! and the response, or none when the request got no answer) or the polls of a timing
//! case.

use std::sync::LazyLock;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::history::{Read, execution_history};
use super::registry::Rule;
use super::timing::{Poll, Timeline, TimingBounds, check_timing};
use super::{CheckId, Finding, Observed, check_one, same_answers, unique_request_ids};
use crate::cases::timing::{TimingCase, timing_cases};
use crate::cases::{Case, CaseRequest, Outcome, Tag};
use crate::contract::{Contract, ErrorCode, OPERATION};
use crate::wire::{Exchange, RpcRequest};

/// The request time examples are judged as sent at.
const SENT_TIME: &str = "2024-01-01T00:00:00Z";

/// The time bound of an example that names none.
const TIME_BOUND: Duration = Duration::from_secs(10);

/// The timing bounds examples are judged with: a round trip of 2 ms and the default slack.
pub const EXAMPLE_BOUNDS: TimingBounds = TimingBounds {
    baseline: Duration::from_millis(2),
    margin: Duration::from_millis(500),
};

/// An answer that fails one check, and what a target must do to pass it.
#[derive(Debug, Clone)]
pub struct CheckExample {
    /// The check.
    pub check: CheckId,
    /// What the example shows, in a few words.
    pub what: String,
    /// What a target must do to pass the check.
    pub to_pass: String,
    /// The exchanges, in the order answered (none for a timing example).
    pub exchanges: Vec<ExampleExchange>,
    /// The timing case and its polls, for a check of long polls.
    pub timing: Option<ExampleTiming>,
}

/// One request of an example and its answer.
#[derive(Debug, Clone)]
pub struct ExampleExchange {
    /// The case, its request and the answers the contract allows.
    pub case: Case,
    /// The answer; `None` when none came.
    pub response: Option<Exchange>,
    /// The latest the answer could come.
    pub time_bound: Duration,
}

/// The polls of a timing case.
#[derive(Debug, Clone)]
pub struct ExampleTiming {
    /// The timing case.
    pub case: TimingCase,
    /// What its polls got, and when.
    pub timeline: Timeline,
}

impl CheckExample {
    /// The example's findings of its own check: never empty (a unit test says so).
    pub fn judge(&self, contract: &Contract) -> Vec<Finding> {
        let observed = |exchange: &'_ ExampleExchange| -> Option<(Case, Exchange, Option<Value>)> {
            let response = exchange.response.clone()?;
            let body = response.json();
            Some((exchange.case.clone(), response, body))
        };
        let owned: Vec<(Case, Exchange, Option<Value>, Duration)> = self
            .exchanges
            .iter()
            .filter_map(|exchange| {
                observed(exchange)
                    .map(|(case, response, body)| (case, response, body, exchange.time_bound))
            })
            .collect();
        let views = || {
            owned
                .iter()
                .map(|(case, exchange, body, time_bound)| Observed {
                    case,
                    exchange,
                    body: body.as_ref(),
                    sent_time: SENT_TIME,
                    time_bound: *time_bound,
                })
        };
        let findings = match self.check.rule() {
            Rule::Answer => self
                .exchanges
                .iter()
                .filter(|exchange| exchange.response.is_none())
                .map(|exchange| Finding {
                    case: exchange.case.id.clone(),
                    check: CheckId::Answered,
                    expected: format!("an HTTP answer within {:?}", exchange.time_bound),
                    actual: "no answer (timed out)".to_owned(),
                })
                .collect(),
            Rule::Exchange(_) => views()
                .filter_map(|view| check_one(contract, self.check, &view))
                .collect(),
            Rule::Run => match self.check {
                CheckId::RequestIdUnique => unique_request_ids(views()),
                CheckId::SameAnswer => same_answers(views()),
                _ => {
                    let reads: Vec<(String, String, &Case, &Value)> = owned
                        .iter()
                        .filter_map(|(case, _, body, _)| {
                            let param = |name: &str| {
                                case.request
                                    .rpc
                                    .params
                                    .iter()
                                    .find(|(key, _)| key == name)
                                    .map(|(_, value)| value.clone())
                            };
                            Some((
                                param("FlowName")?,
                                param("ExecutionName")?,
                                case,
                                body.as_ref()?,
                            ))
                        })
                        .collect();
                    execution_history(
                        contract,
                        reads.iter().map(|(flow, execution, case, body)| Read {
                            case: &case.id,
                            flow,
                            execution,
                            body,
                            definition: None,
                            input: None,
                        }),
                    )
                }
            },
            Rule::Timeline(_) => self
                .timing
                .iter()
                .flat_map(|timing| {
                    check_timing(contract, &timing.case, &timing.timeline, &EXAMPLE_BOUNDS)
                })
                .collect(),
        };
        findings
            .into_iter()
            .filter(|finding| finding.check == self.check)
            .collect()
    }
}

static EXAMPLES: LazyLock<Vec<CheckExample>> = LazyLock::new(|| {
    load(Contract::embedded())
        .unwrap_or_else(|error| panic!("schemas/check-examples.json is broken: {error}"))
});

/// Every check's example, in the registry's order.
///
/// # Panics
/// If the embedded examples are broken, which the test suite rules out.
pub fn examples() -> &'static [CheckExample] {
    &EXAMPLES
}

/// The example of a check.
///
/// # Panics
/// If a check has no example, which the test suite rules out.
pub fn example(check: CheckId) -> &'static CheckExample {
    EXAMPLES
        .iter()
        .find(|example| example.check == check)
        .unwrap_or_else(|| panic!("the check {check} has no example"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "$comment")]
    _comment: String,
    examples: Vec<ExampleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleEntry {
    check: String,
    what: String,
    to_pass: String,
    #[serde(default)]
    exchanges: Vec<ExchangeEntry>,
    timing: Option<TimingEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeEntry {
    case: String,
    method: String,
    params: Vec<(String, String)>,
    expect: Vec<ExpectEntry>,
    response: Option<ResponseEntry>,
    #[serde(default)]
    tags: Vec<String>,
    time_bound_ms: Option<u64>,
}

/// One answer the contract allows: `{"success": [flow, execution]}` or `{"error": code,
/// "values": [...]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectEntry {
    success: Option<(String, String)>,
    error: Option<String>,
    #[serde(default)]
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseEntry {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    elapsed_ms: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimingEntry {
    case: String,
    #[serde(default)]
    started_ms: Option<(u64, u64)>,
    polls: Vec<PollEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PollEntry {
    wait: Option<i64>,
    sent_ms: u64,
    elapsed_ms: u64,
    status: u16,
    body: String,
}

/// Reads the embedded examples.
fn load(contract: &Contract) -> Result<Vec<CheckExample>, String> {
    let file: File = serde_json::from_str(include_str!("../../schemas/check-examples.json"))
        .map_err(|error| error.to_string())?;
    let timing_cases = timing_cases(contract, true);
    file.examples
        .into_iter()
        .map(|entry| {
            let check = CheckId::named(&entry.check)
                .ok_or_else(|| format!("no check {:?}", entry.check))?;
            let exchanges = entry
                .exchanges
                .into_iter()
                .map(|exchange| exchange_of(exchange, &entry.what))
                .collect::<Result<_, _>>()?;
            let timing = entry
                .timing
                .map(|timing| timing_of(timing, &timing_cases))
                .transpose()?;
            Ok(CheckExample {
                check,
                what: entry.what,
                to_pass: entry.to_pass,
                exchanges,
                timing,
            })
        })
        .collect()
}

fn exchange_of(entry: ExchangeEntry, what: &str) -> Result<ExampleExchange, String> {
    let method = Method::from_bytes(entry.method.as_bytes()).map_err(|error| error.to_string())?;
    let mut rpc = RpcRequest::new(method, OPERATION);
    rpc.params = entry.params;
    let tags = entry
        .tags
        .iter()
        .map(|tag| tag.parse::<Tag>().map_err(|error| error.to_string()))
        .collect::<Result<_, _>>()?;
    let expect = entry
        .expect
        .into_iter()
        .map(|expect| match (expect.success, expect.error) {
            (Some((flow, execution)), None) => Ok(Outcome::Success { flow, execution }),
            (None, Some(error)) => {
                let code = error
                    .parse::<ErrorCode>()
                    .map_err(|_| format!("no error code {error:?}"))?;
                let values: Vec<&str> = expect.values.iter().map(String::as_str).collect();
                Ok(Outcome::error(code, &values))
            }
            _ => Err("an expectation is a success or an error".to_owned()),
        })
        .collect::<Result<_, String>>()?;
    let response = entry.response.map(response_of).transpose()?;
    Ok(ExampleExchange {
        case: Case {
            id: entry.case,
            tags,
            description: what.to_owned(),
            request: CaseRequest::signed(rpc),
            expect,
            questions: Vec::new(),
        },
        response,
        time_bound: entry
            .time_bound_ms
            .map_or(TIME_BOUND, Duration::from_millis),
    })
}

fn response_of(entry: ResponseEntry) -> Result<Exchange, String> {
    let mut headers = HeaderMap::new();
    for (name, value) in entry.headers {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).map_err(|error| error.to_string())?,
            HeaderValue::from_str(&value).map_err(|error| error.to_string())?,
        );
    }
    let elapsed = Duration::from_millis(entry.elapsed_ms);
    Ok(Exchange {
        method: Method::GET,
        url: "https://fnf.example.com/".to_owned(),
        status: StatusCode::from_u16(entry.status).map_err(|error| error.to_string())?,
        version: http::Version::HTTP_11,
        headers,
        body: entry.body.into_bytes().into(),
        truncated: false,
        first_byte: elapsed,
        elapsed,
    })
}

fn timing_of(entry: TimingEntry, cases: &[TimingCase]) -> Result<ExampleTiming, String> {
    let case = cases
        .iter()
        .find(|case| case.id == entry.case)
        .cloned()
        .ok_or_else(|| format!("no timing case {:?}", entry.case))?;
    let millis = Duration::from_millis;
    let polls = entry
        .polls
        .into_iter()
        .map(|poll| Poll {
            wait: poll.wait,
            sent: millis(poll.sent_ms),
            elapsed: millis(poll.elapsed_ms),
            status: poll.status,
            body: serde_json::from_str(&poll.body).ok(),
            json_violation: None,
        })
        .collect();
    Ok(ExampleTiming {
        case,
        timeline: Timeline {
            polls,
            started: entry
                .started_ms
                .map(|(sent, answered)| (millis(sent), millis(answered))),
            ..Timeline::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{example, examples};
    use crate::checks::CheckId;
    use crate::contract::Contract;

    /// Every check has an example, and the check itself fails it: an example cannot lie.
    #[test]
    fn every_check_fails_its_example() {
        assert_eq!(examples().len(), CheckId::ALL.len());
        for check in CheckId::ALL {
            let example = example(check);
            let findings = example.judge(Contract::embedded());
            assert!(
                !findings.is_empty(),
                "{check} does not fail its example ({})",
                example.what
            );
        }
    }
}
