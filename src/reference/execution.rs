//! Executions: started at a time, ended by their timer, by StopExecution or by the
//! lifetime bound. Whoever waits on one is woken by notification, not by polling.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::time::Instant;

use super::fdl::{Ending, Plan};

/// An execution's status, with the contract's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Running its steps.
    Running,
    /// Stopped by StopExecution.
    Stopped,
    /// Ended well.
    Succeeded,
    /// Ended at a `fail` step.
    Failed,
    /// Ended by the reference target's lifetime bound.
    TimedOut,
}

impl Status {
    /// The status as the success body spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Running => "Running",
            Status::Stopped => "Stopped",
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
            Status::TimedOut => "TimedOut",
        }
    }

    /// Whether the execution has ended.
    pub(crate) fn is_terminal(self) -> bool {
        self != Status::Running
    }
}

/// What an execution looks like at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) status: Status,
    /// When it ended, once it has.
    pub(crate) stopped_at: Option<OffsetDateTime>,
    /// The output of a succeeded execution.
    pub(crate) output: Option<String>,
    /// The error of a failed or stopped execution.
    pub(crate) error: Option<String>,
    /// The cause of a failed or stopped execution.
    pub(crate) cause: Option<String>,
}

/// One execution of a flow.
#[derive(Debug)]
pub(crate) struct Execution {
    pub(crate) name: String,
    pub(crate) flow_name: String,
    /// The flow's definition when the execution started.
    pub(crate) flow_definition: String,
    /// The input, as given to StartExecution.
    pub(crate) input: Option<String>,
    /// When it started.
    pub(crate) started_at: OffsetDateTime,
    /// The order in which executions of a flow started.
    pub(crate) sequence: u64,
    deadline: Instant,
    planned: State,
    state: watch::Sender<State>,
    reads: AtomicU64,
    /// Whether a held poll has been woken by the end (for a fault that wakes only one).
    woken: AtomicBool,
}

/// The execution had ended already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AlreadyCompleted;

impl Execution {
    /// Starts an execution now and sets its timer. `lifetime` bounds how long it may run
    /// before it is TimedOut.
    pub(crate) fn start(
        name: String,
        flow_name: String,
        flow_definition: String,
        input: Option<String>,
        sequence: u64,
        plan: &Plan,
        lifetime: Option<Duration>,
    ) -> Arc<Self> {
        let started_at = OffsetDateTime::now_utc();
        let (runs_for, planned) = match lifetime {
            Some(lifetime) if lifetime < plan.duration => (
                lifetime,
                State {
                    status: Status::TimedOut,
                    stopped_at: Some(started_at + lifetime),
                    output: None,
                    error: Some("TimedOut".to_owned()),
                    cause: Some(
                        "the execution outlived the reference target's lifetime bound".to_owned(),
                    ),
                },
            ),
            _ => (
                plan.duration,
                match &plan.ending {
                    Ending::Succeeded => State {
                        status: Status::Succeeded,
                        stopped_at: Some(started_at + plan.duration),
                        output: Some(input.clone().unwrap_or_else(|| "{}".to_owned())),
                        error: None,
                        cause: None,
                    },
                    Ending::Failed { error, cause } => State {
                        status: Status::Failed,
                        stopped_at: Some(started_at + plan.duration),
                        output: None,
                        error: Some(error.clone()),
                        cause: Some(cause.clone()),
                    },
                },
            ),
        };
        let running = State {
            status: Status::Running,
            stopped_at: None,
            output: None,
            error: None,
            cause: None,
        };
        let execution = Arc::new(Self {
            name,
            flow_name,
            flow_definition,
            input,
            started_at,
            sequence,
            deadline: Instant::now() + runs_for,
            planned,
            state: watch::Sender::new(running),
            reads: AtomicU64::new(0),
            woken: AtomicBool::new(false),
        });
        execution.settle();
        if !execution.state.borrow().status.is_terminal() {
            let timer = Arc::downgrade(&execution);
            let deadline = execution.deadline;
            tokio::spawn(async move {
                tokio::time::sleep_until(deadline).await;
                if let Some(execution) = timer.upgrade() {
                    execution.settle();
                }
            });
        }
        execution
    }

    /// Ends the execution as planned if its time has come.
    fn settle(&self) {
        if Instant::now() >= self.deadline {
            self.state.send_if_modified(|state| {
                if state.status.is_terminal() {
                    return false;
                }
                *state = self.planned.clone();
                true
            });
        }
    }

    /// How many times DescribeExecution read it before (counting this read).
    pub(crate) fn count_read(&self) -> u64 {
        self.reads.fetch_add(1, Ordering::Relaxed)
    }

    /// The state now.
    pub(crate) fn state(&self) -> State {
        self.settle();
        self.state.borrow().clone()
    }

    /// Stops a running execution.
    pub(crate) fn stop(
        &self,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), AlreadyCompleted> {
        self.settle();
        let mut stopped = false;
        self.state.send_if_modified(|state| {
            if state.status.is_terminal() {
                return false;
            }
            *state = State {
                status: Status::Stopped,
                stopped_at: Some(OffsetDateTime::now_utc()),
                output: None,
                error,
                cause,
            };
            stopped = true;
            true
        });
        if stopped {
            Ok(())
        } else {
            Err(AlreadyCompleted)
        }
    }

    /// Waits until the execution has ended or `limit` has passed, whichever is first, and
    /// gives the state then.
    pub(crate) async fn wait(&self, limit: Duration) -> State {
        self.wait_until(limit, |state| state.status.is_terminal())
            .await
    }

    /// Waits until the state is one that `wakes` or `limit` has passed, whichever is
    /// first, and gives the state then. Every waiter is notified of every change.
    pub(crate) async fn wait_until(
        &self,
        limit: Duration,
        wakes: impl FnMut(&State) -> bool,
    ) -> State {
        let mut changes = self.state.subscribe();
        // The timer settles the execution; a stop notifies at once.
        let _ = tokio::time::timeout(limit, changes.wait_for(wakes)).await;
        self.state()
    }

    /// Whether the caller is the first held poll woken by the end (only once true).
    pub(crate) fn first_woken(&self) -> bool {
        !self.woken.swap(true, Ordering::Relaxed)
    }

    /// How long ago it started.
    pub(crate) fn age(&self) -> Duration {
        (OffsetDateTime::now_utc() - self.started_at)
            .try_into()
            .unwrap_or_default()
    }
}
