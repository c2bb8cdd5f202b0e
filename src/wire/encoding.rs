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
    join_escaped(params, Escape::Minimal)
}

/// Which characters a value's percent-encoding escapes beyond the minimal RFC 3986 set: the
/// same text spelt another way on the wire, as clients with other encoders send it. Every
/// spelling decodes to the same value, so a correct service reads them alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Escape {
    /// Only what RFC 3986 requires, with upper-case hex (`%3A`).
    #[default]
    Minimal,
    /// `_` as `%5F` too.
    Underscore,
    /// `_` as `%5f` too, and every escape in lower-case hex (`%3a`).
    LowerHex,
    /// `-` as `%2D` too.
    Hyphen,
    /// Every ASCII letter as `%XX` too.
    Letters,
}

/// RFC 3986's set and `_`.
const UNDERSCORE: &AsciiSet = &RFC3986.add(b'_');
/// RFC 3986's set and `-`.
const HYPHEN: &AsciiSet = &RFC3986.add(b'-');
/// RFC 3986's set and every ASCII letter.
const LETTERS: &AsciiSet = &{
    let mut set = RFC3986.add(b'A');
    let mut letter = b'A';
    while letter <= b'Z' {
        set = set.add(letter).add(letter.to_ascii_lowercase());
        letter += 1;
    }
    set
};

impl Escape {
    /// `text` percent-encoded in this spelling.
    fn encode(self, text: &str) -> String {
        let set = match self {
            Escape::Minimal => RFC3986,
            Escape::Underscore | Escape::LowerHex => UNDERSCORE,
            Escape::Hyphen => HYPHEN,
            Escape::Letters => LETTERS,
        };
        let encoded = utf8_percent_encode(text, set).to_string();
        if self == Escape::LowerHex {
            lower_hex_escapes(&encoded)
        } else {
            encoded
        }
    }
}

/// Percent-encoded text with the hex digits of every escape in lower case.
fn lower_hex_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Parameters in the given order, each `name=value` percent-encoded (the values spelt as
/// `escape` says, the names minimally), joined by `&`.
pub(crate) fn join_escaped<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    escape: Escape,
) -> String {
    let mut out = String::new();
    for (index, (name, value)) in params.into_iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(name));
        out.push('=');
        out.push_str(&escape.encode(value));
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
    fn every_spelling_decodes_to_the_same_value() {
        let value = "Conformance_Flow-1:中 x";
        let spelt = |escape: Escape| join_escaped([("FlowName", value)], escape);
        assert_eq!(
            spelt(Escape::Minimal),
            "FlowName=Conformance_Flow-1%3A%E4%B8%AD%20x"
        );
        assert_eq!(
            spelt(Escape::Underscore),
            "FlowName=Conformance%5FFlow-1%3A%E4%B8%AD%20x"
        );
        assert_eq!(
            spelt(Escape::LowerHex),
            "FlowName=Conformance%5fFlow-1%3a%e4%b8%ad%20x"
        );
        assert_eq!(
            spelt(Escape::Hyphen),
            "FlowName=Conformance_Flow%2D1%3A%E4%B8%AD%20x"
        );
        assert!(spelt(Escape::Letters).starts_with("FlowName=%43%6F%6E"));
        for escape in [
            Escape::Minimal,
            Escape::Underscore,
            Escape::LowerHex,
            Escape::Hyphen,
            Escape::Letters,
        ] {
            assert_eq!(
                decode_pairs(spelt(escape).as_bytes()),
                [("FlowName".to_owned(), value.to_owned())],
                "{escape:?}"
            );
        }
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
