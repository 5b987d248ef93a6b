//! Compiling a rule's verifier and revocation API (plain data in the rules
//! crate) into what the verifier runs: matchers with their regexes, the
//! `needs` searches, the request checked against the safety rules. Each is
//! compiled on first use and once per run ([`RuleSpecs`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use keyhound_rules::verify_spec::{Matcher, RequestSpec, RevokeApi, RevokeKind, VerifyKind, VerifySpec};
use keyhound_rules::Rule;

use keyhound_findings::AccessLevel;
use keyhound_rules::access_spec::{AccessFlow, AccessRule, AccessSpec};

/// Most pages any access-map listing may follow.
pub(crate) const MAX_PAGES: u32 = 10;

/// Why a verifier or revocation spec was refused.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The method could change something at the provider.
    #[error("method {method} is not one of {allowed}")]
    Method {
        /// The method as written.
        method: String,
        /// The methods allowed here.
        allowed: String,
    },
    /// A secret only ever travels over https.
    #[error("url {0:?} must start with https://")]
    NotHttps(String),
    /// A templated host must be pinned by host patterns.
    #[error("a templated host needs `hosts` patterns")]
    UnpinnedHost,
    /// The URL names no host (or hides one behind user info).
    #[error("url {0:?} has no plain host")]
    NoHost(String),
    /// A template names neither a pattern group nor a `needs` value.
    #[error("template {{{{{name}}}}} names nothing (known: {known})")]
    UnknownName {
        /// The name.
        name: String,
        /// The names that exist.
        known: String,
    },
    /// An `account` selector is of no known form.
    #[error("account field {name}: selector {selector:?} must be a JSON pointer (/a/b), header:NAME or xml:TAG")]
    AccountSelector {
        /// The field.
        name: String,
        /// The selector as written.
        selector: String,
    },
    /// An http verifier without its request.
    #[error("an http verifier needs [rules.verify.request]")]
    MissingRequest,
    /// `aws-sts` signs its own request.
    #[error("aws-sts builds its own request; drop the request")]
    AwsRequest,
    /// `aws-sts` needs the access key id beside the secret.
    #[error("aws-sts needs [rules.verify.needs.id] (the access key id)")]
    AwsWithoutId,
    /// A built-in verifier (`aws-sts`, `gcp-service-account`) was given
    /// a request or lacks a value it needs.
    #[error("{0}")]
    BuiltIn(String),
    /// Nothing would ever mean live.
    #[error("a verifier needs at least one `live` matcher")]
    NoLive,
    /// Nothing would ever mean revoked.
    #[error("a revocation API needs at least one `revoked` matcher")]
    NoRevoked,
    /// `from_verify` names a field the rule's verifier does not record.
    #[error("from_verify: {0:?} is not an account field of the rule's verifier")]
    FromVerify(String),
    /// A service verifier is malformed.
    #[error("service verifier: {0}")]
    Service(String),
    /// A revocation request's templated host may reach a host its rule's
    /// verifier would not send the key to.
    #[error("revocation host pattern {0:?} is not one of the verifier's hosts: a revocation never sends the key further than verification does")]
    RevokeHost(String),
    /// An access table is malformed.
    #[error("access: {0}")]
    Access(String),
    /// `admin_env` is not an environment variable name.
    #[error("admin_env: {0:?} is not an environment variable name")]
    AdminEnv(String),
    /// A matcher's statuses are not HTTP statuses.
    #[error("{what}: statuses must be HTTP statuses, got {statuses:?}")]
    Status {
        /// Which matcher list.
        what: String,
        /// The statuses as written.
        statuses: Vec<u16>,
    },
    /// A regex does not compile.
    #[error("{what}: bad regex {pattern:?}")]
    Regex {
        /// Where it is (`live`, `needs.id`, `when`).
        what: String,
        /// The regex as written.
        pattern: String,
        /// The compiler's error.
        #[source]
        source: regex::Error,
    },
}

/// Methods a verifier may use: none of them changes anything at a
/// well-behaved provider (POST only for RPC-style "who am I" calls).
pub(crate) const VERIFY_METHODS: &[&str] = &["GET", "HEAD", "POST"];
/// Methods a revocation may use.
const REVOKE_METHODS: &[&str] = &["GET", "POST", "DELETE"];

