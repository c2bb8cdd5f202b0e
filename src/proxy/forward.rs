//! The transparent half of the proxy: an HTTP/1.1 server that forwards each request to the
//! target unchanged and streams the answer back, and hands a [`Traffic`] record of each
//! exchange to whoever judges it.
//!
//! - [`exchange`] forwards one request: method, path and query, headers (Host included,
//!   in their order, names in lower case) and body as the client sent them, less the hop-by-hop
//!   headers ([`hop`]); the answer the same way back, or a 502 that names the proxy when
//!   the target could not be reached.
//! - [`tee`] streams both bodies frame by frame, keeping a copy of at most
//!   [`ProxyOptions::capture_bytes`] for the record; nothing else is buffered, and there
//!   is no timeout on the target's answer (a long poll is held as long as the target
//!   holds it).
//! - [`record`] makes each exchange's [`Traffic`] and sends it exactly once: when the
//!   answer has been passed back whole or failed, or, if the client went away first
//!   (hyper then drops the exchange; the request to the target is dropped with it and its
//!   connection not reused), as `client_left`.
//! - [`upstream`] keeps the keep-alive connections to the target, with a run's TLS trust,
//!   and sends a request on one: its head as it came (header names in lower case), its
//!   body as it arrives; [`answer`] reads the answer back by HTTP/1.1's framing.
//!
//! A held long poll costs the client's connection (hyper's server connection, with its
//! read buffer), the exchange's future (kept small: see `Forwarder::forward`), the record's
//! copy of the request head and the socket to the target, and nothing else: no buffer is
//! taken for the answer before its first byte. `benches/proxy.rs` measures it (about
//! 8.5 KiB a poll; 21 KiB with hyper's client connection toward the target).

mod answer;
mod exchange;
mod hop;
mod record;
mod tee;
mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::Traffic;
use crate::reference::next_connection;
use crate::wire::Endpoint;
use exchange::Forwarder;

/// How long [`Proxy::stop`] lets the exchanges in flight go on before it cuts them.
pub const STOP_GRACE: Duration = Duration::from_secs(1);

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
    /// Tells the accepting task to stop.
    stop_accepting: Option<oneshot::Sender<()>>,
    /// The accepting task; it hands back the watch over the connections it started.
    accepting: Option<JoinHandle<GracefulShutdown>>,
    /// Cuts every connection at once.
    cut: watch::Sender<bool>,
    /// Ends (`None`) once every connection's task has ended.
    ended: mpsc::Receiver<()>,
}

impl Proxy {
    /// Binds `options.listen` and starts forwarding to `options.target`; every exchange's
    /// record goes to `traffic` once its answer has been passed back (or failed).
    pub async fn start(
        options: ProxyOptions,
        traffic: UnboundedSender<Traffic>,
    ) -> Result<Self, ProxyError> {
        let upstream = upstream::Upstream::new(&options)?;
        let forwarder = Forwarder::new(upstream, &options.target, options.capture_bytes, traffic);
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|source| ProxyError::Listen {
                    address: options.listen,
                    source,
                })?;
        let address = listener.local_addr().map_err(|source| ProxyError::Listen {
            address: options.listen,
            source,
        })?;
        let (stop_accepting, stop) = oneshot::channel();
        let (cut, cut_watch) = watch::channel(false);
        let (alive, ended) = mpsc::channel(1);
        let accepting = tokio::spawn(accept(
            listener,
            Arc::new(forwarder),
            stop,
            Connections {
                cut: cut_watch,
                alive,
            },
        ));
        Ok(Self {
            url: format!("http://{address}"),
            stop_accepting: Some(stop_accepting),
            accepting: Some(accepting),
            cut,
            ended,
        })
    }

    /// The URL clients use instead of the target's (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops accepting connections and lets the exchanges in flight end (cut after
    /// [`STOP_GRACE`]); every record has been sent when this returns.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop_accepting.take() {
            let _ = stop.send(());
        }
        if let Some(accepting) = self.accepting.take()
            && let Ok(graceful) = accepting.await
        {
            // Idle connections close now; busy ones once their exchange ends.
            let _ = tokio::time::timeout(STOP_GRACE, graceful.shutdown()).await;
        }
        self.cut.send_replace(true);
        // Every connection's task holds a sender; `None` once all have ended, and with
        // them every exchange and its record.
        while self.ended.recv().await.is_some() {}
    }
}

impl Drop for Proxy {
    /// Dropped without [`Proxy::stop`]: stops accepting and cuts every connection, without
    /// waiting.
    fn drop(&mut self) {
        if let Some(stop) = self.stop_accepting.take() {
            let _ = stop.send(());
        }
        self.cut.send_replace(true);
    }
}

/// What each connection's task holds: the signal that cuts it, and a sender whose drop
/// says it has ended.
#[derive(Debug, Clone)]
struct Connections {
    cut: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
}

/// Accepts connections until `stop` fires; hands back the watch over them.
async fn accept(
    listener: TcpListener,
    forwarder: Arc<Forwarder>,
    stop: oneshot::Receiver<()>,
    connections: Connections,
) -> GracefulShutdown {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .keep_alive(true)
        // The answer's headers as the target sent them: no Date added.
        .auto_date_header(false);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            stream = next_connection(&listener) => stream,
            _ = &mut stop => break,
        };
        let forwarder = Arc::clone(&forwarder);
        let service = service_fn(move |request| forwarder.forward(request));
        // Boxed, and only borrowed by the task below: the task then holds a pointer to the
        // connection rather than a second copy of it (a future moved into a pinned local
        // keeps the room of both).
        let mut connection =
            Box::pin(graceful.watch(http.serve_connection(TokioIo::new(stream), service)));
        let Connections { mut cut, alive } = connections.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = &mut connection => {}
                _ = cut.wait_for(|cut| *cut) => {}
            }
            // The connection, and with it any exchange in flight, is dropped here: their
            // records are sent before this task says it has ended.
            drop(connection);
            drop(alive);
        });
    }
    graceful
}
