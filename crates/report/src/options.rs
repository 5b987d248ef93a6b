//! What a reporter is told besides the findings: the format, whether to
//! show secrets, where paths are relative to, the repository.

use std::path::PathBuf;
use std::sync::Arc;

use keyhound_rules::Rule;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Human text, grouped by file, with a summary.
    Text,
    /// One JSON document with findings, warnings and summary.
    Json,
    /// One JSON finding per line, streamed as found (in a stable order
    /// with `--sort`).
    Jsonl,
    /// SARIF 2.1.0 for code-scanning uploads.
    Sarif,
    /// A baseline file accepting every finding (fingerprints only).
    Baseline,
    /// Comma-separated values, one row per finding in a stable order (one
    /// per secret for `inventory`).
    Csv,
    /// One self-contained HTML audit report: summary, exposure timeline,
    /// access maps, revocation guidance, filterable findings.
    Html,
    /// GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
    /// annotation per finding (secrets always redacted), then the totals.
    Github,
    /// GitLab's Secret Detection security report
    /// (`gl-secret-detection-report.json`) for `artifacts: reports:
    /// secret_detection`.
    Gitlab,
    /// JUnit XML: one failing test case per finding (one passing case for
    /// a clean scan), for CI systems that show test results.
    Junit,
}

/// What every reporter needs besides the findings.
#[derive(Clone)]
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
    /// JSONL: hold the findings and write them in the stable order at the
    /// end (`--sort`) instead of streaming them as they are found.
    pub sort: bool,
    /// Text: list every place of a history or image finding (default:
    /// one entry per secret with its first few places).
    pub all_locations: bool,
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
