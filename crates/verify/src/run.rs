//! Verifying a run's secrets: one request per unique secret (and companion
//! values), answers from the cache where fresh, the rest on a bounded pool
//! of worker threads sharing one rate-limited client.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use keyhound_findings::Verification;
use keyhound_rules::Rule;

use crate::cache::VerifyCache;
use crate::check;
use crate::http::{Client, HttpOptions};
use crate::spec::RuleSpecs;

/// How verification runs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// HTTP client settings (timeout, rate, retries, overrides).
    pub http: HttpOptions,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// `--verify-cache FILE`.
    pub cache: Option<PathBuf>,
    /// How long a cached answer stays good.
    pub cache_ttl: Duration,
    /// Map what each live key can do (`--access`).
    pub access: bool,
    /// Log in to databases and caches named in connection strings
    /// (`--verify-network-services`).
    pub network_services: bool,
    /// PEM certificates of the user's own CA, trusted besides the web's
    /// roots by service verifiers that speak TLS (`--verify-ca-file`).
    pub service_ca: Option<Vec<u8>>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            http: HttpOptions::default(),
            concurrency: 8,
            cache: None,
            cache_ttl: Duration::from_secs(24 * 3600),
            access: false,
            network_services: false,
            service_ca: None,
        }
    }
}

/// One secret to verify.
#[derive(Debug, Clone)]
pub struct Job {
    /// Identity of the request: see [`job_key`].
    pub key: String,
    /// The rule whose verifier applies.
    pub rule: Arc<Rule>,
    /// `secret` and every other named value.
    pub values: BTreeMap<String, String>,
}

