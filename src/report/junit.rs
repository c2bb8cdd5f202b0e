//! The JUnit XML report (`--report junit=PATH`), written with quick-junit: one
//! `<testsuite>` per family of cases, one `<testcase>` per case; a failed case carries each
//! finding (check, expected, actual), the case's description, the command that re-runs it
//! and the request as an unsigned curl command.
//!
//! With a baseline (`--baseline`), a finding it lists fails no testcase: a case that failed
//! only such checks is a passed `<testcase>` whose `<system-out>` names each expected
//! failure (passed rather than `<skipped>`: the case ran, and CI views count skips as
//! something to look at); a case with a new finding fails on it; a case with an entry that
//! no longer fails says so in its `<system-out>`; every `<testsuite>` has the baseline's
//! counts as a property (and the entries that no longer fail as another).
//!
//! The file is valid against the JUnit schema of Jenkins' xUnit plugin (`junit-10.xsd`,
//! which CI systems that validate JUnit files use): quick-junit puts a `skipped` count on
//! the root `<testsuites>`, which that schema does not allow, so it is taken off the root
//! (each `<testsuite>` keeps its own).

use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};

use super::{curl, rerun};
use crate::cases::CaseInfo;
use crate::checks::Finding;
use crate::runner::{CaseOutcome, CaseResult, Known, RunReport, Stale};

/// Writes the JUnit XML report of a run.
pub fn write_junit(report: &RunReport, out: &mut impl Write) -> io::Result<()> {
    write_junit_noted(report, &|_| None, out)
}

/// Writes the JUnit XML report of a run, with `notes` of a case (the validating proxy's
/// client findings) in its testcase's system-out beside the baseline's.
pub(crate) fn write_junit_noted(
    report: &RunReport,
    notes: &dyn Fn(&CaseResult) -> Option<String>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut junit = Report::new("conformance");
    junit.set_time(report.elapsed);
    let mut suites: Vec<TestSuite> = Vec::new();
    let mut add = |family: &str, case: TestCase| {
        let suite = match suites
            .iter()
            .position(|suite| suite.name.as_str() == family)
        {
            Some(at) => &mut suites[at],
            None => {
                let mut suite = TestSuite::new(family);
                suite.add_properties([
                    Property::new("target", report.target.as_str()),
                    Property::new("signature", report.signature.to_string()),
                ]);
                suite.add_properties(baseline_properties(report));
                suites.push(suite);
                suites.last_mut().expect("just pushed")
            }
        };
        suite.add_test_case(case);
    };
    for result in &report.cases {
        let detail = match &result.outcome {
            CaseOutcome::Checked(checked) => {
                format!("request (unsigned): {}", curl(&checked.request))
            }
            CaseOutcome::Timing(timeline) => format!("{} polls", timeline.polls.len()),
            CaseOutcome::Skipped { reason } => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(reason.as_str());
                let mut case = TestCase::new(result.case.id.as_str(), status);
                case.set_classname(format!("conformance.{}", result.case.family()));
                add(result.case.family(), case);
                continue;
            }
        };
        let mut case = test_case(
            report,
            &result.case,
            &result.findings,
            result.elapsed(),
            &detail,
        );
        let notes: Vec<String> = baseline_notes(report, result)
            .into_iter()
            .chain(notes(result))
            .collect();
        if !notes.is_empty() {
            case.set_system_out(notes.join("\n"));
        }
        add(result.case.family(), case);
    }
    for suite in &mut suites {
        let time = suite.test_cases.iter().filter_map(|case| case.time).sum();
        suite.set_time(time);
    }
    junit.add_test_suites(suites);
    let xml = junit.to_string().map_err(io::Error::other)?;
    write_without_root_skipped(&xml, out)
}

