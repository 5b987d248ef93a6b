//! Docker Hub access map: who a personal (`dckr_pat_`) or organization
//! (`dckr_oat_`) access token acts as, which repositories it sees, and
//! whether it may pull, push or delete.
//!
//! Docker Hub does not tell a token its own permission level, so the flow
//! asks the two services that act on it, with read-only requests:
//!
//! 1. `POST hub.docker.com/v2/auth/token` exchanges the username (or
//!    organization) and the token for a short-lived Hub JWT, as the
//!    verifier does. That JWT is a bearer credential of its own: it stays in
//!    this function and is never a fact, a note or a log line.
//! 2. `GET hub.docker.com/v2/namespaces/{namespace}/repositories` lists the
//!    namespace's repositories (one page of 100, by name), counting the
//!    private ones.
//! 3. `GET auth.docker.io/token?service=registry.docker.io&scope=repository:NS/REPO:pull,push,delete`
//!    asks the registry's token service for every action on one of the
//!    namespace's repositories (a private one when there is one). The
//!    token it issues lists in its `access` claim the actions it was
//!    actually granted, which is the token's permission level: `pull`
//!    (read), `push` (write), `delete` (read, write, delete). Nothing is
//!    pulled, pushed or deleted; the issued registry token is discarded.
//!
//! The namespace and repository names come from the scanned file and from
//! Hub's answer; both are checked against Docker Hub's naming rules before
//! they become part of a URL, so a crafted file cannot bend the requests.
//!
//! Contracts: <https://docs.docker.com/reference/api/hub/latest/> (auth
//! token, list repositories) and the distribution token specification
//! <https://distribution.github.io/distribution/spec/auth/token/>.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;

use keyhound_findings::Resources;

use crate::facts::Learnt;
use crate::http::{Client, Request};

/// Docker Hub's API host.
const HUB_HOST: &str = "hub.docker.com";
/// The registry's token service host.
const AUTH_HOST: &str = "auth.docker.io";
/// Repositories listed (one page).
const PAGE: usize = 100;
/// Repository names kept in the sample.
const SAMPLE: usize = 5;

/// Maps a live Docker Hub token. `values` carries `secret` and `user` (the
/// Docker ID or organization found beside the token).
pub fn map(client: &Client, values: &BTreeMap<String, String>, learnt: &mut Learnt) {
    let (Some(secret), Some(namespace)) = (values.get("secret"), values.get("user")) else {
        learnt
            .notes
            .push("no Docker ID beside the token: Docker Hub was not asked".into());
        return;
    };
    let namespace = namespace.to_ascii_lowercase();
    if !is_name(&namespace) {
        learnt.notes.push(format!(
            "{namespace:?} is not a Docker ID or organization name: Docker Hub was not asked"
        ));
        return;
    }
    learnt.facts.insert("namespace".into(), namespace.clone());
    learnt.facts.insert(
        "token_type".into(),
        if secret.starts_with("dckr_oat_") {
            "organization access token"
        } else {
            "personal access token"
        }
        .into(),
    );
    let Some(jwt) = hub_login(client, &namespace, secret, learnt) else {
        return;
    };
    let repositories = list_repositories(client, &namespace, &jwt, learnt);
    drop(jwt);
    // Ask for every action on a repository the token should reach: a
    // private one first (a public-read-only token gets nothing there), else
    // any, else a name in the namespace that does not exist yet (pushing
    // would create it, so push is still granted to a write token).
    let probe = repositories
        .as_ref()
        .and_then(|r| r.private_first.clone())
        .unwrap_or_else(|| "keyhound-access-probe".to_string());
    registry_actions(client, &namespace, &probe, secret, learnt);
}

