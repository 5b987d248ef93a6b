//! A secret value that never shows itself by accident, its redaction, and
//! its fingerprint: the identity of a secret under a rule.

use std::fmt;

use sha2::{Digest, Sha256};

/// A secret value. `Debug` and `Display` never show it; reporters ask for
/// [`Secret::expose`] or [`Secret::redacted`] explicitly.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The full value; only for `--show-secrets`, fingerprints and verifiers.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value reduced to a short prefix.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// Redacts a secret to a short prefix: six characters of long secrets, two of
/// short ones, none of very short ones — enough to recognise a key you own,
/// never enough to use it.
pub fn redact(secret: &str) -> String {
    let chars = secret.chars().count();
    let keep = match chars {
        0..=7 => 0,
        8..=15 => 2,
        16..=23 => 4,
        _ => 6,
    };
    let prefix: String = secret.chars().take(keep).map(printable).collect();
    format!("{prefix}****")
}

/// A character fit for a terminal: control characters become `?`.
pub fn printable(c: char) -> char {
    if c.is_control() {
        '?'
    } else {
        c
    }
}

/// Stable identity of a secret under a rule: SHA-256 of `rule_id NUL secret`,
/// first 16 bytes in hex.
pub fn fingerprint(rule_id: &str, secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(secret.as_bytes());
    let digest = hasher.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_rule_and_secret_only() {
        let a = fingerprint("aws-access-key-id", "QXJB2E0A8F3B244C9986");
        assert_eq!(a, fingerprint("aws-access-key-id", "QXJB2E0A8F3B244C9986"));
        assert_ne!(a, fingerprint("other-rule", "QXJB2E0A8F3B244C9986"));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn redaction_keeps_only_a_prefix() {
        assert_eq!(redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"), "ghp_ab****");
        assert_eq!(redact("short"), "****");
        assert!(!redact("q8Zt3vLp0sWx9KjR").contains("q8Zt3v"));
    }
}
