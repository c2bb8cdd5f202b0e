//! The proxy's connections to the target: HTTP/1.1 connections of hyper's own (keep-alive,
//! no timeout on answers, nothing added to requests, header names in their case), kept
//! in a small pool of one target, over rustls toward an HTTPS target with the trust of a
//! run: the platform's roots and `--ca-cert`'s, or none with `--insecure`.
//!
//! A pool of its own rather than hyper-util's general one: a held long poll costs a third
//! less memory without the general pool's per-request state.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::client::conn::http1::{Builder, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use super::tee::RequestBody;
use super::{ProxyError, ProxyOptions};
use crate::wire::{TransportError, ca_certificates, error_chain};

/// How long connecting to the target (TLS handshake included) may take before the client
/// gets a 502.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an idle connection to the target is reused; older ones are closed when the
/// next request comes.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The connections to the target.
#[derive(Debug)]
pub(super) struct Upstream {
    /// `host:port` to connect to.
    address: String,
    /// TLS toward an HTTPS target, with the name its certificate must have.
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
    http: Builder,
    /// Idle connections, the most recently used last, with when they became idle.
    idle: Mutex<Vec<(Instant, SendRequest<RequestBody>)>>,
}

/// A connection lent to one exchange: given back once its answer has ended, dropped (and
/// so closed) otherwise.
#[derive(Debug)]
pub(super) struct Lease {
    sender: Option<SendRequest<RequestBody>>,
    upstream: Arc<Upstream>,
}

impl Lease {
    /// The answer ended whole: the connection serves the next request.
    pub(super) fn give_back(mut self) {
        if let Some(sender) = self.sender.take() {
            self.upstream.idle().push((Instant::now(), sender));
        }
    }
}

impl Upstream {
    /// The connections toward `options.target`.
    pub(super) fn new(options: &ProxyOptions) -> Result<Self, ProxyError> {
        let authority = options.target.authority();
        let host = authority
            .parse::<http::uri::Authority>()
            .map_err(|error| ProxyError::Setup(error.to_string()))?;
        let https = options.target.is_https();
        let port = host.port_u16().unwrap_or(if https { 443 } else { 80 });
        let bare = host.host().trim_start_matches('[').trim_end_matches(']');
        let tls = if https {
            let name = ServerName::try_from(bare.to_owned())
                .map_err(|error| ProxyError::Setup(error.to_string()))?;
            Some((Arc::new(tls(options)?), name))
        } else {
            None
        };
        let mut http = Builder::new();
        http.preserve_header_case(true);
        Ok(Self {
            address: format!("{}:{port}", host.host()),
            tls,
            http,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(Instant, SendRequest<RequestBody>)>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `request` (its URI in origin form) on an idle connection or a new one, and
    /// gives the answer's head with the connection it came on and when the request went on
    /// it (after connecting: a new connection's TCP and TLS handshakes are not the target's
    /// answer time). A request an idle connection closed before taking goes on another.
    ///
    /// The request comes boxed and is unboxed only as it goes to the connection: the
    /// future, held for as long as the target holds the request, then keeps a pointer to a
    /// request already gone rather than the room of a whole one.
    pub(super) async fn send(
        self: Arc<Self>,
        mut request: Box<Request<RequestBody>>,
    ) -> Result<(Response<Incoming>, Lease, Instant), TransportError> {
        loop {
            let (mut sender, reused) = match self.checkout().await {
                Some(sender) => (sender, true),
                // Boxed: a held exchange does not keep the room a connection's set-up (a
                // TLS handshake) needed.
                None => (Box::pin(self.connect()).await?, false),
            };
            let sent = Instant::now();
            match sender.try_send_request(unbox(request)).await {
                Ok(response) => {
                    let lease = Lease {
                        sender: Some(sender),
                        upstream: self,
                    };
                    return Ok((response, lease, sent));
                }
                Err(mut error) => match error.take_message() {
                    Some(unsent) if reused => request = Box::new(unsent),
                    _ => return Err(TransportError::Broken(error_chain(error.error()))),
                },
            }
        }
    }

    /// The most recently used idle connection that is still open and ready.
    async fn checkout(&self) -> Option<SendRequest<RequestBody>> {
        loop {
            let (idle_since, mut sender) = self.idle().pop()?;
            if idle_since.elapsed() > IDLE_TIMEOUT {
                // The others have been idle longer still.
                self.idle().clear();
                return None;
            }
            // Ready once the connection has finished the previous exchange (at once, as
            // it is given back only after its answer ended); an error if it closed.
            if !sender.is_closed() && sender.ready().await.is_ok() {
                return Some(sender);
            }
        }
    }

    /// A new connection.
    async fn connect(&self) -> Result<SendRequest<RequestBody>, TransportError> {
        let timed_out =
            |_| TransportError::Connect(format!("no connection within {CONNECT_TIMEOUT:?}"));
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.address))
            .await
            .map_err(timed_out)?
            .map_err(|error| TransportError::Connect(error_chain(&error)))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => self.handshake(tcp).await,
            Some((config, name)) => {
                let connector = TlsConnector::from(Arc::clone(config));
                let tls =
                    tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name.clone(), tcp))
                        .await
                        .map_err(timed_out)?
                        .map_err(|error| TransportError::Connect(error_chain(&error)))?;
                self.handshake(tls).await
            }
        }
    }

    /// HTTP/1.1 on `io`, its connection's task started.
    async fn handshake<I>(&self, io: I) -> Result<SendRequest<RequestBody>, TransportError>
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        let (sender, connection) = self
            .http
            .handshake(TokioIo::new(io))
            .await
            .map_err(|error| TransportError::Connect(error_chain(&error)))?;
        tokio::spawn(connection);
        Ok(sender)
    }
}

/// The value in `boxed`, its box freed at once (moving out of a box frees the box only
/// where the box's variable ends).
#[expect(
    clippy::boxed_local,
    reason = "taking the box is the point: it is freed when this returns"
)]
fn unbox<T>(boxed: Box<T>) -> T {
    *boxed
}

/// The TLS set-up toward an HTTPS target (unused toward an HTTP one).
fn tls(options: &ProxyOptions) -> Result<ClientConfig, ProxyError> {
    let setup = |error: &dyn std::error::Error| ProxyError::Setup(error.to_string());
    let provider = Arc::new(
        CryptoProvider::get_default()
            .map(|provider| CryptoProvider::clone(provider))
            .unwrap_or_else(rustls::crypto::aws_lc_rs::default_provider),
    );
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| setup(&error))?
        .dangerous();
    let builder = if options.insecure {
        builder.with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
    } else {
        let verifier = match &options.ca_certificates {
            None => rustls_platform_verifier::Verifier::new(provider),
            Some(pem) => rustls_platform_verifier::Verifier::new_with_extra_roots(
                ca_certificates(pem).map_err(|error| match error {
                    TransportError::Setup(reason) => ProxyError::Setup(reason),
                    other => setup(&other),
                })?,
                provider,
            ),
        }
        .map_err(|error| setup(&error))?;
        builder.with_custom_certificate_verifier(Arc::new(verifier))
    };
    let mut config = builder.with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: any certificate is taken, and any signature over the handshake.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
