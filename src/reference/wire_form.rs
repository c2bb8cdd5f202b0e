//! The last step of every answer: its body's bytes and framing as the choices of the JSON
//! form and of HTTP framing shape them (pretty or escaped JSON, chunked, `Connection:
//! close`) and the faults of strict JSON bend them. A target with none of them answers as
//! rendered, untouched.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, Response};
use bytes::Bytes;
use hyper::body::Frame;
use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use super::choices::{Choice, Choices};
use super::faults::Faults;

/// The size of each chunk of a chunked body ([`Choice::ChunkedBodies`]): small, so that
/// chunks split UTF-8 sequences and JSON tokens.
const CHUNK_BYTES: usize = 16;

/// The answer as the choices of the wire form shape it and the faults of strict JSON
/// bend it; `setup` says whether it answers an operation of set-up or clean-up.
pub(crate) async fn shape(
    response: Response<Body>,
    setup: bool,
    faults: &Faults,
    choices: &Choices,
) -> Response<Body> {
    let form = [Choice::PrettyJson, Choice::EscapedJson]
        .into_iter()
        .find(|choice| choices.has(*choice));
    let chunked = choices.has(Choice::ChunkedBodies);
    let close = choices.has(Choice::ConnectionClose);
    if form.is_none() && !chunked && !close && faults.json().next().is_none() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(rendered) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut bytes = match form {
        Some(form) => written(&rendered, form).unwrap_or_else(|| rendered.to_vec()),
        None => rendered.to_vec(),
    };
    if form == Some(Choice::PrettyJson) {
        parts.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    for fault in faults.json() {
        fault.bend(&mut bytes, setup);
    }
    if close {
        parts
            .headers
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    parts.headers.remove(CONTENT_LENGTH);
    let body = if chunked {
        Body::new(Chunks::of(Bytes::from(bytes)))
    } else {
        Body::from(bytes)
    };
    Response::from_parts(parts, body)
}

/// The JSON `rendered` written in the chosen form; `None` if it is not JSON.
fn written(rendered: &[u8], form: Choice) -> Option<Vec<u8>> {
    let value: Value = serde_json::from_slice(rendered).ok()?;
    let mut out = Vec::new();
    if form == Choice::EscapedJson {
        value
            .serialize(&mut Serializer::with_formatter(&mut out, Escaping))
            .ok()?;
    } else {
        value
            .serialize(&mut Serializer::with_formatter(
                &mut out,
                PrettyFormatter::with_indent(b"  "),
            ))
            .ok()?;
        out.push(b'\n');
    }
    Some(out)
}

/// Compact JSON with every non-ASCII character escaped (`\u00e9`, a surrogate pair beyond
/// the Basic Multilingual Plane) and `/` as `\/`.
struct Escaping;

impl Formatter for Escaping {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for character in fragment.chars() {
            if character == '/' {
                writer.write_all(b"\\/")?;
            } else if character.is_ascii() {
                writer.write_all(&[character as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in character.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// A body sent in chunks of [`CHUNK_BYTES`], its length untold: hyper sends it with
/// chunked transfer encoding.
struct Chunks(VecDeque<Bytes>);

impl Chunks {
    fn of(mut body: Bytes) -> Self {
        let mut chunks = VecDeque::new();
        while !body.is_empty() {
            chunks.push_back(body.split_to(CHUNK_BYTES.min(body.len())));
        }
        Self(chunks)
    }
}

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Choice, written};
    use crate::wire::json::{lenient, strict};

    #[test]
    fn each_form_is_strict_json_of_the_same_value() {
        let value =
            json!({"Message": "café ✓ 漢字 😀", "FlowDefinition": "a/b", "n": [1, {"x": null}]});
        let rendered = value.to_string();
        for form in [Choice::PrettyJson, Choice::EscapedJson] {
            let body = written(rendered.as_bytes(), form).unwrap();
            assert_eq!(strict(&body), Ok(()), "{form}");
            assert_eq!(lenient(&body), Some(value.clone()), "{form}");
        }
        let escaped = written(rendered.as_bytes(), Choice::EscapedJson).unwrap();
        assert!(escaped.is_ascii());
        let escaped = String::from_utf8(escaped).unwrap();
        assert!(escaped.contains(r"caf\u00e9"), "{escaped}");
        assert!(escaped.contains(r"\ud83d\ude00"), "{escaped}");
        assert!(escaped.contains(r"a\/b"), "{escaped}");
        let pretty = written(rendered.as_bytes(), Choice::PrettyJson).unwrap();
        assert!(pretty.starts_with(b"{\n  \"Message\""));
        assert!(pretty.ends_with(b"}\n"));
    }
}
