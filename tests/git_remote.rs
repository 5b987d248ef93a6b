//! `keyhound git URL` against real git servers on 127.0.0.1: git's own
//! smart-HTTP backend (`git http-backend` behind tests/servers/git_http.py,
//! with a repository that needs Basic authentication and one that
//! redirects to another host), `git daemon` for `git://`, Debian's OpenSSH
//! server for `ssh://` (through `GIT_SSH_COMMAND`), and `file://`.
//! Repositories are built with the git CLI; keys in them are generated
//! fakes of valid structure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;

/// A generated AWS key pair's file text and its access key id.
fn aws_keys(rng: &mut Rng) -> (String, String) {
    let id = aws_key_id(rng);
    let secret = rng.string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
    (
        format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
        id,
    )
}

/// A bare repository at `root/rel` with one commit holding `file` = `text`
/// and a README.
fn served_repo(root: &Path, rel: &str, file: &str, text: &str) -> PathBuf {
    bare_repo(
        root,
        rel,
        &[vec![(file, text.to_owned()), ("README.md", "# service\n".to_owned())]],
    )
}

/// Adds a commit with `file` = `text` to the bare repository `bare`.
fn push_commit(bare: &Path, file: &str, text: &str) {
    let work = tempfile::tempdir().unwrap();
    git_as_dev(work.path(), &["clone", "-q", bare.to_str().unwrap(), "w"]);
    let w = work.path().join("w");
    write(&w, file, text);
    git_as_dev(&w, &["add", "."]);
    git_as_dev(&w, &["commit", "-qm", "more"]);
    git_as_dev(&w, &["push", "-q", "origin", "main"]);
}

/// The smart-HTTP server: `root` served at http://127.0.0.1:PORT/, with
/// `root/private` behind Basic auth `user:password`; extra arguments go to
/// the script (`--redirect`). Returns the server, its port and its log.
fn http_server(root: &Path, auth: &str, extra: &[String]) -> (Server, u16, PathBuf) {
    let port = free_port();
    let log = root.join(format!("requests-{port}.jsonl"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/git_http.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(root)
        .arg(&log)
        .args(["--auth", auth])
        .args(extra)
        .spawn()
        .expect("python3");
    wait_for_port(port, "git_http.py", &mut child);
    (Server(child), port, log)
}

/// The server's request log: one JSON object per request.
fn requests(log: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `keyhound git URL` with a private cache, no user git configuration and
/// no netrc, plus `env`; JSON output.
fn audit(cache: &Path, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = cache.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut cmd = keyhound();
    cmd.args(["git", url, "--cache-dir"]).arg(cache).args(args);
    if !args.contains(&"--format") {
        cmd.args(["--format", "json"]);
    }
    cmd.env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("KEYHOUND_GIT_TOKEN")
        .env_remove("NETRC")
        .env_remove("KEYHOUND_CACHE_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run keyhound")
}

fn findings(out: &Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)));
    doc["findings"].as_array().cloned().unwrap_or_default()
}

