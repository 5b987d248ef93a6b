//! Revocation: from a findings file (keyhound's own JSON, JSONL or SARIF,
//! so a CI artefact can drive it) to a plan grouped by provider, and the
//! provider API calls that kill keys, each recorded in an append-only audit
//! log that holds fingerprints, never secrets.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use keyhound_findings::{redact, Secret};
use keyhound_findings::{Status, Verification};
use keyhound_rules::Rule;

use crate::check::{self, RevokeAnswer};
use crate::run::Verifier;
use crate::spec::{CompiledRevoke, RuleSpecs};
use keyhound_rules::verify_spec::RevokeKind;

/// Why a findings file or audit log could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// The file could not be read or written.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not keyhound JSON, JSONL or SARIF.
    #[error("{path}: not a keyhound findings file (JSON, JSONL or SARIF): {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
}

/// One finding read back from a report.
#[derive(Debug, Clone)]
pub struct Reported {
    /// Rule id.
    pub rule_id: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// The secret, when the report was written with `--show-secrets`.
    pub secret: Option<Secret>,
    /// The secret as the report showed it (redacted or not).
    pub shown: String,
    /// Where it was found.
    pub path: String,
    /// Commit author date (git reports), RFC 3339.
    pub date: Option<String>,
    /// Commit author.
    pub author: Option<String>,
    /// The verification status the report carried (`--verify`).
    pub status: Option<String>,
    /// When the secret left HEAD (the removing commit's date), for
    /// history findings of secrets no longer present.
    pub removed: Option<String>,
    /// Values found beside the secret that its verifier and revocation
    /// need (an org or workspace host), as a `--show-secrets` JSON report
    /// records them under `companions`.
    pub companions: BTreeMap<String, String>,
}

