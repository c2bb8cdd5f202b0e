//! The protocol checks: no 5xx, a JSON content type and body, strict JSON, a RequestId
//! that matches its header and is unique across the run, and an answer within its time
//! bound.

use std::collections::HashMap;

use super::timing::Poll;
use super::{CheckId, Finding, Mismatch, Observed};
use crate::contract::{Contract, ErrorCode};
use crate::wire::{REQUEST_ID_HEADER, RETRY_AFTER_HEADER, RetryHint, read_retry_hint};

/// No server errors.
pub(super) fn no_5xx(_: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    let status = observed.exchange.status;
    if status.is_server_error() {
        Err(Mismatch::new(
            "a status below 500",
            status.as_u16().to_string(),
        ))
    } else {
        Ok(())
    }
}

/// The content type is JSON.
pub(super) fn content_type(_: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    let content_type = observed
        .exchange
        .header("content-type")
        .unwrap_or("(absent)");
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(Mismatch::new("application/json", content_type))
    }
}

/// The body is a JSON object.
pub(super) fn json_body(_: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    match observed.body {
        Some(body) if body.is_object() => Ok(()),
        _ => {
            let exchange = observed.exchange;
            let text = String::from_utf8_lossy(&exchange.body);
            let shown: String = text.chars().take(120).collect();
            let actual = if exchange.truncated {
                format!(
                    "a body longer than {} bytes, not read further: {shown:?}",
                    exchange.body.len()
                )
            } else if std::str::from_utf8(&exchange.body).is_err() {
                format!("bytes that are not UTF-8: {shown:?}")
            } else {
                format!("{shown:?}")
            };
            Err(Mismatch::new("a JSON object", actual))
        }
    }
}

/// What strict JSON is, as a finding says it.
const STRICT_JSON: &str = "strict JSON: UTF-8 without a byte-order mark, one value, no member name twice (RFC 8259, I-JSON RFC 7493)";

/// The body is strict JSON. A body that is not JSON even when read leniently is
/// `json-body`'s (so is an empty one): one broken rule, one finding.
pub(super) fn strict_json(_: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    if observed.body.is_none() {
        return Ok(());
    }
    observed
        .exchange
        .strict_json()
        .map_err(|violation| Mismatch::new(STRICT_JSON, violation.to_string()))
}

/// The finding of [`CheckId::StrictJson`] on the polls of the timing case `case`: the
/// first poll whose body is not strict JSON, if any.
pub fn strict_json_of_polls(case: &str, polls: &[Poll]) -> Option<Finding> {
    let (index, violation) = polls
        .iter()
        .enumerate()
        .find_map(|(index, poll)| Some((index, poll.json_violation.as_ref()?)))?;
    Some(Finding {
        case: case.to_owned(),
        check: CheckId::StrictJson,
        expected: STRICT_JSON.to_owned(),
        actual: format!("poll {} of {}: {violation}", index + 1, polls.len()),
    })
}

/// RequestId is present and agrees with its header.
pub(super) fn request_id_agrees(_: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    if observed.body.is_none() {
        return Ok(());
    }
    let Some(id) = request_id(observed) else {
        return Err(Mismatch::new("a RequestId", "none"));
    };
    match observed.exchange.header(REQUEST_ID_HEADER) {
        Some(header) if header != id => Err(Mismatch::new(
            format!("{REQUEST_ID_HEADER}: {id}"),
            format!("{REQUEST_ID_HEADER}: {header}"),
        )),
        _ => Ok(()),
    }
}

/// A throttled answer's retry hint, if it gives one, can be read. How long it asks for is
/// the service's to say (open question `throttling`): a client waits at most its own budget.
pub(super) fn retry_hint(contract: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    let throttled = contract.errors().status_of(ErrorCode::ResourceThrottled);
    if observed.exchange.status != throttled {
        return Ok(());
    }
    match read_retry_hint(&observed.exchange.headers) {
        RetryHint::Absent | RetryHint::After(_) => Ok(()),
        RetryHint::Unreadable { header, value } => Err(Mismatch::new(
            format!(
                "no retry hint, or {RETRY_AFTER_HEADER} in milliseconds or Retry-After in seconds or an HTTP date"
            ),
            format!("{header}: {value:?}"),
        )),
    }
}

