//! What changed between a case's snapshot and its new form, and which open question of the
//! contract allows each change, if any: the reading of snapshot drift when a snapshot
//! recorded against one target is compared with another (parity). The contract's answer
//! to "may a correct service answer otherwise here" is written once, in [`questions`];
//! a change no open question allows is a real difference in what the two targets say.

use std::fmt;

use serde_json::Value;

use crate::cases::Case;
use crate::contract::{BodyKind, Contract, OpenQuestion};

/// One changed value of a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Where, as the keys from the snapshot's root (`response.body.Code`).
    pub path: String,
    /// The snapshot's value; `None` where it had none.
    pub old: Option<Value>,
    /// The new value; `None` where it has none.
    pub new: Option<Value>,
    /// The open questions that allow either answer; empty when none does (a real
    /// difference from what the contract requires of both).
    pub questions: Vec<OpenQuestion>,
}

impl Change {
    /// Whether no open question allows the change: a real difference in the contract.
    pub fn is_contract_difference(&self) -> bool {
        self.questions.is_empty()
    }
}

impl fmt::Display for Change {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown =
            |value: &Option<Value>| value.as_ref().map_or("absent".to_owned(), Value::to_string);
        write!(
            formatter,
            "{}: {} -> {}",
            self.path,
            shown(&self.old),
            shown(&self.new)
        )?;
        if self.is_contract_difference() {
            formatter.write_str(" (no open question allows it: a contract difference)")
        } else {
            let ids: Vec<&str> = self
                .questions
                .iter()
                .map(|question| question.id())
                .collect();
            write!(formatter, " (open: {})", ids.join(", "))
        }
    }
}

/// Every change from the snapshot `old` to `new` of `case` (the JSON of both), each with
/// the open questions that allow it.
pub(super) fn changes(old: &Value, new: &Value, case: &Case) -> Vec<Change> {
    let mut found = Vec::new();
    walk(&mut Vec::new(), Some(old), Some(new), &mut found);
    let answer = Answers::of(old, new);
    found
        .into_iter()
        .map(|(path, old, new)| {
            let questions = questions(&path, old.as_ref(), new.as_ref(), &answer, case);
            Change {
                path: path.join("."),
                old,
                new,
                questions,
            }
        })
        .collect()
}

type Found = (Vec<String>, Option<Value>, Option<Value>);

/// The leaves where `old` and `new` differ: objects key by key, anything else whole.
fn walk(path: &mut Vec<String>, old: Option<&Value>, new: Option<&Value>, found: &mut Vec<Found>) {
    match (old, new) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            let keys = old
                .keys()
                .chain(new.keys().filter(|key| !old.contains_key(*key)));
            for key in keys {
                path.push(key.clone());
                walk(path, old.get(key), new.get(key), found);
                path.pop();
            }
        }
        (old, new) if old == new => {}
        (old, new) => found.push((path.clone(), old.cloned(), new.cloned())),
    }
}

/// The two answers as a whole: whether they are the same outcome.
struct Answers<'a> {
    /// The status and Code of each, equal or not.
    same_outcome: bool,
    /// Which body schema the new answer is held to.
    kind: BodyKind,
    /// The new body's Status, if it has one.
    status: Option<&'a str>,
}

impl<'a> Answers<'a> {
    fn of(old: &'a Value, new: &'a Value) -> Self {
        let outcome = |snapshot: &'a Value| {
            let response = &snapshot["response"];
            (
                response["status"].as_u64(),
                response["body"]["Code"].as_str(),
            )
        };
        let status = new["response"]["status"].as_u64();
        Self {
            same_outcome: outcome(old) == outcome(new),
            kind: if status == Some(200) {
                BodyKind::Success
            } else {
                BodyKind::Error
            },
            status: new["response"]["body"]["Status"].as_str(),
        }
    }
}

