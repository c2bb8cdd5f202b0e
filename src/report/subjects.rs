//! `conformance explain ID`: what an id names (a check, a case, an error code, an open
//! question or a rule), found by [`resolve`] and written by [`write_explanation`]; an id
//! that names nothing gets the known ids nearest it.

use std::io::{self, Write};

use super::coverage::{AllCases, cases_of};
use super::explain::{
    explain_check, unsigned_curl, write_check_explanation, write_quotes, write_rules,
};
use crate::cases::timing::TimingCase;
use crate::cases::{Case, CaseInfo};
use crate::checks::CheckId;
use crate::contract::{Contract, ErrorCode, OpenQuestion, Quote, Rule};
use crate::reference::{Choice, Fault};

/// What an id names.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A check.
    Check(CheckId),
    /// A case of the catalog (or the throttling probe).
    Case(Box<Case>),
    /// A timing case.
    Timing(Box<TimingCase>),
    /// An error code of DescribeExecution's table.
    Code(ErrorCode),
    /// An open question.
    Question(OpenQuestion),
    /// A rule of the contract.
    Rule(&'static Rule),
}

impl Subject {
    /// What kind of thing it is, for people.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Check(_) => "check",
            Subject::Case(_) | Subject::Timing(_) => "case",
            Subject::Code(_) => "error code",
            Subject::Question(_) => "open question",
            Subject::Rule(_) => "rule",
        }
    }
}

/// An id that names nothing `explain` knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{id:?} is no check, case, error code, open question or rule{}", near_note(.near))]
pub struct UnknownSubject {
    /// The id asked for.
    pub id: String,
    /// Known ids near it.
    pub near: Vec<String>,
}

fn near_note(near: &[String]) -> String {
    if near.is_empty() {
        " (`conformance checks`, `--list`, `contract` and `coverage` name them)".to_owned()
    } else {
        format!("; did you mean {}?", near.join(", "))
    }
}

/// Everything `id` names: usually one thing, more where an id is ambiguous.
pub fn resolve(id: &str) -> Result<Vec<Subject>, UnknownSubject> {
    let contract = Contract::embedded();
    let cases = AllCases::new();
    let mut found = Vec::new();
    found.extend(CheckId::named(id).map(Subject::Check));
    found.extend(
        cases
            .catalog
            .iter()
            .filter(|case| case.id == id)
            .map(|case| Subject::Case(Box::new(case.clone()))),
    );
    found.extend(
        cases
            .timing
            .iter()
            .filter(|case| case.id == id)
            .map(|case| Subject::Timing(Box::new(case.clone()))),
    );
    found.extend(
        contract
            .errors()
            .describe_execution()
            .filter(|row| row.code.as_str() == id)
            .map(|row| Subject::Code(row.code)),
    );
    found.extend(
        OpenQuestion::ALL
            .iter()
            .filter(|question| question.id() == id)
            .map(|question| Subject::Question(*question)),
    );
    found.extend(contract.rules().get(id).map(Subject::Rule));
    if found.is_empty() {
        return Err(UnknownSubject {
            id: id.to_owned(),
            near: near(id, &known_ids(&cases)),
        });
    }
    Ok(found)
}

fn known_ids(cases: &AllCases) -> Vec<String> {
    let contract = Contract::embedded();
    CheckId::ALL
        .iter()
        .map(|check| check.as_str().to_owned())
        .chain(cases.infos().into_iter().map(|case| case.id))
        .chain(
            contract
                .errors()
                .describe_execution()
                .map(|row| row.code.as_str().to_owned()),
        )
        .chain(
            OpenQuestion::ALL
                .iter()
                .map(|question| question.id().to_owned()),
        )
        .chain(contract.rules().all().iter().map(|rule| rule.id.clone()))
        .collect()
}

/// The known ids nearest `id`: those that contain it, or within a few edits of it.
fn near(id: &str, known: &[String]) -> Vec<String> {
    let wanted = id.to_lowercase();
    let mut scored: Vec<(usize, &String)> = known
        .iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let distance = edits(&wanted, &lower);
            (lower.contains(&wanted) || distance <= 3.max(wanted.len() / 4))
                .then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(5)
        .map(|(_, id)| id.clone())
        .collect()
}

/// The Levenshtein distance between two texts, by characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Writes what `id` names; several things one after the other, each saying what it is.
pub fn write_explanation(subjects: &[Subject], out: &mut impl Write) -> io::Result<()> {
    if subjects.len() > 1 {
        let kinds: Vec<&str> = subjects.iter().map(Subject::kind).collect();
        writeln!(
            out,
            "This id names {} things: {}.\n",
            subjects.len(),
            kinds.join(", ")
        )?;
    }
    for (index, subject) in subjects.iter().enumerate() {
        if index > 0 {
            writeln!(out, "\n---\n")?;
        }
        write_subject(subject, out)?;
    }
    Ok(())
}

