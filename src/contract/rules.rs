//! The rules of the contract as data (`schemas/rules.json`): each rule once, with a stable
//! id, one line saying what it holds, the contract's own words it rests on (quoted verbatim
//! from the contract's pages, which are embedded too), the checks that judge it, the cases
//! that exercise it and the reference faults that break it.
//!
//! `conformance explain ID` and `conformance coverage` read it. Loading it checks what can
//! be checked without the rest of the harness: the file against its schema, each quote
//! against the embedded page and section it names, each check id against the registry,
//! each code against the error table and each open question against the file of questions.
//! The cases and faults it names are checked where those are known (`report::coverage`).

use serde::Deserialize;

use super::schema::{self, SchemaFile};
use super::{ContractError, ErrorCode, OpenQuestion};
use crate::checks::CheckId;

/// One page of the contract, embedded in the binary (`fixtures/contract/`, a copy of
/// `../shared/contract/`), so that quotes are checked and shown wherever the binary runs.
#[derive(Debug, Clone, Copy)]
pub struct ContractPage {
    /// The file's name (`DescribeExecution.seed.txt`).
    pub name: &'static str,
    /// Its text.
    pub text: &'static str,
}

macro_rules! page {
    ($name:literal) => {
        ContractPage {
            name: $name,
            text: include_str!(concat!("../../fixtures/contract/", $name)),
        }
    };
}

impl ContractPage {
    /// Every page of the contract: the seed page, its restatement as tables, the wire
    /// protocol and what the real service is seen to do.
    pub const ALL: [ContractPage; 4] = [
        page!("DescribeExecution.seed.txt"),
        page!("describe-execution.md"),
        page!("wire-protocol.md"),
        page!("observed-service.md"),
    ];

    /// The page of this name.
    pub fn named(name: &str) -> Option<ContractPage> {
        Self::ALL.into_iter().find(|page| page.name == name)
    }

    /// The text of a section: from its heading to the next heading. Markdown pages have
    /// `## ` headings; the seed page (a web page as text) has its headings on lines of
    /// their own.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        let text = self.text;
        if self.name.ends_with(".md") {
            let start = text.find(&format!("\n## {heading}\n"))? + 1;
            let end = text[start + 3..]
                .find("\n## ")
                .map_or(text.len(), |at| start + 3 + at);
            return Some(&text[start..end]);
        }
        let mut offset = 0;
        let mut start = None;
        for line in text.split_inclusive('\n') {
            let bare = line.trim_end();
            if start.is_none() && bare == heading {
                start = Some(offset);
            } else if start.is_some() && SEED_HEADINGS.contains(&bare) {
                return Some(&text[start?..offset]);
            }
            offset += line.len();
        }
        start.map(|start| &text[start..])
    }
}

/// The headings of the seed page, in order.
const SEED_HEADINGS: [&str; 8] = [
    "CloudFlow:DescribeExecution",
    "Debugging",
    "Authorization information",
    "Request parameters",
    "Response parameters",
    "Examples",
    "Error codes",
    "Change history",
];

/// What part of the contract a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topic {
    /// FlowName and ExecutionName.
    Names,
    /// WaitTimeSeconds and long polling.
    WaitTime,
    /// The success body.
    Success,
    /// The error-code table.
    Errors,
    /// Signatures, the clock, accounts.
    Auth,
    /// The RPC protocol and the bodies' form.
    Wire,
    /// Where the contract leaves the answer open.
    OpenQuestion,
}

impl Topic {
    /// Every topic, in the order coverage lists them.
    pub const ALL: [Topic; 7] = [
        Topic::Names,
        Topic::WaitTime,
        Topic::Success,
        Topic::Errors,
        Topic::Auth,
        Topic::Wire,
        Topic::OpenQuestion,
    ];

    /// A heading for people.
    pub fn title(self) -> &'static str {
        match self {
            Topic::Names => "FlowName and ExecutionName",
            Topic::WaitTime => "WaitTimeSeconds and long polling",
            Topic::Success => "The success body",
            Topic::Errors => "The error codes",
            Topic::Auth => "Authentication",
            Topic::Wire => "The wire",
            Topic::OpenQuestion => "Open questions",
        }
    }
}

