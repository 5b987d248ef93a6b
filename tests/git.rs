//! Git sources end to end, on real repositories built with the `git` CLI:
//! history provenance, ranges, staged changes, hooks through real commits
//! and pushes, baselines, the blob cache and damaged repositories.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// A scratch repository driven through the real `git` CLI with a fixed
/// identity and clock, isolated from the machine's git config.
struct Repo {
    _dir: tempfile::TempDir,
    path: PathBuf,
    home: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let repo = Repo { _dir: dir, path, home };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn cmd(&self, program: &str, dir: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(dir)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join("gitconfig"))
            .env("GIT_AUTHOR_NAME", "Alice Example")
            .env("GIT_AUTHOR_EMAIL", "alice@example.com")
            .env("GIT_COMMITTER_NAME", "Alice Example")
            .env("GIT_COMMITTER_EMAIL", "alice@example.com");
        cmd
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> std::process::Output {
        let out = self.cmd("git", dir).args(args).output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn git(&self, args: &[&str]) -> String {
        String::from_utf8(self.git_in(&self.path, args).stdout)
            .unwrap()
            .trim()
            .to_string()
    }

    /// Commits everything staged with a fixed date; returns the commit id.
    fn commit(&self, message: &str, date: &str) -> String {
        self.commit_as(message, date, "Alice Example", "alice@example.com")
    }

    fn commit_as(&self, message: &str, date: &str, name: &str, email: &str) -> String {
        let out = self
            .cmd("git", &self.path)
            .args(["commit", "-q", "--allow-empty", "-m", message])
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "commit failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.git(&["rev-parse", "HEAD"])
    }

    fn write(&self, rel: &str, content: &str) {
        write(&self.path, rel, content);
    }

    fn add(&self, rel: &str, content: &str) {
        self.write(rel, content);
        self.git(&["add", rel]);
    }

    fn keyhound(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = self.cmd(env!("CARGO_BIN_EXE_keyhound"), &self.path);
        cmd.args(args).stdin(std::process::Stdio::null()).output().unwrap()
    }
}

fn token(seed: u64) -> String {
    github_token(&mut Rng::new(seed), "ghp_")
}

fn by_secret<'a>(findings: &'a [serde_json::Value], secret: &str) -> Vec<&'a serde_json::Value> {
    findings.iter().filter(|f| f["secret"] == secret).collect()
}

