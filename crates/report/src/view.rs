//! Findings as the machine formats show them, and findings collected for
//! whole-document reporters in a stable order.

use std::sync::Mutex;

use keyhound_findings::{Finding, Origin};
use keyhound_rules::Severity;
use serde::Serialize;

/// A finding as JSON/JSONL show it: the secret already redacted or not.
#[derive(Debug, Serialize)]
pub struct FindingView<'a> {
    /// Rule id.
    pub rule_id: &'a str,
    /// Rule name.
    pub rule_name: &'a str,
    /// Severity.
    pub severity: Severity,
    /// Display path of the origin.
    pub path: &'a str,
    /// Full origin (kind-specific fields).
    pub origin: &'a Origin,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// 1-based end line.
    pub end_line: usize,
    /// 1-based end column.
    pub end_column: usize,
    /// Byte offset of the secret.
    pub offset: usize,
    /// Git history: whether the secret is still in HEAD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present_in_head: Option<bool>,
    /// Git history: the commit that removed a secret gone from HEAD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<&'a keyhound_findings::Removal>,
    /// Agent transcripts: the session, message, role and tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<&'a keyhound_findings::TranscriptPlace>,
    /// Encodings the secret was found inside (`["base64"]`).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub decoded: &'a [String],
    /// Byte length of the secret.
    pub length: usize,
    /// Secret, redacted unless `--show-secrets`.
    pub secret: String,
    /// Whether `secret` is redacted.
    pub redacted: bool,
    /// The line, redacted likewise.
    pub snippet: &'a str,
    /// Stable fingerprint.
    pub fingerprint: &'a str,
    /// Entropy of the secret in bits per byte.
    pub entropy: f64,
    /// Why a credential-file reader kept the value (never the value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// What the provider said (`--verify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<&'a keyhound_findings::Verification>,
}

impl<'a> FindingView<'a> {
    /// Views a finding for output.
    pub fn new(f: &'a Finding, show_secrets: bool) -> Self {
        FindingView {
            rule_id: &f.rule_id,
            rule_name: &f.rule_name,
            severity: f.severity,
            path: f.origin.display_path(),
            origin: &f.origin,
            line: f.line,
            column: f.column,
            end_line: f.end_line,
            end_column: f.end_column,
            offset: f.offset,
            present_in_head: f.present_in_head,
            removed: f.removed.as_ref(),
            transcript: f.transcript.as_ref(),
            decoded: &f.decoded,
            length: f.length,
            secret: f.secret_for_output(show_secrets),
            redacted: !show_secrets,
            snippet: &f.snippet,
            fingerprint: &f.fingerprint,
            entropy: (f.entropy * 1000.0).round() / 1000.0,
            reason: f.reason.as_deref(),
            verification: f.verification.as_ref(),
        }
    }
}

/// Findings collected for a whole-document reporter.
#[derive(Default)]
pub(crate) struct Collected(Mutex<Vec<Finding>>);

impl Collected {
    pub(crate) fn push(&self, findings: Vec<Finding>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend(findings);
    }

    /// Takes the findings, in a stable order: git history by the date its
    /// commit first showed each one (oldest leak first, the order an
    /// incident is told in), then by [`place`].
    pub(crate) fn take_sorted(&self) -> Vec<Finding> {
        let all = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        // Dates are parsed once per finding, not once per comparison, and
        // compared as instants: RFC 3339 strings with different offsets do
        // not sort as text.
        let mut dated: Vec<(Option<i64>, Finding)> = all.into_iter().map(|f| (first_seen(&f), f)).collect();
        dated.sort_by(|a, b| (a.0, place(&a.1)).cmp(&(b.0, place(&b.1))));
        dated.into_iter().map(|(_, f)| f).collect()
    }
}

/// When a history finding's commit was authored, in seconds; `None` for
/// every other source, which then sorts by place alone.
fn first_seen(f: &Finding) -> Option<i64> {
    f.origin
        .commit_info()
        .and_then(|c| keyhound_findings::time::parse_seconds(c.date))
}

/// Where a finding sorts: path, line, column, rule; then, for the same
/// place seen in several commits or image layers, the commit's date and
/// id or the layer, and the fingerprint — so no two findings tie and the
/// order never depends on which thread found what first.
pub(crate) fn place(f: &Finding) -> impl Ord + '_ {
    let commit = f.origin.commit_info();
    let layer = match &*f.origin {
        Origin::ImageLayer { image, layer_index, .. } => Some((image.as_str(), *layer_index)),
        _ => None,
    };
    (
        (f.origin.display_path(), f.line, f.column, f.rule_id.as_str()),
        commit.map(|c| (c.date, c.commit)),
        layer,
        (f.fingerprint.as_str(), f.offset),
    )
}
