//! The oracle: the answers the contract allows to a DescribeExecution request.
//!
//! One function decides what a request's parameters mean: [`Contract::answer`], for a
//! service that reads the open questions one way (a [`Reading`]). The reference target
//! answers with it; [`Contract::allowed`] is the union of its answers over every reading a
//! correct service may have, which is what the catalog, the proptest strategies and fuzzing
//! expect. Nothing else maps a parameter fault to an error code.

use super::questions::OpenQuestion;
use super::request::{INVALID_CODE, MISSING_CODE};
use super::{Contract, ErrorCode, IntegerGrammar, Parameter};

/// A value of a message's `%s` that an expectation wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// This text exactly.
    Text(String),
    /// The request time the harness sent, as the wire carries it.
    SentTime,
    /// Anything: the harness cannot know it (a server's own limit or clock).
    Any,
}

/// An answer the contract allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// HTTP 200 with a success body that names this flow and execution.
    Success {
        /// The FlowName the body must echo.
        flow: String,
        /// The Name the body must echo.
        execution: String,
    },
    /// The error `code`, its message rendered with `values`.
    Error {
        /// The error the body's `Code` must name.
        code: ErrorCode,
        /// The values of the message's `%s`, in order.
        values: Vec<Expected>,
    },
    /// Any error of DescribeExecution's table with its table's status and a well-formed
    /// error body: where the contract is silent.
    AnyError,
}

impl Outcome {
    /// An error whose message values are all known texts.
    pub fn error(code: ErrorCode, values: &[&str]) -> Self {
        Outcome::Error {
            code,
            values: values
                .iter()
                .map(|value| Expected::Text((*value).to_owned()))
                .collect(),
        }
    }

    /// A short form for reports: `200 success`, `404 FlowNotExists` or `any documented error`.
    pub fn label(&self, contract: &Contract) -> String {
        match self {
            Outcome::Success { .. } => "200 success".to_owned(),
            Outcome::Error { code, .. } => {
                format!("{} {code}", contract.errors().status_of(*code).as_u16())
            }
            Outcome::AnyError => "any documented error".to_owned(),
        }
    }
}

/// Outcomes as a person reads them: `404 FlowNotExists or 404 ExecutionNotExists`; where a
/// Code appears more than once, each names its values (`400 MissingRequiredParams
/// (FlowName)`).
pub fn describe_outcomes(outcomes: &[Outcome], contract: &Contract) -> String {
    let labels: Vec<String> = outcomes
        .iter()
        .map(|outcome| {
            let label = outcome.label(contract);
            let Outcome::Error { code, values } = outcome else {
                return label;
            };
            let twice = outcomes
                .iter()
                .filter(|other| matches!(other, Outcome::Error { code: same, .. } if same == code))
                .nth(1)
                .is_some();
            let texts: Vec<&str> = values
                .iter()
                .filter_map(|value| match value {
                    Expected::Text(text) => Some(text.as_str()),
                    Expected::SentTime | Expected::Any => None,
                })
                .collect();
            if twice && !texts.is_empty() {
                format!("{label} ({})", texts.join(", "))
            } else {
                label
            }
        })
        .collect();
    labels.join(" or ")
}

/// How a service reads a request where the contract leaves it open. The default is the
/// reference target's own reading; every other value is one a correct service may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Reading {
    /// How integer text is read (`integer-forms`).
    pub integers: IntegerGrammar,
    /// Whether an empty value counts as no value (`empty-value`).
    pub empty_as_absent: bool,
    /// What a repeated parameter means (`repeated-parameter`).
    pub repeats: Repeats,
    /// Whether an invalid parameter is reported before a missing one (`several-faults`).
    pub invalid_first: bool,
    /// Whether faults are reported from the last parameter to the first (`several-faults`).
    pub last_parameter_first: bool,
}

/// What a service makes of a parameter given more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Repeats {
    /// 400 InvalidArgument.
    #[default]
    Refused,
    /// The first value counts.
    FirstWins,
    /// The last value counts.
    LastWins,
}

/// A request read as valid: what it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    /// FlowName, as sent.
    pub flow: String,
    /// ExecutionName, as sent.
    pub execution: String,
    /// WaitTimeSeconds as the service read it (an integer's decimal text), if given.
    pub wait: Option<String>,
}

