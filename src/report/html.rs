//! The HTML report (`--report html=PATH`): one self-contained page that opens offline from a
//! CI artifact. No external script, style, font or image: the CSS and the little script of
//! the filters are inline, and the page's Content-Security-Policy allows nothing else (the
//! scripts by their hashes, so even an inline event handler a target smuggled in would not
//! run). Every text a target chose (bodies, headers, messages, statuses) is escaped.
//!
//! The page holds the summary (target, run, counts, the verdict, the timing bounds, what a
//! baseline made of the run), the families with filters (by outcome and family), then every
//! case: a failure with each finding (expected, actual, what the check holds, a mark where
//! the baseline expects it), how to re-run it, its request as an unsigned curl command and
//! the response (status, headers, body); a skipped case with its reason; a timing case with
//! its polls drawn as a timeline ([`timeline`]). Last, each check that failed, explained as
//! `conformance explain` does ([`explain`]).

use std::fmt::{self, Display, Write as _};
use std::io::{self, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::cases::Tag;
use crate::checks::CheckId;
use crate::report::explain_check;
use crate::runner::{CaseResult, RunReport, Stale};

mod case;
mod explain;
mod timeline;

/// The page's styles.
const STYLE: &str = include_str!("html/page.css");
/// Runs first: every script error, console error and blocked load is written on the root
/// element (`data-errors`), where a test of the rendered page reads it.
const TRAP: &str = include_str!("html/trap.js");
/// The filters; marks the body `data-ok="true"` once it ran through.
const SCRIPT: &str = include_str!("html/filters.js");

/// Writes the HTML report of a run.
pub fn write_html(report: &RunReport, out: &mut impl Write) -> io::Result<()> {
    let mut page = String::new();
    page_of(report, &mut page).map_err(io::Error::other)?;
    out.write_all(page.as_bytes())
}

fn page_of(report: &RunReport, page: &mut String) -> fmt::Result {
    let verdict = if report.conformant() {
        "conformant"
    } else {
        "not conformant"
    };
    writeln!(page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>")?;
    writeln!(page, "<meta charset=\"utf-8\">")?;
    writeln!(
        page,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src '{}' '{}'\">",
        script_hash(TRAP),
        script_hash(SCRIPT)
    )?;
    writeln!(
        page,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        page,
        "<title>conformance: {} ({verdict})</title>",
        Escaped(&report.target)
    )?;
    writeln!(page, "<style>\n{STYLE}</style>\n<script>{TRAP}</script>")?;
    writeln!(page, "</head>\n<body>")?;
    summary(report, page)?;
    families(report, page)?;
    writeln!(page, "<main id=\"cases\">")?;
    for result in &report.cases {
        case::write_case(report, result, page)?;
    }
    writeln!(page, "</main>")?;
    explanations(report, page)?;
    writeln!(
        page,
        "<footer>{} {}</footer>",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(page, "<script>{SCRIPT}</script>\n</body>\n</html>")
}

/// A CSP source that allows exactly this inline script.
fn script_hash(script: &str) -> String {
    format!(
        "sha256-{}",
        STANDARD.encode(Sha256::digest(script.as_bytes()))
    )
}

/// The heading: target, run, verdict, counts, timing bounds, and what is left behind.
fn summary(report: &RunReport, page: &mut String) -> fmt::Result {
    let (ran, failed) = report.counts();
    let skipped = report.cases.len() - ran;
    let expected = report.failed_as_expected_count();
    let failed = failed - expected;
    let findings = report.findings().count();
    writeln!(page, "<header id=\"summary\">")?;
    writeln!(page, "<h1>Conformance report</h1>")?;
    let (class, verdict) = if report.conformant() {
        ("passed", "conformant".to_owned())
    } else if report.passes() {
        (
            "expected",
            format!("not conformant, as the baseline expects: {findings} findings, none new"),
        )
    } else {
        (
            "failed",
            format!("not conformant: {findings} findings in {failed} failed cases"),
        )
    };
    writeln!(
        page,
        "<p class=\"verdict {class}\" id=\"verdict\">{}</p>",
        Escaped(&verdict)
    )?;
    writeln!(page, "<dl class=\"facts\">")?;
    let target = if report.embedded {
        format!("{} (the embedded reference target)", report.target)
    } else {
        report.target.clone()
    };
    fact(page, "target", &target)?;
    fact(page, "signature", &report.signature.to_string())?;
    fact(page, "run", &report.run_id)?;
    let mut counts = format!(
        "{ran} ran: {} passed, {failed} failed, {skipped} skipped; {findings} findings",
        ran - failed - expected
    );
    if expected > 0 {
        counts.push_str(&format!("; {expected} failing as the baseline expects"));
    }
    fact(page, "cases", &counts)?;
    fact(
        page,
        "time",
        &format!("{:.1} s", report.elapsed.as_secs_f64()),
    )?;
    if let Some(bounds) = &report.timing_bounds {
        fact(
            page,
            "timing bounds",
            &format!(
                "slack {:.1} ms: round-trip baseline {:.1} ms (median of WaitTimeSeconds=0 polls) + margin {:.0} ms (--timing-slack)",
                millis(bounds.slack()),
                millis(bounds.baseline),
                millis(bounds.margin)
            ),
        )?;
    }
    let steps = report
        .cases
        .iter()
        .filter(|result| result.case.tags.contains(&Tag::Setup))
        .count();
    if steps > 0 {
        fact(
            page,
            "set-up",
            &format!(
                "{steps} set-up or clean-up steps whose answers broke the wire format (family setup)"
            ),
        )?;
    }
    if let Some(left) = report.left_behind() {
        fact(page, "left behind", &left)?;
    }
    if let Some(baseline) = &report.baseline {
        fact(
            page,
            "baseline",
            &format!(
                "{} ({} entries of cases): {} expected findings, {} new, {} entries no longer fail, {} not run",
                baseline.path.display(),
                baseline.entries,
                report
                    .findings()
                    .filter(|finding| report.expected(finding))
                    .count(),
                report.new_findings().count(),
                baseline.stale_as(Stale::NoLongerFails).count(),
                baseline.stale_as(Stale::NotRun).count()
            ),
        )?;
    }
    writeln!(page, "</dl>")?;
    if let Some(baseline) = &report.baseline
        && baseline.stale_as(Stale::NoLongerFails).next().is_some()
    {
        writeln!(
            page,
            "<section id=\"baseline-fixed\"><h2>No longer fail: remove them from the baseline {}</h2><ul>",
            Escaped(&baseline.path.display().to_string())
        )?;
        for entry in baseline.stale_as(Stale::NoLongerFails) {
            writeln!(
                page,
                "<li><code>{}</code></li>",
                Escaped(&entry.to_string())
            )?;
        }
        writeln!(page, "</ul></section>")?;
    }
    writeln!(page, "</header>")
}

fn fact(page: &mut String, name: &str, value: &str) -> fmt::Result {
    writeln!(
        page,
        "<dt>{}</dt><dd>{}</dd>",
        Escaped(name),
        Escaped(value)
    )
}

/// The families (a case id's part before its first `/`) with their counts, and the filters.
fn families(report: &RunReport, page: &mut String) -> fmt::Result {
    let mut families: Vec<(&str, [usize; 4])> = Vec::new();
    for result in &report.cases {
        let family = result.case.family();
        let at = match families.iter().position(|(name, _)| *name == family) {
            Some(at) => at,
            None => {
                families.push((family, [0; 4]));
                families.len() - 1
            }
        };
        families[at].1[outcome(report, result) as usize] += 1;
    }
    writeln!(page, "<nav id=\"filters\">")?;
    writeln!(page, "<fieldset><legend>Show</legend>")?;
    let mut shown = vec![("all", "all")];
    shown.extend(Outcome::ALL.map(|outcome| (outcome.class(), outcome.label())));
    // The failures first where there are any.
    let first = if families
        .iter()
        .any(|(_, counts)| counts[Outcome::Failed as usize] > 0)
    {
        Outcome::Failed.class()
    } else {
        "all"
    };
    for (value, label) in shown {
        let checked = if value == first { " checked" } else { "" };
        writeln!(
            page,
            "<label><input type=\"radio\" name=\"outcome\" value=\"{value}\"{checked}> {label}</label>"
        )?;
    }
    writeln!(
        page,
        "<label>family <select id=\"family\"><option value=\"\">all</option>"
    )?;
    for (family, _) in &families {
        writeln!(page, "<option value=\"{0}\">{0}</option>", Escaped(family))?;
    }
    writeln!(
        page,
        "</select></label> <output id=\"shown\"></output></fieldset>"
    )?;
    writeln!(
        page,
        "<table class=\"families\"><thead><tr><th>family</th><th>passed</th><th>failed</th><th>expected</th><th>skipped</th></tr></thead><tbody>"
    )?;
    for (family, counts) in &families {
        let class = if counts[Outcome::Failed as usize] > 0 {
            "failed"
        } else {
            "passed"
        };
        write!(
            page,
            "<tr class=\"{class}\"><td><button type=\"button\" data-family=\"{0}\">{0}</button></td>",
            Escaped(family)
        )?;
        for outcome in [
            Outcome::Passed,
            Outcome::Failed,
            Outcome::Expected,
            Outcome::Skipped,
        ] {
            write!(page, "<td>{}</td>", counts[outcome as usize])?;
        }
        writeln!(page, "</tr>")?;
    }
    writeln!(page, "</tbody></table>\n</nav>")
}

/// How a case ended, as the page sorts and filters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed = 0,
    Failed = 1,
    Expected = 2,
    Skipped = 3,
}

impl Outcome {
    /// The outcomes the filters offer, in their order.
    const ALL: [Self; 4] = [Self::Failed, Self::Expected, Self::Skipped, Self::Passed];

    /// The class and `data-outcome` of its cases.
    fn class(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Expected => "expected",
            Self::Skipped => "skipped",
        }
    }

    /// Its label on the page.
    fn label(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Expected => "expected failures",
            Self::Skipped => "skipped",
        }
    }
}

