//! What a run created on its target, and the one path that removes it: the life of a run
//! (or a fuzz run) from opening its session to its clean-up, whichever way it ends.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedRwLockReadGuard, RwLock};

use super::interrupt::{self, Interrupt};
use super::session::{CallError, Session, open};
use super::{RunError, RunOptions};
use crate::cases::Caller;
use crate::contract::ErrorCode;
use crate::reference::Reference;
use crate::wire::RpcRequest;

/// Everything a run created on its target, recorded as it is created: each flow from the
/// moment its CreateFlow is sent (an answer lost on the way does not mean the flow was not
/// made), each execution that would outlive the run from the moment its StartExecution is
/// sent until the run has stopped it. [`remove`] stops and deletes exactly these and
/// nothing else; a run with `--fixtures` records nothing, so it deletes nothing.
#[derive(Debug, Default)]
pub(super) struct Provisioned {
    /// Flows not yet deleted, and who created them, oldest first.
    flows: Mutex<Vec<(String, Caller)>>,
    /// Executions not yet stopped, as (flow, execution).
    executions: Mutex<Vec<(String, String)>>,
    /// The flows deleted.
    removed: Mutex<Vec<String>>,
    /// The flows whose deletion failed.
    left: Mutex<Vec<String>>,
    /// Held (shared) by every CreateFlow and StartExecution on its way; [`remove`] takes it
    /// (exclusively) first, so that nothing it removes is created after it.
    in_flight: Arc<RwLock<()>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Provisioned {
    /// Records a flow about to be created.
    pub(super) fn flow(&self, name: &str, caller: Caller) {
        lock(&self.flows).push((name.to_owned(), caller));
    }

    /// Records an execution about to be started that the run must stop.
    pub(super) fn execution(&self, flow: &str, execution: &str) {
        lock(&self.executions).push((flow.to_owned(), execution.to_owned()));
    }

    /// Forgets an execution that has ended (or that the run has stopped).
    pub(super) fn ended(&self, flow: &str, execution: &str) {
        lock(&self.executions).retain(|(f, e)| f != flow || e != execution);
    }

    /// A share of the in-flight lock, for a request that creates something.
    pub(super) async fn on_its_way(&self) -> OwnedRwLockReadGuard<()> {
        Arc::clone(&self.in_flight).read_owned().await
    }

    fn is_empty(&self) -> bool {
        lock(&self.flows).is_empty() && lock(&self.executions).is_empty()
    }

    /// What removal has done so far: the flows deleted, and those still there or whose
    /// deletion failed.
    fn removal(&self) -> Removal {
        let mut left = lock(&self.left).clone();
        left.extend(lock(&self.flows).iter().map(|(name, _)| name.clone()));
        Removal {
            removed: lock(&self.removed).clone(),
            left,
        }
    }
}

/// What the clean-up of a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Removal {
    /// The flows deleted.
    pub(super) removed: Vec<String>,
    /// The flows that may still be on the target.
    pub(super) left: Vec<String>,
}

impl Removal {
    fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.left.is_empty()
    }
}

