//! DescribeExecution's request parameters: which exist, which are required, and the rules
//! each must follow, all read from `schemas/describe-execution.request.schema.json`.

use std::ops::RangeInclusive;

use jsonschema::error::ValidationErrorKind;
use regex::Regex;
use serde_json::{Map, Number, Value};

use super::ContractError;
use super::errors::ErrorCode;
use super::schema::{self, Compiled, SchemaFile};

/// One parameter of the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// Its name on the wire (`FlowName`).
    pub name: String,
    /// Whether a request must carry it.
    pub required: bool,
    /// Whether its value is an integer (read from text by the contract's integer grammar).
    pub integer: bool,
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

/// How a parameter of a request breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamFault {
    /// A required parameter is absent.
    Missing,
    /// The parameter is given more than once; the contract does not say what that means.
    Repeated,
    /// The value breaks a rule: `rule` is the rule's title in the schema (`length`,
    /// `first-character`, `characters`) or else the keyword (`type`, `minimum`, `maximum`).
    Invalid {
        /// The rule broken.
        rule: String,
        /// What the schema validator said.
        message: String,
    },
}

impl ParamFault {
    /// The error Code the table documents for this fault, or `None` where the contract
    /// leaves the answer open.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            ParamFault::Missing => Some(ErrorCode::MissingRequiredParams),
            ParamFault::Invalid { .. } => Some(ErrorCode::InvalidArgument),
            ParamFault::Repeated => None,
        }
    }
}

/// A parameter and how it breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamViolation {
    /// The parameter's name.
    pub parameter: String,
    /// What is wrong with it.
    pub fault: ParamFault,
}

/// The compiled request rules of the operation.
#[derive(Debug)]
pub struct RequestRules {
    operation: String,
    schema: Compiled,
    schema_document: Value,
    name_schema: Compiled,
    integer_text: Regex,
    parameters: Vec<Parameter>,
    name_rules: NameRules,
    wait_time_seconds: RangeInclusive<i64>,
}

impl RequestRules {
    pub(super) fn load(file: &SchemaFile) -> Result<Self, ContractError> {
        let document = file.parse()?;
        let text = |pointer: &str| -> Result<String, ContractError> {
            schema::at(file.name, &document, pointer)?
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad(file, format!("{pointer} is not a string")))
        };
        let integer = |pointer: &str| -> Result<i64, ContractError> {
            schema::at(file.name, &document, pointer)?
                .as_i64()
                .ok_or_else(|| bad(file, format!("{pointer} is not an integer")))
        };

        let operation = text("/x-operation")?;
        let integer_text = Regex::new(&text("/x-integer-text")?)
            .map_err(|error| bad(file, format!("x-integer-text: {error}")))?;
        let required: Vec<&str> = schema::at(file.name, &document, "/required")?
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let properties = schema::at(file.name, &document, "/properties")?
            .as_object()
            .ok_or_else(|| bad(file, "/properties is not an object".to_owned()))?;
        let parameters = properties
            .iter()
            .map(|(name, property)| Parameter {
                name: name.clone(),
                required: required.contains(&name.as_str()),
                integer: property.get("type").and_then(Value::as_str) == Some("integer"),
            })
            .collect();

