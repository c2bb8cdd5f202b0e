//! The command line: clap definitions, and the dispatch that turns them into calls of the
//! library and an exit code. No logic beyond that.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cases::fixtures::FixtureFile;
use crate::contract::{API_VERSION, Contract};
use crate::exit;
use crate::reference::{Choice, Fault, Reference, ReferenceOptions, default_accounts};
use crate::report::{self, Progress, ReportFormat, Snapshots};
use crate::runner::{self, Interrupt, Pacing, RunError, RunOptions};
use crate::wire::{
    ClientOptions, Credentials, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN,
    Endpoint, SignatureVersion,
};

/// Contract-conformance test harness for Alibaba Cloud CloudFlow's DescribeExecution API.
///
/// conformance holds a CloudFlow-compatible endpoint to the documented contract of
/// DescribeExecution (API version 2019-03-15): the FlowName and ExecutionName rules, the
/// WaitTimeSeconds bounds, missing parameters, the error-code table and the response
/// schemas. The contract is embedded in the binary.
///
/// Without a subcommand it runs the whole catalog of cases: against --target URL, or,
/// without one, against the embedded reference target. On the target it creates a flow
/// (and one of --other-credentials) with run-unique names, and deletes them at the end.
///
/// Exit codes: 0 conformant, 1 not conformant, 2 usage or set-up error, 3 target
/// unreachable, 130 interrupted (after removing what the run created).
#[derive(Debug, Parser)]
#[command(
    name = "conformance",
    version,
    max_term_width = 100,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// The conformance run.
    #[command(flatten)]
    pub run: RunArgs,
    /// What to do instead of a run.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The signature version of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignatureArg {
    /// HMAC-SHA1 in the query: what the official fnf SDK sends.
    V1,
    /// ACS3-HMAC-SHA256 in headers.
    V3,
    /// Unsigned.
    None,
}

/// The target and how to talk to it: the options a run and a fuzz run share.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The CloudFlow-compatible endpoint (http:// or https://, no path). Without it, the
    /// embedded reference target with its test accounts.
    #[arg(long, value_name = "URL")]
    pub target: Option<Endpoint>,
    /// The access key ID that signs the requests.
    #[arg(long, value_name = "ID", env = ENV_ACCESS_KEY_ID)]
    pub access_key_id: Option<String>,
    /// The access key secret (prefer the environment variable: flags show in process lists).
    #[arg(long, value_name = "SECRET", env = ENV_ACCESS_KEY_SECRET, hide_env_values = true)]
    pub access_key_secret: Option<String>,
    /// An STS security token.
    #[arg(long, value_name = "TOKEN", env = ENV_SECURITY_TOKEN, hide_env_values = true)]
    pub security_token: Option<String>,
    /// A second account, for the account-isolation case; without it that case is skipped.
    #[arg(long, value_name = "ID:SECRET", value_parser = AccountParser)]
    pub other_credentials: Option<Credentials>,
    /// How the requests are signed.
    #[arg(long, value_enum, default_value_t = SignatureArg::V1)]
    pub signature: SignatureArg,
    /// How many cases are in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// At most this many requests a second, whatever the operation. Without it, a target
    /// that is not this machine gets the real service's published limits: 5 a second
    /// (bursts of 50) for DescribeExecution, 2 a second (bursts of 10) for the others.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<NonZeroU32>,
    /// The latest an answer may come, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub timeout: Duration,
    /// Also trust the CA certificates of this PEM file (besides the platform's roots).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Accept any TLS certificate: for test targets only (a warning says so).
    #[arg(long)]
    pub insecure: bool,
}

