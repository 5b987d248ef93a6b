//! One verification: build the rule's request from its templates, send it,
//! and read the answer into live, invalid or unknown.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::http::{split_url, Client, Request, Response};
use keyhound_rules::verify_spec::{RequestSpec, VerifyKind};

use super::spec::{CompiledMatcher, CompiledRevoke, CompiledVerify};
use super::template::{body_escape, render, Escape};
use super::{aws, Status, Verification, VerifyError};

/// Longest account detail kept: long enough for a full-access key's scope
/// list, which access maps judge (reports shorten it for display); a body
/// is not an account detail.
const MAX_DETAIL: usize = 4000;

/// Builds a request from a templated spec. `values` holds `secret` and
/// every other named value.
pub fn build_request(spec: &RequestSpec, values: &BTreeMap<String, String>) -> Result<Request, VerifyError> {
    let url = render(&spec.url, values, Escape::Url)?;
    let allowed_hosts = if spec.hosts.is_empty() {
        let host = split_url(&spec.url)
            .map(|(_, authority, _)| super::http::host_of(authority))
            .ok_or_else(|| VerifyError::Spec(format!("bad url {:?}", spec.url)))?;
        vec![host]
    } else {
        spec.hosts.clone()
    };
    let mut headers = Vec::new();
    for (name, value) in &spec.headers {
        headers.push((name.clone(), render(value, values, Escape::Raw)?));
    }
    if let Some(basic) = &spec.basic {
        let user = render(&basic.username, values, Escape::Raw)?;
        let password = render(&basic.password, values, Escape::Raw)?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        headers.push(("Authorization".into(), format!("Basic {token}")));
    }
    let body = match &spec.body {
        Some(template) => {
            let ct = spec.content_type.as_deref();
            if let Some(ct) = ct {
                headers.push(("Content-Type".into(), ct.to_string()));
            }
            Some(render(template, values, body_escape(ct))?.into_bytes())
        }
        None => None,
    };
    Ok(Request {
        method: spec.method.clone(),
        url,
        headers,
        body,
        allowed_hosts,
    })
}

/// Verifies one secret with `verifier`. Never fails: every problem is an
/// `unknown` with its reason.
pub fn verify(client: &Client, verifier: &CompiledVerify, values: &BTreeMap<String, String>) -> Verification {
    let mut host = aws::STS_HOST.to_string();
    let sent = match verifier.spec.kind {
        VerifyKind::Http => match &verifier.spec.request {
            Some(spec) => build_request(spec, values).and_then(|r| {
                host = split_url(&r.url).map_or_else(String::new, |(_, a, _)| super::http::host_of(a));
                client.send(&r, None)
            }),
            None => Err(VerifyError::Spec("no request".into())),
        },
        VerifyKind::AwsSts => send_sts(client, values),
        VerifyKind::AzureSharedKey => {
            host = values
                .get("account")
                .map_or_else(String::new, |a| format!("{a}.blob.core.windows.net"));
            super::azure_storage::list_containers(client, values, 5)
        }
        VerifyKind::GcpServiceAccount => {
            host = super::gcp::TOKEN_HOST.to_string();
            super::gcp::exchange(client, values)
        }
        kind => Err(VerifyError::Spec(format!(
            "{kind:?} is a service verifier: Verifier::verify_now runs it"
        ))),
    };
    match sent {
        Ok(response) => {
            let mut outcome = classify(verifier, &response);
            if outcome.status == Status::Invalid {
                // Say who said no: a key of another region or a
                // self-hosted instance is rejected by the default host too.
                outcome.reason = Some(format!("{host} rejected the secret (HTTP {})", response.status));
            }
            outcome
        }
        Err(e) => Verification::unknown(e.to_string(), None),
    }
}

/// STS GetCallerIdentity signed with the key pair `id` + `secret`.
fn send_sts(client: &Client, values: &BTreeMap<String, String>) -> Result<Response, VerifyError> {
    aws::send_signed(
        client,
        values,
        "sts",
        "POST",
        aws::STS_URL,
        aws::STS_HOST,
        Some(aws::STS_BODY),
    )
}

