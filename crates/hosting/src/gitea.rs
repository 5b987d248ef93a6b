//! Gitea's REST API v1, which Forgejo keeps: repositories of an
//! organisation or a user, one repository, and the texts of issues and
//! pull requests with their conversation comments.
//!
//! Not covered: pull-request review comments. Gitea lists them only per
//! review (`/pulls/{index}/reviews/{id}/comments`), two requests per pull
//! request and review; they are skipped, so `ReviewComment` never comes
//! from Gitea. Also not covered: wiki pages through the API (the wiki is
//! cloned from `{html_url}.wiki.git`).

use serde_json::Value;

use crate::error::HostingError;
use crate::http::{absent_is_empty, owner_and_name, segment, Http, Paging};
use crate::model::{
    need_str, opt_bool, opt_str, str_at, title_and_body, u64_at, Event, Owner, Repo, TextItem, TextKind,
};

/// `GET /orgs/{org}/repos` or `GET /users/{user}/repos`, 50 a page (the
/// server's default maximum).
pub(crate) fn list_repos(
    http: &Http,
    owner: &Owner,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<Repo>, HostingError> {
    let (path, what) = match owner {
        Owner::Org(org) => (
            format!("/orgs/{}/repos?limit=50&page=1", segment(org)?),
            format!("Gitea organisation {org}"),
        ),
        Owner::User(user) => (
            format!("/users/{}/repos?limit=50&page=1", segment(user)?),
            format!("Gitea user {user}"),
        ),
        Owner::Group(_) | Owner::Workspace(_) => {
            return Err(HostingError::Unsupported {
                platform: "Gitea",
                what: "groups and workspaces (use Owner::Org or Owner::User)".to_string(),
            })
        }
    };
    let items = http.get_all(&http.url(&path), &what, Paging::Link, observer)?;
    Ok(http.parse_each(items, observer, |item| parse_repo(item).map(Some)))
}

/// `GET /repos/{owner}/{repo}`.
pub(crate) fn repo(http: &Http, full_name: &str, observer: &mut dyn FnMut(&Event)) -> Result<Repo, HostingError> {
    let (owner, name) = owner_and_name(full_name)?;
    let url = http.url(&format!("/repos/{owner}/{name}"));
    let value = http.get_json(&url, &format!("Gitea repository {full_name}"), observer)?;
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
        default_branch: str_at(item, &["default_branch"]).filter(|b| !b.is_empty()),
        size_kb: u64_at(item, &["size"]),
        html_url,
    })
}

/// Bodies from `/issues?state=all&type=issues` and `type=pulls`, then
/// every conversation comment from `/issues/comments` (a pull request's
/// carry a `pull_request_url`, or `/pulls/` in their URL).
pub(crate) fn issue_texts(
    http: &Http,
    repo: &Repo,
    issues: bool,
    pulls: bool,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<TextItem>, HostingError> {
    let (owner, name) = owner_and_name(&repo.full_name)?;
    let base = format!("/repos/{owner}/{name}");
    let what = format!("Gitea issues of {}", repo.full_name);
    let mut out = Vec::new();
    for (wanted, kind, kind_param) in [
        (issues, TextKind::IssueBody, "issues"),
        (pulls, TextKind::PullBody, "pulls"),
    ] {
        if !wanted {
            continue;
        }
        let url = http.url(&format!("{base}/issues?state=all&type={kind_param}&limit=50&page=1"));
        let items = absent_is_empty(http.get_all(&url, &what, Paging::Link, observer))?;
        out.extend(http.parse_each(items, observer, |item| {
            let title = need_str(item, &["title"])?;
            let body = opt_str(item, &["body"])?;
            Ok(Some(TextItem {
                url: need_str(item, &["html_url"])?,
                kind,
                author: str_at(item, &["user", "login"]),
                created_at: str_at(item, &["created_at"]),
                text: title_and_body(&title, body.as_deref()),
            }))
        }));
    }
    let url = http.url(&format!("{base}/issues/comments?limit=50&page=1"));
    let items = absent_is_empty(http.get_all(&url, &what, Paging::Link, observer))?;
    out.extend(http.parse_each(items, observer, |item| {
        let html_url = need_str(item, &["html_url"])?;
        let is_pull =
            str_at(item, &["pull_request_url"]).is_some_and(|u| !u.is_empty()) || html_url.contains("/pulls/");
        if (is_pull && !pulls) || (!is_pull && !issues) {
            return Ok(None);
        }
        let text = opt_str(item, &["body"])?.unwrap_or_default();
        if text.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(TextItem {
            url: html_url,
            kind: if is_pull {
                TextKind::PullComment
            } else {
                TextKind::IssueComment
            },
            author: str_at(item, &["user", "login"]),
            created_at: str_at(item, &["created_at"]),
            text,
        }))
    }));
    Ok(out)
}
