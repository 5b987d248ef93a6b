//! Revoking OpenAI and Anthropic API keys through the organisation's Admin
//! API (`kind = "openai-admin"`, `kind = "anthropic-admin"`), with an admin
//! key the user supplies in the environment variable the rule names.
//!
//! Neither provider can look a key up by its value: both list the
//! organisation's keys with a redacted form (OpenAI's `redacted_value`,
//! `sk-abc...xyz`; Anthropic's `partial_key_hint`, `sk-ant-api03-R2D...igAA`).
//! The leaked key is the listed key whose visible start and end it has.
//! Exactly one must match: none is "not found", more than one is
//! "ambiguous", and in both cases nothing is deleted. The one match is then
//! deleted (OpenAI: `DELETE /v1/organization/projects/{project}/api_keys/{id}`)
//! or disabled (Anthropic, which has no delete: `POST
//! /v1/organizations/api_keys/{id}` with `{"status":"inactive"}`).
//!
//! Requests go only to the provider's own host through the shared
//! [`Client`]. Details name key and project ids, never a key or a hint.

use serde_json::Value;

use keyhound_rules::verify_spec::RevokeKind;

use crate::http::{Client, Request};
use crate::VerifyError;

/// Most list pages read per listing (100 keys a page at OpenAI, 1000 at
/// Anthropic): a bound on what one revocation may send.
const MAX_PAGES: usize = 50;

/// Fewest characters a redacted form must show (start and end together)
/// for a match to mean anything.
const MIN_SHOWN: usize = 6;

const OPENAI: &str = "https://api.openai.com";
const ANTHROPIC: &str = "https://api.anthropic.com";

/// How an admin-API revocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminAnswer {
    /// The key was deleted or disabled.
    Revoked,
    /// The key was already gone or inactive.
    Gone,
    /// The provider refused a call (no permission, bad admin key).
    Refused,
    /// More than one of the organisation's keys has the leaked key's
    /// redacted form: nothing was revoked.
    Ambiguous,
    /// None of the organisation's keys has it: nothing was revoked.
    NotFound,
}

impl AdminAnswer {
    /// The outcome as the revocation plan and audit log spell it.
    pub fn outcome(self) -> &'static str {
        match self {
            AdminAnswer::Revoked => "revoked",
            AdminAnswer::Gone => "already dead",
            AdminAnswer::Refused => "refused",
            AdminAnswer::Ambiguous => "ambiguous",
            AdminAnswer::NotFound => "not found",
        }
    }
}

/// What an admin-API revocation did.
#[derive(Debug, Clone)]
pub struct AdminRevocation {
    /// How it ended.
    pub answer: AdminAnswer,
    /// The HTTP status of the last call, if one was answered.
    pub status: Option<u16>,
    /// What happened (ids only, never a key or a hint).
    pub detail: String,
}

/// The calls an admin-API revoker makes, for the plan and `--dry-run`
/// (no secret, no admin key: placeholders only).
pub fn describe(kind: RevokeKind) -> Option<&'static str> {
    match kind {
        RevokeKind::OpenaiAdmin => Some(
            "OpenAI Admin API: GET https://api.openai.com/v1/organization/projects and each project's /api_keys (paged), match the key's redacted form, then DELETE https://api.openai.com/v1/organization/projects/{project_id}/api_keys/{key_id}",
        ),
        RevokeKind::AnthropicAdmin => Some(
            "Anthropic Admin API: GET https://api.anthropic.com/v1/organizations/api_keys (paged), match the key's partial hint, then POST https://api.anthropic.com/v1/organizations/api_keys/{id} {\"status\":\"inactive\"}",
        ),
        RevokeKind::Http | RevokeKind::AwsIam => None,
    }
}

/// Splits a redacted form at its elision (`...`, `…` or a run of `*`)
/// into the visible start and end.
fn split_redacted(redacted: &str) -> Option<(&str, &str)> {
    let redacted = redacted.trim();
    if let Some(i) = redacted.find("...") {
        return Some((&redacted[..i], redacted[i..].trim_start_matches('.')));
    }
    if let Some(i) = redacted.find('…') {
        return Some((&redacted[..i], &redacted[i + '…'.len_utf8()..]));
    }
    let i = redacted.find('*')?;
    Some((&redacted[..i], redacted[i..].trim_start_matches('*')))
}

