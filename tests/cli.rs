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
