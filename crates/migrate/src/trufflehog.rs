//! TruffleHog's `--exclude-paths` file: newline-separated regexes over file
//! paths. They become `exclude_path_patterns` as they are (TruffleHog uses
//! Go's RE2, a subset of what Rust's `regex` accepts); a line that does not
//! compile is reported, never silently dropped. Its `--include-paths` file
//! has no keyhound equivalent (keyhound scans what it is pointed at).
//!
//! Format: `trufflehog filesystem --help` (`--exclude-paths`), and
//! <https://github.com/trufflesecurity/trufflehog#regex-detector-example>.

use crate::{Item, Outcome, PolicyAdditions};

/// The regexes of an exclude-paths file, and a line for each.
pub fn translate(text: &str, source: &str) -> (PolicyAdditions, Vec<Item>) {
    let mut policy = PolicyAdditions::default();
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let pattern = line.trim();
        if pattern.is_empty() || pattern.starts_with('#') {
            continue;
        }
        let outcome = match regex::Regex::new(pattern) {
            Ok(_) => {
                policy.exclude_path_patterns.push(pattern.to_string());
                Outcome::Translated("exclude_path_patterns".into())
            }
            Err(e) => Outcome::NotTranslated(format!(
                "does not compile as a Rust regex: {}",
                e.to_string().lines().last().unwrap_or("").trim()
            )),
        };
        items.push(Item {
            source: source.to_string(),
            what: format!("line {}: {pattern:?}", n + 1),
            outcome,
        });
    }
    (policy, items)
}
