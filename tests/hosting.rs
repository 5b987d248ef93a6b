//! `keyhound github` against a loopback emulator of GitHub's REST API
//! (tests/servers/github_api.py: organisation listings paginated by `Link`,
//! rate-limit headers, a secondary rate limit answered with `Retry-After`,
//! issues, comments and review comments) served beside git's own
//! smart-HTTP backend on the same port, so clone URLs stay on the API's
//! host. Repositories are built with the git CLI.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

struct Org {
    _root: tempfile::TempDir,
    _server: Server,
    port: u16,
    log: PathBuf,
    token: String,
    /// The key planted in each repository (and text), by name.
    keys: Vec<(&'static str, String)>,
}

/// The organisation `acme`: app (a key in history, a wiki with a key),
/// core (private: cloning needs the token), old (archived), fork (a fork),
/// empty (no commits), ghost (listed by the API, missing on the git
/// server), and app's issues and pull requests with keys in a comment and
/// a review comment. Listings come two to a page.
fn acme() -> Org {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x0a11);
    let mut keys = Vec::new();
    for name in ["app", "app.wiki", "core", "old", "fork"] {
        let id = aws_key_id(&mut rng);
        bare_repo(
            root.path(),
            &format!("acme/{name}.git"),
            &[
                vec![("README.md", format!("# {name}\n"))],
                vec![("deploy/keys.env", format!("AWS_ACCESS_KEY_ID={id}\n"))],
                vec![("deploy/keys.env", "AWS_ACCESS_KEY_ID=${FROM_VAULT}\n".to_owned())],
            ],
        );
        keys.push((name, id));
    }
    let empty = root.path().join("acme/empty.git");
    git_as_dev(root.path(), &["init", "-q", "--bare", empty.to_str().unwrap()]);
    let issue_token = github_token(&mut rng, "ghp_");
    let review_key = aws_key_id(&mut rng);
    keys.push(("issue-comment", issue_token.clone()));
    keys.push(("review-comment", review_key.clone()));
    let token = github_token(&mut rng, "ghp_");
    let repo = |name: &str, extra: serde_json::Value| {
        let mut r = serde_json::json!({"name": format!("acme/{name}")});
        r.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        r
    };
    let spec = serde_json::json!({
        "token": token,
        "page_size": 2,
        "secondary_limit_once": true,
        "orgs": {"acme": [
            repo("app", serde_json::json!({"has_wiki": true})),
            repo("core", serde_json::json!({"private": true})),
            repo("old", serde_json::json!({"archived": true})),
            repo("fork", serde_json::json!({"fork": true})),
            repo("empty", serde_json::json!({})),
            repo("ghost", serde_json::json!({})),
        ]},
        "issues": {"acme/app": [
            {"number": 1, "title": "Deploy fails", "body": "The deploy job fails since Monday.", "user": "ann"},
            {"number": 2, "title": "Rotate CI secrets", "body": "See the diff.", "user": "bob", "pull": true},
        ]},
        "comments": {"acme/app": [
            {"id": 7, "number": 1, "user": "carl", "body": format!("works for me with GITHUB_TOKEN={issue_token}")},
            {"id": 8, "number": 2, "pull": true, "user": "dora", "body": "LGTM"},
        ]},
        "review_comments": {"acme/app": [
            {"id": 9, "number": 2, "user": "eve", "body": format!("this still has AWS_ACCESS_KEY_ID={review_key} in it")},
        ]},
    });
    serve(root, spec, token, keys, "/acme/core", "x-access-token")
}

