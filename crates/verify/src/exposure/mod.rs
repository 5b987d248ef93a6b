//! Exposure audits (`keyhound exposure`): for each leaked key, the window
//! it was exposed (introduced → removed → revoked) and, where the provider
//! keeps a usage or audit log the user can read with their own
//! administrator credentials, who used the key inside that window.
//!
//! The questions go to the provider's own audit APIs, with the user's
//! credentials, never the leaked key's (the leaked key is sent only where
//! the provider documents a read-only self-lookup, and only to learn which
//! key it is). One module per provider:
//! - [`aws`]: IAM `GetAccessKeyLastUsed` and CloudTrail `LookupEvents` by
//!   `AccessKeyId`;
//! - [`github`]: the organisation audit log by `hashed_token`;
//! - [`gitlab`]: the token's `last_used_at`/`last_used_ips` and the
//!   instance audit events that concern it;
//! - [`slack`]: `auth.test` names the token's user, `team.accessLogs`
//!   lists that user's addresses and clients;
//! - [`openai`] and [`anthropic`]: the key found among the organisation's
//!   keys by its redacted form, its last use, and the usage reports by
//!   `api_key_id` (no addresses exist there);
//! - [`gcp`]: Cloud Logging `entries:list` by the service account and key;
//! - [`azure`]: the subscription's activity log, for the application.
//!
//! Uses from addresses the user names as their own (`--known-ips`) are
//! separated from the rest: those are the ones an incident report is about.

pub mod anthropic;
pub mod ask;
pub mod aws;
pub mod azure;
pub mod gcp;
pub mod github;
pub mod gitlab;
pub mod model;
pub mod openai;
pub mod slack;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::http::Client;
use crate::revocation::Reported;

pub use model::{Exposure, ExposureOptions, IpNet, Usage, Use, Window};

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

