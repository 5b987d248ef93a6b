//! Pulling images from a registry over the Distribution (OCI) HTTP API v2:
//! manifests and blobs are streamed straight into the scanner, never
//! written to disk. Anonymous access, bearer tokens (the `WWW-Authenticate:
//! Bearer realm=…` dance, with or without credentials) and basic auth are
//! supported; credentials come from flags or `~/.docker/config.json`.

use std::collections::HashSet;
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Media types a manifest request accepts, most specific first.
const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Problems talking to a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Network or protocol failure.
    #[error("{url}")]
    Http {
        /// The URL requested.
        url: String,
        /// What went wrong.
        #[source]
        source: ureq::Error,
    },
    /// Reading a blob's bytes failed midway.
    #[error("reading {url}")]
    Read {
        /// The URL or digest being read.
        url: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The token endpoint answered something that is not a token.
    #[error("{url}: token response")]
    TokenResponse {
        /// The realm.
        url: String,
        /// Why it is not a token.
        #[source]
        source: serde_json::Error,
    },
    /// The token endpoint's JSON holds no `token` or `access_token`.
    #[error("{url}: token response without a token")]
    NoToken {
        /// The realm.
        url: String,
    },
    /// The registry refused or does not have the object.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
    },
    /// A bearer-token realm over plain http would receive the credentials.
    #[error("refusing to send registry credentials to token realm {realm}: it is not https (--insecure-registry allows plain http)")]
    InsecureRealm {
        /// The realm the registry named.
        realm: String,
    },
    /// The bearer-token realm is not an http(s) URL with a host.
    #[error("registry token realm {realm:?} is not an http(s) URL")]
    BadRealm {
        /// The realm the registry named.
        realm: String,
    },
}

/// `host[:port]/repository[:tag|@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReference {
    /// Registry host (with port).
    pub host: String,
    /// Repository path (`ns/name`).
    pub repository: String,
    /// Tag or digest.
    pub reference: String,
}

impl ImageReference {
    /// Parses a reference whose first component names a registry host (it
    /// has a dot or a port, or is `localhost`); anything else is not a
    /// registry reference (it may be a missing file).
    pub fn parse(text: &str) -> Option<ImageReference> {
        let (host, rest) = text.split_once('/')?;
        if !(host.contains('.') || host.contains(':') || host == "localhost") || rest.is_empty() {
            return None;
        }
        let (repository, reference) = if let Some((repo, digest)) = rest.split_once('@') {
            (repo.to_string(), digest.to_string())
        } else {
            match rest.rsplit_once(':') {
                Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
                _ => (rest.to_string(), "latest".to_string()),
            }
        };
        Some(ImageReference {
            host: host.to_string(),
            repository,
            reference,
        })
    }
}

impl std::fmt::Display for ImageReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sep = if self.reference.contains(':') { '@' } else { ':' };
        write!(f, "{}/{}{sep}{}", self.host, self.repository, self.reference)
    }
}

/// How to reach the registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Use plain http (a registry on loopback or an internal network).
    pub insecure: bool,
    /// Username (else from `~/.docker/config.json`).
    pub username: Option<String>,
    /// Password or token.
    pub password: Option<String>,
    /// Told the host (and why) each time credentials are about to be sent
    /// to it, once per host and purpose (`--verbose`).
    pub on_credentials: Option<fn(&str)>,
}

/// A client for one repository.
pub struct RegistryClient {
    agent: ureq::Agent,
    base: String,
    image: ImageReference,
    credentials: Option<(String, String)>,
    authorization: Mutex<Option<String>>,
    insecure: bool,
    on_credentials: Option<fn(&str)>,
    told: Mutex<HashSet<String>>,
}

impl RegistryClient {
    /// A client for `image`.
    pub fn new(image: ImageReference, options: &RegistryOptions) -> RegistryClient {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .max_redirects(5)
            .build();
        let scheme = if options.insecure { "http" } else { "https" };
        let credentials = match (&options.username, &options.password) {
            (Some(u), Some(p)) => Some((u.clone(), p.clone())),
            _ => docker_config_credentials(&image.host),
        };
        RegistryClient {
            agent: config.into(),
            base: format!("{scheme}://{}/v2/{}", image.host, image.repository),
            image,
            credentials,
            authorization: Mutex::new(None),
            insecure: options.insecure,
            on_credentials: options.on_credentials,
            told: Mutex::new(HashSet::new()),
        }
    }

    /// Tells the `on_credentials` hook, once per message.
    fn tell(&self, message: String) {
        if let Some(hook) = self.on_credentials {
            if self
                .told
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(message.clone())
            {
                hook(&message);
            }
        }
    }

