//! `--format html` end to end: a real git repository built with the `git`
//! CLI (a key added, seen again, then removed; a file whose name, content
//! and author try HTML injection), scanned by the real binary, and the page
//! opened in real headless Chromium (Debian's `chromium`, which `./test`
//! installs): it renders, its filter script runs, the injected markup does
//! not, it attempts no network request, and its counts match the JSON
//! output. Also: every format (JSONL with `--sort`) is byte-identical
//! between `-j1` and `-j8`, on a tree and on git history; and `keyhound
//! exposure -f html` adds a section per key with its uses while exposed,
//! counted as the audit log's emulator answered them.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// What the injection payloads would do if they ever ran: mark the page.
const PAYLOAD_SCRIPT: &str = "<script>document.documentElement.setAttribute('data-pwned','script')</script>";
const PAYLOAD_IMG: &str = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">";

/// A scratch repository driven through the real `git` CLI with a fixed
/// identity and clock, isolated from the machine's git config.
struct Repo {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let repo = Repo { dir, path };
        repo.git(&["init", "-q", "-b", "main"], None, "Alice Example");
        repo
    }

    fn git(&self, args: &[&str], date: Option<&str>, author: &str) {
        let home = self.dir.path().join("home");
        let mut cmd = Command::new("git");
        cmd.current_dir(&self.path)
            .args(args)
            .env("HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
            .env("GIT_AUTHOR_NAME", author)
            .env("GIT_AUTHOR_EMAIL", "dev@example.com")
            .env("GIT_COMMITTER_NAME", "CI")
            .env("GIT_COMMITTER_EMAIL", "ci@example.com");
        if let Some(date) = date {
            cmd.env("GIT_AUTHOR_DATE", date).env("GIT_COMMITTER_DATE", date);
        }
        let out = cmd.output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn commit(&self, message: &str, date: &str, author: &str) {
        self.git(&["add", "-A"], None, author);
        self.git(&["commit", "-q", "-m", message], Some(date), author);
    }
}

/// The history every test here reads, and the two keys in it.
struct Fixture {
    repo: Repo,
    /// Added in config/app.env on 2024-01-10, copied into deploy/ci.yml on
    /// 2024-03-20, removed from both on 2024-05-01.
    removed_key: String,
    /// In the injection file since 2024-02-15, still in HEAD.
    present_key: String,
    injection_file: String,
}

fn fixture() -> Fixture {
    let mut rng = Rng::new(0x4854_4d4c);
    let removed_key = github_token(&mut rng, "ghp_");
    let present_key = github_token(&mut rng, "ghp_");
    let repo = Repo::new();
    write(&repo.path, "README.md", "a service\n");
    write(&repo.path, "config/app.env", format!("GITHUB_TOKEN={removed_key}\n"));
    repo.commit("configure the service", "2024-01-10T09:00:00+00:00", "Alice Example");
    let injection_file = format!("{PAYLOAD_IMG}.env");
    write(
        &repo.path,
        &injection_file,
        format!("token = \"{present_key}\" # {PAYLOAD_SCRIPT}\n"),
    );
    repo.commit(
        &format!("add {PAYLOAD_SCRIPT}"),
        "2024-02-15T12:00:00+00:00",
        &format!("Mallory {PAYLOAD_SCRIPT}"),
    );
    write(
        &repo.path,
        "deploy/ci.yml",
        format!("env:\n  GITHUB_TOKEN: {removed_key}\n"),
    );
    repo.commit("deploy from CI", "2024-03-20T08:30:00+00:00", "Bob Builder");
    std::fs::remove_file(repo.path.join("config/app.env")).unwrap();
    std::fs::remove_file(repo.path.join("deploy/ci.yml")).unwrap();
    repo.commit(
        "load the token from the environment",
        "2024-05-01T17:00:00+00:00",
        "Alice Example",
    );
    Fixture {
        repo,
        removed_key,
        present_key,
        injection_file,
    }
}

/// Runs `keyhound git` on the fixture with `args`; exit 1 (findings).
fn scan(fx: &Fixture, args: &[&str]) -> Output {
    let repo = fx.repo.path.to_str().unwrap();
    let mut all = vec!["git", repo, "-q"];
    all.extend_from_slice(args);
    let out = run_in(fx.repo.dir.path(), &all);
    assert_eq!(code(&out), 1, "keyhound {all:?}: {}", stderr(&out));
    out
}

fn html_of(fx: &Fixture, args: &[&str]) -> String {
    let mut all = vec!["-f", "html"];
    all.extend_from_slice(args);
    stdout(&scan(fx, &all))
}

// ---- headless Chromium ----

/// Debian's Chromium; a missing browser fails the test, never skips it.
fn chromium() -> PathBuf {
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(candidate).is_file() {
            return PathBuf::from(candidate);
        }
    }
    panic!(
        "headless Chromium is needed to test the HTML report and was not found at /usr/bin/chromium: \
         install the Debian package `chromium` (./test does: apt-get install chromium)"
    );
}