/// What a findings file (keyhound JSON or JSONL) says about each key
/// beyond its value, by fingerprint: the access map's identity
/// (`principal`, `project`, `client_id`, …), the verifier's account
/// fields, and the values found beside the secret (`companions`:
/// `client_email`, `private_key_id`, …), never the secret itself.
pub fn identities(findings: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let items: Vec<Value> = match serde_json::from_str::<Value>(findings) {
        Ok(doc) => match doc.get("findings").and_then(Value::as_array) {
            Some(list) => list.clone(),
            None => vec![doc],
        },
        Err(_) => findings
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect(),
    };
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for item in items {
        let Some(fp) = item.get("fingerprint").and_then(Value::as_str) else {
            continue;
        };
        let facts = out.entry(fp.to_string()).or_default();
        for pointer in ["/verification/access/identity", "/verification/account", "/companions"] {
            for (name, value) in item.pointer(pointer).and_then(Value::as_object).into_iter().flatten() {
                if name == "secret" {
                    continue;
                }
                if let Some(v) = ask::text(value) {
                    facts.entry(name.clone()).or_insert(v);
                }
            }
        }
    }
    out.retain(|_, facts| !facts.is_empty());
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
    use keyhound_findings::time::{now_rfc3339, parse_seconds};
    let mut groups: BTreeMap<&str, Vec<&Reported>> = BTreeMap::new();
    for f in findings {
        groups.entry(&f.fingerprint).or_default().push(f);
    }
    let now = parse_seconds(&now_rfc3339()).unwrap_or(0);
    let mut out: Vec<Exposure> = groups
        .into_values()
        .map(|group| {
            let first = group
                .iter()
                .filter_map(|g| g.date.as_deref().and_then(|d| Some((parse_seconds(d)?, *g))))
                .min_by_key(|(t, _)| *t);
            let f = group[0];
            let mut locations: Vec<String> = group.iter().map(|g| g.path.clone()).collect();
            locations.sort();
            locations.dedup();
            let removed = group
                .iter()
                .filter_map(|g| g.removed.clone())
                .max_by_key(|d| parse_seconds(d));
            let revoked_at = revoked.get(&f.fingerprint).cloned();
            let end = revoked_at.as_deref().and_then(parse_seconds).unwrap_or(now);
            let start = first.map(|(t, _)| t);
            let window = start.map(|start| Window { start, end });
            let secret = group.iter().find_map(|g| g.secret.clone());
            let usage = secret
                .as_ref()
                .and_then(|s| usage(&f.rule_id, &f.fingerprint, s.expose(), window, client, options));
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

/// The source each rule's keys are audited in, when keyhound knows one.
pub fn source_of(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "aws-access-key-id" => "aws",
        r if r.starts_with("github-") => "github",
        "gitlab-pat" => "gitlab",
        "slack-bot-token" | "slack-user-token" | "slack-legacy-workspace-token" => "slack",
        "openai-project-key" | "openai-service-account-key" | "openai-legacy-key" => "openai",
        "anthropic-api-key" => "anthropic",
        "gcp-service-account-key" => "gcp",
        "azure-entra-client-secret" => "azure",
        _ => return None,
    })
}

/// Asks the provider's log about one key, when keyhound knows how and
/// has the user's credentials for it.
fn usage(
    rule: &str,
    fingerprint: &str,
    secret: &str,
    window: Option<Window>,
    client: &Client,
    o: &ExposureOptions,
) -> Option<Usage> {
    let none = BTreeMap::new();
    let identity = o.identities.get(fingerprint).unwrap_or(&none);
    Some(match source_of(rule)? {
        "aws" => aws::usage(secret, window, client, o.aws.as_ref()?, o),
        "github" => github::usage(
            secret,
            window,
            client,
            o.github_token.as_ref()?,
            o.github_org.as_ref()?,
            &o.known,
        ),
        "gitlab" => gitlab::usage(
            secret,
            window,
            client,
            o.gitlab_token.as_ref()?,
            gitlab::Events {
                base: &o.gitlab_url,
                group: o.gitlab_group.as_deref(),
            },
            &o.known,
        ),
        "slack" => slack::usage(secret, window, client, o.slack_token.as_ref()?, &o.known),
        "openai" => openai::usage(secret, window, client, o.openai_admin.as_ref()?),
        "anthropic" => anthropic::usage(secret, window, client, o.anthropic_admin.as_ref()?),
        "gcp" => gcp::usage(identity, window, client, o.gcp_token.as_ref()?, &o.known),
        "azure" => azure::usage(
            identity,
            window,
            client,
            o.azure_token.as_ref()?,
            o.azure_subscription.as_deref(),
            &o.known,
        ),
        _ => return None,
    })
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
    fn revocation_times_come_from_result_events() {
        let log = r#"{"action":"revoke","fingerprint":"a","outcome":"revoked","time":"2024-01-01T00:00:00Z"}
{"action":"result","fingerprint":"a","verdict":"confirmed dead","time":"2024-01-01T00:00:01Z"}
{"action":"result","fingerprint":"b","verdict":"not revoked","time":"2024-01-02T00:00:00Z"}
not json"#;
        let r = revocations(log);
        assert_eq!(r.get("a").map(String::as_str), Some("2024-01-01T00:00:01Z"));
        assert!(!r.contains_key("b"));
    }

    #[test]
    fn identities_come_from_account_fields_and_access_maps() {
        let doc = r#"{"findings":[
            {"fingerprint":"g","verification":{"account":{"token_type":"Bearer"},
              "access":{"identity":{"principal":"ci@p-1.iam.gserviceaccount.com","project":"p-1"}}}},
            {"fingerprint":"c","companions":{"secret":"no","private_key_id":"ab12"}},
            {"fingerprint":"n"}
        ]}"#;
        let ids = identities(doc);
        assert_eq!(ids["g"]["principal"], "ci@p-1.iam.gserviceaccount.com");
        assert_eq!(ids["g"]["token_type"], "Bearer");
        assert!(!ids.contains_key("n"));
        assert_eq!(ids["c"]["private_key_id"], "ab12");
        assert!(!ids["c"].contains_key("secret"), "never the secret");
        let lines =
            "{\"fingerprint\":\"a\",\"verification\":{\"access\":{\"identity\":{\"client_id\":\"x\"}}}}\nnot json\n";
        assert_eq!(identities(lines)["a"]["client_id"], "x");
    }

    #[test]
    fn usage_notes_say_why_a_question_went_unanswered() {
        let mut u = Usage::from("x");
        u.failed("list", 403);
        u.failed("list", 429);
        assert!(u.incomplete);
        assert!(u.notes[0].contains("insufficient permission"), "{:?}", u.notes);
        assert!(u.notes[1].contains("rate limited"), "{:?}", u.notes);
    }
}