#[test]
fn history_attributes_each_key_to_the_commit_that_introduced_it() {
    let repo = Repo::new();
    let (removed, deleted_file, side, renamed, merged, message, tagged, current) = (
        token(1),
        token(2),
        token(3),
        token(4),
        token(5),
        token(6),
        token(7),
        token(8),
    );
    repo.add("README.md", "hello\n");
    repo.add("config/.env", &format!("TOKEN={removed}\n"));
    let c1 = repo.commit("initial", "2024-01-01T10:00:00Z");
    repo.add("config/.env", "TOKEN=\n");
    repo.add("old/creds.txt", &format!("token: {deleted_file}\n"));
    repo.add("src/app.py", &format!("# settings\nAPI = '{renamed}'\n"));
    let c2 = repo.commit_as(
        "remove token, add creds",
        "2024-02-01T10:00:00Z",
        "Bob Builder",
        "bob@example.com",
    );
    repo.git(&["rm", "-q", "old/creds.txt"]);
    repo.git(&["mv", "src/app.py", "src/main.py"]);
    repo.commit("delete creds, rename app", "2024-03-01T10:00:00Z");
    // A side branch with its own key, never merged.
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.add("side.env", &format!("SIDE={side}\n"));
    let c_side = repo.commit("side work", "2024-03-15T10:00:00Z");
    // A branch merged back with a conflict resolved by adding a key.
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.add("merge.txt", "feature\n");
    repo.commit("feature", "2024-04-01T10:00:00Z");
    repo.git(&["checkout", "-q", "main"]);
    repo.add("merge.txt", "main\n");
    repo.commit("main change", "2024-04-02T10:00:00Z");
    let _ = repo
        .cmd("git", &repo.path)
        .args(["merge", "-q", "feature"])
        .output()
        .unwrap();
    repo.add("merge.txt", &format!("resolved\nKEY={merged}\n"));
    let c_merge = repo.commit("merge feature", "2024-04-03T10:00:00Z");
    // A key in a commit message.
    let c_msg = repo.commit(&format!("oops, debug with {message}"), "2024-05-01T10:00:00Z");
    // A commit only reachable from a tag.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.add("release.env", &format!("RELEASE={tagged}\n"));
    let c_tag = repo.commit("release only", "2024-06-01T10:00:00Z");
    repo.git(&["tag", "-a", "v1", "-m", "release"]);
    repo.git(&["checkout", "-q", "main"]);
    // Still present at HEAD.
    repo.add("live.env", &format!("LIVE={current}\n"));
    let c_live = repo.commit("live key", "2024-07-01T10:00:00Z");

    let out = repo.keyhound(&["git", ".", "-f", "jsonl", "--show-secrets"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let findings = jsonl(&out);
    let expect = |secret: &str, commit: &str, path: &str, author: &str, date_prefix: &str, in_head: bool| {
        let hits = by_secret(&findings, secret);
        assert_eq!(
            hits.len(),
            1,
            "{secret} reported {} times:\n{}",
            hits.len(),
            stdout(&out)
        );
        let f = hits[0];
        assert_eq!(f["origin"]["commit"], commit, "{f}");
        assert_eq!(f["path"], path, "{f}");
        assert_eq!(f["origin"]["author"], author, "{f}");
        assert!(f["origin"]["date"].as_str().unwrap().starts_with(date_prefix), "{f}");
        assert_eq!(f["present_in_head"], in_head, "{f}");
    };
    expect(&removed, &c1, "config/.env", "Alice Example", "2024-01-01", false);
    expect(&deleted_file, &c2, "old/creds.txt", "Bob Builder", "2024-02-01", false);
    expect(&renamed, &c2, "src/app.py", "Bob Builder", "2024-02-01", true);
    expect(&side, &c_side, "side.env", "Alice Example", "2024-03-15", false);
    expect(&merged, &c_merge, "merge.txt", "Alice Example", "2024-04-03", true);
    expect(&tagged, &c_tag, "release.env", "Alice Example", "2024-06-01", false);
    expect(&current, &c_live, "live.env", "Alice Example", "2024-07-01", true);
    let msg = by_secret(&findings, &message);
    assert_eq!(msg.len(), 1);
    assert_eq!(msg[0]["origin"]["kind"], "git_message");
    assert_eq!(msg[0]["origin"]["commit"], c_msg.as_str());
    // The renamed file's blob is carried by a second path: counted.
    assert_eq!(by_secret(&findings, &renamed)[0]["origin"]["other_locations"], 1);

    // --branch limits history to what the ref reaches.
    let main_only = jsonl(&repo.keyhound(&["git", ".", "--branch", "main", "-f", "jsonl", "--show-secrets"]));
    assert!(by_secret(&main_only, &side).is_empty());
    assert!(by_secret(&main_only, &tagged).is_empty());
    assert_eq!(by_secret(&main_only, &removed).len(), 1);
    // --max-commits keeps the newest commits only.
    let newest = jsonl(&repo.keyhound(&[
        "git",
        ".",
        "--branch",
        "main",
        "--max-commits",
        "1",
        "-f",
        "jsonl",
        "--show-secrets",
    ]));
    assert_eq!(by_secret(&newest, &current).len(), 1);
    assert!(by_secret(&newest, &removed).is_empty());
}

#[test]
fn text_and_sarif_carry_provenance() {
    let repo = Repo::new();
    let key = token(20);
    repo.add("a.env", &format!("T={key}\n"));
    let commit = repo.commit("add", "2024-01-01T10:00:00Z");
    let text = stdout(&repo.keyhound(&["git", "."]));
    assert!(
        text.contains(&format!(
            "a.env:1:3  {}  Alice Example <alice@example.com>  2024-01-01",
            &commit[..12]
        )),
        "{text}"
    );
    let sarif: serde_json::Value = serde_json::from_slice(&repo.keyhound(&["git", ".", "-f", "sarif"]).stdout).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["versionControlProvenance"][0]["revisionId"], commit.as_str());
    assert_eq!(run["versionControlProvenance"][0]["branch"], "main");
    assert_eq!(run["results"][0]["properties"]["origin"]["commit"], commit.as_str());
    let schema: serde_json::Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    assert!(json_schema::JsonSchema::new(schema).is_valid(&sarif));
}

/// Issue 20: a history report reads in the order the leaks happened
/// (first-seen date, compared as instants whatever the offset), then by
/// path — the same in every format and with any number of threads.
#[test]
fn history_reports_list_findings_by_first_seen_date_then_path() {
    let repo = Repo::new();
    let (oldest, middle, newest, same_day) = (token(30), token(31), token(32), token(33));
    repo.add("z.env", &format!("T={oldest}\n"));
    repo.commit("oldest", "2024-01-01T10:00:00Z");
    // 00:30 at +02:00 is 22:30 UTC the day before the next commit: as text
    // it would sort after it.
    repo.add("m.env", &format!("T={middle}\n"));
    repo.commit("middle", "2024-06-01T00:30:00+02:00");
    repo.add("b.env", &format!("T={newest}\n"));
    repo.add("a.env", &format!("T={same_day}\n"));
    repo.commit("newest", "2024-06-01T00:00:00Z");
    let order = |args: &[&str]| -> Vec<String> {
        let out = repo.keyhound(args);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["origin"]["path"].as_str().unwrap().to_string())
            .collect()
    };
    let expected = ["z.env", "m.env", "a.env", "b.env"];
    assert_eq!(order(&["git", ".", "-f", "json", "-j1"]), expected);
    assert_eq!(order(&["git", ".", "-f", "json", "-j8"]), expected);
    let sarif: serde_json::Value = serde_json::from_slice(&repo.keyhound(&["git", ".", "-f", "sarif"]).stdout).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, expected);
}

