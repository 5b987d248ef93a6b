//! One scan: the engine, the project's policy and a reporter joined. A
//! [`ScanRun`] is what sources feed (it implements
//! [`keyhound_sources::Feed`]): it runs the engine on each blob, builds
//! findings from the candidates ([`findings_from`]), lets the policy
//! drop accepted ones and hands the rest to the [`Sink`]; it counts what
//! the summary reports. Everything here is `Sync`: sources call it from
//! any thread.
//!
//! Also here, because they need the engine and the findings together: the
//! project policy ([`policy`]), the rule-example runner ([`examples`]) and
//! the full validation of user rule packs ([`packs`]).
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

mod companions;
mod credential_files;
pub mod examples;
mod locate;
pub mod packs;
pub mod policy;
mod validate;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Display;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use keyhound_engine::filters::line_bounds;
use keyhound_engine::{Candidate, Rejection, Scanner};
use keyhound_findings::{Finding, Origin, Provenance, Sink, Summary, Warning, WarningKind, MAX_KEPT_WARNINGS};
use keyhound_rules::Rule;
use keyhound_sources::Feed;
use keyhound_verify::spec::RuleSpecs;
use sha2::{Digest, Sha256};

use credential_files::CredentialFiles;
pub use locate::findings_from;
use policy::Policy;

/// The inline allow marker, as the engine's filter recognises it.
const INLINE_ALLOW: &[u8] = b"keyhound:allow";

type WarningHook = Box<dyn Fn(&Warning) + Send + Sync>;

/// Shared state of one scan (what [`Scanner`], the engine, is run by).
pub struct ScanRun<'a> {
    scanner: &'a Scanner,
    policy: &'a Policy,
    sink: &'a dyn Sink,
    show_secrets: bool,
    files: AtomicU64,
    bytes: AtomicU64,
    findings: AtomicU64,
    accepted: AtomicU64,
    skipped: AtomicU64,
    warning_count: AtomicU64,
    warnings: Mutex<(Vec<Warning>, BTreeMap<WarningKind, u64>)>,
    on_warning: Option<WarningHook>,
    progress: Option<indicatif::ProgressBar>,
    /// Items done in the current phase of long work (see [`Feed::phase`]).
    phase_done: AtomicU64,
    /// The current phase's item count, when known (0: unknown).
    phase_total: AtomicU64,
    /// The current phase's name.
    phase_name: Mutex<&'static str>,
    cancel: Arc<AtomicBool>,
    started: Instant,
    track_allowances: bool,
    verify_specs: Option<Arc<RuleSpecs>>,
    used_accepts: Mutex<HashSet<String>>,
    unused_inline: Mutex<Vec<String>>,
    credential_files: CredentialFiles,
    /// Each rule's `paths` regexes joined into one, compiled on the rule's
    /// first candidate (most rules have none; start-up stays fast).
    rule_paths: Vec<OnceLock<Option<regex::bytes::Regex>>>,
    /// All rules' `paths` in one set, so one match per blob says which
    /// path-limited rules may run on it; built on first use.
    path_rules: OnceLock<PathRules>,
}

/// The rules limited to some files and their path patterns as one set.
struct PathRules {
    /// One set of every valid pattern of every path-limited rule.
    set: Option<regex::bytes::RegexSet>,
    /// The rule each pattern of `set` belongs to.
    owner: Vec<usize>,
    /// `true` for every path-limited rule: the skip mask before a blob's
    /// path is matched.
    base: Vec<bool>,
}

