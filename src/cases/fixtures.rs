//! The flows and executions the catalog refers to: named uniquely for each run, so that
//! a run touches nothing it did not create, and provisioned through the API itself.

use std::path::PathBuf;

use crate::contract::Contract;

/// The fixture flows of `fixtures/flows/`, embedded in the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FixtureFlow {
    /// Succeeds at once.
    Immediate,
    /// Waits a few seconds, then succeeds.
    Wait,
    /// Waits a second, then fails.
    Fail,
    /// Waits an hour.
    Long,
}

impl FixtureFlow {
    /// Every fixture flow.
    pub const ALL: [FixtureFlow; 4] = [
        FixtureFlow::Immediate,
        FixtureFlow::Wait,
        FixtureFlow::Fail,
        FixtureFlow::Long,
    ];

    /// The FDL text.
    pub fn definition(self) -> &'static str {
        match self {
            FixtureFlow::Immediate => include_str!("../../fixtures/flows/immediate.yaml"),
            FixtureFlow::Wait => include_str!("../../fixtures/flows/wait.yaml"),
            FixtureFlow::Fail => include_str!("../../fixtures/flows/fail.yaml"),
            FixtureFlow::Long => include_str!("../../fixtures/flows/long.yaml"),
        }
    }

    /// How long an execution of it runs: the sum of its definition's `wait` steps. Written
    /// here beside the definition; the reference target's FDL reader is held to it by a test.
    pub fn duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(match self {
            FixtureFlow::Immediate => 0,
            FixtureFlow::Wait => 2,
            FixtureFlow::Fail => 1,
            FixtureFlow::Long => 60 * 60,
        })
    }

    /// A short name for flow names (`Wait`).
    pub fn label(self) -> &'static str {
        match self {
            FixtureFlow::Immediate => "Immediate",
            FixtureFlow::Wait => "Wait",
            FixtureFlow::Fail => "Fail",
            FixtureFlow::Long => "Long",
        }
    }
}

/// The Input of the run's finished execution, which dozens of catalog cases read: text
/// beyond ASCII (Latin, a symbol, CJK), so that every read of it shows whether the target
/// keeps non-ASCII Input intact.
pub const FINISHED_INPUT: &str = "{\"k\":\"café ✓ 漢字\"}";

/// The Input of the execution that runs for the whole run (the isolation cases').
pub const RUNNING_INPUT: &str = "{\"isolation\":true}";

/// Eight hex digits unique to a run.
pub fn fresh_run_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    id[..8].to_owned()
}

/// The names of one run's fixtures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixtures {
    /// Eight hex digits unique to the run.
    pub run_id: String,
    /// A flow of the main credentials, in mixed case (`Conformance_Flow_<id>`).
    pub flow: String,
    /// A finished execution of `flow`, in mixed case (`Done_<id>`).
    pub execution: String,
    /// A flow of the other credentials.
    pub other_flow: String,
    /// A finished execution of `other_flow` (empty with `--fixtures`: the run starts none).
    pub other_execution: String,
    /// An execution of the main credentials that runs for the whole run, as (flow,
    /// execution); empty names with a fixture file that has no Running execution.
    pub running: (String, String),
    /// A valid execution name that names nothing.
    pub absent_execution: String,
    /// A valid flow name that names nothing.
    pub absent_flow: String,
    /// Executions that exist already (`--fixtures FILE`): the run creates nothing then.
    pub existing: Option<Existing>,
}

/// A fixture file (`--fixtures FILE`): executions that exist on the target already, for
/// targets where the harness may not create flows.
///
/// ```json
/// {
///   "executions": [
///     {"flow": "MyFlow", "execution": "done-1", "state": "Succeeded"},
///     {"flow": "MyFlow", "execution": "running-1", "state": "Running"},
///     {"flow": "MyFlow", "execution": "stopped-1", "state": "Stopped"}
///   ],
///   "other_flow": "A_Flow_Of_The_Other_Account"
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    /// The executions and the state each is in (and stays in for the run).
    pub executions: Vec<ExistingExecution>,
    /// A flow of the other credentials, for the account-isolation case.
    #[serde(default)]
    pub other_flow: Option<String>,
}

/// One execution of a fixture file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExistingExecution {
    /// The name of the flow it is an execution of.
    pub flow: String,
    /// The execution's name within that flow.
    pub execution: String,
    /// The status it has for the whole run (`Succeeded`, `Running`, `Stopped`, ...).
    pub state: String,
}

