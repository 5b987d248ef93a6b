//! `keyhound inventory`: the governance view. One row per distinct secret
//! (fingerprint) across all its locations: what it is, who introduced it
//! and when, whether it is still there, how long it has been exposed, how
//! many places hold it, whether it is live, and whether it is past the
//! rotation age.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::csv::field as csv_field;
use crate::view::Collected;
use keyhound_findings::Verification;
use keyhound_findings::{Finding, Origin, Removal};
use keyhound_findings::{Sink, Summary};
use keyhound_rules::{Rule, Severity};

/// Inventory output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryFormat {
    /// An aligned table.
    Table,
    /// One JSON document.
    Json,
    /// One JSON row per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

/// Where and when a secret was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Sighting {
    /// RFC 3339 date (commit author date, or a file's modification time).
    pub date: Option<String>,
    /// Commit id, for git history.
    pub commit: Option<String>,
    /// Commit author `Name <email>`: the probable owner.
    pub author: Option<String>,
    /// Path (or image path, or stream name).
    pub path: String,
    /// The repository, in an audit of several (`owner/name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Seconds since the epoch of `date`, for ordering.
    #[serde(skip)]
    pub unix: Option<i64>,
}

/// One distinct secret.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule_id: String,
    /// Provider from the rule pack.
    pub provider: Option<String>,
    /// Severity.
    pub severity: Severity,
    /// The secret, redacted unless `--show-secrets`.
    pub secret: String,
    /// Earliest sighting.
    pub first_seen: Sighting,
    /// Latest sighting.
    pub last_seen: Sighting,
    /// `present` (in HEAD, the tree or the final image), `removed` (gone
    /// from HEAD/the image, still in history or a lower layer), or
    /// `unknown` (a stream).
    pub state: &'static str,
    /// Git: the commit that removed it from the tree.
    pub removed: Option<Removal>,
    /// Days from first sighting to now: history keeps a secret readable
    /// until it is revoked, so removal does not end the exposure.
    pub exposure_days: Option<i64>,
    /// Whether the exposure exceeds `--max-age`: due for rotation.
    pub past_max_age: bool,
    /// Locations holding it (for git: every commit/path carrying a blob
    /// that holds it).
    pub locations: usize,
    /// Up to five of those paths.
    pub paths: Vec<String>,
    /// Every repository holding it, in an audit of several (an
    /// organisation's): a key copied between repositories is one secret
    /// to revoke, with every place to clean.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
    /// What the provider said, under `--verify`.
    pub verification: Option<Verification>,
}

/// Collects findings and writes the inventory at the end.
pub struct InventorySink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    rules: BTreeMap<String, Arc<Rule>>,
    format: InventoryFormat,
    max_age_days: i64,
    show_secrets: bool,
}

impl InventorySink {
    /// An inventory in `format`, flagging secrets older than `max_age_days`.
    pub fn new(
        out: Box<dyn Write + Send>,
        rules: &[Arc<Rule>],
        format: InventoryFormat,
        max_age_days: i64,
        show_secrets: bool,
    ) -> Self {
        InventorySink {
            out: Mutex::new(out),
            collected: Collected::default(),
            rules: rules.iter().map(|r| (r.id().to_string(), Arc::clone(r))).collect(),
            format,
            max_age_days,
            show_secrets,
        }
    }
}

fn parse_unix(date: &str) -> Option<i64> {
    keyhound_findings::time::parse_seconds(date)
}

fn rfc3339(unix: i64) -> String {
    keyhound_findings::time::format_seconds(unix)
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Where and when one finding was seen.
fn sighting(f: &Finding) -> Sighting {
    let path = f.origin.display_path().to_string();
    let repository = f.origin.repository().map(str::to_string);
    if let Some(c) = f.origin.commit_info() {
        return Sighting {
            unix: parse_unix(c.date),
            date: Some(c.date.to_string()),
            commit: Some(c.commit.to_string()),
            author: Some(c.identity()),
            path,
            repository,
        };
    }
    match &*f.origin {
        Origin::File { path: file } => {
            let unix = std::fs::metadata(file)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64);
            Sighting {
                date: unix.map(rfc3339),
                commit: None,
                author: None,
                path,
                repository,
                unix,
            }
        }
        Origin::Web { author, date, .. } => Sighting {
            unix: date.as_deref().and_then(parse_unix),
            date: date.clone(),
            commit: None,
            author: author.clone(),
            path,
            repository,
        },
        Origin::Object { modified, .. } => Sighting {
            unix: modified.as_deref().and_then(parse_unix),
            date: modified.clone(),
            commit: None,
            author: None,
            path,
            repository,
        },
        _ => Sighting {
            date: None,
            commit: None,
            author: None,
            path,
            repository,
            unix: None,
        },
    }
}

