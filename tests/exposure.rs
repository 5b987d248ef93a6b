//! The whole life of a leak, end to end on a real git repository and
//! loopback emulators of the providers' documented APIs: a history scan
//! with `--show-secrets` → revocation plan → `revoke --execute` → re-verify
//! → `keyhound exposure` (AWS IAM GetAccessKeyLastUsed and CloudTrail
//! LookupEvents paged by NextToken; GitHub's organisation audit log
//! searched by hashed_token and paged by Link) → the audit log, which must
//! hold every step and never a secret.

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