fn rules_of(out: &Output) -> Vec<String> {
    let mut ids: Vec<String> = findings(out)
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Directories left in the cache's `git` folder.
fn mirrors(cache: &Path) -> Vec<String> {
    std::fs::read_dir(cache.join("git"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn http_clone_is_audited_and_removed_unless_kept() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x6717);
    let (keys, id) = aws_keys(&mut rng);
    served_repo(root.path(), "public/app.git", "deploy/aws.env", &keys);
    let (_server, port, _log) = http_server(root.path(), "u:p", &[]);
    let cache = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/public/app.git");

    let out = audit(cache.path(), &url, &[], &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let found = findings(&out);
    assert!(rules_of(&out).contains(&"aws-access-key-id".to_owned()), "{found:?}");
    let f = found.iter().find(|f| f["rule_id"] == "aws-access-key-id").unwrap();
    assert_eq!(f["origin"]["path"], "deploy/aws.env", "{f}");
    assert!(f["origin"]["commit"].as_str().unwrap().len() == 40, "{f}");
    assert!(!stdout(&out).contains(&id), "the key must be redacted");
    assert!(stderr(&out).contains("removed after the scan"), "{}", stderr(&out));
    assert!(mirrors(cache.path()).is_empty(), "{:?}", mirrors(cache.path()));

    // SARIF names the remote, not the cache directory.
    let out = audit(cache.path(), &url, &["--format", "sarif"], &[]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let uri = &sarif["runs"][0]["versionControlProvenance"][0]["repositoryUri"];
    assert_eq!(uri, url.as_str(), "{}", stdout(&out));
}

#[test]
fn a_kept_mirror_fetches_only_new_objects_and_reads_only_new_blobs() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x1ce);
    let (keys, _) = aws_keys(&mut rng);
    let bare = served_repo(root.path(), "public/svc.git", "a.env", &keys);
    for i in 0..20 {
        push_commit(&bare, &format!("src/mod{i}.rs"), &format!("pub fn f{i}() {{}}\n"));
    }
    let (_server, port, _log) = http_server(root.path(), "u:p", &[]);
    let cache = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/public/svc.git");

    let first = audit(cache.path(), &url, &["--keep"], &[]);
    assert_eq!(code(&first), 1, "{}", stderr(&first));
    let err = stderr(&first);
    assert!(err.contains("kept for the next audit"), "{err}");
    let objects = |text: &str| -> u64 {
        let at = text.find("keyhound: fetched ").expect(text) + "keyhound: fetched ".len();
        text[at..].split(' ').next().unwrap().parse().unwrap_or(0)
    };
    let first_objects = objects(&err);
    assert!(first_objects > 60, "{err}");
    assert_eq!(mirrors(cache.path()).len(), 1);

    // One new commit with a second key: the next audit fetches its few
    // objects, reads the new blobs only, and reports both keys.
    let token = github_token(&mut rng, "ghp_");
    push_commit(&bare, "ci/token.txt", &format!("GITHUB_TOKEN={token}\n"));
    let second = audit(cache.path(), &url, &[], &[]);
    assert_eq!(code(&second), 1, "{}", stderr(&second));
    let err = stderr(&second);
    let new_objects = objects(&err);
    assert!(new_objects > 0 && new_objects <= 5, "{err}");
    assert!(err.contains("known clean from cache"), "{err}");
    let cached: u64 = err
        .split(" unique blobs (")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect(&err);
    assert!(cached >= 20, "the 20 clean blobs come from the cache: {err}");
    let rules = rules_of(&second);
    assert!(rules.contains(&"github-pat-classic".to_owned()), "{rules:?}");
    assert!(rules.contains(&"aws-access-key-id".to_owned()), "{rules:?}");

    // A third audit with nothing new fetches nothing.
    let third = audit(cache.path(), &url, &[], &[]);
    assert!(stderr(&third).contains("no new objects"), "{}", stderr(&third));
}

#[test]
fn credentials_come_from_token_netrc_or_userinfo_and_are_never_stored() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0xa17);
    let (keys, _) = aws_keys(&mut rng);
    served_repo(root.path(), "private/core.git", "keys.env", &keys);
    let password = format!("pw-{}", rng.string("abcdefghijklmnopqrstuvwxyz0123456789", 24));
    let (_server, port, log) = http_server(root.path(), &format!("auditor:{password}"), &[]);
    let url = format!("http://127.0.0.1:{port}/private/core.git");

    // No credentials anywhere: a clear authentication error, exit 2.
    let cache = tempfile::tempdir().unwrap();
    let out = audit(cache.path(), &url, &[], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("authentication failed"), "{}", stderr(&out));
    assert!(mirrors(cache.path()).is_empty(), "a failed clone leaves nothing");

    // A wrong token: the same, and the server saw it rejected.
    let out = audit(
        cache.path(),
        &url,
        &[],
        &[("KEYHOUND_GIT_TOKEN", "wrong"), ("KEYHOUND_GIT_USERNAME", "auditor")],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("authentication failed"), "{}", stderr(&out));

    // The token from the environment, with its user name.
    let out = audit(
        cache.path(),
        &url,
        &["--git-username", "auditor"],
        &[("KEYHOUND_GIT_TOKEN", &password)],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(rules_of(&out).contains(&"aws-access-key-id".to_owned()));

    // ~/.netrc (here through $NETRC).
    let netrc = root.path().join("netrc");
    std::fs::write(
        &netrc,
        format!("machine example.org login x password y\nmachine 127.0.0.1 login auditor password {password}\n"), // keyhound:allow (fixture, generated above)
    )
    .unwrap();
    let out = audit(cache.path(), &url, &[], &[("NETRC", netrc.to_str().unwrap())]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));

    // The URL's own userinfo, kept: the mirror's config, the report and
    // the messages never hold the password.
    let with_userinfo = format!("http://auditor:{password}@127.0.0.1:{port}/private/core.git"); // keyhound:allow (format placeholder)
    let out = audit(cache.path(), &with_userinfo, &["--keep", "--format", "sarif"], &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    for text in [stdout(&out), stderr(&out)] {
        assert!(!text.contains(&password), "password shown: {text}");
    }
    let kept = mirrors(cache.path());
    assert_eq!(kept.len(), 1, "{kept:?}");
    let mirror = cache.path().join("git").join(&kept[0]);
    let config = std::fs::read_to_string(mirror.join("config")).unwrap();
    assert!(config.contains(&url), "{config}");
    for entry in walk(&mirror) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(password.len()).any(|w| w == password.as_bytes()),
            "password stored in {}",
            entry.display()
        );
    }
    // Every authenticated request named the auditor; none went unasked.
    let log = requests(&log);
    assert!(
        log.iter().any(|r| r["user"] == "auditor" && r["status"] == 200),
        "{log:?}"
    );
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_token_is_not_sent_to_the_host_a_redirect_leads_to() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x5ed);
    let (keys, _) = aws_keys(&mut rng);
    served_repo(root.path(), "private/moved.git", "k.env", &keys);
    // The second server (the redirect's target, by another host name)
    // wants the same credentials.
    let (_target, target_port, target_log) = http_server(root.path(), "auditor:tok-123456", &[]);
    let redirect = format!("/old/=http://localhost:{target_port}/private/");
    let (_first, port, first_log) = http_server(root.path(), "auditor:tok-123456", &["--redirect".into(), redirect]);
    let cache = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/old/moved.git");
    let out = audit(
        cache.path(),
        &url,
        &["--git-username", "auditor"],
        &[("KEYHOUND_GIT_TOKEN", "tok-123456")],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("authentication failed"), "{}", stderr(&out));
    let target = requests(&target_log);
    assert!(
        !target.is_empty(),
        "the redirect was followed: {:?}",
        requests(&first_log)
    );
    assert!(
        target.iter().all(|r| r["user"].is_null()),
        "credentials went to the redirect's host: {target:?}"
    );
}

