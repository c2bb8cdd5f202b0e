//! The body checks: error and success bodies match their schemas, and a success names the
//! flow and execution that were asked for.

use serde_json::Value;

use super::{Mismatch, Observed};
use crate::contract::{BodyKind, Contract};

/// A body of `kind` matches its schema (an answer of the other kind passes).
pub(super) fn schema(
    contract: &Contract,
    observed: &Observed<'_>,
    kind: BodyKind,
) -> Result<(), Mismatch> {
    if observed.is_success() != (kind == BodyKind::Success) {
        return Ok(());
    }
    // A body that is not JSON at all is json-body's finding.
    let Some(body) = observed.body else {
        return Ok(());
    };
    let violations = contract.bodies().validate(kind, body);
    match violations.first() {
        None => Ok(()),
        Some(_) => {
            let shown: Vec<String> = violations.iter().map(ToString::to_string).collect();
            let schema = match kind {
                BodyKind::Success => "the success body schema",
                BodyKind::Error => "the error body schema",
            };
            Err(Mismatch::new(schema, shown.join("; ")))
        }
    }
}

/// A success echoes the names asked for.
pub(super) fn echoed_names(_: &Contract, observed: &Observed<'_>) -> Result<(), Mismatch> {
    let (Some((flow, execution)), Some(body), true) = (
        observed.expected_success(),
        observed.body,
        observed.is_success(),
    ) else {
        return Ok(());
    };
    names_echoed(flow, execution, body)
}

/// A success body names `flow` and `execution` exactly: the rule of [`echoed_names`], which
/// the long polls' invariants hold too.
pub(super) fn names_echoed(flow: &str, execution: &str, body: &Value) -> Result<(), Mismatch> {
    let field = |name: &str| {
        body.get(name)
            .and_then(|value| value.as_str())
            .unwrap_or("(absent)")
    };
    if field("FlowName") == flow && field("Name") == execution {
        Ok(())
    } else {
        Err(Mismatch::new(
            format!("FlowName {flow:?}, Name {execution:?}"),
            format!("FlowName {:?}, Name {:?}", field("FlowName"), field("Name")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::CheckId;
    use super::super::canned::*;

    #[test]
    fn a_conformant_success_passes_every_check() {
        assert_eq!(
            failing(&success_case(), &exchange(200, &success_body())),
            Vec::<CheckId>::new()
        );
    }

    #[test]
    fn success_schema_fails_on_a_broken_body() {
        let mut body = success_body();
        body["Status"] = "Done".into();
        assert_eq!(
            failing(&success_case(), &exchange(200, &body)),
            [CheckId::SuccessSchema]
        );
        let mut body = success_body();
        body["StartedTime"] = "2019-01-01 01:01:01".into();
        assert_eq!(
            failing(&success_case(), &exchange(200, &body)),
            [CheckId::SuccessSchema]
        );
    }

    #[test]
    fn unset_fields_may_be_absent_null_or_empty() {
        for unset in [serde_json::Value::Null, "".into()] {
            let mut running = success_body();
            running["Status"] = "Running".into();
            running["StoppedTime"] = unset.clone();
            running["Output"] = unset.clone();
            assert_eq!(
                failing(&success_case(), &exchange(200, &running)),
                Vec::<CheckId>::new(),
                "{unset:?}"
            );
            // A terminal execution must have its StoppedTime set.
            let mut ended = success_body();
            ended["StoppedTime"] = unset;
            assert_eq!(
                failing(&success_case(), &exchange(200, &ended)),
                [CheckId::SuccessSchema]
            );
        }
        let mut running = success_body();
        running["Status"] = "Starting".into();
        assert_eq!(
            failing(&success_case(), &exchange(200, &running)),
            [CheckId::SuccessSchema],
            "a StoppedTime on an execution that has not ended"
        );
        let mut output = success_body();
        output["Output"] = "not json".into();
        assert_eq!(
            failing(&success_case(), &exchange(200, &output)),
            [CheckId::SuccessSchema]
        );
    }

    #[test]
    fn timestamps_may_have_any_fraction_and_bodies_unknown_fields() {
        for time in ["2019-01-01T01:01:02Z", "2019-01-01T01:01:02.123456Z"] {
            let mut body = success_body();
            body["StoppedTime"] = time.into();
            body["ExternalInputUri"] = "".into();
            assert_eq!(
                failing(&success_case(), &exchange(200, &body)),
                Vec::<CheckId>::new(),
                "{time}"
            );
        }
        let mut body = success_body();
        body["StoppedTime"] = "2019-01-01T01:01:02.123+08:00".into();
        assert_eq!(
            failing(&success_case(), &exchange(200, &body)),
            [CheckId::SuccessSchema]
        );
    }

    #[test]
    fn error_schema_fails_without_a_message() {
        let mut body = error_body("FlowNotExists", "Flow flow does not exist.");
        body.as_object_mut().unwrap().remove("Message");
        assert_eq!(
            failing(&flow_not_exists(), &exchange(404, &body)),
            [CheckId::ErrorSchema]
        );
    }

    #[test]
    fn echoed_names_fails_on_other_names() {
        let mut body = success_body();
        body["FlowName"] = "FLOW".into();
        let findings = findings(&success_case(), &exchange(200, &body));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].check, CheckId::EchoedNames);
        assert_eq!(findings[0].actual, "FlowName \"FLOW\", Name \"exec\"");
    }
}
