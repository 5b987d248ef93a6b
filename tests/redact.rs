//! `keyhound redact`: a streaming filter in a real pipe. Secrets are
//! replaced (PEM blocks whole even when they arrive in pieces), everything
//! else passes byte for byte, a line comes out while the input is still
//! open, and `redact -- cmd` keeps the command's exit status.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtk3MX4n7o0xeM3f2D5Q4x9uM0dN9fBn+4qkqR9uXwKcY1yV7QhB2\nsGk2jQ1m4tF6t0v7kKp3dE1Jf0yC3b8cO6P1yQ0n8f3a2Y7e4wH1z5s0vR6u9xL2mK8j\n-----END RSA PRIVATE KEY-----\n"; // keyhound:allow (fake key)

#[test]
fn secrets_are_replaced_in_a_pipe_and_everything_else_passes_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(17);
    let token = github_token(&mut rng, "ghp_");
    let mut child = keyhound()
        .current_dir(dir.path())
        .args(["redact", "--report", "redacted.json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (head, tail) = PEM.split_at(60);
    // The PEM block arrives in two writes, apart in time.
    let writer = std::thread::spawn({
        let token = token.clone();
        move || {
            stdin
                .write_all(format!("step 1 ok\nexport GITHUB_TOKEN={token} # done\n{head}").as_bytes())
                .unwrap();
            stdin.flush().unwrap();
            std::thread::sleep(Duration::from_millis(300));
            stdin
                .write_all(format!("{tail}step 2 ok, 100% \u{e9}\n").as_bytes())
                .unwrap();
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains(&token), "{text}");
    assert!(
        !text.contains("MIIEowIBAAKCAQEAtk3MX4n7"),
        "the key body is gone: {text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "step 1 ok");
    assert!(
        lines[1].starts_with("export GITHUB_TOKEN=[REDACTED:github-pat-classic:"),
        "{text}"
    );
    assert!(lines[1].ends_with("] # done"), "{text}");
    assert_eq!(*lines.last().unwrap(), "step 2 ok, 100% \u{e9}");
    assert!(text.contains("[REDACTED:private-key-rsa:"), "{text}");
    let report = std::fs::read_to_string(dir.path().join("redacted.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(doc["count"], 2, "{report}");
    assert_eq!(doc["redacted"][0]["line"], 2);
    assert!(!report.contains(&token));
}

#[test]
fn a_line_comes_out_while_the_input_is_still_open() {
    let mut rng = Rng::new(18);
    let token = github_token(&mut rng, "ghp_");
    let mut child = keyhound()
        .args(["redact"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    // Give the process time to start before timing one line's way through.
    stdin.write_all(b"warm up\n").unwrap();
    stdin.flush().unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "warm up\n");
    let sent = Instant::now();
    stdin.write_all(format!("TOKEN={token}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    line.clear();
    reader.read_line(&mut line).unwrap();
    let waited = sent.elapsed();
    assert!(line.starts_with("TOKEN=[REDACTED:github-pat-classic:"), "{line}");
    assert!(waited < Duration::from_secs(2), "a redacted line took {waited:?}");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn redact_runs_a_command_filters_both_outputs_and_keeps_its_status() {
    let mut rng = Rng::new(19);
    let token = github_token(&mut rng, "ghp_");
    let script = format!("echo out {token}; echo err {token} >&2; exit 3");
    let out = keyhound().args(["redact", "--", "sh", "-c", &script]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        o.starts_with("out [REDACTED:github-pat-classic:") && !o.contains(&token),
        "{o}"
    );
    assert!(
        e.starts_with("err [REDACTED:github-pat-classic:") && !e.contains(&token),
        "{e}"
    );
    // A command that succeeds: --fail-on-find decides.
    let script = format!("echo {token}");
    let out = keyhound()
        .args(["redact", "--fail-on-find", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = keyhound()
        .args(["redact", "--fail-on-find", "--", "echo", "nothing here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "nothing here\n");
    let out = keyhound()
        .args(["redact", "--", "/nonexistent/command"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn binary_data_and_huge_lines_pass_through_and_a_closed_reader_ends_quietly() {
    // Binary input without secrets comes out byte for byte, a line longer
    // than the hold limit included.
    let mut rng = Rng::new(21);
    let mut input: Vec<u8> = (0..300_000).map(|_| (rng.next_u64() % 256) as u8).collect();
    input.extend(std::iter::repeat_n(b'x', 3 << 20));
    input.extend_from_slice(b"\nend\n");
    let out = run_stdin(std::path::Path::new("."), &["redact"], &input);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout == input, "binary and a 3 MiB line pass unchanged");
    // A reader that closes early (`| head -1`) ends the filter quietly.
    let mut child = keyhound()
        .args(["redact"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    stdin.write_all(b"first\n").unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    drop(reader);
    let writer = std::thread::spawn(move || {
        for _ in 0..2000 {
            if stdin
                .write_all(&[b'y'; 1024])
                .and_then(|()| stdin.write_all(b"\n"))
                .is_err()
            {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