/// Issue 20: a history audit on a terminal names its phases with counts;
/// piped or under `--quiet` it draws nothing.
#[test]
fn history_audit_shows_its_phases_on_a_terminal_only() {
    let repo = Repo::new();
    for i in 0..5 {
        repo.add(&format!("f{i}.txt"), &format!("line {i}\n"));
        repo.commit(&format!("c{i}"), &format!("2024-01-0{}T10:00:00Z", i + 1));
    }
    let now = [("KEYHOUND_PROGRESS_DELAY_MS", "0")];
    let drawn = run_on_terminal(&repo.path, &["git", ".", "-o", "/dev/null"], &now);
    for phase in ["walking commits", "reading commits", "diffing trees", "scanning blobs"] {
        assert!(drawn.contains(phase), "no {phase:?} on the terminal: {drawn:?}");
    }
    assert!(drawn.contains("/5"), "no count of the 5 commits: {drawn:?}");
    let quiet = run_on_terminal(&repo.path, &["git", ".", "-o", "/dev/null", "--quiet"], &now);
    assert!(!quiet.contains("commits"), "--quiet drew progress: {quiet:?}");
    let piped = repo.keyhound(&["git", "."]);
    let piped = stderr(&piped);
    assert!(!piped.contains("diffing trees"), "progress on a pipe: {piped}");
}

#[test]
fn range_reports_only_what_the_range_adds() {
    let repo = Repo::new();
    let (old, added_then_removed, kept) = (token(30), token(31), token(32));
    repo.add("base.env", &format!("OLD={old}\n"));
    let base = repo.commit("base", "2024-01-01T10:00:00Z");
    repo.add("base.env", &format!("OLD={old}\nNEW={added_then_removed}\n"));
    repo.commit("add key", "2024-01-02T10:00:00Z");
    repo.add("base.env", &format!("OLD={old}\n"));
    repo.commit("remove key", "2024-01-03T10:00:00Z");
    repo.add("other.py", &format!("x = '{kept}'\n"));
    repo.commit("another key", "2024-01-04T10:00:00Z");
    let range = format!("{base}..HEAD");
    for args in [
        vec!["git", ".", "--range", range.as_str()],
        vec!["git", ".", "--since", base.as_str()],
    ] {
        let mut full = args.clone();
        full.extend(["-f", "jsonl", "--show-secrets"]);
        let out = repo.keyhound(&full);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let findings = jsonl(&out);
        let secrets: Vec<&str> = findings.iter().map(|f| f["secret"].as_str().unwrap()).collect();
        assert!(secrets.contains(&added_then_removed.as_str()), "{secrets:?}");
        assert!(secrets.contains(&kept.as_str()), "{secrets:?}");
        assert!(
            !secrets.contains(&old.as_str()),
            "the base's key is not the range's: {secrets:?}"
        );
    }
    let clean = repo.keyhound(&["git", ".", "--range", "HEAD..HEAD"]);
    assert_eq!(code(&clean), 0);
}

