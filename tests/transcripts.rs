//! AI agents' transcripts as a source: `keyhound dir` over Claude Code,
//! Codex CLI and Cursor session logs written as their formats are
//! documented (and observed), each finding naming its session, message,
//! role and tool besides its line; JSON-escaped keys (a PEM key in a tool
//! result, a key inside a function call's JSON arguments) found; a JSONL
//! file that is no transcript reported as before; the same output every run.

mod common;

use std::path::Path;

use common::*;
use serde_json::{json, Value};

const CLAUDE_SESSION: &str = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
const CODEX_SESSION: &str = "5973b6c0-94b8-487b-a530-2aeb6098ae0e";

/// A fake RSA key in PEM armour: random base64, 64 characters a line.
fn pem(rng: &mut Rng) -> String {
    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: Vec<String> = (0..6).map(|_| rng.string(B64, 64)).collect();
    let armour = "RSA PRIVATE KEY";
    format!(
        "-----BEGIN {armour}-----\n{}\n-----END {armour}-----\n",
        body.join("\n")
    )
}

/// Writes records as JSONL, one compact JSON object a line, as the agents do.
fn write_jsonl(root: &Path, rel: &str, records: &[Value]) {
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    write(root, rel, text);
}

/// Claude Code's common fields around a record's own.
fn claude_record(kind: &str, uuid: &str, at: &str, fields: Value) -> Value {
    let mut record = json!({
        "parentUuid": null,
        "isSidechain": false,
        "userType": "external",
        "cwd": "/home/dev/app",
        "sessionId": CLAUDE_SESSION,
        "version": "1.0.98",
        "gitBranch": "main",
        "type": kind,
        "uuid": uuid,
        "timestamp": at,
    });
    for (k, v) in fields.as_object().unwrap() {
        record[k] = v.clone();
    }
    record
}

struct ClaudeFixture {
    prompt_token: String,
    bash_token: String,
    key: String,
}

