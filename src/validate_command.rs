//! `keyhound validate`: re-check known secrets with their own providers
//! without rescanning anything. Secrets come one per line on standard input
//! or from a findings file written with `--show-secrets`, never from the
//! command line (which leaks into `ps` and shell history). Each line is
//! recognised with the rules (so a line may hold a secret with its
//! companions, as a file would), or taken as a secret of `--rule`. Every
//! secret goes only to the hosts its rule names, as under `--verify`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use keyhound_engine::Scanner;
use keyhound_findings::{fingerprint, redact, Finding, Origin, Status, Verification};
use keyhound_rules::{Rule, Selection};
use keyhound_scan::policy::Policy;
use keyhound_scan::{packs, ScanRun};
use keyhound_verify::revocation;
use keyhound_verify::run::{job_key, Job, Verifier};
use serde::Serialize;

use crate::cli::{ListFormat, ValidateArgs};
use crate::collect::Collect;

/// One secret to re-check, or why a line gave none.
enum Item {
    /// A secret with the values its verifier needs.
    Check {
        /// Where it came from (`line 3`, or the finding's path).
        input: String,
        /// The job for the verifier.
        job: Job,
        /// Its fingerprint.
        fingerprint: String,
        /// The secret itself (printed redacted unless asked).
        secret: String,
    },
    /// Nothing checkable: the reason is the row's status.
    Skip {
        input: String,
        rule: Option<String>,
        fingerprint: Option<String>,
        status: &'static str,
        reason: String,
    },
}

/// A row of the output (also the MCP server's `verify_finding` answer).
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    input: String,
    rule: Option<String>,
    fingerprint: Option<String>,
    secret: Option<String>,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    account: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<keyhound_findings::AccessMap>,
}

/// Runs `keyhound validate`; exit 1 when a secret is live, 0 otherwise.
pub fn run(args: ValidateArgs) -> Result<u8> {
    let selection = Selection {
        enable: args.rules.enable_rule.clone(),
        disable: args.rules.disable_rule.clone(),
    };
    let rules = packs::shared(selection.apply(packs::load_all(&args.rules.rules)?)?);
    let only = match &args.rule {
        Some(id) => Some(rules.iter().find(|r| r.id() == id).cloned().ok_or_else(|| {
            keyhound_rules::RuleError::UnknownRule {
                id: id.clone(),
                suggestion: keyhound_rules::closest_id(id, rules.iter().map(|r| r.id())),
            }
        })?),
        None => None,
    };
    let mut options = args.verify.options()?;
    options.access = args.access;
    let (verifier, warnings) = Verifier::new(&options, &rules);
    for w in warnings {
        eprintln!("keyhound: warning: {w}");
    }
    let items = match &args.from {
        Some(path) => from_findings(path, &rules, &verifier)?,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                bail!("pipe the secrets on standard input, one per line, or pass --from FILE");
            }
            let mut text = String::new();
            stdin
                .lock()
                .read_to_string(&mut text)
                .context("reading standard input")?;
            from_lines(&text, &rules, only.as_ref(), &verifier)?
        }
    };
    if items.is_empty() {
        bail!("no secrets to validate");
    }
    let outcomes = verify_items(&items, &verifier);
    if let Err(e) = verifier.save_cache() {
        eprintln!("keyhound: warning: cannot save the verification cache: {e}");
    }
    let rows: Vec<Row> = items
        .into_iter()
        .map(|item| row(item, &outcomes, args.show_secrets))
        .collect();
    print(&rows, args.format)?;
    Ok(u8::from(rows.iter().any(|r| r.status == Status::Live.as_str())))
}

/// Re-checks the secrets recognised in `text` (one per line, as on
/// standard input): the MCP server's `verify_finding`. `only` takes every
/// line as a secret of that rule.
pub(crate) fn check_text(
    text: &str,
    rules: &[Arc<Rule>],
    only: Option<&Arc<Rule>>,
    verifier: &Verifier,
    show_secrets: bool,
) -> Result<Vec<Row>> {
    let items = from_lines(text, rules, only, verifier)?;
    let outcomes = verify_items(&items, verifier);
    Ok(items
        .into_iter()
        .map(|item| row(item, &outcomes, show_secrets))
        .collect())
}

