//! The choices of the reference target, as a test: each gives another answer the contract
//! allows where it leaves the answer open, and the default suite (catalog, timing cases, a
//! 5,000-request fuzz run) against the target with each choice must find nothing. The
//! mirror of tests/faults.rs: faults prove the harness sees, choices that it does not see
//! what is not there. `docs/choice-matrix.md` must be what this run generates.

use std::collections::BTreeSet;
use std::path::Path;

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
    let generated = String::from_utf8(generated).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/choice-matrix.md");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    if checked_in != generated {
        let diff = similar::TextDiff::from_lines(&checked_in, &generated)
            .unified_diff()
            .header("docs/choice-matrix.md", "generated")
            .to_string();
        panic!(
            "docs/choice-matrix.md is not current; regenerate it with\n  cargo run --release -- choice-matrix > docs/choice-matrix.md\n{diff}"
        );
    }
}
