//! Provisioning: the flows and the finished execution a run creates (or the executions of
//! a fixture file it checks), what each case needs of them, and the requests that create
//! what the clean-up removes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::RunError;
use super::results::CaseResult;
use super::session::{CallError, Session};
use crate::cases::fixtures::{
    ExistingExecution, FINISHED_INPUT, FixtureFlow, Fixtures, RUNNING_INPUT,
};
use crate::cases::timing::{Scenario, TimingCase};
use crate::cases::{Caller, Case, Outcome, Tag};
use crate::contract::Contract;
use crate::wire::RpcRequest;

impl Session {
    /// Sends a request that creates something (a flow, an execution), from a task of its
    /// own that holds the in-flight lock: a run interrupted meanwhile lets it land before
    /// its clean-up, so that nothing is created after the clean-up removed it.
    async fn create_call(
        self: &Arc<Self>,
        rpc: RpcRequest,
        caller: Caller,
    ) -> Result<Value, CallError> {
        let landing = self.provisioned.on_its_way().await;
        let session = Arc::clone(self);
        let task = tokio::spawn(async move {
            let answer = session.call(&rpc, caller).await;
            drop(landing);
            answer
        });
        task.await
            .unwrap_or_else(|error| Err(RunError::Task(error).into()))
    }

    /// Creates a fixture flow, recording it for removal first (an answer lost on the way
    /// does not mean the flow was not made).
    async fn create(
        self: &Arc<Self>,
        name: &str,
        flow: FixtureFlow,
        caller: Caller,
    ) -> Result<Value, CallError> {
        self.provisioned.flow(name, caller);
        self.create_call(create_flow(name, flow), caller).await
    }

    /// Starts an execution that the run must stop (or see end) before it removes its
    /// flow, recording it first.
    pub(super) async fn start_execution(
        self: &Arc<Self>,
        flow: &str,
        name: &str,
        input: &str,
    ) -> Result<Value, CallError> {
        self.provisioned.execution(flow, name);
        let start = RpcRequest::post("StartExecution")
            .param("FlowName", flow)
            .param("ExecutionName", name)
            .param("Input", input);
        self.create_call(start, Caller::Main).await
    }

    /// Stops an execution the run started; once stopped, clean-up need not. Whether the
    /// stop was accepted.
    pub(super) async fn stop_execution(&self, flow: &str, name: &str) -> bool {
        let stop = RpcRequest::post("StopExecution")
            .param("FlowName", flow)
            .param("ExecutionName", name);
        let accepted = self.call(&stop, Caller::Main).await.is_ok();
        if accepted {
            self.provisioned.ended(flow, name);
        }
        accepted
    }
}

fn create_flow(name: &str, flow: FixtureFlow) -> RpcRequest {
    RpcRequest::post("CreateFlow")
        .param("Name", name)
        .param("Definition", flow.definition())
        .param(
            "Description",
            "made by conformance; removed at the end of its run",
        )
        .param("Type", "FDL")
}

/// What a case needs set-up to have made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// The run's flow.
    Flow,
    /// The run's finished execution (and so its flow).
    Execution,
    /// The run's flow of this fixture, for the timing cases that start executions.
    TimingFlow(FixtureFlow),
    /// The other account's flow.
    OtherFlow,
    /// The run's execution that runs for the whole run.
    Running,
    /// An execution of the other account's flow.
    OtherExecution,
}

/// What set-up made, and where it stopped.
#[derive(Debug, Default)]
pub(super) struct Setup {
    /// What the cases may lean on.
    pub(super) made: Vec<Need>,
    /// The set-up step whose answer broke the wire format, with its findings: where set-up
    /// stopped.
    pub(super) broken: Option<CaseResult>,
}

impl Setup {
    /// Why a case with these needs cannot run, if set-up did not make one of them.
    pub(super) fn lacks(&self, needs: &[Need]) -> Option<String> {
        let broken = self.broken.as_ref()?;
        let missing = needs.iter().find(|need| !self.made.contains(need))?;
        let what = match missing {
            Need::Flow => "the run's flow".to_owned(),
            Need::Execution => "the run's finished execution".to_owned(),
            Need::TimingFlow(flow) => format!("the run's {} flow", flow.label()),
            Need::OtherFlow => "the other account's flow".to_owned(),
            Need::Running => "the run's running execution".to_owned(),
            Need::OtherExecution => "the other account's execution".to_owned(),
        };
        Some(format!(
            "needs {what}, which set-up could not make: the answer to {} broke the wire format",
            broken.case.id
        ))
    }
}

