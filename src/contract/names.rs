//! The rules of flow and execution names, read from `$defs/Name` of the request schema.

use serde_json::Value;

use super::ContractError;
use super::schema::{self, Compiled, SchemaFile};

/// One of DescribeExecution's two names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameParameter {
    /// FlowName.
    Flow,
    /// ExecutionName.
    Execution,
}

impl NameParameter {
    /// Both names.
    pub const ALL: [Self; 2] = [Self::Flow, Self::Execution];

    /// The parameter's name on the wire.
    pub fn parameter(self) -> &'static str {
        match self {
            Self::Flow => "FlowName",
            Self::Execution => "ExecutionName",
        }
    }

    /// Its name in kebab case: the family of the catalog cases that vary it
    /// (`flow-name/length-129`) and the prefix of the faults that break its rules.
    pub fn family(self) -> &'static str {
        match self {
            Self::Flow => "flow-name",
            Self::Execution => "execution-name",
        }
    }
}

/// A rule of the seed for flow and execution names, as the schema titles them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameRule {
    /// The value is not a string at all.
    Type,
    /// 1 to 128 characters.
    Length,
    /// Starts with a letter or `_`.
    FirstCharacter,
    /// Letters, digits, `_` and `-` only.
    Characters,
}

impl NameRule {
    /// The rule's title in the schema.
    pub fn title(self) -> &'static str {
        match self {
            NameRule::Type => "type",
            NameRule::Length => "length",
            NameRule::FirstCharacter => "first-character",
            NameRule::Characters => "characters",
        }
    }

    fn from_title(title: &str) -> Option<Self> {
        [
            NameRule::Length,
            NameRule::FirstCharacter,
            NameRule::Characters,
        ]
        .into_iter()
        .find(|rule| rule.title() == title)
    }
}

/// The name rules as numbers and patterns, for generators that build names at the edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRules {
    /// The fewest characters a name may have.
    pub min_length: usize,
    /// The most characters a name may have.
    pub max_length: usize,
    /// A regex the start of a name must match (`^[A-Za-z_]`).
    pub first_character: String,
    /// A regex a whole name must match for its characters (`^[A-Za-z0-9_-]*$`).
    pub characters: String,
}

/// The compiled name rules.
#[derive(Debug)]
pub struct Names {
    rules: NameRules,
    schema: Compiled,
    document: Value,
}

impl Names {
    /// Reads `$defs/Name` of the request schema document.
    pub(super) fn load(file: &SchemaFile, document: &Value) -> Result<Self, ContractError> {
        let bad = |message: String| ContractError::Schema {
            file: file.name,
            message,
        };
        let rule = |wanted: NameRule| -> Result<&Value, ContractError> {
            schema::at(file.name, document, "/$defs/Name/allOf")?
                .as_array()
                .into_iter()
                .flatten()
                .find(|rule| rule.get("title").and_then(Value::as_str) == Some(wanted.title()))
                .ok_or_else(|| bad(format!("/$defs/Name has no rule titled {}", wanted.title())))
        };
        let number = |rule: &Value, keyword: &str| -> Result<usize, ContractError> {
            rule.get(keyword)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| bad(format!("the name rule lacks {keyword}")))
        };
        let pattern = |rule: &Value| -> Result<String, ContractError> {
            rule.get("pattern")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad("a name rule lacks its pattern".to_owned()))
        };
        let length = rule(NameRule::Length)?;
        let rules = NameRules {
            min_length: number(length, "minLength")?,
            max_length: number(length, "maxLength")?,
            first_character: pattern(rule(NameRule::FirstCharacter)?)?,
            characters: pattern(rule(NameRule::Characters)?)?,
        };
        let wrapper = schema::referencing(document, "#/$defs/Name");
        Ok(Self {
            rules,
            schema: schema::compile_value(file.name, &wrapper)?,
            document: wrapper,
        })
    }

    /// The rules as numbers and patterns.
    pub fn rules(&self) -> &NameRules {
        &self.rules
    }

    /// Whether `name` is a valid flow or execution name.
    pub fn is_valid(&self, name: &str) -> bool {
        self.schema.is_valid(&Value::from(name))
    }

    /// The rules that `name` breaks, in the schema's order; empty when it is valid.
    pub fn broken_rules(&self, name: &str) -> Vec<NameRule> {
        let value = Value::from(name);
        let mut broken: Vec<NameRule> = self
            .schema
            .iter_errors(&value)
            .map(|error| {
                schema::rule_title(&self.document, error.schema_path().as_str())
                    .and_then(NameRule::from_title)
                    .unwrap_or(NameRule::Type)
            })
            .collect();
        broken.dedup();
        broken
    }
}
