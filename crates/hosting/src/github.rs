//! GitHub's REST API (github.com and Enterprise Server): repositories of an
//! organisation or a user, one repository, issue and pull-request texts
//! with their conversation and review comments, and gists.
//!
//! When a repository's issue tracker is off, GitHub answers 410 on its
//! issue endpoints: there are no issues then, pull-request bodies come
//! from `/pulls`, and pull-request conversation comments (served only by
//! the issue-comment endpoints) cannot be read.
//!
//! Not covered: a user's private repositories (`GET /user/repos`, which
//! lists the token owner's, not a named user's) and discussions (GraphQL
//! only).

use serde_json::Value;

use crate::error::HostingError;
use crate::http::{absent_is_empty, is_absent, owner_and_name, segment, Http, Paging};
use crate::model::{
    id_at, need_str, opt_bool, opt_str, str_at, title_and_body, u64_at, Event, Gist, Owner, Repo, TextItem, TextKind,
};

/// The headers GitHub documents for every REST call.
pub(crate) const HEADERS: &[(&str, &str)] = &[
    ("Accept", "application/vnd.github+json"),
    ("X-GitHub-Api-Version", "2022-11-28"),
];

/// `GET /orgs/{org}/repos?type=all` or `GET /users/{user}/repos?type=owner`.
pub(crate) fn list_repos(
    http: &Http,
    owner: &Owner,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<Repo>, HostingError> {
    let (path, what) = match owner {
        Owner::Org(org) => (
            format!("/orgs/{}/repos?type=all&per_page=100", segment(org)?),
            format!("GitHub organisation {org}"),
        ),
        Owner::User(user) => (
            format!("/users/{}/repos?type=owner&per_page=100", segment(user)?),
            format!("GitHub user {user}"),
        ),
        Owner::Group(_) | Owner::Workspace(_) => {
            return Err(HostingError::Unsupported {
                platform: "GitHub",
                what: "groups and workspaces (use Owner::Org or Owner::User)".to_string(),
            })
        }
    };
    let items = http.get_all(&http.url(&path), &what, Paging::Link, observer)?;
    Ok(http.parse_each(items, observer, |item| parse_repo(item).map(Some)))
}

/// `GET /repos/{owner}/{repo}` (GitHub redirects renamed repositories on
/// the API host; the redirect is followed).
pub(crate) fn repo(http: &Http, full_name: &str, observer: &mut dyn FnMut(&Event)) -> Result<Repo, HostingError> {
    let (owner, name) = owner_and_name(full_name)?;
    let url = http.url(&format!("/repos/{owner}/{name}"));
    let value = http.get_json(&url, &format!("GitHub repository {full_name}"), observer)?;
    parse_repo(&value).map_err(|_| HostingError::UnexpectedShape {
        url,
        expected: "a repository object",
    })
}

/// A repository item; `Err` says which field was unusable.
fn parse_repo(item: &Value) -> Result<Repo, String> {
    let html_url = need_str(item, &["html_url"])?;
    let has_wiki = opt_bool(item, &["has_wiki"], false)?;
    Ok(Repo {
        full_name: need_str(item, &["full_name"])?,
        clone_url: need_str(item, &["clone_url"])?,
        fork: opt_bool(item, &["fork"], false)?,
        archived: opt_bool(item, &["archived"], false)?,
        has_wiki,
        wiki_clone_url: has_wiki.then(|| format!("{html_url}.wiki.git")),
        default_branch: str_at(item, &["default_branch"]),
        size_kb: u64_at(item, &["size"]),
        html_url,
    })
}

/// Issue and pull-request bodies from `/issues?state=all` (pull requests
/// are the items with a `pull_request` key), conversation comments from
/// `/issues/comments` (a pull request's have `/pull/` in their URL), and
/// review comments from `/pulls/comments`.
pub(crate) fn issue_texts(
    http: &Http,
    repo: &Repo,
    issues: bool,
    pulls: bool,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<TextItem>, HostingError> {
    let (owner, name) = owner_and_name(&repo.full_name)?;
    let base = format!("/repos/{owner}/{name}");
    let what = format!("GitHub issues of {}", repo.full_name);
    let mut out = Vec::new();

    let url = http.url(&format!("{base}/issues?state=all&per_page=100"));
    let (items, tracker_off) = match http.get_all(&url, &what, Paging::Link, observer) {
        Ok(items) => (items, false),
        Err(e) if is_absent(&e) => (Vec::new(), true),
        Err(e) => return Err(e),
    };
    out.extend(http.parse_each(items, observer, |item| {
        let is_pull = item.get("pull_request").is_some_and(|v| !v.is_null());
        if (is_pull && !pulls) || (!is_pull && !issues) {
            return Ok(None);
        }
        body(
            item,
            if is_pull {
                TextKind::PullBody
            } else {
                TextKind::IssueBody
            },
        )
        .map(Some)
    }));
    if tracker_off && pulls {
        // With the issue tracker off GitHub answers 410 on `/issues`, but
        // pull requests still exist: their bodies come from `/pulls`.
        let url = http.url(&format!("{base}/pulls?state=all&per_page=100"));
        let items = http.get_all(&url, &what, Paging::Link, observer)?;
        out.extend(http.parse_each(items, observer, |item| body(item, TextKind::PullBody).map(Some)));
    }

    let url = http.url(&format!("{base}/issues/comments?per_page=100"));
    let items = absent_is_empty(http.get_all(&url, &what, Paging::Link, observer))?;
    out.extend(http.parse_each(items, observer, |item| {
        let html_url = need_str(item, &["html_url"])?;
        let is_pull = html_url.contains("/pull/");
        if (is_pull && !pulls) || (!is_pull && !issues) {
            return Ok(None);
        }
        comment(
            item,
            html_url,
            if is_pull {
                TextKind::PullComment
            } else {
                TextKind::IssueComment
            },
        )
    }));

    if pulls {
        let url = http.url(&format!("{base}/pulls/comments?per_page=100"));
        let items = http.get_all(
            &url,
            &format!("GitHub review comments of {}", repo.full_name),
            Paging::Link,
            observer,
        )?;
        out.extend(http.parse_each(items, observer, |item| {
            let html_url = need_str(item, &["html_url"])?;
            comment(item, html_url, TextKind::ReviewComment)
        }));
    }
    Ok(out)
}

/// An issue or pull request item: its title and body.
fn body(item: &Value, kind: TextKind) -> Result<TextItem, String> {
    let title = need_str(item, &["title"])?;
    let body = opt_str(item, &["body"])?;
    Ok(TextItem {
        url: need_str(item, &["html_url"])?,
        kind,
        author: str_at(item, &["user", "login"]),
        created_at: str_at(item, &["created_at"]),
        text: title_and_body(&title, body.as_deref()),
    })
}

/// A comment item; empty comments are left out.
fn comment(item: &Value, url: String, kind: TextKind) -> Result<Option<TextItem>, String> {
    let body = opt_str(item, &["body"])?.unwrap_or_default();
    if body.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(TextItem {
        url,
        kind,
        author: str_at(item, &["user", "login"]),
        created_at: str_at(item, &["created_at"]),
        text: body,
    }))
}

/// `GET /users/{user}/gists`: a user's public gists (and secret ones when
/// the token is that user's).
pub(crate) fn gists(http: &Http, user: &str, observer: &mut dyn FnMut(&Event)) -> Result<Vec<Gist>, HostingError> {
    let url = http.url(&format!("/users/{}/gists?per_page=100", segment(user)?));
    let items = http.get_all(&url, &format!("GitHub user {user}"), Paging::Link, observer)?;
    Ok(http.parse_each(items, observer, |item| {
        Ok(Some(Gist {
            id: str_at(item, &["id"]).map_or_else(|| id_at(item, &["id"]), Ok)?,
            html_url: need_str(item, &["html_url"])?,
            clone_url: need_str(item, &["git_pull_url"])?,
        }))
    }))
}
