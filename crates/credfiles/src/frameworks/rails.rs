//! Ruby on Rails: `config/master.key` (and the per-environment
//! `config/credentials/<env>.key`), which decrypt the encrypted
//! credentials, and the older `config/secrets.yml` with `secret_key_base`
//! and other secrets per environment.

use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, placeholder, yaml};

/// `config/master.key` or `config/credentials/production.key` holding
/// one line of 32 hex digits.
pub(crate) fn recognise_master_key(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let named = (f.name_is(&["master.key"]) && f.in_dir("config"))
        || (f.name_ends_with(&[".key"]) && f.in_dir("config/credentials"));
    named && bytes.len() <= 64 && hex_key(bytes).is_some()
}

/// The span of the 32 hex digits the file holds (whitespace around them
/// allowed).
fn hex_key(bytes: &[u8]) -> Option<std::ops::Range<usize>> {
    let span = crate::syntax::trim_span(bytes, 0..bytes.len());
    let v = &bytes[span.clone()];
    (v.len() == 32 && v.iter().all(u8::is_ascii_hexdigit)).then_some(span)
}

pub(crate) fn read_master_key(bytes: &[u8]) -> Vec<Credential> {
    hex_key(bytes)
        .map(|span| {
            Credential::plain(
                "rails-master-key",
                span,
                "content of a Rails master key file, which decrypts the application's encrypted credentials",
            )
        })
        .into_iter()
        .collect()
}

/// `config/secrets.yml` (and `secrets.yml` beside `config/` files).
pub(crate) fn recognise_secrets_yml(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["secrets.yml", "secrets.yaml", "secrets.local.yml"]) && f.in_dir("config")
}

pub(crate) fn read_secrets_yml(bytes: &[u8]) -> Vec<Credential> {
    yaml::scalars(bytes)
        .into_iter()
        .filter(|s| placeholder::is_credential(s.value.as_bytes()))
        .filter_map(|s| {
            let key = s.key();
            let env = s.path.first().map_or("", String::as_str);
            let rule = if key == "secret_key_base" {
                "rails-secret-key-base"
            } else if is_secret_key(key) {
                "rails-secrets-yml-secret"
            } else {
                return None;
            };
            let reason = format!(
                "{} of the {env} environment in a Rails secrets.yml",
                s.path[1..].join(".")
            );
            Some(Credential::plain(rule, s.span, reason))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn master_keys() {
        let key = "4f8e2c9a1b7d3e6f0a5c8b2d9e1f7a3c\n";
        let got = found("app/config/master.key", key);
        assert_eq!(got[0].0, "4f8e2c9a1b7d3e6f0a5c8b2d9e1f7a3c");
        assert_eq!(got[0].1, "rails-master-key");
        assert_eq!(
            secrets("config/credentials/production.key", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
            vec!["0a1b2c3d4e5f60718293a4b5c6d7e8f9"]
        );
        assert!(crate::read("config/master.key", b"not a key").is_none());
        assert!(crate::read("master.key", key.as_bytes()).is_none());
    }

    #[test]
    fn secrets_yml_per_environment() {
        let text = "default: &default\n  stripe_publishable_key: pk_test_abc\n\ndevelopment:\n  <<: *default\n  secret_key_base: 9c4f1e2d7a8b3c6d5e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d\n  stripe_secret_key: sk-dev-local-1\n\nproduction:\n  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>\n  api_token: <%= ENV.fetch(\"API_TOKEN\") %>\n";
        let got = found("config/secrets.yml", text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, "rails-secret-key-base");
        assert_eq!(
            got[0].2,
            "secret_key_base of the development environment in a Rails secrets.yml"
        );
        assert_eq!(got[1].0, "sk-dev-local-1");
        assert_eq!(got[1].1, "rails-secrets-yml-secret");
    }
}
