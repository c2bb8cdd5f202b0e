//! CloudFlow's RPC protocol on the wire: requests for any action (GET with query
//! parameters, POST with a form body), signed with signature version 1 (HMAC-SHA1 in the
//! query), version 3 (ACS3-HMAC-SHA256 in headers) or not at all, and the verification of
//! received signatures with the same canonicalisation; and sending them with one pooled
//! client that keeps each request and response as an [`Exchange`].

#[cfg(feature = "runner")]
mod client;
mod credentials;
mod encoding;
mod exchange;
pub mod json;
mod layout;
mod request;
mod retry;
#[cfg(test)]
mod sdk_vectors;
pub(crate) mod timestamp;
pub(crate) mod v1;
pub(crate) mod v3;
#[cfg(any(test, feature = "reference"))]
mod verify;

#[cfg(feature = "runner")]
pub use client::{Client, ClientOptions, TransportError};
#[cfg(feature = "runner")]
pub(crate) use client::{Connection, ca_certificates, error_chain};
pub use credentials::{
    Credentials, CredentialsError, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN,
};
pub(crate) use encoding::join_encoded;
pub use encoding::{Escape, decode_pairs};
pub use exchange::Exchange;
pub use layout::{Carrier, Layout, Order};
#[cfg(feature = "reference")]
pub(crate) use request::COMMON_PARAMS;
pub(crate) use request::FORM_CONTENT_TYPE;
pub use request::{Endpoint, RpcRequest, SignatureVersion, Signing, SigningContext};
pub use retry::{RetryHint, read_retry_hint, retry_after};
/// The headers a signature v3 request must carry and sign (`x-acs-action`, ...).
pub use v3::REQUIRED_HEADERS as V3_REQUIRED_HEADERS;
#[cfg(feature = "reference")]
pub(crate) use verify::{
    AuthError, Authenticated, BodyFault, Leniency, Received, authenticate_leniently,
};

/// The response header that repeats a response's RequestId.
pub const REQUEST_ID_HEADER: &str = "x-acs-request-id";
/// The response header that tells a throttled client when to retry, in milliseconds.
pub const RETRY_AFTER_HEADER: &str = "x-acs-retry-after";

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The target URL is not usable.
    #[error("invalid target URL {endpoint:?}: {reason}")]
    InvalidEndpoint {
        /// The URL as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A signed request needs credentials.
    #[error(
        "signature {0} needs credentials: give --access-key-id and --access-key-secret, or set {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}"
    )]
    MissingCredentials(SignatureVersion),
    /// The request cannot be expressed in HTTP.
    #[error("failed to build the request: {0}")]
    Build(String),
}
