//! `conformance`: a contract-conformance test harness for Alibaba Cloud CloudFlow's
//! `DescribeExecution` API.
//!
//! It holds a CloudFlow-compatible service to the documented contract: the FlowName and
//! ExecutionName rules, the WaitTimeSeconds bounds and long-poll timing, missing
//! parameters, the error-code table and the response schemas. The `conformance` command
//! runs it from a shell or CI; this library is the same harness, for Rust code that wants
//! to run a suite itself or reuse its parts.
//!
//! The data flows one way:
//!
//! ```text
//! schemas/ ──► contract ──► cases ──► wire ──► target ──► exchange ──► checks ──► findings ──► report
//!                                                 │
//!                                                 └─ reference (the embedded target, with faults)
//! ```
//!
//! # The contract
//!
//! [`contract`] is the single source of truth: `schemas/` (JSON Schema files, embedded in
//! the binary) loaded once into [`contract::Contract::embedded`]. It knows the parameter
//! rules, the body schemas and the error-code table, and its oracle gives every answer it
//! allows to a request, with the open questions where the documentation leaves a choice.
//! The generators, the checks and the reference target all ask it; none restates a rule.
//! Each rule is also written once as data ([`contract::Rules`]: its id, the contract's own
//! words quoted from its embedded pages, the checks that judge it, the cases that exercise
//! it, the reference faults that break it), which `conformance explain` and `conformance
//! coverage` print; `report::explain_check` gives a check's explanation to any report.
//!
//! # Running a suite from code
//!
//! Fill in [`runner::RunOptions`] (its `Default` runs the whole catalog against the
//! embedded reference target), [`runner::run`] it on a tokio runtime, and hand the
//! [`runner::RunReport`] to a writer of [`report`] (console, JSON, JUnit, HTML):
//!
//! ```no_run
//! use conformance::runner::{RunOptions, run};
//! use conformance::wire::{Credentials, Endpoint};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let options = RunOptions {
//!     target: Some("https://cloudflow.example.com".parse::<Endpoint>()?),
//!     credentials: Some(Credentials::new("LTAI...", "secret")),
//!     filters: vec!["flow-name".to_owned()],
//!     ..RunOptions::default()
//! };
//! let report = run(&options).await?;
//! conformance::report::write_json(&report, &mut std::io::stdout())?;
//! assert!(report.conformant(), "{:#?}", report.findings().collect::<Vec<_>>());
//! # Ok(())
//! # }
//! ```
//!
//! A baseline of known failures ([`runner::Baseline`], the file `--baseline` reads) judges
//! a report: [`runner::RunReport::judge`] marks the findings it lists as expected, and
//! [`runner::RunReport::passes`] says whether any other finding is left; the reports then
//! show the expected ones apart.
//!
//! The reference target ([`reference::Reference`]) starts in-process on any address, with
//! switchable faults and choices, for tests of a harness or a client.
//!
//! The validating proxy's forwarding half ([`proxy::Proxy`]) starts in-process too: it
//! forwards every request to a target as the client sent it and streams the answer back
//! (keep-alive connections to the target, rustls toward HTTPS, no timeout on a held long
//! poll), and sends one [`proxy::Traffic`] record per exchange on a channel, for a
//! [`proxy::Judge`] or for your own checks; `conformance proxy` runs both.
//!
//! The validating proxy ([`proxy`]) judges live traffic instead of a suite: each record
//! of an exchange that went through it goes to a [`proxy::Judge`], which holds a
//! DescribeExecution to the run's own checks (its expectation from the contract alone, its
//! timing and its execution's history from the traffic), the request to the parameter
//! rules (client findings), and other operations to the wire format's checks; its
//! [`proxy::ProxyReport`] writes the same reports as a run, one case per exchange.
//!
//! # Property-testing your own code with the contract's strategies
//!
//! [`strategies`] holds the proptest generators `conformance fuzz` sends: names and
//! WaitTimeSeconds values biased to the edges of the rules, and whole DescribeExecution
//! requests with [`strategies::expectation`], every answer the contract allows to one.
//! Hold your own validator to them in-process, without the server or the HTTP client
//! (`default-features = false`, and `proptest` among your dev-dependencies):
//!
//! ```
//! use conformance::contract::Contract;
//! use conformance::strategies;
//! use proptest::test_runner::TestRunner;
//!
//! /// Your validator of FlowName and ExecutionName.
//! fn is_valid_name(name: &str) -> bool {
//!     let mut characters = name.chars();
//!     (1..=128).contains(&name.chars().count())
//!         && characters.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
//!         && characters.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
//! }
//!
//! let contract = Contract::embedded();
//! TestRunner::default()
//!     .run(&strategies::names(contract), |name| {
//!         proptest::prop_assert_eq!(is_valid_name(&name), contract.names().is_valid(&name));
//!         Ok(())
//!     })
//!     .unwrap();
//! ```
//!
//! In a test suite, the `proptest!` macro does the same (`tests/strategies-user` in the
//! repository is such a user, built without default features).
//!
//! # Features
//!
//! | feature | adds | pulls in |
//! |---|---|---|
//! | (none) | [`contract`], [`cases`] and [`strategies`], the pure [`checks`], request building and signing in [`wire`] | jsonschema, regex, proptest, hmac, sha1, sha2, serde_json, time, uuid |
//! | `reference` | the embedded reference target (`reference`) | axum, hyper, hyper-util, tokio, governor, serde-saphyr |
//! | `runner` | `reference`, and the HTTP client (`wire::Client`), `runner`, `report` and `proxy` | reqwest with rustls (aws-lc), tokio-rustls, indicatif, quick-junit, quick-xml, similar |
//! | `cli` | `runner`, and what the `conformance` command needs | clap, anstream, rlimit |
//! | `jemalloc` | jemalloc as the command's allocator | tikv-jemallocator |
//!
//! `default` is `cli` and `jemalloc`: everything.

pub mod cases;
pub mod checks;
pub mod contract;
#[cfg(feature = "runner")]
pub mod proxy;
#[cfg(feature = "reference")]
pub mod reference;
#[cfg(feature = "runner")]
pub mod report;
#[cfg(feature = "runner")]
pub mod runner;
pub mod wire;

pub use cases::strategies;
