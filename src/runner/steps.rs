//! The set-up and clean-up answers a run went on with although they break strict JSON
//! (`strict-json`): each reported as its step (`setup/CreateFlow`) with its finding, the
//! first such answer of each step, so that a target that breaks the rule on every answer
//! gives one finding per step rather than one per request.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use super::results::CaseResult;

/// The steps recorded so far, in the order their first such answer came, and every step
/// that got an answer at all (for a baseline's entries of steps).
#[derive(Debug, Default)]
pub(super) struct StrictSteps {
    recorded: Mutex<Vec<CaseResult>>,
    answered: Mutex<BTreeSet<String>>,
}

impl StrictSteps {
    /// Records a step's result, unless the step has one already.
    pub(super) fn record(&self, result: CaseResult) {
        let mut steps = self.recorded.lock().unwrap_or_else(PoisonError::into_inner);
        if !steps.iter().any(|step| step.case.id == result.case.id) {
            steps.push(result);
        }
    }

    /// The steps recorded, leaving none.
    pub(super) fn take(&self) -> Vec<CaseResult> {
        std::mem::take(&mut *self.recorded.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Notes that a step (`setup/CreateFlow`) got an answer.
    pub(super) fn answered(&self, step: &str) {
        let mut answered = self.answered.lock().unwrap_or_else(PoisonError::into_inner);
        if !answered.contains(step) {
            answered.insert(step.to_owned());
        }
    }

    /// The steps that got an answer, sorted.
    pub(super) fn answered_steps(&self) -> Vec<String> {
        let answered = self.answered.lock().unwrap_or_else(PoisonError::into_inner);
        answered.iter().cloned().collect()
    }
}
