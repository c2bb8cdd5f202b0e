//! One request that went through the proxy, and what came back: the record the forwarding
//! half hands to the judging half.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, Method, Uri, Version};
use tokio::time::Instant;

use crate::wire::{Exchange, TransportError};

/// A request as the client sent it to the proxy (and the proxy sent it on, unchanged).
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    /// The method.
    pub method: Method,
    /// The request target as sent: path and query (`/?Action=...`).
    pub uri: Uri,
    /// The HTTP version the client spoke.
    pub version: Version,
    /// Every header as sent, Host included. They may hold an Authorization header and a
    /// security token: redact before showing them.
    pub headers: HeaderMap,
    /// The body, at most the proxy's capture cap.
    pub body: Bytes,
    /// Whether the body was longer than the cap (it was forwarded whole, but kept cut).
    pub truncated: bool,
}

/// One exchange through the proxy.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// The order the request arrived in, from 1.
    pub sequence: u64,
    /// When the request head arrived, by the wall clock (for reports).
    pub received_at: SystemTime,
    /// When the proxy sent the request on to the target, on a connection already made (the
    /// exchange's times count from here; connecting is not the target's answer time). When
    /// no connection could be made, when the proxy began to try.
    pub sent: Instant,
    /// The request.
    pub request: CapturedRequest,
    /// The target's answer, as the checks see it (its `url` is the target's URL of the
    /// request, its times from `sent`), or why none came back whole: the target could not
    /// be reached, broke the connection, or the client went away first
    /// ([`TransportError::Broken`] says which).
    pub answer: Result<Exchange, TransportError>,
    /// Whether the client went away before the whole answer was passed back to it (the
    /// target was still answering): its answer is not judged.
    pub client_left: bool,
}
