//! What an exposure audit learns, as plain data shared by every provider's
//! audit code: networks the user owns, one use of a key, what a provider's
//! logs say about one key, and the exposure of one secret.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

/// Most pages read from one audit log per key.
pub const MAX_PAGES: usize = 20;

/// Credentials and scope of the audit-log questions. Every credential is
/// the user's own (from the environment or a named profile), never the
/// leaked key's.
#[derive(Clone, Default)]
pub struct ExposureOptions {
    /// The user's AWS credentials (`id`, `secret`, optional `session`).
    pub aws: Option<BTreeMap<String, String>>,
    /// Regions whose CloudTrail is searched (the key's last-used region is
    /// added when IAM names it).
    pub aws_regions: Vec<String>,
    /// A GitHub token that may read the organisation's audit log.
    pub github_token: Option<String>,
    /// The organisation whose audit log is searched.
    pub github_org: Option<String>,
    /// A GitLab administrator (or group owner) token.
    pub gitlab_token: Option<String>,
    /// The GitLab instance the user names (`https://gitlab.com` unless
    /// the user says otherwise; never a host from the scanned tree).
    pub gitlab_url: String,
    /// The GitLab group whose audit events are read (a group owner's
    /// view, as on GitLab.com); the instance's when `None`.
    pub gitlab_group: Option<String>,
    /// A Slack token of a workspace admin with `admin` scope
    /// (`team.accessLogs`).
    pub slack_token: Option<String>,
    /// An OpenAI organisation Admin API key.
    pub openai_admin: Option<String>,
    /// An Anthropic organisation Admin API key.
    pub anthropic_admin: Option<String>,
    /// A Google Cloud OAuth access token of the user (Logs Viewer or
    /// Private Logs Viewer on the key's project).
    pub gcp_token: Option<String>,
    /// An Azure Resource Manager access token of the user (Reader or
    /// Monitoring Reader on the subscription).
    pub azure_token: Option<String>,
    /// The Azure subscription whose activity log is read.
    pub azure_subscription: Option<String>,
    /// What the findings file says about each key beyond its value, by
    /// fingerprint: the access map's identity and the verifier's account
    /// fields (a GCP key's `principal` and `project`, an Entra
    /// application's `client_id`).
    pub identities: BTreeMap<String, BTreeMap<String, String>>,
    /// The user's own addresses (CI runners, offices, VPN).
    pub known: Vec<IpNet>,
}

impl std::fmt::Debug for ExposureOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials are never printed, only whether they are set.
        f.debug_struct("ExposureOptions")
            .field("aws", &self.aws.is_some())
            .field("aws_regions", &self.aws_regions)
            .field("github_token", &self.github_token.is_some())
            .field("github_org", &self.github_org)
            .field("gitlab_token", &self.gitlab_token.is_some())
            .field("gitlab_url", &self.gitlab_url)
            .field("gitlab_group", &self.gitlab_group)
            .field("slack_token", &self.slack_token.is_some())
            .field("openai_admin", &self.openai_admin.is_some())
            .field("anthropic_admin", &self.anthropic_admin.is_some())
            .field("gcp_token", &self.gcp_token.is_some())
            .field("azure_token", &self.azure_token.is_some())
            .field("azure_subscription", &self.azure_subscription)
            .field("known", &self.known)
            .finish()
    }
}

/// An IPv4/IPv6 network (`203.0.113.0/24`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: bad prefix length"))?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl IpNet {
    /// Whether `ip` is inside the network.
    pub fn contains(&self, ip: &IpAddr) -> bool {
        let bits = |a: &IpAddr| -> u128 {
            match a {
                IpAddr::V4(v) => u128::from(u32::from(*v)) << 96,
                IpAddr::V6(v) => u128::from(*v),
            }
        };
        if self.addr.is_ipv4() != ip.is_ipv4() {
            return false;
        }
        let shift = if self.addr.is_ipv4() {
            32 - u32::from(self.prefix)
        } else {
            128 - u32::from(self.prefix)
        };
        let mask = if self.prefix == 0 {
            0
        } else {
            u128::MAX << (shift + if self.addr.is_ipv4() { 96 } else { 0 })
        };
        bits(&self.addr) & mask == bits(ip) & mask
    }
}

/// Whether `ip` is one of the user's own addresses.
pub fn is_known(ip: Option<&str>, known: &[IpNet]) -> bool {
    ip.and_then(|i| i.trim().parse::<IpAddr>().ok())
        .is_some_and(|ip| known.iter().any(|n| n.contains(&ip)))
}

