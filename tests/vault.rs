//! HashiCorp Vault tokens: verified, mapped and revoked only on the HCP
//! Vault Dedicated cluster named beside them, against a loopback emulator
//! of the documented answers (tests/data/contracts has the documented live,
//! invalid and revoke-self answers; this file covers what must never count
//! as live, and where the token must never go). Also the revocation side of
//! values found beside a key: a `--show-secrets` JSON report records them,
//! `keyhound revoke` uses them only within the rule's host patterns.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::emulator::{Emulator, Recorded, Reply};
use common::*;

/// The HCP cluster every test names beside its tokens.
const CLUSTER: &str = "vault-cluster-public-vault-5f3e2a1b.8c7d6e5f.z1.hashicorp.cloud";

/// `n` distinct fake service tokens (`hvs.` + 24 letters and digits),
/// generated so no literal token sits in this file.
fn tokens(n: usize, seed: u64) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            let body: String = (0..24)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    ALPHABET[(state % ALPHABET.len() as u64) as usize] as char
                })
                .collect();
            format!("hvs.{body}")
        })
        .collect()
}

fn token_of(req: &Recorded) -> String {
    req.header("x-vault-token").unwrap_or_default().to_string()
}

/// The documented lookup-self answer for a live token.
const LIVE: &str = r#"{"data":{"accessor":"8609694a-cdbc-db9b-d345-e782dbb562ed","creation_ttl":2764800,"display_name":"approle-deployer","entity_id":"7d2e3179-f69b-450c-7179-ac8ee8bd8ca9","expire_time":"2030-05-19T11:35:54Z","id":"fake-id-not-the-token","orphan":true,"policies":["default","deployer"],"ttl":2764790,"type":"service"}}"#;

fn override_args(emulator: &Emulator) -> Vec<String> {
    vec![
        "--verify-override".into(),
        format!("{CLUSTER}={}/{CLUSTER}", emulator.base),
        "--verify-rate".into(),
        "1000".into(),
    ]
}

fn scan_json(root: &Path, extra: &[String]) -> (i32, serde_json::Value, String) {
    let mut args: Vec<String> = ["dir", ".", "-f", "json", "-q"].iter().map(|s| s.to_string()).collect();
    args.extend(extra.iter().cloned());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(root, &argv);
    let doc = serde_json::from_str(&stdout(&out)).unwrap_or(serde_json::Value::Null);
    (code(&out), doc, stderr(&out))
}

/// Verification of each finding by the file it was found in.
fn by_file(doc: &serde_json::Value) -> HashMap<String, serde_json::Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "vault-service-token")
        .map(|f| {
            (
                f["path"].as_str().unwrap().trim_start_matches("./").to_string(),
                f["verification"].clone(),
            )
        })
        .collect()
}

