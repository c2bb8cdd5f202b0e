//! Verifying a received request's signature, with the same canonicalisation as signing.
//! The reference target authenticates every request through here.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method};

use super::encoding::decode_pairs;
use super::request::{FORM_CONTENT_TYPE, SignatureVersion};
use super::{v1, v3};

/// A received request with its parameters decoded: what authentication and routing need.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// The HTTP method.
    pub method: Method,
    /// The path (`/`).
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The form body parameters, decoded, in order (empty unless the body is a form).
    pub form: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl Received {
    /// Decodes the query, and the body when its content type is a form.
    ///
    /// Nothing of `parts` is kept by reference: a server's read buffer, which header values
    /// and the URI share, is free to go while a long poll holds the request.
    pub(crate) fn new(parts: http::request::Parts, body: Bytes) -> Self {
        let query = decode_pairs(parts.uri.query().unwrap_or_default().as_bytes());
        let form = if is_form(&parts.headers) {
            decode_pairs(&body)
        } else {
            Vec::new()
        };
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                let owned =
                    HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
                (name.clone(), owned)
            })
            .collect();
        Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query,
            form,
            headers,
            body,
        }
    }

    /// The same from a whole request, such as one [`RpcRequest::build`] made.
    ///
    /// [`RpcRequest::build`]: super::RpcRequest::build
    #[cfg(test)]
    pub(crate) fn from_request(request: http::Request<Vec<u8>>) -> Self {
        let (parts, body) = request.into_parts();
        Self::new(parts, Bytes::from(body))
    }

    /// The first value of a query parameter.
    pub(crate) fn query_param(&self, name: &str) -> Option<&str> {
        first(&self.query, name)
    }

    /// The first value of a parameter of the query or, failing that, of the form body: a
    /// signature-v1 request may carry its common parameters in either (`@alicloud/pop-core`
    /// sends every one in the body).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query_param(name).or_else(|| first(&self.form, name))
    }

    /// The first value of a header, if it is text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The parameters of the body: a form, a JSON object (members that are `null` left
    /// out, others as their text), or none; or why the body cannot carry parameters.
    pub(crate) fn body_params(&self) -> Result<Vec<(String, String)>, BodyFault> {
        if is_form(&self.headers) {
            return Ok(self.form.clone());
        }
        let content_type = self.header(CONTENT_TYPE.as_str());
        let is_json = content_type
            .and_then(|value| value.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
        if is_json {
            let Ok(serde_json::Value::Object(object)) =
                serde_json::from_slice::<serde_json::Value>(&self.body)
            else {
                return Err(BodyFault::NotAnObject);
            };
            return Ok(object
                .into_iter()
                .filter_map(|(name, value)| {
                    let text = match value {
                        serde_json::Value::Null => return None,
                        serde_json::Value::String(text) => text,
                        other => other.to_string(),
                    };
                    Some((name, text))
                })
                .collect());
        }
        if self.body.is_empty() && (content_type.is_none() || self.method == Method::GET) {
            return Ok(Vec::new());
        }
        Err(BodyFault::UnsupportedMediaType)
    }
}

/// Why a request's body carries no parameters a service can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFault {
    /// A JSON body that is not a JSON object (400 InvalidArgument).
    NotAnObject,
    /// A body of a content type that is neither a form nor JSON (415).
    UnsupportedMediaType,
}

/// Whether the content type is a form (`application/x-www-form-urlencoded`, any parameters).
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(FORM_CONTENT_TYPE))
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Who sent a request and how it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    /// The signature version the request used (`None` for an unsigned request).
    pub version: SignatureVersion,
    /// The access key that signed it.
    pub access_key_id: Option<String>,
    /// The request time as sent (`Timestamp` or `x-acs-date`), for the skew check.
    pub request_time: Option<String>,
}

/// Why a request does not authenticate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthError {
    /// A signature-v3 request lacks a required header.
    #[error("the header {0} is missing")]
    MissingHeader(&'static str),
    /// A signature-v1 request lacks a required parameter.
    #[error("the parameter {0} is missing")]
    MissingParameter(&'static str),
    /// The `Authorization` header is not of the ACS3-HMAC-SHA256 form.
    #[error("the Authorization header is malformed")]
    MalformedAuthorization,
    /// No account has this access key.
    #[error("the access key {0} is unknown")]
    UnknownAccessKey(String),
    /// `x-acs-content-sha256` is not the hash of the body.
    #[error("x-acs-content-sha256 is not the SHA-256 of the body")]
    PayloadHashMismatch,
    /// The signature is not the one the secret gives.
    #[error("the signature does not match")]
    SignatureMismatch,
}

/// What a verifier lets pass that the protocol does not: nothing, unless the reference
/// target's faults say otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Leniency {
    /// Only this many leading characters of a signature are compared.
    pub prefix_only: Option<usize>,
    /// Signatures are compared without regard to ASCII case.
    pub ignore_case: bool,
    /// A v3 body is not checked against its declared `x-acs-content-sha256`.
    pub trust_declared_hash: bool,
}

