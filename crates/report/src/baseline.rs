//! Writes every finding as an accepted baseline entry: `keyhound baseline
//! create` (or `--format baseline`). Only fingerprints and locations go in
//! the file, never secrets.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

use crate::view::Collected;
use keyhound_findings::baseline::{Baseline, Entry, Reason};
use keyhound_findings::time::now_rfc3339;
use keyhound_findings::Finding;
use keyhound_findings::{Sink, Summary};

/// Collects findings into a baseline document.
pub struct BaselineSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    author: Option<String>,
}

impl BaselineSink {
    /// A baseline sink writing to `out`, attributing entries to `author`.
    pub fn new(out: Box<dyn Write + Send>, author: Option<String>) -> Self {
        BaselineSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            author,
        }
    }
}

/// One entry per fingerprint (the first location seen).
pub fn baseline_of(findings: &[Finding], author: Option<String>) -> Baseline {
    let date = now_rfc3339();
    let mut entries: BTreeMap<&str, Entry> = BTreeMap::new();
    for f in findings {
        entries.entry(&f.fingerprint).or_insert_with(|| Entry {
            fingerprint: f.fingerprint.clone(),
            rule_id: Some(f.rule_id.clone()),
            path: Some(f.origin.display_path().to_string()),
            reason: Reason::Baseline,
            author: author.clone(),
            date: Some(date.clone()),
        });
    }
    Baseline {
        version: 1,
        entries: entries.into_values().collect(),
    }
}

impl Sink for BaselineSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, _summary: &Summary) -> std::io::Result<()> {
        let baseline = baseline_of(&self.collected.take_sorted(), self.author.clone());
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        serde_json::to_writer_pretty(&mut *out, &baseline)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}