/// The options of a conformance run.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The target.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Run only this case (repeatable).
    #[arg(long = "case", value_name = "ID")]
    pub cases: Vec<String>,
    /// Run only cases with this tag or id pattern, `*` matching any text (repeatable: all must match).
    #[arg(long = "filter", value_name = "PATTERN")]
    pub filters: Vec<String>,
    /// List the selected cases instead of running them.
    #[arg(long, conflicts_with_all = ["reports", "snapshots"])]
    pub list: bool,
    /// Run only part I of N of the selected cases (for parallel CI jobs; the N parts
    /// together run every case once).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<runner::Shard>,
    /// The margin added to the measured round trip in every timing bound, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "0.5", value_parser = parse_seconds)]
    pub timing_slack: Duration,
    /// Add timing cases that wait up to 60 seconds.
    #[arg(long)]
    pub long_waits: bool,
    /// Use the executions this JSON file names, in the states it gives, instead of
    /// creating flows (for targets where the harness may not create them).
    #[arg(long, value_name = "FILE")]
    pub fixtures: Option<PathBuf>,
    /// Also write the results to a file: junit=PATH (JUnit XML) or json=PATH (the format of
    /// schemas/report.schema.json) (repeatable).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub reports: Vec<ReportFile>,
    /// Never show the progress bar (it shows only when standard error is a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Compare each case's exchange with its snapshot in DIR, recording the missing ones;
    /// a changed exchange fails the run and leaves a .snap.new file beside the snapshot.
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Take changed exchanges as the new snapshots (with --snapshots).
    #[arg(long, requires = "snapshots")]
    pub accept: bool,
}

/// A report file asked for with `--report FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// The format.
    pub format: ReportFormat,
    /// Where it goes.
    pub path: PathBuf,
}

fn parse_report(text: &str) -> Result<ReportFile, String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, such as junit=results.xml; got {text:?}"))?;
    let format = ReportFormat::ALL
        .into_iter()
        .find(|known| known.id() == format)
        .ok_or_else(|| format!("no report format {format:?}; the formats are junit and json"))?;
    if path.is_empty() {
        return Err(format!("no path after {text:?}"));
    }
    Ok(ReportFile {
        format,
        path: PathBuf::from(path),
    })
}

impl TargetArgs {
    /// The runner's options for this target, or a usage error.
    pub fn options(&self) -> Result<RunOptions, String> {
        let credentials = if self.target.is_some() {
            Credentials::from_parts(
                self.access_key_id.clone(),
                self.access_key_secret.clone(),
                self.security_token.clone(),
            )
            .map_err(|error| error.to_string())?
        } else {
            None
        };
        let signature = match self.signature {
            SignatureArg::V1 => SignatureVersion::V1,
            SignatureArg::V3 => SignatureVersion::V3,
            SignatureArg::None => SignatureVersion::None,
        };
        if self.target.is_some() && signature != SignatureVersion::None && credentials.is_none() {
            return Err(crate::wire::WireError::MissingCredentials(signature).to_string());
        }
        let ca_certificates = self
            .ca_cert
            .as_deref()
            .map(|path| {
                std::fs::read(path).map_err(|error| {
                    format!("failed to read --ca-cert {}: {error}", path.display())
                })
            })
            .transpose()?;
        Ok(RunOptions {
            target: self.target.clone(),
            credentials,
            other_credentials: self.other_credentials.clone(),
            signature,
            concurrency: usize::from(self.concurrency),
            pacing: self.pacing(),
            timeout: self.timeout,
            stop_on_interrupt: true,
            client: ClientOptions {
                ca_certificates,
                insecure: self.insecure,
                ..ClientOptions::default()
            },
            ..RunOptions::default()
        })
    }

    /// How fast the run sends: `--rate`; without it, the real service's limits toward
    /// another machine, and no limit on this one.
    pub fn pacing(&self) -> Pacing {
        match self.rate {
            Some(rate) => Pacing::Rate(rate),
            None if self.is_remote() => Pacing::Service,
            None => Pacing::Unlimited,
        }
    }

    /// Whether the target is another machine: a real service, to be treated politely.
    pub fn is_remote(&self) -> bool {
        self.target
            .as_ref()
            .is_some_and(|target| !target.is_loopback())
    }

