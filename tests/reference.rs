//! The reference target over real HTTP on 127.0.0.1:0: every behaviour of the contract.

mod common;

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use common::{
    Target, assert_error, assert_execution, body_text, failing_flow, otherid, testid, waiting_flow,
};
use conformance::contract::{API_VERSION, ErrorCode};
use conformance::reference::ReferenceOptions;
use conformance::wire::{
    Credentials, RpcRequest, SignatureVersion, Signing, SigningContext, V3_REQUIRED_HEADERS,
};
use http::header::CONTENT_TYPE;

fn describe(flow: &str, execution: &str) -> RpcRequest {
    RpcRequest::get("DescribeExecution")
        .param("FlowName", flow)
        .param("ExecutionName", execution)
}

// ---- DescribeExecution -------------------------------------------------------------------

#[tokio::test]
async fn a_running_then_succeeded_execution_reads_as_documented() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(0.3)).await;
    let started = target
        .start_execution("flow", "exec", Some("{\"key\":\"value\"}"))
        .await;
    assert_eq!(started["Status"], "Running");

    let running = assert_execution(&target.describe("flow", "exec", None).await);
    assert_eq!(running["Status"], "Running");
    assert_eq!(running["FlowName"], "flow");
    assert_eq!(running["Name"], "exec");
    assert_eq!(running["Input"], "{\"key\":\"value\"}");
    assert_eq!(running["FlowDefinition"], waiting_flow(0.3));
    assert!(running.get("StoppedTime").is_none());
    assert!(running.get("Output").is_none());

    // A long poll comes back when the execution ends: then it reads as ended at once.
    let ended = assert_execution(&target.describe("flow", "exec", Some(10)).await);
    assert_eq!(ended["Status"], "Succeeded");
    let done = assert_execution(&target.describe("flow", "exec", Some(0)).await);
    assert_eq!(done["Status"], "Succeeded");
    assert_eq!(done["Output"], "{\"key\":\"value\"}");
    assert_eq!(done["StartedTime"], running["StartedTime"]);
    assert!(done["StoppedTime"].as_str().unwrap() > done["StartedTime"].as_str().unwrap());
}

#[tokio::test]
async fn a_failing_flow_reads_failed_without_output() {
    let target = Target::start().await;
    target.create_flow("flow", &failing_flow(0.0)).await;
    target.start_execution("flow", "exec", None).await;
    let failed = assert_execution(&target.describe("flow", "exec", Some(5)).await);
    assert_eq!(failed["Status"], "Failed");
    assert!(failed.get("Output").is_none());
    assert!(failed.get("StoppedTime").is_some());
}

#[tokio::test]
async fn unknown_flows_and_executions_are_not_found() {
    let target = Target::start().await;
    assert_error(
        &target.describe("flow", "exec", None).await,
        ErrorCode::FlowNotExists,
        &["flow"],
    );
    target.create_flow("flow", &waiting_flow(0.0)).await;
    assert_error(
        &target.describe("flow", "nope", None).await,
        ErrorCode::ExecutionNotExists,
        &["nope", "flow"],
    );
}

#[tokio::test]
async fn names_are_case_sensitive() {
    let target = Target::start().await;
    target.create_flow("Flow_X", &waiting_flow(0.0)).await;
    target.start_execution("Flow_X", "Exec_Y", None).await;
    assert_execution(&target.describe("Flow_X", "Exec_Y", None).await);
    assert_error(
        &target.describe("flow_x", "Exec_Y", None).await,
        ErrorCode::FlowNotExists,
        &["flow_x"],
    );
    assert_error(
        &target.describe("Flow_X", "exec_y", None).await,
        ErrorCode::ExecutionNotExists,
        &["exec_y", "Flow_X"],
    );
}

#[tokio::test]
async fn invalid_parameters_are_invalid_arguments() {
    let target = Target::start().await;
    let long = "a".repeat(129);
    for (flow, execution) in [
        ("1flow", "exec"),
        ("flow", "ex.ec"),
        (long.as_str(), "exec"),
        ("", "exec"),
        ("flow", "é"),
    ] {
        assert_error(
            &target.send(&describe(flow, execution)).await,
            ErrorCode::InvalidArgument,
            &[],
        );
    }
    for wait in [
        "-1",
        "61",
        "1.5",
        "+5",
        " 5",
        "0x10",
        "",
        "ten",
        "9223372036854775808",
    ] {
        let request = describe("flow", "exec").param("WaitTimeSeconds", wait);
        assert_error(
            &target.send(&request).await,
            ErrorCode::InvalidArgument,
            &[],
        );
    }
    // A valid name that names nothing is 404, never 400.
    let longest = "a".repeat(128);
    assert_error(
        &target.send(&describe(&longest, "exec")).await,
        ErrorCode::FlowNotExists,
        &[&longest],
    );
}

