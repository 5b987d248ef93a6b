//! Exposure audits (`keyhound exposure`): for each leaked key, the window
//! it was exposed (introduced → removed → revoked) and, where the provider
//! keeps a usage or audit log the user can read with their own
//! administrator credentials, who used the key inside that window.
//!
//! The questions go to the provider's own audit APIs, with the user's
//! credentials, never the leaked key's:
//! - AWS: IAM `GetAccessKeyLastUsed` (last use, service, region, owner) and
//!   CloudTrail `LookupEvents` by `AccessKeyId` over the window (source IP,
//!   user agent, event), paged by `NextToken`, in each region asked;
//! - GitHub: the organisation audit log searched by `hashed_token` (the
//!   base64 SHA-256 of the token, as GitHub documents), paged by `Link`.
//!
//! Uses from addresses the user names as their own (`--known-ips`) are
//! separated from the rest: those are the ones an incident report is about.

use std::collections::BTreeMap;
use std::net::IpAddr;

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::aws::send_signed;
use crate::aws_access::tags;
use crate::http::{Client, Request};
use crate::revocation::Reported;

/// Most pages read from one audit log per key.
const MAX_PAGES: usize = 20;

/// Credentials and scope of the audit-log questions.
#[derive(Debug, Clone, Default)]
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
    /// The user's own addresses (CI runners, offices, VPN).
    pub known: Vec<IpNet>,
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

/// One use of a key, from a provider's log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Use {
    /// When (RFC 3339).
    pub time: String,
    /// What was done (`s3:GetObject`, `git.clone`).
    pub action: String,
    /// From where, when the log says.
    pub source_ip: Option<String>,
    /// With what client.
    pub user_agent: Option<String>,
    /// Whether the address is one of the user's own (`--known-ips`).
    pub known: bool,
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
    /// Errors and limits (a refused call, a region not searched).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
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

/// Revocation times by fingerprint from a `keyhound revoke` audit log.
pub fn revocations(log: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in log.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let field = |n: &str| event.get(n).and_then(Value::as_str);
        if field("action") == Some("result")
            && matches!(field("verdict"), Some(v) if v != "not revoked" && v != "STILL LIVE")
        {
            if let (Some(fp), Some(time)) = (field("fingerprint"), field("time")) {
                out.entry(fp.to_string()).or_insert_with(|| time.to_string());
            }
        }
    }
    out
}

/// The exposure of every secret in `findings`, asking the providers'
/// logs where `options` holds credentials for them.
pub fn audit(
    findings: &[Reported],
    revoked: &BTreeMap<String, String>,
    client: &Client,
    options: &ExposureOptions,
) -> Vec<Exposure> {
    let mut groups: BTreeMap<&str, Vec<&Reported>> = BTreeMap::new();
    for f in findings {
        groups.entry(&f.fingerprint).or_default().push(f);
    }
    let now = keyhound_findings::time::parse_seconds(&keyhound_findings::time::now_rfc3339()).unwrap_or(0);
    let mut out: Vec<Exposure> = groups
        .into_values()
        .map(|group| {
            let first = group
                .iter()
                .filter_map(|g| {
                    g.date
                        .as_deref()
                        .and_then(|d| Some((keyhound_findings::time::parse_seconds(d)?, *g)))
                })
                .min_by_key(|(t, _)| *t);
            let f = group[0];
            let mut locations: Vec<String> = group.iter().map(|g| g.path.clone()).collect();
            locations.sort();
            locations.dedup();
            let removed = group
                .iter()
                .filter_map(|g| g.removed.clone())
                .max_by_key(|d| keyhound_findings::time::parse_seconds(d));
            let revoked_at = revoked.get(&f.fingerprint).cloned();
            let end = revoked_at
                .as_deref()
                .and_then(keyhound_findings::time::parse_seconds)
                .unwrap_or(now);
            let start = first.map(|(t, _)| t);
            let window = start.map(|s| (s, end));
            let secret = group.iter().find_map(|g| g.secret.clone());
            let usage = secret
                .as_ref()
                .and_then(|s| usage(&f.rule_id, s.expose(), window, client, options));
            Exposure {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                secret: secret
                    .as_ref()
                    .map_or_else(|| f.shown.clone(), |s| keyhound_findings::redact(s.expose())),
                introduced: first.and_then(|(_, g)| g.date.clone()),
                introduced_by: first.and_then(|(_, g)| g.author.clone()),
                removed,
                revoked: revoked_at,
                exposed_days: start.map(|s| (end - s).max(0) / 86_400),
                locations,
                usage,
            }
        })
        .collect();
    // The keys others used first, then the longest exposed.
    out.sort_by_key(|e| {
        (
            std::cmp::Reverse(e.usage.as_ref().map_or(0, |u| u.unknown_uses)),
            std::cmp::Reverse(e.exposed_days.unwrap_or(0)),
            e.fingerprint.clone(),
        )
    });
    out
}

