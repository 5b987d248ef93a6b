//! AWS Signature Version 4, for the AWS calls keyhound makes: STS
//! GetCallerIdentity (verification: any valid key may call it, it changes
//! nothing and says whose key it is) and the read-only IAM and S3 calls of
//! the access map.
//!
//! Hand-written (HMAC-SHA256 over a canonical request, about forty lines)
//! rather than the `aws-sigv4` crate, which pulls in the Smithy runtime;
//! checked against AWS's published `get-vanilla` test vector.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::http::split_url;

/// The STS endpoint (global, us-east-1).
pub const STS_URL: &str = "https://sts.amazonaws.com/";
/// The host the STS request goes to.
pub const STS_HOST: &str = "sts.amazonaws.com";
/// The GetCallerIdentity form body.
pub const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
/// Its content type.
pub const STS_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// What a signature covers besides the request itself.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// Access key id.
    pub key_id: &'a str,
    /// Secret access key.
    pub secret: &'a str,
    /// Region (`us-east-1` for global STS).
    pub region: &'a str,
    /// Service name (`sts`).
    pub service: &'a str,
    /// `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Adds `host`, `x-amz-date` and `authorization` headers signing
/// `method url` with `body`. Header names are lower-cased.
pub fn sign(scope: &Scope<'_>, method: &str, url: &str, headers: &mut Vec<(String, String)>, body: &[u8]) {
    let (_, authority, rest) = split_url(url).unwrap_or(("https", "", "/"));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/" } else { path };
    let mut query_pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    query_pairs.sort_unstable();
    headers.retain(|(n, _)| {
        let n = n.to_ascii_lowercase();
        n != "host" && n != "x-amz-date" && n != "authorization"
    });
    headers.push(("host".into(), authority.to_string()));
    headers.push(("x-amz-date".into(), scope.amz_date.to_string()));
    let mut canonical: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    canonical.sort();
    let signed_headers: Vec<&str> = canonical.iter().map(|(n, _)| n.as_str()).collect();
    let signed_headers = signed_headers.join(";");
    let canonical_headers: String = canonical.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let canonical_request = format!(
        "{method}\n{path}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        query_pairs.join("&"),
        hex(&Sha256::digest(body))
    );
    let date = &scope.amz_date[..8.min(scope.amz_date.len())];
    let credential_scope = format!("{date}/{}/{}/aws4_request", scope.region, scope.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{credential_scope}\n{}",
        scope.amz_date,
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{}", scope.secret).as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex(&hmac(&k_signing, string_to_sign.as_bytes()));
    headers.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}",
            scope.key_id
        ),
    ));
}

/// Sends one SigV4-signed request with the key pair in `values` (`id`,
/// `secret`, and `session` for temporary keys) to `url` on `host`, in
/// us-east-1 (the region of STS, IAM and S3's global endpoints); a body is
/// form-encoded.
pub fn send_signed(
    client: &crate::http::Client,
    values: &std::collections::BTreeMap<String, String>,
    service: &str,
    method: &str,
    url: &str,
    host: &str,
    body: Option<&str>,
) -> Result<crate::http::Response, crate::VerifyError> {
    let content_type = body.map(|_| STS_CONTENT_TYPE);
    let signed = Signed {
        service,
        region: "us-east-1",
        method,
        url,
        host,
        body,
        content_type,
        target: None,
    };
    signed.send(client, values)
}

/// AWS query strings encode everything but unreserved characters.
pub const AWS_QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// One IAM query-API call (`Action=…` and its parameters, form-encoded,
/// `Version=2010-05-08`) signed with `values`; the status and body.
pub fn iam_call(
    client: &crate::http::Client,
    values: &std::collections::BTreeMap<String, String>,
    params: &[(&str, &str)],
) -> Result<(u16, String), crate::VerifyError> {
    let mut body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encoding::utf8_percent_encode(v, AWS_QUERY)))
        .collect();
    body.push("Version=2010-05-08".into());
    let r = send_signed(
        client,
        values,
        "iam",
        "POST",
        "https://iam.amazonaws.com/",
        "iam.amazonaws.com",
        Some(&body.join("&")),
    )?;
    Ok((r.status, String::from_utf8_lossy(&r.body).into_owned()))
}

