//! Password hashes: `/etc/shadow`-style files (`shadow`, `gshadow`, BSD
//! `master.passwd`), Apache `.htpasswd` files, and the shape test that
//! tells a password hash from other text (shared with the SQL dump
//! reader).

use std::ops::Range;

use crate::model::{Credential, FileName};
use crate::syntax::{lines, placeholder};

/// The scheme of a password hash, when `v` is one: crypt(3) schemes
/// (`$1$`, `$5$`, `$6$`, `$y$`, `$2b$` …), phpass, Drupal, Django and
/// Werkzeug hashers, argon2, MySQL and PostgreSQL server hashes, LDAP
/// `{SHA}`/`{SSHA}`, and bare hex digests of the usual lengths.
pub(crate) fn hash_scheme(v: &[u8]) -> Option<&'static str> {
    let s = std::str::from_utf8(v).ok()?;
    if s.len() < 13 || s.len() > 512 || s.bytes().any(|b| b.is_ascii_whitespace() || b == b'\'' || b == b'"') {
        return None;
    }
    let b64 = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/');
    let std_b64 = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    };
    let hex = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit());
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    // WordPress 6.8 prefixes its bcrypt hashes.
    let s = s.strip_prefix("$wp").filter(|r| r.starts_with('$')).unwrap_or(s);
    if let Some(rest) = s.strip_prefix('$') {
        let parts: Vec<&str> = rest.split('$').collect();
        let last = *parts.last()?;
        match parts[0] {
            "2a" | "2b" | "2y" | "2x" if parts.len() == 3 && digits(parts[1]) && last.len() == 53 && b64(last) => {
                return Some("bcrypt")
            }
            "1" | "apr1" | "5" | "6" | "md5" | "sha1"
                if (3..=4).contains(&parts.len()) && last.len() >= 22 && b64(last) =>
            {
                return Some(match parts[0] {
                    "1" => "md5crypt",
                    "apr1" => "apr1-md5",
                    "5" => "sha256crypt",
                    "6" => "sha512crypt",
                    "md5" => "Sun md5crypt",
                    _ => "sha1crypt",
                });
            }
            "y" | "gy" | "7" if parts.len() == 4 && last.len() >= 22 && b64(last) => return Some("yescrypt"),
            "argon2id" | "argon2i" | "argon2d" if parts.len() >= 4 && last.len() >= 16 => return Some("argon2"),
            "P" | "H" if parts.len() == 2 && last.len() == 31 && b64(last) => return Some("phpass"),
            "S" if parts.len() == 2 && last.len() == 52 && b64(last) => return Some("Drupal sha512"),
            "pbkdf2-sha256" | "pbkdf2-sha512" | "pbkdf2" | "scrypt" if parts.len() >= 4 => {
                return Some("passlib pbkdf2")
            }
            _ => return None,
        }
    }
    // Django's hashers: algorithm$iterations$salt$hash and friends.
    let parts: Vec<&str> = s.split('$').collect();
    match parts[0] {
        "pbkdf2_sha256" | "pbkdf2_sha1"
            if parts.len() == 4 && digits(parts[1]) && std_b64(parts[3]) && parts[3].len() >= 24 =>
        {
            return Some("Django pbkdf2")
        }
        "argon2" if parts.len() >= 5 => return Some("Django argon2"),
        "bcrypt_sha256" | "bcrypt" if parts.len() >= 4 && parts[1].is_empty() => return Some("Django bcrypt"),
        "scrypt" if parts.len() == 5 && std_b64(parts[4]) => return Some("Django scrypt"),
        "sha1" | "md5" if parts.len() == 3 && hex(parts[2]) && parts[2].len() >= 32 => {
            return Some("Django salted digest")
        }
        _ => {}
    }
    // Werkzeug: pbkdf2:sha256:600000$salt$hex, scrypt:32768:8:1$salt$hex.
    if (s.starts_with("pbkdf2:") || s.starts_with("scrypt:")) && parts.len() == 3 && hex(parts[2]) {
        return Some("Werkzeug");
    }
    if let Some(rest) = s.strip_prefix("SCRAM-SHA-256$") {
        if rest.contains(':') && rest.contains('$') {
            return Some("PostgreSQL SCRAM-SHA-256");
        }
    }
    if let Some(rest) = s.strip_prefix("md5") {
        if rest.len() == 32 && hex(rest) {
            return Some("PostgreSQL md5");
        }
    }
    if let Some(rest) = s.strip_prefix('*') {
        if rest.len() == 40 && hex(rest) {
            return Some("MySQL native");
        }
    }
    for (prefix, name) in [
        ("{SSHA}", "LDAP SSHA"),
        ("{SHA}", "SHA-1 {SHA}"),
        ("{SSHA256}", "LDAP SSHA256"),
        ("{SSHA512}", "LDAP SSHA512"),
        ("{SMD5}", "LDAP SMD5"),
        ("{MD5}", "LDAP MD5"),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if rest.len() >= 20 && std_b64(rest) {
                return Some(name);
            }
        }
    }
    if hex(s) {
        return match s.len() {
            32 => Some("MD5 hex"),
            40 => Some("SHA-1 hex"),
            64 => Some("SHA-256 hex"),
            128 => Some("SHA-512 hex"),
            _ => None,
        };
    }
    None
}

