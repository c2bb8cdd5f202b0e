//! The choices of the reference target, as a test: each gives another answer the contract
//! allows where it leaves the answer open, and the default suite (catalog, timing cases, a
//! 5,000-request fuzz run) against the target with each choice must find nothing. The
//! mirror of tests/faults.rs: faults prove the harness sees, choices that it does not see
//! what is not there. `docs/choice-matrix.md` must be what this run generates.

mod common;

use std::collections::BTreeSet;

use common::{Target, otherid, waiting_flow};
use conformance::reference::ReferenceOptions;
use conformance::wire::{RpcRequest, SignatureVersion, Signing, SigningContext};
use serde_json::Value;

use conformance::contract::{Contract, OpenQuestion};
use conformance::reference::Choice;
use conformance::report::write_choice_matrix;
use conformance::runner::choice_matrix;

#[test]
fn every_choice_answers_an_open_question_and_names_are_unique() {
    let names: BTreeSet<&str> = Choice::ALL.iter().map(|choice| choice.name()).collect();
    assert_eq!(names.len(), Choice::ALL.len());
    for choice in Choice::ALL {
        assert_eq!(Choice::named(choice.name()), Some(*choice));
    }
    // Every open question the reference target can answer otherwise has a choice; the
    // one that is about what the harness knows (unknown-flow) cannot be a target's choice.
    let answered: BTreeSet<OpenQuestion> =
        Choice::ALL.iter().map(|choice| choice.question()).collect();
    for question in Contract::embedded().questions().all() {
        if question.question != OpenQuestion::UnknownFlow {
            assert!(
                answered.contains(&question.question),
                "{}",
                question.question
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow tier (.ci/slow-tier): the default suite and 5,000 fuzzed requests against each of 23 choices, minutes"]
async fn no_choice_gives_a_finding() {
    let outcomes = choice_matrix(Choice::ALL).await.expect("the suites run");
    let loud: Vec<String> = outcomes
        .iter()
        .filter(|outcome| !outcome.quiet())
        .map(|outcome| format!("{}: {:#?}", outcome.choice, outcome.findings))
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");

    let mut generated = Vec::new();
    write_choice_matrix(&outcomes, &mut generated).unwrap();
    common::assert_document_current(
        "docs/choice-matrix.md",
        &generated,
        "cargo run --release -- choice-matrix",
    );
}

/// An answer as far as a choice may change it: the status and the body, a HostId that
/// names the address asked masked, and the RequestId's and the timestamps' digits masked
/// (their form counts, not their value).
fn shape(exchange: &conformance::wire::Exchange) -> String {
    let Some(Value::Object(mut body)) = exchange.json() else {
        return format!("{} {}", exchange.status, common::body_text(exchange));
    };
    let mask = |text: &str, with: char| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_digit() || ('a'..='f').contains(&c) {
                    with
                } else {
                    c
                }
            })
            .collect()
    };
    // A HostId that is the address the request went to reads the same on every port.
    let address = exchange
        .url
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or_default());
    if let Some(host) = body.get_mut("HostId")
        && host.as_str() == Some(address)
    {
        *host = Value::from("[the address asked]");
    }
    for (field, with) in [
        ("RequestId", 'h'),
        ("StartedTime", 'd'),
        ("StoppedTime", 'd'),
    ] {
        if let Some(Value::String(text)) = body.get_mut(field) {
            *text = mask(text, with);
        }
    }
    format!("{} {}", exchange.status, Value::Object(body))
}

