//! The console report: a line per failure with its reproduction, then a summary line.
//! With a baseline, a failure it lists is an `EXPECTED (baseline)` line, an entry that no
//! longer fails a `NO LONGER FAILS` line, and the summary counts them apart.

use std::io::{self, Write};
use std::path::Path;

use anstyle::{AnsiColor, Style};

use super::{curl, rerun};
use crate::cases::CaseInfo;
use crate::checks::CheckId;
use crate::runner::{CaseResult, FuzzReport, RunReport, Stale, encode};

/// How a failure's label looks (written plain where colour is off: see `anstream`).
const FAIL: Style = AnsiColor::Red.on_default().bold();
/// How a skipped case's label looks.
const SKIP: Style = AnsiColor::Yellow.on_default();
/// How a failure the baseline expects looks.
const EXPECTED: Style = AnsiColor::Cyan.on_default();
/// How an entry of the baseline that no longer fails looks.
const STALE: Style = AnsiColor::Yellow.on_default().bold();

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
        report.counts().0,
        report.signature
    )?;
    if let Some(baseline) = &report.baseline {
        writeln!(
            out,
            "baseline: {} ({} entries of cases)",
            baseline.path.display(),
            baseline.entries
        )?;
    }
    for (result, checked) in report.checked().filter(|(result, _)| !result.passed()) {
        if write_failure(out, report, result)? {
            writeln!(out, "     request (unsigned): {}", curl(&checked.request))?;
        }
    }
    if let Some(bounds) = &report.timing_bounds {
        writeln!(
            out,
            "timing: {} cases; round-trip baseline {:.1} ms (median of WaitTimeSeconds=0 polls) + margin {:.0} ms (--timing-slack) = slack {:.1} ms",
            report.timing().count(),
            bounds.baseline.as_secs_f64() * 1000.0,
            bounds.margin.as_secs_f64() * 1000.0,
            bounds.slack().as_secs_f64() * 1000.0
        )?;
    }
    for (result, _) in report.timing().filter(|(result, _)| !result.passed()) {
        write_failure(out, report, result)?;
    }
    for (case, reason) in report.skipped() {
        writeln!(out, "{SKIP}SKIP{SKIP:#} {}: {reason}", case.id)?;
    }
    if let Some(baseline) = &report.baseline {
        let (style, consequence) = if baseline.strict {
            (FAIL, " (--strict-baseline: this fails the run)")
        } else {
            (STALE, "")
        };
        for known in baseline.stale_as(Stale::NoLongerFails) {
            writeln!(
                out,
                "{style}NO LONGER FAILS{style:#} {known}: remove it from the baseline {}{consequence}",
                baseline.path.display()
            )?;
        }
    }
    let (cases, failed) = report.counts();
    let findings = report.findings().count();
    let skipped = report.skipped().count();
    let seconds = report.elapsed.as_secs_f64();
    match &report.baseline {
        None => writeln!(
            out,
            "{} passed, {failed} failed, {skipped} skipped ({findings} findings, {seconds:.1} s)",
            cases - failed,
        ),
        Some(baseline) => {
            let expected = report.failed_as_expected_count();
            writeln!(
                out,
                "{} passed, {} failed, {expected} failed as expected (baseline), {skipped} skipped ({findings} findings, {seconds:.1} s)",
                cases - failed,
                failed - expected,
            )?;
            writeln!(
                out,
                "baseline {}: {} expected findings, {} new, {} entries no longer fail (remove them{}), {} not run",
                baseline.path.display(),
                findings - report.new_findings().count(),
                report.new_findings().count(),
                baseline.stale_as(Stale::NoLongerFails).count(),
                if baseline.strict {
                    "; with --strict-baseline they fail the run"
                } else {
                    ""
                },
                baseline.stale_as(Stale::NotRun).count()
            )
        }
    }
}

/// A line per finding of a failed case (`FAIL`, or `EXPECTED (baseline)` for a finding
/// the baseline lists); unless every finding is expected, then what the case does and how
/// to re-run it. Whether it wrote the latter (and so the request should follow).
fn write_failure(
    out: &mut impl Write,
    report: &RunReport,
    result: &CaseResult,
) -> io::Result<bool> {
    for finding in &result.findings {
        if report.expected(finding) {
            write!(out, "{EXPECTED}EXPECTED (baseline){EXPECTED:#}")?;
        } else {
            write!(out, "{FAIL}FAIL{FAIL:#}")?;
        }
        writeln!(
            out,
            " {} [{}] expected: {}; actual: {}",
            finding.case, finding.check, finding.expected, finding.actual
        )?;
    }
    if report.failed_as_expected(result) {
        return Ok(false);
    }
    let case = &result.case;
    writeln!(out, "     case: {}", case.description)?;
    writeln!(
        out,
        "     reproduce: {}",
        rerun(report, &case.id, &case.tags)
    )?;
    Ok(true)
}

