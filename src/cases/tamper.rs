//! Departures after signing: what a case changes in a request once it is signed, so that
//! the signature no longer covers exactly what is sent, or the request lacks what signing
//! put in it. A case has at most one; the runner applies it in one place, to the request
//! as built and signed, just before it goes out.

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderValue, Method, Uri};

use crate::wire::{
    FORM_CONTENT_TYPE, SignatureVersion, WireError, decode_pairs, join_encoded, timestamp, v1,
};

/// What is changed in a request after signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// A header removed.
    RemoveHeader(&'static str),
    /// A header given another value (or added).
    SetHeader(&'static str, String),
    /// The body and its content type replaced (the hash a v3 request declares kept).
    ReplaceBody {
        /// The new content type.
        content_type: String,
        /// The new body.
        body: Vec<u8>,
    },
    /// A query parameter given another value (or added).
    SetParam(&'static str, String),
    /// A query parameter removed.
    RemoveParam(&'static str),
    /// The method changed; a request that becomes a POST without a body declares an empty
    /// form, as clients send one.
    Method(Method),
    /// The request time one second later (`Timestamp` in v1, `x-acs-date` in v3): within
    /// any clock tolerance, so only the signature breaks.
    SecondLater,
    /// The signature nonce replaced by a fresh one (`SignatureNonce`,
    /// `x-acs-signature-nonce`).
    NewNonce,
    /// The signature itself altered.
    Signature(SignatureEdit),
}

/// How a signature is altered. Every alteration changes the bytes the signature text
/// stands for, whatever a service's decoder is lenient about (padding, the unused low
/// bits of Base64's last character, the letter case of hex).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEdit {
    /// Its first character another.
    First,
    /// Its middle character another.
    Middle,
    /// Its last character another (v1: the last before the `=` padding).
    Last,
    /// Every letter in the other case (v1 only: Base64 is case-sensitive, hex is not).
    SwapCase,
    /// Only its first half.
    Truncate,
    /// Characters appended.
    Extend,
    /// Empty.
    Empty,
}

/// The Base64 alphabet, in the order of the values its characters stand for.
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// The hex digits, in order.
const HEX: &[u8; 16] = b"0123456789abcdef";

impl SignatureEdit {
    /// Every alteration, with the id its case has.
    pub const ALL: [(SignatureEdit, &'static str); 7] = [
        (SignatureEdit::First, "first-character"),
        (SignatureEdit::Middle, "middle-character"),
        (SignatureEdit::Last, "last-character"),
        (SignatureEdit::SwapCase, "case-swapped"),
        (SignatureEdit::Truncate, "truncated"),
        (SignatureEdit::Extend, "extended"),
        (SignatureEdit::Empty, "empty"),
    ];

    /// `signature` altered; `v1` says it is Base64 (else hex).
    pub fn apply(self, signature: &str, v1: bool) -> String {
        let data = if v1 {
            signature.trim_end_matches('=')
        } else {
            signature
        };
        let padding = &signature[data.len()..];
        let at = |index: usize| {
            let mut bytes = data.as_bytes().to_vec();
            if let Some(byte) = bytes.get_mut(index) {
                *byte = other_digit(*byte, v1);
            }
            format!("{}{padding}", String::from_utf8_lossy(&bytes))
        };
        match self {
            SignatureEdit::First => at(0),
            SignatureEdit::Middle => at(data.len() / 2),
            SignatureEdit::Last => at(data.len().saturating_sub(1)),
            SignatureEdit::SwapCase => signature
                .chars()
                .map(|c| {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect(),
            SignatureEdit::Truncate => signature[..signature.len() / 2].to_owned(),
            // v1: four more characters in place of the padding, which no decoder reads as
            // the same bytes; v3: one more byte.
            SignatureEdit::Extend if v1 => format!("{data}AAAA"),
            SignatureEdit::Extend => format!("{signature}00"),
            SignatureEdit::Empty => String::new(),
        }
    }
}

/// Another digit of the alphabet, differing in its highest bit, so that the bytes it
/// stands for differ too.
fn other_digit(digit: u8, v1: bool) -> u8 {
    let (alphabet, flip): (&[u8], usize) = if v1 { (BASE64, 32) } else { (HEX, 8) };
    let value = alphabet
        .iter()
        .position(|known| known.eq_ignore_ascii_case(&digit) && (!v1 || *known == digit))
        .unwrap_or(0);
    alphabet[value ^ flip]
}

impl Tamper {
    /// Applies the change to `request`, which was signed with `version`.
    pub fn apply(
        &self,
        request: &mut http::Request<Vec<u8>>,
        version: SignatureVersion,
    ) -> Result<(), WireError> {
        let v3 = version == SignatureVersion::V3;
        match self {
            Tamper::RemoveHeader(name) => {
                request.headers_mut().remove(*name);
            }
            Tamper::SetHeader(name, value) => set_header(request, name, value)?,
            Tamper::ReplaceBody { content_type, body } => {
                set_header(request, CONTENT_TYPE.as_str(), content_type)?;
                request.body_mut().clone_from(body);
            }
            Tamper::SetParam(name, value) => edit_query(request, |pairs| {
                match pairs.iter_mut().find(|(known, _)| known == name) {
                    Some(pair) => pair.1.clone_from(value),
                    None => pairs.push(((*name).to_owned(), value.clone())),
                }
            })?,
            Tamper::RemoveParam(name) => {
                edit_query(request, |pairs| pairs.retain(|(known, _)| known != name))?;
            }
            Tamper::Method(method) => {
                *request.method_mut() = method.clone();
                if method == Method::POST && !request.headers().contains_key(CONTENT_TYPE) {
                    set_header(request, CONTENT_TYPE.as_str(), FORM_CONTENT_TYPE)?;
                }
            }
            Tamper::SecondLater if v3 => {
                let later = later_by_a_second(header(request, "x-acs-date")?)?;
                set_header(request, "x-acs-date", &later)?;
            }
            Tamper::SecondLater => {
                let later = later_by_a_second(&param(request, "Timestamp")?)?;
                Tamper::SetParam("Timestamp", later).apply(request, version)?;
            }
            Tamper::NewNonce => {
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                if v3 {
                    set_header(request, "x-acs-signature-nonce", &nonce)?;
                } else {
                    Tamper::SetParam("SignatureNonce", nonce).apply(request, version)?;
                }
            }
            Tamper::Signature(edit) if v3 => {
                let authorization = header(request, AUTHORIZATION.as_str())?;
                let at = authorization
                    .rfind("Signature=")
                    .map(|at| at + "Signature=".len())
                    .ok_or_else(|| unsigned("Authorization has no Signature"))?;
                let altered = format!(
                    "{}{}",
                    &authorization[..at],
                    edit.apply(&authorization[at..], false)
                );
                set_header(request, AUTHORIZATION.as_str(), &altered)?;
            }
            Tamper::Signature(edit) => {
                let signature = param(request, v1::SIGNATURE_PARAM)?;
                Tamper::SetParam(v1::SIGNATURE_PARAM, edit.apply(&signature, true))
                    .apply(request, version)?;
            }
        }
        Ok(())
    }
}

fn unsigned(what: &str) -> WireError {
    WireError::Build(format!("the request cannot be tampered with: {what}"))
}

fn set_header(
    request: &mut http::Request<Vec<u8>>,
    name: &'static str,
    value: &str,
) -> Result<(), WireError> {
    let value = HeaderValue::from_str(value)
        .map_err(|_| unsigned(&format!("a value header {name} cannot carry")))?;
    request.headers_mut().insert(name, value);
    Ok(())
}

fn header<'a>(request: &'a http::Request<Vec<u8>>, name: &str) -> Result<&'a str, WireError> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| unsigned(&format!("it has no header {name}")))
}

fn param(request: &http::Request<Vec<u8>>, name: &str) -> Result<String, WireError> {
    decode_pairs(request.uri().query().unwrap_or_default().as_bytes())
        .into_iter()
        .find(|(known, _)| known == name)
        .map(|(_, value)| value)
        .ok_or_else(|| unsigned(&format!("its query has no {name}")))
}

fn later_by_a_second(time: &str) -> Result<String, WireError> {
    let time = timestamp::parse(time).ok_or_else(|| unsigned("its time is no timestamp"))?;
    Ok(timestamp::format(time + time::Duration::SECOND))
}

/// Decodes the query, lets `edit` change its pairs and encodes it again.
fn edit_query(
    request: &mut http::Request<Vec<u8>>,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> Result<(), WireError> {
    let mut pairs = decode_pairs(request.uri().query().unwrap_or_default().as_bytes());
    edit(&mut pairs);
    let query = join_encoded(
        pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let path = if query.is_empty() {
        "/".to_owned()
    } else {
        format!("/?{query}")
    };
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = Some(
        path.parse()
            .map_err(|_| unsigned("the changed query is no URI"))?,
    );
    *request.uri_mut() = Uri::from_parts(parts).map_err(|error| unsigned(&error.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    use super::{SignatureEdit, Tamper};
    use crate::wire::{
        Credentials, RpcRequest, SignatureVersion, Signing, SigningContext, decode_pairs,
    };

    fn built(version: SignatureVersion) -> http::Request<Vec<u8>> {
        let signing = Signing::new(version, Some(Credentials::new("id", "secret"))).unwrap();
        RpcRequest::get("DescribeExecution")
            .param("FlowName", "f")
            .param("ExecutionName", "e")
            .build(
                &"http://127.0.0.1:1".parse().unwrap(),
                &signing,
                &SigningContext::fresh(),
            )
            .unwrap()
    }

    fn query(request: &http::Request<Vec<u8>>) -> Vec<(String, String)> {
        decode_pairs(request.uri().query().unwrap_or_default().as_bytes())
    }

    /// The pairs of `after` that differ from `before`'s, by name.
    fn changed(before: &[(String, String)], after: &[(String, String)]) -> Vec<String> {
        let mut names: Vec<String> = before
            .iter()
            .chain(after)
            .filter(|pair| !before.contains(pair) || !after.contains(pair))
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn each_change_touches_only_what_it_names() {
        let v1 = SignatureVersion::V1;
        let cases: [(Tamper, &[&str]); 6] = [
            (
                Tamper::SetParam("ExecutionName", "x".to_owned()),
                &["ExecutionName"],
            ),
            (
                Tamper::SetParam("WaitTimeSeconds", "0".to_owned()),
                &["WaitTimeSeconds"],
            ),
            (Tamper::RemoveParam("FlowName"), &["FlowName"]),
            (Tamper::SecondLater, &["Timestamp"]),
            (Tamper::NewNonce, &["SignatureNonce"]),
            (Tamper::Signature(SignatureEdit::First), &["Signature"]),
        ];
        for (tamper, names) in cases {
            let mut request = built(v1);
            let before = query(&request);
            tamper.apply(&mut request, v1).unwrap();
            assert_eq!(changed(&before, &query(&request)), names, "{tamper:?}");
        }
        let v3 = SignatureVersion::V3;
        let mut request = built(v3);
        let before = request.headers().clone();
        Tamper::SecondLater.apply(&mut request, v3).unwrap();
        Tamper::NewNonce.apply(&mut request, v3).unwrap();
        let differ: Vec<&str> = before
            .iter()
            .filter(|(name, value)| request.headers().get(*name) != Some(*value))
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(differ, ["x-acs-date", "x-acs-signature-nonce"]);
        // An unsigned request has no signature to alter: the case cannot be built.
        let mut unsigned = built(SignatureVersion::None);
        assert!(
            Tamper::Signature(SignatureEdit::Last)
                .apply(&mut unsigned, SignatureVersion::None)
                .is_err()
        );
    }

    #[test]
    fn every_alteration_changes_the_bytes_of_a_base64_signature() {
        // 20 bytes, as HMAC-SHA1 gives: 27 characters and one `=`.
        let bytes: Vec<u8> = (0u8..20).map(|n| n.wrapping_mul(37)).collect();
        let signature = STANDARD.encode(&bytes);
        for (edit, id) in SignatureEdit::ALL {
            let altered = edit.apply(&signature, true);
            assert_ne!(altered, signature, "{id}");
            // Decoded as leniently as any service might: padding and trailing bits ignored.
            let lenient = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_allow_trailing_bits(true)
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
            );
            let decoded = lenient.decode(altered.trim_end_matches('='));
            assert!(decoded.is_err() || decoded.unwrap() != bytes, "{id}");
        }
    }

    #[test]
    fn every_alteration_but_the_case_changes_the_bytes_of_a_hex_signature() {
        let signature = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        for (edit, id) in SignatureEdit::ALL {
            let altered = edit.apply(signature, false);
            let same = hex::decode(&altered)
                .is_ok_and(|bytes| bytes == hex::decode(signature).expect("hex"));
            assert_eq!(same, edit == SignatureEdit::SwapCase, "{id}: {altered}");
        }
        assert_eq!(SignatureEdit::First.apply("0a", false), "8a");
        assert_eq!(SignatureEdit::Last.apply("0a", false), "02");
    }
}
