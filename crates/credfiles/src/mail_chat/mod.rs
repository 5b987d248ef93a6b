//! Mail and chat clients, browser password stores, and the network and
//! version-control files not covered by `network`: mail clients' rc files
//! (`mail`: msmtp, esmtp, mutt, fetchmail, mbsync, OfflineIMAP), chat and
//! voice servers and clients (`chat`: Pidgin, Ventrilo, TeamSpeak 3) and
//! Firefox's `logins.json`, Chromium's `Login Data` database (`browser`),
//! and version control and proxies (`vcs`: git
//! config, Mercurial `hgrc`, Subversion's `svn.simple` cache, `.curlrc`,
//! `.wgetrc`, apt proxy settings, `/etc/environment`).

mod browser;
mod chat;
mod mail;
pub(crate) mod readers;
mod vcs;

use std::ops::Range;

use crate::model::Credential;

/// A word of an rc file with its span (inside quotes for a quoted word)
/// and whether it was quoted.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    pub span: Range<usize>,
    pub quoted: bool,
}

/// Whitespace-separated words of `bytes` from `start` to `end`, honouring
/// `'…'` and `"…"` (with backslash escapes inside double quotes) and `#`
/// comments that start a line (a `#` later on a line starts a word: it may
/// begin a password).
pub(crate) fn words(bytes: &[u8], range: Range<usize>) -> Vec<Word> {
    let mut out = Vec::new();
    let mut i = range.start;
    let end = range.end.min(bytes.len());
    let mut line_start = true;
    while i < end {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            line_start |= c == b'\n';
            i += 1;
        } else if c == b'#' && line_start {
            while i < end && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'"' || c == b'\'' {
            line_start = false;
            let start = i + 1;
            let mut j = start;
            while j < end && bytes[j] != c {
                if c == b'"' && bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            let stop = j.min(end);
            out.push(Word {
                span: start..stop,
                quoted: true,
            });
            i = stop + 1;
        } else {
            line_start = false;
            let start = i;
            while i < end && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push(Word {
                span: start..i,
                quoted: false,
            });
        }
    }
    out
}

/// The password inside a URL's userinfo (`scheme://user:password@host`)
/// found in `bytes[range]`: its span, the user and the host.
pub(crate) fn url_password(bytes: &[u8], range: Range<usize>) -> Option<(Range<usize>, String, String)> {
    let v = &bytes[range.clone()];
    let scheme = v.windows(3).position(|w| w == b"://")?;
    if scheme == 0
        || !v[..scheme]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let auth = scheme + 3;
    let rest = &v[auth..];
    let authority_end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#') || b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        .unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.iter().rposition(|&b| b == b'@')?;
    let userinfo = &authority[..at];
    let colon = userinfo.iter().position(|&b| b == b':')?;
    let start = range.start + auth + colon + 1;
    let end = range.start + auth + at;
    if start >= end {
        return None;
    }
    let decoded = crate::syntax::percent_decode(&bytes[start..end]);
    if !crate::syntax::placeholder::is_credential(&decoded) {
        return None;
    }
    let user = String::from_utf8_lossy(&userinfo[..colon]).into_owned();
    let host = String::from_utf8_lossy(&authority[at + 1..]).into_owned();
    Some((start..end, user, host))
}

/// A value of an rc file read by a shell command (`` `pass show x` ``,
/// `$(…)`), not a stored secret.
pub(crate) fn is_command(v: &[u8]) -> bool {
    let t = crate::syntax::trim_span(v, 0..v.len());
    let t = &v[t];
    t.starts_with(b"`") || t.starts_with(b"$(") || t.starts_with(b"!")
}

/// A credential of a word's value, unless it is a template or a command.
pub(crate) fn keep(bytes: &[u8], span: &Range<usize>) -> bool {
    let v = &bytes[span.clone()];
    crate::syntax::placeholder::is_credential(v) && !is_command(v)
}

/// Helper for readers: a plain credential.
pub(crate) fn cred(rule: &'static str, span: Range<usize>, reason: String) -> Credential {
    Credential::plain(rule, span, reason)
}
