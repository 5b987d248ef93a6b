//! The data the crate hands back, the same for every platform, and the
//! lenient JSON accessors the platform modules read items with.

use serde::Serialize;
use serde_json::Value;

/// A code-hosting platform, which decides endpoints, headers, pagination
/// and field names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum Platform {
    /// GitHub.com or GitHub Enterprise Server (`https://host/api/v3`).
    GitHub,
    /// GitLab.com or a self-managed GitLab (`https://host/api/v4`).
    GitLab,
    /// Bitbucket Cloud (REST API 2.0). Bitbucket Server/Data Center has a
    /// different API and is not covered.
    Bitbucket,
    /// Gitea, and Forgejo, which keeps Gitea's API (`https://host/api/v1`).
    Gitea,
}

impl Platform {
    /// The platform's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Platform::GitHub => "GitHub",
            Platform::GitLab => "GitLab",
            Platform::Bitbucket => "Bitbucket",
            Platform::Gitea => "Gitea",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whose repositories to list. Platforms name their owners differently;
/// the variants keep the caller's intent so each platform can refuse what
/// it does not have.
///
/// | variant     | GitHub | GitLab               | Bitbucket | Gitea |
/// |-------------|--------|----------------------|-----------|-------|
/// | `Org`       | org    | group (same as Group)| workspace | org   |
/// | `User`      | user   | user                 | workspace | user  |
/// | `Group`     | –      | group + subgroups    | –         | –     |
/// | `Workspace` | –      | –                    | workspace | –     |
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Owner {
    /// An organisation.
    Org(String),
    /// A user account.
    User(String),
    /// A GitLab group, given by numeric id or full path (`a/b/c`); its
    /// subgroups' projects are included.
    Group(String),
    /// A Bitbucket workspace.
    Workspace(String),
}

/// One repository as the platform's API describes it: what a caller needs
/// to decide whether to clone it, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Repo {
    /// `owner/name` (GitLab: the full namespace path, `group/sub/name`).
    pub full_name: String,
    /// The HTTPS clone URL as the API gives it (Bitbucket's has its
    /// `user@` prefix removed, so the caller can add its own credentials).
    pub clone_url: String,
    /// The repository's web page.
    pub html_url: String,
    /// Whether it is a fork of another repository.
    pub fork: bool,
    /// Whether it is archived (read-only). Bitbucket has no such state.
    pub archived: bool,
    /// Whether the wiki is enabled (it may still be empty).
    pub has_wiki: bool,
    /// The wiki's clone URL when the wiki is enabled and the platform keeps
    /// it in a git repository with a known URL (`None` on Bitbucket).
    pub wiki_clone_url: Option<String>,
    /// The default branch, if the repository has one (empty ones do not).
    pub default_branch: Option<String>,
    /// The size the platform reports, in KiB (GitLab does not report one
    /// in listings).
    pub size_kb: Option<u64>,
}

/// The rate-limit state a platform reported with an answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in this window.
    pub remaining: Option<u64>,
    /// When the window resets, in Unix seconds.
    pub reset_epoch: Option<u64>,
}

/// What kind of text a [`TextItem`] is, so findings can say where a secret
/// was posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TextKind {
    /// An issue's title and body.
    IssueBody,
    /// A comment on an issue.
    IssueComment,
    /// A pull (merge) request's title and description.
    PullBody,
    /// A conversation comment on a pull request.
    PullComment,
    /// A review comment on a line of a pull request's diff.
    ReviewComment,
}

/// A piece of text people wrote on the platform outside git: secrets are
/// pasted into issues and review comments as often as into code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TextItem {
    /// The web URL of the issue, pull request or comment.
    pub url: String,
    /// What it is.
    pub kind: TextKind,
    /// The author's login, when the platform gives one.
    pub author: Option<String>,
    /// When it was written, as the platform formats it (ISO 8601).
    pub created_at: Option<String>,
    /// Bodies: the title, a blank line, then the body. Comments: the body.
    pub text: String,
}

/// A GitHub gist: a small git repository of its own, cloned like one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gist {
    /// The gist's id.
    pub id: String,
    /// Its web page.
    pub html_url: String,
    /// Its HTTPS clone URL.
    pub clone_url: String,
}

/// Progress a call reports while it runs, so a command line can show why
/// an audit is slow (paging, waiting for a rate limit) or lossy (skipped
/// items). Never holds the token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The rate-limit headers of an answer.
    RateLimit(RateLimit),
    /// The client is about to sleep before the next request.
    Waiting {
        /// How long, rounded up to whole seconds.
        seconds: u64,
        /// Why (the primary limit is spent, or the server asked to retry).
        reason: String,
    },
    /// A request is about to be sent.
    Page {
        /// Its URL.
        url: String,
    },
    /// An item of a listing was malformed (a field missing or of the wrong
    /// type) and left out; [`crate::Client::skipped_items`] counts them.
    Skipped {
        /// The URL of the page the item was on.
        url: String,
        /// What was wrong with it.
        reason: String,
    },
}

/// The value at a path of object keys, if every step is an object.
pub(crate) fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.as_object()?.get(*key))
}

/// A string at `path`; `None` when missing, null or not a string.
pub(crate) fn str_at(value: &Value, path: &[&str]) -> Option<String> {
    at(value, path)?.as_str().map(str::to_string)
}

/// A required string: `Err` names the field, for the skip reason.
pub(crate) fn need_str(value: &Value, path: &[&str]) -> Result<String, String> {
    str_at(value, path).ok_or_else(|| format!("field {} missing or not a string", path.join(".")))
}

/// An optional string that must be a string or null when present; `Err`
/// when it is something else (a number where a body should be).
pub(crate) fn opt_str(value: &Value, path: &[&str]) -> Result<Option<String>, String> {
    match at(value, path) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("field {} is not a string", path.join("."))),
    }
}

/// A boolean at `path`; missing or null is `default`, another type is `Err`.
pub(crate) fn opt_bool(value: &Value, path: &[&str], default: bool) -> Result<bool, String> {
    match at(value, path) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(format!("field {} is not a boolean", path.join("."))),
    }
}

/// A non-negative integer at `path`, if there is one.
pub(crate) fn u64_at(value: &Value, path: &[&str]) -> Option<u64> {
    at(value, path)?.as_u64()
}

/// An id that platforms give as a number (and some proxies as a string),
/// rendered for use in a URL path.
pub(crate) fn id_at(value: &Value, path: &[&str]) -> Result<String, String> {
    match at(value, path) {
        Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Ok(s.clone()),
        _ => Err(format!("field {} missing or not a numeric id", path.join("."))),
    }
}

/// `title` + blank line + `body`, or the title alone when the body is empty.
pub(crate) fn title_and_body(title: &str, body: Option<&str>) -> String {
    match body {
        Some(b) if !b.trim().is_empty() => format!("{title}\n\n{b}"),
        _ => title.to_string(),
    }
}
