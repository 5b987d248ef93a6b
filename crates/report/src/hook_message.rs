//! The message a blocking hook prints: like server-side push protection,
//! at most ten findings, then what to do about them.

use std::io::Write;
use std::sync::Mutex;

use crate::options::ReportOptions;
use crate::view::Collected;
use keyhound_findings::Finding;
use keyhound_findings::{Sink, Summary};

/// Findings shown before "and N more".
pub const MAX_SHOWN: usize = 10;

/// Which hook is blocking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum HookKind {
    /// `git commit`.
    PreCommit,
    /// `git push`.
    PrePush,
}

/// Collects findings and prints the blocking message at the end.
pub struct HookSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    kind: HookKind,
    color: bool,
}

impl HookSink {
    /// A hook sink writing to `out` (normally standard error).
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions, kind: HookKind) -> Self {
        HookSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            kind,
            color: options.color,
        }
    }
}

/// Renders the blocking message for `findings`.
pub fn blocking_message(findings: &[Finding], kind: HookKind, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let (action, bypass, scope) = match kind {
        HookKind::PreCommit => ("commit", "git commit --no-verify", "staged changes"),
        HookKind::PrePush => ("push", "git push --no-verify", "the commits being pushed"),
    };
    let mut msg = format!(
        "{} {} secret(s) found in {scope}\n\n",
        paint("1;31", &format!("keyhound: {action} blocked:")),
        findings.len()
    );
    for f in findings.iter().take(MAX_SHOWN) {
        let commit = match &*f.origin {
            keyhound_findings::Origin::GitBlob { commit, .. } => {
                format!("  (commit {})", &commit[..commit.len().min(12)])
            }
            _ => String::new(),
        };
        msg.push_str(&format!(
            "  {}:{}  {}  {}  fingerprint {}{commit}\n",
            f.origin.display_path(),
            f.line,
            f.rule_id,
            paint("1;33", &f.secret.redacted()),
            f.fingerprint
        ));
    }
    if findings.len() > MAX_SHOWN {
        msg.push_str(&format!("  ... and {} more\n", findings.len() - MAX_SHOWN));
    }
    let remove = match kind {
        HookKind::PreCommit => "  1. Remove the secret from the staged files (edit, then `git add` again), and load it\n     from the environment or a secret store instead.\n",
        HookKind::PrePush => "  1. Remove the secret from the commits (amend, or rewrite the branch with\n     `git rebase -i`), and load it from the environment or a secret store instead.\n",
    };
    msg.push_str("\nWhat to do:\n");
    msg.push_str(remove);
    msg.push_str("  2. Rotate the key now: it may already have been copied (shell history, CI logs,\n     backups). Removing it from the code does not make it safe.\n");
    msg.push_str("  3. A false positive or a test fixture? Add `keyhound:allow` on that line, or record\n     the exception in the baseline (reviewable in your pull request):\n");
    if let Some(f) = findings.first() {
        msg.push_str(&format!(
            "       keyhound allow {} --reason false-positive|used-in-tests|fix-later\n",
            f.fingerprint
        ));
    }
    msg.push_str(&format!("\nTo bypass this check (the secret still leaks): {bypass}\n"));
    msg
}

impl Sink for HookSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, _summary: &Summary) -> std::io::Result<()> {
        let findings = self.collected.take_sorted();
        if findings.is_empty() {
            return Ok(());
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        out.write_all(blocking_message(&findings, self.kind, self.color).as_bytes())?;
        out.flush()
    }
}
