//! The history check: every successful DescribeExecution answer a run got for one
//! execution (catalog cases and timing polls alike), held to what the run knows of that
//! execution and to each other. Once set, StoppedTime never changes; Output is unset until
//! the execution has ended; FlowDefinition is the text the run created the flow with; Input
//! is the text the run started the execution with.
//!
//! The rules are order-free (every set StoppedTime equals the first one seen; each other
//! rule holds each answer on its own), so the order of the answers only decides which of
//! two disagreeing answers carries the finding: the later one, in the order given.

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{CheckId, Finding, Mismatch};

use crate::contract::{Contract, OpenQuestion, open_note, set_field};

/// One successful DescribeExecution answer, with what the run knows of the execution asked
/// for.
#[derive(Debug, Clone, Copy)]
pub struct Read<'a> {
    /// The case whose answer it is.
    pub case: &'a str,
    /// The FlowName asked for.
    pub flow: &'a str,
    /// The ExecutionName asked for.
    pub execution: &'a str,
    /// The answer's body.
    pub body: &'a Value,
    /// The definition the run created the flow with; `None` when the run did not create it
    /// (`--fixtures`): then FlowDefinition gets no verdict.
    pub definition: Option<&'a str>,
    /// The Input the run started the execution with; `None` when the run did not start it.
    pub input: Option<&'a str>,
}

impl<'a> Read<'a> {
    fn text(&self, field: &str) -> Option<&'a str> {
        self.body.get(field)?.as_str()
    }
}

/// The findings of [`CheckId::ExecutionHistory`] over a run's successful DescribeExecution
/// answers, in the order they were answered (or as near as the run knows it).
pub fn execution_history<'a>(
    contract: &Contract,
    reads: impl IntoIterator<Item = Read<'a>>,
) -> Vec<Finding> {
    // The first set StoppedTime of each execution, and the case that read it.
    let mut stopped: HashMap<(&str, &str), (&str, &str)> = HashMap::new();
    let mut findings = Vec::new();
    for read in reads {
        let verdict = fits(contract, &read).and_then(|()| {
            let Some(now) = set_field(read.body, "StoppedTime").and_then(Value::as_str) else {
                return Ok(());
            };
            match stopped.get(&(read.flow, read.execution)) {
                None => {
                    stopped.insert((read.flow, read.execution), (now, read.case));
                    Ok(())
                }
                Some((first, _)) if same_time(first, now) => Ok(()),
                Some((first, case)) => Err(Mismatch::new(
                    format!("StoppedTime {first} on every read once set (as {case} read it)"),
                    format!("StoppedTime {now}"),
                )),
            }
        });
        if let Err(mismatch) = verdict {
            findings.push(Finding {
                case: read.case.to_owned(),
                check: CheckId::ExecutionHistory,
                expected: mismatch.expected,
                actual: mismatch.actual,
            });
        }
    }
    findings
}

/// Whether two StoppedTimes name one instant: the same text, or RFC 3339 timestamps of the
/// same instant (how many fractional digits is open: `timestamp-precision`).
fn same_time(first: &str, now: &str) -> bool {
    let instant = |text: &str| OffsetDateTime::parse(text, &Rfc3339).ok();
    first == now || matches!((instant(first), instant(now)), (Some(a), Some(b)) if a == b)
}

/// The rules one answer is held to on its own.
fn fits(contract: &Contract, read: &Read<'_>) -> Result<(), Mismatch> {
    unset_until_terminal(contract, read)?;
    if let Some(definition) = read.definition {
        definition_as_created(definition, read.body.get("FlowDefinition"))?;
    }
    if let Some(input) = read.input {
        let echoed = read.text("Input");
        if echoed != Some(input) {
            return Err(Mismatch::new(
                format!("Input {input:?}, as the execution was started with"),
                match read.body.get("Input") {
                    Some(Value::String(text)) => format!("Input {text:?}"),
                    Some(other) => format!("Input {other}"),
                    None => "no Input".to_owned(),
                },
            ));
        }
    }
    Ok(())
}

