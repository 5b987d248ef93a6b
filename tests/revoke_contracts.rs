//! Every built-in revocation API against its provider's documented contract
//! (tests/data/contracts/revocation.toml): a scan with `--show-secrets`,
//! then one `keyhound revoke --execute` over every contracted key, sent to a
//! loopback emulator that answers as each provider documents. The emulator
//! records what arrives, so the test checks the request itself (host,
//! method, path, where the secret and the administrator credential travel),
//! the outcome keyhound records for a revoked, a refused and (where
//! documented) an already dead key, and that the audit log never holds a
//! secret. No test touches the internet.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use common::emulator::{carried, percent_decode, Emulator, Recorded, Reply};
use common::*;
use serde::Deserialize;

/// A provider's documented revocation contract for one rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Revocation {
    rule: String,
    host: String,
    method: String,
    path: String,
    #[serde(default)]
    secret_in: Vec<String>,
    #[serde(default)]
    parts: BTreeMap<String, String>,
    #[serde(default)]
    values: BTreeMap<String, String>,
    #[serde(default)]
    admin_in: Option<String>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default = "ok_status")]
    verify_status: u16,
    #[serde(default)]
    verify_body: Option<String>,
    revoked_status: u16,
    revoked_body: String,
    refused_status: u16,
    refused_body: String,
    #[serde(default)]
    gone_status: Option<u16>,
    #[serde(default)]
    gone_body: Option<String>,
    #[serde(default)]
    revoked_example: usize,
    #[serde(default = "second")]
    refused_example: usize,
    #[serde(default)]
    gone_example: Option<usize>,
}

fn ok_status() -> u16 {
    200
}

fn second() -> usize {
    1
}

/// The contracts file; it shares its directory with the verifier
/// contracts (`[[contract]]`), whose list it leaves empty.
#[derive(Debug, Deserialize)]
struct ContractFile {
    #[serde(default)]
    revocation: Vec<Revocation>,
}

fn load_contracts() -> Vec<Revocation> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/contracts/revocation.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let file: ContractFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.revocation
}

fn builtin_rules() -> HashMap<String, keyhound_rules::Rule> {
    keyhound_rules::builtin()
        .unwrap()
        .into_iter()
        .map(|r| (r.id().to_string(), r))
        .collect()
}

fn revoke_api(rule: &keyhound_rules::Rule) -> Option<&keyhound_rules::verify_spec::RevokeApi> {
    rule.spec.revoke.as_ref().and_then(|r| r.api.as_ref())
}

/// The method and URL of a revocation API's HTTP request, read through its
/// serialized form; `None` for a built-in revoker that builds (and signs)
/// its own requests, which the contracts here do not describe.
fn http_request(api: &keyhound_rules::verify_spec::RevokeApi) -> Option<(String, String)> {
    let v = serde_json::to_value(api).unwrap();
    if v.get("kind").and_then(|k| k.as_str()).is_some_and(|k| k != "http") {
        return None;
    }
    let r = v.get("request")?;
    Some((
        r.get("method")?.as_str()?.to_string(),
        r.get("url")?.as_str()?.to_string(),
    ))
}

/// Whether `host` fits a `hosts` pattern (`*.okta.com`: any host under
/// the domain, never the domain itself).
fn host_fits(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// Whether a rule's revocation (or, with `verify`, verification) request
/// may go to `host`: its fixed host, or, for a host templated from a value
/// found beside the key (an Okta org), one of its `hosts` patterns.
fn rule_may_reach(rule: &keyhound_rules::Rule, host: &str, verify: bool) -> bool {
    let request = if verify {
        rule.spec.verify.as_ref().and_then(|v| v.request.as_ref())
    } else {
        revoke_api(rule).and_then(|a| a.request.as_ref())
    };
    let Some(request) = request else { return false };
    match url_host(&request.url) {
        Some(fixed) => fixed == host,
        None => request.hosts.iter().any(|p| host_fits(p, host)),
    }
}

/// The host of an `https://` URL template, unless the host is templated.
fn url_host(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    (!authority.contains("{{") && !authority.is_empty()).then(|| authority.to_ascii_lowercase())
}

fn verify_host(rule: &keyhound_rules::Rule) -> Option<String> {
    rule.spec
        .verify
        .as_ref()
        .and_then(|v| v.request.as_ref())
        .and_then(|r| url_host(&r.url))
}

/// The role a key plays in a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Revoked,
    Refused,
    Gone,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Revoked => "revoked",
            Kind::Refused => "refused",
            Kind::Gone => "gone",
        }
    }

    /// The outcome keyhound must record for it.
    fn outcome(self) -> &'static str {
        match self {
            Kind::Revoked => "revoked",
            Kind::Refused => "refused",
            Kind::Gone => "already dead",
        }
    }
}

