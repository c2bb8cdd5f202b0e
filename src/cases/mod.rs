//! Cases: one request to send and what the contract says may come back.
//!
//! [`catalog`] holds the named, deterministic cases with stable ids and tags (with the
//! encodings of one request in `encodings` and account isolation in `isolation`);
//! [`fixtures`] names and provisions the flows and executions they refer to.

mod auth;
pub mod catalog;
mod encodings;
pub mod fixtures;
pub(crate) mod isolation;
pub mod strategies;
mod tag;
pub mod tamper;
pub mod throttling;
pub mod timing;

use crate::contract::OpenQuestion;
pub use crate::contract::{Expected, Outcome};
use crate::wire::{RpcRequest, SignatureVersion};
pub use tag::{Tag, UnknownTag};
pub use tamper::{SignatureEdit, Tamper};

/// Whose credentials sign a case's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// The run's credentials, with the run's signature version.
    Main,
    /// The second credentials (`--other-credentials`).
    Other,
    /// No signature at all.
    Unsigned,
    /// An access key no account has.
    UnknownKey,
    /// The run's access key ID with a wrong secret.
    WrongSecret,
}

/// The request of a case, and how it departs from a well-formed one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRequest {
    /// Action, version and parameters.
    pub rpc: RpcRequest,
    /// Who signs it.
    pub caller: Caller,
    /// A signature version the case needs whatever the run's (`v3` header cases).
    pub signature: Option<SignatureVersion>,
    /// How far the request time is from now: positive into the past, negative into the
    /// future. The request is signed at that time.
    pub skew: Option<time::Duration>,
    /// What is changed after signing: the one way a case departs from what it signed.
    pub tamper: Option<Tamper>,
}

impl CaseRequest {
    /// A well-formed request signed by the run's credentials.
    pub fn signed(rpc: RpcRequest) -> Self {
        Self {
            rpc,
            caller: Caller::Main,
            signature: None,
            skew: None,
            tamper: None,
        }
    }
}

/// One named case of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// A stable id, `family/detail` (`flow-name/length-129`).
    pub id: String,
    /// Tags for selection (`flow-name`, `invalid`, `v3`, ...).
    pub tags: Vec<Tag>,
    /// What the case sends and, where the contract leaves the answer open, which answers
    /// it accepts.
    pub description: String,
    /// The request.
    pub request: CaseRequest,
    /// The answers the contract allows; the first is the one the reference target gives.
    pub expect: Vec<Outcome>,
    /// The open questions the request touches (their other answers are in `expect`); a
    /// finding of `expected-outcome` names them.
    pub questions: Vec<OpenQuestion>,
}

/// Which list a case comes from, and so how it runs and is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseKind {
    /// A case of the [`catalog`] (or a set-up step standing for one): one exchange.
    Catalog,
    /// A [`timing`] case: a script of polls.
    Timing,
}

/// What `--list`, `--case`, `--filter`, `--shard` and the reports see of a case of any
/// kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInfo {
    /// The stable id, `family/detail`.
    pub id: String,
    /// Catalog or timing.
    pub kind: CaseKind,
    /// The tags.
    pub tags: Vec<Tag>,
    /// What the case does.
    pub description: String,
    /// The script of a timing case, which its timeline is judged by (none for a catalog
    /// case).
    pub scenario: Option<timing::Scenario>,
}

impl CaseInfo {
    /// The family: the id up to its first `/`.
    pub fn family(&self) -> &str {
        self.id.split('/').next().unwrap_or_default()
    }

    /// Whether `pattern` selects this case: a tag, or a part of the id where `*` matches
    /// any text.
    pub fn matches(&self, pattern: &str) -> bool {
        pattern
            .parse::<Tag>()
            .is_ok_and(|tag| self.tags.contains(&tag))
            || wildcard(pattern, &self.id)
    }
}

impl Case {
    /// What selection and the reports see of it.
    pub fn info(&self) -> CaseInfo {
        CaseInfo {
            id: self.id.clone(),
            kind: CaseKind::Catalog,
            tags: self.tags.clone(),
            description: self.description.clone(),
            scenario: None,
        }
    }
}

impl timing::TimingCase {
    /// What selection and the reports see of it.
    pub fn info(&self) -> CaseInfo {
        CaseInfo {
            id: self.id.clone(),
            kind: CaseKind::Timing,
            tags: self.tags.clone(),
            description: self.description.clone(),
            scenario: Some(self.scenario.clone()),
        }
    }
}

/// Whether `text` contains a match of `pattern`, where `*` stands for any text.
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut rest = text;
    for part in pattern.split('*').filter(|part| !part.is_empty()) {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{Case, CaseRequest, Tag, wildcard};
    use crate::contract::NameParameter;
    use crate::wire::RpcRequest;

    #[test]
    fn patterns() {
        assert!(wildcard("flow-name", "flow-name/length-129"));
        assert!(wildcard("length-1", "flow-name/length-129"));
        assert!(wildcard("flow-name/*-129", "flow-name/length-129"));
        assert!(wildcard("*/length", "execution-name/length-1"));
        assert!(!wildcard("wait-time", "flow-name/length-129"));
        assert!(!wildcard("name/*-200", "flow-name/length-129"));
    }

    #[test]
    fn a_pattern_selects_by_a_tag_or_by_the_id() {
        let case = Case {
            id: "flow-name/length-129".to_owned(),
            tags: vec![Tag::Name(NameParameter::Flow), Tag::Invalid],
            description: String::new(),
            request: CaseRequest::signed(RpcRequest::get("DescribeExecution")),
            expect: Vec::new(),
            questions: Vec::new(),
        };
        for pattern in ["invalid", "flow-name", "length-1", "flow-name/*-129"] {
            assert!(case.info().matches(pattern), "{pattern}");
        }
        for pattern in ["valid", "execution-name", "wait-time", "Invalid"] {
            assert!(!case.info().matches(pattern), "{pattern}");
        }
    }
}
