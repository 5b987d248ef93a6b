//! Baselines: the reviewable record of accepted secrets. A baseline lists
//! fingerprints (never secrets) with why, by whom and when each was
//! accepted; `--baseline FILE` (or `.keyhound-baseline.json` at the root)
//! reports only what is not in it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Default file name, looked up at the scan root.
pub const BASELINE_FILE: &str = ".keyhound-baseline.json";

/// Why a secret was accepted (`keyhound allow --reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Not a secret at all.
    FalsePositive,
    /// A real-looking but deliberately fake or revoked key used by tests.
    UsedInTests,
    /// A real secret the team will remove later (it should be rotated!).
    FixLater,
    /// Present when the baseline was created.
    Baseline,
}

/// One accepted secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// The finding fingerprint.
    pub fingerprint: String,
    /// Rule that reported it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// Where it was seen when accepted, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Why it was accepted.
    pub reason: Reason,
    /// Who accepted it (`Name <email>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A baseline file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// Accepted secrets.
    pub entries: Vec<Entry>,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            version: 1,
            entries: Vec::new(),
        }
    }
}

/// A baseline file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Read or write failed.
    #[error("{path}")]
    Io {
        /// File.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Not a keyhound baseline.
    #[error("{path}: invalid baseline")]
    Parse {
        /// File.
        path: PathBuf,
        /// The JSON parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The fingerprint given to `allow` is malformed.
    #[error("not a keyhound fingerprint (32 hex digits): {0:?}")]
    BadFingerprint(String),
}

impl Baseline {
    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = keyhound_rules::input_file::read_to_string(path, keyhound_rules::input_file::MAX_INPUT_FILE_BYTES)
            .map_err(|source| BaselineError::Io {
            path: path.into(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| BaselineError::Parse {
            path: path.into(),
            source,
        })
    }

    /// Reads a baseline file, or an empty baseline if it does not exist.
    pub fn load_or_default(path: &Path) -> Result<Baseline, BaselineError> {
        if path.exists() {
            Baseline::load(path)
        } else {
            Ok(Baseline::default())
        }
    }

    /// Writes the baseline as pretty JSON (stable order: by fingerprint).
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let mut sorted = self.clone();
        sorted.entries.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        let mut text = serde_json::to_string_pretty(&sorted).expect("baseline serialises");
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Io {
            path: path.into(),
            source,
        })
    }

    /// Adds or updates an entry; returns false if it was already there with
    /// the same reason.
    pub fn allow(&mut self, entry: Entry) -> Result<bool, BaselineError> {
        let fp = &entry.fingerprint;
        if fp.len() != 32 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(BaselineError::BadFingerprint(fp.clone()));
        }
        if let Some(existing) = self.entries.iter_mut().find(|e| e.fingerprint == entry.fingerprint) {
            if existing.reason == entry.reason {
                return Ok(false);
            }
            *existing = entry;
            return Ok(true);
        }
        self.entries.push(entry);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_validates_and_deduplicates() {
        let mut b = Baseline::default();
        let entry = |reason| Entry {
            fingerprint: "0123456789abcdef0123456789abcdef".into(),
            rule_id: None,
            path: None,
            reason,
            author: None,
            date: None,
        };
        assert!(b.allow(entry(Reason::FixLater)).unwrap());
        assert!(!b.allow(entry(Reason::FixLater)).unwrap());
        assert!(b.allow(entry(Reason::FalsePositive)).unwrap());
        assert_eq!(b.entries.len(), 1);
        let mut bad = entry(Reason::FixLater);
        bad.fingerprint = "xyz".into();
        assert!(b.allow(bad).is_err());
    }
}
