//! The Model Context Protocol as `keyhound mcp` speaks it: JSON-RPC 2.0
//! messages, one per line on stdio, the `initialize` handshake (protocol
//! versions 2024-11-05 to 2025-11-25), `ping`, `tools/list` and
//! `tools/call`. The tools themselves run in the binary.
//!
//! Written here rather than taken from the `rmcp` crate: the server needs
//! five methods over line-delimited JSON, and `rmcp` would bring an async
//! runtime and a schema generator into a synchronous binary for them.

use serde_json::{json, Value};

/// Protocol versions this server speaks, oldest first.
pub const PROTOCOL_VERSIONS: &[&str] = &["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

/// JSON-RPC's "parse error".
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC's "invalid request".
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC's "method not found".
pub const METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC's "invalid params".
pub const INVALID_PARAMS: i64 = -32602;

/// One message from the client.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request: it gets exactly one response with its `id`.
    Request {
        /// The id to answer with (a number or a string).
        id: Value,
        /// The method.
        method: String,
        /// Its parameters (`null` when absent).
        params: Value,
    },
    /// A notification (no `id`): never answered.
    Notification {
        /// The method.
        method: String,
    },
    /// A response to a request of ours (keyhound sends none; ignored).
    Response,
}

/// Why a line is not a JSON-RPC message, with the error to answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BadMessage {
    /// JSON-RPC error code.
    pub code: i64,
    /// What was wrong.
    pub message: String,
    /// The request's id when it could be read (else the answer has `null`).
    pub id: Option<String>,
}

/// Reads one line of the stream.
pub fn parse(line: &str) -> Result<Message, BadMessage> {
    let doc: Value = serde_json::from_str(line).map_err(|e| BadMessage {
        code: PARSE_ERROR,
        message: format!("not JSON: {e}"),
        id: None,
    })?;
    let bad = |message: &str, doc: &Value| BadMessage {
        code: INVALID_REQUEST,
        message: message.to_string(),
        id: doc.get("id").map(Value::to_string),
    };
    let Some(object) = doc.as_object() else {
        return Err(bad(
            "a message must be a JSON object (batches are not part of MCP)",
            &doc,
        ));
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(bad("jsonrpc must be \"2.0\"", &doc));
    }
    match (object.get("method").and_then(Value::as_str), object.get("id")) {
        (Some(method), Some(id)) if id.is_string() || id.is_number() => Ok(Message::Request {
            id: id.clone(),
            method: method.to_string(),
            params: object.get("params").cloned().unwrap_or(Value::Null),
        }),
        (Some(_), Some(_)) => Err(bad("id must be a string or a number", &doc)),
        (Some(method), None) => Ok(Message::Notification {
            method: method.to_string(),
        }),
        (None, Some(_)) if object.contains_key("result") || object.contains_key("error") => Ok(Message::Response),
        _ => Err(bad("neither a request, a notification nor a response", &doc)),
    }
}

/// A successful response, as one line.
pub fn result(id: &Value, result: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string()
}

/// An error response, as one line (`id` null when it could not be read).
pub fn error(id: Option<&Value>, code: i64, message: &str) -> String {
    json!({"jsonrpc": "2.0", "id": id.cloned().unwrap_or(Value::Null), "error": {"code": code, "message": message}})
        .to_string()
}

/// The answer to `initialize`: the client's version when this server
/// speaks it, else the newest this server speaks (the client then decides).
pub fn initialize_result(params: &Value, name: &str, version: &str, instructions: &str) -> Value {
    let asked = params.get("protocolVersion").and_then(Value::as_str);
    let agreed = match asked {
        Some(v) if PROTOCOL_VERSIONS.contains(&v) => v,
        _ => PROTOCOL_VERSIONS[PROTOCOL_VERSIONS.len() - 1],
    };
    json!({
        "protocolVersion": agreed,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": name, "version": version},
        "instructions": instructions,
    })
}

/// A tool's entry in `tools/list`.
pub fn tool(name: &str, description: &str, properties: Value, required: &[&str]) -> Value {
    json!({
        "name": name,
        "description": description,
        "inputSchema": {"type": "object", "properties": properties, "required": required},
        "annotations": {"readOnlyHint": true, "openWorldHint": false},
    })
}

/// A `tools/call` result: a text for the model, the same data structured,
/// and whether the call failed (a tool error the model should read, not a
/// protocol error).
pub fn tool_result(text: &str, structured: Option<Value>, is_error: bool) -> Value {
    let mut out = json!({"content": [{"type": "text", "text": text}], "isError": is_error});
    if let Some(data) = structured {
        out["structuredContent"] = data;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_told_apart_and_bad_ones_get_their_code() {
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap(),
            Message::Request {
                id: json!(1),
                method: "ping".into(),
                params: Value::Null
            }
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap(),
            Message::Notification {
                method: "notifications/initialized".into()
            }
        );
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap(),
            Message::Response
        );
        assert_eq!(parse("{").unwrap_err().code, PARSE_ERROR);
        assert_eq!(parse("[]").unwrap_err().code, INVALID_REQUEST);
        let e = parse(r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#).unwrap_err();
        assert_eq!((e.code, e.id.as_deref()), (INVALID_REQUEST, Some("7")));
        assert_eq!(
            parse(r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#).unwrap_err().code,
            INVALID_REQUEST
        );
    }

    #[test]
    fn the_handshake_agrees_on_a_version_both_speak() {
        let r = initialize_result(&json!({"protocolVersion": "2025-06-18"}), "keyhound", "0.1.0", "");
        assert_eq!(r["protocolVersion"], "2025-06-18");
        let r = initialize_result(&json!({"protocolVersion": "2099-01-01"}), "keyhound", "0.1.0", "");
        assert_eq!(r["protocolVersion"], "2025-11-25");
        assert_eq!(r["capabilities"]["tools"]["listChanged"], false);
    }
}
