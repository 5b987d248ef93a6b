//! Remote repositories (`keyhound git URL`): a bare mirror of every ref,
//! fetched with gix into a cache directory and then audited like any local
//! repository. A kept mirror is fetched incrementally on the next run, so a
//! re-audit transfers only new objects (and the blob cache then reads only
//! new blobs).
//!
//! Credentials come from the usual places, in this order: the URL's own
//! userinfo, an explicit token ([`Credentials::token`]), `~/.netrc` (or
//! `$NETRC`), then git's configured credential helpers and `GIT_ASKPASS` (as
//! gix reads them from the user's and system's git configuration). They are
//! only ever offered to the host the URL names — not to a host a redirect
//! leads to — and are never written: the mirror's configuration holds the
//! URL without its userinfo, and errors show it the same way.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::bstr::ByteSlice;
use gix::credentials::helper::{Action, NextAction};
use gix::credentials::protocol::{Context, Outcome};
use gix::remote::Direction;

use super::Cause;

/// Why a remote repository could not be had.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The text is not a URL gix can parse.
    #[error("`{url}` is not a git URL")]
    BadUrl {
        /// The text given (userinfo removed).
        url: String,
        /// What gix said.
        #[source]
        source: Cause,
    },
    /// The server refused the credentials, or asked for some and none were
    /// found.
    #[error("{url}: authentication failed (set KEYHOUND_GIT_TOKEN, add the host to ~/.netrc, or configure a git credential helper)")]
    Auth {
        /// The URL (userinfo removed).
        url: String,
        /// What the transport said.
        #[source]
        source: Cause,
    },
    /// The host name does not resolve or nothing listens there.
    #[error("{url}: cannot reach the host")]
    UnknownHost {
        /// The URL (userinfo removed).
        url: String,
        /// What the transport said.
        #[source]
        source: Cause,
    },
    /// The server has no repository at that path (or hides it).
    #[error("{url}: no such repository")]
    NotFound {
        /// The URL (userinfo removed).
        url: String,
        /// What the transport said.
        #[source]
        source: Cause,
    },
    /// Any other failure to fetch (protocol error, corrupt pack, timeout).
    #[error("{url}: fetch failed")]
    Fetch {
        /// The URL (userinfo removed).
        url: String,
        /// What gix said.
        #[source]
        source: Cause,
    },
    /// The cache directory cannot be created or the mirror initialised.
    #[error("{path}: cannot prepare the mirror")]
    Cache {
        /// The mirror's directory.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Cause,
    },
}

/// Whether `text` names a remote repository rather than a local path:
/// `https://`, `http://`, `ssh://`, `git://`, `file://` URLs, and scp-like
/// `user@host:path` (only when no local path of that name exists, as git
/// decides).
pub fn looks_like_url(text: &str) -> bool {
    const SCHEMES: [&str; 6] = ["https://", "http://", "ssh://", "git://", "file://", "git+ssh://"];
    if SCHEMES
        .iter()
        .any(|s| text.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s)))
    {
        return true;
    }
    // scp-like: `[user@]host:path`, with no slash before the colon.
    match text.find(':') {
        Some(colon) if colon > 0 => {
            let host = &text[..colon];
            !host.contains('/') && host.contains('@') && !Path::new(text).exists()
        }
        _ => false,
    }
}

/// A remote repository's URL, split into what may be shown and stored (the
/// URL without userinfo) and the userinfo itself, which is only ever used
/// as a credential.
pub struct RemoteUrl {
    url: gix::Url,
    user: Option<String>,
    password: Option<String>,
    shown: String,
}

impl std::fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteUrl")
            .field("url", &self.shown)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .finish()
    }
}

impl RemoteUrl {
    /// Parses a URL given on the command line (or by a hosting platform's
    /// API), keeping its userinfo apart.
    pub fn parse(text: &str) -> Result<RemoteUrl, RemoteError> {
        let mut url = gix::url::parse(text.as_bytes().as_bstr()).map_err(|e| RemoteError::BadUrl {
            url: strip_userinfo_text(text),
            source: Box::new(e),
        })?;
        let user = url.user().map(str::to_owned);
        let password = url.password().map(str::to_owned);
        // ssh and scp-like URLs keep their user: it is the account to log in
        // as, not a secret. http(s) userinfo is a credential.
        let is_http = matches!(url.scheme, gix::url::Scheme::Http | gix::url::Scheme::Https);
        if is_http {
            url.set_user(None);
        }
        url.set_password(None);
        let shown = url.to_bstring().to_string();
        Ok(RemoteUrl {
            url,
            user: user.filter(|_| is_http),
            password,
            shown,
        })
    }