        let name_rule = |title: &str| -> Result<&Value, ContractError> {
            schema::at(file.name, &document, "/$defs/Name/allOf")?
                .as_array()
                .into_iter()
                .flatten()
                .find(|rule| rule.get("title").and_then(Value::as_str) == Some(title))
                .ok_or_else(|| bad(file, format!("/$defs/Name has no rule titled {title}")))
        };
        let number = |rule: &Value, keyword: &str| -> Result<usize, ContractError> {
            rule.get(keyword)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| bad(file, format!("the name rule lacks {keyword}")))
        };
        let pattern = |rule: &Value| -> Result<String, ContractError> {
            rule.get("pattern")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad(file, "a name rule lacks its pattern".to_owned()))
        };
        let length = name_rule(NameRule::Length.title())?;
        let name_rules = NameRules {
            min_length: number(length, "minLength")?,
            max_length: number(length, "maxLength")?,
            first_character: pattern(name_rule(NameRule::FirstCharacter.title())?)?,
            characters: pattern(name_rule(NameRule::Characters.title())?)?,
        };
        let wait_time_seconds = integer("/properties/WaitTimeSeconds/minimum")?
            ..=integer("/properties/WaitTimeSeconds/maximum")?;

        let name_document = serde_json::json!({
            "$schema": document.get("$schema"),
            "$defs": document.get("$defs"),
            "$ref": "#/$defs/Name",
        });
        Ok(Self {
            operation,
            schema: schema::compile_value(file.name, &document)?,
            name_schema: schema::compile_value(file.name, &name_document)?,
            schema_document: document,
            integer_text,
            parameters,
            name_rules,
            wait_time_seconds,
        })
    }

    /// The operation these rules are for (`DescribeExecution`).
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The operation's parameters, in the schema's order.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The name rules as numbers and patterns.
    pub fn name_rules(&self) -> &NameRules {
        &self.name_rules
    }

    /// The allowed values of WaitTimeSeconds.
    pub fn wait_time_seconds(&self) -> RangeInclusive<i64> {
        self.wait_time_seconds.clone()
    }

    /// Whether `name` is a valid flow or execution name.
    pub fn is_valid_name(&self, name: &str) -> bool {
        self.name_schema.is_valid(&Value::from(name))
    }

    /// The name rules that `name` breaks, in the schema's order; empty when it is valid.
    pub fn broken_name_rules(&self, name: &str) -> Vec<NameRule> {
        let value = Value::from(name);
        let mut broken: Vec<NameRule> = self
            .name_schema
            .iter_errors(&value)
            .map(
                |error| match self.rule_title(error.schema_path().as_str()) {
                    Some(title) if title == NameRule::Length.title() => NameRule::Length,
                    Some(title) if title == NameRule::FirstCharacter.title() => {
                        NameRule::FirstCharacter
                    }
                    Some(title) if title == NameRule::Characters.title() => NameRule::Characters,
                    _ => NameRule::Type,
                },
            )
            .collect();
        broken.dedup();
        broken
    }

    /// The JSON value of a parameter's text: an integer parameter whose text fits the
    /// contract's integer grammar becomes a number; anything else stays a string.
    pub fn typed_value(&self, parameter: &str, text: &str) -> Value {
        let integer = self
            .parameters
            .iter()
            .any(|known| known.integer && known.name == parameter);
        if integer && self.integer_text.is_match(text) {
            if let Some(number) = integer_number(text) {
                return Value::Number(number);
            }
        }
        Value::from(text)
    }

    /// Every way a request's parameters break the contract; empty when it is valid.
    ///
    /// `params` are the request's parameters as decoded text, in any order; parameters the
    /// operation does not have (the common ones such as `Action`) are passed over.
    pub fn validate<'a>(
        &self,
        params: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<ParamViolation> {
        let mut object = Map::new();
        let mut repeated: Vec<&str> = Vec::new();
        for (name, text) in params {
            let Some(known) = self.parameters.iter().find(|known| known.name == name) else {
                continue;
            };
            if object.contains_key(name) {
                if !repeated.contains(&known.name.as_str()) {
                    repeated.push(&known.name);
                }
                continue;
            }
            object.insert(name.to_owned(), self.typed_value(name, text));
        }
        let instance = Value::Object(object);

        let mut violations: Vec<ParamViolation> = repeated
            .into_iter()
            .map(|name| ParamViolation {
                parameter: name.to_owned(),
                fault: ParamFault::Repeated,
            })
            .collect();
        for error in self.schema.iter_errors(&instance) {
            let violation = match error.kind() {
                ValidationErrorKind::Required { property } => ParamViolation {
                    parameter: property.as_str().unwrap_or_default().to_owned(),
                    fault: ParamFault::Missing,
                },
                kind => ParamViolation {
                    parameter: error
                        .instance_path()
                        .as_str()
                        .trim_start_matches('/')
                        .to_owned(),
                    fault: ParamFault::Invalid {
                        rule: self
                            .rule_title(error.schema_path().as_str())
                            .unwrap_or_else(|| kind.keyword())
                            .to_owned(),
                        message: error.to_string(),
                    },
                },
            };
            if !violations.contains(&violation) {
                violations.push(violation);
            }
        }
        violations.sort_by_key(|violation| {
            self.parameters
                .iter()
                .position(|known| known.name == violation.parameter)
        });
        violations
    }

    /// The title of the schema node that holds the keyword at `schema_path`, if it has one.
    fn rule_title(&self, schema_path: &str) -> Option<&str> {
        let (parent, _keyword) = schema_path.rsplit_once('/')?;
        self.schema_document.pointer(parent)?.get("title")?.as_str()
    }
}

/// The number an integer text stands for, however large.
fn integer_number(text: &str) -> Option<Number> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n.into());
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(n.into());
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}

fn bad(file: &SchemaFile, message: String) -> ContractError {
    ContractError::Schema {
        file: file.name,
        message,
    }
}
