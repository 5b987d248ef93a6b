//! `--verify` in front of any reporter: findings are held until the scan
//! ends, each unique secret is verified once, and the annotated findings go
//! on to the real sink (only the live ones under `--only-verified`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use keyhound_findings::{Finding, Sink, Status, Summary, Verification, VerifyStats};
use keyhound_rules::Rule;

use crate::run::{job_key, Job, Verifier};

/// The wrapping sink.
pub struct VerifyingSink {
    inner: Box<dyn Sink>,
    verifier: Verifier,
    rules: HashMap<String, Arc<Rule>>,
    only_verified: bool,
    held: Mutex<Vec<Vec<Finding>>>,
    stats: Arc<Mutex<VerifyStats>>,
}

impl VerifyingSink {
    /// Wraps `inner`; `stats` is filled in when the scan finishes.
    pub fn new(
        inner: Box<dyn Sink>,
        verifier: Verifier,
        rules: &[Arc<Rule>],
        only_verified: bool,
        stats: Arc<Mutex<VerifyStats>>,
    ) -> VerifyingSink {
        VerifyingSink {
            inner,
            verifier,
            rules: rules.iter().map(|r| (r.id().to_string(), Arc::clone(r))).collect(),
            only_verified,
            held: Mutex::new(Vec::new()),
            stats,
        }
    }

    fn job_for(&self, finding: &Finding) -> Option<Job> {
        let rule = self.rules.get(&finding.rule_id)?;
        match self.verifier.specs().verifier(rule.id()) {
            Ok(Some(v)) if v.applies_to(finding.secret.expose()) && self.verifier.attempts(rule) => {}
            // No verifier, but an access map read from the key itself.
            Ok(None) if self.verifier.attempts(rule) => {}
            _ => return None,
        }
        let mut values = finding.verify_values.clone();
        let key = job_key(&finding.fingerprint, &values);
        values.insert("secret".into(), finding.secret.expose().to_string());
        Some(Job {
            key,
            rule: Arc::clone(rule),
            values,
        })
    }
}

/// The other half of a two-part credential (an AWS access key id beside
/// its verified secret) shares the pair's outcome: it is exactly as live as
/// the secret it was checked with.
fn share_with_pairs(blob: &mut [Finding]) {
    let mut by_companion: Vec<(String, String, Verification)> = Vec::new();
    for f in blob.iter() {
        if let Some(v) = &f.verification {
            for value in f.verify_values.values() {
                by_companion.push((value.clone(), f.rule_id.clone(), v.clone()));
            }
        }
    }
    for f in blob.iter_mut().filter(|f| f.verification.is_none()) {
        if let Some((_, rule, v)) = by_companion.iter().find(|(value, _, _)| value == f.secret.expose()) {
            let mut shared = v.clone();
            let note = format!("checked together with its {rule}");
            shared.reason = Some(match &v.reason {
                Some(r) => format!("{r}; {note}"),
                None => note,
            });
            f.verification = Some(shared);
        }
    }
}

/// How dangerous a finding is by what its provider said: the order of
/// the verified report.
fn danger(f: &Finding) -> u8 {
    match &f.verification {
        Some(v) => match v.access_level() {
            Some(level) => 3 + level as u8,
            None if v.status == Status::Unknown => 2,
            None => 0,
        },
        None => 1,
    }
}

impl Sink for VerifyingSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let blobs = std::mem::take(&mut *self.held.lock().unwrap_or_else(|e| e.into_inner()));
        // One job per finding that has a verifier, built once: the keys
        // annotate the findings, the jobs go to the verifier.
        let per_finding: Vec<Option<Job>> = blobs.iter().flatten().map(|f| self.job_for(f)).collect();
        let keys: Vec<Option<String>> = per_finding.iter().map(|j| j.as_ref().map(|j| j.key.clone())).collect();
        let jobs: Vec<Job> = per_finding.into_iter().flatten().collect();
        let mut unverifiable = std::collections::HashSet::new();
        let outcomes = self.verifier.verify_all(jobs);
        let mut stats = VerifyStats::default();
        for outcome in outcomes.values() {
            match outcome.status {
                Status::Live => stats.live += 1,
                Status::Invalid => stats.invalid += 1,
                Status::Unknown => stats.unknown += 1,
            }
        }
        for outcome in outcomes.values() {
            if let Some(level) = outcome.access.as_ref().map(|a| a.level) {
                *stats.access.entry(level.as_str().to_string()).or_default() += 1;
            }
        }
        let mut keys = keys.into_iter();
        let mut annotated: Vec<Vec<Finding>> = Vec::with_capacity(blobs.len());
        for mut blob in blobs {
            for finding in &mut blob {
                if let Some(key) = keys.next().flatten() {
                    finding.verification = outcomes.get(&key).cloned();
                }
            }
            share_with_pairs(&mut blob);
            annotated.push(blob);
        }
        // The most dangerous first: live admin keys, then write, read,
        // live but unmapped, unknown, unverifiable, invalid; then by place,
        // so the same input gives the same report.
        annotated.sort_by_cached_key(|blob| {
            let rank = blob.iter().map(danger).max().unwrap_or(0);
            let place = blob
                .first()
                .map(|f| (f.origin.display_path().to_string(), f.line, f.column))
                .unwrap_or_default();
            (std::cmp::Reverse(rank), place)
        });
        for mut blob in annotated {
            for f in blob.iter().filter(|f| f.verification.is_none()) {
                unverifiable.insert(f.fingerprint.clone());
            }
            let live = blob
                .iter()
                .filter(|f| f.verification.as_ref().is_some_and(|v| v.status == Status::Live))
                .count();
            stats.live_findings += live;
            if self.only_verified {
                blob.retain(|f| f.verification.as_ref().is_some_and(|v| v.status == Status::Live));
            }
            if !blob.is_empty() {
                stats.reported += blob.len();
                self.inner.blob_findings(blob);
            }
        }
        stats.unverifiable = unverifiable.len();
        stats.requests = self.verifier.client().requests_sent();
        let save = self.verifier.save_cache();
        let summary = Summary {
            findings: stats.reported as u64,
            ..summary.clone()
        };
        *self.stats.lock().unwrap_or_else(|e| e.into_inner()) = stats;
        self.inner.finish(&summary)?;
        save.map_err(|e| std::io::Error::new(e.kind(), format!("cannot save the verify cache: {e}")))
    }
}