/// A verification's identity: the fingerprint, plus a hash of the companion
/// values when there are any (the same secret beside two different key ids
/// is two questions).
pub fn job_key(fingerprint: &str, companions: &BTreeMap<String, String>) -> String {
    if companions.is_empty() {
        return fingerprint.to_string();
    }
    let mut h = Sha256::new();
    for (k, v) in companions {
        h.update(k.as_bytes());
        h.update([0]);
        h.update(v.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let tail: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{fingerprint}+{tail}")
}

/// The verifier of a run.
pub struct Verifier {
    client: Client,
    specs: Arc<RuleSpecs>,
    concurrency: usize,
    cache: Option<Mutex<VerifyCache>>,
    access: bool,
    network_services: bool,
    timeout: Duration,
    service_tls: Arc<rustls::ClientConfig>,
    progress: Option<ProgressHook>,
}

/// Called after each secret is asked about, with the counts so far.
pub type ProgressHook = Box<dyn Fn(&VerifyProgress) + Send + Sync>;

/// How far a verification pass is, per provider: what a progress line
/// shows while hundreds of keys are asked about at a few per second.
#[derive(Debug, Clone, Default)]
pub struct VerifyProgress {
    /// Secrets asked about so far.
    pub done: usize,
    /// Secrets to ask about.
    pub total: usize,
    /// (done, total) by provider.
    pub providers: BTreeMap<String, (usize, usize)>,
}

impl VerifyProgress {
    fn count(&mut self, rule: &Rule, done: bool) {
        let provider = rule.spec.provider.clone().unwrap_or_else(|| rule.id().to_string());
        let entry = self.providers.entry(provider).or_default();
        if done {
            self.done += 1;
            entry.0 += 1;
        } else {
            self.total += 1;
            entry.1 += 1;
        }
    }

    /// `120/200 · GitHub 100/150 · Slack 20/50` (the busiest providers first).
    pub fn line(&self) -> String {
        let mut providers: Vec<(&String, &(usize, usize))> = self.providers.iter().collect();
        providers.sort_by_key(|(name, (_, total))| (std::cmp::Reverse(*total), *name));
        let mut line = format!("{}/{}", self.done, self.total);
        for (name, (done, total)) in providers.into_iter().take(4) {
            line.push_str(&format!(" · {name} {done}/{total}"));
        }
        line
    }
}

impl Verifier {
    /// Sets up the client for `rules` and loads the cache; returns warnings
    /// to show.
    pub fn new(options: &VerifyOptions, rules: &[Arc<Rule>]) -> (Verifier, Vec<String>) {
        let mut warnings = Vec::new();
        let cache = options.cache.as_ref().map(|path| {
            let (cache, warning) = VerifyCache::open(path, options.cache_ttl);
            warnings.extend(warning);
            Mutex::new(cache)
        });
        let service_tls = crate::services::tls_config(options.service_ca.as_deref()).unwrap_or_else(|e| {
            warnings.push(format!("{e}; service verifiers trust only the web's roots"));
            crate::services::tls_config(None).expect("the built-in roots make a TLS configuration")
        });
        let verifier = Verifier {
            client: Client::new(options.http.clone()),
            specs: Arc::new(RuleSpecs::new(rules)),
            concurrency: options.concurrency.max(1),
            cache,
            access: options.access,
            network_services: options.network_services,
            timeout: options.http.timeout,
            service_tls,
            progress: None,
        };
        (verifier, warnings)
    }

    /// Reports progress to `hook` after each secret (a terminal progress
    /// line in the binary).
    pub fn with_progress(mut self, hook: ProgressHook) -> Verifier {
        self.progress = Some(hook);
        self
    }

    /// The HTTP client (revocation shares it, and its safety rules).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The rules' verifiers and revocation APIs, compiled on first use;
    /// shared with the scan, which gathers the values they need, so each
    /// is compiled once per run.
    pub fn specs(&self) -> &Arc<RuleSpecs> {
        &self.specs
    }

    /// Verifies one secret now, bypassing the cache (re-checks after a
    /// revocation must ask the provider).
    pub fn verify_now(&self, rule: &Rule, values: &BTreeMap<String, String>) -> Verification {
        match self.specs.verifier(rule.id()) {
            Ok(Some(v)) if v.spec.kind.is_service() => {
                if !self.network_services {
                    Verification::unknown(
                        "a network service: pass --verify-network-services to log in to it",
                        None,
                    )
                } else if !self.client.reserve() {
                    Verification::unknown("the run's request budget (--verify-max-requests) is spent", None)
                } else {
                    crate::services::verify(v.spec.kind, values, self.timeout, &self.service_tls)
                }
            }
            Ok(Some(v)) if !v.applies_to(values.get("secret").map_or("", String::as_str)) => {
                Verification::unknown("the rule's verifier does not apply to this form of key", None)
            }
            Ok(Some(v)) => check::verify(&self.client, v, values),
            Ok(None) if self.offline_access(rule) => Verification::unknown(
                "not asked of the provider: the rule has no verifier; under --access its map is read from the key itself",
                None,
            ),
            Ok(None) => Verification::unknown("the rule has no verifier", None),
            Err(e) => Verification::unknown(format!("invalid verifier: {e}"), None),
        }
    }

    /// Whether `rule`'s access map reads the key itself and sends nothing
    /// (PyPI's macaroons).
    fn offline_access(&self, rule: &Rule) -> bool {
        matches!(self.specs.access(rule.id()), Ok(Some(a)) if a.spec.flow.is_offline())
    }

    /// Whether this run would ask about a secret of `rule` (it has a
    /// verifier, and a service verifier only under
    /// `--verify-network-services`), or, under `--access`, read its access
    /// from the key itself (a rule without a verifier whose map is offline).
    pub fn attempts(&self, rule: &Rule) -> bool {
        match self.specs.verifier(rule.id()) {
            Ok(Some(v)) => self.network_services || !v.spec.kind.is_service(),
            Ok(None) => self.access && self.offline_access(rule),
            Err(_) => false,
        }
    }

    /// Whether this run maps access (`--access`).
    pub fn maps_access(&self) -> bool {
        self.access
    }

    /// Adds the access map to a live verification that lacks one, when
    /// the rule has an access spec; returns whether it added one.
    /// Offline maps (read from the key, nothing sent) are added to any
    /// answer but an invalid one; a key that cannot be read gets none.
    pub fn map_now(&self, rule: &Rule, values: &BTreeMap<String, String>, verification: &mut Verification) -> bool {
        if let Ok(Some(access)) = self.specs.access(rule.id()) {
            if access.spec.flow.is_offline() {
                if verification.status == keyhound_findings::Status::Invalid || verification.access.is_some() {
                    return false;
                }
                verification.access = crate::access::map_offline(access, values);
                return verification.access.is_some();
            }
        }
        if verification.status != keyhound_findings::Status::Live || verification.access.is_some() {
            return false;
        }
        let map = match self.specs.access(rule.id()) {
            Ok(Some(access)) => crate::access::map_access(&self.client, access, values, verification),
            Ok(None) => return false,
            Err(e) => keyhound_findings::AccessMap::unknown(format!("invalid access spec: {e}")),
        };
        verification.access = Some(map);
        true
    }

    /// Verifies every job once (jobs sharing a key are asked once), using
    /// the cache where it is fresh, and maps the access of live keys under
    /// `--access` (a cached live answer without a map gets one). Returns
    /// outcomes by key.
    pub fn verify_all(&self, jobs: Vec<Job>) -> HashMap<String, Verification> {
        let mut results = HashMap::new();
        let mut queue = VecDeque::new();
        let mut seen = std::collections::HashSet::new();
        for job in jobs {
            if !seen.insert(job.key.clone()) {
                continue;
            }
            let cached = self
                .cache
                .as_ref()
                .and_then(|c| c.lock().unwrap_or_else(|e| e.into_inner()).get(&job.key));
            match cached {
                Some(v) if self.needs_map(&job.rule, &v) => queue.push_back((job, Some(v))),
                Some(v) => {
                    results.insert(job.key, v);
                }
                None => queue.push_back((job, None)),
            }
        }
        // Each host has its own rate (--verify-rate): taking the jobs one
        // provider at a time would park every worker on one host's slots.
        let queue: VecDeque<(Job, Option<Verification>)> =
            interleave(queue.into_iter().collect(), |(job, _)| provider_of(&job.rule)).into();
        let workers = self.concurrency.min(queue.len());
        let mut tally = VerifyProgress::default();
        for (job, _) in &queue {
            tally.count(&job.rule, false);
        }
        let tally = Mutex::new(tally);
        let queue = Mutex::new(queue);
        let done = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some((job, cached)) = next else { break };
                    let mut outcome = cached.unwrap_or_else(|| self.verify_now(&job.rule, &job.values));
                    if self.access {
                        self.map_now(&job.rule, &job.values, &mut outcome);
                    }
                    if let Some(report) = &self.progress {
                        let mut t = tally.lock().unwrap_or_else(|e| e.into_inner());
                        t.count(&job.rule, true);
                        report(&t);
                    }
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((job.key, outcome));
                });
            }
        });
        for (key, outcome) in done.into_inner().unwrap_or_else(|e| e.into_inner()) {
            if let Some(cache) = &self.cache {
                cache.lock().unwrap_or_else(|e| e.into_inner()).put(&key, &outcome);
            }
            results.insert(key, outcome);
        }
        results
    }

    /// Whether a cached answer still needs its access map.
    fn needs_map(&self, rule: &Rule, v: &Verification) -> bool {
        self.access
            && v.access.is_none()
            && match self.specs.access(rule.id()) {
                Ok(Some(a)) if a.spec.flow.is_offline() => v.status != keyhound_findings::Status::Invalid,
                Ok(Some(_)) => v.status == keyhound_findings::Status::Live,
                _ => false,
            }
    }

    /// Writes the cache back, if there is one.
    pub fn save_cache(&self) -> std::io::Result<()> {
        match &self.cache {
            Some(c) => c.lock().unwrap_or_else(|e| e.into_inner()).save(),
            None => Ok(()),
        }
    }
}

