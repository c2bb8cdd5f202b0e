//! The compiled contract against the seed's rules, at every boundary.

use conformance::contract::{BodyKind, Contract, ErrorCode, NameRule, ParamFault};
use proptest::prelude::*;
use serde_json::{Value, json};

fn contract() -> &'static Contract {
    Contract::embedded()
}

fn seed_success() -> Value {
    serde_json::from_str(include_str!("../fixtures/bodies/seed-success.json")).unwrap()
}

/// The name rules a name breaks, through the compiled schema.
fn broken(name: &str) -> Vec<NameRule> {
    contract().names().broken_rules(name)
}

// ---- names -------------------------------------------------------------------------------

#[test]
fn name_length_bounds() {
    assert_eq!(broken(""), [NameRule::Length, NameRule::FirstCharacter]);
    assert_eq!(broken("a"), []);
    assert_eq!(broken(&"a".repeat(128)), []);
    assert_eq!(broken(&"a".repeat(129)), [NameRule::Length]);
    assert_eq!(broken(&format!("_{}", "9".repeat(127))), []);
    assert_eq!(broken(&format!("_{}", "9".repeat(128))), [NameRule::Length]);
}

#[test]
fn name_rules_are_read_from_the_schema() {
    let rules = contract().names().rules();
    assert_eq!((rules.min_length, rules.max_length), (1, 128));
}

#[test]
fn name_first_character() {
    assert_eq!(broken("flow"), []);
    assert_eq!(broken("Flow"), []);
    assert_eq!(broken("_flow"), []);
    assert_eq!(broken("1flow"), [NameRule::FirstCharacter]);
    assert_eq!(broken("-flow"), [NameRule::FirstCharacter]);
    assert_eq!(broken("9"), [NameRule::FirstCharacter]);
}

#[test]
fn name_allowed_character_classes() {
    for name in [
        "abcxyz",
        "ABCXYZ",
        "a0123456789",
        "a_b",
        "a-b",
        "a__--",
        "_",
        "Z",
    ] {
        assert_eq!(broken(name), [], "{name:?} should be valid");
    }
}

#[test]
fn name_disallowed_characters() {
    let disallowed = [
        " ", ".", "/", "%", "*", ":", "'", "\"", "<", ">", "+", "=", "&", "?", "#", "\\", "@",
        "\t", "\n", "\r", "\0", "\u{7f}", "é", "ß", "中", "😀", "\u{200b}", "Ａ", "а",
    ];
    for bad in disallowed {
        let name = format!("a{bad}b");
        assert_eq!(
            broken(&name),
            [NameRule::Characters],
            "{name:?} should break characters"
        );
        assert!(!contract().names().is_valid(&name));
    }
    assert_eq!(
        broken(" flow"),
        [NameRule::FirstCharacter, NameRule::Characters]
    );
    assert_eq!(broken("flow "), [NameRule::Characters]);
    assert_eq!(
        broken("flow\n"),
        [NameRule::Characters],
        "a trailing newline is not allowed"
    );
}

#[test]
fn non_ascii_names_count_characters_not_bytes() {
    // 128 two-byte characters: the length rule holds, the character rule does not.
    assert_eq!(
        broken(&"é".repeat(128)),
        [NameRule::FirstCharacter, NameRule::Characters]
    );
}

