//! Each platform against a loopback server that answers the way the
//! platform documents: pagination, flags, issue/pull separation, rate
//! limits, errors, and where the token may go.

mod server;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use keyhound_hosting::{Client, Event, HostingError, Owner, Platform, TextKind};
use server::{Reply, Server};

const TOKEN: &str = "ghp_testtoken0123456789";

/// Runs `f` with an observer that records every event.
fn observed<T>(f: impl FnOnce(&mut dyn FnMut(&Event)) -> T) -> (T, Vec<Event>) {
    let mut events = Vec::new();
    let result = f(&mut |e: &Event| events.push(e.clone()));
    (result, events)
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn github(server: &Server) -> Client {
    Client::new(Platform::GitHub, Some(&server.base), Some(TOKEN.to_string())).unwrap()
}

fn gh_repo(name: &str, fork: bool, archived: bool, base: &str) -> String {
    format!(
        r#"{{"full_name":"acme/{name}","clone_url":"https://github.com/acme/{name}.git","html_url":"https://github.com/acme/{name}","fork":{fork},"archived":{archived},"has_wiki":true,"default_branch":"main","size":42,"url":"{base}/repos/acme/{name}"}}"#
    )
}

// ---------------------------------------------------------------- GitHub

#[test]
fn github_org_listing_follows_link_pages_and_keeps_flags() {
    let server = Server::start(|req, base| match (req.path(), req.query("page")) {
        ("/orgs/acme/repos", None) => Reply::json(format!(
            "[{},{}]",
            gh_repo("app", false, false, base),
            gh_repo("fork-of-x", true, false, base)
        ))
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "4999")
        .header("x-ratelimit-reset", "1700000000")
        .next(format!("{base}/orgs/acme/repos?type=all&per_page=100&page=2")),
        ("/orgs/acme/repos", Some("2")) => Reply::json(format!("[{}]", gh_repo("old", false, true, base))),
        _ => Reply::status(404, r#"{"message":"Not Found"}"#),
    });
    let client = github(&server);
    let (repos, events) = observed(|o| client.list_repos(&Owner::Org("acme".into()), o));
    let repos = repos.unwrap();
    let names: Vec<_> = repos.iter().map(|r| r.full_name.as_str()).collect();
    assert_eq!(names, ["acme/app", "acme/fork-of-x", "acme/old"]);
    assert!(!repos[0].fork && repos[1].fork && !repos[1].archived && repos[2].archived);
    assert_eq!(repos[0].clone_url, "https://github.com/acme/app.git");
    assert_eq!(
        repos[0].wiki_clone_url.as_deref(),
        Some("https://github.com/acme/app.wiki.git")
    );
    assert_eq!(repos[0].default_branch.as_deref(), Some("main"));
    assert_eq!(repos[0].size_kb, Some(42));

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].target, "/orgs/acme/repos?type=all&per_page=100");
    for req in &requests {
        assert_eq!(req.method, "GET");
        assert_eq!(req.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(req.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(req.header("x-github-api-version"), Some("2022-11-28"));
        assert!(req
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("keyhound-hosting/")));
    }
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Page { .. })).count(), 2);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::RateLimit(r) if r.limit == Some(5000) && r.remaining == Some(4999) && r.reset_epoch == Some(1_700_000_000)
    )));
    // No event carries the token.
    assert!(!format!("{events:?}").contains(TOKEN));
}

#[test]
fn github_user_listing_and_single_repo() {
    let server = Server::start(|req, base| match req.path() {
        "/users/octo/repos" => Reply::json(format!("[{}]", gh_repo("mine", false, false, base))),
        "/repos/acme/app" => Reply::json(gh_repo("app", false, false, base)),
        _ => Reply::status(404, "{}"),
    });
    let client = github(&server);
    let repos = client.list_repos(&Owner::User("octo".into()), &mut |_| {}).unwrap();
    assert_eq!(repos.len(), 1);
    assert_eq!(server.requests()[0].target, "/users/octo/repos?type=owner&per_page=100");
    let repo = client.repo("acme/app", &mut |_| {}).unwrap();
    assert_eq!(repo.html_url, "https://github.com/acme/app");
    assert!(matches!(
        client.list_repos(&Owner::Group("g".into()), &mut |_| {}),
        Err(HostingError::Unsupported { .. })
    ));
    assert!(matches!(
        client.repo("a/b/c", &mut |_| {}),
        Err(HostingError::BadName { .. })
    ));
}