/// What a service answers a request before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The request is valid: look this up.
    Query(Query),
    /// The request is refused with this error.
    Refused(Outcome),
}

/// Every answer a correct service may give to one request, before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    /// The answers, the default reading's first.
    pub answers: Vec<Answer>,
    /// The open questions the request touches, in the file's order.
    pub questions: Vec<OpenQuestion>,
}

/// What the harness knows to exist on the target when it sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known<'a> {
    /// The flow the run created.
    pub flow: &'a str,
    /// The execution of that flow the request may name, if any.
    pub execution: Option<&'a str>,
    /// Flow names known to name no flow of the caller (made unique by the run).
    pub absent_flows: &'a [&'a str],
}

impl Allowed {
    /// The outcomes these answers come to, given what exists; adds `unknown-flow` to the
    /// questions where it applies.
    pub fn outcomes(&self, known: &Known<'_>) -> (Vec<Outcome>, Vec<OpenQuestion>) {
        self.outcomes_by(|flow, execution, push, questions| {
            let not_found = Outcome::error(ErrorCode::ExecutionNotExists, &[execution, flow]);
            if flow == known.flow {
                if known.execution == Some(execution) {
                    push(Outcome::Success {
                        flow: flow.to_owned(),
                        execution: execution.to_owned(),
                    });
                } else {
                    push(not_found);
                }
            } else {
                push(Outcome::error(ErrorCode::FlowNotExists, &[flow]));
                if !known.absent_flows.contains(&flow) {
                    push(not_found);
                    add(questions, OpenQuestion::UnknownFlow);
                }
            }
        })
    }

    /// The outcomes these answers come to when nothing is known of what exists (a proxy
    /// between a client and a target): a valid query may succeed, naming its flow and
    /// execution, or find no execution or no flow (`unknown-flow`: which of the two a flow
    /// that does not exist gets; `foreign-resource`: another account's flow).
    pub fn outcomes_knowing_nothing(&self) -> (Vec<Outcome>, Vec<OpenQuestion>) {
        self.outcomes_by(|flow, execution, push, questions| {
            push(Outcome::Success {
                flow: flow.to_owned(),
                execution: execution.to_owned(),
            });
            push(Outcome::error(
                ErrorCode::ExecutionNotExists,
                &[execution, flow],
            ));
            push(Outcome::error(ErrorCode::FlowNotExists, &[flow]));
            add(questions, OpenQuestion::UnknownFlow);
            add(questions, OpenQuestion::ForeignResource);
        })
    }

    /// The valid queries among these answers.
    pub fn queries(&self) -> impl Iterator<Item = &Query> {
        self.answers.iter().filter_map(|answer| match answer {
            Answer::Query(query) => Some(query),
            Answer::Refused(_) => None,
        })
    }

    /// The outcomes of these answers, each once: a refusal as it is, a valid query's by
    /// `query` (given its flow and execution, where to push outcomes and the questions).
    fn outcomes_by(
        &self,
        mut query: impl FnMut(&str, &str, &mut dyn FnMut(Outcome), &mut Vec<OpenQuestion>),
    ) -> (Vec<Outcome>, Vec<OpenQuestion>) {
        let mut outcomes: Vec<Outcome> = Vec::new();
        let mut questions = self.questions.clone();
        let mut push = |outcome: Outcome| {
            if !outcomes.contains(&outcome) {
                outcomes.push(outcome);
            }
        };
        for answer in &self.answers {
            match answer {
                Answer::Refused(outcome) => push(outcome.clone()),
                Answer::Query(valid) => {
                    query(&valid.flow, &valid.execution, &mut push, &mut questions);
                }
            }
        }
        questions.sort();
        (outcomes, questions)
    }
}

/// Adds `question` to `questions` unless it is there.
fn add(questions: &mut Vec<OpenQuestion>, question: OpenQuestion) {
    if !questions.contains(&question) {
        questions.push(question);
    }
}

/// How one parameter stands in a request, under one reading.
enum Standing<'p> {
    Absent,
    Missing,
    Invalid,
    Valid(&'p str),
}