/// The contract's own words, verbatim, and where they stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// The page ([`ContractPage::name`]).
    pub source: &'static str,
    /// The section's heading.
    pub section: String,
    /// The words.
    pub text: String,
}

/// One rule of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The stable id (`flow-name-length`, `error-FlowNotExists`, `question-wake-up`).
    pub id: String,
    /// What part of the contract it is about.
    pub topic: Topic,
    /// One line: what a target must do.
    pub statement: String,
    /// The contract's words it rests on.
    pub quotes: Vec<Quote>,
    /// The checks that judge it.
    pub checks: Vec<CheckId>,
    /// Tags or case-id patterns (as `--filter` takes them) of the cases that exercise it.
    pub cases: Vec<String>,
    /// The names of the reference faults that break it.
    pub faults: Vec<String>,
    /// The error code it is about.
    pub code: Option<ErrorCode>,
    /// The open question it is.
    pub question: Option<OpenQuestion>,
    /// The open questions it touches.
    pub question_links: Vec<OpenQuestion>,
    /// Why it cannot be exercised fully, where it cannot.
    pub gap: Option<String>,
}

/// Every rule of the contract.
#[derive(Debug, Clone)]
pub struct Rules {
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct File {
    rules: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    topic: Topic,
    statement: String,
    quotes: Vec<QuoteEntry>,
    checks: Vec<String>,
    cases: Vec<String>,
    faults: Vec<String>,
    code: Option<String>,
    question: Option<String>,
    #[serde(default)]
    question_links: Vec<String>,
    gap: Option<String>,
}

#[derive(Deserialize)]
struct QuoteEntry {
    source: String,
    section: String,
    text: String,
}

fn question_named(id: &str) -> Option<OpenQuestion> {
    OpenQuestion::ALL
        .iter()
        .copied()
        .find(|question| question.id() == id)
}

impl Rules {
    /// Reads and checks `rules.json`.
    pub(super) fn load(file: &SchemaFile, schema_file: &SchemaFile) -> Result<Self, ContractError> {
        let document = file.parse()?;
        schema::compile(schema_file)?
            .validate(&document)
            .map_err(|violations| ContractError::Schema {
                file: file.name,
                message: format!("breaks {}: {violations}", schema_file.name),
            })?;
        let bad = |message: String| ContractError::Schema {
            file: file.name,
            message,
        };
        let parsed: File =
            serde_json::from_value(document).map_err(|source| ContractError::Json {
                file: file.name,
                source,
            })?;
        let mut rules = Vec::with_capacity(parsed.rules.len());
        for entry in parsed.rules {
            let id = entry.id;
            if rules.iter().any(|rule: &Rule| rule.id == id) {
                return Err(bad(format!("has the rule {id} twice")));
            }
            let quotes = entry
                .quotes
                .into_iter()
                .map(|quote| verbatim(&id, quote))
                .collect::<Result<Vec<_>, _>>()
                .map_err(&bad)?;
            let checks = entry
                .checks
                .iter()
                .map(|text| {
                    CheckId::named(text).ok_or_else(|| {
                        bad(format!("{id} names the check {text:?}, which no check is"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let code = entry
                .code
                .map(|code| {
                    code.parse::<ErrorCode>()
                        .map_err(|_| bad(format!("{id} names the code {code:?}, not in the table")))
                })
                .transpose()?;
            let question = |text: &str| {
                question_named(text).ok_or_else(|| {
                    bad(format!(
                        "{id} names the open question {text:?}, which is none"
                    ))
                })
            };
            rules.push(Rule {
                topic: entry.topic,
                statement: entry.statement,
                quotes,
                checks,
                cases: entry.cases,
                faults: entry.faults,
                code,
                question: entry.question.as_deref().map(question).transpose()?,
                question_links: entry
                    .question_links
                    .iter()
                    .map(|text| question(text))
                    .collect::<Result<_, _>>()?,
                gap: entry.gap,
                id,
            });
        }
        Ok(Self { rules })
    }

    /// Every rule, in the file's order.
    pub fn all(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// The rules a check judges.
    pub fn judged_by(&self, check: CheckId) -> impl Iterator<Item = &Rule> {
        self.rules
            .iter()
            .filter(move |rule| rule.checks.contains(&check))
    }

    /// The rule of an error code.
    pub fn of_code(&self, code: ErrorCode) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.code == Some(code))
    }

    /// The rule an open question is.
    pub fn of_question(&self, question: OpenQuestion) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|rule| rule.question == Some(question))
    }
}

/// The quote, if its words stand verbatim in the section of the page it names.
fn verbatim(id: &str, quote: QuoteEntry) -> Result<Quote, String> {
    let page = ContractPage::named(&quote.source)
        .ok_or_else(|| format!("{id} quotes {:?}, no page of the contract", quote.source))?;
    let section = page.section(&quote.section).ok_or_else(|| {
        format!(
            "{id} quotes the section {:?} of {}, which it does not have",
            quote.section, page.name
        )
    })?;
    if !section.contains(&quote.text) {
        return Err(format!(
            "{id} quotes {:?} from {} ({}), where it does not stand verbatim",
            quote.text, page.name, quote.section
        ));
    }
    Ok(Quote {
        source: page.name,
        section: quote.section,
        text: quote.text,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{ContractPage, QuoteEntry, verbatim};
    use crate::checks::CheckId;
    use crate::contract::{Contract, ErrorCode, OpenQuestion};

    #[test]
    fn every_error_code_and_open_question_has_its_rule() {
        let rules = Contract::embedded().rules();
        let table = Contract::embedded().errors().describe_execution();
        let codes: Vec<ErrorCode> = table.map(|row| row.code).collect();
        assert_eq!(codes.len(), 16);
        for code in codes {
            assert!(rules.of_code(code).is_some(), "no rule for {code}");
        }
        for question in OpenQuestion::ALL {
            assert!(
                rules.of_question(*question).is_some(),
                "no rule for {question}"
            );
        }
    }

    #[test]
    fn every_check_judges_a_rule() {
        let rules = Contract::embedded().rules();
        let judged: HashSet<CheckId> = rules
            .all()
            .iter()
            .flat_map(|rule| rule.checks.iter().copied())
            .collect();
        for check in CheckId::ALL {
            assert!(judged.contains(&check), "{check} judges no rule");
        }
    }

    #[test]
    fn a_quote_must_stand_verbatim_in_its_section() {
        let quote = |section: &str, text: &str| QuoteEntry {
            source: "DescribeExecution.seed.txt".to_owned(),
            section: section.to_owned(),
            text: text.to_owned(),
        };
        let words = "The name is case-sensitive.";
        assert!(verbatim("r", quote("Request parameters", words)).is_ok());
        // The same words in another section, or changed by one character, are no quote.
        assert!(verbatim("r", quote("Error codes", words)).is_err());
        assert!(
            verbatim(
                "r",
                quote("Request parameters", "The name is case sensitive.")
            )
            .is_err()
        );
        assert!(verbatim("r", quote("No such section", words)).is_err());
    }

    #[test]
    fn markdown_sections_end_at_the_next_heading() {
        let page = ContractPage::named("describe-execution.md").unwrap();
        let section = page.section("Request parameters").unwrap();
        assert!(section.starts_with("## Request parameters"));
        assert!(section.contains("WaitTimeSeconds"));
        assert!(!section.contains("Sample success body"));
    }

    /// The embedded pages are the contract's: where `../shared/contract/` is beside the
    /// repository (as in CI), they match it byte for byte.
    #[test]
    fn the_embedded_pages_are_the_shared_contract() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/contract");
        if !shared.is_dir() {
            eprintln!("{} is not there: nothing to compare", shared.display());
            return;
        }
        for page in ContractPage::ALL {
            let text = std::fs::read_to_string(shared.join(page.name)).unwrap();
            assert_eq!(
                text, page.text,
                "fixtures/contract/{} differs from ../shared/contract: copy it again",
                page.name
            );
        }
    }
}
