//! The embedded schema files and the compiler settings every schema of the contract uses.

use std::fmt;

use serde_json::Value;

use super::ContractError;

/// One file of `schemas/`, embedded in the binary.
#[derive(Debug, Clone, Copy)]
pub struct SchemaFile {
    /// The file name inside `schemas/`.
    pub name: &'static str,
    /// The file's contents, as embedded.
    pub text: &'static str,
}

macro_rules! schema_file {
    ($name:literal) => {
        SchemaFile {
            name: $name,
            text: include_str!(concat!("../../schemas/", $name)),
        }
    };
}

impl SchemaFile {
    /// The request parameters of every operation, and the name rules.
    pub const REQUESTS: SchemaFile = schema_file!("requests.schema.json");
    /// DescribeExecution's success body.
    pub const SUCCESS_BODY: SchemaFile = schema_file!("describe-execution.response.schema.json");
    /// The error body of every operation.
    pub const ERROR_BODY: SchemaFile = schema_file!("error.response.schema.json");
    /// The error-code table (data, not a schema).
    pub const ERROR_CODES: SchemaFile = schema_file!("error-codes.json");
    /// The schema of the error-code table.
    pub const ERROR_CODES_SCHEMA: SchemaFile = schema_file!("error-codes.schema.json");

    /// Where the contract leaves the answer open (data, not a schema).
    pub const OPEN_QUESTIONS: SchemaFile = schema_file!("open-questions.json");

    /// The rules of the contract, each with its quotes, checks, cases and faults (data).
    pub const RULES: SchemaFile = schema_file!("rules.json");
    /// The schema of the rules.
    pub const RULES_SCHEMA: SchemaFile = schema_file!("rules.schema.json");

    /// Every embedded file.
    pub const ALL: [SchemaFile; 8] = [
        Self::REQUESTS,
        Self::SUCCESS_BODY,
        Self::ERROR_BODY,
        Self::ERROR_CODES,
        Self::ERROR_CODES_SCHEMA,
        Self::OPEN_QUESTIONS,
        Self::RULES,
        Self::RULES_SCHEMA,
    ];

    /// The file as JSON.
    pub fn parse(&self) -> Result<Value, ContractError> {
        serde_json::from_str(self.text).map_err(|source| ContractError::Json {
            file: self.name,
            source,
        })
    }
}

/// Where and how a JSON document breaks a schema: the shape of a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer to the offending part of the document (`/Status`).
    pub instance_path: String,
    /// JSON pointer to the rule it breaks in the schema (`/properties/Status/enum`).
    pub schema_path: String,
    /// The schema keyword (`enum`, `required`, `pattern`, ...).
    pub keyword: String,
    /// A sentence saying what is wrong.
    pub message: String,
}

impl fmt::Display for SchemaViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "{at}: {} (schema {})", self.message, self.schema_path)
    }
}

/// A list of violations, shown one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Violations(pub(super) Vec<SchemaViolation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, violation) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

/// A compiled schema.
pub(super) struct Compiled(jsonschema::Validator);

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Compiled")
    }
}

impl Compiled {
    /// Every way `instance` breaks the schema.
    pub(super) fn violations(&self, instance: &Value) -> Vec<SchemaViolation> {
        self.0
            .iter_errors(instance)
            .map(|error| SchemaViolation {
                instance_path: error.instance_path().as_str().to_owned(),
                schema_path: error.schema_path().as_str().to_owned(),
                keyword: error.kind().keyword().to_owned(),
                message: error.to_string(),
            })
            .collect()
    }

    /// `Ok` when `instance` is valid, else its violations.
    pub(super) fn validate(&self, instance: &Value) -> Result<(), Violations> {
        let violations = self.violations(instance);
        if violations.is_empty() {
            Ok(())
        } else {
            Err(Violations(violations))
        }
    }

    /// Whether `instance` is valid, without collecting violations.
    pub(super) fn is_valid(&self, instance: &Value) -> bool {
        self.0.is_valid(instance)
    }

    /// The underlying validator, for the rules that read the error kinds themselves.
    pub(super) fn iter_errors<'i>(&'i self, instance: &'i Value) -> jsonschema::ErrorIterator<'i> {
        self.0.iter_errors(instance)
    }
}

/// The custom format of strings that hold a JSON document (`Input`, `Output`).
pub(super) const JSON_TEXT_FORMAT: &str = "json-text";

fn is_json_text(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// Compiles a schema file as draft 2020-12 with format assertions on.
pub(super) fn compile(file: &SchemaFile) -> Result<Compiled, ContractError> {
    compile_value(file.name, &file.parse()?)
}

/// Compiles a schema document, naming `file` in errors.
pub(super) fn compile_value(file: &'static str, schema: &Value) -> Result<Compiled, ContractError> {
    jsonschema::draft202012::meta::validate(schema).map_err(|error| ContractError::Schema {
        file,
        message: format!("not a draft 2020-12 schema: {error}"),
    })?;
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .with_format(JSON_TEXT_FORMAT, is_json_text)
        .build(schema)
        .map(Compiled)
        .map_err(|error| ContractError::Schema {
            file,
            message: error.to_string(),
        })
}

/// The value at a JSON pointer of a schema, or an error naming what the contract expected.
pub(super) fn at<'v>(
    file: &'static str,
    schema: &'v Value,
    pointer: &str,
) -> Result<&'v Value, ContractError> {
    schema
        .pointer(pointer)
        .ok_or_else(|| ContractError::Schema {
            file,
            message: format!("has nothing at {pointer}"),
        })
}

/// A copy of a schema document whose root refers to one of its parts (`#/$defs/Name`): the
/// part compiled with every definition it may refer to, at the same JSON pointers.
pub(super) fn referencing(document: &Value, reference: &str) -> Value {
    let mut wrapper = document.clone();
    if let Some(object) = wrapper.as_object_mut() {
        object.insert("$ref".to_owned(), Value::from(reference));
    }
    wrapper
}

/// The title of the schema node that holds the keyword at `schema_path`, if it has one:
/// how a violation is traced to a named rule.
pub(super) fn rule_title<'d>(document: &'d Value, schema_path: &str) -> Option<&'d str> {
    let (parent, _keyword) = schema_path.rsplit_once('/')?;
    document.pointer(parent)?.get("title")?.as_str()
}
