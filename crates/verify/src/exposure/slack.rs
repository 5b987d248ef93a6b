//! Slack: `auth.test` with the leaked token names its user and team (the
//! read-only call verification already makes), then `team.accessLogs`
//! with the workspace admin's token lists that user's accesses — address,
//! client, first and last date, count — paged by `cursor` and bounded by
//! `before` (the window's end), as Slack documents. Slack answers errors
//! with HTTP 200 and `"ok": false`; those become notes.

use serde_json::Value;

use super::ask;
use super::model::{IpNet, Usage, Use, Window, MAX_PAGES};
use crate::http::Client;

const HOST: &str = "slack.com";

fn bearer(token: &str) -> Vec<(String, String)> {
    vec![("Authorization".into(), format!("Bearer {token}"))]
}

/// The answer's body when `ok` is true; otherwise a note with Slack's
/// error code.
fn slack_ok(response: &crate::http::Response, what: &str, usage: &mut Usage) -> Option<Value> {
    let doc = ask::json(response);
    if doc.get("ok").and_then(Value::as_bool) == Some(true) {
        return Some(doc);
    }
    let code = doc
        .get("error")
        .and_then(Value::as_str)
        .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or("unknown_error");
    let why = match code {
        "missing_scope" | "not_allowed_token_type" | "not_authed" | "invalid_auth" | "not_an_admin" => {
            " (insufficient permission: uses unknown, not \"no uses\")"
        }
        "paid_only" => " (access logs need a paid plan)",
        "ratelimited" => " (rate limited: uses unknown, try again later)",
        _ => "",
    };
    usage.incomplete = true;
    usage.notes.push(format!("{what}: {code}{why}"));
    None
}

fn plain(id: &str) -> bool {
    !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// What Slack's access logs say about the leaked token `secret`, asked
/// with `admin`.
pub fn usage(secret: &str, window: Option<Window>, client: &Client, admin: &str, known: &[IpNet]) -> Usage {
    let mut usage = Usage::from("Slack access logs");
    let me = ask::request(
        "POST",
        format!("https://{HOST}/api/auth.test"),
        HOST,
        bearer(secret),
        None,
    );
    let Some(me) = ask::send(client, &me, "auth.test", &mut usage) else {
        return usage.finish();
    };
    let Some(me) = slack_ok(&me, "auth.test (the leaked token)", &mut usage) else {
        usage
            .notes
            .push("the token's user could not be identified: access logs not searched".into());
        return usage.finish();
    };
    let Some(user) = me.get("user_id").and_then(Value::as_str).filter(|u| plain(u)) else {
        usage.unreachable("auth.test", "no user_id in the answer");
        return usage.finish();
    };
    let team = me.get("team_id").and_then(Value::as_str).filter(|t| plain(t));
    usage.owner = Some(format!(
        "user {user}{}{}",
        me.get("user")
            .and_then(Value::as_str)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default(),
        team.map(|t| format!(" of team {t}")).unwrap_or_default()
    ));
    let Some(window) = window else {
        usage
            .notes
            .push("no introduction date (scan git history for one): access logs not searched".into());
        return usage.finish();
    };
    let mut cursor: Option<String> = None;
    for page in 0..MAX_PAGES {
        let mut url = format!("https://{HOST}/api/team.accessLogs?limit=1000&before={}", window.end);
        if let Some(t) = team {
            url.push_str(&format!("&team_id={t}"));
        }
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", ask::encode(c)));
        }
        let request = ask::request("GET", url, HOST, bearer(admin), None);
        let Some(response) = ask::send(client, &request, "team.accessLogs", &mut usage) else {
            break;
        };
        let Some(doc) = slack_ok(&response, "team.accessLogs", &mut usage) else {
            break;
        };
        let mut last = None;
        if usage.last_used.is_none() {
            usage.last_used = Some("not in the access logs".into());
        }
        for login in doc["logins"].as_array().into_iter().flatten() {
            if login["user_id"].as_str() != Some(user) {
                continue;
            }
            let first = login["date_first"].as_i64().unwrap_or(0);
            let latest = login["date_last"].as_i64().unwrap_or(first);
            last = last.max(Some(latest));
            if !window.overlaps(first, latest) {
                continue;
            }
            let count = login["count"].as_u64();
            let mut u = Use::new(
                super::model::utc(latest),
                format!(
                    "access ({} time(s) since {})",
                    count.unwrap_or(1),
                    super::model::utc(first)
                ),
                login["ip"].as_str().map(str::to_string),
                login["user_agent"].as_str().map(str::to_string),
                known,
            );
            u.count = count;
            usage.uses.push(u);
        }
        if let Some(latest) = last {
            let text = super::model::utc(latest);
            if usage
                .last_used
                .as_deref()
                .is_none_or(|l| l.starts_with("not ") || *l < *text)
            {
                usage.last_used = Some(text);
            }
        }
        match doc.pointer("/response_metadata/next_cursor").and_then(Value::as_str) {
            Some(c) if !c.is_empty() && page + 1 < MAX_PAGES => cursor = Some(c.to_string()),
            Some(c) if !c.is_empty() => usage.truncated = true,
            _ => break,
        }
    }
    usage.finish()
}
