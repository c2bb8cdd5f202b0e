//! The proxy's client toward the target: hyper-util's pooled HTTP/1.1 client (keep-alive,
//! no timeout on answers, nothing added to requests), over rustls toward an HTTPS target
//! with the trust of a run: the platform's roots and `--ca-cert`'s, or none with
//! `--insecure`.

use std::sync::Arc;
use std::time::Duration;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use super::tee::RequestBody;
use super::{ProxyError, ProxyOptions};
use crate::wire::{TransportError, ca_certificates};

/// The pooled client toward the target.
pub(super) type Upstream = Client<HttpsConnector<HttpConnector>, RequestBody>;

/// How long connecting to the target may take before the client gets a 502.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an idle connection to the target is kept for the next request.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The client toward `options.target`.
pub(super) fn client(options: &ProxyOptions) -> Result<Upstream, ProxyError> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(CONNECT_TIMEOUT));
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls(options)?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(IDLE_TIMEOUT)
        // The Host header is the client's, as sent (or absent).
        .set_host(false)
        .http1_preserve_header_case(true)
        .build(https))
}

/// The TLS set-up toward an HTTPS target (unused toward an HTTP one).
fn tls(options: &ProxyOptions) -> Result<ClientConfig, ProxyError> {
    let setup = |error: &dyn std::error::Error| ProxyError::Setup(error.to_string());
    let provider = Arc::new(
        CryptoProvider::get_default()
            .map(|provider| CryptoProvider::clone(provider))
            .unwrap_or_else(rustls::crypto::aws_lc_rs::default_provider),
    );
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|error| setup(&error))?
        .dangerous();
    let builder = if options.insecure {
        builder.with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
    } else {
        let verifier = match &options.ca_certificates {
            None => rustls_platform_verifier::Verifier::new(provider),
            Some(pem) => rustls_platform_verifier::Verifier::new_with_extra_roots(
                ca_certificates(pem).map_err(|error| match error {
                    TransportError::Setup(reason) => ProxyError::Setup(reason),
                    other => setup(&other),
                })?,
                provider,
            ),
        }
        .map_err(|error| setup(&error))?;
        builder.with_custom_certificate_verifier(Arc::new(verifier))
    };
    // hyper-rustls offers http/1.1 by ALPN itself.
    Ok(builder.with_no_client_auth())
}

/// `--insecure`: any certificate is taken, and any signature over the handshake.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
