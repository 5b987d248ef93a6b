//! Ruby: RubyGems' `~/.gem/credentials` (YAML: `:rubygems_api_key:` and
//! one key per gem host) and Bundler's `.bundle/config` (YAML:
//! `BUNDLE_GEMS__ACME__TEST: "user:password"`).

use super::{parent_is, plain, url_findings, URL_RULE};
use crate::model::{Credential, Reader};
use crate::syntax::placeholder;

pub(super) const GEM_CREDENTIALS: Reader = Reader {
    family: "gem-credentials",
    rule_ids: &["gem-credentials-api-key"],
    recognise: |f, _| f.name_is(&["credentials"]) && (parent_is(f, ".gem") || parent_is(f, "share/gem")),
    read: gem_credentials,
};

pub(super) const GEMRC: Reader = Reader {
    family: "gemrc",
    rule_ids: &[URL_RULE],
    recognise: |f, _| f.name_is(&[".gemrc", "gemrc"]),
    read: gemrc,
};

pub(super) const BUNDLER_CONFIG: Reader = Reader {
    family: "bundler-config",
    rule_ids: &["bundler-source-credentials", URL_RULE],
    recognise: |f, _| f.name_is(&["config"]) && parent_is(f, ".bundle"),
    read: bundler_config,
};

/// Every top-level value is an API key: `:rubygems_api_key:` for
/// rubygems.org, a host URL or a named key (`gem push --key NAME`) for the
/// others. GitHub Packages' form `Bearer TOKEN` keeps only the token.
fn gem_credentials(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in super::yaml_scalars(bytes) {
        // An empty quoted value's span is its closing quote: judge the value.
        if s.path.len() != 1 || !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        let mut span = s.span.clone();
        let raw = &bytes[span.clone()];
        if raw.len() > 7 && raw[..7].eq_ignore_ascii_case(b"bearer ") {
            span.start += 7;
        }
        let key = s.key();
        let reason = match key.trim_start_matches(':') {
            "rubygems_api_key" => "rubygems.org API key (:rubygems_api_key:) of a .gem/credentials file".to_string(),
            k if k.contains("://") => format!("gem host API key for {k} in a .gem/credentials file"),
            k => format!("named API key :{k}: of a .gem/credentials file"),
        };
        out.extend(plain(bytes, span, "gem-credentials-api-key", reason));
    }
    out
}

/// `.gemrc`: gem sources (`:sources:`) with user:password.
fn gemrc(bytes: &[u8]) -> Vec<Credential> {
    super::yaml_scalars(bytes)
        .into_iter()
        .flat_map(|s| {
            let setting = s.path.first().cloned().unwrap_or_default();
            url_findings(bytes, s.span, URL_RULE, &format!("the {setting} of a .gemrc"))
        })
        .collect()
}

/// `BUNDLE_<HOST>` settings holding `user:password` (the password is
/// reported), and mirror URLs with credentials. A bare token on a host
/// key (`BUNDLE_GEM__FURY__IO: TOKEN`) is not told apart from other
/// settings and is left to the engine.
fn bundler_config(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in super::yaml_scalars(bytes) {
        let key = s.key();
        let Some(name) = key.strip_prefix("BUNDLE_") else {
            continue;
        };
        let raw = &bytes[s.span.clone()];
        if super::find(raw, b"://").is_some() {
            out.extend(url_findings(
                bytes,
                s.span.clone(),
                URL_RULE,
                &format!("the {key} setting of a .bundle/config"),
            ));
            continue;
        }
        if !name.contains("__") || raw != s.value.as_bytes() {
            continue;
        }
        let Some(colon) = raw.iter().position(|&b| b == b':') else {
            continue;
        };
        let host = name.replace("__", ".").to_ascii_lowercase();
        let user = String::from_utf8_lossy(&raw[..colon]);
        out.extend(plain(
            bytes,
            s.span.start + colon + 1..s.span.end,
            "bundler-source-credentials",
            format!("password of the gem source {host} in a .bundle/config (user {user})"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn gem_credentials_every_host() {
        let text = "---\n:rubygems_api_key: rubygems_4f1d2a7c9e0b3f5a8c6d1e2f3a4b5c6d7e8f9a0b1c2d3e4f\nhttps://gems.acme.test: 9c41e7a2b5d80f36\n:github: Bearer ghp_Qw8eRt5yUi2oPa4sDf6gHj8kLz1xCv3bNm7M\n:old: \"\"\n";
        let got = found("home/dev/.gem/credentials", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "rubygems_4f1d2a7c9e0b3f5a8c6d1e2f3a4b5c6d7e8f9a0b1c2d3e4f",
                "9c41e7a2b5d80f36",
                "ghp_Qw8eRt5yUi2oPa4sDf6gHj8kLz1xCv3bNm7M"
            ]
        );
        assert_eq!(
            got[0].2,
            "rubygems.org API key (:rubygems_api_key:) of a .gem/credentials file"
        );
        assert_eq!(
            got[1].2,
            "gem host API key for https://gems.acme.test in a .gem/credentials file"
        );
        assert!(crate::read(
            "home/dev/.gem/ruby/3.3.0/gems/aws-sdk-core-3.201.0/spec/fixtures/credentials",
            text.as_bytes()
        )
        .is_none_or(|(f, _)| f != "gem-credentials"));
        assert!(crate::read("home/dev/.aws/credentials", text.as_bytes()).is_none_or(|(f, _)| f != "gem-credentials"));
    }

    #[test]
    fn gemrc_sources() {
        let text = "---\n:backtrace: false\n:sources:\n- https://rubygems.org/\n- https://ci:G3m-Src-Pw@gems.acme.test/\ngem: --no-document\n";
        let got = found("home/dev/.gemrc", text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "G3m-Src-Pw");
        assert_eq!(got[0].2, "password in the :sources of a .gemrc for ci@gems.acme.test");
    }

    #[test]
    fn bundler_sources() {
        let text = "---\nBUNDLE_PATH: \"vendor/bundle\"\nBUNDLE_PATH__SYSTEM: \"true\"\nBUNDLE_GEMS__CONTRIBSYS__COM: \"4b9d2e17:8e3fa0c6\"\nBUNDLE_RUBYGEMS__PKG__GITHUB__COM: \"${GITHUB_USER}:${GITHUB_TOKEN}\"\nBUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/: \"https://ci:M1rror-pw@gems.acme.test\"\n";
        let got = found("app/.bundle/config", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["8e3fa0c6", "M1rror-pw"]);
        assert_eq!(
            got[0].2,
            "password of the gem source gems.contribsys.com in a .bundle/config (user 4b9d2e17)"
        );
        assert_eq!(
            secrets("home/dev/.bundle/config", "BUNDLE_GEM__FURY__IO: \"tok123\"\n"),
            Vec::<String>::new()
        );
    }
}
