//! Secrets never leave the process: every subcommand and every report format runs with a
//! known access key secret and security token, and none of its output (console, report
//! files of every format (the HAR file of every exchange among them), snapshots, the fuzz
//! regressions file, baselines, usage errors) holds them or a signature.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Target;
use common::served::{PATIENCE, Served};
use conformance::reference::{Fault, NameFault, NameParameter, ReferenceOptions};
use conformance::wire::{Client, ClientOptions, Credentials, RpcRequest, Signing, SigningContext};

const SECRET: &str = "Sekr1t-AccessKeySecret-7f3a9c";
const OTHER_SECRET: &str = "0ther-Sekr1t-44b1e0";
const TOKEN: &str = "STS-Token-5b2e8d1c9a";

/// Everything a user could see, gathered for the search.
#[derive(Default)]
struct Seen(Vec<(String, String)>);

impl Seen {
    fn output(&mut self, what: &str, output: &Output) {
        self.0.push((
            format!("{what} (stdout)"),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ));
        self.0.push((
            format!("{what} (stderr)"),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ));
    }

    fn files(&mut self, dir: &Path) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                self.files(&path);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                self.0.push((path.display().to_string(), text));
            }
        }
    }
}

fn conformance(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conformance"))
        .args(args)
        .current_dir(dir)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "keyid")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
        .env("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)
        .output()
        .unwrap()
}

