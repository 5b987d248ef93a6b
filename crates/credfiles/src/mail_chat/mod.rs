//! Mail and chat clients, browser password stores, and the network and
//! version-control files not covered by `network`: mail clients' rc files
//! (`mail`: msmtp, esmtp, mutt, fetchmail, mbsync, OfflineIMAP), chat and
//! voice servers and clients (`chat`: Pidgin, Ventrilo, TeamSpeak 3) and
//! Firefox's `logins.json`, and version control and proxies (`vcs`: git
//! config, Mercurial `hgrc`, Subversion's `svn.simple` cache, `.curlrc`,
//! `.wgetrc`, apt proxy settings, `/etc/environment`).

mod chat;
mod mail;
mod vcs;

use std::ops::Range;

use crate::{Credential, Reader};

pub(crate) const READERS: &[Reader] = &[
    Reader {
        family: "msmtprc",
        rule_ids: &["msmtprc-password"],
        recognise: mail::recognise_msmtprc,
        read: mail::msmtprc,
    },
    Reader {
        family: "esmtprc",
        rule_ids: &["esmtprc-password"],
        recognise: |f, _| f.name_is(&[".esmtprc", "esmtprc"]),
        read: mail::esmtprc,
    },
    Reader {
        family: "muttrc",
        rule_ids: &["mutt-password"],
        recognise: mail::recognise_muttrc,
        read: mail::muttrc,
    },
    Reader {
        family: "fetchmailrc",
        rule_ids: &["fetchmailrc-password"],
        recognise: |f, _| f.name_is(&[".fetchmailrc", "fetchmailrc"]),
        read: mail::fetchmailrc,
    },
    Reader {
        family: "mbsyncrc",
        rule_ids: &["mbsyncrc-password"],
        recognise: |f, _| {
            f.name_is(&[".mbsyncrc", "mbsyncrc", ".isyncrc"]) || (f.name_is(&["config"]) && f.in_dir(".config/isync"))
        },
        read: mail::mbsyncrc,
    },
    Reader {
        family: "offlineimaprc",
        rule_ids: &["offlineimaprc-password"],
        recognise: |f, _| {
            f.name_is(&[".offlineimaprc", "offlineimaprc", "offlineimap.conf"])
                || (f.name_is(&["config"]) && f.in_dir(".config/offlineimap"))
        },
        read: mail::offlineimaprc,
    },
    Reader {
        family: "getmailrc",
        rule_ids: &["getmailrc-password"],
        recognise: mail::recognise_getmailrc,
        read: mail::getmailrc,
    },
    Reader {
        family: "aerc-accounts",
        rule_ids: &["aerc-accounts-password"],
        recognise: |f, _| f.name_is(&["accounts.conf"]) && f.in_dir("aerc"),
        read: mail::aerc_accounts,
    },
    Reader {
        family: "mailrc",
        rule_ids: &["mailrc-password"],
        recognise: |f, _| f.name_is(&[".mailrc", "mail.rc", "nail.rc", ".nailrc", "s-nail.rc"]),
        read: mail::mailrc,
    },
    Reader {
        family: "pidgin-accounts",
        rule_ids: &["pidgin-account-password"],
        recognise: chat::recognise_pidgin,
        read: chat::pidgin,
    },
    Reader {
        family: "ventrilo-server",
        rule_ids: &["ventrilo-server-password"],
        recognise: |f, _| f.name_is(&["ventrilo_srv.ini"]),
        read: chat::ventrilo,
    },
    Reader {
        family: "teamspeak-server",
        rule_ids: &["teamspeak-server-password"],
        recognise: |f, _| {
            f.name_is(&["ts3server.ini"]) || (f.name_starts_with("ts3db_") && f.name_ends_with(&[".ini"]))
        },
        read: chat::teamspeak,
    },
    Reader {
        family: "hexchat-servlist",
        rule_ids: &["irc-client-password"],
        recognise: |f, _| {
            (f.name_is(&["servlist.conf"]) && (f.in_dir("hexchat") || f.in_dir(".xchat2")))
                || (f.name_is(&["servlist_.conf"]) && f.in_dir(".xchat2"))
        },
        read: chat::hexchat,
    },
    Reader {
        family: "irssi-config",
        rule_ids: &["irc-client-password"],
        recognise: |f, _| f.name_is(&["config"]) && f.in_dir(".irssi"),
        read: chat::irssi,
    },
    Reader {
        family: "weechat-irc",
        rule_ids: &["irc-client-password"],
        recognise: |f, _| f.name_is(&["irc.conf"]) && f.in_dir("weechat"),
        read: chat::weechat,
    },
    Reader {
        family: "firefox-logins",
        rule_ids: &["firefox-logins-stored-credential"],
        recognise: chat::recognise_firefox_logins,
        read: chat::firefox_logins,
    },
    // Network and version-control files (`vcs`).
    Reader {
        family: "git-config",
        rule_ids: &[
            "git-config-url-password",
            "generic-authorization-basic",
            "generic-authorization-bearer",
        ],
        recognise: vcs::recognise_git_config,
        read: vcs::git_config,
    },
    Reader {
        family: "hgrc",
        rule_ids: &["mercurial-hgrc-password"],
        recognise: |f, _| {
            f.name_is(&[".hgrc", "mercurial.ini"])
                || (f.name_is(&["hgrc"]) && (f.in_dir(".hg") || f.in_dir("mercurial") || f.in_dir("etc")))
        },
        read: vcs::hgrc,
    },
    Reader {
        family: "svn-simple",
        rule_ids: &["svn-simple-password"],
        recognise: vcs::recognise_svn_simple,
        read: vcs::svn_simple,
    },
    Reader {
        family: "curlrc",
        rule_ids: &["curlrc-user-password", "proxy-url-password"],
        recognise: |f, _| {
            f.name_is(&[".curlrc", "_curlrc"])
                || (f.name_is(&["curlrc"]) && (f.in_dir(".config/curl") || f.in_dir("etc")))
        },
        read: vcs::curlrc,
    },
    Reader {
        family: "wgetrc",
        rule_ids: &["wgetrc-password", "proxy-url-password"],
        recognise: |f, _| {
            f.name_is(&[".wgetrc", "wgetrc", "_wgetrc"]) || (f.name_is(&["wgetrc"]) && f.in_dir(".config/wget"))
        },
        read: vcs::wgetrc,
    },
    Reader {
        family: "gh-hosts",
        rule_ids: &["hub-cli-oauth-token"],
        recognise: vcs::recognise_gh_hosts,
        read: vcs::gh_hosts,
    },
    Reader {
        family: "apt-auth-conf",
        rule_ids: &["netrc-password"],
        recognise: |f, _| {
            (f.name_is(&["auth.conf"]) && f.in_dir("apt"))
                || (f.in_dir("apt/auth.conf.d") && f.name_ends_with(&[".conf"]))
        },
        read: vcs::apt_auth_conf,
    },
    Reader {
        family: "apt-proxy",
        rule_ids: &["proxy-url-password"],
        recognise: |f, _| {
            (f.name_is(&["apt.conf"]) && f.in_dir("apt"))
                || (f.in_dir("apt.conf.d") && !f.name_ends_with(&[".dpkg-dist", ".dpkg-old", ".save"]))
        },
        read: vcs::apt_conf,
    },
    Reader {
        family: "etc-environment",
        rule_ids: &["proxy-url-password"],
        recognise: |f, _| f.name_is(&["environment"]) && f.in_dir("etc"),
        read: vcs::etc_environment,
    },
];

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
    let decoded = crate::network::percent_decode(&bytes[start..end]);
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
