//! The HTML report rendered in headless Chromium (Debian's `chromium` package): the page of a
//! run against a faulty reference target (a body fault and a timing fault, a hostile answer
//! put in, a baseline that expects the body fault's findings) shows its summary, its
//! failures with their checks and explanations, and its timelines, and logs no error: its
//! first script writes every script error, console error and load its policy blocked on the
//! root element (`data-errors`), and its last marks the body `data-ok="true"` once it ran
//! through. The DOM Chromium dumps after loading shows both.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::Target;
use conformance::checks::CheckId;
use conformance::reference::Fault;
use conformance::report::ReportFormat;
use conformance::runner::{self, Baseline, CaseOutcome, Known, RunReport};

/// What a hostile target answers: markup meant to run in the report's page.
const HOSTILE: &str = "</script><img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

/// The Chromium binary: `$CHROMIUM`, or `chromium` on the PATH. Never skipped: without it
/// the test fails and says how to install it.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("chromium"))
                .find(|path| path.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "chromium is not installed: `apt-get install chromium` (Debian; .ci/slow-tier does it when missing), or set CHROMIUM to a Chromium or Chrome binary"
            )
        })
}

/// The DOM of `page` once Chromium has loaded it and run its scripts.
async fn rendered(page: &Path) -> String {
    let profile = page.with_extension("profile");
    let child = tokio::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("chromium starts");
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("chromium renders the page within 2 minutes")
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && dom.contains("</html>"),
        "chromium failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    dom
}

/// The start tag of the first `element` of `dom`.
fn start_tag<'a>(dom: &'a str, element: &str) -> &'a str {
    let at = dom.find(&format!("<{element}")).expect(element);
    &dom[at..at + dom[at..].find('>').unwrap() + 1]
}

/// A run against a target with a body fault (statuses upper-cased) and a timing fault
/// (long polls come 1.5 s after their execution's end), one answer made hostile.
async fn faulty_run() -> RunReport {
    let target = Target::faulty(vec![Fault::BodyStatusSpelling, Fault::OvershootsEnd]).await;
    let mut run = runner::run(&target.run_options())
        .await
        .expect("the run completes");
    let failed = run
        .cases
        .iter_mut()
        .find(|result| !result.findings.is_empty() && result.exchange().is_some())
        .expect("a failed catalog case");
    if let CaseOutcome::Checked(checked) = &mut failed.outcome {
        let answer = checked.answer.as_mut().expect("an answer");
        answer.body = HOSTILE.as_bytes().to_vec().into();
    }
    failed.findings[0].actual = HOSTILE.to_owned();
    // A baseline that expects the body fault's findings.
    let body_fault: Vec<Known> = run
        .findings()
        .filter(|finding| finding.check == CheckId::SuccessSchema)
        .map(Known::of)
        .collect();
    assert!(!body_fault.is_empty());
    run.judge(&Baseline::of(body_fault));
    run
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "slow tier (.ci/slow-tier): renders the HTML report in headless Chromium (apt-get install chromium)"]
async fn the_html_report_renders_in_chromium_without_errors() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let run = faulty_run().await;
    let mut html = Vec::new();
    ReportFormat::Html.write(&run, &mut html).unwrap();
    let page = dir.join("faulty.html");
    std::fs::write(&page, &html).unwrap();

    let dom = rendered(&page).await;
    assert!(
        !start_tag(&dom, "html").contains("data-errors"),
        "the page logged errors: {}",
        start_tag(&dom, "html")
    );
    assert!(
        start_tag(&dom, "body").contains("data-ok=\"true\""),
        "the page's script did not run through: {}",
        start_tag(&dom, "body")
    );
    // The hostile answer is text, not markup: nothing of it ran or loaded.
    assert!(!dom.contains("pwned</title>"), "the hostile answer ran");
    assert!(!dom.contains("<img"), "the hostile answer made an element");
    assert!(dom.contains("&lt;/script&gt;&lt;img src=x"));
    // The summary, a failure of each fault with its check, the timelines.
    let findings = run.findings().count();
    assert!(
        dom.contains(&format!("not conformant: {findings} findings")),
        "no summary"
    );
    for check in ["success-schema", "timing-ends-with-execution"] {
        assert!(
            dom.contains(&format!("<code class=\"check\">{check}</code>")),
            "no finding of {check}"
        );
    }
    assert!(dom.contains("<svg "), "no timeline");
    assert!(dom.contains("<rect class=\"window\""), "no allowed window");
    assert!(dom.contains("bar success outside"), "no late poll drawn");
    // The checks that failed explained; the baseline's expected failures marked.
    assert!(dom.contains("The checks that failed"));
    assert!(dom.contains("id=\"check-timing-ends-with-execution\""));
    assert!(dom.contains("expected by the baseline"));
    // The filters ran: the failures shown first, those the baseline expects apart.
    let failed = run.counts().1 - run.failed_as_expected_count();
    assert!(
        dom.contains(&format!("showing {failed} of {} cases", run.cases.len())),
        "the filters did not run"
    );
    assert!(dom.contains("skipped: "), "no skipped case's reason");

    // The test can fail: a page whose script is not the one its policy allows is blocked,
    // and the page says so.
    let text = String::from_utf8(html).unwrap();
    let broken = dir.join("broken.html");
    std::fs::write(
        &broken,
        text.replace(
            "document.body.dataset.ok = \"true\";",
            "undefinedFunction();",
        ),
    )
    .unwrap();
    let dom = rendered(&broken).await;
    assert!(
        start_tag(&dom, "html").contains("data-errors"),
        "the trap saw nothing: {}",
        start_tag(&dom, "html")
    );
    assert!(!start_tag(&dom, "body").contains("data-ok"));
}