proptest! {
    #[test]
    fn every_name_of_the_documented_form_is_valid(name in "[A-Za-z_][A-Za-z0-9_-]{0,127}") {
        prop_assert!(contract().names().is_valid(&name));
    }

    #[test]
    fn a_name_with_any_other_character_is_invalid(
        prefix in "[A-Za-z_][A-Za-z0-9_-]{0,20}",
        bad in any::<char>().prop_filter("not allowed", |c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-')),
    ) {
        let name = format!("{prefix}{bad}");
        prop_assert_eq!(broken(&name), vec![NameRule::Characters]);
    }
}

// ---- the request as a whole --------------------------------------------------------------

fn faults(params: &[(&str, &str)]) -> Vec<(String, ParamFault)> {
    contract()
        .request()
        .validate(params.iter().copied())
        .into_iter()
        .map(|violation| (violation.parameter, violation.fault))
        .collect()
}

fn rule_of(fault: &ParamFault) -> &str {
    match fault {
        ParamFault::Invalid { rule, .. } => rule,
        other => panic!("expected an invalid value, got {other:?}"),
    }
}

#[test]
fn wait_time_seconds_bounds() {
    let base = [("FlowName", "flow"), ("ExecutionName", "exec")];
    let with_wait = |wait: &str| {
        let mut params = base.to_vec();
        params.push(("WaitTimeSeconds", wait));
        faults(&params)
    };
    assert_eq!(faults(&base), []);
    for valid in ["0", "1", "20", "59", "60"] {
        assert_eq!(with_wait(valid), [], "WaitTimeSeconds={valid}");
    }
    for (invalid, rule) in [
        ("-1", "minimum"),
        ("61", "maximum"),
        ("2147483648", "maximum"),
        ("9223372036854775808", "maximum"),
        ("99999999999999999999999", "maximum"),
    ] {
        let found = with_wait(invalid);
        assert_eq!(found.len(), 1, "WaitTimeSeconds={invalid}: {found:?}");
        assert_eq!(rule_of(&found[0].1), rule, "WaitTimeSeconds={invalid}");
    }
    assert_eq!(contract().wait_time_seconds(), 0..=60);
}

#[test]
fn wait_time_seconds_must_be_integer_text() {
    for text in [
        "", "1.5", "1e1", "+5", " 5", "5 ", "0x10", "05", "twenty", "1_0", "٣",
    ] {
        let found = faults(&[
            ("FlowName", "f"),
            ("ExecutionName", "e"),
            ("WaitTimeSeconds", text),
        ]);
        assert_eq!(found.len(), 1, "WaitTimeSeconds={text:?}: {found:?}");
        assert_eq!(found[0].0, "WaitTimeSeconds");
        assert_eq!(rule_of(&found[0].1), "type", "WaitTimeSeconds={text:?}");
        assert_eq!(found[0].1.error_code(), Some(ErrorCode::InvalidArgument));
    }
}

#[test]
fn missing_parameters_are_named_in_schema_order() {
    assert_eq!(
        faults(&[]),
        [
            ("FlowName".to_owned(), ParamFault::Missing),
            ("ExecutionName".to_owned(), ParamFault::Missing),
        ]
    );
    assert_eq!(
        faults(&[("FlowName", "f")]),
        [("ExecutionName".to_owned(), ParamFault::Missing)]
    );
    assert_eq!(
        ParamFault::Missing.error_code(),
        Some(ErrorCode::MissingRequiredParams)
    );
}

#[test]
fn an_empty_name_is_invalid_not_missing() {
    let found = faults(&[("FlowName", ""), ("ExecutionName", "e")]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|(name, fault)| name == "FlowName"
        && fault.error_code() == Some(ErrorCode::InvalidArgument)));
}

#[test]
fn names_are_validated_as_names() {
    let found = faults(&[("FlowName", "1flow"), ("ExecutionName", "ex.ec")]);
    let rules: Vec<_> = found
        .iter()
        .map(|(name, fault)| (name.as_str(), rule_of(fault)))
        .collect();
    assert_eq!(
        rules,
        [
            ("FlowName", "first-character"),
            ("ExecutionName", "characters")
        ]
    );
}

#[test]
fn repeated_and_unknown_parameters() {
    let found = faults(&[
        ("FlowName", "f"),
        ("ExecutionName", "e"),
        ("FlowName", "g"),
        ("Action", "DescribeExecution"),
    ]);
    assert_eq!(found, [("FlowName".to_owned(), ParamFault::Repeated)]);
    assert_eq!(ParamFault::Repeated.error_code(), None);
}

// ---- bodies ------------------------------------------------------------------------------

fn success_violations(body: &Value) -> Vec<String> {
    contract()
        .bodies()
        .validate(BodyKind::Success, body)
        .into_iter()
        .map(|violation| format!("{} {}", violation.instance_path, violation.keyword))
        .collect()
}

#[test]
fn the_seed_sample_success_body_validates() {
    assert_eq!(success_violations(&seed_success()), Vec::<String>::new());
}

#[test]
fn success_body_requires_its_fields() {
    for field in [
        "RequestId",
        "Status",
        "FlowName",
        "Name",
        "StartedTime",
        "FlowDefinition",
    ] {
        let mut body = seed_success();
        body.as_object_mut().unwrap().remove(field);
        assert_eq!(success_violations(&body), [" required"], "without {field}");
    }
}

