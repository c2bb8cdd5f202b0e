//! What the runner tells its observers while a run goes on: the interface between the
//! runner and the reports that show progress. The results themselves come in the
//! [`RunReport`](super::RunReport) at the end.

use std::fmt;
use std::sync::Arc;

/// Something that happened in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEvent<'a> {
    /// The fixtures are in place and this many cases (catalog and timing) are about to run.
    Started {
        /// How many cases will run.
        cases: usize,
    },
    /// A case has run and been checked.
    Finished {
        /// The case's id.
        case: &'a str,
        /// Whether every check passed.
        passed: bool,
    },
}

/// A consumer of [`RunEvent`]s, called from the runner's tasks as the events happen.
#[derive(Clone)]
pub struct Events(Arc<dyn Fn(RunEvent<'_>) + Send + Sync>);

impl Events {
    /// Events delivered to `consumer`.
    pub fn new(consumer: impl Fn(RunEvent<'_>) + Send + Sync + 'static) -> Self {
        Self(Arc::new(consumer))
    }

    /// Tells the consumer.
    pub fn emit(&self, event: RunEvent<'_>) {
        (self.0)(event);
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Events(..)")
    }
}
