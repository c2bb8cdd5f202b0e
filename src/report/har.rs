//! The HAR report (`--report har=PATH`): every exchange of the run as an HTTP Archive 1.2
//! (<http://www.softwareishard.com/blog/har-12-spec/>), which a browser's developer tools
//! load (Network, "Import HAR file").
//!
//! Every attempt of every request the run sent is an entry, in the order sent: catalog
//! cases (the comment names the case), set-up and clean-up, the timing cases' polls and
//! the requests beside them (the comment names the timing case whose own execution they ask
//! for; a poll of the run's finished execution, which catalog cases read too, is named by
//! its operation), the throttling probe, throttled requests and their retries
//! ([`crate::runner::Recorded`]). Requests are shown as every other output shows them
//! ([`super::redact`]): without the Signature and SecurityToken parameters (query or form)
//! and without the Authorization and x-acs-security-token headers. Left out: cookies (none
//! are sent), the sizes of headers (-1: not known), DNS, connect and TLS times (-1: not
//! measured apart from the wait), the HTTP version of an https exchange ("unknown": the
//! client may negotiate HTTP/2 and the exchange does not record which), the fuzz
//! run's requests (`conformance fuzz` writes no report files), and a request body past its
//! first 64 KiB (the request's comment gives its size).

use std::io::{self, Write};
use std::time::Duration;

use base64::Engine;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::redact;
use crate::cases::CaseKind;
use crate::runner::{Recorded, RunReport, timing_execution};
use crate::wire::decode_pairs;

/// The HAR version written.
pub const HAR_VERSION: &str = "1.2";

/// The most of a request body an entry shows (the oversized-body case sends megabytes).
const BODY_LIMIT: usize = 64 * 1024;

#[derive(Serialize)]
struct Har {
    log: Log,
}

#[derive(Serialize)]
struct Log {
    version: &'static str,
    creator: Creator,
    entries: Vec<Entry>,
    comment: String,
}

#[derive(Serialize)]
struct Creator {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    started_date_time: String,
    time: f64,
    request: Request,
    response: Response,
    cache: Cache,
    timings: Timings,
    #[serde(skip_serializing_if = "String::is_empty")]
    comment: String,
    /// Why no answer came (as Chrome writes it).
    #[serde(rename = "_error", skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    method: String,
    url: String,
    http_version: &'static str,
    cookies: [Pair; 0],
    headers: Vec<Pair>,
    query_string: Vec<Pair>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostData>,
    headers_size: i64,
    body_size: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    mime_type: String,
    params: Vec<Pair>,
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    status: u16,
    status_text: String,
    http_version: &'static str,
    cookies: [Pair; 0],
    headers: Vec<Pair>,
    content: Content,
    #[serde(rename = "redirectURL")]
    redirect_url: String,
    headers_size: i64,
    body_size: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    size: i64,
    mime_type: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

#[derive(Serialize)]
struct Cache {}

#[derive(Serialize)]
struct Timings {
    blocked: f64,
    dns: f64,
    connect: f64,
    ssl: f64,
    send: f64,
    wait: f64,
    receive: f64,
}

#[derive(Serialize)]
struct Pair {
    name: String,
    value: String,
}

impl Pair {
    fn all<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Pair> {
        pairs
            .into_iter()
            .map(|(name, value)| Pair {
                name: name.to_owned(),
                value: value.to_owned(),
            })
            .collect()
    }

