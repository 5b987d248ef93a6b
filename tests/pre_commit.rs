//! The pre-commit framework (https://pre-commit.com) for real: the
//! `pre-commit` tool from PyPI (./test installs it) reads a throwaway
//! repository's `.pre-commit-config.yaml` that points at this repository at
//! its current commit, installs its git hook, and then runs keyhound's hook
//! from `.pre-commit-hooks.yaml` on real commits: a clean one passes, one
//! that stages a key is blocked and never recorded.
//!
//! The `keyhound-system` hook is exercised in every run (the keyhound built
//! for this test run on PATH). The `keyhound` hook (`language: rust`)
//! differs only in that pre-commit first builds this repository with `cargo
//! install` into its own cache, from scratch: about ten minutes on 2 cores,
//! more than CI's budget leaves, so that test is ignored by default and run
//! by hand (`./test --test pre_commit -- --ignored`); its entry is the same
//! command, checked in every run.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git")
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// This repository and its current commit, which pre-commit clones.
fn this_repository() -> (PathBuf, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let head = git_ok(&root, &["rev-parse", "HEAD"]);
    // pre-commit reads the hooks file as committed: a hooks file edited but
    // not committed would test something other than what users get.
    let committed = git_ok(&root, &["show", "HEAD:.pre-commit-hooks.yaml"]);
    let on_disk = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    assert_eq!(
        committed.trim(),
        on_disk.trim(),
        ".pre-commit-hooks.yaml has uncommitted changes: commit them, pre-commit reads the commit"
    );
    (root, head)
}

/// Which keyhound the hook runs.
#[derive(Clone, Copy, PartialEq)]
enum Hook {
    /// `keyhound-system`: the keyhound on PATH, the one built for this run.
    System,
    /// `keyhound`: the one pre-commit builds from the repository with
    /// `cargo install`; PATH holds no keyhound, so no other can answer.
    Rust,
}

/// Runs `git commit` in `repo` with pre-commit's hook installed and
/// pre-commit's cache in `home`; for the system hook, PATH leads to the
/// keyhound under test.
fn commit(repo: &Path, home: &Path, message: &str, hook: Hook) -> Output {
    let mut command = Command::new("git");
    command
        .current_dir(repo)
        .args(["commit", "-q", "-m", message])
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("NO_COLOR");
    if hook == Hook::System {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_keyhound")).parent().unwrap();
        let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
        command.env("PATH", path);
    } else {
        // The package variables cargo set for this test would leak into
        // pre-commit's `cargo install` (see tests/install.rs).
        for (name, _) in std::env::vars_os() {
            if name
                .to_str()
                .is_some_and(|n| n.starts_with("CARGO_") && n != "CARGO_HOME")
            {
                command.env_remove(name);
            }
        }
    }
    command.output().expect("run git commit")
}

#[test]
fn the_pre_commit_framework_runs_keyhound_and_blocks_a_staged_key() {
    blocks_a_staged_key(Hook::System);
}

#[test]
#[ignore = "pre-commit builds keyhound from scratch with cargo install (about 10 min on 2 cores); run with ./test --test pre_commit -- --ignored"]
fn the_rust_hook_builds_keyhound_and_blocks_a_staged_key() {
    let which = Command::new("sh").args(["-c", "command -v keyhound"]).output().unwrap();
    assert!(
        !which.status.success(),
        "a keyhound on PATH ({}) could answer for the one pre-commit builds: remove it from PATH for this test",
        String::from_utf8_lossy(&which.stdout).trim()
    );
    blocks_a_staged_key(Hook::Rust);
}