impl Contract {
    /// What a service that reads the open questions as `reading` answers to a
    /// DescribeExecution request with these parameters (decoded, in the order sent;
    /// parameters DescribeExecution does not have are passed over).
    ///
    /// `overrule` lets a deliberately broken service (the reference target's faults) take
    /// a value as valid (`Some(true)`) or invalid (`Some(false)`) against the contract.
    pub fn answer(
        &self,
        params: &[(&str, &str)],
        reading: Reading,
        overrule: &dyn Fn(&str, &str) -> Option<bool>,
    ) -> Answer {
        let rules = self.request();
        self.answer_by(params, reading, &mut |parameter, text, grammar| {
            overrule(&parameter.name, text)
                .unwrap_or_else(|| rules.is_valid_value(&parameter.name, text, grammar))
        })
    }

    /// Every answer a correct service may give to a DescribeExecution request with these
    /// parameters, and the open questions it touches.
    pub fn allowed(&self, params: &[(&str, &str)]) -> Allowed {
        let rules = self.request();
        // Validity by parameter, text and grammar, worked out once per request.
        let mut known: Vec<(String, String, IntegerGrammar, bool)> = Vec::new();
        let mut valid = |parameter: &Parameter, text: &str, grammar: IntegerGrammar| {
            let grammar = if parameter.integer {
                grammar
            } else {
                IntegerGrammar::Json
            };
            let cached = known.iter().find(|(name, known_text, known_grammar, _)| {
                *name == parameter.name && known_text == text && *known_grammar == grammar
            });
            if let Some((.., valid)) = cached {
                return *valid;
            }
            let valid = rules.is_valid_value(&parameter.name, text, grammar);
            known.push((parameter.name.clone(), text.to_owned(), grammar, valid));
            valid
        };
        let default = self.answer_by(params, Reading::default(), &mut valid);
        let mut answers = vec![default.clone()];
        let mut questions = Vec::new();
        for (reading, question) in variations(params, rules.parameters()) {
            let answer = self.answer_by(params, reading, &mut valid);
            if answer != default && !questions.contains(&question) {
                questions.push(question);
            }
            if !answers.contains(&answer) {
                answers.push(answer);
            }
        }
        if repeats(params, rules.parameters()) {
            // A server that reads parameters into a map cannot verify the signature.
            answers.push(Answer::Refused(Outcome::AnyError));
            if !questions.contains(&OpenQuestion::RepeatedParameter) {
                questions.push(OpenQuestion::RepeatedParameter);
            }
        }
        questions.sort();
        Allowed { answers, questions }
    }

