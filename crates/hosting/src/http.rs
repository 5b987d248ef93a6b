//! The HTTP side every platform shares: one agent, the token only on the
//! API's origin, redirects and pagination links checked against that
//! origin, rate-limit headers reported and obeyed, bounded retries and
//! bounded pagination.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::error::HostingError;
use crate::model::{Event, RateLimit};

/// The largest answer read (listings of 100 items are a few hundred KiB).
const MAX_BODY: u64 = 32 * 1024 * 1024;
/// How many times a rate-limited request, or one a gateway failed
/// (502, 503, 504), is retried.
const MAX_RETRIES: u32 = 3;
/// How many redirects in a row are followed (on the API origin only).
const MAX_REDIRECTS: u32 = 5;
/// How much of an error answer an error keeps.
const EXCERPT_CHARS: usize = 300;
/// Default bound on pages per listing.
pub(crate) const DEFAULT_MAX_PAGES: usize = 10_000;
/// Default bound on one rate-limit wait.
pub(crate) const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// Characters escaped in one path segment: everything but RFC 3986's
/// unreserved characters, so `/`, `?`, `#` and `%` in a name cannot change
/// the request.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Escapes `name` as one URL path segment; refuses names that would mean
/// something else there (empty, `.`, `..`).
pub(crate) fn segment(name: &str) -> Result<String, HostingError> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(HostingError::BadName {
            name: name.to_string(),
            reason: "empty, `.` and `..` cannot be path segments".to_string(),
        });
    }
    Ok(utf8_percent_encode(name, SEGMENT).to_string())
}

/// Splits `owner/name` into its two escaped segments.
pub(crate) fn owner_and_name(full_name: &str) -> Result<(String, String), HostingError> {
    match full_name.split_once('/') {
        Some((owner, name)) if !name.contains('/') => Ok((segment(owner)?, segment(name)?)),
        _ => Err(HostingError::BadName {
            name: full_name.to_string(),
            reason: "expected owner/name".to_string(),
        }),
    }
}

/// Scheme, host and port of a URL: what the token is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute `http(s)://` URL; `None` for anything else
    /// (other schemes, user info, no host).
    pub(crate) fn of(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().ok()?,
                None if after.is_empty() => default_port,
                None => return None,
            };
            (format!("[{}]", host.to_ascii_lowercase()), port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, p)) => (host.to_ascii_lowercase(), p.parse().ok()?),
                None => (authority.to_ascii_lowercase(), default_port),
            }
        };
        if host.is_empty() || host == "[]" {
            return None;
        }
        Some(Origin { scheme, host, port })
    }

    /// The host, without the port.
    pub(crate) fn host(&self) -> &str {
        &self.host
    }

    /// `host` or `host:port` when the port is not the scheme's default.
    pub(crate) fn authority(&self) -> String {
        let default = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Whether plain http to this host keeps the token on the machine.
    fn is_loopback(&self) -> bool {
        self.host == "localhost" || self.host == "[::1]" || self.host.starts_with("127.")
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority())
    }
}

/// How a listing says where its next page is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Paging {
    /// The body is a JSON array; the next page is the `Link` header's
    /// `rel="next"` (GitHub, GitLab, Gitea), or GitLab's `x-next-page`.
    Link,
    /// The body is an object with `values` and `next` (Bitbucket).
    BodyNext,
}

/// An answer with a success status.
pub(crate) struct Response {
    /// Lower-cased header names and their values.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The URL that answered (after redirects).
    pub(crate) url: String,
}

impl Response {
    /// The first header called `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Result<Value, HostingError> {
        serde_json::from_slice(&self.body).map_err(|source| HostingError::BadJson {
            url: self.url.clone(),
            source,
        })
    }
}

