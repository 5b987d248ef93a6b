//! What an agent's hook sends: which event, and the pieces of text the
//! agent is about to put somewhere (a file's new content, a shell command,
//! a prompt, a file about to be read into its context).
//!
//! Only text the action would *add* is a piece: an edit's `old_string` is
//! the text being replaced, so a secret there is one the edit removes, and
//! blocking it would stop the clean-up.

use std::path::PathBuf;

use serde_json::Value;

use crate::Agent;

/// What the agent is about to do, for the message it gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Write or edit a file.
    Write,
    /// Run a shell command.
    Command,
    /// Send the user's prompt to the model.
    Prompt,
    /// Read a file into the model's context.
    Read,
    /// Call another tool (an MCP tool, a web fetch) with these arguments.
    Tool,
    /// An event keyhound does not check (it answers "no objection").
    Other,
}

impl Action {
    /// What to do instead of putting a secret there, in one sentence.
    pub fn advice(self) -> &'static str {
        match self {
            Action::Write => {
                "read the secret from an environment variable or the project's secret manager instead of writing \
                 it into the file"
            }
            Action::Command => {
                "pass the secret through an environment variable that is already set (e.g. \"$API_TOKEN\") instead \
                 of putting it on the command line"
            }
            Action::Prompt => {
                "remove the secret from the prompt: refer to it by the name of the environment variable or secret \
                 that holds it"
            }
            Action::Read => {
                "do not read this file into the conversation; the secret in it should be revoked if it was ever \
                 shared, and kept in a secret manager"
            }
            Action::Tool | Action::Other => {
                "pass a reference to the secret (an environment variable or secret-manager name) instead of its value"
            }
        }
    }
}

/// One text the action would add, with where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// What the text is, for messages ("the content written to src/app.py").
    pub what: String,
    /// The file it goes to or comes from, when there is one (policy
    /// exclusions and inline allowances apply to it).
    pub path: Option<String>,
    /// The text.
    pub text: String,
}

/// A hook call, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Whose protocol the answer must follow.
    pub agent: Agent,
    /// The event's name as the agent sent it (`PreToolUse`,
    /// `beforeShellExecution`, or the generic `--event`).
    pub event: String,
    /// What the agent is about to do.
    pub action: Action,
    /// The project directory the agent works in, when it says (its
    /// keyhound config and baseline apply).
    pub cwd: Option<PathBuf>,
    /// The texts to check; empty for events keyhound does not check.
    pub pieces: Vec<Piece>,
}

