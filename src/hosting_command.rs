//! `keyhound github|gitlab|bitbucket|gitea`: an audit of every repository
//! an organisation, group, workspace or user has on a hosting platform.
//! The platform's API (`keyhound-hosting`) says which repositories there
//! are; each is mirrored (`git::remote`) by a fetch thread a few
//! repositories ahead of the scan, its whole history scanned into one
//! report with the repository named in every finding, and the mirror
//! removed unless kept. Issues, pull requests and their comments are
//! scanned as text, each finding naming the comment's URL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use keyhound_findings::{Origin, WarningKind};
use keyhound_hosting::{Client, Event, Owner, Platform, RateLimit, Repo, TextKind};
use keyhound_scan::ScanRun;
use keyhound_sources::git::remote::{self, Mirror, MirrorOptions, RemoteError, RemoteUrl};
use keyhound_sources::git::{self, cache::BlobCache, history};

use crate::cli::{HostingArgs, ScanArgs};
use crate::remote_git;

/// What is fetched: a repository, its wiki, or a gist.
struct Target {
    /// The name findings carry (`owner/name`, `owner/name.wiki`,
    /// `gist/<id>`).
    name: String,
    /// Where it is cloned from.
    clone_url: String,
    /// Its web page (SARIF's repository URI).
    web_url: String,
    /// A wiki whose repository does not exist (no page was ever written)
    /// is not a failure.
    wiki: bool,
}

/// One line of the closing table.
struct Row {
    name: String,
    commits: usize,
    blobs: usize,
    cached: usize,
    findings: u64,
    status: String,
}

/// The token for `platform`: its environment variable, else the platform
/// CLI's stored one.
fn token_for(platform: Platform, api_host: Option<&str>) -> Option<String> {
    let vars: &[&str] = match platform {
        Platform::GitHub => &["GITHUB_TOKEN", "GH_TOKEN"],
        Platform::GitLab => &["GITLAB_TOKEN"],
        Platform::Bitbucket => &["BITBUCKET_TOKEN"],
        _ => &["GITEA_TOKEN"],
    };
    if let Some(token) = vars
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|t| !t.is_empty()))
    {
        return Some(token);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".config"));
    let (file, host, key) = match platform {
        Platform::GitHub => (
            std::env::var_os("GH_CONFIG_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| config.join("gh"))
                .join("hosts.yml"),
            api_host.unwrap_or("github.com").trim_start_matches("api."),
            "oauth_token",
        ),
        Platform::GitLab => (
            config.join("glab-cli").join("config.yml"),
            api_host.unwrap_or("gitlab.com"),
            "token",
        ),
        _ => return None,
    };
    cli_token(&std::fs::read_to_string(file).ok()?, host, key)
}

/// The `key:` value under the `host:` entry of a platform CLI's YAML
/// config (gh's `hosts.yml`, glab's `config.yml`). Line-based: both files
/// are a map of hosts to a few scalar settings, and the token is never
/// anywhere else; gh versions that keep it in the system keyring have no
/// such line, and the environment variable is then the way.
fn cli_token(text: &str, host: &str, key: &str) -> Option<String> {
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut host_indent = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match host_indent {
            None if trimmed.trim_end_matches(':').trim_matches(['"', '\'']) == host && trimmed.ends_with(':') => {
                host_indent = Some(indent(line));
            }
            Some(at) if indent(line) <= at => host_indent = None,
            Some(_) => {
                if let Some(value) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                    let value = value.trim().trim_matches(['"', '\'']);
                    if !value.is_empty() {
                        return Some(value.to_owned());
                    }
                }
            }
            None => {}
        }
    }
    None
}

/// A SARIF directory and the repositories (name → web URL) to write one
/// file each for.
pub type PerRepositorySarif = Option<(PathBuf, BTreeMap<String, String>)>;

/// The scan this module runs through: the binary's wiring (rules, policy,
/// reporter, verification) given the scan options, the directory whose
/// configuration applies and the per-repository SARIF request; it calls
/// the source with the running scan and the rule set's cache key, and
/// returns the exit code. Passed in so that this module never names the
/// crate root.
pub type ScanWith<'a> =
    &'a dyn Fn(&ScanArgs, &Path, PerRepositorySarif, &mut dyn FnMut(&ScanRun<'_>, &str) -> Result<()>) -> Result<u8>;

