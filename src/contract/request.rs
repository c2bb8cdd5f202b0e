//! The request parameters of each operation: which exist, which are required, and the
//! rules each must follow, read from `schemas/requests.schema.json`.

use std::ops::RangeInclusive;

use jsonschema::error::ValidationErrorKind;
use regex::Regex;
use serde_json::{Map, Number, Value};

use super::ContractError;
use super::errors::ErrorCode;
use super::schema::{self, Compiled, SchemaFile};

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// Its name on the wire (`FlowName`).
    pub name: String,
    /// Whether a request must carry it.
    pub required: bool,
    /// Whether its value is an integer (read from text by the contract's integer grammar).
    pub integer: bool,
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

/// The Code the table documents for a missing required parameter.
pub(super) const MISSING_CODE: ErrorCode = ErrorCode::MissingRequiredParams;
/// The Code the table documents for a parameter that breaks its rule.
pub(super) const INVALID_CODE: ErrorCode = ErrorCode::InvalidArgument;

impl ParamFault {
    /// The error Code the table documents for this fault, or `None` where the contract
    /// leaves the answer open (a repeated parameter: open question `repeated-parameter`).
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            ParamFault::Missing => Some(MISSING_CODE),
            ParamFault::Invalid { .. } => Some(INVALID_CODE),
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

/// A grammar by which integer text on the wire is read (open question `integer-forms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IntegerGrammar {
    /// JSON's integer grammar, `x-integer-text` (`-0` is an integer; `+5`, `05` are not).
    #[default]
    Json,
    /// Also a `+` sign and leading zeros (`+5`, `05`, `00`), as Java's `parseInt` reads.
    Lenient,
    /// JSON's without `-0`.
    Strict,
}

impl IntegerGrammar {
    /// Every grammar.
    pub const ALL: [Self; 3] = [Self::Json, Self::Lenient, Self::Strict];
}

/// The integer grammars, compiled.
#[derive(Debug, Clone)]
struct Grammars {
    json: Regex,
    lenient: Regex,
    strict: Regex,
}

impl Grammars {
    fn get(&self, grammar: IntegerGrammar) -> &Regex {
        match grammar {
            IntegerGrammar::Json => &self.json,
            IntegerGrammar::Lenient => &self.lenient,
            IntegerGrammar::Strict => &self.strict,
        }
    }
}

/// The compiled parameter rules of one operation.
#[derive(Debug)]
pub struct RequestRules {
    operation: String,
    method: http::Method,
    schema: Compiled,
    document: Value,
    grammars: Grammars,
    parameters: Vec<Parameter>,
}

impl RequestRules {
    /// Reads every operation of `x-operations`, in the file's order.
    pub(super) fn load_all(
        file: &SchemaFile,
        document: &Value,
    ) -> Result<Vec<Self>, ContractError> {
        let bad = |message: String| ContractError::Schema {
            file: file.name,
            message,
        };
        let regex = |pointer: &str| -> Result<Regex, ContractError> {
            let text = schema::at(file.name, document, pointer)?
                .as_str()
                .ok_or_else(|| bad(format!("{pointer} is not a string")))?;
            Regex::new(text).map_err(|error| bad(format!("{pointer}: {error}")))
        };
        let grammars = Grammars {
            json: regex("/x-integer-text")?,
            lenient: regex("/x-integer-text-open/lenient")?,
            strict: regex("/x-integer-text-open/strict")?,
        };
        let operations = schema::at(file.name, document, "/x-operations")?
            .as_object()
            .ok_or_else(|| bad("x-operations is not an object".to_owned()))?;
        operations
            .iter()
            .map(|(operation, details)| {
                let method = details
                    .get("method")
                    .and_then(Value::as_str)
                    .and_then(|method| method.parse().ok())
                    .ok_or_else(|| bad(format!("{operation} has no HTTP method")))?;
                let pointer = format!("/$defs/{operation}");
                let definition = schema::at(file.name, document, &pointer)?;
                let required: Vec<&str> = definition
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let parameters = definition
                    .get("properties")
                    .and_then(Value::as_object)
                    .ok_or_else(|| bad(format!("{pointer} has no properties")))?
                    .iter()
                    .map(|(name, property)| Parameter {
                        name: name.clone(),
                        required: required.contains(&name.as_str()),
                        integer: property.get("type").and_then(Value::as_str) == Some("integer"),
                    })
                    .collect();
                let wrapper = schema::referencing(document, &format!("#{pointer}"));
                Ok(Self {
                    operation: operation.clone(),
                    method,
                    schema: schema::compile_value(file.name, &wrapper)?,
                    document: wrapper,
                    grammars: grammars.clone(),
                    parameters,
                })
            })
            .collect()
    }

    /// The operation these rules are for (`DescribeExecution`).
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The HTTP method the official SDK sends the operation with.
    pub fn method(&self) -> &http::Method {
        &self.method
    }

    /// The operation's parameters, in the schema's order.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The allowed values of an integer parameter, if it has both bounds.
    pub fn integer_bounds(&self, parameter: &str) -> Option<RangeInclusive<i64>> {
        let property = self
            .document
            .pointer(&format!("/$defs/{}/properties/{parameter}", self.operation))?;
        let bound = |keyword: &str| property.get(keyword).and_then(Value::as_i64);
        Some(bound("minimum")?..=bound("maximum")?)
    }

    /// The JSON value of a parameter's text: an integer parameter whose text fits the
    /// contract's integer grammar becomes a number; anything else stays a string.
    pub fn typed_value(&self, parameter: &str, text: &str) -> Value {
        self.typed_value_by(parameter, text, IntegerGrammar::Json)
    }

    /// The JSON value of a parameter's text, its integers read by `grammar`.
    pub fn typed_value_by(&self, parameter: &str, text: &str, grammar: IntegerGrammar) -> Value {
        let integer = self
            .parameters
            .iter()
            .any(|known| known.integer && known.name == parameter);
        if integer && self.grammars.get(grammar).is_match(text) {
            if let Some(number) = integer_number(text.trim_start_matches('+')) {
                return Value::Number(number);
            }
        }
        Value::from(text)
    }

    /// Whether one parameter's value, read by `grammar`, follows its rules (whatever the
    /// other parameters are).
    pub fn is_valid_value(&self, parameter: &str, text: &str, grammar: IntegerGrammar) -> bool {
        let mut object = Map::new();
        object.insert(
            parameter.to_owned(),
            self.typed_value_by(parameter, text, grammar),
        );
        let instance = Value::Object(object);
        self.schema
            .iter_errors(&instance)
            .all(|error| matches!(error.kind(), ValidationErrorKind::Required { .. }))
    }

    /// Every way a request's parameters break the contract; empty when they are valid.
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
                        rule: schema::rule_title(&self.document, error.schema_path().as_str())
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
}

/// The number an integer text stands for, however large (leading zeros allowed).
fn integer_number(text: &str) -> Option<Number> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n.into());
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(n.into());
    }
    text.parse::<f64>().ok().and_then(Number::from_f64)
}
