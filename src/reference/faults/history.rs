//! The faults of an execution's history: what its reads say over time (StoppedTime,
//! Output), and the text it was created with (FlowDefinition, Input, its names). Each
//! bends a state or a success body of DescribeExecution only.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::checks::CheckId;
use crate::reference::execution::{State, Status};

/// A rule of an execution's history broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistoryFault {
    /// StoppedTime moves a second later on every read of an ended execution.
    StoppedTimeMoves,
    /// A running execution has Output `{}`.
    OutputWhileRunning,
    /// FlowDefinition is the definition re-serialised: its trailing newline dropped.
    DefinitionReserialised,
    /// Input's UTF-8 is read as Latin-1 (mojibake).
    InputMojibake,
    /// Name and FlowName are answered lower-cased.
    NamesLowerCased,
}

impl HistoryFault {
    /// Every history fault.
    pub const ALL: [Self; 5] = [
        Self::StoppedTimeMoves,
        Self::OutputWhileRunning,
        Self::DefinitionReserialised,
        Self::InputMojibake,
        Self::NamesLowerCased,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::StoppedTimeMoves => "stopped-time-moves",
            Self::OutputWhileRunning => "output-while-running",
            Self::DefinitionReserialised => "definition-reserialised",
            Self::InputMojibake => "input-mojibake",
            Self::NamesLowerCased => "names-lower-cased",
        }
    }

    pub(super) fn description(self) -> &'static str {
        match self {
            Self::StoppedTimeMoves => {
                "StoppedTime of an ended execution moves a second later on every read"
            }
            Self::OutputWhileRunning => "a running execution has Output {}",
            Self::DefinitionReserialised => {
                "FlowDefinition is the definition re-serialised, its trailing newline dropped"
            }
            Self::InputMojibake => "Input's UTF-8 is read as Latin-1: café reads cafÃ©",
            Self::NamesLowerCased => "Name and FlowName are answered lower-cased",
        }
    }

    pub(super) fn owner(self) -> CheckId {
        match self {
            Self::StoppedTimeMoves
            | Self::OutputWhileRunning
            | Self::DefinitionReserialised
            | Self::InputMojibake => CheckId::ExecutionHistory,
            Self::NamesLowerCased => CheckId::EchoedNames,
        }
    }

    /// How an execution in `state` reads on its `read`th DescribeExecution (from 0).
    pub(super) fn read_state(self, mut state: State, read: u64) -> State {
        match self {
            Self::StoppedTimeMoves => {
                state.stopped_at = state
                    .stopped_at
                    .map(|stopped| stopped + Duration::from_secs(read));
            }
            Self::OutputWhileRunning if state.status == Status::Running => {
                state.output = Some("{}".to_owned());
            }
            _ => {}
        }
        state
    }

    /// A DescribeExecution success body as answered.
    pub(super) fn bend_body(self, body: &mut Map<String, Value>) {
        let text = |body: &mut Map<String, Value>, field: &str, bend: fn(&str) -> String| {
            if let Some(Value::String(value)) = body.get_mut(field) {
                *value = bend(value);
            }
        };
        match self {
            Self::DefinitionReserialised => {
                text(body, "FlowDefinition", |value| value.trim_end().to_owned());
            }
            Self::InputMojibake => {
                text(body, "Input", |value| {
                    value.bytes().map(char::from).collect()
                });
            }
            Self::NamesLowerCased => {
                text(body, "Name", str::to_lowercase);
                text(body, "FlowName", str::to_lowercase);
            }
            Self::StoppedTimeMoves | Self::OutputWhileRunning => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn body_faults_bend_their_field_only() {
        let original = json!({
            "Name": "Done_1", "FlowName": "Flow_1", "FlowDefinition": "version: v1\n",
            "Input": "{\"k\":\"café\"}",
        });
        let bent = |fault: HistoryFault| {
            let mut body = original.as_object().unwrap().clone();
            fault.bend_body(&mut body);
            Value::Object(body)
        };
        assert_eq!(
            bent(HistoryFault::DefinitionReserialised)["FlowDefinition"],
            "version: v1"
        );
        assert_eq!(
            bent(HistoryFault::InputMojibake)["Input"],
            "{\"k\":\"cafÃ©\"}"
        );
        let lower = bent(HistoryFault::NamesLowerCased);
        assert_eq!(
            (&lower["Name"], &lower["FlowName"]),
            (&json!("done_1"), &json!("flow_1"))
        );
        assert_eq!(bent(HistoryFault::StoppedTimeMoves), original);
    }
}
