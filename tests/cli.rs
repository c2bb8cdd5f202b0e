//! The `conformance` binary as a user runs it.

use std::process::{Command, Output};

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
    use tokio::io::{AsyncBufReadExt, BufReader};

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--account",
            "someid:somesecret",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first_line)
        .await
        .unwrap();
    let endpoint = first_line
        .trim()
        .parse()
        .expect("the first line is the URL");

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

    let pid = child.id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("it stops when terminated")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn serve_refuses_a_malformed_account() {
    let output = conformance(&["serve", "--account", "no-colon"]);
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("ID:SECRET"), "{text}");
}
