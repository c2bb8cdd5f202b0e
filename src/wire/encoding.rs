//! Percent-encoding and the canonical parameter string that both signature versions use.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - _ . ~`) is encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `text` per RFC 3986 over its UTF-8 bytes: space is `%20`, `*` is `%2A`,
/// `~` stays literal, and every other byte but the unreserved ones is `%XX` (upper case).
pub(crate) fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, RFC3986).to_string()
}

/// Parameters sorted by name (then value), each `name=value` percent-encoded, joined by `&`.
///
/// This is signature v1's canonicalized query string, signature v3's canonical query, and
/// the form body the official SDK sends. An empty value gives `name=`.
pub(super) fn canonical_query<N: AsRef<str>, V: AsRef<str>>(params: &[(N, V)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_ref(), value.as_ref()))
        .collect();
    sorted.sort_unstable();
    join_encoded(sorted)
}

/// Parameters in the given order, each `name=value` percent-encoded, joined by `&`.
pub(crate) fn join_encoded<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (index, (name, value)) in params.into_iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out
}

/// Decodes a query string or an `application/x-www-form-urlencoded` body into pairs, in
/// order, keeping repeated names (`+` reads as a space, as HTML forms define it).
pub fn decode_pairs(encoded: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(encoded).into_owned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_characters_stay_literal() {
        let unreserved = "ABCXYZabcxyz0189-_.~";
        assert_eq!(percent_encode(unreserved), unreserved);
    }

    #[test]
    fn reserved_and_special_characters_are_encoded() {
        assert_eq!(percent_encode(" "), "%20");
        assert_eq!(percent_encode("*"), "%2A");
        assert_eq!(percent_encode("+"), "%2B");
        assert_eq!(percent_encode("/"), "%2F");
        assert_eq!(percent_encode(":"), "%3A");
        assert_eq!(percent_encode("%"), "%25");
        assert_eq!(percent_encode("="), "%3D");
        assert_eq!(percent_encode("&"), "%26");
        assert_eq!(percent_encode("{\"x\":1}"), "%7B%22x%22%3A1%7D");
    }

    #[test]
    fn non_ascii_is_encoded_as_utf8_bytes() {
        assert_eq!(percent_encode("中"), "%E4%B8%AD");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("😀"), "%F0%9F%98%80");
        assert_eq!(percent_encode("\u{0}"), "%00");
    }

    #[test]
    fn canonical_query_sorts_by_name_then_value() {
        let params = [("b", "2"), ("a", "z"), ("a", "y"), ("B", "1")];
        assert_eq!(canonical_query(&params), "B=1&a=y&a=z&b=2");
        assert_eq!(canonical_query(&[("Empty", "")]), "Empty=");
        assert_eq!(canonical_query::<&str, &str>(&[]), "");
    }

    #[test]
    fn decoding_reverses_encoding() {
        let params = [("my name", "a/b~c+d*中"), ("Empty", "")];
        let encoded = join_encoded(params);
        let decoded = decode_pairs(encoded.as_bytes());
        assert_eq!(
            decoded,
            [
                ("my name".to_owned(), "a/b~c+d*中".to_owned()),
                ("Empty".to_owned(), String::new())
            ]
        );
        assert_eq!(
            decode_pairs(b"a=1&a=2"),
            [
                ("a".to_owned(), "1".to_owned()),
                ("a".to_owned(), "2".to_owned())
            ]
        );
    }
}