#[test]
fn staged_scan_checks_the_index_not_the_work_tree() {
    let repo = Repo::new();
    let (staged_key, unstaged_key, head_key) = (token(40), token(41), token(42));
    // Initial commit (no HEAD yet): staged keys are found.
    repo.add("first.env", &format!("K={head_key}\n"));
    let out = repo.keyhound(&["git", "--staged", "-f", "jsonl", "--show-secrets"]);
    assert_eq!(code(&out), 1);
    assert_eq!(jsonl(&out)[0]["origin"]["kind"], "staged");
    repo.commit("first", "2024-01-01T10:00:00Z");
    // A key already in HEAD is not this commit's doing; renames add nothing.
    repo.git(&["mv", "first.env", "renamed.env"]);
    assert_eq!(code(&repo.keyhound(&["git", "--staged"])), 0);
    // Partial staging: the staged blob has a key, the work tree does not.
    repo.add("app.py", &format!("a = 1\nkey = '{staged_key}'\n"));
    repo.write("app.py", "a = 1\n");
    // And the reverse: clean staged, key only in the work tree.
    repo.add("lib.py", "b = 2\n");
    repo.write("lib.py", &format!("b = 2\nkey = '{unstaged_key}'\n"));
    // A binary file and a deletion are handled too.
    repo.git(&["rm", "-q", "--cached", "renamed.env"]);
    write(&repo.path, "blob.bin", [0u8, 1, 2, 3]);
    repo.git(&["add", "blob.bin"]);
    let out = repo.keyhound(&["git", "--staged", "-f", "jsonl", "--show-secrets"]);
    let findings = jsonl(&out);
    let secrets: Vec<&str> = findings.iter().map(|f| f["secret"].as_str().unwrap()).collect();
    assert_eq!(secrets, vec![staged_key.as_str()], "{}", stderr(&out));
    assert_eq!(findings[0]["path"], "app.py");
    assert_eq!(findings[0]["line"], 2);
}

