//! One reported secret at one location.

use std::sync::Arc;

use keyhound_rules::Severity;
use serde::{Serialize, Serializer};

use crate::origin::{Origin, Removal};
use crate::secret::Secret;
use crate::transcript::TranscriptPlace;
use crate::verification::Verification;

/// One reported secret at one location.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Rule that fired.
    pub rule_id: String,
    /// Human rule name.
    pub rule_name: String,
    /// Severity from the rule.
    pub severity: Severity,
    /// Where the blob was seen.
    pub origin: Arc<Origin>,
    /// 1-based line of the secret's first byte.
    pub line: usize,
    /// 1-based column (Unicode scalar values) of the secret's first byte.
    pub column: usize,
    /// 1-based line of the secret's last byte.
    pub end_line: usize,
    /// 1-based column just past the secret's last character.
    pub end_column: usize,
    /// Byte offset of the secret in the blob.
    pub offset: usize,
    /// Git history only: whether the same secret is still in HEAD's tree.
    pub present_in_head: Option<bool>,
    /// Git history only: when a secret gone from HEAD was removed.
    pub removed: Option<Removal>,
    /// An agent transcript only: the session, message, role and tool the
    /// secret was in (the line stays the JSONL record's line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<TranscriptPlace>,
    /// The encodings the secret was found inside, outermost first (empty
    /// when it was in plain sight).
    pub decoded: Vec<String>,
    /// Byte length of the secret.
    pub length: usize,
    /// The secret itself; serialised redacted (see [`Finding::to_output`]).
    #[serde(serialize_with = "serialize_redacted")]
    pub secret: Secret,
    /// The line holding the secret, with every secret on it redacted (or not,
    /// under `--show-secrets`), trimmed and cut to a readable length.
    pub snippet: String,
    /// Stable identity: see [`crate::fingerprint`].
    pub fingerprint: String,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f64,
    /// Why a credential-file reader kept the value ("password field of a
    /// .pgpass entry for app@db/app"): set when the file's own syntax, not
    /// the value's shape, made it a finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the provider said under `--verify` (none without a verifier).
    pub verification: Option<Verification>,
    /// Values a verifier needs besides the secret (companion key ids,
    /// hosts), gathered at scan time under `--verify`; never serialised.
    #[serde(skip)]
    pub verify_values: std::collections::BTreeMap<String, String>,
}

fn serialize_redacted<S: Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&secret.redacted())
}

impl Finding {
    /// The secret as outputs show it.
    pub fn secret_for_output(&self, show_secrets: bool) -> String {
        if show_secrets {
            self.secret.expose().to_string()
        } else {
            self.secret.redacted()
        }
    }
}
