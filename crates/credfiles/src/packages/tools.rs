//! Other package and artifact tools: Bun's `bunfig.toml`, the Go
//! environment file (`go env -w`), the JFrog CLI configuration, Conan 2's
//! `credentials.json`, Paket's `paket.dependencies`.

use std::collections::HashMap;

use super::{head_contains, parent_is, plain, url_findings, URL_RULE};
use crate::model::{Credential, Reader};
use crate::syntax::{json, lines, placeholder, tokens};

pub(super) const BUNFIG: Reader = Reader {
    family: "bunfig",
    rule_ids: &["bunfig-registry-credentials", URL_RULE],
    recognise: |f, _| f.name_is(&["bunfig.toml", ".bunfig.toml"]),
    read: bunfig,
};

pub(super) const GO_ENV: Reader = Reader {
    family: "go-env",
    rule_ids: &[URL_RULE],
    recognise: |f, _| f.name_is(&["env"]) && parent_is(f, "go"),
    read: go_env,
};

pub(super) const JFROG_CLI: Reader = Reader {
    family: "jfrog-cli-config",
    rule_ids: &["jfrog-cli-config-secret"],
    recognise: |f, b| {
        f.name_starts_with("jfrog-cli.conf") && (parent_is(f, ".jfrog") || head_contains(b, b"\"servers\""))
    },
    read: jfrog_cli,
};

pub(super) const CONAN_CREDENTIALS: Reader = Reader {
    family: "conan-credentials",
    rule_ids: &["conan-credentials-password"],
    recognise: |f, b| f.name_is(&["credentials.json"]) && (parent_is(f, ".conan2") || head_contains(b, b"\"remote\"")),
    read: conan_credentials,
};

pub(super) const PAKET: Reader = Reader {
    family: "paket-dependencies",
    rule_ids: &["paket-source-password"],
    recognise: |f, _| f.name_is(&["paket.dependencies"]),
    read: paket,
};

/// `bunfig.toml`: `[install] registry` and `[install.scopes]` entries,
/// each a URL (with user:password) or an inline table with `token`,
/// `password` and `url`.
fn bunfig(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b'#' {
            continue;
        }
        if rest[0] == b'[' {
            section = String::from_utf8_lossy(rest)
                .trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace())
                .to_string();
            continue;
        }
        if !section.starts_with("install") {
            continue;
        }
        let key = rest
            .iter()
            .position(|&b| b == b'=')
            .map(|p| String::from_utf8_lossy(&rest[..p]).trim().trim_matches('"').to_string())
            .unwrap_or_default();
        let registry = match (section.as_str(), key.as_str()) {
            ("install", "registry") => "the default registry".to_string(),
            ("install.scopes", scope) if !scope.is_empty() => format!("scope @{}", scope.trim_start_matches('@')),
            ("install.registry", _) => "the default registry".to_string(),
            _ => continue,
        };
        let line_span = span.start + lead..span.end;
        out.extend(url_findings(
            bytes,
            line_span.clone(),
            URL_RULE,
            &format!("the registry URL for {registry} in a bunfig.toml"),
        ));
        for (field, value) in quoted_fields(bytes, line_span, &["token", "password"]) {
            out.extend(plain(
                bytes,
                value,
                "bunfig-registry-credentials",
                format!("{field} of {registry} in a bunfig.toml"),
            ));
        }
    }
    out
}

/// `FIELD = "…"` on a line (a plain key or inside an inline table) for
/// each of `fields`: the field and the value's span inside its quotes.
fn quoted_fields(
    bytes: &[u8],
    span: std::ops::Range<usize>,
    fields: &[&'static str],
) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let line = &bytes[span.clone()];
    let mut i = 0;
    while i < line.len() {
        let Some(field) = fields.iter().find(|f| line[i..].starts_with(f.as_bytes())) else {
            i += 1;
            continue;
        };
        let before_ok = i == 0 || matches!(line[i - 1], b' ' | b'\t' | b'{' | b',');
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
        out.push((*field, span.start + start..span.start + start + len));
        i = start + len + 1;
    }
    out
}

/// The Go environment file (`go env -w` writes it): `GOPROXY`,
/// `GOFLAGS` and the like, whose URLs may carry user:password.
fn go_env(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = String::from_utf8_lossy(&line[..eq]).trim().to_string();
        if key.starts_with('#') {
            continue;
        }
        out.extend(url_findings(
            bytes,
            span.start + eq + 1..span.end,
            URL_RULE,
            &format!("{key} of the Go environment file"),
        ));
    }
    out
}

