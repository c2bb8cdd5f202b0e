//! How a request's parameters are laid out on the wire: in the query, a form body or a JSON
//! body, in which order, and how their values are percent-encoded. Real clients lay the same
//! request out differently; [`super::RpcRequest::build`] builds every layout with one builder.

use serde_json::Value;

use super::encoding::Escape;

/// Parameters, decoded, in order.
pub(super) type Params = Vec<(String, String)>;

/// The `RegionId` a [`Carrier::FormBody`] request sends, as `@alicloud/pop-core` does.
pub(super) const FORM_BODY_REGION: &str = "cn-hangzhou";

/// Where a request's parameters travel and how their text is spelt: the ways real clients
/// lay out the same request. The default is the fnf SDK's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Layout {
    /// Query, form body or JSON body.
    pub carrier: Carrier,
    /// The order of the parameters in the query or body.
    pub order: Order,
    /// How the values of the query or form body are percent-encoded.
    pub escape: Escape,
}

/// What carries a request's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Carrier {
    /// By method, as the fnf SDK sends: GET carries every parameter in the query; POST the
    /// common parameters (signature v1) in the query and the operation's in a form body.
    #[default]
    ByMethod,
    /// POST with every parameter, the signature's too, in a form body, with `Format=JSON`
    /// and a `RegionId`, as `@alicloud/pop-core` sends (signature v3 has no common
    /// parameters: the operation's go in the form body).
    FormBody,
    /// POST with the operation's parameters as a JSON object body labelled with this
    /// content type. Signature v1 signs the query only (its signed set is the query and a
    /// form body); signature v3 covers the body through `x-acs-content-sha256`.
    Json(&'static str),
}

/// The order of the parameters on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Sorted by name, the v1 signature last, as the SDKs send them.
    #[default]
    Sorted,
    /// The reverse: the v1 signature first.
    Reversed,
}

impl Order {
    /// Sorted parameters, with `last` (the signature) after them, in this order.
    pub(super) fn arrange(self, mut params: Params, last: Option<(String, String)>) -> Params {
        params.sort();
        params.extend(last);
        if self == Order::Reversed {
            params.reverse();
        }
        params
    }
}

/// A JSON object of `params`, in their order, every value a string.
pub(super) fn json_object(params: &[(String, String)]) -> String {
    let members: Vec<String> = params
        .iter()
        .map(|(name, value)| {
            format!(
                "{}:{}",
                Value::from(name.as_str()),
                Value::from(value.as_str())
            )
        })
        .collect();
    format!("{{{}}}", members.join(","))
}

#[cfg(test)]
mod tests {
    use http::Method;
    use serde_json::Value;

    use super::*;
    use crate::wire::verify::{Received, authenticate};
    use crate::wire::{Credentials, Endpoint, RpcRequest, Signing, SigningContext};

    /// Every layout of a request, under every signing: the parameters a verifier decodes
    /// from the query and the body (form or JSON), and the signature version it accepts.
    #[test]
    fn every_layout_carries_the_same_parameters_and_verifies() {
        let endpoint: Endpoint = "http://127.0.0.1:1".parse().unwrap();
        let credentials = Credentials::new("id", "secret");
        let signings = [
            Signing::Unsigned,
            Signing::V1(credentials.clone()),
            Signing::V3(credentials),
        ];
        let carriers = [
            Carrier::ByMethod,
            Carrier::FormBody,
            Carrier::Json("application/json; charset=utf-8"),
        ];
        let escapes = [
            Escape::Minimal,
            Escape::Underscore,
            Escape::LowerHex,
            Escape::Hyphen,
            Escape::Letters,
        ];
        for signing in &signings {
            for carrier in carriers {
                for order in [Order::Sorted, Order::Reversed] {
                    for escape in escapes {
                        let layout = Layout {
                            carrier,
                            order,
                            escape,
                        };
                        let request = RpcRequest::get("DescribeExecution")
                            .param("FlowName", "a_Flow-1")
                            .param("ExecutionName", "e_1")
                            .laid_out(layout);
                        let built = request
                            .build(&endpoint, signing, &SigningContext::fresh())
                            .unwrap();
                        let received = Received::from_request(built);
                        let verified = authenticate(&received, |_| Some("secret"))
                            .unwrap_or_else(|error| panic!("{layout:?} {signing:?}: {error}"));
                        // A v1 signature over a JSON body signs only the query, and an
                        // unsigned request carries no version at all.
                        assert_eq!(verified.version, signing.version(), "{layout:?}");
                        let json: Vec<(String, String)> = serde_json::from_slice::<
                            serde_json::Map<String, Value>,
                        >(&received.body)
                        .map(|object| {
                            object
                                .into_iter()
                                .map(|(name, value)| {
                                    (name, value.as_str().unwrap_or_default().to_owned())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                        let mut params: Vec<(String, String)> = received
                            .query
                            .iter()
                            .chain(&received.form)
                            .chain(&json)
                            .filter(|(name, _)| name.ends_with("Name"))
                            .cloned()
                            .collect();
                        params.sort();
                        assert_eq!(
                            params,
                            [
                                ("ExecutionName".to_owned(), "e_1".to_owned()),
                                ("FlowName".to_owned(), "a_Flow-1".to_owned())
                            ],
                            "{layout:?} {signing:?}"
                        );
                        let action = match signing {
                            Signing::V3(_) => received.header("x-acs-action"),
                            _ => received.param("Action"),
                        };
                        assert_eq!(action, Some("DescribeExecution"), "{layout:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_form_body_layout_carries_everything_in_the_body_as_pop_core_does() {
        let endpoint: Endpoint = "http://127.0.0.1:1".parse().unwrap();
        let request = RpcRequest::get("DescribeExecution")
            .param("FlowName", "f")
            .laid_out(Layout {
                carrier: Carrier::FormBody,
                ..Layout::default()
            });
        assert_eq!(request.method, Method::POST);
        let built = request
            .build(
                &endpoint,
                &Signing::V1(Credentials::new("id", "secret")),
                &SigningContext::fresh(),
            )
            .unwrap();
        assert_eq!(built.uri().query(), None);
        let body = String::from_utf8(built.body().clone()).unwrap();
        for part in [
            "Action=DescribeExecution",
            "Format=JSON",
            "RegionId=",
            "Signature=",
            "FlowName=f",
        ] {
            assert!(body.contains(part), "{part} in {body}");
        }
    }
}