/// The shared HTTP client of one [`crate::Client`].
pub(crate) struct Http {
    agent: ureq::Agent,
    origin: Origin,
    /// The API URL without a trailing `/`.
    base: String,
    /// The authentication header, sent only to `origin`.
    pub(crate) auth: Option<(&'static str, String)>,
    /// The token itself, to redact it from error excerpts.
    token: Option<String>,
    extra_headers: Vec<(&'static str, &'static str)>,
    pub(crate) max_wait: Duration,
    pub(crate) max_pages: usize,
    /// The reset time of a spent primary rate limit: the next request
    /// waits for it.
    blocked_until: Mutex<Option<u64>>,
    skipped: AtomicU64,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("base", &self.base)
            .field("auth", &self.auth.as_ref().map(|(name, _)| (*name, "[redacted]")))
            .field("max_wait", &self.max_wait)
            .field("max_pages", &self.max_pages)
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

/// Checks an API URL and returns its origin and base (no trailing `/`).
pub(crate) fn parse_api_url(url: &str) -> Result<(Origin, String), HostingError> {
    let bad = |reason: &str| HostingError::BadApiUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let origin = Origin::of(url).ok_or_else(|| bad("expected http(s)://host[:port][/path], without user info"))?;
    if url.contains(['?', '#']) {
        return Err(bad("the API URL cannot have a query or a fragment"));
    }
    if origin.scheme == "http" && !origin.is_loopback() {
        return Err(bad("plain http would send the token in clear; use https"));
    }
    Ok((origin, url.trim_end_matches('/').to_string()))
}

impl Http {
    /// A client for the API at `base` (already checked by [`parse_api_url`]).
    pub(crate) fn new(
        origin: Origin,
        base: String,
        auth: Option<(&'static str, String)>,
        token: Option<String>,
        extra_headers: Vec<(&'static str, &'static str)>,
    ) -> Http {
        let config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .user_agent(concat!("keyhound-hosting/", env!("CARGO_PKG_VERSION")))
            .build();
        Http {
            agent: config.into(),
            origin,
            base,
            auth,
            token,
            extra_headers,
            max_wait: DEFAULT_MAX_WAIT,
            max_pages: DEFAULT_MAX_PAGES,
            blocked_until: Mutex::new(None),
            skipped: AtomicU64::new(0),
        }
    }

    /// The token, for building another authentication header.
    pub(crate) fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The API's origin.
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The absolute URL of an API path (`/orgs/x/repos?...`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Items skipped as malformed so far.
    pub(crate) fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Records one malformed item.
    pub(crate) fn skip(&self, url: &str, reason: String, observer: &mut dyn FnMut(&Event)) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
        observer(&Event::Skipped {
            url: url.to_string(),
            reason,
        });
    }

    /// Parses every item of a listing with `parse`, skipping (and
    /// counting) those it rejects; `Ok(None)` leaves an item out silently
    /// (a pull request when only issues were asked for).
    pub(crate) fn parse_each<T>(
        &self,
        items: Vec<(String, Value)>,
        observer: &mut dyn FnMut(&Event),
        mut parse: impl FnMut(&Value) -> Result<Option<T>, String>,
    ) -> Vec<T> {
        let mut out = Vec::with_capacity(items.len());
        for (page, item) in items {
            let parsed = if item.is_object() {
                parse(&item)
            } else {
                Err("item is not a JSON object".to_string())
            };
            match parsed {
                Ok(Some(value)) => out.push(value),
                Ok(None) => {}
                Err(reason) => self.skip(&page, reason, observer),
            }
        }
        out
    }

    /// `url` made absolute and checked to be on the API origin.
    fn on_origin(&self, url: &str) -> Result<String, HostingError> {
        let absolute = if url.starts_with('/') && !url.starts_with("//") {
            format!("{}{}", self.origin, url)
        } else {
            url.to_string()
        };
        match Origin::of(&absolute) {
            Some(o) if o == self.origin => Ok(absolute),
            _ => Err(HostingError::ForeignHost {
                url: url.to_string(),
                api_origin: self.origin.to_string(),
            }),
        }
    }

    /// One JSON document.
    pub(crate) fn get_json(
        &self,
        url: &str,
        what: &str,
        observer: &mut dyn FnMut(&Event),
    ) -> Result<Value, HostingError> {
        self.get(url, what, observer)?.json()
    }

    /// Every item of a paginated listing, in order.
    pub(crate) fn get_all(
        &self,
        first: &str,
        what: &str,
        paging: Paging,
        observer: &mut dyn FnMut(&Event),
    ) -> Result<Vec<(String, Value)>, HostingError> {
        let mut items = Vec::new();
        let mut next = Some(first.to_string());
        let mut pages = 0usize;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > self.max_pages {
                return Err(HostingError::TooManyPages {
                    url: first.to_string(),
                    max_pages: self.max_pages,
                });
            }
            let url = self.on_origin(&url)?;
            let response = self.get(&url, what, observer)?;
            let body = response.json()?;
            let (page_items, following) = match paging {
                Paging::Link => {
                    let Value::Array(page_items) = body else {
                        return Err(HostingError::UnexpectedShape {
                            url: response.url,
                            expected: "a JSON array",
                        });
                    };
                    let following = response
                        .header("link")
                        .and_then(next_link)
                        .or_else(|| next_page_number(&response.url, response.header("x-next-page")?));
                    (page_items, following)
                }
                Paging::BodyNext => {
                    let Some(Value::Array(page_items)) = body.get("values").cloned() else {
                        return Err(HostingError::UnexpectedShape {
                            url: response.url,
                            expected: "an object with a `values` array",
                        });
                    };
                    (page_items, body.get("next").and_then(Value::as_str).map(str::to_string))
                }
            };
            items.extend(page_items.into_iter().map(|item| (response.url.clone(), item)));
            next = following;
        }
        Ok(items)
    }

    /// One successful answer, after redirects on the origin, rate-limit
    /// waits and retries; every other outcome is a typed error.
    pub(crate) fn get(
        &self,
        url: &str,
        what: &str,
        observer: &mut dyn FnMut(&Event),
    ) -> Result<Response, HostingError> {
        let mut url = self.on_origin(url)?;
        let mut retries = 0;
        let mut redirects = 0;
        loop {
            self.wait_if_blocked(observer)?;
            observer(&Event::Page { url: url.clone() });
            let (status, response) = self.send(url)?;
            let limit = rate_limit(&response);
            if limit != RateLimit::default() {
                observer(&Event::RateLimit(limit));
            }
            if limit.remaining == Some(0) {
                if let Some(reset) = limit.reset_epoch {
                    *self.blocked_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(reset);
                }
            }
            match status {
                200..=299 => return Ok(response),
                301 | 302 | 303 | 307 | 308 => {
                    let location = response.header("location").unwrap_or_default().to_string();
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(HostingError::TooManyRedirects { url: response.url });
                    }
                    url = self.on_origin(&location)?;
                }
                403 | 429 => {
                    let retry_after = response
                        .header("retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    let primary_spent = limit.remaining == Some(0) && limit.reset_epoch.is_some();
                    if retry_after.is_none() && !primary_spent {
                        return Err(if status == 429 {
                            HostingError::RateLimited {
                                reset_epoch: limit.reset_epoch,
                            }
                        } else {
                            HostingError::Forbidden {
                                url: response.url.clone(),
                                body_excerpt: self.excerpt(&response.body),
                            }
                        });
                    }
                    if retries >= MAX_RETRIES {
                        return Err(HostingError::RateLimited {
                            reset_epoch: limit.reset_epoch,
                        });
                    }
                    retries += 1;
                    if let Some(seconds) = retry_after {
                        let wait = Duration::from_secs(seconds);
                        if wait > self.max_wait {
                            return Err(HostingError::RateLimited {
                                reset_epoch: Some(now().as_secs().saturating_add(seconds)),
                            });
                        }
                        observer(&Event::Waiting {
                            seconds,
                            reason: format!("the server asked to retry after {seconds} s (HTTP {status})"),
                        });
                        std::thread::sleep(wait);
                    }
                    // Otherwise `blocked_until` holds the reset and the
                    // next turn waits for it.
                    url = response.url;
                }
                502..=504 if retries < MAX_RETRIES => {
                    // A gateway's hiccup (GitHub answers 502 to slow
                    // listings): back off 1, 2, 4 s and ask again.
                    let wait = Duration::from_secs(1 << retries).min(self.max_wait);
                    retries += 1;
                    observer(&Event::Waiting {
                        seconds: ceil_secs(wait),
                        reason: format!("HTTP {status} from the server; retrying"),
                    });
                    std::thread::sleep(wait);
                    url = response.url;
                }
                401 => return Err(HostingError::Unauthorized { url: response.url }),
                404 => {
                    return Err(HostingError::NotFound {
                        what: what.to_string(),
                        url: response.url,
                    })
                }
                _ => {
                    return Err(HostingError::Http {
                        body_excerpt: self.excerpt(&response.body),
                        url: response.url,
                        status,
                    })
                }
            }
        }
    }

    /// Sleeps until a spent primary limit resets, if that is within the
    /// maximum wait.
    fn wait_if_blocked(&self, observer: &mut dyn FnMut(&Event)) -> Result<(), HostingError> {
        let reset = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(reset) = reset else { return Ok(()) };
        let target = Duration::from_secs(reset);
        let now = now();
        if target <= now {
            return Ok(());
        }
        let wait = target - now;
        if wait > self.max_wait {
            // Keep the block so later calls fail fast too.
            *self.blocked_until.lock().unwrap_or_else(|e| e.into_inner()) = Some(reset);
            return Err(HostingError::RateLimited {
                reset_epoch: Some(reset),
            });
        }
        observer(&Event::Waiting {
            seconds: ceil_secs(wait),
            reason: format!("the rate limit is spent until {reset} (Unix time)"),
        });
        std::thread::sleep(wait);
        Ok(())
    }

    /// One GET on the origin, with the headers.
    fn send(&self, url: String) -> Result<(u16, Response), HostingError> {
        let transport = |source: ureq::Error| HostingError::Transport {
            url: url.clone(),
            source: Box::new(source),
        };
        let mut request = self.agent.get(&url);
        for (name, value) in &self.extra_headers {
            request = request.header(*name, *value);
        }
        // `on_origin` has checked `url`; this is the only place the token
        // is attached.
        if let Some((name, value)) = &self.auth {
            request = request.header(*name, value.as_str());
        }
        let mut response = request.call().map_err(transport)?;
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
            .map_err(transport)?;
        Ok((status, Response { headers, body, url }))
    }

    /// The start of an error answer, with the token (should a server echo
    /// it) replaced.
    fn excerpt(&self, body: &[u8]) -> String {
        let text = String::from_utf8_lossy(body);
        let mut excerpt: String = text.chars().take(EXCERPT_CHARS).collect();
        if let Some(token) = self.token.as_deref().filter(|t| !t.is_empty()) {
            excerpt = text.replace(token, "[token]").chars().take(EXCERPT_CHARS).collect();
        }
        excerpt.trim().to_string()
    }
}

/// A listing of an issue tracker that may be switched off: GitHub answers
/// 410 Gone, the others 404, and either means "no issues here", not a
/// failure of the audit.
pub(crate) fn absent_is_empty<T>(result: Result<Vec<T>, HostingError>) -> Result<Vec<T>, HostingError> {
    match result {
        Err(e) if is_absent(&e) => Ok(Vec::new()),
        other => other,
    }
}

/// Whether an error is a 404 or a 410: a listing that is not there.
pub(crate) fn is_absent(error: &HostingError) -> bool {
    matches!(
        error,
        HostingError::NotFound { .. } | HostingError::Http { status: 410, .. }
    )
}

/// A duration in whole seconds, rounded up, for [`Event::Waiting`].
fn ceil_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// Now, as time since the Unix epoch.
fn now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// The rate-limit headers of an answer: GitHub's and Gitea's
/// `x-ratelimit-*`, GitLab's `ratelimit-*`.
fn rate_limit(response: &Response) -> RateLimit {
    let number = |name: &str| {
        response
            .header(&format!("x-ratelimit-{name}"))
            .or_else(|| response.header(&format!("ratelimit-{name}")))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    RateLimit {
        limit: number("limit"),
        remaining: number("remaining"),
        reset_epoch: number("reset"),
    }
}

/// The `rel="next"` target of a `Link` header (RFC 8288).
pub(crate) fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    loop {
        let start = rest.find('<')?;
        let end = start + rest[start..].find('>')?;
        let target = &rest[start + 1..end];
        let after = &rest[end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        let is_next = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            let Some((key, value)) = p.split_once('=') else {
                return false;
            };
            key.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.to_string());
        }
        rest = &after[params_end..];
    }
}

/// GitLab's fallback when it leaves out `Link` (very large listings):
/// `x-next-page` holds the next page number, set here as `page=` on the
/// current URL. Empty means last page.
fn next_page_number(current: &str, next_page: &str) -> Option<String> {
    let page: u64 = next_page.trim().parse().ok()?;
    let (path, query) = current.split_once('?').unwrap_or((current, ""));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .map(str::to_string)
        .collect();
    params.push(format!("page={page}"));
    Some(format!("{path}?{}", params.join("&")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next_is_found_among_others() {
        let header = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last""#;
        assert_eq!(next_link(header).as_deref(), Some("https://api.github.com/x?page=3"));
        assert_eq!(next_link(r#"<https://a/x?page=1>; rel="first""#), None);
        assert_eq!(next_link("garbage"), None);
        assert_eq!(
            next_link(r#"<https://a/x?p=2>; rel=next"#).as_deref(),
            Some("https://a/x?p=2")
        );
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Origin::of("https://API.github.com/x").unwrap();
        assert_eq!(Some(a.clone()), Origin::of("https://api.github.com:443/y?z"));
        assert_ne!(Some(a.clone()), Origin::of("http://api.github.com/y"));
        assert_ne!(Some(a.clone()), Origin::of("https://api.github.com.evil.com/"));
        assert_ne!(Some(a), Origin::of("https://api.github.com:8443/"));
        assert_eq!(Origin::of("https://user:pw@host/"), None);
        assert_eq!(Origin::of("ftp://host/"), None);
        assert_eq!(Origin::of("http://[::1]:8080/x").unwrap().authority(), "[::1]:8080");
    }

    #[test]
    fn api_urls_refuse_clear_text_off_the_machine() {
        assert!(parse_api_url("http://gitea.example.com/api/v1").is_err());
        assert!(parse_api_url("https://gitea.example.com/api/v1?x=1").is_err());
        let (_, base) = parse_api_url("http://127.0.0.1:3000/api/v1/").unwrap();
        assert_eq!(base, "http://127.0.0.1:3000/api/v1");
    }

    #[test]
    fn segments_escape_separators_and_refuse_dots() {
        assert_eq!(segment("a/b?c#d%").unwrap(), "a%2Fb%3Fc%23d%25");
        assert_eq!(segment("my.repo-x_y~").unwrap(), "my.repo-x_y~");
        assert!(segment("..").is_err());
        assert!(segment("").is_err());
        assert!(owner_and_name("a/b/c").is_err());
    }

    #[test]
    fn gitlab_next_page_replaces_the_page_parameter() {
        assert_eq!(
            next_page_number("https://h/api/v4/p?per_page=100&page=2", "3").as_deref(),
            Some("https://h/api/v4/p?per_page=100&page=3")
        );
        assert_eq!(next_page_number("https://h/p?per_page=100", ""), None);
    }
}
