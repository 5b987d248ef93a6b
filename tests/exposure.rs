//! The whole life of a leak, end to end on a real git repository and
//! loopback emulators of the providers' documented APIs: a history scan
//! with `--show-secrets` → revocation plan → `revoke --execute` → re-verify
//! → `keyhound exposure` (AWS IAM GetAccessKeyLastUsed and CloudTrail
//! LookupEvents paged by NextToken; GitHub's organisation audit log
//! searched by hashed_token and paged by Link) → the audit log, which must
//! hold every step and never a secret.
//!
//! The other audit sources — GitLab, Slack, OpenAI, Anthropic, Google
//! Cloud, Azure — each against an emulator of its documented API: uses
//! inside and outside the window, from known and unknown addresses, over
//! two pages; a refused call (403, or Slack's `missing_scope`) and a rate
//! limit (429) become notes on an incomplete answer, never "no uses"; and
//! neither the leaked key nor the user's credential reaches the output or
//! the audit log.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::emulator::{Emulator, Reply};
use common::*;
use sha2::{Digest, Sha256};

const KEY_ID: &str = "AKIAI2DHDMKHPFXMJZDK"; // keyhound:allow (fake)
const ADMIN_ID: &str = "AKIAADMINFAKE0000001";

fn git(dir: &Path, args: &[&str], date: &str) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Dev Example")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev Example")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = keyhound();
    cmd.current_dir(dir).args(args);
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "GITHUB_TOKEN",
        "KEYHOUND_GITHUB_AUDIT_TOKEN",
        "KEYHOUND_GITLAB_AUDIT_TOKEN",
        "KEYHOUND_GITLAB_URL",
        "GITLAB_TOKEN",
        "KEYHOUND_SLACK_AUDIT_TOKEN",
        "OPENAI_ADMIN_KEY",
        "ANTHROPIC_ADMIN_KEY",
        "KEYHOUND_GCP_ACCESS_TOKEN",
        "GOOGLE_OAUTH_ACCESS_TOKEN",
        "KEYHOUND_AZURE_ARM_TOKEN",
        "AZURE_SUBSCRIPTION_ID",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// CloudTrail's LookupEvents event for one use of the key.
fn trail_event(time: i64, name: &str, ip: &str, agent: &str) -> serde_json::Value {
    let detail = serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "accessKeyId": KEY_ID, "userName": "deploy-fake"},
        "eventTime": "ignored",
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": ip,
        "userAgent": agent,
    });
    serde_json::json!({
        "EventId": format!("ev-{time}"),
        "EventName": name,
        "ReadOnly": "true",
        "AccessKeyId": KEY_ID,
        "EventTime": time,
        "EventSource": "s3.amazonaws.com",
        "Username": "deploy-fake",
        "CloudTrailEvent": detail.to_string(),
    })
}

