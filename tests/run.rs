//! The conformance run end to end: against the embedded reference target every case
//! passes; against a target that breaks a rule, the run says so.

mod common;

use std::process::Command;

use common::Target;
use conformance::checks::CheckId;
use conformance::reference::ReferenceOptions;
use conformance::runner::{RunError, RunOptions, run};
use conformance::wire::{Credentials, SignatureVersion};

#[tokio::test(flavor = "multi_thread")]
async fn every_case_passes_against_the_embedded_target_with_each_signature() {
    // The three runs side by side: each mostly waits for its long polls.
    let run_signed = |signature| async move {
        let report = run(&RunOptions {
            signature,
            ..RunOptions::default()
        })
        .await
        .unwrap();
        (signature, report)
    };
    let (v1, v3, none) = tokio::join!(
        run_signed(SignatureVersion::V1),
        run_signed(SignatureVersion::V3),
        run_signed(SignatureVersion::None)
    );
    for (signature, report) in [v1, v3, none] {
        let findings: Vec<_> = report.findings().collect();
        assert!(findings.is_empty(), "{signature}: {findings:#?}");
        assert!(
            report.checked().count() > 100,
            "{signature}: {} cases",
            report.checked().count()
        );
        assert!(report.embedded);
    }
}

#[tokio::test]
async fn a_target_given_by_url_is_held_to_the_same_catalog() {
    let target = Target::start().await;
    let options = RunOptions {
        other_credentials: Some(Credentials::new("otherid", "othersecret")),
        ..target.run_options()
    };
    let report = run(&options).await.unwrap();
    assert!(
        report.conformant(),
        "{:#?}",
        report.findings().collect::<Vec<_>>()
    );
    assert!(report.skipped().next().is_none());
    assert!(
        report
            .checked()
            .any(|(result, _)| result.case.id == "existence/other-accounts-flow")
    );

    // Without the second account the isolation cases are skipped, and say why.
    let report = run(&RunOptions {
        other_credentials: None,
        ..options
    })
    .await
    .unwrap();
    let skipped: Vec<(&str, &str)> = report
        .skipped()
        .map(|(case, reason)| (case.id.as_str(), reason))
        .collect();
    let isolation = [
        "existence/other-accounts-flow",
        "isolation/other-reads-finished",
        "isolation/other-reads-running",
        "isolation/other-long-polls-running-2",
        "isolation/reads-others-execution",
    ];
    assert_eq!(
        skipped,
        isolation.map(|case| (case, "needs --other-credentials"))
    );
}

#[tokio::test]
async fn a_target_that_takes_unsigned_requests_is_not_conformant() {
    let target = Target::with(ReferenceOptions {
        anonymous: true,
        ..ReferenceOptions::default()
    })
    .await;
    let options = target.run_options();
    let report = run(&options).await.unwrap();
    let failed: Vec<(&str, CheckId)> = report
        .findings()
        .map(|finding| (finding.case.as_str(), finding.check))
        .collect();
    // Unsigned requests with invalid parameters learn the validation error: a
    // MissingRequiredParams that names ExecutionName, not a parameter of the signature.
    assert_eq!(
        failed,
        [
            ("protocol/unsigned", CheckId::ExpectedOutcome),
            ("auth/first-unsigned-bad-flow", CheckId::ExpectedOutcome),
            (
                "auth/first-unsigned-wait-over-max",
                CheckId::ExpectedOutcome
            ),
            ("auth/first-unsigned-no-execution", CheckId::MessageTemplate),
        ]
    );
    assert!(!report.conformant());
}

#[tokio::test]
async fn the_run_cleans_up_after_itself() {
    let target = Target::start().await;
    let options = RunOptions {
        cases: vec!["existence/known-execution".to_owned()],
        ..target.run_options()
    };
    let report = run(&options).await.unwrap();
    assert_eq!(report.cases.len(), 1);
    assert!(report.conformant());
    // The run's flow was deleted: describing its execution now finds no flow.
    let flow = report
        .checked()
        .next()
        .unwrap()
        .1
        .case
        .expect
        .iter()
        .find_map(|outcome| match outcome {
            conformance::cases::Outcome::Success { flow, .. } => Some(flow.clone()),
            conformance::cases::Outcome::Error { .. } | conformance::cases::Outcome::AnyError => {
                None
            }
        });
    let exchange = target.describe(&flow.unwrap(), "any", None).await;
    assert_eq!(exchange.json().unwrap()["Code"], "FlowNotExists");
}

