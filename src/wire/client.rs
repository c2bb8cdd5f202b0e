//! Sending requests: one pooled HTTP client, responses read under a size cap and a time
//! limit, and what was sent and received kept as an [`Exchange`].

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::time::Instant;

use super::Exchange;

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The most body bytes kept of a response; the rest is not read.
    pub max_body_bytes: usize,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// PEM certificates trusted as roots besides the platform's (`--ca-cert`).
    pub ca_certificates: Option<Vec<u8>>,
    /// Whether any certificate is accepted (`--insecure`).
    pub insecure: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            connect_timeout: Duration::from_secs(5),
            ca_certificates: None,
            insecure: false,
        }
    }
}

/// A pooled HTTP client (keep-alive, no redirects followed, no proxies).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    max_body_bytes: usize,
    connect_timeout: Duration,
}

/// Why no response came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The client could not be set up.
    #[error("failed to set up the HTTP client: {0}")]
    Setup(String),
    /// The target did not accept the connection.
    #[error("failed to connect: {0}")]
    Connect(String),
    /// No complete answer within the time limit.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The connection broke or the answer was not HTTP.
    #[error("failed to read the answer: {0}")]
    Broken(String),
}

impl Client {
    /// A client with the given options.
    pub fn new(options: &ClientOptions) -> Result<Self, TransportError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(options.connect_timeout)
            .pool_max_idle_per_host(usize::MAX)
            .tls_danger_accept_invalid_certs(options.insecure);
        if let Some(pem) = &options.ca_certificates {
            let certificates = ca_certificates(pem)?
                .iter()
                .map(|der| reqwest::Certificate::from_der(der))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| TransportError::Setup(error_chain(&error)))?;
            builder = builder.tls_certs_merge(certificates);
        }
        let http = builder
            .build()
            .map_err(|error| TransportError::Setup(error_chain(&error)))?;
        Ok(Self {
            http,
            max_body_bytes: options.max_body_bytes,
            connect_timeout: options.connect_timeout,
        })
    }

    /// A connection of this client's own, for a sender that sends one request after
    /// another (a fuzz worker). See [`Connection`].
    pub(crate) fn connection(&self) -> Connection {
        Connection {
            client: self.clone(),
            open: None,
        }
    }

    /// Sends `request` and reads the answer, all within `timeout`.
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Exchange, TransportError> {
        let method = request.method().clone();
        let url = request.uri().to_string();
        let request = reqwest::Request::try_from(request)
            .map_err(|error| TransportError::Setup(error.to_string()))?;
        let started = Instant::now();
        let deadline = started + timeout;
        let response = tokio::time::timeout_at(deadline, self.http.execute(request))
            .await
            .map_err(|_| TransportError::Timeout(timeout))?
            .map_err(|error| {
                // The URL may carry a signature and a token: never in an error.
                let error = error.without_url();
                if error.is_connect() {
                    TransportError::Connect(error_chain(&error))
                } else {
                    TransportError::Broken(error_chain(&error))
                }
            })?;
        let first_byte = started.elapsed();
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let (body, truncated) = tokio::time::timeout_at(deadline, self.read_capped(response))
            .await
            .map_err(|_| TransportError::Timeout(timeout))??;
        Ok(Exchange {
            method,
            url,
            status,
            version,
            headers,
            body,
            truncated,
            first_byte,
            elapsed: started.elapsed(),
        })
    }

    async fn read_capped(
        &self,
        mut response: reqwest::Response,
    ) -> Result<(Bytes, bool), TransportError> {
        let mut body = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| TransportError::Broken(error_chain(&error.without_url())))?
        {
            let room = self.max_body_bytes - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                return Ok((body.freeze(), true));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body.freeze(), false))
    }
}

/// One keep-alive HTTP/1.1 connection, for one request at a time: what a sender that
/// sends request after request needs, at about half the cost per request of the pool
/// (no URL parsing, no pool, no connector per request). It behaves as [`Client::send`]
/// does: same headers on the wire (the request's own, `accept: */*` added as the pool
/// adds it), no redirects, no proxy, the same body cap, time limit and errors. It opens
/// when first used and again when the target closed it; a request the closed connection
/// did not take is sent on the new one. HTTPS targets go through the client's pool.
#[derive(Debug)]
pub(crate) struct Connection {
    client: Client,
    open: Option<Open>,
}

/// An open connection: hyper's sender and the authority it is connected to.
#[derive(Debug)]
struct Open {
    sender: hyper::client::conn::http1::SendRequest<http_body_util::Full<Bytes>>,
    authority: http::uri::Authority,
}

