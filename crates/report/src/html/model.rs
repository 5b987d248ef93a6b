//! What the page is drawn from: plain data, filled from a scan's findings
//! or a saved report.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use keyhound_findings::{Finding, Origin, Removal, Summary, Verification};
use keyhound_rules::{Rule, Severity};

/// One finding as the page shows it: the owned form of what JSON and
/// JSONL write for a finding (see [`crate::FindingView`]), so a saved
/// report reads back into the same records a scan renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Rule id.
    pub rule_id: String,
    /// Rule name (empty when the source did not say; the rule's own name
    /// is used then).
    #[serde(default)]
    pub rule_name: String,
    /// Severity.
    #[serde(default)]
    pub severity: Severity,
    /// Display path of the origin.
    #[serde(default)]
    pub path: String,
    /// Full origin (commit, author and date; image layer; …), when known.
    #[serde(default)]
    pub origin: Option<Origin>,
    /// 1-based line (0 when unknown).
    #[serde(default)]
    pub line: usize,
    /// 1-based column (0 when unknown).
    #[serde(default)]
    pub column: usize,
    /// Git history: whether the secret is still in HEAD.
    #[serde(default)]
    pub present_in_head: Option<bool>,
    /// Git history: the commit that removed a secret gone from HEAD.
    #[serde(default)]
    pub removed: Option<Removal>,
    /// Encodings the secret was found inside.
    #[serde(default)]
    pub decoded: Vec<String>,
    /// The secret as the source wrote it (redacted unless `redacted` is
    /// false).
    #[serde(default)]
    pub secret: String,
    /// Whether `secret` (and `snippet`) are redacted.
    #[serde(default = "yes")]
    pub redacted: bool,
    /// The line holding the secret.
    #[serde(default)]
    pub snippet: String,
    /// Stable fingerprint: the identity of the secret.
    pub fingerprint: String,
    /// What the provider said (`--verify`), with the access map
    /// (`--access`).
    #[serde(default)]
    pub verification: Option<Verification>,
}

fn yes() -> bool {
    true
}

impl Record {
    /// A scan's finding as a record, its secret redacted unless `show_secrets`.
    pub fn from_finding(f: &Finding, show_secrets: bool) -> Record {
        Record {
            rule_id: f.rule_id.clone(),
            rule_name: f.rule_name.clone(),
            severity: f.severity,
            path: f.origin.display_path().to_string(),
            origin: Some((*f.origin).clone()),
            line: f.line,
            column: f.column,
            present_in_head: f.present_in_head,
            removed: f.removed.clone(),
            decoded: f.decoded.clone(),
            secret: f.secret_for_output(show_secrets),
            redacted: !show_secrets,
            snippet: f.snippet.clone(),
            fingerprint: f.fingerprint.clone(),
            verification: f.verification.clone(),
        }
    }
}

/// What the page needs of a rule: its name, provider and revocation
/// guidance (the rotation runbook's first step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    /// Human name.
    pub name: String,
    /// Provider, as the pack names it.
    pub provider: Option<String>,
    /// Where to revoke or rotate a key by hand.
    pub revoke_url: Option<String>,
    /// How.
    pub revoke_steps: Option<String>,
    /// Whether `keyhound revoke --execute` can revoke it through an API.
    pub revoke_api: bool,
}

impl RuleInfo {
    /// The guidance of every rule, by rule id.
    pub fn of_rules(rules: &[Arc<Rule>]) -> BTreeMap<String, RuleInfo> {
        rules
            .iter()
            .map(|r| {
                let revoke = r.spec.revoke.as_ref();
                let info = RuleInfo {
                    name: r.spec.name.clone(),
                    provider: r.spec.provider.clone(),
                    revoke_url: revoke.map(|v| v.url.clone()),
                    revoke_steps: revoke.map(|v| v.steps.clone()),
                    revoke_api: revoke.is_some_and(|v| v.api.is_some()),
                };
                (r.id().to_string(), info)
            })
            .collect()
    }
}