#[test]
fn missing_repositories_and_unreachable_hosts_are_clear_errors() {
    let root = tempfile::tempdir().unwrap();
    served_repo(root.path(), "public/there.git", "a.txt", "nothing\n");
    let (_server, port, _log) = http_server(root.path(), "u:p", &[]);
    let cache = tempfile::tempdir().unwrap();

    let out = audit(
        cache.path(),
        &format!("http://127.0.0.1:{port}/public/absent.git"),
        &[],
        &[],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("no such repository"), "{}", stderr(&out));

    let closed = free_port();
    let out = audit(cache.path(), &format!("http://127.0.0.1:{closed}/x.git"), &[], &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot reach the host"), "{}", stderr(&out));

    let out = audit(
        cache.path(),
        &format!("file://{}/nowhere.git", root.path().display()),
        &[],
        &[],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("no such repository"), "{}", stderr(&out));
    assert!(mirrors(cache.path()).is_empty(), "{:?}", mirrors(cache.path()));
}

#[test]
fn a_kept_mirror_whose_server_is_gone_is_scanned_with_a_warning() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0xdead);
    let (keys, _) = aws_keys(&mut rng);
    served_repo(root.path(), "public/gone.git", "k.env", &keys);
    let cache = tempfile::tempdir().unwrap();
    let url;
    {
        let (_server, port, _log) = http_server(root.path(), "u:p", &[]);
        url = format!("http://127.0.0.1:{port}/public/gone.git");
        let out = audit(cache.path(), &url, &["--keep"], &[]);
        assert_eq!(code(&out), 1, "{}", stderr(&out));
    }
    let out = audit(cache.path(), &url, &["--verbose"], &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot reach the host"), "{err}");
    assert!(err.contains("scanning what the mirror held"), "{err}");
    assert!(rules_of(&out).contains(&"aws-access-key-id".to_owned()));
}

