//! RPC requests for any action, built and signed as they travel on the wire.

use std::fmt;
use std::str::FromStr;

use http::header::{CONTENT_TYPE, HOST};
use http::uri::{Authority, Scheme};
use http::{HeaderValue, Method, Uri};
use time::OffsetDateTime;

use super::credentials::Credentials;
use super::encoding::join_escaped;
use super::layout::{Carrier, FORM_BODY_REGION, Layout, Params, json_object};

use super::{WireError, timestamp, v1, v3};
use crate::contract::API_VERSION;

#[cfg(any(test, feature = "reference"))]
/// The parameters the RPC protocol itself uses, besides an operation's own: those the
/// signers add, and those older SDKs send (`RegionId`, `SignatureType`, `RequestId`).
pub(crate) const COMMON_PARAMS: [&str; 13] = [
    "Action",
    "Version",
    "Format",
    "Timestamp",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureType",
    "AccessKeyId",
    "SecurityToken",
    "Signature",
    "RegionId",
    "RequestId",
];

/// The content type of a form body.
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// How a request is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureVersion {
    /// HMAC-SHA1 in the query (what the fnf SDK sends).
    V1,
    /// ACS3-HMAC-SHA256 in headers.
    V3,
    /// Not signed.
    None,
}

impl SignatureVersion {
    /// The name used on the command line (`v1`, `v3`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureVersion::V1 => "v1",
            SignatureVersion::V3 => "v3",
            SignatureVersion::None => "none",
        }
    }
}

impl fmt::Display for SignatureVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signature version and the credentials it signs with.
#[derive(Debug, Clone)]
pub enum Signing {
    /// Sent without signature or access key.
    Unsigned,
    /// Signature version 1.
    V1(Credentials),
    /// Signature version 3.
    V3(Credentials),
}

impl Signing {
    /// A signing of `version`; v1 and v3 need credentials.
    pub fn new(
        version: SignatureVersion,
        credentials: Option<Credentials>,
    ) -> Result<Self, WireError> {
        match (version, credentials) {
            (SignatureVersion::None, _) => Ok(Signing::Unsigned),
            (SignatureVersion::V1, Some(credentials)) => Ok(Signing::V1(credentials)),
            (SignatureVersion::V3, Some(credentials)) => Ok(Signing::V3(credentials)),
            (version, None) => Err(WireError::MissingCredentials(version)),
        }
    }

    /// The signature version.
    pub fn version(&self) -> SignatureVersion {
        match self {
            Signing::Unsigned => SignatureVersion::None,
            Signing::V1(_) => SignatureVersion::V1,
            Signing::V3(_) => SignatureVersion::V3,
        }
    }
}

/// The base URL of a CloudFlow-compatible service: scheme and authority, path `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    scheme: Scheme,
    authority: Authority,
}

impl Endpoint {
    /// The `host[:port]` the `Host` header carries.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }

    /// Whether the endpoint uses HTTPS.
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// Whether the endpoint is this machine: `localhost`, 127.0.0.0/8 or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        let host = self.authority.host();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || bare
                .parse::<std::net::IpAddr>()
                .is_ok_and(|address| address.is_loopback())
    }

    fn uri(&self, query: &str) -> Result<Uri, WireError> {
        let path = if query.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{query}")
        };
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path)
            .build()
            .map_err(|error| WireError::Build(error.to_string()))
    }
}

impl FromStr for Endpoint {
    type Err = WireError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| WireError::InvalidEndpoint {
            endpoint: text.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = text.parse().map_err(|_| invalid("not a URL"))?;
        let scheme = uri
            .scheme()
            .cloned()
            .ok_or_else(|| invalid("no scheme: start it with http:// or https://"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid("the scheme must be http or https"));
        }
        let authority = uri.authority().cloned().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid(
                "user information is not allowed in the URL; give credentials as flags",
            ));
        }
        if uri
            .path_and_query()
            .is_some_and(|path| path.as_str() != "/")
        {
            return Err(invalid(
                "RPC operations live at path /; give the URL without a path or query",
            ));
        }
        Ok(Self { scheme, authority })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
    }
}

/// The per-request values of a signature: the request time and a nonce used once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningContext {
    /// The request time.
    pub time: OffsetDateTime,
    /// The signature nonce.
    pub nonce: String,
}

