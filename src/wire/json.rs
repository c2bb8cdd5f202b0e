//! JSON bodies as the wire carries them, read two ways. [`lenient`] reads what a forgiving
//! client reads (a byte-order mark skipped, bytes that are not UTF-8 replaced, the first
//! value taken, a repeated member name's last value kept), so that the other checks judge
//! what the body says. [`strict`] holds the bytes to RFC 8259 and I-JSON (RFC 7493): UTF-8
//! without a byte-order mark, exactly one JSON value (white space around it aside), no
//! member name twice in one object. A body that is not JSON at all, even leniently, is
//! none of [`strict`]'s business: the `json-body` check says so.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many characters of a body a finding shows around the place it names.
const EXCERPT_CHARS: usize = 24;

/// How a body that is JSON breaks strict JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonViolation {
    /// It starts with a byte-order mark, which RFC 8259 §8.1 forbids a sender to add.
    ByteOrderMark,
    /// A byte that is not UTF-8.
    NotUtf8 {
        /// Where, in bytes from the start of the body.
        offset: usize,
        /// The byte.
        byte: u8,
        /// The text before it.
        excerpt: String,
    },
    /// Something other than white space after the JSON value.
    TrailingData {
        /// Where, in bytes from the start of the body.
        offset: usize,
        /// What follows the value.
        excerpt: String,
    },
    /// A member name given twice in one object.
    DuplicateMember {
        /// The name.
        name: String,
        /// The object's path (`$`, `$.Environment.Variables[0]`).
        path: String,
    },
}

impl fmt::Display for JsonViolation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ByteOrderMark => formatter.write_str("a byte-order mark (EF BB BF) at byte 0"),
            Self::NotUtf8 {
                offset,
                byte,
                excerpt,
            } => write!(
                formatter,
                "byte {byte:#04X} at byte {offset} is not UTF-8 (after {excerpt:?})"
            ),
            Self::TrailingData { offset, excerpt } => write!(
                formatter,
                "data after the JSON value at byte {offset}: {excerpt:?}"
            ),
            Self::DuplicateMember { name, path } => {
                write!(
                    formatter,
                    "member name {name:?} twice in the object at {path}"
                )
            }
        }
    }
}

/// The body as a forgiving client reads it: a byte-order mark skipped, bytes that are not
/// UTF-8 replaced (U+FFFD), the first JSON value taken, and a member given twice read with
/// its last value. `None` when not even that reads it.
pub fn lenient(body: &[u8]) -> Option<Value> {
    let body = body.strip_prefix(BOM).unwrap_or(body);
    let text = String::from_utf8_lossy(body);
    serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .next()?
        .ok()
}

/// Whether the body is strict JSON: UTF-8 without a byte-order mark, one value, no member
/// name twice in an object; the first rule it breaks if not. An empty body and one that
/// is no JSON even to [`lenient`] pass: they are `json-body`'s to judge.
pub fn strict(body: &[u8]) -> Result<(), JsonViolation> {
    let plain = std::str::from_utf8(body)
        .ok()
        .filter(|text| !text.starts_with('\u{FEFF}'));
    if let Some(text) = plain {
        // The common case, in one pass: UTF-8 without a byte-order mark, where the lenient
        // reading is the first value of this very text.
        return one_value(text);
    }
    if lenient(body).is_none() {
        return Ok(());
    }
    if body.starts_with(BOM) {
        return Err(JsonViolation::ByteOrderMark);
    }
    let text = std::str::from_utf8(body).map_err(|error| {
        let offset = error.valid_up_to();
        let before = String::from_utf8_lossy(&body[..offset]);
        JsonViolation::NotUtf8 {
            offset,
            byte: body[offset],
            excerpt: tail(&before),
        }
    })?;
    one_value(text)
}

/// Whether UTF-8 `text` is one JSON value with no member name twice: a first value that
/// does not read is no JSON (`json-body`'s to judge), so it passes here.
fn one_value(text: &str) -> Result<(), JsonViolation> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<IgnoredAny>();
    if !matches!(values.next(), Some(Ok(_))) {
        return Ok(());
    }
    let end = values.byte_offset();
    let rest = &text[end..];
    let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
    if !trimmed.is_empty() {
        return Err(JsonViolation::TrailingData {
            offset: text.len() - trimmed.len(),
            excerpt: trimmed.chars().take(EXCERPT_CHARS).collect(),
        });
    }
    duplicate_member(&text[..end])
}

/// The last few characters of `text`.
fn tail(text: &str) -> String {
    let count = text.chars().count();
    text.chars()
        .skip(count.saturating_sub(EXCERPT_CHARS))
        .collect()
}

/// The first member name given twice in one object of the one JSON value `text`, if any.
fn duplicate_member(text: &str) -> Result<(), JsonViolation> {
    let walk = Walk::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    // Only a duplicate fails the walk (the value read before).
    let _ = Node(&walk).deserialize(&mut deserializer);
    match walk.found.into_inner() {
        Some(violation) => Err(violation),
        None => Ok(()),
    }
}

