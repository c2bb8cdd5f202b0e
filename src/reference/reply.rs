//! What the reference target answers: a JSON success body or an error of the table, each
//! with a fresh RequestId, rendered as an HTTP response.

use std::time::Duration;

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::{Map, Value};

use super::choices::Choices;
use super::faults::{Faults, ThrottleFault};
use crate::contract::{Contract, ErrorCode};
use crate::wire::{REQUEST_ID_HEADER, RETRY_AFTER_HEADER};

/// An answer before rendering.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// HTTP 200 with these fields (RequestId is added).
    Success(Map<String, Value>),
    /// An error of the table, its message rendered with `values`.
    Error {
        code: ErrorCode,
        /// The values of the message's `%s`, in order.
        values: Vec<String>,
        /// For throttling: when to retry.
        retry_after: Option<Duration>,
    },
}

impl Reply {
    /// An error whose message takes `values`.
    pub(crate) fn error(code: ErrorCode, values: &[&str]) -> Self {
        Reply::Error {
            code,
            values: values.iter().map(|value| (*value).to_owned()).collect(),
            retry_after: None,
        }
    }

    /// The HTTP response, with a fresh RequestId in the body and the `x-acs-request-id`
    /// header, as the choices shape it and the faults bend it.
    pub(crate) fn render(
        self,
        contract: &Contract,
        faults: &Faults,
        choices: &Choices,
        host_id: &str,
    ) -> Response<Body> {
        let request_id = faults.request_id(choices.request_id(uuid::Uuid::new_v4().to_string()));
        let id = faults
            .keeps_request_id()
            .then(|| ("RequestId".to_owned(), Value::from(request_id.clone())));
        let (status, body, retry_after) = match self {
            Reply::Success(mut fields) => {
                fields.extend(id);
                (StatusCode::OK, fields, None)
            }
            Reply::Error {
                code,
                values,
                retry_after,
            } => {
                let row = contract.errors().get(code);
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                // A wrong number of values is a bug of the reference target: answer it as one.
                let (row, message) = match row.render(&values) {
                    Ok(message) => (row, message),
                    Err(_) => {
                        let internal = contract.errors().get(ErrorCode::InternalServerError);
                        (internal, internal.message.text().to_owned())
                    }
                };
                let (status, code, message) =
                    faults.bend_error(row.status.as_u16(), row.code.as_str(), message, &values);
                let (status, code, message) = match faults.throttling() {
                    Some(fault) if row.code == ErrorCode::ResourceThrottled => {
                        fault.bend(status, code, message)
                    }
                    _ => (status, code, message),
                };
                let mut fields: Map<String, Value> = id.into_iter().collect();
                fields.insert("HostId".to_owned(), Value::from(host_id));
                fields.insert("Code".to_owned(), Value::from(code));
                fields.insert("Message".to_owned(), Value::from(message));
                choices.shape_error(&mut fields);
                let status = StatusCode::from_u16(status).unwrap_or(row.status);
                (status, fields, retry_after)
            }
        };
        let mut response = Response::new(Body::from(Value::Object(body).to_string()));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(faults.content_type()),
        );
        if let Ok(value) = HeaderValue::from_str(&faults.request_id_header(&request_id)) {
            headers.insert(REQUEST_ID_HEADER, value);
        }
        let hint = retry_after.and_then(|wait| {
            let bent = faults.throttling().and_then(ThrottleFault::hint);
            match bent {
                Some(value) => Some((RETRY_AFTER_HEADER, value.to_owned())),
                None => choices.retry_hint(wait),
            }
        });
        if let Some((header, value)) = hint
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            headers.insert(header, value);
        }
        response
    }
}
