//! No panic on any response: arbitrary statuses, headers and bytes go to the response
//! reader (over a real socket), to every check, to the timing checks and to every report.

use std::sync::LazyLock;
use std::time::Duration;

use bytes::Bytes;
use conformance::cases::catalog::catalog;
use conformance::cases::fixtures::Fixtures;
use conformance::cases::timing::timing_cases;
use conformance::cases::{Case, CaseRequest};
use conformance::checks::timing::{Poll, Timeline, TimingBounds, check_timing};
use conformance::checks::{self, Observed};
use conformance::contract::Contract;
use conformance::report::{self, ReportFormat, Snapshots};
use conformance::runner::{CaseResult, Checked, RunReport};
use conformance::wire::{Client, ClientOptions, Exchange, RpcRequest, SignatureVersion};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use proptest::prelude::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static FIXTURES: LazyLock<Fixtures> = LazyLock::new(|| Fixtures::new("0a1b2c3d"));
static CASES: LazyLock<Vec<Case>> = LazyLock::new(|| catalog(Contract::embedded(), &FIXTURES));

/// Any JSON value, with the fields the checks read turning up often.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|n| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::from),
        prop_oneof![
            Just("Running"),
            Just("Succeeded"),
            Just("InvalidArgument"),
            Just("FlowNotExists"),
            Just("2019-01-01T01:01:01.001Z"),
            Just("%s"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 8, |inner| {
        let field = prop_oneof![
            Just("Code".to_owned()),
            Just("Message".to_owned()),
            Just("RequestId".to_owned()),
            Just("Status".to_owned()),
            Just("Name".to_owned()),
            Just("FlowName".to_owned()),
            Just("StartedTime".to_owned()),
            Just("StoppedTime".to_owned()),
            Just("Input".to_owned()),
            Just("Output".to_owned()),
            ".{0,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((field, inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Any body: JSON (mostly objects), or bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json().prop_map(|value| value.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    let name = prop_oneof![
        Just("content-type"),
        Just("x-acs-request-id"),
        Just("retry-after"),
        Just("x-acs-retry-after"),
        Just("x-other"),
    ];
    let value = prop_oneof![
        Just(b"application/json".to_vec()),
        Just(b"application/json; charset=utf-8".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    prop::collection::vec((name, value), 0..5).prop_map(|pairs| {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_bytes(&value) {
                headers.append(HeaderName::from_static(name), value);
            }
        }
        headers
    })
}

fn exchange() -> impl Strategy<Value = Exchange> {
    (100u16..1000, headers(), body(), any::<bool>(), 0u64..20_000).prop_map(
        |(status, headers, body, truncated, millis)| Exchange {
            method: Method::GET,
            url: "http://127.0.0.1:1/?Action=DescribeExecution".to_owned(),
            status: StatusCode::from_u16(status).unwrap(),
            version: http::Version::HTTP_11,
            headers,
            body: Bytes::from(body),
            truncated,
            first_byte: Duration::from_millis(millis / 2),
            elapsed: Duration::from_millis(millis),
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_check_panics_on_any_answer(exchange in exchange(), at in any::<prop::sample::Index>()) {
        let case = &CASES[at.index(CASES.len())];
        let body = exchange.json();
        let observed = Observed {
            case,
            exchange: &exchange,
            body: body.as_ref(),
            sent_time: "2026-11-24T02:14:48Z",
            time_bound: Duration::from_secs(10),
        };
        let _ = checks::check(Contract::embedded(), &observed);
        let _ = checks::unique_request_ids([observed]);
    }

    #[test]
    fn no_timing_check_panics_on_any_polls(
        polls in prop::collection::vec(
            (proptest::option::of(-5i64..100), 0u64..70_000, 0u64..70_000, 100u16..1000, proptest::option::of(json())),
            0..6,
        ),
        started in proptest::option::of((0u64..5_000, 0u64..5_000)),
        input in proptest::option::of(".{0,20}"),
        before_stop in 0usize..8,
        stop in proptest::option::of((0u64..5_000, 0u64..5_000)),
        at in any::<prop::sample::Index>(),
    ) {
        let cases = timing_cases(Contract::embedded(), true);
        let case = &cases[at.index(cases.len())];
        let timeline = Timeline {
            polls: polls
                .into_iter()
                .map(|(wait, sent, elapsed, status, body)| Poll {
                    wait,
                    sent: Duration::from_millis(sent),
                    elapsed: Duration::from_millis(elapsed),
                    status,
                    body,
                    json_violation: None,
                })
                .collect(),
            started: started.map(|(a, b)| (Duration::from_millis(a), Duration::from_millis(b))),
            input,
            polls_before_stop: before_stop,
            stop: stop.map(|(a, b)| (Duration::from_millis(a), Duration::from_millis(b))),
            ..Timeline::default()
        };
        let bounds = TimingBounds {
            baseline: Duration::from_millis(3),
            margin: Duration::from_millis(500),
        };
        let _ = check_timing(Contract::embedded(), case, &timeline, &bounds);
    }

    #[test]
    fn no_history_check_panics_on_any_reads(
        bodies in prop::collection::vec(json(), 0..6),
        definition in proptest::option::of(".{0,40}"),
        input in proptest::option::of(".{0,20}"),
    ) {
        let reads = bodies.iter().map(|body| checks::history::Read {
            case: "c",
            flow: "F",
            execution: "E",
            body,
            definition: definition.as_deref(),
            input: input.as_deref(),
        });
        let _ = checks::execution_history(Contract::embedded(), reads);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_report_panics_on_any_answer(exchange in exchange(), at in any::<prop::sample::Index>()) {
        let case = CASES[at.index(CASES.len())].clone();
        let findings = check(&case, &exchange);
        let request = http::Request::builder()
            .uri(exchange.url.as_str())
            .body(exchange.body.to_vec())
            .unwrap();
        let run = RunReport {
            target: "http://127.0.0.1:1".to_owned(),
            embedded: false,
            run_id: FIXTURES.run_id.clone(),
            signature: SignatureVersion::V1,
            cases: vec![CaseResult::checked(
                Checked { body: exchange.json(), case, request, answer: Ok(exchange) },
                findings,
            )],
            timing_bounds: None,
            elapsed: Duration::from_secs(1),
            left_behind: Vec::new(),
            steps: Vec::new(),
            baseline: None,
            exchanges: Vec::new(),
        };
        let mut out = Vec::new();
        report::write_report(&run, &mut out).unwrap();
        for format in ReportFormat::ALL {
            format.write(&run, &mut out).unwrap();
        }
        let dir = std::env::temp_dir().join(format!("conformance-no-panic-{}", std::process::id()));
        Snapshots::new(&dir, true).compare(&run).unwrap();
    }
}

/// The response reader over a real socket: a server that answers with `bytes` and closes.
fn read_raw(runtime: &tokio::runtime::Runtime, bytes: Vec<u8>) {
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            if let Ok((mut stream, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let _ = stream.write_all(&bytes).await;
            }
        });
        let client = Client::new(&ClientOptions {
            max_body_bytes: 64,
            ..ClientOptions::default()
        })
        .unwrap();
        let request = RpcRequest::get("DescribeExecution")
            .build(
                &format!("http://{address}").parse().unwrap(),
                &conformance::wire::Signing::Unsigned,
                &conformance::wire::SigningContext::fresh(),
            )
            .unwrap();
        let _ = client.send(request, Duration::from_millis(500)).await;
    });
}

/// Bytes that look like an HTTP answer, more or less.
fn raw_answer() -> impl Strategy<Value = Vec<u8>> {
    let status_line = prop_oneof![
        (100u16..1000).prop_map(|status| format!("HTTP/1.1 {status} X\r\n").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..30),
    ];
    let header = prop_oneof![
        (0usize..100_000).prop_map(|n| format!("Content-Length: {n}\r\n").into_bytes()),
        Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        Just(b"Content-Type: application/json\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..30),
    ];
    (status_line, prop::collection::vec(header, 0..4), body()).prop_map(
        |(status, headers, body)| {
            let mut bytes = status;
            for header in headers {
                bytes.extend(header);
            }
            bytes.extend_from_slice(b"\r\n");
            bytes.extend(body);
            bytes
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_response_reader_takes_any_bytes(bytes in raw_answer()) {
        static RUNTIME: LazyLock<tokio::runtime::Runtime> =
            LazyLock::new(|| tokio::runtime::Runtime::new().unwrap());
        read_raw(&RUNTIME, bytes);
    }
}

#[test]
fn a_case_request_without_parameters_is_fine_too() {
    // The checks read parameters of the case's request; a bare one must not trip them.
    let case = Case {
        id: "x/bare".to_owned(),
        tags: Vec::new(),
        description: String::new(),
        request: CaseRequest::signed(RpcRequest::get("DescribeExecution")),
        expect: Vec::new(),
        questions: Vec::new(),
    };
    let exchange = Exchange {
        method: Method::GET,
        url: String::new(),
        status: StatusCode::OK,
        version: http::Version::HTTP_11,
        headers: HeaderMap::new(),
        body: Bytes::from_static(b"{}"),
        truncated: false,
        first_byte: Duration::ZERO,
        elapsed: Duration::ZERO,
    };
    let _ = check(&case, &exchange);
}

/// Every check of one exchange.
fn check(case: &Case, exchange: &Exchange) -> Vec<checks::Finding> {
    let body = exchange.json();
    checks::check(
        Contract::embedded(),
        &Observed {
            case,
            exchange,
            body: body.as_ref(),
            sent_time: "",
            time_bound: Duration::from_secs(10),
        },
    )
}