#[test]
fn vault_answers_that_prove_nothing_are_unknown_and_the_token_stays_on_its_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let toks = tokens(11, 7);
    let other = Emulator::start(|_| Reply::new(200, LIVE));
    let replies: Vec<Reply> = vec![
        Reply::new(200, LIVE),
        Reply::new(403, r#"{"errors":["invalid token","permission denied"]}"#),
        // A token without the default policy, or of another namespace.
        Reply::new(403, r#"{"errors":["permission denied"]}"#),
        // 200 without the documented fields (a proxy answering anything).
        Reply::new(200, r#"{"ok":true,"data":{}}"#),
        Reply::new(200, "<html><title>Sign in</title></html>"),
        Reply::new(429, "{}").header("Retry-After", "3600"),
        Reply::new(503, r#"{"errors":["Vault is sealed"]}"#),
        Reply::new(307, "").header("Location", &format!("{}/v1/auth/token/lookup-self", other.base)),
    ];
    let behaviour: HashMap<String, Reply> = toks.iter().cloned().zip(replies.iter().cloned()).collect();
    let emulator = Emulator::start(move |req| {
        behaviour
            .get(&token_of(req))
            .cloned()
            .unwrap_or_else(|| Reply::new(400, r#"{"errors":["unexpected"]}"#))
    });
    for (i, t) in toks.iter().enumerate().take(replies.len()) {
        write(
            dir.path(),
            &format!("k{i}/.env"),
            format!("VAULT_ADDR=https://{CLUSTER}:8200\nVAULT_TOKEN={t}\n"),
        );
    }
    // No address beside the token; a self-hosted Vault; a look-alike host
    // that only starts with an HCP name.
    let n = replies.len();
    write(dir.path(), "none/.env", format!("VAULT_TOKEN={}\n", toks[n]));
    write(
        dir.path(),
        "selfhosted/.env",
        format!(
            "VAULT_ADDR=https://vault.acme.internal:8200\nVAULT_TOKEN={}\n",
            toks[n + 1]
        ),
    );
    write(
        dir.path(),
        "lookalike/.env",
        format!(
            "VAULT_ADDR=https://{CLUSTER}.attacker.test:8200\nVAULT_TOKEN={}\n",
            toks[n + 2]
        ),
    );
    let mut extra = vec!["--verify".to_string()];
    extra.extend(override_args(&emulator));
    let (code, doc, err) = scan_json(dir.path(), &extra);
    assert_eq!(code, 1, "{err}");
    let v = by_file(&doc);
    assert_eq!(v.len(), n + 3, "{doc}");
    let status = |file: &str| v[file]["status"].as_str().unwrap_or("").to_string();
    let reason = |file: &str| v[file]["reason"].as_str().unwrap_or("").to_string();
    assert_eq!(status("k0/.env"), "live");
    assert_eq!(v["k0/.env"]["account"]["policies"], "default, deployer");
    assert_eq!(v["k0/.env"]["account"]["display_name"], "approle-deployer");
    assert!(
        v["k0/.env"]["account"].get("accessor").is_none(),
        "the accessor can revoke the token: never recorded"
    );
    assert_eq!(status("k1/.env"), "invalid");
    for i in 2..n {
        assert_eq!(
            status(&format!("k{i}/.env")),
            "unknown",
            "k{i}: {}",
            v[&format!("k{i}/.env")]
        );
    }
    assert!(reason("k5/.env").contains("rate limited"), "{}", reason("k5/.env"));
    assert!(reason("k6/.env").contains("503"), "{}", reason("k6/.env"));
    assert!(reason("k4/.env").contains("HTTP 200"), "{}", reason("k4/.env"));
    assert!(reason("k7/.env").contains("not followed"), "{}", reason("k7/.env"));
    assert!(other.requests().is_empty(), "the redirect was followed");
    for file in ["none/.env", "selfhosted/.env", "lookalike/.env"] {
        assert_eq!(status(file), "unknown", "{file}: {}", v[file]);
    }
    // Every request went to the named cluster's lookup-self, with the HCP
    // namespace; the three tokens without an HCP cluster beside them were
    // sent nowhere.
    let requests = emulator.requests();
    for r in &requests {
        assert_eq!(
            r.path(),
            format!("/{CLUSTER}/v1/auth/token/lookup-self"),
            "{}",
            r.text()
        );
        assert_eq!(r.method, "GET");
        assert_eq!(r.header("x-vault-namespace"), Some("admin"));
    }
    for t in &toks[n..n + 3] {
        assert!(
            !requests.iter().any(|r| r.text().contains(t.as_str())),
            "a token without an HCP cluster beside it was sent"
        );
    }
}

/// A `--show-secrets` JSON report of one Okta token found beside its org.
fn okta_report(root: &Path) -> (String, String) {
    let rules = keyhound_rules::builtin().unwrap();
    let rule = rules.iter().find(|r| r.id() == "okta-api-token").unwrap();
    write(
        root,
        "app/.env",
        format!(
            "OKTA_ORG_URL=https://acme.okta.com\n{}\n",
            rule.spec.examples.positive[0]
        ),
    );
    let (code, doc, err) = scan_json(root, &["--show-secrets".to_string()]);
    assert_eq!(code, 1, "{err}");
    let found: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "okta-api-token")
        .collect();
    assert_eq!(found.len(), 1, "{doc}");
    assert_eq!(found[0]["companions"]["host"], "acme.okta.com", "{}", found[0]);
    std::fs::write(root.join("findings.json"), doc.to_string()).unwrap();
    (
        found[0]["secret"].as_str().unwrap().to_string(),
        found[0]["fingerprint"].as_str().unwrap().to_string(),
    )
}

fn revoke_outcome(root: &Path, emulator: &Emulator) -> (String, String) {
    let out = keyhound()
        .current_dir(root)
        .args([
            "revoke",
            "--from",
            "findings.json",
            "--execute",
            "--yes",
            "--audit-log",
            "audit.jsonl",
            "--verify-override",
            &format!("acme.okta.com={}/acme.okta.com", emulator.base),
            "--verify-override",
            &format!("attacker.test={}/attacker.test", emulator.base),
            "--verify-override",
            &format!(
                "evil.okta.com.attacker.test={}/evil.okta.com.attacker.test",
                emulator.base
            ),
        ])
        .output()
        .unwrap();
    assert!(code(&out) <= 1, "{}", stderr(&out));
    let log = std::fs::read_to_string(root.join("audit.jsonl")).unwrap();
    std::fs::remove_file(root.join("audit.jsonl")).unwrap();
    let event = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["action"] == "revoke")
        .expect("a revoke event");
    (
        event["outcome"].as_str().unwrap_or("").to_string(),
        event["detail"].as_str().unwrap_or("").to_string(),
    )
}

#[test]
fn a_revocation_uses_the_host_found_beside_the_key_and_only_within_the_rules_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, _) = okta_report(dir.path());
    // Without --show-secrets the report records no companion values.
    let (_, plain, _) = scan_json(dir.path(), &[]);
    assert!(
        plain["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("companions").is_none()),
        "companions written without --show-secrets"
    );
    let emulator = Emulator::start(|req| match (req.method.as_str(), req.path()) {
        ("DELETE", "/acme.okta.com/api/v1/api-tokens/current") => Reply::new(204, ""),
        _ => Reply::new(401, r#"{"errorCode":"E0000011"}"#),
    });

    // The report as written: one DELETE on the org host named beside the key.
    let (outcome, detail) = revoke_outcome(dir.path(), &emulator);
    assert_eq!(outcome, "revoked", "{detail}");
    let deletes: Vec<Recorded> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].path(), "/acme.okta.com/api/v1/api-tokens/current");
    assert_eq!(
        deletes[0].header("authorization"),
        Some(format!("SSWS {secret}").as_str())
    );

    // A report edited to name another host: the rule's host patterns refuse
    // it before anything is sent.
    let text = std::fs::read_to_string(dir.path().join("findings.json")).unwrap();
    for host in ["attacker.test", "evil.okta.com.attacker.test"] {
        std::fs::write(
            dir.path().join("findings.json"),
            text.replace("\"acme.okta.com\"", &format!("\"{host}\"")),
        )
        .unwrap();
        let before = emulator.requests().len();
        let (outcome, detail) = revoke_outcome(dir.path(), &emulator);
        assert_eq!(outcome, "error", "{host}: {detail}");
        assert!(detail.contains("not one of the rule's hosts"), "{detail}");
        assert_eq!(emulator.requests().len(), before, "{host}: a request was sent");
    }

    // A report without the host: skipped with the reason, nothing sent.
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    for f in doc["findings"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("companions");
    }
    std::fs::write(dir.path().join("findings.json"), doc.to_string()).unwrap();
    let before = emulator.requests().len();
    let (outcome, detail) = revoke_outcome(dir.path(), &emulator);
    assert_eq!(outcome, "skipped", "{detail}");
    assert!(detail.contains("host") && detail.contains("--show-secrets"), "{detail}");
    assert_eq!(emulator.requests().len(), before, "sent without the org host");
}
