//! Liveness verification: ask each found secret's own provider whether it
//! still works (`--verify`), and revoke it where the provider has an API.
//!
//! Verifiers are declarative ([`spec`]): one templated read-only request per
//! rule and the answers that mean live or invalid; anything else is
//! unknown. [`http`] enforces where a secret may go; [`check`] builds
//! requests and classifies answers; [`run`] verifies a run's unique secrets
//! with bounded concurrency and a cache; [`sink`] plugs that in front of any
//! reporter.

pub mod aws;
pub mod cache;
pub mod check;
pub mod context;
pub mod http;
pub mod run;
pub mod sink;
pub mod spec;
pub mod template;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Why a secret could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A template named a value that was not found near the secret.
    #[error("no {0} found near the secret")]
    Missing(String),
    /// A template or request could not be built.
    #[error("cannot build the request: {0}")]
    Template(String),
    /// The request would break the safety rules (foreign host, plain http).
    #[error("refused: {0}")]
    Unsafe(String),
    /// No HTTP answer (connection, TLS, timeout).
    #[error("network error: {0}")]
    Network(String),
    /// The rule's verifier is malformed.
    #[error("invalid verifier: {0}")]
    Spec(String),
}

/// What the provider said about a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The provider accepted the secret: it works now.
    Live,
    /// The provider rejected it: revoked, expired or wrong.
    Invalid,
    /// No trustworthy answer (see the reason).
    Unknown,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
        }
    }
}

/// The outcome of verifying one secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// Live, invalid or unknown.
    pub status: Status,
    /// Why, for unknown (and a short note otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who or what the key belongs to, as the provider said (login, account,
    /// scopes, expiry).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub account: BTreeMap<String, String>,
    /// The HTTP status of the provider's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// When the provider was asked (RFC 3339).
    pub checked_at: String,
    /// Whether this came from `--verify-cache` rather than a request now.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
}

impl Verification {
    /// An unknown outcome with its reason.
    pub fn unknown(reason: impl Into<String>, http_status: Option<u16>) -> Verification {
        Verification {
            status: Status::Unknown,
            reason: Some(reason.into()),
            account: BTreeMap::new(),
            http_status,
            checked_at: crate::policy::baseline::now_rfc3339(),
            cached: false,
        }
    }
}
