//! The record of one exchange as it goes through: made when the request arrives, finished
//! once when the answer has been passed back whole (or failed), and finished as "the
//! client left" if it is dropped before that, so that no record is lost or sent twice.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode, Version};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use crate::proxy::{CapturedRequest, Traffic};
use crate::wire::{Exchange, TransportError};

/// What the record's answer says when the client went away before the answer ended.
pub(super) const CLIENT_LEFT: &str = "the client went away before the answer ended";

/// The first bytes of a body, at most a cap, and whether there were more.
#[derive(Debug)]
pub(super) struct Capture {
    kept: BytesMut,
    cap: usize,
    truncated: bool,
}

impl Capture {
    /// Nothing kept yet (and nothing allocated: a GET's capture stays empty).
    pub(super) fn new(cap: usize) -> Self {
        Self {
            kept: BytesMut::new(),
            cap,
            truncated: false,
        }
    }

    /// Keeps what of `chunk` fits under the cap.
    pub(super) fn keep(&mut self, chunk: &[u8]) {
        let room = self.cap - self.kept.len();
        if chunk.len() > room {
            self.kept.extend_from_slice(&chunk[..room]);
            self.truncated = true;
        } else {
            self.kept.extend_from_slice(chunk);
        }
    }

    /// What was kept, and whether the body was longer.
    pub(super) fn take(&mut self) -> (Bytes, bool) {
        (std::mem::take(&mut self.kept).freeze(), self.truncated)
    }
}

/// A request body's capture: filled as the upstream connection sends the body, read when
/// the record is finished.
pub(super) type SharedCapture = Arc<Mutex<Capture>>;

/// Locks a shared capture (a panic elsewhere leaves its bytes usable).
pub(super) fn lock(capture: &SharedCapture) -> std::sync::MutexGuard<'_, Capture> {
    capture.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The target's whole answer, for the record.
#[derive(Debug)]
pub(super) struct Answered {
    /// The status.
    pub(super) status: StatusCode,
    /// The HTTP version the target answered in.
    pub(super) version: Version,
    /// The headers as the target sent them (hop-by-hop ones included).
    pub(super) headers: HeaderMap,
    /// The body's first bytes, and whether there were more.
    pub(super) body: (Bytes, bool),
    /// From sending to the answer's head.
    pub(super) first_byte: Duration,
    /// When the body ended.
    pub(super) ended: Instant,
}

/// The record of one exchange in flight; see the module's docs.
#[derive(Debug)]
pub(super) struct Recorder {
    pending: Option<Pending>,
    sink: UnboundedSender<Traffic>,
}

/// What is known of the exchange until its answer ends.
#[derive(Debug)]
struct Pending {
    sequence: u64,
    received_at: SystemTime,
    sent: Instant,
    method: http::Method,
    uri: http::Uri,
    version: Version,
    headers: CompactHeaders,
    body: SharedCapture,
    target: Arc<str>,
}

/// The record's copy of the request's headers, held for as long as the exchange (a long
/// poll's whole wait, times thousands of polls): each header's name and value in the order
/// they came, in a slice of exactly their number, rather than a cloned `HeaderMap` with its
/// spare buckets and index. The values share the request's bytes (they are
/// reference-counted), so only the slice is the record's own. The map is rebuilt once,
/// when the record is sent. (A held poll of `benches/proxy.rs`, a few headers, kept 0.3 KiB
/// for a cloned map and 0.2 KiB for this.)
#[derive(Debug)]
struct CompactHeaders(Box<[(HeaderName, HeaderValue)]>);

impl CompactHeaders {
    fn new(headers: &HeaderMap) -> Self {
        Self(
            headers
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        )
    }

    /// The headers as a map again, in the same order (a map iterates each name's values
    /// together, in the order the names first came, and so appending them in that order
    /// gives back the same map).
    fn rebuild(self) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.0.len());
        for (name, value) in self.0 {
            map.append(name, value);
        }
        map
    }
}

impl Recorder {
    /// The record of request `sequence`, whose head is `request` (as the client sent it)
    /// and whose body `body` captures; `target` is the target's base URL.
    pub(super) fn new(
        sink: UnboundedSender<Traffic>,
        sequence: u64,
        request: &http::request::Parts,
        body: SharedCapture,
        target: Arc<str>,
    ) -> Self {
        Self {
            pending: Some(Pending {
                sequence,
                received_at: SystemTime::now(),
                sent: Instant::now(),
                method: request.method.clone(),
                uri: request.uri.clone(),
                version: request.version,
                headers: CompactHeaders::new(&request.headers),
                body,
                target,
            }),
            sink,
        }
    }

    /// Notes when the request went on to the target: the time its answer is counted from.
    pub(super) fn sent_at(&mut self, at: Instant) {
        if let Some(pending) = &mut self.pending {
            pending.sent = at;
        }
    }

    /// The time since the request went on.
    pub(super) fn since_sent(&self) -> Duration {
        self.pending
            .as_ref()
            .map_or(Duration::ZERO, |pending| pending.sent.elapsed())
    }

    /// Sends the record with the target's answer (or why there is none).
    pub(super) fn finish(mut self, answer: Result<Answered, TransportError>) {
        self.send(answer, false);
    }

    fn send(&mut self, answer: Result<Answered, TransportError>, client_left: bool) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let (body, truncated) = lock(&pending.body).take();
        let answer = answer.map(|answered| Exchange {
            method: pending.method.clone(),
            url: format!(
                "{}{}",
                pending.target,
                pending
                    .uri
                    .path_and_query()
                    .map_or("/", http::uri::PathAndQuery::as_str)
            ),
            status: answered.status,
            version: answered.version,
            headers: answered.headers,
            body: answered.body.0,
            truncated: answered.body.1,
            first_byte: answered.first_byte,
            elapsed: answered.ended.saturating_duration_since(pending.sent),
        });
        // The receiver gone (the proxy's owner stopped listening) is no error here.
        let _ = self.sink.send(Traffic {
            sequence: pending.sequence,
            received_at: pending.received_at,
            sent: pending.sent,
            request: CapturedRequest {
                method: pending.method,
                uri: pending.uri,
                version: pending.version,
                headers: pending.headers.rebuild(),
                body,
                truncated,
            },
            answer,
            client_left,
        });
    }
}

impl Drop for Recorder {
    /// Dropped unfinished: the client went away (its connection closed or was cut) before
    /// the answer ended.
    fn drop(&mut self) {
        self.send(Err(TransportError::Broken(CLIENT_LEFT.to_owned())), true);
    }
}
