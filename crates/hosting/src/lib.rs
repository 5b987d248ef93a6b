//! The REST-API side of auditing whole organisations on code-hosting
//! platforms: which repositories an organisation, group, workspace or user
//! has (and how to clone them), a user's gists, and the text people wrote
//! in issues, pull requests and their comments, where secrets are pasted
//! as often as into code.
//!
//! One [`Client`] per platform and API URL. Every call takes an observer
//! that sees [`Event`]s (pages, rate-limit state, waits, skipped items) so
//! a command line can show progress.
//!
//! Security: the token is sent only to the API's own scheme, host and port.
//! A redirect or a pagination link to anywhere else is not followed; the
//! call stops with [`HostingError::ForeignHost`] so that nothing, token or
//! not, is fetched from a host the caller did not name. Plain `http` API
//! URLs are refused except on loopback addresses. The token appears in no
//! error, event or `Debug` output.
//!
//! Robustness: an item of a listing with a field missing or of the wrong
//! type is skipped, reported as [`Event::Skipped`] and counted by
//! [`Client::skipped_items`]. Listings stop at [`Client::with_max_pages`]
//! pages, so a server whose `next` link loops cannot keep a run going.

mod bitbucket;
mod error;
mod gitea;
mod github;
mod gitlab;
mod http;
mod model;

use std::time::Duration;

pub use error::HostingError;
pub use model::{Event, Gist, Owner, Platform, RateLimit, Repo, TextItem, TextKind};

/// A client for one platform's REST API, with the token (if any) bound to
/// that API's host.
pub struct Client {
    platform: Platform,
    http: http::Http,
}

impl std::fmt::Debug for Client {
    /// Shows the platform and API, never the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("platform", &self.platform)
            .field("http", &self.http)
            .finish()
    }
}

impl Client {
    /// A client for `platform` at `api_url`, or at the platform's public
    /// API when `api_url` is `None` (`https://api.github.com`,
    /// `https://gitlab.com/api/v4`, `https://api.bitbucket.org/2.0`; Gitea
    /// has no public default, so its `api_url`, `https://host/api/v1`, is
    /// required). `token` is sent with every request to that API, in the
    /// header the platform documents.
    pub fn new(platform: Platform, api_url: Option<&str>, token: Option<String>) -> Result<Client, HostingError> {
        let api_url = match (api_url, platform) {
            (Some(url), _) => url,
            (None, Platform::GitHub) => "https://api.github.com",
            (None, Platform::GitLab) => "https://gitlab.com/api/v4",
            (None, Platform::Bitbucket) => "https://api.bitbucket.org/2.0",
            (None, Platform::Gitea) => {
                return Err(HostingError::BadApiUrl {
                    url: String::new(),
                    reason: "Gitea and Forgejo need the API URL (https://host/api/v1)".to_string(),
                })
            }
        };
        let (origin, base) = http::parse_api_url(api_url)?;
        let token = token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if token.as_deref().is_some_and(|t| t.chars().any(char::is_control)) {
            return Err(HostingError::BadToken);
        }
        let auth = token.as_ref().map(|t| match platform {
            Platform::GitHub | Platform::Bitbucket => ("Authorization", format!("Bearer {t}")),
            Platform::GitLab => ("PRIVATE-TOKEN", t.clone()),
            Platform::Gitea => ("Authorization", format!("token {t}")),
        });
        let extra = match platform {
            Platform::GitHub => github::HEADERS.to_vec(),
            _ => vec![("Accept", "application/json")],
        };
        Ok(Client {
            platform,
            http: http::Http::new(origin, base, auth, token, extra),
        })
    }

    /// Sets the longest the client sleeps for one rate-limit reset or
    /// `Retry-After` (default 15 minutes); a longer wait is
    /// [`HostingError::RateLimited`] instead, so an unattended run does
    /// not hang for an hour.
    pub fn with_max_wait(mut self, max_wait: Duration) -> Client {
        self.http.max_wait = max_wait;
        self
    }

    /// Sets the most pages one listing may have (default 10 000), the
    /// bound that stops a server whose `next` link loops.
    pub fn with_max_pages(mut self, max_pages: usize) -> Client {
        self.http.max_pages = max_pages.max(1);
        self
    }

    /// Sends a GitLab token as `Authorization: Bearer` instead of in
    /// `PRIVATE-TOKEN`: OAuth2 access tokens need it, personal, group and
    /// project access tokens work either way. The other platforms have one
    /// documented header each and are not changed.
    pub fn with_bearer_auth(mut self) -> Client {
        if let (Platform::GitLab, Some(token)) = (self.platform, self.http.token()) {
            self.http.auth = Some(("Authorization", format!("Bearer {token}")));
        }
        self
    }

