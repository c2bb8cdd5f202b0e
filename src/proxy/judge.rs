//! The judging half of the proxy: every exchange held to the contract with the run's own
//! checks, and the reports at the end.
//!
//! Each exchange becomes a case `OPERATION/NNNNNN` (its operation, its sequence number):
//! - a DescribeExecution is held to every per-exchange check of a run ([`checks::check`]),
//!   its expectation from the contract alone and what the proxy cannot know
//!   (`expect`); its request to the parameter rules (client findings); its timing
//!   (`timing`) and its execution's history across the traffic (`history`);
//! - any other operation to the wire format's checks only ([`CheckId::of_any_operation`]),
//!   and StartExecution and DeleteFlow are followed for the history.
//!
//! What is kept per exchange, for the reports at the end: the request (its body capped by
//! the proxy), the answer (its body capped), its findings, when it came, and its RequestId
//! (`request-id-unique` across the traffic). Per execution,
//! a bounded record (`history`). Nothing else grows with the traffic.

#[cfg(test)]
mod canned;
mod encoding;
mod expect;
mod history;
mod report;
mod request;
mod round_trip;
#[cfg(test)]
mod tests;
mod timing;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::time::Instant;

use super::Traffic;
use crate::cases::Case;
use crate::checks::timing::TimingBounds;
use crate::checks::{self, CheckId, Finding, Observed};
use crate::contract::{Contract, OPERATION};
use crate::report::{echoed_secrets, without_echoed};
use crate::runner::{CaseResult, Checked, RunReport};
use crate::wire::{Exchange, SignatureVersion, TransportError};

use expect::Expectation;
use history::{Histories, Reading};
pub use report::{ClientFinding, ProxyReport};
use request::Seen;
use round_trip::RoundTrips;
use timing::Timed;

/// How the traffic is judged.
#[derive(Debug, Clone)]
pub struct JudgeOptions {
    /// The target's URL, for the reports.
    pub target: String,
    /// The margin added to every timing bound.
    pub slack: Duration,
    /// Whether a client finding fails the proxy's verdict too.
    pub strict_client: bool,
}

/// One exchange judged, for the reports.
#[derive(Debug)]
struct Judged {
    sequence: u64,
    received_at: SystemTime,
    result: CaseResult,
}

/// Holds the traffic to the contract, one exchange at a time, in the order the answers
/// ended.
#[derive(Debug)]
pub struct Judge {
    options: JudgeOptions,
    contract: &'static Contract,
    started: Instant,
    judged: Vec<Judged>,
    client: Vec<ClientFinding>,
    histories: Histories,
    request_ids: HashMap<String, String>,
    round_trips: RoundTrips,
    v3: usize,
}

impl Judge {
    /// A judge with nothing seen yet.
    pub fn new(options: JudgeOptions) -> Self {
        Self {
            options,
            contract: Contract::embedded(),
            started: Instant::now(),
            judged: Vec::new(),
            client: Vec::new(),
            histories: Histories::default(),
            request_ids: HashMap::new(),
            round_trips: RoundTrips::default(),
            v3: 0,
        }
    }

