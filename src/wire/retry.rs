//! Retry hints: how long a throttled answer asks its client to wait before it tries again,
//! read once for the session that waits it out and for the check that holds it to the
//! wire protocol.

use std::time::Duration;

use http::HeaderMap;

use super::RETRY_AFTER_HEADER;

/// What an answer says about when to try again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryHint {
    /// No hint at all.
    Absent,
    /// Wait this long.
    After(Duration),
    /// A hint that cannot be read: the header and its value.
    Unreadable {
        /// The header (`x-acs-retry-after` or `retry-after`).
        header: &'static str,
        /// Its value as sent (lossily as text).
        value: String,
    },
}

/// The retry hint of an answer: `x-acs-retry-after` (milliseconds, what CloudFlow and the
/// SDKs use), else `Retry-After` (seconds, or an HTTP date). The first header present
/// decides.
pub fn read_retry_hint(headers: &HeaderMap) -> RetryHint {
    let raw = |name: &str| {
        headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
    };
    if let Some(value) = raw(RETRY_AFTER_HEADER) {
        return match value.parse::<u64>() {
            Ok(millis) => RetryHint::After(Duration::from_millis(millis)),
            Err(_) => RetryHint::Unreadable {
                header: RETRY_AFTER_HEADER,
                value,
            },
        };
    }
    let Some(value) = raw(http::header::RETRY_AFTER.as_str()) else {
        return RetryHint::Absent;
    };
    if let Ok(seconds) = value.parse::<u64>() {
        return RetryHint::After(Duration::from_secs(seconds));
    }
    match time::OffsetDateTime::parse(&value, &time::format_description::well_known::Rfc2822) {
        Ok(date) => {
            let wait = date - time::OffsetDateTime::now_utc();
            RetryHint::After(Duration::try_from(wait).unwrap_or(Duration::ZERO))
        }
        Err(_) => RetryHint::Unreadable {
            header: "retry-after",
            value,
        },
    }
}

/// How long an answer asks the client to wait before it tries again, if it says so
/// readably.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    match read_retry_hint(headers) {
        RetryHint::After(wait) => Some(wait),
        RetryHint::Absent | RetryHint::Unreadable { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_both_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        assert_eq!(read_retry_hint(&headers), RetryHint::Absent);
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
        assert_eq!(
            read_retry_hint(&dated),
            RetryHint::Unreadable {
                header: "retry-after",
                value: "soon".to_owned()
            }
        );
        let mut seconds_in_millis = HeaderMap::new();
        seconds_in_millis.insert("x-acs-retry-after", "1.5".parse().unwrap());
        assert!(matches!(
            read_retry_hint(&seconds_in_millis),
            RetryHint::Unreadable {
                header: "x-acs-retry-after",
                ..
            }
        ));
    }
}
