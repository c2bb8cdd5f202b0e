//! Sending requests: one pooled HTTP client, responses read under a size cap and a time
//! limit, and what was sent and received kept as an [`Exchange`].

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;
use tokio::time::Instant;

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

/// One request and its response, with the times a check needs.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request's method.
    pub method: Method,
    /// The request's URL. It may hold a signature and a security token: redact it before
    /// showing it.
    pub url: String,
    /// The response status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body, at most the client's cap.
    pub body: Bytes,
    /// Whether the body was longer than the cap and cut.
    pub truncated: bool,
    /// From sending to the response head.
    pub first_byte: Duration,
    /// From sending to the end of the body.
    pub elapsed: Duration,
}

impl Exchange {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
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
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|certificates| !certificates.is_empty())
                .ok_or_else(|| {
                    TransportError::Setup("the CA file holds no PEM certificate".to_owned())
                })?;
            builder = builder.tls_certs_merge(certificates);
        }
        let http = builder
            .build()
            .map_err(|error| TransportError::Setup(error_chain(&error)))?;
        Ok(Self {
            http,
            max_body_bytes: options.max_body_bytes,
        })
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
        let headers = response.headers().clone();
        let (body, truncated) = tokio::time::timeout_at(deadline, self.read_capped(response))
            .await
            .map_err(|_| TransportError::Timeout(timeout))??;
        Ok(Exchange {
            method,
            url,
            status,
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

/// How long an answer asks the client to wait before it tries again: `x-acs-retry-after`
/// (milliseconds, what CloudFlow sends) or `Retry-After` (seconds, or an HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    if let Some(millis) = text(super::RETRY_AFTER_HEADER).and_then(|value| value.parse().ok()) {
        return Some(Duration::from_millis(millis));
    }
    let value = text(http::header::RETRY_AFTER.as_str())?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = date - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// An error and its sources, on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
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

    #[test]
    fn retry_after_reads_both_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert("x-acs-retry-after", "250".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&dated), Some(Duration::ZERO));
        dated.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&dated), None);
    }
}
