//! The errors a DescribeExecution may get whatever its parameters, on canned traffic.

use http::{HeaderValue, Method};
use serde_json::json;
use tokio::time::Instant;

use super::{answer, checks, judge, request, traffic};
use crate::checks::CheckId;
use crate::proxy::CapturedRequest;

/// What the proxy cannot rule out, a valid request may be answered: an auth error (it
/// cannot verify the signature or the clock), throttling, and, for a query of a flow it
/// did not see made, AccessDenied. Nothing else: the parameters' own errors are the
/// contract's.
#[test]
fn a_valid_request_may_be_refused_for_what_the_proxy_cannot_see() {
    let error =
        |code: &str, message: &str| json!({"RequestId": "r", "Code": code, "Message": message});
    let time = "The difference between the request time 2026-01-01T00:00:00Z and the current time 2026-01-01T01:00:00Z is too large.";
    let answers = [
        (
            403,
            error(
                "SignatureNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your access key and signing method.",
            ),
            None,
        ),
        (
            403,
            error("InvalidAccessKeyID", "The AccessKey ID testid is invalid."),
            None,
        ),
        (403, error("RequestTimeTooSkewed", time), None),
        (
            429,
            error(
                "ResourceThrottled",
                "The request is throttled. Please try again later.",
            ),
            None,
        ),
        (
            403,
            error("AccessDenied", "The resources doesn't belong to you."),
            None,
        ),
        (
            404,
            error(
                "ExecutionNotExists",
                "Execution E for flow F does not exist.",
            ),
            None,
        ),
        (
            400,
            error("InvalidArgument", "Parameter error."),
            Some(CheckId::ExpectedOutcome),
        ),
        (
            404,
            error("FlowNotExists", "Flow G does not exist."),
            Some(CheckId::MessageTemplate),
        ),
        (
            403,
            error(
                "RequestTimeTooSkewed",
                &time.replace("00:00:00Z", "00:00:09Z"),
            ),
            Some(CheckId::MessageTemplate),
        ),
    ];
    let mut judge = judge();
    let start = Instant::now();
    for (sequence, (status, body, _)) in (1..).zip(&answers) {
        let request = request(
            Method::GET,
            "DescribeExecution",
            "FlowName=F&ExecutionName=E",
        );
        judge.observe(traffic(
            sequence,
            start,
            0,
            request,
            Ok(answer(*status, body, 5)),
        ));
    }
    let wanted: Vec<(String, CheckId)> = (1..)
        .zip(&answers)
        .filter_map(|(sequence, (_, _, check))| {
            Some((format!("DescribeExecution/{sequence:06}"), (*check)?))
        })
        .collect();
    assert_eq!(checks(judge), wanted);
}

/// A request without signature may get any of the unsigned-request answers; a v3 request
/// that lacks a required header, MissingRequiredHeader naming it.
#[test]
fn unsigned_and_incomplete_requests_may_get_the_protocols_errors() {
    let mut judge = judge();
    let start = Instant::now();
    let unsigned = CapturedRequest {
        uri: "/?Action=DescribeExecution&Version=2019-03-15&FlowName=F&ExecutionName=E"
            .parse()
            .unwrap(),
        ..request(Method::GET, "DescribeExecution", "")
    };
    let denied = json!({"RequestId": "r", "Code": "AccessDenied", "Message": "The resources doesn't belong to you."});
    judge.observe(traffic(
        1,
        start,
        0,
        unsigned.clone(),
        Ok(answer(403, &denied, 5)),
    ));
    let missing = json!({"RequestId": "r", "Code": "MissingRequiredParams", "Message": "The HTTP query 'Signature' must be specified."});
    judge.observe(traffic(2, start, 0, unsigned, Ok(answer(400, &missing, 5))));
    let mut v3 = CapturedRequest {
        uri: "/?FlowName=F&ExecutionName=E".parse().unwrap(),
        ..request(Method::GET, "DescribeExecution", "")
    };
    for (name, value) in [
        (
            "authorization",
            "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=x-acs-action,Signature=abcdef0123456789",
        ),
        ("x-acs-action", "DescribeExecution"),
        ("x-acs-version", "2019-03-15"),
    ] {
        v3.headers.insert(name, HeaderValue::from_static(value));
    }
    let header = |name: &str| json!({"RequestId": "r", "Code": "MissingRequiredHeader", "Message": format!("The HTTP header '{name}' must be specified.")});
    judge.observe(traffic(
        3,
        start,
        0,
        v3.clone(),
        Ok(answer(400, &header("x-acs-date"), 5)),
    ));
    judge.observe(traffic(
        4,
        start,
        0,
        v3,
        Ok(answer(400, &header("x-acs-action"), 5)),
    ));
    assert_eq!(
        checks(judge),
        [(
            "DescribeExecution/000004".to_owned(),
            CheckId::MessageTemplate
        )]
    );
}

/// Another API version is another contract: only the wire format holds. Without a Version,
/// APIVersionNotSupported or MissingRequiredParams may come (open: missing-version).
#[test]
fn another_version_is_held_to_the_wire_format_only_and_none_may_be_refused() {
    let mut judge = judge();
    let start = Instant::now();
    let with_version = |version: &str| {
        let mut request = request(
            Method::GET,
            "DescribeExecution",
            "FlowName=F&ExecutionName=E",
        );
        let uri = request
            .uri
            .to_string()
            .replace("&Version=2019-03-15", version);
        request.uri = uri.parse().unwrap();
        request
    };
    let other = json!({"RequestId": "r", "Whatever": "a later version's body"});
    judge.observe(traffic(
        1,
        start,
        0,
        with_version("&Version=2030-01-01"),
        Ok(answer(200, &other, 5)),
    ));
    let unsupported = json!({"RequestId": "r", "Code": "APIVersionNotSupported", "Message": "The requested API version '' is not supported yet. Please check."});
    judge.observe(traffic(
        2,
        start,
        0,
        with_version(""),
        Ok(answer(400, &unsupported, 5)),
    ));
    let missing = json!({"RequestId": "r", "Code": "MissingRequiredParams", "Message": "The HTTP query 'Version' must be specified."});
    judge.observe(traffic(
        3,
        start,
        0,
        with_version(""),
        Ok(answer(400, &missing, 5)),
    ));
    judge.observe(traffic(
        4,
        start,
        0,
        with_version(""),
        Ok(answer(200, &other, 5)),
    ));
    assert_eq!(
        checks(judge),
        [
            (
                "DescribeExecution/000004".to_owned(),
                CheckId::SuccessSchema
            ),
            ("DescribeExecution/000004".to_owned(), CheckId::EchoedNames),
        ]
    );
}

const _: fn() = || {
    fn send<T: Send>() {}
    send::<super::super::Judge>();
};