impl Connection {
    /// Sends `request` and reads the answer, all within `timeout`.
    pub(crate) async fn send(
        &mut self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Exchange, TransportError> {
        if request.uri().scheme() != Some(&http::uri::Scheme::HTTP) {
            return self.client.send(request, timeout).await;
        }
        let started = Instant::now();
        let deadline = started + timeout;
        let timed_out = |_| TransportError::Timeout(timeout);
        let method = request.method().clone();
        let url = request.uri().to_string();
        let authority = request
            .uri()
            .authority()
            .cloned()
            .ok_or_else(|| TransportError::Setup("the request's URL has no host".to_owned()))?;
        let (mut parts, body) = request.into_parts();
        parts.uri = parts
            .uri
            .path_and_query()
            .map_or_else(|| http::Uri::from_static("/"), |path| path.clone().into());
        if !parts.headers.contains_key(http::header::HOST) {
            let host = http::HeaderValue::from_str(authority.as_str())
                .map_err(|error| TransportError::Setup(error.to_string()))?;
            parts.headers.insert(http::header::HOST, host);
        }
        if !parts.headers.contains_key(http::header::ACCEPT) {
            parts
                .headers
                .insert(http::header::ACCEPT, http::HeaderValue::from_static("*/*"));
        }
        let mut request =
            http::Request::from_parts(parts, http_body_util::Full::new(Bytes::from(body)));
        let response = loop {
            let reused = self
                .open
                .as_ref()
                .is_some_and(|open| open.authority == authority && !open.sender.is_closed());
            if !reused {
                self.open = None;
                let open = tokio::time::timeout_at(deadline, self.open(&authority))
                    .await
                    .map_err(timed_out)??;
                self.open = Some(open);
            }
            let Some(open) = self.open.as_mut() else {
                continue;
            };
            match tokio::time::timeout_at(deadline, open.sender.ready()).await {
                Err(elapsed) => {
                    self.open = None;
                    return Err(timed_out(elapsed));
                }
                // The connection closed before it could take the request: a new one.
                Ok(Err(_)) if reused => {
                    self.open = None;
                    continue;
                }
                Ok(Err(error)) => {
                    self.open = None;
                    return Err(TransportError::Broken(error_chain(&error)));
                }
                Ok(Ok(())) => {}
            }
            let sent = open.sender.try_send_request(request);
            match tokio::time::timeout_at(deadline, sent).await {
                Err(elapsed) => {
                    self.open = None;
                    return Err(timed_out(elapsed));
                }
                Ok(Ok(response)) => break response,
                Ok(Err(mut error)) => {
                    self.open = None;
                    match error.take_message() {
                        // Not sent, and the connection was an old one: on a new one.
                        Some(unsent) if reused => request = unsent,
                        _ => {
                            return Err(TransportError::Broken(error_chain(error.error())));
                        }
                    }
                }
            }
        };
        let first_byte = started.elapsed();
        let (head, body) = response.into_parts();
        let read = tokio::time::timeout_at(deadline, self.read_capped(body)).await;
        let (body, truncated) = match read {
            Ok(Ok(read)) => read,
            Ok(Err(error)) => {
                self.open = None;
                return Err(error);
            }
            Err(elapsed) => {
                self.open = None;
                return Err(timed_out(elapsed));
            }
        };
        if truncated {
            // The rest of the body is still on the connection.
            self.open = None;
        }
        Ok(Exchange {
            method,
            url,
            status: head.status,
            version: head.version,
            headers: head.headers,
            body,
            truncated,
            first_byte,
            elapsed: started.elapsed(),
        })
    }

    /// Connects (within the client's connect timeout) and starts the connection's task.
    async fn open(&self, authority: &http::uri::Authority) -> Result<Open, TransportError> {
        let address = format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(80)
        );
        let stream = tokio::time::timeout(
            self.client.connect_timeout,
            tokio::net::TcpStream::connect(address),
        )
        .await
        .map_err(|_| {
            TransportError::Connect(format!(
                "no connection within {:?}",
                self.client.connect_timeout
            ))
        })?
        .map_err(|error| TransportError::Connect(error_chain(&error)))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|error| TransportError::Connect(error_chain(&error)))?;
        tokio::spawn(connection);
        Ok(Open {
            sender,
            authority: authority.clone(),
        })
    }

    async fn read_capped(
        &self,
        mut body: hyper::body::Incoming,
    ) -> Result<(Bytes, bool), TransportError> {
        use http_body_util::BodyExt;
        let cap = self.client.max_body_bytes;
        let mut read = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| TransportError::Broken(error_chain(&error)))?;
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            let room = cap - read.len();
            if chunk.len() > room {
                read.extend_from_slice(&chunk[..room]);
                return Ok((read.freeze(), true));
            }
            read.extend_from_slice(&chunk);
        }
        Ok((read.freeze(), false))
    }
}

/// The certificates of a PEM file (`--ca-cert`), to trust as roots besides the platform's:
/// at least one, and every block of the file readable.
pub(crate) fn ca_certificates(
    pem: &[u8],
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, TransportError> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|certificates| !certificates.is_empty())
        .ok_or_else(|| TransportError::Setup("the CA file holds no PEM certificate".to_owned()))
}