async fn target(faults: Vec<Fault>) -> Target {
    Target::with(ReferenceOptions {
        accounts: vec![
            Credentials::new("keyid", SECRET),
            Credentials::new("other", OTHER_SECRET),
        ],
        faults,
        ..ReferenceOptions::default()
    })
    .await
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conformance-secrets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn no_output_holds_a_secret_a_token_or_a_signature() {
    let dir = scratch();
    let clean = target(Vec::new()).await;
    let faulty = target(vec![Fault::Name(
        NameParameter::Flow,
        NameFault::AcceptsDots,
    )])
    .await;
    let other = format!("other:{OTHER_SECRET}");
    let mut seen = Seen::default();
    let runs: Vec<(String, Vec<String>)> = vec![
        (
            "a clean run, v1, every report".into(),
            vec![
                "--target".into(),
                clean.reference.url(),
                "--other-credentials".into(),
                other.clone(),
                "--report".into(),
                "junit=clean.xml".into(),
                "--report".into(),
                "json=clean.json".into(),
                "--report".into(),
                "har=clean.har".into(),
                "--report".into(),
                "html=clean.html".into(),
                "--snapshots".into(),
                "snaps-clean".into(),
            ],
        ),
        (
            "a failing run, v1".into(),
            vec![
                "--target".into(),
                faulty.reference.url(),
                "--other-credentials".into(),
                other.clone(),
                "--report".into(),
                "junit=faulty.xml".into(),
                "--report".into(),
                "json=faulty.json".into(),
                "--report".into(),
                "html=faulty.html".into(),
                "--snapshots".into(),
                "snaps-faulty".into(),
                "--write-baseline".into(),
                "baseline-faulty.txt".into(),
            ],
        ),
        (
            "a failing run, v3, the secret as a flag".into(),
            vec![
                "--target".into(),
                faulty.reference.url(),
                "--signature".into(),
                "v3".into(),
                "--access-key-secret".into(),
                SECRET.into(),
                "--other-credentials".into(),
                other.clone(),
                "--report".into(),
                "junit=faulty-v3.xml".into(),
                "--report".into(),
                "json=faulty-v3.json".into(),
                "--report".into(),
                "html=faulty-v3.html".into(),
                "--write-baseline".into(),
                "baseline-faulty-v3.txt".into(),
                "--report".into(),
                "har=faulty-v3.har".into(),
            ],
        ),
        (
            "a failing fuzz run".into(),
            vec![
                "fuzz".into(),
                "--target".into(),
                faulty.reference.url(),
                "--cases".into(),
                "10000".into(),
                "--max-failures".into(),
                "1".into(),
                "--seed".into(),
                "2".into(),
                "--regressions".into(),
                "regressions.txt".into(),
                "--write-baseline".into(),
                "baseline-fuzz.txt".into(),
            ],
        ),
        (
            "a replay".into(),
            vec![
                "fuzz".into(),
                "--target".into(),
                faulty.reference.url(),
                "--replay".into(),
                "FlowName=a.b&ExecutionName=x".into(),
            ],
        ),
        ("--list".into(), vec!["--list".into()]),
        ("checks".into(), vec!["checks".into()]),
        ("contract".into(), vec!["contract".into()]),
        ("--help".into(), vec!["--help".into()]),
        ("fuzz --help".into(), vec!["fuzz".into(), "--help".into()]),
        (
            "a malformed --other-credentials".into(),
            vec![
                "--target".into(),
                clean.reference.url(),
                "--other-credentials".into(),
                format!("other;{OTHER_SECRET}"),
            ],
        ),
        (
            "a malformed --account".into(),
            vec![
                "serve".into(),
                "--account".into(),
                format!("keyid/{SECRET}"),
            ],
        ),
        (
            "a target that is no URL".into(),
            vec!["--target".into(), "not a url".into()],
        ),
        (
            "an unreachable target".into(),
            vec!["--target".into(), "http://127.0.0.1:9".into()],
        ),
    ];
    // Side by side: each run is a process of its own, with files of its own.
    let outputs: Vec<_> = runs
        .iter()
        .map(|(_, args)| {
            let dir = dir.clone();
            let args = args.clone();
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                conformance(&dir, &args)
            })
        })
        .collect();
    for ((what, _), output) in runs.iter().zip(outputs) {
        let output = output.await.unwrap();
        assert!(
            !output.stdout.is_empty() || !output.stderr.is_empty(),
            "{what} printed nothing"
        );
        seen.output(what, &output);
    }
    // The failing runs printed reproductions, and the fuzz run kept a regression: the search
    // covers outputs that hold requests.
    let failing = &seen.0[2].1;
    assert!(failing.contains("request (unsigned): curl"), "{failing}");
    assert!(dir.join("regressions.txt").exists());
    assert!(dir.join("faulty-v3.html").exists());
    for baseline in [
        "baseline-faulty.txt",
        "baseline-faulty-v3.txt",
        "baseline-fuzz.txt",
    ] {
        let written = std::fs::read_to_string(dir.join(baseline)).unwrap();
        assert!(written.contains("FlowName:characters") || written.contains("[expected-outcome]"));
    }

    // serve --account with a secret: what it prints from its start to its end, with a
    // request signed with that secret in between.
    let served = Served::start(&["--account", &format!("keyid:{SECRET}")]).await;
    let client = Client::new(&ClientOptions::default()).unwrap();
    let request = RpcRequest::get("DescribeExecution")
        .param("FlowName", "flow")
        .param("ExecutionName", "exec")
        .build(
            &served.endpoint(),
            &Signing::V1(Credentials::new("keyid", SECRET)),
            &SigningContext::fresh(),
        )
        .unwrap();
    let answer = client.send(request, PATIENCE).await.unwrap();
    assert_eq!(answer.status, 404, "serve knows the account");
    let ended = served.terminate().await;
    assert!(ended.status.success(), "serve: {:?}", ended.status);
    seen.0.push(("serve (stdout)".to_owned(), ended.stdout));
    seen.0.push(("serve (stderr)".to_owned(), ended.stderr));
    seen.files(&dir);

    // A HAR file names each query parameter and header in a pair of its own.
    let signature = regex::Regex::new(
        r#"[?&]Signature=|(?i)authorization:|ACS3-HMAC-SHA256 Credential|"name": ?"(?-i:Signature|SecurityToken|authorization|x-acs-security-token)""#,
    )
    .unwrap();
    let mut leaks = Vec::new();
    for (place, text) in &seen.0 {
        for secret in [SECRET, OTHER_SECRET, TOKEN] {
            if text.contains(secret) {
                leaks.push(format!("{place} holds {secret}"));
            }
        }
        if let Some(found) = signature.find(text) {
            leaks.push(format!("{place} holds a signature: {}", found.as_str()));
        }
    }
    assert!(seen.0.len() > 30, "{} places searched", seen.0.len());
    assert!(leaks.is_empty(), "{leaks:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}