/// One secret's entry of the revocation plan (`keyhound revoke`), as plain
/// data: what must get the new key, and how keyhound would revoke it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanEntry {
    /// Consumers to update after rotating (`CI pipeline …: path`).
    pub consumers: Vec<String>,
    /// The revocation request as the rule writes it (secrets stay
    /// placeholders).
    pub request: Option<String>,
    /// The environment variable that must hold an administrator
    /// credential for the revocation.
    pub admin_env: Option<String>,
    /// Whether `--execute` would call the provider (an API exists and the
    /// report holds the full secret).
    pub executable: bool,
}

/// Totals of the scan behind the report, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    /// Blobs (files, history blobs, layer files) scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Findings suppressed by accepted fingerprints.
    pub accepted: u64,
    /// Warnings (parts of the input that could not be read).
    pub warnings: u64,
    /// The scan was stopped early, so the page is incomplete.
    pub interrupted: bool,
}

impl Totals {
    /// The totals of a scan's summary (never its durations, which would
    /// make two reports of the same input differ).
    pub fn of(summary: &Summary) -> Totals {
        Totals {
            files: summary.files,
            bytes: summary.bytes,
            accepted: summary.accepted,
            warnings: summary.warning_count,
            interrupted: summary.interrupted,
        }
    }
}

/// Everything the page is drawn from.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Every finding.
    pub records: Vec<Record>,
    /// Rule names, providers and guidance, by rule id.
    pub rules: BTreeMap<String, RuleInfo>,
    /// The revocation plan, by fingerprint (may be empty).
    pub plan: BTreeMap<String, PlanEntry>,
    /// When each secret was revoked (RFC 3339), by fingerprint, from the
    /// audit log of `keyhound revoke`.
    pub revoked: BTreeMap<String, String>,
    /// The scan's totals, when known.
    pub totals: Option<Totals>,
    /// What was scanned or rendered (`git history of …`, a file name).
    pub source: Option<String>,
    /// Show full secrets (`--show-secrets`); the page then carries a
    /// banner saying so.
    pub show_secrets: bool,
}

/// Computes the revocation plan of a report's records (the binary wires
/// in the verify crate's planner; the report crate stays free of it).
pub type Planner = Box<dyn Fn(&[Record]) -> BTreeMap<String, PlanEntry> + Send + Sync>;

/// One key's exposure audit (`keyhound exposure`), as plain data read from
/// its JSON: the window and what the provider's log said about uses inside
/// it. The secret is the redacted form the audit writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureEntry {
    /// Fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule_id: String,
    /// The secret, redacted.
    #[serde(default)]
    pub secret: String,
    /// When it was introduced (RFC 3339).
    #[serde(default)]
    pub introduced: Option<String>,
    /// Who introduced it.
    #[serde(default)]
    pub introduced_by: Option<String>,
    /// When it left HEAD.
    #[serde(default)]
    pub removed: Option<String>,
    /// When it was revoked.
    #[serde(default)]
    pub revoked: Option<String>,
    /// Days from introduction to revocation (or the audit).
    #[serde(default)]
    pub exposed_days: Option<i64>,
    /// What the provider's log said, when one was asked.
    #[serde(default)]
    pub usage: Option<ExposureUsage>,
}

/// What a provider's log said about one key.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExposureUsage {
    /// The log asked (`AWS IAM and CloudTrail`, `Slack access logs`).
    #[serde(default)]
    pub source: String,
    /// The provider's last-use record.
    #[serde(default)]
    pub last_used: Option<String>,
    /// Who owns the key, as the provider said.
    #[serde(default)]
    pub owner: Option<String>,
    /// Uses inside the window, oldest first.
    #[serde(default)]
    pub uses: Vec<ExposureUse>,
    /// The log holds more than was read.
    #[serde(default)]
    pub truncated: bool,
    /// A question went unanswered: the uses listed are not all there are.
    #[serde(default)]
    pub incomplete: bool,
    /// Errors and limits.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One use of a key.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExposureUse {
    /// When.
    #[serde(default)]
    pub time: String,
    /// What was done.
    #[serde(default)]
    pub action: String,
    /// From where.
    #[serde(default)]
    pub source_ip: Option<String>,
    /// With what client.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Whether the address is one of the user's own.
    #[serde(default)]
    pub known: bool,
    /// Requests the record stands for (aggregated logs).
    #[serde(default)]
    pub count: Option<u64>,
}
