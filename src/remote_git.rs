//! `keyhound git URL`: the command-line side of mirroring a remote
//! repository before its audit — where the cache lives, which credentials
//! the environment offers, and what the user is told about the fetch.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::Result;
use keyhound_sources::git::remote::{self, Credentials, Mirror, MirrorOptions, RemoteUrl};

use crate::cli::GitArgs;

/// The directory keyhound keeps mirrors in when `--cache-dir` and
/// `$KEYHOUND_CACHE_DIR` are not given: `$XDG_CACHE_HOME/keyhound`, else
/// `~/.cache/keyhound`, else a directory under the system's temporary one.
pub fn default_cache_dir() -> PathBuf {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    non_empty("XDG_CACHE_HOME")
        .or_else(|| non_empty("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("keyhound")
}

/// The credentials this process's environment offers for fetching:
/// `$KEYHOUND_GIT_TOKEN` (with `--git-username`), the netrc file, and git's
/// own helpers.
pub fn credentials_from_env(username: Option<String>, token_var: &str) -> Credentials {
    let netrc = std::env::var_os("NETRC")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".netrc")))
        .filter(|path| path.is_file());
    Credentials {
        token: std::env::var(token_var).ok().filter(|t| !t.is_empty()),
        username,
        netrc,
        use_git_helpers: true,
    }
}

/// Mirrors `args.repo` when it is a URL (`None` for a local path), telling
/// the user on standard error what was fetched and where it lives.
pub fn mirror_if_url(args: &GitArgs, quiet: bool) -> Result<Option<Mirror>> {
    let Some(text) = args.repo.to_str().filter(|t| remote::looks_like_url(t)) else {
        return Ok(None);
    };
    let url = RemoteUrl::parse(text)?;
    let options = MirrorOptions {
        cache_dir: args.cache_dir.clone().unwrap_or_else(default_cache_dir),
        keep: args.keep,
        credentials: credentials_from_env(args.git_username.clone(), "KEYHOUND_GIT_TOKEN"),
    };
    // Ctrl-C during the fetch ends the process (no handler is set yet);
    // gix writes packs to temporary files and renames them when complete.
    let never = AtomicBool::new(false);
    let mirror = remote::mirror(&url, &options, &never)?;
    if !quiet {
        let stats = &mirror.stats;
        let what = match (stats.reused, stats.objects) {
            (true, 0) => "no new objects".to_owned(),
            (_, n) => format!("{n} objects ({:.1} MiB)", stats.pack_bytes as f64 / (1 << 20) as f64),
        };
        eprintln!(
            "keyhound: fetched {what} from {} into {} ({} refs; {})",
            url.shown(),
            mirror.path().display(),
            stats.refs,
            if mirror.kept() {
                "kept for the next audit"
            } else {
                "removed after the scan; --keep keeps it"
            }
        );
    }
    Ok(Some(mirror))
}

/// An error and its causes on one line (`a: b: c`), as warnings show them.
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
