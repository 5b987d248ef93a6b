//! The one HTTP client verifiers and revocations use, and the safety rules
//! it enforces on every request: a secret only goes to the hosts its rule
//! names, over HTTPS, redirects are never followed, every host is rate
//! limited, and 429/5xx/network failures are retried a bounded number of
//! times before the answer is given up as unknown.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::VerifyError;

/// Largest response body read; verifiers only need the head of it.
const MAX_BODY: u64 = 256 * 1024;

/// Sends one provider's requests somewhere else (`--verify-override`):
/// GitHub Enterprise, an API gateway, or a test emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The provider host, or `*.suffix` for every host under a domain.
    pub host: String,
    /// Base URL (`http://127.0.0.1:8080/prefix`): the original path and
    /// query are appended to it.
    pub base: String,
}

impl std::str::FromStr for Override {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (host, base) = text
            .split_once('=')
            .ok_or_else(|| format!("expected HOST=BASE_URL, got {text:?}"))?;
        let (scheme, authority, _) = split_url(base).ok_or_else(|| format!("{base:?} is not an http(s) URL"))?;
        if scheme != "https" && scheme != "http" || authority.is_empty() {
            return Err(format!("{base:?} is not an http(s) URL"));
        }
        if scheme == "http" && !is_loopback(&host_of(authority)) {
            return Err(format!(
                "{base:?}: plain http is only allowed to a loopback address (127.0.0.0/8, localhost, [::1]); use https"
            ));
        }
        if host.is_empty() || host.contains('/') {
            return Err(format!("{host:?} is not a host name"));
        }
        Ok(Override {
            host: host.to_ascii_lowercase(),
            base: base.trim_end_matches('/').to_string(),
        })
    }
}

/// Knobs of the client (all have CLI flags).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Requests per second to any one host.
    pub rate_per_host: f64,
    /// Retries after a 429, a 5xx or a network failure.
    pub max_retries: u32,
    /// Longest `Retry-After` honoured; a longer one gives up (unknown).
    pub max_retry_wait: Duration,
    /// Host redirections.
    pub overrides: Vec<Override>,
    /// Most requests the whole run may send, retries included
    /// (`--verify-max-requests`); `None` for no limit.
    pub max_requests: Option<u64>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(10),
            rate_per_host: 5.0,
            max_retries: 2,
            max_retry_wait: Duration::from_secs(30),
            overrides: Vec::new(),
            max_requests: None,
        }
    }
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// HTTP method.
    pub method: String,
    /// Absolute URL as the rule names it (before any override).
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<Vec<u8>>,
    /// Host patterns the URL's host must match.
    pub allowed_hosts: Vec<String>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body (at most [`MAX_BODY`] bytes).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

/// Signs a request once its final URL is known (AWS SigV4 signs the host).
pub type Signer<'a> = &'a dyn Fn(&str, &mut Vec<(String, String)>);

/// The shared client.
pub struct Client {
    agent: ureq::Agent,
    options: HttpOptions,
    next_slot: Mutex<HashMap<String, Instant>>,
    sent: AtomicU64,
}