#[test]
fn success_body_field_types() {
    for field in [
        "Status",
        "StoppedTime",
        "RequestId",
        "StartedTime",
        "FlowDefinition",
        "Output",
        "FlowName",
        "Name",
        "Input",
    ] {
        let mut body = seed_success();
        body[field] = json!(7);
        assert!(
            success_violations(&body)
                .iter()
                .any(|v| v.starts_with(&format!("/{field} "))),
            "{field} as a number must be rejected"
        );
    }
}

#[test]
fn status_is_the_six_value_enum() {
    let statuses = contract().bodies().statuses();
    assert_eq!(
        statuses,
        [
            "Starting",
            "Running",
            "Stopped",
            "Succeeded",
            "Failed",
            "TimedOut"
        ]
    );
    for bad in ["succeeded", "SUCCEEDED", "Success", "Cancelled", ""] {
        let mut body = seed_success();
        body["Status"] = json!(bad);
        assert_eq!(
            success_violations(&body),
            ["/Status enum"],
            "Status {bad:?}"
        );
    }
}

#[test]
fn stopped_time_is_set_exactly_when_terminal() {
    for status in ["Stopped", "Succeeded", "Failed", "TimedOut"] {
        assert!(contract().bodies().is_terminal(status));
        let mut body = seed_success();
        body["Status"] = json!(status);
        assert_eq!(success_violations(&body), Vec::<String>::new(), "{status}");
        // Unset in any of the three ways (unset-fields) is not enough for an ended execution.
        for unset in [json!(null), json!("")] {
            body["StoppedTime"] = unset.clone();
            assert!(
                !success_violations(&body).is_empty(),
                "{status} with StoppedTime {unset}"
            );
        }
        body.as_object_mut().unwrap().remove("StoppedTime");
        assert_eq!(
            success_violations(&body),
            [" required"],
            "{status} without StoppedTime"
        );
    }
    for status in ["Starting", "Running"] {
        assert!(!contract().bodies().is_terminal(status));
        let mut body = seed_success();
        body["Status"] = json!(status);
        assert!(
            !success_violations(&body).is_empty(),
            "{status} with StoppedTime"
        );
        for unset in [json!(null), json!("")] {
            body["StoppedTime"] = unset.clone();
            assert_eq!(
                success_violations(&body),
                Vec::<String>::new(),
                "{status} with StoppedTime {unset}"
            );
        }
        body.as_object_mut().unwrap().remove("StoppedTime");
        assert_eq!(
            success_violations(&body),
            Vec::<String>::new(),
            "{status} without"
        );
    }
}

#[test]
fn timestamps_are_rfc3339_utc_with_any_fraction() {
    for good in [
        "2019-01-01T01:01:01.001Z",
        "2026-12-31T23:59:59.999Z",
        "2019-01-01T01:01:01Z",
        "2019-01-01T01:01:01.1Z",
        "2019-01-01T01:01:01.001000Z",
    ] {
        let mut body = seed_success();
        body["StartedTime"] = json!(good);
        assert_eq!(success_violations(&body), Vec::<String>::new(), "{good}");
    }
    for bad in [
        "2019-01-01T01:01:01.001+08:00",
        "2019-01-01 01:01:01.001Z",
        "2019-13-01T01:01:01.001Z",
        "2019-01-01T01:01:01.001z",
        "2019-01-01T01:01:01.Z",
        "1546304461001",
        "",
    ] {
        let mut body = seed_success();
        body["StartedTime"] = json!(bad);
        assert!(
            !success_violations(&body).is_empty(),
            "StartedTime {bad:?} must be rejected"
        );
    }
}

#[test]
fn input_and_output_hold_json_or_are_unset() {
    for good in [
        "{}",
        "{\"key\":\"value\"}",
        "[1,2]",
        "\"text\"",
        "null",
        "3",
        "",
    ] {
        let mut body = seed_success();
        body["Input"] = json!(good);
        body["Output"] = json!(good);
        assert_eq!(success_violations(&body), Vec::<String>::new(), "{good}");
    }
    let mut body = seed_success();
    body["Output"] = json!(null);
    assert_eq!(
        success_violations(&body),
        Vec::<String>::new(),
        "null Output"
    );
    for bad in ["{", "{key: 1}", "text", "{\"a\":1}x", " "] {
        let mut body = seed_success();
        body["Output"] = json!(bad);
        assert!(!success_violations(&body).is_empty(), "Output {bad:?}");
    }
    let mut body = seed_success();
    body["Output"] = json!({"key": "value"});
    assert!(!success_violations(&body).is_empty(), "Output as an object");
}

