//! What every service verifier shares, kept apart from `services` itself
//! so that the protocol modules depend on it and not on their parent: the
//! connection a finding names, what a login concluded, and why a service
//! could not be asked.

use std::collections::BTreeMap;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why a service could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The finding lacks a value the connection needs.
    #[error("no {0} in the connection string or beside the key")]
    Missing(&'static str),
    /// Could not connect, or the connection broke.
    #[error("{host}:{port}: {source}")]
    Io {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The server said something the protocol does not allow.
    #[error("{0}")]
    Protocol(String),
}

/// The connection a finding names: `scheme://user:secret@host:port/db`
/// with each part percent-decoded.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) user: String,
    pub(super) password: String,
    pub(super) database: Option<String>,
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

impl Target {
    pub(super) fn from_values(values: &BTreeMap<String, String>, default_port: u16) -> Result<Target, ServiceError> {
        let host = values
            .get("host")
            .filter(|h| !h.is_empty())
            .ok_or(ServiceError::Missing("host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = match values.get("port").filter(|p| !p.is_empty()) {
            Some(p) => p
                .parse()
                .map_err(|_| ServiceError::Protocol(format!("bad port {p:?}")))?,
            None => default_port,
        };
        Ok(Target {
            host,
            port,
            user: values.get("user").map(|u| decode(u)).unwrap_or_default(),
            password: decode(values.get("secret").ok_or(ServiceError::Missing("password"))?),
            database: values.get("db").filter(|d| !d.is_empty()).map(|d| decode(d)),
        })
    }

    pub(super) fn connect(&self, timeout: Duration) -> Result<TcpStream, ServiceError> {
        let io = |source| ServiceError::Io {
            host: self.host.clone(),
            port: self.port,
            source,
        };
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(io)?
            .next()
            .ok_or_else(|| io(std::io::Error::new(std::io::ErrorKind::NotFound, "no address")))?;
        let stream = TcpStream::connect_timeout(&addr, timeout).map_err(io)?;
        stream.set_read_timeout(Some(timeout)).map_err(io)?;
        stream.set_write_timeout(Some(timeout)).map_err(io)?;
        Ok(stream)
    }

    pub(super) fn io(&self, source: std::io::Error) -> ServiceError {
        ServiceError::Io {
            host: self.host.clone(),
            port: self.port,
            source,
        }
    }
}

/// What a handshake concluded.
pub(super) enum Answer {
    Live(BTreeMap<String, String>),
    Invalid(String),
    Unknown(String),
}
