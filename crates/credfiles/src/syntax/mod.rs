//! The syntaxes credential files are written in, each parsed with byte
//! spans so a credential can be located in the file: INI and `key = value`
//! lines (`ini`), Java properties (`properties`), JSON (`json`), XML
//! (`xml`, through `roxmltree`), YAML (`yaml`, through `yaml-rust2`), the
//! rows of an SQLite database's table (`sqlite`), and
//! what counts as a template marker rather than a value (`placeholder`).

pub mod ini;
pub mod json;
pub mod placeholder;
pub mod properties;
pub mod sqlite;
pub mod xml;
pub mod yaml;

use std::ops::Range;

/// `%XX` escapes decoded (userinfo in a URL, WinSCP session names), so a
/// `%24%7BTOKEN%7D` is seen as the `${TOKEN}` it is; other bytes kept.
pub fn percent_decode(v: &[u8]) -> Vec<u8> {
    percent_encoding::percent_decode(v).collect()
}

/// Each line of `bytes` with its byte span (without the line break; a
/// trailing `\r` is dropped too).
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = (Range<usize>, &[u8])> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let end = memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |p| pos + p);
        pos = end + 1;
        let mut stop = end;
        if stop > start && bytes[stop - 1] == b'\r' {
            stop -= 1;
        }
        Some((start..stop, &bytes[start..stop]))
    })
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// `range` shrunk past ASCII whitespace at both ends.
pub fn trim_span(bytes: &[u8], mut range: Range<usize>) -> Range<usize> {
    while range.start < range.end && bytes[range.start].is_ascii_whitespace() {
        range.start += 1;
    }
    while range.end > range.start && bytes[range.end - 1].is_ascii_whitespace() {
        range.end -= 1;
    }
    range
}

/// `range` without one pair of matching quotes (`"…"`, `'…'`) around it.
pub fn unquote_span(bytes: &[u8], range: Range<usize>) -> Range<usize> {
    let range = trim_span(bytes, range);
    if range.len() >= 2 {
        let (a, b) = (bytes[range.start], bytes[range.end - 1]);
        if a == b && (a == b'"' || a == b'\'') {
            return range.start + 1..range.end - 1;
        }
    }
    range
}

/// Splits a line into whitespace-separated tokens with their spans
/// (relative to `offset`), honouring double quotes as .netrc and
/// .fetchmailrc do.
pub fn tokens(line: &[u8], offset: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        if line[i] == b'"' {
            let start = i + 1;
            let end = line[start..]
                .iter()
                .position(|&b| b == b'"')
                .map_or(line.len(), |p| start + p);
            out.push(offset + start..offset + end);
            i = end + 1;
        } else {
            let start = i;
            while i < line.len() && !line[i].is_ascii_whitespace() {
                i += 1;
            }
            out.push(offset + start..offset + i);
        }
    }
    out
}

/// Whether `name` (a key in any naming style: `db_password`,
/// `dbPassword`, `DB-PASSWORD`, `spring.datasource.password`) names a
/// secret: password, passwd, pwd, pass, secret, token, api key, private or
/// encryption key, credentials, auth.
pub fn is_secret_key(name: &str) -> bool {
    let words = key_words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    let joined = words.concat();
    // `password_file`, `token_url`, `secret_name`, `access_key_id`: a
    // reference to the value or a property of it, not the value.
    let reference = words.len() > 1
        && words.last().is_some_and(|w| {
            matches!(
                w.as_str(),
                "file"
                    | "path"
                    | "url"
                    | "uri"
                    | "name"
                    | "id"
                    | "ref"
                    | "env"
                    | "type"
                    | "length"
                    | "len"
                    | "policy"
                    | "expiry"
                    | "expires"
                    | "ttl"
                    | "endpoint"
                    | "header"
                    | "prefix"
                    | "field"
                    | "hint"
                    | "reset"
                    | "min"
                    | "max"
                    | "regex"
                    | "pattern"
                    | "enabled"
                    | "required"
                    | "lifetime"
                    | "count"
                    | "validity"
                    | "location"
                    | "dir"
                    | "command"
                    | "cmd"
                    | "version"
                    | "seconds"
                    | "secs"
                    | "minutes"
                    | "hours"
                    | "days"
                    | "timeout"
                    | "size"
                    | "limit"
                    | "interval"
                    | "duration"
                    | "age"
            )
        });
    if reference {
        return false;
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "password"
                | "passwd"
                | "pwd"
                | "passphrase"
                | "secret"
                | "token"
                | "credential"
                | "credentials"
                | "pass"
                | "passwort"
                | "authtoken"
                | "apikey"
                | "secretkey"
                | "privatekey"
                | "accesskey"
                | "masterkey"
        )
    }) {
        return true;
    }
    (has("key")
        && words.iter().any(|w| {
            matches!(
                w.as_str(),
                "api"
                    | "private"
                    | "encryption"
                    | "secret"
                    | "access"
                    | "signing"
                    | "master"
                    | "app"
                    | "crypt"
                    | "auth"
                    | "session"
                    | "jwt"
                    | "hmac"
            )
        }))
        || joined.ends_with("apikey")
        || joined.contains("clientsecret")
}

/// The lower-case words of an identifier in any style (snake, kebab,
/// camel, Pascal, dotted, upper).
pub fn key_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && i > 0
            && (chars[i - 1].is_lowercase()
                || (chars[i - 1].is_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_lowercase())));
        if boundary && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_in_every_style() {
        for k in [
            "password",
            "DB_PASSWORD",
            "dbPassword",
            "spring.datasource.password",
            "ansible_become_pass",
            "client-secret",
            "ClientSecret",
            "api_key",
            "apiKey",
            "ENCRYPTION_KEY",
            "privateKey",
            "AUTH_TOKEN",
            "secret_key_base",
            "MAIL_PASSWORD",
            "DbPassword",
            "pwd",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "username",
            "password_file",
            "token_url",
            "passwordPolicy",
            "host",
            "key",
            "keyboard",
            "passenger",
            "secret_name",
            "compass",
            "primary_key_id",
            "public_key",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn tokens_keep_quoted_spaces() {
        let line = br#"machine a.test password "two words""#;
        let t = tokens(line, 10);
        assert_eq!(t.len(), 4);
        assert_eq!(&line[t[3].start - 10..t[3].end - 10], b"two words");
    }

    #[test]
    fn lines_drop_crlf() {
        let v: Vec<_> = lines(b"a\r\nbc\n\nd").map(|(r, _)| r).collect();
        assert_eq!(v, vec![0..1, 3..5, 6..6, 7..8]);
    }
}