/// `jfrog-cli.conf.v6`: `servers[]` with `password`, `accessToken`,
/// `refreshToken`, `apiKey`, `sshPassphrase`.
fn jfrog_cli(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let fields = entry_fields(&scalars, "servers");
    let mut out = Vec::new();
    for s in &scalars {
        let ["servers", i, field] = s.path.iter().map(String::as_str).collect::<Vec<_>>()[..] else {
            continue;
        };
        if !matches!(
            field,
            "password" | "accessToken" | "refreshToken" | "apiKey" | "sshPassphrase"
        ) || !s.is_string
            || !placeholder::is_credential(s.value.as_bytes())
        {
            continue;
        }
        let id = fields.get(&(i, "serverId")).copied().unwrap_or_default();
        out.push(Credential::plain(
            "jfrog-cli-config-secret",
            s.span.clone(),
            format!("{field} of the server {id} in a JFrog CLI configuration"),
        ));
    }
    out
}

/// The scalars of each entry of the top-level array `list`, by entry
/// index and field.
fn entry_fields<'a>(scalars: &'a [json::Scalar], list: &str) -> HashMap<(&'a str, &'a str), &'a str> {
    scalars
        .iter()
        .filter(|s| s.path.len() == 3 && s.path[0] == list)
        .map(|s| ((s.path[1].as_str(), s.path[2].as_str()), s.value.as_str()))
        .collect()
}

/// Conan 2 `credentials.json`: `credentials[]` with `remote`, `user`,
/// `password`.
fn conan_credentials(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let fields = entry_fields(&scalars, "credentials");
    let field_of = |i: &str, f: &str| fields.get(&(i, f)).copied().unwrap_or_default();
    let mut out = Vec::new();
    for s in &scalars {
        let ["credentials", i, "password"] = s.path.iter().map(String::as_str).collect::<Vec<_>>()[..] else {
            continue;
        };
        if !s.is_string || !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        out.push(Credential::plain(
            "conan-credentials-password",
            s.span.clone(),
            format!(
                "password of the Conan remote {} in a credentials.json (user {})",
                field_of(i, "remote"),
                field_of(i, "user")
            ),
        ));
    }
    out
}

/// `paket.dependencies`: `source URL username: "…" password: "…"`.
fn paket(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let toks = tokens(line, span.start);
        if toks.first().is_none_or(|t| &bytes[t.clone()] != b"source") {
            continue;
        }
        let url = toks
            .get(1)
            .map(|t| String::from_utf8_lossy(&bytes[t.clone()]).into_owned())
            .unwrap_or_default();
        for w in toks.windows(2) {
            if &bytes[w[0].clone()] == b"password:" {
                out.extend(plain(
                    bytes,
                    w[1].clone(),
                    "paket-source-password",
                    format!("password of the Paket source {url} in a paket.dependencies"),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn bunfig_registries() {
        let text = "\
[install]
registry = { url = \"https://npm.acme.test/\", token = \"bun-Tk-4417aa\" }

[install.scopes]
acme = \"https://ci:Bun-Sc0pe@npm.acme.test/\"
tools = { username = \"me\", password = \"$npm_password\", url = \"https://npm.tools.test/\" }
\"@infra\" = { username = \"ops\", password = \"Infra-Pw-8\", url = \"https://npm.infra.test/\" }

[run]
token = \"not-a-registry\"
";
        let got = found("bunfig.toml", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["bun-Tk-4417aa", "Bun-Sc0pe", "Infra-Pw-8"]);
        assert_eq!(got[0].2, "token of the default registry in a bunfig.toml");
        assert_eq!(got[2].2, "password of scope @infra in a bunfig.toml");
    }

    #[test]
    fn go_env_jfrog_conan_paket() {
        assert_eq!(
            secrets(
                "home/dev/.config/go/env",
                "GOPROXY=https://ci:G0-Prx-1@goproxy.acme.test,direct\nGOPRIVATE=git.acme.test\n"
            ),
            vec!["G0-Prx-1"]
        );
        let jfrog = r#"{
  "servers": [
    {
      "url": "https://acme.jfrog.test/",
      "user": "ci",
      "password": "Jfr0g-Pw-5",
      "accessToken": "",
      "serverId": "acme",
      "isDefault": true
    }
  ],
  "version": "6"
}"#;
        let got = found("home/dev/.jfrog/jfrog-cli.conf.v6", jfrog);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "Jfr0g-Pw-5");
        assert_eq!(got[0].2, "password of the server acme in a JFrog CLI configuration");
        let conan = r#"{"credentials": [{"remote": "acme", "user": "ci", "password": "C0nan-Pw"}, {"remote": "x", "user": "u", "password": ""}]}"#;
        let got = found("home/dev/.conan2/credentials.json", conan);
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].2,
            "password of the Conan remote acme in a credentials.json (user ci)"
        );
        let paket = "source https://api.nuget.org/v3/index.json\nsource https://nuget.acme.test/api/v2 username: \"ci\" password: \"Pak3t-Pw\"\nsource https://feed.test/v2 username: \"%U%\" password: \"%P%\" authtype: \"ntlm\"\nnuget FSharp.Core\n";
        assert_eq!(secrets("paket.dependencies", paket), vec!["Pak3t-Pw"]);
    }
}
