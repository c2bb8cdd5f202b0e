//! The second stage of argument parsing: the raw values of [`args`](super::args) checked
//! and turned into the library's options. The rest of the command sees only these.

use std::path::Path;

use conformance::cases::fixtures::FixtureFile;
use conformance::contract::Contract;
use conformance::proxy::{JudgeOptions, ProxyOptions};
use conformance::reference::{ReferenceOptions, default_accounts};
use conformance::runner::{self, Baseline, FuzzOptions, Pacing, RunOptions};
use conformance::wire::{ClientOptions, Credentials, SignatureVersion, WireError};

use super::args::{
    BaselineArgs, FuzzArgs, ProxyArgs, RunArgs, ServeArgs, SignatureArg, TargetArgs,
};
use super::error::CliError;

impl TargetArgs {
    /// The runner's options for this target.
    pub(crate) fn options(&self) -> Result<RunOptions, CliError> {
        let credentials = if self.target.is_some() {
            Credentials::from_parts(
                self.access_key_id.clone(),
                self.access_key_secret.clone(),
                self.security_token.clone(),
            )?
        } else {
            None
        };
        let signature = match self.signature {
            SignatureArg::V1 => SignatureVersion::V1,
            SignatureArg::V3 => SignatureVersion::V3,
            SignatureArg::None => SignatureVersion::None,
        };
        if self.target.is_some() && signature != SignatureVersion::None && credentials.is_none() {
            return Err(WireError::MissingCredentials(signature).into());
        }
        let ca_certificates = read_ca_cert(self.ca_cert.as_deref())?;
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
    pub(crate) fn pacing(&self) -> Pacing {
        match self.rate {
            Some(rate) => Pacing::Rate(rate),
            None if self.is_remote() => Pacing::Service,
            None => Pacing::Unlimited,
        }
    }

    /// Whether the target is another machine: a real service, to be treated politely.
    pub(crate) fn is_remote(&self) -> bool {
        self.target
            .as_ref()
            .is_some_and(|target| !target.is_loopback())
    }

    /// Warnings and notes about these options, for standard error.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.insecure {
            notes.push(insecure_warning("the run's requests"));
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

/// `--ca-cert`'s file, read.
fn read_ca_cert(path: Option<&Path>) -> Result<Option<Vec<u8>>, CliError> {
    path.map(|path| {
        std::fs::read(path).map_err(|source| CliError::CaCert {
            path: path.to_owned(),
            source,
        })
    })
    .transpose()
}

/// The warning `--insecure` gives, for traffic described as `what`.
fn insecure_warning(what: &str) -> String {
    format!(
        "warning: --insecure: TLS certificates are not checked; anyone on the path can read and change {what}"
    )
}

impl ProxyArgs {
    /// The proxy's options and the judge's.
    pub(crate) fn options(&self) -> Result<(ProxyOptions, JudgeOptions), CliError> {
        let proxy = ProxyOptions {
            target: self.target.clone(),
            listen: self.listen,
            ca_certificates: read_ca_cert(self.ca_cert.as_deref())?,
            insecure: self.insecure,
            capture_bytes: ClientOptions::default().max_body_bytes,
        };
        let judge = JudgeOptions {
            target: self.target.to_string(),
            slack: self.slack,
            strict_client: self.strict_client,
        };
        Ok((proxy, judge))
    }

    /// Warnings about these options, for standard error.
    pub(crate) fn notes(&self) -> Vec<String> {
        self.insecure
            .then(|| insecure_warning("the traffic to the target"))
            .into_iter()
            .collect()
    }
}

impl RunArgs {
    /// The runner's options.
    pub(crate) fn options(&self) -> Result<RunOptions, CliError> {
        Ok(RunOptions {
            cases: self.cases.clone(),
            filters: self.filters.clone(),
            timing_margin: self.timing_slack,
            long_waits: self.long_waits,
            probe_throttling: self.probe_throttling,
            shard: self.shard,
            record_exchanges: self
                .reports
                .iter()
                .any(|file| file.format.records_exchanges()),
            fixtures: self
                .fixtures
                .as_deref()
                .map(|path| FixtureFile::load(path, Contract::embedded()))
                .transpose()?,
            ..self.target.options()?
        })
    }
}

impl FuzzArgs {
    /// The fuzz run's options; `seed` when none is given.
    pub(crate) fn options(&self, seed: u64) -> Result<FuzzOptions, CliError> {
        if self.target.is_remote() && self.cases.is_none() && self.duration.is_none() {
            return Err(CliError::UnboundedFuzz);
        }
        Ok(FuzzOptions {
            // Without a budget, a fuzz run against the embedded target sends 10,000 requests.
            cases: self.cases.or(self.duration.is_none().then_some(10_000)),
            duration: self.duration,
            seed: self.seed.unwrap_or(seed),
            regressions: Some(self.regressions.clone()),
            replay: self.replay.clone(),
            shrink: true,
            max_failures: self
                .max_failures
                .map(|max| usize::try_from(max).unwrap_or(usize::MAX)),
        })
    }
}

impl BaselineArgs {
    /// The `--baseline` file, read and checked before anything is sent.
    pub(crate) fn load(&self) -> Result<Option<Baseline>, CliError> {
        let mut baseline = self.baseline.as_deref().map(Baseline::read).transpose()?;
        if let Some(baseline) = &mut baseline {
            baseline.strict = self.strict_baseline;
        }
        Ok(baseline)
    }
}

impl ServeArgs {
    /// The reference target's options.
    pub(crate) fn options(&self) -> ReferenceOptions {
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

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use clap::Parser;

    use super::*;
    use crate::cli::args::Cli;

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
}
