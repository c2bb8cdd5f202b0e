//! The answers of one request in every encoding: each variant is judged alone by the
//! oracle like any case, and this run-level check holds them to each other, as a service
//! that reads every encoding alike answers them alike.

use serde_json::{Map, Value};

use super::{CheckId, Finding, Observed};
use crate::cases::Tag;
use crate::contract::PER_ANSWER_FIELDS;

/// The longest text of a value a finding shows.
const SHOWN: usize = 80;

/// The findings of [`CheckId::SameAnswer`] over a run's answers, in case order: every case
/// tagged `encoding` must get the answer the first of them got, its status and its body but
/// for the fields a service sets per answer (RequestId, HostId, Recommend).
pub fn same_answers<'a>(observed: impl IntoIterator<Item = Observed<'a>>) -> Vec<Finding> {
    let mut first: Option<(String, Answer)> = None;
    let mut findings = Vec::new();
    for observed in observed {
        if !observed.case.tags.contains(&Tag::Encoding) {
            continue;
        }
        let answer = Answer::of(&observed);
        let Some((first_id, first_answer)) = &first else {
            first = Some((observed.case.id.clone(), answer));
            continue;
        };
        let differences = first_answer.differences(&answer);
        if !differences.is_empty() {
            findings.push(Finding {
                case: observed.case.id.clone(),
                check: CheckId::SameAnswer,
                expected: format!(
                    "the answer {first_id} got, the same request in another encoding ({} aside)",
                    PER_ANSWER_FIELDS.join(", ")
                ),
                actual: format!("{} (there: {})", differences.here, differences.there),
            });
        }
    }
    findings
}

/// An answer as the comparison sees it.
struct Answer {
    status: u16,
    /// The JSON object without its per-answer fields, or the body's text.
    body: Result<Map<String, Value>, String>,
}

/// Where two answers differ: here, and there (in the first answer).
struct Differences {
    here: String,
    there: String,
}

impl Differences {
    fn is_empty(&self) -> bool {
        self.here.is_empty()
    }
}

impl Answer {
    fn of(observed: &Observed<'_>) -> Self {
        let body = match observed.body {
            Some(Value::Object(object)) => Ok(object
                .iter()
                .filter(|(key, _)| !PER_ANSWER_FIELDS.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect()),
            _ => Err(String::from_utf8_lossy(&observed.exchange.body).into_owned()),
        };
        Self {
            status: observed.exchange.status.as_u16(),
            body,
        }
    }

    /// How `other` differs from this answer: the status (and Code) if it differs, else each
    /// field whose value differs or that only one of them has, in this answer's order and
    /// then the other's.
    fn differences(&self, other: &Answer) -> Differences {
        if self.status != other.status {
            return Differences {
                here: other.status_and_code(),
                there: self.status_and_code(),
            };
        }
        let (mut here, mut there) = (Vec::new(), Vec::new());
        match (&self.body, &other.body) {
            (Ok(mine), Ok(theirs)) => {
                let keys = mine
                    .keys()
                    .chain(theirs.keys().filter(|key| !mine.contains_key(*key)));
                for key in keys {
                    let (a, b) = (mine.get(key), theirs.get(key));
                    if a != b {
                        here.push(field(key, b));
                        there.push(field(key, a));
                    }
                }
            }
            (mine, theirs) if mine != theirs => {
                here.push(format!("body {}", shown(&text(theirs))));
                there.push(format!("body {}", shown(&text(mine))));
            }
            _ => {}
        }
        Differences {
            here: here.join(", "),
            there: there.join(", "),
        }
    }
}

impl Answer {
    /// `status 415 UnsupportedMediaType`, or `status 200`.
    fn status_and_code(&self) -> String {
        let code = self
            .body
            .as_ref()
            .ok()
            .and_then(|body| body.get("Code")?.as_str());
        match code {
            Some(code) => format!("status {} {code}", self.status),
            None => format!("status {}", self.status),
        }
    }
}

fn text(body: &Result<Map<String, Value>, String>) -> String {
    match body {
        Ok(object) => Value::Object(object.clone()).to_string(),
        Err(text) => text.clone(),
    }
}

fn field(key: &str, value: Option<&Value>) -> String {
    match value {
        Some(value) => format!("{key} {}", shown(&value.to_string())),
        None => format!("no {key}"),
    }
}

fn shown(text: &str) -> String {
    if text.chars().count() > SHOWN {
        format!("{}…", text.chars().take(SHOWN).collect::<String>())
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::Value;

    use super::super::canned::*;
    use super::super::{CheckId, Observed};
    use super::same_answers;
    use crate::cases::{Case, Tag};
    use crate::wire::Exchange;

    fn encoding(id: &str) -> Case {
        let mut case = success_case();
        case.id = id.to_owned();
        case.tags = vec![Tag::Encoding];
        case
    }

    fn observed<'a>(case: &'a Case, exchange: &'a Exchange, body: &'a Value) -> Observed<'a> {
        Observed {
            case,
            exchange,
            body: Some(body),
            sent_time: "",
            time_bound: Duration::from_secs(5),
        }
    }

    #[test]
    fn answers_that_differ_only_per_answer_agree() {
        let (first, second) = (encoding("encoding/a"), encoding("encoding/b"));
        let body = success_body();
        let mut other = success_body();
        other["RequestId"] = Value::from("r-other");
        other["HostId"] = Value::from("host-2");
        let (one, two) = (exchange(200, &body), exchange(200, &other));
        let findings = same_answers([
            observed(&first, &one, &body),
            observed(&second, &two, &other),
        ]);
        assert_eq!(findings, vec![]);
    }

    #[test]
    fn a_different_status_or_field_is_a_finding_on_the_later_case() {
        let (first, second, third) = (
            encoding("encoding/a"),
            encoding("encoding/b"),
            encoding("encoding/c"),
        );
        let body = success_body();
        let mut whole_seconds = success_body();
        whole_seconds["StartedTime"] = Value::from("2019-01-01T01:01:01Z");
        let refused = error_body(
            "UnsupportedMediaType",
            "The content type must be \"application/json\".",
        );
        let (one, two, three) = (
            exchange(200, &body),
            exchange(200, &whole_seconds),
            exchange(415, &refused),
        );
        let findings = same_answers([
            observed(&first, &one, &body),
            observed(&second, &two, &whole_seconds),
            observed(&third, &three, &refused),
        ]);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(
            findings
                .iter()
                .all(|finding| finding.check == CheckId::SameAnswer)
        );
        assert_eq!(findings[0].case, "encoding/b");
        assert!(
            findings[0]
                .actual
                .starts_with("StartedTime \"2019-01-01T01:01:01Z\""),
            "{}",
            findings[0].actual
        );
        assert_eq!(findings[1].case, "encoding/c");
        assert_eq!(
            findings[1].actual,
            "status 415 UnsupportedMediaType (there: status 200)"
        );
    }

    #[test]
    fn cases_of_other_families_are_not_compared() {
        let first = encoding("encoding/a");
        let other = success_case();
        let body = success_body();
        let refused = error_body("FlowNotExists", "Flow flow does not exist.");
        let (one, two) = (exchange(200, &body), exchange(404, &refused));
        let findings = same_answers([
            observed(&first, &one, &body),
            observed(&other, &two, &refused),
        ]);
        assert_eq!(findings, vec![]);
    }
}
