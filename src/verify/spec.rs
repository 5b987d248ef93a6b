//! The serde model of a rule's `[rules.verify]` table (and of the revocation
//! API under `[rules.revoke.api]`), plus the checks that run when a pack is
//! loaded.
//!
//! A verifier is declarative: one HTTP request templated with the secret and
//! other named values, and the answers that mean "live" or "invalid".
//! Everything else a provider can answer is `unknown`, by construction.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a rule's secrets are checked against their provider.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    /// `http` (the declarative request below) or a built-in verifier for
    /// schemes a template cannot express (`aws-sts`: SigV4-signed STS
    /// GetCallerIdentity with the access key id in `needs.id`).
    #[serde(default)]
    pub kind: VerifyKind,
    /// Only secrets matching this regex are verified (a rule matching two
    /// token forms of which the endpoint accepts one); others are left
    /// unverified rather than misreported.
    #[serde(default)]
    pub when: Option<String>,
    /// The request (`[rules.verify.request]`; not used by `aws-sts`).
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// Answers that mean the secret is valid. Checked first.
    #[serde(default)]
    pub live: Vec<Matcher>,
    /// Answers that mean the secret is revoked, expired or wrong.
    #[serde(default)]
    pub invalid: Vec<Matcher>,
    /// A live answer must have a JSON body (default true): an HTML page
    /// with status 200 is a login or WAF page, not proof of validity.
    #[serde(default = "default_true")]
    pub expect_json: bool,
    /// Other values the request needs, found near the secret in the same
    /// file (an access key id beside its secret, a workspace host).
    #[serde(default)]
    pub needs: BTreeMap<String, Need>,
    /// Details recorded about a live key: `name = "/json/pointer"` into the
    /// response body, or `name = "header:Header-Name"`.
    #[serde(default)]
    pub account: BTreeMap<String, String>,
}

/// The verifier implementations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyKind {
    /// One templated HTTP request.
    #[default]
    Http,
    /// AWS STS GetCallerIdentity signed with Signature Version 4.
    AwsSts,
}

/// One templated HTTP request. `{{secret}}` is the secret; `{{name}}` is a
/// named group of the rule's pattern or a value from `needs`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// HTTP method: GET, HEAD or POST (read-only endpoints only; DELETE is
    /// allowed in revocation APIs).
    #[serde(default = "default_method")]
    pub method: String,
    /// Absolute `https://` URL. Templated values are percent-encoded.
    pub url: String,
    /// Request headers (values templated).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// HTTP basic authentication.
    #[serde(default)]
    pub basic: Option<BasicAuth>,
    /// Request body (templated; values are escaped for `content_type`).
    #[serde(default)]
    pub body: Option<String>,
    /// Content type of `body` (`application/json`,
    /// `application/x-www-form-urlencoded`, …).
    #[serde(default)]
    pub content_type: Option<String>,
    /// Host patterns (`*.cloud.databricks.com`) a templated host must
    /// match; required when the URL's host contains a template.
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// HTTP basic credentials.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    /// User name (templated).
    pub username: String,
    /// Password (templated; empty by default).
    #[serde(default)]
    pub password: String,
}

/// An answer pattern: any of the statuses and, if given, a body matching
/// the regex.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// HTTP statuses.
    pub status: Vec<u16>,
    /// Regex the response body must match.
    #[serde(default)]
    pub body: Option<String>,
}

/// A value found near the secret.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Need {
    /// Regex with a `value` group (or else its first group, or else the whole match).
    pub pattern: String,
    /// Bytes before and after the secret to search (default 1024).
    #[serde(default)]
    pub window: Option<usize>,
}

/// A provider's API that revokes the secret itself.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeApi {
    /// The request (`[rules.revoke.api.request]`).
    pub request: RequestSpec,
    /// Answers that mean the provider accepted the revocation.
    pub revoked: Vec<Matcher>,
}

fn default_true() -> bool {
    true
}

fn default_method() -> String {
    "GET".to_string()
}

/// Methods a verifier may use: none of them changes anything at a
/// well-behaved provider (POST only for RPC-style "who am I" calls).
const VERIFY_METHODS: &[&str] = &["GET", "HEAD", "POST"];
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
        self.status.contains(&status) && self.body.as_ref().map_or(true, |re| re.is_match(body))
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
        self.when.as_ref().map_or(true, |re| re.is_match(secret))
    }
}