    /// The URL without its password (and, for http(s), without its user):
    /// safe to print, log and store.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The host, lower-cased, when the URL has one.
    pub fn host(&self) -> Option<String> {
        self.url.host().map(str::to_ascii_lowercase)
    }

    /// The mirror's directory name inside the cache: the host and path made
    /// file-name safe, and a hash of the shown URL so that different URLs
    /// never share a mirror.
    pub fn cache_name(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(self.shown.as_bytes());
        let readable: String = format!("{}{}", self.url.host().unwrap_or("local"), self.url.path)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let readable = readable.trim_matches('_');
        let tail = &readable[readable.len().saturating_sub(60)..];
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        format!("{tail}-{hex}")
    }
}

/// Removes `user:password@` from a URL-like text for error messages, when
/// gix cannot parse it.
fn strip_userinfo_text(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}{}", &text[..scheme + 3], &text[at + 1..]),
        _ => text.to_owned(),
    }
}

/// Credentials the caller found for this run, beside what git itself
/// knows (helpers, askpass).
#[derive(Default, Clone)]
pub struct Credentials {
    /// A token to send as the password (from `KEYHOUND_GIT_TOKEN` or a
    /// hosting platform's token).
    pub token: Option<String>,
    /// The user name to send with the token (platforms differ:
    /// `x-access-token` on GitHub, `oauth2` on GitLab).
    pub username: Option<String>,
    /// The netrc file to read (`$NETRC` or `~/.netrc`), if any.
    pub netrc: Option<PathBuf>,
    /// Whether git's configured credential helpers, askpass program and
    /// terminal prompt may be asked; a prompt is only ever shown on a
    /// terminal.
    pub use_git_helpers: bool,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("username", &self.username)
            .field("netrc", &self.netrc)
            .field("use_git_helpers", &self.use_git_helpers)
            .finish()
    }
}

/// Where mirrors live and whether this run keeps its mirror.
#[derive(Debug, Clone)]
pub struct MirrorOptions {
    /// The directory holding mirrors (`<cache>/git/<name>`).
    pub cache_dir: PathBuf,
    /// Keep the mirror after the scan for an incremental re-audit. A mirror
    /// kept by an earlier run is always reused and stays.
    pub keep: bool,
    /// Credentials beyond git's own.
    pub credentials: Credentials,
}

/// What the fetch brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// Whether the mirror existed before this run (an incremental fetch).
    pub reused: bool,
    /// Objects received in the new pack (0 when nothing changed).
    pub objects: u64,
    /// Bytes of the new pack.
    pub pack_bytes: u64,
    /// Refs the mirror holds after the fetch.
    pub refs: usize,
}

/// A local bare mirror of a remote repository, ready to be opened with
/// [`super::open`]. Removed when dropped unless kept.
#[derive(Debug)]
pub struct Mirror {
    path: PathBuf,
    keep: bool,
    /// What the fetch brought.
    pub stats: FetchStats,
    /// Set when an existing mirror could not be brought up to date: the
    /// scan covers what arrived earlier, and the caller warns with this.
    pub stale: Option<RemoteError>,
}

