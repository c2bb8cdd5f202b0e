//! The JSON report (`--report json=PATH`): a documented, versioned format whose JSON Schema
//! is `schemas/report.schema.json`. Version 1; a change that could break a reader raises
//! the version.
//!
//! With `--baseline FILE` the report has what the baseline made of the run: a `baseline`
//! object (its counts, whether the run passed, the entries that no longer fail and those
//! not run) and a `baseline` field (`expected` or `new`) on each failed case and each
//! finding. The other fields keep their meaning (a case that failed as the baseline
//! expects is still `failed`, and `conformant` still means no finding at all), and a run
//! without a baseline writes none of these fields, so the version stays 1.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;

use super::{curl, rerun};
use crate::cases::{CaseInfo, CaseKind, Tag};
use crate::checks::Finding;
use crate::runner::{CaseOutcome, CaseResult, Known, RunReport, Stale};

/// The `format` of every JSON report.
pub const JSON_FORMAT: &str = "conformance-report";
/// The version of the JSON report's format.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    format: &'static str,
    version: u32,
    tool: Tool,
    target: Target<'a>,
    summary: Summary,
    timing_bounds: Option<Bounds>,
    cases: Vec<CaseEntry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineEntry>,
}

/// What `--baseline` made of the run (only with one).
#[derive(Serialize)]
struct BaselineEntry {
    file: String,
    entries: usize,
    passed: bool,
    failed_as_expected: usize,
    expected_findings: usize,
    new_findings: usize,
    no_longer_fails: Vec<KnownEntry>,
    not_run: Vec<KnownEntry>,
}

#[derive(Serialize)]
struct KnownEntry {
    case: String,
    check: &'static str,
}

/// Whether the baseline lists a finding, or every finding of a failed case.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Listed {
    Expected,
    New,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Target<'a> {
    url: &'a str,
    embedded: bool,
    signature: String,
}

#[derive(Serialize)]
struct Summary {
    conformant: bool,
    cases: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    findings: usize,
    elapsed_ms: f64,
}

#[derive(Serialize)]
struct Bounds {
    baseline_ms: f64,
    margin_ms: f64,
    slack_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Catalog,
    Timing,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Passed,
    Failed,
    Skipped,
}

#[derive(Serialize)]
struct CaseEntry<'a> {
    id: &'a str,
    family: &'a str,
    kind: Kind,
    tags: &'a [Tag],
    description: &'a str,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Listed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip_reason: Option<&'a str>,
    findings: Vec<FindingEntry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reproduce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<Response>,
    #[serde(skip_serializing_if = "Option::is_none")]
    polls: Option<usize>,
    elapsed_ms: f64,
}

#[derive(Serialize)]
struct FindingEntry<'a> {
    check: &'a str,
    expected: &'a str,
    actual: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<Listed>,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Response {
    /// An HTTP answer came.
    Answer {
        status: u16,
        code: Option<String>,
        request_id: Option<String>,
    },
    /// None came, and why.
    Error(String),
}

/// Writes the JSON report of a run, with a newline at the end.
pub fn write_json(report: &RunReport, out: &mut impl Write) -> io::Result<()> {
    let cases = report
        .cases
        .iter()
        .map(|result| entry(report, result))
        .collect();
    let (ran, failed) = report.counts();
    let json = JsonReport {
        format: JSON_FORMAT,
        version: JSON_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        target: Target {
            url: &report.target,
            embedded: report.embedded,
            signature: report.signature.to_string(),
        },
        summary: Summary {
            conformant: report.conformant(),
            cases: report.cases.len(),
            passed: ran - failed,
            failed,
            skipped: report.cases.len() - ran,
            findings: report.findings().count(),
            elapsed_ms: millis(report.elapsed),
        },
        timing_bounds: report.timing_bounds.map(|bounds| Bounds {
            baseline_ms: millis(bounds.baseline),
            margin_ms: millis(bounds.margin),
            slack_ms: millis(bounds.slack()),
        }),
        cases,
        baseline: baseline_entry(report),
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}

/// The entry of a case.
fn entry<'a>(report: &RunReport, result: &'a CaseResult) -> CaseEntry<'a> {
    let entry = ran(report, &result.case, &result.findings, result.elapsed());
    match &result.outcome {
        CaseOutcome::Checked(checked) => {
            let response = match &checked.answer {
                Ok(exchange) => {
                    let text = |name: &str| {
                        let body = checked.body.as_ref()?;
                        body.get(name)?.as_str().map(str::to_owned)
                    };
                    Response::Answer {
                        status: exchange.status.as_u16(),
                        code: text("Code"),
                        request_id: text("RequestId"),
                    }
                }
                Err(error) => Response::Error(error.to_string()),
            };
            CaseEntry {
                request: Some(curl(&checked.request)),
                response: Some(response),
                ..entry
            }
        }
        CaseOutcome::Timing(timeline) => CaseEntry {
            polls: Some(timeline.polls.len()),
            ..entry
        },
        CaseOutcome::Skipped { reason } => CaseEntry {
            outcome: Outcome::Skipped,
            baseline: None,
            skip_reason: Some(reason),
            reproduce: None,
            ..entry
        },
    }
}

/// The entry of a case that ran, without what its kind adds.
fn ran<'a>(
    report: &RunReport,
    case: &'a CaseInfo,
    findings: &'a [Finding],
    elapsed: Duration,
) -> CaseEntry<'a> {
    CaseEntry {
        id: &case.id,
        family: case.family(),
        kind: match case.kind {
            CaseKind::Catalog => Kind::Catalog,
            CaseKind::Timing => Kind::Timing,
        },
        tags: &case.tags,
        description: &case.description,
        outcome: if findings.is_empty() {
            Outcome::Passed
        } else {
            Outcome::Failed
        },
        baseline: (!findings.is_empty())
            .then(|| {
                listed(
                    report,
                    findings.iter().all(|finding| report.expected(finding)),
                )
            })
            .flatten(),
        skip_reason: None,
        findings: findings
            .iter()
            .map(|finding| FindingEntry {
                check: finding.check.as_str(),
                expected: &finding.expected,
                actual: &finding.actual,
                baseline: listed(report, report.expected(finding)),
            })
            .collect(),
        reproduce: Some(rerun(report, &case.id, &case.tags)),
        request: None,
        response: None,
        polls: None,
        elapsed_ms: millis(elapsed),
    }
}

/// Whether the baseline expects what is judged, if a baseline was given.
fn listed(report: &RunReport, expected: bool) -> Option<Listed> {
    report.baseline.as_ref()?;
    Some(if expected {
        Listed::Expected
    } else {
        Listed::New
    })
}

/// The summary of what the baseline made of the run, if one was given.
fn baseline_entry(report: &RunReport) -> Option<BaselineEntry> {
    let baseline = report.baseline.as_ref()?;
    let entries = |why| {
        baseline
            .stale_as(why)
            .filter_map(|known| match known {
                Known::Case { case, check } => Some(KnownEntry {
                    case: case.clone(),
                    check: check.as_str(),
                }),
                Known::Fuzz { .. } => None,
            })
            .collect()
    };
    let new_findings = report.new_findings().count();
    Some(BaselineEntry {
        file: baseline.path.display().to_string(),
        entries: baseline.entries,
        passed: report.passes(),
        failed_as_expected: report.failed_as_expected_count(),
        expected_findings: report.findings().count() - new_findings,
        new_findings,
        no_longer_fails: entries(Stale::NoLongerFails),
        not_run: entries(Stale::NotRun),
    })
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}
