//! Proptest strategies for DescribeExecution requests, built from the contract's rules and
//! biased to their edges. Public, so that a team can property-test its own validator
//! in-process; `conformance fuzz` sends what they generate.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};

use super::Outcome;
use crate::contract::{Contract, Known, OpenQuestion};

/// The character classes of the name rules, read from the contract's patterns
/// (`^[A-Za-z_]` gives `[A-Za-z_]`, `^[A-Za-z0-9_-]*$` gives `[A-Za-z0-9_-]`).
fn name_classes(contract: &Contract) -> (String, String) {
    let rules = contract.names().rules();
    let first = rules.first_character.trim_start_matches('^').to_owned();
    let rest = rules
        .characters
        .trim_start_matches('^')
        .trim_end_matches('$')
        .trim_end_matches('*')
        .to_owned();
    (first, rest)
}

/// The characters a one-character regex class (`[A-Za-z_]`) matches, among the Basic
/// Multilingual Plane: lower-case ASCII letters first (what names shrink to), then the rest
/// by code point.
fn class_characters(class: &str) -> Arc<[char]> {
    let Ok(regex) = regex::Regex::new(&format!("^{class}$")) else {
        return Arc::from(Vec::new());
    };
    let mut buffer = [0u8; 4];
    let mut characters: Vec<char> = (0..=0xFFFFu32)
        .filter_map(char::from_u32)
        .filter(|c| regex.is_match(c.encode_utf8(&mut buffer)))
        .collect();
    characters.sort_by_key(|c| (!c.is_ascii_lowercase(), *c));
    Arc::from(characters)
}

/// Names whose length comes from `lengths`: the first character from one class, the
/// others from another. Cheaper than a regex strategy under a flat map (no regex compiled
/// per name, no value tree per character, no runner cloned per name). Shrinking shortens
/// the name as `lengths` shrinks, then sets each character to its class's first (`a`).
#[derive(Debug, Clone)]
struct NameStrategy {
    first: Arc<[char]>,
    rest: Arc<[char]>,
    lengths: BoxedStrategy<usize>,
}

impl Strategy for NameStrategy {
    type Tree = NameTree;
    type Value = String;

    fn new_tree(
        &self,
        runner: &mut proptest::test_runner::TestRunner,
    ) -> proptest::strategy::NewTree<Self> {
        if self.first.is_empty() || self.rest.is_empty() {
            return Err("a name class matches no character".into());
        }
        let length = self.lengths.new_tree(runner)?;
        let rng = runner.rng();
        let picks = (0..length.current())
            .map(|at| {
                let class = if at == 0 { &self.first } else { &self.rest };
                rng.random_range(0..class.len())
            })
            .collect();
        Ok(NameTree {
            first: Arc::clone(&self.first),
            rest: Arc::clone(&self.rest),
            length,
            shortening: true,
            picks,
            next: 0,
            undo: None,
        })
    }
}

/// A generated name: its length's value tree, and which character of its class each
/// position holds (positions past the drawn length hold the class's first).
struct NameTree {
    first: Arc<[char]>,
    rest: Arc<[char]>,
    length: Box<dyn ValueTree<Value = usize>>,
    /// Whether shrinking still works on the length (then on the characters).
    shortening: bool,
    picks: Vec<usize>,
    next: usize,
    undo: Option<(usize, usize)>,
}

impl std::fmt::Debug for NameTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameTree")
            .field("current", &self.current())
            .finish_non_exhaustive()
    }
}

impl ValueTree for NameTree {
    type Value = String;

    fn current(&self) -> String {
        (0..self.length.current())
            .map(|at| {
                let class = if at == 0 { &self.first } else { &self.rest };
                class[self.picks.get(at).copied().unwrap_or(0)]
            })
            .collect()
    }

    fn simplify(&mut self) -> bool {
        if self.shortening {
            if self.length.simplify() {
                return true;
            }
            self.shortening = false;
        }
        let length = self.length.current().min(self.picks.len());
        while self.next < length && self.picks[self.next] == 0 {
            self.next += 1;
        }
        if self.next >= length {
            return false;
        }
        self.undo = Some((self.next, self.picks[self.next]));
        self.picks[self.next] = 0;
        self.next += 1;
        true
    }

    fn complicate(&mut self) -> bool {
        if self.shortening {
            return self.length.complicate();
        }
        match self.undo.take() {
            Some((at, pick)) => {
                self.picks[at] = pick;
                true
            }
            None => false,
        }
    }
}

