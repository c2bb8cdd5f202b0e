//! Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message, so
//! the proxy drops them on each side and forwards every other header as it came.

use http::HeaderMap;
use http::header::{CONNECTION, HeaderName};

/// The headers that are always hop-by-hop; `Connection` may name more.
const ALWAYS: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// `headers` without the hop-by-hop ones, every other header in the order it came (a map
/// rebuilt, since removing from a `HeaderMap` moves its last header into the gap).
pub(super) fn end_to_end(headers: HeaderMap) -> HeaderMap {
    let named = tokens(&headers, &CONNECTION);
    let hop = |name: &HeaderName| {
        ALWAYS.contains(&name.as_str()) || named.iter().any(|token| token == name.as_str())
    };
    if !headers.keys().any(hop) {
        return headers;
    }
    let mut kept = HeaderMap::with_capacity(headers.len());
    let mut current: Option<HeaderName> = None;
    for (name, value) in headers {
        if name.is_some() {
            current = name;
        }
        match &current {
            Some(name) if !hop(name) => {
                kept.append(name.clone(), value);
            }
            _ => {}
        }
    }
    kept
}

/// The comma-separated tokens of every `name` header, in lower case, in order (a
/// `Connection` header's options, a `Transfer-Encoding` header's codings).
pub(super) fn tokens(headers: &HeaderMap, name: &HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|token| token.trim().to_ascii_lowercase())
        .filter(|token| !token.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn pairs(map: &HeaderMap) -> Vec<(String, String)> {
        map.iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect()
    }

    #[test]
    fn the_hop_by_hop_headers_and_those_connection_names_go_the_rest_stay_in_order() {
        let sent = headers(&[
            ("host", "example.com"),
            ("connection", "keep-alive, X-Hop"),
            ("x-acs-action", "DescribeExecution"),
            ("keep-alive", "timeout=5"),
            ("x-hop", "1"),
            ("te", "trailers"),
            ("authorization", "ACS3-HMAC-SHA256 ..."),
            ("proxy-connection", "keep-alive"),
            ("x-acs-date", "2026-12-04T00:00:00Z"),
            ("upgrade", "h2c"),
            ("accept", "a"),
            ("accept", "b"),
            ("trailer", "x-sum"),
            ("transfer-encoding", "chunked"),
            ("content-type", "application/json"),
        ]);
        assert_eq!(
            pairs(&end_to_end(sent)),
            [
                ("host", "example.com"),
                ("x-acs-action", "DescribeExecution"),
                ("authorization", "ACS3-HMAC-SHA256 ..."),
                ("x-acs-date", "2026-12-04T00:00:00Z"),
                ("accept", "a"),
                ("accept", "b"),
                ("content-type", "application/json"),
            ]
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
        );
    }

    #[test]
    fn headers_without_hop_by_hop_ones_are_left_as_they_are() {
        let sent = headers(&[("host", "h"), ("x-a", "1"), ("content-length", "0")]);
        assert_eq!(pairs(&end_to_end(sent.clone())), pairs(&sent));
    }
}