impl<'a> ScanRun<'a> {
    /// Starts a scan feeding `sink`.
    pub fn new(scanner: &'a Scanner, policy: &'a Policy, sink: &'a dyn Sink, show_secrets: bool) -> Self {
        ScanRun {
            scanner,
            policy,
            sink,
            show_secrets,
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            findings: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            skipped: AtomicU64::new(0),
            warning_count: AtomicU64::new(0),
            warnings: Mutex::new((Vec::new(), BTreeMap::new())),
            on_warning: None,
            progress: None,
            phase_done: AtomicU64::new(0),
            phase_total: AtomicU64::new(0),
            phase_name: Mutex::new(""),
            cancel: Arc::new(AtomicBool::new(false)),
            started: Instant::now(),
            track_allowances: false,
            verify_specs: None,
            used_accepts: Mutex::new(HashSet::new()),
            unused_inline: Mutex::new(Vec::new()),
            credential_files: CredentialFiles::new(scanner.rules()),
            rule_paths: scanner.rules().iter().map(|_| OnceLock::new()).collect(),
            path_rules: OnceLock::new(),
        }
    }

    /// Calls `hook` for every warning as it happens (the CLI prints them).
    pub fn with_warning_hook(mut self, hook: WarningHook) -> Self {
        self.on_warning = Some(hook);
        self
    }

    /// Advances `bar` with bytes scanned.
    pub fn with_progress(mut self, bar: indicatif::ProgressBar) -> Self {
        self.progress = Some(bar);
        self
    }

    /// Shares a cancellation flag: sources stop early once it is set.
    pub fn with_cancel(mut self, cancel: Arc<AtomicBool>) -> Self {
        self.cancel = cancel;
        self
    }

    /// Records which allowances (accepted fingerprints, inline comments)
    /// were used, for `--report-unused-ignores`.
    pub fn with_allowance_tracking(mut self) -> Self {
        self.track_allowances = true;
        self
    }

    /// Gathers the values verifiers need besides the secret (`--verify`),
    /// reading each rule's `needs` from `specs` (the verifier's own, so
    /// nothing is compiled twice).
    pub fn with_verify_values(mut self, specs: Arc<RuleSpecs>) -> Self {
        self.verify_specs = Some(specs);
        self
    }