/// Exchanges the token for a Hub JWT, which is returned to the caller only.
fn hub_login(client: &Client, namespace: &str, secret: &str, learnt: &mut Learnt) -> Option<String> {
    let body = serde_json::json!({ "identifier": namespace, "secret": secret });
    let request = Request {
        method: "POST".into(),
        url: format!("https://{HUB_HOST}/v2/auth/token"),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: Some(body.to_string().into_bytes()),
        allowed_hosts: vec![HUB_HOST.into()],
    };
    learnt.requests += 1;
    match client.send(&request, None) {
        Ok(r) if r.status == 200 => {
            let token = serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v.get("access_token").and_then(Value::as_str).map(str::to_string));
            if token.is_none() {
                learnt.notes.push("Docker Hub's login answer held no token".into());
            }
            token
        }
        Ok(r) => {
            learnt
                .notes
                .push(format!("Docker Hub login answered HTTP {}", r.status));
            None
        }
        Err(e) => {
            learnt.notes.push(format!("Docker Hub login: {e}"));
            None
        }
    }
}

/// What the repository listing said.
struct Listing {
    /// The first private repository by name, else the first repository.
    private_first: Option<String>,
}

fn list_repositories(client: &Client, namespace: &str, jwt: &str, learnt: &mut Learnt) -> Option<Listing> {
    let request = Request {
        method: "GET".into(),
        url: format!("https://{HUB_HOST}/v2/namespaces/{namespace}/repositories?page_size={PAGE}&ordering=name"),
        headers: vec![
            ("Authorization".into(), format!("Bearer {jwt}")),
            ("Accept".into(), "application/json".into()),
        ],
        body: None,
        allowed_hosts: vec![HUB_HOST.into()],
    };
    learnt.requests += 1;
    let answer = match client.send(&request, None) {
        Ok(r) if r.status == 200 => serde_json::from_slice::<Value>(&r.body).ok(),
        Ok(r) => {
            learnt
                .notes
                .push(format!("Docker Hub's repository list answered HTTP {}", r.status));
            return None;
        }
        Err(e) => {
            learnt.notes.push(format!("Docker Hub's repository list: {e}"));
            return None;
        }
    };
    let Some(results) = answer.as_ref().and_then(|v| v.get("results")).and_then(Value::as_array) else {
        learnt
            .notes
            .push("Docker Hub's repository list was not the documented JSON".into());
        return None;
    };
    let answer = answer.as_ref().expect("checked above");
    let mut names: Vec<(String, bool)> = results
        .iter()
        .filter_map(|r| {
            let name = r.get("name")?.as_str()?;
            Some((
                name.to_string(),
                r.get("is_private").and_then(Value::as_bool).unwrap_or(false),
            ))
        })
        .filter(|(name, _)| is_name(name))
        .collect();
    names.sort();
    let count = answer
        .get("count")
        .and_then(Value::as_u64)
        .unwrap_or(names.len() as u64);
    let private = names.iter().filter(|(_, p)| *p).count() as u64;
    let private_first = names
        .iter()
        .find(|(_, p)| *p)
        .or_else(|| names.first())
        .map(|(n, _)| n.clone());
    let mut flagged = BTreeMap::new();
    if private > 0 {
        flagged.insert("private".to_string(), private);
    }
    learnt.resources.push(Resources {
        name: "repositories".into(),
        count,
        flagged,
        sample: names
            .iter()
            .take(SAMPLE)
            .map(|(n, _)| format!("{namespace}/{n}"))
            .collect(),
        truncated: answer.get("next").is_some_and(|n| !n.is_null()),
    });
    Some(Listing { private_first })
}

