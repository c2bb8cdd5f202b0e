//! The HTTP side of the reference target: every path and method goes to the RPC handler,
//! which reads the body under the size limit and renders the service's reply.
//!
//! Connections are served by hyper's HTTP/1.1 server with half-closes allowed: hyper then
//! does not read ahead on a connection whose request is in flight, so a held long poll
//! keeps no read buffer beyond the one its request arrived in.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::HOST;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::faults::is_set_up;
use super::reply::Reply;
use super::service::Service;
use super::wire_form;
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

/// Accepts connections until `stop` fires, then lets requests in flight finish.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.half_close(true)
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            stream = next_connection(&listener) => stream,
            _ = &mut stop => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(connection);
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The next connection `listener` accepts, Nagle's algorithm off. Out of file descriptors
/// or a connection reset before it was accepted: it waits a moment and tries again rather
/// than spin.
pub(crate) async fn next_connection(listener: &TcpListener) -> TcpStream {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                return stream;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let host_id = parts
        .headers
        .get(HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost")
        .to_owned();
    let contract = shared.service.contract();
    let faults = shared.service.faults();
    let choices = shared.service.choices();
    let limit = shared.max_body_bytes;
    let Some(body) = read_body(Body::new(body), limit).await else {
        let too_large = Reply::error(ErrorCode::EntityTooLarge, &[&limit.to_string()]);
        let response = too_large.render(contract, faults, choices, &host_id);
        return wire_form::shape(response, false, faults, choices).await;
    };
    let received = Received::new(parts, body);
    // Only a fault of strict JSON tells set-up answers apart: no lookup otherwise.
    let setup = faults.json().next().is_some()
        && is_set_up(
            received
                .param("Action")
                .or_else(|| received.header("x-acs-action")),
        );
    let response = shared
        .service
        .answer(received)
        .await
        .render(contract, faults, choices, &host_id);
    wire_form::shape(response, setup, faults, choices).await
}

/// How much of an oversized body is read and dropped before the answer, so that a client
/// still sending it reads the EntityTooLarge answer instead of a broken connection.
const MAX_DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// The body if it is at most `limit` bytes; `None` if it is larger (read on, and dropped,
/// up to [`MAX_DRAIN_BYTES`]) or breaks off.
async fn read_body(mut body: Body, limit: usize) -> Option<Bytes> {
    let mut kept = BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.ok()?.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > MAX_DRAIN_BYTES {
            return None;
        }
    }
    (seen <= limit).then(|| kept.freeze())
}
