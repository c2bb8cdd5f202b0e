//! A raw HTTP/1.1 client for the proxy's tests: requests written as bytes, answers read
//! whole (framed as [`message`] frames them), with when their body began.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::scripted::{answer, message};

/// How long a raw client waits for a connection to end.
const PATIENCE: Duration = Duration::from_secs(5);

/// An answer as a raw client read it.
pub(crate) struct Answer {
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
    /// When its first body byte came.
    pub(crate) first_body_byte: Option<Instant>,
    /// When it was whole.
    pub(crate) whole: Instant,
}

/// A raw client connection.
pub(crate) struct Raw {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Raw {
    pub(crate) async fn connect(url: &str) -> Self {
        let stream = TcpStream::connect(url.trim_start_matches("http://"))
            .await
            .unwrap();
        Self {
            stream,
            buffer: Vec::new(),
        }
    }

    pub(crate) async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// Reads one whole answer (within 10 s).
    pub(crate) async fn answer(&mut self) -> Answer {
        let mut first_body_byte = None;
        let mut chunk = [0u8; 4096];
        let read = async {
            loop {
                if let Some((head, body, used)) = message(&self.buffer) {
                    self.buffer.drain(..used);
                    return Answer {
                        head,
                        body,
                        first_body_byte,
                        whole: Instant::now(),
                    };
                }
                let count = self.stream.read(&mut chunk).await.unwrap();
                assert_ne!(count, 0, "the connection ended: {:?}", self.text());
                self.buffer.extend_from_slice(&chunk[..count]);
                let head_end = self.buffer.windows(4).position(|w| w == b"\r\n\r\n");
                if first_body_byte.is_none()
                    && head_end.is_some_and(|end| self.buffer.len() > end + 4)
                {
                    first_body_byte = Some(Instant::now());
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .expect("a whole answer within 10 s")
    }

    /// Everything until the connection ends (within 5 s).
    pub(crate) async fn until_closed(&mut self) -> String {
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, self.stream.read_to_end(&mut rest))
            .await
            .expect("the connection ends");
        self.buffer.extend_from_slice(&rest);
        self.text()
    }

    /// The connection's two halves, to send and read at once (nothing read yet).
    pub(crate) fn into_split(
        self,
    ) -> (
        tokio::net::tcp::OwnedReadHalf,
        tokio::net::tcp::OwnedWriteHalf,
    ) {
        self.stream.into_split()
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer).into_owned()
    }
}

/// A 200 answer with `body` and its length.
pub(crate) fn ok(body: &str) -> Vec<u8> {
    answer(
        "HTTP/1.1 200 OK",
        &[
            ("Content-Type", "application/json"),
            ("Content-Length", &body.len().to_string()),
        ],
        body.as_bytes(),
    )
}

/// A GET of `path` on a kept-alive connection.
pub(crate) fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: cloudflow.example\r\n\r\n").into_bytes()
}
