//! `--access` end to end against provider emulators on 127.0.0.1: every
//! built-in access map replayed against its provider's documented answers
//! (tests/data/contracts/access.toml), the ranking and formats that carry
//! the maps, `keyhound access` on a findings file, the cache, and the
//! safety rules (a key never follows a link to a host its rule does not
//! name). No test touches the internet.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use common::emulator::{Emulator, Recorded, Reply};
use common::*;
use serde::Deserialize;

/// One provider answer of an access contract.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    host: String,
    method: String,
    path: String,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    body_has: Option<String>,
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: String,
}

/// What the map must conclude.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    level: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    identity: BTreeMap<String, String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    resources: BTreeMap<String, u64>,
    /// `"listing.flag" = count`.
    #[serde(default)]
    flagged: BTreeMap<String, u64>,
    #[serde(default)]
    excess: Option<usize>,
    #[serde(default)]
    notes: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessContract {
    rule: String,
    #[serde(default)]
    context: Option<String>,
    answer: Vec<Answer>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
struct AccessFile {
    #[serde(default)]
    access: Vec<AccessContract>,
}

fn load() -> Vec<AccessContract> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/contracts/access.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    toml::from_str::<AccessFile>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .access
}

/// The emulator side of a contract: requests arrive as
/// `/HOST/path?query`; the first matching answer is returned.
fn answer(answers: &[Answer], req: &Recorded) -> Reply {
    let target = req.target.trim_start_matches('/');
    let (host, rest) = target.split_once('/').unwrap_or((target, ""));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = format!("/{path}");
    let body = String::from_utf8_lossy(&req.body);
    let hit = answers.iter().find(|a| {
        a.host == host
            && a.method == req.method
            && a.path == path
            && a.query.as_deref().is_none_or(|q| query.contains(q))
            && a.body_has.as_deref().is_none_or(|b| body.contains(b))
    });
    match hit {
        Some(a) => {
            let mut reply = Reply::new(a.status, &a.body);
            for (name, value) in &a.headers {
                reply = reply.header(name, value);
            }
            reply
        }
        None => Reply::new(404, r#"{"message":"Not Found"}"#),
    }
}

/// `--verify-override HOST=EMULATOR/HOST` for every host.
fn overrides(emulator: &Emulator, hosts: &HashSet<String>) -> Vec<String> {
    let mut hosts: Vec<&String> = hosts.iter().collect();
    hosts.sort();
    hosts
        .into_iter()
        .flat_map(|h| ["--verify-override".to_string(), format!("{h}={}/{h}", emulator.base)])
        .collect()
}

/// The JSON findings of `keyhound dir . --access` over `root`.
fn access_scan(root: &Path, extra: &[String]) -> serde_json::Value {
    let mut args = vec!["dir", ".", "--access", "-f", "json", "-q"];
    args.extend(extra.iter().map(String::as_str));
    let out = run_in(root, &args);
    assert!(code(&out) <= 1, "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn every_access_map_matches_its_provider_contract() {
    let contracts = load();
    let rules: BTreeMap<String, keyhound_rules::Rule> = keyhound_rules::builtin()
        .unwrap()
        .into_iter()
        .map(|r| (r.id().to_string(), r))
        .collect();
    let contracted: HashSet<&str> = contracts.iter().map(|c| c.rule.as_str()).collect();
    let missing: Vec<&String> = rules
        .values()
        // Offline maps (read from the key, nothing sent) have no provider
        // answers to replay: `pypi_tokens_are_mapped_offline` tests them.
        .filter(|r| r.spec.access.as_ref().is_some_and(|a| !a.flow.is_offline()))
        .map(|r| &r.spec.id)
        .filter(|id| !contracted.contains(id.as_str()))
        .collect();
    assert!(missing.is_empty(), "access maps without a contract: {missing:?}");
    let providers: HashSet<&str> = contracts
        .iter()
        .filter_map(|c| rules[&c.rule].spec.provider.as_deref())
        .collect();
    assert!(
        providers.len() >= 85,
        "only {} access-mapped providers",
        providers.len()
    );

    for (i, c) in contracts.iter().enumerate() {
        let rule = &rules[&c.rule];
        let dir = tempfile::tempdir().unwrap();
        let example = &rule.spec.examples.positive[0];
        write(
            dir.path(),
            "app/config.txt",
            format!("{}{example}\n", c.context.clone().unwrap_or_default()),
        );
        let answers = c.answer.clone();
        let emulator = Emulator::start(move |req| answer(&answers, req));
        let hosts: HashSet<String> = c.answer.iter().map(|a| a.host.clone()).collect();
        let doc = access_scan(dir.path(), &overrides(&emulator, &hosts));
        let label = format!("contract {i} ({})", c.rule);
        let finding = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == c.rule.as_str())
            .unwrap_or_else(|| panic!("{label}: example not found"));
        let verification = &finding["verification"];
        assert_eq!(verification["status"], "live", "{label}: {verification}");
        let map = &verification["access"];
        let e = &c.expect;
        assert_eq!(map["level"], e.level.as_str(), "{label}: {map}");
        if let Some(kind) = &e.kind {
            assert_eq!(map["kind"], kind.as_str(), "{label}");
        }
        for (k, v) in &e.identity {
            assert_eq!(map["identity"][k], v.as_str(), "{label}: identity {k}: {map}");
        }
        if let Some(scopes) = &e.scopes {
            let got: Vec<&str> = map["scopes"]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s.as_str()).collect())
                .unwrap_or_default();
            assert_eq!(got, scopes.iter().map(String::as_str).collect::<Vec<_>>(), "{label}");
        }
        let listing = |name: &str| {
            map["resources"]
                .as_array()
                .and_then(|rs| rs.iter().find(|r| r["name"] == name).cloned())
                .unwrap_or_else(|| panic!("{label}: no {name} listing: {map}"))
        };
        for (name, count) in &e.resources {
            assert_eq!(listing(name)["count"], *count, "{label}: {name}");
        }
        for (key, count) in &e.flagged {
            let (name, flag) = key.split_once('.').unwrap();
            assert_eq!(listing(name)["flagged"][flag], *count, "{label}: {key}");
        }
        let len = |field: &str| map[field].as_array().map_or(0, Vec::len);
        if let Some(n) = e.excess {
            assert_eq!(len("excess"), n, "{label}: excess {map}");
        }
        if let Some(n) = e.notes {
            assert_eq!(len("notes"), n, "{label}: notes {map}");
        }
        // Every call went to a host the rule's contract names, and was
        // answered from the documentation (no 404 means no guessed path).
        for req in emulator.requests() {
            let host = req.target.trim_start_matches('/').split('/').next().unwrap_or("");
            assert!(hosts.contains(host), "{label}: request to {host}");
            let body = String::from_utf8_lossy(&req.body).to_string();
            assert!(
                c.answer.iter().any(|a| a.host == host
                    && a.method == req.method
                    && req.target.contains(&a.path)
                    && a.body_has.as_deref().is_none_or(|b| body.contains(b))),
                "{label}: undocumented request {} {}",
                req.method,
                req.target
            );
        }
    }
}

