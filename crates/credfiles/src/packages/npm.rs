//! npm and Yarn: `.npmrc` (INI-like `key=value`), Yarn 1's `.yarnrc`
//! (`key value`, optionally quoted) and Yarn Berry's `.yarnrc.yml`.

use std::collections::HashMap;
use std::ops::Range;

use super::{base64_decode, basic_auth, plain, url_findings, PROXY_RULE, URL_RULE};
use crate::model::{Credential, Reader};
use crate::syntax::{ini, lines, placeholder, tokens};

pub(super) const NPMRC: Reader = Reader {
    family: "npmrc",
    rule_ids: &[
        "npmrc-auth-token",
        "npmrc-basic-auth",
        "npmrc-password",
        URL_RULE,
        PROXY_RULE,
    ],
    recognise: |f, _| f.name_is(&[".npmrc", "npmrc"]),
    read: npmrc,
};

pub(super) const YARNRC: Reader = Reader {
    family: "yarnrc",
    rule_ids: &[
        "npmrc-auth-token",
        "npmrc-basic-auth",
        "npmrc-password",
        URL_RULE,
        PROXY_RULE,
    ],
    recognise: |f, _| f.name_is(&[".yarnrc", "yarnrc"]),
    read: yarnrc,
};

pub(super) const YARNRC_YML: Reader = Reader {
    family: "yarnrc-yml",
    rule_ids: &["yarnrc-npm-auth", URL_RULE, PROXY_RULE],
    recognise: |f, _| f.name_is(&[".yarnrc.yml", ".yarnrc.yaml"]),
    read: yarnrc_yml,
};

/// One `key value` setting of an npm-style configuration.
struct Setting {
    key: String,
    value: Range<usize>,
}

fn npmrc(bytes: &[u8]) -> Vec<Credential> {
    let settings = ini::entries_with(bytes, b"=")
        .into_iter()
        .map(|e| Setting {
            key: e.key,
            value: e.value,
        })
        .collect::<Vec<_>>();
    npm_settings(bytes, &settings, ".npmrc")
}

/// Yarn 1's `.yarnrc`: `key value`, `key: value` or `"key" "value"` per
/// line, `#` comments.
fn yarnrc(bytes: &[u8]) -> Vec<Credential> {
    let mut settings = Vec::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if line.get(lead).is_none_or(|&b| b == b'#') {
            continue;
        }
        let toks = tokens(line, span.start);
        let (Some(k), Some(v)) = (toks.first(), toks.get(1)) else {
            continue;
        };
        let key = String::from_utf8_lossy(&bytes[k.clone()]);
        let key = key.strip_suffix(':').unwrap_or(&key).to_string();
        settings.push(Setting { key, value: v.clone() });
    }
    npm_settings(bytes, &settings, ".yarnrc")
}

/// The credentials of npm settings (`.npmrc`, `.yarnrc`): registry-scoped
/// (`//host/path/:_authToken`) or global (`_auth`).
fn npm_settings(bytes: &[u8], settings: &[Setting], kind: &str) -> Vec<Credential> {
    // `//host/:username` next to `//host/:_password`, for the reason.
    let mut users: HashMap<&str, String> = HashMap::new();
    for s in settings {
        let (scope, field) = split_key(&s.key);
        if field.eq_ignore_ascii_case("username") {
            users.insert(scope, String::from_utf8_lossy(&bytes[s.value.clone()]).into_owned());
        }
    }
    let mut out = Vec::new();
    for s in settings {
        let (scope, field) = split_key(&s.key);
        let place = if scope.is_empty() {
            "the default registry".to_string()
        } else {
            scope.to_string()
        };
        let field_lower = field.to_ascii_lowercase();
        let found = match field_lower.as_str() {
            "_authtoken" => plain(
                bytes,
                s.value.clone(),
                "npmrc-auth-token",
                format!("_authToken of a {kind} for {place}"),
            ),
            "_auth" => basic_auth(
                bytes,
                s.value.clone(),
                "npmrc-basic-auth",
                &format!("password decoded from the _auth (base64 user:password) of a {kind} for {place}"),
            ),
            "_password" => {
                let user = users.get(scope).map(|u| format!(" (user {u})")).unwrap_or_default();
                password_base64(
                    bytes,
                    s.value.clone(),
                    "npmrc-password",
                    format!("_password (base64) of a {kind} for {place}{user}"),
                )
            }
            f @ ("registry" | "proxy" | "https-proxy" | "http-proxy") => {
                let rule = if f == "registry" { URL_RULE } else { PROXY_RULE };
                out.extend(url_findings(
                    bytes,
                    s.value.clone(),
                    rule,
                    &format!("the {field} URL of a {kind}"),
                ));
                None
            }
            f if f.ends_with(":registry") => {
                out.extend(url_findings(
                    bytes,
                    s.value.clone(),
                    URL_RULE,
                    &format!("the {field} URL of a {kind}"),
                ));
                None
            }
            _ => None,
        };
        out.extend(found);
    }
    out
}

