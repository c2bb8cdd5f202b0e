//! Answers a client asked to have compressed (`Accept-Encoding`; Go's and Java's HTTP
//! clients ask by default): the checks read the body the client reads, decoded. gzip and
//! deflate are decoded (flate2); an answer in another coding, or cut at the capture cap
//! before it could be decoded, is not judged, and the judge says so.

use std::io::Read;

use bytes::Bytes;
use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};

use crate::wire::Exchange;

/// The most bytes a decoded body is kept to (the rest is cut, as the capture cuts).
const DECODED_CAP: u64 = 8 * 1024 * 1024;

/// Decodes `exchange`'s body by its `Content-Encoding`, in place; why it cannot be judged
/// if it cannot be decoded.
pub(super) fn decode(exchange: &mut Exchange) -> Result<(), String> {
    let Some(header) = exchange.header("content-encoding") else {
        return Ok(());
    };
    let codings: Vec<String> = header
        .split(',')
        .map(|coding| coding.trim().to_ascii_lowercase())
        .filter(|coding| !coding.is_empty() && coding != "identity")
        .collect();
    if codings.is_empty() {
        return Ok(());
    }
    if exchange.truncated {
        return Err(format!(
            "its body ({header}) was longer than the capture cap, so it cannot be decoded"
        ));
    }
    let mut body = exchange.body.to_vec();
    // The codings were applied in the order listed: undone last first.
    for coding in codings.iter().rev() {
        let (decoded, cut) = match coding.as_str() {
            "gzip" | "x-gzip" => read_all(GzDecoder::new(body.as_slice())),
            // HTTP's deflate is zlib; some servers send raw deflate.
            "deflate" => read_all(ZlibDecoder::new(body.as_slice()))
                .or_else(|_| read_all(DeflateDecoder::new(body.as_slice()))),
            other => {
                return Err(format!(
                    "its body is in a coding the judge cannot read ({other})"
                ));
            }
        }
        .map_err(|error| format!("its {coding} body cannot be decoded: {error}"))?;
        body = decoded;
        exchange.truncated |= cut;
    }
    exchange.body = Bytes::from(body);
    Ok(())
}

/// Everything `reader` gives, up to [`DECODED_CAP`], and whether there was more.
fn read_all(reader: impl Read) -> std::io::Result<(Vec<u8>, bool)> {
    let mut decoded = Vec::new();
    let mut limited = reader.take(DECODED_CAP + 1);
    limited.read_to_end(&mut decoded)?;
    let cut = decoded.len() as u64 > DECODED_CAP;
    decoded.truncate(DECODED_CAP as usize);
    Ok((decoded, cut))
}