#[test]
fn unknown_fields_and_the_sdk_environment_are_tolerated() {
    let mut body = seed_success();
    body["Environment"] = json!({"Variables": [{"Name": "k", "Value": "v"}]});
    body["SomethingNew"] = json!({"x": 1});
    assert_eq!(success_violations(&body), Vec::<String>::new());
    body["Environment"] = json!("not an object");
    assert_eq!(success_violations(&body), ["/Environment type"]);
}

#[test]
fn error_body_schema() {
    let bodies = contract().bodies();
    let ok =
        json!({"RequestId": "r", "Code": "FlowNotExists", "Message": "Flow f does not exist."});
    assert!(bodies.validate(BodyKind::Error, &ok).is_empty());
    let mut full = ok.clone();
    full["HostId"] = json!("cn-hangzhou.fnf.aliyuncs.com");
    full["Recommend"] = json!("https://example.invalid/diagnose");
    full["AccessDeniedDetail"] = json!({"x": 1});
    assert!(bodies.validate(BodyKind::Error, &full).is_empty());
    for field in ["RequestId", "Code", "Message"] {
        let mut body = ok.clone();
        body.as_object_mut().unwrap().remove(field);
        assert_eq!(
            bodies.validate(BodyKind::Error, &body).len(),
            1,
            "without {field}"
        );
    }
    let mut body = ok;
    body["HostId"] = json!(1);
    assert_eq!(
        bodies.validate(BodyKind::Error, &body)[0].instance_path,
        "/HostId"
    );
    assert!(!bodies.validate(BodyKind::Error, &json!([])).is_empty());
}

// ---- the error-code table ----------------------------------------------------------------

#[test]
fn the_table_has_the_seeds_sixteen_rows_in_order() {
    let rows: Vec<(u16, &str)> = contract()
        .errors()
        .describe_execution()
        .map(|row| (row.status.as_u16(), row.code.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (400, "InvalidArgument"),
            (400, "MissingRequiredHeader"),
            (400, "MissingRequiredParams"),
            (400, "ActionNotSupported"),
            (400, "APIVersionNotSupported"),
            (400, "EntityTooLarge"),
            (403, "InvalidAccessKeyID"),
            (403, "RequestTimeTooSkewed"),
            (403, "SignatureNotMatch"),
            (403, "AccessDenied"),
            (404, "ExecutionNotExists"),
            (404, "FlowNotExists"),
            (412, "PreconditionFailed"),
            (415, "UnsupportedMediaType"),
            (429, "ResourceThrottled"),
            (500, "InternalServerError"),
        ]
    );
}

#[test]
fn every_code_has_its_status() {
    let errors = contract().errors();
    assert_eq!(errors.status_of(ErrorCode::FlowNotExists).as_u16(), 404);
    assert_eq!(errors.status_of(ErrorCode::FlowAlreadyExists).as_u16(), 409);
    assert_eq!(
        errors.status_of(ErrorCode::UnsupportedMediaType).as_u16(),
        415
    );
    assert_eq!(errors.rows().len(), ErrorCode::ALL.len());
    assert!(errors.lookup("NoSuchCode").is_none());
    assert_eq!(
        errors.lookup("AccessDenied").map(|row| row.status.as_u16()),
        Some(403)
    );
}

#[test]
fn a_rendered_message_matches_and_yields_its_values() {
    let row = contract().errors().get(ErrorCode::ExecutionNotExists);
    assert_eq!(row.placeholders, ["execution", "flow"]);
    let message = row.render(&["exec", "flow"]).unwrap();
    assert_eq!(message, "Execution exec for flow flow does not exist.");
    assert_eq!(
        row.captures(&message),
        Some(vec!["exec".to_owned(), "flow".to_owned()])
    );
    assert!(row.is_rendering_of(&message, &["exec", "flow"]));

    let skew = contract().errors().get(ErrorCode::RequestTimeTooSkewed);
    let message = skew
        .render(&["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"])
        .unwrap();
    assert_eq!(
        skew.captures(&message),
        Some(vec![
            "2024-01-01T00:00:00Z".to_owned(),
            "2024-01-01T01:00:00Z".to_owned()
        ])
    );
}

