//! Rule coverage (`conformance coverage`, `docs/coverage.md`): every rule of the contract
//! with the cases that exercise it, the checks that judge it and the reference faults that
//! break it (each caught by its owning check in the fault matrix), or, for an open
//! question, the reference choices that give its other answers (the choice matrix). A rule
//! that lacks any of them is a gap, and says why.

use std::io::{self, Write};

use crate::cases::catalog::catalog;
use crate::cases::fixtures::Fixtures;
use crate::cases::throttling::throttling_probe;
use crate::cases::timing::{TimingCase, timing_cases};
use crate::cases::{Case, CaseInfo};
use crate::checks::CheckId;
use crate::contract::{Contract, Rule, Topic};
use crate::reference::{Choice, Fault};

/// The run id of the names of the cases that explain and coverage show (as `--list`).
const SHOWN_RUN_ID: &str = "00000000";

/// Every case a run can have: the catalog, the timing cases with the long waits, and the
/// throttling probe.
pub struct AllCases {
    /// The catalog's cases and the throttling probe.
    pub catalog: Vec<Case>,
    /// The timing cases.
    pub timing: Vec<TimingCase>,
}

impl AllCases {
    /// Every case, with the names `--list` shows.
    pub fn new() -> Self {
        let contract = Contract::embedded();
        let fixtures = Fixtures::new(SHOWN_RUN_ID);
        let mut catalog = catalog(contract, &fixtures);
        catalog.push(throttling_probe(contract, &fixtures));
        Self {
            catalog,
            timing: timing_cases(contract, true),
        }
    }

    /// What selection sees of every case, catalog first.
    pub fn infos(&self) -> Vec<CaseInfo> {
        self.catalog
            .iter()
            .map(Case::info)
            .chain(self.timing.iter().map(TimingCase::info))
            .collect()
    }
}

impl Default for AllCases {
    fn default() -> Self {
        Self::new()
    }
}

/// The ids of the cases a rule's patterns select, in catalog order.
pub fn cases_of(rule: &Rule, cases: &[CaseInfo]) -> Vec<String> {
    cases
        .iter()
        .filter(|case| rule.cases.iter().any(|pattern| case.matches(pattern)))
        .map(|case| case.id.clone())
        .collect()
}

/// What exercises, judges and proves one rule.
#[derive(Debug, Clone)]
pub struct RuleCoverage<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// The cases that exercise it.
    pub cases: Vec<String>,
    /// The faults that break it, each caught by its owner, one of the rule's checks.
    pub faults: Vec<Fault>,
    /// For an open question, the choices that give its other answers.
    pub choices: Vec<&'static Choice>,
    /// What it lacks, and why.
    pub gaps: Vec<String>,
}

/// The coverage of every rule, in the file's order.
pub fn coverage<'a>(contract: &'a Contract, cases: &[CaseInfo]) -> Vec<RuleCoverage<'a>> {
    contract
        .rules()
        .all()
        .iter()
        .map(|rule| {
            let covered_cases = cases_of(rule, cases);
            let faults: Vec<Fault> = rule
                .faults
                .iter()
                .filter_map(|name| Fault::named(name))
                .collect();
            let choices: Vec<&'static Choice> = Choice::ALL
                .iter()
                .filter(|choice| Some(choice.question()) == rule.question)
                .collect();
            let mut gaps = Vec::new();
            if covered_cases.is_empty() {
                gaps.push("no case exercises it".to_owned());
            }
            if rule.checks.is_empty() {
                gaps.push("no check judges it".to_owned());
            }
            if rule.question.is_some() {
                if choices.is_empty() {
                    gaps.push("no choice of the reference target gives another answer".to_owned());
                }
            } else if faults.is_empty() {
                gaps.push("no reference fault breaks it".to_owned());
            }
            if let Some(reason) = &rule.gap {
                gaps.push(reason.clone());
            }
            RuleCoverage {
                rule,
                cases: covered_cases,
                faults,
                choices,
                gaps,
            }
        })
        .collect()
}

