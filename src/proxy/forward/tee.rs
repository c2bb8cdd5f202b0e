//! The two bodies the proxy passes on, each forwarded frame by frame as it arrives while a
//! copy of at most the capture cap is kept for the record: the request's toward the target,
//! the answer's back to the client (which also finishes the exchange's record).

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use tokio::time::Instant;

use super::answer::AnswerBody;
use super::record::{Answered, Capture, Recorder, SharedCapture, lock};
use crate::wire::{TransportError, error_chain};

/// The client's request body on its way to the target.
#[derive(Debug)]
pub(super) struct RequestBody {
    inner: Incoming,
    capture: SharedCapture,
}

impl RequestBody {
    /// Forwards `inner`, keeping its first bytes in `capture`.
    pub(super) fn new(inner: Incoming, capture: SharedCapture) -> Self {
        Self { inner, capture }
    }
}

impl Body for RequestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        if let Some(data) = polled
            .as_ref()
            .and_then(|frame| frame.as_ref().ok())
            .and_then(Frame::data_ref)
        {
            lock(&self.capture).keep(data);
        }
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The target's answer body on its way back to the client. When it has been passed on
/// whole (hyper drops it then), or broke off, it finishes the exchange's record; dropped
/// before that, the client left (its connection closed or was cut).
#[derive(Debug)]
pub(super) struct ResponseBody {
    inner: AnswerBody,
    capture: Capture,
    status: StatusCode,
    headers: HeaderMap,
    first_byte: Duration,
    ended: Option<Instant>,
    recorder: Option<Recorder>,
}

impl ResponseBody {
    /// Forwards `inner`, the body of an answer whose head had `status` and `headers` (as
    /// the target sent them) and came `first_byte` after the request went on.
    pub(super) fn new(
        inner: AnswerBody,
        cap: usize,
        (status, headers): (StatusCode, HeaderMap),
        first_byte: Duration,
        recorder: Recorder,
    ) -> Self {
        Self {
            inner,
            capture: Capture::new(cap),
            status,
            headers,
            first_byte,
            ended: None,
            recorder: Some(recorder),
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        let polled = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &polled {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    this.capture.keep(data);
                }
                if this.inner.is_end_stream() {
                    this.ended.get_or_insert_with(Instant::now);
                }
            }
            Some(Err(error)) => {
                if let Some(recorder) = this.recorder.take() {
                    recorder.finish(Err(TransportError::Broken(error_chain(error))));
                }
            }
            None => {
                this.ended.get_or_insert_with(Instant::now);
            }
        }
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for ResponseBody {
    fn drop(&mut self) {
        let Some(recorder) = self.recorder.take() else {
            return;
        };
        // hyper stops polling a body that says it has ended (an empty one is never polled).
        if self.ended.is_none() && self.inner.is_end_stream() {
            self.ended = Some(Instant::now());
        }
        if let Some(ended) = self.ended {
            recorder.finish(Ok(Answered {
                status: self.status,
                version: self.inner.version(),
                headers: std::mem::take(&mut self.headers),
                body: self.capture.take(),
                first_byte: self.first_byte,
                ended,
            }));
        }
        // Otherwise the recorder, dropped, says the client left, and the connection to the
        // target, dropped mid-answer, closes.
    }
}
