//! The first stage of argument parsing: clap's definitions of the command line, and the
//! parsers of single values. [`options`](super::options) checks them and turns them into
//! the library's options.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use conformance::reference::{Choice, Fault, ReferenceOptions};
use conformance::report::ReportFormat;
use conformance::runner::Shard;
use conformance::wire::{
    Credentials, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN, Endpoint,
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
/// unreachable, 130 interrupted (after removing what the run created). With --baseline,
/// the failures it lists do not count: 1 only for a failure it does not list (with
/// --strict-baseline also for an entry that no longer fails).
#[derive(Debug, Parser)]
#[command(
    name = "conformance",
    version,
    max_term_width = 100,
    args_conflicts_with_subcommands = true
)]
pub(crate) struct Cli {
    /// The conformance run.
    #[command(flatten)]
    pub(crate) run: RunArgs,
    /// What to do instead of a run.
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// The signature version of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SignatureArg {
    /// HMAC-SHA1 in the query: what the official fnf SDK sends.
    V1,
    /// ACS3-HMAC-SHA256 in headers.
    V3,
    /// Unsigned.
    None,
}

/// The target and how to talk to it: the options a run and a fuzz run share.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// The CloudFlow-compatible endpoint (http:// or https://, no path). Without it, the
    /// embedded reference target with its test accounts.
    #[arg(long, value_name = "URL")]
    pub(crate) target: Option<Endpoint>,
    /// The access key ID that signs the requests.
    #[arg(long, value_name = "ID", env = ENV_ACCESS_KEY_ID)]
    pub(crate) access_key_id: Option<String>,
    /// The access key secret (prefer the environment variable: flags show in process lists).
    #[arg(long, value_name = "SECRET", env = ENV_ACCESS_KEY_SECRET, hide_env_values = true)]
    pub(crate) access_key_secret: Option<String>,
    /// An STS security token.
    #[arg(long, value_name = "TOKEN", env = ENV_SECURITY_TOKEN, hide_env_values = true)]
    pub(crate) security_token: Option<String>,
    /// A second account, for the account-isolation case; without it that case is skipped.
    #[arg(long, value_name = "ID:SECRET", value_parser = AccountParser)]
    pub(crate) other_credentials: Option<Credentials>,
    /// How the requests are signed.
    #[arg(long, value_enum, default_value_t = SignatureArg::V1)]
    pub(crate) signature: SignatureArg,
    /// How many cases are in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: u16,
    /// At most this many requests a second, whatever the operation. Without it, a target
    /// that is not this machine gets the real service's published limits: 5 a second
    /// (bursts of 50) for DescribeExecution, 2 a second (bursts of 10) for the others.
    #[arg(long, value_name = "PER_SECOND")]
    pub(crate) rate: Option<NonZeroU32>,
    /// The latest an answer may come, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub(crate) timeout: Duration,
    /// Also trust the CA certificates of this PEM file (besides the platform's roots).
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Accept any TLS certificate: for test targets only (a warning says so).
    #[arg(long)]
    pub(crate) insecure: bool,
}