    /// Judges one exchange: the lines to print at once, one per finding (target and
    /// client), already redacted.
    pub fn observe(&mut self, mut traffic: Traffic) -> Vec<String> {
        // An answer the client asked to have compressed is judged as the client reads it.
        let unreadable = match &mut traffic.answer {
            Ok(exchange) => encoding::decode(exchange).err(),
            Err(_) => None,
        };
        let seen = Seen::read(&traffic.request);
        self.v3 += usize::from(seen.v3);
        let id = format!("{}/{:06}", seen.operation_label(), traffic.sequence);
        let describe = seen.operation.as_deref() == Some(OPERATION);
        let expectation = describe
            .then(|| expect::expectation(self.contract, &id, &seen))
            .flatten();
        let client: Vec<ClientFinding> = if describe && seen.is_rpc() {
            expect::client_rules(self.contract, &seen)
                .into_iter()
                .map(|(rule, actual)| ClientFinding {
                    case: id.clone(),
                    rule,
                    actual,
                })
                .collect()
        } else {
            Vec::new()
        };
        let body = traffic.answer.as_ref().ok().and_then(Exchange::json);
        let findings = if traffic.client_left || !seen.is_rpc() || unreadable.is_some() {
            Vec::new()
        } else {
            let mut findings =
                self.findings(&traffic, &seen, &id, expectation.as_ref(), body.as_ref());
            if let Ok(exchange) = &traffic.answer {
                findings.extend(self.unique_request_id(&id, exchange, body.as_ref()));
            }
            findings
        };
        if let (Ok(exchange), false) = (&traffic.answer, traffic.client_left) {
            let held = expectation.as_ref().map(timing::agreed_wait);
            if matches!(held, None | Some(Some(Duration::ZERO))) {
                self.round_trips.note(exchange.elapsed);
            }
        }
        let request = request::for_reports(&traffic.request, &self.options.target);
        // A signature or token the target echoes goes no further: not in a line, a
        // finding or a kept body.
        let secrets = echoed_secrets(&request);
        let findings: Vec<Finding> = findings
            .into_iter()
            .map(|finding| Finding {
                expected: without_echoed(&finding.expected, &secrets),
                actual: without_echoed(&finding.actual, &secrets),
                ..finding
            })
            .collect();
        let (answer, body) = match traffic.answer {
            Ok(exchange) => match without_echoed_body(&exchange, &secrets) {
                Some(redacted) => {
                    let body = redacted.json();
                    (Ok(redacted), body)
                }
                None => (Ok(exchange), body),
            },
            Err(error) => (Err(error), body),
        };
        let lines = findings
            .iter()
            .map(|finding| {
                format!(
                    "FAIL {} [{}] expected: {}; actual: {}",
                    finding.case, finding.check, finding.expected, finding.actual
                )
            })
            .chain(client.iter().map(ClientFinding::line))
            .chain(
                unreadable
                    .iter()
                    .map(|reason| format!("NOTE {id} not judged: {reason}")),
            )
            .map(|line| without_echoed(&line, &secrets))
            .collect();
        let case = match expectation {
            Some(expectation) => expectation.case,
            None => expect::wire_only_case(&id, &seen),
        };
        let checked = Checked {
            case,
            request,
            answer,
            body,
        };
        self.client.extend(client);
        self.judged.push(Judged {
            sequence: traffic.sequence,
            received_at: traffic.received_at,
            result: CaseResult::checked(checked, findings),
        });
        lines
    }

    /// Everything seen, for the reports: one case per exchange, in sequence order.
    pub fn finish(mut self) -> ProxyReport {
        self.judged.sort_by_key(|judged| judged.sequence);
        let exchanges = self
            .judged
            .iter()
            .filter_map(|judged| {
                let checked = judged.result.exchange()?;
                Some(crate::runner::Recorded {
                    sent_at: judged.received_at,
                    elapsed: judged.result.elapsed(),
                    request: checked.request.clone(),
                    answer: checked.answer.clone(),
                })
            })
            .collect();
        let signature = if self.v3 * 2 > self.judged.len() {
            SignatureVersion::V3
        } else {
            SignatureVersion::V1
        };
        let report = RunReport {
            target: self.options.target.clone(),
            embedded: false,
            run_id: String::new(),
            signature,
            cases: self
                .judged
                .into_iter()
                .map(|judged| judged.result)
                .collect(),
            timing_bounds: Some(TimingBounds {
                baseline: self.round_trips.median().unwrap_or_default(),
                margin: self.options.slack,
            }),
            elapsed: self.started.elapsed(),
            left_behind: Vec::new(),
            steps: Vec::new(),
            baseline: None,
            exchanges,
        };
        ProxyReport {
            report,
            client: self.client,
            strict_client: self.options.strict_client,
        }
    }

