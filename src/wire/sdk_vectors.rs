//! Signing reproduces the official SDK's vectors byte for byte, and what the harness signs
//! the verifier accepts (and nothing tampered).

use super::encoding::{canonical_query, percent_encode};
use super::verify::{AuthError, Received, authenticate};
use super::{
    Credentials, Endpoint, RpcRequest, SignatureVersion, Signing, SigningContext, decode_pairs,
    timestamp, v1, v3,
};
use proptest::prelude::*;
use serde::Deserialize;

/// A JSON object with its members in the file's order (serde_json keeps the order), so that
/// the tests feed parameters and headers unsorted, as the vectors list them.
type Ordered = serde_json::Map<String, serde_json::Value>;

#[derive(Deserialize)]
struct File<V> {
    vectors: Vec<V>,
}

#[derive(Deserialize)]
struct V1Vector {
    name: String,
    method: String,
    access_key_id: String,
    access_key_secret: String,
    signed_params: Ordered,
    canonicalized_query: String,
    string_to_sign: String,
    signature: String,
}

#[derive(Deserialize)]
struct V3Vector {
    name: String,
    method: String,
    path: String,
    access_key_id: String,
    access_key_secret: String,
    query: Ordered,
    headers: Ordered,
    body: String,
    canonical_request: String,
    string_to_sign: String,
    authorization: String,
}

fn v1_vectors() -> Vec<V1Vector> {
    serde_json::from_str::<File<V1Vector>>(include_str!("../../fixtures/vectors/signature-v1.json"))
        .unwrap()
        .vectors
}

fn v3_vectors() -> Vec<V3Vector> {
    serde_json::from_str::<File<V3Vector>>(include_str!("../../fixtures/vectors/signature-v3.json"))
        .unwrap()
        .vectors
}

/// The parameters that the builder adds itself, as opposed to the operation's own.
const COMMON: [&str; 8] = [
    "Action",
    "Version",
    "Format",
    "Timestamp",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "AccessKeyId",
];

fn pairs(map: &Ordered) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().expect("vector values are strings").to_owned(),
            )
        })
        .collect()
}

fn text<'a>(map: &'a Ordered, key: &str) -> &'a str {
    map[key].as_str().expect("vector values are strings")
}

fn secrets(id: &str, secret: &str) -> impl Fn(&str) -> Option<&'static str> {
    let (id, secret): (&'static str, &'static str) =
        (id.to_owned().leak(), secret.to_owned().leak());
    move |key| (key == id).then_some(secret)
}

#[test]
fn v1_vectors_reproduce_byte_for_byte() {
    let vectors = v1_vectors();
    assert_eq!(vectors.len(), 3);
    for vector in vectors {
        let canonical = v1::canonicalize(&vector.method, &pairs(&vector.signed_params));
        assert_eq!(
            canonical.canonicalized_query, vector.canonicalized_query,
            "{}",
            vector.name
        );
        assert_eq!(
            canonical.string_to_sign, vector.string_to_sign,
            "{}",
            vector.name
        );
        assert_eq!(
            v1::signature(&canonical.string_to_sign, &vector.access_key_secret),
            vector.signature,
            "{}",
            vector.name
        );
        assert!(v1::verify(
            &vector.string_to_sign,
            &vector.access_key_secret,
            &vector.signature
        ));
        assert!(!v1::verify(
            &vector.string_to_sign,
            "wrongsecret",
            &vector.signature
        ));
    }
}

/// The request a vector describes, as the harness builds it.
fn v1_request(vector: &V1Vector) -> (RpcRequest, SigningContext) {
    let params = &vector.signed_params;
    let mut request = RpcRequest::new(vector.method.parse().unwrap(), text(params, "Action"));
    request.version = Some(text(params, "Version").to_owned());
    request.params = pairs(params)
        .into_iter()
        .filter(|(name, _)| !COMMON.contains(&name.as_str()))
        .collect();
    let context = SigningContext {
        time: timestamp::parse(text(params, "Timestamp")).unwrap(),
        nonce: text(params, "SignatureNonce").to_owned(),
    };
    (request, context)
}

