//! Access keys, from flags or the standard environment variables, never shown.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The environment variable every Alibaba Cloud SDK and CLI reads the access key ID from.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// The environment variable of the access key secret.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// The environment variable of the STS security token.
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// An access key and, for STS credentials, a security token. `Debug` hides the secrets.
#[derive(Clone)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: SecretString,
    security_token: Option<SecretString>,
}

/// Credentials given incompletely or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// An access key ID without its secret.
    #[error(
        "an access key ID was given without its secret (--access-key-secret or {ENV_ACCESS_KEY_SECRET})"
    )]
    MissingSecret,
    /// A secret or token without an access key ID.
    #[error(
        "an access key secret or security token was given without an access key ID (--access-key-id or {ENV_ACCESS_KEY_ID})"
    )]
    MissingId,
    /// An empty access key ID or secret.
    #[error("the access key ID and secret must not be empty")]
    Empty,
    /// `ID:SECRET` without the colon.
    #[error("credentials must be written ID:SECRET")]
    NotAPair,
}

impl Credentials {
    /// An access key.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: SecretString::from(access_key_secret.into()),
            security_token: None,
        }
    }

    /// The same key with an STS security token.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(SecretString::from(token.into()));
        self
    }

    /// Credentials from their parts as flags or environment variables give them: none at all
    /// is `Ok(None)`; an ID needs its secret and the other way round.
    pub fn from_parts(
        access_key_id: Option<String>,
        access_key_secret: Option<String>,
        security_token: Option<String>,
    ) -> Result<Option<Self>, CredentialsError> {
        match (access_key_id, access_key_secret) {
            (None, None) if security_token.is_none() => Ok(None),
            (Some(_), None) => Err(CredentialsError::MissingSecret),
            (None, _) => Err(CredentialsError::MissingId),
            (Some(id), Some(secret)) => {
                if id.is_empty() || secret.is_empty() {
                    return Err(CredentialsError::Empty);
                }
                let credentials = Self::new(id, secret);
                Ok(Some(match security_token {
                    Some(token) => credentials.with_security_token(token),
                    None => credentials,
                }))
            }
        }
    }

    /// Credentials written `ID:SECRET` (the secret may contain colons).
    pub fn parse_pair(pair: &str) -> Result<Self, CredentialsError> {
        let (id, secret) = pair.split_once(':').ok_or(CredentialsError::NotAPair)?;
        if id.is_empty() || secret.is_empty() {
            return Err(CredentialsError::Empty);
        }
        Ok(Self::new(id, secret))
    }

    /// The access key ID (not secret).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The access key secret, for signing.
    pub fn access_key_secret(&self) -> &str {
        self.access_key_secret.expose_secret()
    }

    /// The STS security token, if any.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token
            .as_ref()
            .map(ExposeSecret::expose_secret)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"[redacted]")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let credentials =
            Credentials::new("testid", "s3cr3t-value").with_security_token("t0ken-value");
        let shown = format!("{credentials:?}");
        assert!(shown.contains("testid"));
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(!shown.contains("t0ken-value"), "{shown}");
    }

    #[test]
    fn parts_must_be_complete() {
        let some = |s: &str| Some(s.to_owned());
        assert!(Credentials::from_parts(None, None, None).unwrap().is_none());
        assert_eq!(
            Credentials::from_parts(some("id"), None, None).unwrap_err(),
            CredentialsError::MissingSecret
        );
        assert_eq!(
            Credentials::from_parts(None, some("s"), None).unwrap_err(),
            CredentialsError::MissingId
        );
        assert_eq!(
            Credentials::from_parts(None, None, some("t")).unwrap_err(),
            CredentialsError::MissingId
        );
        assert_eq!(
            Credentials::from_parts(some(""), some("s"), None).unwrap_err(),
            CredentialsError::Empty
        );
        let full = Credentials::from_parts(some("id"), some("s"), some("t"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                full.access_key_id(),
                full.access_key_secret(),
                full.security_token()
            ),
            ("id", "s", Some("t"))
        );
    }

    #[test]
    fn pairs() {
        let credentials = Credentials::parse_pair("otherid:other:secret").unwrap();
        assert_eq!(credentials.access_key_id(), "otherid");
        assert_eq!(credentials.access_key_secret(), "other:secret");
        assert_eq!(
            Credentials::parse_pair("nocolon").unwrap_err(),
            CredentialsError::NotAPair
        );
        assert_eq!(
            Credentials::parse_pair(":secret").unwrap_err(),
            CredentialsError::Empty
        );
    }
}
