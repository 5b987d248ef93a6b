//! Google Cloud service-account keys: verification and the access flow.
//!
//! A service-account key file holds an RSA private key, not a bearer token,
//! so neither fits a template. Verification is Google's documented
//! server-to-server flow: a JWT (`iss` = the account's `client_email`,
//! `aud` = the token endpoint) signed RS256 with the found key, exchanged
//! at `https://oauth2.googleapis.com/token` for a short-lived access token.
//! A deleted key or account answers `invalid_grant`; the key itself never
//! leaves the machine, only the signed assertion does.
//!
//! The token endpoint is a constant: the key file's own `token_uri` is
//! ignored, since nothing in a scanned tree may choose where keyhound
//! sends a credential.
//!
//! The access flow (`flow = "gcp-iam"`) asks Resource Manager's
//! `testIamPermissions` which of a fixed list of sensitive permissions the
//! account holds on its project (written as `allowed:PERMISSION` scopes for
//! the rule's verdict and excess rules), then lists, where allowed, the
//! project's buckets and service accounts (the impersonation targets).
//!
//! Signing uses `ring` (already in the tree through rustls): it reads the
//! PKCS#8 keys Google issues and signs RSASSA-PKCS1-v1_5 with SHA-256.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::Value;

use keyhound_findings::Resources;

use crate::facts::Learnt;
use crate::http::{Client, Request, Response};
use crate::VerifyError;

/// Google's OAuth 2.0 token endpoint (the JWT's audience).
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Its host.
pub const TOKEN_HOST: &str = "oauth2.googleapis.com";
/// The scope asked for: the broadest, so that `testIamPermissions` says
/// what the account's roles allow (OAuth scopes would otherwise hide it).
pub const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

const CRM_HOST: &str = "cloudresourcemanager.googleapis.com";
const STORAGE_HOST: &str = "storage.googleapis.com";
const IAM_HOST: &str = "iam.googleapis.com";

/// Permissions asked about on the project: taking it over (IAM policy,
/// keys and tokens of other accounts), data (storage, secrets, KMS),
/// compute and deployment, then plain reads.
pub const PROBED_PERMISSIONS: &[&str] = &[
    "resourcemanager.projects.setIamPolicy",
    "resourcemanager.projects.delete",
    "iam.serviceAccountKeys.create",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.actAs",
    "iam.roles.create",
    "storage.buckets.create",
    "storage.buckets.delete",
    "storage.objects.create",
    "storage.objects.delete",
    "storage.objects.get",
    "storage.buckets.list",
    "secretmanager.versions.access",
    "cloudkms.cryptoKeyVersions.useToDecrypt",
    "compute.instances.create",
    "compute.instances.setMetadata",
    "cloudfunctions.functions.update",
    "run.services.update",
    "container.clusters.get",
    "bigquery.tables.getData",
    "iam.serviceAccounts.list",
    "resourcemanager.projects.get",
];

/// Most items read from a listing.
const PAGE: usize = 50;

/// Why an assertion could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GcpKeyError {
    /// The found text is not a PEM `PRIVATE KEY` block.
    #[error("not a PEM private key")]
    NotPem,
    /// The PEM body is not base64.
    #[error("the PEM body is not base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// `ring` rejected the key (not RSA PKCS#8, or an unsupported size).
    #[error("not an RSA PKCS#8 key ring can sign with: {0}")]
    Key(String),
    /// Signing failed.
    #[error("signing failed")]
    Sign,
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The DER bytes of a PEM private key as found in a key file, where the
/// line breaks are JSON escapes (`\n`), real newlines, or both.
pub fn pem_der(found: &str) -> Result<Vec<u8>, GcpKeyError> {
    let text = found.replace("\\n", "\n").replace("\\r", "");
    let body = text
        .split_once("-----BEGIN PRIVATE KEY-----")
        .and_then(|(_, rest)| rest.split_once("-----END PRIVATE KEY-----"))
        .map(|(body, _)| body)
        .ok_or(GcpKeyError::NotPem)?;
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(base64::engine::general_purpose::STANDARD.decode(compact)?)
}

