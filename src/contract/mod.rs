//! The contract under test, loaded once from `schemas/` and compiled.
//!
//! This is the single source of truth of `conformance`: the name rules ([`Names`]), the
//! request parameters of each operation ([`RequestRules`]), the success and error body schemas ([`BodySchemas`]) and the
//! error-code table ([`ErrorTable`]), the oracle that gives every answer the contract allows
//! to a request ([`Contract::allowed`], [`Contract::answer`]) and the open questions where
//! it leaves the answer open ([`OpenQuestions`]); every rule once more as data, with the
//! contract's own words and what judges it ([`Rules`]). Generators, checks and the reference target all ask
//! the contract; none restates a rule. The schema files are embedded in the binary, so the
//! contract is the same whatever the working directory.

mod bodies;
mod errors;
mod limits;
mod names;
mod oracle;
mod questions;
mod request;
mod rules;
mod schema;

use std::ops::RangeInclusive;
use std::sync::LazyLock;

pub use bodies::{BodyKind, BodySchemas, PER_ANSWER_FIELDS, ServerChosen, set_field};
pub use errors::{ArityError, ErrorCode, ErrorSpec, ErrorTable, MessageTemplate, UnknownErrorCode};
pub use limits::{SERVICE_DESCRIBE_LIMIT, SERVICE_OTHER_LIMIT, ServiceLimit};
pub use names::{NameParameter, NameRule, NameRules, Names};
pub use oracle::{
    Allowed, Answer, Expected, Known, Outcome, Query, Reading, Repeats, describe_outcomes,
};
pub use questions::{OpenQuestion, OpenQuestions, QuestionText, open_note};
pub use request::{IntegerGrammar, ParamFault, ParamViolation, Parameter, RequestRules};
pub use rules::{ContractPage, Quote, Rule, Rules, Topic};
pub use schema::{SchemaFile, SchemaViolation};

/// The API version of CloudFlow (product code `fnf`) that the contract describes.
pub const API_VERSION: &str = "2019-03-15";

/// The operation the contract is about.
pub const OPERATION: &str = "DescribeExecution";

/// A defect of the contract data itself; the embedded data is checked by the test suite.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// A schema file is not JSON.
    #[error("{file} is not valid JSON: {source}")]
    Json {
        /// The file's name inside `schemas/`.
        file: &'static str,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// A schema file is not a valid draft 2020-12 schema, or lacks what the contract reads.
    #[error("{file} is not a usable schema: {message}")]
    Schema {
        /// The file's name inside `schemas/`.
        file: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The error-code table breaks its own schema or is inconsistent.
    #[error("the error-code table is inconsistent: {0}")]
    Table(String),
}

/// The compiled contract.
#[derive(Debug)]
pub struct Contract {
    names: Names,
    operations: Vec<RequestRules>,
    wait_time_seconds: RangeInclusive<i64>,
    bodies: BodySchemas,
    errors: ErrorTable,
    questions: OpenQuestions,
    rules: Rules,
}

static EMBEDDED: LazyLock<Contract> = LazyLock::new(|| {
    Contract::load().unwrap_or_else(|error| panic!("the embedded contract is broken: {error}"))
});

impl Contract {
    /// Loads and compiles the schema files embedded in the binary.
    pub fn load() -> Result<Self, ContractError> {
        let table = SchemaFile::ERROR_CODES.parse()?;
        schema::compile(&SchemaFile::ERROR_CODES_SCHEMA)?
            .validate(&table)
            .map_err(|violations| {
                ContractError::Table(format!("error-codes.json breaks its schema: {violations}"))
            })?;
        let requests = SchemaFile::REQUESTS.parse()?;
        let operations = RequestRules::load_all(&SchemaFile::REQUESTS, &requests)?;
        let missing = |what: &str| ContractError::Schema {
            file: SchemaFile::REQUESTS.name,
            message: format!("lacks {what}"),
        };
        let describe = operations
            .iter()
            .find(|rules| rules.operation() == OPERATION)
            .ok_or_else(|| missing(OPERATION))?;
        let wait_time_seconds = describe
            .integer_bounds("WaitTimeSeconds")
            .ok_or_else(|| missing("the bounds of WaitTimeSeconds"))?;
        Ok(Self {
            names: Names::load(&SchemaFile::REQUESTS, &requests)?,
            operations,
            wait_time_seconds,
            bodies: BodySchemas::load(&SchemaFile::SUCCESS_BODY, &SchemaFile::ERROR_BODY)?,
            errors: ErrorTable::from_json(table)?,
            questions: OpenQuestions::load(&SchemaFile::OPEN_QUESTIONS)?,
            rules: Rules::load(&SchemaFile::RULES, &SchemaFile::RULES_SCHEMA)?,
        })
    }

    /// The embedded contract, compiled on first use and shared.
    ///
    /// # Panics
    /// If the embedded schema files are broken, which the test suite rules out.
    pub fn embedded() -> &'static Contract {
        &EMBEDDED
    }

    /// DescribeExecution's request parameters and their rules.
    pub fn request(&self) -> &RequestRules {
        self.operation(OPERATION)
            .expect("DescribeExecution's rules exist: checked when the contract is loaded")
    }

    /// The parameter rules of an operation (`CreateFlow`), if the contract knows it.
    pub fn operation(&self, name: &str) -> Option<&RequestRules> {
        self.operations
            .iter()
            .find(|rules| rules.operation() == name)
    }

    /// Every operation the contract knows, DescribeExecution first.
    pub fn operations(&self) -> &[RequestRules] {
        &self.operations
    }

    /// The rules of flow and execution names.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// The allowed values of DescribeExecution's WaitTimeSeconds.
    pub fn wait_time_seconds(&self) -> RangeInclusive<i64> {
        self.wait_time_seconds.clone()
    }

    /// The success and error body schemas.
    pub fn bodies(&self) -> &BodySchemas {
        &self.bodies
    }

    /// The error-code table.
    pub fn errors(&self) -> &ErrorTable {
        &self.errors
    }

    /// Where the contract leaves the answer open, and the answers accepted.
    pub fn questions(&self) -> &OpenQuestions {
        &self.questions
    }

    /// The rules of the contract, with the words they rest on and what judges them.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }
}