/// An error and its sources, on one line.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy HTTP/1.1 server: answers each request with `body` (closing the connection
    /// after each answer if `close`, never answering if `body` is `None`); counts the
    /// connections and keeps the request heads.
    struct Toy {
        url: String,
        connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    }

    async fn toy(body: Option<&'static str>, close: bool) -> Toy {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (counted, kept) = (connections.clone(), heads.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let kept = kept.clone();
                tokio::spawn(async move {
                    let mut read = Vec::new();
                    let mut buffer = [0u8; 4096];
                    loop {
                        let Ok(n) = stream.read(&mut buffer).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        read.extend_from_slice(&buffer[..n]);
                        while let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head: Vec<u8> = read.drain(..end + 4).collect();
                            kept.lock()
                                .unwrap()
                                .push(String::from_utf8_lossy(&head).into_owned());
                            let Some(body) = body else {
                                continue;
                            };
                            let connection = if close { "close" } else { "keep-alive" };
                            let answer = format!(
                                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: {connection}\r\n\r\n{body}",
                                body.len()
                            );
                            if stream.write_all(answer.as_bytes()).await.is_err() || close {
                                return;
                            }
                        }
                    }
                });
            }
        });
        Toy {
            url,
            connections,
            heads,
        }
    }

    fn get(url: &str) -> http::Request<Vec<u8>> {
        http::Request::get(format!("{url}/?Action=DescribeExecution&FlowName=f"))
            .body(Vec::new())
            .unwrap()
    }

    #[tokio::test]
    async fn a_connection_keeps_alive_and_sends_what_the_pool_sends() {
        let server = toy(Some("{}"), false).await;
        let client = Client::new(&ClientOptions::default()).unwrap();
        let mut connection = client.connection();
        for _ in 0..3 {
            let exchange = connection
                .send(get(&server.url), Duration::from_secs(5))
                .await
                .unwrap();
            assert_eq!(
                (exchange.status.as_u16(), &exchange.body[..]),
                (200, &b"{}"[..])
            );
            assert_eq!(
                exchange.url,
                format!("{}/?Action=DescribeExecution&FlowName=f", server.url)
            );
        }
        assert_eq!(
            server.connections.load(std::sync::atomic::Ordering::SeqCst),
            1
        );
        // The pool's request, for comparison: the same request line and headers.
        client
            .send(get(&server.url), Duration::from_secs(5))
            .await
            .unwrap();
        let heads = server.heads.lock().unwrap().clone();
        let host = server.url.trim_start_matches("http://");
        let normalise = |head: &str| {
            let mut lines: Vec<String> = head.lines().map(str::to_ascii_lowercase).collect();
            lines.sort();
            lines
        };
        assert!(
            heads[0].starts_with("GET /?Action=DescribeExecution&FlowName=f HTTP/1.1\r\n"),
            "{}",
            heads[0]
        );
        assert!(
            heads[0]
                .to_ascii_lowercase()
                .contains(&format!("host: {host}\r\n")),
            "{}",
            heads[0]
        );
        assert_eq!(
            normalise(&heads[0]),
            normalise(&heads[3]),
            "connection and pool send the same"
        );
    }

    #[tokio::test]
    async fn a_connection_the_target_closes_is_opened_again() {
        let server = toy(Some("{}"), true).await;
        let client = Client::new(&ClientOptions::default()).unwrap();
        let mut connection = client.connection();
        for _ in 0..3 {
            let exchange = connection
                .send(get(&server.url), Duration::from_secs(5))
                .await
                .unwrap();
            assert_eq!(exchange.status.as_u16(), 200);
        }
        assert_eq!(
            server.connections.load(std::sync::atomic::Ordering::SeqCst),
            3
        );
    }

    #[tokio::test]
    async fn a_connection_caps_the_body_and_times_out() {
        let server = toy(Some("0123456789"), false).await;
        let client = Client::new(&ClientOptions {
            max_body_bytes: 4,
            ..ClientOptions::default()
        })
        .unwrap();
        let mut connection = client.connection();
        let exchange = connection
            .send(get(&server.url), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(
            (&exchange.body[..], exchange.truncated),
            (&b"0123"[..], true)
        );

        let silent = toy(None, false).await;
        let limit = Duration::from_millis(200);
        let answer = connection.send(get(&silent.url), limit).await;
        assert_eq!(answer.unwrap_err(), TransportError::Timeout(limit));

        let refused = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}", listener.local_addr().unwrap())
        };
        let answer = connection.send(get(&refused), Duration::from_secs(5)).await;
        assert!(
            matches!(answer, Err(TransportError::Connect(_))),
            "{answer:?}"
        );
    }
}
