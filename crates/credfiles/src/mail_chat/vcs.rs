//! Version control and proxies: git config files (`.gitconfig`,
//! `.git/config`), Mercurial's `hgrc`, Subversion's plain-text password
//! cache (`~/.subversion/auth/svn.simple/<hash>`), `.curlrc`, `.wgetrc`,
//! apt's proxy settings and `/etc/environment`.
//!
//! SSH client configuration (`~/.ssh/config`) has no reader: it has no
//! directive that holds a password (`IdentityFile` names a key file, which
//! the engine's private-key rules read where it is), so there is nothing to
//! report from it.

use std::ops::Range;

use super::{cred, keep, url_password, words};
use crate::model::{Credential, FileName};
use crate::syntax::{ini, lines, trim_span};

pub(crate) fn recognise_git_config(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_is(&[".gitconfig", "gitconfig"])
        || (f.name_is(&["config"]) && parent_is(f, ".git"))
        // A bare repository (`shop.git/config`), known by its `[core]` section.
        || (f.name_is(&["config"]) && parent_ends_with(f, ".git") && bytes.windows(6).any(|w| w == b"[core]"))
        || (f.name_is(&["config"]) && f.in_dir(".config/git"))
        || (f.name_is(&["config"]) && f.in_dir(".git/modules"))
}

/// The name of the file's immediate parent directory, lower-cased.
fn parent(f: &FileName<'_>) -> Option<String> {
    let path = f.path.replace(['\\', '!'], "/");
    let (dir, _) = path.rsplit_once('/')?;
    dir.rsplit('/').next().map(str::to_ascii_lowercase)
}

/// Whether the file's immediate parent directory is `dir`.
fn parent_is(f: &FileName<'_>, dir: &str) -> bool {
    parent(f).is_some_and(|p| p == dir)
}

/// Whether the file's immediate parent directory's name ends with `suffix`.
fn parent_ends_with(f: &FileName<'_>, suffix: &str) -> bool {
    parent(f).is_some_and(|p| p.ends_with(suffix) && p.len() > suffix.len())
}

/// One git config variable: section, subsection (with its span), key and
/// the value's span (inside quotes; `None` for a bare boolean).
struct GitVar {
    section: String,
    subsection: Option<(String, Range<usize>)>,
    key: String,
    value: Option<Range<usize>>,
}

/// git-config(1) syntax: `[section]`, `[section "subsection"]`,
/// `[section.subsection]`, `key = value` with `;`/`#` comments outside
/// double quotes; continuation lines are not joined (their first line is
/// read).
fn git_vars(bytes: &[u8]) -> Vec<GitVar> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut subsection: Option<(String, Range<usize>)> = None;
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        let at = span.start + lead;
        match rest.first() {
            None | Some(b';' | b'#') => continue,
            Some(b'[') => {
                let Some(close) = rest.iter().rposition(|&b| b == b']') else {
                    continue;
                };
                let header = &rest[1..close];
                match header.iter().position(|&b| b == b'"') {
                    Some(q) => {
                        section = String::from_utf8_lossy(&header[..q]).trim().to_ascii_lowercase();
                        let end = header.iter().rposition(|&b| b == b'"').unwrap_or(header.len());
                        let s = at + 1 + q + 1..at + 1 + end.max(q + 1);
                        subsection = Some((String::from_utf8_lossy(&bytes[s.clone()]).into_owned(), s));
                    }
                    None => {
                        let h = String::from_utf8_lossy(header).trim().to_string();
                        match h.split_once('.') {
                            Some((a, b)) => {
                                section = a.to_ascii_lowercase();
                                subsection = Some((b.to_string(), at + 1 + a.len() + 1..at + 1 + h.len()));
                            }
                            None => {
                                section = h.to_ascii_lowercase();
                                subsection = None;
                            }
                        }
                    }
                }
                // `[section] key = value` on the header's line.
                let tail = at + close + 1;
                if let Some(var) = git_var(bytes, tail..span.end, &section, &subsection) {
                    out.push(var);
                }
            }
            Some(_) => {
                if let Some(var) = git_var(bytes, at..span.end, &section, &subsection) {
                    out.push(var);
                }
            }
        }
    }
    out
}