impl Client {
    /// A client that never follows redirects.
    pub fn new(options: HttpOptions) -> Client {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!(
                "keyhound/",
                env!("CARGO_PKG_VERSION"),
                " (secret verification)"
            ))
            .build();
        Client {
            agent: config.into(),
            options,
            next_slot: Mutex::new(HashMap::new()),
            sent: AtomicU64::new(0),
        }
    }

    /// Requests sent so far (retries included).
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Where a request to `url` really goes, after the host check and any
    /// override; refuses foreign hosts and plain http to providers.
    pub fn resolve(&self, url: &str, allowed_hosts: &[String]) -> Result<String, VerifyError> {
        let (scheme, authority, rest) =
            split_url(url).ok_or_else(|| VerifyError::Unsafe(format!("bad URL {url:?}")))?;
        let host = host_of(authority);
        if !allowed_hosts.iter().any(|p| host_matches(p, &host)) {
            return Err(VerifyError::Unsafe(format!(
                "host {host} is not one of the rule's hosts ({})",
                allowed_hosts.join(", ")
            )));
        }
        if let Some(o) = self.options.overrides.iter().find(|o| host_matches(&o.host, &host)) {
            return Ok(format!("{}{}", o.base, rest));
        }
        if scheme != "https" {
            return Err(VerifyError::Unsafe(format!("{url:?} is not https")));
        }
        Ok(url.to_string())
    }

    /// Sends `request` with rate limiting and retries. `Ok` is any HTTP
    /// answer (the caller classifies it); `Err` is a refusal or a failure
    /// to get an answer at all.
    pub fn send(&self, request: &Request, signer: Option<Signer<'_>>) -> Result<Response, VerifyError> {
        let target = self.resolve(&request.url, &request.allowed_hosts)?;
        let host = split_url(&target).map(|(_, a, _)| a.to_string()).unwrap_or_default();
        let mut attempt = 0;
        let mut last = None;
        loop {
            if !self.reserve() {
                return last.unwrap_or(Err(VerifyError::Budget(self.options.max_requests.unwrap_or(0))));
            }
            self.wait_for_slot(&host);
            let mut headers = request.headers.clone();
            if let Some(sign) = signer {
                sign(&target, &mut headers);
            }
            let result = self.send_once(&request.method, &target, &headers, request.body.as_deref());
            let retry_in = match &result {
                Err(_) => Some(backoff(attempt)),
                Ok(r) if r.status == 429 => match retry_after(r) {
                    Some(wait) if wait <= self.options.max_retry_wait => Some(wait),
                    Some(_) => None,
                    None => Some(backoff(attempt)),
                },
                Ok(r) if r.status >= 500 => Some(backoff(attempt)),
                Ok(_) => None,
            };
            match retry_in {
                Some(wait) if attempt < self.options.max_retries => {
                    std::thread::sleep(wait);
                    attempt += 1;
                    last = Some(result);
                }
                _ => return result,
            }
        }
    }

    /// Counts one request against the run's budget; false once it is spent.
    pub fn reserve(&self) -> bool {
        match self.options.max_requests {
            None => {
                self.sent.fetch_add(1, Ordering::Relaxed);
                true
            }
            Some(max) => self
                .sent
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| (n < max).then_some(n + 1))
                .is_ok(),
        }
    }

    fn send_once(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Result<Response, VerifyError> {
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let network = |e: ureq::Error| VerifyError::Network(describe(&e));
        let mut response = match body {
            Some(bytes) => {
                let request = builder
                    .body(bytes.to_vec())
                    .map_err(|e| VerifyError::Template(e.to_string()))?;
                self.agent.run(request).map_err(network)?
            }
            None => {
                let request = builder.body(()).map_err(|e| VerifyError::Template(e.to_string()))?;
                self.agent.run(request).map_err(network)?
            }
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(network)?;
        Ok(Response { status, headers, body })
    }

    /// Waits until `host` may be sent another request.
    fn wait_for_slot(&self, host: &str) {
        let interval = Duration::from_secs_f64(1.0 / self.options.rate_per_host.max(0.001));
        let slot = {
            let mut slots = self.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = slots.get(host).copied().filter(|s| *s > now).unwrap_or(now);
            slots.insert(host.to_string(), slot + interval);
            slot
        };
        let now = Instant::now();
        if slot > now {
            std::thread::sleep(slot - now);
        }
    }
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "timed out".to_string(),
        other => other.to_string(),
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << attempt.min(6))
}

/// Ceiling on a parsed `Retry-After`. Any value at or above it is far
/// longer than a sane [`HttpOptions::max_retry_wait`], so the request gives
/// up instead of waiting; the ceiling only keeps huge values (`1e20`, a
/// 30-digit integer) from overflowing [`Duration`].
const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 60 * 60);

/// `Retry-After` in seconds (the HTTP-date form is treated as absent).
fn retry_after(response: &Response) -> Option<Duration> {
    response.header("retry-after").and_then(parse_retry_after)
}

/// Parses a `Retry-After` value as non-negative, finite seconds, capped at
/// [`RETRY_AFTER_CEILING`]. Anything else (negative, `NaN`, `inf`, an
/// HTTP-date, garbage) is `None`: treated as absent. Never panics.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds = value.trim().parse::<f64>().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let capped = seconds.min(RETRY_AFTER_CEILING.as_secs_f64());
    Duration::try_from_secs_f64(capped).ok()
}

/// Splits `scheme://authority/rest` (rest keeps its leading `/`, `?`).
pub fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    Some((scheme, &after[..end], &after[end..]))
}

/// The host of an authority, without user info and port, lower-cased.
pub fn host_of(authority: &str) -> String {
    let no_user = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match no_user.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => no_user.split(':').next().unwrap_or(""),
    };
    host.to_ascii_lowercase()
}

