//! keyhound's entries in an agent's settings file, added and removed in
//! place: every byte outside them — other hooks, other settings, comments,
//! the author's indentation — stays as it was, so `uninstall` after
//! `install` gives back the original file.
//!
//! - Claude Code: `.claude/settings.json` (project) or
//!   `~/.claude/settings.json` (user); `hooks.PreToolUse` gets a matcher
//!   group for the tools that write or run (`Write|Edit|MultiEdit|
//!   NotebookEdit|Bash`) and `hooks.UserPromptSubmit` one for prompts.
//! - Cursor: `.cursor/hooks.json` (project) or `~/.cursor/hooks.json`
//!   (user), `{"version": 1, "hooks": {event: [{"command": …}]}}` for
//!   shell commands, prompts, file reads, MCP calls and tool use.
//!
//! An entry is keyhound's when its command runs `hook agent`; nothing else
//! is ever changed or removed.

use std::path::{Path, PathBuf};

use jsonc_parser::cst::{CstArray, CstInputValue, CstNode, CstObject, CstRootNode};
use jsonc_parser::ParseOptions;

use crate::Agent;

/// What marks a hook command as keyhound's.
const MARK: &str = " hook agent";

/// Claude Code tools whose input keyhound checks before they run.
const CLAUDE_MATCHER: &str = "Write|Edit|MultiEdit|NotebookEdit|Bash";

/// Cursor events keyhound registers for.
const CURSOR_EVENTS: &[&str] = &[
    "beforeShellExecution",
    "beforeSubmitPrompt",
    "beforeReadFile",
    "beforeMCPExecution",
    "preToolUse",
];

/// Why a settings file could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Not JSON (or JSON with comments) at all.
    #[error("not valid JSON: {0}")]
    Parse(String),
    /// A value keyhound must add to has another shape than the agent
    /// documents; keyhound will not replace it.
    #[error("`{0}` is not a JSON {1}; not changing it")]
    Shape(String, &'static str),
    /// The generic form has no settings file.
    #[error("the generic agent form has no settings file: call `keyhound hook agent` from the tool's own hook")]
    NoSettings,
}

/// The settings file of `agent` for a project directory or, with `home`,
/// for the user.
pub fn path(agent: Agent, project: Option<&Path>, home: &Path) -> Result<PathBuf, SettingsError> {
    let dir = match agent {
        Agent::ClaudeCode => ".claude",
        Agent::Cursor => ".cursor",
        Agent::Generic => return Err(SettingsError::NoSettings),
    };
    let file = if agent == Agent::ClaudeCode {
        "settings.json"
    } else {
        "hooks.json"
    };
    Ok(project.unwrap_or(home).join(dir).join(file))
}

/// Whether a hook command is keyhound's.
fn ours(command: &str) -> bool {
    command.contains("keyhound") && command.contains(MARK)
}

fn parse(text: &str) -> Result<CstRootNode, SettingsError> {
    let text = if text.trim().is_empty() { "{}\n" } else { text };
    CstRootNode::parse(text, &ParseOptions::default()).map_err(|e| SettingsError::Parse(e.to_string()))
}

/// The object at `name` in `parent`, created when missing; an error when
/// it exists with another shape.
fn object_at(parent: &CstObject, name: &str, at: &str) -> Result<CstObject, SettingsError> {
    match parent.get(name) {
        None => Ok(parent.object_value_or_set(name)),
        Some(prop) => prop
            .object_value()
            .ok_or_else(|| SettingsError::Shape(at.to_string(), "object")),
    }
}

fn array_at(parent: &CstObject, name: &str, at: &str) -> Result<CstArray, SettingsError> {
    match parent.get(name) {
        None => Ok(parent.array_value_or_set(name)),
        Some(prop) => prop
            .array_value()
            .ok_or_else(|| SettingsError::Shape(at.to_string(), "array")),
    }
}

fn root_object(root: &CstRootNode) -> Result<CstObject, SettingsError> {
    match root.value() {
        None => Ok(root.object_value_or_set()),
        Some(_) => root
            .object_value()
            .ok_or_else(|| SettingsError::Shape("the file".into(), "object")),
    }
}

/// The command strings of a Claude matcher group's or Cursor entry's hooks.
fn commands(node: &CstNode) -> Vec<String> {
    let Some(value) = node.to_serde_value() else {
        return Vec::new();
    };
    let mut out: Vec<String> = value
        .get("hooks")
        .and_then(|h| h.as_array())
        .into_iter()
        .flatten()
        .filter_map(|h| h.get("command").and_then(|c| c.as_str()).map(str::to_string))
        .collect();
    if let Some(c) = value.get("command").and_then(|c| c.as_str()) {
        out.push(c.to_string());
    }
    out
}

fn has_ours(array: &CstArray) -> bool {
    array.elements().iter().any(|e| commands(e).iter().any(|c| ours(c)))
}

