//! What the judge reads of a request that went through: its operation, its parameters, who
//! signed it and when, decoded as the reference target decodes what it receives
//! ([`Received`]), so that a request means the same to the judge as to a service.

use bytes::Bytes;
use http::Method;
use http::header::AUTHORIZATION;

use super::super::CapturedRequest;
use crate::contract::API_VERSION;
use crate::wire::v3::parse_authorization;
use crate::wire::{BodyFault, COMMON_PARAMS, Received, V3_REQUIRED_HEADERS};

/// The parameters of signature v1 that a request signed with it carries (besides the
/// operation's), and that a service may name as missing when one is absent.
const V1_SIGNATURE_PARAMS: [&str; 6] = [
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
];

/// A request as the judge reads it.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    /// The HTTP method.
    pub method: Method,
    /// The operation: `x-acs-action` (v3) or `Action` (v1, query or form body); `None`
    /// when the request names none.
    pub operation: Option<String>,
    /// The operation's own parameters (query and body, the protocol's left out), decoded,
    /// in order; or why the body carries none a service can read.
    pub params: Result<Vec<(String, String)>, BodyFault>,
    /// Whether the body was cut at the capture cap: its parameters are not all known.
    pub truncated: bool,
    /// Whether the request has a body.
    pub has_body: bool,
    /// Whether it is signed with signature v3 (it has an `Authorization` header).
    pub v3: bool,
    /// The access key that signed it, if it names one.
    pub access_key: Option<String>,
    /// The request time as sent (`Timestamp` for v1, `x-acs-date` for v3).
    pub request_time: Option<String>,
    /// The API version it asks for (`Version`, `x-acs-version`).
    pub version: Option<String>,
    /// The protocol's parameters or headers (by its signature version) it lacks: what a
    /// service may name as missing.
    pub missing: Vec<&'static str>,
}

impl Seen {
    /// Reads `request`.
    pub(super) fn read(request: &CapturedRequest) -> Self {
        let received = received(request);
        // As a service tells them apart: an Authorization header is signature v3.
        let authorization = received.header(AUTHORIZATION.as_str());
        let v3 = authorization.is_some();
        let authorization = authorization.and_then(parse_authorization);
        let header_or_param = |header: &str, param: &str| {
            let value = if v3 {
                received.header(header)
            } else {
                received.param(param)
            };
            value.map(str::to_owned)
        };
        let operation = header_or_param("x-acs-action", "Action");
        let version = header_or_param("x-acs-version", "Version");
        let request_time = header_or_param("x-acs-date", "Timestamp");
        let access_key = match authorization {
            Some(authorization) => Some(authorization.credential),
            None => received.param("AccessKeyId").map(str::to_owned),
        };
        let missing = if v3 {
            V3_REQUIRED_HEADERS
                .into_iter()
                .filter(|name| received.header(name).is_none())
                .collect()
        } else {
            V1_SIGNATURE_PARAMS
                .into_iter()
                .filter(|name| received.param(name).is_none())
                .collect()
        };
        let params = received.body_params().map(|body| {
            received
                .query
                .iter()
                .chain(&body)
                .filter(|(name, _)| !COMMON_PARAMS.contains(&name.as_str()))
                .cloned()
                .collect()
        });
        Self {
            method: request.method.clone(),
            operation,
            params,
            truncated: request.truncated,
            has_body: !request.body.is_empty(),
            v3,
            access_key,
            request_time,
            version,
            missing,
        }
    }

    /// The operation's name for a case id: letters and digits only (`Unknown` when the
    /// request names none).
    pub(super) fn operation_label(&self) -> String {
        let name: String = self
            .operation
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(64)
            .collect();
        if name.is_empty() {
            "Unknown".to_owned()
        } else {
            name
        }
    }

    /// Whether the request asks for another API version than the contract's (not: names
    /// none).
    pub(super) fn other_version(&self) -> bool {
        self.version
            .as_deref()
            .is_some_and(|version| version != API_VERSION)
    }

    /// Whether the request is an RPC request the contract speaks of: a GET or POST that
    /// names an operation. Anything else (a health check, `HEAD`, a path of the gateway's
    /// own) is not judged.
    pub(super) fn is_rpc(&self) -> bool {
        self.operation.is_some() && (self.method == Method::GET || self.method == Method::POST)
    }

    /// Whether the request names no access key and carries no signature: unsigned.
    pub(super) fn unsigned(&self) -> bool {
        !self.v3 && self.access_key.is_none() && self.missing.contains(&"Signature")
    }

    /// The operation's parameters, if all of them are known.
    pub(super) fn known_params(&self) -> Option<Vec<(&str, &str)>> {
        let params = self.params.as_ref().ok().filter(|_| !self.truncated)?;
        Some(
            params
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect(),
        )
    }

    /// The first value of one of the operation's parameters.
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        let params = self.params.as_ref().ok()?;
        params
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The request as the judge's reports keep it: method, target, version, headers, body.
pub(super) fn http_request(request: &CapturedRequest) -> http::Request<Vec<u8>> {
    let mut built = http::Request::new(request.body.to_vec());
    *built.method_mut() = request.method.clone();
    *built.uri_mut() = request.uri.clone();
    *built.version_mut() = request.version;
    *built.headers_mut() = request.headers.clone();
    built
}

/// The request as the reports show it: [`http_request`] with the target's URL in front of
/// the path and query, so that its curl reaches the target.
pub(super) fn for_reports(request: &CapturedRequest, target: &str) -> http::Request<Vec<u8>> {
    let mut built = http_request(request);
    let path = request
        .uri
        .path_and_query()
        .map_or("/", |path| path.as_str());
    if let Ok(absolute) = format!("{}{path}", target.trim_end_matches('/')).parse() {
        *built.uri_mut() = absolute;
    }
    built
}

/// The request decoded as a service decodes what it receives.
fn received(request: &CapturedRequest) -> Received {
    let (parts, _) = http_request(request).into_parts();
    Received::new(parts, Bytes::clone(&request.body))
}