/// Writes the report of a fuzz run: each distinct failure (its signature, how many
/// requests hit it, the representative's findings, request and replay command), then a
/// summary line.
pub fn write_fuzz(report: &FuzzReport, regressions: &Path, out: &mut impl Write) -> io::Result<()> {
    let target_flag = if report.embedded {
        String::new()
    } else {
        format!(" --target {}", report.target)
    };
    for failure in &report.failures {
        let hits = match failure.hits {
            1 => "1 request".to_owned(),
            hits => format!("{hits} requests"),
        };
        let origin = match failure.index {
            Some(index) => format!(
                "first: generated request {index} of seed {}, shrunk {} times",
                report.seed, failure.shrinks
            ),
            None => format!("first: replayed from {}", regressions.display()),
        };
        if report.expected(failure) {
            write!(out, "{EXPECTED}EXPECTED (baseline){EXPECTED:#}")?;
        } else {
            write!(out, "{FAIL}FAIL{FAIL:#}")?;
        }
        writeln!(out, " fuzz [{}] {hits}; {origin}", failure.signature)?;
        for finding in &failure.findings {
            writeln!(
                out,
                "     [{}] expected: {}; actual: {}",
                finding.check, finding.expected, finding.actual
            )?;
        }
        let line = encode(&failure.request);
        writeln!(out, "     request: {line}")?;
        writeln!(
            out,
            "     replay: conformance fuzz{target_flag} --replay '{}'",
            line.replace('\'', "'\\''")
        )?;
        if failure.kept {
            writeln!(out, "     kept in {}", regressions.display())?;
        } else if failure.index.is_some() {
            writeln!(out, "     already in {}", regressions.display())?;
        }
    }
    let checked = report.generated + report.replayed as u64;
    let distinct = match report.failures.len() {
        1 => "1 distinct failure".to_owned(),
        count => format!("{count} distinct failures"),
    };
    let seconds = report.elapsed.as_secs_f64();
    let generating = report.generating.as_secs_f64();
    writeln!(
        out,
        "{} passed, {} failed, {distinct} (seed {}: {} generated and {} replayed requests; {} sent with shrinking, in {seconds:.1} s; generated and checked {:.0} requests/s)",
        checked.saturating_sub(report.failed),
        report.failed,
        report.seed,
        report.generated,
        report.replayed,
        report.sent,
        report.generated as f64 / generating.max(f64::EPSILON)
    )?;
    if report.stopped_early {
        writeln!(
            out,
            "stopped early: {} distinct failures reach --max-failures",
            report.failures.len()
        )?;
    }
    if let Some(baseline) = &report.baseline {
        let new = report
            .failures
            .iter()
            .filter(|failure| !report.expected(failure))
            .count();
        writeln!(
            out,
            "baseline {}: {} expected distinct failures, {new} new, {} of its {} fuzz entries not met (generated requests are random: not meeting a failure does not show it mended)",
            baseline.path.display(),
            baseline.met(),
            baseline.stale_as(Stale::NotRun).count(),
            baseline.entries
        )?;
    }
    Ok(())
}

/// Writes the cases as `--list` shows them.
pub fn write_list(cases: &[CaseInfo], out: &mut impl Write) -> io::Result<()> {
    for case in cases {
        writeln!(
            out,
            "{:<44} [{}] {}",
            case.id,
            case.tags
                .iter()
                .map(|tag| tag.as_str())
                .collect::<Vec<_>>()
                .join(","),
            case.description
        )?;
    }
    Ok(())
}

/// Writes the checks as `conformance checks` shows them.
pub fn write_checks(out: &mut impl Write) -> io::Result<()> {
    for check in CheckId::ALL {
        writeln!(out, "{check:<26} {}", check.description())?;
    }
    Ok(())
}

/// Writes the reference target's faults as `conformance serve --list-faults` shows them.
pub fn write_faults(out: &mut impl Write) -> io::Result<()> {
    for fault in crate::reference::Fault::all() {
        writeln!(
            out,
            "{:<44} [{}] {}",
            fault.name(),
            fault.owner(),
            fault.description()
        )?;
    }
    Ok(())
}

/// Lists the reference target's choices, each with the open question it answers.
pub fn write_choices(out: &mut impl Write) -> io::Result<()> {
    for choice in crate::reference::Choice::ALL {
        writeln!(
            out,
            "{:<28} [{}] {}",
            choice.name(),
            choice.question(),
            choice.description()
        )?;
    }
    Ok(())
}