/// A Claude Code session: a snapshot and a summary record, the user's
/// prompt holding a token (message 1), the assistant's text and a Bash call
/// holding another (message 2), the tool's result holding a PEM key
/// (message 3), the assistant's closing text (message 4).
fn claude_session(root: &Path, rel: &str) -> ClaudeFixture {
    let mut rng = Rng::new(17);
    let fixture = ClaudeFixture {
        prompt_token: github_token(&mut rng, "ghp_"),
        bash_token: github_token(&mut rng, "ghp_"),
        key: pem(&mut rng),
    };
    let records = vec![
        json!({"type": "file-history-snapshot", "messageId": "m0", "snapshot": {"messageId": "m0", "trackedFileBackups": {}, "timestamp": "2025-06-01T10:00:00.000Z"}, "isSnapshotUpdate": false}),
        json!({"type": "summary", "summary": "Deploy the app", "leafUuid": "a4"}),
        claude_record(
            "user",
            "u1",
            "2025-06-01T10:00:01.000Z",
            json!({"message": {"role": "user", "content": format!("deploy it, the token is {}", fixture.prompt_token)}}),
        ),
        claude_record(
            "assistant",
            "a2",
            "2025-06-01T10:00:02.000Z",
            json!({"requestId": "req_1", "message": {
                "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4",
                "content": [
                    {"type": "text", "text": "I'll push with that token."},
                    {"type": "tool_use", "id": "toolu_01", "name": "Bash",
                     "input": {"command": format!("GITHUB_TOKEN={} ./deploy.sh", fixture.bash_token), "description": "Deploy"}}
                ],
                "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 20}}}),
        ),
        claude_record(
            "user",
            "u3",
            "2025-06-01T10:00:03.000Z",
            json!({"message": {"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_01", "content": format!("deploying…\n{}done\n", fixture.key), "is_error": false}
                ]},
                "toolUseResult": {"stdout": "deploying…", "stderr": "", "interrupted": false}}),
        ),
        claude_record(
            "assistant",
            "a4",
            "2025-06-01T10:00:04.000Z",
            json!({"message": {"id": "msg_2", "type": "message", "role": "assistant", "content": [{"type": "text", "text": "Deployed."}]}}),
        ),
    ];
    write_jsonl(root, rel, &records);
    fixture
}

/// Runs `keyhound dir ARGS -f FORMAT` in `dir`; exit code 1 (findings).
fn scan(dir: &Path, args: &[&str], format: &str) -> std::process::Output {
    let mut all = vec!["dir"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-f", format]);
    let out = run_in(dir, &all);
    assert_eq!(code(&out), 1, "stdout: {}\nstderr: {}", stdout(&out), stderr(&out));
    out
}

/// The JSONL findings, by line then column.
fn findings(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut found = jsonl(&scan(dir, args, "jsonl"));
    found.sort_by_key(|f| {
        (
            f["path"].as_str().unwrap().to_string(),
            f["line"].as_u64(),
            f["column"].as_u64(),
        )
    });
    found
}

/// The transcript fields of a finding that matter here.
fn place(f: &Value) -> (Value, Value, Value, Value, Value, Value) {
    let t = &f["transcript"];
    (
        t["agent"].clone(),
        t["session"].clone(),
        t["message"].clone(),
        t["role"].clone(),
        t["part"].clone(),
        t["tool"].clone(),
    )
}

#[test]
fn claude_code_findings_name_the_session_message_role_and_tool() {
    let dir = tempfile::tempdir().unwrap();
    let rel = format!(".claude/projects/-home-dev-app/{CLAUDE_SESSION}.jsonl");
    let fixture = claude_session(dir.path(), &rel);
    let found = findings(dir.path(), &["."]);
    assert_eq!(found.len(), 3, "{found:#?}");

    let [prompt, bash, key] = [&found[0], &found[1], &found[2]];
    assert_eq!(prompt["path"], rel.as_str());
    assert_eq!(prompt["rule_id"], "github-pat-classic");
    assert_eq!(prompt["line"], 3, "the JSONL record's line stays");
    assert_eq!(
        place(prompt),
        (
            json!("claude_code"),
            json!(CLAUDE_SESSION),
            json!(1),
            json!("user"),
            json!("text"),
            Value::Null
        )
    );
    assert_eq!(prompt["transcript"]["uuid"], "u1");
    assert_eq!(prompt["transcript"]["timestamp"], "2025-06-01T10:00:01.000Z");
    assert_eq!(prompt["transcript"]["record"], "user");

    assert_eq!(bash["line"], 4);
    assert_eq!(
        place(bash),
        (
            json!("claude_code"),
            json!(CLAUDE_SESSION),
            json!(2),
            json!("assistant"),
            json!("tool_use"),
            json!("Bash")
        )
    );

    assert_eq!(key["rule_id"], "private-key-rsa");
    assert_eq!(key["line"], 5);
    assert_eq!(
        place(key),
        (
            json!("claude_code"),
            json!(CLAUDE_SESSION),
            json!(3),
            json!("user"),
            json!("tool_result"),
            json!("Bash")
        )
    );

    // The secrets are the ones planted (shown only on request).
    let shown = findings(dir.path(), &[".", "--show-secrets"]);
    assert_eq!(shown[0]["secret"], fixture.prompt_token.as_str());
    assert_eq!(shown[1]["secret"], fixture.bash_token.as_str());
    let body: String = fixture.key.lines().filter(|l| !l.starts_with("-----")).collect();
    let found_body: String = shown[2]["secret"].as_str().unwrap().replace("\\n", "");
    assert_eq!(found_body, body, "the whole multi-line key, unescaped");

    // Text names the place after `path:line:col`.
    let text = stdout(&scan(dir.path(), &["."], "text"));
    assert!(text.contains(&format!("{rel}:4:")), "{text}");
    assert!(text.contains("session 0b1c2d3e… message 1 (user)"), "{text}");
    assert!(
        text.contains("session 0b1c2d3e… message 2 (assistant, tool_use Bash)"),
        "{text}"
    );
    assert!(
        text.contains("session 0b1c2d3e… message 3 (user, tool_result Bash)"),
        "{text}"
    );

    // SARIF carries the place as a property and a logical location.
    let sarif: Value = serde_json::from_slice(&scan(dir.path(), &["."], "sarif").stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let tool_use = results
        .iter()
        .find(|r| r["properties"]["transcript"]["part"] == "tool_use")
        .unwrap_or_else(|| panic!("no tool_use result: {results:#?}"));
    assert_eq!(tool_use["properties"]["transcript"]["message"], 2);
    assert_eq!(tool_use["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(
        tool_use["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        format!("claude_code/{CLAUDE_SESSION}/message 2").as_str()
    );
}

#[test]
fn codex_rollouts_name_function_calls_and_their_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(29);
    let prompt_token = github_token(&mut rng, "ghp_");
    let output_token = github_token(&mut rng, "ghp_");
    let key = pem(&mut rng);
    // The call's arguments are JSON inside a JSON string: the key's line
    // breaks are escaped twice on disk.
    let arguments =
        json!({"command": ["bash", "-lc", format!("printf '%s' '{key}' > deploy.pem")], "workdir": "/home/dev/app"});
    let records = vec![
        json!({"timestamp": "2025-06-01T10:00:00.000Z", "type": "session_meta", "payload": {
            "id": CODEX_SESSION, "timestamp": "2025-06-01T10:00:00.000Z", "cwd": "/home/dev/app",
            "originator": "codex_cli_rs", "cli_version": "0.39.0", "instructions": null}}),
        json!({"timestamp": "2025-06-01T10:00:01.000Z", "type": "response_item", "payload": {
            "type": "message", "role": "user", "content": [{"type": "input_text", "text": format!("use {prompt_token} to deploy")}]}}),
        json!({"timestamp": "2025-06-01T10:00:01.000Z", "type": "event_msg", "payload": {
            "type": "user_message", "message": format!("use {prompt_token} to deploy"), "kind": "plain"}}),
        json!({"timestamp": "2025-06-01T10:00:02.000Z", "type": "turn_context", "payload": {
            "cwd": "/home/dev/app", "approval_policy": "on-request", "model": "gpt-5-codex"}}),
        json!({"timestamp": "2025-06-01T10:00:03.000Z", "type": "response_item", "payload": {
            "type": "reasoning", "summary": [], "content": null, "encrypted_content": "gAAAAB"}}),
        json!({"timestamp": "2025-06-01T10:00:04.000Z", "type": "response_item", "payload": {
            "type": "function_call", "name": "shell", "arguments": arguments.to_string(), "call_id": "call_A1"}}),
        json!({"timestamp": "2025-06-01T10:00:05.000Z", "type": "response_item", "payload": {
            "type": "function_call_output", "call_id": "call_A1",
            "output": json!({"output": format!("GITHUB_TOKEN={output_token}\n"), "metadata": {"exit_code": 0, "duration_seconds": 0.1}}).to_string()}}),
        json!({"timestamp": "2025-06-01T10:00:06.000Z", "type": "response_item", "payload": {
            "type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Done."}]}}),
    ];
    let rel = format!(".codex/sessions/2025/06/01/rollout-2025-06-01T10-00-00-{CODEX_SESSION}.jsonl");
    write_jsonl(dir.path(), &rel, &records);

    let found = findings(dir.path(), &["."]);
    let summary: Vec<(u64, String, Value, Value, Value, Value)> = found
        .iter()
        .map(|f| {
            let t = &f["transcript"];
            assert_eq!(t["agent"], "codex");
            assert_eq!(t["session"], CODEX_SESSION, "from session_meta");
            (
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
                t["message"].clone(),
                t["role"].clone(),
                t["part"].clone(),
                t["tool"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                2,
                "github-pat-classic".into(),
                json!(1),
                json!("user"),
                Value::Null,
                Value::Null
            ),
            (
                3,
                "github-pat-classic".into(),
                Value::Null,
                json!("user"),
                json!("user_message"),
                Value::Null
            ),
            (
                6,
                "private-key-rsa".into(),
                json!(3),
                json!("assistant"),
                json!("function_call"),
                json!("shell")
            ),
            (
                7,
                "github-pat-classic".into(),
                json!(4),
                json!("tool"),
                json!("function_call_output"),
                json!("shell")
            ),
        ],
        "{found:#?}"
    );
    assert_eq!(found[1]["transcript"]["record"], "event_msg");
    assert_eq!(found[2]["decoded"], json!(["json-escape"]), "{:#?}", found[2]);

    let text = stdout(&scan(dir.path(), &["."], "text"));
    assert!(
        text.contains("session 5973b6c0… message 3 (assistant, function_call shell)"),
        "{text}"
    );
    assert!(
        text.contains("session 5973b6c0… message 4 (tool, function_call_output shell)"),
        "{text}"
    );
    assert!(
        text.contains("session 5973b6c0… event_msg record (user, user_message)"),
        "{text}"
    );
}

#[test]
fn cursor_agent_transcripts_are_named_by_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let token = github_token(&mut Rng::new(41), "ghp_");
    let id = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
    let records = vec![
        json!({"role": "user", "message": {"content": [{"type": "text", "text": "<user_query>\nset up CI\n</user_query>"}]}}),
        json!({"role": "assistant", "message": {"content": [
            {"type": "text", "text": "Adding the secret."},
            {"type": "tool_use", "name": "Shell", "input": {"command": format!("gh secret set TOKEN -b {token}")}}
        ]}}),
    ];
    write_jsonl(
        dir.path(),
        &format!(".cursor/projects/app/agent-transcripts/{id}.jsonl"),
        &records,
    );
    let found = findings(dir.path(), &["."]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        place(&found[0]),
        (
            json!("cursor"),
            json!(id),
            json!(2),
            json!("assistant"),
            json!("tool_use"),
            json!("Shell")
        )
    );
}

#[test]
fn transcripts_are_recognised_by_content_not_by_path() {
    let dir = tempfile::tempdir().unwrap();
    claude_session(dir.path(), "exports/chat.jsonl");
    let found = findings(dir.path(), &["."]);
    assert_eq!(found.len(), 3);
    for f in &found {
        assert_eq!(f["transcript"]["agent"], "claude_code");
        assert_eq!(
            f["transcript"]["session"], CLAUDE_SESSION,
            "from the records, not the file name"
        );
    }
    // The same records under another extension are not read as a transcript.
    let other = tempfile::tempdir().unwrap();
    claude_session(other.path(), "exports/chat.log");
    for f in findings(other.path(), &["."]) {
        assert!(f.get("transcript").is_none(), "{f:#?}");
    }
}

#[test]
fn a_jsonl_file_that_is_no_transcript_is_reported_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let token = github_token(&mut Rng::new(53), "ghp_");
    let records = vec![
        json!({"level": "info", "ts": "2025-06-01T10:00:00Z", "msg": "starting"}),
        json!({"level": "debug", "ts": "2025-06-01T10:00:01Z", "msg": "auth", "type": "user", "message": {"role": "user"}, "env": {"GITHUB_TOKEN": token}}),
    ];
    write_jsonl(dir.path(), "logs/app.jsonl", &records);
    write_jsonl(dir.path(), "logs/app.log", &records);
    let found = findings(dir.path(), &["."]);
    assert_eq!(found.len(), 2, "{found:#?}");
    let (jsonl, log) = (&found[0], &found[1]);
    assert_eq!(log["path"], "logs/app.log");
    assert_eq!(jsonl["path"], "logs/app.jsonl");
    assert!(jsonl.get("transcript").is_none(), "{jsonl:#?}");
    assert_eq!(jsonl["line"], 2);
    // Everything but the path is what the same bytes under another name give.
    let strip = |f: &Value| {
        let mut f = f.clone();
        f.as_object_mut().unwrap().remove("path");
        f.as_object_mut().unwrap().remove("origin");
        f
    };
    assert_eq!(strip(jsonl), strip(log));
    let text = stdout(&scan(dir.path(), &["."], "text"));
    assert!(!text.contains("session "), "{text}");
}

#[test]
fn output_is_the_same_every_run() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..6 {
        claude_session(dir.path(), &format!(".claude/projects/p{i}/{CLAUDE_SESSION}.jsonl"));
    }
    // The findings (the summary's timings vary), and the whole text report.
    let findings_of = |out: std::process::Output| -> String {
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        serde_json::to_string_pretty(&doc["findings"]).unwrap()
    };
    let first = findings_of(scan(dir.path(), &["."], "json"));
    let parsed: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 18);
    assert!(parsed
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["transcript"]["session"] == CLAUDE_SESSION));
    for _ in 0..3 {
        assert!(
            findings_of(scan(dir.path(), &["."], "json")) == first,
            "findings differ between runs"
        );
    }
    let text = stdout(&scan(dir.path(), &["."], "text"));
    // All but the summary line, whose timings vary.
    let text_findings = |t: &str| {
        t.lines()
            .filter(|l| !l.contains(" MB scanned in "))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(text.contains("session 0b1c2d3e… message 2 (assistant, tool_use Bash)"));
    assert_eq!(
        text_findings(&stdout(&scan(dir.path(), &["."], "text"))),
        text_findings(&text)
    );
}