#[tokio::test]
async fn missing_parameters_are_named() {
    let target = Target::start().await;
    let only_execution = RpcRequest::get("DescribeExecution").param("ExecutionName", "exec");
    assert_error(
        &target.send(&only_execution).await,
        ErrorCode::MissingRequiredParams,
        &["FlowName"],
    );
    let only_flow = RpcRequest::get("DescribeExecution").param("FlowName", "flow");
    assert_error(
        &target.send(&only_flow).await,
        ErrorCode::MissingRequiredParams,
        &["ExecutionName"],
    );
    let neither = RpcRequest::get("DescribeExecution");
    assert_error(
        &target.send(&neither).await,
        ErrorCode::MissingRequiredParams,
        &["FlowName"],
    );
}

#[tokio::test]
async fn a_repeated_parameter_is_an_invalid_argument() {
    let target = Target::start().await;
    let request = describe("flow", "exec").param("FlowName", "other");
    assert_error(
        &target.send(&request).await,
        ErrorCode::InvalidArgument,
        &[],
    );
}

#[tokio::test]
async fn action_and_version_are_checked() {
    let target = Target::start().await;
    let unknown = RpcRequest::get("DescribeExecutions");
    assert_error(
        &target.send(&unknown).await,
        ErrorCode::ActionNotSupported,
        &["DescribeExecutions"],
    );
    let mut wrong = describe("flow", "exec");
    wrong.version = Some("2020-01-01".to_owned());
    assert_error(
        &target.send(&wrong).await,
        ErrorCode::APIVersionNotSupported,
        &["2020-01-01"],
    );
    let mut missing = describe("flow", "exec");
    missing.version = None;
    assert_error(
        &target.send(&missing).await,
        ErrorCode::MissingRequiredParams,
        &["Version"],
    );
    let mut no_action = describe("flow", "exec");
    no_action.action = None;
    assert_error(
        &target.send(&no_action).await,
        ErrorCode::MissingRequiredParams,
        &["Action"],
    );
}

// ---- accounts and authentication ---------------------------------------------------------

#[tokio::test]
async fn another_accounts_flow_does_not_exist_for_you() {
    let target = Target::start().await;
    target.create_flow("mine", &waiting_flow(5.0)).await;
    target.start_execution("mine", "exec", None).await;
    let other = Signing::V1(otherid());
    let exchange = target.send_as(&describe("mine", "exec"), &other).await;
    assert_error(&exchange, ErrorCode::FlowNotExists, &["mine"]);
    // The other account may have a flow of the same name, its own.
    target
        .create_flow_as("mine", &waiting_flow(0.0), &other)
        .await;
    let exchange = target.send_as(&describe("mine", "exec"), &other).await;
    assert_error(&exchange, ErrorCode::ExecutionNotExists, &["exec", "mine"]);
}

#[tokio::test]
async fn signature_v3_is_accepted_and_checked() {
    let target = Target::start().await;
    target
        .create_flow_as("flow", &waiting_flow(0.0), &Signing::V3(testid()))
        .await;
    target.start_execution("flow", "exec", None).await;
    assert_execution(
        &target
            .send_as(&describe("flow", "exec"), &Signing::V3(testid()))
            .await,
    );
    let wrong = Signing::V3(Credentials::new("testid", "wrongsecret"));
    assert_error(
        &target.send_as(&describe("flow", "exec"), &wrong).await,
        ErrorCode::SignatureNotMatch,
        &[],
    );
    for header in V3_REQUIRED_HEADERS {
        let mut built = describe("flow", "exec")
            .build(
                &target.endpoint,
                &Signing::V3(testid()),
                &SigningContext::fresh(),
            )
            .unwrap();
        built.headers_mut().remove(header);
        assert_error(
            &target.send_raw(built).await,
            ErrorCode::MissingRequiredHeader,
            &[header],
        );
    }
}

