//! A baseline of known failures (`--baseline FILE`): the failures a team accepts for now,
//! so that CI fails only on new ones.
//!
//! The file is text, one entry a line, in the vocabulary of every report:
//!
//! ```text
//! # comment lines and blank lines are ignored
//! auth/v1-signature-first-changed [error-family]  # a trailing comment is ignored too
//! setup/CreateFlow [strict-json]
//! fuzz [expected-outcome+message-template @ FlowName:characters]
//! ```
//!
//! `CASE-ID [CHECK]` is a check a case (a catalog or timing case, a set-up step) failed;
//! `fuzz [SIGNATURE]` is a distinct failure of `conformance fuzz` by its
//! [`signature`](super::signature). A run judges the case entries, a fuzz run the `fuzz`
//! ones; each leaves the other kind alone, so one file can hold both. Entries may come in
//! any order and more than once, so the files of several shards concatenated (and sorted)
//! are one baseline.
//!
//! [`Baseline::read`] and [`Baseline::parse`] (in `file`) read the text. Judging is pure:
//! [`Baseline::judge`] and [`Baseline::judge_fuzz`] take what a run found and say which
//! failures the file expects and which of its entries the run did not meet.

mod file;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

pub use file::{BaselineError, LineError};

use super::fuzz::FuzzReport;
use super::results::RunReport;
use crate::checks::{CheckId, Finding};

/// The id of the entries that stand for distinct failures of `conformance fuzz`.
pub const FUZZ_ENTRY: &str = "fuzz";

/// One known failure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Known {
    /// A check a case failed: `CASE-ID [CHECK]`.
    Case {
        /// The case's id, as reports print it (`wait-time/61`, `setup/CreateFlow`).
        case: String,
        /// The check it failed.
        check: CheckId,
    },
    /// A distinct failure of a fuzz run: `fuzz [SIGNATURE]`.
    Fuzz {
        /// Its signature (`expected-outcome @ FlowName:characters`).
        signature: String,
    },
}

impl Known {
    /// The entry of a finding of a run.
    pub fn of(finding: &Finding) -> Self {
        Known::Case {
            case: finding.case.clone(),
            check: finding.check,
        }
    }
}

/// The entry as the file writes it.
impl fmt::Display for Known {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Known::Case { case, check } => write!(formatter, "{case} [{check}]"),
            Known::Fuzz { signature } => write!(formatter, "{FUZZ_ENTRY} [{signature}]"),
        }
    }
}

/// The entries of a baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// The file it was read from (for reports).
    pub path: PathBuf,
    /// Whether an entry that no longer fails fails the run (`--strict-baseline`): the file
    /// is then kept exactly current.
    pub strict: bool,
    entries: BTreeSet<Known>,
}

impl Baseline {
    /// A baseline of these entries.
    pub fn of(entries: impl IntoIterator<Item = Known>) -> Self {
        Self {
            path: PathBuf::new(),
            strict: false,
            entries: entries.into_iter().collect(),
        }
    }

    /// Every entry, sorted, each once.
    pub fn entries(&self) -> impl Iterator<Item = &Known> {
        self.entries.iter()
    }

    /// What the baseline says of a run: every finding it lists is expected; each case entry
    /// the run did not meet as a failure no longer fails (its case ran) or was not run (not
    /// selected, another shard's, skipped, no answer came, or no such case). Fuzz entries
    /// are left to fuzz runs.
    pub fn judge(&self, report: &RunReport) -> BaselineVerdict {
        let failing: BTreeSet<Known> = report.findings().map(Known::of).collect();
        // A case without an answer judged nothing else.
        let unanswered: BTreeSet<&str> = report
            .findings()
            .filter(|finding| finding.check == CheckId::Answered)
            .map(|finding| finding.case.as_str())
            .collect();
        let ran: BTreeSet<&str> = report
            .cases
            .iter()
            .filter(|result| result.ran())
            .map(|result| result.case.id.as_str())
            .chain(report.steps.iter().map(String::as_str))
            .collect();
        self.verdict(|entry| match entry {
            Known::Fuzz { .. } => None,
            Known::Case { case, check } => Some(if failing.contains(entry) {
                Judged::Expected
            } else if ran.contains(case.as_str())
                && (*check == CheckId::Answered || !unanswered.contains(case.as_str()))
            {
                Judged::Stale(Stale::NoLongerFails)
            } else {
                Judged::Stale(Stale::NotRun)
            }),
        })
    }