/// Output is unset while the execution has not ended (a documented status that is not
/// terminal: Starting or Running). Once it has ended, Output may be unset or any JSON text
/// (open question `terminal-output`); an undocumented status is the schema's finding.
fn unset_until_terminal(contract: &Contract, read: &Read<'_>) -> Result<(), Mismatch> {
    let status = read.text("Status").unwrap_or_default();
    let bodies = contract.bodies();
    let documented = bodies.statuses().iter().any(|known| known == status);
    if !documented || bodies.is_terminal(status) {
        return Ok(());
    }
    match set_field(read.body, "Output") {
        None => Ok(()),
        Some(output) => Err(Mismatch::new(
            format!(
                "no Output while {status} (unset: absent, null or \"\"{})",
                open_note(&[OpenQuestion::UnsetFields])
            ),
            format!("{status} with Output {output}"),
        )),
    }
}

/// FlowDefinition is byte for byte the text the flow was created with: the contract gives
/// it as the flow's definition (FDL, YAML text), not a reading of it.
fn definition_as_created(definition: &str, answered: Option<&Value>) -> Result<(), Mismatch> {
    let text = match answered {
        Some(Value::String(text)) if text == definition => return Ok(()),
        Some(Value::String(text)) => text,
        Some(other) => {
            return Err(Mismatch::new(
                "FlowDefinition: the text the flow was created with",
                format!("FlowDefinition {other}"),
            ));
        }
        None => {
            return Err(Mismatch::new(
                "FlowDefinition: the text the flow was created with",
                "no FlowDefinition",
            ));
        }
    };
    let at = definition
        .bytes()
        .zip(text.bytes())
        .position(|(sent, got)| sent != got)
        .unwrap_or(definition.len().min(text.len()));
    let around = |whole: &str| -> String {
        let start = floor_boundary(whole, at.saturating_sub(12));
        let end = floor_boundary(whole, (at + 12).min(whole.len()));
        whole[start..end].to_owned()
    };
    Err(Mismatch::new(
        format!(
            "FlowDefinition byte for byte as created ({} bytes; around byte {at}: {:?})",
            definition.len(),
            around(definition)
        ),
        format!(
            "a text of {} bytes that differs at byte {at} (around it: {:?})",
            text.len(),
            around(text)
        ),
    ))
}

