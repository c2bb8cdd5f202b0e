//! The response bodies: DescribeExecution's success body and the error body.

use serde_json::Value;

use super::ContractError;
use super::schema::{self, Compiled, SchemaFile, SchemaViolation};

/// The fields of a body that a service sets for each answer, not from what was asked: two
/// answers to the same request may differ in them. RequestId is fresh for every answer (the
/// page); the gateway's HostId and Recommend (`observed-service.md`) may name the request.
pub const PER_ANSWER_FIELDS: [&str; 3] = ["RequestId", "HostId", "Recommend"];

/// A value of a body that the contract leaves to the service: two correct answers to one
/// request (from one service or from two) may differ in it, so comparing answers (parity
/// snapshots) redacts it by its field, whatever its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerChosen {
    /// A field set for each answer ([`PER_ANSWER_FIELDS`]): any text.
    PerAnswer,
    /// A set timestamp (a field the success schema types `#/$defs/Timestamp`): its instant
    /// is the service's clock and its form open (`timestamp-precision`). Whether it is set
    /// at all is no choice of the service's clock: an unset one stays as it is.
    Timestamp,
}

impl ServerChosen {
    /// What a redacted value reads: `[per-answer]` or `[time]`.
    pub fn placeholder(self) -> &'static str {
        match self {
            ServerChosen::PerAnswer => "[per-answer]",
            ServerChosen::Timestamp => "[time]",
        }
    }
}

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
    /// The success body's fields typed `#/$defs/Timestamp`.
    timestamps: Vec<String>,
    /// The success body's fields that may be unset (`#/$defs/Unset`).
    unsettable: Vec<String>,
    /// The fields the success body requires.
    success_required: Vec<String>,
    /// The fields the error body requires.
    error_required: Vec<String>,
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
        let error_document = error.parse()?;
        Ok(Self {
            statuses: strings("/$defs/Status/enum")?,
            terminal_statuses: strings("/$defs/TerminalStatus/enum")?,
            timestamps: fields_referring(&document, "#/$defs/Timestamp"),
            unsettable: fields_referring(&document, "#/$defs/Unset"),
            success_required: required(&document),
            error_required: required(&error_document),
            success: schema::compile_value(success.name, &document)?,
            error: schema::compile_value(error.name, &error_document)?,
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

    /// Whether a field of a body is one the page lists: one its schema requires, or (success
    /// bodies) one it lets be unset, which the page lists and its sample has set. Any other
    /// field, even one the schema describes (Environment, an error's HostId), is beyond the
    /// page: open question `unknown-fields`.
    pub fn on_the_page(&self, kind: BodyKind, field: &str) -> bool {
        let listed = |fields: &[String]| fields.iter().any(|known| known == field);
        match kind {
            BodyKind::Success => listed(&self.success_required) || listed(&self.unsettable),
            BodyKind::Error => listed(&self.error_required),
        }
    }

    /// Whether a field of a success body may be unset (absent, `null` or `""`: open
    /// question `unset-fields`).
    pub fn may_be_unset(&self, field: &str) -> bool {
        self.unsettable.iter().any(|known| known == field)
    }

    /// Whether `value`, the value of a body's top-level `field`, is the service's to
    /// choose, and how: see [`ServerChosen`]. Only a non-empty string is: an empty,
    /// missing or non-text value stays visible (the schema judges it).
    pub fn server_chosen(&self, field: &str, value: &Value) -> Option<ServerChosen> {
        if value.as_str().is_none_or(str::is_empty) {
            return None;
        }
        if PER_ANSWER_FIELDS.contains(&field) {
            Some(ServerChosen::PerAnswer)
        } else if self.timestamps.iter().any(|known| known == field) {
            Some(ServerChosen::Timestamp)
        } else {
            None
        }
    }

    /// Whether `status` is one an execution ends in.
    pub fn is_terminal(&self, status: &str) -> bool {
        self.terminal_statuses
            .iter()
            .any(|terminal| terminal == status)
    }
}

/// The top-level properties of `schema` whose subschema refers to `reference` anywhere.
fn fields_referring(schema: &Value, reference: &str) -> Vec<String> {
    fn refers(schema: &Value, reference: &str) -> bool {
        match schema {
            Value::Object(map) => map.iter().any(|(key, value)| {
                (key == "$ref" && value.as_str() == Some(reference)) || refers(value, reference)
            }),
            Value::Array(items) => items.iter().any(|item| refers(item, reference)),
            _ => false,
        }
    }
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, subschema)| refers(subschema, reference))
        .map(|(name, _)| name.clone())
        .collect()
}

/// The fields `schema` requires.
fn required(schema: &Value) -> Vec<String> {
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A field of a body that is set: absent, `null` and `""` all say "not set" (open question
/// `unset-fields`).
pub fn set_field<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.get(name)
        .filter(|value| !value.is_null() && value.as_str() != Some(""))
}
