//! Flow definitions in FDL: `version: v1`, `type: flow`, and steps `pass`, `wait` (with a
//! `duration` in seconds), `succeed` and `fail` (with `error` and `cause`).
//!
//! A definition is read once, when its flow is created, into a [`Plan`]: how long an
//! execution of it runs and how it ends. Executions then run on timers.

use std::time::Duration;

use serde::Deserialize;

/// The longest a `wait` step may last.
const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Deserialize)]
struct Definition {
    version: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Step {
    Pass,
    Wait {
        duration: f64,
    },
    Succeed,
    Fail {
        #[serde(default)]
        error: Option<String>,
        #[serde(default)]
        cause: Option<String>,
    },
}

/// How an execution of a flow ends when nothing stops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ending {
    /// After the last step, or at a `succeed` step.
    Succeeded,
    /// At a `fail` step.
    Failed {
        /// The step's `error`.
        error: String,
        /// The step's `cause`.
        cause: String,
    },
}

/// What an execution of a flow does: runs for `duration`, then ends as `ending` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Plan {
    /// The sum of the waits before the flow ends.
    pub duration: Duration,
    /// How it ends.
    pub ending: Ending,
}

/// Why a definition is not a flow the reference target can run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum FdlError {
    /// Not YAML of the FDL shape.
    #[error("the definition is not FDL: {0}")]
    Syntax(String),
    /// Unsupported `version` or `type`.
    #[error("the definition must have version v1 and type flow")]
    Header,
    /// A `wait` step's duration is negative, not finite or too long.
    #[error("a wait step's duration must be 0 to 86400 seconds")]
    Duration,
}

/// Reads a definition into its plan.
pub(super) fn plan(definition: &str) -> Result<Plan, FdlError> {
    let definition: Definition =
        serde_saphyr::from_str(definition).map_err(|error| FdlError::Syntax(error.to_string()))?;
    if !matches!(definition.version.as_str(), "v1" | "v1.0") || definition.kind != "flow" {
        return Err(FdlError::Header);
    }
    let mut duration = Duration::ZERO;
    for step in definition.steps {
        match step {
            Step::Pass => {}
            Step::Wait { duration: seconds } => {
                let wait = Duration::try_from_secs_f64(seconds).map_err(|_| FdlError::Duration)?;
                if wait > MAX_WAIT {
                    return Err(FdlError::Duration);
                }
                duration += wait;
            }
            Step::Succeed => break,
            Step::Fail { error, cause } => {
                return Ok(Plan {
                    duration,
                    ending: Ending::Failed {
                        error: error.unwrap_or_default(),
                        cause: cause.unwrap_or_default(),
                    },
                });
            }
        }
    }
    Ok(Plan {
        duration,
        ending: Ending::Succeeded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_add_up_and_the_flow_succeeds() {
        let plan = plan(
            "version: v1\ntype: flow\nsteps:\n  - type: wait\n    name: hold\n    duration: 3\n  - type: pass\n    name: done\n  - type: wait\n    name: more\n    duration: 0.5\n",
        )
        .unwrap();
        assert_eq!(plan.duration, Duration::from_millis(3500));
        assert_eq!(plan.ending, Ending::Succeeded);
    }

    #[test]
    fn succeed_and_fail_end_the_flow_early() {
        let plan_of =
            |steps: &str| plan(&format!("version: v1\ntype: flow\nsteps:\n{steps}")).unwrap();
        let succeeded = plan_of(
            "  - type: succeed\n    name: s\n  - type: wait\n    name: w\n    duration: 9\n",
        );
        assert_eq!(
            succeeded,
            Plan {
                duration: Duration::ZERO,
                ending: Ending::Succeeded
            }
        );
        let failed = plan_of(
            "  - type: wait\n    name: w\n    duration: 1\n  - type: fail\n    name: f\n    error: Boom\n    cause: it broke\n  - type: wait\n    name: never\n    duration: 9\n",
        );
        assert_eq!(
            failed,
            Plan {
                duration: Duration::from_secs(1),
                ending: Ending::Failed {
                    error: "Boom".to_owned(),
                    cause: "it broke".to_owned()
                }
            }
        );
    }

    #[test]
    fn the_seed_sample_definition_is_accepted() {
        let plan =
            plan("version: v1.0\ntype: flow\nname: test\nsteps:\n - type: pass\n   name: mypass")
                .unwrap();
        assert_eq!(plan.ending, Ending::Succeeded);
    }

    #[test]
    fn bad_definitions_are_refused() {
        assert!(matches!(plan("not: [yaml"), Err(FdlError::Syntax(_))));
        assert!(matches!(
            plan("version: v2\ntype: flow\nsteps: []"),
            Err(FdlError::Header)
        ));
        assert!(matches!(
            plan("version: v1\ntype: task\nsteps: []"),
            Err(FdlError::Header)
        ));
        assert!(matches!(
            plan("version: v1\ntype: flow\nsteps:\n  - type: loop\n"),
            Err(FdlError::Syntax(_))
        ));
        assert_eq!(
            plan("version: v1\ntype: flow\nsteps:\n  - type: wait\n    duration: -1\n"),
            Err(FdlError::Duration)
        );
        assert_eq!(
            plan("version: v1\ntype: flow\nsteps:\n  - type: wait\n    duration: 90000\n"),
            Err(FdlError::Duration)
        );
    }

    #[test]
    fn fixture_flows_run_as_long_as_the_cases_assume() {
        use crate::cases::fixtures::FixtureFlow;
        for flow in FixtureFlow::ALL {
            let plan = plan(flow.definition()).unwrap_or_else(|error| panic!("{flow:?}: {error}"));
            assert_eq!(plan.duration, flow.duration(), "{flow:?}");
        }
    }
}
