//! `keyhound revoke` for OpenAI and Anthropic keys through the
//! organisation's Admin API (`kind = "openai-admin"`, `"anthropic-admin"`):
//! a loopback emulator plays both Admin APIs as documented (paginated key
//! listings with redacted forms, OpenAI's DELETE, Anthropic's POST
//! `{"status":"inactive"}`) and the keys' own verifiers, so the tests check
//! what was sent, where, with which credential, what keyhound reports, and
//! that neither the leaked keys nor the admin keys reach the output or the
//! audit log. No test touches the internet.

mod common;

use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};

use common::emulator::{Emulator, Recorded, Reply};
use common::*;

const TOKEN: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";

/// The keys of one test: two leaked (in `app/.env`), two admin keys the
/// user holds (only ever in the environment).
struct Keys {
    openai: String,
    anthropic: String,
    openai_admin: String,
    anthropic_admin: String,
}

fn keys(seed: u64) -> Keys {
    let mut rng = Rng::new(seed);
    Keys {
        openai: format!("sk-proj-{}", rng.string(BASE62, 120)),
        anthropic: format!("sk-ant-api03-{}AA", rng.string(TOKEN, 93)),
        openai_admin: format!("sk-admin-{}", rng.string(BASE62, 80)),
        anthropic_admin: format!("sk-ant-admin01-{}AA", rng.string(TOKEN, 93)),
    }
}

/// OpenAI's redacted form (`sk-proj-ab...wxyz`) and Anthropic's partial
/// hint (`sk-ant-api03-R2D...igAA`) of a key.
fn redacted(key: &str, start: usize) -> String {
    format!("{}...{}", &key[..start], &key[key.len() - 4..])
}

/// How the emulated organisation behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Org {
    /// Every call allowed; the leaked keys are listed once.
    Normal,
    /// Another key shares each leaked key's redacted form.
    Twins,
    /// The admin keys may list nothing (OpenAI) or not write (Anthropic).
    Forbidden,
}