/// Why a hook payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// Claude Code and Cursor always send a JSON object.
    #[error("the {agent} hook payload is not JSON: {source}")]
    NotJson {
        /// The agent whose protocol was expected.
        agent: &'static str,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The payload is JSON but not an object.
    #[error("the {0} hook payload is not a JSON object")]
    NotAnObject(&'static str),
    /// The payload names no event and none was given.
    #[error("the hook payload names no event (hook_event_name) and no --event was given")]
    NoEvent,
}

/// Claude Code's events (PascalCase), for telling agents apart.
const CLAUDE_EVENTS: &[&str] = &[
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "UserPromptSubmit",
    "Notification",
    "Stop",
    "SubagentStop",
    "SubagentStart",
    "PreCompact",
    "SessionStart",
    "SessionEnd",
    "PermissionRequest",
];

/// Reads a hook payload. `agent` is what the installed hook says it is
/// (detected from the payload when `None`); `event` is the generic form's
/// `--event` (or overrides the payload's own).
pub fn read(bytes: &[u8], agent: Option<Agent>, event: Option<&str>) -> Result<Payload, PayloadError> {
    let parsed: Result<Value, _> = serde_json::from_slice(bytes);
    let agent = match agent {
        Some(agent) => agent,
        None => detect(parsed.as_ref().ok()),
    };
    match agent {
        Agent::Generic => Ok(generic(bytes, parsed.ok(), event)),
        Agent::ClaudeCode | Agent::Cursor => {
            let doc = parsed.map_err(|source| PayloadError::NotJson {
                agent: agent.name(),
                source,
            })?;
            let object = doc.as_object().ok_or(PayloadError::NotAnObject(agent.name()))?;
            let name = event
                .map(str::to_string)
                .or_else(|| {
                    object
                        .get("hook_event_name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .ok_or(PayloadError::NoEvent)?;
            Ok(if agent == Agent::ClaudeCode {
                claude(&doc, name)
            } else {
                cursor(&doc, name)
            })
        }
    }
}

/// Which agent sent a payload: Claude Code's events are PascalCase and
/// come with a `session_id`; Cursor's are camelCase with a
/// `conversation_id`.
fn detect(doc: Option<&Value>) -> Agent {
    let Some(doc) = doc else { return Agent::Generic };
    let event = doc.get("hook_event_name").and_then(Value::as_str).unwrap_or("");
    if CLAUDE_EVENTS.contains(&event) {
        Agent::ClaudeCode
    } else if doc.get("conversation_id").is_some() || event.starts_with("before") || event.starts_with("after") {
        Agent::Cursor
    } else {
        Agent::Generic
    }
}

fn text(doc: &Value, key: &str) -> Option<String> {
    doc.get(key).and_then(Value::as_str).map(str::to_string)
}

fn cwd(doc: &Value) -> Option<PathBuf> {
    text(doc, "cwd")
        .or_else(|| {
            doc.get("workspace_roots")
                .and_then(Value::as_array)
                .and_then(|roots| roots.first())
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .map(PathBuf::from)
}

/// Every string inside `value` except the text an edit replaces, in
/// document order, each with its JSON path for the message.
fn strings(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((at.to_string(), s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if matches!(key.as_str(), "old_string" | "old_str" | "old_source") {
                    continue;
                }
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                strings(item, &path, out);
            }
        }
        _ => {}
    }
}

/// Pieces for every added string of a tool's input (MCP tools, web
/// fetches, tools keyhound has no special reading for).
fn tool_pieces(tool: &str, input: &Value, path: Option<&str>) -> Vec<Piece> {
    // Cursor sends an MCP tool's input as a JSON string.
    let parsed;
    let input = match input {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => input,
        },
        other => other,
    };
    let mut found = Vec::new();
    strings(input, "", &mut found);
    found
        .into_iter()
        .map(|(field, text)| Piece {
            what: if field.is_empty() {
                format!("the input of {tool}")
            } else {
                format!("{field} of {tool}")
            },
            path: path.map(str::to_string),
            text,
        })
        .collect()
}

fn file_path(input: &Value) -> Option<String> {
    ["file_path", "notebook_path", "path", "target_file"]
        .iter()
        .find_map(|k| input.get(*k).and_then(Value::as_str))
        .map(str::to_string)
}

/// Claude Code: `PreToolUse` (Write, Edit, MultiEdit, NotebookEdit, Bash,
/// any other tool) and `UserPromptSubmit`.
fn claude(doc: &Value, event: String) -> Payload {
    let mut payload = Payload {
        agent: Agent::ClaudeCode,
        action: Action::Other,
        cwd: cwd(doc),
        pieces: Vec::new(),
        event,
    };
    match payload.event.as_str() {
        "UserPromptSubmit" => {
            payload.action = Action::Prompt;
            if let Some(prompt) = text(doc, "prompt") {
                payload.pieces.push(Piece {
                    what: "the prompt".into(),
                    path: None,
                    text: prompt,
                });
            }
        }
        "PreToolUse" => {
            let tool = text(doc, "tool_name").unwrap_or_default();
            let input = doc.get("tool_input").cloned().unwrap_or(Value::Null);
            let path = file_path(&input);
            let written = |field: &str| {
                input.get(field).and_then(Value::as_str).map(|t| Piece {
                    what: format!("what {tool} would write to {}", path.as_deref().unwrap_or("a file")),
                    path: path.clone(),
                    text: t.to_string(),
                })
            };
            match tool.as_str() {
                "Write" => {
                    payload.action = Action::Write;
                    payload.pieces.extend(written("content"));
                }
                "Edit" => {
                    payload.action = Action::Write;
                    payload.pieces.extend(written("new_string"));
                }
                "NotebookEdit" => {
                    payload.action = Action::Write;
                    payload.pieces.extend(written("new_source"));
                }
                "MultiEdit" => {
                    payload.action = Action::Write;
                    for edit in input.get("edits").and_then(Value::as_array).into_iter().flatten() {
                        if let Some(t) = edit.get("new_string").and_then(Value::as_str) {
                            payload.pieces.push(Piece {
                                what: format!("what MultiEdit would write to {}", path.as_deref().unwrap_or("a file")),
                                path: path.clone(),
                                text: t.to_string(),
                            });
                        }
                    }
                }
                "Bash" => {
                    payload.action = Action::Command;
                    if let Some(command) = input.get("command").and_then(Value::as_str) {
                        payload.pieces.push(Piece {
                            what: "the shell command".into(),
                            path: None,
                            text: command.to_string(),
                        });
                    }
                }
                // Reading a file or listing is not adding text anywhere.
                "Read" | "Glob" | "Grep" | "LS" | "TodoWrite" => {}
                _ => {
                    payload.action = Action::Tool;
                    payload.pieces = tool_pieces(&tool, &input, None);
                }
            }
        }
        _ => {}
    }
    payload
}

/// Cursor: `beforeShellExecution`, `beforeSubmitPrompt`, `beforeReadFile`,
/// `beforeMCPExecution` and the generic `preToolUse`.
fn cursor(doc: &Value, event: String) -> Payload {
    let mut payload = Payload {
        agent: Agent::Cursor,
        action: Action::Other,
        cwd: cwd(doc),
        pieces: Vec::new(),
        event,
    };
    match payload.event.as_str() {
        "beforeShellExecution" => {
            payload.action = Action::Command;
            if let Some(command) = text(doc, "command") {
                payload.pieces.push(Piece {
                    what: "the shell command".into(),
                    path: None,
                    text: command,
                });
            }
        }
        "beforeSubmitPrompt" => {
            payload.action = Action::Prompt;
            if let Some(prompt) = text(doc, "prompt") {
                payload.pieces.push(Piece {
                    what: "the prompt".into(),
                    path: None,
                    text: prompt,
                });
            }
        }
        "beforeReadFile" => {
            payload.action = Action::Read;
            let path = text(doc, "file_path");
            if let Some(content) = text(doc, "content") {
                payload.pieces.push(Piece {
                    what: format!("the file {}", path.as_deref().unwrap_or("being read")),
                    path,
                    text: content,
                });
            }
        }
        "beforeMCPExecution" => {
            payload.action = Action::Tool;
            let tool = text(doc, "tool_name").unwrap_or_else(|| "the MCP tool".into());
            if let Some(input) = doc.get("tool_input") {
                payload.pieces = tool_pieces(&tool, input, None);
            }
        }
        "preToolUse" => {
            let tool = text(doc, "tool_name").unwrap_or_default();
            let input = doc.get("tool_input").cloned().unwrap_or(Value::Null);
            let path = file_path(&input);
            payload.action = match tool.as_str() {
                "Write" | "Edit" | "MultiEdit" | "StrReplace" | "Delete" => Action::Write,
                "Shell" | "Bash" => Action::Command,
                "Read" | "Grep" | "Glob" | "LS" => Action::Other,
                _ => Action::Tool,
            };
            if payload.action != Action::Other {
                payload.pieces = tool_pieces(&tool, &input, path.as_deref());
            }
        }
        _ => {}
    }
    payload
}

/// The generic form: a JSON object (every added string in it is checked)
/// or plain text, with the event named by `--event`.
fn generic(bytes: &[u8], doc: Option<Value>, event: Option<&str>) -> Payload {
    let event = event.unwrap_or("pre-write").to_string();
    let action = match event.as_str() {
        "pre-write" => Action::Write,
        "pre-command" => Action::Command,
        "prompt" => Action::Prompt,
        "pre-read" => Action::Read,
        _ => Action::Tool,
    };
    let (cwd, pieces) = match doc {
        Some(doc @ Value::Object(_)) => {
            let path = file_path(&doc);
            let mut found = Vec::new();
            strings(&doc, "", &mut found);
            let pieces = found
                .into_iter()
                .filter(|(field, _)| !matches!(field.as_str(), "cwd" | "file_path" | "path" | "hook_event_name"))
                .map(|(field, text)| Piece {
                    what: format!("the payload's {field}"),
                    path: path.clone(),
                    text,
                })
                .collect();
            (self::cwd(&doc), pieces)
        }
        _ => (
            None,
            vec![Piece {
                what: "the input".into(),
                path: None,
                text: String::from_utf8_lossy(bytes).into_owned(),
            }],
        ),
    };
    Payload {
        agent: Agent::Generic,
        event,
        action,
        cwd,
        pieces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_edits_check_only_the_new_text() {
        let payload = br#"{"session_id":"s","cwd":"/p","hook_event_name":"PreToolUse","tool_name":"Edit",
            "tool_input":{"file_path":"/p/a.py","old_string":"OLD","new_string":"NEW"}}"#;
        let p = read(payload, None, None).unwrap();
        assert_eq!(p.agent, Agent::ClaudeCode);
        assert_eq!(p.action, Action::Write);
        assert_eq!(p.cwd, Some(PathBuf::from("/p")));
        assert_eq!(p.pieces.len(), 1);
        assert_eq!(p.pieces[0].text, "NEW");
        assert_eq!(p.pieces[0].path.as_deref(), Some("/p/a.py"));
    }

    #[test]
    fn multi_edit_and_unknown_tools_skip_replaced_text() {
        let payload = br#"{"hook_event_name":"PreToolUse","tool_name":"MultiEdit","tool_input":{"file_path":"x",
            "edits":[{"old_string":"A","new_string":"B"},{"old_string":"C","new_string":"D"}]}}"#;
        let p = read(payload, Some(Agent::ClaudeCode), None).unwrap();
        let texts: Vec<&str> = p.pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, ["B", "D"]);
        let payload = br#"{"hook_event_name":"PreToolUse","tool_name":"mcp__db__query",
            "tool_input":{"sql":"select 1","opts":{"old_string":"gone","token":"t"}}}"#;
        let p = read(payload, None, None).unwrap();
        assert_eq!(p.action, Action::Tool);
        let fields: Vec<&str> = p.pieces.iter().map(|p| p.what.as_str()).collect();
        assert_eq!(fields, ["opts.token of mcp__db__query", "sql of mcp__db__query"]);
    }

    #[test]
    fn cursor_events_are_recognised_and_mcp_input_strings_parsed() {
        let payload = br#"{"conversation_id":"c","hook_event_name":"beforeMCPExecution","workspace_roots":["/w"],
            "tool_name":"db","tool_input":"{\"query\": \"q\"}"}"#;
        let p = read(payload, None, None).unwrap();
        assert_eq!(p.agent, Agent::Cursor);
        assert_eq!(p.cwd, Some(PathBuf::from("/w")));
        assert_eq!(p.pieces[0].text, "q");
        let p = read(
            br#"{"hook_event_name":"beforeReadFile","file_path":"/w/.env","content":"K=V"}"#,
            None,
            None,
        )
        .unwrap();
        assert_eq!((p.agent, p.action), (Agent::Cursor, Action::Read));
        assert_eq!(p.pieces[0].path.as_deref(), Some("/w/.env"));
    }

    #[test]
    fn unchecked_events_have_no_pieces_and_bad_payloads_say_why() {
        let p = read(br#"{"hook_event_name":"Stop","session_id":"s"}"#, None, None).unwrap();
        assert_eq!((p.action, p.pieces.len()), (Action::Other, 0));
        assert!(matches!(
            read(b"not json", Some(Agent::ClaudeCode), None),
            Err(PayloadError::NotJson { .. })
        ));
        assert!(matches!(
            read(b"[1]", Some(Agent::Cursor), None),
            Err(PayloadError::NotAnObject(_))
        ));
        assert!(matches!(
            read(b"{}", Some(Agent::Cursor), None),
            Err(PayloadError::NoEvent)
        ));
        let p = read(b"plain text", None, Some("pre-command")).unwrap();
        assert_eq!((p.agent, p.action), (Agent::Generic, Action::Command));
        assert_eq!(p.pieces[0].text, "plain text");
    }
}