/// The options of a conformance run.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The target.
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Run only this case (repeatable).
    #[arg(long = "case", value_name = "ID")]
    pub(crate) cases: Vec<String>,
    /// Run only cases with this tag or id pattern, `*` matching any text (repeatable: all must match).
    #[arg(long = "filter", value_name = "PATTERN")]
    pub(crate) filters: Vec<String>,
    /// List the selected cases instead of running them.
    #[arg(long, conflicts_with_all = ["reports", "snapshots", "baseline", "write_baseline"])]
    pub(crate) list: bool,
    /// Run only part I of N of the selected cases (for parallel CI jobs; the N parts
    /// together run every case once).
    #[arg(long, value_name = "I/N")]
    pub(crate) shard: Option<Shard>,
    /// The margin added to the measured round trip in every timing bound, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "0.5", value_parser = parse_seconds)]
    pub(crate) timing_slack: Duration,
    /// Add timing cases that wait up to 60 seconds.
    #[arg(long)]
    pub(crate) long_waits: bool,
    /// Add the throttling probe (tag throttling): after the other cases, a burst of at most
    /// 300 DescribeExecution requests (30 s at most), 16 at once, until the target throttles;
    /// its 429 is held to the error table. It exceeds the real service's limits on purpose:
    /// only --rate slows it.
    #[arg(long)]
    pub(crate) probe_throttling: bool,
    /// Use the executions this JSON file names, in the states it gives, instead of
    /// creating flows (for targets where the harness may not create them).
    #[arg(long, value_name = "FILE")]
    pub(crate) fixtures: Option<PathBuf>,
    /// Also write the results to a file: junit=PATH (JUnit XML), json=PATH (the format of
    /// schemas/report.schema.json), har=PATH (every exchange as an HTTP Archive 1.2, for a
    /// browser's developer tools) or html=PATH (one self-contained page, timing cases
    /// drawn as timelines) (repeatable).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub(crate) reports: Vec<ReportFile>,
    /// Never show the progress bar (it shows only when standard error is a terminal).
    #[arg(long)]
    pub(crate) no_progress: bool,
    /// Compare each case's exchange with its snapshot in DIR, recording the missing ones;
    /// a changed exchange fails the run and leaves a .snap.new file beside the snapshot.
    #[arg(long, value_name = "DIR")]
    pub(crate) snapshots: Option<PathBuf>,
    /// Take changed exchanges as the new snapshots (with --snapshots).
    #[arg(long, requires = "snapshots")]
    pub(crate) accept: bool,
    /// The baseline of known failures.
    #[command(flatten)]
    pub(crate) baseline: BaselineArgs,
}

/// A baseline of known failures: the options a run and a fuzz run share.
#[derive(Debug, Args)]
pub(crate) struct BaselineArgs {
    /// Known failures, one `CASE-ID [CHECK]` (fuzz: `fuzz [SIGNATURE]`) a line, as
    /// --write-baseline writes them: each is reported as expected and does not fail the run;
    /// a failure not listed does (exit 1); a listed one that no longer fails is reported.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// With --baseline, an entry that no longer fails (its case ran and passed that check)
    /// fails the run too (exit 1), so that the file is kept exactly current; an entry the
    /// run could not judge (its case not run, another shard's) never does. A fuzz run never
    /// finds an entry fixed: its requests are random.
    #[arg(long, requires = "baseline")]
    pub(crate) strict_baseline: bool,
    /// Also write the run's failures to FILE as a baseline (sorted, with each finding as a
    /// comment, nothing run-specific); it never changes the exit code.
    #[arg(long, value_name = "FILE")]
    pub(crate) write_baseline: Option<PathBuf>,
}

/// A report file asked for with `--report FORMAT=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportFile {
    /// The format.
    pub(crate) format: ReportFormat,
    /// Where it goes.
    pub(crate) path: PathBuf,
}

fn parse_report(text: &str) -> Result<ReportFile, String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, such as junit=results.xml; got {text:?}"))?;
    let format = ReportFormat::ALL
        .into_iter()
        .find(|known| known.id() == format)
        .ok_or_else(|| {
            let known: Vec<&str> = ReportFormat::ALL.iter().map(|known| known.id()).collect();
            format!(
                "no report format {format:?}; the formats are {}",
                known.join(", ")
            )
        })?;
    if path.is_empty() {
        return Err(format!("no path after {text:?}"));
    }
    Ok(ReportFile {
        format,
        path: PathBuf::from(path),
    })
}

/// The options of `conformance fuzz`.
#[derive(Debug, Args)]
pub(crate) struct FuzzArgs {
    /// The target.
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Send at most this many generated requests.
    #[arg(long = "cases", value_name = "N")]
    pub(crate) cases: Option<u64>,
    /// Go on for at most this long, in seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) duration: Option<Duration>,
    /// The generator's seed: the same seed sends the same requests (random if not given).
    #[arg(long, value_name = "N")]
    pub(crate) seed: Option<u64>,
    /// Send only this request, as a failure printed it (`FlowName=...&ExecutionName=...`).
    #[arg(long, value_name = "PARAMS")]
    pub(crate) replay: Option<String>,
    /// Where failing requests are kept, and replayed from first.
    #[arg(long, value_name = "FILE", default_value = "fuzz-regressions.txt")]
    pub(crate) regressions: PathBuf,
    /// Stop once this many distinct failures were found (replayed ones included); without
    /// it, a run goes on until its budget whatever it finds.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_failures: Option<u64>,
    /// The baseline of known failures, by signature.
    #[command(flatten)]
    pub(crate) baseline: BaselineArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    /// Explain a check, a case, an error code, an open question or a rule of the contract:
    /// what it holds, the contract's own words it rests on, an example exchange that fails
    /// it and what a target must do to pass.
    Explain(ExplainArgs),
    /// Print every rule of the contract with the cases that exercise it, the checks that
    /// judge it and the reference faults that prove them, and the gaps, as Markdown
    /// (docs/coverage.md).
    Coverage,
    /// Stand between real clients and a target, forward their traffic unchanged and hold
    /// every DescribeExecution exchange to the contract.
    ///
    /// It prints the URL to send to instead of the target's on the first line of standard
    /// output, then a line per finding as it happens: the target's (FAIL) and the clients'
    /// (CLIENT: a request that breaks the contract). It needs no credentials and changes
    /// nothing (header names go on in lower case: HTTP gives their case no meaning). On Ctrl-C or SIGTERM it writes its reports (one case per exchange), prints
    /// a summary and exits 0 without target findings (and, with --strict-client, without
    /// client findings), 1 with.
    Proxy(ProxyArgs),
}

