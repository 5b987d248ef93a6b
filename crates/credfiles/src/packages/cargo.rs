//! Cargo: `~/.cargo/credentials.toml` (written by `cargo login`) and
//! `.cargo/config.toml`, which may hold the same keys: `[registry] token`
//! for crates.io, `[registries.NAME] token` for others, and `secret-key`
//! for asymmetric tokens; inline tables (`NAME = { token = "…" }`) and
//! dotted keys (`registries.NAME.token = "…"`) too. Registry and proxy
//! URLs with user:password in `config.toml` are reported as well.
//!
//! A private registry's token is reported under `cargo-registry-token`,
//! never under `crates-io-api-token`, whose verifier would send it to
//! crates.io (a `cio…` token is also reported by that rule).

use std::ops::Range;

use super::{parent_is, url_findings, URL_RULE};
use crate::model::{Credential, Reader};
use crate::syntax::{lines, placeholder};

pub(super) const CARGO_CREDENTIALS: Reader = Reader {
    family: "cargo-credentials",
    rule_ids: &["cargo-registry-token", URL_RULE],
    recognise: |f, _| {
        f.name_is(&["credentials.toml", "credentials"]) && (parent_is(f, ".cargo") || parent_is(f, "cargo"))
    },
    read: |b| cargo(b, "a Cargo credentials.toml"),
};

pub(super) const CARGO_CONFIG: Reader = Reader {
    family: "cargo-config",
    rule_ids: &["cargo-registry-token", URL_RULE],
    recognise: |f, _| f.name_is(&["config.toml", "config"]) && parent_is(f, ".cargo"),
    read: |b| cargo(b, "a Cargo config.toml"),
};

fn cargo(bytes: &[u8], kind: &str) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b'#' {
            continue;
        }
        if rest[0] == b'[' {
            let inner = String::from_utf8_lossy(rest);
            section = inner
                .trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace())
                .to_string();
            continue;
        }
        let line_key = String::from_utf8_lossy(&rest[..rest.iter().position(|&b| b == b'=').unwrap_or(0)])
            .trim()
            .to_string();
        for (field, value) in secret_fields(bytes, span.start + lead..span.end) {
            let Some(registry) = registry_name(&section, &line_key) else {
                continue;
            };
            let mut value = value;
            if bytes[value.clone()].len() > 7 && bytes[value.start..value.start + 7].eq_ignore_ascii_case(b"bearer ") {
                value.start += 7;
            }
            if !placeholder::is_credential(&bytes[value.clone()]) {
                continue;
            }
            out.push(Credential::plain(
                "cargo-registry-token",
                value,
                format!("{field} of the {registry} registry in {kind}"),
            ));
        }
        out.extend(url_findings(
            bytes,
            span.start + lead..span.end,
            URL_RULE,
            &format!("a URL of {kind}"),
        ));
    }
    out
}

/// Which registry a `token` on a line belongs to, from the section and the
/// line's key: `crates.io` for `[registry]`, NAME for
/// `[registries.NAME]`, `[registries] NAME = {…}` or
/// `registries.NAME.token`; `None` elsewhere.
fn registry_name(section: &str, line_key: &str) -> Option<String> {
    let unquote = |s: &str| s.trim().trim_matches('"').trim_matches('\'').to_string();
    let full = if section.is_empty() {
        line_key.to_string()
    } else if line_key.is_empty() {
        section.to_string()
    } else {
        format!("{section}.{line_key}")
    };
    if full == "registry" || full.starts_with("registry.") {
        return Some("crates.io".to_string());
    }
    let rest = full.strip_prefix("registries.")?;
    // NAME may be quoted and contain dots: `registries."my.reg".token`.
    let name = if let Some(q) = rest.strip_prefix('"') {
        q.split('"').next().unwrap_or(q).to_string()
    } else {
        rest.split('.').next().unwrap_or(rest).to_string()
    };
    let name = unquote(&name);
    (!name.is_empty() && name != "token" && name != "secret-key").then_some(name)
}

/// `token = "…"` and `secret-key = "…"` on a line (plain or inside an
/// inline table, also as the last segment of a dotted key): the field and
/// the value's span inside its quotes.
fn secret_fields(bytes: &[u8], span: Range<usize>) -> Vec<(&'static str, Range<usize>)> {
    let mut out = Vec::new();
    let line = &bytes[span.clone()];
    let mut i = 0;
    while i < line.len() {
        let field = if line[i..].starts_with(b"token") {
            "token"
        } else if line[i..].starts_with(b"secret-key") {
            "secret-key"
        } else {
            i += 1;
            continue;
        };
        let before_ok = i == 0 || matches!(line[i - 1], b' ' | b'\t' | b'{' | b',' | b'.');
        let mut j = i + field.len();
        i = j;
        if !before_ok {
            continue;
        }
        while j < line.len() && matches!(line[j], b' ' | b'\t') {
            j += 1;
        }
        if line.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < line.len() && matches!(line[j], b' ' | b'\t') {
            j += 1;
        }
        let Some(&quote) = line.get(j).filter(|&&q| q == b'"' || q == b'\'') else {
            continue;
        };
        let start = j + 1;
        let Some(len) = line[start..].iter().position(|&b| b == quote) else {
            continue;
        };
        out.push((field, span.start + start..span.start + start + len));
        i = start + len + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::found;

    #[test]
    fn cargo_tokens_of_every_registry() {
        let text = "\
[registry]
token = \"cioQx7Wm2Np5Rt8Vy1Bz4Cd7Fg0Jk3La6S\"

[registries.acme]
token = \"Bearer acme-Zx9Kq2Wm7Lp4Rt1V\"

[registries.\"shipyard.rs\"]
token = \"${SHIPYARD_TOKEN}\"

[registries]
other = { index = \"sparse+https://crates.other.test/\", token = \"oth-Tk5Mn8Qw2Er6Ty9U\" }
";
        let got = found("home/dev/.cargo/credentials.toml", text);
        let values: Vec<(&str, &str)> = got.iter().map(|g| (g.0.as_str(), g.2.as_str())).collect();
        assert_eq!(
            values,
            vec![
                (
                    "cioQx7Wm2Np5Rt8Vy1Bz4Cd7Fg0Jk3La6S",
                    "token of the crates.io registry in a Cargo credentials.toml"
                ),
                (
                    "acme-Zx9Kq2Wm7Lp4Rt1V",
                    "token of the acme registry in a Cargo credentials.toml"
                ),
                (
                    "oth-Tk5Mn8Qw2Er6Ty9U",
                    "token of the other registry in a Cargo credentials.toml"
                ),
            ]
        );
        let config = "[http]\nproxy = \"http://me:Pxy-77aa@proxy.acme.test:3128\"\n[net]\ngit-fetch-with-cli = true\nregistries.acme.token = \"acme-Lq3Wx8Zc4Vb6Nm1K\"\n";
        let got = found("repo/.cargo/config.toml", config);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Pxy-77aa"]);
        assert!(
            crate::read("home/dev/.cargo/git/checkouts/acme-1a2b/.git/config", b"[core]\n")
                .is_none_or(|(f, _)| f != "cargo-config")
        );
        let config = "registries.acme.token = \"acme-Lq3Wx8Zc4Vb6Nm1K\"\n[source.crates-io]\nreplace-with = \"acme\"\n";
        assert_eq!(found("repo/.cargo/config.toml", config)[0].0, "acme-Lq3Wx8Zc4Vb6Nm1K");
    }
}