    /// Warnings and notes about these options, for standard error.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.insecure {
            notes.push(
                "warning: --insecure: TLS certificates are not checked; anyone on the path can read and change the run's requests".to_owned(),
            );
        }
        if self.pacing() == Pacing::Service {
            let (describe, other) = (runner::SERVICE_DESCRIBE_LIMIT, runner::SERVICE_OTHER_LIMIT);
            notes.push(format!(
                "note: a target that is not this machine: at the real service's limits, {} DescribeExecution requests a second (bursts of {}) and {} of the others (bursts of {}); --rate to change",
                describe.per_second, describe.burst, other.per_second, other.burst
            ));
        }
        notes
    }
}

impl RunArgs {
    /// The runner's options, or a usage error.
    pub fn options(&self) -> Result<RunOptions, String> {
        Ok(RunOptions {
            cases: self.cases.clone(),
            filters: self.filters.clone(),
            timing_margin: self.timing_slack,
            long_waits: self.long_waits,
            shard: self.shard,
            fixtures: self
                .fixtures
                .as_deref()
                .map(|path| FixtureFile::load(path, Contract::embedded()))
                .transpose()?,
            ..self.target.options()?
        })
    }
}

/// The options of `conformance fuzz`.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// The target.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Send at most this many generated requests.
    #[arg(long = "cases", value_name = "N")]
    pub cases: Option<u64>,
    /// Go on for at most this long, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub duration: Option<Duration>,
    /// The generator's seed: the same seed sends the same requests (random if not given).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Send only this request, as a failure printed it (`FlowName=...&ExecutionName=...`).
    #[arg(long, value_name = "PARAMS")]
    pub replay: Option<String>,
    /// Where failing requests are kept, and replayed from first.
    #[arg(long, value_name = "FILE", default_value = "fuzz-regressions.txt")]
    pub regressions: PathBuf,
    /// Stop once this many distinct failures were found (replayed ones included); without
    /// it, a run goes on until its budget whatever it finds.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_failures: Option<u64>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the contract the harness holds targets to: parameters, rules, error codes.
    Contract,
    /// List the checks every answer is held to.
    Checks,
    /// Run the reference target: a local CloudFlow service that follows the contract.
    ///
    /// It prints the URL it bound on the first line of standard output and serves until
    /// interrupted. State lives in memory only: flows and executions are gone when it stops.
    Serve(ServeArgs),
    /// Fuzz parameter validation with generated DescribeExecution requests.
    ///
    /// Each request's expected answer comes from the contract; every answer goes through
    /// the same checks as the catalog. A run goes on until its budget (or --max-failures)
    /// and groups failing requests by what they break (the failing checks and the contract
    /// rule the request breaks). One request of each distinct failure is shrunk, printed
    /// with a command that replays it, and kept in the regressions file, which later runs
    /// replay first.
    Fuzz(Box<FuzzArgs>),
    /// Run the default suite against the reference target with each of its faults, and
    /// print whether the check that owns each fault's rule caught it as Markdown
    /// (docs/fault-matrix.md; the other checks that failed go to standard error).
    /// Takes minutes.
    FaultMatrix,
    /// Run the default suite against the reference target with each of its choices (other
    /// answers the contract allows), and print that none gave a finding as Markdown
    /// (docs/choice-matrix.md). Takes minutes.
    ChoiceMatrix,
}