/// Whether one finding's place still holds the secret now.
fn present(f: &Finding) -> Option<bool> {
    match &*f.origin {
        Origin::GitBlob { .. } | Origin::GitMessage { .. } => f.present_in_head,
        Origin::ImageLayer { visible, .. } => Some(*visible),
        Origin::Object { latest, .. } => Some(*latest),
        Origin::Stdin { .. } => None,
        _ => Some(true),
    }
}

/// Groups findings into inventory rows, oldest first.
pub fn rows(findings: &[Finding], rules: &BTreeMap<String, Arc<Rule>>, max_age_days: i64, show: bool) -> Vec<Row> {
    let mut groups: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        groups.entry(&f.fingerprint).or_default().push(f);
    }
    let now = now_unix();
    let mut out: Vec<Row> = groups
        .into_values()
        .map(|group| {
            let first = group[0];
            let mut sightings: Vec<Sighting> = group.iter().map(|f| sighting(f)).collect();
            sightings.sort_by_key(|s| (s.unix.is_none(), s.unix));
            let first_seen = sightings[0].clone();
            let last_seen = sightings
                .iter()
                .filter(|s| s.unix.is_some())
                .max_by_key(|s| s.unix)
                .cloned()
                .unwrap_or_else(|| first_seen.clone());
            let presence: Vec<Option<bool>> = group.iter().map(|f| present(f)).collect();
            let state = if presence.contains(&Some(true)) {
                "present"
            } else if presence.iter().all(Option::is_none) {
                "unknown"
            } else {
                "removed"
            };
            let exposure_days = first_seen.unix.map(|t| (now - t).max(0) / 86_400);
            let mut paths: Vec<String> = group.iter().map(|f| f.origin.display_path().to_string()).collect();
            paths.sort();
            paths.dedup();
            paths.truncate(5);
            let mut repositories: Vec<String> = group
                .iter()
                .filter_map(|f| f.origin.repository().map(str::to_string))
                .collect();
            repositories.sort();
            repositories.dedup();
            Row {
                fingerprint: first.fingerprint.clone(),
                rule_id: first.rule_id.clone(),
                provider: rules.get(&first.rule_id).and_then(|r| r.spec.provider.clone()),
                severity: first.severity,
                secret: first.secret_for_output(show),
                first_seen,
                last_seen,
                state,
                removed: group
                    .iter()
                    .find_map(|f| f.removed.clone())
                    .filter(|_| state == "removed"),
                exposure_days,
                past_max_age: exposure_days.is_some_and(|d| d > max_age_days),
                locations: group
                    .iter()
                    .map(|f| match &*f.origin {
                        Origin::GitBlob { other_locations, .. } => 1 + other_locations,
                        _ => 1,
                    })
                    .sum(),
                paths,
                repositories,
                verification: group.iter().find_map(|f| f.verification.clone()),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.first_seen.unix.is_none(), a.first_seen.unix, &a.fingerprint).cmp(&(
            b.first_seen.unix.is_none(),
            b.first_seen.unix,
            &b.fingerprint,
        ))
    });
    out
}

fn day(date: &Option<String>) -> String {
    date.as_deref()
        .map(|d| d.chars().take(10).collect())
        .unwrap_or_else(|| "-".into())
}

fn verified(row: &Row) -> String {
    row.verification
        .as_ref()
        .map_or_else(|| "-".to_string(), |v| v.status.as_str().to_string())
}

/// The access verdict of a live key (`admin`, `write`, `read`,
/// `unknown`) and its scope count; empty for keys not mapped.
fn access_cells(row: &Row) -> (String, String) {
    match row.verification.as_ref().and_then(|v| v.access.as_ref()) {
        Some(map) => (map.level.as_str().to_string(), map.scopes.len().to_string()),
        None => (String::new(), String::new()),
    }
}

const CSV_HEADER: &str = "fingerprint,rule_id,provider,severity,secret,first_seen,first_commit,owner,first_path,\
last_seen,state,removed_in,removed_at,exposure_days,past_max_age,locations,verification,account,access,scopes,repositories";

