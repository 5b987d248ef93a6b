//! CSV: one row per finding, for spreadsheets and ticket imports, in the
//! stable order of the whole-document formats (path, line, column, rule).

use std::io::Write;
use std::sync::Mutex;

use crate::view::Collected;
use keyhound_findings::Finding;
use keyhound_findings::{Sink, Summary};

const HEADER: &str = "rule_id,severity,path,line,column,secret,fingerprint,commit,author,date,verification";

/// Collects findings and writes them as CSV rows after a header row.
pub struct CsvSink {
    out: Mutex<Box<dyn Write + Send>>,
    show_secrets: bool,
    collected: Collected,
}

impl CsvSink {
    /// A CSV sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send>, show_secrets: bool) -> Self {
        CsvSink {
            out: Mutex::new(out),
            show_secrets,
            collected: Collected::default(),
        }
    }
}

/// Quotes a field when it holds a separator, quote or line break.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn row(f: &Finding, show: bool) -> String {
    let (commit, author, date) = f
        .origin
        .commit_info()
        .map(|c| (c.commit.to_string(), c.identity(), c.date.to_string()))
        .unwrap_or_default();
    [
        f.rule_id.clone(),
        f.severity.as_str().to_string(),
        f.origin.display_path().to_string(),
        f.line.to_string(),
        f.column.to_string(),
        f.secret_for_output(show),
        f.fingerprint.clone(),
        commit,
        author,
        date,
        f.verification
            .as_ref()
            .map(|v| v.status.as_str().to_string())
            .unwrap_or_default(),
    ]
    .iter()
    .map(|x| field(x))
    .collect::<Vec<_>>()
    .join(",")
}

impl Sink for CsvSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, _summary: &Summary) -> std::io::Result<()> {
        let mut text = format!("{HEADER}\n");
        for f in &self.collected.take_sorted() {
            text.push_str(&row(f, self.show_secrets));
            text.push('\n');
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}