/// The largest char boundary of `text` at or before `index`.
fn floor_boundary(text: &str, index: usize) -> usize {
    (0..=index.min(text.len()))
        .rev()
        .find(|at| text.is_char_boundary(*at))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const DEFINITION: &str = "version: v1\ntype: flow\nsteps:\n  - type: pass\n    name: done\n";
    const INPUT: &str = "{\"k\":\"café ✓ 漢字\"}";

    fn body(status: &str, stopped: &str, output: Value) -> Value {
        json!({
            "RequestId": "r", "Status": status, "FlowName": "F", "Name": "E",
            "StartedTime": "2019-01-01T01:01:01.001Z", "StoppedTime": stopped,
            "FlowDefinition": DEFINITION, "Input": INPUT, "Output": output,
        })
    }

    fn read<'a>(case: &'a str, body: &'a Value) -> Read<'a> {
        Read {
            case,
            flow: "F",
            execution: "E",
            body,
            definition: Some(DEFINITION),
            input: Some(INPUT),
        }
    }

    fn history(bodies: &[Value]) -> Vec<(String, CheckId)> {
        let reads = bodies.iter().map(|body| read("c", body));
        execution_history(Contract::embedded(), reads)
            .into_iter()
            .map(|finding| (finding.actual, finding.check))
            .collect()
    }

    fn ended(stopped: &str) -> Value {
        body("Succeeded", stopped, json!(INPUT))
    }

    #[test]
    fn a_conformant_history_passes() {
        let running = [Value::Null, json!("")].map(|unset| {
            let mut running = body("Running", "", unset);
            running.as_object_mut().unwrap().remove("StoppedTime");
            running
        });
        let mut bodies = running.to_vec();
        bodies.push(body("Starting", "", json!("")));
        bodies.push(ended("2019-01-01T01:01:02.001Z"));
        // The same instant with other digits is the same StoppedTime.
        bodies.push(ended("2019-01-01T01:01:02.001000Z"));
        // Ended without a result: Output unset or any JSON text (terminal-output).
        bodies.push(body("Stopped", "2019-01-01T01:01:02.001Z", json!("{}")));
        bodies.push(body("Stopped", "2019-01-01T01:01:02.001Z", json!("")));
        assert_eq!(history(&bodies), []);
    }

    #[test]
    fn stopped_time_once_set_never_changes() {
        let bodies = [
            ended("2019-01-01T01:01:02.001Z"),
            ended("2019-01-01T01:01:03.001Z"),
        ];
        let found = history(&bodies);
        assert_eq!(
            found,
            [(
                "StoppedTime 2019-01-01T01:01:03.001Z".to_owned(),
                CheckId::ExecutionHistory
            )]
        );
        // Another execution has its own StoppedTime.
        let (first, second) = (&bodies[0], &bodies[1]);
        let reads = [
            read("a", first),
            Read {
                execution: "Other",
                ..read("b", second)
            },
        ];
        assert_eq!(execution_history(Contract::embedded(), reads), []);
    }

    #[test]
    fn output_is_unset_until_terminal() {
        for output in [json!("{}"), json!("{\"partial\":1}")] {
            let running = body("Running", "", output);
            assert_eq!(history(&[running]).len(), 1);
        }
        assert_eq!(history(&[body("Starting", "", json!("{}"))]).len(), 1);
        // An undocumented status is the schema's finding, not this one's.
        assert_eq!(history(&[body("Pending", "", json!("{}"))]), []);
    }

    #[test]
    fn flow_definition_is_the_text_created() {
        for other in [
            DEFINITION.trim_end().to_owned(),
            DEFINITION.replace('\n', "\r\n"),
            DEFINITION.replace("version: v1\ntype: flow", "type: flow\nversion: v1"),
        ] {
            let mut changed = ended("2019-01-01T01:01:02.001Z");
            changed["FlowDefinition"] = json!(other);
            assert_eq!(history(&[changed]).len(), 1, "{other:?}");
        }
        let mut missing = ended("2019-01-01T01:01:02.001Z");
        missing.as_object_mut().unwrap().remove("FlowDefinition");
        assert_eq!(history(&[missing.clone()]).len(), 1);
        // Flows the run did not create (--fixtures): no verdict.
        let unknown = Read {
            definition: None,
            ..read("c", &missing)
        };
        assert_eq!(execution_history(Contract::embedded(), [unknown]), []);
    }

    #[test]
    fn non_ascii_input_round_trips() {
        // Escaped in the body's JSON or not, it is the same string once parsed.
        let mut escaped = ended("2019-01-01T01:01:02.001Z");
        escaped["Input"] =
            serde_json::from_str(r#""{\"k\":\"caf\u00e9 \u2713 \u6f22\u5b57\"}""#).unwrap();
        assert_eq!(history(&[escaped]), []);
        // UTF-8 read as Latin-1.
        let mojibake: String = INPUT.bytes().map(char::from).collect();
        for mangled in [
            json!(mojibake),
            json!("{\"k\":\"caf? ? ??\"}"),
            json!({"k": "café ✓ 漢字"}),
        ] {
            let mut read_back = ended("2019-01-01T01:01:02.001Z");
            read_back["Input"] = mangled.clone();
            assert_eq!(history(&[read_back]).len(), 1, "{mangled}");
        }
    }

    #[test]
    fn floor_boundary_stays_on_characters() {
        assert_eq!(floor_boundary("漢字", 4), 3);
        assert_eq!(floor_boundary("ab", 9), 2);
    }
}