/// Serves the repositories under `root` and the API answers of `spec` on
/// one loopback port; `private` needs the token to clone.
fn serve(
    root: tempfile::TempDir,
    spec: serde_json::Value,
    token: String,
    keys: Vec<(&'static str, String)>,
    private: &str,
    clone_user: &str,
) -> Org {
    let spec_path = root.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let port = free_port();
    let log = root.path().join("requests.jsonl");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/git_http.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(root.path())
        .arg(&log)
        .args(["--auth", &format!("{clone_user}:{token}")])
        .args(["--private", private])
        .arg("--api")
        .arg(&spec_path)
        .spawn()
        .expect("python3");
    wait_for_port(port, "git_http.py", &mut child);
    Org {
        _root: root,
        _server: Server(child),
        port,
        log,
        token,
        keys,
    }
}

impl Org {
    fn key(&self, name: &str) -> &str {
        &self.keys.iter().find(|(n, _)| *n == name).unwrap().1
    }

    fn audit(&self, cache: &Path, args: &[&str], token: Option<&str>) -> Output {
        let args: Vec<&str> = ["--format", "json", "--show-secrets"]
            .iter()
            .chain(args)
            .copied()
            .collect();
        self.run(cache, &["github", "--org", "acme"], &args, token)
    }

    /// keyhound `command` against this server's API, with the cache, the
    /// token and a clean environment.
    fn run(&self, cache: &Path, command: &[&str], args: &[&str], token: Option<&str>) -> Output {
        let home = cache.join("home");
        std::fs::create_dir_all(&home).unwrap();
        // The API path and token variable of the platform the command names.
        let (api, variable) = if command.contains(&"gitlab") {
            ("/api/v4", "GITLAB_TOKEN")
        } else {
            ("/api/v3", "GITHUB_TOKEN")
        };
        let mut cmd = keyhound();
        cmd.args(command)
            .arg("--api-url")
            .arg(format!("http://127.0.0.1:{}{api}", self.port))
            .arg("--cache-dir")
            .arg(cache)
            .args(args)
            .env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GH_TOKEN")
            .env_remove("KEYHOUND_GIT_TOKEN")
            .env_remove("KEYHOUND_CACHE_DIR");
        cmd.env_remove("GITLAB_TOKEN");
        match token {
            Some(t) => cmd.env(variable, t),
            None => cmd.env_remove(variable),
        };
        cmd.output().expect("run keyhound")
    }
}

fn findings(out: &Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)));
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// The finding whose secret is `secret`.
fn finding_of<'a>(found: &'a [serde_json::Value], secret: &str) -> Option<&'a serde_json::Value> {
    found.iter().find(|f| f["secret"] == secret)
}

