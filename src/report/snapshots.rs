//! Snapshots for review (`--snapshots DIR`): each catalog case's exchange in a normalised
//! form, one insta-format `.snap` file per case, so that a change in a target's behaviour
//! shows up as a diff in code review, and a target can be compared with another (parity:
//! record against one, compare the other with the same directory).
//!
//! The normalised form is the request's method and parameters and the response's status
//! and body (JSON with sorted keys). What two correct runs may differ in is redacted: the
//! run's unique id in names (`[run]`), and, by field, what the contract leaves to the
//! service ([`crate::contract::ServerChosen`]): the per-answer fields RequestId, HostId and
//! Recommend (`[per-answer]`) and set timestamps (`[time]`, their value and form), and in
//! a Message the values the case's expectation takes as any text (`[server]`: the
//! service's clock, its limit) or as the request time sent (`[sent-time]`). Nothing is
//! redacted by matching its text, so a value the service chose in another form or another
//! field stays visible. Signatures, nonces and credentials are never recorded. Timing
//! cases are held to the timing checks, not to snapshots: when their answers come is the
//! point of them.
//!
//! A case without a snapshot gets one. A case whose exchange differs from its snapshot is
//! drift: the new form goes to a `.snap.new` file beside the old one (as insta leaves it,
//! so `cargo insta review` works on it inside a Cargo project), each changed value is
//! named with the open questions that allow it or as a contract difference
//! ([`super::drift`]), and the run fails; accepting (`--accept`) writes the new form over
//! the old one instead.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use similar::TextDiff;

use super::drift::{self, Change};
use super::redact::RunValues;
use crate::cases::{Case, Tag, Tamper};
use crate::contract::{Contract, Expected, Outcome};
use crate::runner::{Checked, RunReport};

/// The most of a body that is not JSON a snapshot keeps.
const TEXT_LIMIT: usize = 1024;

/// A directory of snapshots, and whether drift is accepted.
#[derive(Debug, Clone)]
pub struct Snapshots {
    dir: PathBuf,
    accept: bool,
}

/// What comparing a run with its snapshots found.
#[derive(Debug, Default)]
pub struct SnapshotOutcome {
    /// The directory.
    pub dir: PathBuf,
    /// Snapshots written for cases that had none.
    pub recorded: Vec<PathBuf>,
    /// How many cases matched their snapshots.
    pub unchanged: usize,
    /// Cases whose exchange changed, the new form left in `.snap.new` files.
    pub drifted: Vec<SnapshotDrift>,
    /// Snapshots overwritten with a changed exchange (`--accept`).
    pub accepted: Vec<PathBuf>,
}

impl SnapshotOutcome {
    /// Whether the run matched its snapshots (accepted changes count as matching).
    pub fn matched(&self) -> bool {
        self.drifted.is_empty()
    }
}

/// A case whose exchange differs from its snapshot.
#[derive(Debug)]
pub struct SnapshotDrift {
    /// The case.
    pub case: String,
    /// The snapshot.
    pub path: PathBuf,
    /// The new form, beside it.
    pub new_path: PathBuf,
    /// A unified diff from the snapshot to the new form.
    pub diff: String,
    /// Each changed value, with the open questions that allow it (none: a contract
    /// difference); empty when either form is not a snapshot's JSON.
    pub changes: Vec<Change>,
}

impl SnapshotDrift {
    /// Whether some change is one no open question allows.
    pub fn is_contract_difference(&self) -> bool {
        self.changes.is_empty() || self.changes.iter().any(Change::is_contract_difference)
    }
}

impl Snapshots {
    /// Snapshots in `dir` (created if missing); `accept` writes drift over the snapshots.
    pub fn new(dir: impl Into<PathBuf>, accept: bool) -> Self {
        Self {
            dir: dir.into(),
            accept,
        }
    }