    /// Accepted fingerprints that suppressed at least one finding.
    pub fn used_accepts(&self) -> HashSet<String> {
        self.used_accepts.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Inline `keyhound:allow` comments that suppressed nothing, as `path:line`.
    pub fn unused_inline_allows(&self) -> Vec<String> {
        let mut v = self.unused_inline.lock().unwrap_or_else(|e| e.into_inner()).clone();
        v.sort();
        v
    }

    /// Whether the scan was asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The policy sources consult for path exclusion.
    pub fn policy(&self) -> &Policy {
        self.policy
    }

    /// Scans one blob and hands its findings to the sink; returns how many
    /// findings were reported.
    pub fn scan_blob(&self, bytes: &[u8], origin: Arc<Origin>) -> usize {
        let findings = self.find(bytes, origin);
        self.report(findings, &Provenance::none())
    }

    /// Scans one blob (counted as a file) and returns its findings without
    /// reporting them, for sources that annotate findings first (git
    /// provenance, added-line filters).
    pub fn find(&self, bytes: &[u8], origin: Arc<Origin>) -> Vec<Finding> {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.find_in(bytes, &origin)
    }

    /// Counts one streamed input as a file (its chunks are not files).
    pub fn count_stream_file(&self) {
        self.files.fetch_add(1, Ordering::Relaxed);
    }

    /// Scans a chunk of a stream: like [`Scan::find`] but not counted as a
    /// file; offsets and lines are relative to the chunk.
    pub fn scan_chunk(&self, bytes: &[u8], origin: &Arc<Origin>) -> Vec<Finding> {
        self.find_in(bytes, origin)
    }

    fn find_in(&self, bytes: &[u8], origin: &Arc<Origin>) -> Vec<Finding> {
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Some(bar) = &self.progress {
            bar.inc(bytes.len() as u64);
        }
        let mut candidates = if self.track_allowances {
            self.scan_tracking_inline(bytes, origin)
        } else {
            match self.skip_for_path(origin) {
                Some(skip) => self.scanner.scan_skipping(bytes, &skip),
                None => self.scanner.scan(bytes),
            }
        };
        self.keep_rules_for_path(origin, &mut candidates);
        let reasons = self.credential_files.merge(
            self.scanner.rules(),
            bytes,
            origin.display_path(),
            &mut candidates,
            &|| {
                self.scanner
                    .scan_explain(bytes)
                    .into_iter()
                    .filter(|(_, v)| matches!(v, Err(Rejection::Checksum | Rejection::KnownExample)))
                    .map(|(c, _)| c.secret)
                    .collect()
            },
        );
        if candidates.is_empty() {
            return Vec::new();
        }
        let mut findings = findings_from(self.scanner.rules(), bytes, origin, &candidates, self.show_secrets);
        for ((span, rule), reason) in reasons {
            if let Some(i) = candidates.iter().position(|c| c.secret == span && c.rule == rule) {
                findings[i].reason.get_or_insert(reason);
            }
        }
        if let Some(specs) = &self.verify_specs {
            for (finding, cand) in findings.iter_mut().zip(&candidates) {
                finding.verify_values = companions::values(specs, &self.scanner.rules()[cand.rule], bytes, cand);
            }
        }
        findings
    }

    /// The blob's path as rules' `paths` see it (`/`-separated, an archive
    /// member's `!` as a separator), or `None` when it has none.
    fn rule_path(origin: &Origin) -> Option<String> {
        match origin {
            Origin::Stdin { .. } | Origin::GitMessage { .. } | Origin::ImageConfig { .. } => None,
            _ => Some(origin.display_path().replace(['!', '\\'], "/")),
        }
    }

    /// Which rules not to run on this blob: those limited to files whose
    /// path it does not match (so they neither report nor shadow a more
    /// general rule there). `None` when no rule is limited.
    fn skip_for_path(&self, origin: &Origin) -> Option<Vec<bool>> {
        let rules = self.scanner.rules();
        let path_rules = self.path_rules.get_or_init(|| {
            let mut base = vec![false; rules.len()];
            let (mut patterns, mut owner) = (Vec::new(), Vec::new());
            for (i, rule) in rules.iter().enumerate() {
                if rule.spec.paths.is_empty() {
                    continue;
                }
                base[i] = true;
                for p in &rule.spec.paths {
                    if regex::bytes::Regex::new(p).is_ok() {
                        patterns.push(p.clone());
                        owner.push(i);
                    }
                }
            }
            let set = regex::bytes::RegexSet::new(&patterns).ok();
            PathRules { set, owner, base }
        });
        if !path_rules.base.iter().any(|&b| b) {
            return None;
        }
        let mut skip = path_rules.base.clone();
        if let (Some(set), Some(path)) = (&path_rules.set, Self::rule_path(origin)) {
            for i in set.matches(path.as_bytes()).iter() {
                skip[path_rules.owner[i]] = false;
            }
        }
        Some(skip)
    }

    /// Drops candidates of rules whose `paths` the blob's path does not
    /// match (a blob without a path, such as standard input, matches none).
    fn keep_rules_for_path(&self, origin: &Origin, candidates: &mut Vec<Candidate>) {
        let rules = self.scanner.rules();
        if candidates.iter().all(|c| rules[c.rule].spec.paths.is_empty()) {
            return;
        }
        let path = Self::rule_path(origin);
        candidates.retain(|c| {
            let spec = &rules[c.rule].spec;
            if spec.paths.is_empty() {
                return true;
            }
            let re = self.rule_paths[c.rule].get_or_init(|| {
                let joined = spec
                    .paths
                    .iter()
                    .map(|p| format!("(?:{p})"))
                    .collect::<Vec<_>>()
                    .join("|");
                regex::bytes::Regex::new(&joined).ok()
            });
            match (re, &path) {
                (Some(re), Some(path)) => re.is_match(path.as_bytes()),
                _ => false,
            }
        });
    }

    /// Scans while noting `keyhound:allow` comments that suppressed nothing.
    fn scan_tracking_inline(&self, bytes: &[u8], origin: &Arc<Origin>) -> Vec<Candidate> {
        let markers: Vec<usize> = memchr::memmem::find_iter(bytes, INLINE_ALLOW).collect();
        if markers.is_empty() {
            return self.scanner.scan(bytes);
        }
        let explained = self.scanner.scan_explain(bytes);
        let used_lines: HashSet<usize> = explained
            .iter()
            .filter(|(_, v)| *v == Err(Rejection::InlineAllow))
            .map(|(c, _)| line_bounds(bytes, c.secret.start).0)
            .collect();
        let mut unused = Vec::new();
        for marker in markers {
            let start = line_bounds(bytes, marker).0;
            if !used_lines.contains(&start) {
                let line = memchr::memchr_iter(b'\n', &bytes[..marker]).count() + 1;
                unused.push(format!("{}:{line}", origin.display_path()));
            }
        }
        if !unused.is_empty() {
            self.unused_inline
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(unused);
        }
        explained
            .into_iter()
            .filter(|(_, v)| v.is_ok())
            .map(|(c, _)| c)
            .collect()
    }

    /// Reports one blob's findings, joined with what the source learnt of
    /// the blob's place since (see [`Provenance`]), after the policy
    /// (accepted fingerprints) has had its say; returns how many were
    /// reported.
    pub fn report(&self, findings: Vec<Finding>, provenance: &Provenance) -> usize {
        let mut findings: Vec<Finding> = findings.into_iter().map(|f| provenance.join(f)).collect();
        let before = findings.len();
        findings.retain(|f| {
            if self.policy.is_allowed(f) {
                return false;
            }
            let accepted = self.policy.is_accepted(&f.fingerprint);
            if accepted && self.track_allowances {
                self.used_accepts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(f.fingerprint.clone());
            }
            !accepted
        });
        self.accepted
            .fetch_add((before - findings.len()) as u64, Ordering::Relaxed);
        let n = findings.len();
        if n > 0 {
            self.findings.fetch_add(n as u64, Ordering::Relaxed);
            self.sink.blob_findings(findings);
        }
        n
    }

    /// Records a warning: counted by kind, kept for reports, passed to the
    /// hook.
    pub fn warn(&self, kind: WarningKind, path: Option<&str>, message: impl Display) {
        self.record_warning(Warning::new(kind, path, message));
    }

    fn record_warning(&self, warning: Warning) {
        self.warning_count.fetch_add(1, Ordering::Relaxed);
        if let Some(hook) = &self.on_warning {
            match &self.progress {
                Some(bar) => bar.suspend(|| hook(&warning)),
                None => hook(&warning),
            }
        }
        let mut kept = self.warnings.lock().unwrap_or_else(|e| e.into_inner());
        *kept.1.entry(warning.kind).or_insert(0) += 1;
        if kept.0.len() < MAX_KEPT_WARNINGS {
            kept.0.push(warning);
        }
    }

    /// Counts a file that was deliberately not scanned.
    pub fn skip(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }

    /// Totals so far.
    pub fn summary(&self) -> Summary {
        let elapsed = self.started.elapsed().as_secs_f64();
        let bytes = self.bytes.load(Ordering::Relaxed);
        let (warnings, warning_counts) = {
            let kept = self.warnings.lock().unwrap_or_else(|e| e.into_inner());
            let mut warnings = kept.0.clone();
            // Sources warn from many threads: sort, so the same input gives
            // the same report.
            warnings.sort_by(|a, b| (a.kind, &a.path, &a.message).cmp(&(b.kind, &b.path, &b.message)));
            (warnings, kept.1.clone())
        };
        Summary {
            files: self.files.load(Ordering::Relaxed),
            bytes,
            findings: self.findings.load(Ordering::Relaxed),
            accepted: self.accepted.load(Ordering::Relaxed),
            skipped: self.skipped.load(Ordering::Relaxed),
            warning_count: self.warning_count.load(Ordering::Relaxed),
            warning_counts,
            warnings,
            elapsed_secs: elapsed,
            mb_per_sec: if elapsed > 0.0 {
                bytes as f64 / 1e6 / elapsed
            } else {
                0.0
            },
            rules: self.scanner.rules().len(),
            interrupted: self.cancelled(),
        }
    }

    /// Ends the scan: clears the progress bar and lets the sink write.
    pub fn finish(&self) -> std::io::Result<Summary> {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
        let summary = self.summary();
        self.sink.finish(&summary)?;
        Ok(summary)
    }
}

impl Feed for ScanRun<'_> {
    fn scan_blob(&self, bytes: &[u8], origin: Arc<Origin>) -> usize {
        ScanRun::scan_blob(self, bytes, origin)
    }