/// Whether `host` (as [`host_of`] gives it) names this machine: a secret
/// may travel over plain http only that far (a test emulator, a local
/// gateway), never across a network.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `host` matches `pattern` (`api.example.com` or `*.example.com`).
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.len() > suffix.len() + 1 && host.ends_with(&format!(".{suffix}")),
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_overrides_reach_only_loopback() {
        for ok in [
            "api.github.com=http://127.0.0.1:9/gh",
            "api.github.com=http://127.8.0.2",
            "api.github.com=http://localhost:8080",
            "api.github.com=http://[::1]:8080/x",
            "api.github.com=https://ghe.example.org/api/v3",
        ] {
            assert!(ok.parse::<Override>().is_ok(), "{ok}");
        }
        for refused in [
            "api.github.com=http://10.0.0.5:80",
            "api.github.com=http://evil.example.org",
            "api.github.com=http://127.0.0.1.evil.org",
            "api.github.com=http://user@evil.example.org",
        ] {
            let err = refused.parse::<Override>().unwrap_err();
            assert!(err.contains("loopback"), "{refused}: {err}");
        }
    }

    #[test]
    fn hosts_match_exactly_or_by_wildcard_suffix() {
        assert!(host_matches("api.github.com", "api.github.com"));
        assert!(!host_matches("api.github.com", "api.github.com.evil.org"));
        assert!(host_matches("*.cloud.databricks.com", "dbc-1.cloud.databricks.com"));
        assert!(!host_matches("*.cloud.databricks.com", "cloud.databricks.com"));
        assert!(!host_matches("*.cloud.databricks.com", "evilcloud.databricks.com"));
        assert_eq!(host_of("user:pw@Example.COM:8443"), "example.com");
    }

    #[test]
    fn refuses_foreign_hosts_and_plain_http() {
        let client = Client::new(HttpOptions::default());
        let allowed = vec!["api.github.com".to_string()];
        assert!(client.resolve("https://api.github.com/user", &allowed).is_ok());
        assert!(client.resolve("https://evil.example/user", &allowed).is_err());
        assert!(client.resolve("http://api.github.com/user", &allowed).is_err());
        assert!(client
            .resolve("https://api.github.com@evil.example/", &allowed)
            .is_err());
    }

    #[test]
    fn retry_after_never_panics_and_stays_bounded() {
        let response = |value: &str| Response {
            status: 429,
            headers: vec![("retry-after".to_string(), value.to_string())],
            body: Vec::new(),
        };
        let cases: &[(&str, Option<Duration>)] = &[
            ("2", Some(Duration::from_secs(2))),
            (" 1.5 ", Some(Duration::from_millis(1500))),
            ("0", Some(Duration::ZERO)),
            ("-0", Some(Duration::ZERO)),
            ("1e20", Some(RETRY_AFTER_CEILING)),
            ("18446744073709551616", Some(RETRY_AFTER_CEILING)),
            ("999999999999999999999999999999", Some(RETRY_AFTER_CEILING)),
            ("1e308", Some(RETRY_AFTER_CEILING)),
            ("1e400", None),
            ("-5", None),
            ("-1e20", None),
            ("NaN", None),
            ("nan", None),
            ("inf", None),
            ("-inf", None),
            ("infinity", None),
            ("garbage", None),
            ("", None),
            ("Wed, 21 Oct 2015 07:28:00 GMT", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value), *expected, "Retry-After: {value:?}");
            assert_eq!(retry_after(&response(value)), *expected, "Retry-After: {value:?}");
        }
        // A capped value is still longer than the longest wait honoured, so
        // the client gives up rather than sleeping for it.
        assert!(RETRY_AFTER_CEILING > HttpOptions::default().max_retry_wait);
    }

    #[test]
    fn overrides_keep_path_and_query() {
        let options = HttpOptions {
            overrides: vec!["api.github.com=http://127.0.0.1:9/gh/".parse().unwrap()],
            ..HttpOptions::default()
        };
        let client = Client::new(options);
        let allowed = vec!["api.github.com".to_string()];
        assert_eq!(
            client.resolve("https://api.github.com/user?x=1", &allowed).unwrap(),
            "http://127.0.0.1:9/gh/user?x=1"
        );
        assert!("nohost".parse::<Override>().is_err());
        assert!("h=ftp://x".parse::<Override>().is_err());
    }
}