/// The emulator: both Admin APIs (the admin key required on every call)
/// and both inference verifiers; revoked keys stop working.
fn providers(k: &Keys, org: Org) -> (Emulator, Arc<Mutex<Vec<String>>>) {
    let dead: Arc<Mutex<Vec<String>>> = Arc::default();
    let state = Arc::clone(&dead);
    let (openai, anthropic) = (k.openai.clone(), k.anthropic.clone());
    let (openai_admin, anthropic_admin) = (k.openai_admin.clone(), k.anthropic_admin.clone());
    let emulator = Emulator::start(move |req: &Recorded| {
        let is_dead = |key: &str| state.lock().unwrap().iter().any(|d| d == key);
        let bearer = req.header("authorization").unwrap_or("").trim_start_matches("Bearer ");
        let x_api_key = req.header("x-api-key").unwrap_or("");
        let query = req.target.split_once('?').map_or("", |(_, q)| q);
        let forbidden = r#"{"error":{"message":"You have insufficient permissions for this operation.","type":"invalid_request_error","code":"insufficient_permissions"}}"#;
        match (req.method.as_str(), req.path()) {
            // The leaked keys' own verifiers.
            ("GET", "/openai/v1/models") if bearer == openai && !is_dead(&openai) => {
                Reply::new(200, r#"{"object":"list","data":[{"id":"gpt-4o"}]}"#)
            }
            ("GET", "/openai/v1/models") => Reply::new(401, r#"{"error":{"code":"invalid_api_key"}}"#),
            ("GET", "/anthropic/v1/models") if x_api_key == anthropic && !is_dead(&anthropic) => {
                Reply::new(200, r#"{"data":[{"id":"claude-sonnet-4"}],"has_more":false}"#)
            }
            ("GET", "/anthropic/v1/models") => {
                Reply::new(401, r#"{"type":"error","error":{"type":"authentication_error"}}"#)
            }
            // OpenAI Admin API.
            (_, p) if p.starts_with("/openai/v1/organization/") && bearer != openai_admin => {
                Reply::new(401, r#"{"error":{"code":"invalid_api_key"}}"#)
            }
            ("GET", "/openai/v1/organization/projects") if org == Org::Forbidden => Reply::new(403, forbidden),
            ("GET", "/openai/v1/organization/projects") => Reply::new(
                200,
                r#"{"object":"list","data":[{"id":"proj_web","name":"Web"},{"id":"proj_ml","name":"ML"}],"first_id":"proj_web","last_id":"proj_ml","has_more":false}"#,
            ),
            ("GET", "/openai/v1/organization/projects/proj_web/api_keys") => {
                let twin = if org == Org::Twins {
                    format!(
                        r#",{{"object":"organization.project.api_key","id":"key_twin","name":"twin","redacted_value":"{}"}}"#,
                        redacted(&openai, 10)
                    )
                } else {
                    String::new()
                };
                Reply::new(
                    200,
                    &format!(
                        r#"{{"object":"list","data":[{{"object":"organization.project.api_key","id":"key_web","name":"web","redacted_value":"sk-proj-Zz...0000"}}{twin}],"first_id":"key_web","last_id":"key_web","has_more":false}}"#
                    ),
                )
            }
            // The ML project's keys come in two pages; the leaked key is on the second.
            ("GET", "/openai/v1/organization/projects/proj_ml/api_keys") if !query.contains("after=") => Reply::new(
                200,
                r#"{"object":"list","data":[{"object":"organization.project.api_key","id":"key_a","name":"a","redacted_value":"sk-proj-Qq...1111"},{"object":"organization.project.api_key","id":"key_b","name":"b","redacted_value":"sk-svcacct-Rr...2222"}],"first_id":"key_a","last_id":"key_b","has_more":true}"#,
            ),
            ("GET", "/openai/v1/organization/projects/proj_ml/api_keys") if query.contains("after=key_b") => {
                Reply::new(
                    200,
                    &format!(
                        r#"{{"object":"list","data":[{{"object":"organization.project.api_key","id":"key_leak","name":"notebook","redacted_value":"{}","owner":{{"type":"user"}}}}],"first_id":"key_leak","last_id":"key_leak","has_more":false}}"#,
                        redacted(&openai, 10)
                    ),
                )
            }
            ("DELETE", "/openai/v1/organization/projects/proj_ml/api_keys/key_leak") => {
                state.lock().unwrap().push(openai.clone());
                Reply::new(
                    200,
                    r#"{"object":"organization.project.api_key.deleted","id":"key_leak","deleted":true}"#,
                )
            }
            // Anthropic Admin API.
            (_, p) if p.starts_with("/anthropic/v1/organizations/") && x_api_key != anthropic_admin => {
                Reply::new(401, r#"{"type":"error","error":{"type":"authentication_error"}}"#)
            }
            (_, p) if p.starts_with("/anthropic/") && req.header("anthropic-version") != Some("2023-06-01") => {
                Reply::new(400, r#"{"type":"error","error":{"type":"invalid_request_error"}}"#)
            }
            ("GET", "/anthropic/v1/organizations/api_keys") if !query.contains("after_id=") => {
                let twin = if org == Org::Twins {
                    format!(
                        r#",{{"id":"apikey_twin","type":"api_key","name":"twin","partial_key_hint":"{}","status":"active"}}"#,
                        redacted(&anthropic, 16)
                    )
                } else {
                    String::new()
                };
                Reply::new(
                    200,
                    &format!(
                        r#"{{"data":[{{"id":"apikey_01","type":"api_key","name":"ci","partial_key_hint":"sk-ant-api03-Abc...xyAA","status":"active"}}{twin}],"first_id":"apikey_01","last_id":"apikey_01","has_more":true}}"#
                    ),
                )
            }
            ("GET", "/anthropic/v1/organizations/api_keys") if query.contains("after_id=apikey_01") => Reply::new(
                200,
                &format!(
                    r#"{{"data":[{{"id":"apikey_leak","type":"api_key","name":"laptop","partial_key_hint":"{}","status":"active","workspace_id":"wrkspc_01"}}],"first_id":"apikey_leak","last_id":"apikey_leak","has_more":false}}"#,
                    redacted(&anthropic, 16)
                ),
            ),
            ("POST", "/anthropic/v1/organizations/api_keys/apikey_leak") if org == Org::Forbidden => Reply::new(
                403,
                r#"{"type":"error","error":{"type":"permission_error","message":"This key lacks permission"}}"#,
            ),
            ("POST", "/anthropic/v1/organizations/api_keys/apikey_leak") => {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                if body != serde_json::json!({"status": "inactive"}) {
                    return Reply::new(400, r#"{"type":"error","error":{"type":"invalid_request_error"}}"#);
                }
                state.lock().unwrap().push(anthropic.clone());
                Reply::new(
                    200,
                    r#"{"id":"apikey_leak","type":"api_key","name":"laptop","status":"inactive"}"#,
                )
            }
            _ => Reply::new(404, r#"{"error":{"type":"not_found_error"}}"#),
        }
    });
    (emulator, dead)
}

/// A tree with both leaked keys, scanned with `--show-secrets`.
fn scanned(k: &Keys) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/.env",
        format!("OPENAI_API_KEY={}\nANTHROPIC_API_KEY={}\n", k.openai, k.anthropic),
    );
    let out = run_in(
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
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    dir
}

/// `keyhound revoke --from findings.json` with the emulator's overrides and
/// the admin keys in the environment (`None`: unset).
fn revoke(dir: &std::path::Path, emulator: &Emulator, admins: Option<&Keys>, extra: &[&str]) -> Output {
    let mut cmd = keyhound();
    cmd.current_dir(dir)
        .env_remove("OPENAI_ADMIN_KEY")
        .env_remove("ANTHROPIC_ADMIN_KEY")
        .args(["revoke", "--from", "findings.json"])
        .args(["--verify-override", &format!("api.openai.com={}/openai", emulator.base)])
        .args([
            "--verify-override",
            &format!("api.anthropic.com={}/anthropic", emulator.base),
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(k) = admins {
        cmd.env("OPENAI_ADMIN_KEY", &k.openai_admin)
            .env("ANTHROPIC_ADMIN_KEY", &k.anthropic_admin);
    }
    cmd.output().expect("run keyhound")
}

fn events(dir: &std::path::Path) -> (String, Vec<serde_json::Value>) {
    let log = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    let events = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (log, events)
}

/// The audit-log field `name` of the `action` events for `provider`.
fn field(events: &[serde_json::Value], provider: &str, action: &str, name: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["provider"] == provider && e["action"] == action)
        .map(|e| e[name].as_str().unwrap_or("").to_string())
        .collect()
}

fn assert_nothing_leaks(k: &Keys, what: &str, text: &str) {
    for (name, secret) in [
        ("the leaked OpenAI key", &k.openai),
        ("the leaked Anthropic key", &k.anthropic),
        ("the OpenAI admin key", &k.openai_admin),
        ("the Anthropic admin key", &k.anthropic_admin),
    ] {
        assert!(!text.contains(secret.as_str()), "{what} holds {name}: {text}");
    }
}

fn writes(emulator: &Emulator) -> Vec<Recorded> {
    emulator.requests().into_iter().filter(|r| r.method != "GET").collect()
}

#[test]
fn keys_found_on_a_later_page_are_deleted_or_disabled_and_confirmed_dead() {
    let k = keys(14);
    let dir = scanned(&k);
    let (emulator, dead) = providers(&k, Org::Normal);

    // The plan (and --dry-run) names the calls, redacted, and sends nothing.
    let plan = revoke(dir.path(), &emulator, Some(&k), &["--dry-run"]);
    assert_eq!(code(&plan), 0, "{}", stderr(&plan));
    let text = stdout(&plan);
    assert!(
        text.contains("request: OpenAI Admin API: GET https://api.openai.com/v1/organization/projects")
            && text.contains("DELETE https://api.openai.com/v1/organization/projects/{project_id}/api_keys/{key_id}"),
        "{text}"
    );
    assert!(
        text.contains("request: Anthropic Admin API: GET https://api.anthropic.com/v1/organizations/api_keys")
            && text.contains(r#"POST https://api.anthropic.com/v1/organizations/api_keys/{id} {"status":"inactive"}"#),
        "{text}"
    );
    assert!(
        text.contains("needs an administrator credential in $OPENAI_ADMIN_KEY")
            && text.contains("needs an administrator credential in $ANTHROPIC_ADMIN_KEY"),
        "{text}"
    );
    assert_nothing_leaks(&k, "the plan", &format!("{text}{}", stderr(&plan)));
    assert!(emulator.requests().is_empty(), "a dry run sends nothing");

    let out = revoke(
        dir.path(),
        &emulator,
        Some(&k),
        &["--execute", "--yes", "--audit-log", "audit.jsonl"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert_eq!(err.matches("confirmed dead").count(), 2, "{err}");
    assert!(err.contains("deleted API key key_leak of project proj_ml"), "{err}");
    assert!(err.contains("set API key apikey_leak inactive"), "{err}");
    assert_nothing_leaks(&k, "the output", &format!("{}{err}", stdout(&out)));
    let mut got = dead.lock().unwrap().clone();
    got.sort();
    let mut want = vec![k.openai.clone(), k.anthropic.clone()];
    want.sort();
    assert_eq!(got, want);

    let requests = emulator.requests();
    // Pagination: the second pages were asked for with the documented cursors.
    assert!(requests
        .iter()
        .any(|r| r.path() == "/openai/v1/organization/projects/proj_ml/api_keys" && r.target.contains("after=key_b")));
    assert!(requests
        .iter()
        .any(|r| r.path() == "/anthropic/v1/organizations/api_keys" && r.target.contains("after_id=apikey_01")));
    // Exactly one write per provider, each the documented one.
    let writes = writes(&emulator);
    assert_eq!(writes.len(), 2, "{writes:?}");
    let delete = writes.iter().find(|r| r.method == "DELETE").expect("OpenAI DELETE");
    assert_eq!(
        delete.path(),
        "/openai/v1/organization/projects/proj_ml/api_keys/key_leak"
    );
    let post = writes.iter().find(|r| r.method == "POST").expect("Anthropic POST");
    assert_eq!(post.path(), "/anthropic/v1/organizations/api_keys/apikey_leak");
    assert_eq!(post.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(post.header("x-api-key"), Some(k.anthropic_admin.as_str()));
    // The admin keys go only to their own Admin API, and the leaked keys
    // never do (they are only re-verified, each at its own provider).
    for r in &requests {
        let text = r.text();
        if r.path().starts_with("/openai/v1/organization/") {
            assert_eq!(
                r.header("authorization"),
                Some(format!("Bearer {}", k.openai_admin).as_str())
            );
        }
        if r.path().starts_with("/anthropic/") {
            assert!(!text.contains(&k.openai_admin) && !text.contains(&k.openai), "{text}");
        }
        if r.path().starts_with("/openai/") {
            assert!(
                !text.contains(&k.anthropic_admin) && !text.contains(&k.anthropic),
                "{text}"
            );
        }
        if r.path().contains("/organization") {
            assert!(!text.contains(&k.openai) && !text.contains(&k.anthropic), "{text}");
        }
    }

    let (log, events) = events(dir.path());
    assert_nothing_leaks(&k, "the audit log", &log);
    for provider in ["OpenAI", "Anthropic"] {
        assert_eq!(field(&events, provider, "revoke", "outcome"), ["revoked"], "{log}");
        assert_eq!(field(&events, provider, "verify", "status"), ["invalid"], "{log}");
        assert_eq!(
            field(&events, provider, "result", "verdict"),
            ["confirmed dead"],
            "{log}"
        );
    }

    // --resume skips what the log records as done: nothing is sent again.
    let before = emulator.requests().len();
    let out = revoke(
        dir.path(),
        &emulator,
        Some(&k),
        &["--execute", "--yes", "--audit-log", "audit.jsonl", "--resume"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("2 secret(s) already revoked according to the audit log"),
        "{}",
        stderr(&out)
    );
    assert_eq!(emulator.requests().len(), before, "nothing repeated");
}

#[test]
fn an_ambiguous_redacted_form_revokes_nothing() {
    let k = keys(15);
    let dir = scanned(&k);
    let (emulator, dead) = providers(&k, Org::Twins);
    let out = revoke(
        dir.path(),
        &emulator,
        Some(&k),
        &["--execute", "--yes", "--audit-log", "audit.jsonl"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert_eq!(err.matches(": ambiguous").count(), 2, "{err}");
    assert!(err.contains("2 project API keys show the same redacted form"), "{err}");
    assert!(err.contains("2 API keys show the same redacted form"), "{err}");
    assert!(!err.contains("confirmed dead"), "{err}");
    assert_eq!(
        err.matches("STILL LIVE").count(),
        2,
        "re-verification still finds them live: {err}"
    );
    assert!(writes(&emulator).is_empty(), "no key deleted or disabled");
    assert!(dead.lock().unwrap().is_empty());
    let (log, events) = events(dir.path());
    assert_nothing_leaks(&k, "the audit log", &log);
    for provider in ["OpenAI", "Anthropic"] {
        assert_eq!(field(&events, provider, "revoke", "outcome"), ["ambiguous"], "{log}");
        assert_eq!(field(&events, provider, "result", "verdict"), ["STILL LIVE"], "{log}");
    }
}

#[test]
fn without_an_admin_key_nothing_goes_to_the_admin_api() {
    let k = keys(16);
    let dir = scanned(&k);
    let (emulator, dead) = providers(&k, Org::Normal);
    let out = revoke(
        dir.path(),
        &emulator,
        None,
        &["--execute", "--yes", "--audit-log", "audit.jsonl"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("needs the organisation's admin key in $OPENAI_ADMIN_KEY; nothing was sent to the admin API"),
        "{err}"
    );
    assert!(err.contains("admin key in $ANTHROPIC_ADMIN_KEY"), "{err}");
    assert!(!err.contains("confirmed dead"), "{err}");
    assert!(
        emulator.requests().iter().all(|r| !r.path().contains("/organization")),
        "no admin API call: {:?}",
        emulator.requests()
    );
    assert!(dead.lock().unwrap().is_empty());
    let (log, events) = events(dir.path());
    assert_nothing_leaks(&k, "the audit log", &log);
    for provider in ["OpenAI", "Anthropic"] {
        assert_eq!(field(&events, provider, "revoke", "outcome"), ["skipped"], "{log}");
    }
}

#[test]
fn an_admin_key_without_permission_is_reported_refused_never_done() {
    let k = keys(17);
    let dir = scanned(&k);
    let (emulator, dead) = providers(&k, Org::Forbidden);
    let out = revoke(
        dir.path(),
        &emulator,
        Some(&k),
        &["--execute", "--yes", "--audit-log", "audit.jsonl"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    // OpenAI refuses the listing, Anthropic the update.
    assert!(
        err.contains("refused (HTTP 403): GET /v1/organization/projects: invalid_request_error"),
        "{err}"
    );
    assert!(
        err.contains("refused (HTTP 403): POST key apikey_leak inactive: permission_error"),
        "{err}"
    );
    assert!(!err.contains("confirmed dead") && !err.contains("-> revoked"), "{err}");
    assert!(
        !err.contains("This key lacks permission"),
        "provider messages are not echoed: {err}"
    );
    assert!(dead.lock().unwrap().is_empty());
    assert!(writes(&emulator).iter().all(|r| r.method != "DELETE"));
    let (log, events) = events(dir.path());
    assert_nothing_leaks(&k, "the audit log", &log);
    for provider in ["OpenAI", "Anthropic"] {
        assert_eq!(field(&events, provider, "revoke", "outcome"), ["refused"], "{log}");
        assert_eq!(field(&events, provider, "result", "verdict"), ["STILL LIVE"], "{log}");
    }
    // A refused revocation is not done: --resume tries it again.
    let (second, dead) = providers(&k, Org::Normal);
    let out = revoke(
        dir.path(),
        &second,
        Some(&k),
        &["--execute", "--yes", "--audit-log", "audit.jsonl", "--resume"],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "{err}");
    assert!(!err.contains("already revoked according to the audit log"), "{err}");
    assert_eq!(err.matches("confirmed dead").count(), 2, "{err}");
    assert_eq!(dead.lock().unwrap().len(), 2);
}