    /// What the baseline says of a fuzz run: every distinct failure whose signature it lists
    /// is expected; a listed signature the run did not meet was not run (generated requests
    /// are random: not meeting a failure does not show it fixed). Case entries are left to
    /// runs.
    pub fn judge_fuzz(&self, report: &FuzzReport) -> BaselineVerdict {
        let met: BTreeSet<&str> = report
            .failures
            .iter()
            .map(|failure| failure.signature.as_str())
            .collect();
        self.verdict(|entry| match entry {
            Known::Case { .. } => None,
            Known::Fuzz { signature } => Some(if met.contains(signature.as_str()) {
                Judged::Expected
            } else {
                Judged::Stale(Stale::NotRun)
            }),
        })
    }

    fn verdict(&self, judge: impl Fn(&Known) -> Option<Judged>) -> BaselineVerdict {
        let mut verdict = BaselineVerdict {
            path: self.path.clone(),
            strict: self.strict,
            ..BaselineVerdict::default()
        };
        for entry in &self.entries {
            match judge(entry) {
                None => continue,
                Some(Judged::Expected) => {
                    verdict.expected.insert(entry.clone());
                }
                Some(Judged::Stale(stale)) => {
                    verdict.stale.insert(entry.clone(), stale);
                }
            }
            verdict.entries += 1;
        }
        verdict
    }
}

enum Judged {
    Expected,
    Stale(Stale),
}

/// Why an entry of a baseline matched no failure of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// Its case ran and passed the check: the target was mended, or the entry was never
    /// right. Remove it from the baseline.
    NoLongerFails,
    /// The run could not say: the case was not run (not selected, another shard's,
    /// skipped, unanswered, a set-up step the run did not need, or no case of that id any
    /// more), or a fuzz run did not meet the failure.
    NotRun,
}

impl Stale {
    /// How reports say it.
    pub fn as_str(self) -> &'static str {
        match self {
            Stale::NoLongerFails => "no longer fails",
            Stale::NotRun => "not run",
        }
    }
}

/// What a baseline says of one run: the failures it expected and the entries the run did
/// not meet. Reports ask it whether a finding is expected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineVerdict {
    /// The file.
    pub path: PathBuf,
    /// Whether an entry that no longer fails fails the run (`--strict-baseline`).
    pub strict: bool,
    /// How many of its entries are of this kind of run (case entries for a run, fuzz
    /// entries for a fuzz run).
    pub entries: usize,
    expected: BTreeSet<Known>,
    stale: BTreeMap<Known, Stale>,
}

impl BaselineVerdict {
    /// Whether the baseline lists this failure.
    pub fn expects(&self, known: &Known) -> bool {
        self.expected.contains(known)
    }

    /// Whether the baseline lists this finding of a run.
    pub fn expects_finding(&self, finding: &Finding) -> bool {
        self.expects(&Known::of(finding))
    }

    /// The entries the run did not meet, sorted, with why.
    pub fn stale(&self) -> impl Iterator<Item = (&Known, Stale)> {
        self.stale.iter().map(|(known, stale)| (known, *stale))
    }

    /// The entries of this kind the run did not meet for this reason.
    pub fn stale_as(&self, why: Stale) -> impl Iterator<Item = &Known> {
        self.stale()
            .filter(move |(_, stale)| *stale == why)
            .map(|(known, _)| known)
    }

    /// The entries that fail the run: with `--strict-baseline`, those that no longer fail
    /// (an entry the run could not judge never fails it); none otherwise.
    pub fn failing(&self) -> impl Iterator<Item = &Known> {
        self.stale_as(Stale::NoLongerFails).filter(|_| self.strict)
    }