/// The options of `conformance serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// An account whose signatures are accepted, as ID:SECRET (repeatable). Without any,
    /// the local test accounts testid:testsecret and otherid:othersecret.
    #[arg(long = "account", value_name = "ID:SECRET", value_parser = AccountParser)]
    pub accounts: Vec<Credentials>,
    /// Also accept unsigned requests, as the first account.
    #[arg(long)]
    pub anonymous: bool,
    /// The largest request body, in bytes; larger ones get EntityTooLarge.
    #[arg(long, value_name = "BYTES", default_value_t = ReferenceOptions::default().max_body_bytes)]
    pub max_body_bytes: usize,
    /// End executions that run longer than this as TimedOut.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub execution_timeout: Option<Duration>,
    /// Requests per second each account may send; more get 429 ResourceThrottled.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate_limit: Option<NonZeroU32>,
    /// Break one rule of the contract on purpose, to see a harness catch it (repeatable;
    /// --list-faults names them).
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    pub faults: Vec<Fault>,
    /// List the faults, each with the check that owns the rule it breaks, and exit.
    #[arg(long)]
    pub list_faults: bool,
    /// Give another answer the contract allows where it leaves the answer open, as other
    /// correct services do (repeatable; --list-choices names them).
    #[arg(long = "choice", value_name = "NAME", value_parser = parse_choice)]
    pub choices: Vec<Choice>,
    /// List the choices, each with the open question it answers, and exit.
    #[arg(long)]
    pub list_choices: bool,
}

fn parse_choice(text: &str) -> Result<Choice, String> {
    Choice::named(text).ok_or_else(|| "no such choice (see serve --list-choices)".to_owned())
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    Fault::named(text).ok_or_else(|| "no such fault (see serve --list-faults)".to_owned())
}

/// Reads `ID:SECRET` pairs; unlike clap's own errors, its errors never repeat the value,
/// which holds a secret.
#[derive(Debug, Clone, Copy)]
struct AccountParser;

impl clap::builder::TypedValueParser for AccountParser {
    type Value = Credentials;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Credentials, clap::Error> {
        let parsed = value
            .to_str()
            .ok_or_else(|| "credentials must be UTF-8".to_owned())
            .and_then(|text| Credentials::parse_pair(text).map_err(|error| error.to_string()));
        parsed.map_err(|error| {
            let name = arg.map(ToString::to_string).unwrap_or_default();
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for '{name}' (not shown: it holds a secret): {error}\n"),
            )
            .with_cmd(command)
        })
    }
}

/// Seconds, as `90`, `1.5`, `60s` or `2m`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.strip_suffix('m') {
        Some(minutes) => (minutes, 60.0),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .and_then(|value| Duration::try_from_secs_f64(value * unit).ok())
        .ok_or_else(|| "expected a duration such as 10, 1.5, 60s or 2m".to_owned())
}

impl ServeArgs {
    /// The reference target's options.
    pub fn options(&self) -> ReferenceOptions {
        ReferenceOptions {
            accounts: if self.accounts.is_empty() {
                default_accounts()
            } else {
                self.accounts.clone()
            },
            anonymous: self.anonymous,
            max_body_bytes: self.max_body_bytes,
            max_execution_lifetime: self.execution_timeout,
            rate_limit: self.rate_limit,
            faults: self.faults.clone(),
            choices: self.choices.clone(),
            ..ReferenceOptions::default()
        }
    }
}

/// Parses the command line, runs it, and says how the process should exit.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout with code 0, usage errors to stderr with 2.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit::USAGE_ERROR
            } else {
                exit::CONFORMANT
            });
        }
    };
    let mut stdout = io::stdout().lock();
    let written = match cli.command {
        None => {
            drop(stdout);
            return run_cases(&cli.run);
        }
        Some(Command::Contract) => print_contract(Contract::embedded(), &mut stdout),
        Some(Command::Checks) => report::write_checks(&mut stdout),
        Some(Command::Fuzz(args)) => {
            drop(stdout);
            return fuzz(&args);
        }
        Some(Command::FaultMatrix) => {
            drop(stdout);
            return fault_matrix();
        }
        Some(Command::ChoiceMatrix) => {
            drop(stdout);
            return choice_matrix();
        }
        Some(Command::Serve(args)) if args.list_faults => report::write_faults(&mut stdout),
        Some(Command::Serve(args)) if args.list_choices => report::write_choices(&mut stdout),
        Some(Command::Serve(args)) => {
            drop(stdout);
            return serve(&args);
        }
    };
    finish(written, exit::CONFORMANT)
}