/// Runs the audit; returns the exit code.
pub fn run(platform: Platform, mut args: HostingArgs, scan_with: ScanWith<'_>) -> Result<u8> {
    let quiet = args.scan.quiet;
    let api_host = args
        .api_url
        .as_deref()
        .and_then(|u| u.split("://").nth(1))
        .and_then(|rest| rest.split(['/', ':']).next())
        .map(str::to_owned);
    let token = token_for(platform, api_host.as_deref());
    let client = Client::new(platform, args.api_url.as_deref(), token.clone())
        .with_context(|| format!("{} API", platform.name()))?;
    let last_rate: std::cell::RefCell<Option<RateLimit>> = std::cell::RefCell::new(None);
    let mut observe = |event: &Event| match event {
        Event::RateLimit(rate) => *last_rate.borrow_mut() = Some(*rate),
        Event::Waiting { seconds, reason } if !quiet => {
            eprintln!(
                "keyhound: waiting {seconds} s for the {} API: {reason}",
                platform.name()
            );
        }
        Event::Skipped { url, reason } if !quiet => {
            eprintln!("keyhound: warning: an item of {url} was left out: {reason}");
        }
        _ => {}
    };

    let repos = enumerate(&client, platform, &args, &mut observe)?;
    let mut targets: Vec<Target> = Vec::new();
    for repo in &repos {
        targets.push(Target {
            name: repo.full_name.clone(),
            clone_url: repo.clone_url.clone(),
            web_url: repo.html_url.clone(),
            wiki: false,
        });
        if let (true, Some(wiki)) = (args.include_wikis, &repo.wiki_clone_url) {
            targets.push(Target {
                name: format!("{}.wiki", repo.full_name),
                clone_url: wiki.clone(),
                web_url: format!("{}/wiki", repo.html_url),
                wiki: true,
            });
        }
    }
    if args.include_gists {
        if args.user.is_empty() {
            bail!("--include-gists needs --user: gists belong to users");
        }
        for user in &args.user {
            for gist in client.gists(user, &mut observe)? {
                targets.push(Target {
                    name: format!("gist/{}", gist.id),
                    clone_url: gist.clone_url,
                    web_url: gist.html_url,
                    wiki: false,
                });
            }
        }
    }
    if !quiet {
        eprintln!(
            "keyhound: {} repositories to audit on {}{}",
            targets.len(),
            platform.name(),
            rate_text(last_rate.borrow().as_ref())
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        );
    }

    // The audit's configuration comes from --config only: a .keyhound.toml
    // in the current directory belongs to whatever project is there, not to
    // the organisation. The cache directory holds none.
    let cache_dir = args.cache_dir.clone().unwrap_or_else(remote_git::default_cache_dir);
    std::fs::create_dir_all(&cache_dir).with_context(|| format!("creating {}", cache_dir.display()))?;
    let per_repository_sarif = args.sarif_dir.take().map(|dir| {
        let uris: BTreeMap<String, String> = targets.iter().map(|t| (t.name.clone(), t.web_url.clone())).collect();
        (dir, uris)
    });
    let mut rows: Vec<Row> = Vec::new();
    let code = scan_with(&args.scan, &cache_dir, per_repository_sarif, &mut |scan, ruleset| {
        let options_for = |target: &Target| MirrorOptions {
            cache_dir: cache_dir.clone(),
            keep: args.keep,
            credentials: remote::Credentials {
                // The platform's token goes only to the platform's own git
                // host, never to a clone URL elsewhere an API answer names.
                token: token.clone().filter(|_| client.is_on_git_host(&target.clone_url)),
                username: Some(client.token_username().to_owned()),
                ..remote_git::credentials_from_env(None, "KEYHOUND_GIT_TOKEN")
            },
        };
        // `--fetch-ahead` workers fetch in parallel (fetching waits on the
        // network, scanning on the CPU); each hands its mirror over and
        // waits until the scan takes it, so at most that many mirrors plus
        // the one being scanned are on disk.
        // `--cache-limit` bounds their bytes as well.
        let (sender, receiver) = std::sync::mpsc::sync_channel(0);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let disk = DiskBudget::new(args.cache_limit);
        std::thread::scope(|threads| {
            let targets = &targets;
            let options_for = &options_for;
            let next = &next;
            let disk = &disk;
            for _ in 0..args.fetch_ahead {
                let sender = sender.clone();
                threads.spawn(move || {
                    let never = AtomicBool::new(false);
                    while disk.wait_for_room() {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(target) = targets.get(i) else { break };
                        let fetched = RemoteUrl::parse(&target.clone_url)
                            .and_then(|url| remote::mirror(&url, &options_for(target), &never));
                        let bytes = match &fetched {
                            Ok(mirror) if !mirror.kept() => dir_size(mirror.path()),
                            _ => 0,
                        };
                        disk.take(bytes);
                        if sender.send((target, fetched, bytes)).is_err() {
                            disk.give_back(bytes);
                            break;
                        }
                    }
                });
            }
            drop(sender);
            let total = targets.len();
            for (done, (target, fetched, bytes)) in receiver.iter().enumerate() {
                if scan.cancelled() {
                    disk.give_back(bytes);
                    break;
                }
                let row = audit_one(scan, target, fetched, ruleset, args.max_file_size);
                // The mirror was removed when the audit dropped it.
                disk.give_back(bytes);
                if !quiet {
                    eprintln!(
                        "keyhound: [{}/{total}] {}: {} commits, {} findings{}",
                        done + 1,
                        row.name,
                        row.commits,
                        row.findings,
                        if row.status == "ok" {
                            String::new()
                        } else {
                            format!(" ({})", row.status)
                        }
                    );
                }
                rows.push(row);
            }
            // Workers waiting for room must not wait for a scan that ended.
            disk.close();
            drop(receiver);
        });
        if args.include_issues || args.include_prs {
            for repo in &repos {
                if scan.cancelled() {
                    break;
                }
                scan_texts(scan, &client, repo, &args, &mut observe);
            }
        }
        Ok(())
    })?;
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    if !quiet {
        print_table(&rows, last_rate.borrow().as_ref());
    }
    Ok(code)
}

