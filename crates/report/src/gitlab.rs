//! GitLab's Secret Detection security report (`gl-secret-detection-report.json`,
//! schema version [`SCHEMA_VERSION`]), which a job hands to GitLab as
//! `artifacts: reports: secret_detection` so findings reach the merge
//! request, the pipeline's security tab and the vulnerability report.
//!
//! One vulnerability per finding. Its `id` is a UUID derived from the
//! fingerprint and the place (path, line, column, commit), so the same input
//! gives the same report and GitLab tracks a finding across pipelines; only
//! `scan.start_time`/`end_time` change from run to run. The schema requires
//! a commit for every location: a history finding names the commit that
//! introduced it, anything else the repository's HEAD when keyhound knows it
//! (git scans), else `0000000`, as GitLab's own analyzer writes for a scan of
//! a plain tree. The secret is always redacted and the source line left out
//! (GitLab's `raw_source_code_extract` is unsanitised by definition): the
//! report is an artifact anyone who can read the pipeline can download.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ci;
use crate::options::{ReportOptions, VcsInfo};
use crate::view::Collected;
use keyhound_findings::{Finding, Sink, Summary};
use keyhound_rules::{Rule, Severity};

/// The version of GitLab's report schema this report follows (the copy in
/// `tests/data/gitlab/` it is validated against).
pub const SCHEMA_VERSION: &str = "15.2.4";

/// The commit GitLab's analyzer names when a scan read a tree, not history.
pub const NO_COMMIT: &str = "0000000";

/// Collects findings and writes the security report at the end.
pub struct GitlabSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    show_secrets: bool,
    rules: BTreeMap<String, Arc<Rule>>,
    vcs: Option<VcsInfo>,
    start_time: String,
}

impl GitlabSink {
    /// A GitLab report sink writing to `out`; the scan's start time is now.
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions) -> Self {
        GitlabSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            show_secrets: options.show_secrets,
            rules: options.rules.iter().map(|r| (r.spec.id.clone(), r.clone())).collect(),
            vcs: options.vcs,
            start_time: gitlab_time(&keyhound_findings::time::now_rfc3339()),
        }
    }
}

impl Sink for GitlabSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let findings = self.collected.take_sorted();
        let head = self.vcs.as_ref().and_then(|v| v.revision.as_deref());
        let cwd = ci::current_dir();
        let vulnerabilities = findings
            .iter()
            .map(|f| vulnerability(f, self.rules.get(&f.rule_id).map(|r| &**r), head, cwd.as_deref()))
            .collect();
        let mut messages: Vec<Message> = summary
            .warnings
            .iter()
            .map(|w| Message {
                level: "warn",
                value: w.to_string(),
            })
            .filter(|m| !m.value.is_empty())
            .collect();
        if summary.interrupted {
            messages.push(Message {
                level: "warn",
                value: "the scan was interrupted: this report covers only what was read before it stopped".to_string(),
            });
        }
        if self.show_secrets {
            messages.push(Message {
                level: "info",
                value: "secrets stay redacted in this report under --show-secrets: anyone who can read the \
                        pipeline can download it"
                    .to_string(),
            });
        }
        let report = Report {
            version: SCHEMA_VERSION,
            vulnerabilities,
            scan: Scan {
                analyzer: tool(),
                scanner: tool(),
                kind: "secret_detection",
                start_time: self.start_time.clone(),
                end_time: gitlab_time(&keyhound_findings::time::now_rfc3339()),
                // An interrupted scan did not look at everything: GitLab
                // must not take its silence for a clean bill of health.
                status: if summary.interrupted { "failure" } else { "success" },
                messages,
            },
        };
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        serde_json::to_writer_pretty(&mut *out, &report)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

/// `2026-12-04T19:30:00+00:00` as the schema wants it: `yyyy-mm-ddThh:mm:ss`, UTC.
fn gitlab_time(rfc3339: &str) -> String {
    rfc3339.chars().take("2026-12-04T19:30:00".len()).collect()
}

#[derive(Serialize)]
struct Report {
    version: &'static str,
    vulnerabilities: Vec<Vulnerability>,
    scan: Scan,
}

#[derive(Serialize)]
struct Scan {
    analyzer: Tool,
    scanner: Tool,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<Message>,
}

#[derive(Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    version: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

fn tool() -> Tool {
    Tool {
        id: "keyhound",
        name: "keyhound",
        version: env!("CARGO_PKG_VERSION"),
        vendor: Vendor { name: "keyhound" },
    }
}

#[derive(Serialize)]
struct Message {
    level: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Vulnerability {
    id: String,
    category: &'static str,
    name: String,
    description: String,
    severity: &'static str,
    solution: String,
    identifiers: Vec<Identifier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    location: Location,
    details: BTreeMap<&'static str, Detail>,
}

#[derive(Serialize)]
struct Identifier {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: String,
}

#[derive(Serialize)]
struct Link {
    url: String,
}

#[derive(Serialize)]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    start_line: usize,
    end_line: usize,
    commit: Commit,
}

#[derive(Serialize)]
struct Commit {
    sha: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
}

/// A `text` entry of the schema's named list of details.
#[derive(Serialize)]
struct Detail {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
}