/// A matcher with its body regex compiled.
#[derive(Debug, Clone)]
pub struct CompiledMatcher {
    /// Statuses.
    pub status: Vec<u16>,
    /// Body regex.
    pub body: Option<regex::Regex>,
}

impl CompiledMatcher {
    /// Whether an answer fits.
    pub fn matches(&self, status: u16, body: &str) -> bool {
        self.status.contains(&status) && self.body.as_ref().is_none_or(|re| re.is_match(body))
    }
}

/// A `needs` entry ready to search.
#[derive(Debug, Clone)]
pub struct CompiledNeed {
    /// Template name.
    pub name: String,
    /// The regex.
    pub regex: regex::bytes::Regex,
    /// Bytes searched before and after the secret.
    pub window: usize,
}

/// A verify table checked and compiled once per run.
#[derive(Debug, Clone)]
pub struct CompiledVerify {
    /// The table as written.
    pub spec: VerifySpec,
    /// `live` matchers.
    pub live: Vec<CompiledMatcher>,
    /// `invalid` matchers.
    pub invalid: Vec<CompiledMatcher>,
    /// `needs` searches.
    pub needs: Vec<CompiledNeed>,
    /// The `when` regex.
    pub when: Option<regex::Regex>,
}

impl CompiledVerify {
    /// Whether this verifier applies to `secret`.
    pub fn applies_to(&self, secret: &str) -> bool {
        self.when.as_ref().is_none_or(|re| re.is_match(secret))
    }
}

/// A revocation API checked and compiled.
#[derive(Debug, Clone)]
pub struct CompiledRevoke {
    /// The table as written.
    pub spec: RevokeApi,
    /// `revoked` matchers.
    pub revoked: Vec<CompiledMatcher>,
    /// `gone` matchers (already dead).
    pub gone: Vec<CompiledMatcher>,
    /// `derive` regexes by value name.
    pub derive: Vec<(String, regex::Regex)>,
}

fn compile_matchers(list: &[Matcher], what: &str) -> Result<Vec<CompiledMatcher>, SpecError> {
    list.iter()
        .map(|m| {
            if m.status.is_empty() || m.status.iter().any(|s| !(100..600).contains(s)) {
                return Err(SpecError::Status {
                    what: what.to_string(),
                    statuses: m.status.clone(),
                });
            }
            let body = match &m.body {
                Some(p) => Some(regex::Regex::new(p).map_err(|source| SpecError::Regex {
                    what: format!("{what} body"),
                    pattern: p.clone(),
                    source,
                })?),
                None => None,
            };
            Ok(CompiledMatcher {
                status: m.status.clone(),
                body,
            })
        })
        .collect()
}