#[test]
fn v1_requests_built_by_the_harness_carry_the_vector_signature() {
    let endpoint: Endpoint = "https://cn-hangzhou.fnf.aliyuncs.com".parse().unwrap();
    for vector in v1_vectors() {
        let (request, context) = v1_request(&vector);
        let credentials = Credentials::new(&vector.access_key_id, &vector.access_key_secret);
        let built = request
            .build(&endpoint, &Signing::V1(credentials), &context)
            .unwrap();

        let query = decode_pairs(built.uri().query().unwrap().as_bytes());
        let signatures: Vec<&str> = query
            .iter()
            .filter(|(name, _)| name == "Signature")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(signatures, [vector.signature.as_str()], "{}", vector.name);
        assert!(
            built
                .uri()
                .query()
                .unwrap()
                .contains(&format!("Signature={}", percent_encode(&vector.signature))),
            "{}: the signature travels percent-encoded",
            vector.name
        );

        // Every signed parameter travels, in the query (GET) or query plus form body (POST).
        let mut sent = query.clone();
        sent.extend(decode_pairs(built.body()));
        sent.retain(|(name, _)| name != "Signature");
        sent.sort();
        let mut signed = pairs(&vector.signed_params);
        signed.sort();
        assert_eq!(sent, signed, "{}", vector.name);
        if vector.method == "POST" {
            assert_eq!(
                built.headers()["content-type"],
                "application/x-www-form-urlencoded"
            );
            assert!(!built.body().is_empty());
        }

        let received = Received::from_request(built);
        let authenticated = authenticate(
            &received,
            secrets(&vector.access_key_id, &vector.access_key_secret),
        )
        .unwrap();
        assert_eq!(authenticated.version, SignatureVersion::V1);
        assert_eq!(authenticated.access_key_id.as_deref(), Some("testid"));
        assert_eq!(
            authenticated.request_time.as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
    }
}

fn v3_headers(vector: &V3Vector) -> Vec<(&str, &str)> {
    vector
        .headers
        .keys()
        .map(|k| (k.as_str(), text(&vector.headers, k)))
        .collect()
}

#[test]
fn v3_vectors_reproduce_byte_for_byte() {
    let vectors = v3_vectors();
    assert_eq!(vectors.len(), 4);
    for vector in vectors {
        let hashed_payload = v3::hashed_payload(vector.body.as_bytes());
        assert_eq!(
            hashed_payload,
            text(&vector.headers, "x-acs-content-sha256"),
            "{}",
            vector.name
        );
        let query = pairs(&vector.query);
        let headers = v3_headers(&vector);
        let canonical = v3::canonicalize(&v3::V3Input {
            method: &vector.method,
            path: &vector.path,
            query: &query,
            headers: &headers,
            hashed_payload: &hashed_payload,
        });
        assert_eq!(
            canonical.canonical_request, vector.canonical_request,
            "{}",
            vector.name
        );
        assert_eq!(
            canonical.string_to_sign, vector.string_to_sign,
            "{}",
            vector.name
        );
        let signature = v3::signature(&canonical.string_to_sign, &vector.access_key_secret);
        let authorization =
            v3::authorization(&vector.access_key_id, &canonical.signed_headers, &signature);
        assert_eq!(authorization, vector.authorization, "{}", vector.name);
        let parsed = v3::parse_authorization(&vector.authorization).unwrap();
        assert!(v3::verify(
            &vector.string_to_sign,
            &vector.access_key_secret,
            &parsed.signature
        ));
        assert!(!v3::verify(
            &vector.string_to_sign,
            "wrongsecret",
            &parsed.signature
        ));
    }
}

#[test]
fn v3_requests_built_by_the_harness_carry_the_vector_authorization() {
    let endpoint: Endpoint = "http://example.com".parse().unwrap();
    let mut built_count = 0;
    for vector in v3_vectors() {
        if vector.headers.contains_key("user-agent") {
            continue; // the SDK's own extra headers: reproduced above through the primitives
        }
        let mut request = RpcRequest::new(
            vector.method.parse().unwrap(),
            text(&vector.headers, "x-acs-action"),
        );
        request.version = Some(text(&vector.headers, "x-acs-version").to_owned());
        request.params = if vector.method == "POST" {
            decode_pairs(vector.body.as_bytes())
        } else {
            pairs(&vector.query)
        };
        let context = SigningContext {
            time: timestamp::parse(text(&vector.headers, "x-acs-date")).unwrap(),
            nonce: text(&vector.headers, "x-acs-signature-nonce").to_owned(),
        };
        let credentials = Credentials::new(&vector.access_key_id, &vector.access_key_secret);
        let built = request
            .build(&endpoint, &Signing::V3(credentials), &context)
            .unwrap();
        assert_eq!(
            built.headers()["authorization"],
            vector.authorization.as_str(),
            "{}",
            vector.name
        );
        assert_eq!(
            String::from_utf8(built.body().clone()).unwrap(),
            vector.body,
            "{}",
            vector.name
        );
        for (name, value) in v3_headers(&vector) {
            assert_eq!(built.headers()[name], value, "{}: {name}", vector.name);
        }

        let received = Received::from_request(built);
        let authenticated = authenticate(
            &received,
            secrets(&vector.access_key_id, &vector.access_key_secret),
        )
        .unwrap();
        assert_eq!(authenticated.version, SignatureVersion::V3);
        built_count += 1;
    }
    assert_eq!(built_count, 3);
}

#[test]
fn the_sdk_v3_request_with_sts_verifies() {
    let vector = v3_vectors()
        .into_iter()
        .find(|v| v.headers.contains_key("x-acs-security-token"))
        .unwrap();
    let query = percent_encoded_query(&vector.query);
    let mut builder = http::Request::builder()
        .method(vector.method.as_str())
        .uri(format!("http://example.com/?{query}"));
    for (name, value) in v3_headers(&vector) {
        builder = builder.header(name, value);
    }
    let request = builder
        .header("authorization", vector.authorization.as_str())
        .body(Vec::new())
        .unwrap();
    let received = Received::from_request(request);
    assert!(authenticate(&received, secrets("testid", "testsecret")).is_ok());
    assert_eq!(
        authenticate(&received, secrets("testid", "other")),
        Err(AuthError::SignatureMismatch)
    );
}

fn percent_encoded_query(map: &Ordered) -> String {
    canonical_query(&pairs(map))
}

// ---- the verifier rejects what it must -------------------------------------------------

fn context() -> SigningContext {
    SigningContext::fresh()
}

fn describe() -> RpcRequest {
    RpcRequest::get("DescribeExecution")
        .param("FlowName", "flow")
        .param("ExecutionName", "exec")
        .param("WaitTimeSeconds", "20")
}

fn build(request: &RpcRequest, signing: &Signing) -> http::Request<Vec<u8>> {
    request
        .build(
            &"http://127.0.0.1:8080".parse().unwrap(),
            signing,
            &context(),
        )
        .unwrap()
}

fn testid() -> Credentials {
    Credentials::new("testid", "testsecret")
}

#[test]
fn a_wrong_secret_an_unknown_key_and_tampering_are_rejected() {
    for signing in [Signing::V1(testid()), Signing::V3(testid())] {
        let version = signing.version();
        let built = build(&describe(), &signing);
        let received = Received::from_request(built.clone());
        assert!(
            authenticate(&received, secrets("testid", "testsecret")).is_ok(),
            "{version}"
        );
        assert_eq!(
            authenticate(&received, secrets("testid", "nottheone")),
            Err(AuthError::SignatureMismatch),
            "{version}"
        );
        assert_eq!(
            authenticate(&received, secrets("otherid", "testsecret")),
            Err(AuthError::UnknownAccessKey("testid".to_owned())),
            "{version}"
        );

        let (mut parts, body) = built.into_parts();
        let tampered = parts
            .uri
            .to_string()
            .replace("FlowName=flow", "FlowName=flox");
        parts.uri = tampered.parse().unwrap();
        let received = Received::new(parts, body.into());
        assert_eq!(
            authenticate(&received, secrets("testid", "testsecret")),
            Err(AuthError::SignatureMismatch),
            "{version}"
        );
    }
}

#[test]
fn a_tampered_post_body_is_rejected() {
    let request = RpcRequest::post("StartExecution")
        .param("FlowName", "flow")
        .param("Input", "{\"x\":1}");
    for signing in [Signing::V1(testid()), Signing::V3(testid())] {
        let version = signing.version();
        let (parts, _) = build(&request, &signing).into_parts();
        let body = canonical_query(&[("FlowName", "flow"), ("Input", "{\"x\":2}")]);
        let received = Received::new(parts, body.into());
        let expected = match version {
            SignatureVersion::V3 => AuthError::PayloadHashMismatch,
            _ => AuthError::SignatureMismatch,
        };
        assert_eq!(
            authenticate(&received, secrets("testid", "testsecret")),
            Err(expected),
            "{version}"
        );
    }
}

#[test]
fn v3_requests_lacking_a_required_header_name_it() {
    for name in v3::REQUIRED_HEADERS {
        let mut built = build(&describe(), &Signing::V3(testid()));
        built.headers_mut().remove(name);
        let received = Received::from_request(built);
        assert_eq!(
            authenticate(&received, secrets("testid", "testsecret")),
            Err(AuthError::MissingHeader(name))
        );
    }
}

#[test]
fn v1_requests_lacking_their_key_or_signature() {
    let built = build(&describe(), &Signing::V1(testid()));
    for name in ["AccessKeyId", "Signature"] {
        let (mut parts, body) = built.clone().into_parts();
        let query: Vec<(String, String)> = decode_pairs(parts.uri.query().unwrap().as_bytes())
            .into_iter()
            .filter(|(key, _)| key != name)
            .collect();
        parts.uri = format!(
            "/?{}",
            super::encoding::join_encoded(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        )
        .parse()
        .unwrap();
        let received = Received::new(parts, body.into());
        assert!(
            matches!(authenticate(&received, secrets("testid", "testsecret")), Err(AuthError::MissingParameter(missing)) if missing == name)
        );
    }
}

#[test]
fn unsigned_requests_are_recognised_as_such() {
    let built = build(&describe(), &Signing::Unsigned);
    let query = built.uri().query().unwrap().to_owned();
    assert!(!query.contains("Signature="), "{query}");
    assert!(!query.contains("AccessKeyId"), "{query}");
    let authenticated = authenticate(
        &Received::from_request(built),
        secrets("testid", "testsecret"),
    )
    .unwrap();
    assert_eq!(authenticated.version, SignatureVersion::None);
    assert_eq!(authenticated.access_key_id, None);
}

#[test]
fn sts_tokens_travel_and_are_signed() {
    let credentials = testid().with_security_token("testtoken");
    let v1_built = build(&describe(), &Signing::V1(credentials.clone()));
    assert!(
        v1_built
            .uri()
            .query()
            .unwrap()
            .contains("SecurityToken=testtoken")
    );
    assert!(
        authenticate(
            &Received::from_request(v1_built),
            secrets("testid", "testsecret")
        )
        .is_ok()
    );
    let v3_built = build(&describe(), &Signing::V3(credentials));
    assert_eq!(v3_built.headers()["x-acs-security-token"], "testtoken");
    assert!(
        v3_built.headers()["authorization"]
            .to_str()
            .unwrap()
            .contains("x-acs-security-token")
    );
    assert!(
        authenticate(
            &Received::from_request(v3_built),
            secrets("testid", "testsecret")
        )
        .is_ok()
    );
}

#[test]
fn signing_needs_credentials() {
    assert!(Signing::new(SignatureVersion::V1, None).is_err());
    assert!(Signing::new(SignatureVersion::V3, None).is_err());
    assert!(matches!(
        Signing::new(SignatureVersion::None, None),
        Ok(Signing::Unsigned)
    ));
}

#[test]
fn endpoints() {
    for good in [
        "http://127.0.0.1:8080",
        "https://cn-hangzhou.fnf.aliyuncs.com",
        "http://[::1]:9/",
        "http://localhost",
    ] {
        assert!(good.parse::<Endpoint>().is_ok(), "{good}");
    }
    for bad in [
        "127.0.0.1:8080",
        "ftp://host",
        "http://host/path",
        "http://host/?a=b",
        "http://user:pw@host",
        "",
        "not a url",
    ] {
        assert!(bad.parse::<Endpoint>().is_err(), "{bad}");
    }
    let endpoint: Endpoint = "http://127.0.0.1:8080".parse().unwrap();
    assert_eq!(endpoint.authority(), "127.0.0.1:8080");
    assert_eq!(endpoint.to_string(), "http://127.0.0.1:8080");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the parameters (any Unicode, reserved characters, repeats, empties), what
    /// one side signs the other verifies: encoding and canonical order agree.
    #[test]
    fn whatever_is_signed_verifies(
        params in proptest::collection::vec(("[A-Za-z][A-Za-z0-9]{0,8}", any::<String>()), 0..6),
        post in any::<bool>(),
        v3_signing in any::<bool>(),
    ) {
        let mut request = if post { RpcRequest::post("StartExecution") } else { RpcRequest::get("DescribeExecution") };
        request.params = params;
        let signing = if v3_signing { Signing::V3(testid()) } else { Signing::V1(testid()) };
        let built = build(&request, &signing);
        let received = Received::from_request(built);
        prop_assert!(authenticate(&received, secrets("testid", "testsecret")).is_ok());
        let mut sent = if post { received.form.clone() } else { received.query.clone() };
        sent.retain(|(name, _)| request.params.iter().any(|(n, _)| n == name));
        let mut expected = request.params.clone();
        sent.sort();
        expected.sort();
        prop_assert_eq!(sent, expected);
    }
}