    /// Compares each catalog case of `report` with its snapshot, recording, accepting or
    /// leaving `.snap.new` files as the type's documentation says.
    pub fn compare(&self, report: &RunReport) -> io::Result<SnapshotOutcome> {
        fs::create_dir_all(&self.dir).map_err(|error| self.error("create", &self.dir, error))?;
        let mut outcome = SnapshotOutcome {
            dir: self.dir.clone(),
            ..SnapshotOutcome::default()
        };
        let redactions = Redactions::of(report);
        // Set-up steps are in the results only when their answers broke the wire format;
        // whether the throttling probe meets a 429 depends on what else the target serves.
        let cases = report.checked().filter(|(result, _)| {
            !result.case.tags.contains(&Tag::Setup) && !result.case.tags.contains(&Tag::Throttling)
        });
        for (result, checked) in cases {
            let new = render(checked, &redactions);
            let path = self
                .dir
                .join(format!("{}.snap", result.case.id.replace('/', "__")));
            let new_path = path.with_extension("snap.new");
            let old = match fs::read_to_string(&path) {
                Ok(old) => Some(old),
                Err(error) if error.kind() == io::ErrorKind::NotFound => None,
                Err(error) => return Err(self.error("read", &path, error)),
            };
            match old.as_deref().map(contents) {
                Some(old) if old == contents(&new) => {
                    outcome.unchanged += 1;
                    self.remove(&new_path)?;
                }
                None => {
                    self.write(&path, &new)?;
                    self.remove(&new_path)?;
                    outcome.recorded.push(path);
                }
                Some(_) if self.accept => {
                    self.write(&path, &new)?;
                    self.remove(&new_path)?;
                    outcome.accepted.push(path);
                }
                Some(old) => {
                    let diff = TextDiff::from_lines(old, contents(&new))
                        .unified_diff()
                        .context_radius(3)
                        .header(&path.display().to_string(), &new_path.display().to_string())
                        .to_string();
                    let parsed = |text: &str| serde_json::from_str::<Value>(contents(text)).ok();
                    let changes = match (parsed(old), parsed(&new)) {
                        (Some(old), Some(new)) => drift::changes(&old, &new, &checked.case),
                        _ => Vec::new(),
                    };
                    self.write(&new_path, &new)?;
                    outcome.drifted.push(SnapshotDrift {
                        case: result.case.id.clone(),
                        path,
                        new_path,
                        diff,
                        changes,
                    });
                }
            }
        }
        Ok(outcome)
    }

    fn write(&self, path: &Path, text: &str) -> io::Result<()> {
        fs::write(path, text).map_err(|error| self.error("write", path, error))
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        match fs::remove_file(path) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => {
                Err(self.error("remove", path, error))
            }
            _ => Ok(()),
        }
    }

    fn error(&self, verb: &str, path: &Path, error: io::Error) -> io::Error {
        io::Error::new(
            error.kind(),
            format!("failed to {verb} the snapshot {}: {error}", path.display()),
        )
    }
}

/// The contents of a snapshot file: what follows its metadata header.
fn contents(file: &str) -> &str {
    let body = file
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(file, |(_, body)| body);
    body.trim_end()
}

/// What differs between two correct runs, redacted: the run's own values (its id in names,
/// the request time it sent, the target's address in the harness's own error text) and
/// what the contract leaves to the service, by field ([`Contract::bodies`]'
/// `server_chosen`, and the message values the case's expectation takes as any text).
struct Redactions {
    /// The run's own values.
    run: RunValues,
}

impl Redactions {
    fn of(report: &RunReport) -> Self {
        Self::new(&report.run_id, &report.target)
    }

    fn new(run_id: &str, target: &str) -> Self {
        Self {
            run: RunValues::new(run_id, target),
        }
    }

