//! `.gitleaksignore`: findings gitleaks was told to ignore, one
//! fingerprint per line — `commit:path:rule-id:line` for history scans,
//! `path:rule-id:line` for directory scans (gitleaks prints them as each
//! finding's `Fingerprint`). keyhound's own fingerprints are content
//! hashes, so each entry is matched to the keyhound finding at the same
//! place (path and line, and commit for history entries) and rewritten as
//! that finding's fingerprint; gitleaks' rule ids differ from keyhound's
//! and are only reported.

use keyhound_findings::baseline::{Entry, Reason};
use keyhound_findings::Finding;

use crate::ImportReport;

/// The file name gitleaks reads.
pub const IGNORE_FILE: &str = ".gitleaksignore";

/// One parsed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignored {
    /// The commit, for history entries.
    pub commit: Option<String>,
    /// The path, `/`-separated, relative to the repository.
    pub path: String,
    /// gitleaks' rule id.
    pub rule: String,
    /// 1-based line.
    pub line: usize,
}

/// Parses one line; `None` for blanks, comments and malformed lines.
pub fn parse_line(line: &str) -> Option<Ignored> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (rest, number) = line.rsplit_once(':')?;
    let number: usize = number.trim().parse().ok()?;
    let (rest, rule) = rest.rsplit_once(':')?;
    let (commit, path) = match rest.split_once(':') {
        Some((head, path)) if head.len() >= 7 && head.len() <= 64 && head.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (Some(head.to_ascii_lowercase()), path)
        }
        _ => (None, rest),
    };
    if path.is_empty() || rule.is_empty() {
        return None;
    }
    Some(Ignored {
        commit,
        path: path.trim_start_matches("./").to_string(),
        rule: rule.to_string(),
        line: number,
    })
}

/// Whether the file names history entries (so a history scan is needed).
pub fn has_commits(text: &str) -> bool {
    text.lines().filter_map(parse_line).any(|i| i.commit.is_some())
}

/// Matches the file's entries to `findings`.
pub fn import(text: &str, source: &str, findings: &[Finding], relative: &dyn Fn(&Finding) -> String) -> ImportReport {
    let mut report = ImportReport {
        source: source.to_string(),
        format: "gitleaks ignore file".into(),
        ..ImportReport::default()
    };
    for (n, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        report.read += 1;
        let Some(entry) = parse_line(trimmed) else {
            report.unmatched.push(format!(
                "line {}: {trimmed:?} is not commit:path:rule:line or path:rule:line",
                n + 1
            ));
            continue;
        };
        let hits: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.line == entry.line && relative(f) == entry.path)
            .filter(|f| match (&entry.commit, f.origin.commit_info()) {
                (Some(want), Some(info)) => info.commit.to_ascii_lowercase().starts_with(want.as_str()),
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        if hits.is_empty() {
            report.unmatched.push(format!(
                "{trimmed}: keyhound finds nothing at this place (gitleaks' rule `{}` may report what keyhound's rules do not, or the line moved)",
                entry.rule
            ));
        }
        for f in hits {
            report.entries.push(Entry {
                fingerprint: f.fingerprint.clone(),
                rule_id: Some(f.rule_id.clone()),
                path: Some(entry.path.clone()),
                reason: Reason::Baseline,
                author: None,
                date: None,
            });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_fingerprint_forms_parse() {
        assert_eq!(
            parse_line("5a2e8f0c1d3b4a6978e0f1c2d3b4a5968778f9e0:config/app.env:generic-api-key:12"),
            Some(Ignored {
                commit: Some("5a2e8f0c1d3b4a6978e0f1c2d3b4a5968778f9e0".into()),
                path: "config/app.env".into(),
                rule: "generic-api-key".into(),
                line: 12
            })
        );
        assert_eq!(
            parse_line("src/a:b.py:aws-access-token:3"),
            Some(Ignored {
                commit: None,
                path: "src/a:b.py".into(),
                rule: "aws-access-token".into(),
                line: 3
            })
        );
        assert_eq!(parse_line("# comment"), None);
        assert_eq!(parse_line("no-line-number:rule"), None);
    }
}
