//! The judging half of the proxy: every exchange held to the contract with the run's own
//! checks, and the reports at the end.

use std::time::Duration;

use super::Traffic;
use crate::report::ReportFormat;
use crate::runner::RunReport;

/// How the traffic is judged.
#[derive(Debug, Clone)]
pub struct JudgeOptions {
    /// The target's URL, for the reports.
    pub target: String,
    /// The margin added to every timing bound.
    pub slack: Duration,
    /// Whether a client finding fails the proxy's verdict too.
    pub strict_client: bool,
}

/// A request of a client that breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFinding {
    /// The exchange's case id (`DescribeExecution/000007`).
    pub case: String,
    /// The rule the request breaks.
    pub rule: String,
    /// What the request sent.
    pub actual: String,
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
        format.write(&self.report, out)
    }

    /// The closing summary for the console: exchanges seen, target and client findings.
    pub fn summary(&self) -> String {
        let (ran, failed) = self.report.counts();
        format!(
            "{ran} exchanges, {failed} with target findings, {} client findings",
            self.client.len()
        )
    }
}

/// Holds the traffic to the contract, one exchange at a time, in the order the answers
/// ended.
#[derive(Debug)]
pub struct Judge {
    options: JudgeOptions,
}

impl Judge {
    /// A judge with nothing seen yet.
    pub fn new(options: JudgeOptions) -> Self {
        Self { options }
    }

    /// Judges one exchange: the lines to print at once, one per finding (target and
    /// client), already redacted.
    pub fn observe(&mut self, traffic: Traffic) -> Vec<String> {
        let _ = (traffic, &self.options);
        Vec::new()
    }

    /// Everything seen, for the reports.
    pub fn finish(self) -> ProxyReport {
        unimplemented_report(self.options)
    }
}

/// Until part J's judge lands: an empty report (no exchange judged), so that `conformance
/// proxy` stops in order. Part J replaces this.
fn unimplemented_report(options: JudgeOptions) -> ProxyReport {
    ProxyReport {
        report: RunReport {
            target: options.target,
            embedded: false,
            run_id: String::new(),
            signature: crate::wire::SignatureVersion::None,
            cases: Vec::new(),
            timing_bounds: None,
            elapsed: Duration::ZERO,
            left_behind: Vec::new(),
            steps: Vec::new(),
            baseline: None,
            exchanges: Vec::new(),
        },
        client: Vec::new(),
        strict_client: options.strict_client,
    }
}
