//! The one error type of the crate.

/// Why a call to a hosting platform failed.
///
/// Exists so that a caller can tell "this organisation does not exist" from
/// "your token is wrong" from "come back in twenty minutes" without parsing
/// messages. No variant ever holds the token: URLs are the request URLs
/// (the token travels in a header, never in a URL) and body excerpts have
/// the token replaced by `[token]` should a server echo it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HostingError {
    /// The API URL given to [`crate::Client::new`] cannot be used.
    #[error("unusable API URL {url:?}: {reason}")]
    BadApiUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The token cannot be sent in an HTTP header (it holds a line break
    /// or another control character). The token itself is not kept.
    #[error("the token holds characters that cannot go in an HTTP header")]
    BadToken,
    /// A name (owner, repository, user) that cannot be put in a URL path,
    /// such as an empty string or `..`.
    #[error("unusable name {name:?}: {reason}")]
    BadName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The platform answered 404 for the thing asked for.
    #[error("{what} not found ({url})")]
    NotFound {
        /// What was asked for, in words ("GitHub organisation acme").
        what: String,
        /// The request URL.
        url: String,
    },
    /// The platform answered 401: the token is missing, wrong or expired.
    #[error("unauthorized at {url}: the token is missing, wrong or expired")]
    Unauthorized {
        /// The request URL.
        url: String,
    },
    /// The platform answered 403 and it was not a rate limit: the token
    /// lacks a scope, or the organisation enforces SSO or IP allow lists.
    #[error("forbidden at {url}: {body_excerpt}")]
    Forbidden {
        /// The request URL.
        url: String,
        /// The first bytes of the answer, which usually say why.
        body_excerpt: String,
    },
    /// The rate limit is spent and waiting for its reset would take longer
    /// than the client's maximum wait (or the retries ran out).
    #[error("rate limited{}", match reset_epoch { Some(t) => format!(" until {t} (Unix time)"), None => String::new() })]
    RateLimited {
        /// When the platform says the limit resets, in Unix seconds.
        reset_epoch: Option<u64>,
    },
    /// Any other answer that is not a success.
    #[error("HTTP {status} from {url}: {body_excerpt}")]
    Http {
        /// The request URL.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The first bytes of the answer.
        body_excerpt: String,
    },
    /// No answer at all: DNS, connection, TLS, timeout, or a body that
    /// could not be read.
    #[error("request to {url} failed")]
    Transport {
        /// The request URL.
        url: String,
        /// What the HTTP client reported.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The answer was not JSON.
    #[error("answer from {url} is not JSON")]
    BadJson {
        /// The request URL.
        url: String,
        /// What the JSON parser reported.
        #[source]
        source: serde_json::Error,
    },
    /// The answer was JSON but not of the documented shape as a whole
    /// (a listing that is not an array, an object without `values`).
    /// A malformed single item is not an error: it is skipped and counted.
    #[error("answer from {url} is not {expected}")]
    UnexpectedShape {
        /// The request URL.
        url: String,
        /// What the answer should have been.
        expected: &'static str,
    },
    /// A pagination link or a redirect points at another host than the
    /// API's. It is not followed, so the token never reaches that host.
    #[error("refusing to follow {url}: it is not on the API host {api_origin}")]
    ForeignHost {
        /// Where the link or redirect pointed.
        url: String,
        /// The API's scheme, host and port.
        api_origin: String,
    },
    /// A listing had more pages than the client's bound, which protects
    /// against a server whose `next` link loops.
    #[error("more than {max_pages} pages listing {url}")]
    TooManyPages {
        /// The first page's URL.
        url: String,
        /// The bound.
        max_pages: usize,
    },
    /// More redirects than the bound in a row.
    #[error("too many redirects from {url}")]
    TooManyRedirects {
        /// The request URL.
        url: String,
    },
    /// The platform has no such thing (gists outside GitHub, groups outside
    /// GitLab).
    #[error("{platform} does not support {what}")]
    Unsupported {
        /// The platform's name.
        platform: &'static str,
        /// What was asked for.
        what: String,
    },
}
