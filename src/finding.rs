//! Findings: what a reporter prints, a baseline records and a verifier checks.
//!
//! A finding's identity is its [`fingerprint`]: a hash of the rule id and the
//! secret only, never of where it was seen, so the same key is one identity
//! across files, commits, line moves and runs.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::engine::{Candidate, Scanner};
use crate::rules::Severity;

/// Where a blob was seen. Sources create these; reporters only read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk, by the path the walk produced.
    File {
        /// Path as displayed (relative to the working directory when given so).
        path: String,
    },
    /// Standard input, under the name the user gave it (default `stdin`).
    Stdin {
        /// Display name.
        name: String,
    },
    /// A blob in git history, with the commit that first introduced it at
    /// this path.
    GitBlob {
        /// Path in the commit's tree.
        path: String,
        /// Introducing commit (full hex id).
        commit: String,
        /// Author name of that commit: the probable owner of the secret.
        author: String,
        /// Author email.
        email: String,
        /// Author date, RFC 3339.
        date: String,
        /// The blob id.
        blob: String,
        /// Other (commit, path) places that carry the same blob.
        other_locations: usize,
    },
    /// A commit message.
    GitMessage {
        /// Display name (`commit/<id>/message`).
        name: String,
        /// Commit id.
        commit: String,
        /// Author name.
        author: String,
        /// Author email.
        email: String,
        /// Author date, RFC 3339.
        date: String,
    },
    /// A file as staged in the index (what the pre-commit hook checks).
    Staged {
        /// Path in the index.
        path: String,
    },
    /// A file in a container image layer.
    ImageLayer {
        /// Path inside the layer (`!` separates nested archive members).
        path: String,
        /// Image name (tag, or digest) and platform.
        image: String,
        /// 0-based layer index, bottom first.
        layer_index: usize,
        /// Layer digest.
        layer_digest: String,
        /// The history step that created the layer (`created_by`).
        created_by: Option<String>,
        /// Whether the file is still visible in the final image.
        visible: bool,
        /// The later layer that deleted (whiteout) or replaced the file.
        hidden_by_layer: Option<usize>,
    },
    /// A field of an image's config (Env, Cmd, Labels, history).
    ImageConfig {
        /// Display name (`image!config:Env[2]`).
        name: String,
        /// Image name.
        image: String,
        /// The config field.
        field: String,
    },
}

/// The commit behind a git origin, as reporters show it.
#[derive(Debug, Clone, Copy)]
pub struct CommitInfo<'a> {
    /// Commit id.
    pub commit: &'a str,
    /// Author name.
    pub author: &'a str,
    /// Author email.
    pub email: &'a str,
    /// Author date, RFC 3339.
    pub date: &'a str,
}

impl CommitInfo<'_> {
    /// `Name <email>`.
    pub fn identity(&self) -> String {
        format!("{} <{}>", self.author, self.email)
    }
}

impl Origin {
    /// The commit of a git blob or message origin.
    pub fn commit_info(&self) -> Option<CommitInfo<'_>> {
        match self {
            Origin::GitBlob {
                commit,
                author,
                email,
                date,
                ..
            }
            | Origin::GitMessage {
                commit,
                author,
                email,
                date,
                ..
            } => Some(CommitInfo {
                commit,
                author,
                email,
                date,
            }),
            _ => None,
        }
    }

    /// The path-like name reporters show and SARIF uses as artifact URI.
    pub fn display_path(&self) -> &str {
        match self {
            Origin::File { path } | Origin::GitBlob { path, .. } | Origin::Staged { path } => path,
            Origin::ImageLayer { path, .. } => path,
            Origin::Stdin { name } | Origin::GitMessage { name, .. } | Origin::ImageConfig { name, .. } => name,
        }
    }
}

/// The commit where a secret no longer in HEAD left the tree (git history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// The latest commit that replaced or deleted a blob holding the secret.
    pub commit: String,
    /// Its author.
    pub author: String,
    /// Its author date, RFC 3339.
    pub date: String,
}

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