fn reported_from_view(v: &Value) -> Option<Reported> {
    let redacted = v.get("redacted").and_then(Value::as_bool).unwrap_or(true);
    let shown = v.get("secret").and_then(Value::as_str).unwrap_or("").to_string();
    let origin = v.get("origin");
    let field = |name: &str| {
        origin
            .and_then(|o| o.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Some(Reported {
        rule_id: v.get("rule_id")?.as_str()?.to_string(),
        fingerprint: v.get("fingerprint")?.as_str()?.to_string(),
        secret: (!redacted && !shown.is_empty()).then(|| Secret::new(shown.clone())),
        shown,
        path: v
            .get("path")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| field("path"))
            .unwrap_or_default(),
        date: field("date"),
        author: match (field("author"), field("email")) {
            (Some(a), Some(e)) => Some(format!("{a} <{e}>")),
            (a, _) => a,
        },
        status: v
            .pointer("/verification/status")
            .and_then(Value::as_str)
            .map(str::to_string),
        removed: v.pointer("/removed/date").and_then(Value::as_str).map(str::to_string),
        companions: v
            .get("companions")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .filter(|(k, _)| k != "secret")
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn reported_from_sarif(result: &Value) -> Option<Reported> {
    let props = result.get("properties")?;
    let mut view = serde_json::Map::new();
    view.insert("rule_id".into(), result.get("ruleId")?.clone());
    let fingerprint = result
        .pointer("/partialFingerprints/keyhound~1v1")
        .or_else(|| props.get("fingerprint"))?
        .clone();
    view.insert("fingerprint".into(), fingerprint);
    for key in ["secret", "redacted", "origin", "verification"] {
        if let Some(v) = props.get(key) {
            view.insert(key.into(), v.clone());
        }
    }
    if let Some(uri) = result
        .pointer("/locations/0/physicalLocation/artifactLocation/uri")
        .and_then(Value::as_str)
    {
        view.insert("path".into(), Value::String(uri.to_string()));
    }
    reported_from_view(&Value::Object(view))
}

/// Reads a findings file written by keyhound.
pub fn load_findings(path: &Path) -> Result<Vec<Reported>, RevokeError> {
    let text = std::fs::read_to_string(path).map_err(|source| RevokeError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format = |message: String| RevokeError::Format {
        path: path.to_path_buf(),
        message,
    };
    let items: Vec<Option<Reported>> = match serde_json::from_str::<Value>(&text) {
        Ok(doc) if doc.get("runs").is_some() => doc["runs"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|run| run["results"].as_array().cloned().unwrap_or_default())
            .map(|r| reported_from_sarif(&r))
            .collect(),
        Ok(doc) if doc.get("findings").is_some() => doc["findings"]
            .as_array()
            .ok_or_else(|| format("`findings` is not a list".into()))?
            .iter()
            .map(reported_from_view)
            .collect(),
        Ok(doc) if doc.get("fingerprint").is_some() => vec![reported_from_view(&doc)],
        Ok(_) => return Err(format("no `runs`, `findings` or finding lines".into())),
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str::<Value>(line)
                    .map_err(|e| format(format!("line {}: {e}", i + 1)))
                    .map(|v| reported_from_view(&v))
            })
            .collect::<Result<_, _>>()?,
    };
    let bad = items.iter().filter(|i| i.is_none()).count();
    if bad > 0 {
        return Err(format(format!("{bad} finding(s) lack a rule id or fingerprint")));
    }
    Ok(items.into_iter().flatten().collect())
}

/// One secret in the plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlanItem {
    /// Fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule_id: String,
    /// Rule name.
    pub name: String,
    /// Provider.
    pub provider: String,
    /// The secret, redacted.
    pub secret: String,
    /// Where it was found (distinct paths).
    pub locations: Vec<String>,
    /// What must get the new key after rotation, read from where the old
    /// one was found (`CI: .github/workflows/deploy.yml`, `Kubernetes:
    /// k8s/secret.yaml`): the runbook's "update these" list.
    pub consumers: Vec<String>,
    /// Earliest commit date among its locations (git reports).
    pub first_seen: Option<String>,
    /// Its author: the probable owner.
    pub owner: Option<String>,
    /// The window to audit in the provider's logs: first seen → now.
    pub exposure_days: Option<i64>,
    /// Where to revoke or rotate it by hand.
    pub revoke_url: Option<String>,
    /// How.
    pub steps: Option<String>,
    /// Whether the provider has a revocation API keyhound can call.
    pub api: bool,
    /// The revocation request as the rule writes it (`DELETE
    /// https://…/{{id}}`): secrets stay placeholders.
    pub request: Option<String>,
    /// The environment variable that must hold an administrator
    /// credential for the revocation.
    pub admin_env: Option<String>,
    /// Whether the report holds the full secret (`--show-secrets`), which
    /// an API revocation needs.
    pub secret_available: bool,
    /// Whether keyhound can check afterwards that the key is dead.
    pub verifiable: bool,
    /// Liveness as the report recorded it (`live`, `invalid`, `unknown`),
    /// when the scan ran with `--verify`: live keys come first.
    pub status: Option<String>,
    #[serde(skip)]
    secret_value: Option<Secret>,
    /// Values found beside the secret (see [`Reported::companions`]).
    #[serde(skip)]
    companions: BTreeMap<String, String>,
    #[serde(skip)]
    rule: Option<Arc<Rule>>,
}

impl PlanItem {
    /// Whether `--execute` will call the provider for this secret.
    pub fn executable(&self) -> bool {
        self.api && self.secret_available
    }
}

/// The kind of consumer a path belongs to, for the rotation runbook.
fn consumer_kind(path: &str) -> &'static str {
    let p = path.to_ascii_lowercase();
    let name = p.rsplit(['/', '!', ':']).next().unwrap_or(&p);
    if p.contains(".github/workflows/")
        || name == ".gitlab-ci.yml"
        || name == "jenkinsfile"
        || p.contains(".circleci/")
        || name == "bitbucket-pipelines.yml"
        || name == "azure-pipelines.yml"
        || p.contains(".buildkite/")
        || name == ".travis.yml"
    {
        "CI pipeline (move the value into the CI's secret store)"
    } else if name.starts_with("docker-compose") || name == "dockerfile" || name.ends_with(".dockerfile") {
        "container build or compose file"
    } else if p.contains("k8s/")
        || p.contains("kubernetes/")
        || p.contains("helm/")
        || name == "values.yaml"
        || p.contains("manifests/")
    {
        "Kubernetes manifest or Helm values (use a Secret from a secret manager)"
    } else if name.ends_with(".tf") || name.ends_with(".tfvars") || name.ends_with(".tfstate") {
        "Terraform (variables, state)"
    } else if name.starts_with(".env") || name.ends_with(".env") {
        "environment file of a service"
    } else if name.ends_with(".ipynb") {
        "notebook"
    } else if name.ends_with(".log") || p.starts_with("<stdin") {
        "log (purge or restrict it)"
    } else if p.contains("layer ") || p.contains("@sha256:") {
        "container image (rebuild and re-push it)"
    } else {
        "application code or configuration"
    }
}

/// Consumers to update, one line per kind with its paths.
fn consumers(locations: &[String]) -> Vec<String> {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in locations {
        by_kind.entry(consumer_kind(l)).or_default().push(l);
    }
    by_kind
        .into_iter()
        .map(|(kind, paths)| {
            let shown: Vec<&str> = paths.iter().take(5).copied().collect();
            let more = paths.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            format!("{kind}: {}{tail}", shown.join(", "))
        })
        .collect()
}

fn days_since(date: &str) -> Option<i64> {
    let then = keyhound_findings::time::parse_seconds(date)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    Some((now - then).max(0) / 86_400)
}

/// Groups reported findings by secret, attaching each rule's guidance.
pub fn plan(findings: &[Reported], rules: &[Arc<Rule>]) -> Vec<PlanItem> {
    let by_id: BTreeMap<&str, &Arc<Rule>> = rules.iter().map(|r| (r.id(), r)).collect();
    let specs = RuleSpecs::new(rules);
    let mut groups: BTreeMap<&str, Vec<&Reported>> = BTreeMap::new();
    for f in findings {
        groups.entry(&f.fingerprint).or_default().push(f);
    }
    let mut items: Vec<PlanItem> = groups
        .into_values()
        .map(|group| {
            let f = group[0];
            let rule = by_id.get(f.rule_id.as_str()).map(|r| Arc::clone(r));
            let spec = rule.as_ref().map(|r| &r.spec);
            let mut locations: Vec<String> = group.iter().map(|g| g.path.clone()).collect();
            locations.sort();
            locations.dedup();
            let earliest = group
                .iter()
                .filter_map(|g| g.date.as_ref().map(|d| (keyhound_findings::time::parse_seconds(d), g)))
                .min_by_key(|(t, _)| *t)
                .map(|(_, g)| *g);
            let secret_value = group.iter().find_map(|g| g.secret.clone());
            let revoker = rule.as_ref().and_then(|r| specs.revoker(r.id()).ok().flatten());
            PlanItem {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                name: spec.map_or_else(|| f.rule_id.clone(), |s| s.name.clone()),
                provider: spec
                    .and_then(|s| s.provider.clone())
                    .unwrap_or_else(|| "unknown provider".into()),
                secret: secret_value
                    .as_ref()
                    .map_or_else(|| f.shown.clone(), |s| redact(s.expose())),
                consumers: consumers(&locations),
                locations,
                first_seen: earliest.and_then(|g| g.date.clone()),
                owner: earliest.and_then(|g| g.author.clone()),
                exposure_days: earliest.and_then(|g| g.date.as_deref()).and_then(days_since),
                revoke_url: spec.and_then(|s| s.revoke.as_ref()).map(|r| r.url.clone()),
                steps: spec.and_then(|s| s.revoke.as_ref()).map(|r| r.steps.clone()),
                api: revoker.is_some(),
                request: revoker.map(
                    |r| match (&r.spec.request, crate::admin_revoke::describe(r.spec.kind)) {
                        (Some(q), _) => format!("{} {}", q.method, q.url),
                        (None, Some(calls)) => calls.to_string(),
                        (None, None) => {
                            "IAM UpdateAccessKey Status=Inactive, then DeleteAccessKey (https://iam.amazonaws.com/)"
                                .into()
                        }
                    },
                ),
                admin_env: revoker.and_then(|r| r.spec.admin_env.clone()),
                secret_available: secret_value.is_some(),
                verifiable: rule
                    .as_ref()
                    .is_some_and(|r| matches!(specs.verifier(r.id()), Ok(Some(_)))),
                status: group.iter().find_map(|g| g.status.clone()),
                secret_value,
                companions: group
                    .iter()
                    .map(|g| &g.companions)
                    .find(|c| !c.is_empty())
                    .cloned()
                    .unwrap_or_default(),
                rule,
            }
        })
        .collect();
    let not_live = |i: &PlanItem| i.status.as_deref() != Some("live");
    items.sort_by(|a, b| {
        (not_live(a), &a.provider, &a.rule_id, &a.fingerprint).cmp(&(
            not_live(b),
            &b.provider,
            &b.rule_id,
            &b.fingerprint,
        ))
    });
    items
}

/// What happened to one secret under `--execute`.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Fingerprint.
    pub fingerprint: String,
    /// `revoked` (provider accepted), `already dead` (revoked or expired
    /// before), `refused` (provider said no), `error` (no answer),
    /// `ambiguous` or `not found` (an admin API listed several or none of
    /// the organisation's keys with the leaked key's redacted form), or
    /// `skipped` (no API, no full secret, no admin credential).
    pub revocation: &'static str,
    /// HTTP status of the revocation call.
    pub http_status: Option<u16>,
    /// Details (errors, why skipped).
    pub detail: Option<String>,
    /// The re-check afterwards.
    pub after: Option<Verification>,
}

