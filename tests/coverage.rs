//! Rule coverage end to end: what `docs/coverage.md` claims of each rule holds. Slow tier:
//! each fault a rule names, switched on in the reference target, is caught by its owner on
//! the rule's own cases (the fault matrix proves it on the whole suite; this proves the
//! rule's cases are the ones that catch it).

mod common;

use std::sync::Arc;

use common::{Target, otherid};
use conformance::checks::CheckId;
use conformance::contract::Contract;
use conformance::reference::Fault;
use conformance::report::{AllCases, cases_of};
use conformance::runner::{RunOptions, run};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// How many runs go side by side.
const AT_ONCE: usize = 6;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow tier: each rule's faults against the rule's own cases, about 120 runs"]
async fn every_fault_of_a_rule_is_caught_by_its_owner_on_the_rules_own_cases() {
    let cases = AllCases::new().infos();
    let permits = Arc::new(Semaphore::new(AT_ONCE));
    let mut runs = JoinSet::new();
    for rule in Contract::embedded().rules().all() {
        let ids = cases_of(rule, &cases);
        for name in &rule.faults {
            let fault = Fault::named(name).expect("a fault the coverage test knows");
            let (rule, ids, permits) = (rule.id.clone(), ids.clone(), Arc::clone(&permits));
            runs.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("open");
                let target = Target::faulty(vec![fault]).await;
                let report = run(&RunOptions {
                    cases: ids,
                    other_credentials: Some(otherid()),
                    probe_throttling: fault.throttles(),
                    ..target.run_options()
                })
                .await;
                let caught: Vec<CheckId> = match &report {
                    Ok(report) => report.findings().map(|finding| finding.check).collect(),
                    Err(_) => Vec::new(),
                };
                (
                    rule,
                    fault,
                    caught,
                    report.err().map(|error| error.to_string()),
                )
            });
        }
    }
    let mut missed: Vec<String> = runs
        .join_all()
        .await
        .into_iter()
        .filter(|(_, fault, caught, _)| !caught.contains(&fault.owner()))
        .map(|(rule, fault, caught, error)| {
            format!(
                "{rule}: {fault} (owned by {}) was caught by {caught:?} {}",
                fault.owner(),
                error.unwrap_or_default()
            )
        })
        .collect();
    missed.sort();
    assert!(missed.is_empty(), "{missed:#?}");
}