/// `//host/path/:field` → (`host/path/`, `field`); other keys have no
/// scope.
fn split_key(key: &str) -> (&str, &str) {
    match key.strip_prefix("//").and_then(|k| k.rfind(':').map(|p| (k, p))) {
        Some((k, p)) => (&k[..p], &k[p + 1..]),
        None => ("", key),
    }
}

/// A password stored as base64 of itself (`_password`): decoded when it
/// decodes to text, as stored otherwise.
pub(super) fn password_base64(
    bytes: &[u8],
    span: Range<usize>,
    rule_id: &'static str,
    reason: String,
) -> Option<Credential> {
    let stored = bytes.get(span.clone())?;
    if !placeholder::is_credential(stored) {
        return None;
    }
    match base64_decode(stored)
        .filter(|d| std::str::from_utf8(d).is_ok_and(|t| !t.is_empty() && !t.chars().any(char::is_control)))
    {
        Some(pass) => {
            placeholder::is_credential(&pass).then(|| Credential::decoded(rule_id, span, vec!["base64"], pass, reason))
        }
        None => Some(Credential::plain(rule_id, span, reason)),
    }
}

/// Yarn Berry: `npmAuthToken` / `npmAuthIdent` at the top level, per
/// scope (`npmScopes.NAME`) or per registry (`npmRegistries."//host"`);
/// registry and proxy URLs with user:password.
fn yarnrc_yml(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in super::yaml_scalars(bytes) {
        if !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        let place = match (s.path.first().map(String::as_str), s.path.get(1)) {
            (Some("npmScopes"), Some(scope)) if s.path.len() >= 3 => format!("scope @{scope}"),
            (Some("npmRegistries"), Some(reg)) if s.path.len() >= 3 => format!("registry {reg}"),
            _ => "the default registry".to_string(),
        };
        match s.key() {
            "npmAuthToken" => out.extend(plain(
                bytes,
                s.span.clone(),
                "yarnrc-npm-auth",
                format!("npmAuthToken of a .yarnrc.yml for {place}"),
            )),
            "npmAuthIdent" => {
                let stored = &bytes[s.span.clone()];
                let colon = stored.iter().position(|&b| b == b':');
                match colon {
                    Some(c) if stored == s.value.as_bytes() => {
                        let user = String::from_utf8_lossy(&stored[..c]);
                        out.extend(plain(
                            bytes,
                            s.span.start + c + 1..s.span.end,
                            "yarnrc-npm-auth",
                            format!("password of the npmAuthIdent (user:password) of a .yarnrc.yml for {place} (user {user})"),
                        ));
                    }
                    _ => out.extend(basic_auth(
                        bytes,
                        s.span.clone(),
                        "yarnrc-npm-auth",
                        &format!("password decoded from the npmAuthIdent of a .yarnrc.yml for {place}"),
                    )),
                }
            }
            k @ ("npmRegistryServer" | "httpProxy" | "httpsProxy" | "npmPublishRegistry") => {
                let rule = if k.ends_with("Proxy") { PROXY_RULE } else { URL_RULE };
                out.extend(url_findings(
                    bytes,
                    s.span.clone(),
                    rule,
                    &format!("the {k} of a .yarnrc.yml"),
                ));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn npmrc_tokens_basic_auth_passwords_and_proxies() {
        let text = "\
; project npm config
registry=https://registry.npmjs.org/
@acme:registry=https://npm.acme.test/
//npm.acme.test/:_authToken=7f1c9e2a-55b3-4d0e-9a61-c2f8d4b07e13
//registry.npmjs.org/:_authToken=${NPM_TOKEN}
_auth=Y2ktYm90Ok5xN3ZMMnBYOXI=
//nexus.acme.test/repository/npm/:username=deploy
//nexus.acme.test/repository/npm/:_password=V2ludGVyMjAyNSE=
//nexus.acme.test/repository/npm/:email=deploy@acme.test
https-proxy=http://proxyuser:Pr0xy-pass@proxy.acme.test:3128/
proxy=http://proxy.acme.test:3128/
always-auth=true
# //old.acme.test/:_authToken=deadbeefdeadbeef
";
        let got = found("home/dev/.npmrc", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "7f1c9e2a-55b3-4d0e-9a61-c2f8d4b07e13",
                "Nq7vL2pX9r",
                "Winter2025!",
                "Pr0xy-pass"
            ]
        );
        assert_eq!(got[0].1, "npmrc-auth-token");
        assert_eq!(got[0].2, "_authToken of a .npmrc for npm.acme.test/");
        assert_eq!(got[1].1, "npmrc-basic-auth");
        assert_eq!(
            got[1].2,
            "password decoded from the _auth (base64 user:password) of a .npmrc for the default registry (user ci-bot)"
        );
        assert_eq!(got[2].1, "npmrc-password");
        assert!(got[2].2.ends_with("(user deploy)"), "{}", got[2].2);
        assert_eq!(got[3].1, "proxy-url-password");
        assert!(crate::read("src/npmrc.js", text.as_bytes()).is_none());
    }

    #[test]
    fn yarnrc_v1_quoted_and_bare() {
        let text = "# yarn lockfile v1\nregistry \"https://registry.yarnpkg.com\"\n\"//registry.yarnpkg.com/:_authToken\" \"c0ffee12-3456-4789-abcd-ef0123456789\"\n\"//npm.acme.test/:_authToken\" \"${YARN_TOKEN}\"\nemail dev@acme.test\n_password: aHVudGVyMw==\n";
        assert_eq!(
            secrets(".yarnrc", text),
            vec!["c0ffee12-3456-4789-abcd-ef0123456789", "hunter3"]
        );
    }

    #[test]
    fn yarnrc_yml_scopes_registries_and_idents() {
        let text = r#"nodeLinker: node-modules
npmAuthToken: "${NPM_AUTH_TOKEN}"
npmScopes:
  acme:
    npmRegistryServer: "https://npm.acme.test"
    npmAuthToken: "npm_Vb8kQ2xR7mT4pL9sN1wE6yU3iO5aZ0cDf"
npmRegistries:
  "//artifactory.acme.test/api/npm/npm-virtual":
    npmAlwaysAuth: true
    npmAuthIdent: "ci-reader:Rd-4455-xyz"
  "//nexus.acme.test":
    npmAuthIdent: "ZGVwbG95OkF1dHVtbjIwMjQ="
httpsProxy: "http://me:s3cure-proxy@proxy.acme.test:8080"
"#;
        let got = found(".yarnrc.yml", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "npm_Vb8kQ2xR7mT4pL9sN1wE6yU3iO5aZ0cDf",
                "Rd-4455-xyz",
                "Autumn2024",
                "s3cure-proxy"
            ]
        );
        assert_eq!(got[0].2, "npmAuthToken of a .yarnrc.yml for scope @acme");
        assert_eq!(
            got[1].2,
            "password of the npmAuthIdent (user:password) of a .yarnrc.yml for registry //artifactory.acme.test/api/npm/npm-virtual (user ci-reader)"
        );
        assert_eq!(
            got[2].2,
            "password decoded from the npmAuthIdent of a .yarnrc.yml for registry //nexus.acme.test (user deploy)"
        );
    }
}