/// The outcome of a case: failed if a finding is not one the baseline expects.
fn outcome(report: &RunReport, result: &CaseResult) -> Outcome {
    if !result.ran() {
        Outcome::Skipped
    } else if result.findings.is_empty() {
        Outcome::Passed
    } else if report.failed_as_expected(result) {
        Outcome::Expected
    } else {
        Outcome::Failed
    }
}

/// What each check that failed in the run holds, once per check (the findings link to
/// it): the rules it judges, the contract's own words, an example that fails it and what a
/// target must do to pass ([`explain_check`], as `conformance explain CHECK` prints it).
fn explanations(report: &RunReport, page: &mut String) -> fmt::Result {
    let mut checks: Vec<CheckId> = report.findings().map(|finding| finding.check).collect();
    checks.sort();
    checks.dedup();
    if checks.is_empty() {
        return Ok(());
    }
    writeln!(
        page,
        "<section id=\"checks\"><h2>The checks that failed</h2>"
    )?;
    for check in checks {
        explain::write_explanation(&explain_check(check), page)?;
    }
    writeln!(page, "</section>")
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Text escaped for HTML: in an element or in an attribute value in double or single
/// quotes.
struct Escaped<'a>(&'a str);

impl Display for Escaped<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            formatter.write_str(&rest[..at])?;
            formatter.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        formatter.write_str(rest)
    }
}

#[cfg(test)]
mod tests;
