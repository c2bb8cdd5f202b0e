//! Raw HTTP/1.1 for the tests' own servers and proxies (hostile targets, the recording
//! proxy): read a request off a connection, pass one on.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One request off the connection: its head and body, or `None` when it closed.
pub(crate) async fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1];
    while !buffer.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buffer.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buffer).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some((head, body))
}

/// Passes a request on to `upstream` on a connection of its own, and gives back the
/// answer (nothing if `upstream` could not be reached).
pub(crate) async fn forward(upstream: SocketAddr, head: &str, body: &[u8]) -> Vec<u8> {
    let Ok(mut connection) = TcpStream::connect(upstream).await else {
        return Vec::new();
    };
    let head: String = head
        .trim_end()
        .lines()
        .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
        .map(|line| format!("{line}\r\n"))
        .collect();
    let request = [format!("{head}Connection: close\r\n\r\n").as_bytes(), body].concat();
    if connection.write_all(&request).await.is_err() {
        return Vec::new();
    }
    let mut answer = Vec::new();
    let _ = connection.read_to_end(&mut answer).await;
    answer
}
