//! `--format html`: the audit report, one self-contained HTML file for the
//! people who read an audit without running keyhound (the security lead,
//! each key's owner, the auditor).
//!
//! The page is a pure function of its input ([`Page`]: the findings as
//! [`Record`]s, the rules' guidance, and optionally the revocation plan and
//! the revocation times of an audit log): same input, same bytes. It makes
//! no network request — CSS, the filter script and the charts (SVG drawn
//! here) are inline, and a Content-Security-Policy allows nothing else —
//! and everything but the table filters works without JavaScript.
//!
//! [`HtmlSink`] renders a scan's findings; [`crate::saved`] reads a saved
//! JSON, JSONL or SARIF report back into records so `keyhound report` can
//! render it later.

mod model;
mod page;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

use crate::options::ReportOptions;
use crate::view::Collected;
use keyhound_findings::{Finding, Sink, Summary};

pub use model::{ExposureEntry, ExposureUsage, ExposureUse, Page, PlanEntry, Planner, Record, RuleInfo, Totals};
pub use page::{escape, render, render_with_exposure};

/// Collects a scan's findings and writes the HTML report at the end.
pub struct HtmlSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    rules: BTreeMap<String, RuleInfo>,
    show_secrets: bool,
    source: Option<String>,
    planner: Option<Planner>,
}

impl HtmlSink {
    /// An HTML sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions) -> Self {
        let source = options.vcs.as_ref().map(|vcs| {
            let mut text = vcs.repository_uri.clone();
            if let Some(branch) = &vcs.branch {
                text.push_str(&format!(" ({branch})"));
            }
            if let Some(revision) = &vcs.revision {
                text.push_str(&format!(" at {revision}"));
            }
            text
        });
        HtmlSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            rules: RuleInfo::of_rules(&options.rules),
            show_secrets: options.show_secrets,
            source,
            planner: None,
        }
    }

    /// Adds the revocation plan, computed from the findings at the end.
    pub fn with_planner(mut self, planner: Planner) -> Self {
        self.planner = Some(planner);
        self
    }
}

impl Sink for HtmlSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let records: Vec<Record> = self
            .collected
            .take_sorted()
            .iter()
            .map(|f| Record::from_finding(f, self.show_secrets))
            .collect();
        let plan = self.planner.as_ref().map(|p| p(&records)).unwrap_or_default();
        let page = Page {
            records,
            rules: self.rules.clone(),
            plan,
            revoked: BTreeMap::new(),
            totals: Some(Totals::of(summary)),
            source: self.source.clone(),
            show_secrets: self.show_secrets,
        };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(render(&page).as_bytes())?;
        out.flush()
    }
}

#[cfg(test)]
mod tests;