/// The answer came within its bound.
pub(super) fn time_bound(_: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    let elapsed = observed.exchange.elapsed;
    if elapsed <= observed.time_bound {
        Ok(())
    } else {
        Err(Mismatch::new(
            format!("within {:?}", observed.time_bound),
            format!("after {elapsed:?}"),
        ))
    }
}

fn request_id<'a>(observed: &Observed<'a>) -> Option<&'a str> {
    observed
        .body?
        .get("RequestId")?
        .as_str()
        .filter(|id| !id.is_empty())
}

/// The findings of [`CheckId::RequestIdUnique`] over a run's answers, given as case id and
/// observed exchange, in case order.
pub fn unique_request_ids<'a>(observed: impl IntoIterator<Item = Observed<'a>>) -> Vec<Finding> {
    let mut first: HashMap<&str, &str> = HashMap::new();
    let mut findings = Vec::new();
    for observed in observed {
        let Some(id) = request_id(&observed) else {
            continue;
        };
        match first.get(id) {
            Some(earlier) => findings.push(Finding {
                case: observed.case.id.clone(),
                check: CheckId::RequestIdUnique,
                expected: "a RequestId no other answer has".to_owned(),
                actual: format!("{id}, also the RequestId of {earlier}"),
            }),
            None => {
                first.insert(id, &observed.case.id);
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::HeaderValue;
    use serde_json::Value;

    use super::super::CheckId;
    use super::super::Observed;
    use super::super::canned::*;
    use super::unique_request_ids;
    use crate::contract::ErrorCode;

    fn ok() -> (crate::cases::Case, crate::wire::Exchange) {
        (
            flow_not_exists(),
            exchange(
                404,
                &error_body("FlowNotExists", "Flow flow does not exist."),
            ),
        )
    }

    #[test]
    fn no_5xx_fails_on_a_server_error() {
        let exchange = exchange(
            500,
            &error_body(
                "InternalServerError",
                "An internal error has occurred. Please retry.",
            ),
        );
        let failing = failing(&flow_not_exists(), &exchange);
        assert!(failing.contains(&CheckId::No5xx), "{failing:?}");
    }

    #[test]
    fn content_type_fails_on_text() {
        let (case, mut exchange) = ok();
        exchange
            .headers
            .insert("content-type", HeaderValue::from_static("text/plain"));
        assert_eq!(failing(&case, &exchange), [CheckId::ContentTypeJson]);
        exchange.headers.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert_eq!(failing(&case, &exchange), Vec::<CheckId>::new());
    }

    #[test]
    fn json_body_fails_on_html() {
        let (case, mut exchange) = ok();
        exchange.body = "<html>oops</html>".into();
        assert!(failing(&case, &exchange).contains(&CheckId::JsonBody));
    }

    #[test]
    fn strict_json_is_the_one_finding_of_a_body_only_strictness_breaks() {
        let (case, exchange) = ok();
        let text = String::from_utf8(exchange.body.to_vec()).unwrap();
        let duplicated = text.replacen('{', "{\"RequestId\":\"other\",", 1);
        for (body, shown) in [
            (format!("\u{FEFF}{text}").into_bytes(), "byte-order mark"),
            (
                format!("{text}\n{{}}").into_bytes(),
                "data after the JSON value",
            ),
            (duplicated.into_bytes(), "\"RequestId\" twice"),
        ] {
            let mut broken = exchange.clone();
            broken.body = body.into();
            let findings = findings(&case, &broken);
            assert_eq!(findings.len(), 1, "{shown}: {findings:?}");
            assert_eq!(findings[0].check, CheckId::StrictJson);
            assert!(findings[0].actual.contains(shown), "{}", findings[0].actual);
        }
        // Latin-1 é in a body labelled UTF-8.
        let mut latin1 = exchange.clone();
        latin1.headers.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        let at = text.find("\"h\"").unwrap() + 1;
        let mut bytes = text.into_bytes();
        bytes.splice(at..at + 1, *b"caf\xE9");
        latin1.body = bytes.into();
        let findings = findings(&case, &latin1);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].actual.contains("0xE9"),
            "{}",
            findings[0].actual
        );
    }

    #[test]
    fn strict_json_passes_pretty_and_escaped_json() {
        let (case, mut exchange) = ok();
        let body: Value = serde_json::from_slice(&exchange.body).unwrap();
        exchange.body = format!("{}\n", serde_json::to_string_pretty(&body).unwrap()).into();
        assert_eq!(failing(&case, &exchange), Vec::<CheckId>::new());
        exchange.body = br#"{"RequestId":"r-1","HostId":"h\/\u00e9\ud83d\ude00","Code":"FlowNotExists","Message":"Flow flow does not exist."}"#[..].into();
        assert_eq!(failing(&case, &exchange), Vec::<CheckId>::new());
        // Empty: json-body's (and the outcome's), never strict-json's.
        exchange.body = "".into();
        assert!(!failing(&case, &exchange).contains(&CheckId::StrictJson));
        assert!(failing(&case, &exchange).contains(&CheckId::JsonBody));
    }

    #[test]
    fn strict_json_of_polls_names_the_first_broken_poll() {
        use crate::checks::timing::Poll;
        use crate::wire::json::JsonViolation;
        let poll = |violation: Option<JsonViolation>| Poll {
            wait: Some(0),
            sent: Duration::ZERO,
            elapsed: Duration::ZERO,
            status: 200,
            body: None,
            json_violation: violation,
        };
        assert_eq!(super::strict_json_of_polls("t", &[poll(None)]), None);
        let finding = super::strict_json_of_polls(
            "t",
            &[
                poll(None),
                poll(Some(JsonViolation::ByteOrderMark)),
                poll(None),
            ],
        )
        .unwrap();
        assert_eq!(finding.check, CheckId::StrictJson);
        assert!(
            finding.actual.starts_with("poll 2 of 3: a byte-order mark"),
            "{}",
            finding.actual
        );
    }

    #[test]
    fn request_id_fails_when_absent_or_disagreeing() {
        let (case, mut exchange) = ok();
        exchange
            .headers
            .insert("x-acs-request-id", HeaderValue::from_static("other"));
        assert_eq!(failing(&case, &exchange), [CheckId::RequestId]);
        let mut body = error_body("FlowNotExists", "Flow flow does not exist.");
        body.as_object_mut().unwrap().remove("RequestId");
        let without = super::super::canned::exchange(404, &body);
        assert!(failing(&case, &without).contains(&CheckId::RequestId));
    }

    #[test]
    fn retry_hint_fails_on_an_unreadable_hint_of_a_throttled_answer() {
        let case = case(vec![crate::cases::Outcome::error(
            ErrorCode::ResourceThrottled,
            &[],
        )]);
        let throttled = documented_error(ErrorCode::ResourceThrottled);
        assert_eq!(failing(&case, &throttled), Vec::<CheckId>::new());
        for (header, value, fails) in [
            ("x-acs-retry-after", "200", false),
            ("retry-after", "2", false),
            ("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT", false),
            ("x-acs-retry-after", "soon", true),
            ("x-acs-retry-after", "0.2", true),
            // Long, but readable: how long is the service's to say.
            ("x-acs-retry-after", "86400000000", false),
            ("retry-after", "in a bit", true),
        ] {
            let mut hinted = throttled.clone();
            hinted
                .headers
                .insert(header, HeaderValue::from_str(value).unwrap());
            let expected: &[CheckId] = if fails { &[CheckId::RetryHint] } else { &[] };
            assert_eq!(failing(&case, &hinted), expected, "{header}: {value}");
        }
        // Only a throttled answer's hint is held to the rule.
        let (case, mut other) = ok();
        other
            .headers
            .insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(failing(&case, &other), Vec::<CheckId>::new());
    }

    #[test]
    fn time_bound_fails_when_late() {
        let (case, mut exchange) = ok();
        exchange.elapsed = Duration::from_secs(6);
        assert_eq!(failing(&case, &exchange), [CheckId::TimeBound]);
    }

    #[test]
    fn unique_request_ids_fails_on_a_repeat() {
        let (case, exchange) = ok();
        let body: Value = serde_json::from_slice(&exchange.body).unwrap();
        let observed = || Observed {
            case: &case,
            exchange: &exchange,
            body: Some(&body),
            sent_time: "",
            time_bound: Duration::from_secs(5),
        };
        assert_eq!(unique_request_ids([observed()]), vec![]);
        let findings = unique_request_ids([observed(), observed()]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].check, CheckId::RequestIdUnique);
    }
}
