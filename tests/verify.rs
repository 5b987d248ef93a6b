//! `--verify` end to end against a provider emulator on 127.0.0.1: every
//! built-in verifier classified against its provider's documented contract
//! (tests/data/contracts), and the client's behaviour on the answers that
//! must never count as live: throttling, slowness, redirects, HTML, errors.
//! No test touches the internet: `--verify-override` points every provider
//! host at the emulator.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::emulator::{basic_auth, carried, percent_decode, Emulator, Recorded, Reply};
use common::*;
use serde::Deserialize;

/// A provider's documented contract for one rule's verifier.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contract {
    rule: String,
    host: String,
    method: String,
    path: String,
    secret_in: String,
    #[serde(default)]
    context: Option<String>,
    live_status: u16,
    #[serde(default)]
    live_headers: BTreeMap<String, String>,
    live_body: String,
    invalid_status: u16,
    invalid_body: String,
    #[serde(default)]
    account: BTreeMap<String, String>,
    /// A prefix of the found secret the provider does not receive
    /// (Twitch's `oauth:` chat-token prefix).
    #[serde(default)]
    strip_prefix: Option<String>,
}

impl Contract {
    /// The part of a found secret the provider receives.
    fn sent<'a>(&self, secret: &'a str) -> &'a str {
        self.strip_prefix
            .as_deref()
            .and_then(|p| secret.strip_prefix(p))
            .unwrap_or(secret)
    }

    /// Whether a request path fits the contract's path, whose segments may
    /// hold `{placeholders}` (`/bot{token}/getMe`).
    fn path_fits(&self, path: &str) -> bool {
        let want: Vec<&str> = self.path.split('/').collect();
        let got: Vec<String> = path.split('/').map(percent_decode).collect();
        want.len() == got.len()
            && want.iter().zip(&got).all(|(w, g)| match (w.find('{'), w.rfind('}')) {
                (Some(open), Some(close)) => {
                    g.len() > open + (w.len() - close - 1) && g.starts_with(&w[..open]) && g.ends_with(&w[close + 1..])
                }
                _ => w == g,
            })
    }
}

/// A contracts file; files for other tests (access maps, revocation)
/// have no `[[contract]]` entries.
#[derive(Debug, Deserialize)]
struct ContractFile {
    #[serde(default)]
    contract: Vec<Contract>,
}

/// Verifiers whose secret signs the request instead of travelling in it.
fn signs_without_sending(kind: keyhound_rules::verify_spec::VerifyKind) -> bool {
    use keyhound_rules::verify_spec::VerifyKind;
    matches!(kind, VerifyKind::GcpServiceAccount | VerifyKind::AzureSharedKey)
}

fn load_contracts() -> Vec<Contract> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/contracts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let parsed: ContractFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        all.extend(parsed.contract);
    }
    all
}

/// Whether `secret` sits where the contract says the provider reads it.
fn secret_at(req: &Recorded, secret_in: &str, secret: &str) -> bool {
    if let Some(name) = secret_in.strip_prefix("header:") {
        return req
            .header(&name.to_ascii_lowercase())
            .is_some_and(|v| v.contains(secret));
    }
    if let Some(name) = secret_in.strip_prefix("query:") {
        let query = req.target.split_once('?').map_or("", |(_, q)| q);
        return query.split('&').any(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            k == name && percent_decode(v) == secret
        });
    }
    match secret_in {
        "basic-user" => basic_auth(req).is_some_and(|(u, _)| u == secret),
        "basic-password" => basic_auth(req).is_some_and(|(_, p)| p == secret),
        // URL-shaped secrets (webhooks) are the request URL itself: the
        // path then is a long tail of the secret.
        "path" => {
            let path = percent_decode(req.path());
            let tail = path.splitn(3, '/').nth(2).map(|t| format!("/{t}")).unwrap_or_default();
            path.contains(secret) || (tail.len() > 12 && secret.ends_with(&tail))
        }
        "body" => {
            let body = String::from_utf8_lossy(&req.body);
            body.contains(secret) || percent_decode(&body.replace('+', " ")).contains(secret)
        }
        "aws-sigv4" => sigv4_signed_with(req, secret),
        other => panic!("unknown secret_in {other:?}"),
    }
}