/// The disk the temporary mirrors of an audit may fill at once
/// (`--cache-limit`): a fetch starts only while the mirrors fetched and not
/// yet scanned take less, or when none does (so one repository larger
/// than the limit is still audited). The size of a mirror is known only
/// once fetched, so the limit can be passed by one mirror per worker.
struct DiskBudget {
    limit: Option<u64>,
    state: std::sync::Mutex<(u64, bool)>,
    freed: std::sync::Condvar,
}

impl DiskBudget {
    fn new(limit: Option<u64>) -> DiskBudget {
        DiskBudget {
            limit,
            state: std::sync::Mutex::new((0, false)),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Waits until a fetch may start; false once the audit has ended.
    fn wait_for_room(&self) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (used, closed) = *state;
            if closed {
                return false;
            }
            match self.limit {
                Some(limit) if used > 0 && used >= limit => {
                    state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
                }
                _ => return true,
            }
        }
    }

    fn take(&self, bytes: u64) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).0 += bytes;
    }

    fn give_back(&self, bytes: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = state.0.saturating_sub(bytes);
        self.freed.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.freed.notify_all();
    }
}

/// Bytes of the files under `path` (a mirror on disk).
fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => dir_size(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}

/// The repositories the arguments name, deduplicated and sorted by name
/// (so the same organisation gives the same report), forks and archived
/// ones left out unless asked for.
fn enumerate(
    client: &Client,
    platform: Platform,
    args: &HostingArgs,
    observe: &mut dyn FnMut(&Event),
) -> Result<Vec<Repo>> {
    let mut owners: Vec<Owner> = Vec::new();
    owners.extend(args.org.iter().map(|o| match platform {
        Platform::GitLab => Owner::Group(o.clone()),
        Platform::Bitbucket => Owner::Workspace(o.clone()),
        _ => Owner::Org(o.clone()),
    }));
    owners.extend(args.group.iter().map(|g| Owner::Group(g.clone())));
    owners.extend(args.user.iter().map(|u| Owner::User(u.clone())));
    if owners.is_empty() && args.repo.is_empty() {
        bail!("name what to audit: --org, --group, --user or --repo");
    }
    let mut found: BTreeMap<String, Repo> = BTreeMap::new();
    for owner in &owners {
        for repo in client
            .list_repos(owner, observe)
            .with_context(|| format!("listing the repositories of {owner:?}"))?
        {
            found.insert(repo.full_name.clone(), repo);
        }
    }
    for name in &args.repo {
        let repo = client
            .repo(name, observe)
            .with_context(|| format!("repository {name}"))?;
        found.insert(repo.full_name.clone(), repo);
    }
    let listed = found.len();
    let named: Vec<&String> = args.repo.iter().collect();
    let kept: Vec<Repo> = found
        .into_values()
        .filter(|r| {
            named.contains(&&r.full_name) || (args.include_forks || !r.fork) && (args.include_archived || !r.archived)
        })
        .collect();
    if !args.scan.quiet && kept.len() < listed {
        eprintln!(
            "keyhound: {} of {listed} repositories left out (forks and archived ones; --include-forks, --include-archived)",
            listed - kept.len()
        );
    }
    Ok(kept)
}