/// The probes: requests whose answers some choice changes, against a target with a young
/// running execution F/run and a stopped one F/stopped (of the first account), then a
/// burst.
async fn probe(target: &Target) -> Vec<String> {
    target.create_flow("F", &waiting_flow(60.0)).await;
    target.start_execution("F", "run", Some("{}")).await;
    let describe = |wait: Option<&str>| {
        let request = RpcRequest::get("DescribeExecution")
            .param("FlowName", "F")
            .param("ExecutionName", "run");
        match wait {
            Some(wait) => request.param("WaitTimeSeconds", wait),
            None => request,
        }
    };
    // First, while the execution is young.
    let mut shapes = vec![shape(&target.send(&describe(None)).await)];
    target.start_execution("F", "stopped", None).await;
    let stop = RpcRequest::post("StopExecution")
        .param("FlowName", "F")
        .param("ExecutionName", "stopped");
    assert_eq!(target.send(&stop).await.status, 200);
    let mut no_version = describe(None);
    no_version.version = None;
    let probes = [
        RpcRequest::get("DescribeExecution")
            .param("FlowName", "F")
            .param("ExecutionName", "stopped"),
        describe(None).param("FlowName", "Nope"),
        describe(Some("+0")),
        describe(Some("-0")),
        describe(Some("")),
        RpcRequest::get("DescribeExecution").param("FlowName", "a.b"),
        RpcRequest::get("DescribeExecution"),
        RpcRequest::get("DescribeExecution")
            .param("FlowName", "F")
            .param("ExecutionName", "none"),
        no_version,
    ];
    for request in &probes {
        shapes.push(shape(&target.send(request).await));
    }
    // The text and framing of a body with non-ASCII text and a `/` (choices of json-form
    // and http-framing change them, never what the body says).
    target
        .start_execution("F", "wire", Some(r#"{"k":"caf\u00e9 \u2713 a/b"}"#))
        .await;
    let wire = target
        .send(
            &RpcRequest::get("DescribeExecution")
                .param("FlowName", "F")
                .param("ExecutionName", "wire"),
        )
        .await;
    let compact = wire
        .json()
        .is_some_and(|body| body.to_string().as_bytes() == wire.body.as_ref());
    shapes.push(format!(
        "compact {compact}, content-length {}, connection {:?}",
        wire.header("content-length").is_some(),
        wire.header("connection"),
    ));
    shapes.push(shape(
        &target.send_as(&describe(None), &Signing::Unsigned).await,
    ));
    // Ten minutes behind the clock: within 15 minutes, not within 5.
    let behind = SigningContext {
        time: time::OffsetDateTime::now_utc() - time::Duration::minutes(10),
        nonce: "behind".to_owned(),
    };
    let signing = Signing::new(SignatureVersion::V1, Some(common::testid())).unwrap();
    let built = describe(None)
        .build(&target.endpoint, &signing, &behind)
        .unwrap();
    shapes.push(shape(&target.send_raw(built).await));
    // Another account asks for the execution.
    shapes.push(shape(
        &target
            .send_as(&describe(None), &Signing::V1(otherid()))
            .await,
    ));
    shapes.push(woken_by_stop(target).await);
    // Last, a burst past the real service's bucket of 50: the first answer that is not a
    // success, and which retry-hint headers it has.
    let mut throttled = "no throttling".to_owned();
    for _ in 0..60 {
        let answer = target.send(&describe(None)).await;
        if answer.status != 200 {
            let hints: Vec<&str> = ["x-acs-retry-after", "retry-after"]
                .into_iter()
                .filter(|header| answer.header(header).is_some())
                .collect();
            throttled = format!("{} {hints:?}", shape(&answer));
            break;
        }
    }
    shapes.push(throttled);
    shapes
}

/// How soon a poll held on F/held is answered after StopExecution is sent: at once, or
/// 100 ms late or more (which a wake-up that late always is; one at once only when the
/// machine stalls that long).
async fn woken_by_stop(target: &Target) -> String {
    target.start_execution("F", "held", None).await;
    let held = RpcRequest::get("DescribeExecution")
        .param("FlowName", "F")
        .param("ExecutionName", "held")
        .param("WaitTimeSeconds", "5");
    let stop = RpcRequest::post("StopExecution")
        .param("FlowName", "F")
        .param("ExecutionName", "held");
    let poll = async {
        let answer = target.send(&held).await;
        (answer, std::time::Instant::now())
    };
    let stopping = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let sent = std::time::Instant::now();
        target.send(&stop).await;
        sent
    };
    let ((answer, answered), sent) = tokio::join!(poll, stopping);
    let late = answered.saturating_duration_since(sent) >= std::time::Duration::from_millis(100);
    format!(
        "{} woken {}",
        shape(&answer),
        if late { "late" } else { "at once" }
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn every_choice_changes_what_the_target_answers() {
    let plain = Target::start().await;
    let baseline = probe(&plain).await;
    let mut unchanged = Vec::new();
    for choice in Choice::ALL {
        let target = Target::with(ReferenceOptions {
            choices: vec![*choice],
            ..ReferenceOptions::default()
        })
        .await;
        let shapes = probe(&target).await;
        if shapes == baseline {
            unchanged.push(choice.name());
        }
    }
    assert!(
        unchanged.is_empty(),
        "these choices changed no answer: {unchanged:?}"
    );
}
