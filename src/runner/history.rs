//! The run's history of each execution: every successful DescribeExecution answer of the
//! run's results (catalog cases and timing polls alike), with what the run knows of the
//! execution asked for, given to [`checks::execution_history`]; its findings go to the
//! cases whose answers broke a rule.

use crate::cases::Outcome;
use crate::cases::fixtures::Fixtures;
use crate::checks::{self, history::Read};
use crate::contract::Contract;

use super::results::{CaseOutcome, CaseResult};

/// Adds the findings of [`checks::CheckId::ExecutionHistory`] to `results`, whose answers
/// are taken in the order of the results (each timing case's polls in the order sent).
pub(super) fn check_history(fixtures: &Fixtures, results: &mut [CaseResult]) {
    let findings = checks::execution_history(Contract::embedded(), reads(fixtures, results));
    for finding in findings {
        if let Some(result) = results
            .iter_mut()
            .find(|result| result.case.id == finding.case)
        {
            result.findings.push(finding);
        }
    }
}

/// Every successful DescribeExecution answer of `results` that names an execution the run
/// knows.
fn reads<'a>(fixtures: &'a Fixtures, results: &'a [CaseResult]) -> Vec<Read<'a>> {
    let mut reads = Vec::new();
    for result in results {
        let case = result.case.id.as_str();
        let known = |flow: &'a str, execution: &'a str, body, input: Option<&'a str>| Read {
            case,
            flow,
            execution,
            body,
            definition: fixtures.definition_of(flow),
            input: input.or_else(|| fixtures.input_of(flow, execution)),
        };
        match &result.outcome {
            CaseOutcome::Checked(checked) => {
                let success = checked
                    .case
                    .expect
                    .iter()
                    .find_map(|outcome| match outcome {
                        Outcome::Success { flow, execution } => Some((flow, execution)),
                        Outcome::Error { .. } | Outcome::AnyError => None,
                    });
                let answered = checked.answer.as_ref().ok();
                if let (Some((flow, execution)), Some(body), Some(true)) = (
                    success,
                    &checked.body,
                    answered.map(|exchange| exchange.status.is_success()),
                ) {
                    reads.push(known(flow, execution, body, None));
                }
            }
            CaseOutcome::Timing(timeline) => {
                let Some((flow, execution)) = &timeline.execution else {
                    continue;
                };
                let input = timeline.input.as_deref();
                reads.extend(
                    timeline
                        .polls
                        .iter()
                        .filter(|poll| poll.status == 200)
                        .filter_map(|poll| {
                            Some(known(flow, execution, poll.body.as_ref()?, input))
                        }),
                );
            }
            CaseOutcome::Skipped { .. } => {}
        }
    }
    reads
}