    /// A body with sorted keys, the run id redacted in names and, at the top level, every
    /// value the service chooses redacted by its field.
    fn body(&self, case: &Case, value: Value) -> Value {
        let Value::Object(map) = value else {
            return self.value(value);
        };
        let bodies = Contract::embedded().bodies();
        let code = map.get("Code").and_then(Value::as_str).map(str::to_owned);
        let entries = sorted(map).map(|(key, value)| {
            let value = match bodies.server_chosen(&key, &value) {
                Some(chosen) => json!(chosen.placeholder()),
                None if key == "Message" => match (value, &code) {
                    (Value::String(message), Some(code)) => {
                        json!(self.run.names(&message_values(case, code, &message)))
                    }
                    (value, _) => self.value(value),
                },
                None => self.value(value),
            };
            (key, value)
        });
        Value::Object(entries.collect())
    }

    /// A nested value with sorted keys and the run id redacted in its strings.
    fn value(&self, value: Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                sorted(map)
                    .map(|(key, value)| (key, self.value(value)))
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|item| self.value(item)).collect())
            }
            Value::String(text) => Value::String(self.run.names(&text)),
            other => other,
        }
    }
}

/// The entries of `map`, sorted by key.
fn sorted(map: Map<String, Value>) -> impl Iterator<Item = (String, Value)> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|(a, _), (b, _)| a.cmp(b));
    entries.into_iter()
}

/// `message` of an error with `code`, with the values of its placeholders that differ
/// from run to run redacted, as the case's expectation of that code says: the request time
/// the harness sent (`[sent-time]`) and what only the service knows, its clock or its
/// limit (`[server]`). A message in another form is kept as it is: drift shows it.
fn message_values(case: &Case, code: &str, message: &str) -> String {
    let Some(spec) = Contract::embedded().errors().lookup(code) else {
        return message.to_owned();
    };
    let Some(values) = case.expect.iter().find_map(|outcome| match outcome {
        Outcome::Error { code, values } if *code == spec.code => Some(values),
        _ => None,
    }) else {
        return message.to_owned();
    };
    let Some(spans) = spec.value_spans(message) else {
        return message.to_owned();
    };
    let mut redacted = message.to_owned();
    // From the last value to the first, so that earlier spans stay where they are.
    for (span, expected) in spans.into_iter().zip(values).rev() {
        let placeholder = match expected {
            Expected::Text(_) => continue,
            Expected::SentTime => "[sent-time]",
            Expected::Any => "[server]",
        };
        redacted.replace_range(span, placeholder);
    }
    redacted
}

/// The insta-format snapshot file of a case's exchange.
fn render(result: &Checked, redactions: &Redactions) -> String {
    let redact = |text: &str| redactions.run.names(text);
    let rpc = &result.case.request.rpc;
    let mut params = Map::new();
    if let Some(action) = &rpc.action {
        params.insert("Action".to_owned(), json!(action));
    }
    for (name, value) in &rpc.params {
        params.insert(name.clone(), json!(redact(value)));
    }
    let mut request = json!({ "method": rpc.method.as_str(), "params": params });
    if let Some(Tamper::ReplaceBody { content_type, body }) = &result.case.request.tamper {
        request["content_type"] = json!(content_type);
        request["body"] = json!(redact(&capped(body)));
    }
    let response = match &result.answer {
        Ok(exchange) => match &result.body {
            Some(body) => {
                json!({
                    "status": exchange.status.as_u16(),
                    "body": redactions.body(&result.case, body.clone()),
                })
            }
            None => json!({
                "status": exchange.status.as_u16(),
                "text": redact(&capped(&exchange.body)),
            }),
        },
        Err(error) => json!({ "error": redactions.run.harness_text(&error.to_string()) }),
    };
    let snapshot = json!({ "request": request, "response": response });
    let pretty = serde_json::to_string_pretty(&snapshot).expect("JSON values serialise");
    format!(
        "---\nsource: conformance\ndescription: {}\nexpression: {}\n---\n{pretty}\n",
        quoted(&redact(&result.case.description)),
        quoted(&result.case.id)
    )
}

/// A YAML scalar for the header: a JSON string is a YAML double-quoted one.
fn quoted(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// Bytes as text, at most [`TEXT_LIMIT`] of them.
fn capped(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(TEXT_LIMIT)]).into_owned();
    if bytes.len() > TEXT_LIMIT {
        format!("{text}... ({} bytes in all)", bytes.len())
    } else {
        text
    }
}

