//! One case on the page: its outcome, findings with the checks' explanations, how to re-run
//! it, and what it sent and got (a catalog case's request and response, a timing case's
//! timeline), or why it was skipped.

use std::fmt::{self, Write as _};

use super::{Escaped, Outcome, outcome, timeline};
use crate::report::explain::visible;
use crate::report::redact::{echoed_secrets, without_echoed};
use crate::report::{curl, rerun};
use crate::runner::{CaseOutcome, CaseResult, Checked, RunReport};

/// The most of a response body the page shows.
const BODY_LIMIT: usize = 16 * 1024;

/// Writes a case as a `<section>` the filters show or hide by its outcome and family.
pub(super) fn write_case(
    report: &RunReport,
    result: &CaseResult,
    page: &mut String,
) -> fmt::Result {
    let case = &result.case;
    let outcome = outcome(report, result);
    let class = outcome.class();
    writeln!(
        page,
        "<section class=\"case {class}\" id=\"case-{0}\" data-outcome=\"{class}\" data-family=\"{1}\">",
        Escaped(&case.id),
        Escaped(case.family())
    )?;
    let open = if matches!(outcome, Outcome::Failed) {
        " open"
    } else {
        ""
    };
    let tags: Vec<&str> = case.tags.iter().map(|tag| tag.as_str()).collect();
    writeln!(
        page,
        "<details{open}><summary><span class=\"badge {class}\">{}</span> <code class=\"id\">{}</code> <span class=\"tags\">{}</span> <span class=\"elapsed\">{:.0} ms</span></summary>",
        outcome.label(),
        Escaped(&case.id),
        Escaped(&tags.join(", ")),
        super::millis(result.elapsed())
    )?;
    writeln!(
        page,
        "<p class=\"description\">{}</p>",
        Escaped(&case.description)
    )?;
    if let CaseOutcome::Skipped { reason } = &result.outcome {
        writeln!(
            page,
            "<p class=\"skip-reason\">skipped: {}</p>",
            Escaped(reason)
        )?;
        return writeln!(page, "</details></section>");
    }
    if !result.findings.is_empty() {
        findings(report, result, page)?;
        writeln!(
            page,
            "<p class=\"reproduce\">reproduce: <code>{}</code></p>",
            Escaped(&rerun(report, &case.id, &case.tags))
        )?;
    }
    match &result.outcome {
        CaseOutcome::Checked(checked) => exchange(checked, page)?,
        CaseOutcome::Timing(observed) => {
            if let (Some(scenario), Some(bounds)) = (&case.scenario, &report.timing_bounds) {
                timeline::write_timeline(scenario, observed, bounds, page)?;
            }
        }
        CaseOutcome::Skipped { .. } => {}
    }
    writeln!(page, "</details></section>")
}

/// The findings of a case: check, expected, actual and what the check holds, with a link to
/// its whole explanation.
fn findings(report: &RunReport, result: &CaseResult, page: &mut String) -> fmt::Result {
    writeln!(
        page,
        "<table class=\"findings\"><thead><tr><th>check</th><th>expected</th><th>actual</th><th>what the check holds</th></tr></thead><tbody>"
    )?;
    for finding in &result.findings {
        let expected = if report.expected(finding) {
            " <span class=\"badge expected\">expected by the baseline</span>"
        } else {
            ""
        };
        writeln!(
            page,
            "<tr><td><code class=\"check\">{0}</code>{expected}</td><td>{1}</td><td>{2}</td><td>{3} <a href=\"#check-{0}\">why, and how to pass</a></td></tr>",
            finding.check,
            Escaped(&finding.expected),
            Escaped(&finding.actual),
            Escaped(finding.check.description())
        )?;
    }
    writeln!(page, "</tbody></table>")
}

/// A catalog case's request (unsigned) and response; what the target echoed of the
/// request's signature or token is redacted from the response.
fn exchange(checked: &Checked, page: &mut String) -> fmt::Result {
    writeln!(
        page,
        "<h3>request (unsigned)</h3>\n<pre class=\"request\">{}</pre>",
        Escaped(&curl(&checked.request))
    )?;
    writeln!(page, "<h3>response</h3>")?;
    let secrets = echoed_secrets(&checked.request);
    let shown = |text: &str| without_echoed(text, &secrets);
    match &checked.answer {
        Ok(answer) => {
            let mut head = format!(
                "HTTP {} {}\n",
                answer.status.as_u16(),
                answer.status.canonical_reason().unwrap_or_default()
            );
            for (name, value) in &answer.headers {
                head.push_str(&format!(
                    "{name}: {}\n",
                    String::from_utf8_lossy(value.as_bytes())
                ));
            }
            writeln!(
                page,
                "<pre class=\"response-head\">{}</pre>",
                Escaped(&shown(&head))
            )?;
            let body = String::from_utf8_lossy(&answer.body);
            let (body, cut) = match body.char_indices().nth(BODY_LIMIT) {
                Some((at, _)) => (&body[..at], body.len() - at),
                None => (&body[..], 0),
            };
            // Invisible characters (a byte-order mark, controls) as escapes, as `explain`
            // shows them.
            writeln!(
                page,
                "<pre class=\"response-body\">{}</pre>",
                Escaped(&shown(&visible(body)))
            )?;
            if cut > 0 || answer.truncated {
                writeln!(
                    page,
                    "<p class=\"note\">body cut: {cut} more bytes not shown{}</p>",
                    if answer.truncated {
                        ", and the client read no more than its cap"
                    } else {
                        ""
                    }
                )?;
            }
        }
        Err(error) => writeln!(
            page,
            "<p class=\"transport-error\">no answer: {}</p>",
            Escaped(&shown(&error.to_string()))
        )?,
    }
    Ok(())
}
