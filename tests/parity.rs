//! Parity: snapshots recorded against the clean reference target and compared with the
//! reference target under each of its choices (another answer the contract allows) show
//! no change caused by a value the service chooses (RequestId, HostId, Recommend, the
//! timestamps' instants and forms), and every change they do show is annotated with the
//! open question the choice answers. A target that differs from the recording one only in
//! its HostId (the finding: 111 of 119 snapshots changed) shows none.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use conformance::cases::CaseKind;
use conformance::reference::{Choice, Reference, ReferenceOptions, default_accounts};
use conformance::report::{SnapshotOutcome, Snapshots};
use conformance::runner::{self, Pacing, RunOptions};

/// Copies the recorded snapshots to a directory of their own.
fn copy(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// The catalog cases (snapshots hold no timing case) against a reference target with
/// `choices`, with both default accounts; the snapshots in `dir` compared with them.
async fn compared(choices: Vec<Choice>, dir: &Path) -> SnapshotOutcome {
    let throttles = choices.iter().any(|choice| choice.throttles());
    let reference = Reference::start(
        "127.0.0.1:0".parse().unwrap(),
        ReferenceOptions {
            choices,
            ..ReferenceOptions::default()
        },
    )
    .await
    .expect("the reference target starts");
    let accounts = default_accounts();
    let mut options = RunOptions {
        target: Some(reference.endpoint()),
        credentials: accounts.first().cloned(),
        other_credentials: accounts.get(1).cloned(),
        // A throttling target at the real service's pace, as the choice matrix runs it.
        pacing: if throttles {
            Pacing::Service
        } else {
            Pacing::Unlimited
        },
        ..RunOptions::default()
    };
    options.cases = runner::list(&options)
        .into_iter()
        .filter(|case| case.kind == CaseKind::Catalog)
        .map(|case| case.id)
        .collect();
    let run = runner::run(&options).await.expect("the run completes");
    let _ = reference.stop().await;
    Snapshots::new(dir, false)
        .compare(&run)
        .expect("the snapshots are read and written")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow tier (.ci/slow-tier): the catalog against the reference target with each of 32 choices, about 80 s on two cores"]
async fn snapshots_of_the_clean_target_match_every_choice_but_for_its_open_question() {
    let root = common::scratch("parity", "choices");
    let recorded = root.join("recorded");
    let first = compared(Vec::new(), &recorded).await;
    assert!(first.drifted.is_empty() && first.unchanged == 0);
    assert!(first.recorded.len() > 150, "{}", first.recorded.len());

    // Two at a time: one a core.
    let permits = Arc::new(tokio::sync::Semaphore::new(2));
    let mut runs = Vec::new();
    for choice in Choice::ALL {
        let dir = root.join(choice.name());
        copy(&recorded, &dir);
        let permits = Arc::clone(&permits);
        runs.push((
            *choice,
            tokio::spawn(async move {
                let _permit = permits.acquire().await.unwrap();
                compared(vec![*choice], &dir).await
            }),
        ));
    }
    let mut problems = Vec::new();
    let mut drifting = BTreeSet::new();
    for (choice, run) in runs {
        let outcome = run.await.unwrap();
        assert!(
            outcome.recorded.is_empty(),
            "{choice}: {:?}",
            outcome.recorded
        );
        if !outcome.drifted.is_empty() {
            drifting.insert(choice.name());
        }
        for drift in &outcome.drifted {
            if drift.changes.is_empty() {
                problems.push(format!(
                    "{choice}: {} drifted unreadably:\n{}",
                    drift.case, drift.diff
                ));
            }
            for change in &drift.changes {
                if !change.questions.contains(&choice.question()) {
                    problems.push(format!(
                        "{choice} ({}): {} {change}",
                        choice.question(),
                        drift.case
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The finding: a fixed HostId is no change at all.
    assert!(
        !drifting.contains(Choice::FixedHostId.name()),
        "{drifting:?}"
    );
    // And the comparison does see: choices that change what the answers say drift.
    for choice in [
        Choice::LenientIntegers,
        Choice::RepeatedAsMap,
        Choice::MessageWhitespace,
        Choice::ExtraFields,
        Choice::GatewayErrorExtras,
    ] {
        assert!(drifting.contains(choice.name()), "{choice}: {drifting:?}");
    }
}
