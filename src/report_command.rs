//! `keyhound report`: render a saved findings file (keyhound JSON, JSONL or
//! SARIF) as the HTML audit report, with revocation times from the audit
//! log of `keyhound revoke`; and the revocation planner every HTML report
//! uses (the verify crate's plan, handed to the report crate as plain data).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::cli::ReportArgs;
use keyhound_findings::Secret;
use keyhound_report::html::{self, Page, PlanEntry, Planner, Record, RuleInfo};
use keyhound_rules::Rule;
use keyhound_scan::packs;
use keyhound_verify::revocation::{self, Reported};

/// Runs `keyhound report`; exit 0 once the report is written.
pub fn run(args: ReportArgs) -> Result<u8> {
    let saved = keyhound_report::saved::load(&args.findings)?;
    // Every rule, those off by default too: the scan may have enabled them.
    let rules: Vec<Arc<Rule>> = packs::shared(packs::load_all(&args.rules.rules)?);
    let revoked = match &args.audit_log {
        Some(path) => keyhound_verify::exposure::revocations(
            &std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => BTreeMap::new(),
    };
    let page = Page {
        plan: planner(rules.clone())(&saved.records),
        rules: RuleInfo::of_rules(&rules),
        records: saved.records,
        revoked,
        totals: saved.totals,
        source: Some(
            saved
                .source
                .unwrap_or_else(|| format!("report {}", args.findings.display())),
        ),
        show_secrets: args.show_secrets,
    };
    let bytes = html::render(&page);
    match &args.output {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(0)
}

/// The revocation plan of a report's records (`keyhound revoke`'s plan:
/// consumers to update, the API request, the credential it needs).
pub fn planner(rules: Vec<Arc<Rule>>) -> Planner {
    Box::new(move |records: &[Record]| {
        let reported: Vec<Reported> = records.iter().map(reported).collect();
        revocation::plan(&reported, &rules)
            .into_iter()
            .map(|item| {
                let entry = PlanEntry {
                    executable: item.executable(),
                    consumers: item.consumers,
                    request: item.request,
                    admin_env: item.admin_env,
                };
                (item.fingerprint, entry)
            })
            .collect()
    })
}

/// A record as the revocation planner reads a finding.
fn reported(r: &Record) -> Reported {
    let commit = r.origin.as_ref().and_then(|o| o.commit_info());
    Reported {
        rule_id: r.rule_id.clone(),
        fingerprint: r.fingerprint.clone(),
        secret: (!r.redacted && !r.secret.is_empty()).then(|| Secret::new(r.secret.clone())),
        shown: r.secret.clone(),
        path: r.path.clone(),
        date: commit.map(|c| c.date.to_string()),
        author: commit.map(|c| c.identity()),
        status: r.verification.as_ref().map(|v| v.status.as_str().to_string()),
        removed: r.removed.as_ref().map(|x| x.date.clone()),
        companions: Default::default(),
    }
}