#[test]
fn git_daemon_and_file_urls() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x9418);
    let (keys, _) = aws_keys(&mut rng);
    served_repo(root.path(), "daemon/app.git", "k.env", &keys);
    let port = free_port();
    let mut child = Command::new("git")
        .args(["daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1"])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", root.path().display()))
        .arg(root.path())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon");
    wait_for_port(port, "git daemon", &mut child);
    let _daemon = Server(child);
    let cache = tempfile::tempdir().unwrap();

    let out = audit(
        cache.path(),
        &format!("git://127.0.0.1:{port}/daemon/app.git"),
        &[],
        &[],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(rules_of(&out).contains(&"aws-access-key-id".to_owned()));

    let out = audit(
        cache.path(),
        &format!("git://127.0.0.1:{port}/daemon/none.git"),
        &[],
        &[],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("no such repository"), "{}", stderr(&out));

    let file_url = format!("file://{}/daemon/app.git", root.path().display());
    let out = audit(cache.path(), &file_url, &[], &[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(rules_of(&out).contains(&"aws-access-key-id".to_owned()));
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn ssh_urls_go_through_git_ssh_command() {
    let sshd = Path::new("/usr/sbin/sshd");
    assert!(
        sshd.exists(),
        "no /usr/sbin/sshd: apt-get install openssh-server (./test does)"
    );
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x22);
    let (keys, _) = aws_keys(&mut rng);
    let bare = served_repo(root.path(), "ssh/app.git", "k.env", &keys);

    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("client_key");
    let host_key = dir.path().join("host_key");
    for path in [&key, &host_key] {
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }
    std::fs::copy(key.with_extension("pub"), dir.path().join("authorized_keys")).unwrap();
    if current_user() == "root" {
        std::fs::create_dir_all("/run/sshd").unwrap();
    }
    let port = free_port();
    let config = dir.path().join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nStrictModes no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             UsePAM no\nPermitRootLogin prohibit-password\nPidFile none\n",
            host_key.display(),
            dir.path().join("authorized_keys").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stderr(Stdio::null())
        .spawn()
        .expect("sshd");
    wait_for_port(port, "sshd", &mut child);
    let _sshd = Server(child);

    let ssh = format!(
        "ssh -i {} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR",
        key.display()
    );
    let cache = tempfile::tempdir().unwrap();
    let url = format!("ssh://{}@127.0.0.1:{port}{}", current_user(), bare.display());
    let out = audit(cache.path(), &url, &[], &[("GIT_SSH_COMMAND", &ssh)]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(rules_of(&out).contains(&"aws-access-key-id".to_owned()));

    // A key the server does not know: authentication fails, exit 2.
    let stranger = dir.path().join("stranger");
    Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .unwrap();
    let ssh = ssh.replace(key.to_str().unwrap(), stranger.to_str().unwrap());
    let out = audit(cache.path(), &url, &[], &[("GIT_SSH_COMMAND", &ssh)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("authentication failed"), "{}", stderr(&out));
}

#[test]
fn https_with_a_trusted_ca_and_a_clear_error_without() {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x7155);
    let (keys, _) = aws_keys(&mut rng);
    served_repo(root.path(), "private/tls.git", "k.env", &keys);
    let tls = tempfile::tempdir().unwrap();
    let (_server, port, log) = http_server(
        root.path(),
        "auditor:tls-pass-123",
        &["--tls".into(), tls.path().to_str().unwrap().into()],
    );
    let ca = tls.path().join("ca.pem");
    assert!(
        ca.is_file(),
        "git_http.py --tls needs trustme (pip install trustme; ./test does)"
    );
    let cache = tempfile::tempdir().unwrap();
    let url = format!("https://127.0.0.1:{port}/private/tls.git");

    // The throwaway CA trusted through SSL_CERT_FILE, as for git and curl.
    let out = audit(
        cache.path(),
        &url,
        &["--git-username", "auditor"],
        &[
            ("KEYHOUND_GIT_TOKEN", "tls-pass-123"),
            ("SSL_CERT_FILE", ca.to_str().unwrap()),
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(rules_of(&out).contains(&"aws-access-key-id".to_owned()));
    assert!(requests(&log)
        .iter()
        .any(|r| r["user"] == "auditor" && r["status"] == 200));

    // A certificate nobody trusts: the fetch fails before any credential
    // is sent.
    let before = requests(&log).len();
    let out = audit(
        cache.path(),
        &url,
        &["--git-username", "auditor"],
        &[
            ("KEYHOUND_GIT_TOKEN", "tls-pass-123"),
            ("SSL_CERT_FILE", "/nonexistent/ca.pem"),
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out).to_lowercase();
    assert!(
        err.contains("certificate") || err.contains("tls") || err.contains("ssl"),
        "{err}"
    );
    assert_eq!(requests(&log).len(), before, "no request got past the handshake");
}