    /// The target's findings of one exchange.
    fn findings(
        &mut self,
        traffic: &Traffic,
        seen: &Seen,
        id: &str,
        expectation: Option<&Expectation>,
        body: Option<&Value>,
    ) -> Vec<Finding> {
        let exchange = match &traffic.answer {
            Ok(exchange) => exchange,
            Err(error) => return vec![unanswered(id, error)],
        };
        let sent_time = seen.request_time.as_deref().unwrap_or_default();
        let Some(expectation) = expectation else {
            let case = expect::wire_only_case(id, seen);
            let observed = observed(&case, exchange, body, sent_time);
            let findings = CheckId::ALL
                .into_iter()
                .filter(|check| check.of_any_operation())
                .filter_map(|check| checks::check_one(self.contract, check, &observed))
                .collect();
            self.follow(seen, exchange.status.is_success(), body);
            return findings;
        };
        let case = expect::matching_success_first(&expectation.case, body);
        let observed = observed(&case, exchange, body, sent_time);
        // The time an answer may take is the timing checks' (its wait plus the slack).
        let mut findings: Vec<Finding> = checks::check(self.contract, &observed)
            .into_iter()
            .filter(|finding| finding.check != CheckId::TimeBound)
            .collect();
        let (Some(body), true) = (body, exchange.status.is_success()) else {
            return findings;
        };
        let Some(key) = key_of(seen, body) else {
            return findings;
        };
        let ended = traffic.sent + exchange.elapsed;
        let timed = Timed {
            case: id,
            exchange,
            body,
            terminal_before: self.histories.terminal_before(&key, traffic.sent),
        };
        let wait = timing::agreed_wait(expectation);
        findings.extend(timing::timing(
            self.contract,
            &timed,
            wait,
            self.options.slack,
            self.round_trips.median(),
        ));
        let reading = Reading {
            case: id,
            body,
            sent: traffic.sent,
            ended,
        };
        findings.extend(self.histories.read(self.contract, key, reading));
        findings
    }

    /// `request-id-unique` across the traffic: each answer's RequestId against those of
    /// every earlier answer (kept with its case: a few bytes per exchange).
    fn unique_request_id(
        &mut self,
        id: &str,
        exchange: &Exchange,
        body: Option<&Value>,
    ) -> Vec<Finding> {
        let Some(request_id) = body
            .and_then(|body| body.get("RequestId"))
            .and_then(Value::as_str)
            .filter(|request_id| !request_id.is_empty())
        else {
            return Vec::new();
        };
        let Some(earlier) = self.request_ids.get(request_id) else {
            self.request_ids
                .insert(request_id.to_owned(), id.to_owned());
            return Vec::new();
        };
        // The same body stands for the earlier answer: only its RequestId is compared.
        let (first, now) = (expect::named_case(earlier), expect::named_case(id));
        checks::unique_request_ids([
            observed(&first, exchange, body, ""),
            observed(&now, exchange, body, ""),
        ])
    }

    /// Follows the operations that start or end an execution's history: a successful
    /// StartExecution (its Input), a successful DeleteFlow.
    fn follow(&mut self, seen: &Seen, success: bool, body: Option<&Value>) {
        if !success {
            return;
        }
        let access_key = seen.access_key.clone().unwrap_or_default();
        match seen.operation.as_deref() {
            Some("StartExecution") => {
                let Some(flow) = seen.param("FlowName") else {
                    return;
                };
                let name = seen
                    .param("ExecutionName")
                    .or_else(|| body?.get("Name")?.as_str());
                if let Some(name) = name {
                    let input = seen.param("Input").map(str::to_owned);
                    self.histories
                        .started((access_key, flow.to_owned(), name.to_owned()), input);
                }
            }
            Some("DeleteFlow") => {
                if let Some(flow) = seen.param("Name") {
                    self.histories.deleted(&access_key, flow);
                }
            }
            _ => {}
        }
    }
}

/// The execution a successful DescribeExecution answer is about: the caller's access key
/// and the names the answer gives.
fn key_of(seen: &Seen, body: &Value) -> Option<history::Key> {
    let text = |name: &str| body.get(name)?.as_str().map(str::to_owned);
    Some((
        seen.access_key.clone().unwrap_or_default(),
        text("FlowName")?,
        text("Name")?,
    ))
}

/// The exchange as the checks see it.
fn observed<'a>(
    case: &'a Case,
    exchange: &'a Exchange,
    body: Option<&'a Value>,
    sent_time: &'a str,
) -> Observed<'a> {
    Observed {
        case,
        exchange,
        body,
        sent_time,
        time_bound: Duration::MAX,
    }
}

/// The answer with `secrets` taken out of its body, if it echoes one.
fn without_echoed_body(exchange: &Exchange, secrets: &[String]) -> Option<Exchange> {
    let text = String::from_utf8_lossy(&exchange.body);
    if !secrets.iter().any(|secret| text.contains(secret.as_str())) {
        return None;
    }
    Some(Exchange {
        body: without_echoed(&text, secrets).into(),
        ..exchange.clone()
    })
}

/// The finding of an exchange that got no whole answer from the target.
fn unanswered(id: &str, error: &TransportError) -> Finding {
    Finding {
        case: id.to_owned(),
        check: CheckId::Answered,
        expected: "an HTTP answer".to_owned(),
        actual: error.to_string(),
    }
}