/// Asks the provider's log about one key, when keyhound knows how and
/// has credentials for it.
fn usage(rule: &str, secret: &str, window: Option<(i64, i64)>, client: &Client, o: &ExposureOptions) -> Option<Usage> {
    if rule == "aws-access-key-id" {
        let creds = o.aws.as_ref()?;
        return Some(aws_usage(secret, window, client, creds, o));
    }
    if rule.starts_with("github-") {
        let (token, org) = (o.github_token.as_ref()?, o.github_org.as_ref()?);
        return Some(github_usage(secret, window, client, token, org, &o.known));
    }
    None
}

fn is_known(ip: Option<&str>, known: &[IpNet]) -> bool {
    ip.and_then(|i| i.parse::<IpAddr>().ok())
        .is_some_and(|ip| known.iter().any(|n| n.contains(&ip)))
}

fn aws_usage(
    key_id: &str,
    window: Option<(i64, i64)>,
    client: &Client,
    creds: &BTreeMap<String, String>,
    o: &ExposureOptions,
) -> Usage {
    let mut usage = Usage {
        source: "AWS IAM and CloudTrail".into(),
        ..Usage::default()
    };
    let body = format!("Action=GetAccessKeyLastUsed&AccessKeyId={key_id}&Version=2010-05-08");
    let mut regions = o.aws_regions.clone();
    match send_signed(
        client,
        creds,
        "iam",
        "POST",
        "https://iam.amazonaws.com/",
        "iam.amazonaws.com",
        Some(&body),
    ) {
        Ok(r) if r.status == 200 => {
            let text = String::from_utf8_lossy(&r.body);
            let first = |tag: &str| tags(&text, tag).into_iter().next();
            usage.owner = first("UserName");
            if let Some(date) = first("LastUsedDate") {
                let service = first("ServiceName").unwrap_or_default();
                let region = first("Region").unwrap_or_default();
                usage.last_used = Some(format!("{date} {service} {region}").trim().to_string());
                if !region.is_empty() && region != "N/A" && !regions.contains(&region) {
                    regions.push(region);
                }
            } else {
                usage.last_used = Some("never used".into());
            }
        }
        Ok(r) => usage.notes.push(format!("iam:GetAccessKeyLastUsed: HTTP {}", r.status)),
        Err(e) => usage.notes.push(format!("iam:GetAccessKeyLastUsed: {e}")),
    }
    let Some((start, end)) = window else {
        usage
            .notes
            .push("no introduction date (scan git history for one): CloudTrail not searched".into());
        return usage;
    };
    if regions.is_empty() {
        regions.push("us-east-1".into());
    }
    for region in regions {
        cloudtrail(key_id, start, end, &region, client, creds, &o.known, &mut usage);
    }
    usage.uses.sort_by(|a, b| a.time.cmp(&b.time));
    usage.unknown_uses = usage.uses.iter().filter(|u| !u.known).count();
    usage
}

#[allow(clippy::too_many_arguments)]
fn cloudtrail(
    key_id: &str,
    start: i64,
    end: i64,
    region: &str,
    client: &Client,
    creds: &BTreeMap<String, String>,
    known: &[IpNet],
    usage: &mut Usage,
) {
    if !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        usage.notes.push(format!("region {region:?} skipped"));
        return;
    }
    let host = format!("cloudtrail.{region}.amazonaws.com");
    let url = format!("https://{host}/");
    let mut next: Option<String> = None;
    for page in 0..MAX_PAGES {
        let mut request = serde_json::json!({
            "LookupAttributes": [{"AttributeKey": "AccessKeyId", "AttributeValue": key_id}],
            "StartTime": start,
            "EndTime": end,
            "MaxResults": 50,
        });
        if let Some(token) = &next {
            request["NextToken"] = Value::String(token.clone());
        }
        let body = request.to_string();
        let answer = crate::aws::send_signed_json(
            client,
            creds,
            "cloudtrail",
            region,
            &url,
            &host,
            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
            &body,
        );
        let doc: Value = match answer {
            Ok(r) if r.status == 200 => serde_json::from_slice(&r.body).unwrap_or_default(),
            Ok(r) => {
                usage
                    .notes
                    .push(format!("cloudtrail:LookupEvents ({region}): HTTP {}", r.status));
                return;
            }
            Err(e) => {
                usage.notes.push(format!("cloudtrail:LookupEvents ({region}): {e}"));
                return;
            }
        };
        for event in doc["Events"].as_array().into_iter().flatten() {
            let detail: Value = event["CloudTrailEvent"]
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            let ip = detail["sourceIPAddress"].as_str().map(str::to_string);
            let source = detail["eventSource"]
                .as_str()
                .unwrap_or("")
                .trim_end_matches(".amazonaws.com");
            let name = event["EventName"].as_str().unwrap_or("?");
            let time = match &event["EventTime"] {
                Value::Number(n) => n.as_f64().map(|t| keyhound_findings::time::format_seconds(t as i64)),
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
            .unwrap_or_default();
            usage.uses.push(Use {
                time,
                action: if source.is_empty() {
                    name.to_string()
                } else {
                    format!("{source}:{name}")
                },
                known: is_known(ip.as_deref(), known),
                source_ip: ip,
                user_agent: detail["userAgent"].as_str().map(str::to_string),
            });
        }
        match doc["NextToken"].as_str() {
            Some(token) if page + 1 < MAX_PAGES => next = Some(token.to_string()),
            Some(_) => usage.truncated = true,
            None => break,
        }
    }
}