/// A proxy that every request of the browser is sent to: it records the
/// request line and answers nothing, so any network request the page
/// attempts is seen (and fails).
struct Trap {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
}

impl Trap {
    fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (seen2, connections2) = (Arc::clone(&seen), Arc::clone(&connections));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                connections2.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 1024];
                let n = stream.read(&mut buf).unwrap_or(0);
                let line = match String::from_utf8_lossy(&buf[..n]).lines().next() {
                    Some(line) if !line.is_empty() => line.to_string(),
                    _ => "(a connection without a request line)".to_string(),
                };
                seen2.lock().unwrap().push(line);
                let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            }
        });
        Trap {
            port,
            seen,
            connections,
        }
    }

    /// Requests seen, except Chromium's own background calls to Google's
    /// update, clock, account and browser services, which it makes at
    /// start-up whatever page it shows, despite
    /// `--disable-background-networking` and `--disable-component-update`
    /// (seen on a blank page). Only those exact hosts are excused: the
    /// CDNs a page could load from (fonts.googleapis.com, gstatic,
    /// ajax.googleapis.com, …) still count.
    fn page_requests(&self) -> Vec<String> {
        const BROWSER_SERVICES: [&str; 9] = [
            "update.googleapis.com",
            "clients1.google.com",
            "clients2.google.com",
            "accounts.google.com",
            "optimizationguide-pa.googleapis.com",
            "content-autofill.googleapis.com",
            "safebrowsing.googleapis.com",
            "redirector.gvt1.com",
            "edgedl.me.gvt1.com",
        ];
        // `CONNECT host:443 HTTP/1.1` or `GET http://host/path HTTP/1.1`.
        let host = |line: &str| -> Option<String> {
            let target = line.split(' ').nth(1)?;
            let target = target.strip_prefix("http://").unwrap_or(target);
            let host = target.split(['/', ':']).next()?;
            Some(host.to_ascii_lowercase())
        };
        // Every connection accepted so far has its request line read.
        let started = Instant::now();
        while self.seen.lock().unwrap().len() < self.connections.load(Ordering::SeqCst)
            && started.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        let seen = self.seen.lock().unwrap().clone();
        seen.into_iter()
            .filter(|line| !host(line).is_some_and(|h| BROWSER_SERVICES.contains(&h.as_str())))
            .collect()
    }
}

/// Runs headless Chromium on `url` with every request sent to `trap`,
/// plus `extra` arguments; returns its standard output.
fn browse(url: &str, trap: &Trap, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--no-pings",
            "--disable-domain-reliability",
            "--disable-client-side-phishing-detection",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,\
             AutofillServerCommunication,CertificateTransparencyComponentUpdater",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--proxy-server=http://127.0.0.1:{}", trap.port))
        // Even loopback goes through the trap.
        .arg("--proxy-bypass-list=<-loopback>")
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().unwrap();
    let err = err_reader.join().unwrap();
    assert!(status.success(), "chromium failed on {url}: {status}\n{err}");
    out
}

fn file_url(path: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", path.display())
}

/// The number in `data-count` of the element with `id`.
fn count_of(page: &str, id: &str) -> usize {
    let at = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let rest = &page[at..];
    let start = rest.find("data-count=\"").expect("data-count") + "data-count=\"".len();
    rest[start..start + rest[start..].find('"').unwrap()].parse().unwrap()
}

/// The findings and secrets counts of a summary row (`severity:critical`).
fn summary_row(page: &str, key: &str) -> Option<(usize, usize)> {
    let at = page.find(&format!("data-key=\"{key}\""))?;
    let rest = &page[at..];
    let cell = |class: &str| -> usize {
        let tag = format!("<td class=\"{class}\">");
        let s = rest.find(&tag).unwrap() + tag.len();
        rest[s..s + rest[s..].find('<').unwrap()].parse().unwrap()
    };
    Some((cell("findings"), cell("secrets")))
}