/// One key of one contract, as the scan found it.
#[derive(Debug, Clone)]
struct Case {
    contract: usize,
    kind: Kind,
    secret: String,
    /// An id unique to this key, for `{case}` in the contract's values.
    id: String,
}

/// A stable 32-hex-digit id for a secret (FNV-1a, two seeds).
fn case_id(secret: &str) -> String {
    let mut out = String::new();
    for seed in [0xcbf2_9ce4_8422_2325u64, 0x8422_2325_cbf2_9ce4] {
        let mut h = seed;
        for b in secret.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

impl Revocation {
    fn examples(&self) -> Vec<(Kind, usize)> {
        let mut out = vec![
            (Kind::Revoked, self.revoked_example),
            (Kind::Refused, self.refused_example),
        ];
        if let Some(i) = self.gone_example {
            out.push((Kind::Gone, i));
        }
        out
    }

    fn answer(&self, kind: Kind, case: &Case) -> Reply {
        let (status, body) = match kind {
            Kind::Revoked => (self.revoked_status, self.revoked_body.as_str()),
            Kind::Refused => (self.refused_status, self.refused_body.as_str()),
            Kind::Gone => (
                self.gone_status.expect("gone_status"),
                self.gone_body.as_deref().unwrap_or(""),
            ),
        };
        Reply::new(status, &body.replace("{case}", &case.id)).header("Content-Type", "application/json")
    }

    /// A named value for this key: a part cut from the secret, or a
    /// literal of the contract.
    fn value(&self, name: &str, case: &Case) -> Option<String> {
        if name == "secret" {
            return Some(case.secret.clone());
        }
        if let Some(pattern) = self.parts.get(name) {
            // The rule packs' own regex compiler (bytes, ASCII classes).
            let re = keyhound_rules::compile(pattern).unwrap();
            let caps = re.captures(case.secret.as_bytes())?;
            return Some(String::from_utf8_lossy(caps.get(1)?.as_bytes()).into_owned());
        }
        self.values.get(name).map(|v| v.replace("{case}", &case.id))
    }

    /// The path the provider expects for this key (`None` when a part it
    /// names is not in the secret).
    fn expected_path(&self, case: &Case) -> Option<String> {
        let mut out = String::new();
        let mut rest = self.path.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = rest[open..].find('}').unwrap() + open;
            let name = &rest[open + 1..close];
            out.push_str(&self.value(name, case)?);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// Whether a decoded request path has the shape of the contract's path
    /// (each `{placeholder}` standing for one non-empty segment).
    fn on_route(&self, path: &str) -> bool {
        let want: Vec<&str> = self.path.split('/').collect();
        let got: Vec<&str> = path.split('/').collect();
        want.len() == got.len()
            && want.iter().zip(&got).all(|(w, g)| match (w.find('{'), w.rfind('}')) {
                (Some(open), Some(close)) => {
                    g.len() > open + (w.len() - close - 1) && g.starts_with(&w[..open]) && g.ends_with(&w[close + 1..])
                }
                _ => w == g,
            })
    }

    /// Values cut from the secret that are secret themselves (a webhook
    /// token): the audit log must not hold them either.
    fn secret_parts(&self, case: &Case) -> Vec<String> {
        self.parts
            .keys()
            .filter_map(|name| self.value(name, case))
            .filter(|v| v.len() >= 16)
            .collect()
    }
}

/// A request split into the provider host it was meant for and its path.
fn host_and_path(req: &Recorded) -> (String, String) {
    let target = req.target.trim_start_matches('/');
    let (host, rest) = target.split_once('/').unwrap_or((target, ""));
    let path = format!("/{}", rest.split('?').next().unwrap_or(""));
    (host.to_string(), path)
}

/// Whether `value` sits where `place` says.
fn carried_at(req: &Recorded, place: &str, value: &str) -> bool {
    if let Some(name) = place.strip_prefix("header:") {
        return req
            .header(&name.to_ascii_lowercase())
            .is_some_and(|v| v.contains(value));
    }
    if let Some(name) = place.strip_prefix("query:") {
        let query = req.target.split_once('?').map_or("", |(_, q)| q);
        return query.split('&').any(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            k == name && percent_decode(v) == value
        });
    }
    match place {
        "body" => {
            let body = String::from_utf8_lossy(&req.body);
            body.contains(value) || percent_decode(&body.replace('+', " ")).contains(value)
        }
        "path" => percent_decode(&host_and_path(req).1).contains(value),
        other => panic!("unknown place {other:?}"),
    }
}

/// The emulator's view of the contracts and of which keys are dead.
struct Provider {
    contracts: Vec<Revocation>,
    cases: Vec<Case>,
    /// The administrator credential each admin_in contract expects.
    admin: HashMap<usize, String>,
    /// Case index of every revocation request that fit its contract.
    hits: Mutex<Vec<usize>>,
    /// Requests to a contract's route that fit none of its keys.
    misses: Mutex<Vec<String>>,
    dead: Mutex<BTreeSet<usize>>,
}

impl Provider {
    fn answer(&self, req: &Recorded) -> Reply {
        let (host, path) = host_and_path(req);
        let decoded = percent_decode(&path);
        let mut on_route = false;
        for (i, case) in self.cases.iter().enumerate() {
            let c = &self.contracts[case.contract];
            if c.host != host || c.method != req.method || !c.on_route(&decoded) {
                continue;
            }
            on_route = true;
            if c.expected_path(case).as_deref() != Some(decoded.as_str()) {
                continue;
            }
            if !c.secret_in.iter().all(|place| carried_at(req, place, &case.secret)) {
                continue;
            }
            if let Some(place) = &c.admin_in {
                if !carried_at(req, place, &self.admin[&case.contract]) {
                    continue;
                }
            }
            self.hits.lock().unwrap().push(i);
            if case.kind != Kind::Refused {
                self.dead.lock().unwrap().insert(i);
            }
            return c.answer(case.kind, case);
        }
        if on_route {
            self.misses.lock().unwrap().push(req.text());
            return Reply::new(400, r#"{"error":"not the documented request"}"#);
        }
        // A verification (before a from_verify revocation, or the re-check
        // after it): live until revoked, for contracts that document the
        // verifier's answer.
        let text = carried(req);
        for (i, case) in self.cases.iter().enumerate() {
            if !text.contains(&case.secret) {
                continue;
            }
            let c = &self.contracts[case.contract];
            if let (Some(body), false) = (&c.verify_body, self.dead.lock().unwrap().contains(&i)) {
                return Reply::new(c.verify_status, &body.replace("{case}", &case.id))
                    .header("Content-Type", "application/json");
            }
            return Reply::new(401, r#"{"error":"invalid credentials"}"#);
        }
        Reply::new(401, r#"{"error":"invalid credentials"}"#)
    }
}

fn scan(root: &Path) -> serde_json::Value {
    let out = run_in(root, &["dir", ".", "--show-secrets", "-f", "json", "-q"]);
    assert!(code(&out) <= 1, "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// Keeps the findings `keep` accepts and writes them as `findings.json`.
fn write_findings(root: &Path, doc: &serde_json::Value, keep: impl Fn(&str, &str) -> bool) -> Vec<serde_json::Value> {
    let kept: Vec<serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            keep(
                f["path"].as_str().unwrap().trim_start_matches("./"),
                f["rule_id"].as_str().unwrap(),
            )
        })
        .cloned()
        .collect();
    let mut filtered = doc.clone();
    filtered["findings"] = serde_json::Value::Array(kept.clone());
    std::fs::write(root.join("findings.json"), filtered.to_string()).unwrap();
    kept
}

/// `keyhound revoke --execute --yes` over findings.json with every host
/// in `hosts` sent to the emulator; `env` is set, `unset` removed.
fn revoke(
    root: &Path,
    emulator: &Emulator,
    hosts: &BTreeSet<String>,
    env: &[(String, String)],
    unset: &[&str],
) -> Output {
    let mut args: Vec<String> = [
        "revoke",
        "--from",
        "findings.json",
        "--execute",
        "--yes",
        "--audit-log",
        "audit.jsonl",
        "--verify-rate",
        "1000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for host in hosts {
        args.push("--verify-override".into());
        args.push(format!("{host}={}/{host}", emulator.base));
    }
    let mut cmd = keyhound();
    cmd.current_dir(root).args(&args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    cmd.output().expect("run keyhound revoke")
}

/// The audit log's revoke events: fingerprint → (outcome, detail).
fn revoke_events(log: &str) -> HashMap<String, (String, String)> {
    log.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["action"] == "revoke")
        .map(|e| {
            (
                e["fingerprint"].as_str().unwrap().to_string(),
                (
                    e["outcome"].as_str().unwrap_or("").to_string(),
                    e["detail"].as_str().unwrap_or("").to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn every_revocation_api_has_a_contract_and_at_least_25_providers_have_one() {
    let rules = builtin_rules();
    let contracts = load_contracts();
    let contracted: BTreeSet<&str> = contracts.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(contracted.len(), contracts.len(), "one contract per rule");
    let mut missing = Vec::new();
    let mut providers = BTreeSet::new();
    for rule in rules.values() {
        let Some(api) = revoke_api(rule) else { continue };
        keyhound_verify::spec::compile_revoker(rule)
            .unwrap_or_else(|e| panic!("{}: revocation API does not compile: {e}", rule.id()))
            .expect("compiled");
        providers.insert(rule.spec.provider.clone().unwrap_or_else(|| rule.id().to_string()));
        let Some((_, url)) = http_request(api) else { continue };
        assert!(url.starts_with("https://"), "{}", rule.id());
        if !contracted.contains(rule.id()) {
            missing.push(rule.id().to_string());
        }
    }
    missing.sort();
    assert!(missing.is_empty(), "revocation APIs without a contract: {missing:?}");
    for c in &contracts {
        let rule = rules
            .get(&c.rule)
            .unwrap_or_else(|| panic!("contract for unknown rule {}", c.rule));
        let api = revoke_api(rule).unwrap_or_else(|| panic!("{}: contract but no revocation API", c.rule));
        let (method, url) =
            http_request(api).unwrap_or_else(|| panic!("{}: contract for a revoker without an HTTP request", c.rule));
        // The contract is written from the provider's docs; the rule must
        // send the request there. A host templated from a value beside the
        // key (an org's own host) comes from the contract's context, and
        // must fit the rule's host patterns, which are the verifier's own.
        match url_host(&url) {
            Some(fixed) => assert_eq!(fixed, c.host, "{}: host", c.rule),
            None => {
                assert!(
                    rule_may_reach(rule, &c.host, false),
                    "{}: {} is not one of the revocation's hosts",
                    c.rule,
                    c.host
                );
                assert!(
                    rule_may_reach(rule, &c.host, true),
                    "{}: the revocation reaches {} but the verifier would not",
                    c.rule,
                    c.host
                );
                assert!(
                    c.context.as_deref().is_some_and(|ctx| ctx.contains(&c.host)),
                    "{}: a templated host must be named beside the key in the contract's context",
                    c.rule
                );
            }
        }
        assert_eq!(method, c.method, "{}: method", c.rule);
        assert_eq!(
            api.admin_env.is_some(),
            c.admin_in.is_some(),
            "{}: admin_env and admin_in go together",
            c.rule
        );
        assert_eq!(
            !api.from_verify.is_empty(),
            c.verify_body.is_some(),
            "{}: a from_verify revocation needs the verifier's documented answer",
            c.rule
        );
        assert_eq!(
            c.gone_status.is_some(),
            c.gone_example.is_some(),
            "{}: gone case",
            c.rule
        );
    }
    assert!(
        providers.len() >= 25,
        "only {} providers have a revocation API: {providers:?}",
        providers.len()
    );
}

#[test]
fn every_revocation_api_sends_the_documented_request_and_reads_the_documented_answers() {
    let rules = builtin_rules();
    let contracts = load_contracts();
    let dir = tempfile::tempdir().unwrap();
    for (i, c) in contracts.iter().enumerate() {
        let rule = rules
            .get(&c.rule)
            .unwrap_or_else(|| panic!("contract for unknown rule {}", c.rule));
        let positives = &rule.spec.examples.positive;
        let context = c.context.clone().unwrap_or_default();
        for (kind, example) in c.examples() {
            let text = positives
                .get(example)
                .unwrap_or_else(|| panic!("{}: no positive example {example}", c.rule));
            write(
                dir.path(),
                &format!("r{i}/{}.txt", kind.name()),
                format!("{context}{text}\n"),
            );
        }
    }
    let doc = scan(dir.path());
    let place = |path: &str| -> Option<(usize, Kind)> {
        let (head, file) = path.split_once('/')?;
        let i: usize = head.strip_prefix('r')?.parse().ok()?;
        let kind = [Kind::Revoked, Kind::Refused, Kind::Gone]
            .into_iter()
            .find(|k| file == format!("{}.txt", k.name()))?;
        Some((i, kind))
    };
    let kept = write_findings(dir.path(), &doc, |path, rule| {
        place(path).is_some_and(|(i, _)| contracts.get(i).is_some_and(|c| c.rule == rule))
    });
    let mut cases = Vec::new();
    let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
    for (i, c) in contracts.iter().enumerate() {
        for (kind, _) in c.examples() {
            let found: Vec<&serde_json::Value> = kept
                .iter()
                .filter(|f| place(f["path"].as_str().unwrap().trim_start_matches("./")) == Some((i, kind)))
                .collect();
            assert_eq!(
                found.len(),
                1,
                "{}: {} example found {} times",
                c.rule,
                kind.name(),
                found.len()
            );
            let secret = found[0]["secret"].as_str().unwrap().to_string();
            by_fingerprint.insert(found[0]["fingerprint"].as_str().unwrap().to_string(), cases.len());
            let case = Case {
                contract: i,
                kind,
                id: case_id(&secret),
                secret,
            };
            assert!(
                c.expected_path(&case).is_some(),
                "{}: the {} example lacks a part the path names",
                c.rule,
                kind.name()
            );
            cases.push(case);
        }
    }

    // Every host a contracted rule may call: its revocation API and its
    // verifier (checked before a from_verify revocation and after each).
    let mut hosts = BTreeSet::new();
    let mut env = Vec::new();
    let mut admin = HashMap::new();
    for (i, c) in contracts.iter().enumerate() {
        hosts.insert(c.host.clone());
        let rule = &rules[&c.rule];
        hosts.extend(verify_host(rule));
        if rule_may_reach(rule, &c.host, true) {
            // A verifier templated on the same host named beside the key.
            hosts.insert(c.host.clone());
        }
        if let Some(var) = revoke_api(rule).and_then(|a| a.admin_env.clone()) {
            let value = format!("fake-admin-credential-{}", var.to_ascii_lowercase());
            admin.insert(i, value.clone());
            env.push((var, value));
        }
    }
    let provider = Arc::new(Provider {
        contracts: contracts.clone(),
        cases: cases.clone(),
        admin: admin.clone(),
        hits: Mutex::default(),
        misses: Mutex::default(),
        dead: Mutex::default(),
    });
    let state = Arc::clone(&provider);
    let emulator = Emulator::start(move |req| state.answer(req));
    let out = revoke(dir.path(), &emulator, &hosts, &env, &[]);
    // Refusals leave keys live: exit 1, never an error (2).
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let events = revoke_events(&log);

    let mut failures = Vec::new();
    for miss in provider.misses.lock().unwrap().iter() {
        failures.push(format!(
            "a request on a contract's route that fits none of its keys:\n{miss}"
        ));
    }
    let hits = provider.hits.lock().unwrap().clone();
    for (i, case) in cases.iter().enumerate() {
        let c = &contracts[case.contract];
        let what = format!("{} ({} key)", c.rule, case.kind.name());
        let sent = hits.iter().filter(|h| **h == i).count();
        if sent != 1 {
            failures.push(format!("{what}: {sent} documented revocation requests (want 1)"));
        }
        let fingerprint = by_fingerprint
            .iter()
            .find(|(_, v)| **v == i)
            .map(|(k, _)| k.clone())
            .unwrap();
        match events.get(&fingerprint) {
            Some((outcome, _)) if outcome == case.kind.outcome() => {}
            Some((outcome, detail)) => failures.push(format!(
                "{what}: outcome {outcome:?} ({detail}), want {:?}",
                case.kind.outcome()
            )),
            None => failures.push(format!("{what}: no revoke event in the audit log")),
        }
        if log.contains(&case.secret) {
            failures.push(format!("{what}: the audit log holds the secret"));
        }
        for part in c.secret_parts(case) {
            if log.contains(&part) {
                failures.push(format!("{what}: the audit log holds part of the secret"));
            }
        }
    }
    for value in admin.values() {
        if log.contains(value.as_str()) {
            failures.push("the audit log holds an administrator credential".into());
        }
    }
    // A secret only ever goes to its own provider's hosts.
    for req in emulator.requests() {
        let (host, _) = host_and_path(&req);
        let text = carried(&req);
        for case in &cases {
            let c = &contracts[case.contract];
            if !text.contains(&case.secret) {
                continue;
            }
            let rule = &rules[&c.rule];
            let own = (host == c.host && rule_may_reach(rule, &host, false))
                || verify_host(rule).as_deref() == Some(host.as_str())
                || (host == c.host && rule_may_reach(rule, &host, true));
            if !own {
                failures.push(format!("{}: secret sent to {host}", c.rule));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}\n\nstderr:\n{}",
        failures.len(),
        failures.join("\n"),
        stderr(&out)
    );
}

#[test]
fn an_admin_env_revocation_waits_for_its_credential_and_then_sends_it() {
    const VAR: &str = "KEYHOUND_SCALEWAY_ADMIN_KEY";
    let rules = builtin_rules();
    let rule = &rules["scaleway-access-key"];
    assert_eq!(revoke_api(rule).and_then(|a| a.admin_env.as_deref()), Some(VAR));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/.env", format!("{}\n", rule.spec.examples.positive[0]));
    let doc = scan(dir.path());
    let kept = write_findings(dir.path(), &doc, |_, id| id == "scaleway-access-key");
    assert_eq!(kept.len(), 1);
    let secret = kept[0]["secret"].as_str().unwrap().to_string();
    let fingerprint = kept[0]["fingerprint"].as_str().unwrap().to_string();
    let emulator = Emulator::start(|req| match (req.method.as_str(), req.path()) {
        ("DELETE", p) if p.starts_with("/api.scaleway.com/iam/v1alpha1/api-keys/") => Reply::new(204, ""),
        _ => Reply::new(404, "{}"),
    });
    let hosts = BTreeSet::from(["api.scaleway.com".to_string()]);

    // Unset: nothing is sent, the key is reported skipped with the reason.
    let out = revoke(dir.path(), &emulator, &hosts, &[], &[VAR]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(emulator.requests().is_empty(), "sent without the admin credential");
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let (outcome, detail) = &revoke_events(&log)[&fingerprint];
    assert_eq!(outcome, "skipped");
    assert!(detail.contains(VAR), "{detail}");

    // Set: one DELETE of the access key with the credential in X-Auth-Token.
    std::fs::remove_file(dir.path().join("audit.jsonl")).unwrap();
    let admin = "fake-scaleway-secret-key-0123456789".to_string();
    let out = revoke(dir.path(), &emulator, &hosts, &[(VAR.to_string(), admin.clone())], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let requests = emulator.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "DELETE");
    assert_eq!(
        requests[0].path(),
        format!("/api.scaleway.com/iam/v1alpha1/api-keys/{secret}")
    );
    assert_eq!(requests[0].header("x-auth-token"), Some(admin.as_str()));
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert_eq!(revoke_events(&log)[&fingerprint].0, "revoked");
    assert!(
        !log.contains(&admin) && !log.contains(&secret),
        "the audit log holds a credential"
    );
}

#[test]
fn a_cloudflare_account_token_is_neither_verified_nor_revoked_as_a_user_token() {
    // /user/tokens/verify answers 401 for a live account token (cfat_), so
    // the from_verify revocation of user tokens must not call it dead.
    let rules = builtin_rules();
    let rule = &rules["cloudflare-api-token"];
    let account_token = rule
        .spec
        .examples
        .positive
        .iter()
        .find(|p| p.contains("cfat_"))
        .expect("an account-token example");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/.env", format!("{account_token}\n"));
    let doc = scan(dir.path());
    let kept = write_findings(dir.path(), &doc, |_, id| id == "cloudflare-api-token");
    assert_eq!(kept.len(), 1);
    let fingerprint = kept[0]["fingerprint"].as_str().unwrap().to_string();
    let emulator = Emulator::start(|_| Reply::new(401, r#"{"success":false}"#));
    let hosts = BTreeSet::from(["api.cloudflare.com".to_string()]);
    let out = revoke(dir.path(), &emulator, &hosts, &[], &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // No revocation and no verification before it. (The re-check after a
    // revocation attempt still asks /user/tokens/verify: the verifier's
    // `when` is not applied there.)
    let requests = emulator.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    assert!(requests.len() <= 1, "{requests:?}");
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let (outcome, _) = &revoke_events(&log)[&fingerprint];
    assert_ne!(outcome, "already dead");
    assert_ne!(outcome, "revoked");
}
