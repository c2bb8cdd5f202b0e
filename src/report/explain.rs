//! The explanation of a check (`conformance explain CHECK`): what it holds, the rules it
//! judges and the contract's own words they rest on, an example exchange that fails it and
//! what a target must do to pass. The other ids `explain` takes are `subjects`'.
//!
//! [`explain_check`] is the seam other reports use (the HTML report's failures): a
//! structured [`CheckExplanation`] and its text renderer [`write_check_explanation`].

use std::io::{self, Write};

use time::OffsetDateTime;

use super::redact::curl;
use crate::cases::Case;
use crate::checks::examples::{CheckExample, example};
use crate::checks::{CheckId, Finding};
use crate::contract::{Contract, Quote, Rule};
use crate::wire::{Endpoint, Exchange, Signing, SigningContext};

/// The endpoint example requests are shown against.
const SHOWN_ENDPOINT: &str = "https://fnf.example.com";

/// Everything a report needs to explain one check.
#[derive(Debug, Clone)]
pub struct CheckExplanation {
    /// The check.
    pub check: CheckId,
    /// What it holds, in one line.
    pub holds: &'static str,
    /// The rules it judges (their ids and statements).
    pub rules: Vec<&'static Rule>,
    /// The contract's own words those rules rest on, each once.
    pub quotes: Vec<&'static Quote>,
    /// An example that fails it.
    pub example: ShownExample,
    /// What a target must do to pass it.
    pub to_pass: &'static str,
}

/// An example as a report shows it: requests as unsigned curl commands, responses as
/// status, headers and body, and the check's own finding on it.
#[derive(Debug, Clone)]
pub struct ShownExample {
    /// What it shows, in a few words.
    pub what: &'static str,
    /// Each request and its response.
    pub exchanges: Vec<ShownExchange>,
    /// The polls of a timing example, one line each.
    pub polls: Vec<String>,
    /// The check's finding on it.
    pub finding: Option<Finding>,
}

/// One request of an example and its answer, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownExchange {
    /// The request as an unsigned curl command (no signature, no secret).
    pub request: String,
    /// The status line, the headers and the body; `None` when no answer came.
    pub response: Option<String>,
}

/// The explanation of a check: what the HTML report shows beside a failure of it.
pub fn explain_check(check: CheckId) -> CheckExplanation {
    let contract = Contract::embedded();
    let rules: Vec<&'static Rule> = contract.rules().judged_by(check).collect();
    let mut quotes: Vec<&'static Quote> = Vec::new();
    for quote in rules.iter().flat_map(|rule| &rule.quotes) {
        if !quotes.contains(&quote) {
            quotes.push(quote);
        }
    }
    let example = example(check);
    CheckExplanation {
        check,
        holds: check.description(),
        rules,
        quotes,
        example: shown(contract, example),
        to_pass: &example.to_pass,
    }
}

fn shown(contract: &Contract, example: &'static CheckExample) -> ShownExample {
    let exchanges = example
        .exchanges
        .iter()
        .map(|exchange| ShownExchange {
            request: unsigned_curl(&exchange.case),
            response: exchange.response.as_ref().map(response_text),
        })
        .collect();
    let polls = example
        .timing
        .iter()
        .flat_map(|timing| &timing.timeline.polls)
        .map(|poll| {
            let wait = poll.wait.map_or("no WaitTimeSeconds".to_owned(), |wait| {
                format!("WaitTimeSeconds={wait}")
            });
            let body = poll
                .body
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            format!(
                "sent at {:.3} s with {wait}, answered {:.3} s later: {} {body}",
                poll.sent.as_secs_f64(),
                poll.elapsed.as_secs_f64(),
                poll.status
            )
        })
        .collect();
    ShownExample {
        what: &example.what,
        exchanges,
        polls,
        finding: example.judge(contract).into_iter().next(),
    }
}

