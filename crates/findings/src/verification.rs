//! What a provider said about a secret: plain data the verify crate fills
//! in and reporters print.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    /// What the live key can do (`--access`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<crate::access::AccessMap>,
}

impl Verification {
    /// An unknown outcome with its reason.
    pub fn unknown(reason: impl Into<String>, http_status: Option<u16>) -> Verification {
        Verification {
            status: Status::Unknown,
            reason: Some(reason.into()),
            account: BTreeMap::new(),
            http_status,
            checked_at: crate::time::now_rfc3339(),
            cached: false,
            access: None,
        }
    }

    /// The key's access level: from its map when live and mapped; `None`
    /// for keys that are not live.
    pub fn access_level(&self) -> Option<crate::access::AccessLevel> {
        (self.status == Status::Live).then(|| self.access.as_ref().map(|a| a.level).unwrap_or_default())
    }
}

/// Counts of a verification pass, for the summary line and `--fail-on`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyStats {
    /// Unique secrets found live.
    pub live: usize,
    /// Unique secrets the provider rejected.
    pub invalid: usize,
    /// Unique secrets without a trustworthy answer.
    pub unknown: usize,
    /// Unique secrets whose rule has no verifier.
    pub unverifiable: usize,
    /// Findings (locations) of live secrets.
    pub live_findings: usize,
    /// Findings passed on to the reporter.
    pub reported: usize,
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Live secrets by access level (`--access`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub access: BTreeMap<String, usize>,
}