fn blocks_a_staged_key(hook: Hook) {
    let version = Command::new("python3").args(["-m", "pre_commit", "--version"]).output();
    let version = version.expect("python3");
    assert!(
        version.status.success(),
        "the pre-commit tool is missing (PyPI package pre-commit; ./test installs it): {}",
        String::from_utf8_lossy(&version.stderr)
    );

    let (keyhound_repo, head) = this_repository();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("service");
    let home = dir.path().join("pre-commit-home");
    std::fs::create_dir_all(&repo).unwrap();
    git_ok(&repo, &["init", "-q", "-b", "main"]);
    git_ok(&repo, &["config", "user.name", "Dev"]);
    git_ok(&repo, &["config", "user.email", "dev@example.com"]);
    write(
        &repo,
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {head}\n    hooks:\n      - id: {}\n",
            keyhound_repo.display(),
            if hook == Hook::System {
                "keyhound-system"
            } else {
                "keyhound"
            }
        ),
    );
    write(&repo, "README.md", "# service\n");
    git_ok(&repo, &["add", "."]);
    let install = Command::new("python3")
        .current_dir(&repo)
        .args(["-m", "pre_commit", "install"])
        .env("PRE_COMMIT_HOME", &home)
        .output()
        .unwrap();
    assert!(install.status.success(), "{}", String::from_utf8_lossy(&install.stderr));
    assert!(repo.join(".git/hooks/pre-commit").exists());

    let clean = commit(&repo, &home, "initial commit", hook);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&clean.stdout),
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(clean.status.success(), "a clean commit passes: {said}");
    assert!(said.contains("keyhound"), "the hook ran: {said}");
    assert!(said.contains("Passed"), "pre-commit reports it passed: {said}");
    assert_eq!(git_ok(&repo, &["rev-list", "--count", "HEAD"]), "1");

    let mut rng = Rng::new(1903);
    let token = github_token(&mut rng, "ghp_");
    write(&repo, "deploy/env.sh", format!("export GITHUB_TOKEN={token}\n"));
    git_ok(&repo, &["add", "deploy/env.sh"]);
    let blocked = commit(&repo, &home, "add deploy env", hook);
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&blocked.stdout),
        String::from_utf8_lossy(&blocked.stderr)
    );
    assert!(!blocked.status.success(), "a commit with a key is blocked: {said}");
    assert!(said.contains("Failed"), "pre-commit reports the hook failed: {said}");
    assert!(said.contains("github-pat-classic"), "the finding is named: {said}");
    assert!(said.contains("deploy/env.sh"), "with its file: {said}");
    assert!(!said.contains(&token), "and redacted: {said}");
    assert_eq!(
        git_ok(&repo, &["rev-list", "--count", "HEAD"]),
        "1",
        "nothing was recorded"
    );

    // Removing the key from the stage lets the commit through again.
    write(
        &repo,
        "deploy/env.sh",
        "export GITHUB_TOKEN=\"$(vault read -field=token ci/github)\"\n",
    );
    git_ok(&repo, &["add", "deploy/env.sh"]);
    let fixed = commit(&repo, &home, "add deploy env", hook);
    assert!(fixed.status.success(), "{}", String::from_utf8_lossy(&fixed.stderr));
    assert_eq!(git_ok(&repo, &["rev-list", "--count", "HEAD"]), "2");
}

#[test]
fn both_hook_ids_run_the_same_staged_scan() {
    let hooks = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml")).unwrap();
    let entry_of = |id: &str| -> (String, String) {
        let block = hooks
            .split("- id: ")
            .find(|b| b.lines().next() == Some(id))
            .unwrap_or_else(|| panic!("hook {id} is declared"));
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")).map(str::to_string))
                .unwrap_or_else(|| panic!("{id} has {name}"))
        };
        (field("entry"), field("language"))
    };
    let (rust_entry, rust_language) = entry_of("keyhound");
    let (system_entry, system_language) = entry_of("keyhound-system");
    assert_eq!(rust_language, "rust");
    assert_eq!(system_language, "system");
    assert_eq!(rust_entry, system_entry);
    assert_eq!(rust_entry, "keyhound git --staged --hook pre-commit");
}
