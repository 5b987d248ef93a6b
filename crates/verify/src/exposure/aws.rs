//! AWS: IAM `GetAccessKeyLastUsed` (last use, service, region, owner) and
//! CloudTrail `LookupEvents` by `AccessKeyId` over the window (source IP,
//! user agent, event), paged by `NextToken`, in each region asked; signed
//! with the user's own credentials.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{ExposureOptions, IpNet, Usage, Use, Window, MAX_PAGES};
use crate::aws::send_signed;
use crate::aws_access::tags;
use crate::http::Client;

/// What IAM and CloudTrail say about the access key `key_id`.
pub fn usage(
    key_id: &str,
    window: Option<Window>,
    client: &Client,
    creds: &BTreeMap<String, String>,
    o: &ExposureOptions,
) -> Usage {
    let mut usage = Usage::from("AWS IAM and CloudTrail");
    let body = format!("Action=GetAccessKeyLastUsed&AccessKeyId={key_id}&Version=2010-05-08");
    let mut regions = o.aws_regions.clone();
    match send_signed(
        client,
        creds,
        "iam",
        "POST",
        "https://iam.amazonaws.com/",
        "iam.amazonaws.com",
        Some(&body),
    ) {
        Ok(r) if r.status == 200 => {
            let text = String::from_utf8_lossy(&r.body);
            let first = |tag: &str| tags(&text, tag).into_iter().next();
            usage.owner = first("UserName");
            if let Some(date) = first("LastUsedDate") {
                let service = first("ServiceName").unwrap_or_default();
                let region = first("Region").unwrap_or_default();
                usage.last_used = Some(format!("{date} {service} {region}").trim().to_string());
                if !region.is_empty() && region != "N/A" && !regions.contains(&region) {
                    regions.push(region);
                }
            } else {
                usage.last_used = Some("never used".into());
            }
        }
        Ok(r) => usage.failed("iam:GetAccessKeyLastUsed", r.status),
        Err(e) => usage.unreachable("iam:GetAccessKeyLastUsed", e),
    }
    let Some(window) = window else {
        usage
            .notes
            .push("no introduction date (scan git history for one): CloudTrail not searched".into());
        return usage.finish();
    };
    if regions.is_empty() {
        regions.push("us-east-1".into());
    }
    for region in regions {
        cloudtrail(key_id, window, &region, client, creds, &o.known, &mut usage);
    }
    usage.finish()
}

fn cloudtrail(
    key_id: &str,
    window: Window,
    region: &str,
    client: &Client,
    creds: &BTreeMap<String, String>,
    known: &[IpNet],
    usage: &mut Usage,
) {
    if !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        usage.notes.push(format!("region {region:?} skipped"));
        return;
    }
    let host = format!("cloudtrail.{region}.amazonaws.com");
    let url = format!("https://{host}/");
    let what = format!("cloudtrail:LookupEvents ({region})");
    let mut next: Option<String> = None;
    for page in 0..MAX_PAGES {
        let mut request = serde_json::json!({
            "LookupAttributes": [{"AttributeKey": "AccessKeyId", "AttributeValue": key_id}],
            "StartTime": window.start,
            "EndTime": window.end,
            "MaxResults": 50,
        });
        if let Some(token) = &next {
            request["NextToken"] = Value::String(token.clone());
        }
        let body = request.to_string();
        let answer = crate::aws::send_signed_json(
            client,
            creds,
            "cloudtrail",
            region,
            &url,
            &host,
            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
            &body,
        );
        let doc: Value = match answer {
            Ok(r) if r.status == 200 => serde_json::from_slice(&r.body).unwrap_or_default(),
            Ok(r) => return usage.failed(&what, r.status),
            Err(e) => return usage.unreachable(&what, e),
        };
        for event in doc["Events"].as_array().into_iter().flatten() {
            let detail: Value = event["CloudTrailEvent"]
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            let source = detail["eventSource"]
                .as_str()
                .unwrap_or("")
                .trim_end_matches(".amazonaws.com");
            let name = event["EventName"].as_str().unwrap_or("?");
            let time = match &event["EventTime"] {
                Value::Number(n) => n.as_f64().map(|t| keyhound_findings::time::format_seconds(t as i64)),
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
            .unwrap_or_default();
            usage.uses.push(Use::new(
                time,
                if source.is_empty() {
                    name.to_string()
                } else {
                    format!("{source}:{name}")
                },
                detail["sourceIPAddress"].as_str().map(str::to_string),
                detail["userAgent"].as_str().map(str::to_string),
                known,
            ));
        }
        match doc["NextToken"].as_str() {
            Some(token) if page + 1 < MAX_PAGES => next = Some(token.to_string()),
            Some(_) => usage.truncated = true,
            None => break,
        }
    }
}