    /// The image this client reads.
    pub fn image(&self) -> &ImageReference {
        &self.image
    }

    fn send(&self, url: &str, accept: Option<&str>) -> Result<ureq::http::Response<ureq::Body>, RegistryError> {
        let http = |source: ureq::Error| RegistryError::Http {
            url: url.to_string(),
            source,
        };
        for attempt in 0..2 {
            let mut request = self.agent.get(url);
            if let Some(accept) = accept {
                request = request.header("Accept", accept);
            }
            if let Some(auth) = self.authorization.lock().unwrap_or_else(|e| e.into_inner()).clone() {
                request = request.header("Authorization", auth);
            }
            let response = request.call().map_err(http)?;
            let status = response.status().as_u16();
            if status == 401 && attempt == 0 {
                let challenge = response
                    .headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let auth = self.authorize(&challenge)?;
                *self.authorization.lock().unwrap_or_else(|e| e.into_inner()) = Some(auth);
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(RegistryError::Status {
                    url: url.to_string(),
                    status,
                });
            }
            return Ok(response);
        }
        Err(RegistryError::Status {
            url: url.to_string(),
            status: 401,
        })
    }

    /// Answers a `WWW-Authenticate` challenge: a bearer token from the
    /// realm, or basic credentials.
    fn authorize(&self, challenge: &str) -> Result<String, RegistryError> {
        let basic = self
            .credentials
            .as_ref()
            .map(|(u, p)| format!("Basic {}", STANDARD.encode(format!("{u}:{p}"))));
        let Some(params) = challenge
            .strip_prefix("Bearer ")
            .or_else(|| challenge.strip_prefix("bearer "))
        else {
            let basic = basic.ok_or_else(|| RegistryError::Status {
                url: self.base.clone(),
                status: 401,
            })?;
            self.tell(format!("{} (registry, basic auth)", self.image.host));
            return Ok(basic);
        };
        let fields = parse_challenge(params);
        let realm = fields
            .iter()
            .find(|(k, _)| k == "realm")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let mut url = realm.clone();
        let query: Vec<String> = fields
            .iter()
            .filter(|(k, _)| k == "service" || k == "scope")
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect();
        if !query.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query.join("&"));
        }
        let mut request = self.agent.get(&url);
        if let Some(basic) = &basic {
            let host = credentials_realm_host(&realm, self.insecure)?;
            self.tell(format!("{host} (token realm)"));
            request = request.header("Authorization", basic);
        }
        let http = |source: ureq::Error| RegistryError::Http {
            url: realm.clone(),
            source,
        };
        let mut response = request.call().map_err(http)?;
        if !response.status().is_success() {
            return Err(RegistryError::Status {
                url: realm.clone(),
                status: response.status().as_u16(),
            });
        }
        let body: serde_json::Value = serde_json::from_slice(&response.body_mut().read_to_vec().map_err(http)?)
            .map_err(|source| RegistryError::TokenResponse {
                url: realm.clone(),
                source,
            })?;
        let token = body
            .get("token")
            .or_else(|| body.get("access_token"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| RegistryError::NoToken { url: realm })?;
        Ok(format!("Bearer {token}"))
    }

    /// A manifest or index by tag or digest.
    pub fn manifest(&self, reference: &str) -> Result<Vec<u8>, RegistryError> {
        let url = format!("{}/manifests/{reference}", self.base);
        let mut response = self.send(&url, Some(MANIFEST_TYPES))?;
        response
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_vec()
            .map_err(|source| RegistryError::Http { url, source })
    }

    /// A blob, streamed.
    pub fn blob(&self, digest: &str) -> Result<Box<dyn Read + Send>, RegistryError> {
        let url = format!("{}/blobs/{digest}", self.base);
        let response = self.send(&url, None)?;
        Ok(Box::new(
            response.into_body().into_with_config().limit(u64::MAX).reader(),
        ))
    }

    /// A small blob (a config) read whole.
    pub fn small_blob(&self, digest: &str) -> Result<Vec<u8>, RegistryError> {
        let mut out = Vec::new();
        self.blob(digest)?
            .take(16 << 20)
            .read_to_end(&mut out)
            .map_err(|source| RegistryError::Read {
                url: digest.to_string(),
                source,
            })?;
        Ok(out)
    }
}

