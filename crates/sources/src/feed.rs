//! What a source feeds: the seam between the inputs and the scan. A source
//! hands over each blob with its origin and reports what it could not read;
//! it knows nothing of rules, the engine or reporters. The scan crate's
//! `ScanRun` is the implementation; tests may plug in their own.

use std::fmt::Display;
use std::path::Path;
use std::sync::Arc;

use keyhound_findings::{Finding, Origin, Provenance, Warning, WarningKind};

/// The receiving end of a source. Called from any thread.
pub trait Feed: Sync {
    /// Scans one blob (counted as a file) and reports its findings; returns
    /// how many were reported.
    fn scan_blob(&self, bytes: &[u8], origin: Arc<Origin>) -> usize;

    /// Scans one blob (counted as a file) and returns its findings without
    /// reporting them, for sources that learn more about the blob's place
    /// later (git history, image visibility) or pick which to report
    /// (added-line filters): they hand them back to [`Feed::report`].
    fn find(&self, bytes: &[u8], origin: Arc<Origin>) -> Vec<Finding>;

    /// Scans a chunk of a stream: like [`Feed::find`] but not counted as a
    /// file; offsets and lines are relative to the chunk.
    fn scan_chunk(&self, bytes: &[u8], origin: &Arc<Origin>) -> Vec<Finding>;

    /// Counts one streamed input as a file (its chunks are not files).
    fn count_stream_file(&self);

    /// Reports one blob's findings with what the source learnt of the
    /// blob's place since it was scanned, joined in by the scan (the
    /// project's policy then has its say); returns how many were reported.
    fn report(&self, findings: Vec<Finding>, provenance: &Provenance) -> usize;

    /// Records a problem with part of the input.
    fn warning(&self, warning: Warning);

    /// Counts something deliberately not scanned.
    fn skip(&self);

    /// Whether the scan was asked to stop.
    fn cancelled(&self) -> bool;

    /// Whether a path relative to a scan root is excluded by the project.
    fn is_excluded(&self, relative: &Path) -> bool;

    /// Announces a phase of long work (walking commits, diffing trees,
    /// scanning blobs, pulling layers) with its item count when known, so
    /// the person waiting on a terminal sees what is happening; the count
    /// of done items restarts at zero. Feeds without a display ignore it.
    fn phase(&self, _name: &'static str, _total: Option<u64>) {}

    /// Counts `n` items of the current [`Feed::phase`] as done.
    fn advance(&self, _n: u64) {}
}

impl dyn Feed + '_ {
    /// Records a warning of `kind` about `path` (or the input as a whole).
    pub fn warn(&self, kind: WarningKind, path: Option<&str>, message: impl Display) {
        self.warning(Warning::new(kind, path, message));
    }
}
