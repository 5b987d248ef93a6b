//! JUnit XML, for CI systems that show test results and nothing else
//! (GitLab's test report, Jenkins, Azure Pipelines, CircleCI, Buildkite).
//!
//! One `<testsuite name="keyhound">`; one failing `<testcase>` per finding
//! (its class name the file, its name the rule and place), its `<failure>`
//! message the rule and the redacted secret, its body the details; a clean
//! scan is one passing test case, so the report never reads as "no tests
//! ran". Test results are shown to everyone who can read the pipeline, so
//! the secret is always redacted and the source line left out (see `ci`).
//!
//! Written by hand rather than with an XML library: every text and attribute
//! goes through [`escape`], which escapes `& < > " '` and drops the
//! characters XML 1.0 cannot carry at all (NUL and the other C0 controls
//! but tab, newline and carriage return; U+FFFE, U+FFFF), which file names
//! and secrets' surroundings may hold. Times are the only part that changes
//! from run to run.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::ci;
use crate::options::ReportOptions;
use crate::view::Collected;
use keyhound_findings::{Finding, Sink, Summary};

/// Collects findings and writes one JUnit document at the end.
pub struct JunitSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    cwd: Option<PathBuf>,
}

impl JunitSink {
    /// A JUnit sink writing to `out`. `--show-secrets` does not apply.
    pub fn new(out: Box<dyn Write + Send>, _options: ReportOptions) -> Self {
        JunitSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            cwd: ci::current_dir(),
        }
    }
}

impl Sink for JunitSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let findings = self.collected.take_sorted();
        let text = render(&findings, summary, self.cwd.as_deref());
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}

/// Whether XML 1.0 can carry `c` at all (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
}

/// Escapes text for XML content and attribute values alike: `& < > " '`
/// as entities; tab, newline and carriage return as character references
/// (so attribute-value normalisation keeps them); characters XML 1.0
/// cannot carry dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|&c| xml_char(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// The place of a finding in words: `path:line:col`, or the origin's name.
fn place(f: &Finding, cwd: Option<&std::path::Path>) -> String {
    let path = ci::checkout_path(f, cwd).unwrap_or_else(|| f.origin.display_path().to_string());
    format!("{path}:{}:{}", f.line, f.column)
}

/// The whole document.
pub fn render(findings: &[Finding], summary: &Summary, cwd: Option<&std::path::Path>) -> String {
    let interrupted = usize::from(summary.interrupted);
    let tests = findings.len().max(1) + interrupted;
    let failures = findings.len();
    let time = format!("{:.3}", summary.elapsed_secs);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"keyhound\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{interrupted}\" time=\"{time}\">\n"
    ));
    x.push_str(&format!(
        "  <testsuite name=\"keyhound\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{interrupted}\" skipped=\"0\" \
         time=\"{time}\">\n"
    ));
    x.push_str("    <properties>\n");
    for (name, value) in [
        ("keyhound.version", env!("CARGO_PKG_VERSION").to_string()),
        ("files", summary.files.to_string()),
        ("bytes", summary.bytes.to_string()),
        ("rules", summary.rules.to_string()),
        ("accepted", summary.accepted.to_string()),
        ("warnings", summary.warning_count.to_string()),
    ] {
        x.push_str(&format!(
            "      <property name=\"{}\" value=\"{}\"/>\n",
            escape(name),
            escape(&value)
        ));
    }
    x.push_str("    </properties>\n");
    if summary.interrupted {
        // An error, not a failure: the scan itself did not finish, so a
        // clean result is not a clean tree.
        x.push_str(
            "    <testcase classname=\"keyhound\" name=\"the scan completed\">\n      <error message=\"the scan \
             was interrupted: these results cover only what was read before it stopped\" type=\"interrupted\"/>\n    \
             </testcase>\n",
        );
    }
    if findings.is_empty() {
        x.push_str(&format!(
            "    <testcase classname=\"keyhound\" name=\"{}\"/>\n",
            escape(&format!("no secrets found in {} files", summary.files))
        ));
    }
    for f in findings {
        let path = ci::checkout_path(f, cwd);
        let classname = path.clone().unwrap_or_else(|| f.origin.display_path().to_string());
        let name = format!("{} at {}", f.rule_id, place(f, cwd));
        let mut attrs = format!("classname=\"{}\" name=\"{}\"", escape(&classname), escape(&name));
        if let Some(path) = &path {
            attrs.push_str(&format!(" file=\"{}\" line=\"{}\"", escape(path), f.line));
        }
        let message = format!("{}: {}", f.rule_id, f.secret.redacted());
        let mut body = format!(
            "{}\nRule: {} ({}), severity {}\nLocation: {}\n",
            ci::message(f),
            f.rule_name,
            f.rule_id,
            f.severity.as_str(),
            place(f, cwd)
        );
        let provenance = ci::provenance(f);
        if !provenance.is_empty() {
            body.push_str(&format!("Where: {provenance}\n"));
        }
        x.push_str(&format!("    <testcase {attrs}>\n"));
        x.push_str(&format!(
            "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
            escape(&message),
            escape(f.severity.as_str()),
            escape(&body)
        ));
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interrupted_scan_is_an_error_case() {
        let summary = Summary {
            interrupted: true,
            ..Summary::default()
        };
        let text = render(&[], &summary, None);
        assert!(text.contains("tests=\"2\" failures=\"0\" errors=\"1\""), "{text}");
        assert!(text.contains("<error message=\"the scan was interrupted"), "{text}");
        let whole = render(&[], &Summary::default(), None);
        assert!(whole.contains("tests=\"1\" failures=\"0\" errors=\"0\""), "{whole}");
        assert!(!whole.contains("<error"), "{whole}");
    }

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
        assert_eq!(escape("x\u{0}y\u{1b}z\u{FFFE}"), "xyz");
        assert_eq!(escape("t\tn\nr\r"), "t&#9;n&#10;r&#13;");
        assert_eq!(escape("é✓"), "é✓");
    }
}
