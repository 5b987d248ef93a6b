//! The answer each agent's documented hook protocol expects.
//!
//! keyhound only ever says "no objection" or "deny": it never answers
//! "allow", which in both Claude Code and Cursor would skip the user's own
//! permission prompt for that action.
//!
//! - Claude Code, `PreToolUse`: exit 0 with
//!   `hookSpecificOutput.permissionDecision = "deny"` and the reason, which
//!   Claude reads; `UserPromptSubmit`: exit 0 with `decision = "block"`
//!   (the prompt is not sent, the user sees the reason).
//! - Cursor: exit 0 with `permission = "deny"` (shell, MCP, tools, file
//!   reads) or `continue = false` (prompts), with `user_message` and
//!   `agent_message`.
//! - Generic: exit 2 with the reason on stderr.

use serde_json::json;

use crate::payload::{Action, Payload};
use crate::Agent;

/// What to print and how to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Standard output (the agent's JSON decision, or nothing).
    pub stdout: String,
    /// Standard error (the generic form's message).
    pub stderr: String,
    /// Exit status.
    pub status: u8,
}

/// The answer to `payload`: `reason` is `Some` (the redacted findings and
/// what to do instead) to block, `None` for no objection.
pub fn reply(payload: &Payload, reason: Option<&str>) -> Reply {
    let quiet = Reply {
        stdout: String::new(),
        stderr: String::new(),
        status: 0,
    };
    match (payload.agent, reason) {
        (Agent::ClaudeCode, None) => quiet,
        (Agent::ClaudeCode, Some(reason)) => {
            let doc = if payload.event == "UserPromptSubmit" {
                json!({"decision": "block", "reason": reason})
            } else {
                json!({"hookSpecificOutput": {
                    "hookEventName": payload.event,
                    "permissionDecision": "deny",
                    "permissionDecisionReason": reason,
                }})
            };
            Reply {
                stdout: format!("{doc}\n"),
                ..quiet
            }
        }
        (Agent::Cursor, reason) => {
            let doc = match (payload.action, reason) {
                (Action::Prompt, None) => json!({"continue": true}),
                (Action::Prompt, Some(reason)) => json!({"continue": false, "user_message": reason}),
                // Reading is allowed unless someone objects; answering
                // "allow" there grants nothing the user had not.
                (Action::Read, None) => json!({"permission": "allow"}),
                (_, None) => json!({}),
                (_, Some(reason)) => json!({
                    "permission": "deny",
                    "user_message": reason,
                    "agent_message": reason,
                }),
            };
            Reply {
                stdout: format!("{doc}\n"),
                ..quiet
            }
        }
        (Agent::Generic, None) => quiet,
        (Agent::Generic, Some(reason)) => Reply {
            stderr: format!("{reason}\n"),
            status: 2,
            ..quiet
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::read;

    #[test]
    fn claude_denies_tools_and_blocks_prompts_and_never_allows() {
        let tool = read(
            br#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"x"}}"#,
            None,
            None,
        )
        .unwrap();
        let r = reply(&tool, Some("why"));
        let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(doc["hookSpecificOutput"]["permissionDecision"], "deny");
        assert_eq!(doc["hookSpecificOutput"]["permissionDecisionReason"], "why");
        assert_eq!(r.status, 0);
        assert_eq!(reply(&tool, None).stdout, "");
        let prompt = read(br#"{"hook_event_name":"UserPromptSubmit","prompt":"p"}"#, None, None).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&reply(&prompt, Some("why")).stdout).unwrap();
        assert_eq!(doc["decision"], "block");
    }

    #[test]
    fn cursor_and_generic_follow_their_protocols() {
        let shell = read(
            br#"{"hook_event_name":"beforeShellExecution","command":"x"}"#,
            None,
            None,
        )
        .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&reply(&shell, Some("why")).stdout).unwrap();
        assert_eq!(doc["permission"], "deny");
        assert_eq!(reply(&shell, None).stdout, "{}\n");
        let prompt = read(br#"{"hook_event_name":"beforeSubmitPrompt","prompt":"p"}"#, None, None).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&reply(&prompt, Some("why")).stdout).unwrap();
        assert_eq!(doc["continue"], false);
        let generic = read(b"text", Some(Agent::Generic), None).unwrap();
        let r = reply(&generic, Some("why"));
        assert_eq!((r.status, r.stderr.as_str(), r.stdout.as_str()), (2, "why\n", ""));
    }
}