/// The part of a stored hash the `unix-shadow-hash` and `htpasswd-hash`
/// rules report: after the last `$` of a crypt(3) string (the digest, with
/// bcrypt's salt), after `{SHA}`, or the whole value (DES crypt, plain).
fn digest_span(bytes: &[u8], span: Range<usize>) -> Range<usize> {
    let v = &bytes[span.clone()];
    if v.first() == Some(&b'$') {
        if let Some(p) = v.iter().rposition(|&b| b == b'$') {
            if p + 1 < v.len() {
                return span.start + p + 1..span.end;
            }
        }
    }
    if v.starts_with(b"{") {
        if let Some(p) = v.iter().position(|&b| b == b'}') {
            if p + 1 < v.len() {
                return span.start + p + 1..span.end;
            }
        }
    }
    span
}

/// A traditional DES crypt(3) hash: 13 characters of `./0-9A-Za-z`.
fn des_crypt(v: &[u8]) -> bool {
    v.len() == 13 && v.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'/')
}

/// `shadow`, `shadow-`, `gshadow`, `gshadow-`, BSD `master.passwd`, and
/// backups of them (`shadow.bak`), when the first entry has the
/// `name:field:` shape.
pub(crate) fn is_shadow(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let n = f.lower_name();
    let named = matches!(
        n,
        "shadow" | "shadow-" | "gshadow" | "gshadow-" | "master.passwd" | "shadow.bak" | "shadow.old" | "gshadow.bak"
    );
    named && first_entry_is_colon_record(bytes)
}

fn first_entry_is_colon_record(bytes: &[u8]) -> bool {
    let Some((_, line)) = lines(bytes).find(|(_, l)| !l.is_empty() && l[0] != b'#') else {
        return false;
    };
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && line[..colon]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$' | b'@'))
        && line[colon + 1..].contains(&b':')
}

/// `user:hash:lastchg:min:max:warn:inactive:expire:` (and `group:hash:
/// admins:members`); `*`, `!`, `!!`, `x` and empty fields hold no hash, a
/// `!` before a hash locks the account but leaves the hash crackable.
pub(crate) fn shadow(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let Some(c1) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let rest = &line[c1 + 1..];
        let Some(c2) = rest.iter().position(|&b| b == b':') else {
            continue;
        };
        let user = String::from_utf8_lossy(&line[..c1]).into_owned();
        let mut start = span.start + c1 + 1;
        let end = start + c2;
        while start < end && bytes[start] == b'!' {
            start += 1;
        }
        let field = &bytes[start..end];
        let scheme = if des_crypt(field) {
            "DES crypt"
        } else if let Some(s) = hash_scheme(field) {
            s
        } else {
            continue;
        };
        let locked = if start > span.start + c1 + 1 { "locked " } else { "" };
        // gshadow lines have four fields (group:password:admins:members).
        let (kind, file) = if line.iter().filter(|&&b| b == b':').count() == 3 {
            ("group", "gshadow")
        } else {
            ("account", "shadow")
        };
        out.push(Credential::plain(
            "unix-shadow-hash",
            digest_span(bytes, start..end),
            format!("{scheme} password hash of the {locked}{kind} {user} in a {file} file"),
        ));
    }
    out
}

/// `.htpasswd` and the usual names it is given (`htpasswd`, `.htpasswd.bak`,
/// `*.htpasswd`, nginx's `htpasswd.users`).
pub(crate) fn is_htpasswd(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let n = f.lower_name();
    let named = n == ".htpasswd"
        || n == "htpasswd"
        || n.starts_with(".htpasswd.")
        || n.starts_with("htpasswd.")
        || n.ends_with(".htpasswd")
        || n.ends_with(".passwd") && f.in_dir("nginx");
    named && lines(bytes).any(|(_, l)| !l.is_empty() && l[0] != b'#' && l.contains(&b':'))
}

/// `user:hash` per line: bcrypt, APR1-MD5, `{SHA}`, crypt(3), or (on
/// Windows and NetWare, which Apache allows) the plain password.
pub(crate) fn htpasswd(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if line.len() == lead || line[lead] == b'#' {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let user = String::from_utf8_lossy(&line[lead..colon]).trim().to_string();
        if user.is_empty() || user.contains(char::is_whitespace) {
            continue;
        }
        // Digest files (htdigest) have user:realm:hash; the hash is last.
        let rest = &line[colon + 1..];
        let (start, field) = match rest.iter().rposition(|&b| b == b':') {
            Some(p) if htdigest_hash(&rest[p + 1..]) => (span.start + colon + 1 + p + 1, &rest[p + 1..]),
            _ => (span.start + colon + 1, rest),
        };
        let trimmed = field
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        let value = start..start + trimmed;
        let v = &bytes[value.clone()];
        if !placeholder::is_credential(v) {
            continue;
        }
        let scheme = if let Some(s) = hash_scheme(v) {
            s
        } else if des_crypt(v) {
            "DES crypt"
        } else if htdigest_hash(v) {
            "htdigest MD5"
        } else {
            "plain-text"
        };
        let what = if scheme == "plain-text" {
            "plain-text password".to_string()
        } else {
            format!("{scheme} password hash")
        };
        out.push(Credential::plain(
            "htpasswd-hash",
            digest_span(bytes, value),
            format!("{what} of user {user} in an .htpasswd file"),
        ));
    }
    out
}