/// Recomputes the request's SigV4 signature with `secret` (the emulator's
/// side of AWS's contract: STS checks the signature, never sees the secret).
fn sigv4_signed_with(req: &Recorded, secret: &str) -> bool {
    let Some(auth) = req.header("authorization") else {
        return false;
    };
    let Some(credential) = auth.split("Credential=").nth(1).and_then(|c| c.split('/').next()) else {
        return false;
    };
    let (Some(date), Some(host)) = (req.header("x-amz-date"), req.header("host")) else {
        return false;
    };
    let scope = keyhound_verify::aws::Scope {
        key_id: credential,
        secret,
        region: "us-east-1",
        service: "sts",
        amz_date: date,
    };
    let mut headers = vec![(
        "content-type".to_string(),
        req.header("content-type").unwrap_or("").to_string(),
    )];
    keyhound_verify::aws::sign(
        &scope,
        &req.method,
        &format!("http://{host}{}", req.target),
        &mut headers,
        &req.body,
    );
    headers.iter().any(|(n, v)| n == "authorization" && v == auth)
}

/// Secrets of one rule found in one file, by a plain scan with
/// `--show-secrets` (what the verifier will send).
fn secrets_by_file(root: &Path) -> HashMap<(String, String), Vec<String>> {
    let out = run_in(root, &["dir", ".", "--show-secrets", "-f", "json", "-q"]);
    assert!(code(&out) <= 1, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut map: HashMap<(String, String), Vec<String>> = HashMap::new();
    for f in doc["findings"].as_array().unwrap() {
        let key = (
            f["path"].as_str().unwrap().trim_start_matches("./").to_string(),
            f["rule_id"].as_str().unwrap().to_string(),
        );
        map.entry(key)
            .or_default()
            .push(f["secret"].as_str().unwrap().to_string());
    }
    map
}

#[test]
fn every_verifier_matches_its_provider_contract() {
    let contracts = load_contracts();
    let rules: HashMap<String, keyhound_rules::Rule> = keyhound_rules::builtin()
        .unwrap()
        .into_iter()
        .map(|r| (r.id().to_string(), r))
        .collect();
    let verifiable: Vec<&str> = rules
        .values()
        // Service verifiers (databases, caches) are tested against real
        // servers in tests/services.rs; a GCP key signs a JWT and an Azure
        // account key signs its request, neither is sent (tests/gcp.rs and
        // tests/azure.rs check the signatures).
        .filter(|r| {
            r.spec
                .verify
                .as_ref()
                .is_some_and(|v| !v.kind.is_service() && !signs_without_sending(v.kind))
        })
        .map(|r| r.id())
        .collect();
    let contracted: HashSet<&str> = contracts.iter().map(|c| c.rule.as_str()).collect();
    let mut missing: Vec<&&str> = verifiable.iter().filter(|id| !contracted.contains(**id)).collect();
    missing.sort();
    assert!(missing.is_empty(), "verifiers without a contract: {missing:?}");
    let providers: HashSet<&str> = contracts
        .iter()
        .filter_map(|c| rules[&c.rule].spec.provider.as_deref())
        .collect();
    assert!(providers.len() >= 50, "only {} verifiable providers", providers.len());

    let dir = tempfile::tempdir().unwrap();
    for (i, c) in contracts.iter().enumerate() {
        let rule = rules
            .get(&c.rule)
            .unwrap_or_else(|| panic!("contract for unknown rule {}", c.rule));
        let positives = &rule.spec.examples.positive;
        assert!(positives.len() >= 2, "{}: needs two positive examples", c.rule);
        let context = c.context.clone().unwrap_or_default();
        write(
            dir.path(),
            &format!("c{i}/live.txt"),
            format!("{context}{}\n", positives[0]),
        );
        write(
            dir.path(),
            &format!("c{i}/copy/live.txt"),
            format!("{context}{}\n", positives[0]),
        );
        write(
            dir.path(),
            &format!("c{i}/invalid.txt"),
            format!("{context}{}\n", positives[1]),
        );
    }
    let found = secrets_by_file(dir.path());
    // (contract index, live secret, invalid secret)
    let mut cases: Vec<(usize, String, String)> = Vec::new();
    for (i, c) in contracts.iter().enumerate() {
        let one = |file: &str| -> String {
            let got = found
                .get(&(format!("c{i}/{file}"), c.rule.clone()))
                .unwrap_or_else(|| panic!("{}: example not found in {file}", c.rule));
            assert_eq!(
                got.len(),
                1,
                "{}: {file} holds {} secrets of the rule",
                c.rule,
                got.len()
            );
            got[0].clone()
        };
        let (live, invalid) = (one("live.txt"), one("invalid.txt"));
        assert_ne!(live, invalid, "{}: the two examples hold the same secret", c.rule);
        cases.push((i, live, invalid));
    }

    let table = Arc::new((contracts.clone(), cases.clone()));
    let routes = Arc::clone(&table);
    let emulator = Emulator::start(move |req| {
        let (contracts, cases) = &*routes;
        let target = req.target.trim_start_matches('/');
        let (host, rest) = target.split_once('/').unwrap_or((target, ""));
        let path = format!("/{}", rest.split('?').next().unwrap_or(""));
        for (i, live, invalid) in cases {
            let c = &contracts[*i];
            if c.host != host || c.method != req.method || !c.path_fits(&path) {
                continue;
            }
            if secret_at(req, &c.secret_in, c.sent(live)) {
                let mut reply = Reply::new(c.live_status, &c.live_body);
                for (n, v) in &c.live_headers {
                    reply = reply.header(n, v);
                }
                return reply;
            }
            if secret_at(req, &c.secret_in, c.sent(invalid)) {
                return Reply::new(c.invalid_status, &c.invalid_body);
            }
        }
        Reply::new(400, r#"{"error":"no credential where the provider reads it"}"#)
    });
    let mut args: Vec<String> = ["dir", ".", "--verify", "-f", "json", "-q", "--verify-rate", "1000"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let hosts: HashSet<&str> = contracts.iter().map(|c| c.host.as_str()).collect();
    for host in &hosts {
        args.push("--verify-override".into());
        args.push(format!("{host}={}/{host}", emulator.base));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(dir.path(), &argv);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();

    let mut failures = Vec::new();
    for f in doc["findings"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap().trim_start_matches("./");
        let Some(i) = path
            .strip_prefix('c')
            .and_then(|p| p.split('/').next())
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        let c = &contracts[i];
        if c.rule == "aws-secret-access-key" && f["rule_id"] == "aws-access-key-id" {
            // The key id shares the outcome of the secret it was signed with.
            let expected = if path.ends_with("invalid.txt") {
                "invalid"
            } else {
                "live"
            };
            if f["verification"]["status"] != expected {
                failures.push(format!(
                    "aws-access-key-id ({path}): expected {expected}, got {}",
                    f["verification"]
                ));
            }
            continue;
        }
        if f["rule_id"] != c.rule.as_str() {
            continue;
        }
        let expected = if path.ends_with("invalid.txt") {
            "invalid"
        } else {
            "live"
        };
        let v = &f["verification"];
        if v["status"] != expected {
            failures.push(format!("{} ({path}): expected {expected}, got {v}", c.rule));
            continue;
        }
        if expected == "live" {
            for (name, value) in &c.account {
                if v["account"][name] != value.as_str() {
                    failures.push(format!(
                        "{}: account.{name} should be {value:?}, got {}",
                        c.rule, v["account"]
                    ));
                }
            }
        }
    }
    // One request per unique secret, and never to another provider's host.
    let requests = emulator.requests();
    for (i, live, invalid) in &cases {
        let c = &contracts[*i];
        for secret in [live, invalid] {
            let sent = c.sent(secret);
            let sent = if c.secret_in == "path" {
                // A webhook URL travels as host + path; its path identifies it.
                sent.split_once("://")
                    .and_then(|(_, r)| r.find('/').map(|i| &r[i..]))
                    .unwrap_or(sent)
            } else {
                sent
            };
            let carrying: Vec<&Recorded> = requests.iter().filter(|r| carried(r).contains(sent)).collect();
            if c.secret_in == "aws-sigv4" {
                if !carrying.is_empty() {
                    failures.push(format!("{}: the AWS secret itself was sent", c.rule));
                }
                continue;
            }
            if carrying.len() != 1 {
                failures.push(format!(
                    "{}: {} requests carried one secret (want 1)",
                    c.rule,
                    carrying.len()
                ));
            }
            for r in carrying {
                if !r.target.starts_with(&format!("/{}/", c.host)) {
                    failures.push(format!(
                        "{}: secret sent to {} (its host is {})",
                        c.rule, r.target, c.host
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A one-rule pack whose verifier talks to `api.acme.test`, so client
/// behaviour can be tested without a real provider's quirks.
const ACME_PACK: &str = r#"
[[rules]]
id = 'acme-token'
name = 'Acme token'
provider = 'Acme'
keywords = ['acme_']
pattern = '''\b(?P<secret>acme_[a-z0-9]{24})\b'''
[rules.revoke]
url = 'https://acme.test/tokens'
steps = 'Delete the token in the Acme console.'
[rules.revoke.api]
revoked = [{ status = [204] }]
[rules.revoke.api.request]
method = 'DELETE'
url = 'https://api.acme.test/v1/token'
headers = { Authorization = 'Bearer {{secret}}' }
[rules.verify]
live = [{ status = [200] }]
invalid = [{ status = [401] }]
[rules.verify.request]
url = 'https://api.acme.test/v1/whoami'
headers = { Authorization = 'Bearer {{secret}}' }
[rules.verify.account]
login = '/login'
[rules.examples]
positive = ['ACME_TOKEN=acme_q8zt3vlp0swx9kjr4mfd7hcb', 'token: acme_w2ndk5rx8cpl1vzq7tgh3jsm']
negative = ['ACME_TOKEN=acme_short', 'ACME_TOKEN=${ACME_TOKEN}']

[[rules]]
id = 'acme-regional-token'
name = 'Acme regional token'
provider = 'Acme'
keywords = ['acmer_']
pattern = '''\b(?P<secret>acmer_[a-z0-9]{24})\b'''
[rules.verify]
live = [{ status = [200] }]
[rules.verify.request]
url = 'https://{{region}}/v1/whoami'
hosts = ['*.acme.test']
headers = { Authorization = 'Bearer {{secret}}' }
[rules.verify.needs.region]
pattern = '''ACME_HOST=(?P<value>[a-z0-9.\-]+)'''
[rules.examples]
positive = ['ACME_TOKEN=acmer_q8zt3vlp0swx9kjr4mfd7hcb', 'token: acmer_w2ndk5rx8cpl1vzq7tgh3jsm']
negative = ['ACME_TOKEN=acmer_short', 'ACME_TOKEN=${ACME_TOKEN}']
"#;

/// A tree with the Acme pack and `tokens` fresh Acme tokens in a file.
fn acme_tree(tokens: usize, seed: u64) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pack/acme.toml", ACME_PACK);
    let mut rng = Rng::new(seed);
    let list: Vec<String> = (0..tokens)
        .map(|_| format!("acme_{}", rng.string("abcdefghijklmnopqrstuvwxyz0123456789", 24)))
        .collect();
    let text: String = list.iter().map(|t| format!("ACME_TOKEN={t}\n")).collect();
    write(dir.path(), "src/app.env", text);
    (dir, list)
}

fn token_of(req: &Recorded) -> String {
    req.header("authorization")
        .unwrap_or("")
        .trim_start_matches("Bearer ")
        .to_string()
}

/// Runs a verifying scan of `root/src` with the Acme pack.
fn verify_scan(root: &Path, emulator: &Emulator, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let override_arg = format!("api.acme.test={}", emulator.base);
    let mut args = vec![
        "dir",
        "src",
        "--rules",
        "pack",
        "--verify",
        "-f",
        "json",
        "--verify-override",
        &override_arg,
    ];
    args.extend_from_slice(extra);
    let out = run_in(root, &args);
    let doc = serde_json::from_str(&stdout(&out)).unwrap_or(serde_json::Value::Null);
    (code(&out), doc, stderr(&out))
}

fn statuses(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["verification"]["status"].as_str().unwrap_or("none").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn nothing_is_sent_without_verify() {
    let (dir, _) = acme_tree(2, 1);
    let emulator = Emulator::start(|_| Reply::new(200, r#"{"login":"x"}"#));
    let out = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "-f",
            "json",
            "--verify-override",
            &format!("api.acme.test={}", emulator.base),
        ],
    );
    assert_eq!(code(&out), 2, "--verify-override alone is refused: {}", stderr(&out));
    let out = run_in(dir.path(), &["dir", "src", "--rules", "pack", "-f", "json"]);
    assert_eq!(code(&out), 1);
    assert!(!stdout(&out).contains("verification"));
    assert!(emulator.requests().is_empty());
}

#[test]
fn live_and_invalid_keys_are_told_apart_with_account_details() {
    let (dir, tokens) = acme_tree(2, 2);
    let live = tokens[0].clone();
    let emulator = Emulator::start(move |req| {
        if token_of(req) == live {
            Reply::new(200, r#"{"login":"ops-bot","id":7}"#)
        } else {
            Reply::new(401, r#"{"error":"bad token"}"#)
        }
    });
    let (code, doc, err) = verify_scan(dir.path(), &emulator, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(statuses(&doc), ["live", "invalid"]);
    assert_eq!(doc["findings"][0]["verification"]["account"]["login"], "ops-bot");
    assert!(err.contains("1 live, 1 invalid"), "{err}");
    // Text shows it too; SARIF makes the live one an error with properties.
    let override_arg = format!("api.acme.test={}", emulator.base);
    let text = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "--verify",
            "--verify-override",
            &override_arg,
            "--color",
            "never",
        ],
    );
    assert!(stdout(&text).contains("[LIVE login=ops-bot]"), "{}", stdout(&text));
    assert!(stdout(&text).contains("[invalid]"));
    let sarif = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "--verify",
            "--verify-override",
            &override_arg,
            "-f",
            "sarif",
        ],
    );
    let log: serde_json::Value = serde_json::from_str(&stdout(&sarif)).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let live = results
        .iter()
        .find(|r| r["properties"]["verification"]["status"] == "live")
        .unwrap();
    assert_eq!(live["level"], "error");
    assert!(live["message"]["text"].as_str().unwrap().contains("Verified LIVE"));
}

#[test]
fn rate_limits_are_retried_after_the_providers_delay() {
    let (dir, _) = acme_tree(1, 3);
    let seen = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&seen);
    let emulator = Emulator::start(move |_| {
        if count.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::new(429, r#"{"error":"slow down"}"#).header("Retry-After", "1")
        } else {
            Reply::new(200, r#"{"login":"ops-bot"}"#)
        }
    });
    let (_, doc, err) = verify_scan(dir.path(), &emulator, &[]);
    assert_eq!(statuses(&doc), ["live"], "{err}");
    let requests = emulator.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[1].at - requests[0].at >= Duration::from_millis(950),
        "Retry-After honoured"
    );
}

#[test]
fn answers_that_prove_nothing_are_unknown() {
    // token index → behaviour
    let (dir, tokens) = acme_tree(5, 4);
    let other = Emulator::start(|_| Reply::new(200, r#"{"login":"stolen"}"#));
    let behaviour: HashMap<String, Reply> = [
        Reply::new(429, "{}").header("Retry-After", "3600"),
        Reply::new(503, r#"{"error":"down"}"#),
        Reply::new(200, "<html><title>Just a moment...</title></html>"),
        Reply::new(302, "").header("Location", &format!("{}/steal", other.base)),
        Reply::new(403, r#"{"error":"forbidden"}"#),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, r)| (tokens[i].clone(), r))
    .collect();
    let emulator = Emulator::start(move |req| behaviour[&token_of(req)].clone());
    let (code, doc, err) = verify_scan(dir.path(), &emulator, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(statuses(&doc), ["unknown"; 5], "{doc}");
    let reasons: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["verification"]["reason"].as_str().unwrap().to_string())
        .collect();
    assert!(reasons[0].contains("rate limited"), "{reasons:?}");
    assert!(reasons[1].contains("HTTP 503"), "{reasons:?}");
    assert!(reasons[2].contains("JSON"), "{reasons:?}");
    assert!(reasons[3].contains("not followed"), "{reasons:?}");
    assert!(reasons[4].contains("403"), "{reasons:?}");
    assert!(other.requests().is_empty(), "the redirect was followed");
    let per_token = |t: &str| emulator.requests().iter().filter(|r| token_of(r) == t).count();
    assert_eq!(
        per_token(&tokens[0]),
        1,
        "a Retry-After beyond the cap is not waited for"
    );
    assert_eq!(per_token(&tokens[1]), 3, "5xx retried twice");
}

#[test]
fn slow_providers_time_out_as_unknown() {
    let (dir, _) = acme_tree(1, 5);
    let emulator = Emulator::start(|_| Reply::new(200, r#"{"login":"late"}"#).delayed(Duration::from_secs(3)));
    let (_, doc, err) = verify_scan(dir.path(), &emulator, &["--verify-timeout", "300ms"]);
    assert_eq!(statuses(&doc), ["unknown"], "{err}");
    assert!(doc["findings"][0]["verification"]["reason"]
        .as_str()
        .unwrap()
        .contains("timed out"));
}

#[test]
fn concurrency_and_per_host_rate_are_bounded() {
    let (dir, tokens) = acme_tree(6, 6);
    let emulator = Emulator::start(|_| Reply::new(200, r#"{"login":"x"}"#).delayed(Duration::from_millis(300)));
    let (_, doc, err) = verify_scan(
        dir.path(),
        &emulator,
        &["--verify-concurrency", "2", "--verify-rate", "5"],
    );
    assert_eq!(statuses(&doc).len(), tokens.len(), "{err}");
    assert!(emulator.max_in_flight() <= 2, "{} in flight", emulator.max_in_flight());
    let mut times: Vec<_> = emulator.requests().iter().map(|r| r.at).collect();
    times.sort();
    for pair in times.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(180),
            "rate limit broken: {:?}",
            pair[1] - pair[0]
        );
    }
}

#[test]
fn the_same_secret_is_asked_about_once_and_cached_between_runs() {
    let (dir, tokens) = acme_tree(1, 7);
    write(dir.path(), "src/copy.env", format!("OTHER={}\n", tokens[0]));
    let emulator = Emulator::start(|_| Reply::new(200, r#"{"login":"ops"}"#));
    let cache = dir.path().join("cache/verify.json");
    let cache_arg = cache.to_str().unwrap().to_string();
    let (_, doc, _) = verify_scan(dir.path(), &emulator, &["--verify-cache", &cache_arg]);
    assert_eq!(statuses(&doc), ["live", "live"]);
    assert_eq!(emulator.requests().len(), 1);
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(!text.contains(&tokens[0]), "the cache never holds secrets");
    let (_, doc, _) = verify_scan(dir.path(), &emulator, &["--verify-cache", &cache_arg]);
    assert_eq!(emulator.requests().len(), 1, "second run answered from the cache");
    assert_eq!(doc["findings"][0]["verification"]["cached"], true);
}

#[test]
fn only_verified_and_fail_on_live_drive_ci_policy() {
    let (dir, tokens) = acme_tree(2, 8);
    let live = Arc::new(Mutex::new(Some(tokens[1].clone())));
    let current = Arc::clone(&live);
    let emulator = Emulator::start(move |req| {
        if current.lock().unwrap().as_deref() == Some(token_of(req).as_str()) {
            Reply::new(200, r#"{"login":"ops"}"#)
        } else {
            Reply::new(401, "{}")
        }
    });
    let (code, doc, _) = verify_scan(dir.path(), &emulator, &["--only-verified", "--fail-on", "live"]);
    assert_eq!(code, 1);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["verification"]["status"], "live");
    *live.lock().unwrap() = None;
    let (code, doc, _) = verify_scan(dir.path(), &emulator, &["--fail-on", "live"]);
    assert_eq!(code, 0, "nothing live: the build passes");
    assert_eq!(statuses(&doc), ["invalid", "invalid"]);
    let out = run_in(dir.path(), &["dir", "src", "--rules", "pack", "--fail-on", "live"]);
    assert_eq!(common::code(&out), 2, "--fail-on live without --verify is an error");
}

#[test]
fn templated_hosts_must_match_the_rules_host_patterns() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pack/acme.toml", ACME_PACK);
    write(
        dir.path(),
        "src/good.env",
        "ACME_HOST=eu.acme.test\nACME_TOKEN=acmer_h4k2m9x7p1q8z3w6r5t0y2ub\n", // keyhound:allow (fake)
    );
    write(
        dir.path(),
        "src/evil.env",
        "ACME_HOST=collector.evil.example\nACME_TOKEN=acmer_b7n3c5v9x1z4l8k2j6h0g3fd\n", // keyhound:allow (fake)
    );
    let emulator = Emulator::start(|_| Reply::new(200, r#"{"login":"eu"}"#));
    let override_arg = format!("eu.acme.test={}", emulator.base);
    let out = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "--verify",
            "-f",
            "json",
            "--verify-override",
            &override_arg,
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let by_path: HashMap<String, serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["verification"].clone()))
        .collect();
    assert_eq!(by_path["src/good.env"]["status"], "live", "{doc}");
    assert_eq!(by_path["src/evil.env"]["status"], "unknown");
    assert!(by_path["src/evil.env"]["reason"].as_str().unwrap().contains("refused"));
    assert_eq!(emulator.requests().len(), 1);
}

#[test]
fn a_config_planted_in_the_scanned_tree_cannot_redirect_found_keys() {
    // Whoever can add a file to a repository (a pull request from a fork,
    // one insider) plants a config that sends every found key, over plain
    // http, to a host they listen on.
    let (dir, tokens) = acme_tree(1, 9);
    let planted = Emulator::start(|_| Reply::new(200, r#"{"login":"attacker"}"#));
    let planted_config = format!("verify_overrides = [\"api.acme.test={}/api/v3\"]\n", planted.base);
    // Its rule packs may not send secrets anywhere either.
    write(
        dir.path(),
        "src/.keyhound.toml",
        format!("{planted_config}rules = [\"../pack\"]\n"),
    );
    let out = run_in(dir.path(), &["dir", "src", "--verify", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(statuses(&doc), ["none"], "no verifier may run: {}", stderr(&out));
    assert!(planted.requests().is_empty(), "a planted config reached its host");
    let err = stderr(&out);
    assert!(err.contains("verify_overrides ignored"), "{err}");
    assert!(err.contains("acme-token"), "the disarmed rule is named: {err}");
    assert!(!err.contains(&tokens[0]), "{err}");
    // Naming that config explicitly does not make a file in the tree trusted.
    let out = run_in(
        dir.path(),
        &["dir", "src", "--verify", "-f", "json", "--config", "src/.keyhound.toml"],
    );
    assert!(stderr(&out).contains("verify_overrides ignored"), "{}", stderr(&out));
    assert!(
        planted.requests().is_empty(),
        "an in-tree config named with --config reached its host"
    );

    // The user's own redirection still works: a config outside the tree,
    // or an in-tree one the user trusts explicitly.
    let emulator = Emulator::start(|_| Reply::new(200, r#"{"login":"enterprise"}"#));
    std::fs::remove_file(dir.path().join("src/.keyhound.toml")).unwrap();
    write(
        dir.path(),
        "user.toml",
        format!("verify_overrides = [\"api.acme.test={}/api/v3\"]\n", emulator.base),
    );
    let out = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "--verify",
            "-f",
            "json",
            "--config",
            "user.toml",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(statuses(&doc), ["live"], "{}", stderr(&out));
    assert_eq!(emulator.requests()[0].path(), "/api/v3/v1/whoami");
    write(
        dir.path(),
        "src/.keyhound.toml",
        format!("verify_overrides = [\"api.acme.test={}/api/v3\"]\n", emulator.base),
    );
    let out = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "--verify",
            "-f",
            "json",
            "--trust-config",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(statuses(&doc), ["live"], "{}", stderr(&out));
    assert_eq!(emulator.requests().len(), 2);
    // A plain-http target off loopback is refused wherever it comes from.
    write(
        dir.path(),
        "user.toml",
        "verify_overrides = [\"api.acme.test=http://192.0.2.7/api\"]\n",
    );
    let out = run_in(
        dir.path(),
        &["dir", "src", "--rules", "pack", "--verify", "--config", "user.toml"],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "--verify",
            "--verify-override",
            "api.acme.test=http://192.0.2.7/api",
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
    write(dir.path(), "user.toml", "verify_overrides = [\"no-equals-sign\"]\n");
    let out = run_in(
        dir.path(),
        &["dir", "src", "--rules", "pack", "--verify", "--config", "user.toml"],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("verify_overrides"), "{}", stderr(&out));
}

#[test]
fn validate_rechecks_known_secrets_without_rescanning() {
    let (dir, tokens) = acme_tree(3, 21);
    let live = tokens[0].clone();
    let emulator = Emulator::start(move |req| {
        if token_of(req) == live {
            Reply::new(200, r#"{"login":"acme-ops"}"#)
        } else {
            Reply::new(401, r#"{"error":"bad token"}"#)
        }
    });
    let override_arg = format!("api.acme.test={}", emulator.base);
    // Secrets on standard input: one as a file would hold it, one bare, one
    // no rule knows. Nothing comes from the command line.
    let input = format!("ACME_TOKEN={}\n{}\nnot-a-key-at-all\n", tokens[0], tokens[1]);
    let args = [
        "validate",
        "--rules",
        "pack",
        "-f",
        "json",
        "--verify-override",
        &override_arg,
    ];
    let out = run_stdin(dir.path(), &args, input.as_bytes());
    assert_eq!(code(&out), 1, "a live key exits 1: {}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let statuses: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["live", "invalid", "unrecognised"]);
    assert_eq!(rows[0]["account"]["login"], "acme-ops");
    assert_eq!(rows[0]["rule"], "acme-token");
    assert_eq!(rows[1]["input"], "line 2");
    assert_eq!(emulator.requests().len(), 2, "the unrecognised line is never sent");
    for token in &tokens {
        assert!(!stdout(&out).contains(token.as_str()), "secrets are redacted");
    }

    // --rule takes a line the rule's pattern would not find as its secret.
    let upper = tokens[2].to_uppercase();
    let out = run_stdin(
        dir.path(),
        &[
            "validate",
            "--rules",
            "pack",
            "--rule",
            "acme-token",
            "--verify-override",
            &override_arg,
        ],
        format!("{upper}\n").as_bytes(),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("invalid"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("1 secret(s): 0 live, 1 invalid"),
        "{}",
        stdout(&out)
    );
    assert_eq!(token_of(&emulator.requests()[2]), upper);

    // A findings file: its secrets are checked if it holds them in full.
    let full = run_in(
        dir.path(),
        &[
            "dir",
            "src",
            "--rules",
            "pack",
            "-f",
            "json",
            "--show-secrets",
            "-o",
            "full.json",
        ],
    );
    assert_eq!(code(&full), 1, "{}", stderr(&full));
    let out = run_in(
        dir.path(),
        &[
            "validate",
            "--rules",
            "pack",
            "--from",
            "full.json",
            "-f",
            "json",
            "--verify-override",
            &override_arg,
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let live_rows = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "live")
        .count();
    assert_eq!(live_rows, 1, "{rows}");
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert_eq!(emulator.requests().len(), 6);
    // … and are not checked when it holds them redacted.
    let redacted = run_in(
        dir.path(),
        &["dir", "src", "--rules", "pack", "-f", "json", "-o", "redacted.json"],
    );
    assert_eq!(code(&redacted), 1);
    let out = run_in(
        dir.path(),
        &[
            "validate",
            "--rules",
            "pack",
            "--from",
            "redacted.json",
            "-f",
            "json",
            "--verify-override",
            &override_arg,
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        rows.as_array().unwrap().iter().all(|r| r["status"] == "redacted"),
        "{rows}"
    );
    assert_eq!(emulator.requests().len(), 6, "nothing is sent for redacted secrets");
    // No input is an error, not a silent success.
    let out = run_stdin(dir.path(), &["validate", "--rules", "pack"], b"\n\n");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn a_run_sends_no_more_requests_than_its_budget() {
    let (dir, tokens) = acme_tree(5, 33);
    let emulator = Emulator::start(|_| Reply::new(200, r#"{"login":"x"}"#));
    let (code, doc, err) = verify_scan(dir.path(), &emulator, &["--verify-max-requests", "2"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(emulator.requests().len(), 2, "the budget is a hard limit");
    let mut seen = statuses(&doc);
    seen.sort();
    assert_eq!(seen, ["live", "live", "unknown", "unknown", "unknown"]);
    let budget_reasons = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["verification"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("--verify-max-requests 2"))
        })
        .count();
    assert_eq!(budget_reasons, 3, "{doc}");
    assert_eq!(tokens.len(), 5);
    // Without a budget every distinct secret is asked about once.
    let fresh = Emulator::start(|_| Reply::new(200, r#"{"login":"x"}"#));
    let (_, doc, _) = verify_scan(dir.path(), &fresh, &[]);
    assert_eq!(fresh.requests().len(), 5);
    assert!(statuses(&doc).iter().all(|s| s == "live"));
}