/// Whether `secret` has the visible start and end of a provider's
/// redacted form of a key. A form without an elision, with an empty start
/// or end, or showing fewer than six characters matches nothing.
pub fn matches_redacted(secret: &str, redacted: &str) -> bool {
    let Some((start, end)) = split_redacted(redacted) else {
        return false;
    };
    !start.is_empty()
        && !end.is_empty()
        && start.len() + end.len() >= MIN_SHOWN
        && secret.len() >= start.len() + end.len()
        && secret.starts_with(start)
        && secret.ends_with(end)
}

/// An id safe to put in a path or query (what both providers issue).
fn safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The provider's error type or code, never its message (which may
/// repeat part of a key).
fn error_code(body: &[u8]) -> String {
    let doc: Value = serde_json::from_slice(body).unwrap_or_default();
    ["/error/type", "/error/code"]
        .iter()
        .find_map(|p| doc.pointer(p).and_then(Value::as_str))
        .filter(|c| c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .unwrap_or("")
        .to_string()
}

/// One provider's admin API: where it lives and how it authenticates.
struct Api<'a> {
    client: &'a Client,
    base: &'static str,
    headers: Vec<(String, String)>,
}

/// A call the provider answered with something other than success.
struct Failed {
    status: u16,
    what: String,
}

impl Api<'_> {
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> Request {
        let mut headers = self.headers.clone();
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        Request {
            method: method.into(),
            url: format!("{}{path}", self.base),
            headers,
            body: body.map(|b| b.as_bytes().to_vec()),
            allowed_hosts: vec![self.base.trim_start_matches("https://").to_string()],
        }
    }

    /// Every item of a paginated list: `cursor` is the query parameter
    /// that takes the last id of a page (`after`, `after_id`).
    fn list(&self, path: &str, cursor: &str) -> Result<Result<Vec<Value>, Failed>, VerifyError> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page_path = match &after {
                Some(a) => format!("{path}&{cursor}={a}"),
                None => path.to_string(),
            };
            let response = self.client.send(&self.request("GET", &page_path, None), None)?;
            if response.status != 200 {
                return Ok(Err(Failed {
                    status: response.status,
                    what: format!(
                        "GET {}: {}",
                        path.split('?').next().unwrap_or(path),
                        error_code(&response.body)
                    ),
                }));
            }
            let doc: Value = serde_json::from_slice(&response.body).unwrap_or_default();
            let data = doc.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
            let next = doc
                .get("last_id")
                .and_then(Value::as_str)
                .or_else(|| data.last().and_then(|i| i.get("id")).and_then(Value::as_str))
                .map(str::to_string);
            items.extend(data);
            let more = doc.get("has_more").and_then(Value::as_bool).unwrap_or(false);
            match next {
                Some(n) if more && safe_id(&n) && after.as_deref() != Some(n.as_str()) => after = Some(n),
                _ => return Ok(Ok(items)),
            }
        }
        Ok(Ok(items))
    }
}

fn refused(f: Failed) -> AdminRevocation {
    AdminRevocation {
        answer: AdminAnswer::Refused,
        status: Some(f.status),
        detail: f.what,
    }
}

fn id_of(item: &Value) -> Option<&str> {
    item.get("id").and_then(Value::as_str).filter(|id| safe_id(id))
}

/// Finds `secret` among the organisation's keys and revokes it with
/// `admin`, the organisation's admin key. `kind` picks the provider.
pub fn revoke(client: &Client, kind: RevokeKind, secret: &str, admin: &str) -> Result<AdminRevocation, VerifyError> {
    match kind {
        RevokeKind::OpenaiAdmin => openai(client, secret, admin),
        RevokeKind::AnthropicAdmin => anthropic(client, secret, admin),
        RevokeKind::Http | RevokeKind::AwsIam => Err(VerifyError::Spec("not an admin-API revoker".into())),
    }
}

fn ambiguous(count: usize, what: &str) -> AdminRevocation {
    AdminRevocation {
        answer: AdminAnswer::Ambiguous,
        status: None,
        detail: format!(
            "{count} {what} show the same redacted form as the leaked key: none was revoked; revoke it by hand"
        ),
    }
}

fn not_found(listed: usize, what: &str) -> AdminRevocation {
    AdminRevocation {
        answer: AdminAnswer::NotFound,
        status: None,
        detail: format!(
            "none of the organisation's {listed} {what} shows the leaked key's redacted form: nothing was revoked"
        ),
    }
}

