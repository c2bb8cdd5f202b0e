//! The HTTP side of the reference target: every path and method goes to the RPC handler,
//! which reads the body under the size limit and renders the service's reply.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, HOST};
use axum::response::Response;

use super::reply::Reply;
use super::service::Service;
use crate::contract::ErrorCode;
use crate::wire::Received;

/// What the handler shares.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The behaviour.
    pub(crate) service: Service,
    /// The largest body accepted, in bytes.
    pub(crate) max_body_bytes: usize,
}

/// The router of the reference target.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = request.into_parts();
    let host_id = parts
        .headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let contract = shared.service.contract();
    let limit = shared.max_body_bytes;
    let declared = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let too_large = Reply::error(ErrorCode::EntityTooLarge, &[&limit.to_string()]);
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large.render(contract, &request_id, &host_id);
    }
    let body = match axum::body::to_bytes(Body::new(body), limit).await {
        Ok(body) => body,
        Err(_) => return too_large.render(contract, &request_id, &host_id),
    };
    let received = Received::new(parts, body);
    shared
        .service
        .answer(&received)
        .await
        .render(contract, &request_id, &host_id)
}
