//! Access maps (`--access`): for a live key, read-only calls to its own
//! provider that say who it acts as, what it may do and what it reaches,
//! then a verdict (admin, write, read) and least-privilege flags.
//!
//! The declarative flow runs a rule's `[rules.access]` calls; providers
//! that need a protocol (AWS) have a built-in flow in [`crate::aws_access`].
//! Every call goes through the same [`Client`] as verification: only the
//! rule's hosts, https, no redirects, the run's request budget.

use std::collections::BTreeMap;

use serde_json::Value;

use keyhound_findings::{AccessMap, Excess, Resources, Verification};
use keyhound_rules::access_spec::{AccessCall, AccessFlow};

use crate::check::build_request;
use crate::facts::Learnt;
use crate::http::{Client, Request, Response};
use crate::spec::{CompiledAccess, CompiledCondition, MAX_PAGES};

/// Most items kept by name in a resource sample.
const SAMPLE: usize = 5;

/// Maps a live key's access. `values` are the verification's template
/// values (secret, groups, needs); `verification` its live answer.
pub fn map_access(
    client: &Client,
    access: &CompiledAccess,
    values: &BTreeMap<String, String>,
    verification: &Verification,
) -> AccessMap {
    let mut learnt = Learnt {
        facts: verification.account.clone(),
        ..Learnt::default()
    };
    match access.spec.flow {
        AccessFlow::Http => {
            for call in &access.spec.calls {
                run_call(client, call, values, &mut learnt);
            }
        }
        AccessFlow::AwsIam => crate::aws_access::map(client, values, &mut learnt),
        AccessFlow::GcpIam => crate::gcp::map(client, values, &mut learnt),
        AccessFlow::AzureStorage => crate::azure_storage::map(client, values, &mut learnt),
        AccessFlow::DockerHub => crate::docker_hub::map(client, values, &mut learnt),
        AccessFlow::PypiMacaroon => {
            let secret = values.get("secret").map_or("", String::as_str);
            if let Err(e) = crate::pypi::map(secret, unix_now(), &mut learnt) {
                learnt.notes.push(format!("the token cannot be read: {e}"));
            }
        }
    }
    if let Some(fact) = &access.spec.scopes {
        if let Some(list) = learnt.facts.get(fact) {
            learnt.scopes.extend(
                list.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    }
    // Identity may name values found beside the secret (a tenant or
    // client id), never the secret itself.
    for name in &access.spec.identity {
        if name != "secret" && !learnt.facts.contains_key(name) {
            if let Some(v) = values.get(name) {
                learnt.facts.insert(name.clone(), v.clone());
            }
        }
    }
    learnt.scopes.sort();
    learnt.scopes.dedup();
    finish(access, learnt)
}

/// Maps a key whose rule's flow reads the key itself (PyPI's macaroons):
/// nothing is sent and no verifier is needed. `None` when the flow is not
/// offline or the key cannot be read (a malformed token gets no map).
pub fn map_offline(access: &CompiledAccess, values: &BTreeMap<String, String>) -> Option<AccessMap> {
    let secret = values.get("secret")?;
    let mut learnt = Learnt::default();
    match access.spec.flow {
        AccessFlow::PypiMacaroon => crate::pypi::map(secret, unix_now(), &mut learnt).ok()?,
        AccessFlow::Http
        | AccessFlow::AwsIam
        | AccessFlow::GcpIam
        | AccessFlow::AzureStorage
        | AccessFlow::DockerHub => return None,
    }
    learnt.scopes.dedup();
    Some(finish(access, learnt))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Turns what was learnt into the map: identity, kind, verdict, excess.
fn finish(access: &CompiledAccess, learnt: Learnt) -> AccessMap {
    let spec = &access.spec;
    let identity: BTreeMap<String, String> = spec
        .identity
        .iter()
        .filter_map(|name| learnt.facts.get(name).map(|v| (name.clone(), v.clone())))
        .collect();
    let kind = spec
        .kind_fact
        .as_ref()
        .and_then(|f| learnt.facts.get(f).cloned())
        .or_else(|| spec.kind.clone());
    let level = access
        .verdict
        .iter()
        .filter(|(_, c)| holds(c, &learnt).is_some())
        .map(|(level, _)| *level)
        .max()
        .unwrap_or_default();
    let excess = access
        .excess
        .iter()
        .filter_map(|(advice, c)| {
            holds(c, &learnt).map(|what| Excess {
                what,
                advice: advice.clone(),
            })
        })
        .collect();
    AccessMap {
        level,
        kind,
        identity,
        scopes: learnt.scopes,
        resources: learnt.resources,
        expires: spec.expires.as_ref().and_then(|f| learnt.facts.get(f).cloned()),
        excess,
        notes: learnt.notes,
        requests: learnt.requests,
    }
}

/// Whether a condition holds; `Some(what made it hold)`.
fn holds(c: &CompiledCondition, learnt: &Learnt) -> Option<String> {
    let mut what = Vec::new();
    if let Some(re) = &c.scope {
        let hits: Vec<&str> = learnt
            .scopes
            .iter()
            .filter(|s| re.is_match(s))
            .map(String::as_str)
            .collect();
        if hits.is_empty() {
            return None;
        }
        what.push(format!("scope {}", hits.join(", ")));
    }
    if let Some((fact, re)) = &c.fact {
        let value = learnt.facts.get(fact)?;
        if re.as_ref().is_some_and(|re| !re.is_match(value)) {
            return None;
        }
        what.push(format!("{fact} = {value}"));
    }
    if let Some(fact) = &c.missing {
        if learnt.facts.contains_key(fact) {
            return None;
        }
        what.push(format!("no {fact}"));
    }
    if let Some((name, flag)) = &c.resource {
        let listing = learnt.resources.iter().find(|r| &r.name == name);
        let count = match flag {
            Some(flag) => listing.and_then(|r| r.flagged.get(flag)).copied().unwrap_or(0),
            None => listing.map_or(0, |r| r.count),
        };
        if count == 0 {
            return None;
        }
        what.push(match flag {
            Some(flag) => format!("{flag} on {count} {name}"),
            None => format!("{count} {name}"),
        });
    }
    Some(if what.is_empty() {
        "any key of this kind".into()
    } else {
        what.join("; ")
    })
}

/// Runs one declarative call and records what it says.
fn run_call(client: &Client, call: &AccessCall, values: &BTreeMap<String, String>, learnt: &mut Learnt) {
    let mut all = values.clone();
    for (k, v) in &learnt.facts {
        all.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let request = match build_request(&call.request, &all) {
        Ok(r) => r,
        Err(e) => {
            learnt.notes.push(format!("{}: {e}", call.request.url));
            return;
        }
    };
    let what = short_url(&call.request.url);
    let Some((response, json)) = send_json(client, &request, &what, call.optional, learnt) else {
        return;
    };
    for (name, selector) in &call.facts {
        let value = match selector.strip_prefix("header:") {
            Some(h) => response.header(h).map(str::to_string),
            None => json.pointer(selector).and_then(text_of),
        };
        if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
            learnt.facts.insert(name.clone(), v.trim().chars().take(4000).collect());
        }
    }
    if let Some(list) = &call.resources {
        let mut resources = Resources {
            name: list.name.clone(),
            count: 0,
            flagged: BTreeMap::new(),
            sample: Vec::new(),
            truncated: false,
        };
        let mut flagged_sample = Vec::new();
        let mut plain_sample = Vec::new();
        let mut page = Some((response, json));
        let mut pages = 0;
        let limit = list.pages.unwrap_or(1).min(MAX_PAGES);
        while let Some((response, json)) = page.take() {
            pages += 1;
            let items = json
                .pointer(&list.items)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            resources.count += items.len() as u64;
            for item in &items {
                let label = item
                    .pointer(&list.label)
                    .and_then(text_of)
                    .unwrap_or_else(|| "?".into());
                let mut flagged = false;
                for (flag, pointer) in &list.flags {
                    if item.pointer(pointer).is_some_and(truthy) {
                        *resources.flagged.entry(flag.clone()).or_default() += 1;
                        flagged = true;
                    }
                }
                if flagged {
                    flagged_sample.push(label);
                } else {
                    plain_sample.push(label);
                }
            }
            if let Some(total) = list
                .total
                .as_ref()
                .and_then(|p| json.pointer(p))
                .and_then(Value::as_u64)
            {
                if total > resources.count {
                    resources.count = total;
                    resources.truncated = pages >= limit || next_link(&response).is_none();
                }
            }
            if let Some(next) = next_link(&response) {
                if pages >= limit {
                    resources.truncated = true;
                    break;
                }
                let next_request = Request {
                    url: next,
                    ..request.clone()
                };
                page = send_json(client, &next_request, &what, true, learnt);
            }
        }
        flagged_sample.extend(plain_sample);
        flagged_sample.truncate(SAMPLE);
        resources.sample = flagged_sample;
        learnt.resources.push(resources);
    }
}

/// Sends a request and parses its JSON answer; a refusal or an error
/// becomes a note.
fn send_json(
    client: &Client,
    request: &Request,
    what: &str,
    optional: bool,
    learnt: &mut Learnt,
) -> Option<(Response, Value)> {
    learnt.requests += 1;
    let response = match client.send(request, None) {
        Ok(r) => r,
        Err(e) => {
            learnt.notes.push(format!("{what}: {e}"));
            return None;
        }
    };
    if !(200..300).contains(&response.status) {
        let note = match response.status {
            401 | 403 if optional => format!("{what}: not permitted for this key (HTTP {})", response.status),
            s => format!("{what}: HTTP {s}"),
        };
        learnt.notes.push(note);
        return None;
    }
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(json) => Some((response, json)),
        Err(_) => {
            learnt.notes.push(format!("{what}: answer is not JSON"));
            None
        }
    }
}

/// The `rel="next"` target of a `Link` header (RFC 8288), https only.
pub(crate) fn next_link(response: &Response) -> Option<String> {
    let header = response.header("link")?;
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim().replace(' ', "").as_str(), "rel=\"next\"" | "rel=next"));
        let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        (is_next && url.starts_with("https://")).then(|| url.to_string())
    })
}