/// A revocation API checked and compiled.
#[derive(Debug, Clone)]
pub struct CompiledRevoke {
    /// The table as written.
    pub spec: RevokeApi,
    /// `revoked` matchers.
    pub revoked: Vec<CompiledMatcher>,
}

fn compile_matchers(list: &[Matcher], what: &str) -> Result<Vec<CompiledMatcher>, String> {
    list.iter()
        .map(|m| {
            if m.status.is_empty() || m.status.iter().any(|s| !(100..600).contains(s)) {
                return Err(format!("{what}: statuses must be HTTP statuses, got {:?}", m.status));
            }
            let body = match &m.body {
                Some(p) => Some(regex::Regex::new(p).map_err(|e| format!("{what}: bad body regex {p:?}: {e}"))?),
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
fn check_request(request: &RequestSpec, methods: &[&str], names: &[String]) -> Result<(), String> {
    if !methods.contains(&request.method.as_str()) {
        return Err(format!(
            "method {} is not one of {}",
            request.method,
            methods.join(", ")
        ));
    }
    let Some(rest) = request.url.strip_prefix("https://") else {
        return Err(format!("url {:?} must start with https://", request.url));
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if authority.contains("{{") {
        if request.hosts.is_empty() {
            return Err("a templated host needs `hosts` patterns".into());
        }
    } else if authority.is_empty() || authority.contains('@') {
        return Err(format!("url {:?} has no plain host", request.url));
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
                return Err(format!(
                    "template {{{{{name}}}}} names nothing (known: {})",
                    names.join(", ")
                ));
            }
        }
    }
    Ok(())
}

fn check_account(account: &BTreeMap<String, String>) -> Result<(), String> {
    for (name, selector) in account {
        if !(selector.starts_with('/') || selector.starts_with("header:") || selector.starts_with("xml:")) {
            return Err(format!(
                "account field {name}: selector {selector:?} must be a JSON pointer (/a/b), header:NAME or xml:TAG"
            ));
        }
    }
    Ok(())
}

impl VerifySpec {
    /// Validates the table against its rule's pattern groups and compiles
    /// its regexes.
    pub fn compile(&self, pattern_groups: &[String]) -> Result<CompiledVerify, String> {
        let mut names: Vec<String> = pattern_groups.to_vec();
        names.extend(self.needs.keys().cloned());
        match (self.kind, &self.request) {
            (VerifyKind::Http, None) => return Err("an http verifier needs [rules.verify.request]".into()),
            (VerifyKind::Http, Some(request)) => check_request(request, VERIFY_METHODS, &names)?,
            (VerifyKind::AwsSts, Some(_)) => return Err("aws-sts builds its own request; drop the request".into()),
            (VerifyKind::AwsSts, None) if !self.needs.contains_key("id") => {
                return Err("aws-sts needs [rules.verify.needs.id] (the access key id)".into())
            }
            (VerifyKind::AwsSts, None) => {}
        }
        if self.live.is_empty() {
            return Err("a verifier needs at least one `live` matcher".into());
        }
        check_account(&self.account)?;
        let needs = self
            .needs
            .iter()
            .map(|(name, need)| {
                let regex = crate::rules::compile(&need.pattern)
                    .map_err(|e| format!("needs.{name}: bad pattern {:?}: {e}", need.pattern))?;
                Ok(CompiledNeed {
                    name: name.clone(),
                    regex,
                    window: need.window.unwrap_or(1024),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let when = match &self.when {
            Some(p) => Some(regex::Regex::new(p).map_err(|e| format!("bad `when` regex {p:?}: {e}"))?),
            None => None,
        };
        Ok(CompiledVerify {
            when,
            spec: self.clone(),
            live: compile_matchers(&self.live, "live")?,
            invalid: compile_matchers(&self.invalid, "invalid")?,
            needs,
        })
    }
}

impl RevokeApi {
    /// Validates and compiles the revocation API.
    pub fn compile(&self, pattern_groups: &[String]) -> Result<CompiledRevoke, String> {
        check_request(&self.request, REVOKE_METHODS, pattern_groups)?;
        if self.revoked.is_empty() {
            return Err("a revocation API needs at least one `revoked` matcher".into());
        }
        Ok(CompiledRevoke {
            spec: self.clone(),
            revoked: compile_matchers(&self.revoked, "revoked")?,
        })
    }
}
