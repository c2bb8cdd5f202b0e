//! The proxy's connections to the target, and a request's way over one: the head written
//! as the client sent it (header names in lower case, as HTTP/2 writes them; HTTP gives
//! their case no meaning), the body after it as it arrives, and the answer's head read back
//! ([`answer`](super::answer) reads its body). Connections are kept alive in a small pool
//! of one target, over rustls toward an HTTPS target with the trust of a run: the
//! platform's roots and `--ca-cert`'s, or none with `--insecure`.
//!
//! Not hyper's client connection: each held long poll keeps a connection, and hyper's
//! costs about 11 KiB of memory a connection (its write buffer, a 32-slot request
//! channel, a task), most of a held poll's cost (`benches/proxy.rs`). This one holds
//! nothing while the target holds an answer but the socket: no buffer is taken until the
//! answer's first byte has come.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::{BufMut, BytesMut};
use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Body;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::answer::{AnswerBody, Head, READ_BYTES};
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
    /// Idle connections, the most recently used last, with when they became idle.
    idle: Mutex<Vec<(Instant, Connection)>>,
}

/// One connection to the target, a byte stream both ways: TCP, or TLS over TCP.
#[derive(Debug)]
pub(super) enum Connection {
    /// TCP, toward an HTTP target.
    Plain(TcpStream),
    /// TLS over TCP, toward an HTTPS target.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection {
    /// Whether an idle connection is still open and has nothing unread (a target closes
    /// idle connections when it likes; a request sent on one would be lost).
    fn is_open(&mut self) -> bool {
        let mut byte = [0u8; 1];
        let mut buffer = ReadBuf::new(&mut byte);
        let mut context = Context::from_waker(Waker::noop());
        Pin::new(self)
            .poll_read(&mut context, &mut buffer)
            .is_pending()
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
        Ok(Self {
            address: format!("{}:{port}", host.host()),
            tls,
            idle: Mutex::new(Vec::new()),
        })
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<(Instant, Connection)>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection whose answer ended whole, and which the target keeps open: it serves
    /// the next request.
    pub(super) fn give_back(&self, connection: Connection) {
        self.idle().push((Instant::now(), connection));
    }

    /// Sends `request` (its URI in origin form) on an idle connection or a new one, and
    /// gives the answer (its body read off the connection as it is asked for) and when the
    /// request went on (after connecting: a new connection's TCP and TLS handshakes are
    /// not the target's answer time). A request whose head an idle connection did not
    /// take goes on another.
    ///
    /// The request comes boxed and is taken apart at once: the future, held for as long as
    /// the target holds the request, keeps neither its head nor a buffer for the answer.
    pub(super) async fn send(
        self: Arc<Self>,
        request: Box<Request<RequestBody>>,
    ) -> Result<(Response<AnswerBody>, Instant), TransportError> {
        let method = request.method().clone();
        let (head, body) = encode(unbox(request));
        let (mut connection, sent) = loop {
            let (mut connection, reused) = match self.checkout() {
                Some(connection) => (connection, true),
                // Boxed: a held exchange does not keep the room a connection's set-up (a
                // TLS handshake) needed.
                None => (Box::pin(self.connect()).await?, false),
            };
            let sent = Instant::now();
            match write_head(&mut connection, &head).await {
                Ok(()) => break (connection, sent),
                Err(_) if reused => {}
                Err(error) => return Err(TransportError::Broken(error_chain(&error))),
            }
        };
        drop(head);
        let (answer, buffered, request_whole) = exchange(&mut connection, body, &method).await?;
        let body = AnswerBody::new(connection, self, buffered, &answer, request_whole);
        let mut response = Response::new(body);
        *response.status_mut() = answer.status;
        *response.headers_mut() = answer.headers;
        if let Some(reason) = answer.reason {
            response.extensions_mut().insert(reason);
        }
        Ok((response, sent))
    }

    /// The most recently used idle connection that is still open.
    fn checkout(&self) -> Option<Connection> {
        let mut idle = self.idle();
        while let Some((idle_since, mut connection)) = idle.pop() {
            if idle_since.elapsed() > IDLE_TIMEOUT {
                // The others have been idle longer still.
                idle.clear();
                return None;
            }
            if connection.is_open() {
                return Some(connection);
            }
        }
        None
    }

    /// A new connection.
    async fn connect(&self) -> Result<Connection, TransportError> {
        let timed_out =
            |_| TransportError::Connect(format!("no connection within {CONNECT_TIMEOUT:?}"));
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&self.address))
            .await
            .map_err(timed_out)?
            .map_err(|error| TransportError::Connect(error_chain(&error)))?;
        let _ = tcp.set_nodelay(true);
        match &self.tls {
            None => Ok(Connection::Plain(tcp)),
            Some((config, name)) => {
                let connector = TlsConnector::from(Arc::clone(config));
                let tls =
                    tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name.clone(), tcp))
                        .await
                        .map_err(timed_out)?
                        .map_err(|error| TransportError::Connect(error_chain(&error)))?;
                Ok(Connection::Tls(Box::new(tls)))
            }
        }
    }
}

/// A request's body on its way, and whether it goes in chunks (the client's own framing
/// is the client connection's: a body of a known length goes as it is, any other in
/// chunks).
type Outgoing = (RequestBody, bool);