/// The existing executions a run uses, by the state they are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// Every execution of the file, to check its state before the run.
    pub executions: Vec<ExistingExecution>,
    /// One that stays Running for the run.
    pub running: Option<ExistingExecution>,
    /// One that reads Stopped.
    pub stopped: Option<ExistingExecution>,
}

impl FixtureFile {
    /// Reads and checks a fixture file.
    pub fn load(path: &std::path::Path, contract: &Contract) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file: FixtureFile =
            serde_json::from_str(&text).map_err(|source| FixtureError::Invalid {
                path: path.to_owned(),
                source,
            })?;
        for execution in &file.executions {
            if !contract.bodies().statuses().contains(&execution.state) {
                return Err(FixtureError::UnknownState {
                    path: path.to_owned(),
                    execution: execution.execution.clone(),
                    state: execution.state.clone(),
                    known: contract.bodies().statuses().join(", "),
                });
            }
        }
        if !file.executions.iter().any(|e| e.state == "Succeeded") {
            return Err(FixtureError::NoSucceeded {
                path: Some(path.to_owned()),
            });
        }
        Ok(file)
    }
}

/// Why a fixture file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// It could not be read.
    #[error("failed to read the fixture file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// It is not a fixture file's JSON.
    #[error("the fixture file {} is not valid: {source}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where and how the JSON is wrong.
        source: serde_json::Error,
    },
    /// An execution has a status the contract does not know.
    #[error("the fixture file {}: {execution} has state {state:?}, which is not one of {known}", path.display())]
    UnknownState {
        /// The file.
        path: PathBuf,
        /// The execution.
        execution: String,
        /// Its state as written.
        state: String,
        /// The statuses the contract knows.
        known: String,
    },
    /// No execution is Succeeded, and the catalog needs one.
    #[error("the fixture file {}names no Succeeded execution; the catalog needs one", path.as_ref().map(|path| format!("{} ", path.display())).unwrap_or_default())]
    NoSucceeded {
        /// The file, if known.
        path: Option<PathBuf>,
    },
}

impl Fixtures {
    /// The names for a run id (eight hex digits).
    pub fn new(run_id: &str) -> Self {
        let mut fixtures = Self {
            run_id: run_id.to_owned(),
            flow: format!("Conformance_Flow_{run_id}"),
            execution: format!("Done_{run_id}"),
            other_flow: format!("Conformance_Other_{run_id}"),
            other_execution: format!("Other_Done_{run_id}"),
            running: (String::new(), format!("Running_{run_id}")),
            absent_execution: format!("Absent_Execution_{run_id}"),
            absent_flow: format!("Absent_Flow_{run_id}"),
            existing: None,
        };
        fixtures.running.0 = fixtures.flow_of(FixtureFlow::Long);
        fixtures
    }

    /// Fixtures that exist already, as a fixture file names them; the absent names are
    /// still the run's own.
    pub fn existing(run_id: &str, file: &FixtureFile) -> Result<Self, FixtureError> {
        let with_state = |state: &str| file.executions.iter().find(|e| e.state == state).cloned();
        let finished = with_state("Succeeded").ok_or(FixtureError::NoSucceeded { path: None })?;
        let running = with_state("Running")
            .map(|running| (running.flow, running.execution))
            .unwrap_or_default();
        Ok(Self {
            flow: finished.flow.clone(),
            execution: finished.execution.clone(),
            other_flow: file.other_flow.clone().unwrap_or_default(),
            other_execution: String::new(),
            running,
            existing: Some(Existing {
                executions: file.executions.clone(),
                running: with_state("Running"),
                stopped: with_state("Stopped"),
            }),
            ..Self::new(run_id)
        })
    }

    /// Names for a fresh run.
    pub fn fresh() -> Self {
        Self::new(&fresh_run_id())
    }

    /// The run's flow of a fixture flow: the catalog's flow for [`FixtureFlow::Immediate`],
    /// `Conformance_<Label>_<run id>` for the others.
    pub fn flow_of(&self, flow: FixtureFlow) -> String {
        match flow {
            FixtureFlow::Immediate => self.flow.clone(),
            other => format!("Conformance_{}_{}", other.label(), self.run_id),
        }
    }

