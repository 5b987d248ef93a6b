//! OpenAI: the leaked key found among the organisation's project keys by
//! its redacted form (as `keyhound revoke` finds it, with the Admin API
//! key the user supplies), its `last_used_at`, and the completions usage
//! report over the window for that `api_key_id` (`GET
//! /v1/organization/usage/completions`, daily buckets, paged by
//! `next_page`). Usage reports carry no addresses or clients: every use
//! is counted as not known to be the user's.

use serde_json::Value;

use super::ask;
use super::model::{Usage, Use, Window, MAX_PAGES};
use crate::admin_revoke::{locate, Located};
use crate::http::Client;
use keyhound_rules::verify_spec::RevokeKind;

const HOST: &str = "api.openai.com";

/// The note every admin-API usage answer carries.
pub const NO_ADDRESSES: &str =
    "usage reports aggregate requests by day and carry no addresses or clients: each day with requests counts as a use not known to be yours";

/// What OpenAI's Admin API says about the leaked key `secret`.
pub fn usage(secret: &str, window: Option<Window>, client: &Client, admin: &str) -> Usage {
    let mut usage = Usage::from("OpenAI Admin API (key and usage)");
    let (project, id, key) = match locate(client, RevokeKind::OpenaiAdmin, secret, admin) {
        Ok(Located::Key { project, id, key }) => (project, id, key),
        Ok(Located::Not(answer)) => {
            match answer.status {
                Some(status) => usage.failed(&answer.detail, status),
                None => {
                    usage.incomplete = true;
                    usage.notes.push(answer.detail);
                }
            }
            return usage.finish();
        }
        Err(e) => {
            usage.unreachable("listing the organisation's keys", e);
            return usage.finish();
        }
    };
    usage.owner = Some(match project {
        Some(p) => format!("API key {id} of project {p}"),
        None => format!("API key {id}"),
    });
    usage.last_used = Some(match key.get("last_used_at").and_then(Value::as_i64) {
        Some(t) => super::model::utc(t),
        None => "not recorded".into(),
    });
    usage.notes.push(NO_ADDRESSES.into());
    let Some(window) = window else {
        usage
            .notes
            .push("no introduction date (scan git history for one): usage not read".into());
        return usage.finish();
    };
    let mut page: Option<String> = None;
    for n in 0..MAX_PAGES {
        let mut url = format!(
            "https://{HOST}/v1/organization/usage/completions?start_time={}&end_time={}&bucket_width=1d&api_key_ids={id}&group_by=api_key_id&limit=31",
            window.start, window.end
        );
        if let Some(p) = &page {
            url.push_str(&format!("&page={}", ask::encode(p)));
        }
        let request = ask::request(
            "GET",
            url,
            HOST,
            vec![("Authorization".into(), format!("Bearer {admin}"))],
            None,
        );
        let Some(response) = ask::send(client, &request, "usage/completions", &mut usage) else {
            break;
        };
        let doc = ask::json(&response);
        for bucket in doc["data"].as_array().into_iter().flatten() {
            for r in bucket["results"].as_array().into_iter().flatten() {
                if r["api_key_id"].as_str().is_some_and(|k| k != id) {
                    continue;
                }
                let requests = r["num_model_requests"].as_u64().unwrap_or(0);
                if requests == 0 {
                    continue;
                }
                let end = bucket["end_time"]
                    .as_i64()
                    .or(bucket["start_time"].as_i64())
                    .unwrap_or(0);
                let mut u = Use::new(
                    super::model::utc(end),
                    format!(
                        "{requests} request(s), {} input / {} output tokens",
                        r["input_tokens"].as_u64().unwrap_or(0),
                        r["output_tokens"].as_u64().unwrap_or(0)
                    ),
                    None,
                    None,
                    &[],
                );
                u.count = Some(requests);
                usage.uses.push(u);
            }
        }
        let more = doc["has_more"].as_bool().unwrap_or(false);
        match doc["next_page"].as_str() {
            Some(p) if more && n + 1 < MAX_PAGES => page = Some(p.to_string()),
            Some(_) if more => usage.truncated = true,
            _ => break,
        }
    }
    usage.finish()
}
