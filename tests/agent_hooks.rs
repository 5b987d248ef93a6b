//! AI coding agents' hooks end to end: payloads shaped as Claude Code's
//! and Cursor's hook documentation shows them, the decision each protocol
//! expects back, the project's policy applied, and their settings files
//! edited in place (other hooks kept byte for byte) — with the installed
//! command itself run as the agent would run it.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::{json, Value};

fn token(seed: u64) -> String {
    github_token(&mut Rng::new(seed), "ghp_")
}

/// Runs `keyhound hook agent ARGS` in `dir` with `payload` on stdin.
fn hook(dir: &Path, args: &[&str], payload: &str) -> Output {
    let mut all = vec!["hook", "agent"];
    all.extend_from_slice(args);
    run_stdin(dir, &all, payload.as_bytes())
}

fn decision(out: &Output) -> Value {
    assert_eq!(code(out), 0, "stderr: {}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// Claude Code's common fields plus an event's own.
fn claude(cwd: &Path, event: &str, fields: Value) -> String {
    let mut doc = json!({
        "session_id": "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",
        "transcript_path": "/home/dev/.claude/projects/app/0b1c2d3e.jsonl",
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": event,
    });
    for (k, v) in fields.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc.to_string()
}

/// Cursor's common fields plus an event's own.
fn cursor(root: &Path, event: &str, fields: Value) -> String {
    let mut doc = json!({
        "conversation_id": "conv-7f3a",
        "generation_id": "gen-19c2",
        "hook_event_name": event,
        "workspace_roots": [root],
        "cursor_version": "1.7.2",
    });
    for (k, v) in fields.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc.to_string()
}

#[test]
fn claude_code_writes_commands_and_prompts_with_a_secret_are_denied() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let key = token(1);
    let write = claude(
        root,
        "PreToolUse",
        json!({"tool_name": "Write", "tool_use_id": "toolu_01",
               "tool_input": {"file_path": root.join("src/config.py"), "content": format!("import os\nTOKEN = \"{key}\"\n")}}),
    );
    let out = hook(root, &["--agent", "claude-code"], &write);
    let doc = decision(&out);
    let said = &doc["hookSpecificOutput"];
    assert_eq!(said["hookEventName"], "PreToolUse");
    assert_eq!(said["permissionDecision"], "deny");
    let reason = said["permissionDecisionReason"].as_str().unwrap();
    assert!(
        reason.contains("github-pat-classic") && reason.contains("at line 2"),
        "{reason}"
    );
    assert!(reason.contains("environment variable"), "{reason}");
    assert!(!stdout(&out).contains(&key), "the secret itself was echoed");

    // Detected without --agent, the same answer.
    assert_eq!(decision(&hook(root, &[], &write)), doc);

    let bash = claude(
        root,
        "PreToolUse",
        json!({"tool_name": "Bash", "tool_input": {"command": format!("curl -H 'Authorization: token {key}' https://api.github.com/user"), "description": "whoami"}}),
    );
    assert_eq!(
        decision(&hook(root, &[], &bash))["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );

    let prompt = claude(
        root,
        "UserPromptSubmit",
        json!({"prompt": format!("use my token {key} to open the PR")}),
    );
    let doc = decision(&hook(root, &[], &prompt));
    assert_eq!(doc["decision"], "block");
    assert!(doc["reason"].as_str().unwrap().contains("prompt"), "{doc}");
}

#[test]
fn clean_payloads_removals_and_unchecked_events_pass_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let key = token(2);
    let quiet = |payload: &str| {
        let out = hook(root, &[], payload);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(stdout(&out), "", "Claude Code must get no decision (never an 'allow')");
    };
    quiet(&claude(
        root,
        "PreToolUse",
        json!({"tool_name": "Write", "tool_input": {"file_path": root.join("a.py"), "content": "TOKEN = os.environ[\"GITHUB_TOKEN\"]\n"}}),
    ));
    // An edit that takes a secret out is the clean-up: never blocked.
    quiet(&claude(
        root,
        "PreToolUse",
        json!({"tool_name": "Edit", "tool_input": {"file_path": root.join("a.py"),
               "old_string": format!("TOKEN = \"{key}\""), "new_string": "TOKEN = os.environ[\"GITHUB_TOKEN\"]"}}),
    ));
    // But a MultiEdit that adds one in its second edit is.
    let multi = claude(
        root,
        "PreToolUse",
        json!({"tool_name": "MultiEdit", "tool_input": {"file_path": root.join("a.py"), "edits": [
            {"old_string": "a", "new_string": "b"},
            {"old_string": "c", "new_string": format!("T = \"{key}\"")}]}}),
    );
    assert_eq!(
        decision(&hook(root, &[], &multi))["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );
    quiet(&claude(root, "Stop", json!({"stop_hook_active": false})));
    quiet(&claude(
        root,
        "PreToolUse",
        json!({"tool_name": "Read", "tool_input": {"file_path": root.join(".env")}}),
    ));
}

#[test]
fn the_projects_policy_applies_to_what_agents_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let key = token(3);
    let write = |path: &str, content: String| {
        claude(
            root,
            "PreToolUse",
            json!({"tool_name": "Write", "tool_input": {"file_path": root.join(path), "content": content}}),
        )
    };
    // A line marked as a known fake passes.
    let marked = write(
        "t.py",
        format!("T = \"{key}\"  # keyhound:allow (fixture for the parser test)\n"),
    );
    assert_eq!(stdout(&hook(root, &[], &marked)), "");
    // The project's config excludes its fixtures directory.
    std::fs::write(root.join(".keyhound.toml"), "exclude_paths = [\"fixtures/**\"]\n").unwrap();
    let fixture = write("fixtures/token.txt", format!("{key}\n"));
    let out = hook(root, &[], &fixture);
    assert_eq!(stdout(&out), "", "{}", stderr(&out));
    let elsewhere = write("src/token.txt", format!("{key}\n"));
    assert_eq!(
        decision(&hook(root, &[], &elsewhere))["hookSpecificOutput"]["permissionDecision"],
        "deny"
    );
}

#[test]
fn cursor_shell_prompt_read_and_mcp_hooks_answer_in_cursors_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let key = token(4);
    let shell = cursor(
        root,
        "beforeShellExecution",
        json!({"command": format!("git remote add origin https://x:{key}@github.com/acme/app.git"), "cwd": root}),
    );
    let doc = decision(&hook(root, &["--agent", "cursor"], &shell));
    assert_eq!(doc["permission"], "deny");
    assert!(doc["agent_message"].as_str().unwrap().contains("github-pat-classic"));
    assert!(doc["user_message"].as_str().unwrap().contains("environment variable"));
    let clean = cursor(
        root,
        "beforeShellExecution",
        json!({"command": "npm test", "cwd": root}),
    );
    assert_eq!(
        decision(&hook(root, &[], &clean)),
        json!({}),
        "no objection, and no 'allow' either"
    );

    let prompt = cursor(
        root,
        "beforeSubmitPrompt",
        json!({"prompt": format!("deploy with {key}"), "attachments": []}),
    );
    let doc = decision(&hook(root, &[], &prompt));
    assert_eq!(doc["continue"], false);
    let fine = cursor(
        root,
        "beforeSubmitPrompt",
        json!({"prompt": "fix the test", "attachments": []}),
    );
    assert_eq!(decision(&hook(root, &[], &fine)), json!({"continue": true}));

    let read = cursor(
        root,
        "beforeReadFile",
        json!({"file_path": root.join(".env"), "content": format!("GITHUB_TOKEN={key}\n"), "attachments": []}),
    );
    assert_eq!(decision(&hook(root, &[], &read))["permission"], "deny");

    let mcp = cursor(
        root,
        "beforeMCPExecution",
        json!({"tool_name": "github_create_issue", "tool_input": json!({"body": format!("token: {key}")}).to_string(), "command": "npx github-mcp"}),
    );
    assert_eq!(decision(&hook(root, &[], &mcp))["permission"], "deny");
}

#[test]
fn generic_form_blocks_with_status_2_and_bad_payloads_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let key = token(5);
    let out = hook(
        root,
        &["--agent", "generic", "--event", "pre-command"],
        &format!("export TOKEN={key}\n"),
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("github-pat-classic"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&key));
    let out = hook(root, &["--agent", "generic", "--event", "pre-command"], "ls -la\n");
    assert_eq!(
        (code(&out), stdout(&out), stderr(&out)),
        (0, String::new(), String::new())
    );
    let out = hook(root, &["--agent", "claude-code"], "{not json");
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("not JSON"), "{}", stderr(&out));
}