/// Asks the providers about every checkable item, once each.
fn verify_items(items: &[Item], verifier: &Verifier) -> std::collections::HashMap<String, Verification> {
    let jobs: Vec<Job> = items
        .iter()
        .filter_map(|item| match item {
            Item::Check { job, .. } => Some(job.clone()),
            Item::Skip { .. } => None,
        })
        .collect();
    verifier.verify_all(jobs)
}

/// The secrets of a findings file; redacted ones cannot be checked.
fn from_findings(path: &std::path::Path, rules: &[Arc<Rule>], verifier: &Verifier) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    for reported in revocation::load_findings(path)? {
        let input = reported.path.clone();
        let Some(rule) = rules.iter().find(|r| r.id() == reported.rule_id) else {
            items.push(Item::Skip {
                input,
                rule: Some(reported.rule_id),
                fingerprint: Some(reported.fingerprint),
                status: "unknown-rule",
                reason: "no loaded rule has this id (pass its pack with --rules)".into(),
            });
            continue;
        };
        let Some(secret) = reported.secret else {
            items.push(Item::Skip {
                input,
                rule: Some(reported.rule_id),
                fingerprint: Some(reported.fingerprint),
                status: "redacted",
                reason: "the file holds only the redacted secret (rescan with --show-secrets)".into(),
            });
            continue;
        };
        items.push(check_or_skip(
            input,
            rule,
            secret.expose(),
            reported.fingerprint,
            &BTreeMap::new(),
            verifier,
        ));
    }
    Ok(items)
}

/// Each non-empty line: recognised by the rules (or by `--rule` alone), or
/// with `--rule` and no match, the whole line as that rule's secret.
fn from_lines(text: &str, rules: &[Arc<Rule>], only: Option<&Arc<Rule>>, verifier: &Verifier) -> Result<Vec<Item>> {
    let scanner = Scanner::new(match only {
        Some(rule) => vec![Arc::clone(rule)],
        None => rules.to_vec(),
    })?;
    let policy = Policy::default();
    let sink = Collect::default();
    let scan = ScanRun::new(&scanner, &policy, &sink, true).with_verify_values(Arc::clone(verifier.specs()));
    let mut items = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let input = format!("line {}", index + 1);
        // One line at a time: what the sink holds now is this line's.
        scan.scan_blob(line.as_bytes(), Arc::new(Origin::Stdin { name: input.clone() }));
        let found = sink.take();
        if found.is_empty() {
            match only {
                Some(rule) => {
                    let fp = fingerprint(rule.id(), line);
                    items.push(check_or_skip(input, rule, line, fp, &BTreeMap::new(), verifier));
                }
                None => items.push(Item::Skip {
                    input,
                    rule: None,
                    fingerprint: None,
                    status: "unrecognised",
                    reason: "no rule recognises it; pass --rule ID".into(),
                }),
            }
            continue;
        }
        // The parts of a pair (an AWS key id beside its secret) are checked
        // together, through the part whose rule has the verifier.
        let checkable: Vec<&Finding> = found
            .iter()
            .filter(|f| matches!(verifier.specs().verifier(&f.rule_id), Ok(Some(v)) if v.applies_to(f.secret.expose())))
            .collect();
        let chosen: Vec<&Finding> = if checkable.is_empty() {
            found.iter().collect()
        } else {
            checkable
        };
        for finding in chosen {
            let Some(rule) = rules.iter().find(|r| r.id() == finding.rule_id) else {
                continue;
            };
            items.push(check_or_skip(
                input.clone(),
                rule,
                finding.secret.expose(),
                finding.fingerprint.clone(),
                &finding.verify_values,
                verifier,
            ));
        }
    }
    Ok(items)
}

