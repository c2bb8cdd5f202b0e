//! The operations of the reference target: DescribeExecution as the seed documents it,
//! and CreateFlow, DescribeFlow, DeleteFlow, StartExecution, StopExecution and
//! ListExecutions, which put executions into known states.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use super::choices::{Choice, Choices};
use super::execution::{Execution, State, Status};
use super::faults::{Faults, LongPoll};
use super::fdl;
use super::reply::Reply;
use super::store::{Flow, Store};
use crate::contract::{Contract, ErrorCode, NameParameter};

/// The documented form of the body's timestamps: `2019-01-01T01:01:01.001Z`.
const BODY_TIME: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A validated call of an operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    /// The account it acts for.
    pub(crate) account: &'a str,
    /// The operation's parameters (each given at most once: validation refuses repeats).
    pub(crate) params: &'a [(&'a str, &'a str)],
}

impl Call<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
    }

    /// A parameter that validation has made sure is present.
    fn required(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }
}

/// How far an operation got without waiting.
#[derive(Debug)]
pub(crate) enum Step {
    /// It has its answer.
    Done(Reply),
    /// A long poll: the answer is the execution's state once it has ended or `wait` has
    /// passed, whichever is first ([`Step::finish`]).
    Hold {
        execution: Arc<Execution>,
        /// How long, and until what.
        poll: LongPoll,
        /// The faults that bend the answer.
        faults: Faults,
        /// The choices that shape it.
        choices: Choices,
    },
    /// An answer held back this long (a fault's hang).
    Delayed(Duration, Reply),
}

impl Step {
    /// The answer, after the wait of a long poll.
    pub(crate) async fn finish(self) -> Reply {
        match self {
            Step::Done(reply) => reply,
            Step::Delayed(delay, reply) => {
                tokio::time::sleep(delay).await;
                reply
            }
            Step::Hold {
                execution,
                poll,
                faults,
                choices,
            } => {
                let state = match poll {
                    LongPoll::Now => execution.state(),
                    LongPoll::UntilEnd(wait, overshoot) => {
                        let state = execution.wait(wait).await;
                        // Woken by the end: answered then, or a moment later by choice.
                        let late = overshoot.max(choices.wake_up_delay());
                        if late.is_zero() || !state.status.is_terminal() {
                            state
                        } else {
                            tokio::time::sleep(late).await;
                            execution.state()
                        }
                    }
                    LongPoll::OneWoken(wait) => {
                        let arrived = tokio::time::Instant::now();
                        let state = execution.wait(wait).await;
                        if state.status.is_terminal() && !execution.first_woken() {
                            tokio::time::sleep_until(arrived + wait).await;
                        }
                        execution.state()
                    }
                    LongPoll::StopUnheard(wait) => {
                        execution
                            .wait_until(wait, |state| {
                                state.status.is_terminal() && state.status != Status::Stopped
                            })
                            .await
                    }
                    LongPoll::After(delay) => {
                        tokio::time::sleep(delay).await;
                        execution.state()
                    }
                };
                Reply::Success(described(&faults, &choices, &execution, state))
            }
        }
    }
}

/// The operations over the in-memory store.
#[derive(Debug)]
pub(crate) struct Operations {
    store: Store,
    lifetime: Option<Duration>,
    faults: Faults,
    choices: Choices,
    /// The account whose executions every account can read ([`Fault::FirstAccountReadable`]).
    readable_by_all: Option<String>,
}

impl Operations {
    /// Operations over an empty store; `lifetime` bounds how long an execution may run.
    pub(crate) fn new(lifetime: Option<Duration>, faults: Faults, choices: Choices) -> Self {
        Self {
            store: Store::default(),
            lifetime,
            faults,
            choices,
            readable_by_all: None,
        }
    }

    /// The same, with `account`'s executions readable by every account (a fault).
    pub(crate) fn readable_by_all(self, account: Option<String>) -> Self {
        Self {
            readable_by_all: account,
            ..self
        }
    }