#[tokio::test]
async fn keys_secrets_and_clocks_are_checked() {
    let target = Target::start().await;
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let signing = |credentials| Signing::new(version, Some(credentials)).unwrap();
        let unknown = target
            .send_as(
                &describe("flow", "exec"),
                &signing(Credentials::new("nosuchkey", "x")),
            )
            .await;
        assert_error(&unknown, ErrorCode::InvalidAccessKeyID, &["nosuchkey"]);
        let wrong = target
            .send_as(
                &describe("flow", "exec"),
                &signing(Credentials::new("testid", "nope")),
            )
            .await;
        assert_error(&wrong, ErrorCode::SignatureNotMatch, &[]);

        let skewed = SigningContext {
            time: time::OffsetDateTime::now_utc() - time::Duration::minutes(16),
            nonce: "skewed".to_owned(),
        };
        let built = describe("flow", "exec")
            .build(&target.endpoint, &signing(testid()), &skewed)
            .unwrap();
        let exchange = target.send_raw(built).await;
        let body = exchange.json().unwrap();
        let row = conformance::contract::Contract::embedded()
            .errors()
            .get(ErrorCode::RequestTimeTooSkewed);
        let values = row
            .captures(body["Message"].as_str().unwrap())
            .expect("the skew message");
        assert_eq!(values[0], skewed.timestamp(), "{version}");
        assert_error(
            &exchange,
            ErrorCode::RequestTimeTooSkewed,
            &[&values[0], &values[1]],
        );

        // Fourteen minutes off is within the bound.
        let close = SigningContext {
            time: time::OffsetDateTime::now_utc() + time::Duration::minutes(14),
            nonce: "close".to_owned(),
        };
        let built = describe("flow", "exec")
            .build(&target.endpoint, &signing(testid()), &close)
            .unwrap();
        assert_error(
            &target.send_raw(built).await,
            ErrorCode::FlowNotExists,
            &["flow"],
        );
    }
}

#[tokio::test]
async fn unsigned_requests_need_anonymous_mode() {
    let target = Target::start().await;
    let exchange = target
        .send_as(&describe("flow", "exec"), &Signing::Unsigned)
        .await;
    assert_error(
        &exchange,
        ErrorCode::MissingRequiredParams,
        &["AccessKeyId"],
    );

    let anonymous = Target::with(ReferenceOptions {
        anonymous: true,
        ..ReferenceOptions::default()
    })
    .await;
    anonymous.create_flow("flow", &waiting_flow(0.0)).await;
    // Unsigned requests act as the first account, which owns the flow.
    let exchange = anonymous
        .send_as(&describe("flow", "exec"), &Signing::Unsigned)
        .await;
    assert_error(&exchange, ErrorCode::ExecutionNotExists, &["exec", "flow"]);
}

// ---- long polling ------------------------------------------------------------------------

#[tokio::test]
async fn a_long_poll_returns_when_the_execution_ends() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(0.5)).await;
    target.start_execution("flow", "exec", None).await;
    let asked = Instant::now();
    let body = assert_execution(&target.describe("flow", "exec", Some(30)).await);
    let took = asked.elapsed();
    assert_eq!(body["Status"], "Succeeded");
    assert!(
        took >= Duration::from_millis(400),
        "answered before the end: {took:?}"
    );
    assert!(
        took < Duration::from_secs(10),
        "held well past the end: {took:?}"
    );
}

#[tokio::test]
async fn a_long_poll_returns_at_its_wait_when_the_execution_runs_on() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(30.0)).await;
    target.start_execution("flow", "exec", None).await;
    let asked = Instant::now();
    let body = assert_execution(&target.describe("flow", "exec", Some(1)).await);
    let took = asked.elapsed();
    assert_eq!(body["Status"], "Running");
    assert!(
        took >= Duration::from_millis(950),
        "answered before the wait: {took:?}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn stopping_wakes_a_long_poll() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(30.0)).await;
    target.start_execution("flow", "exec", None).await;
    let asked = Instant::now();
    let (poll, ()) = tokio::join!(target.describe("flow", "exec", Some(30)), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let stop = RpcRequest::post("StopExecution")
            .param("FlowName", "flow")
            .param("ExecutionName", "exec")
            .param("Error", "Halt")
            .param("Cause", "the test stopped it");
        let stopped = assert_execution(&target.send(&stop).await);
        assert_eq!(stopped["Status"], "Stopped");
    });
    let took = asked.elapsed();
    let body = assert_execution(&poll);
    assert_eq!(body["Status"], "Stopped");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn finished_and_unknown_executions_are_answered_at_once() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(0.0)).await;
    target.start_execution("flow", "exec", None).await;
    let asked = Instant::now();
    assert_eq!(
        assert_execution(&target.describe("flow", "exec", Some(60)).await)["Status"],
        "Succeeded"
    );
    assert_error(
        &target.describe("flow", "nope", Some(60)).await,
        ErrorCode::ExecutionNotExists,
        &["nope", "flow"],
    );
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "held: {:?}",
        asked.elapsed()
    );
}