/// The host of a bearer-token realm that registry credentials may be sent
/// to: only over https, or over plain http with `--insecure-registry`.
/// Anything else is refused before a byte is sent.
fn credentials_realm_host(realm: &str, insecure: bool) -> Result<String, RegistryError> {
    let bad = || RegistryError::BadRealm {
        realm: realm.to_string(),
    };
    let uri: ureq::http::Uri = realm.parse().map_err(|_| bad())?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(bad());
    };
    let host = authority
        .as_str()
        .rsplit_once('@')
        .map_or(authority.as_str(), |(_, h)| h);
    if host.is_empty() {
        return Err(bad());
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(host.to_string()),
        "http" if insecure => Ok(host.to_string()),
        "http" => Err(RegistryError::InsecureRealm {
            realm: realm.to_string(),
        }),
        _ => Err(bad()),
    }
}

/// `key="value",key2="value2"` pairs of an auth challenge.
fn parse_challenge(params: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = params.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((v, r)) => (v.to_string(), r),
                None => (quoted.to_string(), ""),
            }
        } else {
            match after.split_once(',') {
                Some((v, r)) => (v.trim().to_string(), r),
                None => (after.trim().to_string(), ""),
            }
        };
        out.push((key, value));
        rest = remaining.trim_start_matches([',', ' ']);
    }
    out
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `auths[host].auth` (base64 `user:password`) from the Docker config.
fn docker_config_credentials(host: &str) -> Option<(String, String)> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker")))?;
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("config.json")).ok()?).ok()?;
    let auths = config.get("auths")?.as_object()?;
    let entry = auths
        .iter()
        .find(|(k, _)| {
            k.trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/')
                == host
        })?
        .1;
    let decoded = STANDARD.decode(entry.get("auth")?.as_str()?).ok()?;
    let (user, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_only_with_a_registry_host() {
        let r = ImageReference::parse("127.0.0.1:5000/acme/app:1.0").unwrap();
        assert_eq!(
            (r.host.as_str(), r.repository.as_str(), r.reference.as_str()),
            ("127.0.0.1:5000", "acme/app", "1.0")
        );
        let d = ImageReference::parse("ghcr.io/acme/app@sha256:abc").unwrap();
        assert_eq!(d.reference, "sha256:abc");
        assert_eq!(
            ImageReference::parse("registry.example.org/app").unwrap().reference,
            "latest"
        );
        assert!(ImageReference::parse("images/app.tar").is_none());
        assert!(ImageReference::parse("app.tar").is_none());
    }

    #[test]
    fn credentials_go_to_a_realm_only_over_https_unless_insecure() {
        let host = |realm: &str, insecure: bool| credentials_realm_host(realm, insecure);
        assert_eq!(
            host("https://auth.example.org/token", false).unwrap(),
            "auth.example.org"
        );
        assert_eq!(
            host("HTTPS://auth.example.org:8443/t?x=1", false).unwrap(),
            "auth.example.org:8443"
        );
        assert_eq!(
            host("https://user@auth.example.org/token", false).unwrap(),
            "auth.example.org"
        );
        assert_eq!(host("http://127.0.0.1:5001/token", true).unwrap(), "127.0.0.1:5001");
        assert!(matches!(
            host("http://auth.example.org/token", false),
            Err(RegistryError::InsecureRealm { .. })
        ));
        for bad in [
            "",
            "auth.example.org/token",
            "ftp://auth.example.org/",
            "https:///token",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(host(bad, true), Err(RegistryError::BadRealm { .. })),
                "{bad:?}"
            );
        }
        let message = host("http://auth.example.org/token", false).unwrap_err().to_string();
        assert!(message.contains("--insecure-registry"), "{message}");
    }

    #[test]
    fn an_http_realm_never_receives_credentials_without_insecure() {
        // A realm that would accept a connection: nothing may reach it.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let options = RegistryOptions {
            username: Some("ci".into()),
            password: Some("s3cret".into()),
            ..RegistryOptions::default()
        };
        let client = RegistryClient::new(
            ImageReference::parse("registry.example.org/acme/app:1").unwrap(),
            &options,
        );
        let challenge =
            format!(r#"Bearer realm="http://127.0.0.1:{port}/token",service="x",scope="repository:acme/app:pull""#);
        let err = client.authorize(&challenge).unwrap_err();
        assert!(matches!(err, RegistryError::InsecureRealm { .. }), "{err}");
        std::thread::sleep(Duration::from_millis(50));
        assert!(listener.accept().is_err(), "no connection was made to the realm");
    }

    #[test]
    fn bearer_challenges_parse() {
        let fields = parse_challenge(
            r#"realm="https://auth.example.org/token",service="registry.example.org",scope="repository:acme/app:pull""#,
        );
        assert_eq!(fields[0], ("realm".into(), "https://auth.example.org/token".into()));
        assert_eq!(fields[2], ("scope".into(), "repository:acme/app:pull".into()));
    }
}