fn write_subject(subject: &Subject, out: &mut impl Write) -> io::Result<()> {
    let contract = Contract::embedded();
    match subject {
        Subject::Check(check) => write_check_explanation(&explain_check(*check), out),
        Subject::Case(case) => {
            writeln!(out, "case {}: {}", case.id, case.description)?;
            writeln!(out, "  tags: {}", join(&case.tags))?;
            writeln!(out, "  request (unsigned): {}", unsigned_curl(case))?;
            let expected: Vec<String> = case
                .expect
                .iter()
                .map(|outcome| outcome.label(contract))
                .collect();
            writeln!(out, "  expected: {}", expected.join(" or "))?;
            if !case.questions.is_empty() {
                writeln!(out, "  open questions: {}", join(&case.questions))?;
            }
            write_case_rules(&case.info(), out)
        }
        Subject::Timing(case) => {
            writeln!(out, "timing case {}: {}", case.id, case.description)?;
            writeln!(out, "  tags: {}", join(&case.tags))?;
            writeln!(out, "  script: {:?}", case.scenario)?;
            write_case_rules(&case.info(), out)
        }
        Subject::Code(code) => {
            let row = contract.errors().get(*code);
            writeln!(out, "error code {code}: HTTP {}", row.status.as_u16())?;
            writeln!(out, "  message: {}", row.message.text())?;
            write_rule_of(contract.rules().of_code(*code), out)
        }
        Subject::Question(question) => {
            let text = contract.questions().get(*question);
            writeln!(out, "open question {question}: {}", text.text)?;
            writeln!(out, "  accepted: {}", text.accepted)?;
            writeln!(out, "  why: {}", text.why)?;
            write_rule_of(contract.rules().of_question(*question), out)
        }
        Subject::Rule(rule) => write_rule(rule, out),
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_case_rules(case: &CaseInfo, out: &mut impl Write) -> io::Result<()> {
    let rules: Vec<&Rule> = Contract::embedded()
        .rules()
        .all()
        .iter()
        .filter(|rule| rule.cases.iter().any(|pattern| case.matches(pattern)))
        .collect();
    let mut checks: Vec<CheckId> = rules.iter().flat_map(|rule| rule.checks.clone()).collect();
    checks.sort();
    checks.dedup();
    write_rules("Rules it exercises", &rules, out)?;
    writeln!(out, "\nChecks of its rules: {}", join(&checks))?;
    writeln!(
        out,
        "(every answer is held to every check of one exchange and of the run; `conformance explain CHECK` explains one)"
    )
}

fn write_rule_of(rule: Option<&Rule>, out: &mut impl Write) -> io::Result<()> {
    match rule {
        Some(rule) => {
            writeln!(out)?;
            write_rule(rule, out)
        }
        None => Ok(()),
    }
}

fn write_rule(rule: &Rule, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "rule {}: {}", rule.id, rule.statement)?;
    let quotes: Vec<&Quote> = rule.quotes.iter().collect();
    write_quotes(&quotes, out)?;
    let cases = cases_of(rule, &AllCases::new().infos());
    writeln!(out)?;
    match rule.question {
        Some(question) => writeln!(
            out,
            "To pass: give one of the answers accepted: {}",
            Contract::embedded().questions().get(question).accepted
        )?,
        None => writeln!(out, "To pass: {}", rule.statement)?,
    }
    writeln!(
        out,
        "Judged by: {} (`conformance explain CHECK` shows an answer that fails each)",
        join(&rule.checks)
    )?;
    if cases.is_empty() {
        writeln!(out, "Exercised by no case")?;
    } else {
        writeln!(
            out,
            "Exercised by {} cases ({})",
            cases.len(),
            rule.cases.join(", ")
        )?;
    }
    let faults: Vec<Fault> = rule
        .faults
        .iter()
        .filter_map(|name| Fault::named(name))
        .collect();
    if !faults.is_empty() {
        writeln!(out, "Proved by the faults: {}", join(&faults))?;
    }
    let choices: Vec<&str> = Choice::ALL
        .iter()
        .filter(|choice| Some(choice.question()) == rule.question)
        .map(|choice| choice.name())
        .collect();
    if !choices.is_empty() {
        writeln!(
            out,
            "Its other answers, given by the reference choices (the suite stays quiet on each): {}",
            choices.join(", ")
        )?;
    }
    let questions: Vec<OpenQuestion> = rule
        .question
        .into_iter()
        .chain(rule.question_links.iter().copied())
        .collect();
    if !questions.is_empty() {
        writeln!(out, "Open questions: {}", join(&questions))?;
    }
    if let Some(gap) = &rule.gap {
        writeln!(out, "Gap: {gap}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Subject, near, resolve, write_explanation};

    #[test]
    fn ids_of_every_kind_resolve() {
        for (id, kind) in [
            ("message-template", "check"),
            ("flow-name/char-dot", "case"),
            ("timing/wait-outlived-2", "case"),
            ("FlowNotExists", "error code"),
            ("wake-up", "open question"),
            ("flow-name-length", "rule"),
        ] {
            let subjects = resolve(id).unwrap();
            assert_eq!(subjects.len(), 1, "{id}");
            assert_eq!(subjects[0].kind(), kind, "{id}");
            let mut text = Vec::new();
            write_explanation(&subjects, &mut text).unwrap();
            assert!(!text.is_empty());
        }
        assert!(matches!(
            resolve("request-id").unwrap()[0],
            Subject::Check(_)
        ));
    }

    #[test]
    fn an_id_that_names_several_things_says_which() {
        let mut subjects = resolve("wake-up").unwrap();
        subjects.extend(resolve("question-wake-up").unwrap());
        let mut text = Vec::new();
        write_explanation(&subjects, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.starts_with("This id names 2 things: open question, rule."),
            "{text}"
        );
        assert!(text.contains("\n---\n"), "{text}");
    }

    #[test]
    fn an_unknown_id_gets_near_matches() {
        let error = resolve("mesage-template").unwrap_err();
        assert!(
            error.near.contains(&"message-template".to_owned()),
            "{error}"
        );
        assert!(error.to_string().contains("did you mean"), "{error}");
        assert!(near("zzzzzzzzzzzzzzzz", &["message-template".to_owned()]).is_empty());
    }
}