/// What the clean-up did, for people: the one way a run says it.
pub(super) fn summary(removed: &[String], left: &[String]) -> String {
    let mut parts = Vec::new();
    if !removed.is_empty() {
        parts.push(format!("removed the run's flows {}", removed.join(", ")));
    }
    if !left.is_empty() {
        parts.push(format!(
            "could not delete the run's flows {} (delete them yourself if the target made them)",
            left.join(", ")
        ));
    }
    if parts.is_empty() {
        "the run had created nothing on the target".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Stops the executions and deletes the flows the run recorded, newest first, and only
/// those: what is gone already is fine. What is on its way lands first (each such request
/// ends within the run's timeout). A target that stops answering is not asked again.
async fn remove(session: &Session) {
    let provisioned = &session.provisioned;
    let bound = session.timeout + Duration::from_secs(2);
    let _landed = tokio::time::timeout(bound, provisioned.in_flight.write()).await;
    loop {
        let Some((flow, execution)) = lock(&provisioned.executions).pop() else {
            break;
        };
        let stop = RpcRequest::post("StopExecution")
            .param("FlowName", &flow)
            .param("ExecutionName", &execution);
        // An execution that has ended answers with an error: fine.
        if let Err(CallError::Run(RunError::Unreachable { .. })) =
            session.call(&stop, Caller::Main).await
        {
            return;
        }
    }
    loop {
        let Some((name, caller)) = lock(&provisioned.flows).pop() else {
            break;
        };
        let delete = RpcRequest::post("DeleteFlow").param("Name", &name);
        match session.call(&delete, caller).await {
            Ok(_) => lock(&provisioned.removed).insert(0, name),
            // Never made, or gone already.
            Err(CallError::Refused { code, .. }) if code == ErrorCode::FlowNotExists.as_str() => {}
            Err(CallError::Run(RunError::Unreachable { .. })) => {
                lock(&provisioned.left).push(name);
                return;
            }
            Err(_) => lock(&provisioned.left).push(name),
        }
    }
}

/// The life of a run or a fuzz run on its target, from its session to its clean-up: every
/// way out (the end, an error, Ctrl-C or SIGTERM at any moment, set-up included) goes
/// through [`Lifecycle::run`]'s clean-up.
pub(super) struct Lifecycle {
    session: Arc<Session>,
    reference: Option<Reference>,
    interrupt: Option<Interrupt>,
    on_drop: RemoveOnDrop,
}

impl Lifecycle {
    /// Listens for interrupts (if the options say so), then opens the session.
    pub(super) async fn open(options: &RunOptions) -> Result<Self, RunError> {
        let mut interrupt = if options.stop_on_interrupt {
            Some(Interrupt::listen().map_err(RunError::Signals)?)
        } else {
            None
        };
        let (session, reference) = tokio::select! {
            opened = open(options) => opened?,
            () = interrupt::next(&mut interrupt) => {
                return Err(RunError::Interrupted { removed: Vec::new(), left: Vec::new() });
            }
        };
        Ok(Self {
            on_drop: RemoveOnDrop(Some(Arc::clone(&session))),
            session,
            reference,
            interrupt,
        })
    }

    /// The session.
    pub(super) fn session(&self) -> Arc<Session> {
        Arc::clone(&self.session)
    }

    /// Runs `work` until it ends or an interrupt comes (which drops it: nothing more is
    /// sent), then removes what the run provisioned (a second interrupt gives that up) and
    /// stops the embedded target.
    pub(super) async fn run<T>(
        mut self,
        work: impl Future<Output = Result<T, RunError>>,
    ) -> Result<(T, Removal), RunError> {
        let outcome = tokio::select! {
            outcome = work => Some(outcome),
            () = interrupt::next(&mut self.interrupt) => None,
        };
        tokio::select! {
            () = remove(&self.session) => {}
            () = interrupt::next(&mut self.interrupt) => {}
        }
        self.on_drop.0 = None;
        let removal = self.session.provisioned.removal();
        if let Some(reference) = self.reference.take() {
            let _ = reference.stop().await;
        }
        match outcome {
            None => Err(RunError::Interrupted {
                removed: removal.removed,
                left: removal.left,
            }),
            Some(Ok(value)) => Ok((value, removal)),
            Some(Err(error)) if removal.is_empty() => Err(error),
            Some(Err(error)) => Err(error.with_removal(&removal)),
        }
    }
}

/// Removes what a run provisioned when its [`Lifecycle`] is dropped before its clean-up
/// (a caller gave up the run's future): from a task of its own, as long as the runtime
/// lives.
struct RemoveOnDrop(Option<Arc<Session>>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let Some(session) = self.0.take() else {
            return;
        };
        if session.provisioned.is_empty() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { remove(&session).await });
        }
    }
}

impl RunError {
    /// The error, saying what the clean-up did.
    fn with_removal(self, removal: &Removal) -> Self {
        match self {
            interrupted @ RunError::Interrupted { .. } => interrupted,
            error => RunError::CleanedUp {
                error: Box::new(error),
                done: summary(&removal.removed, &removal.left),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_names_what_was_removed_and_what_may_be_left() {
        let names = |list: &[&str]| {
            list.iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            summary(&names(&["A", "B"]), &[]),
            "removed the run's flows A, B"
        );
        assert_eq!(
            summary(&names(&["A"]), &names(&["C"])),
            "removed the run's flows A; could not delete the run's flows C (delete them yourself if the target made them)"
        );
        assert_eq!(
            summary(&[], &[]),
            "the run had created nothing on the target"
        );
    }
}