/// Asks the registry's token service for pull, push and delete on
/// `namespace/repo` and records what it granted as scopes
/// `repository:pull`, `repository:push`, `repository:delete`.
fn registry_actions(client: &Client, namespace: &str, repo: &str, secret: &str, learnt: &mut Learnt) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{namespace}:{secret}"));
    let request = Request {
        method: "GET".into(),
        url: format!(
            "https://{AUTH_HOST}/token?service=registry.docker.io&scope=repository:{namespace}/{repo}:pull,push,delete"
        ),
        headers: vec![("Authorization".into(), format!("Basic {basic}"))],
        body: None,
        allowed_hosts: vec![AUTH_HOST.into()],
    };
    learnt.requests += 1;
    let body = match client.send(&request, None) {
        Ok(r) if r.status == 200 => r.body,
        Ok(r) => {
            learnt
                .notes
                .push(format!("the registry's token service answered HTTP {}", r.status));
            return;
        }
        Err(e) => {
            learnt.notes.push(format!("the registry's token service: {e}"));
            return;
        }
    };
    let target = format!("{namespace}/{repo}");
    match granted_actions(&body, &target) {
        Some(actions) => {
            learnt.facts.insert("probed_repository".into(), target);
            if actions.is_empty() {
                learnt
                    .notes
                    .push("the registry granted no action on the namespace's repository".into());
            }
            learnt
                .scopes
                .extend(actions.into_iter().map(|a| format!("repository:{a}")));
        }
        None => learnt
            .notes
            .push("the registry's token was not the documented JWT with an access claim".into()),
    }
}

/// The actions the registry token in `body` grants on `repository`, from
/// its JWT's `access` claim (the signature is not checked: keyhound only
/// reads what the issuer says it granted). `None` when the answer is not a
/// token with that claim.
fn granted_actions(body: &[u8], repository: &str) -> Option<Vec<String>> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    let token = answer
        .get("token")
        .or_else(|| answer.get("access_token"))
        .and_then(Value::as_str)?;
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?,
    )
    .ok()?;
    let access = claims.get("access")?.as_array()?;
    let mut actions: Vec<String> = access
        .iter()
        .filter(|a| {
            a.get("type").and_then(Value::as_str) == Some("repository")
                && a.get("name").and_then(Value::as_str) == Some(repository)
        })
        .flat_map(|a| a.get("actions").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_string))
        .filter(|a| matches!(a.as_str(), "pull" | "push" | "delete" | "*"))
        .collect();
    actions.sort();
    actions.dedup();
    Some(actions)
}

/// Whether `name` is a Docker ID, organization or repository name (lower-case
/// letters, digits and `.`, `_`, `-` separators, at most 255 bytes): nothing
/// else becomes part of a request path.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && !name.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &Value) -> String {
        let enc = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", enc(&serde_json::json!({"alg":"RS256"})), enc(claims))
    }

    #[test]
    fn granted_actions_are_read_from_the_access_claim_of_the_named_repository() {
        let claims = serde_json::json!({
            "iss": "auth.docker.io",
            "access": [
                {"type": "repository", "name": "acmebot/api", "actions": ["push", "pull"]},
                {"type": "repository", "name": "other/repo", "actions": ["delete"]}
            ]
        });
        let body = serde_json::json!({ "token": jwt(&claims), "expires_in": 300 }).to_string();
        assert_eq!(
            granted_actions(body.as_bytes(), "acmebot/api").unwrap(),
            vec!["pull".to_string(), "push".to_string()]
        );
        let none = serde_json::json!({"access": [{"type": "repository", "name": "acmebot/api", "actions": []}]});
        let body = serde_json::json!({ "access_token": jwt(&none) }).to_string();
        assert!(granted_actions(body.as_bytes(), "acmebot/api").unwrap().is_empty());
        for bad in [
            "not json",
            r#"{"token": "no-dots"}"#,
            r#"{"token": "a.!!!.c"}"#,
            r#"{"token": 5}"#,
        ] {
            assert!(granted_actions(bad.as_bytes(), "acmebot/api").is_none(), "{bad}");
        }
    }

    #[test]
    fn only_docker_hub_names_become_path_segments() {
        for good in ["acmebot", "acme-corp", "my.repo_name", "a1"] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "../admin", "Acme", "a/b", "a?b", "-lead", "a..b", "x y", "%2e%2e"] {
            assert!(!is_name(bad), "{bad}");
        }
    }
}
