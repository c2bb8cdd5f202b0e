//! The target's answer as the proxy reads it off its own connection, by HTTP/1.1's rules
//! (RFC 9112): the head parsed with `httparse`, the body delimited by its framing (a
//! length, chunks, or the connection's close) and handed on as it arrives; once the body
//! has ended, the connection goes back to the pool if it may carry another request.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, HeaderName, HeaderValue, TRANSFER_ENCODING};
use http::{HeaderMap, Method, StatusCode, Version};
use hyper::body::{Body, Frame, SizeHint};
use hyper::ext::ReasonPhrase;

use super::hop;
use super::upstream::{Connection, Upstream};

/// The most bytes an answer's head may take, and its trailers, and a chunk's size line.
pub(super) const MOST_HEAD_BYTES: usize = 64 * 1024;

/// The most header fields an answer's head may have.
const MOST_FIELDS: usize = 128;

/// How much room each read off the connection is given.
pub(super) const READ_BYTES: usize = 8 * 1024;

/// An answer's head.
#[derive(Debug)]
pub(super) struct Head {
    /// The status.
    pub(super) status: StatusCode,
    /// The reason phrase as sent (hyper writes it back as it is).
    pub(super) reason: Option<ReasonPhrase>,
    /// The HTTP version the target answered in.
    pub(super) version: Version,
    /// The header fields, in the order they came (names in lower case).
    pub(super) headers: HeaderMap,
    framing: Framing,
    /// Whether the target keeps the connection open after this answer.
    keep_alive: bool,
}

/// How an answer's body is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// This many bytes (none for HEAD, 1xx, 204 and 304 answers).
    Length(u64),
    /// Chunks, the last of size zero.
    Chunked,
    /// Whatever comes until the target closes the connection.
    UntilClose,
}

impl Head {
    /// Parses the head at the start of `buffer`, the answer to a `method` request, and
    /// takes its bytes off the buffer: `Ok(None)` while it is not complete.
    pub(super) fn parse(buffer: &mut BytesMut, method: &Method) -> Result<Option<Self>, String> {
        let mut fields = [httparse::EMPTY_HEADER; MOST_FIELDS];
        let mut response = httparse::Response::new(&mut fields);
        let taken = match response.parse(buffer) {
            Ok(httparse::Status::Complete(taken)) => taken,
            Ok(httparse::Status::Partial) if buffer.len() < MOST_HEAD_BYTES => return Ok(None),
            Ok(httparse::Status::Partial) => {
                return Err(format!(
                    "the answer's head is longer than {MOST_HEAD_BYTES} bytes"
                ));
            }
            Err(error) => return Err(format!("the answer is not HTTP/1.1: {error}")),
        };
        let status = StatusCode::from_u16(response.code.unwrap_or_default())
            .map_err(|error| format!("the answer's status: {error}"))?;
        let reason = response
            .reason
            .and_then(|reason| ReasonPhrase::try_from(reason.as_bytes()).ok());
        let mut headers = HeaderMap::with_capacity(response.headers.len());
        for field in response.headers.iter() {
            let name = HeaderName::from_bytes(field.name.as_bytes())
                .map_err(|error| format!("the answer's header name {:?}: {error}", field.name))?;
            let value = HeaderValue::from_bytes(field.value)
                .map_err(|error| format!("the answer's {} header: {error}", field.name))?;
            headers.append(name, value);
        }
        let version = match response.version {
            Some(0) => Version::HTTP_10,
            _ => Version::HTTP_11,
        };
        let framing = framing(&headers, status, method)?;
        let keep_alive = framing != Framing::UntilClose && keeps_alive(&headers, version);
        buffer.advance(taken);
        Ok(Some(Self {
            status,
            reason,
            version,
            headers,
            framing,
            keep_alive,
        }))
    }
}