/// Sends one SigV4-signed call of an AWS JSON-protocol API (CloudTrail):
/// POST with `X-Amz-Target` naming the operation.
#[allow(clippy::too_many_arguments)]
pub fn send_signed_json(
    client: &crate::http::Client,
    values: &std::collections::BTreeMap<String, String>,
    service: &str,
    region: &str,
    url: &str,
    host: &str,
    target: &str,
    body: &str,
) -> Result<crate::http::Response, crate::VerifyError> {
    let signed = Signed {
        service,
        region,
        method: "POST",
        url,
        host,
        body: Some(body),
        content_type: Some("application/x-amz-json-1.1"),
        target: Some(target),
    };
    signed.send(client, values)
}

/// One request to sign and send.
struct Signed<'a> {
    service: &'a str,
    region: &'a str,
    method: &'a str,
    url: &'a str,
    host: &'a str,
    body: Option<&'a str>,
    content_type: Option<&'a str>,
    target: Option<&'a str>,
}

impl Signed<'_> {
    fn send(
        &self,
        client: &crate::http::Client,
        values: &std::collections::BTreeMap<String, String>,
    ) -> Result<crate::http::Response, crate::VerifyError> {
        use crate::VerifyError;
        let id = values
            .get("id")
            .ok_or_else(|| VerifyError::Missing("access key id".into()))?;
        let secret = values
            .get("secret")
            .ok_or_else(|| VerifyError::Missing("secret".into()))?;
        if id.starts_with("ASIA") && !values.contains_key("session") {
            return Err(VerifyError::Missing(
                "session token for the temporary (ASIA) key".into(),
            ));
        }
        let mut headers = Vec::new();
        if let Some(ct) = self.content_type {
            headers.push(("content-type".to_string(), ct.to_string()));
        }
        if let Some(target) = self.target {
            headers.push(("x-amz-target".to_string(), target.to_string()));
        }
        if self.service == "s3" {
            let digest = hex(&Sha256::digest(self.body.unwrap_or("").as_bytes()));
            headers.push(("x-amz-content-sha256".to_string(), digest));
        }
        if let Some(session) = values.get("session") {
            headers.push(("x-amz-security-token".to_string(), session.clone()));
        }
        let request = crate::http::Request {
            method: self.method.into(),
            url: self.url.into(),
            headers,
            body: self.body.map(|b| b.as_bytes().to_vec()),
            allowed_hosts: vec![self.host.into()],
        };
        let amz_date = amz_date_now();
        let sign = |url: &str, headers: &mut Vec<(String, String)>| {
            let scope = Scope {
                key_id: id,
                secret,
                region: self.region,
                service: self.service,
                amz_date: &amz_date,
            };
            sign(&scope, self.method, url, headers, self.body.unwrap_or("").as_bytes());
        };
        client.send(&request, Some(&sign))
    }
}

/// The current time as SigV4 wants it.
pub fn amz_date_now() -> String {
    let iso = keyhound_findings::time::now_rfc3339();
    let digits: String = iso.chars().take(19).filter(|c| *c != '-' && *c != ':').collect();
    format!("{digits}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_get_vanilla_vector() {
        let scope = Scope {
            key_id: "AKIDEXAMPLE",
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            region: "us-east-1",
            service: "service",
            amz_date: "20150830T123600Z",
        };
        let mut headers = Vec::new();
        sign(&scope, "GET", "https://example.amazonaws.com/", &mut headers, b"");
        let auth = &headers.iter().find(|(n, _)| n == "authorization").unwrap().1;
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn amz_date_has_the_basic_format() {
        let d = amz_date_now();
        assert_eq!(d.len(), 16, "{d}");
        assert_eq!(&d[8..9], "T");
        assert!(d.ends_with('Z'));
    }
}
