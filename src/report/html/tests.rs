//! The HTML report's structure on a canned run, without a browser (the page rendered in
//! headless Chromium is `tests/html_report.rs`, in the slow tier).

use std::time::Duration;

use http::HeaderValue;
use serde_json::json;

use super::*;
use crate::cases::Tag;
use crate::cases::timing::timing_cases;
use crate::checks::timing::{Poll, Timeline, TimingBounds, windows};
use crate::checks::{Finding, canned};
use crate::contract::Contract;
use crate::runner::{Baseline, CaseOutcome, Checked, Known};
use crate::wire::{Endpoint, Signing, SigningContext};

/// What a hostile target answers: markup meant to run in the report's page.
const HOSTILE: &str =
    "</script><img src=x onerror=\"document.title='pwned'\"><script>alert(1)</script>";

fn bounds() -> TimingBounds {
    TimingBounds {
        baseline: Duration::from_millis(2),
        margin: Duration::from_millis(300),
    }
}

/// A failed catalog case whose answer is hostile, with its request signed.
fn hostile_case() -> CaseResult {
    let case = canned::flow_not_exists();
    let endpoint: Endpoint = "http://127.0.0.1:9".parse().unwrap();
    let credentials = crate::wire::Credentials::new("testid", "topsecret")
        .with_security_token("tokenvalue-0123456789");
    let request = case
        .request
        .rpc
        .clone()
        .param("FlowName", "flow")
        .build(
            &endpoint,
            &Signing::V1(credentials),
            &SigningContext::fresh(),
        )
        .unwrap();
    let mut answer = canned::exchange(
        400,
        &json!({"Code": HOSTILE, "Message": "tokenvalue-0123456789"}),
    );
    // A byte-order mark before the body, shown.
    answer.body = [b"\xEF\xBB\xBF".as_slice(), &answer.body].concat().into();
    answer
        .headers
        .insert("x-hostile", HeaderValue::from_static("<b>bold</b>"));
    let body = answer.json();
    let findings = vec![Finding {
        case: case.id.clone(),
        check: CheckId::ExpectedOutcome,
        expected: "404 FlowNotExists".to_owned(),
        actual: format!("400 {HOSTILE}"),
    }];
    CaseResult::checked(
        Checked {
            case,
            request,
            answer: Ok(answer),
            body,
        },
        findings,
    )
}

/// A timing case of eight polls held on an execution that ends 2 s after it starts, the
/// last answered late.
fn timing_case() -> CaseResult {
    let case = timing_cases(Contract::embedded(), false)
        .into_iter()
        .find(|case| case.id == "timing/ends-during-wait-8-held")
        .unwrap();
    let ended = json!({"Status": "Succeeded", "StartedTime": "2024-01-01T00:00:00Z", "StoppedTime": "2024-01-01T00:00:02Z"});
    let polls = (0..8)
        .map(|index| Poll {
            wait: Some(10),
            sent: Duration::from_millis(20),
            elapsed: Duration::from_millis(if index == 7 { 9990 } else { 1985 }),
            status: 200,
            body: Some(ended.clone()),
            json_violation: None,
        })
        .collect();
    let timeline = Timeline {
        polls,
        started: Some((Duration::ZERO, Duration::from_millis(10))),
        ..Timeline::default()
    };
    CaseResult {
        case: case.info(),
        findings: vec![Finding {
            case: case.id.clone(),
            check: CheckId::TimingEndsWithExecution,
            expected: "every held poll answered between 1.698 s and 2.312 s".to_owned(),
            actual: "held poll 8 of 8: an answer 10.010 s into the case".to_owned(),
        }],
        outcome: CaseOutcome::Timing(Box::new(timeline)),
    }
}

fn skipped_case() -> CaseResult {
    let case = canned::success_case();
    CaseResult {
        case: case.info(),
        findings: Vec::new(),
        outcome: CaseOutcome::Skipped {
            reason: "needs --other-credentials".to_owned(),
        },
    }
}

/// A set-up step whose answer broke the wire format.
fn setup_step() -> CaseResult {
    let mut case = canned::success_case();
    case.id = "setup/StartExecution".to_owned();
    case.tags = vec![Tag::Setup];
    let request = case
        .request
        .rpc
        .build(
            &"http://127.0.0.1:9".parse::<Endpoint>().unwrap(),
            &Signing::Unsigned,
            &SigningContext::fresh(),
        )
        .unwrap();
    let answer = canned::exchange(200, &json!({"RequestId": "r-3"}));
    let findings = vec![Finding {
        case: case.id.clone(),
        check: CheckId::StrictJson,
        expected: "strict JSON".to_owned(),
        actual: "a byte-order mark".to_owned(),
    }];
    CaseResult::checked(
        Checked {
            case,
            request,
            body: answer.json(),
            answer: Ok(answer),
        },
        findings,
    )
}

