//! Dispatch: each command run on validated options, its output written, its verdict
//! returned. Every failure is a [`CliError`]; the one async runtime is made here.

use std::io::{self, Write};
use std::time::Duration;

use conformance::contract::Contract;
use conformance::reference::{Choice, Fault, Reference};
use conformance::report::{self, Progress, Snapshots};
use conformance::runner::{self, Interrupt, RunOptions, RunReport};

use super::args::{Command, FuzzArgs, RunArgs, ServeArgs};
use super::error::{CliError, written};
use super::proxy::proxy;

/// What a command that ran to its end says of its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Conformant (or a command other than a run succeeded).
    Conformant,
    /// Not conformant: a finding, a failure, a changed snapshot.
    NotConformant,
}

impl Verdict {
    pub(super) fn of(conformant: bool) -> Self {
        if conformant {
            Verdict::Conformant
        } else {
            Verdict::NotConformant
        }
    }
}

/// Runs a command: without one, the catalog.
pub(crate) fn dispatch(command: Option<Command>, run: &RunArgs) -> Result<Verdict, CliError> {
    let mut stdout = io::stdout().lock();
    match command {
        None => {
            drop(stdout);
            run_cases(run)
        }
        Some(Command::Contract) => {
            written(report::write_contract(Contract::embedded(), &mut stdout))?;
            Ok(Verdict::Conformant)
        }
        Some(Command::Checks) => {
            written(report::write_checks(&mut stdout))?;
            Ok(Verdict::Conformant)
        }
        Some(Command::Serve(args)) if args.list_faults => {
            written(report::write_faults(&mut stdout))?;
            Ok(Verdict::Conformant)
        }
        Some(Command::Serve(args)) if args.list_choices => {
            written(report::write_choices(&mut stdout))?;
            Ok(Verdict::Conformant)
        }
        Some(Command::Serve(args)) => {
            drop(stdout);
            serve(&args)
        }
        Some(Command::Fuzz(args)) => {
            drop(stdout);
            fuzz(&args)
        }
        Some(Command::FaultMatrix) => {
            drop(stdout);
            fault_matrix()
        }
        Some(Command::ChoiceMatrix) => {
            drop(stdout);
            choice_matrix()
        }
        Some(Command::Explain(args)) => {
            let subjects = report::resolve(&args.id)?;
            written(report::write_explanation(&subjects, &mut stdout))?;
            Ok(Verdict::Conformant)
        }
        Some(Command::Coverage) => {
            written(report::write_coverage(&mut stdout))?;
            Ok(Verdict::Conformant)
        }
        Some(Command::Proxy(args)) => {
            drop(stdout);
            proxy(&args)
        }
    }
}

/// Runs `work` to its end on the command's one async runtime.
pub(super) fn block_on<T>(work: impl Future<Output = T>) -> Result<T, CliError> {
    let runtime = tokio::runtime::Runtime::new().map_err(CliError::Runtime)?;
    Ok(runtime.block_on(work))
}

/// Runs the catalog, or lists it, and says how conformant the target is.
fn run_cases(args: &RunArgs) -> Result<Verdict, CliError> {
    let options = args.options()?;
    let unknown = runner::unknown_cases(&options);
    if !unknown.is_empty() {
        return Err(CliError::UnknownCases(unknown));
    }
    let baseline = args.baseline.load()?;
    let target = &args.target;
    for note in target.notes() {
        eprintln!("conformance: {note}");
    }
    if target.target.is_none()
        && (target.access_key_id.is_some() || target.access_key_secret.is_some())
    {
        eprintln!(
            "conformance: note: the credentials given apply to --target; the embedded reference target is run with its own test accounts"
        );
    }
    if args.list {
        let cases = runner::list(&options);
        if cases.is_empty() {
            return Err(CliError::NothingSelected(""));
        }
        written(report::write_list(&cases, &mut io::stdout().lock()))?;
        return Ok(Verdict::Conformant);
    }
    if runner::list(&options).is_empty() {
        let unsharded = RunOptions {
            shard: None,
            ..options.clone()
        };
        if runner::list(&unsharded).is_empty() {
            let probed = RunOptions {
                probe_throttling: true,
                ..unsharded
            };
            return Err(CliError::NothingSelected(
                if options.probe_throttling || runner::list(&probed).is_empty() {
                    " (see --list)"
                } else {
                    " (the throttling probe runs only with --probe-throttling)"
                },
            ));
        }
        // More shards than selected cases: this one has nothing to do.
        written(writeln!(
            io::stdout().lock(),
            "0 passed, 0 failed, 0 skipped (an empty shard)"
        ))?;
        if let Some(path) = &args.baseline.write_baseline {
            write_baseline(path, report::write_empty_baseline)?;
        }
        return Ok(Verdict::Conformant);
    }
    let progress = if args.no_progress {
        None
    } else {
        Progress::on_terminal()
    };
    let options = RunOptions {
        events: progress.as_ref().map(Progress::events),
        ..options
    };
    let ran = block_on(runner::run(&options))?;
    if let Some(progress) = &progress {
        progress.finish();
    }
    let mut ran = ran?;
    if let Some(baseline) = &baseline {
        ran.judge(baseline);
    }
    report_run(args, &ran)
}