/// The options of `conformance proxy`.
#[derive(Debug, Args)]
pub(crate) struct ProxyArgs {
    /// The CloudFlow-compatible endpoint to forward to (http:// or https://, no path).
    #[arg(long, value_name = "URL")]
    pub(crate) target: Endpoint,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub(crate) listen: SocketAddr,
    /// Write the results to a file when stopped, one case per exchange: junit=PATH,
    /// json=PATH, har=PATH or html=PATH, as for a run (repeatable).
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub(crate) reports: Vec<ReportFile>,
    /// Also trust the CA certificates of this PEM file toward an HTTPS target (besides the
    /// platform's roots).
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_cert: Option<PathBuf>,
    /// Accept any TLS certificate of the target: for test targets only (a warning says so).
    #[arg(long)]
    pub(crate) insecure: bool,
    /// The margin of every timing bound, in seconds (upper bounds also add the target's
    /// round trip, as the traffic shows it).
    #[arg(long, value_name = "SECONDS", default_value = "0.5", value_parser = parse_seconds)]
    pub(crate) slack: Duration,
    /// Client findings (requests that break the contract) fail the verdict too.
    #[arg(long)]
    pub(crate) strict_client: bool,
}

/// The options of `conformance explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// A check (message-template), a case (flow-name/char-dot), an error code
    /// (FlowNotExists), an open question (wake-up) or a rule (flow-name-length).
    #[arg(value_name = "ID")]
    pub(crate) id: String,
}

/// The options of `conformance serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub(crate) listen: SocketAddr,
    /// An account whose signatures are accepted, as ID:SECRET (repeatable). Without any,
    /// the local test accounts testid:testsecret and otherid:othersecret.
    #[arg(long = "account", value_name = "ID:SECRET", value_parser = AccountParser)]
    pub(crate) accounts: Vec<Credentials>,
    /// Also accept unsigned requests, as the first account.
    #[arg(long)]
    pub(crate) anonymous: bool,
    /// The largest request body, in bytes; larger ones get EntityTooLarge.
    #[arg(long, value_name = "BYTES", default_value_t = ReferenceOptions::default().max_body_bytes)]
    pub(crate) max_body_bytes: usize,
    /// End executions that run longer than this as TimedOut.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub(crate) execution_timeout: Option<Duration>,
    /// Requests per second each account may send; more get 429 ResourceThrottled.
    #[arg(long, value_name = "PER_SECOND")]
    pub(crate) rate_limit: Option<NonZeroU32>,
    /// Break one rule of the contract on purpose, to see a harness catch it (repeatable;
    /// --list-faults names them).
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    pub(crate) faults: Vec<Fault>,
    /// List the faults, each with the check that owns the rule it breaks, and exit.
    #[arg(long)]
    pub(crate) list_faults: bool,
    /// Give another answer the contract allows where it leaves the answer open, as other
    /// correct services do (repeatable; --list-choices names them).
    #[arg(long = "choice", value_name = "NAME", value_parser = parse_choice)]
    pub(crate) choices: Vec<Choice>,
    /// List the choices, each with the open question it answers, and exit.
    #[arg(long)]
    pub(crate) list_choices: bool,
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_clap_definition_is_consistent() {
        Cli::command().debug_assert();
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
