//! `keyhound mcp` driven by the reference MCP client (the `mcp` package
//! from PyPI, installed by `./test`): the handshake, the tool list, every
//! tool called, paths confined to the roots, secrets redacted unless the
//! server was started with `--show-secrets`, and `verify_finding` only
//! with `--allow-verify`, against a loopback provider.

mod common;

use std::path::Path;
use std::process::Command;

use common::emulator::{Emulator, Reply};
use common::*;
use serde_json::{json, Value};

fn token(seed: u64) -> String {
    github_token(&mut Rng::new(seed), "ghp_")
}

/// Starts the server with `server_args` under the SDK's client, makes
/// `calls`, and returns what the client saw.
fn client(dir: &Path, server_args: &[&str], calls: Value) -> Value {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/mcp_client.py");
    let out = Command::new("python3")
        .current_dir(dir)
        .arg(driver)
        .arg(env!("CARGO_BIN_EXE_keyhound"))
        .arg(serde_json::to_string(server_args).unwrap())
        .arg(calls.to_string())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the MCP client failed (./test installs the `mcp` package from PyPI): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_reference_client_lists_and_calls_every_tool() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    let key = token(11);
    write(&root, "src/settings.py", format!("GITHUB_TOKEN = \"{key}\"\n"));
    write(&root, "src/clean.py", "print('hello')\n");
    write(dir.path(), "outside/secret.env", format!("T={key}\n"));
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("escape")).unwrap();
    let root_arg = root.to_str().unwrap();
    let seen = client(
        dir.path(),
        &["--root", root_arg],
        json!([
            ["scan_text", {"text": format!("deploy:\n  token: {key}\n"), "name": "deploy.yml"}],
            ["scan_text", {"text": "nothing to see"}],
            ["scan_path", {"path": "src"}],
            ["scan_path", {"path": "../outside/secret.env"}],
            ["scan_path", {"path": "escape/secret.env"}],
            ["scan_path", {"path": dir.path().join("outside/secret.env")}],
            ["redact_text", {"text": format!("Authorization: token {key} sent")}],
            ["explain_rule", {"rule_id": "github-pat-classic"}],
            ["explain_rule", {"rule_id": "no-such-rule"}],
        ]),
    );
    assert_eq!(seen["server"], "keyhound");
    assert_eq!(seen["protocol_version"], "2025-11-25");
    assert_eq!(
        seen["tools"],
        json!(["explain_rule", "redact_text", "scan_path", "scan_text"]),
        "verify_finding only with --allow-verify"
    );
    let calls = seen["calls"].as_array().unwrap();
    let everything = seen.to_string();
    assert!(!everything.contains(&key), "a full secret reached the client");

    let found = &calls[0]["data"];
    assert_eq!(found["count"], 1);
    assert_eq!(found["findings"][0]["rule_id"], "github-pat-classic");
    assert_eq!(found["findings"][0]["path"], "deploy.yml");
    assert_eq!(found["findings"][0]["line"], 2);
    assert_eq!(calls[1]["data"]["count"], 0);

    let tree = &calls[2]["data"];
    assert_eq!(tree["count"], 1, "{tree}");
    assert_eq!(tree["findings"][0]["path"], "src/settings.py");
    assert_eq!(tree["files"], 2);
    for refused in &calls[3..6] {
        assert_eq!(refused["is_error"], true, "{refused}");
        assert!(
            refused["text"].as_str().unwrap().contains("outside the roots"),
            "{refused}"
        );
    }

    let redacted = calls[6]["data"]["text"].as_str().unwrap();
    assert!(
        redacted.starts_with("Authorization: token [REDACTED:github-pat-classic:") && redacted.ends_with("] sent"),
        "{redacted}"
    );
    let rule = &calls[7]["data"];
    assert_eq!(rule["provider"], "GitHub");
    assert_eq!(rule["verifiable"], true);
    assert!(calls[7]["text"].as_str().unwrap().contains("To revoke:"));
    assert_eq!(calls[8]["is_error"], true);
}

#[test]
fn show_secrets_and_verify_finding_are_opt_in_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (live, dead) = (token(12), token(13));
    let expected = live.clone();
    let emulator = Emulator::start(move |req| {
        let auth = req.header("authorization").unwrap_or("");
        if auth.ends_with(&expected) {
            Reply::new(200, r#"{"login":"octo-ops","id":1}"#).header("X-OAuth-Scopes", "repo")
        } else {
            Reply::new(401, r#"{"message":"Bad credentials"}"#)
        }
    });
    let override_arg = format!("api.github.com={}", emulator.base);
    let seen = client(
        dir.path(),
        &[
            "--root",
            dir.path().to_str().unwrap(),
            "--allow-verify",
            "--show-secrets",
            "--verify-override",
            &override_arg,
        ],
        json!([
            ["scan_text", {"text": format!("t={live}")}],
            ["verify_finding", {"text": format!("GITHUB_TOKEN={live}\n{dead}")}],
        ]),
    );
    assert!(seen["tools"].as_array().unwrap().contains(&json!("verify_finding")));
    let calls = seen["calls"].as_array().unwrap();
    assert_eq!(calls[0]["data"]["findings"][0]["secret"], live.as_str());
    let results = calls[1]["data"]["results"].as_array().unwrap();
    let status = |secret: &str| {
        results
            .iter()
            .find(|r| r["secret"] == secret)
            .map(|r| r["status"].clone())
            .unwrap_or_else(|| panic!("no row for a secret: {results:?}"))
    };
    assert_eq!(status(&live), "live");
    assert_eq!(status(&dead), "invalid");
    // Both secrets went to the provider's (emulated) API and nowhere else.
    assert_eq!(emulator.requests().len(), 2);
}
