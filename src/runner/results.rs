//! What a run returns: one ordered list of case results (catalog, timing and skipped
//! alike, in catalog order), which every report walks.

use std::time::Duration;

use serde_json::Value;

use super::baseline::{Baseline, BaselineVerdict};
use super::provisioned;
use super::recording::Recorded;
use crate::cases::{Case, CaseInfo};
use crate::checks::Finding;
use crate::checks::timing::{Poll, Timeline, TimingBounds};
use crate::wire::{Exchange, SignatureVersion, TransportError};

/// One case of a run, as it ran or why it did not.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// What the case is.
    pub case: CaseInfo,
    /// The checks it failed (none for a skipped case).
    pub findings: Vec<Finding>,
    /// How it ran.
    pub outcome: CaseOutcome,
}

/// How a case ran, by its kind, or why it did not.
#[derive(Debug, Clone)]
pub enum CaseOutcome {
    /// A catalog case (or a set-up step standing for one): one exchange, checked.
    Checked(Box<Checked>),
    /// A timing case: what its script saw.
    Timing(Box<Timeline>),
    /// Left out, and why (never silently).
    Skipped {
        /// Why it could not mean anything in this run.
        reason: String,
    },
}

/// The exchange of a catalog case.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The case, with its request and the answers it allows.
    pub case: Case,
    /// The request as sent.
    pub request: http::Request<Vec<u8>>,
    /// The answer, or why none came.
    pub answer: Result<Exchange, TransportError>,
    /// The answer's body as JSON, if it is JSON: parsed once, for every check and report.
    pub body: Option<Value>,
}

impl CaseResult {
    /// The result of a catalog case's exchange.
    pub fn checked(checked: Checked, findings: Vec<Finding>) -> Self {
        Self {
            case: checked.case.info(),
            findings,
            outcome: CaseOutcome::Checked(Box::new(checked)),
        }
    }

    /// Whether the case ran and every check passed.
    pub fn passed(&self) -> bool {
        self.ran() && self.findings.is_empty()
    }

    /// Whether the case ran (it was not skipped).
    pub fn ran(&self) -> bool {
        !matches!(self.outcome, CaseOutcome::Skipped { .. })
    }

    /// Why it was skipped, if it was.
    pub fn skip_reason(&self) -> Option<&str> {
        match &self.outcome {
            CaseOutcome::Skipped { reason } => Some(reason),
            _ => None,
        }
    }

    /// The exchange, if it is a catalog case that ran.
    pub fn exchange(&self) -> Option<&Checked> {
        match &self.outcome {
            CaseOutcome::Checked(checked) => Some(checked),
            _ => None,
        }
    }

    /// What its script saw, if it is a timing case that ran.
    pub fn timeline(&self) -> Option<&Timeline> {
        match &self.outcome {
            CaseOutcome::Timing(timeline) => Some(timeline),
            _ => None,
        }
    }

    /// How long the case took: its answer, or the last answer of its script (zero when
    /// none came or it did not run).
    pub fn elapsed(&self) -> Duration {
        match &self.outcome {
            CaseOutcome::Checked(checked) => checked
                .answer
                .as_ref()
                .map_or(Duration::ZERO, |exchange| exchange.elapsed),
            CaseOutcome::Timing(timeline) => timeline
                .polls
                .iter()
                .map(Poll::answered)
                .max()
                .unwrap_or_default(),
            CaseOutcome::Skipped { .. } => Duration::ZERO,
        }
    }
}

