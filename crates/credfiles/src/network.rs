//! Network and version-control credential files: `.netrc`/`_netrc`,
//! `.git-credentials`.

use crate::model::{Credential, Reader};
use crate::syntax::{lines, percent_decode, placeholder, tokens};

pub(crate) const READERS: &[Reader] = &[
    Reader {
        family: "netrc",
        rule_ids: &["netrc-password"],
        recognise: |f, _| f.name_is(&[".netrc", "_netrc", "netrc", ".authinfo", "authinfo"]),
        read: netrc,
    },
    Reader {
        family: "git-credentials",
        rule_ids: &["git-credentials-url"],
        recognise: |f, _| {
            f.name_is(&[".git-credentials", "git-credentials"]) || (f.name_is(&["credentials"]) && f.in_dir("git"))
        },
        read: git_credentials,
    },
];

/// `.netrc`: a stream of tokens (`machine HOST login USER password PW`,
/// `default …`, `macdef NAME` followed by a macro body up to a blank line),
/// across lines in any layout.
fn netrc(bytes: &[u8]) -> Vec<Credential> {
    let mut toks = Vec::new();
    let mut in_macro = false;
    for (span, line) in lines(bytes) {
        if in_macro {
            in_macro = !line.iter().all(u8::is_ascii_whitespace);
            continue;
        }
        let trimmed = line.iter().position(|b| !b.is_ascii_whitespace());
        if trimmed.is_some_and(|p| line[p] == b'#') {
            continue;
        }
        for t in tokens(line, span.start) {
            if &bytes[t.clone()] == b"macdef" {
                in_macro = true;
            }
            toks.push(t);
        }
    }
    let mut out = Vec::new();
    let mut host = String::from("default");
    let mut i = 0;
    while i < toks.len() {
        let word = &bytes[toks[i].clone()];
        match word {
            b"machine" if i + 1 < toks.len() => {
                host = String::from_utf8_lossy(&bytes[toks[i + 1].clone()]).into_owned();
                i += 2;
            }
            b"default" => {
                host = "default".into();
                i += 1;
            }
            b"password" | b"passwd" if i + 1 < toks.len() => {
                let value = toks[i + 1].clone();
                if placeholder::is_credential(&bytes[value.clone()]) {
                    out.push(Credential::plain(
                        "netrc-password",
                        value,
                        format!("password of the .netrc entry for {host}"),
                    ));
                }
                i += 2;
            }
            b"login" | b"account" | b"port" => i += 2,
            _ => i += 1,
        }
    }
    out
}

/// `.git-credentials`: one URL per line, `https://USER:PASSWORD@HOST`.
fn git_credentials(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let Some(scheme) = find(line, b"://") else { continue };
        let auth_start = scheme + 3;
        let rest = &line[auth_start..];
        let Some(at) = rest.iter().rposition(|&b| b == b'@') else {
            continue;
        };
        let userinfo = &rest[..at];
        if userinfo.contains(&b'/') {
            continue;
        }
        let Some(colon) = userinfo.iter().position(|&b| b == b':') else {
            continue;
        };
        let start = span.start + auth_start + colon + 1;
        let end = span.start + auth_start + at;
        let host_end = rest[at + 1..]
            .iter()
            .position(|&b| b == b'/' || b.is_ascii_whitespace())
            .map_or(rest.len(), |p| at + 1 + p);
        let host = String::from_utf8_lossy(&rest[at + 1..host_end]).into_owned();
        if start < end && placeholder::is_credential(&percent_decode(&bytes[start..end])) {
            out.push(Credential::plain(
                "git-credentials-url",
                start..end,
                format!("password stored by git's credential store for {host}"),
            ));
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn netrc_entries_in_any_layout() {
        let text = "# work\nmachine git.acme.test login deploy password hunter3\n\nmachine api.heroku.com\n  login ci@acme.test\n  password \"two words\"\nmacdef init\npassword notthis\n\ndefault login anonymous password ${ANON}\n";
        let got = found(".netrc", text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "hunter3");
        assert_eq!(got[0].2, "password of the .netrc entry for git.acme.test");
        assert_eq!(got[1].0, "two words");
        assert_eq!(
            secrets("home/me/_netrc", "machine h.test login u password p4\n"),
            vec!["p4"]
        );
    }

    #[test]
    fn git_credentials_lines() {
        let text = "https://alice:s3cr3t-pw@github.com\nhttps://bob@gitlab.acme.test\nhttps://ci:%24%7BTOKEN%7D@ci.acme.test/path\nhttps://x:${TOKEN}@a.test\nhttps://y:p%40ss@b.test\n";
        let got = found(".git-credentials", text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].0, "p%40ss");
        assert_eq!(got[0].0, "s3cr3t-pw");
        assert!(got[0].2.ends_with("github.com"));
        assert_eq!(
            secrets(".config/git/credentials", "https://u:pw1@h.test\n"),
            vec!["pw1"]
        );
    }
}
