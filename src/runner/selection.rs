//! Which cases a run runs: `--case`, `--filter` and `--shard` over the catalog and the
//! timing cases, and the cases a run's set-up leaves without meaning.

use crate::cases::catalog::catalog;
use crate::cases::fixtures::Fixtures;
use crate::cases::throttling::throttling_probe;
use crate::cases::timing::{Scenario, TimingCase, timing_cases};
use crate::cases::{Case, CaseInfo, Tag};
use crate::contract::{Contract, NameParameter};
use crate::wire::SignatureVersion;

use super::RunOptions;
use super::session::Session;

/// A selected case, catalog, timing or the throttling probe, in catalog order.
#[derive(Debug, Clone)]
pub(super) enum Planned {
    Catalog(Box<Case>),
    Timing(TimingCase),
    /// The throttling probe (`--probe-throttling`): its case holds the answer that ends
    /// the burst.
    Throttling(Box<Case>),
}

impl Planned {
    /// What selection and the reports see of it.
    pub(super) fn info(&self) -> CaseInfo {
        match self {
            Planned::Catalog(case) | Planned::Throttling(case) => case.info(),
            Planned::Timing(case) => case.info(),
        }
    }

    /// Why it cannot mean anything in this run, if it cannot.
    pub(super) fn skip(&self, session: &Session) -> Option<&'static str> {
        match self {
            Planned::Catalog(case) | Planned::Throttling(case) => case_skip(session, case),
            Planned::Timing(case) => timing_skip(session, case),
        }
    }
}

/// The cases as `--list` shows them, catalog then timing (the names in descriptions are
/// those of an example run).
pub fn list(options: &RunOptions) -> Vec<CaseInfo> {
    selected(&Fixtures::new("00000000"), options)
        .iter()
        .map(Planned::info)
        .collect()
}

/// The `--case` ids that name no case.
pub fn unknown_cases(options: &RunOptions) -> Vec<String> {
    let all = RunOptions {
        cases: Vec::new(),
        filters: Vec::new(),
        shard: None,
        // The probe's id is known without --probe-throttling (which selects it).
        probe_throttling: true,
        ..options.clone()
    };
    let known = list(&all);
    options
        .cases
        .iter()
        .filter(|id| !known.iter().any(|case| case.id == id.as_str()))
        .cloned()
        .collect()
}

/// The catalog and timing cases the options select, in catalog order, and the throttling
/// probe last if asked for.
pub(super) fn selected(fixtures: &Fixtures, options: &RunOptions) -> Vec<Planned> {
    let contract = Contract::embedded();
    let catalog = catalog(contract, fixtures)
        .into_iter()
        .map(|case| Planned::Catalog(Box::new(case)));
    let timing = timing_cases(contract, options.long_waits)
        .into_iter()
        .map(Planned::Timing);
    let probe = options
        .probe_throttling
        .then(|| Planned::Throttling(Box::new(throttling_probe(contract, fixtures))));
    catalog
        .chain(timing)
        .chain(probe)
        .filter(|case| {
            let info = case.info();
            (options.cases.is_empty() || options.cases.contains(&info.id))
                && options.filters.iter().all(|pattern| info.matches(pattern))
        })
        .enumerate()
        // Shards split the selected cases, catalog then timing, in turn.
        .filter(|(at, _)| options.shard.is_none_or(|shard| shard.has(*at)))
        .map(|(_, case)| case)
        .collect()
}

/// One of N parts of the selected cases, for parallel CI jobs (`--shard I/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl Shard {
    /// Whether the case at `position` of the selection is in this shard.
    fn has(self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parsed = text.split_once('/').and_then(|(index, count)| {
            Some((index.parse::<usize>().ok()?, count.parse::<usize>().ok()?))
        });
        match parsed {
            Some((index, count)) if count > 0 && (1..=count).contains(&index) => {
                Ok(Self { index, count })
            }
            _ => Err(format!(
                "a shard is I/N with 1 <= I <= N, such as 2/4; got {text:?}"
            )),
        }
    }
}

/// Why a catalog case cannot mean anything in this run, if it cannot.
fn case_skip(session: &Session, case: &Case) -> Option<&'static str> {
    let fixtures = &session.fixtures;
    if case.tags.contains(&Tag::Isolation) {
        if session.other.is_none() {
            return Some("needs --other-credentials");
        }
        if let Some(reason) = crate::cases::isolation::unavailable(case) {
            return Some(reason);
        }
    }
    if session.signature == SignatureVersion::None && case.tags.contains(&Tag::SignedRun) {
        return Some("means nothing in an unsigned run");
    }
    let names_itself = case.tags.contains(&Tag::CaseSensitivity)
        && case.request.rpc.params.iter().any(|(name, value)| {
            (name == "FlowName" && value == &fixtures.flow)
                && case.tags.contains(&Tag::Name(NameParameter::Flow))
                || (name == "ExecutionName" && value == &fixtures.execution)
                    && case.tags.contains(&Tag::Name(NameParameter::Execution))
        });
    if names_itself {
        return Some("the fixture's name reads the same in that case");
    }
    None
}

/// Why a timing case cannot run against these fixtures, if it cannot.
fn timing_skip(session: &Session, case: &TimingCase) -> Option<&'static str> {
    let existing = session.fixtures.existing.as_ref()?;
    match case.scenario {
        Scenario::EndsDuringWait { .. } | Scenario::StoppedWhileHeld { .. } => {
            Some("needs the harness to start executions, which --fixtures rules out")
        }
        Scenario::AtOnceOnRunning { .. }
        | Scenario::WaitOutlived { .. }
        | Scenario::AtOnceBesideHeld { .. }
            if existing.running.is_none() =>
        {
            Some("needs a Running execution in the fixture file")
        }
        Scenario::Stopped if existing.stopped.is_none() => {
            Some("needs a Stopped execution in the fixture file")
        }
        _ => None,
    }
}