/// Writes what the comparison found: a diff per drifted case, then a summary line.
pub fn write_snapshot_outcome(outcome: &SnapshotOutcome, out: &mut impl Write) -> io::Result<()> {
    for drift in &outcome.drifted {
        writeln!(
            out,
            "SNAPSHOT CHANGED {} (the new form is in {})",
            drift.case,
            drift.new_path.display()
        )?;
        for change in &drift.changes {
            writeln!(out, "  {change}")?;
        }
        out.write_all(drift.diff.as_bytes())?;
    }
    writeln!(
        out,
        "snapshots in {}: {} unchanged, {} changed, {} recorded, {} accepted",
        outcome.dir.display(),
        outcome.unchanged,
        outcome.drifted.len(),
        outcome.recorded.len(),
        outcome.accepted.len()
    )?;
    let differences = outcome
        .drifted
        .iter()
        .filter(|drift| drift.is_contract_difference())
        .count();
    if !outcome.drifted.is_empty() {
        writeln!(
            out,
            "of the changed: {differences} with a change no open question allows (a contract difference), {} only where the contract leaves the answer open",
            outcome.drifted.len() - differences
        )?;
    }
    if !outcome.drifted.is_empty() {
        writeln!(
            out,
            "review: run again with --accept to take the changes, or `cargo insta review` inside a Cargo project"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_is_by_field() {
        let redactions = Redactions::new("ab12cd34", "127.0.0.1:4000");
        assert_eq!(
            redactions.run.names("Done_ab12cd34 and DONE_AB12CD34"),
            "Done_[run] and DONE_[run]"
        );
        let case = |expect: Vec<Outcome>| Case {
            id: "protocol/skewed-time".to_owned(),
            tags: Vec::new(),
            description: String::new(),
            request: crate::cases::CaseRequest::signed(crate::wire::RpcRequest::get("X")),
            expect,
            questions: Vec::new(),
        };
        // Every per-answer field and every set timestamp, whatever its text or form; an
        // unset timestamp and a non-text value stay.
        let body = json!({"Status": "Succeeded", "RequestId": "9F1E", "Name": "Done_ab12cd34",
            "HostId": "127.0.0.1", "StartedTime": "2026/11/24 02:14:48", "StoppedTime": "",
            "Recommend": 7, "Output": "2026-11-24T02:14:48Z"});
        assert_eq!(
            redactions.body(&case(Vec::new()), body).to_string(),
            r#"{"HostId":"[per-answer]","Name":"Done_[run]","Output":"2026-11-24T02:14:48Z","Recommend":7,"RequestId":"[per-answer]","StartedTime":"[time]","Status":"Succeeded","StoppedTime":""}"#
        );
        // A Message's values as the case's expectation takes them.
        let skewed = case(vec![Outcome::Error {
            code: crate::contract::ErrorCode::RequestTimeTooSkewed,
            values: vec![Expected::SentTime, Expected::Any],
        }]);
        let message = "The difference between the request time 2026-11-24T02:14:48Z and the current time 2026-11-24 03:14:48 is too large.";
        let body = json!({"Code": "RequestTimeTooSkewed", "Message": message});
        assert_eq!(
            redactions.body(&skewed, body.clone())["Message"],
            "The difference between the request time [sent-time] and the current time [server] is too large."
        );
        // Another code than expected: the message as it is.
        assert_eq!(redactions.body(&case(Vec::new()), body)["Message"], message);
        // The target's address only in the harness's own text.
        assert_eq!(
            redactions
                .run
                .harness_text("failed to connect: 127.0.0.1:4000 Done_ab12cd34"),
            "failed to connect: [target] Done_[run]"
        );
    }

    #[test]
    fn contents_skip_the_header() {
        assert_eq!(contents("---\nsource: x\n---\n{\n}\n\n"), "{\n}");
        assert_eq!(contents("{}\n"), "{}");
    }
}
