//! GitLab: which token leaked, when and from where it was last used, and
//! the instance audit events that concern it.
//!
//! 1. The token is identified by GitLab's documented read-only
//!    self-introspection, `GET /api/v4/personal_access_tokens/self` with
//!    the leaked token (what verification already sends); when that is
//!    refused (the token is revoked or expired) the administrator asks the
//!    Token information API, `POST /api/v4/admin/token`.
//! 2. With the administrator's token, `GET
//!    /api/v4/personal_access_tokens/:id` gives `last_used_at` and
//!    `last_used_ips` (GitLab 17.x: the last distinct addresses).
//! 3. `GET /api/v4/audit_events?entity_type=User&entity_id=<owner>` over
//!    the window (or, for a group owner on GitLab.com, the group's `GET
//!    /api/v4/groups/:id/audit_events`), at most 30 days a query as GitLab
//!    documents, paged by `Link`, keeps the events whose target is that
//!    token.
//!
//! Only the instance the user names (`--gitlab-url`, `KEYHOUND_GITLAB_URL`,
//! default `https://gitlab.com`) is asked, never a host from the scanned
//! tree.

use serde_json::Value;

use super::ask;
use super::model::{IpNet, Usage, Use, Window, MAX_PAGES};
use crate::http::Client;

/// Longest span of one audit-events query (GitLab's documented limit).
const CHUNK: i64 = 30 * 86_400;

/// The host of a GitLab base URL (`https://host[:port]`, no path), or
/// why it is refused.
pub fn host_of(base: &str) -> Result<String, String> {
    let rest = base
        .trim_end_matches('/')
        .strip_prefix("https://")
        .ok_or_else(|| format!("{base:?}: the GitLab URL must be https://HOST"))?;
    let ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'));
    if !ok {
        return Err(format!("{base:?}: the GitLab URL must be https://HOST with no path"));
    }
    Ok(crate::http::host_of(rest))
}

/// Where GitLab's audit events are read: the instance, or one group.
pub struct Events<'a> {
    /// The instance the user names (`https://gitlab.com`).
    pub base: &'a str,
    /// The group whose audit events are read (id or full path); the
    /// instance's when `None` (administrators of self-managed GitLab).
    pub group: Option<&'a str>,
}

/// Whether a group id or full path may be asked about.
fn is_group(group: &str) -> bool {
    !group.is_empty()
        && group.len() <= 255
        && group
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
}

/// What GitLab says about the leaked token `secret`, asked with `admin`.
pub fn usage(
    secret: &str,
    window: Option<Window>,
    client: &Client,
    admin: &str,
    at: Events<'_>,
    known: &[IpNet],
) -> Usage {
    let base = at.base;
    let base = base.trim_end_matches('/');
    let mut usage = Usage::from(format!("GitLab ({base})"));
    let host = match host_of(base) {
        Ok(h) => h,
        Err(e) => {
            usage.notes.push(e);
            usage.incomplete = true;
            return usage;
        }
    };
    let private = |token: &str| vec![("PRIVATE-TOKEN".to_string(), token.to_string())];
    // 1. Which token it is.
    let mut lookup = Usage::default();
    let me = ask::request(
        "GET",
        format!("{base}/api/v4/personal_access_tokens/self"),
        &host,
        private(secret),
        None,
    );
    let mut token = ask::send(client, &me, "personal_access_tokens/self", &mut lookup).map(|r| ask::json(&r));
    if token.is_none() {
        let body = serde_json::json!({ "token": secret }).to_string();
        let find = ask::request(
            "POST",
            format!("{base}/api/v4/admin/token"),
            &host,
            private(admin),
            Some(body),
        );
        token = ask::send(client, &find, "admin/token", &mut usage).map(|r| ask::json(&r));
    }
    let Some(token) = token else {
        usage
            .notes
            .push("the token could not be identified: its uses were not looked up".into());
        return usage.finish();
    };
    let Some(id) = token
        .get("id")
        .and_then(ask::text)
        .filter(|i| i.bytes().all(|b| b.is_ascii_digit()))
    else {
        usage.unreachable("token lookup", "no token id in the answer");
        return usage.finish();
    };
    let user = token
        .get("user_id")
        .and_then(ask::text)
        .filter(|i| i.bytes().all(|b| b.is_ascii_digit()));
    usage.owner = Some(match (&user, token.get("name").and_then(Value::as_str)) {
        (Some(u), Some(n)) => format!("token {id} ({n}) of user {u}"),
        (Some(u), None) => format!("token {id} of user {u}"),
        (None, _) => format!("token {id}"),
    });
    // 2. Its last use, from the administrator's view.
    let detail = ask::request(
        "GET",
        format!("{base}/api/v4/personal_access_tokens/{id}"),
        &host,
        private(admin),
        None,
    );
    let detail = ask::send(client, &detail, "personal_access_tokens/:id", &mut usage)
        .map(|r| ask::json(&r))
        .unwrap_or(token);
    let last = detail.get("last_used_at").and_then(Value::as_str).map(str::to_string);
    let ips: Vec<String> = detail
        .get("last_used_ips")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    usage.last_used = Some(match &last {
        Some(t) if ips.is_empty() => t.clone(),
        Some(t) => format!("{t} from {}", ips.join(", ")),
        None => "never used".into(),
    });
    let Some(window) = window else {
        usage
            .notes
            .push("no introduction date (scan git history for one): audit events not searched".into());
        return usage.finish();
    };
    // The recent addresses belong in the window when the last use does.
    let last_in_window = last
        .as_deref()
        .and_then(keyhound_findings::time::parse_seconds)
        .is_some_and(|t| window.overlaps(t, t));
    if last_in_window {
        for ip in &ips {
            usage.uses.push(Use::new(
                last.clone().unwrap_or_default(),
                "recent use (last_used_ips)".into(),
                Some(ip.clone()),
                None,
                known,
            ));
        }
    }
    // 3. The audit events that concern the token.
    if let Some(group) = at.group.filter(|g| !is_group(g)) {
        usage.incomplete = true;
        usage
            .notes
            .push(format!("{group:?} is not a GitLab group: audit events not searched"));
        return usage.finish();
    }
    let Some(user) = user else {
        usage
            .notes
            .push("the token's owner is unknown: audit events not searched".into());
        return usage.finish();
    };
    let mut from = window.start;
    let mut chunks = 0;
    while from <= window.end {
        if chunks == MAX_PAGES {
            usage.truncated = true;
            break;
        }
        chunks += 1;
        let to = (from + CHUNK - 1).min(window.end);
        let span = Window { start: from, end: to };
        let scope = match at.group {
            Some(group) => format!("{base}/api/v4/groups/{}/audit_events?", ask::encode(group)),
            None => format!("{base}/api/v4/audit_events?entity_type=User&entity_id={user}&"),
        };
        if !events(client, &scope, &host, admin, &id, span, known, &mut usage) {
            break;
        }
        from = to + 1;
    }
    usage.finish()
}

