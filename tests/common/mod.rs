//! Helpers shared by the integration tests: run the real binary, build
//! throwaway trees, generate structurally valid fake keys.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A server process the test started; killed when the test ends.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until `child` listens on `port` (60 s at most), failing the test
/// if it exits first.
pub fn wait_for_port(port: u16, what: &str, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited before listening: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not listen on {port} within 60 s");
}

/// The `keyhound` binary cargo built for this test run.
pub fn keyhound() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyhound"));
    cmd.env_remove("NO_COLOR").stdin(Stdio::null());
    cmd
}

/// Runs keyhound with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    keyhound().current_dir(dir).args(args).output().expect("run keyhound")
}

/// Runs keyhound with `args`, feeding `input` on stdin.
pub fn run_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = keyhound()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyhound");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait keyhound");
    writer.join().unwrap();
    out
}

/// Exit code of a finished run.
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes `content` at `root/rel`, creating parents.
pub fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Parses JSONL output into values.
pub fn jsonl(out: &Output) -> Vec<serde_json::Value> {
    stdout(out)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

/// A deterministic pseudo-random generator (xorshift64*), so fixtures are
/// reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator.
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A string of `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..n)
            .map(|_| chars[(self.next_u64() % chars.len() as u64) as usize])
            .collect()
    }
}

/// Base62 alphabet used by GitHub and npm tokens.
pub const BASE62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A fake GitHub-style token with a valid CRC32 checksum.
pub fn github_token(rng: &mut Rng, prefix: &str) -> String {
    let body = rng.string(BASE62, 30);
    let crc = keyhound_engine::checksum::base62_crc(crc32fast::hash(body.as_bytes()));
    format!("{prefix}{body}{}", std::str::from_utf8(&crc).unwrap())
}
pub mod emulator;
pub mod json_schema;

/// Runs keyhound with `args` in `dir` on a pseudo-terminal (Python's `pty`
/// module opens it: std has no portable way) and returns everything it
/// drew there, escape sequences included — for what only a person at a
/// terminal sees, such as progress lines.
pub fn run_on_terminal(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    const DRIVER: &str = r#"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
"#;
    let out = Command::new("python3")
        .current_dir(dir)
        .arg("-c")
        .arg(DRIVER)
        .arg(env!("CARGO_BIN_EXE_keyhound"))
        .args(args)
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs (the terminal driver)");
    assert!(out.status.success(), "terminal driver failed: {}", stderr(&out));
    stdout(&out)
}

/// Runs `git args` in `dir` as the test author, failing the test if git
/// fails.
pub fn git_as_dev(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.org"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// A bare repository at `root/rel` built from `commits`, each a list of
/// (file, text) written and committed together; returns its path.
pub fn bare_repo(root: &Path, rel: &str, commits: &[Vec<(&str, String)>]) -> std::path::PathBuf {
    let work = tempfile::tempdir().unwrap();
    git_as_dev(work.path(), &["init", "-q", "-b", "main"]);
    for (n, files) in commits.iter().enumerate() {
        for (file, text) in files {
            write(work.path(), file, text);
        }
        git_as_dev(work.path(), &["add", "."]);
        git_as_dev(work.path(), &["commit", "-qm", &format!("commit {n}")]);
    }
    let bare = root.join(rel);
    std::fs::create_dir_all(bare.parent().unwrap()).unwrap();
    git_as_dev(
        root,
        &[
            "clone",
            "-q",
            "--bare",
            work.path().to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    bare
}

/// A structurally valid fake AWS access key id.
pub fn aws_key_id(rng: &mut Rng) -> String {
    format!("AKIA{}", rng.string("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))
}