/// Reads an answer: transport-level statuses first (never live), then the
/// rule's live and invalid matchers.
pub fn classify(verifier: &CompiledVerify, response: &Response) -> Verification {
    let status = response.status;
    let body = String::from_utf8_lossy(&response.body);
    let unknown = |reason: String| Verification::unknown(reason, Some(status));
    if (300..400).contains(&status) {
        let to = response.header("location").unwrap_or("?");
        let host = split_url(to).map_or(to.to_string(), |(_, a, _)| super::http::host_of(a));
        return unknown(format!("redirect (HTTP {status}) to {host} not followed"));
    }
    if status == 429 {
        return unknown("rate limited (HTTP 429)".into());
    }
    if status >= 500 {
        return unknown(format!("provider error (HTTP {status})"));
    }
    if first_match(&verifier.live, status, &body) {
        let json = serde_json::from_str::<serde_json::Value>(&body).ok();
        if verifier.spec.expect_json && json.is_none() {
            return unknown(format!(
                "HTTP {status} without a JSON body (a login, proxy or WAF page?)"
            ));
        }
        return Verification {
            status: Status::Live,
            reason: None,
            account: account_details(&verifier.spec.account, response, json.as_ref(), &body),
            http_status: Some(status),
            checked_at: keyhound_findings::time::now_rfc3339(),
            cached: false,
            access: None,
        };
    }
    if first_match(&verifier.invalid, status, &body) {
        return Verification {
            status: Status::Invalid,
            reason: Some(format!("provider rejected the secret (HTTP {status})")),
            account: BTreeMap::new(),
            http_status: Some(status),
            checked_at: keyhound_findings::time::now_rfc3339(),
            cached: false,
            access: None,
        };
    }
    unknown(format!("unexpected answer (HTTP {status})"))
}

fn first_match(matchers: &[CompiledMatcher], status: u16, body: &str) -> bool {
    matchers.iter().any(|m| m.matches(status, body))
}

/// Pulls the rule's account fields out of a live answer.
fn account_details(
    fields: &BTreeMap<String, String>,
    response: &Response,
    json: Option<&serde_json::Value>,
    body: &str,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, selector) in fields {
        let value = if let Some(header) = selector.strip_prefix("header:") {
            response.header(header).map(str::to_string)
        } else if let Some(tag) = selector.strip_prefix("xml:") {
            xml_text(body, tag)
        } else {
            json.and_then(|j| j.pointer(selector)).and_then(json_text)
        };
        if let Some(v) = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
            out.insert(name.clone(), v.chars().take(MAX_DETAIL).collect());
        }
    }
    out
}

fn json_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => Some(items.iter().filter_map(json_text).collect::<Vec<_>>().join(", ")),
        other => Some(other.to_string()),
    }
}

fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find('<')? + start;
    Some(body[start..end].to_string())
}

/// What a provider said to a revocation request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeAnswer {
    /// It accepted: the key is revoked.
    Revoked,
    /// The key was already dead before this call.
    Gone,
    /// Anything else (no permission, unknown key, an error page).
    Refused,
}

