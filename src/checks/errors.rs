//! The error checks: the Code is an expected one, its HTTP status is the table's, and the
//! Message is its template rendered with the request's values.

use super::{Mismatch, Observed};
use crate::cases::{Expected, Outcome};
use crate::contract::{Contract, ErrorCode, describe_outcomes, open_note};

fn allowed(contract: &Contract, observed: &Observed<'_>) -> String {
    format!(
        "{}{}",
        describe_outcomes(&observed.case.expect, contract),
        open_note(&observed.case.questions)
    )
}

fn actual(observed: &Observed<'_>) -> String {
    match observed.code() {
        Some(code) => format!("{} {code}", observed.exchange.status.as_u16()),
        None => format!("{}", observed.exchange.status.as_u16()),
    }
}

/// The answer is one the contract allows for the case.
pub(super) fn expected_outcome(
    contract: &Contract,
    observed: &Observed<'_>,
) -> Result<(), Mismatch> {
    // A Code of the gateway's families counts as the documented code it stands for:
    // `error-family` reports the deviation, once.
    let family = observed
        .code()
        .and_then(|code| contract.errors().gateway_family(code));
    let code = family.map(ErrorCode::as_str).or(observed.code());
    let matched = observed.case.expect.iter().any(|outcome| match outcome {
        Outcome::Success { .. } => observed.is_success(),
        Outcome::Error { code: expected, .. } => {
            !observed.is_success() && code == Some(expected.as_str())
        }
        Outcome::AnyError => {
            !observed.is_success()
                && code
                    .and_then(|code| contract.errors().lookup(code))
                    .is_some_and(|row| row.describe_execution)
        }
    });
    if matched {
        Ok(())
    } else {
        Err(Mismatch::new(allowed(contract, observed), actual(observed)))
    }
}

/// The Code is a documented one, not one of the API gateway's own families that stands
/// for it (`Throttling.User` for ResourceThrottled).
pub(super) fn error_family(contract: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    let Some(code) = observed.code() else {
        return Ok(());
    };
    match contract.errors().gateway_family(code) {
        Some(documented) if !observed.is_success() => Err(Mismatch::new(
            format!(
                "{} {documented} (the documented code)",
                contract.errors().status_of(documented).as_u16()
            ),
            format!(
                "{} {code} (the API gateway's family)",
                observed.exchange.status.as_u16()
            ),
        )),
        _ => Ok(()),
    }
}

/// The HTTP status is the one the error table gives for the returned Code.
pub(super) fn status_matches_code(
    contract: &Contract,
    observed: &Observed<'_>,
) -> Result<(), Mismatch> {
    let Some(code) = observed.code() else {
        return Ok(());
    };
    let Some(row) = contract.errors().lookup(code) else {
        // A Code the table does not have: expected-outcome reports it.
        return Ok(());
    };
    if observed.exchange.status == row.status {
        Ok(())
    } else {
        Err(Mismatch::new(
            format!("{} {code}", row.status.as_u16()),
            format!("{} {code}", observed.exchange.status.as_u16()),
        ))
    }
}

