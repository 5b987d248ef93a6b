//! `keyhound revoke`: print the plan, and under `--execute` (after a
//! confirmation unless `--yes`) revoke through provider APIs, re-verify,
//! and report each key as confirmed dead or still live.

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::{bail, Result};

use crate::cli::{ListFormat, RevokeArgs};
use keyhound_rules::{self as rules, Selection};
use keyhound_scan::packs;
use keyhound_verify::revocation::{self, AuditLog, Outcome, PlanItem, Reported, RevokeContext};
use keyhound_verify::run::Verifier;

/// Runs `keyhound revoke`; exit 0 when nothing is left live, 1 when a
/// revocation failed or a key is still live afterwards.
pub fn run(args: RevokeArgs) -> Result<u8> {
    let findings = revocation::load_findings(&args.from)?;
    let selection = Selection {
        enable: args.rules.enable_rule.clone(),
        disable: Vec::new(),
    };
    let rules: Vec<Arc<rules::Rule>> = selection
        .apply(packs::load_all(&args.rules.rules)?)?
        .into_iter()
        .map(Arc::new)
        .collect();
    let items = revocation::plan(&findings, &rules);
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "secrets": items }))?;
            writeln!(out)?;
        }
        ListFormat::Text => write_plan(&mut out, &items, &args.from.display().to_string())?,
    }
    out.flush()?;
    if !args.execute {
        return Ok(0);
    }
    let only: Vec<String> = args.only.iter().map(|p| p.trim().to_ascii_lowercase()).collect();
    let done = if args.resume {
        revocation::finished(args.audit_log.as_deref().unwrap_or(std::path::Path::new("")))?
    } else {
        Default::default()
    };
    let mut resumed = 0;
    let executable: Vec<&PlanItem> = items
        .iter()
        .filter(|i| i.executable())
        .filter(|i| only.is_empty() || only.contains(&i.provider.to_ascii_lowercase()))
        .filter(|i| {
            let skip = done.contains(&i.fingerprint);
            resumed += usize::from(skip);
            !skip
        })
        .collect();
    if resumed > 0 {
        eprintln!("keyhound: {resumed} secret(s) already revoked according to the audit log; not repeated");
    }
    let redacted = items.iter().filter(|i| i.api && !i.secret_available).count();
    if redacted > 0 {
        eprintln!(
            "keyhound: {redacted} secret(s) with a revocation API are redacted in {}: rescan with --show-secrets to revoke them",
            args.from.display()
        );
    }
    if executable.is_empty() {
        eprintln!("keyhound: nothing to revoke through an API; follow the manual steps above");
        return Ok(0);
    }
    if !args.yes && !confirm(executable.len())? {
        eprintln!("keyhound: not confirmed; nothing revoked");
        return Ok(1);
    }
    let (verifier, warnings) = Verifier::new(&args.verify.options()?, &rules);
    for w in warnings {
        eprintln!("keyhound: warning: {w}");
    }
    let mut log = AuditLog::open(args.audit_log.as_deref())?;
    let context = RevokeContext {
        aws: if args.use_leaked_key {
            None
        } else {
            crate::aws_profile::credentials(args.aws_profile.as_deref())?
        },
        use_leaked_key: args.use_leaked_key,
        leaked_pairs: aws_pairs(&findings),
    };
    let mut failing = 0;
    for item in executable {
        let outcome = revocation::execute(item, &verifier, &mut log, &context)?;
        print_outcome(item, &outcome);
        if outcome.verdict() == "STILL LIVE" || !matches!(outcome.revocation, "revoked" | "already dead") {
            failing += 1;
        }
    }
    Ok(if failing > 0 { 1 } else { 0 })
}