/// Runs the hook command an agent's settings file names, through the
/// shell as the agent does, with `payload` on stdin.
fn run_installed(command: &str, dir: &Path, payload: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(payload.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn install_keeps_other_hooks_byte_for_byte_and_the_installed_command_works() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let settings = root.join(".claude/settings.json");
    // The user's own settings, in their own layout (4 spaces, a hook of
    // theirs on the same event).
    let original = r#"{
    "model": "opus",
    "permissions": {
        "allow": ["Bash(npm test:*)"]
    },
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [
                    { "type": "command", "command": "./scripts/guard.sh" }
                ]
            }
        ]
    }
}
"#;
    write(root, ".claude/settings.json", original);
    let out = run_in(root, &["hook", "install", "--agent", "claude-code"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let installed = std::fs::read_to_string(&settings).unwrap();
    let doc: Value = serde_json::from_str(&installed).unwrap();
    assert_eq!(doc["model"], "opus");
    assert_eq!(
        doc["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
        "./scripts/guard.sh"
    );
    let ours = &doc["hooks"]["PreToolUse"][1];
    assert_eq!(ours["matcher"], "Write|Edit|MultiEdit|NotebookEdit|Bash");
    let command = ours["hooks"][0]["command"].as_str().unwrap().to_string();
    assert!(command.contains(" hook agent --agent claude-code"), "{command}");
    assert!(doc["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"].is_string());
    // Again: nothing added twice.
    run_in(root, &["hook", "install", "--agent", "claude-code"]);
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), installed);

    // The command as written in the file blocks a real secret.
    let key = token(6);
    let payload = claude(
        root,
        "PreToolUse",
        json!({"tool_name": "Write", "tool_input": {"file_path": root.join("x.py"), "content": format!("T='{key}'\n")}}),
    );
    let out = run_installed(&command, root, &payload);
    assert_eq!(decision(&out)["hookSpecificOutput"]["permissionDecision"], "deny");

    let out = run_in(root, &["hook", "uninstall", "--agent", "claude-code"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), original);
}

#[test]
fn cursor_user_hooks_are_created_and_removed_in_the_users_home() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    let run = |args: &[&str]| {
        keyhound()
            .current_dir(&project)
            .env("HOME", &home)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["hook", "install", "--agent", "cursor", "--user"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = home.join(".cursor/hooks.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["version"], 1);
    for event in [
        "beforeShellExecution",
        "beforeSubmitPrompt",
        "beforeReadFile",
        "beforeMCPExecution",
    ] {
        let command = doc["hooks"][event][0]["command"].as_str().unwrap();
        assert!(command.ends_with("hook agent --agent cursor"), "{event}: {command}");
    }
    assert!(!project.join(".cursor").exists(), "--user must not touch the project");
    let shell = cursor(
        &project,
        "beforeShellExecution",
        json!({"command": format!("echo {}", token(7)), "cwd": project}),
    );
    let command = doc["hooks"]["beforeShellExecution"][0]["command"].as_str().unwrap();
    assert_eq!(
        decision(&run_installed(command, &project, &shell))["permission"],
        "deny"
    );
    let out = run(&["hook", "uninstall", "--agent", "cursor", "--user"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let left: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(left, json!({"version": 1}));
}
