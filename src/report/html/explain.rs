//! A check's explanation on the page ([`CheckExplanation`], what `conformance explain CHECK`
//! prints): what it holds, the rules it judges, the contract's own words, an example
//! exchange that fails it and what a target must do to pass.

use std::fmt::{self, Write as _};

use super::Escaped;
use crate::report::CheckExplanation;

/// Writes the explanation of a check as a `<section id="check-ID">` the findings link to.
pub(super) fn write_explanation(explanation: &CheckExplanation, page: &mut String) -> fmt::Result {
    let check = explanation.check;
    writeln!(
        page,
        "<details class=\"explanation\" id=\"check-{check}\"><summary><code class=\"check\">{check}</code> {}</summary>",
        Escaped(explanation.holds)
    )?;
    if !explanation.rules.is_empty() {
        writeln!(page, "<h3>rules it judges</h3><ul class=\"rules\">")?;
        for rule in &explanation.rules {
            writeln!(
                page,
                "<li><code>{}</code>: {}</li>",
                Escaped(&rule.id),
                Escaped(&rule.statement)
            )?;
        }
        writeln!(page, "</ul>")?;
    }
    if !explanation.quotes.is_empty() {
        writeln!(page, "<h3>the contract's words</h3>")?;
        for quote in &explanation.quotes {
            let words: Vec<&str> = quote.text.split_whitespace().collect();
            writeln!(
                page,
                "<blockquote>{}<cite>{}, {}</cite></blockquote>",
                Escaped(&words.join(" ")),
                Escaped(quote.source),
                Escaped(&quote.section)
            )?;
        }
    }
    let example = &explanation.example;
    writeln!(
        page,
        "<h3>an example that fails it</h3><p>{}</p>",
        Escaped(example.what)
    )?;
    for exchange in &example.exchanges {
        writeln!(
            page,
            "<pre class=\"request\">{}</pre>",
            Escaped(&exchange.request)
        )?;
        let response = exchange.response.as_deref().unwrap_or("(no answer)");
        writeln!(page, "<pre class=\"response\">{}</pre>", Escaped(response))?;
    }
    if !example.polls.is_empty() {
        let polls: Vec<String> = example
            .polls
            .iter()
            .map(|poll| format!("poll {poll}"))
            .collect();
        writeln!(
            page,
            "<pre class=\"polls\">{}</pre>",
            Escaped(&polls.join("\n"))
        )?;
    }
    if let Some(finding) = &example.finding {
        writeln!(
            page,
            "<p>{check} says: expected {}; actual {}</p>",
            Escaped(&finding.expected),
            Escaped(&finding.actual)
        )?;
    }
    writeln!(
        page,
        "<h3>to pass</h3><p>{}</p></details>",
        Escaped(explanation.to_pass)
    )
}
