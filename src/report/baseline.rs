//! The baseline file `--write-baseline FILE` writes: the run's failures, one
//! `CASE-ID [CHECK]` (or, of a fuzz run, `fuzz [SIGNATURE]`) a line, each followed by its
//! finding as a `#` comment, sorted as `LC_ALL=C sort` sorts, under a header that says
//! what the file is and how to use it ([`runner::Baseline`](crate::runner::Baseline) reads
//! it).
//!
//! Nothing in it is run-specific: the comments use the placeholders of snapshots (the run
//! id in names reads `[run]`, the target's host and port `[target]`, timestamps `[time]`,
//! request ids `[request-id]`) and measured durations read `[duration]`; so a target that
//! fails the same way writes the same file run after run, and a diff of it shows only what
//! changed. Every
//! line is sorted already and the header's lines are in sorted order, so the files of
//! several shards concatenated and sorted (`sort -u`) are one such file.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::sync::LazyLock;

use regex::Regex;

use super::redact::RunValues;
use crate::checks::Finding;
use crate::runner::{FuzzReport, Known, RunReport};

/// The header of every baseline file: comment lines, in sorted order.
const HEADER: [&str; 4] = [
    "# conformance baseline: failures a target is known to have, one `CASE-ID [CHECK]` (a fuzz run's: `fuzz [SIGNATURE]`) a line, its finding after `#`.",
    "# run with `conformance --baseline FILE`: a listed failure is reported as expected and does not fail the run; one not listed fails it (exit 1).",
    "# shards: concatenate their files and sort them (`cat shard-*.txt | LC_ALL=C sort -u > FILE`); entries in any order and repeated are allowed.",
    "# written by `conformance --write-baseline FILE`; remove an entry the run reports as no longer failing, and review every entry you add.",
];

/// The most of a finding a comment keeps.
const COMMENT_LIMIT: usize = 240;

/// A timestamp, in any of the forms the contract or a target uses.
static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
        .expect("a valid regex")
});

/// A measured duration (`1.204 s`, `12.5 ms`): differs from run to run.
static DURATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d+\.\d+ ?(ms|s)\b").expect("a valid regex"));

/// A UUID, the form of request ids.
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b")
        .expect("a valid regex")
});

/// Writes the failures of a run as a baseline.
pub fn write_baseline(report: &RunReport, out: &mut impl Write) -> io::Result<()> {
    let redact = redactor(&report.run_id, &report.target, request_ids(report));
    write_entries(
        report
            .findings()
            .map(|finding| (Known::of(finding), redact(&finding_text(finding)))),
        out,
    )
}

/// Writes the distinct failures of a fuzz run as a baseline.
pub fn write_fuzz_baseline(report: &FuzzReport, out: &mut impl Write) -> io::Result<()> {
    let redact = redactor(&report.run_id, &report.target, BTreeSet::new());
    write_entries(
        report.failures.iter().map(|failure| {
            let known = Known::Fuzz {
                signature: failure.signature.clone(),
            };
            let comment = failure
                .findings
                .first()
                .map(|finding| format!("[{}] {}", finding.check, finding_text(finding)))
                .unwrap_or_default();
            (known, redact(&comment))
        }),
        out,
    )
}

/// Writes a baseline without failures: its header only (an empty shard's).
pub fn write_empty_baseline(out: &mut impl Write) -> io::Result<()> {
    write_entries(std::iter::empty(), out)
}