/// A signed JWT assertion for the token endpoint, valid for ten minutes
/// from `now` (seconds since the epoch).
pub fn assertion(found_key: &str, client_email: &str, key_id: Option<&str>, now: u64) -> Result<String, GcpKeyError> {
    let der = pem_der(found_key)?;
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).map_err(|e| GcpKeyError::Key(e.to_string()))?;
    let mut header = serde_json::json!({ "alg": "RS256", "typ": "JWT" });
    if let Some(kid) = key_id {
        header["kid"] = Value::String(kid.to_string());
    }
    let claims = serde_json::json!({
        "iss": client_email,
        "scope": SCOPE,
        "aud": TOKEN_URL,
        "iat": now,
        "exp": now + 600,
    });
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| GcpKeyError::Sign)?;
    Ok(format!("{signing_input}.{}", b64url(&signature)))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Exchanges a JWT signed with the found key (`secret`, with
/// `client_email` and optionally `private_key_id` beside it) for an access
/// token: the verifier's request, and the access flow's first step.
pub fn exchange(client: &Client, values: &BTreeMap<String, String>) -> Result<Response, VerifyError> {
    let key = values
        .get("secret")
        .ok_or_else(|| VerifyError::Missing("private key".into()))?;
    let email = values
        .get("client_email")
        .ok_or_else(|| VerifyError::Missing("client_email".into()))?;
    let jwt = assertion(key, email, values.get("private_key_id").map(String::as_str), now())
        .map_err(|e| VerifyError::Template(e.to_string()))?;
    let body = format!(
        "grant_type={}&assertion={jwt}",
        percent_encoding::utf8_percent_encode(
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
            percent_encoding::NON_ALPHANUMERIC
        )
    );
    let request = Request {
        method: "POST".into(),
        url: TOKEN_URL.into(),
        headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
        body: Some(body.into_bytes()),
        allowed_hosts: vec![TOKEN_HOST.into()],
    };
    client.send(&request, None)
}

/// Whether `id` is a Google Cloud project id (6–30 lower-case letters,
/// digits and hyphens, starting with a letter), so that a crafted file
/// cannot bend the request paths built from it.
pub fn is_project_id(id: &str) -> bool {
    (6..=30).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn call(
    client: &Client,
    learnt: &mut Learnt,
    token: &str,
    method: &str,
    url: String,
    host: &str,
    body: Option<Value>,
) -> Option<Value> {
    let mut headers = vec![("Authorization".to_string(), format!("Bearer {token}"))];
    if body.is_some() {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let request = Request {
        method: method.into(),
        url,
        headers,
        body: body.map(|b| b.to_string().into_bytes()),
        allowed_hosts: vec![host.into()],
    };
    learnt.requests += 1;
    match client.send(&request, None) {
        Ok(r) if r.status == 200 => serde_json::from_slice(&r.body).ok(),
        Ok(r) => {
            learnt.notes.push(format!("{host} answered HTTP {}", r.status));
            None
        }
        Err(e) => {
            learnt.notes.push(format!("{host}: {e}"));
            None
        }
    }
}

/// Runs the flow for a live key whose verification values are `values`
/// (`secret`, `client_email`, `project_id`, `private_key_id`).
pub fn map(client: &Client, values: &BTreeMap<String, String>, learnt: &mut Learnt) {
    if let Some(email) = values.get("client_email") {
        learnt.facts.insert("principal".into(), email.clone());
    }
    learnt.requests += 1;
    let token = match exchange(client, values) {
        Ok(r) if r.status == 200 => serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| v.get("access_token").and_then(Value::as_str).map(str::to_string)),
        Ok(r) => {
            learnt.notes.push(format!("token exchange answered HTTP {}", r.status));
            None
        }
        Err(e) => {
            learnt.notes.push(format!("token exchange: {e}"));
            None
        }
    };
    let Some(token) = token else { return };
    let Some(project) = values.get("project_id").filter(|p| is_project_id(p)).cloned() else {
        learnt
            .notes
            .push("no usable project_id beside the key: permissions not asked".into());
        return;
    };
    learnt.facts.insert("project".into(), project.clone());
    let granted = call(
        client,
        learnt,
        &token,
        "POST",
        format!("https://{CRM_HOST}/v1/projects/{project}:testIamPermissions"),
        CRM_HOST,
        Some(serde_json::json!({ "permissions": PROBED_PERMISSIONS })),
    );
    let granted: Vec<String> = granted
        .as_ref()
        .and_then(|v| v.get("permissions"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                // Only what was asked: an answer cannot invent scopes.
                .filter(|p| PROBED_PERMISSIONS.contains(p))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if granted.is_empty() && !learnt.notes.is_empty() {
        learnt.notes.push("permissions on the project unknown".into());
    }
    let has = |p: &str| granted.iter().any(|g| g == p);
    if has("storage.buckets.list") {
        let url = format!("https://{STORAGE_HOST}/storage/v1/b?project={project}&maxResults={PAGE}");
        if let Some(doc) = call(client, learnt, &token, "GET", url, STORAGE_HOST, None) {
            learnt.resources.push(listing("buckets", &doc, "items", "name"));
        }
    }
    if has("iam.serviceAccounts.list") {
        let url = format!("https://{IAM_HOST}/v1/projects/{project}/serviceAccounts?pageSize={PAGE}");
        if let Some(doc) = call(client, learnt, &token, "GET", url, IAM_HOST, None) {
            let mut found = listing("service accounts", &doc, "accounts", "email");
            if has("iam.serviceAccounts.getAccessToken") {
                found.flagged.insert("impersonable".into(), found.count);
            }
            learnt.resources.push(found);
        }
    }
    learnt.scopes.extend(granted.iter().map(|p| format!("allowed:{p}")));
}

/// One page of a Google listing as resources.
fn listing(name: &str, doc: &Value, items: &str, label: &str) -> Resources {
    let list = doc.get(items).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut sample: Vec<String> = list
        .iter()
        .filter_map(|i| i.get(label).and_then(Value::as_str).map(str::to_string))
        .collect();
    sample.sort();
    sample.truncate(5);
    Resources {
        name: name.into(),
        count: list.len() as u64,
        flagged: BTreeMap::new(),
        sample,
        truncated: doc.get("nextPageToken").is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_der_reads_json_escaped_and_plain_keys() {
        let escaped = "-----BEGIN PRIVATE KEY-----\\nTUlJ\\nQUJD\\n-----END PRIVATE KEY-----\\n";
        assert_eq!(pem_der(escaped).unwrap(), b"MIIABC");
        let plain = "-----BEGIN PRIVATE KEY-----\nTUlJ\nQUJD\n-----END PRIVATE KEY-----\n";
        assert_eq!(pem_der(plain).unwrap(), b"MIIABC");
        assert!(matches!(pem_der("nothing here"), Err(GcpKeyError::NotPem)));
        assert!(matches!(
            pem_der("-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----"),
            Err(GcpKeyError::Base64(_))
        ));
    }

    #[test]
    fn a_key_ring_cannot_use_is_an_error_not_a_panic() {
        let not_a_key = "-----BEGIN PRIVATE KEY-----\\nTUlJQUJD\\n-----END PRIVATE KEY-----";
        assert!(matches!(
            assertion(not_a_key, "a@b.iam.gserviceaccount.com", None, 0),
            Err(GcpKeyError::Key(_))
        ));
    }

    #[test]
    fn project_ids_are_checked_before_they_reach_a_path() {
        assert!(is_project_id("kh-demo-qqfl8i"));
        for bad in [
            "",
            "short",
            "Upper-case-id",
            "1starts-with-digit",
            "ends-with-",
            "a/../../x-yz",
            "kh-demo?x=1",
        ] {
            assert!(!is_project_id(bad), "{bad}");
        }
    }
}