/// The provider a rule's requests go to (its id when it names none).
fn provider_of(rule: &Rule) -> String {
    rule.spec.provider.clone().unwrap_or_else(|| rule.id().to_string())
}

/// `items` in round-robin order of `key` (first one of each key, then the
/// second of each, …), each key's items in their original order.
fn interleave<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut groups: Vec<(String, VecDeque<T>)> = Vec::new();
    for item in items {
        let k = key(&item);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, list)) => list.push_back(item),
            None => groups.push((k, VecDeque::from([item]))),
        }
    }
    let mut out = Vec::new();
    while groups.iter().any(|(_, list)| !list.is_empty()) {
        for (_, list) in &mut groups {
            out.extend(list.pop_front());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_alternate_between_providers_so_no_host_holds_every_worker() {
        let items = vec!["gh1", "gh2", "gh3", "sl1", "ok1", "sl2"];
        let got = interleave(items, |s| s[..2].to_string());
        assert_eq!(got, ["gh1", "sl1", "ok1", "gh2", "sl2", "gh3"]);
    }

    #[test]
    fn progress_lines_put_the_busiest_providers_first() {
        let p = VerifyProgress {
            done: 3,
            total: 7,
            providers: BTreeMap::from([("Slack".to_string(), (1, 2)), ("GitHub".to_string(), (2, 5))]),
        };
        assert_eq!(p.line(), "3/7 · GitHub 2/5 · Slack 1/2");
    }
}
