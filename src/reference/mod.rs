//! The reference target: an embedded CloudFlow service that follows the contract.
//!
//! It serves CloudFlow's RPC protocol over HTTP: DescribeExecution exactly as the seed
//! documents it, and the operations that put executions into known states. Every rule it
//! applies comes from [`crate::contract`], every signature it verifies goes through
//! [`crate::wire`]. State lives in memory only.

mod choices;
mod execution;
mod faults;
mod fdl;
mod operations;
mod reply;
mod server;
mod service;
mod store;
mod throttle;
mod wire_form;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::contract::NameParameter;
pub use crate::wire::{REQUEST_ID_HEADER, RETRY_AFTER_HEADER};
pub use choices::Choice;
pub use faults::{AuthFault, Fault, HistoryFault, JsonFault, NameFault, ThrottleFault, WaitFault};
#[cfg(feature = "runner")]
pub(crate) use server::next_connection;

use crate::wire::{Credentials, Endpoint};

/// How the reference target behaves.
#[derive(Debug, Clone)]
pub struct ReferenceOptions {
    /// The accounts whose signatures it accepts; each has its own flows.
    pub accounts: Vec<Credentials>,
    /// Whether unsigned requests are accepted, as the first account.
    pub anonymous: bool,
    /// The largest request body, in bytes.
    pub max_body_bytes: usize,
    /// How long an execution may run before it is TimedOut; unbounded if `None`.
    pub max_execution_lifetime: Option<Duration>,
    /// Requests per second each account may send; unlimited if `None` (a fault or a choice
    /// of throttling may still limit DescribeExecution: see its description).
    pub rate_limit: Option<NonZeroU32>,
    /// How far a request's time may be from the server's.
    pub max_clock_skew: Duration,
    /// Deliberate departures from the contract (none by default).
    pub faults: Vec<Fault>,
    /// Other answers the contract allows where it leaves the answer open (none by default).
    pub choices: Vec<Choice>,
}

/// The local test accounts the reference target has by default: two, so that account
/// isolation can be tested out of the box.
pub fn default_accounts() -> Vec<Credentials> {
    vec![
        Credentials::new("testid", "testsecret"),
        Credentials::new("otherid", "othersecret"),
    ]
}

impl Default for ReferenceOptions {
    fn default() -> Self {
        Self {
            accounts: default_accounts(),
            anonymous: false,
            max_body_bytes: 1024 * 1024,
            max_execution_lifetime: None,
            rate_limit: None,
            max_clock_skew: Duration::from_secs(15 * 60),
            faults: Vec::new(),
            choices: Vec::new(),
        }
    }
}

/// A running reference target.
#[derive(Debug)]
pub struct Reference {
    address: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Reference {
    /// Binds `listen` (port 0 picks a free port) and serves in the background of the
    /// current tokio runtime.
    pub async fn start(listen: SocketAddr, options: ReferenceOptions) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(server::Shared {
            service: service::Service::new(&options),
            max_body_bytes: options.max_body_bytes,
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, server::router(shared), stopped));
        Ok(Self {
            address,
            shutdown,
            task,
        })
    }

    /// Starts on an ephemeral port of 127.0.0.1 with the default options.
    pub async fn start_local() -> std::io::Result<Self> {
        Self::start(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            ReferenceOptions::default(),
        )
        .await
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Its base URL as an endpoint to send requests to.
    pub fn endpoint(&self) -> Endpoint {
        self.url()
            .parse()
            .expect("a socket address makes a valid URL")
    }

    /// Stops accepting, lets requests in flight finish, and waits until it has stopped.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        self.task
            .await
            .unwrap_or_else(|error| Err(std::io::Error::other(error)))
    }

    /// Serves until the task ends (it does not end by itself).
    pub async fn wait(self) -> std::io::Result<()> {
        self.task
            .await
            .unwrap_or_else(|error| Err(std::io::Error::other(error)))
    }
}
