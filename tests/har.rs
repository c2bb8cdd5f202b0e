//! The HAR report (`--report har=PATH`): every exchange of a run, valid against the JSON
//! Schema of HAR 1.2 (the npm package `har-schema`, in `tests/har-schema/`), which is what a
//! browser's developer tools need to load it, and free of every secret, security token and
//! signature the run sent.

mod common;

use std::path::Path;

use common::Target;
use conformance::reference::ReferenceOptions;
use conformance::report::ReportFormat;
use conformance::runner::{self, RunOptions, RunReport};
use conformance::wire::{Credentials, decode_pairs};
use jsonschema::{Draft, Retrieve, Uri};
use serde_json::Value;

const SECRET: &str = "Sekr1t-Har-AccessKeySecret-91c2";
const OTHER_SECRET: &str = "0ther-Har-Sekr1t-5d7e";
const TOKEN: &str = "STS-Har-Token-3a8f60";

/// Serves the files of `tests/har-schema/` by their names.
struct SchemaFiles;

impl Retrieve for SchemaFiles {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.path().as_str().rsplit('/').next().unwrap_or_default();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/har-schema")
            .join(name);
        Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
    }
}

fn har_schema() -> jsonschema::Validator {
    let root = SchemaFiles
        .retrieve(&jsonschema::uri::from_str("https://har-schema.invalid/har.json").unwrap())
        .unwrap();
    jsonschema::options()
        .with_draft(Draft::Draft6)
        .should_validate_formats(true)
        .with_base_uri("https://har-schema.invalid/har.json")
        .with_retriever(SchemaFiles)
        .build(&root)
        .expect("the HAR schema compiles")
}

fn violations(validator: &jsonschema::Validator, har: &Value) -> Vec<String> {
    validator
        .iter_errors(har)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect()
}

/// Everything secret the run sent: the secrets, the token, and every signature (the v1
/// Signature parameters, in the query or a form, and the v3 Authorization headers).
fn secrets_sent(run: &RunReport) -> Vec<String> {
    let mut secrets = vec![SECRET.to_owned(), OTHER_SECRET.to_owned(), TOKEN.to_owned()];
    for recorded in &run.exchanges {
        let request = &recorded.request;
        let mut pairs = decode_pairs(request.uri().query().unwrap_or_default().as_bytes());
        pairs.extend(decode_pairs(request.body()));
        for (name, value) in pairs {
            if name == "Signature" || name == "SecurityToken" {
                let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
                secrets.extend([value, encoded]);
            }
        }
        for name in ["authorization", "x-acs-security-token"] {
            for value in request.headers().get_all(name) {
                secrets.push(String::from_utf8_lossy(value.as_bytes()).into_owned());
            }
        }
    }
    // A tampered signature may be empty or a character: not a secret to look for.
    secrets.retain(|secret| secret.len() >= 8);
    secrets.sort();
    secrets.dedup();
    secrets
}

