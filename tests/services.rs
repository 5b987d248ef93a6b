//! Service verifiers (`--verify-network-services`) against real servers
//! started on 127.0.0.1 from Debian's packages: PostgreSQL (SCRAM-SHA-256,
//! a cleartext-password method keyhound must refuse), MariaDB
//! (mysql_native_password) and Redis (requirepass). `./test` installs the
//! packages; a missing server fails the test with the package to install.
//! MongoDB is not tested: Debian ships no MongoDB server.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs `program args` (as `user` when the test runs as root) and asserts
/// success.
fn run_as(user: Option<&str>, program: &Path, args: &[&str]) {
    let mut cmd = match user {
        Some(u) if is_root() => {
            let mut c = Command::new("runuser");
            c.args(["-u", u, "--"]).arg(program);
            c
        }
        _ => Command::new(program),
    };
    let out = cmd
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {args:?}: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The statuses keyhound reports for each file's finding of `rule`.
fn statuses(root: &Path, rule: &str, extra: &[&str]) -> Vec<(String, String, String)> {
    statuses_with_home(root, rule, extra, None)
}

/// [`statuses`] with `HOME` set (where `~/.ssh/known_hosts` is read).
fn statuses_with_home(root: &Path, rule: &str, extra: &[&str], home: Option<&Path>) -> Vec<(String, String, String)> {
    let mut args = vec!["dir", ".", "--verify", "-f", "json", "-q"];
    args.extend(extra);
    let mut cmd = keyhound();
    cmd.current_dir(root).args(&args);
    if let Some(home) = home {
        cmd.env("HOME", home);
    }
    let out = cmd.output().unwrap();
    assert!(code(&out) <= 1, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut rows: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| {
            (
                f["path"].as_str().unwrap().trim_start_matches("./").to_string(),
                f["verification"]["status"].as_str().unwrap_or("none").to_string(),
                f["verification"]["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn status_of<'a>(rows: &'a [(String, String, String)], path: &str) -> (&'a str, &'a str) {
    rows.iter()
        .find(|(p, _, _)| p == path)
        .map(|(_, s, r)| (s.as_str(), r.as_str()))
        .unwrap_or_else(|| panic!("no finding in {path}: {rows:?}"))
}

fn postgres_bin() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: apt-get install postgresql (./test does)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql")
}

#[test]
fn postgres_logins_are_live_invalid_or_refused_when_the_server_wants_a_cleartext_password() {
    let bin = postgres_bin();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pwfile = dir.path().join("pw");
    let superpass = "Kq8vR3nT5wXe1Lz";
    std::fs::write(&pwfile, superpass).unwrap();
    if is_root() {
        // initdb and postgres refuse to run as root: the package's own
        // user owns the cluster.
        run_as(
            None,
            Path::new("chown"),
            &["-R", "postgres", dir.path().to_str().unwrap()],
        );
    }
    let data_s = data.to_str().unwrap();
    run_as(
        Some("postgres"),
        &bin.join("initdb"),
        &[
            "-D",
            data_s,
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            "--pwfile",
            pwfile.to_str().unwrap(),
        ],
    );
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all scram-sha-256\nhost all clear_user 127.0.0.1/32 password\nhost all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    let port = free_port();
    let port_s = port.to_string();
    let args = [
        "-D",
        data_s,
        "-p",
        &port_s,
        "-k",
        data_s,
        "-c",
        "listen_addresses=127.0.0.1",
    ];
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join("postgres"));
        c
    } else {
        Command::new(bin.join("postgres"))
    };
    let mut child = cmd
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, "postgres", &mut child);
    let _server = Server(child);
    let admin_url = format!("postgresql://postgres:{superpass}@127.0.0.1:{port}/postgres");
    run_as(
        None,
        Path::new("psql"),
        &[
            &admin_url,
            "-q",
            "-c",
            "CREATE ROLE clear_user LOGIN PASSWORD 'Zt7cW2pLm9QxVb'",
        ],
    );

    let tree = tempfile::tempdir().unwrap();
    write(
        tree.path(),
        "live.env",
        format!("DATABASE_URL=postgres://postgres:{superpass}@127.0.0.1:{port}/postgres\n"),
    );
    write(
        tree.path(),
        "nodb.env",
        format!("DATABASE_URL=postgres://postgres:{superpass}@127.0.0.1:{port}/no_such_db\n"),
    );
    write(
        tree.path(),
        "wrong.env",
        format!("DATABASE_URL=postgres://postgres:Wq4nE8rTy2Ux6Pz@127.0.0.1:{port}/postgres\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    write(
        tree.path(),
        "clear.env",
        format!("DATABASE_URL=postgres://clear_user:Zt7cW2pLm9QxVb@127.0.0.1:{port}/postgres\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    let rows = statuses(tree.path(), "postgres-uri-password", &["--verify-network-services"]);
    assert_eq!(status_of(&rows, "live.env").0, "live", "{rows:?}");
    assert_eq!(
        status_of(&rows, "nodb.env").0,
        "live",
        "authenticated, then no database: {rows:?}"
    );
    assert_eq!(status_of(&rows, "wrong.env").0, "invalid", "{rows:?}");
    let (status, reason) = status_of(&rows, "clear.env");
    assert_eq!(status, "unknown", "{rows:?}");
    assert!(reason.contains("clear text"), "{reason}");
    // Without the flag nothing is asked: the findings are not verified.
    let rows = statuses(tree.path(), "postgres-uri-password", &[]);
    assert!(rows.iter().all(|(_, s, _)| s == "none"), "{rows:?}");
}

#[test]
fn mariadb_logins_are_live_or_invalid() {
    let install = ["mariadb-install-db", "mysql_install_db"]
        .into_iter()
        .find(|c| {
            Command::new("sh")
                .args(["-c", &format!("command -v {c}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("MariaDB is not installed: apt-get install mariadb-server (./test does)");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_s = data.to_str().unwrap();
    let user_arg = if is_root() { vec!["--user=root"] } else { vec![] };
    let mut args = vec![
        "--no-defaults",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ];
    let datadir = format!("--datadir={data_s}");
    args.push(&datadir);
    args.extend(user_arg.iter().copied());
    run_as(None, Path::new(install), &args);
    let port = free_port();
    let socket = dir.path().join("sock");
    let mut cmd = Command::new("mariadbd");
    cmd.args([
        "--no-defaults",
        &datadir,
        &format!("--port={port}"),
        "--bind-address=127.0.0.1",
    ])
    .arg(format!("--socket={}", socket.display()))
    .arg(format!("--pid-file={}", dir.path().join("pid").display()))
    .args(&user_arg)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("mariadbd: apt-get install mariadb-server");
    wait_for_port(port, "mariadbd", &mut child);
    let _server = Server(child);
    run_as(
        None,
        Path::new("mariadb"),
        &[
            "--no-defaults",
            "-uroot",
            &format!("--socket={}", socket.display()),
            "-e",
            "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'Hn4tPq8ZwL2xRv'; CREATE DATABASE shop; GRANT ALL ON shop.* TO 'app'@'127.0.0.1';",
        ],
    );
    let tree = tempfile::tempdir().unwrap();
    write(
        tree.path(),
        "live.env",
        format!("DATABASE_URL=mysql://app:Hn4tPq8ZwL2xRv@127.0.0.1:{port}/shop\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    write(
        tree.path(),
        "denied.env",
        format!("DATABASE_URL=mysql://app:Hn4tPq8ZwL2xRv@127.0.0.1:{port}/mysql\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    write(
        tree.path(),
        "wrong.env",
        format!("DATABASE_URL=mysql://app:Bx7mKq2WzR9tLc@127.0.0.1:{port}/shop\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    let rows = statuses(tree.path(), "mysql-uri-password", &["--verify-network-services"]);
    assert_eq!(status_of(&rows, "live.env").0, "live", "{rows:?}");
    assert_eq!(
        status_of(&rows, "denied.env").0,
        "live",
        "authenticated, then refused the database: {rows:?}"
    );
    assert_eq!(status_of(&rows, "wrong.env").0, "invalid", "{rows:?}");
}

#[test]
fn redis_logins_are_live_or_invalid() {
    let port = free_port();
    let password = "Fv8nQ2rXk7LmWp3"; // keyhound:allow (fake, for a throwaway test server)
    let mut child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--requirepass",
            password,
        ])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server: apt-get install redis-server (./test does)");
    wait_for_port(port, "redis-server", &mut child);
    let _server = Server(child);
    let tree = tempfile::tempdir().unwrap();
    write(
        tree.path(),
        "live.env",
        format!("REDIS_URL=redis://:{password}@127.0.0.1:{port}/0\n"),
    );
    write(
        tree.path(),
        "wrong.env",
        format!("REDIS_URL=redis://:Tg5hWq9zXc2VbN4@127.0.0.1:{port}/0\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    let rows = statuses(tree.path(), "redis-uri-password", &["--verify-network-services"]);
    assert_eq!(status_of(&rows, "live.env").0, "live", "{rows:?}");
    assert_eq!(status_of(&rows, "wrong.env").0, "invalid", "{rows:?}");
}

#[test]
fn without_the_flag_no_connection_is_made_to_a_host_named_in_the_tree() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let tree = tempfile::tempdir().unwrap();
    write(
        tree.path(),
        "a.env",
        format!("DATABASE_URL=postgres://app:Pw7xKq2ZrT9mLc@127.0.0.1:{port}/app\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    write(
        tree.path(),
        "b.env",
        format!("DATABASE_URL=mysql://app:Pw7xKq2ZrT9mLc@127.0.0.1:{port}/app\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    write(
        tree.path(),
        "c.env",
        format!("REDIS_URL=redis://:Pw7xKq2ZrT9mLc@127.0.0.1:{port}/0\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    let out = run_in(tree.path(), &["dir", ".", "--verify", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        listener.accept().is_err(),
        "keyhound connected without --verify-network-services"
    );
}

/// A server from tests/servers/SCRIPT (a PyPI package's real server,
/// with a throwaway CA from trustme): `args` after its directory. Returns
/// the server, its port and its directory (ca.pem, the logs it writes).
fn python_server(script: &str, args: &[&str]) -> (Server, u16, tempfile::TempDir) {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers").join(script);
    let mut child = Command::new("python3")
        .arg(&path)
        .arg(dir.path())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Some(port) = line.strip_prefix("ready ").and_then(|p| p.trim().parse().ok()) else {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err);
        panic!("{script} did not start (it needs `pip install aiosmtpd pyftpdlib pyopenssl trustme`; ./test installs them): {line}{err}");
    };
    (Server(child), port, dir)
}

/// A real SMTP submission server (aiosmtpd); `mode` is `--starttls`,
/// `--implicit` or `--no-tls`. Its directory holds auth.log (AUTH
/// attempts) and mail.log (MAIL FROMs).
fn smtp_server(user: &str, password: &str, mode: &str) -> (Server, u16, tempfile::TempDir) {
    python_server("smtp.py", &[user, password, mode])
}

fn log_lines(dir: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn smtp_logins_are_live_or_invalid_over_tls_and_a_password_never_goes_in_clear() {
    let (user, password) = ("alerts@acme.test", "Zq8wLp3vNc1XrT6y");
    let (_starttls, port, server_dir) = smtp_server(user, password, "--starttls");
    let (_implicit, tls_port, tls_dir) = smtp_server(user, password, "--implicit");
    let ca = server_dir.path().join("ca.pem");
    let tls_ca = tls_dir.path().join("ca.pem");
    let both = tempfile::tempdir().unwrap();
    let bundle = both.path().join("cas.pem");
    let mut pem = std::fs::read(&ca).unwrap();
    pem.extend(std::fs::read(&tls_ca).unwrap());
    std::fs::write(&bundle, pem).unwrap();

    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    write(
        root,
        "live.env",
        format!("MAILER_DSN=smtp://alerts%40acme.test:{password}@127.0.0.1:{port}\n"),
    );
    write(
        root,
        "wrong.env",
        format!("MAILER_DSN=smtp://alerts%40acme.test:Wr0ngPassw0rdXyz@127.0.0.1:{port}\n"), // keyhound:allow (fake, for a throwaway test server)
    );
    write(
        root,
        "smtps.env",
        format!("EMAIL_URL=smtps://alerts%40acme.test:{password}@127.0.0.1:{tls_port}\n"),
    );
    // Laravel's .env: the password, with host, port and user beside it.
    write(
        root,
        "laravel/.env",
        format!("MAIL_MAILER=smtp\nMAIL_HOST=127.0.0.1\nMAIL_PORT={port}\nMAIL_USERNAME={user}\nMAIL_PASSWORD={password}\nMAIL_ENCRYPTION=tls\n"),
    );
    let bundle_s = bundle.to_str().unwrap();
    let extra = ["--verify-network-services", "--verify-ca-file", bundle_s];
    let rows = statuses(root, "smtp-url-password", &extra);
    assert_eq!(status_of(&rows, "live.env").0, "live", "{rows:?}");
    let (status, reason) = status_of(&rows, "wrong.env");
    assert_eq!(status, "invalid", "{rows:?}");
    assert!(reason.contains("535"), "{reason}");
    assert_eq!(status_of(&rows, "smtps.env").0, "live", "implicit TLS: {rows:?}");
    let attempts = log_lines(server_dir.path(), "auth.log");
    assert_eq!(
        attempts.len(),
        3,
        "one AUTH per distinct credential and server: {attempts:?}"
    );
    assert!(
        attempts.iter().all(|a| a.starts_with("PLAIN alerts@acme.test")),
        "{attempts:?}"
    );
    assert_eq!(log_lines(tls_dir.path(), "auth.log").len(), 1);
    let rows = statuses(root, "smtp-password-assignment", &extra);
    assert_eq!(status_of(&rows, "laravel/.env").0, "live", "{rows:?}");
    for dir in [server_dir.path(), tls_dir.path()] {
        assert!(log_lines(dir, "mail.log").is_empty(), "a verifier sent MAIL FROM");
    }
    let sent = log_lines(server_dir.path(), "auth.log").len();

    // A certificate of an unknown CA: TLS fails before AUTH, nothing sent.
    let rows = statuses(root, "smtp-url-password", &["--verify-network-services"]);
    let (status, reason) = status_of(&rows, "live.env");
    assert_eq!(status, "unknown", "{rows:?}");
    assert!(reason.contains("certificate"), "{reason}");
    assert_eq!(
        log_lines(server_dir.path(), "auth.log").len(),
        sent,
        "AUTH sent over an unverified TLS session"
    );

    // An unreadable or empty CA file is an error, not a silent fallback.
    let empty = both.path().join("empty.pem");
    std::fs::write(&empty, "no certificates here\n").unwrap();
    let out = run_in(
        root,
        &[
            "dir",
            ".",
            "--verify",
            "--verify-network-services",
            "--verify-ca-file",
            empty.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--verify-ca-file"), "{}", stderr(&out));
}

#[test]
fn an_smtp_server_without_tls_never_receives_the_password() {
    let password = "Zq8wLp3vNc1XrT6y"; // keyhound:allow (fake, for a throwaway test server)
    let (_server, port, server_dir) = smtp_server("alerts@acme.test", password, "--no-tls");
    let tree = tempfile::tempdir().unwrap();
    write(
        tree.path(),
        "app.env",
        format!("MAILER_DSN=smtp://alerts%40acme.test:{password}@127.0.0.1:{port}\n"),
    );
    let rows = statuses(tree.path(), "smtp-url-password", &["--verify-network-services"]);
    let (status, reason) = status_of(&rows, "app.env");
    assert_eq!(status, "unknown", "{rows:?}");
    assert!(reason.contains("STARTTLS"), "{reason}");
    assert!(
        log_lines(server_dir.path(), "auth.log").is_empty(),
        "AUTH sent in clear"
    );
}

/// Debian's OpenSSH server on 127.0.0.1 with its own configuration: key
/// logins only, for the keys in `authorized` (public key lines). Returns
/// the server, its port and its directory (sshd.log holds its log).
fn sshd(authorized: &[String]) -> (Server, u16, tempfile::TempDir) {
    sshd_with(authorized, "PasswordAuthentication no\n")
}

/// [`sshd`] with `extra` configuration lines.
fn sshd_with(authorized: &[String], extra: &str) -> (Server, u16, tempfile::TempDir) {
    let sshd = Path::new("/usr/sbin/sshd");
    assert!(
        sshd.exists(),
        "no /usr/sbin/sshd: apt-get install openssh-server (./test does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let host_key = dir.path().join("host_key");
    run_as(
        None,
        Path::new("ssh-keygen"),
        &["-q", "-t", "ed25519", "-N", "", "-f", host_key.to_str().unwrap()],
    );
    let keys = dir.path().join("authorized_keys");
    std::fs::write(&keys, authorized.join("\n") + "\n").unwrap();
    if is_root() {
        // sshd's privilege-separation directory (the package's unit
        // creates it at boot).
        std::fs::create_dir_all("/run/sshd").unwrap();
    }
    let port = free_port();
    let config = dir.path().join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nStrictModes no\n\
             {extra}KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             UsePAM no\nPermitRootLogin prohibit-password\nPidFile none\nLogLevel VERBOSE\n",
            host_key.display(),
            keys.display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.path().join("sshd.log")).unwrap();
    let mut child = Command::new(sshd)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stderr(log)
        .spawn()
        .expect("sshd");
    wait_for_port(port, "sshd", &mut child);
    (Server(child), port, dir)
}

/// A new key pair made with ssh-keygen: (private key text, public key line).
fn ssh_key_pair(dir: &Path, name: &str, args: &[&str]) -> (String, String) {
    let path = dir.join(name);
    let mut all = vec!["-q", "-N", "", "-C", "keyhound-test", "-f", path.to_str().unwrap()];
    all.extend(args);
    run_as(None, Path::new("ssh-keygen"), &all);
    (
        std::fs::read_to_string(&path).unwrap(),
        std::fs::read_to_string(path.with_extension("pub"))
            .unwrap()
            .trim()
            .to_string(),
    )
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

#[test]
fn ssh_keys_are_live_or_invalid_at_the_host_named_beside_them_and_no_session_is_opened() {
    let keys = tempfile::tempdir().unwrap();
    let (ed25519, ed25519_pub) = ssh_key_pair(keys.path(), "deploy", &["-t", "ed25519"]);
    let (rsa, rsa_pub) = ssh_key_pair(keys.path(), "legacy", &["-t", "rsa", "-b", "2048", "-m", "PEM"]);
    let (stranger, _) = ssh_key_pair(keys.path(), "stranger", &["-t", "ed25519"]);
    assert!(rsa.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{rsa}");
    let (_server, port, server_dir) = sshd(&[ed25519_pub, rsa_pub]);
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();

    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    // A GitLab CI file: the key as a YAML block, host, port and user beside it.
    write(
        root,
        ".gitlab-ci.yml",
        format!(
            "deploy:\n  variables:\n    SSH_HOST: \"127.0.0.1\"\n    SSH_PORT: \"{port}\"\n    SSH_USER: \"{user}\"\n    SSH_PRIVATE_KEY: |\n{}  script:\n    - ./deploy.sh\n",
            indent(&ed25519, "      ")
        ),
    );
    write(
        root,
        "ops/legacy.env",
        format!("DEPLOY_HOST=127.0.0.1\nDEPLOY_PORT={port}\nDEPLOY_USER={user}\n{rsa}"),
    );
    write(
        root,
        "ops/stranger.env",
        format!("DEPLOY_HOST=127.0.0.1\nDEPLOY_PORT={port}\nDEPLOY_USER={user}\n{stranger}"),
    );
    write(root, "keys/lonely_id_ed25519", &ed25519);

    let extra = ["--verify-network-services"];
    let rows = statuses(root, "private-key-openssh", &extra);
    let (status, _) = status_of(&rows, ".gitlab-ci.yml");
    assert_eq!(status, "live", "{rows:?}");
    let (status, reason) = status_of(&rows, "ops/stranger.env");
    assert_eq!(status, "invalid", "{rows:?}");
    assert!(reason.contains(&format!("refused the key for user {user}")), "{reason}");
    let (status, reason) = status_of(&rows, "keys/lonely_id_ed25519");
    assert_eq!(
        status, "unknown",
        "a key with no host beside it is not tried anywhere: {rows:?}"
    );
    assert!(reason.contains("host"), "{reason}");
    let rows = statuses(root, "private-key-rsa", &extra);
    assert_eq!(status_of(&rows, "ops/legacy.env").0, "live", "{rows:?}");

    let log = std::fs::read_to_string(server_dir.path().join("sshd.log")).unwrap();
    assert!(log.contains("Accepted publickey"), "{log}");
    for opened in ["session opened", "Starting session", "subsystem request"] {
        assert!(!log.contains(opened), "a verifier opened a session: {log}");
    }

    // Without the flag, nothing dials the host.
    let before = log.matches("Connection from").count();
    let rows = statuses(root, "private-key-openssh", &[]);
    assert_ne!(status_of(&rows, ".gitlab-ci.yml").0, "live");
    let log = std::fs::read_to_string(server_dir.path().join("sshd.log")).unwrap();
    assert_eq!(log.matches("Connection from").count(), before, "{log}");
}

#[test]
fn sftp_passwords_go_only_to_a_host_key_known_hosts_records() {
    // A local account with a password for sshd to check (/etc/shadow; the
    // test machine is root's, like the package installs of ./test).
    assert!(
        is_root(),
        "the SFTP password test creates a local account: run as root (./test in CI does)"
    );
    let (user, password) = ("khsftp", "Vq7xL2mK9pRt4wZs"); // keyhound:allow (fake, for a throwaway test account)
    let exists = Command::new("id").arg(user).output().is_ok_and(|o| o.status.success());
    if !exists {
        run_as(None, Path::new("useradd"), &["-M", "-s", "/usr/sbin/nologin", user]);
    }
    let mut chpasswd = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .expect("chpasswd");
    std::io::Write::write_all(
        chpasswd.stdin.as_mut().unwrap(),
        format!("{user}:{password}\n").as_bytes(),
    )
    .unwrap();
    assert!(chpasswd.wait().unwrap().success());

    let (_server, port, server_dir) = sshd_with(&[], "PasswordAuthentication yes\n");
    let host_key = std::fs::read_to_string(server_dir.path().join("host_key.pub")).unwrap();
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    write(
        root,
        "deploy.sh",
        format!("lftp sftp://{user}:{password}@127.0.0.1:{port}/upload\n"),
    );
    write(
        root,
        "wrong.sh",
        format!("lftp sftp://{user}:Wr0ngPassw0rd77@127.0.0.1:{port}/upload\n"), // keyhound:allow (fake)
    );
    let home = tempfile::tempdir().unwrap();
    let scan = |known: Option<&str>| {
        std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
        let known_hosts = home.path().join(".ssh/known_hosts");
        match known {
            Some(line) => std::fs::write(&known_hosts, line).unwrap(),
            None => {
                let _ = std::fs::remove_file(&known_hosts);
            }
        }
        statuses_with_home(
            root,
            "sftp-url-password",
            &["--verify-network-services"],
            Some(home.path()),
        )
    };
    let tried = || {
        let log = std::fs::read_to_string(server_dir.path().join("sshd.log")).unwrap();
        log.matches(" password for ").count()
    };

    // No known_hosts entry: nothing is sent.
    let rows = scan(None);
    let (status, reason) = status_of(&rows, "deploy.sh");
    assert_eq!(status, "unknown", "{rows:?}");
    assert!(
        reason.contains("known_hosts") && reason.contains("not sent"),
        "{reason}"
    );
    assert_eq!(tried(), 0, "a password went to a host key nobody vouched for");

    // A different key recorded for the host: refused as changed.
    let (_, other) = ssh_key_pair(home.path(), "other", &["-t", "ed25519"]);
    let rows = scan(Some(&format!("[127.0.0.1]:{port} {other}\n")));
    let (status, reason) = status_of(&rows, "deploy.sh");
    assert_eq!(status, "unknown", "{rows:?}");
    assert!(reason.contains("CHANGED"), "{reason}");
    assert_eq!(tried(), 0);

    // The host key is known: the password is checked.
    let rows = scan(Some(&format!("[127.0.0.1]:{port} {}", host_key.trim())));
    assert_eq!(status_of(&rows, "deploy.sh").0, "live", "{rows:?}");
    let (status, reason) = status_of(&rows, "wrong.sh");
    assert_eq!(status, "invalid", "{rows:?}");
    assert!(reason.contains("refused the password"), "{reason}");
    let log = std::fs::read_to_string(server_dir.path().join("sshd.log")).unwrap();
    assert!(log.contains("Accepted password for khsftp"), "{log}");
    assert!(
        !log.contains("session opened") && !log.contains("subsystem request"),
        "{log}"
    );
}

#[test]
fn ftp_logins_are_live_or_invalid_over_tls_and_never_in_clear() {
    let (user, password) = ("webmaster", "Kx8vQ2nLp5wZt7Rm"); // keyhound:allow (fake, for a throwaway test server)
    let (_tls, port, tls_dir) = python_server("ftp.py", &[user, password]);
    let (_plain, plain_port, plain_dir) = python_server("ftp.py", &[user, password, "--no-tls"]);
    let tree = tempfile::tempdir().unwrap();
    let root = tree.path();
    write(
        root,
        "deploy.sh",
        format!("lftp ftp://{user}:{password}@127.0.0.1:{port}/site\n"),
    );
    write(
        root,
        "wrong.sh",
        format!("lftp ftp://{user}:Wr0ngPassw0rd88@127.0.0.1:{port}/site\n"), // keyhound:allow (fake)
    );
    write(
        root,
        "plain.sh",
        format!("lftp ftp://{user}:{password}@127.0.0.1:{plain_port}/site\n"),
    );
    let ca = tls_dir.path().join("ca.pem");
    let rows = statuses(
        root,
        "ftp-url-password",
        &["--verify-network-services", "--verify-ca-file", ca.to_str().unwrap()],
    );
    assert_eq!(status_of(&rows, "deploy.sh").0, "live", "{rows:?}");
    let (status, reason) = status_of(&rows, "wrong.sh");
    assert_eq!(status, "invalid", "{rows:?}");
    assert!(reason.contains("530"), "{reason}");
    let (status, reason) = status_of(&rows, "plain.sh");
    assert_eq!(status, "unknown", "{rows:?}");
    assert!(reason.contains("AUTH TLS"), "{reason}");
    assert_eq!(
        log_lines(tls_dir.path(), "auth.log"),
        ["ok webmaster", "refused webmaster"]
    );
    assert!(
        log_lines(plain_dir.path(), "auth.log").is_empty(),
        "a password went in clear"
    );
    assert!(
        log_lines(tls_dir.path(), "commands.log").is_empty(),
        "a verifier listed or transferred"
    );
}