#[test]
fn a_leak_from_history_to_revocation_to_the_exposure_report_leaves_an_audit_trail_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let mut rng = Rng::new(2024);
    let github = github_token(&mut rng, "ghp_");
    let aws_secret = rng.string(BASE62, 40);
    git(&repo, &["init", "-q", "-b", "main"], "2024-03-01T10:00:00Z");
    write(
        &repo,
        "deploy/.env",
        format!("AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={aws_secret}\nGITHUB_TOKEN={github}\n"),
    );
    git(&repo, &["add", "."], "2024-03-01T10:00:00Z");
    git(&repo, &["commit", "-q", "-m", "deploy config"], "2024-03-01T10:00:00Z");
    std::fs::remove_file(repo.join("deploy/.env")).unwrap();
    git(&repo, &["add", "-A"], "2024-03-04T09:00:00Z");
    git(&repo, &["commit", "-q", "-m", "remove secrets"], "2024-03-04T09:00:00Z");

    // 1. The history scan.
    let out = run_in(&repo, &["git", ".", "-f", "json", "--show-secrets", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    std::fs::write(dir.path().join("findings.json"), &out.stdout).unwrap();

    // The providers: GitHub's credential revocation, /user and audit log;
    // AWS IAM and CloudTrail.
    let revoked: Arc<Mutex<Vec<String>>> = Arc::default();
    let state = Arc::clone(&revoked);
    let hashed = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(github.as_bytes()));
    let (gh_token, hashed_c) = (github.clone(), hashed.clone());
    let emulator = Emulator::start(move |req| {
        let auth = req.header("authorization").unwrap_or("").to_string();
        let query = percent_encoding::percent_decode_str(req.target.split_once('?').map_or("", |(_, q)| q))
            .decode_utf8_lossy()
            .into_owned();
        match (req.method.as_str(), req.path()) {
            ("POST", "/gh/credentials/revoke") => {
                let doc: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                for c in doc["credentials"].as_array().into_iter().flatten() {
                    state.lock().unwrap().push(c.as_str().unwrap_or("").to_string());
                }
                Reply::new(202, "")
            }
            ("GET", "/gh/user") => {
                let token = auth.rsplit(' ').next().unwrap_or("");
                if state.lock().unwrap().iter().any(|r| r == token) {
                    Reply::new(401, r#"{"message":"Bad credentials"}"#)
                } else {
                    Reply::new(200, r#"{"login":"dev-fake"}"#)
                }
            }
            ("GET", "/gh/orgs/acme-fake/audit-log") => {
                // Only the organisation owner's token, and only the
                // documented hashed_token search.
                if auth != "Bearer admin-gh-fake" {
                    return Reply::new(403, r#"{"message":"Must have admin rights"}"#);
                }
                if !query.contains(&format!("hashed_token:\"{hashed_c}\"")) {
                    return Reply::new(200, "[]");
                }
                if query.contains("page=2") {
                    Reply::new(
                        200,
                        r#"[{"@timestamp":1709460000000,"action":"git.clone","actor":"dev-fake","actor_ip":"192.0.2.44","user_agent":"git/2.40","programmatic_access_type":"Personal access token (classic)"}]"#,
                    )
                } else {
                    Reply::new(
                        200,
                        r#"[{"@timestamp":1709290000000,"action":"git.push","actor":"dev-fake","actor_ip":"203.0.113.10","user_agent":"git/2.43"}]"#,
                    )
                    // GitHub's next link repeats the search.
                    .header(
                        "link",
                        &format!(
                            "<https://api.github.com/orgs/acme-fake/audit-log?phrase={}&per_page=100&page=2>; rel=\"next\"",
                            percent_encoding::utf8_percent_encode(
                                &format!("hashed_token:\"{hashed_c}\""),
                                percent_encoding::NON_ALPHANUMERIC
                            )
                        ),
                    )
                }
            }
            ("POST", "/iam/") => {
                let body = String::from_utf8_lossy(&req.body).to_string();
                if !auth.contains(&format!("Credential={ADMIN_ID}/")) {
                    return Reply::new(
                        403,
                        "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
                    );
                }
                if body.contains("Action=GetAccessKeyLastUsed") && body.contains(KEY_ID) {
                    Reply::new(
                        200,
                        r#"<GetAccessKeyLastUsedResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccessKeyLastUsedResult><AccessKeyLastUsed><Region>us-west-2</Region><LastUsedDate>2024-03-03T22:15:00Z</LastUsedDate><ServiceName>s3</ServiceName></AccessKeyLastUsed><UserName>deploy-fake</UserName></GetAccessKeyLastUsedResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetAccessKeyLastUsedResponse>"#,
                    )
                } else {
                    Reply::new(
                        400,
                        "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>",
                    )
                }
            }
            ("POST", "/ct-east/") | ("POST", "/ct-west/") => {
                let ok_target = req.header("x-amz-target")
                    == Some("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents");
                if !ok_target
                    || !auth.contains(&format!("Credential={ADMIN_ID}/"))
                    || !auth.contains("/cloudtrail/aws4_request")
                {
                    return Reply::new(400, r#"{"__type":"InvalidRequest"}"#);
                }
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                assert_eq!(body["LookupAttributes"][0]["AttributeKey"], "AccessKeyId");
                assert_eq!(body["LookupAttributes"][0]["AttributeValue"], KEY_ID);
                if req.path() == "/ct-east/" {
                    return Reply::new(200, r#"{"Events":[]}"#);
                }
                let doc = if body["NextToken"] == "page-2" {
                    serde_json::json!({"Events": [trail_event(1709504100, "GetObject", "198.51.100.23", "python-requests/2.31")]})
                } else {
                    serde_json::json!({
                        "Events": [
                            trail_event(1709300000, "ListBuckets", "203.0.113.10", "aws-cli/2.15"),
                            trail_event(1709400000, "GetObject", "198.51.100.23", "python-requests/2.31"),
                        ],
                        "NextToken": "page-2"
                    })
                };
                Reply::new(200, &doc.to_string())
            }
            _ => Reply::new(404, "{}"),
        }
    });
    let overrides: Vec<String> = [
        ("api.github.com", "gh"),
        ("iam.amazonaws.com", "iam"),
        ("cloudtrail.us-east-1.amazonaws.com", "ct-east"),
        ("cloudtrail.us-west-2.amazonaws.com", "ct-west"),
    ]
    .iter()
    .flat_map(|(host, prefix)| {
        [
            "--verify-override".to_string(),
            format!("{host}={}/{prefix}", emulator.base),
        ]
    })
    .collect();
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .map(|a| a.to_string())
            .chain(overrides.iter().cloned())
            .collect()
    };

    // 2. Plan and revoke (GitHub has a revocation API), re-verified.
    let args = with(&[
        "revoke",
        "--from",
        "findings.json",
        "--execute",
        "--yes",
        "--audit-log",
        "audit.jsonl",
    ]);
    let out = run_env(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert!(stderr(&out).contains("confirmed dead"), "{}", stderr(&out));
    assert_eq!(*revoked.lock().unwrap(), vec![github.clone()]);

    // 3. The exposure report, with the user's own credentials.
    let args = with(&[
        "exposure",
        "--from",
        "findings.json",
        "--audit-log",
        "audit.jsonl",
        "--known-ips",
        "203.0.113.0/24",
        "--github-org",
        "acme-fake",
        "-f",
        "json",
    ]);
    let env = [
        ("AWS_ACCESS_KEY_ID", ADMIN_ID),
        ("AWS_SECRET_ACCESS_KEY", "adminSecretFakeValue0000000000000000000000"),
        ("KEYHOUND_GITHUB_AUDIT_TOKEN", "admin-gh-fake"),
    ];
    let out = run_env(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>(), &env);
    assert_eq!(
        code(&out),
        1,
        "keys used from unknown addresses exit 1: {}",
        stderr(&out)
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let secrets = doc["secrets"].as_array().unwrap();
    let by_rule = |rule: &str| {
        secrets
            .iter()
            .find(|s| s["rule_id"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {doc}"))
            .clone()
    };
    let aws = by_rule("aws-access-key-id");
    assert_eq!(aws["introduced"].as_str().unwrap().get(..10), Some("2024-03-01"));
    assert_eq!(aws["introduced_by"], "Dev Example <dev@example.com>");
    assert_eq!(aws["removed"].as_str().unwrap().get(..10), Some("2024-03-04"));
    assert!(aws["revoked"].is_null(), "AWS was not revoked");
    let usage = &aws["usage"];
    assert_eq!(usage["owner"], "deploy-fake");
    assert!(usage["last_used"]
        .as_str()
        .unwrap()
        .starts_with("2024-03-03T22:15:00Z s3 us-west-2"));
    let uses = usage["uses"].as_array().unwrap();
    assert_eq!(uses.len(), 3, "both CloudTrail pages, in the last-used region: {usage}");
    assert_eq!(usage["unknown_uses"], 2);
    assert_eq!(uses[0]["action"], "s3:ListBuckets");
    assert_eq!(uses[0]["known"], true);
    assert_eq!(uses[1]["source_ip"], "198.51.100.23");
    assert_eq!(uses[1]["user_agent"], "python-requests/2.31");

    let gh = by_rule("github-pat-classic");
    assert!(
        gh["revoked"].as_str().is_some(),
        "the revocation time comes from the audit log: {gh}"
    );
    let usage = &gh["usage"];
    assert_eq!(usage["uses"].as_array().unwrap().len(), 2, "{usage}");
    assert_eq!(usage["unknown_uses"], 1);
    assert_eq!(usage["uses"][1]["action"], "git.clone");

    // Text output says the same for people.
    let text_args: Vec<String> = args.iter().filter(|a| *a != "-f" && *a != "json").cloned().collect();
    let out = run_env(
        dir.path(),
        &text_args.iter().map(String::as_str).collect::<Vec<_>>(),
        &env,
    );
    let text = stdout(&out);
    assert!(
        text.contains("uses in the window: 3 (2 from addresses not listed as yours)"),
        "{text}"
    );
    assert!(
        text.contains("198.51.100.23  python-requests/2.31  <- not yours"),
        "{text}"
    );

    // 4. The audit log holds every step, and no secret.
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let actions: Vec<String> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for want in ["revoke", "verify", "result", "exposure"] {
        assert!(actions.iter().any(|a| a == want), "no {want} event: {actions:?}");
    }
    for secret in [
        github.as_str(),
        aws_secret.as_str(),
        "adminSecretFakeValue",
        "admin-gh-fake",
        hashed.as_str(),
    ] {
        assert!(!log.contains(secret), "the audit log leaks {secret}");
    }
    let _ = gh_token;
}

#[test]
fn exposure_without_credentials_reports_the_window_and_says_what_it_did_not_ask() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "tree/.env", format!("AWS_ACCESS_KEY_ID={KEY_ID}\n"));
    let out = run_in(dir.path(), &["dir", "tree", "-f", "json", "--show-secrets", "-q"]);
    std::fs::write(dir.path().join("findings.json"), &out.stdout).unwrap();
    let out = run_env(dir.path(), &["exposure", "--from", "findings.json"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("AWS logs not asked"), "{text}");
    assert!(text.contains("aws-access-key-id"), "{text}");
    assert!(!text.contains(KEY_ID), "the key id is redacted: {text}");
    let out = run_env(
        dir.path(),
        &["exposure", "--from", "findings.json", "--known-ips", "not-an-ip"],
        &[],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn aws_keys_are_deactivated_then_deleted_with_the_users_credentials_or_the_leaked_pair_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(77);
    let leaked_secret = rng.string(BASE62, 40);
    write(
        dir.path(),
        "tree/.env",
        format!("AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={leaked_secret}\n"),
    );
    let out = run_in(dir.path(), &["dir", "tree", "-f", "json", "--show-secrets", "-q"]);
    std::fs::write(dir.path().join("findings.json"), &out.stdout).unwrap();
    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&calls);
    let emulator = Emulator::start(move |req| {
        let body = String::from_utf8_lossy(&req.body).to_string();
        let auth = req.header("authorization").unwrap_or("").to_string();
        let signer = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').next())
            .unwrap_or("")
            .to_string();
        let action = body
            .split('&')
            .find_map(|p| p.strip_prefix("Action="))
            .unwrap_or("?")
            .to_string();
        seen.lock().unwrap().push(format!("{action} by {signer}: {body}"));
        let ok = |inner: &str| {
            Reply::new(
                200,
                &format!("<{action}Response><{action}Result>{inner}</{action}Result></{action}Response>"),
            )
        };
        match action.as_str() {
            "GetAccessKeyLastUsed" => ok("<UserName>deploy-fake</UserName><AccessKeyLastUsed><Region>N/A</Region></AccessKeyLastUsed>"),
            "UpdateAccessKey" | "DeleteAccessKey" => ok(""),
            "ListAccessKeys" => ok("<AccessKeyMetadata><member><AccessKeyId>AKIAOTHERFAKE0000001</AccessKeyId><Status>Active</Status></member></AccessKeyMetadata>"),
            _ => Reply::new(400, "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>"),
        }
    });
    let base = format!("iam.amazonaws.com={}/iam", emulator.base);
    let revoke = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec![
            "revoke",
            "--from",
            "findings.json",
            "--execute",
            "--yes",
            "--only",
            "aws",
            "--verify-override",
            &base,
            "--audit-log",
            "audit.jsonl",
        ];
        args.extend(extra);
        run_env(dir.path(), &args, env)
    };

    // No credentials: nothing is sent, and the plan says why.
    let out = revoke(&[], &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("needs your own credentials"), "{}", stderr(&out));
    assert!(calls.lock().unwrap().is_empty());

    // The user's credentials: find the user, deactivate, delete, confirm.
    let env = [
        ("AWS_ACCESS_KEY_ID", ADMIN_ID),
        ("AWS_SECRET_ACCESS_KEY", "adminSecretFakeValue0000000000000000000000"),
    ];
    let out = revoke(&[], &env);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("confirmed dead"), "{}", stderr(&out));
    let log = calls.lock().unwrap().clone();
    let actions: Vec<&str> = log.iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "GetAccessKeyLastUsed",
            "UpdateAccessKey",
            "DeleteAccessKey",
            "ListAccessKeys"
        ]
    );
    assert!(log.iter().all(|l| l.contains(&format!("by {ADMIN_ID}:"))), "{log:?}");
    assert!(
        log[1].contains("Status=Inactive") && log[1].contains("UserName=deploy-fake"),
        "{log:?}"
    );

    // The leaked pair itself, only when asked: no user name is sent.
    calls.lock().unwrap().clear();
    let out = revoke(&["--use-leaked-key"], &env);
    assert!(
        stderr(&out).contains("deactivated and deleted with the leaked key itself"),
        "{}",
        stderr(&out)
    );
    let log = calls.lock().unwrap().clone();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(
        log.iter()
            .all(|l| l.contains(&format!("by {KEY_ID}:")) && !l.contains("UserName")),
        "{log:?}"
    );
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(!audit.contains(&leaked_secret) && !audit.contains("adminSecretFakeValue"));
}

/// The window every provider test uses: introduced 2024-03-01T10:00:00Z
/// (the finding's commit date), revoked 2024-03-10T00:00:00Z (the audit
/// log's result event).
const INTRODUCED: &str = "2024-03-01T10:00:00Z";
const INTRODUCED_UNIX: i64 = 1_709_287_200;
const REVOKED: &str = "2024-03-10T00:00:00Z";
const REVOKED_UNIX: i64 = 1_710_028_800;

/// What the emulators answer: the documented success, a refusal, or a
/// rate limit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Ok,
    Forbidden,
    Limited,
}

/// The rate limit every provider documents: 429 with a Retry-After too
/// long to wait for.
fn limited() -> Reply {
    Reply::new(429, r#"{"error":"rate_limited"}"#).header("retry-after", "3600")
}

/// One leaked key of `rule` in a findings file written as `--show-secrets
/// -f json` writes it, with what the access map or the scan recorded about
/// it, and the revocation in the audit log that ends its window.
struct Case {
    rule: &'static str,
    secret: String,
    identity: serde_json::Value,
    companions: serde_json::Value,
    hosts: Vec<(&'static str, &'static str)>,
    env: Vec<(&'static str, String)>,
    args: Vec<String>,
}

/// Runs `keyhound exposure -f json` on `case` against `emulator`; returns
/// the key's usage, everything printed and the audit log.
fn expose(case: &Case, emulator: &Emulator) -> (serde_json::Value, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let fingerprint = format!("fp-{}", case.rule);
    let finding = serde_json::json!({
        "rule_id": case.rule,
        "fingerprint": fingerprint,
        "secret": case.secret,
        "redacted": false,
        "path": "deploy/.env",
        "origin": {"kind": "git", "path": "deploy/.env", "commit": "0123456789abcdef0123456789abcdef01234567",
                   "date": INTRODUCED, "author": "Dev Example", "email": "dev@example.com"},
        "companions": case.companions,
        "verification": {"status": "live", "checked_at": INTRODUCED,
                         "access": {"level": "admin", "identity": case.identity}},
    });
    std::fs::write(
        dir.path().join("findings.json"),
        serde_json::json!({ "findings": [finding] }).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("audit.jsonl"),
        format!("{{\"action\":\"result\",\"fingerprint\":\"{fingerprint}\",\"verdict\":\"confirmed dead\",\"time\":\"{REVOKED}\"}}\n"),
    )
    .unwrap();
    let mut args: Vec<String> = [
        "exposure",
        "--from",
        "findings.json",
        "--audit-log",
        "audit.jsonl",
        "--known-ips",
        "203.0.113.0/24",
        "-f",
        "json",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    for (host, prefix) in &case.hosts {
        args.push("--verify-override".into());
        args.push(format!("{host}={}/{prefix}", emulator.base));
    }
    args.extend(case.args.iter().cloned());
    let env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let out = run_env(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>(), &env);
    let printed = format!("{}{}", stdout(&out), stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {printed}"));
    let key = &doc["secrets"][0];
    assert_eq!(key["introduced"], INTRODUCED, "{doc}");
    assert_eq!(key["revoked"], REVOKED, "{doc}");
    assert_eq!(key["exposed_days"], 8, "{doc}");
    let used_by_others = key["usage"]["unknown_uses"].as_u64().unwrap_or(0) > 0;
    assert_eq!(code(&out), i32::from(used_by_others), "{printed}");
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    // Nothing secret is printed or logged: not the leaked key, not the
    // user's own credential.
    for secret in std::iter::once(case.secret.as_str()).chain(case.env.iter().map(|(_, v)| v.as_str())) {
        if secret.len() >= 12 && !secret.contains("-0000-") {
            assert!(!printed.contains(secret), "the output leaks {secret}: {printed}");
            assert!(!log.contains(secret), "the audit log leaks {secret}: {log}");
        }
    }
    let event: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(event["action"], "exposure", "{log}");
    assert_eq!(event["fingerprint"], fingerprint.as_str());
    assert_eq!(event["uses"], key["usage"]["uses"].as_array().map_or(0, Vec::len));
    (key["usage"].clone(), stdout(&out), log)
}

/// A refused or rate-limited source: no uses claimed, the answer marked
/// incomplete, and a note saying why.
fn assert_unanswered(usage: &serde_json::Value, why: &str, log: &str) {
    assert_eq!(usage["incomplete"], true, "{usage}");
    assert!(
        usage["uses"].as_array().unwrap().is_empty(),
        "nothing invented: {usage}"
    );
    let notes = usage["notes"].to_string();
    assert!(notes.contains(why), "{why} in {notes}");
    assert!(log.contains("\"outcome\":\"incomplete\""), "{log}");
}

fn actions(usage: &serde_json::Value) -> Vec<(String, String, bool)> {
    usage["uses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["action"].as_str().unwrap_or("").to_string(),
                u["source_ip"].as_str().unwrap_or("-").to_string(),
                u["known"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn query(req: &common::emulator::Recorded) -> String {
    percent_encoding::percent_decode_str(req.target.split_once('?').map_or("", |(_, q)| q))
        .decode_utf8_lossy()
        .into_owned()
}

#[test]
fn gitlab_tokens_are_identified_then_their_last_use_and_audit_events_on_the_users_own_instance() {
    let mut rng = Rng::new(31);
    let leaked = format!("glpat-{}", rng.string(BASE62, 20));
    let admin = format!("glpat-{}", rng.string(BASE62, 20));
    let mode = Arc::new(Mutex::new(Mode::Ok));
    let self_refused = Arc::new(Mutex::new(false));
    let (m, refused_self, leaked_c, admin_c) = (
        Arc::clone(&mode),
        Arc::clone(&self_refused),
        leaked.clone(),
        admin.clone(),
    );
    let emulator = Emulator::start(move |req| {
        let token = req.header("private-token").unwrap_or("").to_string();
        let q = query(req);
        match (req.method.as_str(), req.path()) {
            ("GET", "/gl/api/v4/personal_access_tokens/self") => {
                if token != leaked_c || *refused_self.lock().unwrap() {
                    return Reply::new(401, r#"{"message":"401 Unauthorized"}"#);
                }
                // The /self answer of older GitLab: no last_used_ips.
                Reply::new(
                    200,
                    r#"{"id":77,"name":"deploy","user_id":12,"last_used_at":"2024-03-03T12:00:00Z"}"#,
                )
            }
            ("POST", "/gl/api/v4/admin/token") => {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                if token != admin_c || body["token"] != leaked_c.as_str() {
                    return Reply::new(403, r#"{"message":"403 Forbidden"}"#);
                }
                Reply::new(200, r#"{"id":77,"name":"deploy","user_id":12,"revoked":true}"#)
            }
            ("GET", "/gl/api/v4/personal_access_tokens/77") => {
                if token != admin_c {
                    return Reply::new(401, "{}");
                }
                match *m.lock().unwrap() {
                    Mode::Forbidden => Reply::new(403, r#"{"message":"403 Forbidden"}"#),
                    Mode::Limited => limited(),
                    Mode::Ok => Reply::new(
                        200,
                        r#"{"id":77,"name":"deploy","user_id":12,"last_used_at":"2024-03-03T12:00:00Z","last_used_ips":["198.51.100.9","203.0.113.5"]}"#,
                    ),
                }
            }
            ("GET", "/gl/api/v4/groups/acme%2Fplatform/audit_events") => {
                // A group owner's view (GitLab.com has no instance audit
                // events for customers).
                if token != admin_c {
                    return Reply::new(401, "{}");
                }
                assert!(q.contains(&format!("created_after={INTRODUCED}")), "{q}");
                Reply::new(
                    200,
                    r#"[{"id":9,"author_id":12,"entity_id":5,"entity_type":"Group","created_at":"2024-03-04T08:00:00Z","details":{"custom_message":"Read the group's registry","target_id":77,"target_type":"PersonalAccessToken","ip_address":"198.51.100.77"}}]"#,
                )
            }
            ("GET", "/gl/api/v4/audit_events") => {
                if token != admin_c {
                    return Reply::new(401, "{}");
                }
                match *m.lock().unwrap() {
                    Mode::Forbidden => return Reply::new(403, r#"{"message":"403 Forbidden"}"#),
                    Mode::Limited => return limited(),
                    Mode::Ok => {}
                }
                assert!(q.contains("entity_type=User&entity_id=12"), "{q}");
                assert!(q.contains(&format!("created_after={INTRODUCED}")), "{q}");
                assert!(q.contains(&format!("created_before={REVOKED}")), "{q}");
                if q.contains("page=2") {
                    return Reply::new(
                        200,
                        r#"[{"id":3,"author_id":12,"entity_id":12,"entity_type":"User","created_at":"2024-03-05T08:00:00Z","details":{"custom_message":"API read with the token","target_id":77,"target_type":"PersonalAccessToken","ip_address":"192.0.2.50"}}]"#,
                    );
                }
                Reply::new(
                    200,
                    r#"[{"id":1,"author_id":12,"entity_id":12,"entity_type":"User","created_at":"2024-03-02T08:00:00Z","details":{"custom_message":"Cloned a repository","target_id":"77","target_type":"PersonalAccessToken","ip_address":"203.0.113.10"}},
                        {"id":2,"author_id":12,"entity_id":12,"entity_type":"User","created_at":"2024-03-02T09:00:00Z","details":{"custom_message":"another token","target_id":78,"target_type":"PersonalAccessToken","ip_address":"192.0.2.1"}}]"#,
                )
                .header(
                    "link",
                    &format!("<https://gitlab.example.test/api/v4/audit_events?{}&page=2>; rel=\"next\"", req.target.split_once('?').map_or("", |(_, q)| q)),
                )
            }
            _ => Reply::new(404, "{}"),
        }
    });
    let case = Case {
        rule: "gitlab-pat",
        secret: leaked.clone(),
        identity: serde_json::json!({}),
        companions: serde_json::json!({}),
        hosts: vec![("gitlab.example.test", "gl")],
        env: vec![("KEYHOUND_GITLAB_AUDIT_TOKEN", admin.clone())],
        args: vec!["--gitlab-url".into(), "https://gitlab.example.test".into()],
    };
    let (usage, text, _) = expose(&case, &emulator);
    assert_eq!(usage["source"], "GitLab (https://gitlab.example.test)", "{usage}");
    assert_eq!(usage["owner"], "token 77 (deploy) of user 12");
    assert_eq!(
        usage["last_used"], "2024-03-03T12:00:00Z from 198.51.100.9, 203.0.113.5",
        "the administrator's view carries the addresses"
    );
    let got = actions(&usage);
    assert_eq!(
        got.len(),
        4,
        "two recent addresses and two events of this token, over two pages: {usage}"
    );
    assert!(
        got.contains(&("Cloned a repository".into(), "203.0.113.10".into(), true)),
        "{got:?}"
    );
    assert!(
        got.contains(&("API read with the token".into(), "192.0.2.50".into(), false)),
        "{got:?}"
    );
    assert!(
        got.contains(&("recent use (last_used_ips)".into(), "198.51.100.9".into(), false)),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|(a, _, _)| a == "another token"),
        "another token's event: {got:?}"
    );
    assert_eq!(usage["unknown_uses"], 2);
    assert!(usage.get("incomplete").is_none(), "{usage}");
    assert!(!text.contains("gitlab.com"), "only the user's instance is named");

    // GitLab.com (the default instance) and a group owner's audit events.
    let group_case = Case {
        hosts: vec![("gitlab.com", "gl")],
        args: vec!["--gitlab-group".into(), "acme/platform".into()],
        env: case.env.clone(),
        secret: case.secret.clone(),
        identity: serde_json::json!({}),
        companions: serde_json::json!({}),
        ..case
    };
    let (usage, _, _) = expose(&group_case, &emulator);
    assert_eq!(usage["source"], "GitLab (https://gitlab.com)", "{usage}");
    let got = actions(&usage);
    assert_eq!(got.len(), 3, "two recent addresses and the group's event: {usage}");
    assert!(
        got.contains(&("Read the group's registry".into(), "198.51.100.77".into(), false)),
        "{got:?}"
    );

    // A revoked token no longer introspects: the administrator identifies it.
    *self_refused.lock().unwrap() = true;
    let (usage, _, _) = expose(&case, &emulator);
    assert_eq!(usage["owner"], "token 77 (deploy) of user 12", "{usage}");
    assert_eq!(usage["uses"].as_array().unwrap().len(), 4, "{usage}");

    *mode.lock().unwrap() = Mode::Forbidden;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 403 (insufficient permission", &log);
    *mode.lock().unwrap() = Mode::Limited;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 429 (rate limited", &log);
}

#[test]
fn slack_access_logs_of_the_tokens_user_are_read_with_the_admins_token_over_the_window() {
    let mut rng = Rng::new(32);
    let leaked = format!(
        "xoxb-{}-{}-{}",
        rng.string("0123456789", 12),
        rng.string("0123456789", 13),
        rng.string(BASE62, 24)
    );
    let admin = format!(
        "xoxp-{}-{}-{}",
        rng.string("0123456789", 12),
        rng.string("0123456789", 13),
        rng.string(BASE62, 32)
    );
    let mode = Arc::new(Mutex::new(Mode::Ok));
    let (m, leaked_c, admin_c) = (Arc::clone(&mode), leaked.clone(), admin.clone());
    let emulator = Emulator::start(move |req| {
        let auth = req.header("authorization").unwrap_or("").to_string();
        let q = query(req);
        match req.path() {
            "/slack/api/auth.test" => {
                if auth != format!("Bearer {leaked_c}") {
                    return Reply::new(200, r#"{"ok":false,"error":"invalid_auth"}"#);
                }
                Reply::new(
                    200,
                    r#"{"ok":true,"user_id":"U0LEAK","user":"deploy-bot","team_id":"T0TEAM","team":"acme"}"#,
                )
            }
            "/slack/api/team.accessLogs" => {
                if auth != format!("Bearer {admin_c}") {
                    return Reply::new(200, r#"{"ok":false,"error":"not_authed"}"#);
                }
                match *m.lock().unwrap() {
                    Mode::Forbidden => {
                        return Reply::new(200, r#"{"ok":false,"error":"missing_scope","needed":"admin"}"#)
                    }
                    Mode::Limited => return limited(),
                    Mode::Ok => {}
                }
                assert!(q.contains(&format!("before={REVOKED_UNIX}")), "{q}");
                assert!(q.contains("team_id=T0TEAM"), "{q}");
                let login = |user: &str, ip: &str, first: i64, last: i64, count: u64| {
                    serde_json::json!({"user_id": user, "username": "x", "date_first": first, "date_last": last,
                                       "count": count, "ip": ip, "user_agent": "Slack-Bot/1.0", "isp": "", "country": "", "region": ""})
                };
                let doc = if q.contains("cursor=c2") {
                    serde_json::json!({"ok": true, "logins": [
                        login("U0LEAK", "192.0.2.99", 1_700_000_000, 1_700_001_000, 3),
                        login("U0LEAK", "192.0.2.77", INTRODUCED_UNIX + 7200, INTRODUCED_UNIX + 9000, 1),
                    ], "response_metadata": {"next_cursor": ""}})
                } else {
                    serde_json::json!({"ok": true, "logins": [
                        login("U0LEAK", "198.51.100.30", INTRODUCED_UNIX + 3600, INTRODUCED_UNIX + 86_400, 5),
                        login("U0OTHER", "192.0.2.5", INTRODUCED_UNIX + 3600, INTRODUCED_UNIX + 3700, 1),
                        login("U0LEAK", "203.0.113.7", INTRODUCED_UNIX - 86_400, INTRODUCED_UNIX + 100, 2),
                    ], "response_metadata": {"next_cursor": "c2"}})
                };
                Reply::new(200, &doc.to_string())
            }
            _ => Reply::new(404, "{}"),
        }
    });
    let case = Case {
        rule: "slack-bot-token",
        secret: leaked.clone(),
        identity: serde_json::json!({}),
        companions: serde_json::json!({}),
        hosts: vec![("slack.com", "slack")],
        env: vec![("KEYHOUND_SLACK_AUDIT_TOKEN", admin.clone())],
        args: vec![],
    };
    let (usage, text, _) = expose(&case, &emulator);
    assert_eq!(usage["owner"], "user U0LEAK (deploy-bot) of team T0TEAM", "{usage}");
    let got = actions(&usage);
    assert_eq!(
        got.len(),
        3,
        "the user's accesses inside the window, over two pages: {usage}"
    );
    assert!(
        got.iter().all(|(_, ip, _)| ip != "192.0.2.99"),
        "before the window: {got:?}"
    );
    assert!(got.iter().all(|(_, ip, _)| ip != "192.0.2.5"), "another user: {got:?}");
    assert_eq!(usage["unknown_uses"], 2);
    let first = usage["uses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["source_ip"] == "198.51.100.30")
        .unwrap();
    assert_eq!(first["count"], 5);
    assert_eq!(first["user_agent"], "Slack-Bot/1.0");
    assert!(text.contains("198.51.100.30"), "{text}");

    *mode.lock().unwrap() = Mode::Forbidden;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "missing_scope (insufficient permission", &log);
    *mode.lock().unwrap() = Mode::Limited;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 429 (rate limited", &log);
}

#[test]
fn openai_keys_are_found_by_their_redacted_form_and_their_usage_read_by_api_key_id() {
    let mut rng = Rng::new(33);
    let leaked = format!("sk-proj-{}", rng.string(BASE62, 120));
    let admin = format!("sk-admin-{}", rng.string(BASE62, 60));
    let shown = format!("{}...{}", &leaked[..11], &leaked[leaked.len() - 4..]);
    let mode = Arc::new(Mutex::new(Mode::Ok));
    let (m, admin_c) = (Arc::clone(&mode), admin.clone());
    let emulator = Emulator::start(move |req| {
        if req.header("authorization") != Some(&format!("Bearer {admin_c}")) {
            return Reply::new(401, r#"{"error":{"type":"invalid_request_error"}}"#);
        }
        let q = query(req);
        match req.path() {
            "/oai/v1/organization/projects" => {
                if *m.lock().unwrap() == Mode::Forbidden {
                    return Reply::new(403, r#"{"error":{"type":"permission_error","message":"no"}}"#);
                }
                Reply::new(
                    200,
                    r#"{"object":"list","data":[{"id":"proj_1","name":"prod"}],"has_more":false}"#,
                )
            }
            "/oai/v1/organization/projects/proj_1/api_keys" => Reply::new(
                200,
                &serde_json::json!({"object": "list", "has_more": false, "data": [
                    {"id": "key_abc", "name": "deploy", "redacted_value": shown, "last_used_at": 1_709_900_000},
                    {"id": "key_other", "name": "other", "redacted_value": "sk-proj-ZZZ...zzzz"},
                ]})
                .to_string(),
            ),
            "/oai/v1/organization/usage/completions" => {
                if *m.lock().unwrap() == Mode::Limited {
                    return limited();
                }
                assert!(
                    q.contains("api_key_ids=key_abc") && q.contains("group_by=api_key_id"),
                    "{q}"
                );
                assert!(
                    q.contains(&format!("start_time={INTRODUCED_UNIX}&end_time={REVOKED_UNIX}")),
                    "{q}"
                );
                let bucket = |day: i64, key: &str, n: u64| {
                    serde_json::json!({"object": "bucket", "start_time": day, "end_time": day + 86_400, "results": [
                        {"object": "organization.usage.completions.result", "api_key_id": key,
                         "num_model_requests": n, "input_tokens": n * 100, "output_tokens": n * 10}]})
                };
                let doc = if q.contains("page=p2") {
                    serde_json::json!({"object": "page", "data": [bucket(1_709_510_400, "key_abc", 2)], "has_more": false, "next_page": null})
                } else {
                    serde_json::json!({"object": "page", "data": [
                        bucket(1_709_337_600, "key_abc", 4),
                        bucket(1_709_424_000, "key_abc", 0),
                        bucket(1_709_424_000, "key_other", 9),
                    ], "has_more": true, "next_page": "p2"})
                };
                Reply::new(200, &doc.to_string())
            }
            _ => Reply::new(404, "{}"),
        }
    });
    let case = Case {
        rule: "openai-project-key",
        secret: leaked.clone(),
        identity: serde_json::json!({}),
        companions: serde_json::json!({}),
        hosts: vec![("api.openai.com", "oai")],
        env: vec![("OPENAI_ADMIN_KEY", admin.clone())],
        args: vec![],
    };
    let (usage, _, _) = expose(&case, &emulator);
    assert_eq!(usage["owner"], "API key key_abc of project proj_1", "{usage}");
    assert_eq!(usage["last_used"], "2024-03-08T12:13:20Z");
    let uses = usage["uses"].as_array().unwrap();
    assert_eq!(uses.len(), 2, "days with requests of this key, over two pages: {usage}");
    assert_eq!(uses[0]["count"], 4);
    assert_eq!(uses[0]["action"], "4 request(s), 400 input / 40 output tokens");
    assert_eq!(uses[1]["count"], 2);
    assert!(uses.iter().all(|u| u["source_ip"].is_null()));
    assert!(usage["notes"].to_string().contains("carry no addresses"), "{usage}");

    *mode.lock().unwrap() = Mode::Forbidden;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "permission_error: HTTP 403 (insufficient permission", &log);
    *mode.lock().unwrap() = Mode::Limited;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 429 (rate limited", &log);
}

#[test]
fn anthropic_keys_are_found_by_their_hint_and_their_usage_read_by_api_key_id() {
    let mut rng = Rng::new(34);
    let leaked = format!("sk-ant-api03-{}AA", rng.string(BASE62, 93));
    let admin = format!("sk-ant-admin01-{}AA", rng.string(BASE62, 93));
    let hint = format!("{}...{}", &leaked[..16], &leaked[leaked.len() - 4..]);
    let mode = Arc::new(Mutex::new(Mode::Ok));
    let (m, admin_c) = (Arc::clone(&mode), admin.clone());
    let emulator = Emulator::start(move |req| {
        if req.header("x-api-key") != Some(admin_c.as_str()) || req.header("anthropic-version").is_none() {
            return Reply::new(401, r#"{"type":"error","error":{"type":"authentication_error"}}"#);
        }
        let q = query(req);
        match req.path() {
            "/ant/v1/organizations/api_keys" => Reply::new(
                200,
                &serde_json::json!({"has_more": false, "data": [
                    {"id": "apikey_01", "name": "deploy", "partial_key_hint": hint, "status": "active", "workspace_id": "wrkspc_1"},
                ]})
                .to_string(),
            ),
            "/ant/v1/organizations/usage_report/messages" => {
                match *m.lock().unwrap() {
                    Mode::Forbidden => return Reply::new(403, r#"{"type":"error","error":{"type":"permission_error"}}"#),
                    Mode::Limited => return limited(),
                    Mode::Ok => {}
                }
                assert!(q.contains("api_key_ids[]=apikey_01") && q.contains("group_by[]=api_key_id"), "{q}");
                assert!(q.contains(&format!("starting_at={INTRODUCED}&ending_at={REVOKED}")), "{q}");
                let bucket = |day: &str, key: &str, out: u64| {
                    serde_json::json!({"starting_at": format!("{day}T00:00:00Z"), "ending_at": format!("{day}T23:59:59Z"), "results": [
                        {"api_key_id": key, "uncached_input_tokens": out * 3, "cache_read_input_tokens": 0, "output_tokens": out}]})
                };
                let doc = if q.contains("page=n2") {
                    serde_json::json!({"data": [bucket("2024-03-06", "apikey_01", 7)], "has_more": false, "next_page": null})
                } else {
                    serde_json::json!({"data": [bucket("2024-03-02", "apikey_01", 10), bucket("2024-03-03", "apikey_02", 50), bucket("2024-03-04", "apikey_01", 0)],
                                       "has_more": true, "next_page": "n2"})
                };
                Reply::new(200, &doc.to_string())
            }
            _ => Reply::new(404, "{}"),
        }
    });
    let case = Case {
        rule: "anthropic-api-key",
        secret: leaked.clone(),
        identity: serde_json::json!({}),
        companions: serde_json::json!({}),
        hosts: vec![("api.anthropic.com", "ant")],
        env: vec![("ANTHROPIC_ADMIN_KEY", admin.clone())],
        args: vec![],
    };
    let (usage, _, _) = expose(&case, &emulator);
    assert_eq!(usage["owner"], "API key apikey_01 of workspace wrkspc_1", "{usage}");
    let got = actions(&usage);
    assert_eq!(
        got.iter().map(|(a, _, _)| a.as_str()).collect::<Vec<_>>(),
        ["30 input / 10 output tokens", "21 input / 7 output tokens"],
        "{usage}"
    );
    assert_eq!(usage["unknown_uses"], 2, "no addresses: not known to be yours");

    *mode.lock().unwrap() = Mode::Forbidden;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 403 (insufficient permission", &log);
    *mode.lock().unwrap() = Mode::Limited;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 429 (rate limited", &log);
}

#[test]
fn gcp_keys_are_looked_up_in_cloud_logging_by_service_account_and_key_id() {
    let mut rng = Rng::new(35);
    let leaked = format!(
        "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
        rng.string(BASE62, 200)
    );
    let user_token = format!("ya29.{}", rng.string(BASE62, 80));
    let key_id = "b3316193a21d03f856829686011118d84fb731ba";
    let mode = Arc::new(Mutex::new(Mode::Ok));
    let (m, token_c) = (Arc::clone(&mode), user_token.clone());
    let emulator = Emulator::start(move |req| {
        if req.header("authorization") != Some(&format!("Bearer {token_c}")) {
            return Reply::new(401, r#"{"error":{"status":"UNAUTHENTICATED"}}"#);
        }
        match *m.lock().unwrap() {
            Mode::Forbidden => return Reply::new(403, r#"{"error":{"code":403,"status":"PERMISSION_DENIED"}}"#),
            Mode::Limited => return limited(),
            Mode::Ok => {}
        }
        assert_eq!((req.method.as_str(), req.path()), ("POST", "/gcp/v2/entries:list"));
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(body["resourceNames"], serde_json::json!(["projects/kh-demo-qqfl8i"]));
        let filter = body["filter"].as_str().unwrap();
        assert!(
            filter.contains("principalEmail=\"deployer@kh-demo-qqfl8i.iam.gserviceaccount.com\""),
            "{filter}"
        );
        assert!(
            filter.contains(&format!("serviceAccountKeyName:\"{key_id}\"")),
            "{filter}"
        );
        assert!(
            filter.contains(&format!("timestamp>=\"{INTRODUCED}\" AND timestamp<=\"{REVOKED}\"")),
            "{filter}"
        );
        let entry = |time: &str, method: &str, ip: &str, agent: &str| {
            serde_json::json!({"timestamp": time, "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "serviceName": "storage.googleapis.com", "methodName": method,
                "authenticationInfo": {"principalEmail": "deployer@kh-demo-qqfl8i.iam.gserviceaccount.com",
                    "serviceAccountKeyName": format!("//iam.googleapis.com/projects/kh-demo-qqfl8i/serviceAccounts/deployer@kh-demo-qqfl8i.iam.gserviceaccount.com/keys/{key_id}")},
                "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": agent}}})
        };
        let doc = if body["pageToken"] == "t2" {
            serde_json::json!({"entries": [entry("2024-03-06T01:00:00Z", "storage.objects.get", "192.0.2.8", "python-requests/2.31")]})
        } else {
            serde_json::json!({"entries": [
                entry("2024-03-02T01:00:00Z", "storage.buckets.list", "203.0.113.9", "gcloud/460"),
                entry("2024-03-03T01:00:00Z", "storage.objects.list", "198.51.100.40", "curl/8.5"),
            ], "nextPageToken": "t2"})
        };
        Reply::new(200, &doc.to_string())
    });
    let case = Case {
        rule: "gcp-service-account-key",
        secret: leaked.clone(),
        identity: serde_json::json!({"principal": "deployer@kh-demo-qqfl8i.iam.gserviceaccount.com", "project": "kh-demo-qqfl8i"}),
        companions: serde_json::json!({"private_key_id": key_id}),
        hosts: vec![("logging.googleapis.com", "gcp")],
        env: vec![("KEYHOUND_GCP_ACCESS_TOKEN", user_token.clone())],
        args: vec![],
    };
    let (usage, _, _) = expose(&case, &emulator);
    assert_eq!(
        usage["owner"],
        format!("deployer@kh-demo-qqfl8i.iam.gserviceaccount.com (key {key_id}) in project kh-demo-qqfl8i"),
        "{usage}"
    );
    let got = actions(&usage);
    assert_eq!(
        got,
        [
            (
                "storage.googleapis.com:storage.buckets.list".to_string(),
                "203.0.113.9".to_string(),
                true
            ),
            (
                "storage.googleapis.com:storage.objects.list".to_string(),
                "198.51.100.40".to_string(),
                false
            ),
            (
                "storage.googleapis.com:storage.objects.get".to_string(),
                "192.0.2.8".to_string(),
                false
            ),
        ],
        "both pages, oldest first"
    );
    assert_eq!(usage["uses"][1]["user_agent"], "curl/8.5");
    assert_eq!(usage["last_used"], "2024-03-06T01:00:00Z");

    *mode.lock().unwrap() = Mode::Forbidden;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 403 (insufficient permission", &log);
    *mode.lock().unwrap() = Mode::Limited;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 429 (rate limited", &log);

    // Without the service account's name nothing is searched, and it says so.
    let unnamed = Case {
        identity: serde_json::json!({}),
        companions: serde_json::json!({}),
        ..case
    };
    *mode.lock().unwrap() = Mode::Ok;
    let (usage, _, _) = expose(&unnamed, &emulator);
    assert_eq!(usage["incomplete"], true, "{usage}");
    assert!(
        usage["notes"].to_string().contains("does not name the service account"),
        "{usage}"
    );
}

#[test]
fn azure_client_secrets_are_looked_up_in_the_subscriptions_activity_log_by_application() {
    let mut rng = Rng::new(36);
    let leaked = format!("{}8Q~{}", rng.string(BASE62, 3), rng.string(BASE62, 34));
    let arm = format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}", rng.string(BASE62, 60));
    let app = "5b0e1c52-7f3a-4c1e-9d2b-0a6f4e8c1d23";
    let subscription = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    let mode = Arc::new(Mutex::new(Mode::Ok));
    let (m, arm_c) = (Arc::clone(&mode), arm.clone());
    let emulator = Emulator::start(move |req| {
        if req.header("authorization") != Some(&format!("Bearer {arm_c}")) {
            return Reply::new(401, r#"{"error":{"code":"InvalidAuthenticationToken"}}"#);
        }
        match *m.lock().unwrap() {
            Mode::Forbidden => return Reply::new(403, r#"{"error":{"code":"AuthorizationFailed"}}"#),
            Mode::Limited => return limited(),
            Mode::Ok => {}
        }
        let q = query(req);
        assert_eq!(
            req.path(),
            format!("/az/subscriptions/{subscription}/providers/Microsoft.Insights/eventtypes/management/values")
        );
        assert!(q.contains("api-version=2015-04-01"), "{q}");
        // The first page asks for the window; the next link carries its
        // own continuation.
        assert!(
            q.contains("$skiptoken=2")
                || q.contains(&format!(
                    "$filter=eventTimestamp ge '{INTRODUCED}' and eventTimestamp le '{REVOKED}'"
                )),
            "{q}"
        );
        let event = |time: &str, caller: &str, appid: &str, ip: &str, op: &str| {
            serde_json::json!({"eventTimestamp": time, "caller": caller, "claims": {"appid": appid, "ipaddr": ip},
                "operationName": {"value": op, "localizedValue": op}, "status": {"value": "Succeeded"},
                "httpRequest": {"clientIpAddress": ip, "method": "POST"}})
        };
        let doc = if q.contains("$skiptoken=2") {
            serde_json::json!({"value": [event("2024-03-07T10:00:00Z", app, app, "192.0.2.61", "Microsoft.Compute/virtualMachines/write")]})
        } else {
            serde_json::json!({"value": [
                event("2024-03-02T10:00:00Z", app, app, "198.51.100.60", "Microsoft.Storage/storageAccounts/listKeys/action"),
                event("2024-03-02T11:00:00Z", "someone@example.com", "04b07795-8ddb-461a-bbee-02f9e1bf7b46", "192.0.2.2", "Microsoft.Resources/deployments/write"),
                event("2024-03-03T10:00:00Z", "9f1d2c3b-0000-4000-8000-000000000000", app, "203.0.113.20", "Microsoft.KeyVault/vaults/read"),
            ], "nextLink": format!("https://management.azure.com/subscriptions/{subscription}/providers/Microsoft.Insights/eventtypes/management/values?api-version=2015-04-01&$skiptoken=2")})
        };
        Reply::new(200, &doc.to_string())
    });
    let case = Case {
        rule: "azure-entra-client-secret",
        secret: leaked.clone(),
        identity: serde_json::json!({"client_id": app, "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47"}),
        companions: serde_json::json!({}),
        hosts: vec![("management.azure.com", "az")],
        env: vec![("KEYHOUND_AZURE_ARM_TOKEN", arm.clone())],
        args: vec!["--azure-subscription".into(), subscription.into()],
    };
    let (usage, _, _) = expose(&case, &emulator);
    assert_eq!(usage["owner"], format!("application {app}"), "{usage}");
    let got = actions(&usage);
    assert_eq!(
        got,
        [
            (
                "Microsoft.Storage/storageAccounts/listKeys/action (Succeeded)".to_string(),
                "198.51.100.60".to_string(),
                false
            ),
            (
                "Microsoft.KeyVault/vaults/read (Succeeded)".to_string(),
                "203.0.113.20".to_string(),
                true
            ),
            (
                "Microsoft.Compute/virtualMachines/write (Succeeded)".to_string(),
                "192.0.2.61".to_string(),
                false
            ),
        ],
        "the application's events on both pages, not another caller's"
    );
    assert!(usage["notes"].to_string().contains("control-plane"), "{usage}");

    *mode.lock().unwrap() = Mode::Forbidden;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 403 (insufficient permission", &log);
    *mode.lock().unwrap() = Mode::Limited;
    let (usage, _, log) = expose(&case, &emulator);
    assert_unanswered(&usage, "HTTP 429 (rate limited", &log);
}
