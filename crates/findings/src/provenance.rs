//! What a source learns about a blob's place only after scanning it, kept
//! apart from matching: a source hands the scan a blob's findings together
//! with their [`Provenance`], and the scan joins the two once, when it
//! reports them. Sources never patch findings.
//!
//! Four things are learnt late: a stream chunk's position in its stream
//! (the engine sees the chunk alone), an image file's visibility (known
//! once every later layer's whiteouts are read), git history's facts
//! about each secret (still in HEAD? which commit removed it?), which need
//! every blob of the history scanned first and are computed once per run,
//! and, in an agent's transcript, the session, message and tool each
//! finding's record belongs to (read only for files that hold findings).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::finding::Finding;
use crate::origin::{Origin, Removal};
use crate::transcript::TranscriptIndex;

/// Where a chunk of a stream starts in the whole stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPosition {
    /// Byte offset of the chunk's first byte.
    pub offset: usize,
    /// 1-based line of the chunk's first byte.
    pub line: usize,
}

/// What the whole history says about the secrets it holds, computed once
/// after every blob was scanned.
#[derive(Debug, Clone, Default)]
pub struct HistoryIndex {
    /// Fingerprints of the secrets some blob of HEAD's tree still holds.
    pub in_head: HashSet<String>,
    /// For each secret gone from HEAD, the latest commit that replaced or
    /// deleted a blob holding it.
    pub removed: HashMap<String, Removal>,
}

/// Where in history a blob's findings were seen.
#[derive(Debug, Clone)]
pub enum HistoryPlace {
    /// A blob of some commit's tree.
    Tree(Arc<HistoryIndex>),
    /// A commit message: never part of HEAD's tree.
    Message,
}

/// The late-known provenance of one blob's findings.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// Where the blob was seen, when that is settled only after the scan
    /// (an image layer file and its visibility); `None` keeps the origin
    /// the blob was scanned under.
    pub origin: Option<Arc<Origin>>,
    /// For a chunk of a stream: where the chunk starts.
    pub stream_position: Option<StreamPosition>,
    /// For git history: the blob's place and what history says of it.
    pub history: Option<HistoryPlace>,
    /// For an agent's transcript: each finding's place in it, by offset.
    pub transcript: Option<Arc<TranscriptIndex>>,
}

impl Provenance {
    /// Nothing learnt late: findings are reported as built.
    pub fn none() -> Provenance {
        Provenance::default()
    }

    /// The blob's origin, settled after the scan.
    pub fn origin(origin: Arc<Origin>) -> Provenance {
        Provenance {
            origin: Some(origin),
            ..Provenance::default()
        }
    }

    /// A chunk of a stream starting at `position`.
    pub fn stream(position: StreamPosition) -> Provenance {
        Provenance {
            stream_position: Some(position),
            ..Provenance::default()
        }
    }

    /// A blob or message of git history.
    pub fn history(place: HistoryPlace) -> Provenance {
        Provenance {
            history: Some(place),
            ..Provenance::default()
        }
    }

    /// A transcript's blob: each finding's place in it, by offset.
    pub fn transcript(index: Arc<TranscriptIndex>) -> Provenance {
        Provenance {
            transcript: Some(index),
            ..Provenance::default()
        }
    }

    /// A finding with this provenance joined in: its origin, its place in
    /// a transcript, its position in the stream, and history's facts about
    /// its secret.
    pub fn join(&self, mut finding: Finding) -> Finding {
        if let Some(origin) = &self.origin {
            finding.origin = Arc::clone(origin);
        }
        if let Some(index) = &self.transcript {
            finding.transcript = index.place_at(finding.offset).cloned();
        }
        if let Some(at) = self.stream_position {
            finding.offset += at.offset;
            finding.line += at.line - 1;
            finding.end_line += at.line - 1;
        }
        match &self.history {
            Some(HistoryPlace::Tree(index)) => {
                finding.present_in_head = Some(index.in_head.contains(&finding.fingerprint));
                finding.removed = index.removed.get(&finding.fingerprint).cloned();
            }
            Some(HistoryPlace::Message) => finding.present_in_head = Some(false),
            None => {}
        }
        finding
    }
}