#[tokio::test]
async fn the_lifetime_bound_times_executions_out() {
    let options = ReferenceOptions {
        max_execution_lifetime: Some(Duration::from_millis(200)),
        ..ReferenceOptions::default()
    };
    let target = Target::with(options).await;
    target.create_flow("flow", &waiting_flow(30.0)).await;
    target.start_execution("flow", "exec", None).await;
    let body = assert_execution(&target.describe("flow", "exec", Some(20)).await);
    assert_eq!(body["Status"], "TimedOut");
    assert!(body.get("Output").is_none());
}

// ---- the set-up operations ---------------------------------------------------------------

#[tokio::test]
async fn set_up_operations_and_their_errors() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(30.0)).await;
    let again = RpcRequest::post("CreateFlow")
        .param("Name", "flow")
        .param("Definition", waiting_flow(0.0))
        .param("Description", "")
        .param("Type", "FDL");
    assert_error(
        &target.send(&again).await,
        ErrorCode::FlowAlreadyExists,
        &["flow"],
    );
    let bad_fdl = RpcRequest::post("CreateFlow")
        .param("Name", "bad")
        .param("Definition", "version: v9\ntype: flow\nsteps: []\n")
        .param("Description", "")
        .param("Type", "FDL");
    assert_error(
        &target.send(&bad_fdl).await,
        ErrorCode::InvalidArgument,
        &[],
    );

    let described = target
        .send(&RpcRequest::get("DescribeFlow").param("Name", "flow"))
        .await;
    assert_eq!(described.status, 200, "{}", body_text(&described));
    assert_eq!(described.json().unwrap()["Definition"], waiting_flow(30.0));

    // Starting a running execution's name again returns it; a finished one is refused.
    let first = target.start_execution("flow", "exec", None).await;
    let second = target.start_execution("flow", "exec", None).await;
    assert_eq!(first["StartedTime"], second["StartedTime"]);
    let stop = RpcRequest::post("StopExecution")
        .param("FlowName", "flow")
        .param("ExecutionName", "exec");
    assert_eq!(target.send(&stop).await.status, 200);
    assert_error(
        &target.send(&stop).await,
        ErrorCode::ExecutionAlreadyCompleted,
        &["exec", "flow"],
    );
    let restart = RpcRequest::post("StartExecution")
        .param("FlowName", "flow")
        .param("ExecutionName", "exec");
    assert_error(
        &target.send(&restart).await,
        ErrorCode::ExecutionAlreadyExists,
        &["exec", "flow"],
    );

    // A generated name is a valid one.
    let generated = target
        .send(&RpcRequest::post("StartExecution").param("FlowName", "flow"))
        .await;
    let name = generated.json().unwrap()["Name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        conformance::contract::Contract::embedded()
            .names()
            .is_valid(&name),
        "{name}"
    );

    let delete = RpcRequest::post("DeleteFlow").param("Name", "flow");
    assert_eq!(target.send(&delete).await.status, 200);
    assert_error(
        &target.send(&delete).await,
        ErrorCode::FlowNotExists,
        &["flow"],
    );
    assert_error(
        &target.describe("flow", "exec", None).await,
        ErrorCode::FlowNotExists,
        &["flow"],
    );
}

