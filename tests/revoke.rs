//! `keyhound revoke` end to end: a plan from keyhound's own JSON and SARIF,
//! then revocation through an emulated provider API, re-verification, and
//! the audit log.

mod common;

use std::sync::{Arc, Mutex};

use common::emulator::{Emulator, Reply};
use common::*;

/// A tree with a GitHub token, a Slack bot token and an AWS key id.
fn tree() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(99);
    let github = github_token(&mut rng, "ghp_");
    let slack = format!(
        "xoxb-{}-{}-{}",
        rng.string("0123456789", 12),
        rng.string("0123456789", 13),
        rng.string(BASE62, 24)
    );
    write(
        dir.path(),
        "app/.env",
        format!("GITHUB_TOKEN={github}\nSLACK_BOT_TOKEN={slack}\n"),
    );
    write(dir.path(), "app/copy.env", format!("GH={github}\n"));
    write(dir.path(), "infra/aws.env", "AWS_ACCESS_KEY_ID=AKIAI2DHDMKHPFXMJZDK\n"); // keyhound:allow (fake)
    (dir, github, slack)
}

/// An emulator for GitHub's credential revocation API and /user, and
/// Slack's auth.revoke and auth.test: revoked keys stop working.
fn providers(slack_ok: bool) -> (Emulator, Arc<Mutex<Vec<String>>>) {
    let revoked: Arc<Mutex<Vec<String>>> = Arc::default();
    let state = Arc::clone(&revoked);
    let emulator = Emulator::start(move |req| {
        let body = String::from_utf8_lossy(&req.body).to_string();
        let auth = req.header("authorization").unwrap_or("").to_string();
        let token = auth.rsplit(' ').next().unwrap_or("").to_string();
        let dead = |t: &str| state.lock().unwrap().iter().any(|r| r == t);
        match (req.method.as_str(), req.path()) {
            ("POST", "/gh/credentials/revoke") => {
                let doc: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                for c in doc["credentials"].as_array().into_iter().flatten() {
                    state.lock().unwrap().push(c.as_str().unwrap_or("").to_string());
                }
                Reply::new(202, "")
            }
            ("GET", "/gh/user") if dead(&token) => Reply::new(401, r#"{"message":"Bad credentials"}"#),
            ("GET", "/gh/user") => Reply::new(200, r#"{"login":"octo"}"#),
            ("POST", "/slack/api/auth.revoke") if slack_ok => {
                state.lock().unwrap().push(token);
                Reply::new(200, r#"{"ok":true,"revoked":true}"#)
            }
            ("POST", "/slack/api/auth.revoke") => Reply::new(200, r#"{"ok":false,"error":"invalid_auth"}"#),
            ("POST", "/slack/api/auth.test") if dead(&token) => {
                Reply::new(200, r#"{"ok":false,"error":"token_revoked"}"#)
            }
            ("POST", "/slack/api/auth.test") => Reply::new(200, r#"{"ok":true,"team":"Acme","user":"bot"}"#),
            _ => Reply::new(404, "{}"),
        }
    });
    (emulator, revoked)
}

fn overrides(emulator: &Emulator) -> Vec<String> {
    vec![
        "--verify-override".into(),
        format!("api.github.com={}/gh", emulator.base),
        "--verify-override".into(),
        format!("slack.com={}/slack", emulator.base),
    ]
}

fn revoke(dir: &std::path::Path, extra: &[String], input: &[u8]) -> std::process::Output {
    let mut args: Vec<&str> = vec!["revoke", "--from", "findings.json"];
    args.extend(extra.iter().map(String::as_str));
    run_stdin(dir, &args, input)
}

#[test]
fn the_plan_groups_secrets_by_provider_with_guidance_from_redacted_reports() {
    let (dir, github, _) = tree();
    for (format, file) in [
        ("json", "findings.json"),
        ("sarif", "findings.sarif"),
        ("jsonl", "findings.jsonl"),
    ] {
        let out = run_in(dir.path(), &["dir", "app", "infra", "-f", format, "-o", file, "-q"]);
        assert_eq!(code(&out), 1);
        let plan = run_in(dir.path(), &["revoke", "--from", file]);
        assert_eq!(code(&plan), 0, "{}", stderr(&plan));
        let text = stdout(&plan);
        assert!(text.contains("Revocation plan for 3 secret(s)"), "{format}: {text}");
        assert!(
            text.contains("\nGitHub: 1 secret(s)") && text.contains("\nSlack: 1 secret(s)"),
            "{text}"
        );
        assert!(text.contains("https://github.com/settings/tokens"), "{text}");
        assert!(
            text.contains("in 2 location(s)"),
            "the GitHub token is in two files: {text}"
        );
        assert!(
            text.contains("request: IAM UpdateAccessKey Status=Inactive, then DeleteAccessKey"),
            "AWS keys are deactivated, then deleted: {text}"
        );
        assert!(
            text.contains("needs your own AWS credentials"),
            "AWS revocation needs the user's credentials: {text}"
        );
        assert!(text.contains("report is redacted"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.contains("rotate in: environment file of a service:") && l.contains("copy.env")),
            "the runbook names the consumers to update: {text}"
        );
        assert!(!text.contains(&github));
    }
    let json = run_in(dir.path(), &["revoke", "--from", "findings.json", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["secrets"].as_array().unwrap().len(), 3);
    write(dir.path(), "bogus.json", "{\"hello\": 1}");
    assert_eq!(code(&run_in(dir.path(), &["revoke", "--from", "bogus.json"])), 2);
}

#[test]
fn execute_revokes_reverifies_and_audits_without_logging_secrets() {
    let (dir, github, slack) = tree();
    let out = run_in(
        dir.path(),
        &[
            "dir",
            "app",
            "infra",
            "--show-secrets",
            "-f",
            "json",
            "-o",
            "findings.json",
            "-q",
        ],
    );
    assert_eq!(code(&out), 1);
    let (emulator, revoked) = providers(true);
    let mut extra = overrides(&emulator);
    // Without confirmation nothing happens.
    extra.push("--execute".into());
    let out = revoke(dir.path(), &extra, b"n\n");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(emulator.requests().is_empty(), "declined: no request");
    extra.extend(["--audit-log".to_string(), "audit.jsonl".to_string()]);
    // Without AWS credentials the AWS key is left alive, which fails the run.
    let out = revoke(dir.path(), &extra, b"yes\n");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("AWS") && err.contains("needs your own credentials"),
        "{err}"
    );
    assert_eq!(err.matches("confirmed dead").count(), 2, "{err}");
    assert_eq!(*revoked.lock().unwrap(), vec![github.clone(), slack.clone()]);
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(
        !log.contains(&github) && !log.contains(&slack),
        "the audit log never holds secrets"
    );
    let events: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e["provider"] != "AWS")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["revoke", "verify", "result", "revoke", "verify", "result"]);
    let aws: Vec<&serde_json::Value> = events.iter().filter(|e| e["provider"] == "AWS").collect();
    assert_eq!(aws[0]["outcome"], "skipped", "{aws:?}");
    assert!(events
        .iter()
        .all(|e| e["time"].is_string() && e["fingerprint"].is_string()));
    assert!(events
        .iter()
        .filter(|e| e["action"] == "verify")
        .all(|e| e["status"] == "invalid"));
    // The log is appended to, never rewritten.
    let _ = revoke(dir.path(), &[extra.clone(), vec!["--yes".into()]].concat(), b"");
    let again = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(again.starts_with(&log) && again.len() > log.len());
}

#[test]
fn a_refused_revocation_leaves_the_key_reported_still_live() {
    let (dir, _, _) = tree();
    run_in(
        dir.path(),
        &[
            "dir",
            "app",
            "--show-secrets",
            "-f",
            "json",
            "-o",
            "findings.json",
            "-q",
        ],
    );
    let (emulator, _) = providers(false);
    let mut extra = overrides(&emulator);
    extra.extend(["--execute".to_string(), "--yes".to_string()]);
    let out = revoke(dir.path(), &extra, b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("refused") && err.contains("STILL LIVE"), "{err}");
    assert!(err.contains("confirmed dead"), "GitHub still worked: {err}");
}

#[test]
fn live_keys_lead_the_plan_when_the_report_was_verified() {
    let (dir, github, _) = tree();
    let (emulator, revoked) = providers(true);
    // GitHub's key is already dead at the provider; Slack's is live.
    revoked.lock().unwrap().push(github);
    let mut args: Vec<String> = ["dir", "app", "--verify", "-f", "sarif", "-o", "findings.sarif", "-q"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(overrides(&emulator));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(code(&run_in(dir.path(), &argv)), 1);
    let plan = stdout(&run_in(dir.path(), &["revoke", "--from", "findings.sarif"]));
    let slack = plan.find("\nSlack:").expect("Slack group");
    let gh = plan.find("\nGitHub:").expect("GitHub group");
    assert!(slack < gh, "live keys first: {plan}");
    assert!(plan.contains("* LIVE xoxb-"), "{plan}");
    assert!(plan.contains("* invalid ghp_"), "{plan}");
}

#[test]
fn resume_continues_a_partly_failed_plan_without_repeating_a_done_step() {
    let (dir, github, slack) = tree();
    run_in(
        dir.path(),
        &[
            "dir",
            "app",
            "--show-secrets",
            "-f",
            "json",
            "-o",
            "findings.json",
            "-q",
        ],
    );
    // First run: Slack refuses, GitHub is revoked.
    let (first, _) = providers(false);
    let mut extra = overrides(&first);
    extra.extend(["--execute", "--yes", "--audit-log", "audit.jsonl"].map(String::from));
    let out = revoke(dir.path(), &extra, b"");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(first.requests().iter().any(|r| r.path() == "/gh/credentials/revoke"));
    // Second run with --resume: only what is not done yet is sent.
    let (second, revoked) = providers(true);
    let mut extra = overrides(&second);
    extra.extend(["--execute", "--yes", "--audit-log", "audit.jsonl", "--resume"].map(String::from));
    let out = revoke(dir.path(), &extra, b"");
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(
        err.contains("1 secret(s) already revoked according to the audit log"),
        "{err}"
    );
    assert!(
        second.requests().iter().all(|r| r.path() != "/gh/credentials/revoke"),
        "GitHub was revoked in the first run and is not asked again"
    );
    assert_eq!(*revoked.lock().unwrap(), vec![slack.clone()]);
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(!log.contains(&github) && !log.contains(&slack));
    // --resume needs the log it continues from.
    let out = revoke(
        dir.path(),
        &["--execute".into(), "--yes".into(), "--resume".into()],
        b"",
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}