/// A job when the rule has a verifier that applies to `secret`, else the
/// reason it cannot be checked. `companions` are the other values the
/// verifier needs (found beside the secret).
fn check_or_skip(
    input: String,
    rule: &Arc<Rule>,
    secret: &str,
    fingerprint: String,
    companions: &BTreeMap<String, String>,
    verifier: &Verifier,
) -> Item {
    let skip = |status: &'static str, reason: String| Item::Skip {
        input: input.clone(),
        rule: Some(rule.id().to_string()),
        fingerprint: Some(fingerprint.clone()),
        status,
        reason,
    };
    match verifier.specs().verifier(rule.id()) {
        Ok(Some(v)) if v.applies_to(secret) => check(input, rule, secret, fingerprint, companions),
        Ok(Some(_)) => skip(
            "unverifiable",
            "the rule's verifier does not apply to this form of key".into(),
        ),
        // No verifier, but under --access a map read from the key itself.
        Ok(None) if verifier.attempts(rule) => check(input, rule, secret, fingerprint, companions),
        Ok(None) => skip("unverifiable", "the rule has no verifier".into()),
        Err(e) => skip("unverifiable", format!("invalid verifier: {e}")),
    }
}

/// The job that checks `secret` of `rule`.
fn check(
    input: String,
    rule: &Arc<Rule>,
    secret: &str,
    fingerprint: String,
    companions: &BTreeMap<String, String>,
) -> Item {
    let mut values = companions.clone();
    values.insert("secret".into(), secret.to_string());
    Item::Check {
        job: Job {
            key: job_key(&fingerprint, companions),
            rule: Arc::clone(rule),
            values,
        },
        input,
        fingerprint,
        secret: secret.to_string(),
    }
}

fn row(item: Item, outcomes: &std::collections::HashMap<String, Verification>, show_secrets: bool) -> Row {
    match item {
        Item::Check {
            input,
            job,
            fingerprint,
            secret,
        } => {
            let outcome = outcomes
                .get(&job.key)
                .cloned()
                .unwrap_or_else(|| Verification::unknown("no answer", None));
            Row {
                input,
                rule: Some(job.rule.id().to_string()),
                fingerprint: Some(fingerprint),
                secret: Some(if show_secrets { secret } else { redact(&secret) }),
                status: outcome.status.as_str().to_string(),
                reason: outcome.reason,
                account: outcome.account,
                access: outcome.access,
            }
        }
        Item::Skip {
            input,
            rule,
            fingerprint,
            status,
            reason,
        } => Row {
            input,
            rule,
            fingerprint,
            secret: None,
            status: status.to_string(),
            reason: Some(reason),
            account: BTreeMap::new(),
            access: None,
        },
    }
}

fn print(rows: &[Row], format: ListFormat) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, rows)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for r in rows {
                let account: Vec<String> = r.account.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let detail = match (&r.reason, account.is_empty()) {
                    (_, false) => account.join(" "),
                    (Some(reason), true) => reason.clone(),
                    (None, true) => String::new(),
                };
                writeln!(
                    out,
                    "{:<10} {:<28} {:<12} {:<12} {}",
                    r.input,
                    r.rule.as_deref().unwrap_or("-"),
                    r.secret.as_deref().unwrap_or("-"),
                    if r.status == "live" {
                        "LIVE".to_string()
                    } else {
                        r.status.clone()
                    },
                    detail
                )?;
                if let Some(map) = &r.access {
                    write_access(&mut out, map, "           ")?;
                }
            }
            let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
            writeln!(
                out,
                "{} secret(s): {} live, {} invalid, {} unknown, {} not checked",
                rows.len(),
                count("live"),
                count("invalid"),
                count("unknown"),
                rows.len() - count("live") - count("invalid") - count("unknown")
            )?;
        }
    }
    Ok(())
}

/// An access map as indented lines under its secret (shared with the scan
/// reports' wording: level first, then identity, scopes, resources, excess).
fn write_access(out: &mut impl Write, map: &keyhound_findings::AccessMap, indent: &str) -> std::io::Result<()> {
    writeln!(out, "{indent}access: {}", map.summary())?;
    for line in keyhound_report::text::access_lines(map) {
        writeln!(out, "{indent}  {line}")?;
    }
    Ok(())
}