#[test]
fn github_issue_texts_separate_issues_pulls_and_review_comments() {
    let repo = empty_repo("acme/app");
    let server = github_issue_server_single();
    let client = github(&server);
    let items = client.issue_texts(&repo, true, true, &mut |_| {}).unwrap();
    let kinds: Vec<_> = items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            TextKind::IssueBody,
            TextKind::PullBody,
            TextKind::IssueComment,
            TextKind::PullComment,
            TextKind::ReviewComment
        ]
    );
    assert_eq!(items[0].text, "Bug\n\nkey AKIAEXAMPLE");
    assert_eq!(items[0].author.as_deref(), Some("alice"));
    assert_eq!(items[0].created_at.as_deref(), Some("2024-01-01T00:00:00Z"));
    assert_eq!(items[1].text, "Add feature");
    assert_eq!(items[1].url, "https://github.com/acme/app/pull/2");
    assert_eq!(items[4].text, "review: token=abc");
    assert_eq!(items[4].url, "https://github.com/acme/app/pull/2#discussion_r12");

    let before = server.requests().len();
    let only_issues = client.issue_texts(&repo, true, false, &mut |_| {}).unwrap();
    let kinds: Vec<_> = only_issues.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [TextKind::IssueBody, TextKind::IssueComment]);
    let asked: Vec<_> = server.requests()[before..]
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert!(!asked.iter().any(|p| p.contains("/pulls/")), "{asked:?}");
}

fn github_issue_server_single() -> Server {
    Server::start(|req, _base| match req.path() {
        "/repos/acme/app/issues" => {
            assert_eq!(req.query("state"), Some("all"));
            Reply::json(github_issue_body(req.path()))
        }
        "/repos/acme/app/issues/comments" | "/repos/acme/app/pulls/comments" => {
            Reply::json(github_issue_body(req.path()))
        }
        _ => Reply::status(404, "{}"),
    })
}

fn github_issue_body(path: &str) -> &'static str {
    match path {
        "/repos/acme/app/issues" => {
            r#"[
            {"number":1,"title":"Bug","body":"key AKIAEXAMPLE","html_url":"https://github.com/acme/app/issues/1","user":{"login":"alice"},"created_at":"2024-01-01T00:00:00Z"},
            {"number":2,"title":"Add feature","body":null,"html_url":"https://github.com/acme/app/pull/2","user":{"login":"bob"},"pull_request":{"url":"x"}}
        ]"#
        }
        "/repos/acme/app/issues/comments" => {
            r#"[
            {"body":"issue comment","html_url":"https://github.com/acme/app/issues/1#issuecomment-10","user":{"login":"carol"}},
            {"body":"pr comment","html_url":"https://github.com/acme/app/pull/2#issuecomment-11","user":{"login":"dave"}}
        ]"#
        }
        _ => {
            r#"[{"body":"review: token=abc","html_url":"https://github.com/acme/app/pull/2#discussion_r12","user":{"login":"erin"},"created_at":"2024-02-02T00:00:00Z"}]"#
        }
    }
}