fn code_list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let shown: Vec<String> = items.into_iter().map(|item| format!("`{item}`")).collect();
    if shown.is_empty() {
        "none".to_owned()
    } else {
        shown.join(", ")
    }
}

/// Writes the coverage of every rule as Markdown (`docs/coverage.md`).
pub fn write_coverage(out: &mut impl Write) -> io::Result<()> {
    let contract = Contract::embedded();
    let infos = AllCases::new().infos();
    let rows = coverage(contract, &infos);
    let gaps = rows.iter().filter(|row| !row.gaps.is_empty()).count();
    writeln!(out, "# Rule coverage")?;
    writeln!(out)?;
    writeln!(
        out,
        "Every rule of the contract (`schemas/rules.json`) with the cases that exercise it, the checks that judge it and the reference faults that break it (each caught by its owning check: `docs/fault-matrix.md`); for an open question, the reference choices that give its other answers (`docs/choice-matrix.md`). `conformance explain RULE` prints a rule with the contract's own words. Generated by `conformance coverage > docs/coverage.md`; a test keeps it current."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{} rules, {} with a gap, {} cases, {} checks, {} faults, {} choices.",
        rows.len(),
        gaps,
        infos.len(),
        CheckId::ALL.len(),
        Fault::all().len(),
        Choice::ALL.len()
    )?;
    for topic in Topic::ALL {
        let of_topic: Vec<&RuleCoverage<'_>> =
            rows.iter().filter(|row| row.rule.topic == topic).collect();
        if of_topic.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "## {}", topic.title())?;
        writeln!(out)?;
        let proof = if topic == Topic::OpenQuestion {
            "choices"
        } else {
            "faults"
        };
        writeln!(out, "| rule | holds | cases | checks | {proof} |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for row in of_topic {
            let cases = if row.cases.is_empty() {
                "none".to_owned()
            } else {
                format!("{}: {}", row.cases.len(), code_list(&row.rule.cases))
            };
            let proof = if topic == Topic::OpenQuestion {
                code_list(row.choices.iter().map(|choice| choice.name()))
            } else {
                code_list(&row.faults)
            };
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} |",
                row.rule.id,
                row.rule.statement.replace('|', "\\|"),
                cases,
                code_list(&row.rule.checks),
                proof
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "## Gaps")?;
    writeln!(out)?;
    if gaps == 0 {
        writeln!(out, "None.")?;
    }
    for row in rows.iter().filter(|row| !row.gaps.is_empty()) {
        writeln!(out, "- `{}`: {}.", row.rule.id, row.gaps.join("; "))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{AllCases, cases_of};
    use crate::cases::CaseInfo;
    use crate::contract::Contract;
    use crate::reference::Fault;

    /// Every case pattern of a rule selects a case: a pattern that matches nothing (a
    /// renamed case, a typo) is an error, not a silent gap.
    #[test]
    fn every_case_pattern_selects_a_case() {
        let cases = AllCases::new().infos();
        for rule in Contract::embedded().rules().all() {
            for pattern in &rule.cases {
                assert!(
                    cases.iter().any(|case: &CaseInfo| case.matches(pattern)),
                    "the pattern {pattern:?} of {} selects no case",
                    rule.id
                );
            }
            if !rule.cases.is_empty() {
                assert!(!cases_of(rule, &cases).is_empty());
            }
        }
    }

    /// Every fault breaks a rule, every fault a rule names exists, and its owner is one of
    /// the rule's checks: the fault matrix's proof is the rule's.
    #[test]
    fn every_fault_breaks_a_rule_its_owner_judges() {
        let rules = Contract::embedded().rules().all();
        let mut named = HashSet::new();
        for rule in rules {
            for name in &rule.faults {
                let fault = Fault::named(name).unwrap_or_else(|| {
                    panic!("{} names the fault {name:?}, which none is", rule.id)
                });
                assert!(
                    rule.checks.contains(&fault.owner()),
                    "{} names {name}, whose owner {} is none of its checks",
                    rule.id,
                    fault.owner()
                );
                named.insert(fault);
            }
        }
        for fault in Fault::all() {
            assert!(named.contains(&fault), "the fault {fault} breaks no rule");
        }
    }
}
