//! Package-manager credential files: `.npmrc`, `.yarnrc`, `.yarnrc.yml`,
//! `.pypirc`, `pip.conf`, `.gem/credentials`, Maven `settings.xml` and
//! `settings-security.xml`, `gradle.properties`, `NuGet.Config`, Composer
//! `auth.json`, Cargo `credentials.toml`, Docker `config.json` and
//! `.dockercfg`, Helm `repositories.yaml`, `.condarc`, sbt credentials,
//! Bundler's `.bundle/config` and the Terraform CLI configuration.
//!
//! Decisions worth knowing:
//! - base64 that stores `user:password` (`.npmrc` `_auth`, Docker `auth`,
//!   Yarn `npmAuthIdent`) is decoded and the password is reported, with the
//!   chain `["base64"]`; a value that does not decode is reported as stored.
//! - Maven's `{…}` encrypted passwords are reported: they are only as safe
//!   as `settings-security.xml`, whose master password is itself encrypted
//!   with the fixed key `settings.security` (decrypted here).
//! - NuGet's DPAPI-encrypted `Password` and `apikeys` values are reported
//!   under their own rule: only the Windows account that wrote them can
//!   decrypt them, but they are credentials all the same.
//! - A private registry's token is never reported under a provider rule
//!   with a verifier (a Cargo `[registries.x] token` is not a crates.io
//!   token): that would send it to the wrong host.

mod cargo;
mod docker;
mod jvm;
mod npm;
mod nuget;
mod php;
mod python;
pub(crate) mod readers;
mod ruby;
mod terraform;
mod tools;

use std::ops::Range;

use base64::Engine as _;

use crate::model::{Credential, FileName};
use crate::syntax::{placeholder, yaml};

/// The rule for `user:password` in a registry, index or proxy URL of a
/// package manager's configuration (pip's index URLs have their own).
pub(crate) const URL_RULE: &str = "package-manager-url-credentials";

/// The rule for user:password in a proxy setting (`https-proxy`,
/// `httpsProxy`, pip's `proxy`, conda's `proxy_servers`, Docker's
/// `proxies`): the generic proxy rule, as for `http_proxy` elsewhere.
pub(crate) const PROXY_RULE: &str = "proxy-url-password";

/// One `scheme://user:password@host` found in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlAuth {
    /// The password's span in the file (percent-encoded as stored).
    pub password: Range<usize>,
    /// The user name, as stored.
    pub user: String,
    /// The host (and port).
    pub host: String,
}

/// Every `scheme://user:password@host` in `bytes[span]` whose password is
/// not a template marker.
pub(crate) fn url_credentials(bytes: &[u8], span: Range<usize>) -> Vec<UrlAuth> {
    let mut out = Vec::new();
    let end = span.end.min(bytes.len());
    let mut i = span.start.min(end);
    while let Some(p) = find(&bytes[i..end], b"://") {
        let start = i + p + 3;
        let mut j = start;
        while j < end
            && !matches!(bytes[j], b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'`')
            && !bytes[j].is_ascii_whitespace()
        {
            j += 1;
        }
        i = j.max(start);
        let authority = &bytes[start..j];
        let Some(at) = authority.iter().rposition(|&b| b == b'@') else {
            continue;
        };
        let userinfo = &authority[..at];
        let Some(colon) = userinfo.iter().position(|&b| b == b':') else {
            continue;
        };
        let password = start + colon + 1..start + at;
        if password.is_empty() || !placeholder::is_credential(&percent_decode(&bytes[password.clone()])) {
            continue;
        }
        out.push(UrlAuth {
            password,
            user: String::from_utf8_lossy(&userinfo[..colon]).into_owned(),
            host: String::from_utf8_lossy(&authority[at + 1..]).into_owned(),
        });
    }
    out
}