/// A case's request as an unsigned curl command, against a placeholder endpoint at a fixed
/// time, so that the text is the same on every machine.
pub(super) fn unsigned_curl(case: &Case) -> String {
    let endpoint: Endpoint = SHOWN_ENDPOINT
        .parse()
        .expect("the shown endpoint is a valid URL");
    let context = SigningContext {
        time: OffsetDateTime::from_unix_timestamp(1_704_067_200)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        nonce: "0".to_owned(),
    };
    match case
        .request
        .rpc
        .build(&endpoint, &Signing::Unsigned, &context)
    {
        Ok(request) => curl(&request),
        Err(error) => format!("(the request cannot be built: {error})"),
    }
}

fn response_text(exchange: &Exchange) -> String {
    let mut text = format!("HTTP {}", exchange.status);
    for (name, value) in &exchange.headers {
        text.push_str(&format!(
            "\n{name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    text.push_str("\n\n");
    // Invisible characters (a byte-order mark, controls) shown as escapes.
    for character in String::from_utf8_lossy(&exchange.body).chars() {
        if character == '\u{feff}' || (character.is_control() && character != '\n') {
            text.extend(character.escape_unicode());
        } else {
            text.push(character);
        }
    }
    text
}

/// Writes the explanation of a check as text.
pub fn write_check_explanation(
    explanation: &CheckExplanation,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "check {}: {}", explanation.check, explanation.holds)?;
    write_rules("Rules it judges", &explanation.rules, out)?;
    write_quotes(&explanation.quotes, out)?;
    let example = &explanation.example;
    writeln!(out, "\nAn example that fails it: {}", example.what)?;
    for exchange in &example.exchanges {
        writeln!(out, "  request (unsigned): {}", exchange.request)?;
        match &exchange.response {
            Some(response) => {
                for line in response.lines() {
                    writeln!(out, "  | {line}")?;
                }
            }
            None => writeln!(out, "  | (no answer)")?,
        }
    }
    for poll in &example.polls {
        writeln!(out, "  poll {poll}")?;
    }
    if let Some(finding) = &example.finding {
        writeln!(
            out,
            "  {} says: expected {}",
            finding.check, finding.expected
        )?;
        writeln!(
            out,
            "  {}       actual   {}",
            " ".repeat(finding.check.as_str().len()),
            finding.actual
        )?;
    }
    writeln!(out, "\nTo pass: {}", explanation.to_pass)
}

pub(super) fn write_rules(heading: &str, rules: &[&Rule], out: &mut impl Write) -> io::Result<()> {
    if rules.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{heading}:")?;
    for rule in rules {
        writeln!(out, "  {}: {}", rule.id, rule.statement)?;
    }
    Ok(())
}

pub(super) fn write_quotes(quotes: &[&Quote], out: &mut impl Write) -> io::Result<()> {
    if quotes.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nThe contract's words:")?;
    for quote in quotes {
        let words: Vec<&str> = quote.text.split_whitespace().collect();
        writeln!(out, "  \"{}\"", words.join(" "))?;
        writeln!(out, "      ({}, {})", quote.source, quote.section)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{explain_check, write_check_explanation};
    use crate::checks::CheckId;

    /// Every check has an explanation: the rules it judges, the contract's words, an example
    /// with the check's own finding on it, and what to do to pass.
    #[test]
    fn every_check_is_explained_with_an_example_that_fails_it() {
        for check in CheckId::ALL {
            let explanation = explain_check(check);
            assert!(!explanation.rules.is_empty(), "{check} judges no rule");
            assert!(!explanation.quotes.is_empty(), "{check} rests on no words");
            let finding = explanation.example.finding.as_ref();
            assert_eq!(finding.map(|finding| finding.check), Some(check));
            assert!(
                !explanation.example.exchanges.is_empty() || !explanation.example.polls.is_empty(),
                "{check}'s example shows nothing"
            );
            let mut text = Vec::new();
            write_check_explanation(&explanation, &mut text).unwrap();
            let text = String::from_utf8(text).unwrap();
            assert!(text.contains("To pass: "), "{text}");
            assert!(!text.contains("Signature="), "{text}");
        }
    }
}