/// Names of the documented form with a length from `lengths`.
fn valid_names(
    first: &Arc<[char]>,
    rest: &Arc<[char]>,
    lengths: impl Strategy<Value = usize> + 'static,
) -> NameStrategy {
    NameStrategy {
        first: Arc::clone(first),
        rest: Arc::clone(rest),
        lengths: lengths.boxed(),
    }
}

/// Characters a name may not have: every disallowed ASCII character, and some beyond.
fn disallowed_characters(contract: &Contract) -> Vec<char> {
    let mut characters: Vec<char> = (0u8..=127)
        .map(char::from)
        .filter(|c| !contract.names().is_valid(&format!("a{c}")))
        .collect();
    characters.extend([
        'é', 'ß', '中', 'а', 'Ａ', '𝐀', '😀', '\u{200b}', '\u{00a0}', '\u{feff}', '٣',
    ]);
    characters
}

/// Flow and execution names: valid ones at the length bounds and in between, and every
/// way to break a rule: too short, too long, a bad first character, a disallowed character
/// anywhere, percent-encoded and double-encoded text, surrounding whitespace.
pub fn names(contract: &Contract) -> BoxedStrategy<String> {
    let (first, rest) = name_classes(contract);
    let (first, rest) = (class_characters(&first), class_characters(&rest));
    let rules = contract.names().rules().clone();
    let (min, max) = (rules.min_length.max(1), rules.max_length);
    let lengths = prop_oneof![
        Just(min),
        Just(min + 1),
        Just(max - 1),
        Just(max),
        min..=max
    ];
    let valid = valid_names(&first, &rest, lengths);
    let too_long = valid_names(
        &first,
        &rest,
        prop_oneof![Just(max + 1), Just(max + 2), Just(max * 8)],
    );
    let short = valid_names(&first, &rest, 1..12usize);
    let bad_first = (prop_oneof![Just('0'), Just('9'), Just('-')], short.clone())
        .prop_map(|(c, name)| format!("{c}{name}"));
    let bad_character = (
        short.clone(),
        proptest::sample::select(disallowed_characters(contract)),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(name, c, at)| {
            let mut characters: Vec<char> = name.chars().collect();
            characters.insert(at.index(characters.len() + 1), c);
            characters.into_iter().collect()
        });
    let encoded = (
        short.clone(),
        prop_oneof![Just("%41"), Just("%2541"), Just("%5F"), Just("+")],
    )
        .prop_map(|(name, code)| format!("{name}{code}"));
    let whitespace = (
        short,
        prop_oneof![Just(" "), Just("\t"), Just("\n")],
        any::<bool>(),
    )
        .prop_map(|(name, space, before)| {
            if before {
                format!("{space}{name}")
            } else {
                format!("{name}{space}")
            }
        });
    prop_oneof![
        6 => valid,
        1 => too_long,
        1 => Just(String::new()),
        1 => bad_first,
        3 => bad_character,
        1 => encoded,
        1 => whitespace,
    ]
    .boxed()
}

/// WaitTimeSeconds: absent, in range, at and past the bounds, and numeric text of every
/// shape (signs, spaces, leading zeros, decimals, exponents, hex, other digits).
pub fn wait_times(contract: &Contract) -> BoxedStrategy<Option<String>> {
    let range = contract.wait_time_seconds();
    let (min, max) = (*range.start(), *range.end());
    let shapes = [
        "+5",
        " 5",
        "5 ",
        "05",
        "00",
        "1.0",
        "1.5",
        "1e1",
        "0x10",
        "-0",
        "",
        "five",
        "٣",
        "５",
        "1_0",
        "99999999999999999999999",
    ];
    prop_oneof![
        2 => Just(None),
        3 => (min..=max).prop_map(|n| Some(n.to_string())),
        1 => prop_oneof![Just(min), Just(max), Just(min - 1), Just(max + 1)].prop_map(|n| Some(n.to_string())),
        1 => any::<i64>().prop_map(|n| Some(n.to_string())),
        2 => proptest::sample::select(shapes.to_vec()).prop_map(|text| Some(text.to_owned())),
    ]
    .boxed()
}

/// A generated DescribeExecution request: its parameters, in the order they are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzRequest {
    /// The operation's parameters, possibly missing, repeated or reordered.
    pub params: Vec<(String, String)>,
}