/// Runs the catalog, or lists it, and says how conformant the target is.
fn run_cases(args: &RunArgs) -> ExitCode {
    let options = match args.options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("conformance: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    let unknown = runner::unknown_cases(&options);
    if !unknown.is_empty() {
        eprintln!(
            "conformance: no case has the id {} (see --list)",
            unknown.join(", ")
        );
        return ExitCode::from(exit::USAGE_ERROR);
    }
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
    let mut stdout = io::stdout().lock();
    if args.list {
        let cases = runner::list(&options);
        if cases.is_empty() {
            eprintln!("conformance: no case matches --case/--filter");
            return ExitCode::from(exit::USAGE_ERROR);
        }
        return finish(report::write_list(&cases, &mut stdout), exit::CONFORMANT);
    }
    if runner::list(&options).is_empty() {
        let unsharded = RunOptions {
            shard: None,
            ..options.clone()
        };
        if runner::list(&unsharded).is_empty() {
            eprintln!("conformance: no case matches --case/--filter (see --list)");
            return ExitCode::from(exit::USAGE_ERROR);
        }
        // More shards than selected cases: this one has nothing to do.
        return finish(
            writeln!(stdout, "0 passed, 0 failed, 0 skipped (an empty shard)"),
            exit::CONFORMANT,
        );
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: failed to start the async runtime: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    drop(stdout);
    let progress = if args.no_progress {
        None
    } else {
        Progress::on_terminal()
    };
    let options = RunOptions {
        events: progress.as_ref().map(Progress::events),
        ..options
    };
    let ran = runtime.block_on(runner::run(&options));
    if let Some(progress) = &progress {
        progress.finish();
    }
    match ran {
        Ok(run) => report_run(args, &run),
        Err(error) => {
            eprintln!("conformance: {error}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// The exit code of a run or fuzz run that could not be carried out.
fn exit_code(error: &RunError) -> u8 {
    match error {
        RunError::Setup(_) => exit::USAGE_ERROR,
        RunError::Broken(_) => exit::NOT_CONFORMANT,
        RunError::Unreachable { .. } => exit::TARGET_UNREACHABLE,
        RunError::Interrupted { .. } => exit::INTERRUPTED,
    }
}

/// Writes the console report, the report files and the snapshots of a run, and says how
/// the process should exit.
fn report_run(args: &RunArgs, run: &runner::RunReport) -> ExitCode {
    if let Some(left) = run.left_behind() {
        eprintln!("conformance: warning: {left}");
    }
    let mut stdout = anstream::stdout().lock();
    if let Err(error) = report::write_report(run, &mut stdout) {
        return finish(Err(error), exit::USAGE_ERROR);
    }
    for file in &args.reports {
        let written = std::fs::File::create(&file.path).and_then(|created| {
            let mut out = io::BufWriter::new(created);
            file.format.write(run, &mut out)?;
            out.flush()
        });
        if let Err(error) = written {
            eprintln!(
                "conformance: failed to write the {} report to {}: {error}",
                file.format.name(),
                file.path.display()
            );
            return ExitCode::from(exit::USAGE_ERROR);
        }
    }
    let mut code = if run.conformant() {
        exit::CONFORMANT
    } else {
        exit::NOT_CONFORMANT
    };
    if let Some(dir) = &args.snapshots {
        let outcome = match Snapshots::new(dir, args.accept).compare(run) {
            Ok(outcome) => outcome,
            Err(error) => {
                eprintln!("conformance: {error}");
                return ExitCode::from(exit::USAGE_ERROR);
            }
        };
        if !outcome.matched() {
            code = exit::NOT_CONFORMANT;
        }
        return finish(report::write_snapshot_outcome(&outcome, &mut stdout), code);
    }
    ExitCode::from(code)
}

/// Runs the fuzzer and says whether it found anything.
fn fuzz(args: &FuzzArgs) -> ExitCode {
    let options = match args.target.options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("conformance: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    if args.target.is_remote() && args.cases.is_none() && args.duration.is_none() {
        eprintln!(
            "conformance: fuzzing a target that is not this machine needs --cases N or --duration S, so that it ends when you mean it to"
        );
        return ExitCode::from(exit::USAGE_ERROR);
    }
    for note in args.target.notes() {
        eprintln!("conformance: {note}");
    }
    let fuzz = runner::FuzzOptions {
        // Without a budget, a fuzz run against the embedded target sends 10,000 requests.
        cases: args.cases.or(args.duration.is_none().then_some(10_000)),
        duration: args.duration,
        seed: args.seed.unwrap_or_else(rand_seed),
        regressions: Some(args.regressions.clone()),
        replay: args.replay.clone(),
        shrink: true,
        max_failures: args
            .max_failures
            .map(|max| usize::try_from(max).unwrap_or(usize::MAX)),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: failed to start the async runtime: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    match runtime.block_on(runner::fuzz(&options, &fuzz)) {
        Ok(report) => {
            let code = if report.failures.is_empty() {
                exit::CONFORMANT
            } else {
                exit::NOT_CONFORMANT
            };
            finish(
                report::write_fuzz(&report, &args.regressions, &mut anstream::stdout().lock()),
                code,
            )
        }
        Err(error) => {
            eprintln!("conformance: {error}");
            ExitCode::from(exit_code(&error))
        }
    }
}

/// Runs the fault matrix and prints it; exit code 1 if a fault went undetected or the
/// clean target failed.
fn fault_matrix() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: failed to start the async runtime: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    match runtime.block_on(runner::fault_matrix(&Fault::all())) {
        Ok(outcomes) => {
            let code = if outcomes.iter().all(runner::FaultOutcome::detected) {
                exit::CONFORMANT
            } else {
                exit::NOT_CONFORMANT
            };
            // For information only: the document records owners, not every catch.
            let _ = report::write_incidental_catches(&outcomes, &mut io::stderr().lock());
            finish(
                report::write_fault_matrix(&outcomes, &mut io::stdout().lock()),
                code,
            )
        }
        Err(error) => {
            eprintln!("conformance: {error}");
            ExitCode::from(exit::USAGE_ERROR)
        }
    }
}

/// Runs the choice matrix and prints it; exit code 1 if any choice gave a finding.
fn choice_matrix() -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: failed to start the async runtime: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    match runtime.block_on(runner::choice_matrix(Choice::ALL)) {
        Ok(outcomes) => {
            let code = if outcomes.iter().all(runner::ChoiceOutcome::quiet) {
                exit::CONFORMANT
            } else {
                exit::NOT_CONFORMANT
            };
            finish(
                report::write_choice_matrix(&outcomes, &mut io::stdout().lock()),
                code,
            )
        }
        Err(error) => {
            eprintln!("conformance: {error}");
            ExitCode::from(exit::USAGE_ERROR)
        }
    }
}

/// A seed from the clock, for runs that give none (it is printed, so the run can be
/// repeated).
fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64 % 1_000_000)
}

/// The exit code once the output is written; a closed pipe is not an error.
fn finish(written: io::Result<()>, code: u8) -> ExitCode {
    match written {
        Ok(()) => ExitCode::from(code),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(code),
        Err(error) => {
            eprintln!("conformance: failed to write the output: {error}");
            ExitCode::from(exit::USAGE_ERROR)
        }
    }
}

/// Runs the reference target until interrupted.
fn serve(args: &ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("conformance: failed to start the async runtime: {error}");
            return ExitCode::from(exit::USAGE_ERROR);
        }
    };
    runtime.block_on(async {
        let reference = match Reference::start(args.listen, args.options()).await {
            Ok(reference) => reference,
            Err(error) => {
                eprintln!("conformance: failed to listen on {}: {error}", args.listen);
                return ExitCode::from(exit::USAGE_ERROR);
            }
        };
        let mut stdout = io::stdout();
        if writeln!(stdout, "{}", reference.url())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::from(exit::USAGE_ERROR);
        }
        eprintln!(
            "conformance: serving the reference target at {} (state in memory; Ctrl-C stops)",
            reference.url()
        );
        match Interrupt::listen() {
            Ok(mut interrupt) => interrupt.recv().await,
            Err(error) => {
                eprintln!("conformance: failed to listen for Ctrl-C: {error}");
                return ExitCode::from(exit::USAGE_ERROR);
            }
        }
        // Long polls in flight get a moment to finish, not their whole wait.
        let _ = tokio::time::timeout(Duration::from_secs(1), reference.stop()).await;
        ExitCode::from(exit::CONFORMANT)
    })
}