#[test]
fn the_report_renders_in_chromium_without_network_or_injected_code() {
    let fx = fixture();
    let json: Value = serde_json::from_str(&stdout(&scan(&fx, &["-f", "json"]))).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let fingerprints: BTreeSet<&str> = findings.iter().map(|f| f["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(fingerprints.len(), 2, "{json:#}");

    let html = html_of(&fx, &[]);
    let out_dir = tempfile::tempdir().unwrap();
    let report = out_dir.path().join("report.html");
    std::fs::write(&report, &html).unwrap();

    // The file itself: escaped, self-contained, redacted.
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains(PAYLOAD_SCRIPT) && !html.contains(PAYLOAD_IMG));
    assert_eq!(html.matches("<script").count(), 1, "only the page's own script");
    for external in [
        "src=\"http",
        "src='http",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "<object",
    ] {
        assert!(!html.contains(external), "{external} in the page");
    }
    for href in html.split("href=\"").skip(1) {
        let target = &href[..href.find('"').unwrap()];
        assert!(
            target.starts_with('#') || target.starts_with("https://"),
            "unexpected link target {target}"
        );
    }
    assert!(!html.contains(&fx.removed_key) && !html.contains(&fx.present_key));

    // Summary counts are the JSON output's.
    assert_eq!(count_of(&html, "total-findings"), findings.len());
    assert_eq!(count_of(&html, "total-secrets"), fingerprints.len());
    let critical = findings.iter().filter(|f| f["severity"] == "critical").count();
    let high = findings.iter().filter(|f| f["severity"] == "high").count();
    assert_eq!(summary_row(&html, "severity:critical").map_or(0, |r| r.0), critical);
    assert_eq!(summary_row(&html, "severity:high").map_or(0, |r| r.0), high);
    assert_eq!(summary_row(&html, "source:history"), Some((findings.len(), 2)));
    assert_eq!(summary_row(&html, "liveness:unverified"), Some((findings.len(), 2)));

    // Timeline: one bar per secret, with the commits' dates.
    assert_eq!(html.matches("<g class=\"bar ").count(), fingerprints.len());
    let removed_fp = findings.iter().find(|f| f["path"] == "config/app.env").unwrap()["fingerprint"]
        .as_str()
        .unwrap();
    assert!(
        html.contains(&format!(
            "data-fp=\"{removed_fp}\" data-introduced=\"2024-01-10\" data-removed=\"2024-05-01\" data-revoked=\"\""
        )),
        "the removed key's bar"
    );
    let present_fp = fingerprints.iter().find(|fp| **fp != removed_fp).unwrap();
    assert!(html.contains(&format!(
        "data-fp=\"{present_fp}\" data-introduced=\"2024-02-15\" data-removed=\"\" data-revoked=\"\""
    )));
    // The copy into deploy/ci.yml is a later sighting of the removed key.
    assert!(html.contains("; 1 later sighting(s); removed from HEAD 2024-05-01"));

    // In the browser: the network trap works (a control page is caught)...
    let trap = Trap::start();
    let control = out_dir.path().join("control.html");
    std::fs::write(
        &control,
        "<!DOCTYPE html><p>control</p><img src=\"http://example.org/pixel.png\">",
    )
    .unwrap();
    browse(&file_url(&control, ""), &trap, &["--dump-dom"]);
    let lines = trap.page_requests();
    assert!(
        lines.iter().any(|l| l.contains("example.org/pixel.png")),
        "the trap must see the control page's image request: {lines:?}"
    );

    // ...and the report attempts nothing.
    let trap = Trap::start();
    let dom = browse(&file_url(&report, ""), &trap, &["--dump-dom"]);
    assert_eq!(trap.page_requests(), Vec::<String>::new(), "the report made requests");
    assert!(
        dom.contains("data-filters=\"ready\""),
        "the filter script did not run:\n{dom}"
    );
    assert!(!dom.contains("data-pwned=\""), "injected markup ran");
    assert_eq!(dom.matches("<script").count(), 1);
    assert!(!dom.contains("<img"), "an injected element was parsed");
    assert!(dom.contains(&format!("{} of {} finding(s) shown", findings.len(), findings.len())));
    assert!(!dom.contains(&fx.removed_key) && !dom.contains(&fx.present_key));
    assert!(dom.contains(&fx.injection_file.replace('<', "&lt;").replace('>', "&gt;")));

    // A filter from the address hides the right rows.
    let in_deploy = findings
        .iter()
        .filter(|f| f["path"].as_str().unwrap().contains("deploy"))
        .count();
    assert!(in_deploy > 0);
    let dom = browse(&file_url(&report, "#q=deploy"), &trap, &["--dump-dom"]);
    assert!(dom.contains(&format!("data-shown=\"{in_deploy}\"")), "{dom}");
    let rows: Vec<&str> = dom.split("<tr class=\"finding").skip(1).collect();
    assert_eq!(rows.len(), findings.len());
    for row in rows {
        let row = &row[..row.find('>').unwrap()];
        let shown = row.contains("data-path=\"deploy/");
        assert_eq!(!row.contains(" hidden=\""), shown, "row {row}");
    }
    let dom = browse(&file_url(&report, "#severity=low"), &trap, &["--dump-dom"]);
    assert!(dom.contains("data-shown=\"0\""));
    assert_eq!(trap.page_requests(), Vec::<String>::new());

    // A screenshot, kept as the test's artefact.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &file_url(&report, ""),
        &trap,
        &["--window-size=1280,2400", &format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(trap.page_requests(), Vec::<String>::new());
}

#[test]
fn show_secrets_puts_a_banner_on_the_page() {
    let fx = fixture();
    let trap = Trap::start();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    std::fs::write(&report, html_of(&fx, &["--show-secrets"])).unwrap();
    let dom = browse(&file_url(&report, ""), &trap, &["--dump-dom"]);
    assert!(dom.contains("id=\"secrets-banner\""));
    assert!(dom.contains("This file contains full, unredacted secrets"));
    assert!(dom.contains(&fx.removed_key));
    assert_eq!(trap.page_requests(), Vec::<String>::new());
}

#[test]
fn a_saved_report_renders_like_the_scan_and_inventory_writes_html() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("findings.json");
    let repo = fx.repo.path.to_str().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "git",
            repo,
            "-q",
            "-f",
            "json",
            "--show-secrets",
            "-o",
            saved.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let log = dir.path().join("audit.jsonl");
    std::fs::write(
        &log,
        "{\"action\":\"result\",\"fingerprint\":\"FP\",\"verdict\":\"confirmed dead\",\"time\":\"2024-06-01T10:00:00+00:00\"}\n",
    )
    .unwrap();
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let fp = json["findings"][0]["fingerprint"].as_str().unwrap().to_string();
    std::fs::write(&log, std::fs::read_to_string(&log).unwrap().replace("FP", &fp)).unwrap();

    let out = run_in(
        dir.path(),
        &["report", saved.to_str().unwrap(), "--audit-log", log.to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    // Redacted by default although the file holds the secrets.
    assert!(!page.contains(&fx.removed_key) && !page.contains(&fx.present_key));
    assert!(!page.contains("secrets-banner"));
    assert_eq!(
        count_of(&page, "total-findings"),
        json["findings"].as_array().unwrap().len()
    );
    assert!(page.contains("data-revoked=\"2024-06-01\" data-end=\"2024-06-01\""));
    // The plan knows the full secrets: revocation through the API is possible.
    assert!(page.contains("Revocation API available: <code>keyhound revoke --from FINDINGS --execute</code>"));

    let out = run_in(dir.path(), &["report", saved.to_str().unwrap(), "--show-secrets"]);
    assert!(stdout(&out).contains("id=\"secrets-banner\""));
    assert!(stdout(&out).contains(&fx.removed_key));

    // SARIF and JSONL read back too, with the same totals of findings.
    for format in ["sarif", "jsonl"] {
        let file = dir.path().join(format!("findings.{format}"));
        let out = run_in(
            dir.path(),
            &["git", repo, "-q", "-f", format, "-o", file.to_str().unwrap()],
        );
        assert_eq!(code(&out), 1);
        let out = run_in(dir.path(), &["report", file.to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{format}: {}", stderr(&out));
        assert_eq!(
            count_of(&stdout(&out), "total-findings"),
            json["findings"].as_array().unwrap().len(),
            "{format}"
        );
    }

    // The inventory's HTML is the audit report.
    let out = run_in(dir.path(), &["inventory", "git", repo, "-q", "-f", "html"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("<h2>Exposure timeline</h2>"));
}

#[test]
fn the_exposure_audit_renders_a_section_per_key_with_its_uses_in_chromium() {
    use base64::Engine as _;
    use common::emulator::{Emulator, Reply};
    use sha2::{Digest, Sha256};

    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("findings.json");
    let repo = fx.repo.path.to_str().unwrap();
    let out = run_in(
        dir.path(),
        &[
            "git",
            repo,
            "-q",
            "-f",
            "json",
            "--show-secrets",
            "-o",
            saved.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let fp_of = |key: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["secret"] == key)
            .unwrap()["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (removed_fp, present_fp) = (fp_of(&fx.removed_key), fp_of(&fx.present_key));
    // GitHub's audit log: three uses of the removed key (one from the
    // user's own range, one whose client tries HTML injection), none of
    // the other.
    let hashed = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(fx.removed_key.as_bytes()));
    let hashed_c = hashed.clone();
    let emulator = Emulator::start(move |req| {
        let hashed = &hashed_c;
        if req.header("authorization") != Some("Bearer audit-admin-fake-0001") {
            return Reply::new(403, r#"{"message":"Must have admin rights"}"#);
        }
        let query = percent_encoding::percent_decode_str(req.target.split_once('?').map_or("", |(_, q)| q))
            .decode_utf8_lossy()
            .into_owned();
        if !query.contains(&format!("hashed_token:\"{hashed}\"")) {
            return Reply::new(200, "[]");
        }
        let events = serde_json::json!([
            {"@timestamp": 1_705_000_000_000_i64, "action": "git.clone", "actor": "alice", "actor_ip": "203.0.113.10", "user_agent": "git/2.43"},
            {"@timestamp": 1_707_000_000_000_i64, "action": "repo.download_zip", "actor": "alice", "actor_ip": "198.51.100.23", "user_agent": PAYLOAD_IMG},
            {"@timestamp": 1_709_000_000_000_i64, "action": "git.fetch", "actor": "alice", "actor_ip": "192.0.2.44", "user_agent": "curl/8.5"},
        ]);
        Reply::new(200, &events.to_string())
    });
    let mut cmd = keyhound();
    for var in [
        "GITHUB_TOKEN",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .current_dir(dir.path())
        .env("KEYHOUND_GITHUB_AUDIT_TOKEN", "audit-admin-fake-0001")
        .args([
            "exposure",
            "--from",
            saved.to_str().unwrap(),
            "--github-org",
            "acme-fake",
            "--known-ips",
            "203.0.113.0/24",
            "-f",
            "html",
            "--verify-override",
            &format!("api.github.com={}/gh", emulator.base),
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "a key used from unknown addresses: {}", stderr(&out));
    let html = stdout(&out);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    for secret in [
        fx.removed_key.as_str(),
        fx.present_key.as_str(),
        "audit-admin-fake-0001",
        hashed.as_str(),
    ] {
        assert!(!html.contains(secret), "the page leaks {secret}");
    }
    assert!(!html.contains(PAYLOAD_IMG), "the client string is escaped");
    let report = dir.path().join("exposure.html");
    std::fs::write(&report, &html).unwrap();

    let trap = Trap::start();
    let dom = browse(&file_url(&report, "#exposure"), &trap, &["--dump-dom"]);
    assert_eq!(trap.page_requests(), Vec::<String>::new(), "the page made requests");
    assert!(!dom.contains("data-pwned=\""), "injected markup ran");
    assert!(dom.contains("<h2>Used while exposed?</h2>"), "{dom}");
    assert!(dom.contains("href=\"#exposure\""), "the section is in the navigation");
    let article = |fp: &str| -> String {
        let at = dom
            .find(&format!("id=\"exposure-{fp}\""))
            .unwrap_or_else(|| panic!("no section for {fp}"));
        let rest = &dom[at..];
        rest[..rest.find("</article>").unwrap()].to_string()
    };
    let removed = article(&removed_fp);
    assert!(
        removed.contains("data-uses=\"3\" data-known=\"1\" data-unknown=\"2\""),
        "{removed}"
    );
    assert!(removed.contains("<span class=\"uses\">3</span>"), "{removed}");
    assert!(
        removed.contains("<span class=\"known\">1</span> from your addresses"),
        "{removed}"
    );
    assert!(
        removed.contains("<span class=\"unknown\">2</span> from addresses not listed as yours"),
        "{removed}"
    );
    assert!(
        removed.contains("<dd class=\"introduced\">2024-01-10 by Alice Example"),
        "{removed}"
    );
    assert!(removed.contains("<dd class=\"removed\">2024-05-01</dd>"), "{removed}");
    assert!(
        removed.contains("<dd class=\"source\">GitHub audit log of acme-fake</dd>"),
        "{removed}"
    );
    assert_eq!(removed.matches("<tr class=\"unknown\">").count(), 2, "{removed}");
    assert_eq!(removed.matches("<tr class=\"known\">").count(), 1, "{removed}");
    assert!(removed.contains("198.51.100.23"), "{removed}");
    let present = article(&present_fp);
    assert!(
        present.contains("data-uses=\"0\" data-known=\"0\" data-unknown=\"0\""),
        "{present}"
    );
    assert!(!present.contains("<table"), "no uses, no table: {present}");
    // The key others used comes first.
    assert!(dom.find(&format!("id=\"exposure-{removed_fp}\"")) < dom.find(&format!("id=\"exposure-{present_fp}\"")));
    // The rest of the audit report is there too, redacted.
    assert_eq!(count_of(&dom, "total-secrets"), 2);
    assert!(!dom.contains(&fx.removed_key) && !dom.contains(&fx.present_key));
}

/// Drops what legitimately differs between two runs: durations and
/// throughput (the text summary line, JSON's and SARIF's timing fields).
fn without_durations(format: &str, text: &str) -> String {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for key in [
                    "elapsed_secs",
                    "mb_per_sec",
                    "elapsedSeconds",
                    "startTimeUtc",
                    "endTimeUtc",
                ] {
                    map.remove(key);
                }
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    match format {
        "json" | "sarif" => {
            let mut doc: Value = serde_json::from_str(text).unwrap();
            strip(&mut doc);
            serde_json::to_string_pretty(&doc).unwrap()
        }
        _ => text
            .lines()
            .map(|line| match line.find(" scanned in ") {
                Some(at) => &line[..at],
                None => line,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn every_format_is_the_same_with_one_thread_and_eight() {
    // A tree with many files, so parallel scans finish them in any order.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(7);
    for i in 0..60 {
        let token = github_token(&mut rng, "ghp_");
        write(
            dir.path(),
            &format!("d{}/f{i:02}.env", i % 7),
            format!("A=1\nTOKEN={token}\nB={}\n", github_token(&mut rng, "gho_")),
        );
    }
    let root = dir.path().to_str().unwrap();
    for format in ["text", "json", "jsonl", "sarif", "csv", "html"] {
        let run = |threads: &str| {
            // JSONL streams as found unless --sort.
            let mut args = vec!["dir", root, "-q", "--color", "never", "-f", format, "-j", threads];
            if format == "jsonl" {
                args.push("--sort");
            }
            let out = run_in(dir.path(), &args);
            assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
            without_durations(format, &stdout(&out))
        };
        let one = run("1");
        assert!(one.len() > 1000, "{format}: {one}");
        assert_eq!(one, run("8"), "{format} differs between -j1 and -j8");
        assert_eq!(one, run("8"), "{format} differs between two -j8 runs");
    }
}

#[test]
fn a_history_audit_is_the_same_with_one_thread_and_eight() {
    let fx = fixture();
    for format in ["text", "json", "jsonl", "sarif", "csv", "html"] {
        let run = |threads: &str| {
            let out = scan(&fx, &["--sort", "--color", "never", "-f", format, "-j", threads]);
            without_durations(format, &stdout(&out))
        };
        let one = run("1");
        assert!(one.contains("deploy/ci.yml"), "{format}: {one}");
        assert_eq!(one, run("8"), "{format} differs between -j1 and -j8");
    }
    let inventory = |threads: &str| {
        let repo = fx.repo.path.to_str().unwrap();
        let out = run_in(
            fx.repo.dir.path(),
            &["inventory", "git", repo, "-q", "-f", "csv", "-j", threads],
        );
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(inventory("1"), inventory("8"), "the inventory differs");
}