/// The organisation's key the leaked key is, found by its redacted form
/// (ids and the provider's key object only, never a key).
#[derive(Debug, Clone)]
pub enum Located {
    /// Exactly one key matched.
    Key {
        /// The project holding it (OpenAI project keys).
        project: Option<String>,
        /// The key's id.
        id: String,
        /// The provider's key object (name, status, dates, redacted form).
        key: Value,
    },
    /// No key, several keys, or a refused listing: what a revocation
    /// would have reported.
    Not(AdminRevocation),
}

/// Finds `secret` among the organisation's keys with `admin`, the
/// organisation's admin key, as revocation does before it deletes: the one
/// listed key whose redacted form the secret has. `kind` picks the
/// provider.
pub fn locate(client: &Client, kind: RevokeKind, secret: &str, admin: &str) -> Result<Located, VerifyError> {
    match kind {
        RevokeKind::OpenaiAdmin => locate_openai(client, secret, admin),
        RevokeKind::AnthropicAdmin => locate_anthropic(client, secret, admin),
        RevokeKind::Http | RevokeKind::AwsIam => Err(VerifyError::Spec("not an admin-API revoker".into())),
    }
}

fn openai_api<'a>(client: &'a Client, admin: &str) -> Api<'a> {
    Api {
        client,
        base: OPENAI,
        headers: vec![("Authorization".into(), format!("Bearer {admin}"))],
    }
}

fn anthropic_api<'a>(client: &'a Client, admin: &str) -> Api<'a> {
    Api {
        client,
        base: ANTHROPIC,
        headers: vec![
            ("x-api-key".into(), admin.to_string()),
            ("anthropic-version".into(), "2023-06-01".into()),
        ],
    }
}

fn locate_openai(client: &Client, secret: &str, admin: &str) -> Result<Located, VerifyError> {
    let api = openai_api(client, admin);
    let projects = match api.list("/v1/organization/projects?limit=100", "after")? {
        Ok(p) => p,
        Err(f) => return Ok(Located::Not(refused(f))),
    };
    let mut matches: Vec<(String, String, Value)> = Vec::new();
    let mut listed = 0;
    for project in &projects {
        let Some(project_id) = id_of(project) else { continue };
        let keys = match api.list(
            &format!("/v1/organization/projects/{project_id}/api_keys?limit=100"),
            "after",
        )? {
            Ok(k) => k,
            Err(f) => return Ok(Located::Not(refused(f))),
        };
        listed += keys.len();
        for key in keys {
            let redacted = key.get("redacted_value").and_then(Value::as_str).unwrap_or("");
            if let Some(key_id) = id_of(&key).filter(|_| matches_redacted(secret, redacted)) {
                let key_id = key_id.to_string();
                matches.push((project_id.to_string(), key_id, key));
            }
        }
    }
    Ok(match matches.len() {
        0 => Located::Not(not_found(listed, "project API keys")),
        1 => {
            let (project, id, key) = matches.remove(0);
            Located::Key {
                project: Some(project),
                id,
                key,
            }
        }
        many => Located::Not(ambiguous(many, "project API keys")),
    })
}

fn locate_anthropic(client: &Client, secret: &str, admin: &str) -> Result<Located, VerifyError> {
    let api = anthropic_api(client, admin);
    let keys = match api.list("/v1/organizations/api_keys?limit=1000", "after_id")? {
        Ok(k) => k,
        Err(f) => return Ok(Located::Not(refused(f))),
    };
    let mut matches: Vec<&Value> = keys
        .iter()
        .filter(|k| matches_redacted(secret, k.get("partial_key_hint").and_then(Value::as_str).unwrap_or("")))
        .filter(|k| id_of(k).is_some())
        .collect();
    Ok(match matches.len() {
        0 => Located::Not(not_found(keys.len(), "API keys")),
        1 => {
            let key = matches.remove(0).clone();
            Located::Key {
                project: None,
                id: id_of(&key).unwrap_or_default().to_string(),
                key,
            }
        }
        many => Located::Not(ambiguous(many, "API keys")),
    })
}

fn openai(client: &Client, secret: &str, admin: &str) -> Result<AdminRevocation, VerifyError> {
    let api = openai_api(client, admin);
    let (project_id, key_id) = match locate_openai(client, secret, admin)? {
        Located::Key {
            project: Some(project),
            id,
            ..
        } => (project, id),
        Located::Key { project: None, .. } => return Ok(not_found(0, "project API keys")),
        Located::Not(answer) => return Ok(answer),
    };
    let path = format!("/v1/organization/projects/{project_id}/api_keys/{key_id}");
    let response = client.send(&api.request("DELETE", &path, None), None)?;
    Ok(match response.status {
        200 | 204 => AdminRevocation {
            answer: AdminAnswer::Revoked,
            status: Some(response.status),
            detail: format!("deleted API key {key_id} of project {project_id}"),
        },
        404 => AdminRevocation {
            answer: AdminAnswer::Gone,
            status: Some(404),
            detail: format!("API key {key_id} of project {project_id} was already deleted"),
        },
        status => refused(Failed {
            status,
            what: format!(
                "DELETE key {key_id} of project {project_id}: {}",
                error_code(&response.body)
            ),
        }),
    })
}