pub(crate) use crate::syntax::percent_decode;

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The bytes base64 `value` stands for (standard or URL-safe alphabet,
/// padded or not), when it is base64 at all.
pub(crate) fn base64_decode(value: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let v = trim_ascii(value);
    if v.is_empty()
        || !v
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='))
    {
        return None;
    }
    let body = &v[..v.len() - v.iter().rev().take_while(|&&b| b == b'=').count()];
    STANDARD_NO_PAD
        .decode(body)
        .or_else(|_| URL_SAFE_NO_PAD.decode(body))
        .ok()
}

fn trim_ascii(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &v[start..end]
}

/// Base64 of `user:password`, decoded: the user and the password. `None`
/// when `value` is not base64 of printable text.
pub(crate) fn base64_user_password(value: &[u8]) -> Option<(String, Vec<u8>)> {
    let plain = base64_decode(value)?;
    let text = std::str::from_utf8(&plain).ok()?;
    if text.is_empty() || text.chars().any(char::is_control) {
        return None;
    }
    match text.split_once(':') {
        Some((user, pass)) => Some((user.to_string(), pass.as_bytes().to_vec())),
        None => Some((String::new(), plain)),
    }
}

/// The credential for a base64 `user:password` stored at `span`: the
/// decoded password when it decodes, the stored value otherwise. `None`
/// when either form is a template marker. `reason` gets the user, when
/// there is one.
pub(crate) fn basic_auth(bytes: &[u8], span: Range<usize>, rule_id: &'static str, reason: &str) -> Option<Credential> {
    let stored = bytes.get(span.clone())?;
    if !placeholder::is_credential(stored) {
        return None;
    }
    match base64_user_password(stored) {
        Some((user, pass)) => {
            if !placeholder::is_credential(&pass) {
                return None;
            }
            let reason = if user.is_empty() {
                reason.to_string()
            } else {
                format!("{reason} (user {user})")
            };
            Some(Credential::decoded(rule_id, span, vec!["base64"], pass, reason))
        }
        None => Some(Credential::plain(rule_id, span, reason)),
    }
}

/// A plain credential at `span` unless the value there is a template
/// marker.
pub(crate) fn plain(
    bytes: &[u8],
    span: Range<usize>,
    rule_id: &'static str,
    reason: impl Into<String>,
) -> Option<Credential> {
    let v = bytes.get(span.clone())?;
    placeholder::is_credential(v).then(|| Credential::plain(rule_id, span, reason))
}

/// The URL credentials of `bytes[span]` as credentials under `rule_id`,
/// each reason `what` followed by the user and host.
pub(crate) fn url_findings(bytes: &[u8], span: Range<usize>, rule_id: &'static str, what: &str) -> Vec<Credential> {
    url_credentials(bytes, span)
        .into_iter()
        .map(|u| {
            Credential::plain(
                rule_id,
                u.password,
                format!("password in {what} for {}@{}", u.user, u.host),
            )
        })
        .collect()
}

/// Whether the file sits directly in a directory named `dir` (one or
/// more components, e.g. `.cargo` or `share/gem`), not deeper: a file
/// named `credentials` somewhere under `~/.gem/gems/` is a gem's, not
/// RubyGems' own.
pub(crate) fn parent_is(f: &FileName<'_>, dir: &str) -> bool {
    let path = f.path.replace(['\\', '!'], "/").to_ascii_lowercase();
    let Some(cut) = path.rfind('/') else {
        return false;
    };
    let parent = &path[..cut];
    let dir = dir.to_ascii_lowercase();
    parent == dir || parent.ends_with(&format!("/{dir}"))
}

/// [`yaml::scalars`] made safe for non-ASCII text: the shared collector
/// takes yaml-rust2's marker index (a count of characters) as a byte
/// offset, which misplaces spans after a multi-byte character and panics
/// when it falls inside one. Each non-ASCII character is parsed as as many
/// `a` bytes as it has, so character and byte offsets agree and every
/// span is right for the original bytes; values are read back from them.
pub(crate) fn yaml_scalars(bytes: &[u8]) -> Vec<yaml::Scalar> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    if text.is_ascii() {
        return yaml::scalars(bytes);
    }
    let mut ascii = Vec::with_capacity(bytes.len());
    for c in text.chars() {
        if c.is_ascii() {
            ascii.push(c as u8);
        } else {
            ascii.extend(std::iter::repeat_n(b'a', c.len_utf8()));
        }
    }
    let mut scalars = yaml::scalars(&ascii);
    for s in &mut scalars {
        if ascii.get(s.span.clone()) == Some(s.value.as_bytes()) {
            if let Some(original) = text.get(s.span.clone()) {
                s.value = original.to_string();
            }
        }
    }
    scalars
}

/// Whether the first 8 KiB of `bytes` contain `needle`.
pub(crate) fn head_contains(bytes: &[u8], needle: &[u8]) -> bool {
    find(&bytes[..bytes.len().min(8192)], needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_in_values() {
        let text = b"proxy=http://me:p%40ss@proxy.acme.test:3128/ other https://u@h.test https://x:${PW}@y.test";
        let found = url_credentials(text, 0..text.len());
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].password.clone()], b"p%40ss");
        assert_eq!(found[0].host, "proxy.acme.test:3128");
        assert_eq!(found[0].user, "me");
        assert!(url_credentials(b"://", 0..3).is_empty());
        assert!(url_credentials(b"a://b:c", 2..7).is_empty());
    }

    #[test]
    fn parent_directories() {
        assert!(parent_is(&FileName::new("/home/dev/.cargo/credentials.toml"), ".cargo"));
        assert!(parent_is(
            &FileName::new("C:\\Users\\dev\\.cargo\\config.toml"),
            ".cargo"
        ));
        assert!(parent_is(
            &FileName::new("home/.local/share/gem/credentials"),
            "share/gem"
        ));
        assert!(!parent_is(
            &FileName::new("/home/dev/.cargo/git/checkouts/x/.git/config"),
            ".cargo"
        ));
        assert!(!parent_is(&FileName::new("credentials"), ".gem"));
    }

    #[test]
    fn yaml_with_multibyte_text() {
        let text = "# caf\u{e9} \u{1F600}\na: \u{1F600}\u{1F600}\u{1F600}\nb: \"\u{e9}\u{1F600}x\"\nnpmAuthToken: t\u{f6}k3n-\u{1F511}\n";
        let got = yaml_scalars(text.as_bytes());
        let spans: Vec<&str> = got.iter().map(|s| &text[s.span.clone()]).collect();
        assert_eq!(
            spans,
            vec![
                "\u{1F600}\u{1F600}\u{1F600}",
                "\u{e9}\u{1F600}x",
                "t\u{f6}k3n-\u{1F511}"
            ]
        );
        assert_eq!(got[2].value, "t\u{f6}k3n-\u{1F511}");
        assert_eq!(
            crate::test_support::secrets(".yarnrc.yml", text),
            vec!["t\u{f6}k3n-\u{1F511}"]
        );
    }

    #[test]
    fn base64_forms() {
        assert_eq!(
            base64_user_password(b"Y2k6aHVudGVyMw=="),
            Some(("ci".to_string(), b"hunter3".to_vec()))
        );
        assert_eq!(
            base64_user_password(b"Y2k6aHVudGVyMw"),
            Some(("ci".to_string(), b"hunter3".to_vec()))
        );
        assert!(base64_user_password(b"not base64!").is_none());
        assert_eq!(percent_decode(b"%24%7BX%7D%"), b"${X}%".to_vec());
    }
}
