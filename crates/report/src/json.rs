//! JSON (one document) and JSONL (one finding per line, streamed).

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

use crate::options::ReportOptions;
use crate::view::{Collected, FindingView};
use keyhound_findings::Finding;
use keyhound_findings::{Sink, Summary};
use std::collections::BTreeMap;

/// Streams one JSON object per finding, one per line, as found; or, with
/// `--sort`, holds them and writes them in the stable order at the end.
pub struct JsonlSink {
    out: Mutex<Box<dyn Write + Send>>,
    show_secrets: bool,
    /// Findings held for `--sort`.
    held: Option<Collected>,
}

impl JsonlSink {
    /// A JSONL sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions) -> Self {
        JsonlSink {
            out: Mutex::new(out),
            show_secrets: options.show_secrets,
            held: options.sort.then(Collected::default),
        }
    }

    fn lines(&self, findings: &[Finding]) -> Vec<u8> {
        let mut buf = Vec::new();
        for f in findings {
            if serde_json::to_writer(&mut buf, &JsonFinding::new(f, self.show_secrets)).is_ok() {
                buf.push(b'\n');
            }
        }
        buf
    }
}

impl Sink for JsonlSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        if let Some(held) = &self.held {
            held.push(findings);
            return;
        }
        let buf = self.lines(&findings);
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = out.write_all(&buf).and_then(|()| out.flush());
    }

    fn finish(&self, _summary: &Summary) -> std::io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = &self.held {
            out.write_all(&self.lines(&held.take_sorted()))?;
        }
        out.flush()
    }
}

/// A finding as JSON and JSONL write it: the common view, plus, under
/// `--show-secrets`, the values found beside the secret that its verifier
/// and revocation API need (an org or workspace host), so `keyhound
/// revoke` can send the request to the same host verification would.
#[derive(Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    view: FindingView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    companions: Option<&'a BTreeMap<String, String>>,
}

impl<'a> JsonFinding<'a> {
    fn new(f: &'a Finding, show_secrets: bool) -> Self {
        JsonFinding {
            view: FindingView::new(f, show_secrets),
            companions: (show_secrets && !f.verify_values.is_empty()).then_some(&f.verify_values),
        }
    }
}

/// Collects everything and writes one JSON document at the end.
pub struct JsonSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    show_secrets: bool,
}

impl JsonSink {
    /// A JSON sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions) -> Self {
        JsonSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            show_secrets: options.show_secrets,
        }
    }
}

#[derive(Serialize)]
struct Document<'a> {
    tool: &'static str,
    version: &'static str,
    findings: Vec<JsonFinding<'a>>,
    summary: &'a Summary,
}

impl Sink for JsonSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let findings = self.collected.take_sorted();
        let doc = Document {
            tool: "keyhound",
            version: env!("CARGO_PKG_VERSION"),
            findings: findings
                .iter()
                .map(|f| JsonFinding::new(f, self.show_secrets))
                .collect(),
            summary,
        };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}
