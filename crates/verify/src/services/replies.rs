//! What SMTP and FTP share: line commands answered by three-digit replies
//! (`250-` continues, `250 ` ends), and a plain connection upgraded to TLS
//! in the middle (`STARTTLS`, `AUTH TLS`) with the certificate checked
//! before any credential is written.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use super::base::{ServiceError, Target};

/// Longest reply line read.
const MAX_LINE: usize = 4096;
/// Most lines of one reply (EHLO lists a few extensions).
const MAX_LINES: usize = 64;

/// A connection that may be upgraded to TLS in the middle.
pub(super) enum Conn {
    /// Before TLS.
    Plain(BufReader<TcpStream>),
    /// After the upgrade.
    Tls(Box<BufReader<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>>),
}

impl Conn {
    pub(super) fn reader(&mut self) -> &mut dyn BufRead {
        match self {
            Conn::Plain(r) => r,
            Conn::Tls(r) => r.as_mut(),
        }
    }

    pub(super) fn send(&mut self, line: &str) -> std::io::Result<()> {
        let bytes = format!("{line}\r\n");
        match self {
            Conn::Plain(r) => r.get_mut().write_all(bytes.as_bytes()),
            Conn::Tls(r) => {
                let stream = r.get_mut();
                stream.write_all(bytes.as_bytes())?;
                stream.flush()
            }
        }
    }
}

/// One reply: its code and text lines.
pub(super) struct Reply {
    /// The three-digit code.
    pub(super) code: u16,
    /// The text of each line.
    pub(super) lines: Vec<String>,
}

fn read_line(conn: &mut Conn, t: &Target) -> Result<String, ServiceError> {
    let mut raw = Vec::new();
    conn.reader()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut raw)
        .map_err(|e| t.io(e))?;
    if raw.is_empty() {
        return Err(ServiceError::Protocol("the server closed the connection".into()));
    }
    Ok(String::from_utf8_lossy(&raw).trim_end().to_string())
}

/// Reads one reply. A first line `NNN-` opens a multi-line reply that ends
/// at the line starting `NNN ` (SMTP repeats the code on every line; FTP's
/// middle lines may be free text, RFC 959 section 4.2).
pub(super) fn read_reply(conn: &mut Conn, t: &Target) -> Result<Reply, ServiceError> {
    let first = read_line(conn, t)?;
    let code = first
        .get(..3)
        .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| ServiceError::Protocol(format!("not a protocol reply: {:?}", clip(&first))))?;
    let mut lines = vec![first.get(4..).unwrap_or("").to_string()];
    if first.as_bytes().get(3) != Some(&b'-') {
        return Ok(Reply { code, lines });
    }
    let end = format!("{code} ");
    loop {
        let line = read_line(conn, t)?;
        let last = line.starts_with(&end) || line == code.to_string();
        let text = match line.get(..4) {
            Some(prefix) if prefix == end || prefix == format!("{code}-") => line[4..].to_string(),
            _ => line.clone(),
        };
        lines.push(text);
        if last {
            return Ok(Reply { code, lines });
        }
        if lines.len() >= MAX_LINES {
            return Err(ServiceError::Protocol("a reply without end".into()));
        }
    }
}

pub(super) fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}

pub(super) fn command(conn: &mut Conn, t: &Target, line: &str) -> Result<Reply, ServiceError> {
    conn.send(line).map_err(|e| t.io(e))?;
    read_reply(conn, t)
}

/// Connects to `t`, in TLS from the first byte when `implicit_tls`.
pub(super) fn open(
    t: &Target,
    implicit_tls: bool,
    timeout: std::time::Duration,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<Conn, ServiceError> {
    let stream = t.connect(timeout)?;
    if implicit_tls {
        upgrade(stream, t, tls)
    } else {
        Ok(Conn::Plain(BufReader::new(stream)))
    }
}

/// Turns a plain connection into TLS after the server agreed to `verb`
/// (`STARTTLS`, `AUTH TLS`). Bytes the server sent after its answer would
/// be injected into the TLS session (CVE-2011-0411 style): refused.
pub(super) fn start_tls(
    conn: Conn,
    t: &Target,
    tls: &Arc<rustls::ClientConfig>,
    verb: &str,
) -> Result<Conn, ServiceError> {
    match conn {
        Conn::Tls(_) => Ok(conn),
        Conn::Plain(reader) if !reader.buffer().is_empty() => {
            Err(ServiceError::Protocol(format!("data after {verb}'s answer")))
        }
        Conn::Plain(reader) => upgrade(reader.into_inner(), t, tls),
    }
}

pub(super) fn upgrade(stream: TcpStream, t: &Target, tls: &Arc<rustls::ClientConfig>) -> Result<Conn, ServiceError> {
    let name = rustls::pki_types::ServerName::try_from(t.host.clone())
        .map_err(|_| ServiceError::Protocol(format!("{:?} is not a TLS server name", t.host)))?;
    let client = rustls::ClientConnection::new(Arc::clone(tls), name)
        .map_err(|e| ServiceError::Protocol(format!("TLS: {e}")))?;
    let mut stream = rustls::StreamOwned::new(client, stream);
    // Finish the handshake now, so that a certificate that does not verify
    // is reported as such before any credential is written.
    while stream.conn.is_handshaking() {
        stream
            .conn
            .complete_io(&mut stream.sock)
            .map_err(|e| ServiceError::Protocol(format!("TLS with {}:{} failed: {e}", t.host, t.port)))?;
    }
    Ok(Conn::Tls(Box::new(BufReader::new(stream))))
}
