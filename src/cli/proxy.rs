//! `conformance proxy`: the validating proxy run until Ctrl-C or SIGTERM, its findings
//! printed as they happen, its reports written at the end.

use std::io::{self, Write};

use conformance::proxy::{Judge, Proxy, Traffic};
use conformance::runner::Interrupt;
use tokio::sync::mpsc;

use super::args::ProxyArgs;
use super::dispatch::{Verdict, block_on, create};
use super::error::{CliError, written};

/// Runs the proxy until interrupted and says whether the traffic it saw passes.
pub(super) fn proxy(args: &ProxyArgs) -> Result<Verdict, CliError> {
    let (options, judging) = args.options()?;
    raise_open_files_limit();
    let report = block_on(async {
        // Listened for before the URL is printed: a signal right after it still stops
        // the proxy in order.
        let mut interrupt = Interrupt::listen().map_err(CliError::Signals)?;
        let (sender, mut traffic) = mpsc::unbounded_channel();
        let proxy = Proxy::start(options, sender).await?;
        let mut stdout = io::stdout();
        writeln!(stdout, "{}", proxy.url())
            .and_then(|()| stdout.flush())
            .map_err(CliError::Output)?;
        for note in args.notes() {
            eprintln!("conformance: {note}");
        }
        eprintln!(
            "conformance: proxy at {} forwarding to {}; Ctrl-C or SIGTERM stops it and writes the reports",
            proxy.url(),
            args.target
        );
        let mut judge = Judge::new(judging);
        loop {
            tokio::select! {
                record = traffic.recv() => match record {
                    Some(record) => observe(&mut judge, record)?,
                    None => break,
                },
                () = interrupt.recv() => break,
            }
        }
        proxy.stop().await;
        // Every record has been sent: judge those not yet read.
        traffic.close();
        while let Some(record) = traffic.recv().await {
            observe(&mut judge, record)?;
        }
        Ok::<_, CliError>(judge.finish())
    })??;
    for file in &args.reports {
        create(&file.path, |out| report.write(file.format, out)).map_err(|source| {
            CliError::Report {
                format: file.format.name(),
                path: file.path.clone(),
                source,
            }
        })?;
    }
    written(writeln!(io::stdout(), "{}", report.summary()))?;
    Ok(Verdict::of(report.passes()))
}

/// Judges one exchange and prints its lines (already redacted by the judge).
fn observe(judge: &mut Judge, record: Traffic) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    for line in judge.observe(record) {
        written(writeln!(stdout, "{line}"))?;
    }
    Ok(())
}

/// Raises this process's limit of open files to the most it may have: each held long
/// poll takes two (the client's connection and the target's).
fn raise_open_files_limit() {
    #[cfg(unix)]
    if let Err(error) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("conformance: note: the limit of open files could not be raised: {error}");
    }
}