/// Scans one fetched target into the run; a failure is a warning and a
/// row that says why, and the audit goes on.
fn audit_one(
    scan: &ScanRun<'_>,
    target: &Target,
    fetched: Result<Mirror, RemoteError>,
    ruleset: &str,
    max_blob_size: u64,
) -> Row {
    let mut row = Row {
        name: target.name.clone(),
        commits: 0,
        blobs: 0,
        cached: 0,
        findings: 0,
        status: "ok".into(),
    };
    let mirror = match fetched {
        Ok(mirror) => mirror,
        Err(RemoteError::NotFound { .. }) if target.wiki => {
            row.status = "no wiki".into();
            return row;
        }
        Err(e) => {
            row.status = format!("failed: {e}");
            scan.warn(WarningKind::Git, Some(&target.name), remote_git::describe(&e));
            return row;
        }
    };
    if let Some(stale) = &mirror.stale {
        row.status = "stale: could not fetch".into();
        scan.warn(
            WarningKind::Git,
            Some(&target.name),
            format!("{} — scanning what the mirror held", remote_git::describe(stale)),
        );
    }
    let repo = match git::open(mirror.path()) {
        Ok(repo) => repo,
        Err(e) => {
            row.status = format!("failed: {e}");
            scan.warn(WarningKind::Git, Some(&target.name), remote_git::describe(&e));
            return row;
        }
    };
    if repo
        .references()
        .map(|r| r.all().map(|mut all| all.next().is_none()).unwrap_or(true))
        .unwrap_or(true)
    {
        row.status = "empty".into();
        return row;
    }
    let mut cache = mirror
        .kept()
        .then(|| BlobCache::open(&mirror.path().join("keyhound"), ruleset));
    let options = history::HistoryOptions {
        branch: None,
        max_commits: None,
        max_blob_size,
        repository: Some(target.name.clone()),
    };
    let before = scan.summary().findings;
    match history::scan_history(scan, &repo, &options, cache.as_mut()) {
        Ok(stats) => {
            row.commits = stats.commits;
            row.blobs = stats.blobs;
            row.cached = stats.cached;
        }
        Err(e) => {
            row.status = format!("failed: {e}");
            scan.warn(WarningKind::Git, Some(&target.name), remote_git::describe(&e));
        }
    }
    row.findings = scan.summary().findings - before;
    if let Some(cache) = &cache {
        if let Err(e) = cache.save() {
            scan.warn(
                WarningKind::Cache,
                Some(&target.name),
                format!("cannot save the blob cache: {e}"),
            );
        }
    }
    row
}

