//! The regressions file: each distinct failure kept as a request line, replayed first by
//! later runs.

use std::collections::HashSet;
use std::path::Path;

use super::super::RunError;
use super::decode;
use crate::cases::strategies::FuzzRequest;

/// What a regressions file holds.
#[derive(Debug, Default)]
pub(super) struct Kept {
    /// The requests, in the file's order.
    pub(super) requests: Vec<FuzzRequest>,
    /// The request lines as written.
    pub(super) lines: HashSet<String>,
    /// The signatures named in the comments.
    pub(super) signatures: HashSet<String>,
}

/// Reads a regressions file: a request per line (as [`encode`] writes it), then ` # ` and
/// a comment that starts with its signature; `#` starts a comment line. A missing file
/// holds nothing.
pub(super) fn read(path: &Path) -> Result<Kept, RunError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(RunError::Regressions {
                verb: "read",
                path: path.to_owned(),
                source,
            });
        }
    };
    let mut kept = Kept::default();
    for line in text.lines() {
        let (request, comment) = line.split_once(" #").unwrap_or((line, ""));
        if request.trim().is_empty() || request.starts_with('#') {
            continue;
        }
        if let Some(signature) = comment.trim().split(" (seed ").next() {
            if signature.contains(" @ ") {
                kept.signatures.insert(signature.to_owned());
            }
        }
        kept.lines.insert(request.trim().to_owned());
        kept.requests.push(decode(request));
    }
    Ok(kept)
}

/// Appends each new distinct failure to the regressions file: the request, then its
/// signature, seed and index in the comment.
pub(super) fn keep(
    path: &Path,
    failures: &[(String, String, Option<u64>)],
    seed: u64,
) -> Result<(), RunError> {
    use std::io::Write;
    if failures.is_empty() {
        return Ok(());
    }
    let text: String = failures
        .iter()
        .map(|(line, signature, index)| {
            format!(
                "{line} # {signature} (seed {seed}, request {})\n",
                index.unwrap_or(0)
            )
        })
        .collect();
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|source| RunError::Regressions {
            verb: "keep the regressions in",
            path: path.to_owned(),
            source,
        })
}
