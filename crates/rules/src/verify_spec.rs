//! The serde model of a rule's `[rules.verify]` table (and of the revocation
//! API under `[rules.revoke.api]`), as plain data. Compiling and checking
//! them (templates, matchers, hosts) is the verify crate's job.
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
    /// GetCallerIdentity with the access key id in `needs.id`; `postgres`,
    /// `mysql`, `redis`, `smtp`, `ssh`: a login to the server the
    /// connection string, or the settings beside the key, name; under
    /// `--verify-network-services` only).
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
    /// Google Cloud service-account key: a JWT signed with the key,
    /// exchanged for an access token at Google's token endpoint
    /// (`client_email` in `needs`).
    GcpServiceAccount,
    /// Azure Storage account key: List Containers signed with Shared Key
    /// (the pattern's `account` group names the account).
    AzureSharedKey,
    /// A PostgreSQL login (startup, SCRAM-SHA-256 or MD5, terminate) to
    /// the `host`/`port`/`user`/`db` groups of the match.
    Postgres,
    /// A MySQL/MariaDB login (handshake, scrambled password, quit).
    Mysql,
    /// Redis `AUTH` then `PING`.
    Redis,
    /// SMTP submission: TLS (implicit or STARTTLS), `AUTH`, `QUIT`; never
    /// a message.
    Smtp,
    /// FTP: `AUTH TLS` (or implicit TLS), `USER`, `PASS`, `QUIT`.
    Ftp,
    /// SSH private key: key exchange, `publickey` authentication as the
    /// user named beside the key, disconnect; no channel, no command.
    Ssh,
}

impl VerifyKind {
    /// Whether this verifier connects to a service named in the finding
    /// (the user's own infrastructure) rather than calling a provider's
    /// API: such verifiers run only under `--verify-network-services`.
    pub fn is_service(self) -> bool {
        matches!(
            self,
            VerifyKind::Postgres
                | VerifyKind::Mysql
                | VerifyKind::Redis
                | VerifyKind::Smtp
                | VerifyKind::Ftp
                | VerifyKind::Ssh
        )
    }
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
///
/// Besides `{{secret}}` and the rule's named groups, its templates may use
/// values that only exist at revocation time: parts of the secret
/// (`derive`: a SendGrid key's id is its middle segment), fields of a fresh
/// verification (`from_verify`: Cloudflare's token id comes from
/// `/user/tokens/verify`), and `{{admin}}`, an administrator credential
/// read from the environment variable `admin_env` (never from argv).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeApi {
    /// `http` (the declarative request below) or a built-in revoker
    /// (`aws-iam`: deactivate, then delete, the access key through IAM with
    /// the user's own credentials, or with the leaked pair itself under
    /// `--use-leaked-key`; `openai-admin` and `anthropic-admin`: find the
    /// key in the organisation with the admin key in `admin_env`, then
    /// delete or disable it).
    #[serde(default)]
    pub kind: RevokeKind,
    /// The request (`[rules.revoke.api.request]`; http only).
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// Answers that mean the provider accepted the revocation (http only).
    #[serde(default)]
    pub revoked: Vec<Matcher>,
    /// Answers that mean the key was already dead (revoked or expired
    /// before this call): nothing left to do, reported as such.
    #[serde(default)]
    pub gone: Vec<Matcher>,
    /// Values cut out of the secret: `name = "regex"` with a `value` group
    /// (or else its first group).
    #[serde(default)]
    pub derive: BTreeMap<String, String>,
    /// Account fields of the rule's verifier (`[rules.verify.account]`)
    /// the request needs; the key is verified first, and a key that is no
    /// longer live is not revoked again.
    #[serde(default)]
    pub from_verify: Vec<String>,
    /// Environment variable holding an administrator credential for
    /// `{{admin}}` (revoking a key with another key the user holds).
    #[serde(default)]
    pub admin_env: Option<String>,
}

/// The revocation implementations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevokeKind {
    /// One templated HTTP request.
    #[default]
    Http,
    /// IAM UpdateAccessKey (Inactive) then DeleteAccessKey, SigV4-signed.
    AwsIam,
    /// OpenAI Admin API: find the key among the organisation's project
    /// keys by its redacted form, then delete it (admin key from
    /// `admin_env`).
    OpenaiAdmin,
    /// Anthropic Admin API: find the key by its partial hint, then set it
    /// inactive (admin key from `admin_env`; Anthropic has no delete).
    AnthropicAdmin,
}

fn default_true() -> bool {
    true
}

fn default_method() -> String {
    "GET".to_string()
}
