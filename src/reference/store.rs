//! The in-memory state of the reference target: accounts, their flows, and the flows'
//! executions. Nothing is persisted; a restart forgets everything.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use super::execution::Execution;
use super::fdl::Plan;

/// A flow of an account.
#[derive(Debug)]
pub(crate) struct Flow {
    /// The flow's name.
    pub(crate) name: String,
    /// The FDL text as given.
    pub(crate) definition: String,
    /// What the definition does.
    pub(crate) plan: Plan,
    /// The description as given.
    pub(crate) description: String,
    /// `FDL`.
    pub(crate) kind: String,
    /// The role ARN as given.
    pub(crate) role_arn: Option<String>,
    /// `Express` or `Standard`.
    pub(crate) execution_mode: String,
    /// A unique id.
    pub(crate) id: String,
    /// When it was created.
    pub(crate) created_at: OffsetDateTime,
    /// Its executions by name.
    pub(crate) executions: BTreeMap<String, Arc<Execution>>,
    /// How many executions it has started: orders them.
    pub(crate) started: u64,
}

/// The flows of every account.
#[derive(Debug, Default)]
pub(crate) struct Store {
    accounts: Mutex<HashMap<String, BTreeMap<String, Flow>>>,
}

impl Store {
    /// The flows of one account, locked for a short, non-waiting use.
    pub(crate) fn flows(&self, account: &str) -> FlowsGuard<'_> {
        FlowsGuard {
            guard: self
                .accounts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            account: account.to_owned(),
        }
    }
}

/// The locked flows of one account.
#[derive(Debug)]
pub(crate) struct FlowsGuard<'a> {
    guard: MutexGuard<'a, HashMap<String, BTreeMap<String, Flow>>>,
    account: String,
}

impl FlowsGuard<'_> {
    /// The account's flows.
    pub(crate) fn get(&mut self) -> &mut BTreeMap<String, Flow> {
        self.guard.entry(self.account.clone()).or_default()
    }

    /// The flow `name` of another account, if that account has one.
    pub(crate) fn of_account(&self, account: &str, name: &str) -> Option<&Flow> {
        self.guard.get(account)?.get(name)
    }

    /// Whether an account other than this one has a flow named `name`.
    pub(crate) fn elsewhere(&self, name: &str) -> bool {
        self.guard
            .iter()
            .any(|(account, flows)| *account != self.account && flows.contains_key(name))
    }
}