/// The Message is the Code's template with the request's values.
pub(super) fn message_template(
    contract: &Contract,
    observed: &Observed<'_>,
) -> Result<(), Mismatch> {
    let (Some(code), Some(message)) = (
        observed.code(),
        observed
            .body
            .and_then(|body| body.get("Message"))
            .and_then(|message| message.as_str()),
    ) else {
        return Ok(());
    };
    let Some(row) = contract.errors().lookup(code) else {
        return Ok(());
    };
    let Some(values) = row.captures(message) else {
        return Err(Mismatch::new(
            format!("{code}: {:?}", row.message.text()),
            format!("{message:?}"),
        ));
    };
    // Every expected rendering of this Code: one of them must fit.
    let wanted: Vec<&Vec<Expected>> = observed
        .case
        .expect
        .iter()
        .filter_map(|outcome| match outcome {
            Outcome::Error {
                code: expected,
                values,
            } if expected.as_str() == code => Some(values),
            _ => None,
        })
        .collect();
    let Some(first) = wanted.first().copied() else {
        // Not an expected Code (or one only AnyError allows): expected-outcome reports it;
        // the form of its message is fine.
        return Ok(());
    };
    let fits = |wanted: &Vec<Expected>| {
        wanted.len() == values.len()
            && wanted
                .iter()
                .zip(&values)
                .all(|(wanted, value)| match wanted {
                    Expected::Text(text) => text == value,
                    Expected::SentTime => value == observed.sent_time,
                    Expected::Any => true,
                })
    };
    if wanted.iter().any(|wanted| fits(wanted)) {
        return Ok(());
    }
    let wanted = first;
    let shown: Vec<String> = wanted
        .iter()
        .map(|wanted| match wanted {
            Expected::Text(text) => text.clone(),
            Expected::SentTime => observed.sent_time.to_owned(),
            Expected::Any => "…".to_owned(),
        })
        .collect();
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    Err(Mismatch::new(
        format!(
            "{:?}",
            row.render(&shown)
                .unwrap_or_else(|_| row.message.text().to_owned())
        ),
        format!("{message:?}"),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::CheckId;
    use super::super::canned::*;
    use crate::cases::{Expected, Outcome};
    use crate::contract::ErrorCode;

    #[test]
    fn a_conformant_error_passes_every_check() {
        let exchange = exchange(
            404,
            &error_body("FlowNotExists", "Flow flow does not exist."),
        );
        assert_eq!(
            failing(&flow_not_exists(), &exchange),
            Vec::<CheckId>::new()
        );
    }

    #[test]
    fn expected_outcome_fails_on_another_code_or_a_success() {
        let exchange = exchange(400, &error_body("InvalidArgument", "Parameter error."));
        assert_eq!(
            failing(&flow_not_exists(), &exchange),
            [CheckId::ExpectedOutcome]
        );
        let success = super::super::canned::exchange(200, &success_body());
        assert!(failing(&flow_not_exists(), &success).contains(&CheckId::ExpectedOutcome));
        let error = super::super::canned::exchange(
            404,
            &error_body("FlowNotExists", "Flow flow does not exist."),
        );
        assert!(failing(&success_case(), &error).contains(&CheckId::ExpectedOutcome));
    }

    #[test]
    fn status_matches_code_fails_on_the_wrong_status() {
        let exchange = exchange(
            400,
            &error_body("FlowNotExists", "Flow flow does not exist."),
        );
        let findings = findings(&flow_not_exists(), &exchange);
        let finding = findings
            .iter()
            .find(|f| f.check == CheckId::StatusMatchesCode)
            .expect("a finding");
        assert_eq!(
            (finding.expected.as_str(), finding.actual.as_str()),
            ("404 FlowNotExists", "400 FlowNotExists")
        );
    }

    #[test]
    fn message_template_fails_on_another_form_or_other_values() {
        let other_form = exchange(
            404,
            &error_body("FlowNotExists", "The flow does not exist."),
        );
        assert_eq!(
            failing(&flow_not_exists(), &other_form),
            [CheckId::MessageTemplate]
        );
        let other_value = exchange(
            404,
            &error_body("FlowNotExists", "Flow other does not exist."),
        );
        assert_eq!(
            failing(&flow_not_exists(), &other_value),
            [CheckId::MessageTemplate]
        );
    }

    #[test]
    fn message_values_may_be_the_sent_time_or_anything() {
        let case = case(vec![Outcome::Error {
            code: ErrorCode::RequestTimeTooSkewed,
            values: vec![Expected::SentTime, Expected::Any],
        }]);
        let good = "The difference between the request time 2024-01-01T00:00:00Z and the current time 2024-01-01T01:00:00Z is too large.";
        assert_eq!(
            failing(
                &case,
                &exchange(403, &error_body("RequestTimeTooSkewed", good))
            ),
            Vec::<CheckId>::new()
        );
        let wrong_time = good.replace("2024-01-01T00:00:00Z and", "2023-01-01T00:00:00Z and");
        assert_eq!(
            failing(
                &case,
                &exchange(403, &error_body("RequestTimeTooSkewed", &wrong_time))
            ),
            [CheckId::MessageTemplate]
        );
    }

    #[test]
    fn any_expected_rendering_of_the_code_fits() {
        let case = case(vec![
            Outcome::error(ErrorCode::MissingRequiredParams, &["FlowName"]),
            Outcome::error(ErrorCode::MissingRequiredParams, &["ExecutionName"]),
        ]);
        let naming = |name: &str| {
            exchange(
                400,
                &error_body(
                    "MissingRequiredParams",
                    &format!("The HTTP query '{name}' must be specified."),
                ),
            )
        };
        assert_eq!(
            failing(&case, &naming("ExecutionName")),
            Vec::<CheckId>::new()
        );
        assert_eq!(failing(&case, &naming("FlowName")), Vec::<CheckId>::new());
        assert_eq!(
            failing(&case, &naming("Version")),
            [CheckId::MessageTemplate]
        );
    }

    #[test]
    fn a_finding_names_the_open_questions_of_its_case() {
        let mut case = case(vec![Outcome::AnyError]);
        case.questions = vec![crate::contract::OpenQuestion::RepeatedParameter];
        let findings = findings(&case, &exchange(200, &success_body()));
        let finding = findings
            .iter()
            .find(|finding| finding.check == CheckId::ExpectedOutcome)
            .expect("a finding");
        assert_eq!(
            finding.expected,
            "any documented error (open: repeated-parameter)"
        );
    }

    #[test]
    fn any_error_takes_every_code_of_the_table_and_nothing_else() {
        let case = case(vec![Outcome::AnyError]);
        let forbidden = exchange(
            403,
            &error_body(
                "SignatureNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your access key and signing method.",
            ),
        );
        assert_eq!(failing(&case, &forbidden), Vec::<CheckId>::new());
        let unknown = exchange(400, &error_body("Whatever", "x"));
        assert_eq!(failing(&case, &unknown), [CheckId::ExpectedOutcome]);
        let off_template = exchange(400, &error_body("InvalidArgument", "Bad."));
        assert_eq!(failing(&case, &off_template), [CheckId::MessageTemplate]);
        let success = exchange(200, &success_body());
        assert!(failing(&case, &success).contains(&CheckId::ExpectedOutcome));
    }

    #[test]
    fn a_gateway_family_is_reported_by_error_family_alone() {
        let case = case(vec![Outcome::error(ErrorCode::ResourceThrottled, &[])]);
        let gateway = exchange(
            429,
            &error_body(
                "Throttling.User",
                "Request was denied due to user flow control.",
            ),
        );
        assert_eq!(failing(&case, &gateway), [CheckId::ErrorFamily]);
        let documented = documented_error(ErrorCode::ResourceThrottled);
        assert_eq!(failing(&case, &documented), Vec::<CheckId>::new());
        // Where the documented code is not expected either, both say so.
        let unexpected = failing(&flow_not_exists(), &gateway);
        assert_eq!(unexpected, [CheckId::ExpectedOutcome, CheckId::ErrorFamily]);
    }

    #[test]
    fn unknown_codes_are_reported_once() {
        let exchange = exchange(
            404,
            &json!({"RequestId": "r", "Code": "NoSuchThing", "Message": "x"}),
        );
        assert_eq!(
            failing(&flow_not_exists(), &exchange),
            [CheckId::ExpectedOutcome]
        );
    }

    #[test]
    fn a_gateway_code_is_an_error_family_not_a_wrong_answer() {
        let case = case(vec![Outcome::error(ErrorCode::SignatureNotMatch, &[])]);
        let gateway = exchange(
            400,
            &error_body(
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            ),
        );
        assert_eq!(failing(&case, &gateway), [CheckId::ErrorFamily]);
        // A gateway Code that stands for another documented Code is a wrong answer too.
        let expired = exchange(
            400,
            &error_body(
                "InvalidTimeStamp.Expired",
                "Specified time stamp or date value is expired.",
            ),
        );
        assert_eq!(
            failing(&case, &expired),
            [CheckId::ExpectedOutcome, CheckId::ErrorFamily]
        );
        // Never on a success.
        let success = exchange(200, &success_body());
        assert!(!failing(&success_case(), &success).contains(&CheckId::ErrorFamily));
    }
}
