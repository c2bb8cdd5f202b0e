//! Shrinking: a distinct failure's request made small, first by proptest's shrinking of
//! the generated value, then by simplifying the parameters themselves.

use std::collections::HashSet;

use proptest::strategy::ValueTree;

use super::super::session::Session;
use super::generate::Tree;
use super::{FuzzFailure, SHRINK_STEPS_PER_FAILURE, check, signature};
use crate::cases::strategies::FuzzRequest;
use crate::checks::Finding;

/// Shrinks a failure's request to a smaller one with the same signature: first proptest's
/// shrinking of the generated value, then [`simplify`] on the parameters themselves. Sends
/// at most [`SHRINK_STEPS_PER_FAILURE`] requests, and no more than `steps` (what is left
/// of the run's [`SHRINK_STEPS`](super::SHRINK_STEPS)), which it lowers; returns how many it sent.
pub(super) async fn shrink(
    session: &Session,
    mut tree: Tree,
    failure: &mut FuzzFailure,
    steps: &mut usize,
) -> u64 {
    let index = failure.index.unwrap_or(0);
    let budget = SHRINK_STEPS_PER_FAILURE.min(*steps);
    let mut left = budget;
    // At most half for proptest's shrinking; the rest, and what it leaves, for the names.
    let mut proptest_left = budget / 2;
    let mut shrinks = 0;
    let mut simplified = tree.simplify();
    while simplified && proptest_left > 0 {
        proptest_left -= 1;
        left -= 1;
        let candidate = tree.current();
        let findings = check(session, None, index, &candidate).await;
        if !findings.is_empty() && signature(&candidate, &findings) == failure.signature {
            failure.request = candidate;
            failure.findings = findings;
            shrinks += 1;
            simplified = tree.simplify();
        } else {
            simplified = tree.complicate();
        }
    }
    let wanted = failure.signature.clone();
    let wanted = &wanted;
    let probe = |request: FuzzRequest| async move {
        let findings = check(session, None, index, &request).await;
        let same = !findings.is_empty() && signature(&request, &findings) == *wanted;
        same.then_some((request, findings))
    };
    if let Some((request, findings, steps)) = simplify(&failure.request, &mut left, probe).await {
        failure.request = request;
        failure.findings = findings;
        shrinks += steps;
    }
    failure.shrinks += shrinks;
    let sent = budget - left;
    *steps -= sent;
    sent as u64
}

/// The character a simplified value is made of, where the failure allows it.
const SIMPLE: char = 'a';

