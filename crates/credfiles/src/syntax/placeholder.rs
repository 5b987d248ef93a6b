//! What a credential file holds instead of a credential: template markers
//! (`${DB_PASSWORD}`, `{{ vault_pass }}`, `<password>`, `%(pw)s`), masks
//! (`***`, `xxxx`), empty values, references to a secret store, and the
//! documented placeholders of tools' sample files (`changeme`,
//! `your_password`). In a credential file everything else is a credential,
//! whatever its entropy.

/// Why `value` is not a credential, or `None` when it is one.
pub fn skip_reason(value: &[u8]) -> Option<&'static str> {
    let v = trim(value);
    if v.is_empty() {
        return Some("empty");
    }
    let s = String::from_utf8_lossy(v);
    let lower = s.to_ascii_lowercase();
    if is_template(&s) {
        return Some("template");
    }
    if v.iter().all(|b| {
        matches!(
            b,
            b'*' | b'x' | b'X' | b'.' | b'#' | b'-' | b'_' | b'?' | b'0' | b'<' | b'>' | b' ' | b'~'
        )
    }) {
        return Some("mask");
    }
    if lower.starts_with("vault:")
        || lower.starts_with("!vault")
        || lower.starts_with("$ansible_vault")
        || lower.starts_with("enc(")
        || lower.starts_with("env(")
        || lower.starts_with("env:")
        || lower.starts_with("secret:")
        || lower.starts_with("arn:aws:secretsmanager")
        || lower.starts_with("op://")
        || lower.starts_with("keyvault:")
        || lower.starts_with("@microsoft.keyvault")
    {
        return Some("reference to a secret store");
    }
    if lower.starts_with("pk_live_") || lower.starts_with("pk_test_") || s.starts_with("pk.eyJ") {
        return Some("publishable key (public by design)");
    }
    if lower.contains("xxxxx")
        || [
            "change-this",
            "change_this",
            "changethis",
            "please-change",
            "do-not-use",
            "do_not_use",
            "replace-me",
            "replace_me",
        ]
        .iter()
        .any(|m| lower.contains(m))
    {
        return Some("placeholder");
    }
    // A path to where the secret is (`/run/secrets/db`, `./sa.json`).
    if (lower.starts_with('/') || lower.starts_with("./") || lower.starts_with("../") || lower.starts_with("~/"))
        && !lower.contains(char::is_whitespace)
        && lower[1..].contains('/')
    {
        return Some("a path to the secret");
    }
    if PLACEHOLDERS.contains(&lower.as_str()) || filler(&lower) {
        return Some("placeholder");
    }
    None
}

/// Whether `value` is a credential (see [`skip_reason`]).
pub fn is_credential(value: &[u8]) -> bool {
    skip_reason(value).is_none()
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &v[start..end]
}

fn is_template(s: &str) -> bool {
    let t = s.trim_matches(|c| c == '"' || c == '\'');
    (t.starts_with("${") && t.contains('}'))
        || (t.starts_with('$')
            && t.len() > 1
            && t[1..].chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && t.as_bytes()[1].is_ascii_alphabetic())
        || (t.starts_with("$(") && t.ends_with(')'))
        || (t.starts_with('%')
            && t.ends_with('%')
            && t.len() > 2
            && t[1..t.len() - 1].chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        || (t.starts_with("%(") && t.ends_with(")s"))
        || t.contains("{{")
        || t.contains("{%")
        || (t.starts_with('<') && t.ends_with('>') && !t[1..t.len() - 1].contains(['<', '>']))
        || (t.starts_with('[')
            && t.ends_with(']')
            && t.len() > 2
            && t[1..t.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '_' || c == ' ' || c == '-'))
        || (t.starts_with("#{") && (t.ends_with('}') || t.ends_with("}#")))
        || (t.starts_with("@") && t.ends_with('@') && t.len() > 2)
        || (t.starts_with("__") && t.ends_with("__") && t.len() > 4)
        || t.starts_with("process.env")
        || t.starts_with("os.environ")
        || t.starts_with("getenv(")
        || t.starts_with("env(")
}

/// Values the sample files of tools, frameworks and tutorials ship with.
const PLACEHOLDERS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "password",
    "passwd",
    "pass",
    "secret",
    "mysecret",
    "yoursecret",
    "your_secret",
    "your-secret",
    "your_password",
    "your-password",
    "yourpassword",
    "mypassword",
    "my_password",
    "my-password",
    "password123",
    "example",
    "sample",
    "dummy",
    "placeholder",
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "todo",
    "tbd",
    "fixme",
    "redacted",
    "removed",
    "hidden",
    "secure",
    "string",
    "required",
    "optional",
    "default",
    "value",
    "token",
    "your_token",
    "your-token",
    "yourtoken",
    "your_api_key",
    "your-api-key",
    "api_key",
    "apikey",
    "xxx",
    "foo",
    "bar",
    "foobar",
    "test",
    "admin",
    "root",
    "user",
    "username",
    "pwd",
    "s3cr3t",
    "<password>",
    "put_your_password_here",
    "enter_password",
    "insert_password_here",
    "password_here",
    "secret_here",
    "your_key_here",
    "hunter2",
    "letmein",
    "anonymous",
    "guest",
    "postgres",
];

/// `YOUR_DB_PASSWORD`, `<your token>`, `replace-with-your-key`,
/// `INSERT_KEY_HERE`: fillers that name what belongs there.
fn filler(lower: &str) -> bool {
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return false;
    }
    let first = words[0];
    let names_secret = words.iter().any(|w| {
        matches!(
            *w,
            "password"
                | "passwd"
                | "pass"
                | "secret"
                | "token"
                | "key"
                | "apikey"
                | "credentials"
                | "pwd"
                | "passphrase"
        )
    });
    (matches!(
        first,
        "your"
            | "my"
            | "insert"
            | "replace"
            | "enter"
            | "put"
            | "add"
            | "set"
            | "fill"
            | "example"
            | "sample"
            | "dummy"
            | "fake"
            | "some"
    ) && names_secret
        && words.len() >= 2)
        || (words.last() == Some(&"here") && words.len() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_masks_and_placeholders_are_skipped() {
        for v in [
            "",
            "  ",
            "${DB_PASSWORD}",
            "$PGPASSWORD",
            "{{ vault_db_pass }}",
            "<password>",
            "***",
            "xxxxxxxx",
            "%(password)s",
            "%DB_PASS%",
            "changeme",
            "YOUR_PASSWORD",
            "your-api-key-here",
            "ENC(abc123)",
            "vault:secret/data/db#password",
            "__DB_PASS__",
            "@db.password@",
            "#{dbPassword}",
            "op://vault/item/password",
            "replace_with_your_token",
            "#{DbPassword}#",
        ] {
            assert!(skip_reason(v.as_bytes()).is_some(), "{v:?}");
        }
    }

    #[test]
    fn real_passwords_are_kept_whatever_their_entropy() {
        for v in [
            "hunter3",
            "Winter2024!",
            "s3cretPa55",
            "postgres1",
            "Tr0ub4dor&3",
            "a",
            "dbpass",
            "$1$abc$def",
            "ab$cd",
            "<p@ss>word",
        ] {
            assert!(skip_reason(v.as_bytes()).is_none(), "{v:?}");
        }
    }
}