/// Asks the provider to revoke the secret and reads its answer with the
/// rule's `revoked` and `gone` matchers.
pub fn revoke(
    client: &Client,
    revoker: &CompiledRevoke,
    values: &BTreeMap<String, String>,
) -> Result<(RevokeAnswer, u16), VerifyError> {
    let spec = revoker
        .spec
        .request
        .as_ref()
        .ok_or_else(|| VerifyError::Spec("a built-in revoker has no request".into()))?;
    let request = build_request(spec, values)?;
    let response = client.send(&request, None)?;
    let body = String::from_utf8_lossy(&response.body);
    let answer = if first_match(&revoker.revoked, response.status, &body) {
        RevokeAnswer::Revoked
    } else if first_match(&revoker.gone, response.status, &body) {
        RevokeAnswer::Gone
    } else {
        RevokeAnswer::Refused
    };
    Ok((answer, response.status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhound_rules::verify_spec::VerifySpec;

    fn verifier(toml_text: &str) -> CompiledVerify {
        let spec: VerifySpec = toml::from_str(toml_text).unwrap();
        crate::spec::compile_verify(&spec, &["secret".to_string()]).unwrap()
    }

    fn response(status: u16, body: &str) -> Response {
        Response {
            status,
            headers: vec![("x-oauth-scopes".into(), "repo, gist".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    const GITHUB: &str = r#"
        live = [{ status = [200] }]
        invalid = [{ status = [401] }]
        [request]
        url = "https://api.github.com/user"
        headers = { Authorization = "token {{secret}}" }
        [account]
        login = "/login"
        scopes = "header:x-oauth-scopes"
    "#;

    #[test]
    fn live_needs_a_json_body_and_records_the_account() {
        let v = verifier(GITHUB);
        let live = classify(&v, &response(200, r#"{"login":"octo"}"#));
        assert_eq!(live.status, Status::Live);
        assert_eq!(live.account["login"], "octo");
        assert_eq!(live.account["scopes"], "repo, gist");
        let waf = classify(&v, &response(200, "<html>Just a moment...</html>"));
        assert_eq!(waf.status, Status::Unknown);
        assert_eq!(classify(&v, &response(401, "{}")).status, Status::Invalid);
    }

    #[test]
    fn throttling_errors_redirects_and_undocumented_403_are_unknown() {
        let v = verifier(GITHUB);
        for status in [301, 302, 403, 404, 429, 500, 503] {
            assert_eq!(
                classify(&v, &response(status, "{}")).status,
                Status::Unknown,
                "{status}"
            );
        }
    }

    #[test]
    fn body_matchers_decide_for_rpc_style_apis() {
        let v = verifier(
            r#"
            live = [{ status = [200], body = '"ok":\s*true' }]
            invalid = [{ status = [200], body = '"error":\s*"invalid_auth"' }]
            [request]
            method = "POST"
            url = "https://slack.com/api/auth.test"
            headers = { Authorization = "Bearer {{secret}}" }
        "#,
        );
        assert_eq!(classify(&v, &response(200, r#"{"ok":true}"#)).status, Status::Live);
        assert_eq!(
            classify(&v, &response(200, r#"{"ok":false,"error":"invalid_auth"}"#)).status,
            Status::Invalid
        );
        assert_eq!(
            classify(&v, &response(200, r#"{"ok":false,"error":"ratelimited"}"#)).status,
            Status::Unknown
        );
    }

    #[test]
    fn when_limits_a_verifier_to_the_token_forms_it_can_check() {
        let v = verifier(&format!("when = '^cfut_'\n{GITHUB}"));
        assert!(v.applies_to("cfut_abc"));
        assert!(!v.applies_to("cfat_abc"));
        assert!(verifier(GITHUB).applies_to("anything"));
    }

    #[test]
    fn specs_are_validated() {
        let bad = |t: &str| {
            let spec: VerifySpec = toml::from_str(t).unwrap();
            crate::spec::compile_verify(&spec, &["secret".to_string()])
                .unwrap_err()
                .to_string()
        };
        assert!(bad("live=[{status=[200]}]\n[request]\nurl='http://x.example/'").contains("https://"));
        assert!(bad("live=[{status=[200]}]\n[request]\nurl='https://{{host}}/'").contains("hosts"));
        assert!(bad("live=[{status=[200]}]\n[request]\nurl='https://x.example/{{sid}}'").contains("sid"));
        assert!(bad("live=[{status=[200]}]\n[request]\nmethod='DELETE'\nurl='https://x.example/'").contains("method"));
        assert!(bad("[request]\nurl='https://x.example/'").contains("live"));
        assert!(bad("kind='aws-sts'\nlive=[{status=[200]}]").contains("needs.id"));
    }
}
