//! What a live key can do, as its provider said: the access map that
//! `--access` records for each live secret, and the verdict that ranks
//! findings by blast radius rather than by rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How much a key can do, from the least to the most dangerous. The
/// order is the ranking: reports list `Admin` keys first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    /// The provider did not say enough to tell (or the map failed).
    #[default]
    Unknown,
    /// Reads data only.
    Read,
    /// Changes data: pushes code, writes objects, sends messages, charges.
    Write,
    /// Administers the account: manages users, keys, billing or policies.
    Admin,
}

impl AccessLevel {
    /// Lower-case name as written in packs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::Unknown => "unknown",
            AccessLevel::Read => "read",
            AccessLevel::Write => "write",
            AccessLevel::Admin => "admin",
        }
    }
}

/// One kind of resource the key reaches (repositories, buckets, projects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// What they are (`repositories`).
    pub name: String,
    /// How many the provider listed (at least this many when `truncated`).
    pub count: u64,
    /// Counts of items carrying each flag (`admin`: 3, `push`: 12).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flagged: BTreeMap<String, u64>,
    /// A few of them by name, flagged ones first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<String>,
    /// The listing was cut short (page limit): `count` is a lower bound.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// A privilege the key holds beyond what its kind of work needs, with the
/// narrower alternative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excess {
    /// What the map showed (`scope admin:org`, `policy AdministratorAccess`).
    pub what: String,
    /// The narrower alternative, from the rule's guidance.
    pub advice: String,
}

/// The access map of one live key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessMap {
    /// Admin, write, read or unknown.
    pub level: AccessLevel,
    /// User token, bot, service account, deploy key, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Who the key acts as (account, user, organisation, project, ARN).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identity: BTreeMap<String, String>,
    /// Scopes, permissions, roles or policies, as the provider names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Resources it reaches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resources>,
    /// When the key expires, if the provider said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Least-privilege findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excess: Vec<Excess>,
    /// What could not be learnt (a call refused, a page limit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Requests the map took.
    #[serde(default)]
    pub requests: u32,
}

impl AccessMap {
    /// A map that learnt nothing, with why.
    pub fn unknown(note: impl Into<String>) -> AccessMap {
        AccessMap {
            level: AccessLevel::Unknown,
            kind: None,
            identity: BTreeMap::new(),
            scopes: Vec::new(),
            resources: Vec::new(),
            expires: None,
            excess: Vec::new(),
            notes: vec![note.into()],
            requests: 0,
        }
    }

    /// One line for a terminal: `admin, user token, 3 scopes, 40 repositories (5 admin)`.
    pub fn summary(&self) -> String {
        let mut parts = vec![self.level.as_str().to_string()];
        parts.extend(self.kind.clone());
        if !self.scopes.is_empty() {
            parts.push(format!("{} scope(s)", self.scopes.len()));
        }
        for r in &self.resources {
            let plus = if r.truncated { "+" } else { "" };
            let flags: Vec<String> = r.flagged.iter().map(|(f, n)| format!("{n} {f}")).collect();
            if flags.is_empty() {
                parts.push(format!("{}{plus} {}", r.count, r.name));
            } else {
                parts.push(format!("{}{plus} {} ({})", r.count, r.name, flags.join(", ")));
            }
        }
        parts.join(", ")
    }
}