fn htdigest_hash(v: &[u8]) -> bool {
    v.len() == 32 && v.iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::hash_scheme;
    use crate::test_support::{found, secrets};

    #[test]
    fn hash_schemes() {
        for (v, s) in [
            ("$2y$10$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y", "bcrypt"),
            ("$P$BxK4mR9tQ2vW7yZ1aC3eG5iL8nP0sU2", "phpass"),
            ("$wp$2y$10$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y", "bcrypt"),
            ("pbkdf2_sha256$600000$Xk3vT9qLm2Rz$Yb7Nc1Wq5Zt8Hs2Kd4Fg6Jl9Pr3Vx0Mn5Bq7Cw1Ez4=", "Django pbkdf2"),
            ("*4ACFE3202A5FF5CF467898FC58AAB1D615029441", "MySQL native"),
            ("md5a3556571e93b0d20722ba62be61e8c2d", "PostgreSQL md5"),
            ("5f4dcc3b5aa765d61d8327deb882cf99", "MD5 hex"),
            ("$6$rounds=5000$saltsalt$Zq8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7", "sha512crypt"),
        ] {
            assert_eq!(hash_scheme(v.as_bytes()), Some(s), "{v}");
        }
        for v in [
            "hunter3",
            "$2y$10$short",
            "not a hash at all",
            "deadbeef",
            "$HOME/bin/x",
        ] {
            assert_eq!(hash_scheme(v.as_bytes()), None, "{v}");
        }
    }

    #[test]
    fn shadow_entries() {
        let text = "root:$6$Kq3vW9xZ$Yb7Nc1Wq5Zt8Hs2Kd4Fg6Jl9Pr3Vx0Mn5Bq7Cw1Ez4Ty6Ui8Op2As4Df6Gh8Jk0Lz2Xc4Vb6Nm8Qw0Er2Ty4Ui.:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nbin:!:19700::::::\nsync:!!:19700::::::\nold:!$1$Ab3dEf9h$Qm9yZ2V0LXRoaXMtc2Fsd0:19000:0:99999:7:::\nlegacy:Xy7Qm2Vb9LpTs:18000:0:99999:7:::\nnobody::19700::::::\n";
        let got = found("etc/shadow", text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].0.starts_with("Yb7Nc1Wq5Zt8"));
        assert_eq!(got[0].1, "unix-shadow-hash");
        assert_eq!(
            got[0].2,
            "sha512crypt password hash of the account root in a shadow file"
        );
        assert_eq!(got[1].0, "Qm9yZ2V0LXRoaXMtc2Fsd0");
        assert_eq!(
            got[1].2,
            "md5crypt password hash of the locked account old in a shadow file"
        );
        assert_eq!(got[2].0, "Xy7Qm2Vb9LpTs");
        // A shadow-named file that is not a colon database is not read.
        assert!(crate::read("src/shadow", b"fn main() {}\n").is_none());
        let got = found("etc/gshadow", "sudo:*::deploy\nops:$6$Ab$Qm9yZ2V0LXRoaXMtc2Fsd0ab::\n");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "Qm9yZ2V0LXRoaXMtc2Fsd0ab");
        assert_eq!(got[0].2, "sha512crypt password hash of the group ops in a gshadow file");
        assert_eq!(
            secrets("etc/shadow-", "x:$1$Ab$Qm9yZ2V0LXRoaXMtc2Fsd0:1::\n"),
            vec!["Qm9yZ2V0LXRoaXMtc2Fsd0"]
        );
    }

    #[test]
    fn htpasswd_entries() {
        let text = "# staff\nalice:$apr1$Rq7Tz3Lp$Vn8Kc2Wm5Xb1Hs9Jd4Fg6.\nbob:$2y$05$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y\ncarol:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\ndave:Xy7Qm2Vb9LpTs\nwin:plainPw-2024\nerin:${HTPASSWD_ERIN}\n";
        let got = found("public/.htpasswd", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "Vn8Kc2Wm5Xb1Hs9Jd4Fg6.",
                "Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y",
                "W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
                "Xy7Qm2Vb9LpTs",
                "plainPw-2024"
            ]
        );
        assert_eq!(got[0].2, "apr1-md5 password hash of user alice in an .htpasswd file");
        assert_eq!(got[4].2, "plain-text password of user win in an .htpasswd file");
    }
}