/// The `<testcase>` of a case that ran.
fn test_case(
    report: &RunReport,
    case: &CaseInfo,
    findings: &[Finding],
    elapsed: Duration,
    detail: &str,
) -> TestCase {
    // Findings the baseline expects fail no testcase: they are in its system-out.
    let new: Vec<&Finding> = findings
        .iter()
        .filter(|finding| !report.expected(finding))
        .collect();
    // With --strict-baseline, an entry of this case that no longer fails fails it too.
    let fixed = report.baseline.as_ref().and_then(|baseline| {
        baseline
            .failing()
            .find(|known| matches!(known, Known::Case { case: id, .. } if *id == case.id))
            .map(|known| (known, baseline.path.display()))
    });
    let status = match new.as_slice() {
        [] => match fixed {
            None => TestCaseStatus::success(),
            Some((known, file)) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_type("baseline").set_message(format!(
                    "NO LONGER FAILS: {known}: remove it from the baseline {file} (--strict-baseline)"
                ));
                status
            }
        },
        [first, ..] => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let more = match findings.len() {
                1 => String::new(),
                count => format!(" (and {} more)", count - 1),
            };
            status
                .set_type(first.check.as_str())
                .set_message(format!(
                    "[{}] expected: {}; actual: {}{more}",
                    first.check, first.expected, first.actual
                ))
                .set_description(failure_text(report, case, findings, detail));
            status
        }
    };
    let mut test_case = TestCase::new(case.id.as_str(), status);
    test_case
        .set_classname(format!("conformance.{}", case.family()))
        .set_time(elapsed);
    test_case
}

/// The body of a `<failure>`: every finding, then how to see it again.
fn failure_text(report: &RunReport, case: &CaseInfo, findings: &[Finding], detail: &str) -> String {
    let mut text = String::new();
    for finding in findings {
        let label = if report.expected(finding) {
            "expected (baseline) "
        } else {
            ""
        };
        text.push_str(&format!(
            "{label}[{}] expected: {}; actual: {}\n",
            finding.check, finding.expected, finding.actual
        ));
    }
    text.push_str(&format!("case: {}\n", case.description));
    text.push_str(&format!(
        "reproduce: {}\n",
        rerun(report, &case.id, &case.tags)
    ));
    text.push_str(detail);
    text
}

/// What the baseline says of a case, for its `<system-out>`: the findings it expects (a
/// case that failed only those passes) and its entries that no longer fail.
fn baseline_notes(report: &RunReport, result: &CaseResult) -> Option<String> {
    let baseline = report.baseline.as_ref()?;
    let file = baseline.path.display();
    let mut notes = String::new();
    for finding in result
        .findings
        .iter()
        .filter(|finding| report.expected(finding))
    {
        notes.push_str(&format!(
            "EXPECTED FAILURE (baseline {file}): [{}] expected: {}; actual: {}\n",
            finding.check, finding.expected, finding.actual
        ));
    }
    let stale = baseline
        .stale_as(Stale::NoLongerFails)
        .filter(|known| matches!(known, Known::Case { case, .. } if *case == result.case.id));
    for known in stale {
        notes.push_str(&format!(
            "NO LONGER FAILS: {known}: remove it from the baseline {file}\n"
        ));
    }
    (!notes.is_empty()).then_some(notes)
}

/// The properties of every testsuite that say what the baseline made of the run.
fn baseline_properties(report: &RunReport) -> Vec<Property> {
    let Some(baseline) = &report.baseline else {
        return Vec::new();
    };
    let new = report.new_findings().count();
    let mut properties = vec![Property::new(
        "baseline",
        format!(
            "{}: {} expected findings, {new} new, {} entries no longer fail (remove them), {} not run",
            baseline.path.display(),
            report.findings().count() - new,
            baseline.stale_as(Stale::NoLongerFails).count(),
            baseline.stale_as(Stale::NotRun).count()
        ),
    )];
    let fixed: Vec<String> = baseline
        .stale_as(Stale::NoLongerFails)
        .map(ToString::to_string)
        .collect();
    if !fixed.is_empty() {
        properties.push(Property::new("baseline-no-longer-fails", fixed.join(", ")));
    }
    properties
}

/// Copies `xml` to `out`, leaving out the `skipped` attribute of the root element.
fn write_without_root_skipped(xml: &str, out: &mut impl Write) -> io::Result<()> {
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(out);
    let mut root_seen = false;
    loop {
        let event = reader.read_event().map_err(io::Error::other)?;
        let event = match event {
            Event::Eof => break,
            Event::Start(start) if !root_seen => {
                root_seen = true;
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                let mut root = BytesStart::new(name);
                for attribute in start.attributes() {
                    let attribute = attribute.map_err(io::Error::other)?;
                    if attribute.key.as_ref() != b"skipped" {
                        root.push_attribute(attribute);
                    }
                }
                Event::Start(root)
            }
            other => other,
        };
        writer.write_event(event)?;
    }
    writer.into_inner().write_all(b"\n")
}
