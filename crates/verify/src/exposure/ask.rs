//! One audit-API question through the shared client: the request to one
//! host, and a failed answer turned into a note on the key's usage
//! (never a crash, never a silent "no uses").

use serde_json::Value;

use super::model::Usage;
use crate::http::{Client, Request, Response};

/// A request to `url`, allowed only to `host`.
pub fn request(method: &str, url: String, host: &str, headers: Vec<(String, String)>, body: Option<String>) -> Request {
    let mut headers = headers;
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    Request {
        method: method.into(),
        url,
        headers,
        body: body.map(String::into_bytes),
        allowed_hosts: vec![host.to_string()],
    }
}

/// Sends `request`; a 2xx answer is returned, anything else becomes a note
/// on `usage` named `what`.
pub fn send(client: &Client, request: &Request, what: &str, usage: &mut Usage) -> Option<Response> {
    match client.send(request, None) {
        Ok(r) if (200..300).contains(&r.status) => Some(r),
        Ok(r) => {
            usage.failed(what, r.status);
            None
        }
        Err(e) => {
            usage.unreachable(what, e);
            None
        }
    }
}

/// The answer's JSON body (`Null` when it is not JSON).
pub fn json(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap_or_default()
}

/// A JSON string or number as text.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}