/// A whole run.
#[derive(Debug)]
pub struct RunReport {
    /// The endpoint the cases went to.
    pub target: String,
    /// Whether it was the embedded reference target.
    pub embedded: bool,
    /// The id unique to the run, part of every name it created.
    pub run_id: String,
    /// The signature version of the run.
    pub signature: SignatureVersion,
    /// Every selected case in catalog order (first the set-up and clean-up steps whose
    /// answers were not strict JSON, then the set-up step whose answer broke the wire
    /// format; timing cases after the catalog's), run or skipped.
    pub cases: Vec<CaseResult>,
    /// The bounds the timing cases were held to, if any ran.
    pub timing_bounds: Option<TimingBounds>,
    /// How long the run took, set-up included.
    pub elapsed: Duration,
    /// The flows of the run that could not be deleted and may still be on the target.
    pub left_behind: Vec<String>,
    /// The set-up and clean-up steps that got an answer (`setup/CreateFlow`), whether or
    /// not they are among `cases`: what a baseline's entries of steps are judged against.
    pub steps: Vec<String>,
    /// What `--baseline` says of the run, if one was given ([`RunReport::judge`]).
    pub baseline: Option<BaselineVerdict>,
    /// Every exchange of the run, in the order sent, if it recorded them
    /// ([`super::RunOptions::record_exchanges`]); else none.
    pub exchanges: Vec<Recorded>,
}

impl RunReport {
    /// Every finding, in case order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.cases.iter().flat_map(|result| &result.findings)
    }

    /// The catalog cases that ran, with their exchanges.
    pub fn checked(&self) -> impl Iterator<Item = (&CaseResult, &Checked)> {
        self.cases
            .iter()
            .filter_map(|result| Some((result, result.exchange()?)))
    }

    /// The timing cases that ran, with what they saw.
    pub fn timing(&self) -> impl Iterator<Item = (&CaseResult, &Timeline)> {
        self.cases
            .iter()
            .filter_map(|result| Some((result, result.timeline()?)))
    }

    /// The cases left out, with the reason.
    pub fn skipped(&self) -> impl Iterator<Item = (&CaseInfo, &str)> {
        self.cases
            .iter()
            .filter_map(|result| Some((&result.case, result.skip_reason()?)))
    }

    /// What the clean-up could not delete, for people, if anything.
    pub fn left_behind(&self) -> Option<String> {
        (!self.left_behind.is_empty()).then(|| provisioned::summary(&[], &self.left_behind))
    }

    /// Whether the target is conformant: every case passed (with a baseline, expected
    /// failures included: see [`RunReport::passes`]).
    pub fn conformant(&self) -> bool {
        self.findings().next().is_none()
    }

    /// Judges the run with a baseline of known failures, for the reports to show.
    pub fn judge(&mut self, baseline: &Baseline) {
        self.baseline = Some(baseline.judge(self));
    }

    /// Whether the baseline expects this finding (never without one).
    pub fn expected(&self, finding: &Finding) -> bool {
        self.baseline
            .as_ref()
            .is_some_and(|baseline| baseline.expects_finding(finding))
    }

    /// The findings no baseline expects: what fails the run.
    pub fn new_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings().filter(|finding| !self.expected(finding))
    }

    /// Whether the run passes: every finding is one the baseline expects (without a
    /// baseline: the target is conformant). Entries the run did not meet fail it only with
    /// `--strict-baseline`, and then only those that no longer fail.
    pub fn passes(&self) -> bool {
        self.new_findings().next().is_none()
            && self
                .baseline
                .as_ref()
                .is_none_or(|baseline| baseline.failing().next().is_none())
    }

    /// How many cases failed only checks the baseline expects.
    pub fn failed_as_expected_count(&self) -> usize {
        self.cases
            .iter()
            .filter(|result| self.failed_as_expected(result))
            .count()
    }

    /// Whether the case failed only checks the baseline expects.
    pub fn failed_as_expected(&self, result: &CaseResult) -> bool {
        !result.findings.is_empty() && result.findings.iter().all(|finding| self.expected(finding))
    }

    /// How many cases ran, and how many of them failed.
    pub fn counts(&self) -> (usize, usize) {
        let ran = self.cases.iter().filter(|result| result.ran());
        let failed = ran.clone().filter(|result| !result.passed()).count();
        (ran.count(), failed)
    }
}
