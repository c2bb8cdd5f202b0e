//! Requests shown to people (a curl command, the HAR report's requests), with every secret
//! and signature left out: the one way of redacting a request.

use regex::Regex;

use crate::wire::{decode_pairs, join_encoded};

/// Query parameters that carry a signature or a secret.
const SECRET_PARAMS: [&str; 2] = ["Signature", "SecurityToken"];
/// Headers that carry a signature or a secret.
const SECRET_HEADERS: [&str; 2] = ["authorization", "x-acs-security-token"];

/// What is the run's own in the harness's text: its unique id in names (`[run]`, in any
/// letter case) and the target's host and port (`[target]`). The one way snapshots and
/// baselines take them out.
pub(super) struct RunValues {
    /// The run id, in any case.
    run: Option<Regex>,
    /// The target's host and port.
    authority: String,
}

impl RunValues {
    /// The values of a run with this id against this target (a URL, or its host and port).
    pub(super) fn new(run_id: &str, target: &str) -> Self {
        let authority = target.split_once("://").map_or(target, |(_, rest)| rest);
        Self {
            run: (!run_id.is_empty()).then(|| {
                Regex::new(&format!("(?i){}", regex::escape(run_id))).expect("an escaped id")
            }),
            authority: authority.trim_end_matches('/').to_owned(),
        }
    }

    /// `text` with the run id redacted (in names the run made unique).
    pub(super) fn names(&self, text: &str) -> String {
        match &self.run {
            Some(run) => run.replace_all(text, "[run]").into_owned(),
            None => text.to_owned(),
        }
    }

    /// The harness's own text (an error, a finding): the target and the run id redacted.
    pub(super) fn harness_text(&self, text: &str) -> String {
        if self.authority.is_empty() {
            self.names(text)
        } else {
            self.names(&text.replace(&self.authority, "[target]"))
        }
    }
}

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

/// The request's secrets as a target could echo them into its answer (an error message
/// that quotes the string it signed, say): the signature and security token, decoded and
/// as sent, and the values of the headers that carry them.
pub(crate) fn echoed_secrets(request: &http::Request<Vec<u8>>) -> Vec<String> {
    let mut secrets = Vec::new();
    let query = request.uri().query().unwrap_or_default().as_bytes();
    for encoded in [query, request.body().as_slice()] {
        for (name, value) in decode_pairs(encoded) {
            if SECRET_PARAMS.contains(&name.as_str()) {
                secrets.push(value);
            }
        }
        for pair in String::from_utf8_lossy(encoded).split('&') {
            if let Some((name, value)) = pair.split_once('=')
                && SECRET_PARAMS.contains(&name)
            {
                secrets.push(value.to_owned());
            }
        }
    }
    for name in SECRET_HEADERS {
        for value in request.headers().get_all(name) {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            // An authorization header's signature, on its own too.
            if let Some((_, signature)) = value.rsplit_once("Signature=") {
                secrets.push(signature.to_owned());
            }
            secrets.push(value);
        }
    }
    secrets.retain(|secret| secret.len() >= 8);
    // The longest first, so that a secret inside another goes with it.
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets.dedup();
    secrets
}

/// `text` with each of `secrets` ([`echoed_secrets`]) replaced by `[redacted]`.
pub(crate) fn without_echoed(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret, "[redacted]")
    })
}

#[cfg(test)]
mod tests {
    use super::{curl, echoed_secrets, without_echoed};
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

    #[test]
    fn a_signature_or_token_the_target_echoes_is_redacted() {
        let endpoint: Endpoint = "http://127.0.0.1:8080".parse().unwrap();
        let credentials =
            Credentials::new("testid", "topsecret").with_security_token("tokenvalue+/=");
        let request = RpcRequest::get("DescribeExecution").param("FlowName", "flow");
        for signing in [
            Signing::V1(credentials.clone()),
            Signing::V3(credentials.clone()),
        ] {
            let built = request
                .build(&endpoint, &signing, &SigningContext::fresh())
                .unwrap();
            let secrets = echoed_secrets(&built);
            // What the target could quote: every secret parameter and header, as sent.
            let mut echoed = format!("string to sign: {}", built.uri());
            for (name, value) in built.headers() {
                echoed.push_str(&format!("\n{name}: {}", value.to_str().unwrap()));
            }
            echoed.push_str("\ntoken tokenvalue+/=");
            let shown = without_echoed(&echoed, &secrets);
            assert!(!shown.contains("tokenvalue"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
            assert!(
                !shown.contains("Signature=") || shown.contains("Signature=[redacted]"),
                "{shown}"
            );
            assert!(shown.contains("FlowName=flow"), "{shown}");
        }
    }
}
