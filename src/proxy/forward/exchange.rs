//! One exchange through the proxy: the client's request sent on to the target as it came
//! (hop-by-hop headers aside), the target's answer streamed back, and the record made.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::uri::PathAndQuery;
use http::{Request, Response, StatusCode, Uri};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::answer::AnswerBody;
use super::hop;
use super::record::{Capture, Recorder};
use super::tee::{RequestBody, ResponseBody};
use super::upstream::Upstream;
use crate::proxy::Traffic;
use crate::wire::{Endpoint, TransportError};

/// The body of an answer to a client: the target's, streamed, or the proxy's own 502.
pub(super) type ProxyBody = Either<ResponseBody, Full<Bytes>>;

/// What every exchange of one proxy shares.
#[derive(Debug)]
pub(super) struct Forwarder {
    upstream: Arc<Upstream>,
    /// The target's base URL (`http://host:port`), for records and the 502's text.
    target: Arc<str>,
    capture_bytes: usize,
    /// The last sequence number given.
    sequence: AtomicU64,
    traffic: UnboundedSender<Traffic>,
}

impl Forwarder {
    /// Forwards to `target` over `upstream`, keeping at most `capture_bytes` of each body,
    /// and sends every record to `traffic`.
    pub(super) fn new(
        upstream: Upstream,
        target: &Endpoint,
        capture_bytes: usize,
        traffic: UnboundedSender<Traffic>,
    ) -> Self {
        Self {
            upstream: Arc::new(upstream),
            target: target.to_string().into(),
            capture_bytes,
            sequence: AtomicU64::new(0),
            traffic,
        }
    }

    /// Forwards one request and answers with the target's answer, or a 502 when none came
    /// (never an error: the `Infallible` is hyper's service signature).
    ///
    /// The future is what hyper keeps (boxed) for as long as the target holds the request: a
    /// held long poll's whole wait. It is kept small: the work before sending is done here,
    /// before the future, and the request goes in boxed (see `Upstream::send`), so that
    /// the future holds the record and the sending's state only, 0.9 KiB (it was 3.4 KiB as
    /// an `async fn`, whose every local and argument kept its room through the wait).
    pub(super) fn forward(
        self: &Arc<Self>,
        request: Request<Incoming>,
    ) -> impl Future<Output = Result<Response<ProxyBody>, Infallible>> + Send + use<> {
        let (mut recorder, request) = self.prepare(request);
        let this = Arc::clone(self);
        async move {
            recorder.sent_at(Instant::now());
            Ok(match Arc::clone(&this.upstream).send(request).await {
                Ok((response, sent)) => {
                    recorder.sent_at(sent);
                    this.pass_back(recorder, response)
                }
                Err(error) => this.bad_gateway(recorder, error),
            })
        }
    }

    /// The exchange's record, and the request to send on: the client's, less the
    /// hop-by-hop headers, its URI in origin form.
    fn prepare(&self, request: Request<Incoming>) -> (Recorder, Box<Request<RequestBody>>) {
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        let (mut parts, body) = request.into_parts();
        let capture = Arc::new(Mutex::new(Capture::new(self.capture_bytes)));
        let recorder = Recorder::new(
            self.traffic.clone(),
            sequence,
            &parts,
            Arc::clone(&capture),
            Arc::clone(&self.target),
        );
        // The origin form, path and query exactly as sent (the connection is the target's).
        parts.uri = Uri::from(
            parts
                .uri
                .path_and_query()
                .cloned()
                .unwrap_or_else(|| PathAndQuery::from_static("/")),
        );
        parts.headers = hop::end_to_end(parts.headers);
        (
            recorder,
            Box::new(Request::from_parts(parts, RequestBody::new(body, capture))),
        )
    }

    /// The target's answer on its way back to the client, its body streamed.
    fn pass_back(&self, recorder: Recorder, response: Response<AnswerBody>) -> Response<ProxyBody> {
        let first_byte = recorder.since_sent();
        let (mut head, body) = response.into_parts();
        let recorded = (head.status, head.headers.clone());
        head.headers = hop::end_to_end(head.headers);
        let body = ResponseBody::new(body, self.capture_bytes, recorded, first_byte, recorder);
        Response::from_parts(head, Either::Left(body))
    }

    /// The proxy's own answer when the target gave none: 502 with a line that says why.
    fn bad_gateway(&self, recorder: Recorder, error: TransportError) -> Response<ProxyBody> {
        let text = format!(
            "conformance proxy: the target {} could not be reached: {error}\n",
            self.target
        );
        recorder.finish(Err(error));
        let mut response = Response::new(Either::Right(Full::new(Bytes::from(text))));
        *response.status_mut() = StatusCode::BAD_GATEWAY;
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}