/// GitHub's `hashed_token`: base64 of the token's SHA-256.
pub fn github_hashed_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

fn github_usage(
    secret: &str,
    window: Option<(i64, i64)>,
    client: &Client,
    admin: &str,
    org: &str,
    known: &[IpNet],
) -> Usage {
    let mut usage = Usage {
        source: format!("GitHub audit log of {org}"),
        ..Usage::default()
    };
    if !org.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        usage.notes.push(format!("{org:?} is not an organisation name"));
        return usage;
    }
    let mut phrase = format!("hashed_token:\"{}\"", github_hashed_token(secret));
    if let Some((start, end)) = window {
        let day = |t: i64| {
            keyhound_findings::time::format_seconds(t)
                .chars()
                .take(10)
                .collect::<String>()
        };
        phrase.push_str(&format!(" created:{}..{}", day(start), day(end)));
    }
    let query: String = percent_encoding::utf8_percent_encode(&phrase, percent_encoding::NON_ALPHANUMERIC).to_string();
    let mut url = format!("https://api.github.com/orgs/{org}/audit-log?phrase={query}&per_page=100&order=asc");
    for page in 0..MAX_PAGES {
        let request = Request {
            method: "GET".into(),
            url: url.clone(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {admin}")),
                ("Accept".into(), "application/vnd.github+json".into()),
                ("X-GitHub-Api-Version".into(), "2022-11-28".into()),
            ],
            body: None,
            allowed_hosts: vec!["api.github.com".into()],
        };
        let response = match client.send(&request, None) {
            Ok(r) if r.status == 200 => r,
            Ok(r) => {
                usage.notes.push(format!("audit-log: HTTP {}", r.status));
                break;
            }
            Err(e) => {
                usage.notes.push(format!("audit-log: {e}"));
                break;
            }
        };
        let doc: Value = serde_json::from_slice(&response.body).unwrap_or_default();
        for event in doc.as_array().into_iter().flatten() {
            let ip = event["actor_ip"].as_str().map(str::to_string);
            let time = match &event["@timestamp"] {
                Value::Number(n) => n.as_i64().map(|ms| keyhound_findings::time::format_seconds(ms / 1000)),
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
            .unwrap_or_default();
            usage.uses.push(Use {
                time,
                action: event["action"].as_str().unwrap_or("?").to_string(),
                known: is_known(ip.as_deref(), known),
                source_ip: ip,
                user_agent: event["user_agent"].as_str().map(str::to_string),
            });
            if usage.owner.is_none() {
                usage.owner = event["actor"].as_str().map(str::to_string);
            }
        }
        let next = crate::access::next_link(&response);
        match next {
            Some(n) if n.starts_with("https://api.github.com/") && page + 1 < MAX_PAGES => url = n,
            Some(_) => {
                usage.truncated = true;
                break;
            }
            None => break,
        }
    }
    usage.uses.sort_by(|a, b| a.time.cmp(&b.time));
    usage.unknown_uses = usage.uses.iter().filter(|u| !u.known).count();
    usage
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses_only() {
        let net: IpNet = "203.0.113.0/24".parse().unwrap();
        assert!(net.contains(&"203.0.113.77".parse().unwrap()));
        assert!(!net.contains(&"203.0.114.1".parse().unwrap()));
        assert!(!net.contains(&"2001:db8::1".parse().unwrap()));
        let one: IpNet = "198.51.100.7".parse().unwrap();
        assert!(one.contains(&"198.51.100.7".parse().unwrap()));
        assert!(!one.contains(&"198.51.100.8".parse().unwrap()));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(&"2001:db8:1::5".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("any".parse::<IpNet>().is_err());
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(&"8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn hashed_token_is_base64_sha256_as_github_documents() {
        // echo -n "token" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            github_hashed_token("token"),
            "PEaenWxYddN6Q/NT1PiOYfz4EsZu7jRXRlpAsNpBU+A="
        );
    }

    #[test]
    fn revocation_times_come_from_result_events() {
        let log = r#"{"action":"revoke","fingerprint":"a","outcome":"revoked","time":"2024-01-01T00:00:00Z"}
{"action":"result","fingerprint":"a","verdict":"confirmed dead","time":"2024-01-01T00:00:01Z"}
{"action":"result","fingerprint":"b","verdict":"not revoked","time":"2024-01-02T00:00:00Z"}
not json"#;
        let r = revocations(log);
        assert_eq!(r.get("a").map(String::as_str), Some("2024-01-01T00:00:01Z"));
        assert!(!r.contains_key("b"));
    }
}