fn anthropic(client: &Client, secret: &str, admin: &str) -> Result<AdminRevocation, VerifyError> {
    let api = anthropic_api(client, admin);
    let key = match locate_anthropic(client, secret, admin)? {
        Located::Key { key, .. } => key,
        Located::Not(answer) => return Ok(answer),
    };
    let key = &key;
    let id = id_of(key).unwrap_or_default();
    let status = key.get("status").and_then(Value::as_str).unwrap_or("");
    if status != "active" {
        return Ok(AdminRevocation {
            answer: AdminAnswer::Gone,
            status: None,
            detail: format!(
                "API key {id} is already {}",
                if status.is_empty() { "not active" } else { status }
            ),
        });
    }
    let path = format!("/v1/organizations/api_keys/{id}");
    let response = client.send(&api.request("POST", &path, Some(r#"{"status":"inactive"}"#)), None)?;
    Ok(match response.status {
        200 => AdminRevocation {
            answer: AdminAnswer::Revoked,
            status: Some(200),
            detail: format!("set API key {id} inactive"),
        },
        404 => AdminRevocation {
            answer: AdminAnswer::Gone,
            status: Some(404),
            detail: format!("API key {id} no longer exists"),
        },
        status => refused(Failed {
            status,
            what: format!("POST key {id} inactive: {}", error_code(&response.body)),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_matches_the_redacted_forms_the_providers_show() {
        let anthropic = format!("sk-ant-api03-R2D{}igAA", "x".repeat(88));
        assert!(matches_redacted(&anthropic, "sk-ant-api03-R2D...igAA"));
        assert!(matches_redacted(&anthropic, "sk-ant-api03-R2D…igAA"));
        assert!(matches_redacted(&anthropic, "sk-ant-api03-R2D****igAA"));
        assert!(!matches_redacted(&anthropic, "sk-ant-api03-R2E...igAA"), "other start");
        assert!(!matches_redacted(&anthropic, "sk-ant-api03-R2D...igAB"), "other end");
        let openai = format!("sk-proj-abc{}xyz", "q".repeat(150));
        assert!(matches_redacted(&openai, "sk-proj-abc...xyz"));
        assert!(matches_redacted(&openai, " sk-proj-abc...xyz "), "surrounding blanks");
        assert!(!matches_redacted(&openai, "sk-proj-abd...xyz"));
    }

    #[test]
    fn forms_that_show_too_little_match_nothing() {
        let key = "sk-proj-abcdefghijklmnopqrstuvwxyz";
        assert!(!matches_redacted(key, key), "no elision: not a redacted form");
        assert!(!matches_redacted(key, "...xyz"), "no start");
        assert!(!matches_redacted(key, "sk-proj-..."), "no end");
        assert!(!matches_redacted(key, "sk...z"), "too few visible characters");
        assert!(!matches_redacted(key, ""), "empty");
        assert!(
            !matches_redacted("sk-proj-xyz", "sk-proj-x...xyz"),
            "longer than the key"
        );
    }

    #[test]
    fn only_plain_ids_and_error_codes_are_used() {
        assert!(safe_id("proj_abc-123"));
        assert!(!safe_id("../admin") && !safe_id("a b") && !safe_id(""));
        assert_eq!(
            error_code(br#"{"error":{"type":"permission_error","message":"key sk-ant-admin01-abc lacks"}}"#),
            "permission_error"
        );
        assert_eq!(
            error_code(br#"{"error":{"message":"x","code":"insufficient_permissions"}}"#),
            "insufficient_permissions"
        );
        assert_eq!(error_code(b"not json"), "");
    }

    #[test]
    fn the_plan_describes_the_calls_without_secrets() {
        assert!(describe(RevokeKind::OpenaiAdmin)
            .unwrap()
            .contains("DELETE https://api.openai.com/"));
        assert!(describe(RevokeKind::AnthropicAdmin)
            .unwrap()
            .contains("\"status\":\"inactive\""));
        assert!(describe(RevokeKind::Http).is_none());
    }
}
