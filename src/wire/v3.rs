//! Signature version 3: ACS3-HMAC-SHA256 over a canonical request, carried in headers.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::encoding::canonical_query;

/// The algorithm name that starts the string to sign and the `Authorization` header.
pub(crate) const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The headers every v3 request must carry (besides `Authorization`).
pub const REQUIRED_HEADERS: [&str; 5] = [
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
];

/// What a v3 signature is computed over, for signing, verifying and diagnosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct V3Canonical {
    /// Method, path, sorted query, canonical headers, signed header names and body hash,
    /// one per line, as ACS3-HMAC-SHA256 defines them.
    pub canonical_request: String,
    /// `ACS3-HMAC-SHA256\n` and the hex SHA-256 of the canonical request.
    pub string_to_sign: String,
    /// The signed header names, lower case, sorted, joined by `;`.
    pub signed_headers: String,
}

/// What a request gives the v3 signer: everything but the secret.
#[derive(Debug, Clone, Copy)]
pub(crate) struct V3Input<'a> {
    /// The HTTP method (`GET`).
    pub method: &'a str,
    /// The path (`/`).
    pub path: &'a str,
    /// The query parameters, decoded.
    pub query: &'a [(String, String)],
    /// The headers to sign: name (any case) and value.
    pub headers: &'a [(&'a str, &'a str)],
    /// The hex SHA-256 of the body, as sent in `x-acs-content-sha256`.
    pub hashed_payload: &'a str,
}

/// The hex SHA-256 of a body.
pub(crate) fn hashed_payload(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The canonical headers block (`name:value\n` per header, sorted) and the signed header
/// names joined by `;`. Names are lower-cased and values trimmed.
pub(crate) fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut lowered: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim()))
        .collect();
    lowered.sort_unstable();
    let block = lowered
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let names: Vec<&str> = lowered.iter().map(|(name, _)| name.as_str()).collect();
    (block, names.join(";"))
}

/// Canonicalizes a request.
pub(crate) fn canonicalize(input: &V3Input<'_>) -> V3Canonical {
    let (block, signed_headers) = canonical_headers(input.headers);
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method,
        input.path,
        canonical_query(input.query),
        block,
        signed_headers,
        input.hashed_payload
    );
    V3Canonical {
        string_to_sign: string_to_sign(&canonical_request),
        canonical_request,
        signed_headers,
    }
}

/// The signature: hex of HMAC-SHA256 with the secret as key.
pub(crate) fn signature(string_to_sign: &str, access_key_secret: &str) -> String {
    hex::encode(
        mac(access_key_secret, string_to_sign)
            .finalize()
            .into_bytes(),
    )
}

/// `ACS3-HMAC-SHA256\n` + hex(SHA-256(canonical request)).
pub(crate) fn string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

/// The `Authorization` header value.
pub(crate) fn authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    )
}

#[cfg(any(test, feature = "reference"))]
/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    /// The access key ID.
    pub credential: String,
    /// The signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

#[cfg(any(test, feature = "reference"))]
/// Reads an `Authorization` header of the v3 form, or `None` if it is not one.
pub(crate) fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for field in rest.split(',') {
        let (name, value) = field.trim().split_once('=')?;
        match name {
            "Credential" => credential = Some(value.to_owned()),
            "SignedHeaders" => {
                signed_headers = Some(value.split(';').map(str::to_owned).collect());
            }
            "Signature" => signature = Some(value.to_owned()),
            _ => return None,
        }
    }
    Some(Authorization {
        credential: credential?,
        signed_headers: signed_headers?,
        signature: signature?,
    })
}

#[cfg(any(test, feature = "reference"))]
/// Whether `signature` (hex) is the v3 signature of `string_to_sign`, compared in constant
/// time.
pub(crate) fn verify(string_to_sign: &str, access_key_secret: &str, signature: &str) -> bool {
    let Ok(given) = hex::decode(signature) else {
        return false;
    };
    mac(access_key_secret, string_to_sign)
        .verify_slice(&given)
        .is_ok()
}

fn mac(access_key_secret: &str, string_to_sign: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(access_key_secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_round_trips() {
        let value = authorization("testid", "host;x-acs-date", "abcd");
        assert_eq!(
            parse_authorization(&value),
            Some(Authorization {
                credential: "testid".to_owned(),
                signed_headers: vec!["host".to_owned(), "x-acs-date".to_owned()],
                signature: "abcd".to_owned(),
            })
        );
        assert_eq!(parse_authorization("Bearer x"), None);
        assert_eq!(
            parse_authorization("ACS3-HMAC-SHA256 Credential=a,Signature=b"),
            None
        );
        assert_eq!(
            parse_authorization(
                "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=h,Signature=b,Extra=c"
            ),
            None
        );
    }

    #[test]
    fn headers_are_lowered_trimmed_and_sorted() {
        let (block, names) = canonical_headers(&[("X-Acs-Date", " t "), ("Host", "h")]);
        assert_eq!(block, "host:h\nx-acs-date:t\n");
        assert_eq!(names, "host;x-acs-date");
    }
}
