//! Account isolation, both ways: the second account (`--other-credentials`) asks for the
//! first account's finished and running executions (plainly and with a short long poll),
//! and the first asks for the second's flow and execution. Another account's flow is no
//! flow of the caller's: 404 FlowNotExists naming it, or 403 AccessDenied (open:
//! `foreign-resource`), never the execution.

use super::catalog::{Builder, describe};
use super::{Caller, Case, CaseRequest, Outcome, Tag};
use crate::contract::{ErrorCode, OpenQuestion, describe_outcomes, open_note};
use crate::wire::RpcRequest;

/// The WaitTimeSeconds of the long polls on another account's running execution: short,
/// so that a target that leaks the execution costs the suite no more than its longest wait.
const SHORT_WAIT: &str = "2";

/// A DescribeExecution by `caller` of a flow that belongs to the other account: every
/// answer the contract allows, tagged `isolation` (the run skips it without the other
/// credentials).
pub(super) fn foreign_case(
    builder: &Builder<'_>,
    id: &str,
    tags: Vec<Tag>,
    what: &str,
    caller: Caller,
    rpc: RpcRequest,
) -> Case {
    let flow = rpc
        .params
        .iter()
        .find(|(name, _)| name == "FlowName")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    let expect = vec![
        Outcome::error(ErrorCode::FlowNotExists, &[flow]),
        Outcome::error(ErrorCode::AccessDenied, &[]),
    ];
    let questions = vec![OpenQuestion::ForeignResource];
    Case {
        id: id.to_owned(),
        tags: [tags, vec![Tag::Isolation, Tag::Valid]].concat(),
        description: format!(
            "{what}: {}{}",
            describe_outcomes(&expect, builder.contract),
            open_note(&questions)
        ),
        request: CaseRequest {
            caller,
            ..CaseRequest::signed(rpc)
        },
        expect,
        questions,
    }
}

/// The isolation cases: each account asking for the other's executions.
pub(super) fn isolation_cases(builder: &Builder<'_>) -> Vec<Case> {
    let fixtures = builder.fixtures;
    let (running_flow, running) = &fixtures.running;
    let other_reads = |id: &str, what: &str, rpc: RpcRequest| {
        foreign_case(
            builder,
            &format!("isolation/{id}"),
            Vec::new(),
            &format!("the other credentials ask for {what}"),
            Caller::Other,
            rpc,
        )
    };
    vec![
        other_reads(
            "other-reads-finished",
            "the run's finished execution",
            describe(&fixtures.flow, &fixtures.execution),
        ),
        other_reads(
            "other-reads-running",
            "the run's running execution",
            describe(running_flow, running),
        ),
        other_reads(
            &format!("other-long-polls-running-{SHORT_WAIT}"),
            &format!("the run's running execution with WaitTimeSeconds {SHORT_WAIT}"),
            describe(running_flow, running).param("WaitTimeSeconds", SHORT_WAIT),
        ),
        foreign_case(
            builder,
            "isolation/reads-others-execution",
            Vec::new(),
            "the run's credentials ask for an execution of the other credentials' flow",
            Caller::Main,
            describe(&fixtures.other_flow, &fixtures.other_execution),
        ),
    ]
}

/// Why an isolation case cannot run against these fixtures, if it cannot: a name it needs
/// is one a fixture file did not give.
#[cfg(feature = "runner")]
pub(crate) fn unavailable(case: &Case) -> Option<&'static str> {
    let empty = |parameter: &str| {
        case.request
            .rpc
            .params
            .iter()
            .any(|(name, value)| name == parameter && value.is_empty())
    };
    match (
        case.request.caller,
        empty("FlowName"),
        empty("ExecutionName"),
    ) {
        (Caller::Main, true, _) => Some("needs an other_flow in the fixture file"),
        (Caller::Main, false, true) => Some(
            "needs an execution of the other account, which a run with --fixtures does not start",
        ),
        (_, true, _) | (_, _, true) => Some("needs a Running execution in the fixture file"),
        _ => None,
    }
}