    /// The entries the run met as failures.
    pub fn met(&self) -> usize {
        self.expected.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cases::strategies::FuzzRequest;
    use crate::cases::{CaseInfo, CaseKind};
    use crate::runner::FuzzFailure;
    use crate::runner::results::{CaseOutcome, CaseResult};
    use crate::wire::SignatureVersion;

    fn case(id: &str, check: CheckId) -> Known {
        Known::Case {
            case: id.to_owned(),
            check,
        }
    }
    fn result(id: &str, findings: &[CheckId], skipped: bool) -> CaseResult {
        CaseResult {
            case: CaseInfo {
                id: id.to_owned(),
                kind: CaseKind::Catalog,
                tags: Vec::new(),
                description: String::new(),
                scenario: None,
            },
            findings: findings
                .iter()
                .map(|check| Finding {
                    case: id.to_owned(),
                    check: *check,
                    expected: String::new(),
                    actual: String::new(),
                })
                .collect(),
            outcome: if skipped {
                CaseOutcome::Skipped {
                    reason: "r".to_owned(),
                }
            } else {
                CaseOutcome::Timing(Box::default())
            },
        }
    }

    pub(crate) fn report(cases: Vec<CaseResult>, steps: &[&str]) -> RunReport {
        RunReport {
            target: "http://127.0.0.1:9".to_owned(),
            embedded: false,
            run_id: "r".to_owned(),
            signature: SignatureVersion::V1,
            cases,
            timing_bounds: None,
            elapsed: Duration::ZERO,
            left_behind: Vec::new(),
            steps: steps.iter().map(|step| (*step).to_owned()).collect(),
            baseline: None,
            exchanges: Vec::new(),
        }
    }

    #[test]
    fn a_run_is_judged_entry_by_entry() {
        let baseline = Baseline::of([
            case("a/listed", CheckId::ExpectedOutcome),
            case("b/fixed", CheckId::MessageTemplate),
            case("c/skipped", CheckId::ExpectedOutcome),
            case("d/unknown", CheckId::ExpectedOutcome),
            case("e/unanswered", CheckId::ExpectedOutcome),
            case("setup/CreateFlow", CheckId::StrictJson),
            case("setup/StopExecution", CheckId::StrictJson),
            Known::Fuzz {
                signature: "answered @ valid".to_owned(),
            },
        ]);
        let run = report(
            vec![
                result("a/listed", &[CheckId::ExpectedOutcome], false),
                result("b/fixed", &[], false),
                result("c/skipped", &[], true),
                result("e/unanswered", &[CheckId::Answered], false),
                result("f/new", &[CheckId::SuccessSchema], false),
            ],
            &["setup/CreateFlow"],
        );
        let verdict = baseline.judge(&run);
        assert_eq!(verdict.entries, 7, "the fuzz entry is a fuzz run's");
        assert_eq!(verdict.met(), 1);
        assert!(verdict.expects(&case("a/listed", CheckId::ExpectedOutcome)));
        assert!(!verdict.expects(&case("f/new", CheckId::SuccessSchema)));
        let ids = |why| -> Vec<String> {
            verdict
                .stale_as(why)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(Stale::NoLongerFails),
            [
                "b/fixed [message-template]",
                "setup/CreateFlow [strict-json]"
            ]
        );
        assert_eq!(
            ids(Stale::NotRun),
            [
                "c/skipped [expected-outcome]",
                "d/unknown [expected-outcome]",
                "e/unanswered [expected-outcome]",
                "setup/StopExecution [strict-json]"
            ]
        );
    }

    #[test]
    fn a_fuzz_run_is_judged_by_signature_and_never_shows_a_fix() {
        let baseline = Baseline::of([
            Known::Fuzz {
                signature: "expected-outcome @ FlowName:characters".to_owned(),
            },
            Known::Fuzz {
                signature: "no-5xx @ valid".to_owned(),
            },
            case("a/listed", CheckId::ExpectedOutcome),
        ]);
        let fuzz = FuzzReport {
            target: String::new(),
            embedded: true,
            run_id: String::new(),
            seed: 1,
            sent: 0,
            generated: 0,
            replayed: 0,
            failed: 0,
            failures: vec![FuzzFailure {
                signature: "expected-outcome @ FlowName:characters".to_owned(),
                request: FuzzRequest { params: Vec::new() },
                findings: Vec::new(),
                index: Some(0),
                hits: 1,
                shrinks: 0,
                kept: false,
            }],
            stopped_early: false,
            generating: Duration::ZERO,
            elapsed: Duration::ZERO,
            baseline: None,
        };
        let verdict = baseline.judge_fuzz(&fuzz);
        assert_eq!(verdict.entries, 2);
        assert_eq!(verdict.met(), 1);
        assert!(verdict.expects(&Known::Fuzz {
            signature: "expected-outcome @ FlowName:characters".to_owned()
        }));
        assert_eq!(verdict.stale_as(Stale::NotRun).count(), 1);
        assert_eq!(verdict.stale_as(Stale::NoLongerFails).count(), 0);
    }
}
