//! Reporters: pure functions from findings to bytes, behind the [`Sink`]
//! seam. Streaming formats (text, JSONL) write as findings arrive; whole
//! documents (JSON, SARIF) collect and write at the end.

pub mod baseline;
pub mod csv;
pub mod hook;
pub mod inventory;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::finding::{Finding, Origin};
use crate::rules::{Rule, Severity};
use crate::scan::Sink;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human text, grouped by file, with a summary.
    Text,
    /// One JSON document with findings, warnings and summary.
    Json,
    /// One JSON finding per line, streamed as found.
    Jsonl,
    /// SARIF 2.1.0 for code-scanning uploads.
    Sarif,
    /// A baseline file accepting every finding (fingerprints only).
    Baseline,
    /// Comma-separated values, one row per finding (one per secret for
    /// `inventory`).
    Csv,
}

/// What every reporter needs besides the findings.
pub struct ReportOptions {
    /// Put full secrets in the output.
    pub show_secrets: bool,
    /// Use ANSI colours (text only).
    pub color: bool,
    /// Absolute directory artifact URIs are made relative to (SARIF).
    pub base_dir: Option<PathBuf>,
    /// The rules that ran (SARIF lists them all).
    pub rules: Vec<Arc<Rule>>,
    /// Version-control details for SARIF `versionControlProvenance`.
    pub vcs: Option<VcsInfo>,
    /// Who a baseline's entries are attributed to.
    pub author: Option<String>,
}

/// The repository a git scan read, for SARIF.
#[derive(Debug, Clone)]
pub struct VcsInfo {
    /// Remote URL (or a `file://` URL of the repository).
    pub repository_uri: String,
    /// HEAD commit.
    pub revision: Option<String>,
    /// Current branch name.
    pub branch: Option<String>,
}

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
    pub removed: Option<&'a crate::finding::Removal>,
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
    /// What the provider said (`--verify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<&'a crate::verify::Verification>,
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
            decoded: &f.decoded,
            length: f.length,
            secret: f.secret_for_output(show_secrets),
            redacted: !show_secrets,
            snippet: &f.snippet,
            fingerprint: &f.fingerprint,
            entropy: (f.entropy * 1000.0).round() / 1000.0,
            verification: f.verification.as_ref(),
        }
    }
}

/// Builds the sink for `format`, writing to `out`.
pub fn make_sink(format: Format, out: Box<dyn Write + Send>, options: ReportOptions) -> Box<dyn Sink> {
    match format {
        Format::Text => Box::new(text::TextSink::new(out, options)),
        Format::Jsonl => Box::new(json::JsonlSink::new(out, options)),
        Format::Json => Box::new(json::JsonSink::new(out, options)),
        Format::Sarif => Box::new(sarif::SarifSink::new(out, options)),
        Format::Baseline => Box::new(baseline::BaselineSink::new(out, options.author)),
        Format::Csv => Box::new(csv::CsvSink::new(out, options.show_secrets)),
    }
}

/// Findings collected for a whole-document reporter.
#[derive(Default)]
pub(crate) struct Collected(Mutex<Vec<Finding>>);

impl Collected {
    pub(crate) fn push(&self, findings: Vec<Finding>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend(findings);
    }

    /// Takes the findings, in a stable order (path, line, column, rule).
    pub(crate) fn take_sorted(&self) -> Vec<Finding> {
        let mut all = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        all.sort_by(|a, b| {
            (a.origin.display_path(), a.line, a.column, &a.rule_id).cmp(&(
                b.origin.display_path(),
                b.line,
                b.column,
                &b.rule_id,
            ))
        });
        all
    }
}
