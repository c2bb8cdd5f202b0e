//! The `conformance` binary as a user runs it.

mod common;

use std::process::{Command, Output};

use common::served::Served;

fn conformance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        // From a directory that has no schemas/: the contract is embedded.
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn help_explains_the_tool_and_its_exit_codes() {
    let output = conformance(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("DescribeExecution"), "{text}");
    assert!(text.contains("2 usage or set-up error"), "{text}");
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let output = conformance(&["--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("--no-such-flag"), "{text}");
}

#[test]
fn contract_prints_the_embedded_contract_from_any_directory() {
    let output = conformance(&["contract"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(
        text.contains("WaitTimeSeconds  optional  integer 0 to 60"),
        "{text}"
    );
    assert!(text.contains("404 FlowNotExists"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|line| line.trim_start().starts_with(char::is_numeric))
            .count(),
        19
    );
}

#[tokio::test]
async fn serve_prints_its_url_first_and_answers_until_terminated() {
    use conformance::wire::{
        Client, ClientOptions, Credentials, RpcRequest, Signing, SigningContext,
    };

    let served =
        Served::start(&["--listen", "127.0.0.1:0", "--account", "someid:somesecret"]).await;
    let endpoint = served.endpoint();

    let request = RpcRequest::get("DescribeExecution")
        .param("FlowName", "flow")
        .param("ExecutionName", "exec");
    let client = Client::new(&ClientOptions::default()).unwrap();
    let send = |credentials: Credentials| {
        let built = request
            .build(
                &endpoint,
                &Signing::V1(credentials),
                &SigningContext::fresh(),
            )
            .unwrap();
        client.send(built, std::time::Duration::from_secs(10))
    };
    // The account given replaces the default ones.
    let answer = send(Credentials::new("someid", "somesecret"))
        .await
        .unwrap();
    assert_eq!(answer.status, 404);
    let answer = send(Credentials::new("testid", "testsecret"))
        .await
        .unwrap();
    assert_eq!(answer.json().unwrap()["Code"], "InvalidAccessKeyID");

    let ended = served.terminate().await;
    assert_eq!(ended.status.code(), Some(0), "{}", ended.stderr);
    assert_eq!(
        ended.stdout.lines().next(),
        Some(endpoint.to_string().as_str())
    );
}

#[test]
fn serve_refuses_a_malformed_account() {
    let output = conformance(&["serve", "--account", "no-colon"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("ID:SECRET"), "{text}");
}

#[test]
fn report_and_snapshot_options_are_checked_before_a_run() {
    for (args, says) in [
        (&["--report", "xml=out.xml"][..], "no report format \"xml\""),
        (&["--report", "junit"][..], "expected FORMAT=PATH"),
        (&["--report", "json="][..], "no path"),
        (&["--accept"][..], "--snapshots"),
        (
            &["--list", "--report", "junit=out.xml"][..],
            "cannot be used with",
        ),
        (
            &["--list", "--snapshots", "snaps"][..],
            "cannot be used with",
        ),
    ] {
        let output = conformance(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8_lossy(&output.stderr);
        assert!(text.contains(says), "{args:?}: {text}");
    }
}

#[test]
fn a_report_that_cannot_be_written_is_a_set_up_error_after_the_run() {
    let output = conformance(&[
        "--case",
        "missing/flow-name",
        "--report",
        "junit=/nonexistent-dir/results.xml",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("failed to write the JUnit report to /nonexistent-dir/results.xml"),
        "{text}"
    );
    // The run itself was reported on the console.
    assert!(stdout(&output).contains("1 passed, 0 failed"));
}

/// Runs `conformance ARGS` on a pseudo-terminal (util-linux `script`), with `env` added;
/// what the terminal showed.
fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_conformance"));
    let output = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("script(1) runs");
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn colour_and_progress_only_on_a_terminal_and_never_with_no_color() {
    // A skipped case: its label is coloured where colour is on.
    let args = ["--signature", "none", "--case", "protocol/unsigned"];
    let piped = conformance(&args);
    assert_eq!(piped.status.code(), Some(0));
    assert!(stdout(&piped).contains("SKIP protocol/unsigned"));
    assert!(!piped.stdout.contains(&0x1b) && !piped.stderr.contains(&0x1b));

    let shown = on_a_terminal(&args.join(" "), &[]);
    assert!(
        shown.contains("\x1b[33mSKIP\x1b[0m protocol/unsigned"),
        "{shown:?}"
    );
    assert!(shown.contains("setting up the run's fixtures"), "{shown:?}");

    let plain = on_a_terminal(&args.join(" "), &[("NO_COLOR", "1")]);
    assert!(plain.contains("\nSKIP protocol/unsigned"), "{plain:?}");
    assert!(!plain.contains("\x1b[33m"), "{plain:?}");

    let quiet = on_a_terminal(&format!("{} --no-progress", args.join(" ")), &[]);
    assert!(!quiet.contains("setting up"), "{quiet:?}");
}

#[test]
fn serve_lists_its_faults_with_the_checks_that_own_them() {
    let output = conformance(&["serve", "--list-faults"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.lines().count() >= 35, "{text}");
    assert!(
        text.contains("flow-name-accepts-dots") && text.contains("[expected-outcome]"),
        "{text}"
    );
    let bad = conformance(&["serve", "--fault", "no-such-fault"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--list-faults"));
}

#[test]
fn fuzzing_a_target_elsewhere_needs_a_budget() {
    // Refused before anything is sent: the name does not even resolve.
    let output = conformance(&[
        "fuzz",
        "--target",
        "https://cloudflow.invalid",
        "--access-key-id",
        "a",
        "--access-key-secret",
        "b",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("needs --cases N or --duration S"), "{text}");
}

#[test]
fn explain_prints_a_check_with_the_contracts_words_and_a_failing_example() {
    let output = conformance(&["explain", "message-template"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("check message-template:"), "{text}");
    assert!(
        text.contains("\"| 404 | FlowNotExists | Flow %s does not exist. |\""),
        "{text}"
    );
    assert!(
        text.contains("request (unsigned): curl -sS -X GET"),
        "{text}"
    );
    assert!(text.contains("message-template says: expected"), "{text}");
    assert!(text.contains("To pass: "), "{text}");
    for id in [
        "flow-name/char-dot",
        "timing/stopped",
        "FlowNotExists",
        "wake-up",
        "error-PreconditionFailed",
    ] {
        let output = conformance(&["explain", id]);
        assert_eq!(output.status.code(), Some(0), "{id}");
        assert!(stdout(&output).contains(id), "{id}: {}", stdout(&output));
    }
}

#[test]
fn explain_of_an_unknown_id_is_a_usage_error_with_near_matches() {
    let output = conformance(&["explain", "FlowNotExist"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("did you mean FlowNotExists"), "{text}");
    let output = conformance(&["explain"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn coverage_is_current_in_docs() {
    let output = conformance(&["coverage"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    common::assert_document_current("docs/coverage.md", &output.stdout, "cargo run -- coverage");
}