impl Leniency {
    /// Whether `given` passes for `expected`, the signature the secret gives: exactly
    /// (the protocol: `verify`, in constant time) or as leniently as `self` says.
    fn accepts(
        self,
        given: &str,
        expected: impl FnOnce() -> String,
        verify: impl FnOnce() -> bool,
    ) -> bool {
        if self.prefix_only.is_none() && !self.ignore_case {
            return verify();
        }
        let expected = expected();
        let cut = |text: &str| -> String {
            match self.prefix_only {
                Some(length) => text.chars().take(length).collect(),
                None => text.to_owned(),
            }
        };
        let (given, expected) = (cut(given), cut(&expected));
        if self.ignore_case {
            given.eq_ignore_ascii_case(&expected)
        } else {
            given == expected
        }
    }
}

/// Authenticates `incoming`: v3 when it has an ACS3 `Authorization` header, v1 when its
/// query or form body has `Signature` or `AccessKeyId`, else unsigned. `secret_of` gives the
/// secret of an access key, or `None` for an unknown one.
#[cfg(test)]
pub(crate) fn authenticate<'s>(
    incoming: &Received,
    secret_of: impl Fn(&str) -> Option<&'s str>,
) -> Result<Authenticated, AuthError> {
    authenticate_leniently(incoming, secret_of, Leniency::default())
}

/// Authenticates `incoming` as `authenticate` does, letting pass what `leniency` lets
/// pass (the protocol: nothing more, `Leniency::default()`).
pub(crate) fn authenticate_leniently<'s>(
    incoming: &Received,
    secret_of: impl Fn(&str) -> Option<&'s str>,
    leniency: Leniency,
) -> Result<Authenticated, AuthError> {
    if let Some(authorization) = incoming.headers.get(http::header::AUTHORIZATION) {
        return authenticate_v3(incoming, authorization.as_bytes(), secret_of, leniency);
    }
    let param = |name: &str| incoming.param(name).map(str::to_owned);
    if param(v1::SIGNATURE_PARAM).is_none() && param("AccessKeyId").is_none() {
        return Ok(Authenticated {
            version: SignatureVersion::None,
            access_key_id: None,
            request_time: param("Timestamp").or_else(|| header(&incoming.headers, "x-acs-date")),
        });
    }
    let access_key_id = param("AccessKeyId").ok_or(AuthError::MissingParameter("AccessKeyId"))?;
    let signature =
        param(v1::SIGNATURE_PARAM).ok_or(AuthError::MissingParameter(v1::SIGNATURE_PARAM))?;
    let secret = secret_of(&access_key_id)
        .ok_or_else(|| AuthError::UnknownAccessKey(access_key_id.clone()))?;
    let signed: Vec<&(String, String)> = incoming
        .query
        .iter()
        .chain(&incoming.form)
        .filter(|(name, _)| name != v1::SIGNATURE_PARAM)
        .collect();
    let signed: Vec<(&str, &str)> = signed
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let canonical = v1::canonicalize(incoming.method.as_str(), &signed);
    if !leniency.accepts(
        &signature,
        || v1::signature(&canonical.string_to_sign, secret),
        || v1::verify(&canonical.string_to_sign, secret, &signature),
    ) {
        return Err(AuthError::SignatureMismatch);
    }
    Ok(Authenticated {
        version: SignatureVersion::V1,
        access_key_id: Some(access_key_id),
        request_time: param("Timestamp"),
    })
}

fn authenticate_v3<'s>(
    incoming: &Received,
    authorization: &[u8],
    secret_of: impl Fn(&str) -> Option<&'s str>,
    leniency: Leniency,
) -> Result<Authenticated, AuthError> {
    for name in v3::REQUIRED_HEADERS {
        if !incoming.headers.contains_key(name) {
            return Err(AuthError::MissingHeader(name));
        }
    }
    let authorization = std::str::from_utf8(authorization)
        .ok()
        .and_then(v3::parse_authorization)
        .ok_or(AuthError::MalformedAuthorization)?;
    let secret = secret_of(&authorization.credential)
        .ok_or_else(|| AuthError::UnknownAccessKey(authorization.credential.clone()))?;
    let hashed_payload = header(&incoming.headers, "x-acs-content-sha256").unwrap_or_default();
    if !leniency.trust_declared_hash
        && !hashed_payload.eq_ignore_ascii_case(&v3::hashed_payload(&incoming.body))
    {
        return Err(AuthError::PayloadHashMismatch);
    }
    let mut values: Vec<(&str, String)> = Vec::with_capacity(authorization.signed_headers.len());
    for name in &authorization.signed_headers {
        let value = header(&incoming.headers, name).ok_or(AuthError::SignatureMismatch)?;
        values.push((name, value));
    }
    let headers: Vec<(&str, &str)> = values
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let canonical = v3::canonicalize(&v3::V3Input {
        method: incoming.method.as_str(),
        path: &incoming.path,
        query: &incoming.query,
        headers: &headers,
        hashed_payload: &hashed_payload,
    });
    if !leniency.accepts(
        &authorization.signature,
        || v3::signature(&canonical.string_to_sign, secret),
        || v3::verify(&canonical.string_to_sign, secret, &authorization.signature),
    ) {
        return Err(AuthError::SignatureMismatch);
    }
    Ok(Authenticated {
        version: SignatureVersion::V3,
        access_key_id: Some(authorization.credential),
        request_time: header(&incoming.headers, "x-acs-date"),
    })
}

/// All values of a header joined by `,`, or `None` when absent or not text.
fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().ok())
        .collect::<Option<_>>()?;
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}