/// The open questions that allow the change at `path` from `old` to `new`: the one place
/// that maps a changed value of a snapshot to the contract's open questions.
///
/// - another outcome (status, Code, and whatever comes with them): the questions the case's
///   request touches, whose other answers its expectation accepts (`integer-forms` for a
///   400 or a 404 to `+5`);
/// - a Message of the same Code: `message-whitespace` if only its white space changed, else
///   the case's questions (which of several faults it names);
/// - a field that may be unset, from one unset form to another (absent, `null`, `""`):
///   `unset-fields`; the Output of an ended execution, set or unset: `terminal-output`;
/// - Status Starting for Running: `starting-first`;
/// - a field the page does not list, or anything in one: `unknown-fields`.
///
/// Anything else (a request that changed, a field the page lists with another value, an
/// answer that is no longer JSON) no question allows.
fn questions(
    path: &[String],
    old: Option<&Value>,
    new: Option<&Value>,
    answers: &Answers<'_>,
    case: &Case,
) -> Vec<OpenQuestion> {
    let bodies = Contract::embedded().bodies();
    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
    let field = match keys.as_slice() {
        ["response", "status"] | ["response", "body", "Code"] => return case.questions.clone(),
        ["response", "body", field, ..] => *field,
        ["response", ..] if !answers.same_outcome => return case.questions.clone(),
        _ => return Vec::new(),
    };
    let nested = keys.len() > 3;
    let unset = |value: Option<&Value>| {
        value.is_none_or(|value| value.is_null() || value.as_str() == Some(""))
    };
    let text = |value: Option<&'_ Value>| -> Option<String> {
        value.and_then(Value::as_str).map(str::to_owned)
    };
    if !answers.same_outcome {
        case.questions.clone()
    } else if !bodies.on_the_page(answers.kind, field) {
        vec![OpenQuestion::UnknownFields]
    } else if nested {
        Vec::new()
    } else if field == "Message" {
        let spaced = |value: Option<&Value>| {
            text(value).map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        };
        if spaced(old) == spaced(new) {
            vec![OpenQuestion::MessageWhitespace]
        } else {
            case.questions.clone()
        }
    } else if answers.kind == BodyKind::Success
        && bodies.may_be_unset(field)
        && unset(old)
        && unset(new)
    {
        vec![OpenQuestion::UnsetFields]
    } else if field == "Output"
        && answers
            .status
            .is_some_and(|status| bodies.is_terminal(status))
    {
        vec![OpenQuestion::TerminalOutput]
    } else if field == "Status"
        && matches!(
            (text(old).as_deref(), text(new).as_deref()),
            (Some("Starting"), Some("Running")) | (Some("Running"), Some("Starting"))
        )
    {
        vec![OpenQuestion::StartingFirst]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cases::CaseRequest;
    use crate::wire::RpcRequest;

    fn case(questions: Vec<OpenQuestion>) -> Case {
        Case {
            id: "wait-time/plus-sign".to_owned(),
            tags: Vec::new(),
            description: String::new(),
            request: CaseRequest::signed(RpcRequest::get("DescribeExecution")),
            expect: Vec::new(),
            questions,
        }
    }

    fn answer(status: u16, body: Value) -> Value {
        json!({"request": {"method": "GET"}, "response": {"status": status, "body": body}})
    }

    /// Each change of `old` to `new` as its path and question ids.
    fn read(
        old: Value,
        new: Value,
        questions: Vec<OpenQuestion>,
    ) -> Vec<(String, Vec<&'static str>)> {
        changes(&old, &new, &case(questions))
            .into_iter()
            .map(|change| {
                let ids = change
                    .questions
                    .iter()
                    .map(|question| question.id())
                    .collect();
                (change.path, ids)
            })
            .collect()
    }

    #[test]
    fn another_outcome_is_allowed_by_the_questions_of_the_case() {
        let old = answer(
            400,
            json!({"Code": "InvalidArgument", "Message": "Parameter error."}),
        );
        let new = answer(
            404,
            json!({"Code": "FlowNotExists", "Message": "Flow f does not exist."}),
        );
        assert_eq!(
            read(old.clone(), new.clone(), vec![OpenQuestion::IntegerForms]),
            [
                ("response.status".to_owned(), vec!["integer-forms"]),
                ("response.body.Code".to_owned(), vec!["integer-forms"]),
                ("response.body.Message".to_owned(), vec!["integer-forms"]),
            ]
        );
        // A case that touches no question: a real difference, and it says so.
        let changes = changes(&old, &new, &case(Vec::new()));
        assert!(changes.iter().all(Change::is_contract_difference));
        assert!(
            changes[0].to_string().ends_with("a contract difference)"),
            "{}",
            changes[0]
        );
    }

    #[test]
    fn fields_map_to_their_questions() {
        let body = |extra: Value| {
            let mut body = json!({"Status": "Stopped", "Name": "n", "StartedTime": "[time]"});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            answer(200, body)
        };
        assert_eq!(
            read(
                body(json!({})),
                body(json!({"StoppedTime": ""})),
                Vec::new()
            ),
            [("response.body.StoppedTime".to_owned(), vec!["unset-fields"])]
        );
        assert_eq!(
            read(
                body(json!({"Output": null})),
                body(json!({"Output": "{}"})),
                Vec::new()
            ),
            [("response.body.Output".to_owned(), vec!["terminal-output"])]
        );
        assert_eq!(
            read(
                body(json!({})),
                body(json!({"Environment": {"Variables": []}})),
                Vec::new()
            ),
            [(
                "response.body.Environment".to_owned(),
                vec!["unknown-fields"]
            )]
        );
        // A field the page lists, with another value: no question allows it.
        assert_eq!(
            read(body(json!({})), body(json!({"Name": "m"})), Vec::new()),
            [("response.body.Name".to_owned(), vec![])]
        );
        let running = |status: &str| answer(200, json!({"Status": status}));
        assert_eq!(
            read(running("Running"), running("Starting"), Vec::new()),
            [("response.body.Status".to_owned(), vec!["starting-first"])]
        );
        assert_eq!(
            read(running("Running"), running("Failed"), Vec::new()),
            [("response.body.Status".to_owned(), vec![])]
        );
    }

    #[test]
    fn messages_of_one_code() {
        let error = |message: &str| {
            answer(
                404,
                json!({"Code": "FlowNotExists", "Message": message, "Recommend": "[per-answer]"}),
            )
        };
        assert_eq!(
            read(
                error("Flow f does not exist."),
                error("Flow  f does not exist. "),
                Vec::new()
            ),
            [(
                "response.body.Message".to_owned(),
                vec!["message-whitespace"]
            )]
        );
        assert_eq!(
            read(
                error("Flow f does not exist."),
                error("Flow g does not exist."),
                Vec::new()
            ),
            [("response.body.Message".to_owned(), vec![])]
        );
        let mut without = error("Flow f does not exist.");
        without["response"]["body"]
            .as_object_mut()
            .unwrap()
            .remove("Recommend");
        assert_eq!(
            read(without, error("Flow f does not exist."), Vec::new()),
            [("response.body.Recommend".to_owned(), vec!["unknown-fields"])]
        );
    }
}