impl SigningContext {
    /// The current time and a fresh random nonce.
    pub fn fresh() -> Self {
        Self {
            time: OffsetDateTime::now_utc(),
            nonce: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// The request time as the wire carries it (`2026-01-02T03:04:05Z`).
    pub fn timestamp(&self) -> String {
        timestamp::format(self.time)
    }
}

/// An RPC request: an action with its parameters, before signing.
///
/// `action` and `version` are options so that requests lacking them can be sent on
/// purpose; [`RpcRequest::new`] fills in the contract's API version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcRequest {
    /// `GET` (parameters in the query) or `POST` (parameters in a form body).
    pub method: Method,
    /// The operation, sent as `Action` (v1) or `x-acs-action` (v3).
    pub action: Option<String>,
    /// The API version, sent as `Version` (v1) or `x-acs-version` (v3).
    pub version: Option<String>,
    /// The operation's parameters, decoded, in order; a name may repeat.
    pub params: Vec<(String, String)>,
    /// Where the parameters travel and how they are spelt.
    pub layout: Layout,
}

impl RpcRequest {
    /// A request for `action` with the contract's API version and no parameters.
    pub fn new(method: Method, action: impl Into<String>) -> Self {
        Self {
            method,
            action: Some(action.into()),
            version: Some(API_VERSION.to_owned()),
            params: Vec::new(),
            layout: Layout::default(),
        }
    }

    /// A GET request for `action`.
    pub fn get(action: impl Into<String>) -> Self {
        Self::new(Method::GET, action)
    }

    /// A POST request for `action`.
    pub fn post(action: impl Into<String>) -> Self {
        Self::new(Method::POST, action)
    }

    /// The same request with one more parameter.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// The same request laid out as `layout` says; a carrier with a body makes it a POST.
    #[must_use]
    pub fn laid_out(mut self, layout: Layout) -> Self {
        if layout.carrier != Carrier::ByMethod {
            self.method = Method::POST;
        }
        self.layout = layout;
        self
    }

    /// The operation's parameters in the order and spelling of the layout, as a form body.
    fn form(&self, params: Vec<(String, String)>, last: Option<(String, String)>) -> String {
        let arranged = self.layout.order.arrange(params, last);
        join_escaped(
            arranged
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
            self.layout.escape,
        )
    }

    /// The body and its content type: a form of `form` (POST), the operation's parameters
    /// as JSON, or none (GET).
    fn body(
        &self,
        form: Vec<(String, String)>,
        last: Option<(String, String)>,
    ) -> (String, Option<&'static str>) {
        match self.layout.carrier {
            Carrier::Json(content_type) => {
                let arranged = self.layout.order.arrange(self.params.clone(), None);
                (json_object(&arranged), Some(content_type))
            }
            _ if self.method == Method::POST => (self.form(form, last), Some(FORM_CONTENT_TYPE)),
            _ => (String::new(), None),
        }
    }

    /// The HTTP request, signed as `signing` says, at the time and with the nonce of `context`.
    pub fn build(
        &self,
        endpoint: &Endpoint,
        signing: &Signing,
        context: &SigningContext,
    ) -> Result<http::Request<Vec<u8>>, WireError> {
        match signing {
            Signing::Unsigned => self.build_rpc(endpoint, None, context),
            Signing::V1(credentials) => self.build_rpc(endpoint, Some(credentials), context),
            Signing::V3(credentials) => self.build_v3(endpoint, credentials, context),
        }
    }

    /// Signature v1, or unsigned: common parameters in the query (or, for
    /// [`Carrier::FormBody`], in the form body); the operation's in the query (GET), a form
    /// body (POST) or a JSON body; the signature over the query and the form body.
    fn build_rpc(
        &self,
        endpoint: &Endpoint,
        credentials: Option<&Credentials>,
        context: &SigningContext,
    ) -> Result<http::Request<Vec<u8>>, WireError> {
        let carrier = self.layout.carrier;
        let form_body = carrier == Carrier::FormBody;
        let mut common: Vec<(String, String)> = Vec::new();
        let mut add = |name: &str, value: &str| common.push((name.to_owned(), value.to_owned()));
        if let Some(action) = &self.action {
            add("Action", action);
        }
        if let Some(version) = &self.version {
            add("Version", version);
        }
        add("Format", if form_body { "JSON" } else { "json" });
        add("Timestamp", &timestamp::format(context.time));
        add("SignatureNonce", &context.nonce);
        if form_body {
            add("RegionId", FORM_BODY_REGION);
        }
        if let Some(credentials) = credentials {
            add("SignatureMethod", v1::SIGNATURE_METHOD);
            add("SignatureVersion", v1::SIGNATURE_VERSION);
            add("AccessKeyId", credentials.access_key_id());
            if let Some(token) = credentials.security_token() {
                add("SecurityToken", token);
            }
        }

        let is_post = self.method == Method::POST;
        let (query, form): (Params, Params) = match carrier {
            Carrier::FormBody => (Vec::new(), [common, self.params.clone()].concat()),
            Carrier::Json(_) => (common, Vec::new()),
            Carrier::ByMethod if is_post => (common, self.params.clone()),
            Carrier::ByMethod => ([common, self.params.clone()].concat(), Vec::new()),
        };
        let signature = credentials.map(|credentials| {
            let signed: Vec<(&str, &str)> = query
                .iter()
                .chain(&form)
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let canonical = v1::canonicalize(self.method.as_str(), &signed);
            let signature =
                v1::signature(&canonical.string_to_sign, credentials.access_key_secret());
            (v1::SIGNATURE_PARAM.to_owned(), signature)
        });
        let (query_last, form_last) = if form_body {
            (None, signature)
        } else {
            (signature, None)
        };
        let query = self.layout.order.arrange(query, query_last);
        let query = join_escaped(
            query
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
            self.layout.escape,
        );
        let (body, content_type) = self.body(form, form_last);

        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(endpoint.uri(&query)?)
            .header(HOST, endpoint.authority());
        if let Some(content_type) = content_type {
            builder = builder.header(CONTENT_TYPE, content_type);
        }
        builder
            .body(body.into_bytes())
            .map_err(|error| WireError::Build(error.to_string()))
    }

