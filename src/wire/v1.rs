//! Signature version 1: HMAC-SHA1 over the canonicalized parameters, carried in the query.
//! This is what the official fnf SDK sends.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::encoding::{canonical_query, percent_encode};

/// The value of the `SignatureMethod` parameter.
pub(crate) const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The value of the `SignatureVersion` parameter.
pub(crate) const SIGNATURE_VERSION: &str = "1.0";
/// The query parameter that carries the signature; it is not signed itself.
pub(crate) const SIGNATURE_PARAM: &str = "Signature";

/// What a v1 signature is computed over, for signing, verifying and diagnosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V1Canonical {
    /// The canonicalized query string.
    pub canonicalized_query: String,
    /// `METHOD&%2F&` and the encoded canonicalized query.
    pub string_to_sign: String,
}

/// Canonicalizes the parameters of a request (query and form body together, `Signature`
/// left out).
pub(crate) fn canonicalize<N: AsRef<str>, V: AsRef<str>>(
    method: &str,
    params: &[(N, V)],
) -> V1Canonical {
    let canonicalized_query = canonical_query(params);
    V1Canonical {
        string_to_sign: string_to_sign(method, &canonicalized_query),
        canonicalized_query,
    }
}

/// The signature: Base64 of HMAC-SHA1 with the key `secret&`.
pub(crate) fn signature(string_to_sign: &str, access_key_secret: &str) -> String {
    BASE64.encode(
        mac(access_key_secret, string_to_sign)
            .finalize()
            .into_bytes(),
    )
}

/// `METHOD + "&%2F&" + percentEncode(canonicalized query)`.
pub(crate) fn string_to_sign(method: &str, canonicalized_query: &str) -> String {
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(canonicalized_query)
    )
}

#[cfg(any(test, feature = "reference"))]
/// Whether `signature` (Base64) is the v1 signature of `string_to_sign`, compared in
/// constant time.
pub(crate) fn verify(string_to_sign: &str, access_key_secret: &str, signature: &str) -> bool {
    let Ok(given) = BASE64.decode(signature) else {
        return false;
    };
    mac(access_key_secret, string_to_sign)
        .verify_slice(&given)
        .is_ok()
}

fn mac(access_key_secret: &str, string_to_sign: &str) -> Hmac<Sha1> {
    let key = format!("{access_key_secret}&");
    let mut mac =
        Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    mac
}
