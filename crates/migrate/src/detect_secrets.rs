//! detect-secrets baselines (`.secrets.baseline`): which found secrets the
//! team already knows about.
//!
//! A baseline stores, per file, each secret's SHA-1 (`hashed_secret`, the
//! hex digest of the secret string as detect-secrets extracted it), its
//! plugin `type`, its line, and after `detect-secrets audit` an `is_secret`
//! label. keyhound imports it by hashing each secret it finds the same way
//! and matching the file and the hash: an entry audited `is_secret: false`
//! becomes a false positive in keyhound's baseline, an unaudited one a
//! baseline entry (both are silenced, as detect-secrets-hook silences
//! them). An entry audited `is_secret: true` is a confirmed live secret:
//! it is *not* imported, so keyhound keeps reporting it until it is
//! revoked — the import says so.
//!
//! Format: <https://github.com/Yelp/detect-secrets#viewing-the-baseline>.

use std::collections::BTreeMap;

use serde::Deserialize;
use sha1::{Digest, Sha1};

use keyhound_findings::baseline::{Entry, Reason};
use keyhound_findings::Finding;

use crate::{ImportReport, MigrateError};

/// The file name detect-secrets uses.
pub const BASELINE_FILE: &str = ".secrets.baseline";

#[derive(Debug, Deserialize)]
struct BaselineFile {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    results: BTreeMap<String, Vec<Secret>>,
}

#[derive(Debug, Deserialize)]
struct Secret {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    hashed_secret: String,
    #[serde(default)]
    line_number: Option<u64>,
    #[serde(default)]
    is_secret: Option<bool>,
}

/// The SHA-1 hex digest detect-secrets stores for `secret`.
pub fn hash(secret: &str) -> String {
    let digest = Sha1::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Matches a baseline's entries to `findings` (paths relative to the
/// scanned root, as the baseline has them).
pub fn import(
    text: &str,
    source: &str,
    findings: &[Finding],
    relative: &dyn Fn(&Finding) -> String,
) -> Result<ImportReport, MigrateError> {
    let file: BaselineFile = serde_json::from_str(text).map_err(|e| MigrateError::Parse {
        path: source.into(),
        message: e.to_string(),
    })?;
    let mut report = ImportReport {
        source: source.to_string(),
        format: format!(
            "detect-secrets baseline{}",
            file.version
                .as_deref()
                .map(|v| format!(" (version {v})"))
                .unwrap_or_default()
        ),
        ..ImportReport::default()
    };
    let mut by_place: BTreeMap<(String, String), Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_place
            .entry((relative(f), hash(f.secret.expose())))
            .or_default()
            .push(f);
    }
    for (path, secrets) in &file.results {
        for s in secrets {
            report.read += 1;
            let what = format!(
                "{path}:{} {} {}",
                s.line_number.map(|l| l.to_string()).unwrap_or_else(|| "?".into()),
                s.kind.as_deref().unwrap_or("secret"),
                &s.hashed_secret.get(..12).unwrap_or(&s.hashed_secret)
            );
            if s.is_secret == Some(true) {
                report.kept_reported.push(format!(
                    "{what}: audited as a real secret, so keyhound keeps reporting it until it is revoked"
                ));
                continue;
            }
            let key = (
                path.trim_start_matches("./").to_string(),
                s.hashed_secret.to_ascii_lowercase(),
            );
            match by_place.get(&key) {
                Some(found) => {
                    for f in found {
                        report.entries.push(Entry {
                            fingerprint: f.fingerprint.clone(),
                            rule_id: Some(f.rule_id.clone()),
                            path: Some(key.0.clone()),
                            reason: if s.is_secret == Some(false) {
                                Reason::FalsePositive
                            } else {
                                Reason::Baseline
                            },
                            author: None,
                            date: None,
                        });
                    }
                }
                None => report.unmatched.push(format!(
                    "{what}: keyhound finds no secret with this hash in this file (gone, or a value detect-secrets' plugin cut differently)"
                )),
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_like_detect_secrets() {
        // hashlib.sha1(b"hunter2").hexdigest()
        assert_eq!(hash("hunter2"), "f3bbbd66a63d4bf1747940578ec3d0103530e21d");
    }
}