    /// The definition the run created `flow` with, if the run created it: with a fixture
    /// file (`--fixtures`) the flows exist already and the run does not know their text.
    pub fn definition_of(&self, flow: &str) -> Option<&'static str> {
        if self.existing.is_some() {
            return None;
        }
        if flow == self.other_flow {
            return Some(FixtureFlow::Immediate.definition());
        }
        FixtureFlow::ALL
            .into_iter()
            .find(|fixture| self.flow_of(*fixture) == flow)
            .map(FixtureFlow::definition)
    }

    /// The Input the run started the execution `execution` of `flow` with, if set-up started
    /// it: the finished execution's [`FINISHED_INPUT`], the running one's [`RUNNING_INPUT`].
    pub fn input_of(&self, flow: &str, execution: &str) -> Option<&'static str> {
        if self.existing.is_some() {
            return None;
        }
        if (flow, execution) == (self.flow.as_str(), self.execution.as_str()) {
            Some(FINISHED_INPUT)
        } else if (flow, execution) == (self.running.0.as_str(), self.running.1.as_str()) {
            Some(RUNNING_INPUT)
        } else {
            None
        }
    }

    /// The flows a run creates: one per fixture flow, and the other account's if it has one.
    pub fn created(&self, with_other: bool) -> Vec<String> {
        let mut flows: Vec<String> = FixtureFlow::ALL
            .iter()
            .map(|flow| self.flow_of(*flow))
            .collect();
        if with_other {
            flows.push(self.other_flow.clone());
        }
        flows
    }

    /// A valid-looking name of exactly `length` characters: the run id after a letter,
    /// then `x`s (a name too short for the whole id is a letter and `x`s). The id is never
    /// cut, so the names read the same in every run once it is redacted (snapshots).
    /// Whether the name is valid is for the contract to say.
    pub fn name_of_length(&self, length: usize) -> String {
        let unique = format!("N{}", self.run_id);
        let start = if length >= unique.len() {
            unique
        } else {
            "N".to_owned()
        };
        let fill = length.saturating_sub(start.len());
        format!("{start}{}", "x".repeat(fill))
            .chars()
            .take(length)
            .collect()
    }

    /// Whether every fixture name is valid: a check on the names chosen above.
    pub fn are_valid(&self, contract: &Contract) -> bool {
        [
            &self.flow,
            &self.execution,
            &self.other_flow,
            &self.other_execution,
            &self.running.0,
            &self.running.1,
            &self.absent_execution,
            &self.absent_flow,
        ]
        .iter()
        .all(|name| contract.names().is_valid(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_names_are_valid_unique_and_mixed_case() {
        let contract = Contract::embedded();
        let fixtures = Fixtures::fresh();
        assert!(fixtures.are_valid(contract));
        assert_ne!(fixtures, Fixtures::fresh());
        assert_ne!(fixtures.flow, fixtures.flow.to_lowercase());
        assert_ne!(fixtures.execution, fixtures.execution.to_lowercase());
        assert_eq!(fixtures.name_of_length(128).chars().count(), 128);
        assert_eq!(fixtures.name_of_length(1), "N");
        assert_eq!(fixtures.name_of_length(3), "Nxx");
        assert_eq!(fixtures.name_of_length(0), "");
        assert!(
            fixtures
                .name_of_length(12)
                .starts_with(&format!("N{}", fixtures.run_id))
        );
    }

    #[test]
    fn the_run_knows_the_text_of_what_it_created_and_only_that() {
        let fixtures = Fixtures::new("0a1b2c3d");
        for flow in FixtureFlow::ALL {
            let name = fixtures.flow_of(flow);
            assert_eq!(fixtures.definition_of(&name), Some(flow.definition()));
        }
        assert_eq!(
            fixtures.definition_of(&fixtures.other_flow),
            Some(FixtureFlow::Immediate.definition())
        );
        assert_eq!(fixtures.definition_of(&fixtures.absent_flow), None);
        assert_eq!(
            fixtures.input_of(&fixtures.flow, &fixtures.execution),
            Some(FINISHED_INPUT)
        );
        assert!(!FINISHED_INPUT.is_ascii());
        let (flow, running) = &fixtures.running;
        assert_eq!(fixtures.input_of(flow, running), Some(RUNNING_INPUT));
        assert_eq!(fixtures.input_of(&fixtures.flow, running), None);
        // Executions that exist already: the run knows neither their flows' text nor their
        // Input.
        let file = FixtureFile {
            executions: vec![ExistingExecution {
                flow: fixtures.flow.clone(),
                execution: fixtures.execution.clone(),
                state: "Succeeded".to_owned(),
            }],
            other_flow: None,
        };
        let existing = Fixtures::existing("0a1b2c3d", &file).unwrap();
        assert_eq!(existing.definition_of(&existing.flow), None);
        assert_eq!(existing.input_of(&existing.flow, &existing.execution), None);
    }
}