/// Where a walk of a JSON value is, and the duplicate it found.
#[derive(Default)]
struct Walk {
    path: RefCell<Vec<String>>,
    found: RefCell<Option<JsonViolation>>,
}

impl Walk {
    fn path(&self) -> String {
        let mut path = String::from("$");
        path.extend(self.path.borrow().iter().map(String::as_str));
        path
    }

    /// Walks one value at `segment` (`.Name`, `[2]`).
    fn at<R>(&self, segment: String, walk: impl FnOnce() -> R) -> R {
        self.path.borrow_mut().push(segment);
        let value = walk();
        self.path.borrow_mut().pop();
        value
    }
}

/// One value of a walk: read as nothing, its objects' member names checked.
struct Node<'w>(&'w Walk);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0usize;
        loop {
            let segment = format!("[{index}]");
            let next = self.0.at(segment, || seq.next_element_seed(Node(self.0)))?;
            if next.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if seen.contains(&name) {
                *self.0.found.borrow_mut() = Some(JsonViolation::DuplicateMember {
                    name,
                    path: self.0.path(),
                });
                return Err(de::Error::custom("a member name twice"));
            }
            let segment = if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                format!(".{name}")
            } else {
                format!("[{name:?}]")
            };
            seen.insert(name);
            self.0.at(segment, || map.next_value_seed(Node(self.0)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{JsonViolation, lenient, strict};

    #[test]
    fn strict_json_passes() {
        for body in [
            &br#"{"RequestId":"r","Code":"FlowNotExists"}"#[..],
            b"{\n  \"RequestId\": \"r\",\n  \"Nested\": {\"a\": [1, {\"b\": null}]}\n}\n",
            br#"{"Message":"caf\u00e9 \ud83d\ude00 http:\/\/x\/y"}"#,
            "{\"Message\":\"café ✓ 漢字\"}\r\n".as_bytes(),
            b"  {}  ",
            // The same name in different objects, and as a value, is fine.
            br#"{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"a"}"#,
            // Not JSON at all, or empty: json-body's, not strict-json's.
            b"",
            b"<html>oops</html>",
        ] {
            assert_eq!(strict(body), Ok(()), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn a_byte_order_mark_fails() {
        assert_eq!(
            strict(b"\xEF\xBB\xBF{\"a\":1}"),
            Err(JsonViolation::ByteOrderMark)
        );
        assert_eq!(lenient(b"\xEF\xBB\xBF{\"a\":1}"), Some(json!({"a": 1})));
    }

    #[test]
    fn bytes_that_are_not_utf8_fail_where_they_are() {
        let body = b"{\"Message\":\"caf\xE9\"}";
        let violation = strict(body).unwrap_err();
        assert_eq!(
            violation,
            JsonViolation::NotUtf8 {
                offset: 15,
                byte: 0xE9,
                excerpt: "{\"Message\":\"caf".to_owned(),
            }
        );
        assert_eq!(
            violation.to_string(),
            r#"byte 0xE9 at byte 15 is not UTF-8 (after "{\"Message\":\"caf")"#
        );
        assert_eq!(lenient(body), Some(json!({"Message": "caf\u{FFFD}"})));
    }

    #[test]
    fn data_after_the_value_fails_where_it_starts() {
        for (body, offset, excerpt) in [
            (&b"{\"a\":1}\n{}"[..], 8, "{}"),
            (b"{\"a\":1} {\"b\":2}\n", 8, "{\"b\":2}\n"),
            (b"{} x", 3, "x"),
        ] {
            assert_eq!(
                strict(body),
                Err(JsonViolation::TrailingData {
                    offset,
                    excerpt: excerpt.to_owned()
                }),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(lenient(b"{\"a\":1}\n{}"), Some(json!({"a": 1})));
        // The excerpt is short, whatever follows.
        let long = format!("{{}} {}", "x".repeat(10_000));
        let violation = strict(long.as_bytes()).unwrap_err().to_string();
        assert!(violation.len() < 80, "{violation}");
    }

    #[test]
    fn a_member_name_twice_fails_at_any_depth() {
        assert_eq!(
            strict(br#"{"RequestId":"a","Code":"X","RequestId":"b"}"#),
            Err(JsonViolation::DuplicateMember {
                name: "RequestId".to_owned(),
                path: "$".to_owned()
            })
        );
        let nested = br#"{"Environment":{"Variables":[{"Name":"x"},{"Name":"y","Name":"z"}]}}"#;
        let violation = strict(nested).unwrap_err();
        assert_eq!(
            violation.to_string(),
            r#"member name "Name" twice in the object at $.Environment.Variables[1]"#
        );
        // Escapes spell the same name.
        assert!(strict(br#"{"a":1,"\u0061":2}"#).is_err());
        // A serde reader keeps the last.
        assert_eq!(
            lenient(br#"{"RequestId":"a","RequestId":"b"}"#),
            Some(json!({"RequestId": "b"}))
        );
    }

    #[test]
    fn deep_nesting_reads_without_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(strict(deep.as_bytes()), Ok(()));
    }
}