#[tokio::test]
async fn an_unreachable_target_is_its_own_error() {
    let options = RunOptions {
        target: Some("http://127.0.0.1:9".parse().unwrap()),
        credentials: Some(Credentials::new("a", "b")),
        ..RunOptions::default()
    };
    // The error says what the clean-up did (the flow it meant to create may be left); its
    // cause is the unreachable target.
    let error = run(&options).await.unwrap_err();
    assert!(
        matches!(error.cause(), RunError::Unreachable { .. }),
        "{error:?}"
    );
}

fn conformance(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .output()
        .unwrap()
}

#[test]
fn the_main_command_runs_the_suite_and_exits_zero() {
    let output = conformance(&[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = stdout.lines().last().unwrap();
    assert!(
        summary.contains(" passed, 0 failed, 0 skipped"),
        "{summary}"
    );
}

#[test]
fn a_failing_case_is_reported_with_its_reproduction_and_exit_code_one() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = runtime.block_on(Target::with(ReferenceOptions {
        anonymous: true,
        ..ReferenceOptions::default()
    }));
    let url = target.reference.url();
    let output = conformance(&[
        "--target",
        &url,
        "--access-key-id",
        "testid",
        "--access-key-secret",
        "testsecret",
        "--filter",
        "protocol",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL protocol/unsigned [expected-outcome]"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "reproduce: conformance --target {url} --case protocol/unsigned"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("request (unsigned): curl -sS -X GET"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("testsecret"),
        "the secret must never be shown"
    );
    assert!(!stdout.contains("Signature="), "nor a signature");
    drop(target);
}

#[test]
fn usage_errors_and_an_unreachable_target_have_their_exit_codes() {
    assert_eq!(
        conformance(&["--target", "http://127.0.0.1:9"])
            .status
            .code(),
        Some(2),
        "credentials are needed"
    );
    assert_eq!(
        conformance(&["--target", "127.0.0.1:9"]).status.code(),
        Some(2),
        "a URL needs a scheme"
    );
    assert_eq!(
        conformance(&["--filter", "no-such-case"]).status.code(),
        Some(2)
    );
    let unknown = conformance(&["--case", "wait-time/61", "--case", "no/such-case"]);
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "an unknown --case is not silently dropped"
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no/such-case"));
    let unreachable = conformance(&[
        "--target",
        "http://127.0.0.1:9",
        "--access-key-id",
        "a",
        "--access-key-secret",
        "b",
    ]);
    assert_eq!(unreachable.status.code(), Some(3));
    assert!(!String::from_utf8_lossy(&unreachable.stderr).contains("Signature="));
}

#[test]
fn list_and_case_select_cases() {
    let listed = conformance(&["--list", "--filter", "wait-time"]);
    assert_eq!(listed.status.code(), Some(0));
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.lines().all(|line| line.starts_with("wait-time/")),
        "{text}"
    );
    assert_eq!(text.lines().count(), 19);
    let one = conformance(&["--case", "wait-time/61"]);
    let stdout = String::from_utf8_lossy(&one.stdout);
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

/// A target that answers every request 200 with a terminal status (enough for the
/// fixtures), but holds requests whose query has `delay=` ... as given.
async fn slow_target(
    delay_for: &'static str,
    delay: std::time::Duration,
) -> (String, tokio::task::JoinHandle<()>) {
    use axum::extract::Request;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(move |request: Request| async move {
        if request
            .uri()
            .query()
            .unwrap_or_default()
            .contains(delay_for)
        {
            tokio::time::sleep(delay).await;
        }
        let id = uuid::Uuid::new_v4().to_string();
        (
            [("content-type", "application/json")],
            format!(r#"{{"RequestId":"{id}","Status":"Succeeded"}}"#),
        )
    });
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, task)
}

#[tokio::test]
async fn no_answer_and_a_late_answer_are_findings() {
    for (delay, check) in [
        (std::time::Duration::from_secs(5), CheckId::Answered),
        (std::time::Duration::from_millis(1500), CheckId::TimeBound),
    ] {
        let (url, task) = slow_target("WaitTimeSeconds=61", delay).await;
        let options = RunOptions {
            target: Some(url.parse().unwrap()),
            credentials: Some(Credentials::new("a", "b")),
            cases: vec!["wait-time/61".to_owned()],
            timeout: std::time::Duration::from_secs(1),
            ..RunOptions::default()
        };
        let report = run(&options).await.unwrap();
        let checks: Vec<CheckId> = report.findings().map(|finding| finding.check).collect();
        assert!(checks.contains(&check), "{delay:?}: {checks:?}");
        task.abort();
    }
}

#[tokio::test]
async fn a_fixture_file_names_existing_executions_and_the_run_creates_nothing() {
    use conformance::cases::fixtures::FixtureFile;
    use conformance::contract::Contract;
    use conformance::wire::RpcRequest;

    let target = Target::start().await;
    target
        .create_flow("Existing_Flow", &common::waiting_flow(0.0))
        .await;
    target
        .start_execution("Existing_Flow", "Done_1", None)
        .await;
    target
        .create_flow("Long_Flow", &common::waiting_flow(3600.0))
        .await;
    target.start_execution("Long_Flow", "Running_1", None).await;
    target.start_execution("Long_Flow", "Stopped_1", None).await;
    let stop = RpcRequest::post("StopExecution")
        .param("FlowName", "Long_Flow")
        .param("ExecutionName", "Stopped_1");
    assert_eq!(target.send(&stop).await.status, 200);

    let file =
        std::env::temp_dir().join(format!("conformance-fixtures-{}.json", std::process::id()));
    let write = |running_state: &str| {
        let text = format!(
            r#"{{"executions": [
                {{"flow": "Existing_Flow", "execution": "Done_1", "state": "Succeeded"}},
                {{"flow": "Long_Flow", "execution": "Running_1", "state": "{running_state}"}},
                {{"flow": "Long_Flow", "execution": "Stopped_1", "state": "Stopped"}}
            ]}}"#
        );
        std::fs::write(&file, text).unwrap();
        FixtureFile::load(&file, Contract::embedded()).unwrap()
    };
    let options = RunOptions {
        fixtures: Some(write("Running")),
        ..target.run_options()
    };
    let report = run(&options).await.unwrap();
    assert!(
        report.conformant(),
        "{:#?}",
        report.findings().collect::<Vec<_>>()
    );
    let skipped: Vec<&str> = report.skipped().map(|(case, _)| case.id.as_str()).collect();
    assert_eq!(
        skipped,
        [
            "existence/other-accounts-flow",
            "isolation/other-reads-finished",
            "isolation/other-reads-running",
            "isolation/other-long-polls-running-2",
            "isolation/reads-others-execution",
            "timing/ends-during-wait",
            "timing/ends-during-wait-8-held",
            "timing/stopped-while-6-held",
            "timing/fails-during-wait"
        ]
    );
    assert!(
        report
            .timing()
            .any(|(result, _)| result.case.id == "timing/wait-outlived-2")
    );
    // The run started, stopped and deleted nothing of the target's.
    let running = target.describe("Long_Flow", "Running_1", None).await;
    assert_eq!(running.json().unwrap()["Status"], "Running");
    assert_eq!(
        target
            .describe("Existing_Flow", "Done_1", None)
            .await
            .status,
        200
    );

    // A fixture whose state is not the one the file gives stops the run before any case.
    let wrong = RunOptions {
        fixtures: Some(write("Succeeded")),
        ..options
    };
    let error = run(&wrong).await.unwrap_err();
    assert!(error.to_string().contains("Running_1"), "{error}");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn shards_together_run_every_case_exactly_once() {
    use conformance::runner::list;
    let all: Vec<String> = list(&RunOptions::default())
        .iter()
        .map(|case| case.id.clone())
        .collect();
    for count in [1, 2, 3, 7, 200] {
        let mut seen: Vec<String> = Vec::new();
        for index in 1..=count {
            let shard = format!("{index}/{count}").parse().unwrap();
            let options = RunOptions {
                shard: Some(shard),
                ..RunOptions::default()
            };
            seen.extend(list(&options).iter().map(|case| case.id.clone()));
        }
        let mut sorted_all = all.clone();
        sorted_all.sort();
        seen.sort();
        assert_eq!(seen, sorted_all, "{count} shards");
    }
    let empty = conformance(&["--shard", "200/200"]);
    assert_eq!(
        empty.status.code(),
        Some(0),
        "an empty shard is not an error"
    );
    assert!("0/2".parse::<conformance::runner::Shard>().is_err());
    assert!("3/2".parse::<conformance::runner::Shard>().is_err());
}
