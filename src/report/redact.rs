//! Requests shown to people (a curl command, the HAR report's requests), with every secret
//! and signature left out: the one way of redacting a request.

use crate::wire::{decode_pairs, join_encoded};

/// Query parameters that carry a signature or a secret.
const SECRET_PARAMS: [&str; 2] = ["Signature", "SecurityToken"];
/// Headers that carry a signature or a secret.
const SECRET_HEADERS: [&str; 2] = ["authorization", "x-acs-security-token"];

/// The request as a curl command a person can paste, with its signature and security
/// token left out (so it reproduces the request but not its authentication: re-run the
/// case with `conformance --case ID` to send it signed). Long bodies are summarized.
pub fn curl(request: &http::Request<Vec<u8>>) -> String {
    let mut command = format!(
        "curl -sS -X {} {}",
        request.method(),
        shell_quote(&url(request))
    );
    for (name, value) in headers(request) {
        if name == http::header::HOST {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes());
        command.push_str(&format!(" -H {}", shell_quote(&format!("{name}: {value}"))));
    }
    let body = body(request);
    if !body.is_empty() {
        if body.len() <= 1024 {
            command.push_str(&format!(
                " --data-binary {}",
                shell_quote(&String::from_utf8_lossy(&body))
            ));
        } else {
            command.push_str(&format!(
                " --data-binary @<({} bytes: see the case's description)>",
                body.len()
            ));
        }
    }
    command
}

/// The request's URL without the query parameters that carry a signature or a secret.
pub(super) fn url(request: &http::Request<Vec<u8>>) -> String {
    let uri = request.uri();
    let query = without_secrets(uri.query().unwrap_or_default().as_bytes());
    let base = format!(
        "{}://{}{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority()
            .map(http::uri::Authority::as_str)
            .unwrap_or_default(),
        uri.path()
    );
    if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    }
}

/// The request's headers but those that carry a signature or a secret.
pub(super) fn headers(
    request: &http::Request<Vec<u8>>,
) -> impl Iterator<Item = (&http::HeaderName, &http::HeaderValue)> {
    request
        .headers()
        .iter()
        .filter(|(name, _)| !SECRET_HEADERS.contains(&name.as_str()))
}

/// The request's body; a form body without the parameters that carry a signature or a
/// secret (a form may carry every parameter, the signature's and the token's too).
pub(super) fn body(request: &http::Request<Vec<u8>>) -> std::borrow::Cow<'_, [u8]> {
    if is_form(request) {
        without_secrets(request.body()).into_bytes().into()
    } else {
        request.body().as_slice().into()
    }
}

/// Whether the request's body is an `application/x-www-form-urlencoded` form.
pub(super) fn is_form(request: &http::Request<Vec<u8>>) -> bool {
    request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|value| {
            value
                .as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        })
}

/// A query string or form body without the parameters that carry a signature or a secret.
pub(super) fn without_secrets(encoded: &[u8]) -> String {
    let kept: Vec<(String, String)> = decode_pairs(encoded)
        .into_iter()
        .filter(|(name, _)| !SECRET_PARAMS.contains(&name.as_str()))
        .collect();
    join_encoded(kept.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// `text` in single quotes for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::curl;
    use crate::wire::{
        Carrier, Credentials, Endpoint, Layout, RpcRequest, Signing, SigningContext,
    };

    #[test]
    fn curl_leaves_out_signatures_and_tokens() {
        let endpoint: Endpoint = "http://127.0.0.1:8080".parse().unwrap();
        let credentials = Credentials::new("testid", "topsecret").with_security_token("tokenvalue");
        let request = RpcRequest::get("DescribeExecution").param("FlowName", "it's");
        for signing in [Signing::V1(credentials.clone()), Signing::V3(credentials)] {
            let built = request
                .build(&endpoint, &signing, &SigningContext::fresh())
                .unwrap();
            let shown = curl(&built);
            assert!(
                shown.starts_with("curl -sS -X GET 'http://127.0.0.1:8080/?"),
                "{shown}"
            );
            assert!(!shown.contains("Signature="), "{shown}");
            assert!(!shown.contains("tokenvalue"), "{shown}");
            assert!(!shown.to_lowercase().contains("authorization"), "{shown}");
            assert!(!shown.contains("topsecret"), "{shown}");
            assert!(shown.contains("FlowName=it%27s"), "{shown}");
        }
        // Every parameter in a form body, the signature's and the token too.
        let in_body = request.clone().laid_out(Layout {
            carrier: Carrier::FormBody,
            ..Layout::default()
        });
        let built = in_body
            .build(
                &endpoint,
                &Signing::V1(
                    Credentials::new("testid", "topsecret").with_security_token("tokenvalue"),
                ),
                &SigningContext::fresh(),
            )
            .unwrap();
        let shown = curl(&built);
        assert!(shown.contains("--data-binary"), "{shown}");
        assert!(shown.contains("FlowName=it%27s"), "{shown}");
        assert!(!shown.contains("Signature="), "{shown}");
        assert!(!shown.contains("tokenvalue"), "{shown}");
    }
}
