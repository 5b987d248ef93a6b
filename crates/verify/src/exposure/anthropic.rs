//! Anthropic: the leaked key found among the organisation's keys by its
//! partial hint (as `keyhound revoke` finds it, with the Admin API key the
//! user supplies), and the Messages usage report over the window for that
//! `api_key_id` (`GET /v1/organizations/usage_report/messages`, daily
//! buckets, paged by `next_page`). Usage reports carry no addresses or
//! clients: every use is counted as not known to be the user's.

use serde_json::Value;

use super::ask;
use super::model::{Usage, Use, Window, MAX_PAGES};
use super::openai::NO_ADDRESSES;
use crate::admin_revoke::{locate, Located};
use crate::http::Client;
use keyhound_rules::verify_spec::RevokeKind;

const HOST: &str = "api.anthropic.com";

/// What Anthropic's Admin API says about the leaked key `secret`.
pub fn usage(secret: &str, window: Option<Window>, client: &Client, admin: &str) -> Usage {
    let mut usage = Usage::from("Anthropic Admin API (key and usage)");
    let (id, key) = match locate(client, RevokeKind::AnthropicAdmin, secret, admin) {
        Ok(Located::Key { id, key, .. }) => (id, key),
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
    let workspace = key.get("workspace_id").and_then(Value::as_str);
    usage.owner = Some(match workspace {
        Some(w) => format!("API key {id} of workspace {w}"),
        None => format!("API key {id}"),
    });
    usage.last_used = Some(
        key.get("last_used_at")
            .and_then(Value::as_str)
            .map_or_else(|| "not in the key listing (see the usage below)".into(), str::to_string),
    );
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
            "https://{HOST}/v1/organizations/usage_report/messages?starting_at={}&ending_at={}&bucket_width=1d&api_key_ids%5B%5D={id}&group_by%5B%5D=api_key_id&limit=31",
            ask::encode(&window.start_text()),
            ask::encode(&window.end_text())
        );
        if let Some(p) = &page {
            url.push_str(&format!("&page={}", ask::encode(p)));
        }
        let request = ask::request(
            "GET",
            url,
            HOST,
            vec![
                ("x-api-key".into(), admin.to_string()),
                ("anthropic-version".into(), "2023-06-01".into()),
            ],
            None,
        );
        let Some(response) = ask::send(client, &request, "usage_report/messages", &mut usage) else {
            break;
        };
        let doc = ask::json(&response);
        for bucket in doc["data"].as_array().into_iter().flatten() {
            for r in bucket["results"].as_array().into_iter().flatten() {
                if r["api_key_id"].as_str().is_some_and(|k| k != id) {
                    continue;
                }
                let input = ["uncached_input_tokens", "cache_read_input_tokens"]
                    .iter()
                    .map(|f| r[*f].as_u64().unwrap_or(0))
                    .sum::<u64>();
                let output = r["output_tokens"].as_u64().unwrap_or(0);
                if input + output == 0 {
                    continue;
                }
                let end = bucket["ending_at"]
                    .as_str()
                    .or(bucket["starting_at"].as_str())
                    .unwrap_or("")
                    .to_string();
                usage.uses.push(Use::new(
                    end,
                    format!("{input} input / {output} output tokens"),
                    None,
                    None,
                    &[],
                ));
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