#[test]
fn github_disabled_issue_tracker_is_no_issues_but_pull_bodies_from_pulls() {
    let server = Server::start(|req, _| match req.path() {
        "/repos/acme/app/issues" | "/repos/acme/app/issues/comments" => {
            Reply::status(410, r#"{"message":"Issues are disabled for this repo"}"#)
        }
        "/repos/acme/app/pulls" => {
            assert_eq!(req.query("state"), Some("all"));
            Reply::json(r#"[{"number":2,"title":"PR","body":"b","html_url":"https://github.com/acme/app/pull/2"}]"#)
        }
        "/repos/acme/app/pulls/comments" => Reply::json("[]"),
        _ => Reply::status(404, "{}"),
    });
    let repo = empty_repo("acme/app");
    let client = github(&server);
    let items = client.issue_texts(&repo, true, true, &mut |_| {}).unwrap();
    let kinds: Vec<_> = items.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [TextKind::PullBody]);
    assert_eq!(items[0].text, "PR\n\nb");
    assert_eq!(server.requests().len(), 4);
    // Issues alone: the 410 is simply no issues.
    assert!(client.issue_texts(&repo, true, false, &mut |_| {}).unwrap().is_empty());
}

#[test]
fn gateway_errors_are_retried_then_reported() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let server = Server::start(move |req, base| match req.path() {
        "/orgs/acme/repos" if seen.fetch_add(1, Ordering::SeqCst) == 0 => Reply::status(502, "Bad Gateway"),
        "/orgs/acme/repos" => Reply::json(format!("[{}]", gh_repo("app", false, false, base))),
        _ => Reply::status(500, "{}"),
    });
    let client = github(&server).with_max_wait(Duration::from_millis(50));
    let (repos, events) = observed(|o| client.list_repos(&Owner::Org("acme".into()), o));
    assert_eq!(repos.unwrap().len(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::Waiting { reason, .. } if reason.contains("502"))));
    // 500 is not a gateway hiccup: no retry.
    let err = client.list_repos(&Owner::User("x".into()), &mut |_| {}).unwrap_err();
    assert!(matches!(err, HostingError::Http { status: 500, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 3);
}

fn empty_repo(full_name: &str) -> keyhound_hosting::Repo {
    keyhound_hosting::Repo {
        full_name: full_name.into(),
        clone_url: String::new(),
        html_url: String::new(),
        fork: false,
        archived: false,
        has_wiki: false,
        wiki_clone_url: None,
        default_branch: None,
        size_kb: None,
    }
}

#[test]
fn github_secondary_rate_limit_waits_retry_after_then_succeeds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let server = Server::start(move |_, base| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::status(403, r#"{"message":"You have exceeded a secondary rate limit"}"#).header("Retry-After", "1")
        } else {
            Reply::json(format!("[{}]", gh_repo("app", false, false, base)))
        }
    });
    let client = github(&server);
    let started = Instant::now();
    let (repos, events) = observed(|o| client.list_repos(&Owner::Org("acme".into()), o));
    assert_eq!(repos.unwrap().len(), 1);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(events.iter().any(|e| matches!(e, Event::Waiting { seconds: 1, .. })));
}

