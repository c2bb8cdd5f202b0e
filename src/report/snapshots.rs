//! Snapshots for review (`--snapshots DIR`): each catalog case's exchange in a normalised
//! form, one insta-format `.snap` file per case, so that a change in a target's behaviour
//! shows up as a diff in code review.
//!
//! The normalised form is the request's method and parameters and the response's status
//! and body (JSON with sorted keys), with what differs from run to run redacted: the run's
//! unique id in names (`[run]`), the target's host and port (`[target]`), request ids
//! (`[request-id]`) and timestamps (`[time]`).
//! Signatures, nonces and credentials are never recorded. Timing cases are held to the
//! timing checks, not to snapshots: when their answers come is the point of them.
//!
//! A case without a snapshot gets one. A case whose exchange differs from its snapshot is
//! drift: the new form goes to a `.snap.new` file beside the old one (as insta leaves it,
//! so `cargo insta review` works on it inside a Cargo project), and the run fails;
//! accepting (`--accept`) writes the new form over the old one instead.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};
use similar::TextDiff;

use crate::cases::{Tag, Tamper};
use crate::runner::{Checked, RunReport};

/// The most of a body that is not JSON a snapshot keeps.
const TEXT_LIMIT: usize = 1024;

static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})")
        .expect("a valid regex")
});

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
                    self.write(&new_path, &new)?;
                    outcome.drifted.push(SnapshotDrift {
                        case: result.case.id.clone(),
                        path,
                        new_path,
                        diff,
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

/// The values of a run that differ from those of the next run.
struct Redactions {
    /// The run id, in any case.
    run: Option<Regex>,
    /// The target's host and port.
    authority: String,
}

impl Redactions {
    fn of(report: &RunReport) -> Self {
        let authority = report.target.split_once("://").map_or("", |(_, rest)| rest);
        Self::new(&report.run_id, authority.trim_end_matches('/'))
    }

    fn new(run_id: &str, authority: &str) -> Self {
        Self {
            run: (!run_id.is_empty()).then(|| {
                Regex::new(&format!("(?i){}", regex::escape(run_id))).expect("an escaped id")
            }),
            authority: authority.to_owned(),
        }
    }

    /// `text` with timestamps, the target and the run id redacted.
    fn text(&self, text: &str) -> String {
        let mut text = TIMESTAMP.replace_all(text, "[time]").into_owned();
        if !self.authority.is_empty() {
            text = text.replace(&self.authority, "[target]");
        }
        match &self.run {
            Some(run) => run.replace_all(&text, "[run]").into_owned(),
            None => text,
        }
    }

    /// A body with sorted keys and volatile values redacted.
    fn body(&self, value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|(a, _), (b, _)| a.cmp(b));
                let map = entries
                    .into_iter()
                    .map(|(key, value)| {
                        let value = match value {
                            Value::String(id) if key == "RequestId" && !id.is_empty() => {
                                json!("[request-id]")
                            }
                            other => self.body(other),
                        };
                        (key, value)
                    })
                    .collect();
                Value::Object(map)
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|item| self.body(item)).collect())
            }
            Value::String(text) => Value::String(self.text(&text)),
            other => other,
        }
    }
}

/// The insta-format snapshot file of a case's exchange.
fn render(result: &Checked, redactions: &Redactions) -> String {
    let redact = |text: &str| redactions.text(text);
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
                json!({ "status": exchange.status.as_u16(), "body": redactions.body(body.clone()) })
            }
            None => json!({
                "status": exchange.status.as_u16(),
                "text": redact(&capped(&exchange.body)),
            }),
        },
        Err(error) => json!({ "error": redact(&error.to_string()) }),
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
    fn redaction_keeps_what_is_stable() {
        let redactions = Redactions::new("ab12cd34", "127.0.0.1:4000");
        assert_eq!(
            redactions.text("Done_ab12cd34 and DONE_AB12CD34 at 2026-11-24T02:14:48Z"),
            "Done_[run] and DONE_[run] at [time]"
        );
        // A timestamp in the wrong form stays visible: drift shows it.
        assert_eq!(
            redactions.text("2026/11/24 02:14:48"),
            "2026/11/24 02:14:48"
        );
        let body = json!({"Status": "Succeeded", "RequestId": "9F1E", "Name": "Done_ab12cd34", "HostId": "127.0.0.1:4000"});
        assert_eq!(
            redactions.body(body).to_string(),
            r#"{"HostId":"[target]","Name":"Done_[run]","RequestId":"[request-id]","Status":"Succeeded"}"#
        );
    }

    #[test]
    fn contents_skip_the_header() {
        assert_eq!(contents("---\nsource: x\n---\n{\n}\n\n"), "{\n}");
        assert_eq!(contents("{}\n"), "{}");
    }
}
