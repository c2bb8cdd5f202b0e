//! The flows and executions the catalog refers to: named uniquely for each run, so that
//! a run touches nothing it did not create, and provisioned through the API itself.

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

    /// How long an execution of it runs, read from its definition.
    pub fn duration(self) -> std::time::Duration {
        crate::reference::fdl::plan(self.definition())
            .map(|plan| plan.duration)
            .unwrap_or_default()
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
    /// A valid execution name that names nothing.
    pub absent_execution: String,
    /// A valid flow name that names nothing.
    pub absent_flow: String,
}

impl Fixtures {
    /// The names for a run id (eight hex digits).
    pub fn new(run_id: &str) -> Self {
        Self {
            run_id: run_id.to_owned(),
            flow: format!("Conformance_Flow_{run_id}"),
            execution: format!("Done_{run_id}"),
            other_flow: format!("Conformance_Other_{run_id}"),
            absent_execution: format!("Absent_Execution_{run_id}"),
            absent_flow: format!("Absent_Flow_{run_id}"),
        }
    }

    /// Names for a fresh run.
    pub fn fresh() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        Self::new(&id[..8])
    }

    /// The run's flow of a fixture flow: the catalog's flow for [`FixtureFlow::Immediate`],
    /// `Conformance_<Label>_<run id>` for the others.
    pub fn flow_of(&self, flow: FixtureFlow) -> String {
        match flow {
            FixtureFlow::Immediate => self.flow.clone(),
            other => format!("Conformance_{}_{}", other.label(), self.run_id),
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

    /// A valid-looking name of exactly `length` characters, unique to the run: the run id
    /// after a letter, repeated. Whether it is valid is for the contract to say.
    pub fn name_of_length(&self, length: usize) -> String {
        format!("N{}", self.run_id)
            .chars()
            .cycle()
            .take(length)
            .collect()
    }

    /// Whether every fixture name is valid: a check on the names chosen above.
    pub fn are_valid(&self, contract: &Contract) -> bool {
        [
            &self.flow,
            &self.execution,
            &self.other_flow,
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
    fn fixture_flows_are_valid_fdl_with_the_durations_the_timing_cases_assume() {
        for flow in FixtureFlow::ALL {
            assert!(
                crate::reference::fdl::plan(flow.definition()).is_ok(),
                "{flow:?}"
            );
        }
        assert_eq!(FixtureFlow::Immediate.duration().as_secs(), 0);
        assert_eq!(FixtureFlow::Wait.duration().as_secs(), 2);
        assert_eq!(FixtureFlow::Fail.duration().as_secs(), 1);
        assert_eq!(FixtureFlow::Long.duration().as_secs(), 3600);
    }

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
    }
}