/// Creates the run's flow and its finished execution, and of the other flows those that
/// `needs` names (or checks the executions of the fixture file), and says what it made. An
/// answer that breaks the wire format ends set-up there, as findings; a refusal or no
/// answer ends the run.
pub(super) async fn provision(session: &Arc<Session>, needs: &[Need]) -> Result<Setup, RunError> {
    let mut setup = Setup::default();
    match provision_steps(session, &mut setup.made, Some(needs)).await {
        Ok(()) => Ok(setup),
        Err(CallError::Broken(result)) => {
            setup.broken = Some(*result);
            Ok(setup)
        }
        Err(other) => Err(other.into_run_error()),
    }
}

/// Provisions what a fuzz run needs: all of it, or the run cannot go on.
pub(super) async fn provision_all(session: &Arc<Session>) -> Result<(), RunError> {
    let mut made = Vec::new();
    provision_steps(session, &mut made, None)
        .await
        .map_err(CallError::into_run_error)
}

/// Set-up's steps; `needs`, if given, leaves out the timing flows and the other
/// account's flow that no case needs.
async fn provision_steps(
    session: &Arc<Session>,
    made: &mut Vec<Need>,
    needs: Option<&[Need]>,
) -> Result<(), CallError> {
    let needed = |need: Need| needs.is_none_or(|needs| needs.contains(&need));
    let fixtures = &session.fixtures;
    if let Some(existing) = &fixtures.existing {
        check_existing(session, &existing.executions).await?;
        made.extend([
            Need::Flow,
            Need::Execution,
            Need::OtherFlow,
            Need::Running,
            Need::OtherExecution,
        ]);
        made.extend(FixtureFlow::ALL.map(Need::TimingFlow));
        return Ok(());
    }
    let main = Caller::Main;
    session
        .create(&fixtures.flow, FixtureFlow::Immediate, main)
        .await?;
    made.push(Need::Flow);
    let start = RpcRequest::post("StartExecution")
        .param("FlowName", &fixtures.flow)
        .param("ExecutionName", &fixtures.execution)
        .param("Input", FINISHED_INPUT);
    session.create_call(start, main).await?;
    // The flow ends at once. Polled without WaitTimeSeconds: set-up must not lean on the
    // long polling under test.
    let contract = Contract::embedded();
    let deadline = Instant::now() + session.timeout;
    loop {
        let describe = RpcRequest::get("DescribeExecution")
            .param("FlowName", &fixtures.flow)
            .param("ExecutionName", &fixtures.execution);
        let body = match session.call(&describe, main).await {
            Ok(body) => body,
            // DescribeExecution is what the run tests: when it answers wrongly, the cases
            // say so; set-up gives the execution a moment to end and goes on.
            Err(CallError::Refused { .. } | CallError::Broken(_)) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                break;
            }
            Err(other) => return Err(other),
        };
        let status = body["Status"].as_str().unwrap_or_default();
        // A status the contract does not know has left Running all the same: the cases
        // will say what is wrong with it.
        let unknown = !contract
            .bodies()
            .statuses()
            .iter()
            .any(|known| known == status);
        if contract.bodies().is_terminal(status) || (!status.is_empty() && unknown) {
            break;
        }
        if Instant::now() > deadline {
            return Err(RunError::Unfinished {
                execution: fixtures.execution.clone(),
                timeout: session.timeout,
                status: status.to_owned(),
            }
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    made.push(Need::Execution);
    for flow in [FixtureFlow::Wait, FixtureFlow::Fail, FixtureFlow::Long] {
        if needed(Need::TimingFlow(flow)) {
            session.create(&fixtures.flow_of(flow), flow, main).await?;
            made.push(Need::TimingFlow(flow));
        }
    }
    if session.other.is_some() && needed(Need::Running) {
        // What the isolation cases ask the other account for, and the other account asks
        // the run's for: an execution of the long flow that runs for the whole run (the
        // clean-up stops it).
        let long = Need::TimingFlow(FixtureFlow::Long);
        if !made.contains(&long) {
            let flow = FixtureFlow::Long;
            session.create(&fixtures.flow_of(flow), flow, main).await?;
            made.push(long);
        }
        let (flow, running) = &fixtures.running;
        session
            .start_execution(flow, running, RUNNING_INPUT)
            .await?;
        made.push(Need::Running);
    }
    if session.other.is_some() && needed(Need::OtherFlow) {
        session
            .create(&fixtures.other_flow, FixtureFlow::Immediate, Caller::Other)
            .await?;
        made.push(Need::OtherFlow);
        let start = RpcRequest::post("StartExecution")
            .param("FlowName", &fixtures.other_flow)
            .param("ExecutionName", &fixtures.other_execution);
        // The flow ends at once: nothing to stop.
        session.create_call(start, Caller::Other).await?;
        made.push(Need::OtherExecution);
    }
    Ok(())
}

/// Checks that each existing execution is in the state its fixture file says.
async fn check_existing(
    session: &Session,
    executions: &[ExistingExecution],
) -> Result<(), CallError> {
    for execution in executions {
        let describe = RpcRequest::get("DescribeExecution")
            .param("FlowName", &execution.flow)
            .param("ExecutionName", &execution.execution);
        let body = session.call(&describe, Caller::Main).await?;
        let status = body["Status"].as_str().unwrap_or_default();
        if status != execution.state {
            return Err(RunError::WrongState {
                flow: execution.flow.clone(),
                execution: execution.execution.clone(),
                status: status.to_owned(),
                expected: execution.state.clone(),
            }
            .into());
        }
    }
    Ok(())
}

/// What a catalog case needs set-up to have made. Most need nothing: an invalid parameter,
/// a missing one, a protocol fault or a name that names nothing is answered alike whatever
/// exists. A case that expects the finished execution (a success, or its names in another
/// case) needs it; one that expects a lookup in the run's flow (404 for an execution of
/// it) needs the flow; an isolation case needs the other account's flow and the execution
/// it names.
pub(super) fn case_needs(fixtures: &Fixtures, case: &Case) -> Vec<Need> {
    if case.tags.contains(&Tag::Isolation) {
        let names = |parameter: &str, fixture: &str| {
            case.request
                .rpc
                .params
                .iter()
                .any(|(name, value)| name == parameter && value == fixture)
        };
        let mut needs = vec![Need::OtherFlow];
        if names("ExecutionName", &fixtures.other_execution) {
            needs.push(Need::OtherExecution);
        }
        if names("ExecutionName", &fixtures.running.1) {
            needs.push(Need::Running);
        }
        if names("ExecutionName", &fixtures.execution) && names("FlowName", &fixtures.flow) {
            needs.push(Need::Execution);
        }
        return needs;
    }
    let success = case
        .expect
        .iter()
        .any(|outcome| matches!(outcome, Outcome::Success { .. }));
    if success || case.tags.contains(&Tag::CaseSensitivity) {
        return vec![Need::Execution];
    }
    let errors = Contract::embedded().errors();
    let looked_up = case.expect.iter().any(|outcome| {
        matches!(outcome, Outcome::Error { code, .. }
            if errors.status_of(*code) == http::StatusCode::NOT_FOUND)
    });
    let names_the_flow = case
        .request
        .rpc
        .params
        .iter()
        .any(|(name, value)| name == "FlowName" && value == &fixtures.flow);
    if looked_up && names_the_flow {
        vec![Need::Flow]
    } else {
        Vec::new()
    }
}

/// What a timing case needs set-up to have made: the finished execution (the baseline
/// polls it), and the flow of the executions it starts.
pub(super) fn timing_needs(case: &TimingCase) -> Vec<Need> {
    let mut needs = vec![Need::Execution];
    match case.scenario {
        Scenario::AtOnceOnRunning { .. }
        | Scenario::WaitOutlived { .. }
        | Scenario::Stopped
        | Scenario::StoppedWhileHeld { .. }
        | Scenario::AtOnceBesideHeld { .. } => {
            needs.push(Need::TimingFlow(FixtureFlow::Long));
        }
        Scenario::EndsDuringWait { flow, .. } => needs.push(Need::TimingFlow(flow)),
        Scenario::AtOnceOnFinished { .. }
        | Scenario::AtOnceOnUnknown { .. }
        | Scenario::RejectedAtOnce { .. } => {}
    }
    needs
}

/// What the throttling probe needs set-up to have made: the finished execution it asks
/// for again and again.
pub(super) fn throttling_needs() -> Vec<Need> {
    vec![Need::Execution]
}