/// Simplifies a failing request step by step, deterministically: drops each parameter, then
/// for each value replaces its characters by [`SIMPLE`] (all at once, then in halves, quarters,
/// ... single characters), removes characters the same way, and replaces once more. A step
/// is kept when `probe` says the request still fails the same way (it returns the findings);
/// a candidate is never sent twice. Spends at most `left` probes. Returns the simplest
/// request, its findings and how many steps were kept, if any was.
async fn simplify<F, Fut>(
    request: &FuzzRequest,
    left: &mut usize,
    probe: F,
) -> Option<(FuzzRequest, Vec<Finding>, usize)>
where
    F: Fn(FuzzRequest) -> Fut,
    Fut: Future<Output = Option<(FuzzRequest, Vec<Finding>)>>,
{
    let mut current = request.clone();
    let mut best: Option<(FuzzRequest, Vec<Finding>, usize)> = None;
    let mut tried: HashSet<Vec<(String, String)>> = HashSet::new();
    tried.insert(current.params.clone());
    // One probe: true when the candidate is kept.
    macro_rules! attempt {
        ($candidate:expr) => {{
            let candidate: FuzzRequest = $candidate;
            if *left == 0 || !tried.insert(candidate.params.clone()) {
                false
            } else {
                *left -= 1;
                match probe(candidate).await {
                    Some((kept, findings)) => {
                        current = kept.clone();
                        let steps = best.as_ref().map_or(0, |(_, _, steps)| *steps) + 1;
                        best = Some((kept, findings, steps));
                        true
                    }
                    None => false,
                }
            }
        }};
    }

    let mut at = current.params.len();
    while at > 0 {
        at -= 1;
        let mut candidate = current.clone();
        candidate.params.remove(at);
        attempt!(candidate);
    }
    for pass in [Pass::Replace, Pass::Remove, Pass::Replace] {
        for param in 0..current.params.len() {
            let mut chunk = current.params[param].1.chars().count();
            while chunk > 0 && *left > 0 {
                let mut start = 0;
                while start < current.params[param].1.chars().count() {
                    let value: Vec<char> = current.params[param].1.chars().collect();
                    let end = (start + chunk).min(value.len());
                    let changed: String = match pass {
                        Pass::Replace => value
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                if (start..end).contains(&i) {
                                    SIMPLE
                                } else {
                                    *c
                                }
                            })
                            .collect(),
                        Pass::Remove => value[..start].iter().chain(&value[end..]).collect(),
                    };
                    let mut candidate = current.clone();
                    candidate.params[param].1 = changed;
                    let kept = attempt!(candidate);
                    // A removal kept leaves the next characters at `start`.
                    if !(kept && pass == Pass::Remove) {
                        start += chunk;
                    }
                }
                chunk = if chunk == 1 { 0 } else { chunk.div_ceil(2) };
            }
        }
    }
    best
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Replace,
    Remove,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckId;
    use crate::contract::Contract;
    use crate::runner::fuzz::rule_class;
    use crate::runner::fuzz::tests::{finding, request};

    /// Simplifies with a probe that fails (the same way) when `fails` says so.
    fn simplified(
        start: &FuzzRequest,
        budget: usize,
        fails: impl Fn(&FuzzRequest) -> bool,
    ) -> (FuzzRequest, usize) {
        let mut left = budget;
        let probes = std::cell::Cell::new(0);
        let probe = |candidate: FuzzRequest| {
            probes.set(probes.get() + 1);
            let failed =
                fails(&candidate).then(|| (candidate, vec![finding(CheckId::ExpectedOutcome)]));
            std::future::ready(failed)
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let best = runtime.block_on(simplify(start, &mut left, probe));
        assert_eq!(probes.get(), budget - left, "every probe is counted");
        (
            best.map_or_else(|| start.clone(), |(request, _, _)| request),
            probes.get(),
        )
    }

    #[test]
    fn shrinking_makes_names_short_and_simple() {
        let value = |request: &FuzzRequest, name: &str| {
            request
                .params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        // Accepting a dotted FlowName: the simplest is `a.`, with no other parameter.
        let dots = |candidate: &FuzzRequest| {
            rule_class(candidate) == "ExecutionName:missing+FlowName:characters"
        };
        let start = request(&[("FlowName", "Zq9-x.Yw_3"), ("WaitTimeSeconds", "17")]);
        let (shrunk, _) = simplified(&start, 1000, dots);
        assert_eq!(shrunk, request(&[("FlowName", "a.")]));

        // Accepting a name one over the maximum: as long, all `a`, in few probes.
        let max = Contract::embedded().names().rules().max_length;
        let random: String = (0..=max)
            .map(|i| char::from(b"Ab3_-xYz"[i % 8]))
            .map(|c| if c == '3' || c == '-' { 'k' } else { c })
            .collect();
        let start = request(&[("FlowName", "f"), ("ExecutionName", &random)]);
        let too_long = |candidate: &FuzzRequest| rule_class(candidate) == "ExecutionName:length";
        let (shrunk, probes) = simplified(&start, 1000, too_long);
        assert_eq!(value(&shrunk, "ExecutionName"), Some("a".repeat(max + 1)));
        assert_eq!(value(&shrunk, "FlowName").as_deref(), Some("a"));
        assert!(probes < 100, "{probes} probes");

        // The budget bounds the probes; the same start gives the same result.
        let (few, probes) = simplified(&start, 3, too_long);
        assert_eq!(probes, 3);
        assert_eq!(simplified(&start, 3, too_long).0, few);
    }
}