/// A GitHub emulator: a token's scopes decide its level.
fn github(scopes: &'static str, login: &'static str, link: Option<&'static str>) -> Emulator {
    Emulator::start(move |req| match req.path() {
        "/gh/user" => Reply::new(200, &format!(r#"{{"login":"{login}","id":1}}"#)).header("x-oauth-scopes", scopes),
        "/gh/user/repos" => {
            let reply = Reply::new(
                200,
                r#"[{"full_name":"acme-fake/app","permissions":{"admin":false,"push":true,"pull":true}}]"#,
            );
            match link {
                Some(l) => reply.header("link", l),
                None => reply,
            }
        }
        "/gh/user/orgs" => Reply::new(200, "[]"),
        _ => Reply::new(404, "{}"),
    })
}

#[test]
fn a_listing_never_follows_a_link_to_a_host_the_rule_does_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    write(
        dir.path(),
        ".env",
        format!("GITHUB_TOKEN={}\n", github_token(&mut rng, "ghp_")),
    );
    let emulator = github(
        "repo",
        "octo-fake",
        Some(r#"<https://evil.example/steal?page=2>; rel="next""#),
    );
    let doc = access_scan(
        dir.path(),
        &[
            "--verify-override".into(),
            format!("api.github.com={}/gh", emulator.base),
            "--verify-override".into(),
            format!("evil.example={}/evil", emulator.base),
        ],
    );
    let map = &doc["findings"][0]["verification"]["access"];
    assert_eq!(map["level"], "write", "{map}");
    assert!(
        map["notes"].to_string().contains("evil.example"),
        "the refused page is noted: {map}"
    );
    assert!(
        emulator.requests().iter().all(|r| !r.target.starts_with("/evil")),
        "a request left for a host the rule does not name"
    );
}

#[test]
fn access_ranks_findings_and_every_format_carries_the_map() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(6);
    let admin = github_token(&mut rng, "ghp_");
    let reader = github_token(&mut rng, "ghp_");
    // The reader's key sorts first by path; the admin key must still lead.
    write(dir.path(), "a/reader.env", format!("GITHUB_TOKEN={reader}\n"));
    write(dir.path(), "z/admin.env", format!("GITHUB_TOKEN={admin}\n"));
    let (admin_c, reader_c) = (admin.clone(), reader.clone());
    let emulator = Emulator::start(move |req| {
        let token = req
            .header("authorization")
            .unwrap_or("")
            .rsplit(' ')
            .next()
            .unwrap_or("")
            .to_string();
        let (scopes, login) = if token == admin_c {
            ("repo, admin:org, delete_repo", "boss-fake")
        } else if token == reader_c {
            ("read:user", "reader-fake")
        } else {
            return Reply::new(401, r#"{"message":"Bad credentials"}"#);
        };
        match req.path() {
            "/gh/user" => Reply::new(200, &format!(r#"{{"login":"{login}"}}"#)).header("x-oauth-scopes", scopes),
            "/gh/user/repos" | "/gh/user/orgs" => Reply::new(200, "[]"),
            _ => Reply::new(404, "{}"),
        }
    });
    let over = [
        "--verify-override".to_string(),
        format!("api.github.com={}/gh", emulator.base),
    ];
    let run = |format: &str| {
        let mut args = vec!["dir", ".", "--access", "--color", "never", "-f", format];
        args.extend(over.iter().map(String::as_str));
        let out = run_in(dir.path(), &args);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        (stdout(&out), stderr(&out))
    };
    let (text, err) = run("text");
    let boss = text.find("z/admin.env").expect("admin finding");
    let reader_at = text.find("a/reader.env").expect("reader finding");
    assert!(boss < reader_at, "the admin key comes first:\n{text}");
    assert!(
        text.contains("access: admin, classic personal access token, 3 scope(s)"),
        "{text}"
    );
    assert!(text.contains("LEAST PRIVILEGE: scope admin:org, delete_repo"), "{text}");
    assert!(text.contains("access: read"), "{text}");
    assert!(err.contains("access of live keys: 1 admin, 1 read"), "{err}");
    assert!(
        !text.contains(&admin) && !text.contains(&reader),
        "secrets stay redacted"
    );

    let (sarif, _) = run("sarif");
    let doc: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let admin_result = results
        .iter()
        .find(|r| r["properties"]["access"] == "admin")
        .expect("SARIF carries the access level");
    assert_eq!(admin_result["level"], "error");
    assert!(admin_result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("Least privilege"));
    assert_eq!(
        admin_result["properties"]["verification"]["access"]["identity"]["login"],
        "boss-fake"
    );

    let mut args = vec!["inventory", "dir", ".", "--access", "-f", "csv"];
    args.extend(over.iter().map(String::as_str));
    let out = run_in(dir.path(), &args);
    let csv = stdout(&out);
    // The last column names the repositories of a multi-repository audit:
    // empty for one tree.
    assert!(
        csv.lines().next().unwrap().ends_with(",access,scopes,repositories"),
        "{csv}"
    );
    assert!(csv.lines().any(|l| l.ends_with(",admin,3,")), "{csv}");
    assert!(csv.lines().any(|l| l.ends_with(",read,1,")), "{csv}");
}

#[test]
fn keyhound_access_maps_the_keys_of_a_findings_file_and_the_cache_keeps_maps_not_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(7);
    let token = github_token(&mut rng, "ghp_");
    write(dir.path(), "tree/.env", format!("GITHUB_TOKEN={token}\n"));
    let out = run_in(dir.path(), &["dir", "tree", "-f", "json", "--show-secrets", "-q"]);
    std::fs::write(dir.path().join("findings.json"), &out.stdout).unwrap();
    let emulator = github("repo, admin:repo_hook", "hooks-fake", None);
    let base = format!("api.github.com={}/gh", emulator.base);
    let out = run_in(
        dir.path(),
        &[
            "access",
            "--from",
            "findings.json",
            "--verify-override",
            &base,
            "--verify-cache",
            "cache.json",
        ],
    );
    let text = stdout(&out);
    assert_eq!(code(&out), 1, "a live key exits 1: {}", stderr(&out));
    assert!(text.contains("access: admin"), "{text}");
    assert!(text.contains("identity: login=hooks-fake"), "{text}");
    assert!(text.contains("LEAST PRIVILEGE: scope admin:repo_hook"), "{text}");
    assert!(!text.contains(&token));
    let cache = std::fs::read_to_string(dir.path().join("cache.json")).unwrap();
    assert!(
        cache.contains("hooks-fake") && cache.contains("\"level\": \"admin\""),
        "{cache}"
    );
    assert!(!cache.contains(&token), "the cache holds no secret");
    // A second run answers from the cache: no new requests.
    let before = emulator.requests().len();
    let out = run_in(
        dir.path(),
        &[
            "access",
            "--from",
            "findings.json",
            "--verify-override",
            &base,
            "--verify-cache",
            "cache.json",
            "-f",
            "json",
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["access"]["level"], "admin");
    assert_eq!(emulator.requests().len(), before, "the cached map was reused");
    // `validate` maps only when asked.
    let out = run_stdin(
        dir.path(),
        &["validate", "--verify-override", &base, "-f", "json"],
        format!("{token}\n").as_bytes(),
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["status"], "live");
    assert!(rows[0].get("access").is_none(), "{rows}");
}

/// A PyPI token as Warehouse mints them: `pypi-` and the base64url of a
/// version-2 macaroon (location, identifier, EOS; each caveat's identifier
/// and EOS; EOS; signature), written by hand.
fn pypi_token(location: &str, caveats: &[&str]) -> String {
    use base64::Engine as _;
    fn field(kind: u8, data: &[u8], out: &mut Vec<u8>) {
        out.push(kind);
        let mut n = data.len();
        while n >= 0x80 {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(data);
    }
    let mut bytes = vec![2];
    field(1, location.as_bytes(), &mut bytes);
    field(2, b"9f8e7d6c-fake-token-id", &mut bytes);
    bytes.push(0);
    for c in caveats {
        field(2, c.as_bytes(), &mut bytes);
        bytes.push(0);
    }
    bytes.push(0);
    field(6, &[0x5a; 32], &mut bytes);
    format!(
        "pypi-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

#[test]
fn pypi_tokens_are_mapped_offline() {
    let dir = tempfile::tempdir().unwrap();
    let user_wide = pypi_token("pypi.org", &[r#"{"version": 1, "permissions": "user"}"#]);
    let scoped = pypi_token(
        "test.pypi.org",
        &[
            r#"[0, 4102444800, 1700000000]"#,
            r#"[3, "0d9c1e2f-fake-user"]"#,
            r#"[1, ["acme-fake", "acme-cli-fake"]]"#,
        ],
    );
    // The rule's own example is random bytes, not a macaroon: no map.
    let rules = keyhound_rules::builtin().unwrap();
    let rule = rules.iter().find(|r| r.id() == "pypi-api-token").unwrap();
    let garbage = rule.spec.examples.positive[0].clone();
    write(dir.path(), "a/.pypirc", format!("password = {user_wide}\n")); // keyhound:allow (fake token built above)
    write(dir.path(), "b/.pypirc", format!("password = {scoped}\n")); // keyhound:allow (fake token built above)
    write(dir.path(), "c/.env", format!("{garbage}\n"));
    // Any request fails the test: nothing may be sent for these keys.
    let emulator = Emulator::start(|_| Reply::new(500, "{}"));
    let mut extra = Vec::new();
    for host in ["pypi.org", "test.pypi.org", "upload.pypi.org"] {
        extra.push("--verify-override".to_string());
        extra.push(format!("{host}={}/{host}", emulator.base));
    }
    let doc = access_scan(dir.path(), &extra);
    assert!(
        emulator.requests().is_empty(),
        "a request was sent: {:?}",
        emulator.requests()
    );
    let findings = doc["findings"].as_array().unwrap();
    let at = |dir: &str| {
        findings
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.starts_with(dir)))
            .unwrap_or_else(|| panic!("no finding in {dir}: {doc}"))
    };
    let wide = &at("a/")["verification"];
    assert_eq!(wide["status"], "unknown", "PyPI was not asked: {wide}");
    let map = &wide["access"];
    assert_eq!(map["level"], "write", "{map}");
    assert_eq!(map["kind"], "API token (macaroon, read offline)");
    assert_eq!(map["identity"]["location"], "pypi.org");
    assert_eq!(map["scopes"], serde_json::json!(["upload:all-projects"]));
    assert_eq!(map["requests"], 0);
    assert!(map["notes"][0].as_str().unwrap().contains("not asked of PyPI"), "{map}");
    assert_eq!(map["excess"][0]["what"], "scope upload:all-projects", "{map}");
    assert!(map["excess"][0]["advice"]
        .as_str()
        .unwrap()
        .starts_with("a project-scoped token"));

    let map = &at("b/")["verification"]["access"];
    assert_eq!(map["level"], "write", "{map}");
    assert_eq!(
        map["scopes"],
        serde_json::json!(["upload:project:acme-fake", "upload:project:acme-cli-fake"])
    );
    assert_eq!(map["identity"]["user_id"], "0d9c1e2f-fake-user");
    assert_eq!(map["identity"]["location"], "test.pypi.org");
    assert_eq!(map["expires"], "2100-01-01T00:00:00+00:00");
    assert_eq!(map["resources"][0]["name"], "projects");
    assert_eq!(map["resources"][0]["count"], 2);
    assert!(
        map.get("excess").is_none(),
        "a project-scoped token is not flagged: {map}"
    );

    let garbage_finding = at("c/");
    assert_eq!(
        garbage_finding["verification"]["status"], "unknown",
        "{garbage_finding}"
    );
    assert!(
        garbage_finding["verification"].get("access").is_none(),
        "a malformed token has no map: {garbage_finding}"
    );

    // Without --access nothing is read or sent.
    let out = run_in(dir.path(), &["dir", ".", "--verify", "-f", "json", "-q"]);
    let plain: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        plain["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["verification"].is_null()),
        "{plain}"
    );

    // `keyhound access` reads the same map from standard input.
    let out = run_stdin(dir.path(), &["access", "-f", "json"], format!("{scoped}\n").as_bytes());
    let rows: serde_json::Value =
        serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(rows[0]["access"]["level"], "write", "{rows}");
    assert_eq!(rows[0]["access"]["resources"][0]["count"], 2, "{rows}");
    assert!(emulator.requests().is_empty());
}