impl Mirror {
    /// The mirror's git directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the mirror stays after this run.
    pub fn kept(&self) -> bool {
        self.keep
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Clones `url` into its mirror in the cache, or fetches into the mirror an
/// earlier run kept, then returns it. Every ref of the remote is fetched
/// (`+refs/*:refs/*`: branches, tags, and what hosts publish beside them
/// such as pull-request heads).
///
/// A first fetch that fails is an error (nothing to scan). A fetch into an
/// existing mirror that fails is not: the mirror is returned with
/// [`Mirror::stale`] set, and the caller scans what arrived before.
pub fn mirror(url: &RemoteUrl, options: &MirrorOptions, interrupt: &AtomicBool) -> Result<Mirror, RemoteError> {
    // reqwest is built without a crypto provider; use ring, as the verify
    // crate does. Fails only when one is installed already, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kept_path = options.cache_dir.join("git").join(url.cache_name());
    let reused = kept_path.join("HEAD").is_file();
    let (path, keep) = if reused || options.keep {
        (kept_path, true)
    } else {
        sweep_abandoned(&options.cache_dir.join("git"));
        let name = format!("{}.tmp-{}", url.cache_name(), std::process::id());
        (options.cache_dir.join("git").join(name), false)
    };
    let cache_error = |path: &Path, source: Cause| RemoteError::Cache {
        path: path.to_path_buf(),
        source,
    };
    // From here on, dropping the mirror removes a directory this run made.
    let mut mirror = Mirror {
        path: path.clone(),
        keep: true,
        stats: FetchStats {
            reused,
            ..FetchStats::default()
        },
        stale: None,
    };
    if !reused {
        std::fs::create_dir_all(&path).map_err(|e| cache_error(&path, Box::new(e)))?;
        mirror.keep = false;
        init_mirror(&path, url).map_err(|e| cache_error(&path, e))?;
    }
    let fetched = fetch(&path, url, &options.credentials, interrupt);
    match fetched {
        Ok((objects, pack_bytes)) => {
            mirror.stats.objects = objects;
            mirror.stats.pack_bytes = pack_bytes;
        }
        Err(e) if reused => mirror.stale = Some(e),
        Err(e) => return Err(e),
    }
    mirror.keep = keep;
    mirror.stats.refs = count_refs(&path);
    Ok(mirror)
}

/// Removes temporary mirrors that runs killed mid-fetch left behind: a
/// `<name>.tmp-<pid>` whose process no longer exists. Only where `/proc`
/// tells which processes live (elsewhere nothing is removed: a live run's
/// mirror must never vanish under it). Failures are ignored: this is
/// tidying, and the cache directory may be shared read-only.
pub fn sweep_abandoned(git_cache: &Path) {
    let proc_fs = Path::new("/proc/self");
    if !proc_fs.exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(git_cache) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.rsplit_once(".tmp-"))
            .and_then(|(_, pid)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Creates the bare repository and writes its one remote: the shown URL
/// (never userinfo) and the mirror refspec.
fn init_mirror(path: &Path, url: &RemoteUrl) -> Result<(), Cause> {
    gix::init_bare(path).map_err(|e| Box::new(e) as Cause)?;
    let config = path.join("config");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str(&format!(
        "[remote \"origin\"]\n\turl = {}\n\tfetch = +refs/*:refs/*\n\tmirror = true\n",
        quote_config(url.shown())
    ));
    std::fs::write(&config, text)?;
    std::fs::write(
        path.join("description"),
        format!("keyhound mirror of {}\n", url.shown()),
    )?;
    Ok(())
}

/// A git configuration value in quotes, with `"` and `\` escaped.
fn quote_config(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Fetches every ref of `origin` into the mirror at `path`; returns the new
/// pack's object count and size.
fn fetch(
    path: &Path,
    url: &RemoteUrl,
    credentials: &Credentials,
    interrupt: &AtomicBool,
) -> Result<(u64, u64), RemoteError> {
    let repo = gix::open(path).map_err(|e| RemoteError::Cache {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    let fail = |e: gix::Error| classify(url.shown(), e);
    let remote = repo.find_remote("origin").map_err(fail)?;
    let mut connection = remote.connect(Direction::Fetch).map_err(fail)?;
    let configured = match credentials.use_git_helpers {
        true => Some(connection.configured_credentials(url.url.clone()).map_err(fail)?),
        false => None,
    };
    let mut offer = CredentialOffer::new(url, credentials, configured);
    connection.set_credentials(move |action| offer.answer(action));
    let outcome = match connection
        .prepare_fetch(
            gix::progress::Discard,
            gix::remote::ref_map::Options {
                // `refs/*` as a ref-prefix filter gets no refs advertised
                // (gix 0.90); every ref is wanted anyway.
                prefix_from_spec_as_filter_on_remote: false,
                ..Default::default()
            },
        )
        .map_err(fail)?
        .receive(gix::progress::Discard, interrupt)
    {
        Ok(outcome) => outcome,
        // A repository with no commits advertises no refs (at most an
        // unborn HEAD): there is nothing to fetch, and nothing to scan.
        Err(e) if e.to_string().to_ascii_lowercase().contains("none of the refspec") => return Ok((0, 0)),
        Err(e) => return Err(fail(e)),
    };
    follow_remote_head(path, &outcome.ref_map.remote_refs);
    Ok(match outcome.status {
        gix::remote::fetch::Status::Change { write_pack_bundle, .. } => (
            write_pack_bundle.index.num_objects as u64,
            write_pack_bundle
                .data_path
                .as_deref()
                .and_then(|p| std::fs::metadata(p).ok())
                .map_or(0, |m| m.len()),
        ),
        gix::remote::fetch::Status::NoPackReceived { .. } => (0, 0),
    })
}

/// Points the mirror's HEAD where the remote's points (its default
/// branch), so reports name the revision the remote calls current. Best
/// effort: a remote that does not advertise HEAD leaves it as it was.
fn follow_remote_head(path: &Path, refs: &[gix::protocol::handshake::Ref]) {
    let target = refs.iter().find_map(|r| match r {
        gix::protocol::handshake::Ref::Symbolic {
            full_ref_name, target, ..
        } if full_ref_name == "HEAD" && target.starts_with(b"refs/heads/") => Some(target.to_string()),
        _ => None,
    });
    if let Some(target) = target.filter(|t| !t.contains(['\n', '\r'])) {
        let _ = std::fs::write(path.join("HEAD"), format!("ref: {target}\n"));
    }
}

/// The number of refs in a repository (0 when it cannot be read).
fn count_refs(path: &Path) -> usize {
    gix::open(path)
        .ok()
        .and_then(|repo| repo.references().ok().and_then(|r| r.all().ok().map(Iterator::count)))
        .unwrap_or(0)
}

/// Sorts a gix failure into what the user can act on, by the transport's
/// typed causes where it has them and by the messages servers send where
/// it does not (git daemon and ssh report a missing repository as text).
fn classify(url: &str, error: gix::Error) -> RemoteError {
    let url = url.to_owned();
    let mut text = String::new();
    let mut auth = false;
    for cause in error.iter_errors() {
        text.push_str(&cause.to_string().to_ascii_lowercase());
        text.push('\n');
        if cause
            .downcast_ref::<gix::protocol::transport::client::AuthenticationRequired>()
            .is_some()
        {
            auth = true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            auth |= io.kind() == std::io::ErrorKind::PermissionDenied;
        }
    }
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    let source: Cause = Box::new(error);
    if auth
        || has(&[
            "authentication",
            "http status 401",
            "permission denied (publickey",
            "no credentials were returned",
            "failed to obtain credentials",
        ])
    {
        RemoteError::Auth { url, source }
    } else if has(&[
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "could not resolve hostname",
        "connection refused",
        "no route to host",
    ]) {
        RemoteError::UnknownHost { url, source }
    } else if has(&[
        "http status 404",
        "not found",
        "does not appear to be a git repository",
        "not exported",
        "no such file or directory",
        "could not be opened",
    ]) {
        RemoteError::NotFound { url, source }
    } else {
        RemoteError::Fetch { url, source }
    }
}

/// Answers the transport's credential requests: the URL's userinfo, then
/// the token, then netrc, then git's own helpers — each offered once, and
/// only for the URL's own host.
struct CredentialOffer {
    host: Option<String>,
    /// The URL is `http://`: credentials would travel in clear text.
    plain_http: bool,
    /// The host is this machine (a name for the loopback interface).
    loopback: bool,
    candidates: Vec<(String, String)>,
    next: usize,
    configured: Option<gix::remote::AuthenticateFn<'static>>,
}

impl CredentialOffer {
    fn new(
        url: &RemoteUrl,
        credentials: &Credentials,
        configured: Option<gix::remote::AuthenticateFn<'static>>,
    ) -> Self {
        let host = url.host();
        let mut candidates = Vec::new();
        if let Some(password) = &url.password {
            candidates.push((url.user.clone().unwrap_or_default(), password.clone()));
        }
        if let Some(token) = &credentials.token {
            let user = credentials
                .username
                .clone()
                .or_else(|| url.user.clone())
                .unwrap_or_else(|| default_token_user(host.as_deref()).to_owned());
            candidates.push((user, token.clone()));
        }
        if let (Some(netrc), Some(host)) = (&credentials.netrc, &host) {
            if let Ok(text) = std::fs::read_to_string(netrc) {
                if let Some((login, password)) = netrc_entry(&text, host) {
                    candidates.push((login, password));
                }
            }
        }
        let loopback = host
            .as_deref()
            .is_some_and(|h| h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()));
        CredentialOffer {
            plain_http: url.url.scheme == gix::url::Scheme::Http,
            loopback,
            host,
            candidates,
            next: 0,
            configured,
        }
    }

    fn answer(&mut self, action: Action) -> gix::Result<Option<Outcome>> {
        let Action::Get(context) = action else {
            // Store and erase go to git's helpers only when the credential
            // came from them (our own are never stored anywhere).
            return match (&mut self.configured, self.next > self.candidates.len()) {
                (Some(helpers), true) => helpers(action),
                _ => Ok(None),
            };
        };
        // The transport fills in the URL it is about to use (after any
        // redirect); the host may also be given on its own.
        let asked_host = context.host.clone().or_else(|| {
            let url = context.url.as_ref()?;
            gix::url::parse(url.as_bstr()).ok()?.host().map(str::to_owned)
        });
        let same_host = asked_host.map(|h| h.split(':').next().unwrap_or(&h).to_ascii_lowercase()) == self.host;
        if !same_host {
            return Ok(None);
        }
        if self.plain_http && !self.loopback {
            return Err(gix::Error::from_error(PlainHttpRefused));
        }
        if let Some((username, password)) = self.candidates.get(self.next).cloned() {
            self.next += 1;
            return Ok(Some(outcome(context, username, password)));
        }
        self.next = self.candidates.len() + 1;
        match &mut self.configured {
            Some(helpers) => helpers(Action::Get(context)),
            None => Ok(None),
        }
    }
}

/// Credentials are not sent in clear text over plain http to another
/// machine (git would; a scanner auditing secrets should not spread them).
#[derive(Debug, thiserror::Error)]
#[error("will not send credentials in clear text over plain http to another machine: use an https URL")]
struct PlainHttpRefused;

/// The user name hosts expect beside a token: GitLab wants `oauth2`,
/// Bitbucket `x-token-auth`; GitHub and Gitea accept any, and
/// `x-access-token` is GitHub's documented one.
fn default_token_user(host: Option<&str>) -> &'static str {
    match host {
        Some(h) if h.contains("gitlab") => "oauth2",
        Some(h) if h.contains("bitbucket") => "x-token-auth",
        _ => "x-access-token",
    }
}

fn outcome(context: Context, username: String, password: String) -> Outcome {
    let mut next = context;
    next.username = Some(username.clone());
    next.password = Some(password.clone());
    Outcome {
        identity: gix::sec::identity::Account {
            username,
            password,
            oauth_refresh_token: None,
        },
        next: NextAction::from(next),
    }
}

/// The login and password netrc gives for `host` (or its `default` entry).
///
/// Hand-written: netrc is a whitespace-separated token list of `machine`,
/// `login`, `password`, `account`, `macdef` and `default`, and the crates
/// that read it are unmaintained (last released in 2017–2020).
fn netrc_entry(text: &str, host: &str) -> Option<(String, String)> {
    let mut tokens = text.split_whitespace();
    let mut current: Option<bool> = None; // Some(true) when the entry matches
    let (mut login, mut password) = (None::<String>, None::<String>);
    let mut found = None;
    let mut default = None;
    let mut finish =
        |matches: Option<bool>, login: &mut Option<String>, password: &mut Option<String>, is_default: bool| {
            if let (Some(true), Some(p)) = (matches, password.take()) {
                let entry = (login.take().unwrap_or_default(), p);
                if is_default {
                    default.get_or_insert(entry);
                } else {
                    found.get_or_insert(entry);
                }
            }
            *login = None;
            *password = None;
        };
    let mut is_default = false;
    while let Some(token) = tokens.next() {
        match token {
            "machine" => {
                finish(current, &mut login, &mut password, is_default);
                is_default = false;
                current = Some(tokens.next().is_some_and(|m| m.eq_ignore_ascii_case(host)));
            }
            "default" => {
                finish(current, &mut login, &mut password, is_default);
                is_default = true;
                current = Some(true);
            }
            "login" => login = tokens.next().map(str::to_owned),
            "password" => password = tokens.next().map(str::to_owned),
            "account" => {
                tokens.next();
            }
            "macdef" => {
                // A macro runs to the next blank line; its words are not tokens.
                finish(current, &mut login, &mut password, is_default);
                current = None;
                tokens.next();
            }
            _ => {}
        }
    }
    finish(current, &mut login, &mut password, is_default);
    found.or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart() {
        for url in [
            "https://example.org/a/b.git",
            "HTTP://example.org/a",
            "ssh://git@example.org/a.git",
            "git://127.0.0.1:9418/r.git",
            "file:///srv/r.git",
            "git@github.com:owner/repo.git",
        ] {
            assert!(looks_like_url(url), "{url}");
        }
        for path in [".", "repo", "./a:b", "/tmp/x", "dir/with:colon", "C:"] {
            assert!(!looks_like_url(path), "{path}");
        }
    }

    #[test]
    fn userinfo_is_kept_apart_and_never_shown() {
        let url = RemoteUrl::parse("https://bob:s3cr3t-Pa55@git.example.org/team/app.git").unwrap();
        assert_eq!(url.shown(), "https://git.example.org/team/app.git");
        assert_eq!(url.user.as_deref(), Some("bob"));
        assert_eq!(url.password.as_deref(), Some("s3cr3t-Pa55"));
        assert!(!format!("{url:?}").contains("s3cr3t"));
        // An ssh user is the account, not a secret: it stays in the URL.
        let ssh = RemoteUrl::parse("git@example.org:team/app.git").unwrap();
        assert!(ssh.shown().contains("git@example.org"), "{}", ssh.shown());
        assert_eq!(ssh.user, None);
    }

    #[test]
    fn cache_names_are_safe_and_distinct() {
        let a = RemoteUrl::parse("https://example.org/team/app.git")
            .unwrap()
            .cache_name();
        let b = RemoteUrl::parse("https://example.org/team/app").unwrap().cache_name();
        assert_ne!(a, b);
        assert!(a.starts_with("example.org_team_app.git-"), "{a}");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)));
        // The userinfo does not change which mirror a URL uses.
        let c = RemoteUrl::parse("https://u:p@example.org/team/app.git")
            .unwrap()
            .cache_name();
        assert_eq!(a, c);
    }

    #[test]
    fn netrc_entries_by_host_then_default() {
        let text = "machine other.org login x password y\n\
                    machine git.example.org\n  login bob\n  password pw1\n\
                    macdef init\ncd /\n\n\
                    default login anon password guest\n";
        assert_eq!(netrc_entry(text, "git.example.org"), Some(("bob".into(), "pw1".into())));
        assert_eq!(netrc_entry(text, "GIT.EXAMPLE.ORG"), Some(("bob".into(), "pw1".into())));
        assert_eq!(netrc_entry(text, "nowhere.org"), Some(("anon".into(), "guest".into())));
        assert_eq!(netrc_entry("machine a login b", "a"), None);
    }

    fn ask(offer: &mut CredentialOffer, url: &str) -> Result<Option<String>, String> {
        let context = Context {
            url: Some(url.into()),
            ..Context::default()
        };
        offer
            .answer(Action::Get(context))
            .map(|o| o.map(|o| o.identity.password))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn credentials_go_to_the_url_host_only_and_never_in_clear_to_another_machine() {
        let credentials = Credentials {
            token: Some("tok".into()),
            ..Credentials::default()
        };
        let url = RemoteUrl::parse("https://git.example.org/a.git").unwrap();
        let mut offer = CredentialOffer::new(&url, &credentials, None);
        assert_eq!(ask(&mut offer, "https://evil.example.net/a.git"), Ok(None));
        assert_eq!(ask(&mut offer, "https://git.example.org/a.git"), Ok(Some("tok".into())));
        // Offered once; with nothing else to offer, no answer.
        assert_eq!(ask(&mut offer, "https://git.example.org/a.git"), Ok(None));

        let url = RemoteUrl::parse("http://git.example.org/a.git").unwrap();
        let mut offer = CredentialOffer::new(&url, &credentials, None);
        let refused = ask(&mut offer, "http://git.example.org/a.git").unwrap_err();
        assert!(refused.contains("clear text"), "{refused}");

        let url = RemoteUrl::parse("http://127.0.0.1:8080/a.git").unwrap();
        let mut offer = CredentialOffer::new(&url, &credentials, None);
        assert_eq!(ask(&mut offer, "http://127.0.0.1:8080/a.git"), Ok(Some("tok".into())));
    }

    #[test]
    fn error_text_strips_userinfo() {
        assert_eq!(strip_userinfo_text("https://u:p@h/x"), "https://h/x");
        assert_eq!(strip_userinfo_text("h/x"), "h/x");
    }

    #[test]
    fn temporary_mirrors_of_dead_runs_are_swept_and_live_ones_kept() {
        let cache = tempfile::tempdir().unwrap();
        // No process has this id (Linux caps ids at 2^22).
        let dead = cache.path().join("host_repo.tmp-999999999");
        let ours = cache.path().join(format!("host_repo.tmp-{}", std::process::id()));
        let kept = cache.path().join("host_repo");
        for dir in [&dead, &ours, &kept] {
            std::fs::create_dir_all(dir.join("objects")).unwrap();
        }
        sweep_abandoned(cache.path());
        assert!(!dead.exists(), "a dead run's mirror is removed");
        assert!(ours.exists(), "this run's mirror stays");
        assert!(kept.exists(), "kept mirrors are never touched");
    }
}
