//! `keyhound redact`: a streaming filter that writes its input with every
//! secret replaced by `[REDACTED:rule-id:fp6]` — for logs, CI output and
//! what an AI agent prints (`./deploy.sh 2>&1 | keyhound redact`), or
//! `keyhound redact -- cmd args…`, which runs the command, filters both of
//! its outputs and exits with its status.
//!
//! Line-buffered: whatever complete lines have arrived are scanned and
//! written at once, so a line comes out as soon as it went in; memory is
//! bounded (a line longer than [`MAX_HOLD`] is scanned as it is). A PEM
//! block is held from its `BEGIN` line until its `END` line arrives (at most
//! [`MAX_HOLD`]) so multi-line keys are redacted whole.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::RedactArgs;
use keyhound_engine::Scanner;
use keyhound_findings::{Finding, Origin, Sink, Summary};
use keyhound_rules::Selection;
use keyhound_scan::policy::Policy;
use keyhound_scan::{packs, ScanRun};

/// Most bytes held back waiting for a newline or a PEM block's end.
const MAX_HOLD: usize = 1 << 20;
/// Bytes asked of the input per read.
const READ: usize = 256 * 1024;

/// A redacted secret, for `--report` (never the secret itself).
#[derive(Debug, Clone, Serialize)]
struct Redacted {
    stream: String,
    line: usize,
    rule_id: String,
    rule_name: String,
    fingerprint: String,
}

/// The scan's sink is unused: the redactor asks for findings directly.
struct Nowhere;

impl Sink for Nowhere {
    fn blob_findings(&self, _: Vec<Finding>) {}

    fn finish(&self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `keyhound redact`.
pub fn run(args: RedactArgs) -> Result<u8> {
    let selection = Selection {
        enable: args.rules.enable_rule.clone(),
        disable: args.rules.disable_rule.clone(),
    };
    let rules = packs::shared(selection.apply(packs::load_all(&args.rules.rules)?)?);
    let scanner = Scanner::new(rules)?;
    let policy = Policy::default();
    let sink = Nowhere;
    let scan = ScanRun::new(&scanner, &policy, &sink, true);
    let found: Mutex<Vec<Redacted>> = Mutex::new(Vec::new());
    let status = if args.command.is_empty() {
        let stdin = std::io::stdin();
        let stdout = std::io::stdout();
        filter(&scan, stdin.lock(), stdout.lock(), "stdin", &found).context("redacting standard input")?;
        None
    } else {
        let mut child = Command::new(&args.command[0])
            .args(&args.command[1..])
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {:?}", args.command[0]))?;
        let out = child.stdout.take().context("no stdout pipe")?;
        let err = child.stderr.take().context("no stderr pipe")?;
        let results: Arc<Mutex<Vec<std::io::Result<()>>>> = Arc::default();
        std::thread::scope(|s| {
            s.spawn(|| {
                let r = filter(&scan, out, std::io::stdout(), "stdout", &found);
                results.lock().unwrap_or_else(|e| e.into_inner()).push(r);
            });
            s.spawn(|| {
                let r = filter(&scan, err, std::io::stderr(), "stderr", &found);
                results.lock().unwrap_or_else(|e| e.into_inner()).push(r);
            });
        });
        for r in results.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            r.context("redacting the command's output")?;
        }
        Some(child.wait().context("waiting for the command")?)
    };
    let found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = &args.report {
        write_report(path, &found)?;
    }
    let failed = args.fail_on_find && !found.is_empty();
    Ok(match status {
        // The command's own status first: a failing build stays failing.
        Some(s) if !s.success() => s.code().map_or(1, |c| u8::try_from(c).unwrap_or(1)),
        _ => u8::from(failed),
    })
}

fn write_report(path: &PathBuf, found: &[Redacted]) -> Result<()> {
    let doc = serde_json::json!({ "redacted": found, "count": found.len() });
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Copies `input` to `output` with every secret replaced, line by line.
fn filter(
    scan: &ScanRun<'_>,
    mut input: impl Read,
    mut output: impl Write,
    stream: &str,
    found: &Mutex<Vec<Redacted>>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(READ);
    let mut chunk = vec![0u8; READ];
    let mut line = 1usize;
    let origin = Arc::new(Origin::Stdin {
        name: stream.to_string(),
    });
    loop {
        let n = match input.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = n == 0;
        buf.extend_from_slice(&chunk[..n]);
        let ready = if eof { buf.len() } else { ready_len(&buf) };
        if ready > 0 {
            let redacted = redact(scan, &buf[..ready], &origin, stream, line, found);
            line += memchr::memchr_iter(b'\n', &buf[..ready]).count();
            match output.write_all(&redacted).and_then(|()| output.flush()) {
                // The reader went away (`… | keyhound redact | head`):
                // stop quietly, as a filter in a pipe does.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                other => other?,
            }
            buf.drain(..ready);
        }
        if eof {
            return Ok(());
        }
    }
}

/// How much of `buf` can be scanned and written now: every complete line,
/// except a PEM block still waiting for its END line; everything once the
/// held part exceeds [`MAX_HOLD`].
fn ready_len(buf: &[u8]) -> usize {
    if buf.len() >= MAX_HOLD {
        return buf.len();
    }
    let Some(last_newline) = memchr::memrchr(b'\n', buf) else {
        return 0;
    };
    let complete = &buf[..=last_newline];
    if let Some(begin) = memchr::memmem::rfind(complete, b"-----BEGIN ") {
        if memchr::memmem::find(&complete[begin..], b"-----END ").is_none() {
            // Hold from the start of the BEGIN line.
            return memchr::memrchr(b'\n', &complete[..begin]).map_or(0, |i| i + 1);
        }
    }
    complete.len()
}

/// `text` with each finding's span replaced by its marker.
fn redact(
    scan: &ScanRun<'_>,
    text: &[u8],
    origin: &Arc<Origin>,
    stream: &str,
    first_line: usize,
    found: &Mutex<Vec<Redacted>>,
) -> Vec<u8> {
    let mut findings = keyhound_sources::Feed::find(scan, text, Arc::clone(origin));
    if findings.is_empty() {
        return text.to_vec();
    }
    findings.sort_by_key(|f| (f.offset, std::cmp::Reverse(f.length)));
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0usize;
    let mut kept = Vec::new();
    for f in &findings {
        let (start, end) = (f.offset.min(text.len()), (f.offset + f.length).min(text.len()));
        if start < at || start >= end {
            continue; // inside a span already replaced
        }
        out.extend_from_slice(&text[at..start]);
        let short = &f.fingerprint[..6.min(f.fingerprint.len())];
        out.extend_from_slice(format!("[REDACTED:{}:{short}]", f.rule_id).as_bytes());
        at = end;
        kept.push(Redacted {
            stream: stream.to_string(),
            line: first_line + f.line - 1,
            rule_id: f.rule_id.clone(),
            rule_name: f.rule_name.clone(),
            fingerprint: f.fingerprint.clone(),
        });
    }
    out.extend_from_slice(&text[at..]);
    found.lock().unwrap_or_else(|e| e.into_inner()).extend(kept);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_lines_are_ready_and_pem_blocks_wait_for_their_end() {
        assert_eq!(ready_len(b"partial"), 0);
        assert_eq!(ready_len(b"one\ntwo\npart"), 8);
        let held = b"log line\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n";
        assert_eq!(ready_len(held), 9);
        let whole = b"log line\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nnext\n";
        assert_eq!(ready_len(whole), whole.len());
        let big = vec![b'a'; MAX_HOLD];
        assert_eq!(ready_len(&big), MAX_HOLD);
    }
}