    fn answer_by(
        &self,
        params: &[(&str, &str)],
        reading: Reading,
        valid: &mut dyn FnMut(&Parameter, &str, IntegerGrammar) -> bool,
    ) -> Answer {
        let rules = self.request();
        let mut standings: Vec<(&Parameter, Standing<'_>)> = Vec::new();
        for parameter in rules.parameters() {
            let mut given = params
                .iter()
                .filter(|(name, _)| *name == parameter.name)
                .map(|(_, value)| *value);
            let first = given.next();
            let last = given.next_back();
            let value = match (last, reading.repeats) {
                (None, _) => first,
                (Some(_), Repeats::Refused) => {
                    return Answer::Refused(Outcome::error(INVALID_CODE, &[]));
                }
                (Some(_), Repeats::FirstWins) => first,
                (Some(last), Repeats::LastWins) => Some(last),
            };
            let standing = match value {
                Some("") if reading.empty_as_absent => None,
                other => other,
            }
            .map_or(
                if parameter.required {
                    Standing::Missing
                } else {
                    Standing::Absent
                },
                |text| {
                    if valid(parameter, text, reading.integers) {
                        Standing::Valid(text)
                    } else {
                        Standing::Invalid
                    }
                },
            );
            standings.push((parameter, standing));
        }
        if reading.last_parameter_first {
            standings.reverse();
        }
        let missing = standings
            .iter()
            .find(|(_, standing)| matches!(standing, Standing::Missing));
        let invalid = standings
            .iter()
            .any(|(_, standing)| matches!(standing, Standing::Invalid));
        if let Some((parameter, _)) = missing
            && !(invalid && reading.invalid_first)
        {
            return Answer::Refused(Outcome::error(MISSING_CODE, &[&parameter.name]));
        }
        if invalid {
            return Answer::Refused(Outcome::error(INVALID_CODE, &[]));
        }
        let text = |name: &str| {
            standings
                .iter()
                .find_map(|(parameter, standing)| match standing {
                    Standing::Valid(text) if parameter.name == name => Some(*text),
                    _ => None,
                })
        };
        let wait = rules
            .parameters()
            .iter()
            .find(|parameter| parameter.integer)
            .and_then(|parameter| {
                let text = text(&parameter.name)?;
                Some(
                    match rules.typed_value_by(&parameter.name, text, reading.integers) {
                        serde_json::Value::Number(number) => number.to_string(),
                        _ => text.to_owned(),
                    },
                )
            });
        Answer::Query(Query {
            flow: text("FlowName").unwrap_or_default().to_owned(),
            execution: text("ExecutionName").unwrap_or_default().to_owned(),
            wait,
        })
    }
}

/// Whether a parameter of the operation is given more than once.
fn repeats(params: &[(&str, &str)], parameters: &[Parameter]) -> bool {
    parameters.iter().any(|parameter| {
        params
            .iter()
            .filter(|(name, _)| *name == parameter.name)
            .nth(1)
            .is_some()
    })
}

/// The readings other than the default that can make a difference to this request, each
/// with the open question it answers another way. Only what the request could touch is
/// varied: a plain request costs the four orders of reporting faults.
fn variations(params: &[(&str, &str)], parameters: &[Parameter]) -> Vec<(Reading, OpenQuestion)> {
    let known: Vec<&(&str, &str)> = params
        .iter()
        .filter(|(name, _)| parameters.iter().any(|parameter| parameter.name == *name))
        .collect();
    let repeated = repeats(params, parameters);
    let empty = known.iter().any(|(_, value)| value.is_empty());
    let integer = known.iter().any(|(name, value)| {
        parameters
            .iter()
            .any(|parameter| parameter.integer && parameter.name == *name)
            && value
                .trim_start_matches(['+', '-'])
                .bytes()
                .all(|b| b.is_ascii_digit())
            && !value.is_empty()
    });
    let several = parameters.len() > 1;
    let all_or_default = |applies: bool, all: &[Reading]| -> Vec<Reading> {
        if applies {
            all.to_vec()
        } else {
            vec![Reading::default()]
        }
    };
    let base = Reading::default();
    let repeat_readings = all_or_default(
        repeated,
        &[Repeats::Refused, Repeats::FirstWins, Repeats::LastWins]
            .map(|repeats| Reading { repeats, ..base }),
    );
    let empty_readings = all_or_default(
        empty,
        &[false, true].map(|empty_as_absent| Reading {
            empty_as_absent,
            ..base
        }),
    );
    let integer_readings = all_or_default(
        integer,
        &IntegerGrammar::ALL.map(|integers| Reading { integers, ..base }),
    );
    let order_readings = all_or_default(
        several,
        &[(false, false), (true, false), (false, true), (true, true)].map(
            |(invalid_first, last_parameter_first)| Reading {
                invalid_first,
                last_parameter_first,
                ..base
            },
        ),
    );
    let mut readings = Vec::new();
    for repeats in &repeat_readings {
        for empty in &empty_readings {
            for integers in &integer_readings {
                for order in &order_readings {
                    let reading = Reading {
                        repeats: repeats.repeats,
                        empty_as_absent: empty.empty_as_absent,
                        integers: integers.integers,
                        invalid_first: order.invalid_first,
                        last_parameter_first: order.last_parameter_first,
                    };
                    // Named by the first open question it answers otherwise.
                    let question = if reading.repeats != base.repeats {
                        OpenQuestion::RepeatedParameter
                    } else if reading.empty_as_absent != base.empty_as_absent {
                        OpenQuestion::EmptyValue
                    } else if reading.integers != base.integers {
                        OpenQuestion::IntegerForms
                    } else if reading != base {
                        OpenQuestion::SeveralFaults
                    } else {
                        continue;
                    };
                    readings.push((reading, question));
                }
            }
        }
    }
    readings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(params: &[(&str, &str)]) -> (Vec<Outcome>, Vec<OpenQuestion>) {
        Contract::embedded().allowed(params).outcomes(&Known {
            flow: "F",
            execution: Some("E"),
            absent_flows: &["Gone"],
        })
    }

    fn success() -> Outcome {
        Outcome::Success {
            flow: "F".to_owned(),
            execution: "E".to_owned(),
        }
    }

    fn invalid() -> Outcome {
        Outcome::error(ErrorCode::InvalidArgument, &[])
    }

    #[test]
    fn a_valid_request_has_one_answer_and_no_question() {
        assert_eq!(
            allowed(&[("FlowName", "F"), ("ExecutionName", "E")]),
            (vec![success()], vec![])
        );
        assert_eq!(
            allowed(&[
                ("FlowName", "F"),
                ("ExecutionName", "x"),
                ("WaitTimeSeconds", "60")
            ]),
            (
                vec![Outcome::error(ErrorCode::ExecutionNotExists, &["x", "F"])],
                vec![]
            )
        );
        assert_eq!(
            allowed(&[("FlowName", "Gone"), ("ExecutionName", "E")]).0,
            [Outcome::error(ErrorCode::FlowNotExists, &["Gone"])]
        );
    }

    #[test]
    fn invalid_and_missing_parameters_get_their_codes() {
        assert_eq!(
            allowed(&[("FlowName", "a.b"), ("ExecutionName", "E")]),
            (vec![invalid()], vec![])
        );
        assert_eq!(
            allowed(&[
                ("FlowName", "F"),
                ("ExecutionName", "E"),
                ("WaitTimeSeconds", "61")
            ]),
            (vec![invalid()], vec![])
        );
        assert_eq!(
            allowed(&[("ExecutionName", "E")]),
            (
                vec![Outcome::error(
                    ErrorCode::MissingRequiredParams,
                    &["FlowName"]
                )],
                vec![]
            )
        );
    }

    #[test]
    fn open_questions_widen_the_answers_and_are_named() {
        let (outcomes, questions) = allowed(&[]);
        assert_eq!(questions, [OpenQuestion::SeveralFaults]);
        assert_eq!(outcomes.len(), 2, "{outcomes:?}");

        let (outcomes, questions) = allowed(&[
            ("FlowName", "F"),
            ("ExecutionName", "E"),
            ("WaitTimeSeconds", "-0"),
        ]);
        assert_eq!(questions, [OpenQuestion::IntegerForms]);
        assert_eq!(outcomes, [success(), invalid()]);
        let (outcomes, _) = allowed(&[
            ("FlowName", "F"),
            ("ExecutionName", "E"),
            ("WaitTimeSeconds", "+5"),
        ]);
        assert_eq!(outcomes, [invalid(), success()]);
        let (outcomes, questions) = allowed(&[
            ("FlowName", "F"),
            ("ExecutionName", "E"),
            ("WaitTimeSeconds", "+61"),
        ]);
        assert_eq!((outcomes, questions), (vec![invalid()], vec![]));

        let (outcomes, questions) = allowed(&[
            ("FlowName", "F"),
            ("ExecutionName", "E"),
            ("WaitTimeSeconds", ""),
        ]);
        assert_eq!(questions, [OpenQuestion::EmptyValue]);
        assert_eq!(outcomes, [invalid(), success()]);

        let (outcomes, questions) =
            allowed(&[("FlowName", "F"), ("ExecutionName", "E"), ("FlowName", "F")]);
        assert!(questions.contains(&OpenQuestion::RepeatedParameter));
        assert!(outcomes.contains(&success()) && outcomes.contains(&Outcome::AnyError));
    }

    #[test]
    fn the_default_reading_is_the_first_answer() {
        let contract = Contract::embedded();
        let params = [
            ("FlowName", "F"),
            ("ExecutionName", "E"),
            ("WaitTimeSeconds", "+5"),
        ];
        let allowed = contract.allowed(&params);
        assert_eq!(
            allowed.answers[0],
            contract.answer(&params, Reading::default(), &|_, _| None)
        );
        let lenient = Reading {
            integers: IntegerGrammar::Lenient,
            ..Reading::default()
        };
        assert_eq!(
            contract.answer(&params, lenient, &|_, _| None),
            Answer::Query(Query {
                flow: "F".to_owned(),
                execution: "E".to_owned(),
                wait: Some("5".to_owned()),
            })
        );
    }
}
