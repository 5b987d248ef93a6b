//! The serde model of a rule's `[rules.access]` table: how `--access`
//! asks a live key's provider what the key can do, as plain data.
//! Compiling and running it is the verify crate's job.
//!
//! A map is built from *facts*: the verifier's account fields (read from
//! its answer, so no second request for them), plus facts and resource
//! listings of the read-only `calls` below. `verdict` rules turn facts,
//! scopes and resource flags into admin/write/read; `excess` rules flag
//! privileges beyond what the key's kind of work needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::verify_spec::RequestSpec;

/// How a live key's access is mapped.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSpec {
    /// `http` (the declarative calls below) or a built-in flow for
    /// providers that need one (`aws-iam`: IAM policies of the key's user,
    /// or a simulation of sensitive actions, and its S3 buckets; the
    /// offline `pypi-macaroon` reads a PyPI token's own caveats).
    #[serde(default)]
    pub flow: AccessFlow,
    /// What kind of credential this is (`user token`, `bot token`,
    /// `service account key`, `deploy key`).
    #[serde(default)]
    pub kind: Option<String>,
    /// A fact whose value names the kind better (`type` = `Bot`).
    #[serde(default)]
    pub kind_fact: Option<String>,
    /// Facts that say who the key acts as (`login`, `team`, `project`).
    #[serde(default)]
    pub identity: Vec<String>,
    /// The fact that lists the key's scopes or permissions (split on
    /// commas and white space).
    #[serde(default)]
    pub scopes: Option<String>,
    /// The fact holding the key's expiry.
    #[serde(default)]
    pub expires: Option<String>,
    /// Read-only requests made for a live key, in order.
    #[serde(default)]
    pub calls: Vec<AccessCall>,
    /// What makes the key admin, write or read; the highest level any
    /// rule reaches wins; none reached means unknown.
    #[serde(default)]
    pub verdict: Vec<AccessRule>,
    /// Privileges beyond need.
    #[serde(default)]
    pub excess: Vec<AccessRule>,
}

/// The access-map implementations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessFlow {
    /// Declarative calls.
    #[default]
    Http,
    /// AWS: STS identity, IAM policies or policy simulation, S3 buckets.
    AwsIam,
    /// Google Cloud: token exchange, `testIamPermissions` on the key's
    /// project, buckets and service accounts.
    GcpIam,
    /// Azure Storage: the account's containers, with its shared key.
    AzureStorage,
    /// PyPI API tokens, read offline: the token is a macaroon whose
    /// caveats say which projects it may upload to and until when.
    /// Sends nothing and needs no verifier.
    PypiMacaroon,
    /// Docker Hub access tokens: the Hub login exchange (its JWT kept
    /// inside the flow), the namespace's repositories, and the actions the
    /// registry's token service grants (pull, push, delete).
    DockerHub,
}

impl AccessFlow {
    /// Whether the flow reads the key itself instead of asking its
    /// provider: it runs under `--access` without a verifier and sends
    /// nothing.
    pub fn is_offline(self) -> bool {
        matches!(self, AccessFlow::PypiMacaroon)
    }
}

/// One read-only request of an access map.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccessCall {
    /// The request (GET, HEAD or a read-only POST); templates as in the
    /// verifier, plus every fact learnt so far.
    pub request: RequestSpec,
    /// Facts read from the answer: `name = "/json/pointer"` or
    /// `name = "header:Name"`.
    #[serde(default)]
    pub facts: BTreeMap<String, String>,
    /// A listing of resources in the answer.
    #[serde(default)]
    pub resources: Option<ResourceList>,
    /// Whether a refusal (401/403) of this call is expected for keys
    /// lacking a scope: noted, not an error.
    #[serde(default)]
    pub optional: bool,
}

/// Where an answer lists resources and how to read each.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceList {
    /// What they are (`repositories`, `buckets`).
    pub name: String,
    /// JSON pointer to the array (`""` for a top-level array).
    #[serde(default)]
    pub items: String,
    /// Pointer inside an item to its name (`/full_name`).
    pub label: String,
    /// Flags counted over the items: `admin = "/permissions/admin"`
    /// (true, or a non-empty string other than "false"/"none"/"read").
    #[serde(default)]
    pub flags: BTreeMap<String, String>,
    /// A pointer to the total the provider reports (`/total_count`),
    /// when it pages without saying so in headers.
    #[serde(default)]
    pub total: Option<String>,
    /// Pages followed through `Link: <…>; rel="next"` (default 1, at
    /// most 10); a listing with more pages is marked truncated.
    #[serde(default)]
    pub pages: Option<u32>,
}

/// A verdict rule (`level` when the condition holds) or a least-privilege
/// rule (`advice` when it holds). Every condition given must hold; an
/// empty condition always holds (a floor for any live key of the rule).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRule {
    /// `admin`, `write` or `read` (verdict rules).
    #[serde(default)]
    pub level: Option<String>,
    /// The narrower alternative (excess rules).
    #[serde(default)]
    pub advice: Option<String>,
    /// Some scope matches this regex (whole scope).
    #[serde(default)]
    pub scope: Option<String>,
    /// This fact exists (and matches `matches`, if given).
    #[serde(default)]
    pub fact: Option<String>,
    /// Regex the fact's value must match (whole value).
    #[serde(default)]
    pub matches: Option<String>,
    /// This resource listing is not empty (or, with `flag`, some item of
    /// it carries the flag).
    #[serde(default)]
    pub resource: Option<String>,
    /// The flag (needs `resource`).
    #[serde(default)]
    pub flag: Option<String>,
    /// This fact was not learnt (an empty list, an absent field): Azure's
    /// Owner is `*` with no `notActions`, Contributor is `*` with some.
    #[serde(default)]
    pub missing: Option<String>,
}
