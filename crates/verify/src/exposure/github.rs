//! GitHub: the organisation audit log searched by `hashed_token` (the
//! base64 SHA-256 of the token, as GitHub documents), paged by `Link`,
//! with an organisation owner's token.

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::ask;
use super::model::{IpNet, Usage, Use, Window, MAX_PAGES};
use crate::http::Client;

/// GitHub's `hashed_token`: base64 of the token's SHA-256.
pub fn hashed_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

/// What the audit log of `org` says about `secret`.
pub fn usage(secret: &str, window: Option<Window>, client: &Client, admin: &str, org: &str, known: &[IpNet]) -> Usage {
    let mut usage = Usage::from(format!("GitHub audit log of {org}"));
    if !org.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        usage.notes.push(format!("{org:?} is not an organisation name"));
        return usage;
    }
    let mut phrase = format!("hashed_token:\"{}\"", hashed_token(secret));
    if let Some(w) = window {
        let day = |t: String| t.chars().take(10).collect::<String>();
        phrase.push_str(&format!(" created:{}..{}", day(w.start_text()), day(w.end_text())));
    }
    let mut url = format!(
        "https://api.github.com/orgs/{org}/audit-log?phrase={}&per_page=100&order=asc",
        ask::encode(&phrase)
    );
    for page in 0..MAX_PAGES {
        let request = ask::request(
            "GET",
            url.clone(),
            "api.github.com",
            vec![
                ("Authorization".into(), format!("Bearer {admin}")),
                ("Accept".into(), "application/vnd.github+json".into()),
                ("X-GitHub-Api-Version".into(), "2022-11-28".into()),
            ],
            None,
        );
        let Some(response) = ask::send(client, &request, "audit-log", &mut usage) else {
            break;
        };
        for event in ask::json(&response).as_array().into_iter().flatten() {
            let time = match &event["@timestamp"] {
                Value::Number(n) => n.as_i64().map(|ms| keyhound_findings::time::format_seconds(ms / 1000)),
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
            .unwrap_or_default();
            usage.uses.push(Use::new(
                time,
                event["action"].as_str().unwrap_or("?").to_string(),
                event["actor_ip"].as_str().map(str::to_string),
                event["user_agent"].as_str().map(str::to_string),
                known,
            ));
            if usage.owner.is_none() {
                usage.owner = event["actor"].as_str().map(str::to_string);
            }
        }
        match crate::access::next_link(&response) {
            Some(n) if n.starts_with("https://api.github.com/") && page + 1 < MAX_PAGES => url = n,
            Some(_) => {
                usage.truncated = true;
                break;
            }
            None => break,
        }
    }
    usage.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_token_is_base64_sha256_as_github_documents() {
        // echo -n "token" | openssl dgst -sha256 -binary | base64
        assert_eq!(hashed_token("token"), "PEaenWxYddN6Q/NT1PiOYfz4EsZu7jRXRlpAsNpBU+A=");
    }
}
