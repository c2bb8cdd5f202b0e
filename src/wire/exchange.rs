//! One request and its response as the checks see them: the HTTP client makes them, the
//! checks read them (and need nothing of the client to do so).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Version};
use serde_json::Value;

use super::json::{self, JsonViolation};

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
    /// The response's HTTP version.
    pub version: Version,
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
    /// The body as JSON, if it is JSON, read leniently ([`json::lenient`]): a body whose
    /// only fault is strictness (a byte-order mark, data after the value, a member name
    /// twice, bytes that are not UTF-8) reads, so that the one rule it breaks is the one
    /// finding ([`Exchange::strict_json`]).
    pub fn json(&self) -> Option<Value> {
        json::lenient(&self.body)
    }

    /// Whether the body is strict JSON ([`json::strict`]); a body cut at the client's cap
    /// is not judged.
    pub fn strict_json(&self) -> Result<(), JsonViolation> {
        if self.truncated {
            return Ok(());
        }
        json::strict(&self.body)
    }

    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}
