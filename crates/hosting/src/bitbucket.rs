//! Bitbucket Cloud's REST API 2.0: repositories of a workspace, one
//! repository, and the texts of issues (the legacy issue tracker, often
//! switched off) and pull requests with their comments (inline comments
//! are review comments). Pages follow the `next` field of the body.
//!
//! Not covered: Bitbucket Server / Data Center (another API), snippets,
//! and wikis (the API gives no wiki clone URL, so `wiki_clone_url` is
//! `None`; `has_wiki` is still reported). Bitbucket has no archived state.

use serde_json::Value;

use crate::error::HostingError;
use crate::http::{absent_is_empty, owner_and_name, segment, Http, Paging};
use crate::model::{
    at, id_at, need_str, opt_bool, opt_str, str_at, title_and_body, u64_at, Event, Owner, Repo, TextItem, TextKind,
};

/// `GET /repositories/{workspace}`. `Owner::Org` and `Owner::User` are
/// taken as workspaces (every Bitbucket account has one).
pub(crate) fn list_repos(
    http: &Http,
    owner: &Owner,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<Repo>, HostingError> {
    let workspace = match owner {
        Owner::Workspace(w) | Owner::Org(w) | Owner::User(w) => w,
        Owner::Group(_) => {
            return Err(HostingError::Unsupported {
                platform: "Bitbucket",
                what: "groups (use Owner::Workspace)".to_string(),
            })
        }
    };
    let url = http.url(&format!("/repositories/{}?pagelen=100", segment(workspace)?));
    let items = http.get_all(
        &url,
        &format!("Bitbucket workspace {workspace}"),
        Paging::BodyNext,
        observer,
    )?;
    Ok(http.parse_each(items, observer, |item| parse_repo(item).map(Some)))
}

/// `GET /repositories/{workspace}/{slug}`.
pub(crate) fn repo(http: &Http, full_name: &str, observer: &mut dyn FnMut(&Event)) -> Result<Repo, HostingError> {
    let (workspace, slug) = owner_and_name(full_name)?;
    let url = http.url(&format!("/repositories/{workspace}/{slug}"));
    let value = http.get_json(&url, &format!("Bitbucket repository {full_name}"), observer)?;
    parse_repo(&value).map_err(|_| HostingError::UnexpectedShape {
        url,
        expected: "a repository object",
    })
}

/// A repository item; `Err` says which field was unusable.
fn parse_repo(item: &Value) -> Result<Repo, String> {
    let clone = at(item, &["links", "clone"])
        .and_then(Value::as_array)
        .and_then(|links| {
            links
                .iter()
                .find(|l| l.get("name").and_then(Value::as_str) == Some("https"))
                .and_then(|l| l.get("href")?.as_str())
        })
        .ok_or("no links.clone entry named https")?;
    Ok(Repo {
        full_name: need_str(item, &["full_name"])?,
        clone_url: without_user_info(clone),
        html_url: need_str(item, &["links", "html", "href"])?,
        fork: item.get("parent").is_some_and(|v| !v.is_null()),
        archived: false,
        has_wiki: opt_bool(item, &["has_wiki"], false)?,
        wiki_clone_url: None,
        default_branch: str_at(item, &["mainbranch", "name"]),
        size_kb: u64_at(item, &["size"]).map(|bytes| bytes.div_ceil(1024)),
    })
}

/// `https://user@bitbucket.org/ws/r.git` without `user@`: the user is the
/// token owner's name, and the caller supplies its own credentials.
fn without_user_info(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Issues (`/issues`, a 404 when the tracker is off) and pull requests in
/// every state (`/pullrequests?state=...`), each with its comments.
pub(crate) fn issue_texts(
    http: &Http,
    repo: &Repo,
    issues: bool,
    pulls: bool,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<TextItem>, HostingError> {
    let (workspace, slug) = owner_and_name(&repo.full_name)?;
    let base = format!("/repositories/{workspace}/{slug}");
    let mut out = Vec::new();
    if issues {
        let what = format!("Bitbucket issues of {}", repo.full_name);
        let url = http.url(&format!("{base}/issues?pagelen=50"));
        let items = absent_is_empty(http.get_all(&url, &what, Paging::BodyNext, observer))?;
        let threads = http.parse_each(items, observer, |item| thread(item, TextKind::IssueBody, "reporter"));
        for (id, body) in threads {
            let url = http.url(&format!("{base}/issues/{id}/comments?pagelen=100"));
            let items = http.get_all(&url, &what, Paging::BodyNext, observer)?;
            out.push(body);
            out.extend(http.parse_each(items, observer, |c| comment(c, TextKind::IssueComment)));
        }
    }
    if pulls {
        let what = format!("Bitbucket pull requests of {}", repo.full_name);
        let url = http.url(&format!(
            "{base}/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&pagelen=50"
        ));
        let items = http.get_all(&url, &what, Paging::BodyNext, observer)?;
        let threads = http.parse_each(items, observer, |item| thread(item, TextKind::PullBody, "author"));
        for (id, body) in threads {
            let url = http.url(&format!("{base}/pullrequests/{id}/comments?pagelen=100"));
            let items = http.get_all(&url, &what, Paging::BodyNext, observer)?;
            out.push(body);
            out.extend(http.parse_each(items, observer, |c| {
                let kind = if c.get("inline").is_some_and(|v| !v.is_null()) {
                    TextKind::ReviewComment
                } else {
                    TextKind::PullComment
                };
                comment(c, kind)
            }));
        }
    }
    Ok(out)
}

/// An issue or pull request: its id (for the comments URL) and its text.
fn thread(item: &Value, kind: TextKind, author_field: &str) -> Result<Option<(String, TextItem)>, String> {
    let title = need_str(item, &["title"])?;
    let body = match kind {
        TextKind::PullBody => opt_str(item, &["description"])?,
        _ => opt_str(item, &["content", "raw"])?,
    };
    Ok(Some((
        id_at(item, &["id"])?,
        TextItem {
            url: need_str(item, &["links", "html", "href"])?,
            kind,
            author: person(item, author_field),
            created_at: str_at(item, &["created_on"]),
            text: title_and_body(&title, body.as_deref()),
        },
    )))
}

/// A comment; deleted and empty ones are left out.
fn comment(item: &Value, kind: TextKind) -> Result<Option<TextItem>, String> {
    if opt_bool(item, &["deleted"], false)? {
        return Ok(None);
    }
    let text = opt_str(item, &["content", "raw"])?.unwrap_or_default();
    if text.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(TextItem {
        url: need_str(item, &["links", "html", "href"])?,
        kind,
        author: person(item, "user"),
        created_at: str_at(item, &["created_on"]),
        text,
    }))
}

/// A Bitbucket account's nickname, or its display name.
fn person(item: &Value, field: &str) -> Option<String> {
    str_at(item, &[field, "nickname"]).or_else(|| str_at(item, &[field, "display_name"]))
}
