//! The encodings of one valid request: the run's finished execution asked for in every way
//! a real client lays a DescribeExecution out (a GET query, a POST form with the common
//! parameters in the query or in the body, a JSON body under each spelling of its content
//! type, other parameter orders, allowed characters percent-encoded). Each case is judged
//! alone by the oracle, and the run holds their answers to each other (`same-answer`).

use http::Method;

use super::catalog::{Builder, describe};
use super::{Case, Tag};
use crate::wire::{Carrier, Escape, Layout, Order, SignatureVersion};

/// The content types of a JSON body: the error table's 415 row names `application/json`;
/// the official SDKs send `application/json; charset=utf-8`.
const JSON_CONTENT_TYPES: [(&str, &str, &str); 3] = [
    (
        "post-json",
        "application/json",
        "a POST with a JSON body labelled application/json",
    ),
    (
        "post-json-charset-utf-8",
        "application/json; charset=utf-8",
        "a POST with a JSON body labelled application/json; charset=utf-8, as the official SDKs send it",
    ),
    (
        "post-json-charset-upper",
        "application/json; charset=UTF-8",
        "a POST with a JSON body labelled application/json; charset=UTF-8",
    ),
];

/// The encodings, by id: what each sends, and how.
fn layouts() -> Vec<(&'static str, &'static str, Method, Layout)> {
    let layout = |carrier, order, escape| Layout {
        carrier,
        order,
        escape,
    };
    let get = Method::GET;
    let (sorted, minimal) = (Order::Sorted, Escape::Minimal);
    let mut layouts = vec![
        (
            "get-query",
            "a GET with every parameter in the query, as the fnf SDK sends it",
            get.clone(),
            Layout::default(),
        ),
        (
            "post-form",
            "a POST form, the common parameters in the query and the operation's in the body",
            Method::POST,
            layout(Carrier::ByMethod, sorted, minimal),
        ),
        (
            "post-form-in-body",
            "a POST form with every parameter in the body, the signature's too, Format=JSON and a RegionId, as @alicloud/pop-core sends it",
            Method::POST,
            layout(Carrier::FormBody, sorted, minimal),
        ),
        (
            "get-reversed",
            "a GET with the parameters in reverse order, the signature first",
            get.clone(),
            layout(Carrier::ByMethod, Order::Reversed, minimal),
        ),
        (
            "post-form-in-body-reversed",
            "a POST form with every parameter in the body in reverse order",
            Method::POST,
            layout(Carrier::FormBody, Order::Reversed, minimal),
        ),
        (
            "escaped-underscore",
            "a GET with _ sent as %5F",
            get.clone(),
            layout(Carrier::ByMethod, sorted, Escape::Underscore),
        ),
        (
            "escaped-lower-hex",
            "a GET with _ sent as %5f and every escape in lower-case hex",
            get.clone(),
            layout(Carrier::ByMethod, sorted, Escape::LowerHex),
        ),
        (
            "escaped-hyphen",
            "a GET with - sent as %2D",
            get.clone(),
            layout(Carrier::ByMethod, sorted, Escape::Hyphen),
        ),
        (
            "escaped-letters",
            "a GET with every letter of the values percent-encoded",
            get.clone(),
            layout(Carrier::ByMethod, sorted, Escape::Letters),
        ),
        (
            "post-form-in-body-escaped-letters",
            "a POST form with every parameter in the body and every letter of the values percent-encoded",
            Method::POST,
            layout(Carrier::FormBody, sorted, Escape::Letters),
        ),
    ];
    for (id, content_type, what) in JSON_CONTENT_TYPES {
        let json = layout(Carrier::Json(content_type), sorted, minimal);
        layouts.push((id, what, Method::POST, json));
    }
    layouts
}

/// The encoding cases: the same DescribeExecution of the run's finished execution in each
/// encoding, all tagged `encoding`. The JSON bodies are signed with v3, whose
/// `x-acs-content-sha256` covers the body (a v1 signature's signed set is the query and a
/// form body, so it would leave a JSON body's parameters unsigned), and tagged `v3`.
pub(super) fn encoding_cases(builder: &Builder<'_>) -> Vec<Case> {
    let fixtures = builder.fixtures;
    layouts()
        .into_iter()
        .map(|(id, what, method, layout)| {
            let json = matches!(layout.carrier, Carrier::Json(_));
            let tags = if json {
                vec![Tag::Encoding, Tag::V3]
            } else {
                vec![Tag::Encoding]
            };
            let mut rpc = describe(&fixtures.flow, &fixtures.execution);
            rpc.method = method;
            let rpc = rpc.laid_out(layout);
            let mut case = builder.oracle_case(
                format!("encoding/{id}"),
                tags,
                &format!(
                    "the run's finished execution in {what} (every encoding gets the same answer)"
                ),
                rpc,
            );
            if json {
                case.request.signature = Some(SignatureVersion::V3);
            }
            case
        })
        .collect()
}
