//! Interruption: SIGINT and SIGTERM stop a scan that is waiting on its
//! input, every format is still written whole (streaming formats end on a
//! complete record, whole documents are marked incomplete), the exit status
//! is 130, and a second signal quits at once.
//!
//! Each test waits until keyhound has installed its handlers (read from
//! /proc/PID/status) instead of sleeping, so a slow machine cannot turn a
//! signal sent too early into a killed process.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;

/// How long any step may take before the test fails instead of hanging.
const WATCHDOG: Duration = Duration::from_secs(120);

/// Whether `pid` catches SIGINT and SIGTERM (bits 2 and 15 of SigCgt).
fn handlers_installed(pid: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    let Some(mask) = status.lines().find_map(|l| l.strip_prefix("SigCgt:")) else {
        return false;
    };
    let mask = u64::from_str_radix(mask.trim(), 16).unwrap_or(0);
    let caught = |signal: u32| mask & (1 << (signal - 1)) != 0;
    caught(2) && caught(15)
}

fn wait_for_handlers(child: &Child) {
    let start = Instant::now();
    while !handlers_installed(child.id()) {
        assert!(
            start.elapsed() < WATCHDOG,
            "keyhound never installed its signal handlers"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} failed");
}

/// Waits for the child to exit on its own, failing (and killing it) if it
/// does not within the watchdog. Stdout is drained meanwhile: a report
/// larger than the pipe's buffer must not block keyhound's last write.
fn wait_bounded(mut child: Child) -> Output {
    use std::io::Read;
    let start = Instant::now();
    let mut pipe = child.stdout.take().expect("stdout is piped");
    let drain = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = pipe.read_to_end(&mut all);
        all
    });
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut out = child.wait_with_output().expect("collect output");
            out.status = status;
            out.stdout = drain.join().unwrap();
            return out;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            panic!("keyhound did not stop after the signal");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Starts `keyhound stdin -f FORMAT` on a pipe that stays open, feeds it a
/// log holding a token, signals it with `sig`, then writes one more line
/// without ever closing the pipe: keyhound must stop on its own.
fn interrupt_stdin(format: &str, sig: &str, token: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = keyhound()
        .current_dir(dir.path())
        .args(["stdin", "-f", format])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyhound");
    let mut stdin: ChildStdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("deploy step 1\nGITHUB_TOKEN={token}\n").as_bytes())
        .unwrap();
    stdin.flush().unwrap();
    let (acknowledged, stderr_reader) = watch_stderr(&mut child);
    wait_for_handlers(&child);
    signal(&child, sig);
    acknowledged
        .recv_timeout(WATCHDOG)
        .expect("the signal is acknowledged on stderr");
    // keyhound is blocked reading the pipe; the next line wakes it, and it
    // must stop rather than wait for the rest of a chunk or for EOF.
    stdin.write_all(b"deploy step 2\n").unwrap();
    stdin.flush().unwrap();
    let mut out = wait_bounded(child);
    drop(stdin);
    out.stderr = stderr_reader.join().unwrap().into_bytes();
    out
}

/// Reads the child's stderr on a thread: the channel hears when keyhound
/// acknowledges a signal, the thread returns everything it wrote.
fn watch_stderr(child: &mut Child) -> (mpsc::Receiver<()>, std::thread::JoinHandle<String>) {
    let pipe = child.stderr.take().expect("stderr is piped");
    let (said, heard) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if line.contains("interrupted") {
                let _ = said.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    (heard, reader)
}

#[test]
fn sigterm_writes_a_complete_sarif_log_marked_unsuccessful() {
    let mut rng = Rng::new(1301);
    let token = github_token(&mut rng, "ghp_");
    let out = interrupt_stdin("sarif", "TERM", &token);
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a complete SARIF document");
    let run = &log["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false, "{log}");
    let notes = run["invocations"][0]["toolExecutionNotifications"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n["message"]["text"].as_str().unwrap_or("").contains("interrupted")),
        "the reason is given: {notes:?}"
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "what was read before the signal is reported: {log}");
    assert_eq!(results[0]["ruleId"], "github-pat-classic");
    assert!(!stdout(&out).contains(&token), "still redacted");
}

#[test]
fn sigint_keeps_jsonl_records_whole_and_json_marked_interrupted() {
    let mut rng = Rng::new(1302);
    let token = github_token(&mut rng, "ghp_");

    let out = interrupt_stdin("jsonl", "INT", &token);
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "ends on a complete record: {text:?}"
    );
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("a whole record: {e}: {l}")))
        .collect();
    assert_eq!(records.len(), 1, "{text}");
    assert_eq!(records[0]["rule_id"], "github-pat-classic");

    let out = interrupt_stdin("json", "INT", &token);
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a complete JSON document");
    assert_eq!(doc["summary"]["interrupted"], true, "{doc}");
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1, "{doc}");
}

#[test]
fn an_interrupted_html_report_says_it_is_incomplete_and_csv_rows_are_whole() {
    let mut rng = Rng::new(1303);
    let token = github_token(&mut rng, "ghp_");
    let out = interrupt_stdin("html", "TERM", &token);
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.trim_end().ends_with("</html>"), "the page is written whole");
    assert!(
        page.contains("id=\"interrupted-banner\""),
        "the page says it is incomplete"
    );
    assert!(page.contains("github-pat-classic"));

    let out = interrupt_stdin("csv", "TERM", &token);
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.ends_with('\n'), "ends on a complete row: {text:?}");
    assert_eq!(text.lines().count(), 2, "a header and one row: {text}");

    let out = interrupt_stdin("text", "TERM", &token);
    assert_eq!(code(&out), 130, "{}", stderr(&out));
    assert!(stdout(&out).contains("interrupted: incomplete"), "{}", stdout(&out));
}

#[test]
fn a_second_signal_quits_at_once_without_waiting_for_input() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = keyhound()
        .current_dir(dir.path())
        .args(["stdin", "-f", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn keyhound");
    let stdin = child.stdin.take().unwrap();
    let (heard, reader) = watch_stderr(&mut child);
    wait_for_handlers(&child);
    signal(&child, "INT");
    heard
        .recv_timeout(WATCHDOG)
        .expect("the first Ctrl-C is acknowledged on stderr");
    // keyhound is still blocked on a pipe that never delivers anything;
    // only the second signal can end it.
    signal(&child, "INT");
    let out = wait_bounded(child);
    let err = reader.join().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(out.stdout.is_empty(), "quit at once, no report: {:?}", stdout(&out));
}