fn git_var(
    bytes: &[u8],
    range: Range<usize>,
    section: &str,
    subsection: &Option<(String, Range<usize>)>,
) -> Option<GitVar> {
    let line = &bytes[range.clone()];
    let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let key_len = line[lead..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    if key_len == 0 {
        return None;
    }
    let key = String::from_utf8_lossy(&line[lead..lead + key_len]).to_ascii_lowercase();
    let mut i = lead + key_len;
    while i < line.len() && matches!(line[i], b' ' | b'\t') {
        i += 1;
    }
    if i >= line.len() || matches!(line[i], b';' | b'#') {
        return Some(GitVar {
            section: section.into(),
            subsection: subsection.clone(),
            key,
            value: None,
        });
    }
    if line[i] != b'=' {
        return None;
    }
    i += 1;
    // The value: up to an unquoted comment; one pair of quotes removed.
    let start = i;
    let mut end = line.len();
    let mut quoted = false;
    let mut j = i;
    while j < line.len() {
        match line[j] {
            b'\\' => j += 1,
            b'"' => quoted = !quoted,
            b';' | b'#' if !quoted => {
                end = j;
                break;
            }
            _ => {}
        }
        j += 1;
    }
    let mut v = trim_span(bytes, range.start + start..range.start + end.min(line.len()));
    if v.len() >= 2 && bytes[v.start] == b'"' && bytes[v.end - 1] == b'"' {
        v = v.start + 1..v.end - 1;
    }
    Some(GitVar {
        section: section.into(),
        subsection: subsection.clone(),
        key,
        value: Some(v),
    })
}

/// git config: URLs with a password in `remote.*.url`/`pushurl`,
/// `submodule.*.url`, `http.proxy`, `url.<base>.insteadOf` and in the
/// `[url "<base>"]` header itself; `http.extraHeader` authorisations.
pub(crate) fn git_config(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut headers_seen: Vec<Range<usize>> = Vec::new();
    for var in git_vars(bytes) {
        let sub_name = var.subsection.as_ref().map(|s| s.0.as_str()).unwrap_or("");
        // `[url "https://user:token@host/"]` carries the password in its header.
        if var.section == "url" {
            if let Some((_, span)) = &var.subsection {
                if !headers_seen.contains(span) {
                    headers_seen.push(span.clone());
                    if let Some((p, user, host)) = url_password(bytes, span.clone()) {
                        out.push(cred(
                            "git-config-url-password",
                            p,
                            format!("password for {user}@{host} in a git config url.<base> section"),
                        ));
                    }
                }
            }
        }
        let Some(v) = var.value.clone() else { continue };
        let name = if sub_name.is_empty() {
            format!("{}.{}", var.section, var.key)
        } else {
            format!("{}.{sub_name}.{}", var.section, var.key)
        };
        if var.key == "extraheader" {
            let value = &bytes[v.clone()];
            let lower = value.to_ascii_lowercase();
            if lower.starts_with(b"authorization:") {
                let w = words(bytes, v.start + 14..v.end);
                if let (Some(scheme), Some(token)) = (w.first(), w.get(1)) {
                    let rule = match bytes[scheme.span.clone()].to_ascii_lowercase().as_slice() {
                        b"basic" => "generic-authorization-basic",
                        b"bearer" | b"token" => "generic-authorization-bearer",
                        _ => continue,
                    };
                    if keep(bytes, &token.span) {
                        out.push(cred(
                            rule,
                            token.span.clone(),
                            format!("authorization header in {name} of a git config"),
                        ));
                    }
                }
            }
            continue;
        }
        if matches!(
            var.key.as_str(),
            "url" | "pushurl" | "insteadof" | "pushinsteadof" | "proxy"
        ) {
            if let Some((p, user, host)) = url_password(bytes, v) {
                out.push(cred(
                    "git-config-url-password",
                    p,
                    format!("password for {user}@{host} in {name} of a git config"),
                ));
            }
        }
    }
    out
}

/// Mercurial: `[auth]` `<prefix>.password`, URLs with a password in
/// `[paths]`, `[smtp] password` and `[http_proxy] passwd`.
pub(crate) fn hgrc(bytes: &[u8]) -> Vec<Credential> {
    let entries = ini::entries_with(bytes, b"=");
    let mut out = Vec::new();
    for e in &entries {
        let section = e.section.to_ascii_lowercase();
        let key = e.key.to_ascii_lowercase();
        let field = |name: &str| {
            entries
                .iter()
                .find(|x| x.section.eq_ignore_ascii_case(&e.section) && x.key.eq_ignore_ascii_case(name))
                .map(|x| String::from_utf8_lossy(&bytes[x.value.clone()]).into_owned())
        };
        match section.as_str() {
            "auth" if key.ends_with(".password") => {
                let prefix = key.trim_end_matches(".password").to_string();
                if keep(bytes, &e.value) {
                    let host = field(&format!("{prefix}.prefix")).unwrap_or_default();
                    let user = field(&format!("{prefix}.username")).unwrap_or_default();
                    let who = match (user.is_empty(), host.is_empty()) {
                        (false, false) => format!(" ({user} at {host})"),
                        (true, false) => format!(" ({host})"),
                        _ => String::new(),
                    };
                    out.push(cred(
                        "mercurial-hgrc-password",
                        e.value.clone(),
                        format!("[auth] {}{who} in a Mercurial hgrc", e.key),
                    ));
                }
            }
            "smtp" | "http_proxy" if matches!(key.as_str(), "password" | "passwd") => {
                if keep(bytes, &e.value) {
                    out.push(cred(
                        "mercurial-hgrc-password",
                        e.value.clone(),
                        format!("[{section}] {} in a Mercurial hgrc", e.key),
                    ));
                }
            }
            _ => {
                if let Some((p, user, host)) = url_password(bytes, e.value.clone()) {
                    out.push(cred(
                        "mercurial-hgrc-password",
                        p,
                        format!(
                            "password for {user}@{host} in [{}] {} of a Mercurial hgrc",
                            e.section, e.key
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// A file of Subversion's `svn.simple` credential cache: named by the MD5
/// of its realm (32 hex digits) or starting with the hash-dump format.
pub(crate) fn recognise_svn_simple(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.in_dir("svn.simple")
        && (f.name.len() == 32 && f.name.bytes().all(|b| b.is_ascii_hexdigit()) || bytes.starts_with(b"K "))
}

/// The svn hash dump: `K <len>\n<key>\nV <len>\n<value>\n` … `END`. The
/// password is kept when `passtype` is `simple` (or absent); other types
/// store it in a keyring or encrypted.
pub(crate) fn svn_simple(bytes: &[u8]) -> Vec<Credential> {
    let mut pairs: Vec<(Vec<u8>, Range<usize>)> = Vec::new();
    let mut i = 0;
    let read_len = |i: &mut usize, tag: u8| -> Option<Range<usize>> {
        let line_end = bytes[*i..].iter().position(|&b| b == b'\n').map(|p| *i + p)?;
        let line = &bytes[*i..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() < 3 || line[0] != tag || line[1] != b' ' {
            return None;
        }
        let n: usize = std::str::from_utf8(&line[2..]).ok()?.trim().parse().ok()?;
        let start = line_end + 1;
        let end = start.checked_add(n)?;
        if end > bytes.len() {
            return None;
        }
        *i = end;
        // The line break after the data (`\n` or `\r\n`).
        if bytes.get(*i) == Some(&b'\r') {
            *i += 1;
        }
        if bytes.get(*i) == Some(&b'\n') {
            *i += 1;
        }
        Some(start..end)
    };
    while i < bytes.len() {
        if bytes[i..].starts_with(b"END") {
            break;
        }
        let Some(k) = read_len(&mut i, b'K') else { break };
        let Some(v) = read_len(&mut i, b'V') else { break };
        pairs.push((bytes[k].to_vec(), v));
    }
    let get = |key: &[u8]| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let passtype = get(b"passtype").map(|v| bytes[v].to_vec());
    if passtype.as_ref().is_some_and(|t| t != b"simple") {
        return Vec::new();
    }
    let Some(pw) = get(b"password") else { return Vec::new() };
    if !keep(bytes, &pw) {
        return Vec::new();
    }
    let realm = get(b"svn:realmstring")
        .map(|v| String::from_utf8_lossy(&bytes[v]).into_owned())
        .unwrap_or_default();
    let user = get(b"username")
        .map(|v| String::from_utf8_lossy(&bytes[v]).into_owned())
        .unwrap_or_default();
    vec![cred(
        "svn-simple-password",
        pw,
        format!("password cached in plain text by Subversion for {user} at {realm}"),
    )]
}

/// curl's config file: `option = value`, `option: value` or `option
/// value`, with or without leading dashes; `user`/`-u` and
/// `proxy-user`/`-U` hold `user:password`; `proxy`/`url` URLs may carry
/// userinfo; `oauth2-bearer` is a token.
pub(crate) fn curlrc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if line.get(lead) == Some(&b'#') || lead == line.len() {
            continue;
        }
        let start = span.start + lead;
        let opt_len = line[lead..]
            .iter()
            .take_while(|b| !b.is_ascii_whitespace() && **b != b'=' && **b != b':')
            .count();
        let opt = String::from_utf8_lossy(&bytes[start..start + opt_len]).to_string();
        let mut j = start + opt_len;
        while j < span.end && matches!(bytes[j], b' ' | b'\t' | b'=' | b':') {
            j += 1;
        }
        let Some(value) = words(bytes, j..span.end).into_iter().next() else {
            continue;
        };
        let v = value.span.clone();
        let name = opt.trim_start_matches('-');
        let option = match (opt.starts_with("--") || !opt.starts_with('-'), name) {
            (true, "user") | (false, "u") => "user",
            (true, "proxy-user") | (false, "U") => "proxy-user",
            (true, "oauth2-bearer") => "oauth2-bearer",
            (true, "proxy" | "url" | "preproxy") | (false, "x") => "url",
            _ => continue,
        };
        match option {
            "user" | "proxy-user" => {
                let raw = &bytes[v.clone()];
                let Some(colon) = raw.iter().position(|&b| b == b':') else {
                    continue;
                };
                let p = v.start + colon + 1..v.end;
                if keep(bytes, &p) {
                    let user = String::from_utf8_lossy(&raw[..colon]).into_owned();
                    out.push(cred(
                        "curlrc-user-password",
                        p,
                        format!("password of {user} in the {option} option of a .curlrc"),
                    ));
                }
            }
            "oauth2-bearer" => {
                if keep(bytes, &v) {
                    out.push(cred(
                        "curlrc-user-password",
                        v,
                        "bearer token in the oauth2-bearer option of a .curlrc".to_string(),
                    ));
                }
            }
            _ => {
                if let Some((p, user, host)) = url_password(bytes, v) {
                    let rule = if name.contains("proxy") || name == "x" {
                        "proxy-url-password"
                    } else {
                        "curlrc-user-password"
                    };
                    out.push(cred(
                        rule,
                        p,
                        format!("password for {user}@{host} in the {name} option of a .curlrc"),
                    ));
                }
            }
        }
    }
    out
}

/// wget's startup file: `command = value` (commands case-insensitive,
/// `_` and `-` ignored): `password`, `http_password`, `ftp_password`,
/// `proxy_password`, and proxy URLs with userinfo.
pub(crate) fn wgetrc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for e in ini::entries_with(bytes, b"=") {
        let cmd: String = e
            .key
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        match cmd.as_str() {
            "password" | "httppassword" | "httppasswd" | "ftppassword" | "ftppasswd" | "proxypassword"
            | "proxypasswd"
                if keep(bytes, &e.value) =>
            {
                out.push(cred(
                    "wgetrc-password",
                    e.value.clone(),
                    format!("{} in a .wgetrc", e.key),
                ));
            }
            "httpproxy" | "httpsproxy" | "ftpproxy" => {
                if let Some((p, user, host)) = url_password(bytes, e.value.clone()) {
                    out.push(cred(
                        "proxy-url-password",
                        p,
                        format!("password for {user}@{host} in {} of a .wgetrc", e.key),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// apt configuration: every quoted value of a `Proxy` option (scope form
/// `Acquire::http::Proxy "…";` or nested `Acquire { http { Proxy "…"; }; };`)
/// that is a URL with a password.
pub(crate) fn apt_conf(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut scope: Vec<String> = Vec::new();
    let mut name = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| i + p);
            }
            b'#' => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| i + p);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = bytes[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(bytes.len(), |p| i + 4 + p);
            }
            b'{' => {
                if scope.len() < 32 {
                    scope.push(std::mem::take(&mut name));
                }
                i += 1;
            }
            b'}' => {
                scope.pop();
                name.clear();
                i += 1;
            }
            b';' => {
                name.clear();
                i += 1;
            }
            b'"' => {
                let start = i + 1;
                let end = bytes[start..]
                    .iter()
                    .position(|&b| b == b'"')
                    .map_or(bytes.len(), |p| start + p);
                let full = scope
                    .iter()
                    .chain(std::iter::once(&name))
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("::");
                if full.to_ascii_lowercase().contains("proxy") {
                    if let Some((p, user, host)) = url_password(bytes, start..end) {
                        out.push(cred(
                            "proxy-url-password",
                            p,
                            format!("password for {user}@{host} in {full} of an apt configuration file"),
                        ));
                    }
                }
                i = end + 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !matches!(bytes[i], b'"' | b'{' | b'}' | b';')
                {
                    i += 1;
                }
                name = String::from_utf8_lossy(&bytes[start..i]).into_owned();
            }
        }
    }
    out
}

/// The hub CLI's `~/.config/hub` and GitHub CLI's `~/.config/gh/hosts.yml`:
/// YAML keyed by host, each with a `user` and an `oauth_token` (`hub`
/// writes a list of users per host; `gh` a mapping, with `users:` in newer
/// versions).
pub(crate) fn recognise_gh_hosts(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let named =
        (f.name_is(&["hub"]) && f.in_dir(".config")) || (f.name_is(&["hosts.yml", "hosts.yaml"]) && f.in_dir("gh"));
    named && bytes.windows(12).any(|w| w == b"oauth_token:")
}

pub(crate) fn gh_hosts(bytes: &[u8]) -> Vec<Credential> {
    let scalars = crate::syntax::yaml::scalars(bytes);
    scalars
        .iter()
        .filter(|s| s.key() == "oauth_token" && keep(bytes, &s.span))
        .map(|s| {
            let host = s.path.first().cloned().unwrap_or_default();
            // The user beside the token (same parent path), if any.
            let parent = &s.path[..s.path.len() - 1];
            let user = scalars
                .iter()
                .find(|u| u.key() == "user" && u.path.len() == s.path.len() && &u.path[..u.path.len() - 1] == parent)
                .map(|u| format!(" of {}", u.value))
                .or_else(|| (s.path.len() >= 3 && s.path[1] == "users").then(|| format!(" of {}", s.path[2])))
                .unwrap_or_default();
            cred(
                "hub-cli-oauth-token",
                s.span.clone(),
                format!("oauth_token{user} for {host} in a hub/gh CLI hosts file"),
            )
        })
        .collect()
}

/// apt's `auth.conf` (and `auth.conf.d/*.conf`): netrc syntax, `machine
/// HOST[/PATH] login USER password PASSWORD`, over any number of lines.
pub(crate) fn apt_auth_conf(bytes: &[u8]) -> Vec<Credential> {
    let toks: Vec<Range<usize>> = lines(bytes)
        .filter(|(_, l)| l.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'#'))
        .flat_map(|(span, _)| words(bytes, span).into_iter().map(|w| w.span))
        .collect();
    let mut out = Vec::new();
    let mut machine = String::new();
    let mut login = String::new();
    let mut i = 0;
    while i + 1 < toks.len() {
        let word = bytes[toks[i].clone()].to_ascii_lowercase();
        let next = toks[i + 1].clone();
        match word.as_slice() {
            b"machine" => {
                machine = String::from_utf8_lossy(&bytes[next]).into_owned();
                login.clear();
            }
            b"login" => login = String::from_utf8_lossy(&bytes[next]).into_owned(),
            b"password" => {
                if keep(bytes, &next) {
                    out.push(cred(
                        "netrc-password",
                        next,
                        format!("password for {login} at {machine} in apt's auth.conf"),
                    ));
                }
            }
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    out
}

/// `/etc/environment`: `KEY=value` lines (pam_env); proxy variables with
/// a password in their URL.
pub(crate) fn etc_environment(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for e in ini::entries_with(bytes, b"=") {
        let key = e.key.trim_start_matches("export ").trim().to_string();
        if !key.to_ascii_lowercase().ends_with("_proxy") {
            continue;
        }
        if let Some((p, user, host)) = url_password(bytes, e.value.clone()) {
            out.push(cred(
                "proxy-url-password",
                p,
                format!("password for {user}@{host} in {key} of /etc/environment"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn git_config_urls_headers_and_extraheaders() {
        let text = "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = https://ci-bot:gitpw-1@git.acme.test/shop/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[remote \"mirror\"]\n\turl = https://${GIT_USER}:${GIT_TOKEN}@mirror.acme.test/app.git\n[url \"https://deploy:insteadof-tok-2@github.acme.test/\"]\n\tinsteadOf = https://github.acme.test/\n[http \"https://git.acme.test/\"]\n\textraHeader = Authorization: Basic Y2ktYm90OmhlYWRlci1wdy0z\n[remote \"upstream\"]\n\turl = git@github.com:acme/app.git ; ssh, no password\n";
        let got = found("work/app/.git/config", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["gitpw-1", "insteadof-tok-2", "Y2ktYm90OmhlYWRlci1wdy0z"]
        );
        assert_eq!(
            got[0].2,
            "password for ci-bot@git.acme.test in remote.origin.url of a git config"
        );
        assert_eq!(
            got[1].2,
            "password for deploy@github.acme.test in a git config url.<base> section"
        );
        assert_eq!(got[2].1, "generic-authorization-basic");
        assert_eq!(
            secrets(
                "home/me/.gitconfig",
                "[url \"https://u:tok9@h.test/\"]\n  insteadOf = https://h.test/\n"
            ),
            vec!["tok9"]
        );
        assert!(crate::read("src/config", text.as_bytes()).is_none());
        assert_eq!(
            secrets("srv/git/shop.git/config", text),
            vec!["gitpw-1", "insteadof-tok-2", "Y2ktYm90OmhlYWRlci1wdy0z"]
        );
        assert!(crate::read("srv/git/shop.git/config", b"[other]\nurl = https://a:b@c.test/").is_none());
        assert!(crate::read("app/.git/hooks/config", text.as_bytes()).is_none());
    }

    #[test]
    fn hgrc_auth_and_paths() {
        let text = "[paths]\ndefault = https://alice:hg-path-pw@hg.acme.test/repo\ndefault-push = ssh://hg@hg.acme.test/repo\n\n[auth]\nacme.prefix = hg.acme.test\nacme.username = alice\nacme.password = hg-auth-pw\nother.password = ${HG_PW}\n\n[ui]\nusername = Alice <alice@acme.test>\n";
        let got = found("repo/.hg/hgrc", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["hg-path-pw", "hg-auth-pw"]
        );
        assert_eq!(
            got[1].2,
            "[auth] acme.password (alice at hg.acme.test) in a Mercurial hgrc"
        );
    }

    #[test]
    fn svn_simple_cache() {
        let text = "K 8\npasstype\nV 6\nsimple\nK 8\npassword\nV 11\nsvn pw 42!x\nK 15\nsvn:realmstring\nV 38\n<https://svn.acme.test:443> ACME repos\nK 8\nusername\nV 5\nalice\nEND\n";
        let got = found(
            "home/alice/.subversion/auth/svn.simple/5671adf2865e267db74f09ba6f872c28",
            text,
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "svn pw 42!x");
        assert_eq!(
            got[0].2,
            "password cached in plain text by Subversion for alice at <https://svn.acme.test:443> ACME repos"
        );
        let keyring = text.replace("V 6\nsimple", "V 8\nwincrypt");
        assert!(crate::read(
            "x/.subversion/auth/svn.simple/5671adf2865e267db74f09ba6f872c28",
            keyring.as_bytes()
        )
        .unwrap()
        .1
        .is_empty());
        let _ = super::svn_simple(b"K 999999999999999999999\n");
        let _ = super::svn_simple(b"K 3\nab");
    }

    #[test]
    fn hub_and_gh_hosts() {
        let hub = "github.com:\n- user: alice\n  oauth_token: 3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a\n  protocol: https\ngithub.acme.test:\n- user: alice\n  oauth_token: ${GHE_TOKEN}\n  protocol: https\n";
        let got = found("home/alice/.config/hub", hub);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a");
        assert_eq!(
            got[0].2,
            "oauth_token of alice for github.com in a hub/gh CLI hosts file"
        );
        let gh = "github.com:\n    git_protocol: https\n    users:\n        alice:\n            oauth_token: gho_fake0token0for0tests0only0000000000\n    user: alice\n    oauth_token: gho_fake0token0for0tests0only0000000000\n";
        let got = found("home/alice/.config/gh/hosts.yml", gh);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].2,
            "oauth_token of alice for github.com in a hub/gh CLI hosts file"
        );
        assert!(crate::read("home/alice/.config/gh/hosts.yml", b"github.com:\n  user: alice\n").is_none());
    }

    #[test]
    fn apt_auth_conf() {
        let text = "# private repositories\nmachine apt.acme.test/debian login ci password apt-auth-pw-1\nmachine\n  repo.partner.test\nlogin partner\npassword ${PARTNER_PW}\n";
        let got = found("etc/apt/auth.conf.d/acme.conf", text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "apt-auth-pw-1");
        assert_eq!(got[0].1, "netrc-password");
        assert_eq!(got[0].2, "password for ci at apt.acme.test/debian in apt's auth.conf");
        assert_eq!(
            secrets("etc/apt/auth.conf", "machine h login u password p2\n"),
            vec!["p2"]
        );
    }

    #[test]
    fn curlrc_wgetrc_apt_environment() {
        let curl = "# ~/.curlrc\nuser = \"alice:curl-pw-1\"\n-U proxyuser:curl-proxy-pw\nproxy = http://bob:curl-proxy-url-pw@proxy.acme.test:3128\n--oauth2-bearer bearer-tok-4\nuser-agent = \"curl/8 (user:notapw)\"\nuser = alice\n";
        let got = found(".curlrc", curl);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["curl-pw-1", "curl-proxy-pw", "curl-proxy-url-pw", "bearer-tok-4"]
        );
        assert_eq!(got[0].2, "password of alice in the user option of a .curlrc");
        assert_eq!(got[2].1, "proxy-url-password");
        let wget = "# wgetrc\nuser = alice\npassword = wget-pw-1\nproxy_user = bob\nproxy_password = wget-proxy-pw\nhttps_proxy = http://carol:wget-url-pw@proxy.acme.test:8080/\nuse_proxy = on\n";
        assert_eq!(
            secrets(".wgetrc", wget),
            vec!["wget-pw-1", "wget-proxy-pw", "wget-url-pw"]
        );
        let apt = "// proxy\nAcquire::http::Proxy \"http://apt:apt-pw-1@proxy.acme.test:3128/\";\nAcquire {\n  https {\n    Proxy \"http://apt:apt-pw-2@proxy.acme.test:3128/\";\n  };\n};\nAcquire::http::Proxy::deb.acme.test \"DIRECT\";\nAPT::Get::Assume-Yes \"true\";\n";
        let got = found("etc/apt/apt.conf.d/95proxy", apt);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["apt-pw-1", "apt-pw-2"]
        );
        assert_eq!(
            got[1].2,
            "password for apt@proxy.acme.test:3128 in Acquire::https::Proxy of an apt configuration file"
        );
        let env = "PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\"\nhttp_proxy=\"http://env:env-pw-1@proxy.acme.test:3128/\"\nno_proxy=localhost,127.0.0.1\n";
        assert_eq!(secrets("etc/environment", env), vec!["env-pw-1"]);
    }
}