/// Scans a repository's issues and pull requests as text.
fn scan_texts(scan: &ScanRun<'_>, client: &Client, repo: &Repo, args: &HostingArgs, observe: &mut dyn FnMut(&Event)) {
    let items = match client.issue_texts(repo, args.include_issues, args.include_prs, observe) {
        Ok(items) => items,
        Err(e) => {
            scan.warn(
                WarningKind::Git,
                Some(&repo.full_name),
                format!("issues and pull requests: {}", remote_git::describe(&e)),
            );
            return;
        }
    };
    for item in items {
        let what = match item.kind {
            TextKind::IssueBody => "issue",
            TextKind::IssueComment => "issue comment",
            TextKind::PullBody => "pull request",
            TextKind::PullComment => "pull request comment",
            TextKind::ReviewComment => "review comment",
            _ => "comment",
        };
        let origin = Arc::new(Origin::Web {
            url: item.url,
            what: what.to_owned(),
            repository: repo.full_name.clone(),
            author: item.author,
            date: item.created_at,
        });
        scan.scan_blob(item.text.as_bytes(), origin);
    }
}

/// The rate limit as the closing table shows it.
fn rate_text(rate: Option<&RateLimit>) -> Option<String> {
    let rate = rate?;
    let remaining = rate.remaining?;
    Some(match (rate.limit, rate.reset_epoch) {
        (Some(limit), Some(reset)) => {
            format!("API rate limit: {remaining} of {limit} left, resets at unix time {reset}")
        }
        (Some(limit), None) => format!("API rate limit: {remaining} of {limit} left"),
        _ => format!("API rate limit: {remaining} left"),
    })
}

/// The closing table on standard error: one row per repository.
fn print_table(rows: &[Row], rate: Option<&RateLimit>) {
    if rows.is_empty() {
        return;
    }
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(10).max(10);
    eprintln!(
        "\n{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  STATUS",
        "REPOSITORY", "COMMITS", "BLOBS", "CACHED", "FINDINGS"
    );
    for r in rows {
        eprintln!(
            "{:<width$}  {:>8}  {:>8}  {:>8}  {:>8}  {}",
            r.name, r.commits, r.blobs, r.cached, r.findings, r.status
        );
    }
    let failed = rows.iter().filter(|r| r.status.starts_with("failed")).count();
    eprintln!(
        "{} repositories, {} with findings, {failed} failed{}",
        rows.len(),
        rows.iter().filter(|r| r.findings > 0).count(),
        rate_text(rate).map(|r| format!("; {r}")).unwrap_or_default()
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_disk_budget_holds_fetches_back_until_a_scan_frees_room() {
        let budget = std::sync::Arc::new(DiskBudget::new(Some(100)));
        assert!(budget.wait_for_room(), "an empty cache always has room");
        budget.take(150);
        let waiting = {
            let budget = budget.clone();
            std::thread::spawn(move || budget.wait_for_room())
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiting.is_finished(), "over the limit, the next fetch waits");
        budget.give_back(150);
        assert!(waiting.join().unwrap(), "freed room lets it go on");
        budget.take(150);
        let closed = {
            let budget = budget.clone();
            std::thread::spawn(move || budget.wait_for_room())
        };
        budget.close();
        assert!(!closed.join().unwrap(), "an ended audit releases its waiting workers");
        assert!(DiskBudget::new(None).wait_for_room(), "no limit, no wait");
    }

    use super::*;

    #[test]
    fn tokens_are_read_from_platform_cli_configs() {
        let gh = "github.com:\n    user: octo\n    oauth_token: gho_abc123\n    git_protocol: https\nghe.example.org:\n    oauth_token: \"gho_enterprise\"\n"; // keyhound:allow (fake token of a fixture)
        assert_eq!(
            cli_token(gh, "github.com", "oauth_token").as_deref(),
            Some("gho_abc123")
        );
        assert_eq!(
            cli_token(gh, "ghe.example.org", "oauth_token").as_deref(),
            Some("gho_enterprise")
        );
        assert_eq!(cli_token(gh, "other.org", "oauth_token"), None);
        let glab = "git_protocol: ssh\nhosts:\n    gitlab.com:\n        api_protocol: https\n        token: glpat-xyz\n    gitlab.example.org:\n        token: glpat-self\n";
        assert_eq!(cli_token(glab, "gitlab.com", "token").as_deref(), Some("glpat-xyz"));
        assert_eq!(
            cli_token(glab, "gitlab.example.org", "token").as_deref(),
            Some("glpat-self")
        );
        // A keyring-backed gh config has no token line.
        assert_eq!(
            cli_token("github.com:\n    user: octo\n", "github.com", "oauth_token"),
            None
        );
    }
}