    /// Runs `operation`, whose parameters the contract has validated, as far as it goes
    /// without waiting.
    pub(crate) fn call(&self, contract: &Contract, operation: &str, call: &Call<'_>) -> Step {
        let reply = match operation {
            "DescribeExecution" => return self.describe_execution(contract, call),
            "CreateFlow" => self.create_flow(call),
            "DescribeFlow" => self.describe_flow(call),
            "DeleteFlow" => self.delete_flow(call),
            "StartExecution" => self.start_execution(call),
            "StopExecution" => self.stop_execution(call),
            "ListExecutions" => self.list_executions(call),
            other => Reply::error(ErrorCode::ActionNotSupported, &[other]),
        };
        Step::Done(reply)
    }

    /// The flows the caller sees.
    fn flows(&self, call: &Call<'_>) -> super::store::FlowsGuard<'_> {
        self.store.flows(self.faults.namespace(call.account))
    }

    /// The execution, or the FlowNotExists / ExecutionNotExists error.
    fn execution(&self, call: &Call<'_>) -> Result<Arc<Execution>, Reply> {
        let flow_name = call.required("FlowName");
        let name = call.required("ExecutionName");
        let mut flows = self.flows(call);
        let flows = flows.get();
        let flow = find(
            flows,
            flow_name,
            self.faults.ignores_case_of(NameParameter::Flow),
        )
        .ok_or_else(|| Reply::error(ErrorCode::FlowNotExists, &[flow_name]))?;
        let ignore_case = self.faults.ignores_case_of(NameParameter::Execution);
        find(&flow.executions, name, ignore_case)
            .cloned()
            .ok_or_else(|| Reply::error(ErrorCode::ExecutionNotExists, &[name, flow_name]))
    }

    /// The execution DescribeExecution reads: the caller's own; another account's flow does
    /// not exist for the caller, or is AccessDenied (a choice), or under a fault is read.
    fn foreign_or_own(&self, call: &Call<'_>) -> Result<Arc<Execution>, Reply> {
        let own = self.execution(call);
        if !matches!(
            &own,
            Err(Reply::Error {
                code: ErrorCode::FlowNotExists,
                ..
            })
        ) {
            return own;
        }
        let flow_name = call.required("FlowName");
        let flows = self.flows(call);
        if let Some(flow) = self
            .readable_by_all
            .as_deref()
            .and_then(|account| flows.of_account(account, flow_name))
        {
            let name = call.required("ExecutionName");
            return flow
                .executions
                .get(name)
                .cloned()
                .ok_or_else(|| Reply::error(ErrorCode::ExecutionNotExists, &[name, flow_name]));
        }
        if self.choices.has(Choice::ForeignAccessDenied) && flows.elsewhere(flow_name) {
            return Err(Reply::error(ErrorCode::AccessDenied, &[]));
        }
        own
    }

    fn describe_execution(&self, contract: &Contract, call: &Call<'_>) -> Step {
        let execution = match self.foreign_or_own(call) {
            Ok(execution) => execution,
            Err(reply) => return Step::Done(reply),
        };
        let range = contract.wait_time_seconds();
        let wait = call
            .get("WaitTimeSeconds")
            .and_then(|text| text.parse::<u64>().ok())
            .filter(|seconds| range.contains(&i64::try_from(*seconds).unwrap_or(i64::MAX)))
            .unwrap_or(0);
        let longest = Duration::from_secs(u64::try_from(*range.end()).unwrap_or_default());
        let state = execution.state();
        let poll = self.faults.long_poll(
            Duration::from_secs(wait),
            state.status.is_terminal(),
            execution.age(),
            longest,
        );
        match poll {
            LongPoll::Now => Step::Done(Reply::Success(described(
                &self.faults,
                &self.choices,
                &execution,
                state,
            ))),
            poll => Step::Hold {
                execution,
                poll,
                faults: self.faults.clone(),
                choices: self.choices.clone(),
            },
        }
    }

    fn create_flow(&self, call: &Call<'_>) -> Reply {
        let name = call.required("Name");
        let definition = call.required("Definition");
        let Ok(plan) = fdl::plan(definition) else {
            return Reply::error(ErrorCode::InvalidArgument, &[]);
        };
        let mut flows = self.flows(call);
        let flows = flows.get();
        if flows.contains_key(name) {
            return Reply::error(ErrorCode::FlowAlreadyExists, &[name]);
        }
        let flow = Flow {
            name: name.to_owned(),
            definition: definition.to_owned(),
            plan,
            description: call.required("Description").to_owned(),
            kind: call.required("Type").to_owned(),
            role_arn: call.get("RoleArn").map(str::to_owned),
            execution_mode: call.get("ExecutionMode").unwrap_or("Standard").to_owned(),
            id: uuid::Uuid::new_v4().to_string(),
            created_at: OffsetDateTime::now_utc(),
            executions: Default::default(),
            started: 0,
        };
        let body = flow_body(&flow);
        flows.insert(name.to_owned(), flow);
        Reply::Success(body)
    }

    fn describe_flow(&self, call: &Call<'_>) -> Reply {
        let name = call.required("Name");
        let mut flows = self.flows(call);
        match flows.get().get(name) {
            Some(flow) => Reply::Success(flow_body(flow)),
            None => Reply::error(ErrorCode::FlowNotExists, &[name]),
        }
    }

    fn delete_flow(&self, call: &Call<'_>) -> Reply {
        let name = call.required("Name");
        let mut flows = self.flows(call);
        match flows.get().remove(name) {
            Some(_) => Reply::Success(Map::new()),
            None => Reply::error(ErrorCode::FlowNotExists, &[name]),
        }
    }

    fn start_execution(&self, call: &Call<'_>) -> Reply {
        let flow_name = call.required("FlowName");
        let mut flows = self.flows(call);
        let Some(flow) = flows.get().get_mut(flow_name) else {
            return Reply::error(ErrorCode::FlowNotExists, &[flow_name]);
        };
        let name = call.get("ExecutionName").map_or_else(
            || format!("exec_{}", uuid::Uuid::new_v4().simple()),
            str::to_owned,
        );
        if let Some(existing) = flow.executions.get(&name) {
            let state = existing.state();
            if state.status.is_terminal() {
                return Reply::error(ErrorCode::ExecutionAlreadyExists, &[&name, flow_name]);
            }
            return Reply::Success(execution_body(existing, &state));
        }
        flow.started += 1;
        let execution = Execution::start(
            name.clone(),
            flow.name.clone(),
            flow.definition.clone(),
            call.get("Input").map(str::to_owned),
            flow.started,
            &flow.plan,
            self.lifetime,
        );
        let body = execution_body(&execution, &execution.state());
        flow.executions.insert(name, execution);
        Reply::Success(body)
    }

    fn stop_execution(&self, call: &Call<'_>) -> Reply {
        let execution = match self.execution(call) {
            Ok(execution) => execution,
            Err(reply) => return reply,
        };
        let error = call.get("Error").map(str::to_owned);
        let cause = call.get("Cause").map(str::to_owned);
        match execution.stop(error, cause) {
            Ok(()) => Reply::Success(execution_body(&execution, &execution.state())),
            Err(_) => Reply::error(
                ErrorCode::ExecutionAlreadyCompleted,
                &[&execution.name, &execution.flow_name],
            ),
        }
    }

    fn list_executions(&self, call: &Call<'_>) -> Reply {
        let flow_name = call.required("FlowName");
        let limit = call
            .get("Limit")
            .and_then(|text| text.parse::<usize>().ok())
            .unwrap_or(60);
        let mut executions: Vec<Arc<Execution>> = {
            let mut flows = self.flows(call);
            let Some(flow) = flows.get().get(flow_name) else {
                return Reply::error(ErrorCode::FlowNotExists, &[flow_name]);
            };
            flow.executions.values().cloned().collect()
        };
        executions.sort_by_key(|execution| execution.sequence);
        let prefix = call.get("ExecutionNamePrefix").unwrap_or_default();
        let status = call.get("Status");
        let listed: Vec<(Arc<Execution>, State)> = executions
            .into_iter()
            .filter(|execution| execution.name.starts_with(prefix))
            .map(|execution| {
                let state = execution.state();
                (execution, state)
            })
            .filter(|(_, state)| status.is_none_or(|wanted| state.status.as_str() == wanted))
            .collect();
        let start = match call.get("NextToken") {
            None => 0,
            Some(token) => match listed
                .iter()
                .position(|(execution, _)| execution.name == token)
            {
                Some(position) => position,
                None => return Reply::error(ErrorCode::InvalidArgument, &[]),
            },
        };
        let page: Vec<Value> = listed
            .iter()
            .skip(start)
            .take(limit)
            .map(|(execution, state)| Value::Object(execution_body(execution, state)))
            .collect();
        let mut body = Map::new();
        body.insert("Executions".to_owned(), Value::Array(page));
        if let Some((next, _)) = listed.get(start + limit) {
            body.insert("NextToken".to_owned(), Value::from(next.name.clone()));
        }
        Reply::Success(body)
    }
}

/// The entry named `name`, or with faults one named alike but for case.
fn find<'a, T>(
    entries: &'a std::collections::BTreeMap<String, T>,
    name: &str,
    ignore_case: bool,
) -> Option<&'a T> {
    entries.get(name).or_else(|| {
        ignore_case
            .then(|| {
                entries
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(name))
                    .map(|(_, entry)| entry)
            })
            .flatten()
    })
}

