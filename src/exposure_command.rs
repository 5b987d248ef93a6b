//! `keyhound exposure`: each leaked key's exposure window (introduced →
//! removed → revoked) from a findings file and the revocation audit log,
//! and, with the user's own administrator credentials, the provider logs'
//! record of who used the key inside that window (AWS IAM and CloudTrail,
//! GitHub's organisation audit log). Credentials come from the environment
//! or a named AWS profile, never from the command line.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::{ExposureArgs, ListFormat};
use keyhound_verify::exposure::{self, Exposure, ExposureOptions};
use keyhound_verify::revocation::{self, AuditLog};
use keyhound_verify::run::Verifier;

/// Runs `keyhound exposure`; exit 1 when some key was used from an
/// address not listed as the user's own, 0 otherwise.
pub fn run(args: ExposureArgs) -> Result<u8> {
    let findings = revocation::load_findings(&args.from)?;
    let revoked = match &args.audit_log {
        Some(path) if path.exists() => exposure::revocations(
            &std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        _ => BTreeMap::new(),
    };
    let options = ExposureOptions {
        aws: crate::aws_profile::credentials(args.aws_profile.as_deref())?,
        aws_regions: args.aws_region.clone(),
        github_token: ["KEYHOUND_GITHUB_AUDIT_TOKEN", "GITHUB_TOKEN"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|t| !t.is_empty())),
        github_org: args.github_org.clone(),
        known: args.known_ips.clone(),
    };
    // The client only: exposure questions go to audit APIs, not verifiers.
    let (verifier, warnings) = Verifier::new(&args.verify.options()?, &[]);
    for w in warnings {
        eprintln!("keyhound: warning: {w}");
    }
    let report = exposure::audit(&findings, &revoked, verifier.client(), &options);
    let mut log = AuditLog::open(args.audit_log.as_deref())?;
    for e in report.iter().filter(|e| e.usage.is_some()) {
        let usage = e.usage.as_ref().expect("filtered");
        let mut event = serde_json::Map::new();
        event.insert("action".into(), "exposure".into());
        event.insert("fingerprint".into(), e.fingerprint.clone().into());
        event.insert("rule_id".into(), e.rule_id.clone().into());
        event.insert("source".into(), usage.source.clone().into());
        event.insert("uses".into(), usage.uses.len().into());
        event.insert("unknown_uses".into(), usage.unknown_uses.into());
        if let Some(days) = e.exposed_days {
            event.insert("exposed_days".into(), days.into());
        }
        log.record(event)?;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "secrets": report }))?;
            writeln!(out)?;
        }
        ListFormat::Text => write_text(&mut out, &report, &options)?,
    }
    let used_by_others = report
        .iter()
        .any(|e| e.usage.as_ref().is_some_and(|u| u.unknown_uses > 0));
    Ok(u8::from(used_by_others))
}

fn day(date: &Option<String>) -> String {
    date.as_deref()
        .map_or_else(|| "-".into(), |d| d.chars().take(10).collect())
}

fn write_text(out: &mut impl Write, report: &[Exposure], options: &ExposureOptions) -> std::io::Result<()> {
    writeln!(out, "Exposure of {} secret(s)", report.len())?;
    if options.aws.is_none() {
        writeln!(out, "  (AWS logs not asked: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --aws-profile to your own credentials)")?;
    }
    if options.github_token.is_none() || options.github_org.is_none() {
        writeln!(
            out,
            "  (GitHub audit log not asked: needs --github-org and KEYHOUND_GITHUB_AUDIT_TOKEN)"
        )?;
    }
    for e in report {
        let days = e
            .exposed_days
            .map_or_else(String::new, |d| format!(", {d} day(s) exposed"));
        writeln!(
            out,
            "\n{} {} [{}]{days}",
            e.rule_id,
            e.secret,
            &e.fingerprint[..12.min(e.fingerprint.len())]
        )?;
        writeln!(
            out,
            "  introduced {}{}; removed {}; revoked {}",
            day(&e.introduced),
            e.introduced_by
                .as_deref()
                .map(|a| format!(" by {a}"))
                .unwrap_or_default(),
            e.removed
                .as_deref()
                .map_or("no (still in HEAD or not a history scan)".into(), |d| d
                    .chars()
                    .take(10)
                    .collect::<String>()),
            e.revoked
                .as_deref()
                .map_or("no".into(), |d| d.chars().take(10).collect::<String>()),
        )?;
        writeln!(
            out,
            "  found in {} location(s): {}",
            e.locations.len(),
            e.locations.first().map_or("-", String::as_str)
        )?;
        let Some(u) = &e.usage else { continue };
        writeln!(out, "  {}:", u.source)?;
        if let Some(owner) = &u.owner {
            writeln!(out, "    owner: {owner}")?;
        }
        if let Some(last) = &u.last_used {
            writeln!(out, "    last used: {last}")?;
        }
        let plus = if u.truncated { "+" } else { "" };
        writeln!(
            out,
            "    uses in the window: {}{plus} ({} from addresses not listed as yours)",
            u.uses.len(),
            u.unknown_uses
        )?;
        for x in u.uses.iter().take(50) {
            writeln!(
                out,
                "      {}  {}  {}  {}{}",
                x.time,
                x.action,
                x.source_ip.as_deref().unwrap_or("-"),
                x.user_agent.as_deref().unwrap_or("-"),
                if x.known { "" } else { "  <- not yours" }
            )?;
        }
        for n in &u.notes {
            writeln!(out, "    note: {n}")?;
        }
    }
    Ok(())
}