#[test]
fn a_wrong_message_does_not_match() {
    let row = contract().errors().get(ErrorCode::FlowNotExists);
    assert_eq!(
        row.captures("Flow f does not exist"),
        None,
        "missing full stop"
    );
    assert_eq!(row.captures("Execution e for flow f does not exist."), None);
    assert!(
        !row.is_rendering_of("Flow g does not exist.", &["f"]),
        "wrong value"
    );
    let params = contract().errors().get(ErrorCode::MissingRequiredParams);
    assert_eq!(
        params.captures("The HTTP query 'FlowName' must be specified."),
        Some(vec!["FlowName".to_owned()])
    );
    assert_eq!(
        params.captures("The HTTP header 'FlowName' must be specified."),
        None
    );
}

#[test]
fn documented_alternative_wordings_match() {
    let row = contract().errors().get(ErrorCode::SignatureNotMatch);
    assert!(row.is_rendering_of(
        "The calculated signature of the request does not match the signature you provided. Check your AccessKey Secret and signing algorithm.",
        &[]
    ));
    assert!(row.is_rendering_of(
        "The request signature we calculated does not match the signature you provided. Check your access key and signing method.",
        &[]
    ));
    assert!(!row.is_rendering_of("Signature mismatch.", &[]));
}

#[test]
fn every_row_renders_with_its_named_placeholders() {
    for row in contract().errors().rows() {
        let values: Vec<String> = row
            .placeholders
            .iter()
            .map(|name| format!("<{name}>"))
            .collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let message = row.render(&values).unwrap();
        assert!(row.is_rendering_of(&message, &values), "{}", row.code);
        assert_eq!(row.captures(&message).unwrap(), values, "{}", row.code);
    }
}

// ---- the set-up operations ---------------------------------------------------------------

fn operation_faults(operation: &str, params: &[(&str, &str)]) -> Vec<(String, Option<ErrorCode>)> {
    contract()
        .operation(operation)
        .unwrap_or_else(|| panic!("{operation} is in the contract"))
        .validate(params.iter().copied())
        .into_iter()
        .map(|violation| (violation.parameter, violation.fault.error_code()))
        .collect()
}

#[test]
fn the_contract_knows_the_set_up_operations_and_their_methods() {
    let operations: Vec<(&str, &str)> = contract()
        .operations()
        .iter()
        .map(|rules| (rules.operation(), rules.method().as_str()))
        .collect();
    assert_eq!(
        operations,
        [
            ("DescribeExecution", "GET"),
            ("CreateFlow", "POST"),
            ("DescribeFlow", "GET"),
            ("DeleteFlow", "POST"),
            ("StartExecution", "POST"),
            ("StopExecution", "POST"),
            ("ListExecutions", "GET"),
        ]
    );
    assert!(contract().operation("NoSuchAction").is_none());
}

#[test]
fn set_up_operations_follow_their_rules() {
    let invalid = Some(ErrorCode::InvalidArgument);
    let missing = Some(ErrorCode::MissingRequiredParams);
    let flow = [
        ("Name", "f"),
        ("Definition", "version: v1"),
        ("Description", ""),
        ("Type", "FDL"),
    ];
    assert_eq!(operation_faults("CreateFlow", &flow), []);
    assert_eq!(
        operation_faults("CreateFlow", &flow[..3]),
        [("Type".to_owned(), missing)]
    );
    let mut wrong_type = flow;
    wrong_type[3] = ("Type", "JSON");
    assert_eq!(
        operation_faults("CreateFlow", &wrong_type),
        [("Type".to_owned(), invalid)]
    );
    let mut bad_name = flow;
    bad_name[0] = ("Name", "1f");
    assert_eq!(
        operation_faults("CreateFlow", &bad_name),
        [("Name".to_owned(), invalid)]
    );

    assert_eq!(operation_faults("StartExecution", &[("FlowName", "f")]), []);
    assert_eq!(
        operation_faults(
            "StartExecution",
            &[("FlowName", "f"), ("Input", "{not json")]
        ),
        [("Input".to_owned(), invalid)]
    );
    for (limit, expected) in [
        ("1", vec![]),
        ("99", vec![]),
        ("0", vec![("Limit".to_owned(), invalid)]),
        ("100", vec![("Limit".to_owned(), invalid)]),
    ] {
        assert_eq!(
            operation_faults("ListExecutions", &[("FlowName", "f"), ("Limit", limit)]),
            expected,
            "Limit={limit}"
        );
    }
    assert_eq!(
        contract()
            .operation("ListExecutions")
            .unwrap()
            .integer_bounds("Limit"),
        Some(1..=99)
    );
}