#[test]
fn installed_hook_blocks_a_real_commit_and_lets_clean_ones_through() {
    let repo = Repo::new();
    let out = repo.keyhound(&["hook", "install"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hook = repo.path.join(".git/hooks/pre-commit");
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains(env!("CARGO_BIN_EXE_keyhound")));
    repo.add("README.md", "clean\n");
    repo.commit("clean commit", "2024-01-01T10:00:00Z");
    let key = token(50);
    repo.add("settings.env", &format!("GITHUB_TOKEN={key}\n"));
    let attempt = repo
        .cmd("git", &repo.path)
        .args(["commit", "-q", "-m", "leak"])
        .output()
        .unwrap();
    assert!(!attempt.status.success(), "the hook must block the commit");
    let message = String::from_utf8_lossy(&attempt.stderr);
    assert!(message.contains("commit blocked"), "{message}");
    assert!(message.contains("settings.env:1"), "{message}");
    assert!(message.contains("github-pat-classic"), "{message}");
    assert!(message.contains("--no-verify"), "{message}");
    assert!(message.contains("Rotate"), "{message}");
    assert!(!message.contains(&key), "the hook must not print the secret");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "1", "no commit was created");
    // Partial staging: unstage the key, keep it in the work tree: commit passes.
    repo.git(&["reset", "-q", "settings.env"]);
    repo.add("other.txt", "fine\n");
    let ok = repo
        .cmd("git", &repo.path)
        .args(["commit", "-q", "-m", "fine"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "2");
}

#[test]
fn hook_install_never_silently_replaces_a_foreign_hook() {
    let repo = Repo::new();
    let hooks = repo.path.join("custom-hooks");
    repo.git(&["config", "core.hooksPath", "custom-hooks"]);
    write(
        &repo.path,
        "custom-hooks/pre-commit",
        "#!/bin/sh\necho foreign >> foreign.log\n",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(hooks.join("pre-commit"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let refused = repo.keyhound(&["hook", "install"]);
    assert_eq!(code(&refused), 2);
    assert!(stderr(&refused).contains("--chain"), "{}", stderr(&refused));
    assert!(std::fs::read_to_string(hooks.join("pre-commit"))
        .unwrap()
        .contains("foreign"));
    // Chain: keyhound's hook runs the foreign one first.
    assert_eq!(code(&repo.keyhound(&["hook", "install", "--chain", "--pre-push"])), 0);
    assert!(std::fs::read_to_string(hooks.join("pre-commit"))
        .unwrap()
        .contains("keyhound-hook"));
    assert!(hooks.join("pre-push").exists());
    repo.add("a.txt", "a\n");
    let ok = repo
        .cmd("git", &repo.path)
        .args(["commit", "-q", "-m", "a"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(repo.path.join("foreign.log").exists(), "the chained hook ran");
    // Uninstall removes only keyhound's hooks and restores the foreign one.
    assert_eq!(code(&repo.keyhound(&["hook", "uninstall"])), 0);
    assert!(std::fs::read_to_string(hooks.join("pre-commit"))
        .unwrap()
        .contains("foreign"));
    assert!(!hooks.join("pre-push").exists());
}

#[test]
fn pre_push_blocks_exactly_the_pushed_commits_with_a_key() {
    let repo = Repo::new();
    let remote = repo.path.parent().unwrap().join("remote.git");
    repo.git_in(repo.path.parent().unwrap(), &["init", "-q", "--bare", "remote.git"]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let old_key = token(60);
    repo.add("old.env", &format!("OLD={old_key}\n"));
    repo.commit("already pushed", "2024-01-01T10:00:00Z");
    repo.git(&["push", "-q", "origin", "main"]);
    assert_eq!(code(&repo.keyhound(&["hook", "install", "--pre-push"])), 0);
    // A clean new commit pushes fine even though the remote already has a key.
    repo.add("ok.txt", "ok\n");
    repo.commit("clean", "2024-01-02T10:00:00Z");
    let ok = repo
        .cmd("git", &repo.path)
        .args(["push", "-q", "origin", "main"])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    // A new branch whose commit adds a key is blocked.
    repo.git(&["checkout", "-q", "-b", "leaky"]);
    repo.add("new.env", &format!("NEW={}\n", token(61)));
    repo.cmd("git", &repo.path)
        .args(["commit", "-q", "--no-verify", "-m", "leak"])
        .output()
        .unwrap();
    let blocked = repo
        .cmd("git", &repo.path)
        .args(["push", "-q", "origin", "leaky"])
        .output()
        .unwrap();
    assert!(!blocked.status.success(), "push must be blocked");
    let message = String::from_utf8_lossy(&blocked.stderr);
    assert!(
        message.contains("push blocked") && message.contains("new.env"),
        "{message}"
    );
    assert!(
        !message.contains("old.env"),
        "only pushed commits are scanned: {message}"
    );
    let remote_branches = repo.git_in(&remote, &["branch", "--list", "leaky"]);
    assert!(remote_branches.stdout.is_empty(), "the branch did not reach the remote");
}

#[test]
fn baseline_accepts_known_findings_and_allow_records_bypasses() {
    let repo = Repo::new();
    let (old, new) = (token(70), token(71));
    repo.add("a.env", &format!("A={old}\n"));
    repo.commit("a", "2024-01-01T10:00:00Z");
    let created = repo.keyhound(&["baseline", "create", "dir", "."]);
    assert_eq!(code(&created), 0, "{}", stderr(&created));
    let baseline_text = stdout(&created);
    assert!(!baseline_text.contains(&old), "no secrets in a baseline");
    write(&repo.path, ".keyhound-baseline.json", &baseline_text);
    assert_eq!(
        code(&repo.keyhound(&["dir", "."])),
        0,
        "baselined finding no longer reported"
    );
    repo.add("b.env", &format!("B={new}\n"));
    let out = repo.keyhound(&["dir", ".", "-f", "jsonl", "--show-secrets"]);
    let secrets: Vec<String> = jsonl(&out)
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(secrets, vec![new.clone()]);
    // The staged scan (what the hook runs) honours the baseline too.
    assert_eq!(code(&repo.keyhound(&["git", "--staged"])), 1);
    let fp = jsonl(&out)[0]["fingerprint"].as_str().unwrap().to_string();
    let allowed = repo.keyhound(&["allow", &fp, "--reason", "used-in-tests"]);
    assert_eq!(code(&allowed), 0, "{}", stderr(&allowed));
    assert_eq!(code(&repo.keyhound(&["git", "--staged"])), 0);
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path.join(".keyhound-baseline.json")).unwrap()).unwrap();
    let entry = record["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["fingerprint"] == fp.as_str())
        .unwrap();
    assert_eq!(entry["reason"], "used-in-tests");
    assert_eq!(entry["author"], "Alice Example <alice@example.com>");
    assert!(entry["date"].as_str().unwrap().starts_with("20"));
    // Stale allowances are reported.
    let mut stale = record.clone();
    stale["entries"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"fingerprint": "0123456789abcdef0123456789abcdef", "reason": "fix-later"}));
    write(
        &repo.path,
        ".keyhound-baseline.json",
        serde_json::to_string(&stale).unwrap(),
    );
    write(&repo.path, "c.txt", "nothing here # keyhound:allow\n");
    let unused = repo.keyhound(&["dir", ".", "--report-unused-ignores"]);
    let err = stderr(&unused);
    assert!(err.contains("0123456789abcdef0123456789abcdef"), "{err}");
    assert!(err.contains("c.txt:1"), "{err}");
    assert!(!err.contains(&fp), "a used allowance is not stale: {err}");
}

#[test]
fn cache_makes_the_second_audit_read_only_new_blobs() {
    let repo = Repo::new();
    for i in 0..20 {
        repo.add(&format!("f{i}.txt"), &format!("content {i}\n"));
        repo.commit(&format!("c{i}"), &format!("2024-01-{:02}T10:00:00Z", i + 1));
    }
    let key = token(80);
    repo.add("k.env", &format!("K={key}\n"));
    repo.commit("key", "2024-02-01T10:00:00Z");
    let first = repo.keyhound(&["git", ".", "--cache", "-f", "jsonl"]);
    assert_eq!(code(&first), 1);
    assert!(
        stderr(&first).contains("(0 known clean from cache)"),
        "{}",
        stderr(&first)
    );
    repo.add("new.txt", "new\n");
    repo.commit("new", "2024-03-01T10:00:00Z");
    let second = repo.keyhound(&["git", ".", "--cache", "-f", "jsonl"]);
    assert_eq!(code(&second), 1, "findings are still reported from cached runs");
    assert_eq!(jsonl(&first).len(), jsonl(&second).len());
    assert!(
        stderr(&second).contains("22 unique blobs (20 known clean from cache)"),
        "{}",
        stderr(&second)
    );
}

#[test]
fn bare_and_shallow_repositories_and_missing_objects() {
    let repo = Repo::new();
    let key = token(90);
    for i in 0..3 {
        repo.add(&format!("f{i}.env"), &format!("K{i}={}\n", token(91 + i)));
        repo.commit(&format!("c{i}"), &format!("2024-01-0{}T10:00:00Z", i + 1));
    }
    repo.add("k.env", &format!("K={key}\n"));
    repo.commit("key", "2024-02-01T10:00:00Z");
    let parent = repo.path.parent().unwrap().to_path_buf();
    // Bare clone: same findings.
    repo.git_in(&parent, &["clone", "-q", "--bare", "repo", "bare.git"]);
    let bare = repo
        .cmd(env!("CARGO_BIN_EXE_keyhound"), &parent)
        .args(["git", "bare.git", "-f", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(jsonl(&bare).len(), 4, "{}", stderr(&bare));
    // A linked worktree reads the same object database.
    repo.git(&["worktree", "add", "-q", "../wt"]);
    let wt = repo
        .cmd(env!("CARGO_BIN_EXE_keyhound"), &parent)
        .args(["git", "wt", "-f", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(jsonl(&wt).len(), 4, "{}", stderr(&wt));
    // Shallow clone: scans what is there and says so.
    let url = format!("file://{}", repo.path.display());
    repo.git_in(&parent, &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let shallow = repo
        .cmd(env!("CARGO_BIN_EXE_keyhound"), &parent)
        .args(["git", "shallow", "-f", "jsonl"])
        .output()
        .unwrap();
    assert!(stderr(&shallow).contains("shallow"), "{}", stderr(&shallow));
    assert_eq!(jsonl(&shallow).len(), 4, "the one commit's tree holds all four keys");
    // A missing loose object: warned by id, the rest scanned.
    let blob = repo.git(&["rev-parse", "HEAD:f0.env"]);
    std::fs::remove_file(repo.path.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let damaged = repo.keyhound(&["git", ".", "-f", "jsonl"]);
    assert_eq!(code(&damaged), 1);
    assert!(stderr(&damaged).contains(&blob), "{}", stderr(&damaged));
    assert_eq!(jsonl(&damaged).len(), 3);
    // Not a repository: a clear error, exit 2.
    let not_repo = tempfile::tempdir().unwrap();
    let out = keyhound()
        .current_dir(not_repo.path())
        .args(["git", "."])
        .env("GIT_CEILING_DIRECTORIES", not_repo.path().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("not a git repository"), "{}", stderr(&out));
}

#[test]
fn inventory_lists_each_secret_once_with_owner_exposure_removal_and_liveness() {
    let repo = Repo::new();
    let (old, kept) = (token(41), token(42));
    repo.add("config.py", &format!("TOKEN = '{old}'\n"));
    let c_old = repo.commit("add config", "2023-01-10T09:00:00Z");
    repo.add(".env", &format!("GH={kept}\n"));
    let c_kept = repo.commit_as("add env", "2024-06-01T09:00:00Z", "Bob Builder", "bob@example.com");
    repo.add("config.py", "TOKEN = os.environ['TOKEN']\n");
    let c_removed = repo.commit_as(
        "read token from env",
        "2024-07-01T09:00:00Z",
        "Carol Ops",
        "carol@example.com",
    );
    repo.add("deploy/ci.env", &format!("# ci\nGH={kept}\n"));
    repo.commit("ci env", "2025-01-01T09:00:00Z");

    let out = repo.keyhound(&["inventory", "git", ".", "-f", "json", "--max-age", "90d"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = doc["secrets"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{doc:#}");
    let (a, b) = (&rows[0], &rows[1]);
    assert_eq!(a["rule_id"], "github-pat-classic");
    assert_eq!(a["first_seen"]["commit"], c_old.as_str());
    assert_eq!(a["first_seen"]["author"], "Alice Example <alice@example.com>");
    assert_eq!(a["state"], "removed");
    assert_eq!(a["removed"]["commit"], c_removed.as_str());
    assert!(a["removed"]["date"].as_str().unwrap().starts_with("2024-07-01"));
    assert!(a["exposure_days"].as_i64().unwrap() > 365);
    assert_eq!(a["past_max_age"], true);
    assert_eq!(a["locations"], 1);
    assert_eq!(b["first_seen"]["commit"], c_kept.as_str());
    assert_eq!(b["first_seen"]["author"], "Bob Builder <bob@example.com>");
    assert!(b["last_seen"]["date"].as_str().unwrap().starts_with("2025-01-01"));
    assert_eq!(b["state"], "present");
    assert!(b["removed"].is_null());
    assert_eq!(b["locations"], 2);
    assert!(!stdout(&out).contains(&kept), "inventory redacts secrets");

    let csv = repo.keyhound(&["inventory", "git", ".", "-f", "csv"]);
    let lines: Vec<&str> = std::str::from_utf8(&csv.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("fingerprint,rule_id,provider"));
    assert!(lines[1].contains(&c_removed) && lines[1].contains(",removed,"));
    let table = stdout(&repo.keyhound(&["inventory", "git", ".", "--color", "never"]));
    assert!(table.contains("removed 2024-07-01"), "{table}");
    assert!(table.contains("2 distinct secret(s)"), "{table}");

    // With --verify the governance view says which keys are live.
    let live = old.clone();
    let emulator = common::emulator::Emulator::start(move |req| {
        if req.header("authorization").is_some_and(|v| v.contains(&live)) {
            common::emulator::Reply::new(200, r#"{"login":"alice-bot"}"#)
        } else {
            common::emulator::Reply::new(401, r#"{"message":"Bad credentials"}"#)
        }
    });
    let override_arg = format!("api.github.com={}", emulator.base);
    let out = repo.keyhound(&[
        "inventory",
        "git",
        ".",
        "-f",
        "json",
        "--verify",
        "--verify-override",
        &override_arg,
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = doc["secrets"].as_array().unwrap();
    assert_eq!(rows[0]["verification"]["status"], "live", "{doc:#}");
    assert_eq!(rows[0]["verification"]["account"]["login"], "alice-bot");
    assert_eq!(rows[1]["verification"]["status"], "invalid");
    assert_eq!(emulator.requests().len(), 2, "one request per distinct secret");
}

/// Depth of the crafted tree: far past what the filesystem (PATH_MAX) or a
/// default `git` (core.maxTreeDepth 2048) lets anyone check out.
const DEEP: usize = 3000;

#[test]
fn very_deep_trees_are_walked_without_recursion() {
    use std::io::Write;
    let repo = Repo::new();
    let key = token(90);
    let deep_dir = vec!["d"; DEEP].join("/");
    let secret_path = format!("{deep_dir}/deep.env");
    // Siblings before and after the subtree at several depths, so the walk
    // order is checked against git's own (depth-first, in tree order).
    let mut files = vec![(secret_path.clone(), format!("TOKEN={key}\n"))];
    for level in [0, 1, 10, DEEP / 2, DEEP] {
        let dir = vec!["d"; level].join("/");
        let slash = if dir.is_empty() { "" } else { "/" };
        files.push((format!("{dir}{slash}a{level}.txt"), format!("before {level}\n")));
        files.push((format!("{dir}{slash}z{level}.txt"), format!("after {level}\n")));
    }
    // fast-import writes the trees directly: no checkout, no path limits.
    let mut stream = String::from(
        "commit refs/heads/main\ncommitter Alice Example <alice@example.com> 1704103200 +0000\ndata 4\ndeep\n",
    );
    for (path, content) in &files {
        stream.push_str(&format!("M 100644 inline {path}\ndata {}\n{content}\n", content.len()));
    }
    let mut child = repo
        .cmd("git", &repo.path)
        .args(["-c", "core.maxTreeDepth=100000", "fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "git fast-import failed");
    let listed = repo.git(&["-c", "core.maxTreeDepth=100000", "ls-tree", "-r", "--name-only", "HEAD"]);
    let git_order: Vec<&str> = listed.lines().collect();
    assert_eq!(git_order.len(), files.len());

    // The library walks it on a thread whose stack a recursive walk of
    // 3000 levels would overflow, in exactly git's order.
    let path = repo.path.clone();
    let walked = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            let repo = keyhound_sources::git::open(&path).unwrap();
            let head = repo.head_tree_id().unwrap().detach();
            let flat = keyhound_sources::git::tree::flatten(&repo, head).unwrap();
            let mut changes = Vec::new();
            keyhound_sources::git::tree::diff_trees(&repo, Some(head), None, &mut changes).unwrap();
            let flat: Vec<String> = flat.into_iter().map(|(p, _)| p.to_string()).collect();
            let deleted: Vec<String> = changes
                .into_iter()
                .filter(|c| c.new.is_none() && c.old.is_some())
                .map(|c| c.path.to_string())
                .collect();
            (flat, deleted)
        })
        .unwrap()
        .join()
        .expect("the tree walk must not overflow a small stack");
    assert_eq!(walked.0, git_order, "additions in git's order");
    assert_eq!(walked.1, git_order, "deletions in git's order");

    // End to end: the history audit finds the secret at the bottom.
    let out = repo.keyhound(&["git", ".", "-f", "jsonl", "--show-secrets"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let findings = jsonl(&out);
    let hits = by_secret(&findings, &key);
    assert_eq!(hits.len(), 1, "{}", stdout(&out));
    assert_eq!(hits[0]["path"], secret_path.as_str());
    assert_eq!(hits[0]["present_in_head"], true);
}
