//! What the proxy saw, for the reports and the exit code: a run's report with one case per
//! exchange, so that every writer of [`crate::report`] works, and the client findings
//! beside it (in the JSON report's `client_findings`, each in its JUnit testcase's
//! system-out, counted in the summary).

use serde::Serialize;
use serde_json::Value;

use crate::report::{ReportFormat, write_junit_noted};
use crate::runner::RunReport;

/// A request of a client that breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientFinding {
    /// The exchange's case id (`DescribeExecution/000007`).
    pub case: String,
    /// The rule the request breaks: its id in `schemas/rules.json` (`flow-name-length`).
    pub rule: String,
    /// What the request sent.
    pub actual: String,
}

impl ClientFinding {
    /// The finding as the console prints it: `CLIENT case [rule] sent: ...`.
    pub fn line(&self) -> String {
        format!("CLIENT {} [{}] sent: {}", self.case, self.rule, self.actual)
    }
}

/// What the proxy saw, for the reports and the exit code.
#[derive(Debug)]
pub struct ProxyReport {
    /// One case per exchange, with the target's findings: what every report writes.
    pub report: RunReport,
    /// The requests that broke the contract.
    pub client: Vec<ClientFinding>,
    /// Whether client findings fail the verdict.
    pub strict_client: bool,
}

impl ProxyReport {
    /// Whether the traffic passes: no target finding (and, with `strict_client`, no client
    /// finding).
    pub fn passes(&self) -> bool {
        self.report.passes() && (!self.strict_client || self.client.is_empty())
    }

    /// Writes the report file of `format`: one case per exchange, the client findings
    /// beside the target's.
    pub fn write(
        &self,
        format: ReportFormat,
        out: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        match format {
            ReportFormat::Json => self.write_json(out),
            ReportFormat::Junit => write_junit_noted(
                &self.report,
                &|result| self.client_notes(&result.case.id),
                out,
            ),
            ReportFormat::Har | ReportFormat::Html => format.write(&self.report, out),
        }
    }

    /// The closing summary for the console: exchanges seen, target and client findings.
    pub fn summary(&self) -> String {
        let (ran, failed) = self.report.counts();
        let findings = self.report.findings().count();
        let strict = if self.strict_client {
            " (they fail the verdict)"
        } else {
            ""
        };
        format!(
            "{}, {failed} with target findings ({}), {}{strict}: {}",
            counted(ran, "exchange"),
            counted(findings, "finding"),
            counted(self.client.len(), "client finding"),
            if self.passes() { "passed" } else { "failed" }
        )
    }

    /// The JSON report of a run, with `client_findings` added when there are any.
    fn write_json(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let mut written = Vec::new();
        ReportFormat::Json.write(&self.report, &mut written)?;
        if self.client.is_empty() {
            return out.write_all(&written);
        }
        let mut json: Value = serde_json::from_slice(&written)?;
        if let Value::Object(object) = &mut json {
            object.insert(
                "client_findings".to_owned(),
                serde_json::to_value(&self.client)?,
            );
        }
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)
    }

    /// The client findings of one exchange, one line each, if it has any.
    fn client_notes(&self, case: &str) -> Option<String> {
        let lines: Vec<String> = self
            .client
            .iter()
            .filter(|finding| finding.case == case)
            .map(ClientFinding::line)
            .collect();
        (!lines.is_empty()).then(|| lines.join("\n"))
    }
}

/// `1 finding`, `2 findings`.
fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
