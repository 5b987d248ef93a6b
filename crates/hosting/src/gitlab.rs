//! GitLab's REST API v4 (gitlab.com and self-managed): projects of a group
//! with its subgroups or of a user, one project, and the texts of issues
//! and merge requests with their notes (diff notes are review comments).
//!
//! Not covered: snippets, epics (group level) and wiki pages through the
//! API (the wiki is cloned instead). System notes ("changed the
//! description") are generated text and are left out. GitLab's project
//! listings carry no size, so `size_kb` is `None`.

use serde_json::Value;

use crate::error::HostingError;
use crate::http::{absent_is_empty, segment, Http, Paging};
use crate::model::{
    id_at, need_str, opt_bool, opt_str, str_at, title_and_body, Event, Owner, Repo, TextItem, TextKind,
};

/// `GET /groups/{id or path}/projects?include_subgroups=true` or
/// `GET /users/{user}/projects`. `Owner::Org` is taken as a group.
pub(crate) fn list_repos(
    http: &Http,
    owner: &Owner,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<Repo>, HostingError> {
    let (path, what) = match owner {
        Owner::Group(group) | Owner::Org(group) => (
            format!(
                "/groups/{}/projects?include_subgroups=true&with_shared=false&per_page=100",
                segment(group)?
            ),
            format!("GitLab group {group}"),
        ),
        Owner::User(user) => (
            format!("/users/{}/projects?per_page=100", segment(user)?),
            format!("GitLab user {user}"),
        ),
        Owner::Workspace(_) => {
            return Err(HostingError::Unsupported {
                platform: "GitLab",
                what: "workspaces (use Owner::Group or Owner::User)".to_string(),
            })
        }
    };
    let items = http.get_all(&http.url(&path), &what, Paging::Link, observer)?;
    Ok(http.parse_each(items, observer, |item| parse_repo(item).map(Some)))
}

/// `GET /projects/{url-encoded path}`.
pub(crate) fn repo(http: &Http, full_name: &str, observer: &mut dyn FnMut(&Event)) -> Result<Repo, HostingError> {
    let url = http.url(&format!("/projects/{}", project_id(full_name)?));
    let value = http.get_json(&url, &format!("GitLab project {full_name}"), observer)?;
    parse_repo(&value).map_err(|_| HostingError::UnexpectedShape {
        url,
        expected: "a project object",
    })
}

/// A project's full path as one escaped path segment (`a%2Fb%2Fc`), the
/// form GitLab accepts wherever it takes a project id.
fn project_id(full_name: &str) -> Result<String, HostingError> {
    if full_name.split('/').count() < 2 || full_name.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(HostingError::BadName {
            name: full_name.to_string(),
            reason: "expected namespace/project".to_string(),
        });
    }
    segment(full_name)
}

/// A project item; `Err` says which field was unusable.
fn parse_repo(item: &Value) -> Result<Repo, String> {
    let html_url = need_str(item, &["web_url"])?;
    let has_wiki = opt_bool(item, &["wiki_enabled"], false)?;
    Ok(Repo {
        full_name: need_str(item, &["path_with_namespace"])?,
        clone_url: need_str(item, &["http_url_to_repo"])?,
        fork: item.get("forked_from_project").is_some_and(|v| !v.is_null()),
        archived: opt_bool(item, &["archived"], false)?,
        has_wiki,
        wiki_clone_url: has_wiki.then(|| format!("{html_url}.wiki.git")),
        default_branch: str_at(item, &["default_branch"]),
        size_kb: None,
        html_url,
    })
}

/// Issues (`/issues`) and merge requests (`/merge_requests?state=all`),
/// each with its notes. A 404 on either listing (the feature is off) means
/// none.
pub(crate) fn issue_texts(
    http: &Http,
    repo: &Repo,
    issues: bool,
    pulls: bool,
    observer: &mut dyn FnMut(&Event),
) -> Result<Vec<TextItem>, HostingError> {
    let id = project_id(&repo.full_name)?;
    let mut out = Vec::new();
    if issues {
        collect(
            http,
            &id,
            repo,
            "issues",
            "issues?state=all&per_page=100",
            TextKind::IssueBody,
            observer,
            &mut out,
        )?;
    }
    if pulls {
        collect(
            http,
            &id,
            repo,
            "merge_requests",
            "merge_requests?state=all&per_page=100",
            TextKind::PullBody,
            observer,
            &mut out,
        )?;
    }
    Ok(out)
}

/// One kind of thread (`issues` or `merge_requests`): bodies, then each
/// thread's notes.
#[allow(clippy::too_many_arguments)]
fn collect(
    http: &Http,
    id: &str,
    repo: &Repo,
    kind_path: &str,
    listing: &str,
    body_kind: TextKind,
    observer: &mut dyn FnMut(&Event),
    out: &mut Vec<TextItem>,
) -> Result<(), HostingError> {
    let what = format!("GitLab {kind_path} of {}", repo.full_name);
    let url = http.url(&format!("/projects/{id}/{listing}"));
    let items = absent_is_empty(http.get_all(&url, &what, Paging::Link, observer))?;
    let threads = http.parse_each(items, observer, |item| {
        let title = need_str(item, &["title"])?;
        let body = opt_str(item, &["description"])?;
        let iid = id_at(item, &["iid"])?;
        let body = TextItem {
            url: need_str(item, &["web_url"])?,
            kind: body_kind,
            author: str_at(item, &["author", "username"]),
            created_at: str_at(item, &["created_at"]),
            text: title_and_body(&title, body.as_deref()),
        };
        Ok(Some((iid, body)))
    });
    for (iid, body) in threads {
        let notes_url = http.url(&format!("/projects/{id}/{kind_path}/{iid}/notes?per_page=100"));
        let items = http.get_all(&notes_url, &what, Paging::Link, observer)?;
        let thread_url = body.url.clone();
        out.push(body);
        out.extend(http.parse_each(items, observer, |note| {
            if opt_bool(note, &["system"], false)? {
                return Ok(None);
            }
            let text = opt_str(note, &["body"])?.unwrap_or_default();
            if text.trim().is_empty() {
                return Ok(None);
            }
            let note_id = id_at(note, &["id"])?;
            let kind = match (body_kind, str_at(note, &["type"]).as_deref()) {
                (TextKind::PullBody, Some("DiffNote")) => TextKind::ReviewComment,
                (TextKind::PullBody, _) => TextKind::PullComment,
                _ => TextKind::IssueComment,
            };
            Ok(Some(TextItem {
                url: format!("{thread_url}#note_{note_id}"),
                kind,
                author: str_at(note, &["author", "username"]),
                created_at: str_at(note, &["created_at"]),
                text,
            }))
        }));
    }
    Ok(())
}
