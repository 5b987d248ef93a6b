//! Reports read back: a JSON, JSONL or SARIF file keyhound wrote, as the
//! [`Record`]s it was written from, so `keyhound report` can render it
//! again (as HTML) without rescanning.
//!
//! `keyhound revoke` and `exposure` have their own reader
//! (`keyhound_verify::revocation::load_findings`), which keeps only what a
//! plan needs; this one keeps everything a finding carried, and lives
//! beside the writers of these formats.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::html::{Record, Totals};

/// A saved report read back.
#[derive(Debug, Clone, Default)]
pub struct Saved {
    /// Its findings, in file order.
    pub records: Vec<Record>,
    /// The scan's totals, when the file carried them (JSON's `summary`).
    pub totals: Option<Totals>,
    /// What the file says was scanned (SARIF's repository and revision).
    pub source: Option<String>,
}

/// Why a saved report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    /// The file could not be read.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not keyhound JSON, JSONL or SARIF.
    #[error("{path}: not a keyhound findings file (JSON, JSONL or SARIF): {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}

fn record(value: Value) -> Result<Record, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// A SARIF result as the record JSON would have written.
fn sarif_record(result: &Value, rules: &[Value]) -> Result<Record, String> {
    let props = result.get("properties").cloned().unwrap_or(Value::Null);
    let mut view = serde_json::Map::new();
    let rule_id = result.get("ruleId").cloned().ok_or("a result without ruleId")?;
    let fingerprint = result
        .pointer("/partialFingerprints/keyhound~1v1")
        .or_else(|| props.get("fingerprint"))
        .cloned()
        .ok_or("a result without a keyhound fingerprint")?;
    view.insert("rule_id".into(), rule_id);
    view.insert("fingerprint".into(), fingerprint);
    for key in ["secret", "redacted", "origin", "verification", "severity"] {
        if let Some(v) = props.get(key) {
            view.insert(key.into(), v.clone());
        }
    }
    let rule = result
        .get("ruleIndex")
        .and_then(Value::as_u64)
        .and_then(|i| rules.get(i as usize));
    if let Some(name) = rule.and_then(|r| r.pointer("/shortDescription/text")) {
        view.insert("rule_name".into(), name.clone());
    }
    let region = result.pointer("/locations/0/physicalLocation/region");
    for (from, to) in [("startLine", "line"), ("startColumn", "column")] {
        if let Some(v) = region.and_then(|r| r.get(from)) {
            view.insert(to.into(), v.clone());
        }
    }
    if let Some(text) = region.and_then(|r| r.pointer("/snippet/text")) {
        view.insert("snippet".into(), text.clone());
    }
    // The display path is the origin's; the artifact URI is percent-encoded.
    let path = props
        .get("origin")
        .and_then(|o| o.get("path").or_else(|| o.get("name")))
        .or_else(|| result.pointer("/locations/0/physicalLocation/artifactLocation/uri"))
        .cloned();
    if let Some(path) = path {
        view.insert("path".into(), path);
    }
    record(Value::Object(view))
}

fn totals(summary: &Value) -> Totals {
    let n = |key: &str| summary.get(key).and_then(Value::as_u64).unwrap_or(0);
    Totals {
        files: n("files"),
        bytes: n("bytes"),
        accepted: n("accepted"),
        warnings: n("warning_count"),
        interrupted: summary.get("interrupted").and_then(Value::as_bool).unwrap_or(false),
    }
}

/// Reads a findings file keyhound wrote (`-f json`, `-f jsonl` or `-f sarif`).
pub fn load(path: &Path) -> Result<Saved, SavedError> {
    let text = std::fs::read_to_string(path).map_err(|source| SavedError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|message| SavedError::Format {
        path: path.to_path_buf(),
        message,
    })
}

/// Parses the text of a findings file (see [`load`]).
pub fn parse(text: &str) -> Result<Saved, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(doc) if doc.get("runs").is_some() => {
            let mut saved = Saved::default();
            for run in doc["runs"].as_array().into_iter().flatten() {
                let rules = run
                    .pointer("/tool/driver/rules")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for result in run["results"].as_array().into_iter().flatten() {
                    saved.records.push(sarif_record(result, &rules)?);
                }
                if let Some(vcs) = run.pointer("/versionControlProvenance/0") {
                    let field = |k: &str| vcs.get(k).and_then(Value::as_str);
                    saved.source = field("repositoryUri").map(|uri| match field("revisionId") {
                        Some(rev) => format!("{uri} at {rev}"),
                        None => uri.to_string(),
                    });
                }
            }
            Ok(saved)
        }
        Ok(doc) if doc.get("findings").is_some() => {
            let findings = doc["findings"].as_array().ok_or("`findings` is not a list")?;
            Ok(Saved {
                records: findings
                    .iter()
                    .enumerate()
                    .map(|(i, f)| record(f.clone()).map_err(|e| format!("finding {}: {e}", i + 1)))
                    .collect::<Result<_, _>>()?,
                totals: doc.get("summary").map(totals),
                source: None,
            })
        }
        Ok(doc) if doc.get("fingerprint").is_some() => Ok(Saved {
            records: vec![record(doc)?],
            ..Saved::default()
        }),
        Ok(_) => Err("no `runs`, `findings` or finding lines".into()),
        Err(_) => {
            let records = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, line)| {
                    serde_json::from_str::<Value>(line)
                        .map_err(|e| e.to_string())
                        .and_then(record)
                        .map_err(|e| format!("line {}: {e}", i + 1))
                })
                .collect::<Result<_, _>>()?;
            Ok(Saved {
                records,
                ..Saved::default()
            })
        }
    }
}
