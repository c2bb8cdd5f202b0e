//! The transparent half of the proxy: an HTTP/1.1 server that forwards each request to the
//! target unchanged and streams the answer back, and hands a [`Traffic`] record of each
//! exchange to whoever judges it.

use std::net::SocketAddr;

use tokio::sync::mpsc::UnboundedSender;

use super::Traffic;
use crate::wire::Endpoint;

/// How the proxy runs.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// The target every request goes on to.
    pub target: Endpoint,
    /// The address to listen on (port 0 picks a free port).
    pub listen: SocketAddr,
    /// PEM certificates trusted as roots toward an HTTPS target, besides the platform's.
    pub ca_certificates: Option<Vec<u8>>,
    /// Whether any certificate of an HTTPS target is accepted.
    pub insecure: bool,
    /// The most bytes of each body (request and answer) kept for the checks; the whole body
    /// is forwarded whatever its size.
    pub capture_bytes: usize,
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The listening address could not be bound.
    #[error("failed to listen on {address}: {source}")]
    Listen {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The client toward the target could not be set up (TLS roots).
    #[error("failed to set up the connection to the target: {0}")]
    Setup(String),
}

/// A running proxy.
#[derive(Debug)]
pub struct Proxy {
    url: String,
}

impl Proxy {
    /// Binds `options.listen` and starts forwarding to `options.target`; every exchange's
    /// record goes to `traffic` once its answer has been passed back (or failed).
    pub async fn start(
        options: ProxyOptions,
        traffic: UnboundedSender<Traffic>,
    ) -> Result<Self, ProxyError> {
        let _ = (options, traffic);
        Err(ProxyError::Setup("not built yet".to_owned()))
    }

    /// The URL clients use instead of the target's (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops accepting connections and lets the exchanges in flight end (cut after a short
    /// grace); every record has been sent when this returns.
    pub async fn stop(self) {}
}