fn run() -> RunReport {
    RunReport {
        target: "http://127.0.0.1:9".to_owned(),
        embedded: false,
        run_id: "r1".to_owned(),
        signature: crate::wire::SignatureVersion::V1,
        cases: vec![setup_step(), hostile_case(), timing_case(), skipped_case()],
        timing_bounds: Some(bounds()),
        elapsed: Duration::from_secs(12),
        left_behind: Vec::new(),
        steps: vec!["setup/StartExecution".to_owned()],
        baseline: None,
        exchanges: Vec::new(),
    }
}

fn page() -> String {
    let mut out = Vec::new();
    write_html(&run(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn every_text_of_the_target_is_escaped() {
    let page = page();
    // The only elements are the page's own: two scripts, no image.
    assert_eq!(page.matches("<script").count(), 2, "{page}");
    assert_eq!(page.matches("</script>").count(), 2, "{page}");
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<b>bold"), "{page}");
    assert!(
        page.contains(
            "&lt;/script&gt;&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;"
        ),
        "{page}"
    );
    assert!(
        page.contains("x-hostile: &lt;b&gt;bold&lt;/b&gt;"),
        "{page}"
    );
    assert!(
        page.contains("<pre class=\"response-body\">\\u{feff}{"),
        "{page}"
    );
    // The request's token, echoed by the target, is redacted; the request has none.
    assert!(!page.contains("tokenvalue-0123456789"), "{page}");
    assert!(page.contains("[redacted]"), "{page}");
    assert!(!page.contains("Signature="), "{page}");
}

#[test]
fn the_page_is_self_contained_and_its_scripts_are_the_only_ones_allowed() {
    let page = page();
    // No element loads anything: no src, and no href but to a part of the page (escaped
    // text has no `<`), no link, and the styles fetch nothing.
    let loads = regex::Regex::new(r#"<[^>]*\s(src|href|xlink:href)\s*=\s*"?([^"\s>]*)"#).unwrap();
    let targets: Vec<&str> = loads
        .captures_iter(&page)
        .map(|found| found.get(2).unwrap().as_str())
        .collect();
    assert!(!targets.is_empty(), "the findings link to their checks");
    assert!(
        targets.iter().all(|target| target.starts_with("#check-")),
        "{targets:?}"
    );
    assert!(!page.contains("<link"));
    assert!(!STYLE.contains("url(") && !STYLE.contains("@import"));
    let policy = format!(
        "script-src '{}' '{}'",
        script_hash(TRAP),
        script_hash(SCRIPT)
    );
    assert!(page.contains(&policy), "{page}");
    assert!(page.contains("default-src 'none'"));
    assert!(page.contains(&format!("<script>{TRAP}</script>")));
    assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
}

#[test]
fn the_page_has_the_summary_families_cases_and_timelines() {
    let page = page();
    assert!(page.contains("not conformant: 3 findings in 3 failed cases"));
    assert!(
        page.contains("3 ran: 0 passed, 3 failed, 1 skipped"),
        "{page}"
    );
    // A set-up step's findings, in a family of their own; re-run by the whole run.
    assert!(page.contains("1 set-up or clean-up steps whose answers broke the wire format"));
    assert!(page.contains("data-family=\"setup\""));
    assert!(page.contains("<code class=\"check\">strict-json</code>"));
    assert!(page.contains("reproduce: <code>conformance --target http://127.0.0.1:9</code>"));
    assert!(page.contains("slack 302.0 ms"), "{page}");
    // Every element the page opens, it closes.
    for element in ["section", "details", "table", "svg", "figure", "pre"] {
        assert_eq!(
            page.matches(&format!("<{element}")).count(),
            page.matches(&format!("</{element}>")).count(),
            "{element}"
        );
    }
    assert_eq!(page.matches("<section class=\"case ").count(), 4);
    for family in ["setup", "family", "timing"] {
        assert!(
            page.contains(&format!("<option value=\"{family}\">")),
            "{family}"
        );
    }
    assert!(page.contains("data-outcome=\"skipped\""));
    assert!(page.contains("skipped: needs --other-credentials"));
    // A failure: its check, explanation, reproduction and unsigned request.
    assert!(page.contains("<code class=\"check\">expected-outcome</code>"));
    assert!(page.contains(&Escaped(CheckId::ExpectedOutcome.description()).to_string()));
    assert!(page.contains("<a href=\"#check-expected-outcome\">"));
    // Each check that failed explained once, as `conformance explain` does.
    let explained = explain_check(CheckId::ExpectedOutcome);
    assert_eq!(
        page.matches("<details class=\"explanation\" id=\"check-")
            .count(),
        3
    );
    assert!(page.contains("<details class=\"explanation\" id=\"check-expected-outcome\">"));
    assert!(page.contains(&Escaped(explained.to_pass).to_string()));
    let rule = explained.rules[0];
    assert!(page.contains(&format!("<code>{}</code>", Escaped(&rule.id))));
    assert!(page.contains(
        "reproduce: <code>conformance --target http://127.0.0.1:9 --case family/case</code>"
    ));
    assert!(page.contains("<pre class=\"request\">curl -sS -X GET"));
    assert!(page.contains("HTTP 400 Bad Request"));
}

#[test]
fn a_timeline_draws_each_poll_and_the_windows_the_checks_judge() {
    let page = page();
    let run = run();
    let result = &run.cases[2];
    let timeline = result.timeline().unwrap();
    let judged = windows(
        Contract::embedded(),
        result.case.scenario.as_ref().unwrap(),
        timeline,
        &bounds(),
    );
    assert_eq!(judged.len(), 8);
    assert_eq!(page.matches("<svg ").count(), 1);
    assert_eq!(page.matches("<rect class=\"window\"").count(), judged.len());
    assert_eq!(page.matches("<rect class=\"bar success\"").count(), 7);
    // The late poll is outside its window.
    assert_eq!(
        page.matches("<rect class=\"bar success outside\"").count(),
        1
    );
    assert!(page.contains("<rect class=\"bar call\""), "StartExecution");
    assert!(page.contains("<rect class=\"mark end\""), "the end");
    assert!(page.contains(">poll 8 · wait 10</text>"));
    assert!(page.contains(">200 Succeeded</text>"));
    assert!(
        page.contains("timing-ends-with-execution allows the answer between 1.698 s and 2.312 s")
    );
}

#[test]
fn escaping_leaves_nothing_markup_can_use() {
    assert_eq!(
        Escaped("a<b>&\"c'").to_string(),
        "a&lt;b&gt;&amp;&quot;c&#39;"
    );
    assert_eq!(Escaped("plain ✓").to_string(), "plain ✓");
}

#[test]
fn a_baseline_s_expected_failures_and_mended_entries_show() {
    let mut run = run();
    let baseline = Baseline::of([
        Known::Case {
            case: "family/case".to_owned(),
            check: CheckId::ExpectedOutcome,
        },
        // The case ran and did not fail this check: mended.
        Known::Case {
            case: "timing/ends-during-wait-8-held".to_owned(),
            check: CheckId::TimingAnswer,
        },
    ]);
    run.judge(&baseline);
    let mut out = Vec::new();
    write_html(&run, &mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    assert!(
        page.contains(
            "3 ran: 0 passed, 2 failed, 1 skipped; 3 findings; 1 failing as the baseline expects"
        ),
        "{page}"
    );
    assert!(page.contains("not conformant: 3 findings in 2 failed cases"));
    assert!(page.contains("1 expected findings, 2 new, 1 entries no longer fail, 0 not run"));
    assert!(page.contains("data-outcome=\"expected\""));
    assert!(page.contains("<span class=\"badge expected\">expected by the baseline</span>"));
    assert!(page.contains("No longer fail: remove them from the baseline"));
    assert!(page.contains("<li><code>timing/ends-during-wait-8-held [timing-answer]</code></li>"));
}

#[test]
fn a_run_whose_every_finding_the_baseline_expects_passes_with_it() {
    let mut run = run();
    let everything: Vec<Known> = run.findings().map(Known::of).collect();
    run.judge(&Baseline::of(everything));
    let mut out = Vec::new();
    write_html(&run, &mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    assert!(page.contains("not conformant, as the baseline expects: 3 findings, none new"));
    // No failure to show first: every case shows.
    assert!(page.contains("value=\"all\" checked"));
}