/// One use of a key, from a provider's log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Use {
    /// When (RFC 3339; the end of a period for aggregated records).
    pub time: String,
    /// What was done (`s3:GetObject`, `git.clone`, `42 requests`).
    pub action: String,
    /// From where, when the log says.
    pub source_ip: Option<String>,
    /// With what client.
    pub user_agent: Option<String>,
    /// Whether the address is one of the user's own (`--known-ips`).
    pub known: bool,
    /// How many requests the record stands for, when the provider
    /// aggregates (Slack access logs, usage reports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

impl Use {
    /// A use with its address classified against the user's own.
    pub fn new(
        time: String,
        action: String,
        source_ip: Option<String>,
        user_agent: Option<String>,
        known: &[IpNet],
    ) -> Use {
        Use {
            time,
            action,
            known: is_known(source_ip.as_deref(), known),
            source_ip,
            user_agent,
            count: None,
        }
    }
}

/// What a provider's logs say about one key.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Usage {
    /// Where the answer came from (`AWS CloudTrail`, `GitHub audit log`).
    pub source: String,
    /// The provider's "last used" record, if it keeps one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Who owns the key, as the provider said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Uses inside the window, oldest first.
    pub uses: Vec<Use>,
    /// Uses from addresses not listed as the user's own.
    pub unknown_uses: usize,
    /// The log has more than was read (page limit).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// A question went unanswered (refused, rate limited, unreachable):
    /// the uses listed are not all there are, and none listed does not
    /// mean none happened.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// Errors and limits (a refused call, a region not searched).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Usage {
    /// An empty answer from `source`.
    pub fn from(source: impl Into<String>) -> Usage {
        Usage {
            source: source.into(),
            ..Usage::default()
        }
    }

    /// Records that `what` was not answered with its data: the usage is
    /// incomplete and a note says why (permission, rate limit).
    pub fn failed(&mut self, what: &str, status: u16) {
        self.incomplete = true;
        let why = match status {
            401 => "the credential was refused",
            403 => "insufficient permission: uses unknown, not \"no uses\"",
            404 => "not found",
            429 => "rate limited: uses unknown, try again later",
            s if s >= 500 => "the provider failed",
            _ => "unexpected answer",
        };
        self.notes.push(format!("{what}: HTTP {status} ({why})"));
    }

    /// Records that `what` got no answer at all.
    pub fn unreachable(&mut self, what: &str, error: impl std::fmt::Display) {
        self.incomplete = true;
        self.notes.push(format!("{what}: {error}"));
    }

    /// Sorts the uses oldest first and counts those from unknown
    /// addresses.
    pub fn finish(mut self) -> Usage {
        self.uses.sort_by(|a, b| a.time.cmp(&b.time));
        self.unknown_uses = self.uses.iter().filter(|u| !u.known).count();
        self
    }
}

/// The exposure of one secret.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    /// Fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule_id: String,
    /// The secret, redacted.
    pub secret: String,
    /// First commit date that introduced it (or the first sighting).
    pub introduced: Option<String>,
    /// Who introduced it.
    pub introduced_by: Option<String>,
    /// When it left HEAD (the removing commit's date), if it did.
    pub removed: Option<String>,
    /// When it was revoked, from the audit log of `keyhound revoke`.
    pub revoked: Option<String>,
    /// Days from introduction to revocation (or now).
    pub exposed_days: Option<i64>,
    /// Where it was found.
    pub locations: Vec<String>,
    /// What the provider's logs say, where keyhound can ask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// The window a key was exposed, in Unix seconds: introduction to
/// revocation (or now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Introduced.
    pub start: i64,
    /// Revoked, or now.
    pub end: i64,
}

impl Window {
    /// Whether a record spanning `first..=last` overlaps the window.
    pub fn overlaps(&self, first: i64, last: i64) -> bool {
        last >= self.start && first <= self.end
    }

    /// The window's start as RFC 3339 in UTC (`…Z`).
    pub fn start_text(&self) -> String {
        utc(self.start)
    }

    /// The window's end as RFC 3339 in UTC (`…Z`).
    pub fn end_text(&self) -> String {
        utc(self.end)
    }
}

/// Unix seconds as RFC 3339 in UTC with a `Z` (`2024-03-01T00:00:00Z`),
/// the form every audit API here documents.
pub fn utc(unix: i64) -> String {
    let text = keyhound_findings::time::format_seconds(unix);
    match text.strip_suffix("+00:00") {
        Some(t) => format!("{t}Z"),
        None => text,
    }
}

/// An id or name safe to put in a path or query as it is.
pub fn plain(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 200
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'))
}