fn short_url(url: &str) -> String {
    url.strip_prefix("https://")
        .unwrap_or(url)
        .split('?')
        .next()
        .unwrap_or(url)
        .to_string()
}

/// Scalar JSON values as text; arrays joined with ", ".
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(items.iter().filter_map(text_of).collect::<Vec<_>>().join(", ")),
        other => Some(other.to_string()),
    }
}

/// Whether a flag value says yes: `true`, a non-zero number, or a
/// string naming a privilege (not "false", "none", "read", empty).
fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !matches!(s.to_ascii_lowercase().as_str(), "" | "false" | "none" | "read" | "no"),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::compile_access;
    use keyhound_findings::AccessLevel;
    use keyhound_rules::access_spec::AccessSpec;

    fn compiled(text: &str) -> CompiledAccess {
        let spec: AccessSpec = toml::from_str(text).unwrap();
        compile_access(&spec, &["secret".into(), "scopes".into(), "login".into()]).unwrap()
    }

    #[test]
    fn the_highest_level_reached_wins_and_excess_names_the_scope() {
        let access = compiled(
            r#"
            scopes = "scopes"
            identity = ["login"]
            kind = "user token"
            [[verdict]]
            level = "read"
            [[verdict]]
            level = "write"
            scope = "repo|public_repo"
            [[verdict]]
            level = "admin"
            scope = "admin:org|delete_repo"
            [[excess]]
            scope = "admin:org|delete_repo"
            advice = "use a fine-grained token"
            "#,
        );
        let mut learnt = Learnt::default();
        learnt.facts.insert("login".into(), "octo".into());
        learnt.scopes = vec!["repo".into(), "read:org".into()];
        let map = finish(&access, learnt);
        assert_eq!(map.level, AccessLevel::Write);
        assert!(map.excess.is_empty());
        assert_eq!(map.identity["login"], "octo");
        let learnt = Learnt {
            scopes: vec!["repo".into(), "delete_repo".into()],
            ..Learnt::default()
        };
        let map = finish(&access, learnt);
        assert_eq!(map.level, AccessLevel::Admin);
        assert_eq!(map.excess[0].what, "scope delete_repo");
    }

    #[test]
    fn scope_regexes_match_whole_scopes_only() {
        let access = compiled("[[verdict]]\nlevel = \"admin\"\nscope = \"admin\"\n");
        let learnt = Learnt {
            scopes: vec!["admin:read".into()],
            ..Learnt::default()
        };
        assert_eq!(finish(&access, learnt).level, AccessLevel::Unknown);
    }

    #[test]
    fn malformed_tables_are_refused() {
        for text in [
            "[[verdict]]\nlevel = \"owner\"\n",
            "[[verdict]]\nlevel = \"read\"\nmatches = \"x\"\n",
            "[[excess]]\nscope = \"x\"\n",
            "[[calls]]\nrequest = { url = \"http://api.example.com/me\" }\n",
            "[[calls]]\nrequest = { method = \"DELETE\", url = \"https://api.example.com/me\" }\n",
            "[[calls]]\nrequest = { url = \"https://api.example.com/{{nothing}}\" }\n",
        ] {
            let spec: AccessSpec = toml::from_str(text).unwrap();
            assert!(compile_access(&spec, &["secret".into()]).is_err(), "{text}");
        }
    }

    #[test]
    fn link_headers_give_the_next_https_page_only() {
        let response = |link: &str| Response {
            status: 200,
            headers: vec![("link".into(), link.into())],
            body: Vec::new(),
        };
        let r = response(
            r#"<https://api.github.com/user/repos?page=2>; rel="next", <https://api.github.com/user/repos?page=9>; rel="last""#,
        );
        assert_eq!(
            next_link(&r).as_deref(),
            Some("https://api.github.com/user/repos?page=2")
        );
        assert_eq!(next_link(&response(r#"<http://evil.example/x>; rel="next""#)), None);
        assert_eq!(next_link(&response(r#"<https://api.github.com/x>; rel="last""#)), None);
    }
}
