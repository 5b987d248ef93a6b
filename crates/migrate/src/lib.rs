//! Reading what teams already have: the configuration, ignore files and
//! baselines of gitleaks (and Betterleaks), detect-secrets and TruffleHog,
//! translated into keyhound rules, policy (`.keyhound.toml`) and baseline
//! entries, with a line for everything read saying what became of it.
//!
//! Translation is pure: files in, specs and reports out. Imports that name
//! findings (`.gitleaksignore`, `.secrets.baseline`) are matched against
//! findings the caller scanned; this crate never scans. Inline markers
//! (`gitleaks:allow`, `trufflehog:ignore`, `pragma: allowlist secret`) need
//! no translation: the engine honours them as written.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

pub mod detect_secrets;
pub mod example;
pub mod gitleaks;
pub mod gitleaks_ignore;
pub mod trufflehog;

use std::fmt;
use std::path::PathBuf;

use keyhound_findings::baseline::Entry;

/// Why a peer's file could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The file could not be read.
    #[error("{path}: cannot read")]
    Read {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not in the format its name promises.
    #[error("{path}: not a valid file of its kind: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (with line and column where it has them).
        message: String,
    },
    /// A translation could not be written out.
    #[error("cannot write the translation: {0}")]
    Write(String),
}

/// What became of one thing read.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Carried over with the same meaning; says into what.
    Translated(String),
    /// Carried over with a difference the user should know; says which.
    Approximated(String),
    /// Not carried over; says why and what to do instead.
    NotTranslated(String),
    /// Nothing to carry over (a title, a comment); says why.
    Ignored(String),
}

impl Outcome {
    /// The label printed before the explanation.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Translated(_) => "translated",
            Outcome::Approximated(_) => "approximated",
            Outcome::NotTranslated(_) => "NOT translated",
            Outcome::Ignored(_) => "ignored",
        }
    }

    /// The explanation.
    pub fn detail(&self) -> &str {
        match self {
            Outcome::Translated(s) | Outcome::Approximated(s) | Outcome::NotTranslated(s) | Outcome::Ignored(s) => s,
        }
    }
}

/// One thing read from a peer's file.
#[derive(Debug, Clone)]
pub struct Item {
    /// The file it came from.
    pub source: String,
    /// What it was (`rule \`internal-token\``, `[allowlist] paths (3)`).
    pub what: String,
    /// What became of it.
    pub outcome: Outcome,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} — {}: {}",
            self.source,
            self.what,
            self.outcome.label(),
            self.outcome.detail()
        )
    }
}

/// Policy for `.keyhound.toml` gathered from peers' allowlists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyAdditions {
    /// `exclude_path_patterns`.
    pub exclude_path_patterns: Vec<String>,
    /// `allow.secrets`.
    pub allow_secrets: Vec<String>,
    /// `allow.lines`.
    pub allow_lines: Vec<String>,
    /// `allow.stopwords`.
    pub allow_stopwords: Vec<String>,
    /// `allow.commits`.
    pub allow_commits: Vec<String>,
}

impl PolicyAdditions {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self == &PolicyAdditions::default()
    }

    /// Adds `other`'s lists, keeping the first of duplicates.
    pub fn extend(&mut self, other: PolicyAdditions) {
        let merge = |into: &mut Vec<String>, from: Vec<String>| {
            for v in from {
                if !into.contains(&v) {
                    into.push(v);
                }
            }
        };
        merge(&mut self.exclude_path_patterns, other.exclude_path_patterns);
        merge(&mut self.allow_secrets, other.allow_secrets);
        merge(&mut self.allow_lines, other.allow_lines);
        merge(&mut self.allow_stopwords, other.allow_stopwords);
        merge(&mut self.allow_commits, other.allow_commits);
    }

    /// The `.keyhound.toml` text for these additions, plus `rules` packs
    /// (paths relative to the config file), which are also excluded from
    /// scans: they hold their rules' examples, fake keys by design.
    pub fn config_text(&self, packs: &[String], header: &str) -> String {
        let list = |values: &[String]| -> String {
            let items: Vec<String> = values
                .iter()
                .map(|v| toml::Value::String(v.clone()).to_string())
                .collect();
            if items.is_empty() {
                "[]".into()
            } else {
                format!("[\n    {},\n]", items.join(",\n    "))
            }
        };
        let mut out = String::new();
        for line in header.lines() {
            out.push_str(&format!("# {line}\n"));
        }
        if !packs.is_empty() {
            out.push_str(&format!("rules = {}\n", list(packs)));
            out.push_str(&format!(
                "# The packs hold their rules' examples, fake keys by design.\nexclude_paths = {}\n",
                list(packs)
            ));
        }
        if !self.exclude_path_patterns.is_empty() {
            out.push_str(&format!(
                "# Regexes over the /-separated path relative to the scan root.\nexclude_path_patterns = {}\n",
                list(&self.exclude_path_patterns)
            ));
        }
        let allow = [
            ("secrets", &self.allow_secrets),
            ("lines", &self.allow_lines),
            ("stopwords", &self.allow_stopwords),
            ("commits", &self.allow_commits),
        ];
        if allow.iter().any(|(_, v)| !v.is_empty()) {
            out.push_str("\n[allow]\n");
            for (key, values) in allow {
                if !values.is_empty() {
                    out.push_str(&format!("{key} = {}\n", list(values)));
                }
            }
        }
        out
    }
}

/// What an import that names findings matched.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The file read.
    pub source: String,
    /// Its kind, as printed.
    pub format: String,
    /// Entries read.
    pub read: usize,
    /// Baseline entries for the findings matched.
    pub entries: Vec<Entry>,
    /// Entries that matched no finding, with why.
    pub unmatched: Vec<String>,
    /// Entries deliberately not imported (confirmed secrets), with why.
    pub kept_reported: Vec<String>,
}