fn csv_row(r: &Row) -> String {
    let account = r
        .verification
        .as_ref()
        .map(|v| {
            v.account
                .iter()
                .map(|(k, val)| format!("{k}={val}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let fields = [
        r.fingerprint.clone(),
        r.rule_id.clone(),
        r.provider.clone().unwrap_or_default(),
        r.severity.as_str().to_string(),
        r.secret.clone(),
        r.first_seen.date.clone().unwrap_or_default(),
        r.first_seen.commit.clone().unwrap_or_default(),
        r.first_seen.author.clone().unwrap_or_default(),
        r.first_seen.path.clone(),
        r.last_seen.date.clone().unwrap_or_default(),
        r.state.to_string(),
        r.removed.as_ref().map(|x| x.commit.clone()).unwrap_or_default(),
        r.removed.as_ref().map(|x| x.date.clone()).unwrap_or_default(),
        r.exposure_days.map(|d| d.to_string()).unwrap_or_default(),
        r.past_max_age.to_string(),
        r.locations.to_string(),
        r.verification
            .as_ref()
            .map(|v| v.status.as_str().to_string())
            .unwrap_or_default(),
        account,
        access_cells(r).0,
        access_cells(r).1,
        r.repositories.join(" "),
    ];
    fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",")
}

/// The REPOS cell: the repository, or the first and how many more.
fn repositories_cell(r: &Row) -> String {
    match r.repositories.as_slice() {
        [] => "-".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} +{}", rest.len()),
    }
}

fn table(rows: &[Row], max_age_days: i64) -> String {
    // An audit of several repositories says which hold each secret.
    let several = rows.iter().any(|r| !r.repositories.is_empty());
    let mut header = vec!["FINGERPRINT", "RULE", "SECRET", "FIRST SEEN", "OWNER"];
    if several {
        header.push("REPOS");
    }
    header.extend(["STATE", "AGE", "LOC", "VERIFIED", "ACCESS", "SCOPES", "ROTATE"]);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.fingerprint[..12.min(r.fingerprint.len())].to_string(),
                r.rule_id.clone(),
                r.secret.clone(),
                day(&r.first_seen.date),
                r.first_seen.author.clone().unwrap_or_else(|| "-".into()),
            ];
            if several {
                row.push(repositories_cell(r));
            }
            row.extend([
                match &r.removed {
                    Some(x) => format!("removed {}", day(&Some(x.date.clone()))),
                    None => r.state.to_string(),
                },
                r.exposure_days.map_or("-".into(), |d| format!("{d}d")),
                r.locations.to_string(),
                verified(r),
                Some(access_cells(r).0)
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "-".into()),
                Some(access_cells(r).1)
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "-".into()),
                if r.past_max_age { "yes".into() } else { "-".into() },
            ]);
            row
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: Vec<&str>| -> String {
        let mut s: String = cols
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}  ", w = *w))
            .collect();
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header.clone());
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    let rotate = rows.iter().filter(|r| r.past_max_age).count();
    let live = rows
        .iter()
        .filter(|r| {
            r.verification
                .as_ref()
                .is_some_and(|v| v.status == keyhound_findings::Status::Live)
        })
        .count();
    out.push_str(&format!(
        "{} distinct secret(s), {rotate} exposed longer than {max_age_days} days, {live} verified live\n",
        rows.len()
    ));
    out
}

impl Sink for InventorySink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let findings = self.collected.take_sorted();
        let rows = rows(&findings, &self.rules, self.max_age_days, self.show_secrets);
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        match self.format {
            InventoryFormat::Table => out.write_all(table(&rows, self.max_age_days).as_bytes())?,
            InventoryFormat::Json => {
                let doc = serde_json::json!({
                    "max_age_days": self.max_age_days,
                    "secrets": rows,
                    "summary": summary,
                });
                serde_json::to_writer_pretty(&mut *out, &doc)?;
                out.write_all(b"\n")?;
            }
            InventoryFormat::Jsonl => {
                for row in &rows {
                    serde_json::to_writer(&mut *out, row)?;
                    out.write_all(b"\n")?;
                }
            }
            InventoryFormat::Csv => {
                writeln!(out, "{CSV_HEADER}")?;
                for row in &rows {
                    writeln!(out, "{}", csv_row(row))?;
                }
            }
        }
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("Ann \"Ops\" <a@x>"), "\"Ann \"\"Ops\"\" <a@x>\"");
    }

    #[test]
    fn dates_round_trip() {
        let t = parse_unix("2024-03-01T12:00:00+00:00").unwrap();
        assert_eq!(rfc3339(t), "2024-03-01T12:00:00+00:00");
    }
}