fn printable(c: char) -> char {
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
    /// Stable identity: see [`fingerprint`].
    pub fingerprint: String,
    /// Shannon entropy of the secret, bits per byte.
    pub entropy: f64,
    /// What the provider said under `--verify` (none without a verifier).
    pub verification: Option<crate::verify::Verification>,
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

/// Longest snippet reporters show; the secret stays in view.
const SNIPPET_MAX: usize = 160;

/// Turns a blob's accepted candidates into findings with line, column,
/// fingerprint and a snippet in which every secret on the line is redacted.
pub fn build_findings(
    scanner: &Scanner,
    hay: &[u8],
    origin: &Arc<Origin>,
    candidates: &[Candidate],
    show_secrets: bool,
) -> Vec<Finding> {
    let mut locator = Locator::new(hay);
    candidates
        .iter()
        .map(|cand| {
            let rule = &scanner.rules()[cand.rule];
            let secret_bytes = cand.secret_bytes(hay);
            let secret = String::from_utf8_lossy(secret_bytes).into_owned();
            let located = &hay[cand.secret.clone()];
            let (line, column, line_start) = locator.locate(cand.secret.start);
            let newlines = memchr::memchr_iter(b'\n', located).count();
            let end_column = match memchr::memrchr(b'\n', located) {
                Some(p) => char_count(&located[p + 1..]) + 1,
                None => column + char_count(located),
            };
            Finding {
                rule_id: rule.id().to_string(),
                rule_name: rule.spec.name.clone(),
                severity: rule.spec.severity,
                origin: Arc::clone(origin),
                line,
                column,
                end_line: line + newlines,
                end_column,
                offset: cand.secret.start,
                present_in_head: None,
                removed: None,
                decoded: cand
                    .decoded
                    .as_ref()
                    .map(|d| d.chain.iter().map(|c| c.to_string()).collect())
                    .unwrap_or_default(),
                length: cand.secret.len(),
                fingerprint: fingerprint(rule.id(), &secret),
                entropy: crate::engine::filters::shannon_entropy(secret_bytes),
                snippet: snippet(hay, line_start, cand, candidates, show_secrets),
                secret: Secret::new(secret),
                verification: None,
                verify_values: Default::default(),
            }
        })
        .collect()
}

/// The line around `cand`, cut to a readable window, with every candidate's
/// secret on it redacted (unless `show`).
fn snippet(hay: &[u8], line_start: usize, cand: &Candidate, all: &[Candidate], show: bool) -> String {
    let line_end = memchr::memchr(b'\n', &hay[line_start..]).map_or(hay.len(), |p| line_start + p);
    let lo = cand.secret.start.saturating_sub(SNIPPET_MAX / 2).max(line_start);
    let hi = (lo + SNIPPET_MAX).min(line_end);
    let mut on_line: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.secret.start < hi && c.secret.end > lo)
        .collect();
    on_line.sort_by_key(|c| c.secret.start);
    let text = |range: std::ops::Range<usize>| String::from_utf8_lossy(&hay[range]).into_owned();
    let mut out = String::new();
    let mut pos = lo;
    for c in on_line {
        let start = c.secret.start.max(pos);
        if start >= hi {
            break;
        }
        out.push_str(&text(pos..start));
        let end = c.secret.end.min(hi).max(start);
        if show {
            out.push_str(&text(start..end));
        } else if start == c.secret.start {
            out.push_str(&redact(&text(c.secret.clone())));
        }
        pos = end;
    }
    out.push_str(&text(pos..hi.max(pos)));
    out.trim().chars().map(printable).collect()
}

/// Counts Unicode scalar values in possibly-invalid UTF-8 (an invalid byte
/// counts as one), for columns.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// Monotonic offset → (line, column) conversion: each call continues from
/// the last, so a blob with many findings is walked once.
struct Locator<'a> {
    hay: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

impl<'a> Locator<'a> {
    fn new(hay: &'a [u8]) -> Self {
        Locator {
            hay,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn locate(&mut self, offset: usize) -> (usize, usize, usize) {
        if offset < self.pos {
            *self = Locator::new(self.hay);
        }
        for nl in memchr::memchr_iter(b'\n', &self.hay[self.pos..offset]) {
            self.line += 1;
            self.line_start = self.pos + nl + 1;
        }
        self.pos = offset;
        let column = char_count(&self.hay[self.line_start..offset]) + 1;
        (self.line, column, self.line_start)
    }
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

    #[test]
    fn locator_counts_lines_and_unicode_columns() {
        let hay = "a\nbé c\nxyz".as_bytes();
        let mut loc = Locator::new(hay);
        assert_eq!(loc.locate(0), (1, 1, 0));
        let c = hay.iter().position(|&b| b == b'c').unwrap();
        assert_eq!(loc.locate(c), (2, 4, 2));
        let z = hay.len() - 1;
        assert_eq!(loc.locate(z), (3, 3, hay.len() - 3));
    }
}