fn detail(name: &'static str, value: String) -> Detail {
    Detail {
        name,
        kind: "text",
        value,
    }
}

/// GitLab's severity names.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// A vulnerability id: SHA-256 of the fingerprint and the place, as a
/// version-8 (custom) UUID, so the same finding always gets the same id and
/// two places of one secret get two.
pub fn vulnerability_id(f: &Finding) -> String {
    let commit = f.origin.commit_info().map(|c| c.commit).unwrap_or("");
    let mut hasher = Sha256::new();
    for part in [
        f.fingerprint.as_str(),
        f.origin.display_path(),
        &f.line.to_string(),
        &f.column.to_string(),
        commit,
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let mut bytes: [u8; 16] = hasher.finalize()[..16].try_into().unwrap_or([0; 16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Cuts `text` to at most `max` bytes at a character boundary (the schema
/// limits names and solutions).
fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

fn is_link(url: &str) -> bool {
    ["https://", "http://", "ftp://"]
        .iter()
        .any(|p| url.len() > p.len() && url.starts_with(p))
}

fn vulnerability(f: &Finding, rule: Option<&Rule>, head: Option<&str>, cwd: Option<&std::path::Path>) -> Vulnerability {
    let spec = rule.map(|r| &r.spec);
    let about = spec
        .and_then(|s| s.description.clone())
        .unwrap_or_else(|| format!("{} committed to source or configuration.", f.rule_name));
    let mut solution = "Revoke or rotate the secret first: it may already have been copied.".to_string();
    if let Some(revoke) = spec.and_then(|s| s.revoke.as_ref()) {
        solution.push_str(&format!(" {} Revoke at: {}", revoke.steps, revoke.url));
    }
    solution.push_str(
        " Then remove it from the code (and history), and load it from a secret store or environment instead.",
    );
    let mut links: Vec<Link> = Vec::new();
    for url in spec
        .map(|s| s.references.iter().chain(s.revoke.as_ref().map(|r| &r.url)))
        .into_iter()
        .flatten()
    {
        if is_link(url) && !links.iter().any(|l| &l.url == url) {
            links.push(Link { url: url.clone() });
        }
    }
    let commit = match f.origin.commit_info() {
        Some(c) => Commit {
            sha: c.commit.to_string(),
            author: Some(c.identity()),
            date: Some(c.date.to_string()),
        },
        None => Commit {
            sha: head.filter(|h| !h.is_empty()).unwrap_or(NO_COMMIT).to_string(),
            author: None,
            date: None,
        },
    };
    let mut details = BTreeMap::new();
    details.insert("fingerprint", detail("Fingerprint", f.fingerprint.clone()));
    details.insert("secret", detail("Secret (redacted)", f.secret.redacted()));
    let place = ci::provenance(f);
    if !place.is_empty() {
        details.insert("provenance", detail("Where", place));
    }
    if let Some(v) = &f.verification {
        details.insert("verification", detail("Verification", v.status.as_str().to_string()));
    }
    Vulnerability {
        id: vulnerability_id(f),
        category: "secret_detection",
        name: cut(f.rule_name.clone(), 255),
        description: cut(format!("{about}\n\n{}", ci::message(f)), 1_048_576),
        severity: severity(f.severity),
        solution: cut(solution, 7000),
        identifiers: vec![Identifier {
            kind: "keyhound_rule_id",
            name: format!("keyhound rule ID {}", f.rule_id),
            value: f.rule_id.clone(),
        }],
        links,
        location: Location {
            file: ci::checkout_path(f, cwd).or_else(|| Some(f.origin.display_path().to_string())),
            start_line: f.line,
            end_line: f.end_line.max(f.line),
            commit,
        },
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn report(summary: &Summary) -> serde_json::Value {
        let out = Shared::default();
        let options = ReportOptions {
            show_secrets: false,
            color: false,
            base_dir: None,
            rules: Vec::new(),
            vcs: None,
            author: None,
            sort: false,
            all_locations: false,
        };
        let sink = GitlabSink::new(Box::new(out.clone()), options);
        sink.finish(summary).unwrap();
        let bytes = out.0.lock().unwrap().clone();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn an_interrupted_scan_is_a_failed_scan_with_a_message() {
        let whole = report(&Summary::default());
        assert_eq!(whole["scan"]["status"], "success");
        assert!(whole["scan"].get("messages").is_none());
        let cut_short = report(&Summary {
            interrupted: true,
            ..Summary::default()
        });
        assert_eq!(cut_short["scan"]["status"], "failure");
        assert_eq!(cut_short["scan"]["messages"][0]["level"], "warn");
        assert!(cut_short["scan"]["messages"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("the scan was interrupted"));
    }

    #[test]
    fn times_drop_the_offset() {
        assert_eq!(gitlab_time("2026-12-04T19:30:00+00:00"), "2026-12-04T19:30:00");
    }

    #[test]
    fn cut_keeps_characters_whole() {
        assert_eq!(cut("aé".to_string(), 2), "a");
        assert_eq!(cut("abc".to_string(), 5), "abc");
        assert!(is_link("https://x"));
        assert!(!is_link("https://"));
        assert!(!is_link("mailto:x"));
    }
}