/// The header, then an entry a line with its comment, each entry once (its first
/// comment), sorted by the whole line.
fn write_entries(
    entries: impl Iterator<Item = (Known, String)>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut first: BTreeMap<Known, String> = BTreeMap::new();
    for (known, comment) in entries {
        first.entry(known).or_insert(comment);
    }
    let mut lines: Vec<String> = first
        .into_iter()
        .map(|(known, comment)| {
            if comment.is_empty() {
                known.to_string()
            } else {
                format!("{known}  # {comment}")
            }
        })
        .collect();
    lines.sort();
    for line in HEADER
        .iter()
        .copied()
        .chain(lines.iter().map(String::as_str))
    {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A finding as a comment: the first line of what was expected and what came, capped.
fn finding_text(finding: &Finding) -> String {
    let first = |text: &str| text.lines().next().unwrap_or_default().trim().to_owned();
    let text = format!(
        "expected: {}; actual: {}",
        first(&finding.expected),
        first(&finding.actual)
    );
    match text.char_indices().nth(COMMENT_LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// The request ids of a run's answers: its cases' and its timing cases' polls'.
fn request_ids(report: &RunReport) -> BTreeSet<String> {
    let cases = report
        .checked()
        .filter_map(|(_, checked)| checked.body.as_ref());
    let polls = report
        .timing()
        .flat_map(|(_, timeline)| &timeline.polls)
        .filter_map(|poll| poll.body.as_ref());
    cases
        .chain(polls)
        .filter_map(|body| body.get("RequestId")?.as_str())
        .filter(|id| id.len() >= 4)
        .map(str::to_owned)
        .collect()
}

/// Text with everything that differs from run to run redacted: the run's request ids, then
/// anything shaped like one, timestamps, measured durations, the target's host and port,
/// and the run id in any case.
fn redactor(run_id: &str, target: &str, request_ids: BTreeSet<String>) -> impl Fn(&str) -> String {
    let run = RunValues::new(run_id, target);
    move |text| {
        let mut text = text.to_owned();
        for id in &request_ids {
            text = text.replace(id.as_str(), "[request-id]");
        }
        let text = UUID.replace_all(&text, "[request-id]");
        let text = TIMESTAMP.replace_all(&text, "[time]");
        run.harness_text(&DURATION.replace_all(&text, "[duration]"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckId;
    use crate::runner::Baseline;

    fn finding(case: &str, check: CheckId, actual: &str) -> (Known, String) {
        let finding = Finding {
            case: case.to_owned(),
            check,
            expected: "400 InvalidArgument\nsecond line".to_owned(),
            actual: actual.to_owned(),
        };
        (Known::of(&finding), finding_text(&finding))
    }

    #[test]
    fn a_baseline_is_sorted_stable_and_reads_back() {
        let redact = redactor(
            "ab12cd34",
            "http://127.0.0.1:4000",
            BTreeSet::from(["req-1234".to_owned()]),
        );
        let entries = [
            finding(
                "wait-time/61",
                CheckId::ExpectedOutcome,
                "200 for Done_AB12CD34",
            ),
            finding(
                "setup/CreateFlow",
                CheckId::StrictJson,
                "a byte-order mark at 2026-11-24T02:14:48Z from 127.0.0.1:4000",
            ),
            finding(
                "encoding/get",
                CheckId::RequestIdUnique,
                "req-1234, also 0f0e0d0c-0b0a-0908-0706-050403020100's after 1.204 s",
            ),
            finding("wait-time/61", CheckId::ExpectedOutcome, "a second finding"),
        ];
        let mut out = Vec::new();
        write_entries(
            entries
                .iter()
                .map(|(known, text)| (known.clone(), redact(text))),
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), HEADER.len() + 3, "{text}");
        let mut sorted = lines.clone();
        sorted.sort_unstable();
        assert_eq!(lines, sorted, "the header and entries sort as `sort` sorts");
        assert_eq!(
            &lines[HEADER.len()..],
            [
                "encoding/get [request-id-unique]  # expected: 400 InvalidArgument; actual: [request-id], also [request-id]'s after [duration]",
                "setup/CreateFlow [strict-json]  # expected: 400 InvalidArgument; actual: a byte-order mark at [time] from [target]",
                "wait-time/61 [expected-outcome]  # expected: 400 InvalidArgument; actual: 200 for Done_[run]",
            ]
        );
        let read = Baseline::parse(&text).unwrap();
        assert_eq!(
            read.entries().cloned().collect::<BTreeSet<_>>(),
            entries.into_iter().map(|(known, _)| known).collect()
        );
        // Two shards' files concatenated, sorted and deduplicated are one baseline.
        let twice = format!("{text}{text}");
        let mut merged: Vec<&str> = twice.lines().collect();
        merged.sort_unstable();
        merged.dedup();
        assert_eq!(merged.join("\n") + "\n", text);
    }

    #[test]
    fn a_long_finding_is_cut() {
        let (_, text) = finding("a/b", CheckId::SuccessSchema, &"é".repeat(1000));
        assert_eq!(text.chars().count(), COMMENT_LIMIT + 3);
    }

    #[test]
    fn an_empty_baseline_is_its_header() {
        let mut out = Vec::new();
        write_empty_baseline(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), HEADER.len());
        assert_eq!(Baseline::parse(&text).unwrap(), Baseline::default());
    }
}