/// Requests that name the given flow and execution some of the time (so that valid
/// requests reach existing executions) and generated names the rest; parameters are
/// sometimes missing, given twice or reordered (shrinking toward the schema's order).
pub fn describe_requests(
    contract: &Contract,
    flow: &str,
    execution: &str,
) -> BoxedStrategy<FuzzRequest> {
    let flows = prop_oneof![1 => Just(flow.to_owned()), 3 => names(contract)];
    let executions = prop_oneof![1 => Just(execution.to_owned()), 3 => names(contract)];
    let presence = prop_oneof![8 => Just((true, true)), 1 => Just((false, true)), 1 => Just((true, false)), 1 => Just((false, false))];
    (
        flows,
        executions,
        wait_times(contract),
        presence,
        proptest::option::weighted(0.1, 0..3usize),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(flow, execution, wait, (with_flow, with_execution), repeat, reorder)| {
                let mut params = Vec::new();
                if with_flow {
                    params.push(("FlowName".to_owned(), flow));
                }
                if with_execution {
                    params.push(("ExecutionName".to_owned(), execution));
                }
                if let Some(wait) = wait {
                    params.push(("WaitTimeSeconds".to_owned(), wait));
                }
                if let Some(index) = repeat.filter(|index| *index < params.len()) {
                    params.push(params[index].clone());
                }
                if let Some(key) = reorder {
                    shuffle(&mut params, key);
                }
                params
            },
        )
        .prop_map(|params| FuzzRequest { params })
        .boxed()
}

/// Puts `items` in an order drawn from `key` (Fisher-Yates on a splitmix64 sequence), the
/// same for the same key.
fn shuffle<T>(items: &mut [T], mut key: u64) {
    for at in (1..items.len()).rev() {
        key = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = key;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let other = usize::try_from(z % (at as u64 + 1)).unwrap_or(0);
        items.swap(at, other);
    }
}

/// The answers the contract allows for a generated request, given the flow and the
/// finished execution that exist (the oracle's, [`Contract::allowed`]).
pub fn expectation(
    contract: &Contract,
    request: &FuzzRequest,
    flow: &str,
    execution: &str,
) -> Vec<Outcome> {
    expectation_with_questions(contract, request, flow, execution).0
}

/// [`expectation`], and the open questions the request touches.
pub fn expectation_with_questions(
    contract: &Contract,
    request: &FuzzRequest,
    flow: &str,
    execution: &str,
) -> (Vec<Outcome>, Vec<OpenQuestion>) {
    let params: Vec<(&str, &str)> = request
        .params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    contract.allowed(&params).outcomes(&Known {
        flow,
        execution: Some(execution),
        absent_flows: &[],
    })
}

#[cfg(test)]
mod tests {
    use proptest::test_runner::TestRunner;

    use super::*;
    use crate::contract::ErrorCode;

    #[test]
    fn names_cover_both_sides_of_every_rule() {
        let contract = Contract::embedded();
        let mut runner = TestRunner::deterministic();
        let strategy = names(contract);
        let mut valid = 0;
        let mut lengths = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let name = strategy.new_tree(&mut runner).unwrap().current();
            if contract.names().is_valid(&name) {
                valid += 1;
                lengths.insert(name.chars().count());
            }
        }
        assert!((600..1600).contains(&valid), "{valid} of 2000 valid");
        for edge in [1, 2, 127, 128] {
            assert!(lengths.contains(&edge), "no valid name of length {edge}");
        }
    }

    #[test]
    fn the_expectation_follows_the_contract() {
        let contract = Contract::embedded();
        let request = |params: &[(&str, &str)]| FuzzRequest {
            params: params
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        };
        let expect = |params: &[(&str, &str)]| expectation(contract, &request(params), "F", "E");
        assert_eq!(
            expect(&[("FlowName", "F"), ("ExecutionName", "E")]),
            [Outcome::Success {
                flow: "F".to_owned(),
                execution: "E".to_owned()
            }]
        );
        assert_eq!(
            expect(&[("FlowName", "F"), ("ExecutionName", "x")]),
            [Outcome::error(ErrorCode::ExecutionNotExists, &["x", "F"])]
        );
        assert_eq!(
            expect(&[("FlowName", "a.b"), ("ExecutionName", "E")]),
            [Outcome::error(ErrorCode::InvalidArgument, &[])]
        );
        assert_eq!(
            expect(&[("ExecutionName", "E")]),
            [Outcome::error(
                ErrorCode::MissingRequiredParams,
                &["FlowName"]
            )]
        );
        let long = "a".repeat(129);
        assert_eq!(
            expect(&[("FlowName", &long), ("ExecutionName", "E")]),
            [Outcome::error(ErrorCode::InvalidArgument, &[])]
        );
    }
}
