//! Problems with part of the input that did not stop the scan: typed, so a
//! summary can show each kind once with a count instead of one line each
//! (a nested-archive bomb once printed 475 warning lines), and kept in full
//! for JSON output and `--verbose`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// What kind of problem a warning reports; the summary groups by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// A file, directory entry or stream could not be read.
    Unreadable,
    /// Something was skipped because it exceeds a size limit.
    TooLarge,
    /// An archive was not fully opened: a limit (depth, expanded bytes,
    /// ratio, members) was reached or its data is corrupt.
    Archive,
    /// A git object, reference or walk step could not be read.
    Git,
    /// An image's manifest, config or layer could not be used.
    Image,
    /// A registry could not be reached or refused a request.
    Registry,
    /// The configuration changed the scan in a way the user should know
    /// (a config in the scanned tree, an ignored setting).
    Config,
    /// A cache could not be read or saved; the scan itself is complete.
    Cache,
    /// An object store refused or failed a listing or a download.
    ObjectStore,
}

impl WarningKind {
    /// The kind as written in JSON and in the text summary.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Unreadable => "unreadable",
            WarningKind::TooLarge => "too-large",
            WarningKind::Archive => "archive",
            WarningKind::Git => "git",
            WarningKind::Image => "image",
            WarningKind::Registry => "registry",
            WarningKind::Config => "config",
            WarningKind::Cache => "cache",
            WarningKind::ObjectStore => "object-store",
        }
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem with part of the input that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What kind of problem.
    pub kind: WarningKind,
    /// The file or object concerned, if any.
    pub path: Option<String>,
    /// What went wrong, with its causes.
    pub message: String,
}

impl Warning {
    /// A warning about `path` (or the input as a whole).
    pub fn new(kind: WarningKind, path: Option<&str>, message: impl fmt::Display) -> Warning {
        Warning {
            kind,
            path: path.map(str::to_string),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{p}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// An error with its causes, `: `-separated, on one line: what a warning
/// about a failed operation says ("object 3f0c…: inflating: corrupt deflate
/// stream"), since a warning is text and the chain would otherwise be lost.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some libraries repeat their cause in their own message.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Warnings of one kind, as the text summary shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarningSummary {
    /// The kind.
    pub kind: WarningKind,
    /// How many warnings of this kind there were.
    pub count: u64,
    /// The first few of them (path and message), in the order they came.
    pub first: Vec<Warning>,
}

impl WarningSummary {
    /// How many examples of each kind a summary keeps.
    pub const EXAMPLES: usize = 3;

    /// Groups `warnings` by kind, kinds in a fixed order; `counts` has the
    /// full count of each kind (warnings beyond the kept ones included).
    pub fn group(warnings: &[Warning], counts: &BTreeMap<WarningKind, u64>) -> Vec<WarningSummary> {
        counts
            .iter()
            .map(|(&kind, &count)| WarningSummary {
                kind,
                count,
                first: warnings
                    .iter()
                    .filter(|w| w.kind == kind)
                    .take(Self::EXAMPLES)
                    .cloned()
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_chain_is_one_line_with_every_cause() {
        #[derive(Debug, thiserror::Error)]
        #[error("object 3f0c")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("corrupt deflate stream"));
        assert_eq!(error_chain(&e), "object 3f0c: corrupt deflate stream");
    }

    #[test]
    fn a_summary_shows_each_kind_once_with_its_count_and_first_paths() {
        let mut warnings = Vec::new();
        let mut counts = BTreeMap::new();
        for i in 0..475 {
            let w = Warning::new(WarningKind::Archive, Some(&format!("bomb.zip!{i}.zip")), "depth limit");
            *counts.entry(w.kind).or_insert(0) += 1;
            warnings.push(w);
        }
        let w = Warning::new(WarningKind::Unreadable, Some("secret.txt"), "permission denied");
        *counts.entry(w.kind).or_insert(0) += 1;
        warnings.push(w);
        let summary = WarningSummary::group(&warnings, &counts);
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].kind, WarningKind::Unreadable);
        assert_eq!(summary[0].count, 1);
        assert_eq!(summary[1].kind, WarningKind::Archive);
        assert_eq!(summary[1].count, 475);
        let paths: Vec<_> = summary[1].first.iter().map(|w| w.path.as_deref().unwrap()).collect();
        assert_eq!(paths, ["bomb.zip!0.zip", "bomb.zip!1.zip", "bomb.zip!2.zip"]);
    }
}
