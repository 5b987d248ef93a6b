//! The serde model of a rule pack file (`rules/*.toml`).
//!
//! These types mirror the TOML one to one so that a pack author can read the
//! structs as the format's reference. Validation (regexes compile, examples
//! pass, ids unique) happens in [`crate::load_path`], not here.

use serde::{Deserialize, Serialize};

/// One rule pack file: a list of rules for one provider family.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    /// The rules in this pack, in file order.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// How bad a leak of this kind of secret is; maps to SARIF levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: a weak signal worth a look.
    Low,
    /// Likely a credential, limited blast radius.
    Medium,
    /// A credential that grants access to an account or service.
    #[default]
    High,
    /// Grants broad access (cloud root keys, private keys, org tokens).
    Critical,
}

impl Severity {
    /// Lower-case name as written in packs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where and how to revoke or rotate a leaked secret of this kind.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// The provider page where the key can be revoked or rotated.
    pub url: String,
    /// Short human steps: what to click or call to kill the key.
    pub steps: String,
    /// The provider's API that revokes the key itself, if it has one
    /// (`keyhound revoke --execute`).
    #[serde(default)]
    pub api: Option<crate::verify_spec::RevokeApi>,
}

/// Example strings that document and test the rule.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Texts in which the rule must report at least one finding.
    #[serde(default)]
    pub positive: Vec<String>,
    /// Texts in which the rule must report nothing.
    #[serde(default)]
    pub negative: Vec<String>,
}

/// One rule exactly as written in a pack.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable kebab-case identifier; part of every fingerprint.
    pub id: String,
    /// Human name shown in reports.
    pub name: String,
    /// Provider or family this secret belongs to (groups revocation plans).
    #[serde(default)]
    pub provider: Option<String>,
    /// Longer explanation of what the secret grants.
    #[serde(default)]
    pub description: Option<String>,
    /// Literals for the keyword prefilter (ASCII case-insensitive);
    /// the regex only runs near one of these.
    pub keywords: Vec<String>,
    /// Regex (Rust `regex` syntax, bytes, Unicode off) with a `secret` group.
    pub pattern: String,
    /// Minimum Shannon entropy (bits per byte) of the `secret` group.
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// Name of a checksum/structure validator (see `engine::checksum`).
    #[serde(default)]
    pub checksum: Option<String>,
    /// Regexes that, when they match the secret, reject the candidate.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Regexes that, when they match the whole regex match (context
    /// included, e.g. a URL's host), reject the candidate.
    #[serde(default)]
    pub allow_match: Vec<String>,
    /// Regexes that, when they match the text just before the secret (up
    /// to 256 bytes, across lines), reject the candidate: a public value
    /// known by where it sits (a DocSearch key inside `algolia: { … }`).
    #[serde(default)]
    pub allow_before: Vec<String>,
    /// Regexes on the file's path (`/`-separated, as reports show it):
    /// when set, the rule reports only in files whose path one of them
    /// matches. For rules whose syntax means a credential only in one kind
    /// of file (`user = a:b` in a `.curlrc`, `password:` in a `.pypirc`):
    /// anywhere else the same text is code or prose. Blobs without a path
    /// (standard input) match no path rule.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Severity of a leak.
    #[serde(default)]
    pub severity: Severity,
    /// Documentation of the format and of the provider's key handling.
    #[serde(default)]
    pub references: Vec<String>,
    /// Revocation guidance.
    #[serde(default)]
    pub revoke: Option<Revoke>,
    /// When true the match may span lines (PEM blocks, JSON key files).
    #[serde(default)]
    pub multiline: bool,
    /// Bytes before a keyword hit the regex may start (default 256 for
    /// single-line rules, 512 for multi-line ones).
    #[serde(default)]
    pub window_before: Option<usize>,
    /// Bytes after a keyword hit the regex may reach (default 512 for
    /// single-line rules, 16384 for multi-line ones).
    #[serde(default)]
    pub window_after: Option<usize>,
    /// When two findings' secrets overlap, the higher priority wins
    /// (generic rules are negative so specific formats take precedence).
    #[serde(default)]
    pub priority: i32,
    /// Rules disabled by default run only with `--enable-rule ID`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Documented, tested examples.
    #[serde(default)]
    pub examples: Examples,
    /// How `--verify` asks the provider whether a found secret is live.
    #[serde(default)]
    pub verify: Option<crate::verify_spec::VerifySpec>,
    /// How `--access` asks the provider what a live secret can do.
    #[serde(default)]
    pub access: Option<crate::access_spec::AccessSpec>,
}

fn default_true() -> bool {
    true
}