    fn headers(headers: &http::HeaderMap) -> Vec<Pair> {
        Pair::all(
            headers_of(headers.iter())
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }
}

/// Headers as text pairs.
fn headers_of<'a>(
    headers: impl Iterator<Item = (&'a http::HeaderName, &'a http::HeaderValue)>,
) -> Vec<(String, String)> {
    headers
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// Writes the run's recorded exchanges as an HTTP Archive 1.2 (pretty-printed JSON). A run
/// that recorded none ([`crate::runner::RunOptions::record_exchanges`] off) gives a
/// valid archive without entries, which says so in its comment.
pub fn write_har(run: &RunReport, out: &mut impl Write) -> io::Result<()> {
    let comment = if run.exchanges.is_empty() {
        "no exchange recorded: the run was not asked to record them".to_owned()
    } else {
        format!(
            "every exchange of conformance run {} against {}, in the order sent; signatures, security tokens and Authorization left out",
            run.run_id, run.target
        )
    };
    let har = Har {
        log: Log {
            version: HAR_VERSION,
            creator: Creator {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            },
            entries: run
                .exchanges
                .iter()
                .map(|recorded| entry(run, recorded))
                .collect(),
            comment,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &har)?;
    writeln!(out)
}

/// An HTTP version as HAR writes it (`HTTP/1.1`, `HTTP/2.0`).
fn version_text(version: http::Version) -> &'static str {
    match version {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

fn entry(run: &RunReport, recorded: &Recorded) -> Entry {
    let request = &recorded.request;
    // The version the answer came in; without an answer, the client's only over plain
    // HTTP (over TLS it would have been agreed in the handshake).
    let http_version = match &recorded.answer {
        Ok(exchange) => version_text(exchange.version),
        Err(_) if request.uri().scheme_str() == Some("https") => "unknown",
        Err(_) => "HTTP/1.1",
    };
    let url = redact::url(request);
    let query = url.split_once('?').map_or("", |(_, query)| query);
    let body = redact::body(request);
    let mime_type = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let post_data = (!body.is_empty() || mime_type.is_some()).then(|| PostData {
        // A cut form is shown as its text only.
        params: if redact::is_form(request) && body.len() <= BODY_LIMIT {
            let pairs = decode_pairs(&body);
            Pair::all(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        } else {
            Vec::new()
        },
        text: String::from_utf8_lossy(&body[..body.len().min(BODY_LIMIT)]).into_owned(),
        mime_type: mime_type.unwrap_or_default(),
    });
    let request_comment = if body.len() > BODY_LIMIT {
        format!(
            "the body is {} bytes; its first {BODY_LIMIT} are shown",
            body.len()
        )
    } else {
        String::new()
    };
    let shown_headers = headers_of(redact::headers(request));
    let query_pairs = decode_pairs(query.as_bytes());
    let (response, timings, error) = match &recorded.answer {
        Ok(exchange) => {
            let wait = exchange.first_byte;
            let receive = exchange.elapsed.saturating_sub(exchange.first_byte);
            let (text, encoding) = match std::str::from_utf8(&exchange.body) {
                Ok(text) => (text.to_owned(), None),
                Err(_) => (
                    base64::engine::general_purpose::STANDARD.encode(&exchange.body),
                    Some("base64"),
                ),
            };
            let response = Response {
                status: exchange.status.as_u16(),
                status_text: exchange
                    .status
                    .canonical_reason()
                    .unwrap_or_default()
                    .to_owned(),
                http_version,
                cookies: [],
                headers: Pair::headers(&exchange.headers),
                content: Content {
                    size: i64::try_from(exchange.body.len()).unwrap_or(i64::MAX),
                    mime_type: exchange
                        .header("content-type")
                        .unwrap_or_default()
                        .to_owned(),
                    text,
                    encoding,
                },
                redirect_url: exchange.header("location").unwrap_or_default().to_owned(),
                headers_size: -1,
                body_size: i64::try_from(exchange.body.len()).unwrap_or(i64::MAX),
                comment: if exchange.truncated {
                    "the body was longer than the client's cap: cut".to_owned()
                } else {
                    String::new()
                },
            };
            (response, timings(wait, receive), None)
        }
        Err(error) => {
            let response = Response {
                status: 0,
                status_text: String::new(),
                http_version,
                cookies: [],
                headers: Vec::new(),
                content: Content {
                    size: 0,
                    mime_type: "x-unknown".to_owned(),
                    text: String::new(),
                    encoding: None,
                },
                redirect_url: String::new(),
                headers_size: -1,
                body_size: -1,
                comment: String::new(),
            };
            (
                response,
                timings(recorded.elapsed, Duration::ZERO),
                Some(error.to_string()),
            )
        }
    };
    Entry {
        started_date_time: OffsetDateTime::from(recorded.sent_at)
            .format(&Rfc3339)
            .unwrap_or_default(),
        time: milliseconds(timings_total(&timings)),
        request: Request {
            method: request.method().to_string(),
            url,
            http_version,
            cookies: [],
            headers: Pair::all(shown_headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            query_string: Pair::all(query_pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            body_size: i64::try_from(body.len()).unwrap_or(i64::MAX),
            post_data,
            headers_size: -1,
            comment: request_comment,
        },
        response,
        cache: Cache {},
        timings,
        comment: label(run, recorded),
        error,
    }
}

/// The timings of an answer whose head came after `wait` and whose body took `receive`
/// more; sending is not measured apart (0).
fn timings(wait: Duration, receive: Duration) -> Timings {
    Timings {
        blocked: -1.0,
        dns: -1.0,
        connect: -1.0,
        ssl: -1.0,
        send: 0.0,
        wait: milliseconds(wait),
        receive: milliseconds(receive),
    }
}

/// The entry's time: the sum of its timings, as HAR defines it.
fn timings_total(timings: &Timings) -> Duration {
    Duration::from_secs_f64((timings.send + timings.wait + timings.receive) / 1000.0)
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// What the exchange was: the catalog case that sent this very request (`case ID`), the
/// timing case whose execution it names (`timing/ID: Action`), or the operation alone (a
/// set-up or clean-up step, a baseline poll, the throttling probe).
fn label(run: &RunReport, recorded: &Recorded) -> String {
    let request = &recorded.request;
    let sent = run.checked().find(|(_, checked)| {
        checked.request.uri() == request.uri()
            && checked.request.headers() == request.headers()
            && checked.request.body() == request.body()
    });
    if let Some((result, _)) = sent {
        return format!("case {}", result.case.id);
    }
    // Every parameter, wherever it travels: the query, a form body, v3's x-acs-action.
    let mut params = decode_pairs(request.uri().query().unwrap_or_default().as_bytes());
    if redact::is_form(request) {
        params.extend(decode_pairs(request.body()));
    }
    let param = |wanted: &str| {
        params
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    };
    let action = param("Action")
        .or_else(|| {
            request
                .headers()
                .get("x-acs-action")
                .and_then(|value| value.to_str().ok())
        })
        .unwrap_or("no Action");
    let timing = param("ExecutionName").and_then(|execution| {
        run.cases
            .iter()
            .filter(|result| result.case.kind == CaseKind::Timing)
            .find(|result| timing_execution(&result.case.id, &run.run_id) == execution)
    });
    match timing {
        Some(result) => format!("{}: {action}", result.case.id),
        None => format!("{action}: set-up, clean-up, a baseline poll or the throttling probe"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::wire::{Endpoint, RpcRequest, Signing, SigningContext, TransportError};

    #[test]
    fn an_exchange_without_an_answer_says_why() {
        let endpoint: Endpoint = "http://127.0.0.1:9".parse().unwrap();
        let request = RpcRequest::get("DescribeExecution")
            .param("FlowName", "f")
            .build(&endpoint, &Signing::Unsigned, &SigningContext::fresh())
            .unwrap();
        let run = RunReport {
            target: endpoint.to_string(),
            embedded: false,
            run_id: "r".to_owned(),
            signature: crate::wire::SignatureVersion::None,
            cases: Vec::new(),
            timing_bounds: None,
            elapsed: Duration::ZERO,
            left_behind: Vec::new(),
            steps: Vec::new(),
            baseline: None,
            exchanges: vec![Recorded {
                sent_at: SystemTime::UNIX_EPOCH,
                elapsed: Duration::from_millis(3),
                request,
                answer: Err(TransportError::Connect("refused".to_owned())),
            }],
        };
        let mut out = Vec::new();
        write_har(&run, &mut out).unwrap();
        let har: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let entry = &har["log"]["entries"][0];
        assert_eq!(entry["startedDateTime"], "1970-01-01T00:00:00Z");
        assert_eq!(entry["response"]["status"], 0);
        assert_eq!(entry["_error"], "failed to connect: refused");
        assert_eq!(entry["time"], 3.0);
        assert_eq!(
            entry["comment"],
            "DescribeExecution: set-up, clean-up, a baseline poll or the throttling probe"
        );
    }
}
