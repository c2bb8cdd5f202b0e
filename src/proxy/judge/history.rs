//! Each execution followed across the traffic, keyed by the caller's access key, FlowName
//! and Name: every successful DescribeExecution of it held to the earlier ones with the
//! run's own rules ([`timing::invariants`]: status never goes back from terminal, StartedTime
//! fixed; [`execution_history`]: StoppedTime fixed once set, Output unset until terminal,
//! Input as a StartExecution seen in the traffic gave it).
//!
//! What is kept per execution is bounded: its Input, and two earlier answers (the first,
//! and the first terminal one), whatever the number of reads. A StartExecution of the name
//! once it has ended starts its history again, a DeleteFlow of its flow forgets it, and at most
//! [`MAX_EXECUTIONS`] are followed at once (the oldest forgotten first): a forgotten
//! execution is judged as new, never against what it was.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;
use tokio::time::Instant;

use crate::checks::history::Read;
use crate::checks::timing::{self, Poll, Timeline};
use crate::checks::{CheckId, Finding, execution_history};
use crate::contract::Contract;

/// How many executions are followed at once.
pub(super) const MAX_EXECUTIONS: usize = 65_536;

/// An execution: the caller's access key (empty when unsigned), FlowName and Name.
pub(super) type Key = (String, String, String);

/// An earlier answer kept to judge the later ones by.
#[derive(Debug, Clone)]
struct Kept {
    case: String,
    body: Value,
    /// When it ended: only a request sent after that must agree with it in order (an
    /// answer that ends later may have been decided earlier).
    ended: Instant,
}

/// What is known of one execution.
#[derive(Debug, Clone, Default)]
struct Execution {
    /// The Input a StartExecution seen in the traffic gave it.
    input: Option<String>,
    /// The first successful read.
    first: Option<Kept>,
    /// The first read that found it terminal.
    terminal: Option<Kept>,
}

/// Every execution seen.
#[derive(Debug, Default)]
pub(super) struct Histories {
    executions: HashMap<Key, Execution>,
    order: VecDeque<Key>,
}

/// A successful DescribeExecution answer to judge.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reading<'a> {
    /// The exchange's case id.
    pub case: &'a str,
    /// The body.
    pub body: &'a Value,
    /// When the request was sent on.
    pub sent: Instant,
    /// When its answer ended.
    pub ended: Instant,
}

impl Histories {
    /// A StartExecution of `key` succeeded, with this Input if it gave one: its history
    /// starts again, unless it is known and not seen ended (a service may answer a
    /// StartExecution of a running execution with that execution, Input and all).
    pub(super) fn started(&mut self, key: Key, input: Option<String>) {
        if self
            .executions
            .get(&key)
            .is_some_and(|execution| execution.terminal.is_none())
        {
            return;
        }
        let execution = self.entry(key);
        *execution = Execution {
            input,
            ..Execution::default()
        };
    }

    /// A DeleteFlow of `flow` by `access_key` succeeded: its executions are forgotten.
    pub(super) fn deleted(&mut self, access_key: &str, flow: &str) {
        self.executions
            .retain(|(key, known_flow, _), _| !(key == access_key && known_flow == flow));
        let executions = &self.executions;
        self.order.retain(|key| executions.contains_key(key));
    }

    /// Whether `key` was seen terminal in an answer that ended before `sent`.
    pub(super) fn terminal_before(&self, key: &Key, sent: Instant) -> bool {
        self.executions
            .get(key)
            .and_then(|execution| execution.terminal.as_ref())
            .is_some_and(|terminal| terminal.ended <= sent)
    }

    /// Judges a successful read of `key` against the earlier ones, then keeps what later
    /// ones are judged by.
    pub(super) fn read(
        &mut self,
        contract: &Contract,
        key: Key,
        reading: Reading<'_>,
    ) -> Vec<Finding> {
        let (_, flow, name) = &key;
        let execution = self.executions.get(&key).cloned().unwrap_or_default();
        // The answers that ended before this request was sent: what it must follow.
        let earlier: Vec<&Kept> = execution
            .first
            .iter()
            .chain(&execution.terminal)
            .filter(|kept| kept.ended <= reading.sent)
            .collect();
        let named: Vec<&str> = earlier.iter().map(|kept| kept.case.as_str()).collect();
        let after = if named.is_empty() {
            String::new()
        } else {
            format!(" (after {})", named.join(", "))
        };
        let mut findings = Vec::new();
        let timeline = Timeline {
            polls: earlier
                .iter()
                .map(|kept| &kept.body)
                .chain([reading.body])
                .map(poll)
                .collect(),
            execution: Some((flow.clone(), name.clone())),
            ..Timeline::default()
        };
        if let Err(mismatch) = timing::invariants(contract, &timeline) {
            findings.push(Finding {
                case: reading.case.to_owned(),
                check: CheckId::ExecutionInvariants,
                expected: mismatch.expected,
                actual: format!("{}{after}", mismatch.actual),
            });
        }
        let input = execution.input.as_deref();
        let read = |case, body| Read {
            case,
            flow,
            execution: name,
            body,
            definition: None,
            input,
        };
        let reads = execution
            .terminal
            .as_ref()
            .map(|kept| read(&kept.case, &kept.body))
            .into_iter()
            .chain([read(reading.case, reading.body)]);
        findings.extend(
            execution_history(contract, reads)
                .into_iter()
                .filter(|finding| finding.case == reading.case),
        );
        if findings.is_empty() {
            self.keep(contract, key, reading);
        }
        findings
    }

    /// Keeps a read that broke nothing, if it is one later reads are judged by.
    fn keep(&mut self, contract: &Contract, key: Key, reading: Reading<'_>) {
        let kept = || Kept {
            case: reading.case.to_owned(),
            body: reading.body.clone(),
            ended: reading.ended,
        };
        let terminal = reading
            .body
            .get("Status")
            .and_then(Value::as_str)
            .is_some_and(|status| contract.bodies().is_terminal(status));
        let execution = self.entry(key);
        if execution.first.is_none() {
            execution.first = Some(kept());
        }
        if terminal && execution.terminal.is_none() {
            execution.terminal = Some(kept());
        }
    }

    /// The execution of `key`, made if new (forgetting the oldest when full).
    fn entry(&mut self, key: Key) -> &mut Execution {
        if !self.executions.contains_key(&key) {
            if self.executions.len() >= MAX_EXECUTIONS
                && let Some(oldest) = self.order.pop_front()
            {
                self.executions.remove(&oldest);
            }
            self.order.push_back(key.clone());
        }
        self.executions.entry(key).or_default()
    }
}

/// A read as the invariants see a poll.
fn poll(body: &Value) -> Poll {
    Poll {
        wait: None,
        sent: std::time::Duration::ZERO,
        elapsed: std::time::Duration::ZERO,
        status: 200,
        body: Some(body.clone()),
        json_violation: None,
    }
}