    /// Signature v3: the operation's parameters in the query (GET) or a form body (POST),
    /// action, version, time and nonce in `x-acs-*` headers, the signature in
    /// `Authorization`.
    fn build_v3(
        &self,
        endpoint: &Endpoint,
        credentials: &Credentials,
        context: &SigningContext,
    ) -> Result<http::Request<Vec<u8>>, WireError> {
        let is_post = self.method == Method::POST;
        let (query, form): (&[(String, String)], Params) = if is_post {
            (&[], self.params.clone())
        } else {
            (&self.params, Vec::new())
        };
        let (body, content_type) = self.body(form, None);
        let hashed_payload = v3::hashed_payload(body.as_bytes());
        let date = timestamp::format(context.time);

        let mut headers: Vec<(&str, &str)> = vec![("host", endpoint.authority())];
        if let Some(action) = &self.action {
            headers.push(("x-acs-action", action));
        }
        if let Some(version) = &self.version {
            headers.push(("x-acs-version", version));
        }
        headers.push(("x-acs-date", &date));
        headers.push(("x-acs-signature-nonce", &context.nonce));
        headers.push(("x-acs-content-sha256", &hashed_payload));
        if let Some(content_type) = content_type {
            headers.push(("content-type", content_type));
        }
        if let Some(token) = credentials.security_token() {
            headers.push(("x-acs-accesskey-id", credentials.access_key_id()));
            headers.push(("x-acs-security-token", token));
        }
        let canonical = v3::canonicalize(&v3::V3Input {
            method: self.method.as_str(),
            path: "/",
            query,
            headers: &headers,
            hashed_payload: &hashed_payload,
        });
        let authorization = v3::authorization(
            credentials.access_key_id(),
            &canonical.signed_headers,
            &v3::signature(&canonical.string_to_sign, credentials.access_key_secret()),
        );

        let arranged = self.layout.order.arrange(query.to_vec(), None);
        let encoded_query = join_escaped(
            arranged
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
            self.layout.escape,
        );
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(endpoint.uri(&encoded_query)?);
        for (name, value) in headers {
            builder = builder.header(name, header_value(name, value)?);
        }
        builder
            .header(
                http::header::AUTHORIZATION,
                header_value("authorization", &authorization)?,
            )
            .body(body.into_bytes())
            .map_err(|error| WireError::Build(error.to_string()))
    }
}

/// A header value, or an error that names the header but never shows the value (it may
/// be a secret).
fn header_value(name: &str, value: &str) -> Result<HeaderValue, WireError> {
    HeaderValue::from_str(value).map_err(|_| {
        WireError::Build(format!(
            "the value of header {name} has characters a header cannot carry"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints_are_this_machine_only() {
        let loopback = |url: &str| url.parse::<Endpoint>().unwrap().is_loopback();
        for url in [
            "http://127.0.0.1:8080",
            "http://127.3.2.1",
            "http://localhost:1",
            "https://LOCALHOST",
            "http://[::1]:9000",
        ] {
            assert!(loopback(url), "{url}");
        }
        for url in [
            "https://cn-hangzhou.fnf.aliyuncs.com",
            "http://10.0.0.1",
            "http://192.168.1.1:80",
            "http://[fe80::1]",
            "http://localhost.example.com",
        ] {
            assert!(!loopback(url), "{url}");
        }
    }
}