/// DescribeExecution's success body, as the choices shape it and the faults bend it.
fn described(
    faults: &Faults,
    choices: &Choices,
    execution: &Execution,
    state: State,
) -> Map<String, Value> {
    let state = faults.read_state(state, execution.count_read());
    let mut body = execution_body(execution, &state);
    let young = OffsetDateTime::now_utc() - execution.started_at < STARTING;
    choices.shape_body(&mut body, state.status.is_terminal(), young);
    faults.bend_body(&mut body);
    body
}

/// How long a new execution reads Starting, with the choice `starting-first`.
const STARTING: Duration = Duration::from_secs(1);

fn body_time(time: OffsetDateTime) -> String {
    time.format(BODY_TIME)
        .expect("a UTC time of years 0 to 9999 formats")
}

/// The fields of DescribeExecution's success body.
fn execution_body(execution: &Execution, state: &State) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("Name".to_owned(), Value::from(execution.name.clone()));
    body.insert(
        "FlowName".to_owned(),
        Value::from(execution.flow_name.clone()),
    );
    body.insert(
        "FlowDefinition".to_owned(),
        Value::from(execution.flow_definition.clone()),
    );
    if let Some(input) = &execution.input {
        body.insert("Input".to_owned(), Value::from(input.clone()));
    }
    if let Some(output) = &state.output {
        body.insert("Output".to_owned(), Value::from(output.clone()));
    }
    body.insert("Status".to_owned(), Value::from(state.status.as_str()));
    body.insert(
        "StartedTime".to_owned(),
        Value::from(body_time(execution.started_at)),
    );
    if let Some(stopped_at) = state.stopped_at {
        body.insert("StoppedTime".to_owned(), Value::from(body_time(stopped_at)));
    }
    body
}

/// The fields of DescribeFlow's and CreateFlow's success body.
fn flow_body(flow: &Flow) -> Map<String, Value> {
    let created = body_time(flow.created_at);
    let mut body = json!({
        "Name": flow.name,
        "Definition": flow.definition,
        "Description": flow.description,
        "Type": flow.kind,
        "Id": flow.id,
        "CreatedTime": created,
        "LastModifiedTime": created,
        "ExecutionMode": flow.execution_mode,
    });
    if let Some(role_arn) = &flow.role_arn {
        body["RoleArn"] = Value::from(role_arn.clone());
    }
    match body {
        Value::Object(fields) => fields,
        _ => Map::new(),
    }
}