/// `text` (the settings file, empty when it does not exist) with
/// keyhound's hooks added, running `command`; unchanged when they are
/// already there.
pub fn install(text: &str, agent: Agent, command: &str) -> Result<String, SettingsError> {
    let root = parse(text)?;
    let top = root_object(&root)?;
    match agent {
        Agent::Generic => return Err(SettingsError::NoSettings),
        Agent::ClaudeCode => {
            let hooks = object_at(&top, "hooks", "hooks")?;
            for (event, matcher) in [("PreToolUse", Some(CLAUDE_MATCHER)), ("UserPromptSubmit", None)] {
                let groups = array_at(&hooks, event, &format!("hooks.{event}"))?;
                if has_ours(&groups) {
                    continue;
                }
                let handler = CstInputValue::Object(vec![
                    ("type".into(), "command".into()),
                    ("command".into(), command.into()),
                    ("timeout".into(), 30.into()),
                ]);
                let mut group = Vec::new();
                if let Some(matcher) = matcher {
                    group.push(("matcher".to_string(), CstInputValue::from(matcher)));
                }
                group.push(("hooks".to_string(), CstInputValue::Array(vec![handler])));
                groups.append(CstInputValue::Object(group));
            }
        }
        Agent::Cursor => {
            if top.get("version").is_none() {
                top.insert(0, "version", 1.into());
            }
            let hooks = object_at(&top, "hooks", "hooks")?;
            for event in CURSOR_EVENTS {
                let entries = array_at(&hooks, event, &format!("hooks.{event}"))?;
                if has_ours(&entries) {
                    continue;
                }
                entries.append(CstInputValue::Object(vec![("command".into(), command.into())]));
            }
        }
    }
    let mut out = root.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// `text` without keyhound's hooks, and how many were removed. Matcher
/// groups, event lists and the `hooks` object that keyhound's removal
/// leaves empty go too; nothing else changes.
pub fn uninstall(text: &str, agent: Agent) -> Result<(String, usize), SettingsError> {
    let root = parse(text)?;
    let Some(top) = root.object_value() else {
        return Ok((text.to_string(), 0));
    };
    let Some(hooks) = top.get("hooks").and_then(|p| p.object_value()) else {
        return Ok((text.to_string(), 0));
    };
    let mut removed = 0;
    for prop in hooks.properties() {
        let Some(list) = prop.array_value() else { continue };
        let before = list.elements().len();
        for element in list.elements() {
            match agent {
                Agent::ClaudeCode => {
                    // A group may hold other hooks beside ours: remove only
                    // our handlers, and the group once it is empty.
                    let Some(group) = element.as_object() else { continue };
                    let Some(handlers) = group.get("hooks").and_then(|p| p.array_value()) else {
                        continue;
                    };
                    let count = handlers.elements().len();
                    let mut gone = 0;
                    for handler in handlers.elements() {
                        let command = handler.to_serde_value();
                        let command = command.as_ref().and_then(|v| v.get("command")).and_then(|c| c.as_str());
                        if command.is_some_and(ours) {
                            handler.remove();
                            gone += 1;
                        }
                    }
                    removed += gone;
                    if gone > 0 && gone == count {
                        element.remove();
                    }
                }
                Agent::Cursor | Agent::Generic => {
                    if commands(&element).iter().any(|c| ours(c)) {
                        element.remove();
                        removed += 1;
                    }
                }
            }
        }
        if before > 0 && list.elements().is_empty() {
            prop.remove();
        }
    }
    if removed > 0 && hooks.properties().is_empty() {
        if let Some(prop) = top.get("hooks") {
            prop.remove();
        }
    }
    if removed == 0 {
        return Ok((text.to_string(), 0));
    }
    Ok((root.to_string(), removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMD: &str = "'/usr/bin/keyhound' hook agent --agent claude-code";

    #[test]
    fn install_is_idempotent_and_uninstall_restores_the_bytes() {
        let original = "{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"PreToolUse\": [\n            {\n                \
                        \"matcher\": \"Bash\",\n                \"hooks\": [\n                    {\"type\": \"command\", \
                        \"command\": \"./lint.sh\"}\n                ]\n            }\n        ]\n    }\n}\n";
        let installed = install(original, Agent::ClaudeCode, CMD).unwrap();
        assert!(
            installed.contains("./lint.sh") && installed.contains(CMD),
            "{installed}"
        );
        assert_eq!(install(&installed, Agent::ClaudeCode, CMD).unwrap(), installed);
        let (back, removed) = uninstall(&installed, Agent::ClaudeCode).unwrap();
        assert_eq!(removed, 2);
        assert_eq!(back, original);
    }

    /// Found by the `agent_settings` fuzz target: a compact one-line
    /// `hooks` object is expanded onto several lines by the install, so the
    /// round trip gives back the same settings, not the same bytes.
    #[test]
    fn a_compact_hooks_object_keeps_its_content_through_the_round_trip() {
        let original = r#"{"version": 1, "hooks": {"afterFileEdit": [{"command": "fmt"}]}}"#;
        let installed = install(original, Agent::ClaudeCode, CMD).unwrap();
        let (back, removed) = uninstall(&installed, Agent::ClaudeCode).unwrap();
        assert_eq!(removed, 2);
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
        assert_eq!(parse(&back), parse(original));
        assert!(!back.contains("keyhound"), "{back}");
    }

    #[test]
    fn cursor_file_is_created_from_nothing_and_other_shapes_are_refused() {
        let cmd = "keyhound hook agent --agent cursor";
        let created = install("", Agent::Cursor, cmd).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&created).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["hooks"]["beforeShellExecution"][0]["command"], cmd);
        assert!(matches!(
            install("{\"hooks\": []}", Agent::Cursor, cmd),
            Err(SettingsError::Shape(..))
        ));
        assert!(matches!(install("{", Agent::Cursor, cmd), Err(SettingsError::Parse(_))));
    }
}