#[test]
fn an_organisation_is_audited_repository_by_repository_with_issues_and_wikis() {
    let org = acme();
    let cache = tempfile::tempdir().unwrap();
    let sarif_dir = cache.path().join("sarif");
    let out = org.audit(
        cache.path(),
        &[
            "--include-wikis",
            "--include-issues",
            "--include-prs",
            "--sarif-dir",
            sarif_dir.to_str().unwrap(),
        ],
        Some(&org.token),
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    let found = findings(&out);

    // History of each repository, named in every finding; the private one
    // cloned with the token.
    for (name, repository) in [
        ("app", "acme/app"),
        ("core", "acme/core"),
        ("app.wiki", "acme/app.wiki"),
    ] {
        let f = finding_of(&found, org.key(name)).unwrap_or_else(|| panic!("{name}: {found:#?}\n{err}"));
        assert_eq!(f["origin"]["kind"], "git_blob", "{f}");
        assert_eq!(f["origin"]["repository"], repository, "{f}");
        assert_eq!(f["origin"]["path"], "deploy/keys.env", "{f}");
        assert_eq!(f["present_in_head"], false, "removed by the third commit: {f}");
    }
    // Forks and archived repositories are left out by default.
    for name in ["old", "fork"] {
        assert!(finding_of(&found, org.key(name)).is_none(), "{name} was scanned");
    }
    // Issue comments and review comments, by their URLs.
    let f = finding_of(&found, org.key("issue-comment")).expect("issue comment");
    assert_eq!(f["origin"]["kind"], "web", "{f}");
    assert_eq!(f["origin"]["what"], "issue comment", "{f}");
    assert_eq!(f["origin"]["author"], "carl", "{f}");
    assert!(
        f["origin"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/acme/app/issues/1#issuecomment-7"),
        "{f}"
    );
    let f = finding_of(&found, org.key("review-comment")).expect("review comment");
    assert_eq!(f["origin"]["what"], "review comment", "{f}");
    assert!(
        f["origin"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/acme/app/pull/2#discussion_r9"),
        "{f}"
    );

    // What the run said: the secondary rate limit waited, the missing
    // repository failed without stopping the others, the empty one is
    // empty, the table shows the API's rate limit.
    assert!(err.contains("waiting 1 s for the GitHub API"), "{err}");
    assert!(err.contains("2 of 6 repositories left out"), "{err}");
    let row = |name: &str| {
        err.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}: {err}"))
            .to_owned()
    };
    assert!(row("acme/ghost").contains("failed: "), "{err}");
    assert!(row("acme/empty").ends_with("empty"), "{err}");
    assert!(row("acme/app").ends_with("ok"), "{err}");
    assert!(err.contains("API rate limit: "), "{err}");
    assert!(err.contains("acme/ghost"), "{err}");

    // One SARIF per repository, each with only its own results.
    let sarif = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(sarif_dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        serde_json::from_str(&text).unwrap()
    };
    let app = sarif("acme_app.sarif");
    let results = app["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let uri = &app["runs"][0]["versionControlProvenance"][0]["repositoryUri"];
    assert_eq!(uri, format!("http://127.0.0.1:{}/acme/app", org.port).as_str());
    let core = sarif("acme_core.sarif");
    assert_eq!(core["runs"][0]["results"].as_array().unwrap().len(), 1, "{core}");
    let empty = sarif("acme_empty.sarif");
    assert_eq!(empty["runs"][0]["results"].as_array().unwrap().len(), 0);

    // Mirrors were removed once scanned.
    let left: Vec<_> = std::fs::read_dir(cache.path().join("git")).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");

    // The token went to the API and to the private repository's clone,
    // and the server never logged it (only the user name).
    let log = std::fs::read_to_string(&org.log).unwrap();
    assert!(!log.contains(&org.token));
    assert!(log
        .lines()
        .any(|l| l.contains("/acme/core.git/") && l.contains("\"user\": \"x-access-token\"")));
}

#[test]
fn forks_and_archived_repositories_on_request_and_a_bad_token_is_a_clear_error() {
    let org = acme();
    let cache = tempfile::tempdir().unwrap();
    let out = org.audit(
        cache.path(),
        &["--include-forks", "--include-archived", "--keep"],
        Some(&org.token),
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let found = findings(&out);
    for name in ["old", "fork", "app", "core"] {
        assert!(finding_of(&found, org.key(name)).is_some(), "{name}: {}", stderr(&out));
    }
    // Kept mirrors: the next audit fetches nothing new and reads no blob
    // again, and reports the same findings.
    let again = org.audit(
        cache.path(),
        &["--include-forks", "--include-archived"],
        Some(&org.token),
    );
    assert_eq!(code(&again), 1, "{}", stderr(&again));
    assert_eq!(findings(&again).len(), found.len());
    let err = stderr(&again);
    let app = err
        .lines()
        .find(|l| l.starts_with("acme/app "))
        .unwrap_or_else(|| panic!("{err}"));
    let cols: Vec<&str> = app.split_whitespace().collect();
    // Three blobs: the README and the placeholder come from the cache; the
    // one holding a key is never recorded as clean, so it is read again.
    assert_eq!((cols[2], cols[3]), ("3", "2"), "{app}");

    let out = org.audit(cache.path(), &[], Some("ghp_wrong"));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).to_lowercase().contains("unauthorized") || stderr(&out).contains("401"),
        "{}",
        stderr(&out)
    );
    let out = org.audit(cache.path(), &[], None);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn the_inventory_of_an_organisation_lists_every_repository_holding_a_secret() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x1_7e_47);
    let shared = aws_key_id(&mut rng);
    let own = aws_key_id(&mut rng);
    // The same key committed to two repositories, and one only in worker.
    for (name, extra) in [("api", None), ("worker", Some(&own)), ("docs", None)] {
        let mut files = vec![("README.md", format!("# {name}\n"))];
        if name != "docs" {
            files.push(("config/aws.env", format!("AWS_ACCESS_KEY_ID={shared}\n")));
        }
        if let Some(key) = extra {
            files.push(("ci/deploy.env", format!("AWS_ACCESS_KEY_ID={key}\n")));
        }
        bare_repo(root.path(), &format!("initech/{name}.git"), &[files]);
    }
    let token = github_token(&mut rng, "ghp_");
    let spec = serde_json::json!({
        "token": token,
        "page_size": 10,
        "orgs": {"initech": [
            {"name": "initech/api"}, {"name": "initech/worker"}, {"name": "initech/docs"},
        ]},
    });
    let org = serve(
        root,
        spec,
        token.clone(),
        Vec::new(),
        "/nothing-private",
        "x-access-token",
    );
    let cache = tempfile::tempdir().unwrap();
    let out = org.run(
        cache.path(),
        &["inventory", "github", "--org", "initech"],
        &["--format", "json", "--show-secrets"],
        Some(&token),
    );
    assert_eq!(
        code(&out),
        0,
        "an inventory is a report, as for one repository: {}",
        stderr(&out)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    let rows = doc["secrets"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "one row per secret, not per repository: {rows:#?}");
    let row_of = |key: &str| {
        rows.iter()
            .find(|r| r["secret"] == key)
            .unwrap_or_else(|| panic!("{key}: {rows:#?}"))
    };
    let both = row_of(&shared);
    assert_eq!(
        both["repositories"],
        serde_json::json!(["initech/api", "initech/worker"])
    );
    assert_eq!(both["locations"], 2);
    assert_eq!(
        both["first_seen"]["author"], "Dev <dev@example.org>",
        "the owner: {both}"
    );
    assert!(
        both["first_seen"]["commit"].as_str().is_some_and(|c| c.len() == 40),
        "{both}"
    );
    assert!(both["first_seen"]["repository"]
        .as_str()
        .unwrap()
        .starts_with("initech/"));
    assert_eq!(row_of(&own)["repositories"], serde_json::json!(["initech/worker"]));

    // The table says which repositories hold each secret. A one-byte
    // cache limit fetches one repository at a time; all are still audited.
    let table = org.run(
        cache.path(),
        &["inventory", "github", "--org", "initech"],
        &["--format", "text", "--cache-limit", "1"],
        Some(&token),
    );
    assert_eq!(code(&table), 0, "{}", stderr(&table));
    assert!(stderr(&table).contains("[3/3]"), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.lines().next().unwrap().contains("REPOS"), "{text}");
    assert!(text.contains("initech/api +1"), "{text}");
}

/// A GitLab group with a subgroup path, served by tests/servers/gitlab_api.py
/// beside git: a private project cloned as `oauth2` with the token, an
/// archived one left out, and a key in an issue note and in a merge
/// request's diff note.
#[test]
fn a_gitlab_group_is_audited_with_its_issue_and_merge_request_notes() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x9_1ab);
    let mut keys = Vec::new();
    for name in ["api", "legacy"] {
        let id = aws_key_id(&mut rng);
        bare_repo(
            root.path(),
            &format!("platform/backend/{name}.git"),
            &[vec![("settings/aws.env", format!("AWS_ACCESS_KEY_ID={id}\n"))]],
        );
        keys.push((name, id));
    }
    let note_token = github_token(&mut rng, "ghp_");
    let diff_key = aws_key_id(&mut rng);
    keys.push(("note", note_token.clone()));
    keys.push(("diff-note", diff_key.clone()));
    let token = format!(
        "glpat-{}",
        rng.string("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20)
    );
    let spec = serde_json::json!({
        "platform": "gitlab",
        "token": token,
        "page_size": 1,
        "groups": {"platform/backend": [
            {"path": "platform/backend/api"},
            {"path": "platform/backend/legacy", "archived": true},
        ]},
        "issues": {"platform/backend/api": [
            {"iid": 4, "title": "CI broken", "description": "Pipeline fails on deploy.", "author": "ann"},
        ]},
        "merge_requests": {"platform/backend/api": [
            {"iid": 12, "title": "Move secrets to vault", "description": "See diff.", "author": "bob"},
        ]},
        "notes": {"platform/backend/api": [
            {"id": 31, "on": "issues", "iid": 4, "author": "carl", "body": format!("try GITHUB_TOKEN={note_token}")},
            {"id": 32, "on": "issues", "iid": 4, "system": true, "body": "changed the description"},
            {"id": 41, "on": "merge_requests", "iid": 12, "type": "DiffNote", "author": "dora",
             "body": format!("AWS_ACCESS_KEY_ID={diff_key} is still here")},
        ]},
    });
    let org = serve(root, spec, token.clone(), keys, "/platform/backend/api", "oauth2");
    let cache = tempfile::tempdir().unwrap();
    let out = org.run(
        cache.path(),
        &["gitlab", "--group", "platform/backend"],
        &[
            "--include-issues",
            "--include-prs",
            "--format",
            "json",
            "--show-secrets",
        ],
        Some(&token),
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    let found = findings(&out);
    let f = finding_of(&found, org.key("api")).unwrap_or_else(|| panic!("{found:#?}\n{err}"));
    assert_eq!(f["origin"]["repository"], "platform/backend/api", "{f}");
    assert!(
        finding_of(&found, org.key("legacy")).is_none(),
        "archived projects are left out"
    );
    let note = finding_of(&found, org.key("note")).expect("issue note");
    assert_eq!(note["origin"]["what"], "issue comment", "{note}");
    assert_eq!(note["origin"]["author"], "carl", "{note}");
    assert!(
        note["origin"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/platform/backend/api/-/issues/4#note_31"),
        "{note}"
    );
    let diff = finding_of(&found, org.key("diff-note")).expect("diff note");
    assert_eq!(diff["origin"]["what"], "review comment", "{diff}");
    // The private project was cloned with GitLab's user name for tokens.
    let log = std::fs::read_to_string(&org.log).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("/platform/backend/api.git/") && l.contains("\"user\": \"oauth2\"")),
        "{log}"
    );
    assert!(
        !err.contains(&token) && !stdout(&out).contains(&token),
        "the token is never printed"
    );
}
