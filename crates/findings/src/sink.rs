//! The seam between a scan and its reporter (ripgrep's printer seam: the
//! scan never knows which reporter it feeds), and the totals a scan ends
//! with.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::Finding;
use crate::warning::{Warning, WarningKind, WarningSummary};

/// Warnings kept for JSON/SARIF; more are counted but not stored.
pub const MAX_KEPT_WARNINGS: usize = 1000;

/// Receives findings as sources produce them (ripgrep's printer seam: the
/// scan never knows which reporter it feeds).
pub trait Sink: Send + Sync {
    /// All findings of one blob, in offset order. Never called with none.
    fn blob_findings(&self, findings: Vec<Finding>);
    /// The scan is over: whole-document reporters write now.
    fn finish(&self, summary: &Summary) -> std::io::Result<()>;
}

/// Totals reported at the end of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Blobs (files, stdin chunks' stream) scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings reported (after policy).
    pub findings: u64,
    /// Findings suppressed by accepted fingerprints.
    pub accepted: u64,
    /// Files skipped (too large, excluded).
    pub skipped: u64,
    /// Number of warnings.
    pub warning_count: u64,
    /// How many warnings of each kind there were.
    pub warning_counts: BTreeMap<WarningKind, u64>,
    /// The warnings themselves (the first [`MAX_KEPT_WARNINGS`]).
    pub warnings: Vec<Warning>,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
    /// Throughput in MB/s (10^6 bytes).
    pub mb_per_sec: f64,
    /// Rules that ran.
    pub rules: usize,
    /// The scan was stopped early (Ctrl-C, SIGTERM): the report covers only
    /// what was read before, and whole-document formats say so.
    pub interrupted: bool,
}

impl Summary {
    /// The warnings grouped by kind, for the text summary.
    pub fn warnings_by_kind(&self) -> Vec<WarningSummary> {
        WarningSummary::group(&self.warnings, &self.warning_counts)
    }
}