/// One ≤30-day span of audit events from `scope` (the listing's URL up
/// to its own parameters); false when the question failed.
#[allow(clippy::too_many_arguments)]
fn events(
    client: &Client,
    scope: &str,
    host: &str,
    admin: &str,
    id: &str,
    span: Window,
    known: &[IpNet],
    usage: &mut Usage,
) -> bool {
    let mut url = format!(
        "{scope}created_after={}&created_before={}&per_page=100",
        ask::encode(&span.start_text()),
        ask::encode(&span.end_text())
    );
    for page in 0..MAX_PAGES {
        let request = ask::request(
            "GET",
            url.clone(),
            host,
            vec![("PRIVATE-TOKEN".into(), admin.to_string())],
            None,
        );
        let Some(response) = ask::send(client, &request, "audit_events", usage) else {
            return false;
        };
        for event in ask::json(&response).as_array().into_iter().flatten() {
            let details = &event["details"];
            let target = details.get("target_id").and_then(ask::text);
            let kind = details.get("target_type").and_then(Value::as_str).unwrap_or("");
            let token_id = details.get("token_id").and_then(ask::text);
            let about_token =
                (target.as_deref() == Some(id) && kind.contains("Token")) || token_id.as_deref() == Some(id);
            if !about_token {
                continue;
            }
            let action = ["custom_message", "event_name", "change"]
                .iter()
                .find_map(|k| details.get(*k).and_then(Value::as_str))
                .or_else(|| event.get("event_name").and_then(Value::as_str))
                .unwrap_or("audit event");
            usage.uses.push(Use::new(
                event["created_at"].as_str().unwrap_or("").to_string(),
                action.to_string(),
                details.get("ip_address").and_then(Value::as_str).map(str::to_string),
                None,
                known,
            ));
        }
        let prefix = format!("https://{host}/");
        match crate::access::next_link(&response) {
            Some(n) if n.starts_with(&prefix) && page + 1 < MAX_PAGES => url = n,
            Some(_) => {
                usage.truncated = true;
                return true;
            }
            None => return true,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_https_host_names_the_instance() {
        assert_eq!(host_of("https://gitlab.com").unwrap(), "gitlab.com");
        assert_eq!(host_of("https://git.example.org:8443/").unwrap(), "git.example.org");
        assert!(host_of("http://gitlab.com").is_err());
        assert!(host_of("https://gitlab.com/evil?x").is_err());
        assert!(host_of("https://").is_err());
        assert!(is_group("acme/platform") && is_group("42"));
        assert!(!is_group("acme?x=1") && !is_group(""));
    }
}