/// How the body of an answer with these `headers` and `status` to a `method` request is
/// delimited; an error for a Content-Length that is no length or two different ones.
fn framing(headers: &HeaderMap, status: StatusCode, method: &Method) -> Result<Framing, String> {
    if method == Method::HEAD
        || status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return Ok(Framing::Length(0));
    }
    if headers.contains_key(TRANSFER_ENCODING) {
        let last = hop::tokens(headers, &TRANSFER_ENCODING).pop();
        return Ok(if last.is_some_and(|coding| coding == "chunked") {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    let mut length = None;
    for value in headers.get_all(CONTENT_LENGTH) {
        for item in String::from_utf8_lossy(value.as_bytes()).split(',') {
            let item = item.trim();
            let this = item
                .bytes()
                .all(|byte| byte.is_ascii_digit())
                .then(|| item.parse::<u64>().ok())
                .flatten()
                .ok_or_else(|| format!("the answer's Content-Length {item:?} is no length"))?;
            if length.is_some_and(|length| length != this) {
                return Err("the answer has two different Content-Lengths".to_owned());
            }
            length = Some(this);
        }
    }
    Ok(length.map_or(Framing::UntilClose, Framing::Length))
}

/// Whether the connection stays open after an answer in `version` with these `headers`.
fn keeps_alive(headers: &HeaderMap, version: Version) -> bool {
    let options = hop::tokens(headers, &CONNECTION);
    if version == Version::HTTP_10 {
        options.iter().any(|option| option == "keep-alive")
    } else {
        !options.iter().any(|option| option == "close")
    }
}

/// Where the reading of a body stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// This many bytes to go, of the body's length or of a chunk.
    Data { left: u64, chunk: bool },
    /// A chunk's size line next.
    ChunkSize,
    /// The line end after a chunk's data next.
    ChunkEnd,
    /// Trailer fields (dropped) up to an empty line next.
    Trailers,
    /// Whatever comes, until the target closes the connection.
    UntilClose,
    /// The body has ended.
    Ended,
}

/// An answer's body, read off its connection as the client's side asks for it.
#[derive(Debug)]
pub(super) struct AnswerBody {
    connection: Option<Connection>,
    upstream: Arc<Upstream>,
    /// Bytes read off the connection and not handed on yet.
    buffered: BytesMut,
    state: State,
    /// Whether the connection may carry another request once the body has ended.
    reusable: bool,
    /// The HTTP version of the answer (not the client's connection's: hyper's server
    /// answers the client in its own).
    version: Version,
    /// An error met reading the body, reported one turn later: the client's side first
    /// passes on what came before it (hyper cuts the client's connection at a body's error
    /// without writing what it holds).
    deferred: Option<io::Error>,
}

impl AnswerBody {
    /// The body of the answer whose `head` came on `connection`, with the bytes read past
    /// the head in `buffered`; `request_whole` says whether the whole request went on (if
    /// not, the connection is not used again).
    pub(super) fn new(
        connection: Connection,
        upstream: Arc<Upstream>,
        buffered: BytesMut,
        head: &Head,
        request_whole: bool,
    ) -> Self {
        let state = match head.framing {
            Framing::Length(0) => State::Ended,
            Framing::Length(left) => State::Data { left, chunk: false },
            Framing::Chunked => State::ChunkSize,
            Framing::UntilClose => State::UntilClose,
        };
        Self {
            connection: Some(connection),
            upstream,
            buffered,
            state,
            reusable: head.keep_alive && request_whole,
            version: head.version,
            deferred: None,
        }
    }

    /// The HTTP version the target answered in.
    pub(super) fn version(&self) -> Version {
        self.version
    }

    /// Reads more off the connection into the buffer: how many bytes came (0 when the
    /// target closed it).
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some(connection) = &mut self.connection else {
            return Poll::Ready(Ok(0));
        };
        self.buffered.reserve(READ_BYTES);
        tokio_util::io::poll_read_buf(Pin::new(connection), cx, &mut self.buffered)
    }

    /// Reads more, or fails if the target closed the connection before the body's end.
    fn poll_more(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.buffered.len() >= MOST_HEAD_BYTES {
            return Poll::Ready(Err(broken(
                "a chunk's size line or the trailers are too long",
            )));
        }
        match ready!(self.poll_fill(cx))? {
            0 => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the target closed the connection before the answer's end",
            ))),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// The next frame, or why there is none.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        loop {
            match self.state {
                State::Ended => return Poll::Ready(None),
                State::Data { left, chunk } => {
                    if self.buffered.is_empty() {
                        ready!(self.poll_more(cx))?;
                    }
                    let taken = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(self.buffered.len());
                    let data = self.buffered.split_to(taken).freeze();
                    self.state = match (left - taken as u64, chunk) {
                        (0, false) => State::Ended,
                        (0, true) => State::ChunkEnd,
                        (left, chunk) => State::Data { left, chunk },
                    };
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                State::ChunkSize => match httparse::parse_chunk_size(&self.buffered) {
                    Ok(httparse::Status::Complete((taken, size))) => {
                        self.buffered.advance(taken);
                        self.state = match size {
                            0 => State::Trailers,
                            left => State::Data { left, chunk: true },
                        };
                    }
                    Ok(httparse::Status::Partial) => ready!(self.poll_more(cx))?,
                    Err(_) => {
                        return Poll::Ready(Some(Err(broken("a chunk's size line is not HTTP"))));
                    }
                },
                State::ChunkEnd => {
                    if self.buffered.len() < 2 {
                        ready!(self.poll_more(cx))?;
                    } else if self.buffered.starts_with(b"\r\n") {
                        self.buffered.advance(2);
                        self.state = State::ChunkSize;
                    } else {
                        return Poll::Ready(Some(Err(broken("a chunk is longer than its size"))));
                    }
                }
                State::Trailers => match self.buffered.windows(2).position(|end| end == b"\r\n") {
                    Some(at) => {
                        self.buffered.advance(at + 2);
                        if at == 0 {
                            self.state = State::Ended;
                        }
                    }
                    None => ready!(self.poll_more(cx))?,
                },
                State::UntilClose => {
                    if !self.buffered.is_empty() {
                        let data = self.buffered.split().freeze();
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                    if ready!(self.poll_fill(cx))? == 0 {
                        self.state = State::Ended;
                    }
                }
            }
        }
    }
}

