//! A scripted HTTP/1.1 server for the proxy's tests, read and written as raw bytes: it keeps
//! exactly what it received (each request's head as sent, its body decoded, the connection
//! it came on) and answers each request with the steps its script gives (bytes to write,
//! pauses, a close), so a test sees every byte a proxy passes on and controls every byte it
//! gets back. Also the framing of raw HTTP/1.1 messages, for the tests' raw clients.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

/// One step of an answer.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Write these bytes.
    Write(Vec<u8>),
    /// Wait this long (noting meanwhile whether the other side closes).
    Pause(Duration),
    /// Close the connection.
    Close,
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// Which connection it came on, from 0 in the order they were accepted.
    pub(crate) connection: usize,
    /// The request line and headers exactly as sent, up to the blank line.
    pub(crate) head: String,
    /// The body, its chunked framing (if any) removed.
    pub(crate) body: Vec<u8>,
}

impl Received {
    /// The request target of the request line.
    pub(crate) fn target(&self) -> &str {
        self.head.split(' ').nth(1).unwrap_or_default()
    }
}

type Script = dyn Fn(&Received) -> Vec<Step> + Send + Sync;

#[derive(Default)]
struct Seen {
    received: Vec<Received>,
    connections: usize,
    /// The connections the other side closed, and when.
    closed: Vec<(usize, Instant)>,
}

/// A running scripted server.
pub(crate) struct Scripted {
    address: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    bytes: watch::Receiver<Vec<u8>>,
}

impl Scripted {
    /// Starts a server on 127.0.0.1:0 that answers each request as `script` says.
    pub(crate) async fn start(
        script: impl Fn(&Received) -> Vec<Step> + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (counter, bytes) = watch::channel(Vec::new());
        let (shared, counter) = (Arc::clone(&seen), Arc::new(counter));
        let script: Arc<Script> = Arc::new(script);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let connection = {
                    let mut seen = shared.lock().unwrap();
                    seen.connections += 1;
                    seen.connections - 1
                };
                let (seen, counter, script) = (
                    Arc::clone(&shared),
                    Arc::clone(&counter),
                    Arc::clone(&script),
                );
                tokio::spawn(serve(stream, connection, seen, counter, script));
            }
        });
        Self {
            address,
            seen,
            bytes,
        }
    }

    /// Its address.
    pub(crate) fn address(&self) -> SocketAddr {
        self.address
    }

    /// Its URL (`http://127.0.0.1:PORT`).
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every request received so far.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().received.clone()
    }

    /// How many connections it accepted.
    pub(crate) fn connections(&self) -> usize {
        self.seen.lock().unwrap().connections
    }

    /// The connections the other side closed, and when.
    pub(crate) fn closed(&self) -> Vec<(usize, Instant)> {
        self.seen.lock().unwrap().closed.clone()
    }

    /// Waits (at most `within`) until the bytes it received (on any connection, as they
    /// came) hold `wanted`; whether they do.
    pub(crate) async fn has_received(&self, wanted: &[u8], within: Duration) -> bool {
        let mut bytes = self.bytes.clone();
        let found = |received: &Vec<u8>| {
            received
                .windows(wanted.len())
                .any(|window| window == wanted)
        };
        tokio::time::timeout(within, bytes.wait_for(found))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }
}

async fn serve(
    mut stream: TcpStream,
    connection: usize,
    seen: Arc<Mutex<Seen>>,
    counter: Arc<watch::Sender<Vec<u8>>>,
    script: Arc<Script>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let closed = |seen: &Mutex<Seen>| {
        seen.lock()
            .unwrap()
            .closed
            .push((connection, Instant::now()));
    };
    loop {
        while let Some((head, body, used)) = message(&buffer) {
            buffer.drain(..used);
            let received = Received {
                connection,
                head,
                body,
            };
            let steps = script(&received);
            seen.lock().unwrap().received.push(received);
            for step in steps {
                match step {
                    Step::Write(bytes) => {
                        if stream.write_all(&bytes).await.is_err() {
                            return closed(&seen);
                        }
                    }
                    Step::Pause(pause) => {
                        let until = tokio::time::sleep(pause);
                        tokio::pin!(until);
                        loop {
                            tokio::select! {
                                () = &mut until => break,
                                read = stream.read(&mut chunk) => match read {
                                    Ok(0) | Err(_) => return closed(&seen),
                                    Ok(count) => {
                                        buffer.extend_from_slice(&chunk[..count]);
                                        counter.send_modify(|all| all.extend_from_slice(&chunk[..count]));
                                    }
                                },
                            }
                        }
                    }
                    Step::Close => return,
                }
            }
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return closed(&seen),
            Ok(count) => {
                buffer.extend_from_slice(&chunk[..count]);
                counter.send_modify(|all| all.extend_from_slice(&chunk[..count]));
            }
        }
    }
}

/// The first whole HTTP/1.1 message of `bytes`: its head as sent (up to the blank line),
/// its body decoded (framed by Content-Length, chunked, or nothing), and how many bytes
/// it took; `None` while it is incomplete.
pub(crate) fn message(bytes: &[u8]) -> Option<(String, Vec<u8>, usize)> {
    let end = bytes.windows(4).position(|window| window == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(found, _)| found.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim().to_ascii_lowercase())
    };
    if header("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
        let mut body = Vec::new();
        let mut at = end;
        loop {
            let line_end = at
                + bytes[at..]
                    .windows(2)
                    .position(|window| window == b"\r\n")?;
            let size_text = String::from_utf8_lossy(&bytes[at..line_end]);
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = line_end + 2;
            if size == 0 {
                // No trailers in these tests: the blank line ends the message.
                (bytes.len() >= at + 2).then_some(())?;
                return Some((head, body, at + 2));
            }
            (bytes.len() >= at + size + 2).then_some(())?;
            body.extend_from_slice(&bytes[at..at + size]);
            at += size + 2;
        }
    }
    let length = header("content-length").map_or(Some(0), |value| value.parse().ok())?;
    (bytes.len() >= end + length).then_some(())?;
    Some((head, bytes[end..end + length].to_vec(), end + length))
}

/// An answer's raw bytes: the status line, the headers in order, a blank line and the
/// body (the headers say the framing; nothing is added).
pub(crate) fn answer(status_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("{status_line}\r\n");
    for (name, value) in headers {
        bytes.push_str(&format!("{name}: {value}\r\n"));
    }
    bytes.push_str("\r\n");
    [bytes.as_bytes(), body].concat()
}

/// One chunk of a chunked body.
pub(crate) fn chunk(data: &[u8]) -> Vec<u8> {
    [format!("{:x}\r\n", data.len()).as_bytes(), data, b"\r\n"].concat()
}