/// Writes the contract as a person reads it.
pub fn print_contract(contract: &Contract, out: &mut impl Write) -> io::Result<()> {
    let request = contract.request();
    writeln!(out, "{} (API version {API_VERSION})", request.operation())?;
    writeln!(out)?;
    writeln!(out, "Parameters:")?;
    for parameter in request.parameters() {
        let required = if parameter.required {
            "required"
        } else {
            "optional"
        };
        let kind = if parameter.integer {
            let range = contract.wait_time_seconds();
            format!("integer {} to {}", range.start(), range.end())
        } else {
            let rules = contract.names().rules();
            format!(
                "name: {} to {} characters, first {}, all {}",
                rules.min_length, rules.max_length, rules.first_character, rules.characters
            )
        };
        writeln!(out, "  {:<16} {required:<9} {kind}", parameter.name)?;
    }
    writeln!(out)?;
    writeln!(out, "Statuses: {}", contract.bodies().statuses().join(", "))?;
    writeln!(
        out,
        "Terminal: {}",
        contract.bodies().terminal_statuses().join(", ")
    )?;
    writeln!(out)?;
    writeln!(out, "Error codes:")?;
    for row in contract.errors().rows() {
        let scope = if row.describe_execution {
            ""
        } else {
            "  (other operations)"
        };
        writeln!(
            out,
            "  {} {:<26} {}{scope}",
            row.status.as_u16(),
            row.code,
            row.message.text()
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Open questions (where the contract leaves the answer open; every answer listed is accepted):"
    )?;
    for question in contract.questions().all() {
        writeln!(out, "  {}: {}", question.question, question.text)?;
        writeln!(out, "    accepted: {}", question.accepted)?;
        writeln!(out, "    why: {}", question.why)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn target_args(args: &[&str]) -> TargetArgs {
        let mut argv = vec![
            "conformance",
            "--access-key-id",
            "a",
            "--access-key-secret",
            "b",
        ];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).unwrap().run.target
    }

    #[test]
    fn a_target_elsewhere_is_paced_at_the_services_limits_unless_rate_says_otherwise() {
        let remote = target_args(&["--target", "https://cloudflow.invalid"]);
        assert_eq!(remote.options().unwrap().pacing, Pacing::Service);
        assert!(remote.notes().iter().any(|note| note
            .contains("5 DescribeExecution requests a second (bursts of 50) and 2 of the others (bursts of 10)")));
        let chosen = target_args(&["--target", "https://cloudflow.invalid", "--rate", "5"]);
        assert_eq!(
            chosen.options().unwrap().pacing,
            Pacing::Rate(NonZeroU32::new(5).unwrap())
        );
        assert!(chosen.notes().is_empty());
        let local = target_args(&["--target", "http://127.0.0.1:8080"]);
        assert_eq!(local.options().unwrap().pacing, Pacing::Unlimited);
        assert!(local.notes().is_empty());
        let insecure = target_args(&["--target", "http://127.0.0.1:8080", "--insecure"]);
        assert!(insecure.options().unwrap().client.insecure);
        assert!(insecure.notes()[0].starts_with("warning: --insecure"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_seconds("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_seconds("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