impl Outcome {
    /// `confirmed dead`, `STILL LIVE`, `unconfirmed` or `not revoked`.
    pub fn verdict(&self) -> &'static str {
        match (self.revocation, self.after.as_ref().map(|v| v.status)) {
            (_, Some(Status::Live)) => "STILL LIVE",
            ("revoked" | "already dead", Some(Status::Invalid)) => "confirmed dead",
            ("revoked", _) => "revoked, unconfirmed",
            ("already dead", _) => "already dead, unconfirmed",
            _ => "not revoked",
        }
    }
}

/// Fingerprints whose revocation `log` records as finished (a `result`
/// event whose verdict is not "not revoked" or "STILL LIVE"): what
/// `revoke --resume` skips. A missing log finishes nothing.
pub fn finished(log: &Path) -> Result<std::collections::BTreeSet<String>, RevokeError> {
    let text = match std::fs::read_to_string(log) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(source) => {
            return Err(RevokeError::Io {
                path: log.to_path_buf(),
                source,
            })
        }
    };
    let mut done = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let event: Value = serde_json::from_str(line).map_err(|e| RevokeError::Format {
            path: log.to_path_buf(),
            message: format!("audit log line {}: {e}", i + 1),
        })?;
        let field = |name: &str| event.get(name).and_then(Value::as_str);
        if field("action") != Some("result") {
            continue;
        }
        let (Some(fp), Some(verdict)) = (field("fingerprint"), field("verdict")) else {
            continue;
        };
        if matches!(verdict, "not revoked" | "STILL LIVE") {
            done.remove(fp);
        } else {
            done.insert(fp.to_string());
        }
    }
    Ok(done)
}