#[tokio::test(flavor = "multi_thread")]
async fn the_har_report_holds_every_exchange_valid_and_without_secrets() {
    let target = Target::with(ReferenceOptions {
        accounts: vec![
            Credentials::new("keyid", SECRET),
            Credentials::new("other", OTHER_SECRET),
        ],
        ..ReferenceOptions::default()
    })
    .await;
    let run = runner::run(&RunOptions {
        target: Some(target.endpoint.clone()),
        credentials: Some(Credentials::new("keyid", SECRET).with_security_token(TOKEN)),
        other_credentials: Some(Credentials::new("other", OTHER_SECRET)),
        record_exchanges: true,
        ..RunOptions::default()
    })
    .await
    .expect("the run completes");
    assert!(run.conformant());
    let mut written = Vec::new();
    ReportFormat::Har.write(&run, &mut written).unwrap();
    let text = String::from_utf8(written).unwrap();
    let har: Value = serde_json::from_str(&text).unwrap();

    // Valid HAR 1.2.
    let validator = har_schema();
    assert_eq!(violations(&validator, &har), Vec::<String>::new());
    assert_eq!(har["log"]["version"], "1.2");

    // Every exchange: each catalog case, the set-up, the timing polls, the clean-up.
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), run.exchanges.len());
    let comments: Vec<&str> = entries
        .iter()
        .map(|entry| entry["comment"].as_str().unwrap())
        .collect();
    for (result, _) in run.checked() {
        let labelled = format!("case {}", result.case.id);
        assert!(comments.contains(&labelled.as_str()), "{labelled}");
    }
    for action in [
        "CreateFlow",
        "StartExecution",
        "StopExecution",
        "DeleteFlow",
    ] {
        assert!(
            comments.iter().any(|comment| comment.starts_with(action)),
            "{action}"
        );
    }
    // The polls of the timing cases that start an execution of their own, each named with
    // its case.
    let starting = run.cases.iter().filter(|result| {
        result
            .timeline()
            .is_some_and(|timeline| timeline.started.is_some())
    });
    for result in starting {
        let polls = format!("{}: DescribeExecution", result.case.id);
        assert!(comments.contains(&polls.as_str()), "{polls}");
    }
    let held = entries.iter().filter(|entry| {
        entry["request"]["queryString"]
            .as_array()
            .unwrap()
            .iter()
            .any(|pair| pair["name"] == "WaitTimeSeconds" && pair["value"] != "0")
            && !entry["comment"].as_str().unwrap().starts_with("case ")
    });
    assert!(held.count() > 20, "the timing cases' long polls");
    let answered = entries
        .iter()
        .find(|entry| entry["comment"] == "case existence/known-execution")
        .unwrap();
    assert_eq!(answered["response"]["status"], 200);
    assert!(
        answered["response"]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("\"Succeeded\"")
    );

    // No secret, token or signature, in any form.
    let secrets = secrets_sent(&run);
    assert!(
        secrets
            .iter()
            .any(|secret| secret.starts_with("ACS3-HMAC-SHA256 Credential")),
        "the run sent v3 requests"
    );
    assert!(secrets.len() > 100, "{} signatures", secrets.len());
    let any_secret = regex::Regex::new(
        &secrets
            .iter()
            .map(|secret| regex::escape(secret))
            .collect::<Vec<_>>()
            .join("|"),
    )
    .unwrap();
    let leaks: Vec<&str> = any_secret
        .find_iter(&text)
        .map(|found| found.as_str())
        .collect();
    assert!(leaks.is_empty(), "{leaks:#?}");
    assert!(
        text.len() < 2 << 20,
        "{} bytes: the oversized body is cut",
        text.len()
    );
    for entry in entries {
        for pair in entry["request"]["queryString"]
            .as_array()
            .unwrap()
            .iter()
            .chain(entry["request"]["headers"].as_array().unwrap())
        {
            let name = pair["name"].as_str().unwrap().to_ascii_lowercase();
            assert!(
                ![
                    "signature",
                    "securitytoken",
                    "authorization",
                    "x-acs-security-token"
                ]
                .contains(&name.as_str()),
                "{pair}"
            );
        }
    }

    // The schema does hold an archive to HAR 1.2: each of these breaks it.
    type Break = fn(&mut Value);
    let breaks: [(&str, Break); 4] = [
        ("no version", |har| {
            har["log"].as_object_mut().unwrap().remove("version");
        }),
        ("a request without a method", |har| {
            har["log"]["entries"][0]["request"]
                .as_object_mut()
                .unwrap()
                .remove("method");
        }),
        ("a start that is no date", |har| {
            har["log"]["entries"][0]["startedDateTime"] = "yesterday".into();
        }),
        ("timings without wait", |har| {
            har["log"]["entries"][0]["timings"]
                .as_object_mut()
                .unwrap()
                .remove("wait");
        }),
    ];
    for (what, break_it) in breaks {
        let mut broken = har.clone();
        break_it(&mut broken);
        assert!(!violations(&validator, &broken).is_empty(), "{what} passed");
    }
}

#[tokio::test]
async fn a_run_that_records_nothing_gives_an_empty_valid_archive() {
    let (run, _target) = {
        let target = Target::start().await;
        let run = runner::run(&RunOptions {
            cases: vec!["flow-name/length-1".to_owned()],
            ..target.run_options()
        })
        .await
        .unwrap();
        (run, target)
    };
    let mut written = Vec::new();
    ReportFormat::Har.write(&run, &mut written).unwrap();
    let har: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(violations(&har_schema(), &har), Vec::<String>::new());
    assert_eq!(har["log"]["entries"], Value::Array(Vec::new()));
}