    fn find(&self, bytes: &[u8], origin: Arc<Origin>) -> Vec<Finding> {
        ScanRun::find(self, bytes, origin)
    }

    fn scan_chunk(&self, bytes: &[u8], origin: &Arc<Origin>) -> Vec<Finding> {
        ScanRun::scan_chunk(self, bytes, origin)
    }

    fn count_stream_file(&self) {
        ScanRun::count_stream_file(self)
    }

    fn report(&self, findings: Vec<Finding>, provenance: &Provenance) -> usize {
        ScanRun::report(self, findings, provenance)
    }

    fn warning(&self, warning: Warning) {
        self.record_warning(warning)
    }

    fn skip(&self) {
        ScanRun::skip(self)
    }

    fn cancelled(&self) -> bool {
        ScanRun::cancelled(self)
    }

    fn is_excluded(&self, relative: &Path) -> bool {
        self.policy.is_excluded(relative)
    }

    fn phase(&self, name: &'static str, total: Option<u64>) {
        self.phase_done.store(0, Ordering::Relaxed);
        self.phase_total.store(total.unwrap_or(0), Ordering::Relaxed);
        if let Some(bar) = &self.progress {
            *self.phase_name.lock().unwrap_or_else(|e| e.into_inner()) = name;
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {msg} · {bytes} scanned ({bytes_per_sec}) {elapsed}")
            {
                bar.set_style(style);
            }
            bar.set_message(phase_line(name, 0, total));
        }
    }

