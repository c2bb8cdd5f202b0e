//! The response bodies: DescribeExecution's success body and the error body.

use serde_json::Value;

use super::ContractError;
use super::schema::{self, Compiled, SchemaFile, SchemaViolation};

/// The fields of a body that a service sets for each answer, not from what was asked: two
/// answers to the same request may differ in them. RequestId is fresh for every answer (the
/// page); the gateway's HostId and Recommend (`observed-service.md`) may name the request.
pub const PER_ANSWER_FIELDS: [&str; 3] = ["RequestId", "HostId", "Recommend"];

/// Which body schema applies to a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// An HTTP 200 answer of DescribeExecution.
    Success,
    /// Any error answer.
    Error,
}

/// The compiled body schemas, and the status values they define.
#[derive(Debug)]
pub struct BodySchemas {
    success: Compiled,
    error: Compiled,
    statuses: Vec<String>,
    terminal_statuses: Vec<String>,
}

impl BodySchemas {
    pub(super) fn load(success: &SchemaFile, error: &SchemaFile) -> Result<Self, ContractError> {
        let document = success.parse()?;
        let strings = |pointer: &str| -> Result<Vec<String>, ContractError> {
            schema::at(success.name, &document, pointer)?
                .as_array()
                .map(|values| {
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .ok_or_else(|| ContractError::Schema {
                    file: success.name,
                    message: format!("{pointer} is not an array"),
                })
        };
        Ok(Self {
            statuses: strings("/$defs/Status/enum")?,
            terminal_statuses: strings("/$defs/TerminalStatus/enum")?,
            success: schema::compile_value(success.name, &document)?,
            error: schema::compile(error)?,
        })
    }

    /// Every way `body` breaks the schema of `kind`; empty when it is valid.
    pub fn validate(&self, kind: BodyKind, body: &Value) -> Vec<SchemaViolation> {
        match kind {
            BodyKind::Success => self.success.violations(body),
            BodyKind::Error => self.error.violations(body),
        }
    }

    /// The execution statuses the contract documents.
    pub fn statuses(&self) -> &[String] {
        &self.statuses
    }

    /// The statuses an execution ends in and never leaves.
    pub fn terminal_statuses(&self) -> &[String] {
        &self.terminal_statuses
    }

    /// Whether `status` is one an execution ends in.
    pub fn is_terminal(&self, status: &str) -> bool {
        self.terminal_statuses
            .iter()
            .any(|terminal| terminal == status)
    }
}

/// A field of a body that is set: absent, `null` and `""` all say "not set" (open question
/// `unset-fields`).
pub fn set_field<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.get(name)
        .filter(|value| !value.is_null() && value.as_str() != Some(""))
}
