//! `keyhound exposure`: each leaked key's exposure window (introduced →
//! removed → revoked) from a findings file and the revocation audit log,
//! and, with the user's own administrator credentials, the provider logs'
//! record of who used the key inside that window (AWS IAM and CloudTrail,
//! GitHub and GitLab audit logs, Slack access logs, OpenAI and Anthropic
//! usage reports, Google Cloud audit logs, the Azure activity log).
//! Credentials come from the environment or a named AWS profile, never
//! from the command line.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, Result};

use crate::cli::{ExposureArgs, ExposureFormat};
use keyhound_report::html::{self, ExposureEntry, Page, RuleInfo};
use keyhound_scan::packs;
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
    let findings_text =
        std::fs::read_to_string(&args.from).with_context(|| format!("reading {}", args.from.display()))?;
    let env = |names: &[&str]| {
        names
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|t| !t.trim().is_empty()))
            .map(|t| t.trim().to_string())
    };
    let gitlab_url = args
        .gitlab_url
        .clone()
        .or_else(|| env(&["KEYHOUND_GITLAB_URL"]))
        .unwrap_or_else(|| "https://gitlab.com".into());
    exposure::gitlab::host_of(&gitlab_url).map_err(anyhow::Error::msg)?;
    let options = ExposureOptions {
        aws: crate::aws_profile::credentials(args.aws_profile.as_deref())?,
        aws_regions: args.aws_region.clone(),
        github_token: env(&["KEYHOUND_GITHUB_AUDIT_TOKEN", "GITHUB_TOKEN"]),
        github_org: args.github_org.clone(),
        gitlab_token: env(&["KEYHOUND_GITLAB_AUDIT_TOKEN", "GITLAB_TOKEN"]),
        gitlab_url,
        gitlab_group: args.gitlab_group.clone(),
        slack_token: env(&["KEYHOUND_SLACK_AUDIT_TOKEN"]),
        openai_admin: env(&["OPENAI_ADMIN_KEY"]),
        anthropic_admin: env(&["ANTHROPIC_ADMIN_KEY"]),
        gcp_token: env(&["KEYHOUND_GCP_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"]),
        azure_token: env(&["KEYHOUND_AZURE_ARM_TOKEN"]),
        azure_subscription: args
            .azure_subscription
            .clone()
            .or_else(|| env(&["AZURE_SUBSCRIPTION_ID"])),
        identities: exposure::identities(&findings_text),
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
        event.insert("outcome".into(), outcome(usage).into());
        if let Some(days) = e.exposed_days {
            event.insert("exposed_days".into(), days.into());
        }
        log.record(event)?;
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        ExposureFormat::Html => {
            let page = report_page(&args.from, &revoked)?;
            let entries: Vec<ExposureEntry> = serde_json::from_value(serde_json::to_value(&report)?)?;
            out.write_all(html::render_with_exposure(&page, &entries).as_bytes())?;
            out.flush()?;
        }
        ExposureFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "secrets": report }))?;
            writeln!(out)?;
        }
        ExposureFormat::Text => write_text(&mut out, &report, &options)?,
    }
    let used_by_others = report
        .iter()
        .any(|e| e.usage.as_ref().is_some_and(|u| u.unknown_uses > 0));
    Ok(u8::from(used_by_others))
}

/// The audit report of the findings file (always redacted), as `keyhound
/// report` draws it, for the exposure sections to join.
fn report_page(findings: &std::path::Path, revoked: &BTreeMap<String, String>) -> Result<Page> {
    let saved = keyhound_report::saved::load(findings)?;
    let rules = packs::shared(packs::load_all(&[] as &[std::path::PathBuf])?);
    Ok(Page {
        plan: crate::report_command::planner(rules.clone())(&saved.records),
        rules: RuleInfo::of_rules(&rules),
        records: saved.records,
        revoked: revoked.clone(),
        totals: saved.totals,
        source: Some(
            saved
                .source
                .unwrap_or_else(|| format!("exposure audit of {}", findings.display())),
        ),
        ..Page::default()
    })
}

/// How the questions about one key ended, for the audit log.
fn outcome(usage: &exposure::Usage) -> &'static str {
    match (usage.incomplete, usage.truncated) {
        (true, _) => "incomplete",
        (false, true) => "truncated",
        (false, false) => "answered",
    }
}

fn day(date: &Option<String>) -> String {
    date.as_deref()
        .map_or_else(|| "-".into(), |d| d.chars().take(10).collect())
}

fn write_text(out: &mut impl Write, report: &[Exposure], options: &ExposureOptions) -> std::io::Result<()> {
    writeln!(out, "Exposure of {} secret(s)", report.len())?;
    let sources: std::collections::BTreeSet<&str> =
        report.iter().filter_map(|e| exposure::source_of(&e.rule_id)).collect();
    let missing = [
        ("aws", options.aws.is_none(), "AWS logs not asked: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --aws-profile to your own credentials"),
        ("github", options.github_token.is_none() || options.github_org.is_none(), "GitHub audit log not asked: needs --github-org and KEYHOUND_GITHUB_AUDIT_TOKEN"),
        ("gitlab", options.gitlab_token.is_none(), "GitLab not asked: needs an admin token in KEYHOUND_GITLAB_AUDIT_TOKEN (and --gitlab-url for your own instance)"),
        ("slack", options.slack_token.is_none(), "Slack access logs not asked: needs a workspace admin's token in KEYHOUND_SLACK_AUDIT_TOKEN"),
        ("openai", options.openai_admin.is_none(), "OpenAI usage not asked: needs an Admin API key in OPENAI_ADMIN_KEY"),
        ("anthropic", options.anthropic_admin.is_none(), "Anthropic usage not asked: needs an Admin API key in ANTHROPIC_ADMIN_KEY"),
        ("gcp", options.gcp_token.is_none(), "Google Cloud audit logs not asked: needs your access token in KEYHOUND_GCP_ACCESS_TOKEN"),
        ("azure", options.azure_token.is_none(), "Azure activity log not asked: needs your ARM token in KEYHOUND_AZURE_ARM_TOKEN and --azure-subscription"),
    ];
    for (source, absent, hint) in missing {
        // AWS is always mentioned (the most common leak); the others when
        // the report holds one of their keys.
        if absent && (source == "aws" || source == "github" || sources.contains(source)) {
            writeln!(out, "  ({hint})")?;
        }
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
        let partial = if u.incomplete {
            "; the log could not be read in full, see the notes"
        } else {
            ""
        };
        writeln!(
            out,
            "    uses in the window: {}{plus} ({} from addresses not listed as yours{partial})",
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
