//! GitHub Actions workflow commands: one annotation per finding, so a
//! leak shows on the pull request's diff and in the run's summary.
//!
//! `::error file=PATH,line=N,endLine=M,col=C,endColumn=D,title=TITLE::MESSAGE`,
//! with GitHub's escaping (`%` `\r` `\n` in the message; those and `:` `,`
//! in properties). The level follows the SARIF mapping, so a finding reads
//! the same in code scanning and in annotations: critical and high are
//! `error`, medium `warning`, low `notice`. Whether the step fails is the
//! exit code's business (`--fail-on`), not the level's.
//!
//! Annotations are public to whoever can read the run, so the secret is
//! always redacted, even under `--show-secrets` (see `ci`). Findings without
//! a file in the checkout (standard input, images, commit messages) get an
//! annotation without `file=`, their place in the message; history findings
//! keep their path and name their commit in the message. A `notice` with
//! the totals ends the output: GitHub shows only the first few annotations
//! of each level per step, and the totals say how many there were.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::ci;
use crate::options::ReportOptions;
use crate::view::Collected;
use keyhound_findings::{Finding, Sink, Summary};
use keyhound_rules::Severity;

/// Collects findings and writes one workflow command per finding at the end,
/// in the stable order every whole-document reporter uses.
pub struct GithubSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    show_secrets: bool,
    cwd: Option<PathBuf>,
}

impl GithubSink {
    /// A GitHub Actions sink writing to `out`; paths are made relative to
    /// the current directory, which is the workspace GitHub resolves them in.
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions) -> Self {
        GithubSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            show_secrets: options.show_secrets,
            cwd: ci::current_dir(),
        }
    }
}

impl Sink for GithubSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let findings = self.collected.take_sorted();
        let text = render(&findings, summary, self.cwd.as_deref(), self.show_secrets);
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}

/// The workflow command a severity becomes (the SARIF level's counterpart).
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

/// Escapes a command's message as `@actions/core` does: `%`, `\r`, `\n`.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value as `@actions/core` does: the message's three
/// and `:` and `,`, which would otherwise end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One finding's workflow command, without the newline.
pub fn annotation(f: &Finding, cwd: Option<&std::path::Path>) -> String {
    let mut props = Vec::new();
    if let Some(path) = ci::checkout_path(f, cwd) {
        props.push(format!("file={}", escape_property(&path)));
        props.push(format!("line={}", f.line));
        props.push(format!("endLine={}", f.end_line.max(f.line)));
        // GitHub takes columns only for an annotation on one line.
        if f.end_line <= f.line {
            props.push(format!("col={}", f.column));
            props.push(format!("endColumn={}", f.end_column.max(f.column)));
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("keyhound: {} ({})", f.rule_name, f.rule_id))
    ));
    format!(
        "::{} {}::{}",
        level(f.severity),
        props.join(","),
        escape_data(&ci::message(f))
    )
}

/// The whole output: one line per finding, then the totals as a notice.
pub fn render(findings: &[Finding], summary: &Summary, cwd: Option<&std::path::Path>, show_secrets: bool) -> String {
    let mut text = String::new();
    for f in findings {
        text.push_str(&annotation(f, cwd));
        text.push('\n');
    }
    let count = |l: &str| findings.iter().filter(|f| level(f.severity) == l).count();
    let mut totals = match findings.len() {
        0 => format!("no secrets found in {} files", summary.files),
        n => format!(
            "{n} secret finding(s) in {} files: {} error, {} warning, {} notice",
            summary.files,
            count("error"),
            count("warning"),
            count("notice")
        ),
    };
    if summary.accepted > 0 {
        totals.push_str(&format!("; {} accepted by policy", summary.accepted));
    }
    if summary.warning_count > 0 {
        totals.push_str(&format!("; {} scan warning(s)", summary.warning_count));
    }
    if show_secrets {
        totals.push_str("; --show-secrets does not apply to annotations, which anyone who can read the run sees");
    }
    if summary.interrupted {
        // A warning, not a notice: a clean result of a scan that did not
        // finish must not read as a clean repository.
        text.push_str(&format!(
            "::warning title={}::{}\n",
            escape_property("keyhound interrupted"),
            escape_data("the scan was interrupted: these results cover only what was read before it stopped")
        ));
    }
    text.push_str(&format!(
        "::notice title={}::{}\n",
        escape_property("keyhound summary"),
        escape_data(&totals)
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_actions_core() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // `%` first, so an escape already in the text is not decoded later.
        assert_eq!(escape_property("%3A"), "%253A");
    }

    #[test]
    fn an_interrupted_scan_says_so_before_the_totals() {
        let summary = Summary {
            interrupted: true,
            files: 2,
            ..Summary::default()
        };
        let text = render(&[], &summary, None, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("::warning title=keyhound interrupted::the scan was interrupted"));
        assert_eq!(lines[1], "::notice title=keyhound summary::no secrets found in 2 files");
        let whole = render(&[], &Summary::default(), None, false);
        assert!(!whole.contains("interrupted"));
    }

    #[test]
    fn levels_mirror_sarif() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "notice");
    }
}