#[test]
fn github_secondary_rate_limit_gives_up_after_three_retries() {
    let server = Server::start(|_, _| Reply::status(429, "{}").header("Retry-After", "0"));
    let err = github(&server)
        .list_repos(&Owner::Org("acme".into()), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, HostingError::RateLimited { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn github_spent_primary_limit_waits_for_the_reset_before_the_next_page() {
    let server = Server::start(|req, base| {
        if req.query("page") == Some("2") {
            Reply::json(format!("[{}]", gh_repo("two", false, false, base)))
        } else {
            Reply::json(format!("[{}]", gh_repo("one", false, false, base)))
                .header("x-ratelimit-limit", "60")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", (now_secs() + 2).to_string())
                .next(format!("{base}/orgs/acme/repos?page=2"))
        }
    });
    let client = github(&server);
    let started = Instant::now();
    let (repos, events) = observed(|o| client.list_repos(&Owner::Org("acme".into()), o));
    assert_eq!(repos.unwrap().len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    let waits: Vec<_> = events.iter().filter(|e| matches!(e, Event::Waiting { .. })).collect();
    assert_eq!(waits.len(), 1, "{events:?}");
    // The wait comes between the two pages.
    let pos = |f: &dyn Fn(&Event) -> bool| events.iter().position(f).unwrap();
    let wait_at = pos(&|e| matches!(e, Event::Waiting { .. }));
    let page2_at = pos(&|e| matches!(e, Event::Page { url } if url.ends_with("page=2")));
    assert!(wait_at < page2_at);
}

#[test]
fn github_spent_primary_limit_beyond_max_wait_is_an_error() {
    let reset = now_secs() + 3600;
    let server = Server::start(move |_, _| {
        Reply::status(403, r#"{"message":"API rate limit exceeded"}"#)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", reset.to_string())
    });
    let client = github(&server).with_max_wait(Duration::from_secs(5));
    let started = Instant::now();
    let err = client.list_repos(&Owner::Org("acme".into()), &mut |_| {}).unwrap_err();
    assert!(
        matches!(err, HostingError::RateLimited { reset_epoch: Some(r) } if r == reset),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn github_unknown_org_is_not_found_and_bad_token_unauthorized() {
    let server = Server::start(|req, _| match req.path() {
        "/orgs/ghost/repos" => Reply::status(404, r#"{"message":"Not Found"}"#),
        _ => Reply::status(401, r#"{"message":"Bad credentials"}"#),
    });
    let client = github(&server);
    match client.list_repos(&Owner::Org("ghost".into()), &mut |_| {}) {
        Err(HostingError::NotFound { what, url }) => {
            assert_eq!(what, "GitHub organisation ghost");
            assert!(url.ends_with("/orgs/ghost/repos?type=all&per_page=100"));
        }
        other => panic!("{other:?}"),
    }
    let err = client.list_repos(&Owner::Org("acme".into()), &mut |_| {}).unwrap_err();
    assert!(matches!(err, HostingError::Unauthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
}

#[test]
fn next_link_to_another_host_is_not_followed() {
    let other = Server::start(|_, _| Reply::json("[]"));
    let other_base = other.base.clone();
    let server = Server::start(move |_, base| {
        Reply::json(format!("[{}]", gh_repo("app", false, false, base)))
            .next(format!("{other_base}/orgs/acme/repos?page=2"))
    });
    let err = github(&server)
        .list_repos(&Owner::Org("acme".into()), &mut |_| {})
        .unwrap_err();
    match err {
        HostingError::ForeignHost { url, api_origin } => {
            assert!(url.starts_with(&other.base));
            assert_eq!(api_origin, server.base);
        }
        other => panic!("{other:?}"),
    }
    assert!(other.requests().is_empty(), "the other host was contacted");
}

#[test]
fn redirects_are_followed_on_the_api_host_only() {
    let other = Server::start(|_, _| Reply::json("{}"));
    let other_base = other.base.clone();
    let server = Server::start(move |req, base| match req.path() {
        "/repos/acme/old-name" => Reply::status(301, "{}").header("Location", format!("{base}/repositories/7")),
        "/repositories/7" => Reply::json(gh_repo("new-name", false, false, base)),
        "/repos/acme/elsewhere" => Reply::status(301, "{}").header("Location", format!("{other_base}/steal")),
        _ => Reply::status(404, "{}"),
    });
    let client = github(&server);
    let repo = client.repo("acme/old-name", &mut |_| {}).unwrap();
    assert_eq!(repo.full_name, "acme/new-name");
    let requests = server.requests();
    assert_eq!(requests[1].target, "/repositories/7");
    assert_eq!(
        requests[1].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    let err = client.repo("acme/elsewhere", &mut |_| {}).unwrap_err();
    assert!(matches!(err, HostingError::ForeignHost { .. }), "{err:?}");
    assert!(other.requests().is_empty());
}

#[test]
fn malformed_items_are_skipped_and_counted() {
    let server = Server::start(|_, base| {
        Reply::json(format!(
            r#"[{}, {{"full_name": 5}}, "not an object", {{"full_name":"acme/x","clone_url":"c","html_url":"h","fork":"yes"}}, {}]"#,
            gh_repo("a", false, false, base),
            gh_repo("b", true, false, base)
        ))
    });
    let client = github(&server);
    let (repos, events) = observed(|o| client.list_repos(&Owner::Org("acme".into()), o));
    let names: Vec<_> = repos.unwrap().into_iter().map(|r| r.full_name).collect();
    assert_eq!(names, ["acme/a", "acme/b"]);
    assert_eq!(client.skipped_items(), 3);
    let skipped: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Skipped { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(skipped.len(), 3);
    assert!(skipped[2].contains("fork"), "{skipped:?}");
}

#[test]
fn listing_that_is_not_an_array_is_an_error_not_a_panic() {
    let server = Server::start(|_, _| Reply::json(r#"{"message":"weird"}"#));
    let err = github(&server)
        .list_repos(&Owner::Org("acme".into()), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, HostingError::UnexpectedShape { .. }), "{err:?}");
    let server = Server::start(|_, _| Reply::json("[{"));
    let err = github(&server)
        .list_repos(&Owner::Org("acme".into()), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, HostingError::BadJson { .. }), "{err:?}");
}

#[test]
fn a_looping_next_link_stops_at_the_page_bound() {
    let server = Server::start(|_, base| Reply::json("[]").next(format!("{base}/orgs/acme/repos?page=2")));
    let err = github(&server)
        .with_max_pages(5)
        .list_repos(&Owner::Org("acme".into()), &mut |_| {})
        .unwrap_err();
    assert!(
        matches!(err, HostingError::TooManyPages { max_pages: 5, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn the_token_is_in_no_debug_output_or_error() {
    let server = Server::start(|req, _| {
        // A server that echoes the request's headers in its error page.
        Reply::status(500, format!("boom {:?}", req.headers))
    });
    let client = github(&server);
    assert!(!format!("{client:?}").contains(TOKEN));
    let err = client.list_repos(&Owner::Org("acme".into()), &mut |_| {}).unwrap_err();
    match &err {
        HostingError::Http {
            status: 500,
            body_excerpt,
            ..
        } => assert!(body_excerpt.contains("[token]")),
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{err:?}").contains(TOKEN));
}

#[test]
fn github_gists_and_unsupported_elsewhere() {
    let server = Server::start(|req, _| match req.path() {
        "/users/octo/gists" => Reply::json(
            r#"[{"id":"aa11","html_url":"https://gist.github.com/aa11","git_pull_url":"https://gist.github.com/aa11.git"},{"id":"bb22"}]"#,
        ),
        _ => Reply::status(404, "{}"),
    });
    let client = github(&server);
    let gists = client.gists("octo", &mut |_| {}).unwrap();
    assert_eq!(gists.len(), 1);
    assert_eq!(gists[0].id, "aa11");
    assert_eq!(gists[0].clone_url, "https://gist.github.com/aa11.git");
    assert_eq!(client.skipped_items(), 1);

    let gitlab = Client::new(Platform::GitLab, Some(&server.base), None).unwrap();
    assert!(matches!(
        gitlab.gists("octo", &mut |_| {}),
        Err(HostingError::Unsupported { platform: "GitLab", .. })
    ));
}

// ---------------------------------------------------------------- GitLab

fn gl_project(path: &str, fork: bool, archived: bool) -> String {
    let forked = if fork { r#","forked_from_project":{"id":1}"# } else { "" };
    format!(
        r#"{{"id":9,"path_with_namespace":"{path}","http_url_to_repo":"https://gitlab.com/{path}.git","web_url":"https://gitlab.com/{path}","archived":{archived},"wiki_enabled":true,"default_branch":"main"{forked}}}"#
    )
}

#[test]
fn gitlab_group_projects_follow_link_then_x_next_page() {
    let server = Server::start(|req, base| {
        assert_eq!(req.header("private-token"), Some(TOKEN));
        assert_eq!(req.header("authorization"), None);
        match (req.path(), req.query("page")) {
            ("/api/v4/groups/acme%2Fplatform/projects", None) => {
                assert_eq!(req.query("include_subgroups"), Some("true"));
                assert_eq!(req.query("with_shared"), Some("false"));
                Reply::json(format!("[{}]", gl_project("acme/platform/api", false, false))).next(format!(
                    "{base}/api/v4/groups/acme%2Fplatform/projects?include_subgroups=true&with_shared=false&per_page=100&page=2"
                ))
            }
            // No Link header here: the next page is only in x-next-page.
            ("/api/v4/groups/acme%2Fplatform/projects", Some("2")) => {
                Reply::json(format!("[{}]", gl_project("acme/platform/sub/fork", true, false)))
                    .header("x-next-page", "3")
            }
            ("/api/v4/groups/acme%2Fplatform/projects", Some("3")) => {
                Reply::json(format!("[{}]", gl_project("acme/platform/old", false, true)))
                    .header("x-next-page", "")
                    .header("RateLimit-Limit", "2000")
                    .header("RateLimit-Remaining", "1990")
                    .header("RateLimit-Reset", "1700000000")
            }
            _ => Reply::status(404, r#"{"message":"404 Group Not Found"}"#),
        }
    });
    let client = Client::new(
        Platform::GitLab,
        Some(&format!("{}/api/v4/", server.base)),
        Some(TOKEN.into()),
    )
    .unwrap();
    let (repos, events) = observed(|o| client.list_repos(&Owner::Group("acme/platform".into()), o));
    let repos = repos.unwrap();
    let names: Vec<_> = repos.iter().map(|r| r.full_name.as_str()).collect();
    assert_eq!(
        names,
        ["acme/platform/api", "acme/platform/sub/fork", "acme/platform/old"]
    );
    assert!(!repos[0].fork && repos[1].fork && repos[2].archived && !repos[1].archived);
    assert_eq!(repos[0].clone_url, "https://gitlab.com/acme/platform/api.git");
    assert_eq!(
        repos[0].wiki_clone_url.as_deref(),
        Some("https://gitlab.com/acme/platform/api.wiki.git")
    );
    assert_eq!(server.requests().len(), 3);
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::RateLimit(r) if r.remaining == Some(1990))));

    let err = client
        .list_repos(&Owner::Group("nope".into()), &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, HostingError::NotFound { .. }), "{err:?}");
}

#[test]
fn gitlab_bearer_auth_replaces_private_token() {
    let server = Server::start(|_, _| Reply::json(format!("[{}]", gl_project("u/p", false, false))));
    let api = format!("{}/api/v4", server.base);
    let client = Client::new(Platform::GitLab, Some(&api), Some(TOKEN.into()))
        .unwrap()
        .with_bearer_auth();
    assert_eq!(
        client.list_repos(&Owner::User("u".into()), &mut |_| {}).unwrap().len(),
        1
    );
    let req = &server.requests()[0];
    assert_eq!(req.target, "/api/v4/users/u/projects?per_page=100");
    assert_eq!(req.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(req.header("private-token"), None);
}

#[test]
fn gitlab_issue_and_merge_request_notes() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let server = Server::start(move |req, _| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        match req.path() {
            // The first request meets GitLab's 429.
            _ if n == 0 => Reply::status(429, r#"{"message":"Retry later"}"#).header("Retry-After", "0"),
            "/api/v4/projects/acme%2Fapp/issues" => Reply::json(
                r#"[{"iid":3,"title":"Leak","description":"pw=hunter2","web_url":"https://gitlab.com/acme/app/-/issues/3","author":{"username":"alice"},"created_at":"2024-01-01"}]"#,
            ),
            "/api/v4/projects/acme%2Fapp/issues/3/notes" => Reply::json(
                r#"[{"id":100,"body":"changed the description","system":true},{"id":101,"body":"another: sk_live_x","system":false,"author":{"username":"bob"}}]"#,
            ),
            "/api/v4/projects/acme%2Fapp/merge_requests" => {
                assert_eq!(req.query("state"), Some("all"));
                Reply::json(
                    r#"[{"iid":5,"title":"MR","description":"","web_url":"https://gitlab.com/acme/app/-/merge_requests/5","author":{"username":"carol"}}]"#,
                )
            }
            "/api/v4/projects/acme%2Fapp/merge_requests/5/notes" => Reply::json(
                r#"[{"id":200,"body":"on a line","type":"DiffNote","system":false},{"id":201,"body":"lgtm","type":null,"system":false}]"#,
            ),
            _ => Reply::status(404, "{}"),
        }
    });
    let client = Client::new(Platform::GitLab, Some(&format!("{}/api/v4", server.base)), None).unwrap();
    let items = client
        .issue_texts(&empty_repo("acme/app"), true, true, &mut |_| {})
        .unwrap();
    let summary: Vec<_> = items
        .iter()
        .map(|i| (i.kind, i.url.as_str(), i.text.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                TextKind::IssueBody,
                "https://gitlab.com/acme/app/-/issues/3",
                "Leak\n\npw=hunter2"
            ),
            (
                TextKind::IssueComment,
                "https://gitlab.com/acme/app/-/issues/3#note_101",
                "another: sk_live_x"
            ),
            (
                TextKind::PullBody,
                "https://gitlab.com/acme/app/-/merge_requests/5",
                "MR"
            ),
            (
                TextKind::ReviewComment,
                "https://gitlab.com/acme/app/-/merge_requests/5#note_200",
                "on a line"
            ),
            (
                TextKind::PullComment,
                "https://gitlab.com/acme/app/-/merge_requests/5#note_201",
                "lgtm"
            ),
        ]
    );
    assert_eq!(items[1].author.as_deref(), Some("bob"));
    // No token: no authentication header at all.
    assert!(server.requests().iter().all(|r| r.header("private-token").is_none()));
}

// ---------------------------------------------------------------- Bitbucket

fn bb_repo(slug: &str, fork: bool) -> String {
    let parent = if fork {
        r#","parent":{"full_name":"other/x"}"#
    } else {
        ""
    };
    format!(
        r#"{{"full_name":"ws/{slug}","has_wiki":true,"size":2048,"mainbranch":{{"name":"master"}},"links":{{"html":{{"href":"https://bitbucket.org/ws/{slug}"}},"clone":[{{"name":"ssh","href":"git@bitbucket.org:ws/{slug}.git"}},{{"name":"https","href":"https://someone@bitbucket.org/ws/{slug}.git"}}]}}{parent}}}"#
    )
}

#[test]
fn bitbucket_workspace_listing_follows_body_next() {
    let server = Server::start(|req, base| {
        assert_eq!(req.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        match (req.path(), req.query("page")) {
            ("/2.0/repositories/ws", None) => Reply::json(format!(
                r#"{{"pagelen":100,"values":[{},{}],"next":"{base}/2.0/repositories/ws?pagelen=100&page=2"}}"#,
                bb_repo("one", false),
                bb_repo("two", true)
            )),
            ("/2.0/repositories/ws", Some("2")) => Reply::json(format!(
                r#"{{"values":[{}, {{"full_name":"ws/broken","links":{{}}}}]}}"#,
                bb_repo("three", false)
            )),
            _ => Reply::status(404, "{}"),
        }
    });
    let client = Client::new(
        Platform::Bitbucket,
        Some(&format!("{}/2.0", server.base)),
        Some(TOKEN.into()),
    )
    .unwrap();
    let repos = client.list_repos(&Owner::Workspace("ws".into()), &mut |_| {}).unwrap();
    let names: Vec<_> = repos.iter().map(|r| r.full_name.as_str()).collect();
    assert_eq!(names, ["ws/one", "ws/two", "ws/three"]);
    assert!(!repos[0].fork && repos[1].fork);
    assert_eq!(repos[0].clone_url, "https://bitbucket.org/ws/one.git");
    assert_eq!(repos[0].html_url, "https://bitbucket.org/ws/one");
    assert_eq!(repos[0].default_branch.as_deref(), Some("master"));
    assert_eq!(repos[0].size_kb, Some(2));
    assert!(repos[0].has_wiki && repos[0].wiki_clone_url.is_none());
    assert_eq!(client.skipped_items(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn bitbucket_disabled_issue_tracker_and_pull_request_comments() {
    let server = Server::start(|req, _| match req.path() {
        "/2.0/repositories/ws/app/issues" => Reply::status(
            404,
            r#"{"type":"error","error":{"message":"Repository has no issue tracker."}}"#,
        ),
        "/2.0/repositories/ws/app/pullrequests" => {
            let states: Vec<_> = req
                .target
                .split(['?', '&'])
                .filter_map(|p| p.strip_prefix("state="))
                .collect();
            assert_eq!(states, ["OPEN", "MERGED", "DECLINED", "SUPERSEDED"]);
            Reply::json(
                r#"{"values":[{"id":4,"title":"PR","description":"desc","links":{"html":{"href":"https://bitbucket.org/ws/app/pull-requests/4"}},"author":{"nickname":"ann"},"created_on":"2024-03-03"}]}"#,
            )
        }
        "/2.0/repositories/ws/app/pullrequests/4/comments" => Reply::json(
            r#"{"values":[
                {"content":{"raw":"inline secret"},"inline":{"path":"a.py","to":3},"links":{"html":{"href":"https://bitbucket.org/ws/app/pull-requests/4/_/diff#comment-1"}},"user":{"display_name":"Bo"}},
                {"content":{"raw":"general"},"links":{"html":{"href":"https://bitbucket.org/ws/app/pull-requests/4/_/diff#comment-2"}}},
                {"content":{"raw":""},"deleted":true,"links":{"html":{"href":"x"}}}
            ]}"#,
        ),
        _ => Reply::status(404, "{}"),
    });
    let client = Client::new(Platform::Bitbucket, Some(&format!("{}/2.0", server.base)), None).unwrap();
    let items = client
        .issue_texts(&empty_repo("ws/app"), true, true, &mut |_| {})
        .unwrap();
    let kinds: Vec<_> = items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [TextKind::PullBody, TextKind::ReviewComment, TextKind::PullComment]
    );
    assert_eq!(items[0].text, "PR\n\ndesc");
    assert_eq!(items[0].author.as_deref(), Some("ann"));
    assert_eq!(items[1].author.as_deref(), Some("Bo"));
    assert_eq!(client.skipped_items(), 0);
}

// ---------------------------------------------------------------- Gitea

#[test]
fn gitea_org_listing_and_issue_texts() {
    let server = Server::start(|req, base| {
        assert_eq!(req.header("authorization"), Some(format!("token {TOKEN}").as_str()));
        let repo = |name: &str, fork: bool| {
            format!(
                r#"{{"full_name":"org/{name}","clone_url":"{base}/org/{name}.git","html_url":"{base}/org/{name}","fork":{fork},"archived":false,"has_wiki":false,"default_branch":"main","size":7}}"#
            )
        };
        match (req.path(), req.query("page"), req.query("type")) {
            ("/api/v1/orgs/org/repos", Some("1"), _) => Reply::json(format!("[{}]", repo("a", false)))
                .header("x-total-count", "2")
                .next(format!("{base}/api/v1/orgs/org/repos?limit=50&page=2")),
            ("/api/v1/orgs/org/repos", Some("2"), _) => {
                Reply::json(format!("[{}]", repo("b", true))).header("x-total-count", "2")
            }
            ("/api/v1/repos/org/a/issues", _, Some("issues")) => Reply::json(
                r#"[{"number":1,"title":"I","body":"ib","html_url":"https://g/org/a/issues/1","user":{"login":"u"}}]"#,
            ),
            ("/api/v1/repos/org/a/issues", _, Some("pulls")) => Reply::json(
                r#"[{"number":2,"title":"P","body":"pb","html_url":"https://g/org/a/pulls/2","pull_request":{"merged":false}}]"#,
            ),
            ("/api/v1/repos/org/a/issues/comments", _, _) => Reply::json(
                r#"[{"body":"on issue","html_url":"https://g/org/a/issues/1#issuecomment-1","pull_request_url":"","issue_url":"https://g/org/a/issues/1"},
                    {"body":"on pull","html_url":"https://g/org/a/pulls/2#issuecomment-2","pull_request_url":"https://g/org/a/pulls/2"}]"#,
            ),
            _ => Reply::status(404, "{}"),
        }
    });
    let client = Client::new(
        Platform::Gitea,
        Some(&format!("{}/api/v1", server.base)),
        Some(TOKEN.into()),
    )
    .unwrap();
    let repos = client.list_repos(&Owner::Org("org".into()), &mut |_| {}).unwrap();
    assert_eq!(repos.len(), 2);
    assert!(!repos[0].fork && repos[1].fork);
    assert_eq!(repos[0].size_kb, Some(7));
    assert_eq!(repos[0].wiki_clone_url, None);
    let items = client.issue_texts(&repos[0], true, true, &mut |_| {}).unwrap();
    let kinds: Vec<_> = items.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            TextKind::IssueBody,
            TextKind::PullBody,
            TextKind::IssueComment,
            TextKind::PullComment
        ]
    );
    let pulls_only = client.issue_texts(&repos[0], false, true, &mut |_| {}).unwrap();
    let kinds: Vec<_> = pulls_only.iter().map(|i| i.kind).collect();
    assert_eq!(kinds, [TextKind::PullBody, TextKind::PullComment]);
    assert!(matches!(
        client.gists("u", &mut |_| {}),
        Err(HostingError::Unsupported { platform: "Gitea", .. })
    ));
}

// ---------------------------------------------------------------- Client

#[test]
fn api_urls_git_hosts_and_token_user_names() {
    assert!(matches!(
        Client::new(Platform::Gitea, None, None),
        Err(HostingError::BadApiUrl { .. })
    ));
    assert!(matches!(
        Client::new(Platform::Gitea, Some("http://git.example.com/api/v1"), None),
        Err(HostingError::BadApiUrl { .. })
    ));
    assert!(matches!(
        Client::new(Platform::GitHub, None, Some("abc\r\nX-Evil: 1".into())),
        Err(HostingError::BadToken)
    ));
    assert!(matches!(
        Client::new(Platform::GitHub, Some("https://user:pw@ghe.example.com/api/v3"), None),
        Err(HostingError::BadApiUrl { .. })
    ));

    let cases = [
        (Platform::GitHub, None, "github.com", "x-access-token"),
        (
            Platform::GitHub,
            Some("https://ghe.example.com/api/v3"),
            "ghe.example.com",
            "x-access-token",
        ),
        (Platform::GitLab, None, "gitlab.com", "oauth2"),
        (
            Platform::GitLab,
            Some("https://git.corp.example/api/v4"),
            "git.corp.example",
            "oauth2",
        ),
        (Platform::Bitbucket, None, "bitbucket.org", "x-token-auth"),
        (
            Platform::Gitea,
            Some("https://codeberg.org:8443/api/v1"),
            "codeberg.org:8443",
            "oauth2",
        ),
    ];
    for (platform, url, host, user) in cases {
        let client = Client::new(platform, url, Some("t".into())).unwrap();
        assert_eq!(client.git_host(), host, "{platform}");
        assert_eq!(client.token_username(), user, "{platform}");
    }

    let client = Client::new(Platform::GitHub, None, None).unwrap();
    assert!(client.is_on_git_host("https://github.com/acme/app.git"));
    assert!(client.is_on_git_host("https://GitHub.com:443/acme/app.git"));
    assert!(!client.is_on_git_host("http://github.com/acme/app.git"));
    assert!(!client.is_on_git_host("https://github.com.evil.example/acme/app.git"));
    assert!(!client.is_on_git_host("https://evil.example/github.com/app.git"));
}
