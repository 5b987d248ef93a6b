//! `keyhound hook agent` and `keyhound hook install|uninstall --agent`:
//! the hooks AI coding agents call before they write, run, read or send,
//! and their settings files. The protocols live in `keyhound-agent`; this
//! module scans the payload's pieces with the project's rules and policy.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use keyhound_agent::payload::{self, Payload};
use keyhound_agent::{decision, settings, Agent};
use keyhound_findings::{Finding, Origin};
use keyhound_scan::ScanRun;

use keyhound_engine::Scanner;
use keyhound_scan::policy::Policy;

use crate::cli::{AgentHookArgs, AgentKind, ScanArgs};
use crate::collect::Collect;

/// Largest payload read (an agent writing a 64 MiB file is not a case to
/// wait on; the rest is still checked up to here).
const MAX_PAYLOAD: u64 = 64 << 20;

fn agent_of(kind: AgentKind) -> Agent {
    match kind {
        AgentKind::ClaudeCode => Agent::ClaudeCode,
        AgentKind::Cursor => Agent::Cursor,
        AgentKind::Generic => Agent::Generic,
    }
}

/// Runs `keyhound hook agent`: exit status and output as the agent's
/// protocol wants them. `prepare` loads the rules and the policy of the
/// project directory it is given, as every scan command does.
pub fn run(args: AgentHookArgs, prepare: impl FnOnce(&ScanArgs, &Path) -> Result<(Scanner, Policy)>) -> Result<u8> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_PAYLOAD)
        .read_to_end(&mut input)
        .context("reading the hook payload from standard input")?;
    let payload = payload::read(&input, args.agent.map(agent_of), args.event.as_deref())
        .context("reading the agent's hook payload")?;
    if payload.pieces.is_empty() {
        return emit(decision::reply(&payload, None));
    }
    let root = payload
        .cwd
        .clone()
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| PathBuf::from("."));
    let (scanner, policy) = prepare(&args.scan, &root)?;
    let sink = Collect::default();
    let scan = ScanRun::new(&scanner, &policy, &sink, false);
    let mut blocked: Vec<(usize, Finding)> = Vec::new();
    for (i, piece) in payload.pieces.iter().enumerate() {
        let origin = match &piece.path {
            // The project's exclusions hold for what agents write there,
            // as for what a scan walks.
            Some(path) if policy.is_excluded(Path::new(&relative(path, &root))) => continue,
            Some(path) => Origin::File {
                path: relative(path, &root),
            },
            None => Origin::Stdin {
                name: piece.what.clone(),
            },
        };
        scan.scan_blob(piece.text.as_bytes(), Arc::new(origin));
        let found = sink.take();
        blocked.extend(found.into_iter().map(|f| (i, f)));
    }
    let reason = (!blocked.is_empty()).then(|| reason(&payload, &blocked));
    emit(decision::reply(&payload, reason.as_deref()))
}

/// A path as the project's policy sees it: relative to the project when
/// it lies inside it.
fn relative(path: &str, root: &Path) -> String {
    let p = Path::new(path);
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    p.strip_prefix(&root)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// The message the agent (and the person watching it) reads: what was
/// found where, redacted, and what to do instead.
fn reason(payload: &Payload, blocked: &[(usize, Finding)]) -> String {
    let mut out = format!(
        "keyhound: blocked — {} holds {} secret(s):\n",
        payload.pieces[blocked[0].0].what,
        blocked.len()
    );
    for (i, f) in blocked.iter().take(10) {
        let piece = &payload.pieces[*i];
        // Name the piece only when there are several to tell apart.
        let place = if payload.pieces.len() > 1 {
            format!(" in {}", piece.what)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  - {} ({}) {}{place} at line {} (fingerprint {})\n",
            f.rule_name,
            f.rule_id,
            keyhound_findings::redact(f.secret.expose()),
            f.line,
            f.fingerprint
        ));
    }
    if blocked.len() > 10 {
        out.push_str(&format!("  … and {} more\n", blocked.len() - 10));
    }
    out.push_str(&format!(
        "Instead: {}. If it is a known fake or a test fixture, put `keyhound:allow (reason)` on its line.",
        payload.action.advice()
    ));
    out
}

fn emit(reply: decision::Reply) -> Result<u8> {
    use std::io::Write;
    if !reply.stdout.is_empty() {
        let mut out = std::io::stdout().lock();
        out.write_all(reply.stdout.as_bytes())?;
        out.flush()?;
    }
    if !reply.stderr.is_empty() {
        eprint!("{}", reply.stderr);
    }
    Ok(reply.status)
}

/// The command an installed agent hook runs: this very binary, quoted for
/// the shell the agent starts it with.
fn hook_command(agent: Agent) -> Result<String> {
    let exe = std::env::current_exe().context("finding keyhound's own path")?;
    let exe = exe.to_string_lossy().replace('\'', r"'\''");
    Ok(format!("'{exe}' hook agent --agent {}", agent.name()))
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set: cannot find the user's agent settings")
}

/// `keyhound hook install --agent …`: adds keyhound's entries to the
/// agent's settings file (created when missing), leaving the rest as is.
pub fn install(kind: AgentKind, project: &Path, user: bool) -> Result<()> {
    let agent = agent_of(kind);
    let home = home()?;
    let path = settings::path(agent, (!user).then_some(project), &home)?;
    let before = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let after = settings::install(&before, agent, &hook_command(agent)?)
        .with_context(|| format!("{}: cannot add keyhound's hooks", path.display()))?;
    if after == before {
        println!("already installed in {}", path.display());
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, after).with_context(|| format!("writing {}", path.display()))?;
    println!("installed the {} hooks in {}", agent.name(), path.display());
    Ok(())
}

/// `keyhound hook uninstall --agent …`: removes only keyhound's entries.
pub fn uninstall(kind: AgentKind, project: &Path, user: bool) -> Result<()> {
    let agent = agent_of(kind);
    let home = home()?;
    let path = settings::path(agent, (!user).then_some(project), &home)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("no {} settings at {}", agent.name(), path.display());
            return Ok(());
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let (after, removed) = settings::uninstall(&text, agent)
        .with_context(|| format!("{}: cannot remove keyhound's hooks", path.display()))?;
    if removed == 0 {
        println!("no keyhound hook in {}", path.display());
        return Ok(());
    }
    std::fs::write(&path, after).with_context(|| format!("writing {}", path.display()))?;
    println!("removed {removed} keyhound hook(s) from {}", path.display());
    Ok(())
}
