//! `keyhound migrate` and `keyhound baseline import` on realistic files
//! written from the peers' documentation: a `.gitleaks.toml` with custom
//! rules and allowlists, a `.gitleaksignore` with history and directory
//! fingerprints, a detect-secrets `.secrets.baseline` with audited entries,
//! a TruffleHog exclude-paths file. Each test then scans with what was
//! written and checks the result, in a real git repository.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The paths of a JSON report's findings, in report order.
fn paths_of(doc: &serde_json::Value) -> Vec<&str> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect()
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["config", "user.name", "Dev"]);
    git(dir.path(), &["config", "user.email", "dev@example.com"]);
    dir
}

/// A gitleaks config as teams write them (gitleaks README, "Configuration").
const GITLEAKS_TOML: &str = r#"title = "Acme gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key"]

[[rules]]
id = "acme-internal-token"
description = "Acme internal service token"
regex = '''(?i)acme[_-]?token\s*[:=]\s*['"]?(acm_[a-z0-9]{32})['"]?'''
secretGroup = 1
keywords = ["acm_"]
entropy = 3.0
tags = ["internal"]
[[rules.allowlists]]
stopwords = ["example"]

[[rules]]
id = "widget-key"
description = "Widget key"
regex = '''widget-[A-Za-z0-9]{24}'''

[[rules]]
id = "pkcs12-file"
description = "PKCS12 file"
path = '''\.p12$'''

[[rules]]
id = "no-literal"
regex = '''[a-f0-9]{64}'''

[[rules]]
id = "github-pat-classic"
description = "Shadows a keyhound id"
regex = '''ghx_[0-9a-zA-Z]{36}'''
keywords = ["ghx_"]

[allowlist]
description = "global"
paths = ['''(^|/)vendor/''', '''\.lock$''']
regexes = ['''^widget-TESTTESTTEST''']
stopwords = ["dummy"]

[[allowlists]]
condition = "AND"
regexTarget = "line"
regexes = ['''test''']
paths = ['''tests/''']
"#;

#[test]
fn a_gitleaks_config_becomes_rules_and_policy_that_scan_as_gitleaks_would() {
    let dir = repo();
    let root = dir.path();
    write(root, ".gitleaks.toml", GITLEAKS_TOML);
    write(
        root,
        "app.env",
        "acme_token = \"acm_0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d\"\n",
    );
    write(root, "main.txt", "key: widget-ZyXwVuTsRqPoNmLkJiHgFeDc\n");
    write(root, "vendor/lib.txt", "widget-AbCdEfGhIjKlMnOpQrStUvWx\n");
    write(root, "fixtures.txt", "widget-TESTTESTTESTabcdefghijkl\n");
    write(root, "docs.txt", "acme_token = acm_dummy0000000000000000000000000000\n");

    let dry = run_in(root, &["migrate"]);
    assert_eq!(code(&dry), 0, "{}", stderr(&dry));
    let report = stdout(&dry);
    for line in [
        "rule `acme-internal-token` — translated",
        "rule `widget-key` — approximated",
        "keywords [\"widget-\"] taken from the regex",
        "rule `pkcs12-file` — NOT translated: a path-only rule",
        "rule `no-literal` — NOT translated: no keywords",
        "renamed `gitleaks-github-pat-classic`",
        "[allowlist] paths (2) — translated: 2 exclude_path_patterns",
        "[allowlist] stopwords (1) — translated",
        "(condition = \"AND\") — NOT translated",
        "disabledRules [\"generic-api-key\"] — NOT translated",
        "nothing written",
    ] {
        assert!(report.contains(line), "{line:?} in:\n{report}");
    }
    assert!(!root.join(".keyhound.toml").exists(), "a dry run writes nothing");

    let wrote = run_in(root, &["migrate", "--write"]);
    assert_eq!(code(&wrote), 0, "{}", stderr(&wrote));
    assert!(root.join(".keyhound.toml").exists());
    let pack = std::fs::read_to_string(root.join(".keyhound/gitleaks-rules.toml")).unwrap();
    assert!(pack.contains("id = \"acme-internal-token\""), "{pack}");
    assert!(
        pack.contains("(?P<secret>acm_[a-z0-9]{32})"),
        "secretGroup 1 became the secret: {pack}"
    );

    let scan = run_in(root, &["dir", ".", "-f", "json"]);
    assert_eq!(code(&scan), 1, "{}", stderr(&scan));
    let doc: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let mut found: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            ("acme-internal-token".to_string(), "app.env".to_string()),
            ("widget-key".to_string(), "main.txt".to_string()),
        ],
        "vendor/ excluded by path, the TEST secret and the dummy stopword allowed, the pack's own examples not scanned"
    );
    // A config in the scanned tree narrows the scan: every way is named.
    let warning = doc["summary"]["warnings"].to_string();
    assert!(warning.contains("excludes paths matching 2 regexes"), "{warning}");
    assert!(warning.contains("allows findings by 2 [allow] entries"), "{warning}");

    // A second run refuses to overwrite the config without --force.
    let again = run_in(root, &["migrate", "--write"]);
    assert_eq!(code(&again), 2, "{}", stdout(&again));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
}