/// A body that breaks HTTP/1.1's framing.
fn broken(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(error) = this.deferred.take() {
            this.state = State::Ended;
            this.reusable = false;
            return Poll::Ready(Some(Err(error)));
        }
        match ready!(this.poll_next(cx)) {
            Some(Err(error)) => {
                this.deferred = Some(error);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            other => Poll::Ready(other),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.state == State::Ended
    }

    fn size_hint(&self) -> SizeHint {
        match self.state {
            State::Data { left, chunk: false } => SizeHint::with_exact(left),
            State::Ended => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

impl Drop for AnswerBody {
    /// The body read to its end: the connection serves the next request, if the target
    /// keeps it open and nothing was left over; otherwise it closes here.
    fn drop(&mut self) {
        if self.state == State::Ended
            && self.reusable
            && self.buffered.is_empty()
            && let Some(connection) = self.connection.take()
        {
            self.upstream.give_back(connection);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str, method: &Method) -> Result<Option<Head>, String> {
        Head::parse(&mut BytesMut::from(text), method)
    }

    fn framed(text: &str, method: &Method) -> (Framing, bool) {
        let head = parsed(text, method).unwrap().expect("a whole head");
        (head.framing, head.keep_alive)
    }

    #[test]
    fn an_answer_s_body_is_framed_by_rfc_9112() {
        let get = &Method::GET;
        let cases = [
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                get,
                (Framing::Length(5), true),
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
                get,
                (Framing::Length(5), true),
            ),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
                &Method::HEAD,
                (Framing::Length(0), true),
            ),
            (
                "HTTP/1.1 204 No Content\r\n\r\n",
                get,
                (Framing::Length(0), true),
            ),
            (
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
                get,
                (Framing::Length(0), true),
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: 5\r\n\r\n",
                get,
                (Framing::Chunked, true),
            ),
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                get,
                (Framing::UntilClose, false),
            ),
            ("HTTP/1.1 200 OK\r\n\r\n", get, (Framing::UntilClose, false)),
            (
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                get,
                (Framing::Length(0), false),
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
                get,
                (Framing::Length(0), false),
            ),
            (
                "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive\r\n\r\n",
                get,
                (Framing::Length(0), true),
            ),
        ];
        for (text, method, expected) in cases {
            assert_eq!(framed(text, method), expected, "{text:?}");
        }
        for text in [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "not HTTP\r\n\r\n",
        ] {
            assert!(parsed(text, get).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_head_is_taken_whole_with_its_reason_and_fields_in_order() {
        let mut buffer =
            BytesMut::from("HTTP/1.1 203 Fine By Me\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\n");
        assert!(Head::parse(&mut buffer, &Method::GET).unwrap().is_none());
        buffer.extend_from_slice(b"\r\nbody");
        let head = Head::parse(&mut buffer, &Method::GET).unwrap().unwrap();
        assert_eq!(head.status, StatusCode::NON_AUTHORITATIVE_INFORMATION);
        assert_eq!(
            head.reason.as_ref().map(ReasonPhrase::as_bytes),
            Some(&b"Fine By Me"[..])
        );
        let fields: Vec<(&str, &[u8])> = head
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        assert_eq!(fields, [("x-b", &b"1"[..]), ("x-b", b"3"), ("x-a", b"2")]);
        assert_eq!(&buffer[..], b"body", "what came after the head is kept");
        let long = format!("HTTP/1.1 200 OK\r\nX-Long: {}", "a".repeat(MOST_HEAD_BYTES));
        assert!(parsed(&long, &Method::GET).is_err());
    }
}
