//! The console report: a line per failure with its reproduction, then a summary line.

use std::io::{self, Write};

use super::redact::curl;
use crate::cases::Case;
use crate::checks;
use crate::runner::RunReport;

/// Writes the report of a run.
pub fn write_report(report: &RunReport, out: &mut impl Write) -> io::Result<()> {
    let target = if report.embedded {
        format!("{} (the embedded reference target)", report.target)
    } else {
        report.target.clone()
    };
    writeln!(
        out,
        "conformance: {} cases against {target}, signature {}",
        report.results.len(),
        report.signature
    )?;
    for result in report.results.iter().filter(|result| !result.passed()) {
        for finding in &result.findings {
            writeln!(
                out,
                "FAIL {} [{}] expected: {}; actual: {}",
                finding.case, finding.check, finding.expected, finding.actual
            )?;
        }
        writeln!(out, "     case: {}", result.case.description)?;
        let rerun = if report.embedded {
            format!("conformance --case {}", result.case.id)
        } else {
            format!(
                "conformance --target {} --case {}",
                report.target, result.case.id
            )
        };
        writeln!(out, "     reproduce: {rerun}")?;
        writeln!(out, "     request (unsigned): {}", curl(&result.request))?;
    }
    for (case, reason) in &report.skipped {
        writeln!(out, "SKIP {case}: {reason}")?;
    }
    let failed = report
        .results
        .iter()
        .filter(|result| !result.passed())
        .count();
    let passed = report.results.len() - failed;
    let findings = report.findings().count();
    writeln!(
        out,
        "{passed} passed, {failed} failed, {} skipped ({findings} findings, {:.1} s)",
        report.skipped.len(),
        report.elapsed.as_secs_f64()
    )?;
    Ok(())
}

/// Writes the cases as `--list` shows them.
pub fn write_list(cases: &[Case], out: &mut impl Write) -> io::Result<()> {
    for case in cases {
        writeln!(
            out,
            "{:<44} [{}] {}",
            case.id,
            case.tags.join(","),
            case.description
        )?;
    }
    Ok(())
}

/// Writes the checks as `conformance checks` shows them.
pub fn write_checks(out: &mut impl Write) -> io::Result<()> {
    for check in checks::all() {
        writeln!(out, "{:<22} {}", check.id, check.description)?;
    }
    Ok(())
}