#[tokio::test]
async fn list_executions_pages_in_start_order() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(30.0)).await;
    for name in ["c", "a", "b", "x_1"] {
        target.start_execution("flow", name, None).await;
    }
    let list = |limit: &str, token: Option<&str>| {
        let mut request = RpcRequest::get("ListExecutions")
            .param("FlowName", "flow")
            .param("Limit", limit);
        if let Some(token) = token {
            request = request.param("NextToken", token);
        }
        request
    };
    let names = |exchange: &conformance::wire::Exchange| -> Vec<String> {
        exchange.json().unwrap()["Executions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = target.send(&list("2", None)).await;
    assert_eq!(names(&first), ["c", "a"]);
    let token = first.json().unwrap()["NextToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = target.send(&list("2", Some(&token))).await;
    assert_eq!(names(&second), ["b", "x_1"]);
    assert!(second.json().unwrap().get("NextToken").is_none());
    assert_error(
        &target.send(&list("0", None)).await,
        ErrorCode::InvalidArgument,
        &[],
    );
    let prefixed = target
        .send(&list("10", None).param("ExecutionNamePrefix", "x"))
        .await;
    assert_eq!(names(&prefixed), ["x_1"]);
}

// ---- bodies, content types, limits -------------------------------------------------------

#[tokio::test]
async fn a_json_object_body_is_accepted() {
    let target = Target::start().await;
    target.create_flow("flow", &waiting_flow(0.0)).await;
    let mut built = RpcRequest::post("StartExecution")
        .build(
            &target.endpoint,
            &Signing::V1(testid()),
            &SigningContext::fresh(),
        )
        .unwrap();
    *built.body_mut() = br#"{"FlowName":"flow","ExecutionName":"json_exec","Input":"{}"}"#.to_vec();
    built
        .headers_mut()
        .insert(CONTENT_TYPE, "application/json".parse().unwrap());
    // The body is not part of a v1 signature of a non-form request.
    let exchange = target.send_raw(built).await;
    assert_eq!(exchange.status, 200, "{}", body_text(&exchange));
    assert_eq!(exchange.json().unwrap()["Name"], "json_exec");
}

#[tokio::test]
async fn other_content_types_are_unsupported() {
    let target = Target::start().await;
    let mut built = RpcRequest::post("StartExecution")
        .param("FlowName", "flow")
        .build(
            &target.endpoint,
            &Signing::V1(testid()),
            &SigningContext::fresh(),
        )
        .unwrap();
    built
        .headers_mut()
        .insert(CONTENT_TYPE, "text/plain".parse().unwrap());
    assert_error(
        &target.send_raw(built).await,
        ErrorCode::UnsupportedMediaType,
        &[],
    );
}

#[tokio::test]
async fn oversized_bodies_are_too_large() {
    let options = ReferenceOptions {
        max_body_bytes: 1000,
        ..ReferenceOptions::default()
    };
    let target = Target::with(options).await;
    let request = RpcRequest::post("StartExecution")
        .param("FlowName", "flow")
        .param("Input", format!("\"{}\"", "x".repeat(2000)));
    assert_error(
        &target.send(&request).await,
        ErrorCode::EntityTooLarge,
        &["1000"],
    );
    let small = RpcRequest::post("StartExecution").param("FlowName", "flow");
    assert_error(
        &target.send(&small).await,
        ErrorCode::FlowNotExists,
        &["flow"],
    );
}

#[tokio::test]
async fn the_rate_limit_throttles_per_account() {
    let options = ReferenceOptions {
        rate_limit: NonZeroU32::new(2),
        ..ReferenceOptions::default()
    };
    let target = Target::with(options).await;
    let mut throttled = None;
    for _ in 0..20 {
        let exchange = target.send(&describe("flow", "exec")).await;
        if exchange.status == 429 {
            throttled = Some(exchange);
            break;
        }
    }
    let throttled = throttled.expect("20 requests at once exceed 2 per second");
    assert_error(&throttled, ErrorCode::ResourceThrottled, &[]);
    let retry_after: u64 = throttled
        .header("x-acs-retry-after")
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 1000, "{retry_after}");
    // The other account has its own budget.
    let other = target
        .send_as(&describe("flow", "exec"), &Signing::V1(otherid()))
        .await;
    assert_error(&other, ErrorCode::FlowNotExists, &["flow"]);
}

#[tokio::test]
async fn request_ids_are_fresh_and_unique() {
    let target = Target::start().await;
    let mut seen = HashSet::new();
    for _ in 0..200 {
        let exchange = target.send(&describe("flow", "exec")).await;
        let id = exchange.header("x-acs-request-id").unwrap().to_owned();
        assert!(seen.insert(id), "a RequestId repeated");
    }
    assert_eq!(API_VERSION, "2019-03-15");
}

/// Regression: the target answered EntityTooLarge as soon as it saw the Content-Length and
/// closed the connection, so a client still writing the body got a broken pipe instead of
/// the answer. The body goes out slowly here, as from a slow client.
#[tokio::test]
async fn an_oversized_body_gets_its_answer_not_a_broken_pipe() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let target = Target::start().await;
    let built = RpcRequest::post("StartExecution")
        .param("FlowName", "flow")
        .build(
            &target.endpoint,
            &Signing::V1(testid()),
            &SigningContext::fresh(),
        )
        .unwrap();
    let chunk = vec![b'x'; 1024 * 1024];
    let length = 8 * chunk.len();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n",
        built.uri().path_and_query().unwrap(),
        target.endpoint.authority()
    );
    let mut stream = tokio::net::TcpStream::connect(target.reference.address())
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        stream
            .write_all(&chunk)
            .await
            .expect("the target reads the whole body");
    }
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("EntityTooLarge") {
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the connection closed without the answer");
        answer.extend_from_slice(&buffer[..read]);
    }
    assert!(
        answer.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}
