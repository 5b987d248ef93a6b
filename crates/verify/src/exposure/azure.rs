//! Azure: the subscription's activity log (`GET
//! https://management.azure.com/subscriptions/{id}/providers/Microsoft.Insights/eventtypes/management/values`,
//! api-version 2015-04-01) over the window, with the user's own ARM
//! token, paged by `nextLink`. The documented `$filter` takes only times
//! (and a resource group, resource or provider), so the events of the
//! leaked secret's application are picked here: those whose `caller` or
//! `claims.appid` is its client id. The activity log records control-plane
//! operations (what the application changed in Azure Resource Manager);
//! its sign-ins are in Entra's sign-in logs, which this does not read.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ask;
use super::model::{IpNet, Usage, Use, Window, MAX_PAGES};
use crate::http::Client;

const HOST: &str = "management.azure.com";

fn guid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// What the activity log says about the application `identity` names.
pub fn usage(
    identity: &BTreeMap<String, String>,
    window: Option<Window>,
    client: &Client,
    token: &str,
    subscription: Option<&str>,
    known: &[IpNet],
) -> Usage {
    let mut usage = Usage::from("Azure activity log");
    let Some(app) = ["client_id", "app_id", "appid"]
        .iter()
        .find_map(|n| identity.get(*n))
        .filter(|a| guid(a))
        .map(|a| a.to_ascii_lowercase())
    else {
        usage.incomplete = true;
        usage.notes.push(
            "the findings file does not name the application's client id (scan with --verify --access): activity log not searched"
                .into(),
        );
        return usage;
    };
    let Some(subscription) = subscription.filter(|s| guid(s)) else {
        usage.incomplete = true;
        usage
            .notes
            .push("no subscription (--azure-subscription or AZURE_SUBSCRIPTION_ID): activity log not searched".into());
        return usage;
    };
    usage.owner = Some(format!("application {app}"));
    usage.notes.push(
        "the activity log holds control-plane operations only; sign-ins are in Entra ID's sign-in logs (not read)"
            .into(),
    );
    let Some(window) = window else {
        usage
            .notes
            .push("no introduction date (scan git history for one): activity log not searched".into());
        return usage.finish();
    };
    let filter = format!(
        "eventTimestamp ge '{}' and eventTimestamp le '{}'",
        window.start_text(),
        window.end_text()
    );
    let mut url = format!(
        "https://{HOST}/subscriptions/{subscription}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$filter={}",
        ask::encode(&filter)
    );
    for page in 0..MAX_PAGES {
        let request = ask::request(
            "GET",
            url.clone(),
            HOST,
            vec![("Authorization".into(), format!("Bearer {token}"))],
            None,
        );
        let Some(response) = ask::send(client, &request, "activity log", &mut usage) else {
            break;
        };
        let doc = ask::json(&response);
        for event in doc["value"].as_array().into_iter().flatten() {
            let caller = event["caller"].as_str().unwrap_or("").to_ascii_lowercase();
            let appid = event
                .pointer("/claims/appid")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            if caller != app && appid != app {
                continue;
            }
            let ip = event
                .pointer("/httpRequest/clientIpAddress")
                .or_else(|| event.pointer("/claims/ipaddr"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let action = event
                .pointer("/operationName/value")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let status = event.pointer("/status/value").and_then(Value::as_str);
            usage.uses.push(Use::new(
                event["eventTimestamp"].as_str().unwrap_or("").to_string(),
                match status {
                    Some(s) => format!("{action} ({s})"),
                    None => action.to_string(),
                },
                ip,
                None,
                known,
            ));
        }
        match doc["nextLink"].as_str() {
            Some(n) if n.starts_with(&format!("https://{HOST}/")) && page + 1 < MAX_PAGES => url = n.to_string(),
            Some(n) if !n.is_empty() => {
                usage.truncated = true;
                break;
            }
            _ => break,
        }
    }
    if let Some(last) = usage.uses.iter().map(|u| u.time.clone()).max() {
        usage.last_used = Some(format!("{last} (latest in the activity log)"));
    }
    usage.finish()
}