    fn advance(&self, n: u64) {
        let done = self.phase_done.fetch_add(n, Ordering::Relaxed) + n;
        let Some(bar) = &self.progress else { return };
        let total = self.phase_total.load(Ordering::Relaxed);
        // The message is redrawn every 64 items and at the end, not per
        // item: the count comes from many threads in the hot loop.
        if (done - n) / 64 != done / 64 || done == total {
            let name = *self.phase_name.lock().unwrap_or_else(|e| e.into_inner());
            bar.set_message(phase_line(name, done, (total > 0).then_some(total)));
        }
    }
}

/// `scanning blobs 1200/40000` (no count while none is done and the total
/// is unknown), for the progress line: one message, so the line never
/// shows one phase's name with another's count.
fn phase_line(name: &str, done: u64, total: Option<u64>) -> String {
    match total {
        Some(total) => format!("{name} {done}/{total}"),
        None if done == 0 => name.to_string(),
        None => format!("{name} {done}"),
    }
}

/// Identifies a rule set and engine version, for caches of "scanned
/// clean" results (`keyhound git --cache`): a cache under another key is
/// never consulted.
pub fn ruleset_key(rules: &[Arc<Rule>]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    for rule in rules {
        hasher.update(serde_json::to_vec(&rule.spec).unwrap_or_default());
    }
    hasher.finalize()[..12].iter().map(|b| format!("{b:02x}")).collect()
}
