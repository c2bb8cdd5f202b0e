//! Case tags: what `--list` shows, what `--filter` selects by, and what the runner and the
//! reports decide by. The text of a tag is for people and the command line; between the
//! layers a tag is a [`Tag`], so a misspelt tag does not compile.

use std::fmt;
use std::str::FromStr;

use crate::contract::NameParameter;

/// A tag of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    /// `flow-name`, `execution-name`: the family of the cases that vary that name.
    Name(NameParameter),
    /// `case-sensitivity`: the name is the fixture's in another letter case; the run needs
    /// the finished execution and skips the case where the fixture's name reads the same.
    CaseSensitivity,
    /// `wait-time`: the family of the WaitTimeSeconds cases.
    WaitTime,
    /// `missing`: a required parameter is missing.
    Missing,
    /// `repeated`: a parameter is given twice.
    Repeated,
    /// `protocol`: the family of the cases that break the RPC protocol.
    Protocol,
    /// `auth`: the case is about signatures and access keys.
    Auth,
    /// `signed-run`: the case means something only when the run signs its requests.
    SignedRun,
    /// `v3`: the case needs signature v3.
    V3,
    /// `limits`: the case is about the body's type and size.
    Limits,
    /// `existence`: the family of the cases about what exists.
    Existence,
    /// `isolation`: the case needs the other account's flow.
    Isolation,
    /// `encoding`: one of the encodings of the same valid request, whose answers must all
    /// be the same.
    Encoding,
    /// `valid`: the contract takes the request as valid.
    Valid,
    /// `invalid`: the contract rejects the request.
    Invalid,
    /// `timing`: a timing case (long polls over a live execution).
    Timing,
    /// `long-wait`: a timing case that waits long (left out by `--quick`).
    LongWait,
    /// `throttling`: the throttling probe, a burst that provokes the error table's 429
    /// (only with `--probe-throttling`).
    Throttling,
    /// `fuzz`: a generated request of a fuzz run.
    Fuzz,
    /// `setup`: a set-up request whose answer broke the wire format; not a case of its
    /// own, as every run sends it.
    Setup,
    /// `traffic`: an exchange a client sent through `conformance proxy`; no case of the
    /// catalog, so it is reproduced by sending the client's request again.
    Traffic,
}

impl Tag {
    /// Every tag, in no particular order but a stable one.
    pub const ALL: [Tag; 22] = [
        Tag::Name(NameParameter::Flow),
        Tag::Name(NameParameter::Execution),
        Tag::CaseSensitivity,
        Tag::WaitTime,
        Tag::Missing,
        Tag::Repeated,
        Tag::Protocol,
        Tag::Auth,
        Tag::SignedRun,
        Tag::V3,
        Tag::Limits,
        Tag::Existence,
        Tag::Isolation,
        Tag::Encoding,
        Tag::Valid,
        Tag::Invalid,
        Tag::Timing,
        Tag::LongWait,
        Tag::Throttling,
        Tag::Fuzz,
        Tag::Setup,
        Tag::Traffic,
    ];

    /// The tag's text (`case-sensitivity`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Name(name) => name.family(),
            Tag::CaseSensitivity => "case-sensitivity",
            Tag::WaitTime => "wait-time",
            Tag::Missing => "missing",
            Tag::Repeated => "repeated",
            Tag::Protocol => "protocol",
            Tag::Auth => "auth",
            Tag::SignedRun => "signed-run",
            Tag::V3 => "v3",
            Tag::Limits => "limits",
            Tag::Existence => "existence",
            Tag::Isolation => "isolation",
            Tag::Encoding => "encoding",
            Tag::Valid => "valid",
            Tag::Invalid => "invalid",
            Tag::Timing => "timing",
            Tag::LongWait => "long-wait",
            Tag::Throttling => "throttling",
            Tag::Fuzz => "fuzz",
            Tag::Setup => "setup",
            Tag::Traffic => "traffic",
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.pad(self.as_str())
    }
}

/// A text that is no tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no case has the tag {0:?}")]
pub struct UnknownTag(pub String);

impl FromStr for Tag {
    type Err = UnknownTag;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Tag::ALL
            .into_iter()
            .find(|tag| tag.as_str() == text)
            .ok_or_else(|| UnknownTag(text.to_owned()))
    }
}

impl serde::Serialize for Tag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::Tag;

    #[test]
    fn every_tag_reads_back_from_its_text() {
        let texts: HashSet<&str> = Tag::ALL.iter().map(|tag| tag.as_str()).collect();
        assert_eq!(texts.len(), Tag::ALL.len());
        for tag in Tag::ALL {
            assert_eq!(tag.as_str().parse::<Tag>(), Ok(tag));
        }
        assert!("flow_name".parse::<Tag>().is_err());
        assert_eq!(format!("{}", Tag::LongWait), "long-wait");
    }
}