/// AWS secret access keys by the access key id found in the same file
/// (what `--use-leaked-key` signs with).
fn aws_pairs(findings: &[Reported]) -> std::collections::BTreeMap<String, String> {
    let mut pairs = std::collections::BTreeMap::new();
    for id in findings.iter().filter(|f| f.rule_id == "aws-access-key-id") {
        let Some(id_value) = &id.secret else { continue };
        let beside = findings
            .iter()
            .find(|f| f.rule_id == "aws-secret-access-key" && f.path == id.path && f.secret.is_some());
        if let Some(secret) = beside.and_then(|f| f.secret.as_ref()) {
            pairs.insert(id_value.expose().to_string(), secret.expose().to_string());
        }
    }
    pairs
}

/// Asks on stderr and reads the answer from stdin (a terminal or a pipe).
fn confirm(count: usize) -> Result<bool> {
    eprint!("Revoke {count} secret(s) through the providers' APIs? This cannot be undone. [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer)? == 0 {
        bail!("no confirmation on standard input: pass --yes to revoke without asking");
    }
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

fn print_outcome(item: &PlanItem, outcome: &Outcome) {
    let status = outcome.http_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
    let detail = outcome.detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
    eprintln!(
        "keyhound: {} {} {}: {}{status}{detail} -> {}",
        item.provider,
        item.secret,
        &item.fingerprint[..12.min(item.fingerprint.len())],
        outcome.revocation,
        outcome.verdict()
    );
}

fn write_plan(out: &mut impl Write, items: &[PlanItem], source: &str) -> std::io::Result<()> {
    // Providers in plan order: those with live keys first.
    let mut providers: Vec<&str> = Vec::new();
    for i in items {
        if !providers.contains(&i.provider.as_str()) {
            providers.push(&i.provider);
        }
    }
    writeln!(
        out,
        "Revocation plan for {} secret(s) from {source}, {} provider(s)",
        items.len(),
        providers.len()
    )?;
    for provider in providers {
        let group: Vec<&PlanItem> = items.iter().filter(|i| i.provider == provider).collect();
        writeln!(out, "\n{provider}: {} secret(s)", group.len())?;
        let mut shown_rules = std::collections::HashSet::new();
        for item in group {
            if shown_rules.insert(&item.rule_id) {
                writeln!(out, "  {} ({})", item.name, item.rule_id)?;
                if let Some(url) = &item.revoke_url {
                    writeln!(out, "    revoke at: {url}")?;
                }
                if let Some(steps) = &item.steps {
                    writeln!(out, "    steps: {steps}")?;
                }
            }
            let exposure = match (&item.first_seen, item.exposure_days) {
                (Some(date), Some(days)) => {
                    format!(", first seen {} ({days} days to audit)", &date[..10.min(date.len())])
                }
                _ => String::new(),
            };
            let owner = item.owner.as_deref().map(|o| format!(", by {o}")).unwrap_or_default();
            let status = match item.status.as_deref() {
                Some("live") => "LIVE ".to_string(),
                Some(other) => format!("{other} "),
                None => String::new(),
            };
            writeln!(
                out,
                "    * {status}{} [{}] in {} location(s){exposure}{owner}: {}",
                item.secret,
                item.fingerprint,
                item.locations.len(),
                item.locations.first().map(String::as_str).unwrap_or("-")
            )?;
            // After revoking, every consumer needs the new key.
            for consumer in &item.consumers {
                writeln!(out, "      rotate in: {consumer}")?;
            }
            let how = match (item.api, item.secret_available) {
                (true, true) => "revocation API available: `--execute` revokes it",
                (true, false) => "revocation API available, but the report is redacted (rescan with --show-secrets)",
                (false, _) => "no revocation API: revoke by hand",
            };
            writeln!(out, "      {how}")?;
            if let Some(request) = &item.request {
                writeln!(out, "      request: {request}")?;
            }
            if let Some(env) = &item.admin_env {
                writeln!(out, "      needs an administrator credential in ${env}")?;
            }
            if item.request.as_deref().is_some_and(|r| r.starts_with("IAM ")) {
                writeln!(
                    out,
                    "      needs your own AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --aws-profile), or --use-leaked-key"
                )?;
            }
        }
    }
    Ok(())
}