#[test]
fn gitleaksignore_entries_become_keyhound_fingerprints_by_place() {
    let dir = repo();
    let root = dir.path();
    let mut rng = Rng::new(1919);
    let old = github_token(&mut rng, "ghp_");
    let kept = github_token(&mut rng, "ghp_");
    let fresh = github_token(&mut rng, "ghp_");
    write(root, "ci/deploy.sh", format!("echo start\nexport GITHUB_TOKEN={old}\n"));
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "deploy script"]);
    let first = git(root, &["rev-parse", "HEAD"]);
    write(root, "ci/deploy.sh", "echo start\n");
    write(root, "config/app.env", format!("# app\nTOKEN={kept}\n"));
    write(root, "config/new.env", format!("TOKEN={fresh}\n"));
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "move token"]);
    // gitleaks writes one fingerprint per ignored finding: history form
    // (commit:path:rule:line) and directory form (path:rule:line).
    write(
        root,
        ".gitleaksignore",
        format!(
            "# accepted after review\n{first}:ci/deploy.sh:github-pat:2\nconfig/app.env:github-pat:2\nconfig/gone.env:github-pat:9\nnot a fingerprint\n"
        ),
    );
    let out = run_in(root, &["baseline", "import", "--from", "gitleaks"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("4 entr(y/ies) read, 2 matched"), "{said}");
    assert!(
        said.contains("config/gone.env:github-pat:9: keyhound finds nothing"),
        "{said}"
    );
    assert!(said.contains("is not commit:path:rule:line"), "{said}");

    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join(".keyhound-baseline.json")).unwrap()).unwrap();
    assert_eq!(baseline["entries"].as_array().unwrap().len(), 2, "{baseline}");

    let tree = run_in(root, &["dir", ".", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&tree.stdout).unwrap();
    let paths = paths_of(&doc);
    assert_eq!(
        paths,
        vec!["config/new.env"],
        "only the key gitleaks did not ignore: {doc}"
    );
    let history = run_in(root, &["git", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    let paths = paths_of(&doc);
    assert_eq!(paths, vec!["config/new.env"], "the history entry matched too: {doc}");
    for token in [&old, &kept, &fresh] {
        assert!(!std::fs::read_to_string(root.join(".keyhound-baseline.json"))
            .unwrap()
            .contains(token.as_str()));
    }
}

/// SHA-1 hex of `s`, computed by Python's hashlib as detect-secrets does.
fn python_sha1(s: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            s,
        ])
        .output()
        .expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn a_detect_secrets_baseline_is_imported_by_hash_and_confirmed_secrets_stay_reported() {
    let dir = repo();
    let root = dir.path();
    let mut rng = Rng::new(2019);
    let audited_fake = github_token(&mut rng, "ghp_");
    let unaudited = github_token(&mut rng, "ghp_");
    let confirmed = github_token(&mut rng, "ghp_");
    let unknown = github_token(&mut rng, "ghp_");
    write(root, "tests/fixture.py", format!("TOKEN = \"{audited_fake}\"\n"));
    write(
        root,
        "settings.py",
        format!("GITHUB = \"{unaudited}\"\nDEPLOY = \"{confirmed}\"\n"),
    );
    write(root, "new.py", format!("T = \"{unknown}\"\n"));
    // The layout `detect-secrets scan > .secrets.baseline` writes, with
    // `detect-secrets audit` labels (is_secret).
    let baseline = serde_json::json!({
        "version": "1.5.0",
        "plugins_used": [{"name": "GitHubTokenDetector"}],
        "filters_used": [],
        "results": {
            "tests/fixture.py": [{"type": "GitHub Token", "filename": "tests/fixture.py", "hashed_secret": python_sha1(&audited_fake), "is_verified": false, "line_number": 1, "is_secret": false}],
            "settings.py": [
                {"type": "GitHub Token", "filename": "settings.py", "hashed_secret": python_sha1(&unaudited), "is_verified": false, "line_number": 1},
                {"type": "GitHub Token", "filename": "settings.py", "hashed_secret": python_sha1(&confirmed), "is_verified": false, "line_number": 2, "is_secret": true}
            ],
            "removed.py": [{"type": "Secret Keyword", "filename": "removed.py", "hashed_secret": python_sha1("hunter2"), "is_verified": false, "line_number": 4}]
        },
        "generated_at": "2026-11-30T10:00:00Z"
    });
    write(
        root,
        ".secrets.baseline",
        serde_json::to_string_pretty(&baseline).unwrap(),
    );
    let out = run_in(root, &["migrate", "--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("4 entr(y/ies) read, 2 matched"), "{said}");
    assert!(said.contains("kept reported: settings.py:2 GitHub Token"), "{said}");
    assert!(said.contains("not matched: removed.py:4"), "{said}");
    let written = std::fs::read_to_string(root.join(".keyhound-baseline.json")).unwrap();
    assert!(
        written.contains("\"reason\": \"false-positive\""),
        "audited false positive: {written}"
    );
    assert!(written.contains("\"reason\": \"baseline\""), "unaudited: {written}");

    let scan = run_in(root, &["dir", ".", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let mut lines: Vec<(String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![("new.py".to_string(), 1), ("settings.py".to_string(), 2)],
        "the confirmed secret and the new one are still reported: {doc}"
    );
}

#[test]
fn a_trufflehog_exclude_file_becomes_path_patterns() {
    let dir = repo();
    let root = dir.path();
    let mut rng = Rng::new(2119);
    write(
        root,
        "node_modules/pkg/index.js",
        format!("t='{}'\n", github_token(&mut rng, "ghp_")),
    );
    write(root, "src/app.js", format!("t='{}'\n", github_token(&mut rng, "ghp_")));
    write(
        root,
        "exclude.txt",
        "# generated\nnode_modules/\n\\.min\\.js$\n(unclosed\n",
    );
    let out = run_in(root, &["migrate", "--trufflehog-exclude", "exclude.txt", "--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("line 2: \"node_modules/\" — translated"), "{said}");
    assert!(
        said.contains("line 4: \"(unclosed\" — NOT translated: does not compile"),
        "{said}"
    );
    let scan = run_in(root, &["dir", ".", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    let paths = paths_of(&doc);
    assert_eq!(paths, vec!["src/app.js"], "{doc}");
}

#[test]
fn nothing_to_migrate_says_what_it_looked_for() {
    let dir = repo();
    let out = run_in(dir.path(), &["migrate"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("nothing to read"), "{}", stdout(&out));
    assert!(stdout(&out).contains(".gitleaks.toml"), "{}", stdout(&out));
}
