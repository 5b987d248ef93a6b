//! Google Cloud: Cloud Logging `entries:list` (`POST
//! https://logging.googleapis.com/v2/entries:list`) on the key's project,
//! filtered to the window and the service account
//! (`protoPayload.authenticationInfo.principalEmail`) and, when the
//! findings file names it, the key
//! (`protoPayload.authenticationInfo.serviceAccountKeyName`); caller
//! addresses and clients from `protoPayload.requestMetadata`, paged by
//! `nextPageToken`. Asked with the user's own OAuth access token.
//!
//! The service account, project and key id come from the findings file
//! (the access map's `principal` and `project` under `--verify --access`,
//! or `client_email`, `project_id`, `private_key_id`): the private key
//! alone does not name them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ask;
use super::model::{plain, IpNet, Usage, Use, Window, MAX_PAGES};
use crate::http::Client;

const HOST: &str = "logging.googleapis.com";

/// The first of `names` the identity holds.
fn fact<'a>(identity: &'a BTreeMap<String, String>, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| identity.get(*n)).map(String::as_str)
}

/// The Cloud Logging filter for a service account (and key) over `window`.
pub fn filter(email: &str, key_id: Option<&str>, window: Window) -> String {
    let mut filter = format!(
        "protoPayload.authenticationInfo.principalEmail=\"{email}\" AND timestamp>=\"{}\" AND timestamp<=\"{}\"",
        window.start_text(),
        window.end_text()
    );
    if let Some(key) = key_id {
        filter.push_str(&format!(
            " AND protoPayload.authenticationInfo.serviceAccountKeyName:\"{key}\""
        ));
    }
    filter
}

/// What Cloud Logging says about the service account key `identity` names.
pub fn usage(
    identity: &BTreeMap<String, String>,
    window: Option<Window>,
    client: &Client,
    token: &str,
    known: &[IpNet],
) -> Usage {
    let mut usage = Usage::from("Google Cloud audit logs");
    let Some(email) = fact(identity, &["principal", "client_email"]).filter(|e| plain(e) && e.contains('@')) else {
        usage.incomplete = true;
        usage.notes.push(
            "the findings file does not name the service account (scan with --verify --access): logs not searched"
                .into(),
        );
        return usage;
    };
    let project = fact(identity, &["project", "project_id"])
        .map(str::to_string)
        .or_else(|| {
            email
                .split_once('@')
                .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
                .map(str::to_string)
        })
        .filter(|p| plain(p));
    let Some(project) = project else {
        usage.incomplete = true;
        usage
            .notes
            .push("the service account's project is unknown: logs not searched".into());
        return usage;
    };
    let key_id = fact(identity, &["private_key_id", "key_id"]).filter(|k| k.bytes().all(|b| b.is_ascii_hexdigit()));
    usage.owner = Some(match key_id {
        Some(k) => format!("{email} (key {k}) in project {project}"),
        None => format!("{email} in project {project}"),
    });
    if key_id.is_none() {
        usage
            .notes
            .push("the key id is not in the findings file: uses by every key of the service account are listed".into());
    }
    let Some(window) = window else {
        usage
            .notes
            .push("no introduction date (scan git history for one): logs not searched".into());
        return usage.finish();
    };
    let mut next: Option<String> = None;
    for page in 0..MAX_PAGES {
        let mut body = serde_json::json!({
            "resourceNames": [format!("projects/{project}")],
            "filter": filter(email, key_id, window),
            "orderBy": "timestamp asc",
            "pageSize": 1000,
        });
        if let Some(t) = &next {
            body["pageToken"] = Value::String(t.clone());
        }
        let request = ask::request(
            "POST",
            format!("https://{HOST}/v2/entries:list"),
            HOST,
            vec![("Authorization".into(), format!("Bearer {token}"))],
            Some(body.to_string()),
        );
        let Some(response) = ask::send(client, &request, "logging entries:list", &mut usage) else {
            break;
        };
        let doc = ask::json(&response);
        for entry in doc["entries"].as_array().into_iter().flatten() {
            let payload = &entry["protoPayload"];
            let meta = &payload["requestMetadata"];
            let service = payload["serviceName"].as_str().unwrap_or("");
            let method = payload["methodName"].as_str().unwrap_or("?");
            usage.uses.push(Use::new(
                entry["timestamp"].as_str().unwrap_or("").to_string(),
                if service.is_empty() {
                    method.to_string()
                } else {
                    format!("{service}:{method}")
                },
                meta["callerIp"].as_str().map(str::to_string),
                meta["callerSuppliedUserAgent"].as_str().map(str::to_string),
                known,
            ));
        }
        match doc["nextPageToken"].as_str() {
            Some(t) if !t.is_empty() && page + 1 < MAX_PAGES => next = Some(t.to_string()),
            Some(t) if !t.is_empty() => usage.truncated = true,
            _ => break,
        }
    }
    if let Some(last) = usage.uses.iter().map(|u| u.time.clone()).max() {
        usage.last_used = Some(last);
    }
    usage.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_names_the_account_the_key_and_the_window() {
        let w = Window {
            start: 1_709_251_200,
            end: 1_709_510_400,
        };
        let f = filter("ci@p-1.iam.gserviceaccount.com", Some("abc123"), w);
        assert!(f.starts_with("protoPayload.authenticationInfo.principalEmail=\"ci@p-1.iam.gserviceaccount.com\""));
        assert!(f.contains("timestamp>=\"2024-03-01T00:00:00Z\""), "{f}");
        assert!(f.contains("serviceAccountKeyName:\"abc123\""), "{f}");
        assert!(!filter("a@b", None, w).contains("serviceAccountKeyName"));
    }
}