/// Checks a request: method, https URL, hosts, known template names.
pub(crate) fn check_request(request: &RequestSpec, methods: &[&str], names: &[String]) -> Result<(), SpecError> {
    if !methods.contains(&request.method.as_str()) {
        return Err(SpecError::Method {
            method: request.method.clone(),
            allowed: methods.join(", "),
        });
    }
    let Some(rest) = request.url.strip_prefix("https://") else {
        return Err(SpecError::NotHttps(request.url.clone()));
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if authority.contains("{{") {
        if request.hosts.is_empty() {
            return Err(SpecError::UnpinnedHost);
        }
    } else if authority.is_empty() || authority.contains('@') {
        return Err(SpecError::NoHost(request.url.clone()));
    }
    let mut texts: Vec<&str> = vec![&request.url];
    texts.extend(request.headers.values().map(String::as_str));
    texts.extend(request.body.as_deref());
    if let Some(b) = &request.basic {
        texts.push(&b.username);
        texts.push(&b.password);
    }
    for text in texts {
        for name in super::template::names(text) {
            if !names.iter().any(|n| n == name) {
                return Err(SpecError::UnknownName {
                    name: name.to_string(),
                    known: names.join(", "),
                });
            }
        }
    }
    Ok(())
}

fn check_account(account: &BTreeMap<String, String>) -> Result<(), SpecError> {
    for (name, selector) in account {
        if !(selector.starts_with('/') || selector.starts_with("header:") || selector.starts_with("xml:")) {
            return Err(SpecError::AccountSelector {
                name: name.clone(),
                selector: selector.clone(),
            });
        }
    }
    Ok(())
}

/// Validates a verify table against its rule's pattern groups and
/// compiles its regexes.
pub fn compile_verify(spec: &VerifySpec, pattern_groups: &[String]) -> Result<CompiledVerify, SpecError> {
    let mut names: Vec<String> = pattern_groups.to_vec();
    names.extend(spec.needs.keys().cloned());
    match (spec.kind, &spec.request) {
        (VerifyKind::Http, None) => return Err(SpecError::MissingRequest),
        (VerifyKind::Http, Some(request)) => check_request(request, VERIFY_METHODS, &names)?,
        (VerifyKind::AwsSts, Some(_)) => return Err(SpecError::AwsRequest),
        (VerifyKind::AwsSts, None) if !spec.needs.contains_key("id") => return Err(SpecError::AwsWithoutId),
        (VerifyKind::AwsSts, None) => {}
        (VerifyKind::GcpServiceAccount, Some(_)) => {
            return Err(SpecError::BuiltIn(
                "gcp-service-account builds its own request; drop the request".into(),
            ))
        }
        (VerifyKind::GcpServiceAccount, None) if !spec.needs.contains_key("client_email") => {
            return Err(SpecError::BuiltIn(
                "gcp-service-account needs [rules.verify.needs.client_email]".into(),
            ))
        }
        (VerifyKind::GcpServiceAccount, None) => {}
        (VerifyKind::AzureSharedKey, Some(_)) => {
            return Err(SpecError::BuiltIn(
                "azure-shared-key builds its own request; drop the request".into(),
            ))
        }
        (VerifyKind::AzureSharedKey, None) if !names.iter().any(|n| n == "account") => {
            return Err(SpecError::BuiltIn(
                "azure-shared-key needs an `account` group in the pattern".into(),
            ))
        }
        (VerifyKind::AzureSharedKey, None) => {}
        (kind, Some(_)) if kind.is_service() => return Err(SpecError::Service("drop the request".into())),
        (_, _) => {
            if !names.iter().any(|n| n == "host") {
                return Err(SpecError::Service("the pattern needs a `host` group".into()));
            }
        }
    }
    if spec.live.is_empty() && !spec.kind.is_service() {
        return Err(SpecError::NoLive);
    }
    check_account(&spec.account)?;
    let needs = spec
        .needs
        .iter()
        .map(|(name, need)| {
            let regex = keyhound_rules::compile(&need.pattern).map_err(|source| SpecError::Regex {
                what: format!("needs.{name}"),
                pattern: need.pattern.clone(),
                source,
            })?;
            Ok(CompiledNeed {
                name: name.clone(),
                regex,
                window: need.window.unwrap_or(1024),
            })
        })
        .collect::<Result<Vec<_>, SpecError>>()?;
    let when = match &spec.when {
        Some(p) => Some(regex::Regex::new(p).map_err(|source| SpecError::Regex {
            what: "when".into(),
            pattern: p.clone(),
            source,
        })?),
        None => None,
    };
    Ok(CompiledVerify {
        when,
        spec: spec.clone(),
        live: compile_matchers(&spec.live, "live")?,
        invalid: compile_matchers(&spec.invalid, "invalid")?,
        needs,
    })
}

/// What a revocation API may use of its rule's verifier: the values the
/// verifier finds beside the key (`needs`: an org or workspace host), the
/// fields it records about a live key (`from_verify`), and the host
/// patterns it sends the key to.
#[derive(Debug, Clone, Default)]
pub struct RevokeBase {
    /// The verifier's `needs` names.
    pub needs: Vec<String>,
    /// The verifier's account fields (what `from_verify` may name).
    pub account_fields: Vec<String>,
    /// The verifier request's `hosts` patterns.
    pub hosts: Vec<String>,
}

impl RevokeBase {
    /// The base `spec`'s verifier gives (empty without one).
    pub fn of(spec: Option<&VerifySpec>) -> RevokeBase {
        let Some(v) = spec else {
            return RevokeBase::default();
        };
        RevokeBase {
            needs: v.needs.keys().cloned().collect(),
            account_fields: v.account.keys().cloned().collect(),
            hosts: v.request.as_ref().map(|r| r.hosts.clone()).unwrap_or_default(),
        }
    }
}

/// Validates and compiles a revocation API. Its templates may name the
/// pattern's groups and, from `base`, the verifier's `needs` values and
/// (through `from_verify`) its account fields. A templated host must be
/// pinned by `hosts` patterns that are all among the verifier's own: the
/// key never goes anywhere its verification would not send it.
pub fn compile_revoke(
    api: &RevokeApi,
    pattern_groups: &[String],
    base: &RevokeBase,
) -> Result<CompiledRevoke, SpecError> {
    let account_fields = &base.account_fields;
    let mut names: Vec<String> = pattern_groups.to_vec();
    names.extend(base.needs.iter().cloned());
    if let Some(request) = &api.request {
        for pattern in &request.hosts {
            if !base.hosts.iter().any(|h| h.eq_ignore_ascii_case(pattern)) {
                return Err(SpecError::RevokeHost(pattern.clone()));
            }
        }
    }
    names.extend(api.derive.keys().cloned());
    for field in &api.from_verify {
        if !account_fields.contains(field) {
            return Err(SpecError::FromVerify(field.clone()));
        }
        names.push(field.clone());
    }
    if let Some(env) = &api.admin_env {
        if env.is_empty() || !env.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(SpecError::AdminEnv(env.clone()));
        }
        names.push("admin".into());
    }
    match (api.kind, &api.request) {
        (RevokeKind::Http, Some(request)) => {
            check_request(request, REVOKE_METHODS, &names)?;
            if api.revoked.is_empty() {
                return Err(SpecError::NoRevoked);
            }
        }
        (RevokeKind::Http, None) => return Err(SpecError::Service("a revocation API needs its request".into())),
        (RevokeKind::AwsIam, None) if api.revoked.is_empty() => {}
        (RevokeKind::AwsIam, _) => {
            return Err(SpecError::Service(
                "aws-iam revokes with its own calls: drop request and revoked".into(),
            ))
        }
        (RevokeKind::OpenaiAdmin | RevokeKind::AnthropicAdmin, None) if api.revoked.is_empty() => {
            if api.admin_env.is_none() {
                return Err(SpecError::Service(
                    "an admin-API revoker needs admin_env (the variable holding the organisation's admin key)".into(),
                ));
            }
        }
        (RevokeKind::OpenaiAdmin | RevokeKind::AnthropicAdmin, _) => {
            return Err(SpecError::Service(
                "an admin-API revoker makes its own calls: drop request and revoked".into(),
            ))
        }
    }
    let derive = api
        .derive
        .iter()
        .map(|(name, pattern)| {
            regex::Regex::new(pattern)
                .map(|re| (name.clone(), re))
                .map_err(|source| SpecError::Regex {
                    what: format!("derive.{name}"),
                    pattern: pattern.clone(),
                    source,
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(CompiledRevoke {
        spec: api.clone(),
        revoked: compile_matchers(&api.revoked, "revoked")?,
        gone: compile_matchers(&api.gone, "gone")?,
        derive,
    })
}

/// One rule's verifier and revocation API, compiled on first use.
#[derive(Debug)]
struct Compiled {
    rule: Arc<Rule>,
    verify: OnceLock<Result<Option<CompiledVerify>, SpecError>>,
    revoke: OnceLock<Result<Option<CompiledRevoke>, SpecError>>,
    access: OnceLock<Result<Option<CompiledAccess>, SpecError>>,
}

/// Every rule's verifier and revocation API by rule id, each compiled the
/// first time it is asked for: a run that finds three providers' keys
/// compiles three verifiers.
#[derive(Debug, Default)]
pub struct RuleSpecs {
    by_id: HashMap<String, Compiled>,
}

impl RuleSpecs {
    /// The specs of `rules`; nothing is compiled yet.
    pub fn new(rules: &[Arc<Rule>]) -> RuleSpecs {
        let by_id = rules
            .iter()
            .map(|rule| {
                let compiled = Compiled {
                    rule: Arc::clone(rule),
                    verify: OnceLock::new(),
                    revoke: OnceLock::new(),
                    access: OnceLock::new(),
                };
                (rule.id().to_string(), compiled)
            })
            .collect();
        RuleSpecs { by_id }
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Arc<Rule>> {
        self.by_id.get(id).map(|c| &c.rule)
    }

    /// The rule's verifier: `Ok(None)` when it has none (or the id is
    /// unknown), `Err` when its spec is malformed.
    pub fn verifier(&self, id: &str) -> Result<Option<&CompiledVerify>, &SpecError> {
        let Some(c) = self.by_id.get(id) else {
            return Ok(None);
        };
        c.verify
            .get_or_init(|| compile_verifier(&c.rule))
            .as_ref()
            .map(Option::as_ref)
    }

    /// The rule's revocation API, as [`RuleSpecs::verifier`].
    pub fn revoker(&self, id: &str) -> Result<Option<&CompiledRevoke>, &SpecError> {
        let Some(c) = self.by_id.get(id) else {
            return Ok(None);
        };
        c.revoke
            .get_or_init(|| compile_revoker(&c.rule))
            .as_ref()
            .map(Option::as_ref)
    }
}

impl RuleSpecs {
    /// The rule's access map spec, as [`RuleSpecs::verifier`].
    pub fn access(&self, id: &str) -> Result<Option<&CompiledAccess>, &SpecError> {
        let Some(c) = self.by_id.get(id) else {
            return Ok(None);
        };
        c.access
            .get_or_init(|| compile_access_of(&c.rule))
            .as_ref()
            .map(Option::as_ref)
    }
}

/// Compiles `rule`'s access map spec, if it has one. Its templates may
/// name the pattern's groups, the verifier's `needs` and account fields.
pub fn compile_access_of(rule: &Rule) -> Result<Option<CompiledAccess>, SpecError> {
    let Some(spec) = &rule.spec.access else {
        return Ok(None);
    };
    if spec.flow.is_offline() {
        // Read from the key itself: no verifier, nothing sent.
        return compile_access(spec, &rule.group_names()).map(Some);
    }
    let Some(verify) = &rule.spec.verify else {
        return Err(SpecError::Access("an access map needs the rule's verifier".into()));
    };
    let mut known = rule.group_names();
    known.extend(verify.needs.keys().cloned());
    known.extend(verify.account.keys().cloned());
    if spec.flow == AccessFlow::AwsIam && verify.kind != VerifyKind::AwsSts {
        return Err(SpecError::Access("the aws-iam flow needs the aws-sts verifier".into()));
    }
    if spec.flow == AccessFlow::AzureStorage && verify.kind != VerifyKind::AzureSharedKey {
        return Err(SpecError::Access(
            "the azure-storage flow needs the azure-shared-key verifier".into(),
        ));
    }
    if spec.flow == AccessFlow::DockerHub && !verify.needs.contains_key("user") {
        return Err(SpecError::Access(
            "the docker-hub flow needs the verifier's `needs.user` (the Docker ID beside the token)".into(),
        ));
    }
    if spec.flow == AccessFlow::GcpIam && verify.kind != VerifyKind::GcpServiceAccount {
        return Err(SpecError::Access(
            "the gcp-iam flow needs the gcp-service-account verifier".into(),
        ));
    }
    compile_access(spec, &known).map(Some)
}

/// Compiles `rule`'s verifier, if it has one.
pub fn compile_verifier(rule: &Rule) -> Result<Option<CompiledVerify>, SpecError> {
    match &rule.spec.verify {
        None => Ok(None),
        Some(spec) => compile_verify(spec, &rule.group_names()).map(Some),
    }
}

/// Compiles `rule`'s revocation API, if it has one.
pub fn compile_revoker(rule: &Rule) -> Result<Option<CompiledRevoke>, SpecError> {
    match rule.spec.revoke.as_ref().and_then(|r| r.api.as_ref()) {
        None => Ok(None),
        Some(api) => compile_revoke(api, &rule.group_names(), &RevokeBase::of(rule.spec.verify.as_ref())).map(Some),
    }
}

/// A rule's access spec with its regexes compiled and its templates
/// checked.
#[derive(Debug, Clone)]
pub struct CompiledAccess {
    /// The table as written.
    pub spec: AccessSpec,
    pub(crate) verdict: Vec<(AccessLevel, CompiledCondition)>,
    pub(crate) excess: Vec<(String, CompiledCondition)>,
}

/// A verdict or excess condition with its regexes compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledCondition {
    pub(crate) scope: Option<regex::Regex>,
    pub(crate) fact: Option<(String, Option<regex::Regex>)>,
    pub(crate) resource: Option<(String, Option<String>)>,
    pub(crate) missing: Option<String>,
}

fn whole(pattern: &str, what: &str) -> Result<regex::Regex, SpecError> {
    regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|source| SpecError::Regex {
        what: what.to_string(),
        pattern: pattern.to_string(),
        source,
    })
}

fn compile_condition(rule: &AccessRule, what: &str) -> Result<CompiledCondition, SpecError> {
    if rule.matches.is_some() && rule.fact.is_none() {
        return Err(SpecError::Access(format!("{what}: `matches` needs `fact`")));
    }
    if rule.flag.is_some() && rule.resource.is_none() {
        return Err(SpecError::Access(format!("{what}: `flag` needs `resource`")));
    }
    Ok(CompiledCondition {
        scope: rule.scope.as_deref().map(|p| whole(p, what)).transpose()?,
        fact: match &rule.fact {
            Some(f) => Some((f.clone(), rule.matches.as_deref().map(|p| whole(p, what)).transpose()?)),
            None => None,
        },
        resource: rule.resource.clone().map(|r| (r, rule.flag.clone())),
        missing: rule.missing.clone(),
    })
}

/// Validates an access table: read-only methods, https, pinned hosts,
/// templates naming known values (pattern groups, `needs`, the verifier's
/// account fields and facts of earlier calls), levels and regexes.
pub fn compile_access(spec: &AccessSpec, known: &[String]) -> Result<CompiledAccess, SpecError> {
    let mut names = known.to_vec();
    if spec.flow != AccessFlow::Http && !spec.calls.is_empty() {
        return Err(SpecError::Access(
            "a built-in flow (aws-iam, gcp-iam, azure-storage, docker-hub, pypi-macaroon) makes its own calls; drop `calls`".into(),
        ));
    }
    for (i, call) in spec.calls.iter().enumerate() {
        check_request(&call.request, VERIFY_METHODS, &names)?;
        for (name, selector) in &call.facts {
            if !(selector.starts_with('/') || selector.starts_with("header:")) {
                return Err(SpecError::AccountSelector {
                    name: name.clone(),
                    selector: selector.clone(),
                });
            }
            names.push(name.clone());
        }
        if let Some(list) = &call.resources {
            if list.pages.unwrap_or(1) > MAX_PAGES || list.pages == Some(0) {
                return Err(SpecError::Access(format!("calls[{i}]: pages must be 1..={MAX_PAGES}")));
            }
        }
    }
    let verdict = spec
        .verdict
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let what = format!("verdict[{i}]");
            let level = match rule.level.as_deref() {
                Some("admin") => AccessLevel::Admin,
                Some("write") => AccessLevel::Write,
                Some("read") => AccessLevel::Read,
                other => {
                    return Err(SpecError::Access(format!(
                        "{what}: level {other:?} is not admin, write or read"
                    )))
                }
            };
            Ok((level, compile_condition(rule, &what)?))
        })
        .collect::<Result<_, _>>()?;
    let excess = spec
        .excess
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let what = format!("excess[{i}]");
            let advice = rule
                .advice
                .clone()
                .ok_or_else(|| SpecError::Access(format!("{what}: needs `advice`")))?;
            Ok((advice, compile_condition(rule, &what)?))
        })
        .collect::<Result<_, _>>()?;
    Ok(CompiledAccess {
        spec: spec.clone(),
        verdict,
        excess,
    })
}
