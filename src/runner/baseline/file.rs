//! The text of a baseline file: one entry a line, `CASE-ID [CHECK]` or `fuzz [SIGNATURE]`,
//! blank lines and `#` comments (whole lines, or after an entry) ignored; and why a line
//! is not an entry, named by its number.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{Baseline, FUZZ_ENTRY, Known};
use crate::checks::CheckId;

/// Why a line of a baseline file is not an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Not `ID [CHECK]`.
    #[error("expected `CASE-ID [CHECK]` or `fuzz [SIGNATURE]`, optionally followed by a # comment")]
    Malformed,
    /// A check the harness does not have.
    #[error("no check has the id {0:?} (see `conformance checks`)")]
    UnknownCheck(String),
    /// A fuzz signature that is not `CHECKS @ RULES`.
    #[error("a fuzz signature reads `CHECK+CHECK @ RULES`, as `conformance fuzz` prints it")]
    MalformedSignature,
}

/// A baseline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// It could not be read.
    #[error("failed to read the baseline {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// A line is no entry.
    #[error("the baseline {}, line {line}: {error}: {text:?}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The line's number, from 1.
        line: usize,
        /// The line.
        text: String,
        /// What is wrong with it.
        error: LineError,
    },
}

impl Baseline {
    /// Reads and parses a baseline file.
    pub fn read(path: &Path) -> Result<Self, BaselineError> {
        let bytes = std::fs::read(path).map_err(|source| BaselineError::Read {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| BaselineError::Read {
            path: path.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"),
        })?;
        let mut baseline = Self::parse(&text).map_err(|(line, error)| BaselineError::Line {
            path: path.to_owned(),
            line,
            text: text.lines().nth(line - 1).unwrap_or_default().to_owned(),
            error,
        })?;
        baseline.path = path.to_owned();
        Ok(baseline)
    }

    /// Parses a baseline's text; on error, the first bad line's number (from 1) and what is
    /// wrong with it.
    pub fn parse(text: &str) -> Result<Self, (usize, LineError)> {
        let mut entries = BTreeSet::new();
        // A byte-order mark, as some editors write, is no part of the first line.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (at, line) in text.lines().enumerate() {
            if let Some(entry) = parse_line(line).map_err(|error| (at + 1, error))? {
                entries.insert(entry);
            }
        }
        Ok(Baseline::of(entries))
    }
}

/// The entry of one line, if it holds one.
fn parse_line(line: &str) -> Result<Option<Known>, LineError> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (id, rest) = line.split_once('[').ok_or(LineError::Malformed)?;
    let (inner, after) = rest.split_once(']').ok_or(LineError::Malformed)?;
    let (id, inner, after) = (id.trim(), inner.trim(), after.trim());
    let well_formed = |text: &str| !text.is_empty() && !text.contains(char::is_whitespace);
    if !well_formed(id) || inner.is_empty() || !(after.is_empty() || after.starts_with('#')) {
        return Err(LineError::Malformed);
    }
    if id == FUZZ_ENTRY {
        let (checks, rules) = inner
            .split_once(" @ ")
            .ok_or(LineError::MalformedSignature)?;
        if !well_formed(rules) {
            return Err(LineError::MalformedSignature);
        }
        for check in checks.split('+') {
            check_named(check)?;
        }
        return Ok(Some(Known::Fuzz {
            signature: inner.to_owned(),
        }));
    }
    Ok(Some(Known::Case {
        case: id.to_owned(),
        check: check_named(inner)?,
    }))
}

/// The check of an id, as `conformance checks` lists it.
fn check_named(text: &str) -> Result<CheckId, LineError> {
    CheckId::named(text).ok_or_else(|| LineError::UnknownCheck(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_in_the_reports_vocabulary() {
        let text = "\
# a header
\n   \n\
wait-time/61 [expected-outcome]  # expected: 400; actual: 200 # and more
setup/CreateFlow [strict-json]
fuzz [expected-outcome+message-template @ FlowName:characters]   # a signature
wait-time/61 [expected-outcome]
auth/v1-x [error-family]
";
        let baseline = Baseline::parse(text).unwrap();
        let entries: Vec<String> = baseline.entries().map(ToString::to_string).collect();
        assert_eq!(
            entries,
            [
                "auth/v1-x [error-family]",
                "setup/CreateFlow [strict-json]",
                "wait-time/61 [expected-outcome]",
                "fuzz [expected-outcome+message-template @ FlowName:characters]",
            ],
            "sorted (case entries before fuzz ones), each once"
        );
        // Whatever the editor: a byte-order mark and CRLF line ends.
        let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        assert_eq!(Baseline::parse(&windows).unwrap(), baseline);
        // What the writer writes reads back.
        let written: String = entries
            .iter()
            .map(|line| format!("{line}  # x\n"))
            .collect();
        assert_eq!(Baseline::parse(&written).unwrap(), baseline);
    }

    #[test]
    fn a_bad_line_is_named_with_what_is_wrong() {
        let bad = |text: &str| Baseline::parse(text).unwrap_err();
        assert_eq!(
            bad("# ok\nwait-time/61 [no-such-check]\n"),
            (2, LineError::UnknownCheck("no-such-check".to_owned()))
        );
        assert_eq!(bad("wait-time/61 expected-outcome").1, LineError::Malformed);
        assert_eq!(
            bad("wait-time/61 [expected-outcome").1,
            LineError::Malformed
        );
        assert_eq!(bad("[expected-outcome]").1, LineError::Malformed);
        assert_eq!(bad("a b [expected-outcome]").1, LineError::Malformed);
        assert_eq!(bad("a/b [expected-outcome] extra").1, LineError::Malformed);
        assert_eq!(bad("a/b []").1, LineError::Malformed);
        assert_eq!(
            bad("fuzz [expected-outcome]").1,
            LineError::MalformedSignature
        );
        assert_eq!(
            bad("fuzz [expected-outcome+nope @ valid]").1,
            LineError::UnknownCheck("nope".to_owned())
        );
        // Check ids are exact: a typo is an error, not a silently ignored entry.
        assert_eq!(
            bad("a/b [Expected-Outcome]").1,
            LineError::UnknownCheck("Expected-Outcome".to_owned())
        );
    }
}