/// Writes the console report, the report files and the snapshots of a run, and says how
/// conformant the target is.
fn report_run(args: &RunArgs, run: &RunReport) -> Result<Verdict, CliError> {
    if let Some(left) = run.left_behind() {
        eprintln!("conformance: warning: {left}");
    }
    let mut stdout = anstream::stdout().lock();
    written(report::write_report(run, &mut stdout))?;
    for file in &args.reports {
        create(&file.path, |out| file.format.write(run, out)).map_err(|source| {
            CliError::Report {
                format: file.format.name(),
                path: file.path.clone(),
                source,
            }
        })?;
    }
    if let Some(path) = &args.baseline.write_baseline {
        write_baseline(path, |out| report::write_baseline(run, out))?;
    }
    let mut verdict = Verdict::of(run.passes());
    if let Some(dir) = &args.snapshots {
        let outcome = Snapshots::new(dir, args.accept)
            .compare(run)
            .map_err(CliError::Snapshots)?;
        if !outcome.matched() {
            verdict = Verdict::NotConformant;
        }
        written(report::write_snapshot_outcome(&outcome, &mut stdout))?;
    }
    Ok(verdict)
}

/// Writes a file with `write`, buffered.
pub(super) fn create(
    path: &std::path::Path,
    write: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = io::BufWriter::new(std::fs::File::create(path)?);
    write(&mut out)?;
    out.flush()
}

/// Writes the `--write-baseline` file with `write`.
fn write_baseline(
    path: &std::path::Path,
    write: impl FnOnce(&mut io::BufWriter<std::fs::File>) -> io::Result<()>,
) -> Result<(), CliError> {
    create(path, write).map_err(|source| CliError::WriteBaseline {
        path: path.to_owned(),
        source,
    })
}

/// Runs the fuzzer and says whether it found anything (its baseline aside).
fn fuzz(args: &FuzzArgs) -> Result<Verdict, CliError> {
    let options = args.target.options()?;
    let fuzz = args.options(rand_seed())?;
    let baseline = args.baseline.load()?;
    for note in args.target.notes() {
        eprintln!("conformance: {note}");
    }
    let mut report = block_on(runner::fuzz(&options, &fuzz))??;
    if let Some(baseline) = &baseline {
        report.judge(baseline);
    }
    written(report::write_fuzz(
        &report,
        &args.regressions,
        &mut anstream::stdout().lock(),
    ))?;
    if let Some(path) = &args.baseline.write_baseline {
        write_baseline(path, |out| report::write_fuzz_baseline(&report, out))?;
    }
    Ok(Verdict::of(report.passes()))
}

/// Runs the fault matrix and prints it: not conformant if a fault went undetected or the
/// clean target failed.
fn fault_matrix() -> Result<Verdict, CliError> {
    let outcomes = block_on(runner::fault_matrix(&Fault::all()))??;
    // For information only: the document records owners, not every catch.
    written(report::write_incidental_catches(
        &outcomes,
        &mut io::stderr().lock(),
    ))?;
    written(report::write_fault_matrix(
        &outcomes,
        &mut io::stdout().lock(),
    ))?;
    Ok(Verdict::of(
        outcomes.iter().all(runner::FaultOutcome::detected),
    ))
}

/// Runs the choice matrix and prints it: not conformant if any choice gave a finding.
fn choice_matrix() -> Result<Verdict, CliError> {
    let outcomes = block_on(runner::choice_matrix(Choice::ALL))??;
    written(report::write_choice_matrix(
        &outcomes,
        &mut io::stdout().lock(),
    ))?;
    Ok(Verdict::of(
        outcomes.iter().all(runner::ChoiceOutcome::quiet),
    ))
}

/// A seed from the clock, for runs that give none (it is printed, so the run can be
/// repeated).
fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64 % 1_000_000)
}

/// Runs the reference target until interrupted.
fn serve(args: &ServeArgs) -> Result<Verdict, CliError> {
    block_on(async {
        let reference = Reference::start(args.listen, args.options())
            .await
            .map_err(|source| CliError::Listen {
                address: args.listen,
                source,
            })?;
        let mut stdout = io::stdout();
        writeln!(stdout, "{}", reference.url())
            .and_then(|()| stdout.flush())
            .map_err(CliError::Output)?;
        eprintln!(
            "conformance: serving the reference target at {} (state in memory; Ctrl-C stops)",
            reference.url()
        );
        Interrupt::listen().map_err(CliError::Signals)?.recv().await;
        // Long polls in flight get a moment to finish, not their whole wait.
        let _ = tokio::time::timeout(Duration::from_secs(1), reference.stop()).await;
        Ok(Verdict::Conformant)
    })?
}