/// The request's head as it goes on the wire, and its body unless it has none.
fn encode(request: Request<RequestBody>) -> (Vec<u8>, Option<Outgoing>) {
    let (mut parts, body) = request.into_parts();
    let length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let body = match length {
        Some(0) if body.is_end_stream() => None,
        Some(length) if body.size_hint().exact() == Some(length) => Some((body, false)),
        None if body.is_end_stream() => None,
        _ => {
            parts.headers.remove(CONTENT_LENGTH);
            parts
                .headers
                .insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
            Some((body, true))
        }
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or("/", http::uri::PathAndQuery::as_str);
    let mut head = Vec::with_capacity(64 + target.len() + 64 * parts.headers.len());
    for piece in [parts.method.as_str(), " ", target, " HTTP/1.1\r\n"] {
        head.extend_from_slice(piece.as_bytes());
    }
    for (name, value) in &parts.headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    (head, body)
}

async fn write_head(connection: &mut Connection, head: &[u8]) -> io::Result<()> {
    connection.write_all(head).await?;
    connection.flush().await
}

/// Why a request's body did not go on whole.
enum Unsent {
    /// Reading it from the client failed: the exchange cannot go on.
    Client(String),
    /// Writing it to the target failed: the target may have answered and closed.
    Target(String),
}

/// Sends the request's `body`, if any, while reading the answer's head: the answer, the
/// bytes read after its head, and whether the whole request went on. A target may answer
/// before the body's end (and, with `Expect: 100-continue`, with a 1xx before the
/// answer: skipped, as the proxy's own server answers the client's expectation).
async fn exchange(
    connection: &mut Connection,
    body: Option<Outgoing>,
    method: &Method,
) -> Result<(Head, BytesMut, bool), TransportError> {
    let has_body = body.is_some();
    let (mut reader, mut writer) = tokio::io::split(connection);
    let sending = async move {
        match body {
            Some((body, chunked)) => send_body(&mut writer, body, chunked).await,
            None => Ok(()),
        }
    };
    tokio::pin!(sending);
    let mut sent = (!has_body).then_some(Ok(()));
    let mut buffered = BytesMut::new();
    loop {
        tokio::select! {
            biased;
            result = &mut sending, if sent.is_none() => match result {
                Err(Unsent::Client(error)) => {
                    return Err(TransportError::Broken(format!(
                        "the client's request body broke off: {error}"
                    )));
                }
                other => sent = Some(other),
            },
            head = read_head(&mut reader, &mut buffered, method) => match head {
                Ok(head) if head.status == StatusCode::SWITCHING_PROTOCOLS => {
                    return Err(TransportError::Broken(
                        "the target switched protocols, which the proxy does not forward".to_owned(),
                    ));
                }
                Ok(head) if head.status.is_informational() => {}
                Ok(head) => return Ok((head, buffered, matches!(sent, Some(Ok(()))))),
                // The target's closing is better told by why sending the body failed.
                Err(error) => {
                    return Err(match sent {
                        Some(Err(Unsent::Target(unsent))) => TransportError::Broken(unsent),
                        _ => error,
                    });
                }
            },
        }
    }
}

/// Sends a request's body as it comes from the client, in chunks if `chunked`.
async fn send_body<W: AsyncWrite + Unpin>(
    writer: &mut W,
    mut body: RequestBody,
    chunked: bool,
) -> Result<(), Unsent> {
    let target = |error: io::Error| Unsent::Target(error_chain(&error));
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| Unsent::Client(error_chain(&error)))?;
        // Trailers are not forwarded; an empty chunk would end a chunked body.
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        if chunked {
            let mut chunk = BytesMut::with_capacity(data.len() + 16);
            chunk.put_slice(format!("{:x}\r\n", data.len()).as_bytes());
            chunk.put_slice(&data);
            chunk.put_slice(b"\r\n");
            writer.write_all(&chunk).await.map_err(target)?;
        } else {
            writer.write_all(&data).await.map_err(target)?;
        }
    }
    if chunked {
        writer.write_all(b"0\r\n\r\n").await.map_err(target)?;
    }
    writer.flush().await.map_err(target)
}

/// Reads the answer's head into `buffered` (which keeps what came after it). Nothing is
/// allocated until the answer's first byte has come: a held long poll waits on its socket
/// alone. Cancel-safe: every byte read is in `buffered` before the next wait.
async fn read_head<R: AsyncRead + Unpin>(
    reader: &mut R,
    buffered: &mut BytesMut,
    method: &Method,
) -> Result<Head, TransportError> {
    loop {
        if !buffered.is_empty()
            && let Some(head) = Head::parse(buffered, method).map_err(TransportError::Broken)?
        {
            return Ok(head);
        }
        let read = if buffered.capacity() == 0 {
            let mut first = [0u8; 1];
            let read = reader.read(&mut first).await;
            if let Ok(1) = read {
                buffered.reserve(READ_BYTES);
                buffered.put_u8(first[0]);
            }
            read
        } else {
            buffered.reserve(READ_BYTES);
            reader.read_buf(buffered).await
        };
        match read {
            Ok(0) if buffered.is_empty() => {
                return Err(TransportError::Broken(
                    "the target closed the connection without an answer".to_owned(),
                ));
            }
            Ok(0) => {
                return Err(TransportError::Broken(
                    "the target closed the connection before the answer's head ended".to_owned(),
                ));
            }
            Ok(_) => {}
            Err(error) => return Err(TransportError::Broken(error_chain(&error))),
        }
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

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Connection::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Connection::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Connection::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Connection::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
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
