//! What an access map has learnt about a live key, filled by the
//! declarative calls (`access`) and the built-in flows (`aws_access`) alike
//! and judged by the rule's verdict and excess rules.

use std::collections::BTreeMap;

use keyhound_findings::Resources;

/// What a map has learnt so far; the built-in flows fill it too.
#[derive(Debug, Default)]
pub struct Learnt {
    /// Named facts (the verifier's account fields first).
    pub facts: BTreeMap<String, String>,
    /// Scopes, permissions, roles or policies.
    pub scopes: Vec<String>,
    /// Resource listings.
    pub resources: Vec<Resources>,
    /// What could not be learnt.
    pub notes: Vec<String>,
    /// Requests sent.
    pub requests: u32,
}
