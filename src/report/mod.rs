//! Reports: consumers of a run's results. Each writes to any `Write`, so its output can be
//! captured in tests. Redaction of secrets and volatile values happens here and nowhere
//! else.

mod baseline;
mod console;
mod contract;
mod coverage;
mod drift;
mod explain;
mod fault_matrix;
mod har;
mod html;
mod json;
mod junit;
mod progress;
mod redact;
mod snapshots;
mod subjects;

pub use baseline::{write_baseline, write_empty_baseline, write_fuzz_baseline};
pub use console::{
    write_checks, write_choices, write_faults, write_fuzz, write_list, write_report,
};
pub use contract::write_contract;
pub use coverage::{AllCases, RuleCoverage, cases_of, coverage, write_coverage};
pub use drift::Change;
pub use explain::{
    CheckExplanation, ShownExample, ShownExchange, explain_check, write_check_explanation,
};
pub use fault_matrix::{write_choice_matrix, write_fault_matrix, write_incidental_catches};
pub use har::{HAR_VERSION, write_har};
pub use html::write_html;
pub use json::{JSON_FORMAT, JSON_VERSION, write_json};
pub use junit::write_junit;
pub(crate) use junit::write_junit_noted;
pub use progress::Progress;
pub use redact::curl;
pub(crate) use redact::{echoed_secrets, without_echoed};
pub use snapshots::{SnapshotDrift, SnapshotOutcome, Snapshots, write_snapshot_outcome};
pub use subjects::{Subject, UnknownSubject, resolve, write_explanation};

use crate::cases::Tag;
use crate::runner::RunReport;

/// The command that re-runs one case (of these tags) against the same target.
fn rerun(report: &RunReport, case: &str, tags: &[Tag]) -> String {
    if tags.contains(&Tag::Traffic) {
        return format!(
            "send the client's request again (the request shown, signed anew) to {}",
            report.target
        );
    }
    // A set-up step is no case of its own: every run goes through it.
    let mut only = if tags.contains(&Tag::Setup) {
        String::new()
    } else {
        format!(" --case {case}")
    };
    // The cases a run has only when asked for.
    for (tag, flag) in [
        (Tag::LongWait, " --long-waits"),
        (Tag::Throttling, " --probe-throttling"),
    ] {
        if tags.contains(&tag) {
            only.push_str(flag);
        }
    }
    if report.embedded {
        format!("conformance{only}")
    } else {
        format!("conformance --target {}{only}", report.target)
    }
}

/// The formats of report files (`--report FORMAT=PATH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// JUnit XML, for CI systems' test views.
    Junit,
    /// The JSON format of `schemas/report.schema.json`.
    Json,
    /// Every exchange of the run as an HTTP Archive 1.2, for a browser's developer tools.
    Har,
    /// One self-contained HTML page, with the timing cases drawn as timelines.
    Html,
}

impl ReportFormat {
    /// Every format.
    pub const ALL: [Self; 4] = [Self::Junit, Self::Json, Self::Har, Self::Html];

    /// The name `--report` knows it by.
    pub fn id(self) -> &'static str {
        match self {
            Self::Junit => "junit",
            Self::Json => "json",
            Self::Har => "har",
            Self::Html => "html",
        }
    }

    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            Self::Junit => "JUnit",
            Self::Json => "JSON",
            Self::Har => "HAR",
            Self::Html => "HTML",
        }
    }

    /// Writes the report of `run` in this format.
    pub fn write(self, run: &RunReport, out: &mut impl std::io::Write) -> std::io::Result<()> {
        match self {
            Self::Junit => write_junit(run, out),
            Self::Json => write_json(run, out),
            Self::Har => write_har(run, out),
            Self::Html => write_html(run, out),
        }
    }

    /// Whether the run must record every exchange for this format
    /// ([`crate::runner::RunOptions::record_exchanges`]).
    pub fn records_exchanges(self) -> bool {
        match self {
            Self::Junit | Self::Json | Self::Html => false,
            Self::Har => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::wire::SignatureVersion;

    fn report(embedded: bool) -> RunReport {
        RunReport {
            target: "http://127.0.0.1:9".to_owned(),
            embedded,
            run_id: "r".to_owned(),
            signature: SignatureVersion::V1,
            cases: Vec::new(),
            timing_bounds: None,
            elapsed: Duration::ZERO,
            left_behind: Vec::new(),
            steps: Vec::new(),
            baseline: None,
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn rerun_names_the_flags_a_case_needs() {
        assert_eq!(
            rerun(&report(false), "timing/stopped", &[Tag::Timing]),
            "conformance --target http://127.0.0.1:9 --case timing/stopped"
        );
        assert_eq!(
            rerun(&report(true), "throttling/burst", &[Tag::Throttling]),
            "conformance --case throttling/burst --probe-throttling"
        );
        assert_eq!(
            rerun(
                &report(true),
                "timing/wait-outlived-60",
                &[Tag::Timing, Tag::LongWait]
            ),
            "conformance --case timing/wait-outlived-60 --long-waits"
        );
        assert_eq!(
            rerun(&report(true), "setup/CreateFlow", &[Tag::Setup]),
            "conformance"
        );
    }
}