    /// The platform this client speaks to.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// Every repository of `owner`, forks and archived ones included (the
    /// caller filters on [`Repo::fork`] and [`Repo::archived`]).
    pub fn list_repos(&self, owner: &Owner, observer: &mut dyn FnMut(&Event)) -> Result<Vec<Repo>, HostingError> {
        match self.platform {
            Platform::GitHub => github::list_repos(&self.http, owner, observer),
            Platform::GitLab => gitlab::list_repos(&self.http, owner, observer),
            Platform::Bitbucket => bitbucket::list_repos(&self.http, owner, observer),
            Platform::Gitea => gitea::list_repos(&self.http, owner, observer),
        }
    }

    /// One repository by its full name (`owner/name`; GitLab
    /// `group/sub/name`), for auditing a single repository's issues.
    pub fn repo(&self, full_name: &str, observer: &mut dyn FnMut(&Event)) -> Result<Repo, HostingError> {
        match self.platform {
            Platform::GitHub => github::repo(&self.http, full_name, observer),
            Platform::GitLab => gitlab::repo(&self.http, full_name, observer),
            Platform::Bitbucket => bitbucket::repo(&self.http, full_name, observer),
            Platform::Gitea => gitea::repo(&self.http, full_name, observer),
        }
    }

    /// The text of `repo`'s issues (`issues`) and pull requests (`pulls`):
    /// titles with bodies, conversation comments, and review comments on
    /// diffs (not on Gitea; see its module). A switched-off issue tracker
    /// gives no items, not an error.
    pub fn issue_texts(
        &self,
        repo: &Repo,
        issues: bool,
        pulls: bool,
        observer: &mut dyn FnMut(&Event),
    ) -> Result<Vec<TextItem>, HostingError> {
        if !issues && !pulls {
            return Ok(Vec::new());
        }
        match self.platform {
            Platform::GitHub => github::issue_texts(&self.http, repo, issues, pulls, observer),
            Platform::GitLab => gitlab::issue_texts(&self.http, repo, issues, pulls, observer),
            Platform::Bitbucket => bitbucket::issue_texts(&self.http, repo, issues, pulls, observer),
            Platform::Gitea => gitea::issue_texts(&self.http, repo, issues, pulls, observer),
        }
    }

    /// `user`'s gists, each a git repository to clone. GitHub only; the
    /// other platforms answer [`HostingError::Unsupported`] (GitLab's
    /// snippets are not gists and are not covered).
    pub fn gists(&self, user: &str, observer: &mut dyn FnMut(&Event)) -> Result<Vec<Gist>, HostingError> {
        match self.platform {
            Platform::GitHub => github::gists(&self.http, user, observer),
            other => Err(HostingError::Unsupported {
                platform: other.name(),
                what: "gists".to_string(),
            }),
        }
    }

    /// The host clone URLs are expected on, so the caller sends the token
    /// with a clone only to it: `github.com` for `api.github.com`,
    /// `bitbucket.org` for `api.bitbucket.org`, and otherwise the API's own
    /// host (with its port when not the default), which is where
    /// self-hosted GitHub Enterprise, GitLab and Gitea serve git too.
    pub fn git_host(&self) -> String {
        let origin = self.http.origin();
        match (self.platform, origin.host()) {
            (Platform::GitHub, "api.github.com") => "github.com".to_string(),
            (Platform::Bitbucket, "api.bitbucket.org") => "bitbucket.org".to_string(),
            _ => origin.authority(),
        }
    }

    /// Whether `clone_url` is an `https` URL on [`Client::git_host`], the
    /// check to make before putting the token into a clone of it (a
    /// repository's clone URL comes from the server and could point
    /// anywhere).
    pub fn is_on_git_host(&self, clone_url: &str) -> bool {
        let Some(origin) = http::Origin::of(clone_url) else {
            return false;
        };
        let api = self.http.origin();
        let scheme_ok = clone_url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            || (api.to_string().starts_with("http://") && clone_url.starts_with("http://"));
        scheme_ok && origin.authority() == self.git_host()
    }

    /// The user name that goes with the token as password in an HTTPS
    /// clone: `x-access-token` (GitHub), `oauth2` (GitLab), `x-token-auth`
    /// (Bitbucket access tokens), and `oauth2` for Gitea/Forgejo, which
    /// take any user name when the password is a token (old Gitea releases
    /// wanted the token owner's name; use that there).
    pub fn token_username(&self) -> &'static str {
        match self.platform {
            Platform::GitHub => "x-access-token",
            Platform::GitLab | Platform::Gitea => "oauth2",
            Platform::Bitbucket => "x-token-auth",
        }
    }

    /// How many listing items were malformed and skipped so far, over
    /// every call on this client.
    pub fn skipped_items(&self) -> u64 {
        self.http.skipped()
    }
}