/// An append-only JSON-lines audit log.
pub struct AuditLog {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl AuditLog {
    /// Opens `path` for appending (`None`: no log).
    pub fn open(path: Option<&Path>) -> Result<AuditLog, RevokeError> {
        let file = match path {
            Some(p) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|source| RevokeError::Io {
                        path: p.to_path_buf(),
                        source,
                    })?,
            ),
            None => None,
        };
        Ok(AuditLog {
            path: path.map(Path::to_path_buf).unwrap_or_default(),
            file,
        })
    }

    /// Appends one event (a timestamp is added).
    pub fn record(&mut self, mut event: serde_json::Map<String, Value>) -> Result<(), RevokeError> {
        let Some(file) = self.file.as_mut() else { return Ok(()) };
        event.insert("time".into(), Value::String(keyhound_findings::time::now_rfc3339()));
        let mut line = serde_json::to_vec(&Value::Object(event)).unwrap_or_default();
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|()| file.flush())
            .map_err(|source| RevokeError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

fn event(item: &PlanItem, action: &str) -> serde_json::Map<String, Value> {
    let mut e = serde_json::Map::new();
    e.insert("action".into(), action.into());
    e.insert("fingerprint".into(), item.fingerprint.clone().into());
    e.insert("rule_id".into(), item.rule_id.clone().into());
    e.insert("provider".into(), item.provider.clone().into());
    e
}

/// Everything the revocation request needs beyond the secret: values cut
/// from it, fields of a fresh verification, the administrator credential.
/// `Ok(Err((outcome, detail)))` when the request cannot or need not be
/// sent (the key is already dead, the admin variable is unset).
#[allow(clippy::type_complexity)]
fn revocation_values(
    revoker: &CompiledRevoke,
    rule: &Rule,
    values: &BTreeMap<String, String>,
    verifier: &Verifier,
    log: &mut AuditLog,
    item: &PlanItem,
) -> Result<Result<BTreeMap<String, String>, (&'static str, String)>, RevokeError> {
    let mut full = values.clone();
    let secret = values.get("secret").map(String::as_str).unwrap_or("");
    if let Some(request) = &revoker.spec.request {
        let verify_needs = rule.spec.verify.as_ref().map(|v| &v.needs);
        let mut texts: Vec<&str> = vec![&request.url];
        texts.extend(request.headers.values().map(String::as_str));
        texts.extend(request.body.as_deref());
        for name in texts.into_iter().flat_map(crate::template::names) {
            if verify_needs.is_some_and(|n| n.contains_key(name)) && !values.contains_key(name) {
                return Ok(Err((
                    "skipped",
                    format!(
                        "revoking this key needs the {name} found beside it, which the report does not record (rescan with --show-secrets -f json)"
                    ),
                )));
            }
        }
    }
    for (name, regex) in &revoker.derive {
        let Some(caps) = regex.captures(secret) else {
            return Ok(Err(("error", format!("the secret has no {name} part"))));
        };
        let value = caps.name("value").or_else(|| caps.get(1)).or_else(|| caps.get(0));
        full.insert(name.clone(), value.map_or("", |m| m.as_str()).to_string());
    }
    if let Some(env) = &revoker.spec.admin_env {
        match std::env::var(env) {
            Ok(admin) if !admin.is_empty() => {
                full.insert("admin".into(), admin);
            }
            _ => {
                return Ok(Err((
                    "skipped",
                    format!("revoking this key needs an administrator credential in ${env}"),
                )))
            }
        }
    }
    if !revoker.spec.from_verify.is_empty() {
        let before = verifier.verify_now(rule, values);
        let mut e = event(item, "verify");
        e.insert("status".into(), before.status.as_str().into());
        e.insert("purpose".into(), "revocation needs the key's account details".into());
        log.record(e)?;
        match before.status {
            Status::Live => {}
            Status::Invalid => return Ok(Err(("already dead", "the provider no longer accepts the key".into()))),
            Status::Unknown => {
                return Ok(Err((
                    "error",
                    format!(
                        "could not read the key's details before revoking: {}",
                        before.reason.unwrap_or_default()
                    ),
                )))
            }
        }
        for field in &revoker.spec.from_verify {
            match before.account.get(field) {
                Some(v) => {
                    full.insert(field.clone(), v.clone());
                }
                None => return Ok(Err(("error", format!("the provider's answer has no {field}")))),
            }
        }
    }
    Ok(Ok(full))
}

/// What some revocations need beyond the plan: the user's own AWS
/// credentials, or leave to use the leaked AWS pair itself.
#[derive(Debug, Clone, Default)]
pub struct RevokeContext {
    /// The user's AWS credentials (`id`, `secret`, optional `session`).
    pub aws: Option<BTreeMap<String, String>>,
    /// `--use-leaked-key`: sign the AWS calls with the leaked pair.
    pub use_leaked_key: bool,
    /// Leaked AWS secret access keys by access key id (found together).
    pub leaked_pairs: BTreeMap<String, String>,
}

/// Revokes one secret through its provider's API, re-verifies it, and
/// records both steps in `log`.
pub fn execute(
    item: &PlanItem,
    verifier: &Verifier,
    log: &mut AuditLog,
    context: &RevokeContext,
) -> Result<Outcome, RevokeError> {
    let mut outcome = Outcome {
        fingerprint: item.fingerprint.clone(),
        revocation: "skipped",
        http_status: None,
        detail: None,
        after: None,
    };
    let (Some(rule), Some(secret)) = (&item.rule, &item.secret_value) else {
        outcome.detail = Some(if item.secret_available {
            "unknown rule".into()
        } else {
            "the report holds only the redacted secret (rescan with --show-secrets)".into()
        });
        let mut e = event(item, "revoke");
        e.insert("outcome".into(), "skipped".into());
        e.insert("detail".into(), outcome.detail.clone().into());
        log.record(e)?;
        return Ok(outcome);
    };
    let mut values = item.companions.clone();
    values.insert("secret".to_string(), secret.expose().to_string());
    match verifier.specs().revoker(rule.id()) {
        Ok(Some(revoker)) if revoker.spec.kind == RevokeKind::AwsIam => {
            let creds = if context.use_leaked_key {
                context.leaked_pairs.get(secret.expose()).map(|leaked| {
                    BTreeMap::from([
                        ("id".to_string(), secret.expose().to_string()),
                        ("secret".to_string(), leaked.clone()),
                    ])
                })
            } else {
                context.aws.clone()
            };
            match creds {
                None if context.use_leaked_key => {
                    outcome.detail = Some("no secret access key was found beside this key id".into());
                }
                None => {
                    outcome.detail = Some(
                        "revoking an AWS key needs your own credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --aws-profile), or --use-leaked-key".into(),
                    );
                }
                Some(creds) => {
                    match crate::aws_revoke::revoke(verifier.client(), secret.expose(), &creds, context.use_leaked_key)
                    {
                        Ok(r) => {
                            outcome.revocation = match r.answer {
                                RevokeAnswer::Revoked => "revoked",
                                RevokeAnswer::Gone => "already dead",
                                RevokeAnswer::Refused => "refused",
                            };
                            outcome.http_status = Some(r.status);
                            outcome.detail = Some(r.detail);
                            outcome.after = r.after;
                        }
                        Err(e) => {
                            outcome.revocation = "error";
                            outcome.detail = Some(e.to_string());
                        }
                    }
                }
            }
        }
        Ok(Some(revoker)) if matches!(revoker.spec.kind, RevokeKind::OpenaiAdmin | RevokeKind::AnthropicAdmin) => {
            let env = revoker.spec.admin_env.as_deref().unwrap_or_default();
            match std::env::var(env) {
                Ok(admin) if !admin.trim().is_empty() => {
                    match crate::admin_revoke::revoke(
                        verifier.client(),
                        revoker.spec.kind,
                        secret.expose(),
                        admin.trim(),
                    ) {
                        Ok(r) => {
                            outcome.revocation = r.answer.outcome();
                            outcome.http_status = r.status;
                            outcome.detail = Some(r.detail);
                        }
                        Err(e) => {
                            outcome.revocation = "error";
                            outcome.detail = Some(e.to_string());
                        }
                    }
                }
                _ => {
                    outcome.detail = Some(format!(
                        "revoking this key needs the organisation's admin key in ${env}; nothing was sent to the admin API"
                    ));
                }
            }
        }
        Ok(Some(revoker)) => match revocation_values(revoker, rule, &values, verifier, log, item)? {
            Ok(full) => match check::revoke(verifier.client(), revoker, &full) {
                Ok((answer, status)) => {
                    outcome.revocation = match answer {
                        RevokeAnswer::Revoked => "revoked",
                        RevokeAnswer::Gone => "already dead",
                        RevokeAnswer::Refused => "refused",
                    };
                    outcome.http_status = Some(status);
                }
                Err(e) => {
                    outcome.revocation = "error";
                    outcome.detail = Some(e.to_string());
                }
            },
            Err((revocation, detail)) => {
                outcome.revocation = revocation;
                outcome.detail = Some(detail);
            }
        },
        _ => outcome.detail = Some("the provider has no revocation API: follow the manual steps".into()),
    }
    let mut e = event(item, "revoke");
    e.insert("outcome".into(), outcome.revocation.into());
    if let Some(s) = outcome.http_status {
        e.insert("http_status".into(), s.into());
    }
    if let Some(d) = &outcome.detail {
        e.insert("detail".into(), d.clone().into());
    }
    log.record(e)?;
    if let Some(after) = &outcome.after {
        let mut e = event(item, "verify");
        e.insert("status".into(), after.status.as_str().into());
        if let Some(r) = &after.reason {
            e.insert("reason".into(), r.clone().into());
        }
        log.record(e)?;
    } else if item.verifiable {
        let after = verifier.verify_now(rule, &values);
        let mut e = event(item, "verify");
        e.insert("status".into(), after.status.as_str().into());
        if let Some(r) = &after.reason {
            e.insert("reason".into(), r.clone().into());
        }
        log.record(e)?;
        outcome.after = Some(after);
    }
    let mut e = event(item, "result");
    e.insert("verdict".into(), outcome.verdict().into());
    log.record(e)?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumers_are_named_by_where_the_key_was_found() {
        let locations = [
            ".github/workflows/deploy.yml",
            "k8s/secret.yaml",
            "infra/main.tf",
            "services/api/.env",
            "src/settings.py",
        ]
        .map(String::from);
        let got = consumers(&locations);
        assert_eq!(got.len(), 5, "{got:?}");
        assert!(got
            .iter()
            .any(|c| c.starts_with("CI pipeline") && c.ends_with(".github/workflows/deploy.yml")));
        assert!(got
            .iter()
            .any(|c| c.starts_with("Kubernetes") && c.contains("k8s/secret.yaml")));
        assert!(got.iter().any(|c| c.starts_with("Terraform")));
        assert!(got.iter().any(|c| c.starts_with("environment file")));
        assert!(got
            .iter()
            .any(|c| c.starts_with("application code") && c.contains("src/settings.py")));
        let many: Vec<String> = (0..8).map(|i| format!("src/m{i}.py")).collect();
        assert!(consumers(&many)[0].ends_with("(+3 more)"));
    }
}
