//! Framework configuration: Spring Boot `application*.properties` and
//! `application*.yml`, `.env` files (Laravel, Symfony, Node, Docker
//! Compose), Rails master keys and `secrets.yml` (`rails`), Django settings
//! modules (`django`), PHP configuration arrays and defines of WordPress,
//! Drupal, Joomla, phpMyAdmin and others (`php`), .NET `appsettings.json`
//! and `web.config` (`dotnet`), Java key-store properties (`java`).

mod django;
mod dotnet;
mod java;
mod php;
mod rails;
pub(crate) mod readers;

use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, lines, placeholder, properties, unquote_span, yaml};

/// [`is_secret_key`], except for identifiers of a secret that end in `id`
/// (`AWS_ACCESS_KEY_ID`, `api_key_id`), which name the key, not its value.
pub(crate) fn names_secret(key: &str) -> bool {
    is_secret_key(key) && crate::syntax::key_words(key).last().is_none_or(|w| w != "id")
}

/// Whether the file's immediate parent directory is `dir` (ASCII
/// case-insensitive).
fn parent_is(f: &FileName<'_>, dir: &str) -> bool {
    let path = f.path.replace(['\\', '!'], "/");
    path.rsplit_once('/')
        .and_then(|(p, _)| p.rsplit('/').next())
        .is_some_and(|p| p.eq_ignore_ascii_case(dir))
}

fn spring_name(f: &FileName<'_>) -> bool {
    let n = f.lower_name();
    n.starts_with("application") || n.starts_with("bootstrap")
}

/// `.env`, `.env.production`, `prod.env`, but not the templates meant to
/// hold placeholders (`.env.example`, `.env.sample`, `.env.dist`).
fn dotenv_name(f: &FileName<'_>) -> bool {
    let n = f.lower_name();
    let env = n == ".env" || n.starts_with(".env.") || (n.ends_with(".env") && n.len() > 4);
    // Checked only for .env names: recognisers run on every file.
    env && !n.split('.').any(|part| {
        matches!(
            part,
            "example" | "sample" | "dist" | "template" | "tmpl" | "defaults" | "schema"
        )
    })
}

/// The last segment of a dotted key (`spring.datasource.password` →
/// `password`), or the whole key for a key-store password written as one
/// word.
fn spring_secret(key: &str) -> bool {
    let last = key.rsplit('.').next().unwrap_or(key);
    is_secret_key(last) && !key.to_ascii_lowercase().contains("public")
}

fn spring_properties(bytes: &[u8]) -> Vec<Credential> {
    properties::properties(bytes)
        .into_iter()
        .filter(|p| spring_secret(&p.key) && placeholder::is_credential(&bytes[p.value.clone()]))
        .map(|p| {
            let how = if p.commented { "commented-out " } else { "" };
            Credential::plain(
                "spring-config-secret",
                p.value,
                format!("{how}{} in a Spring properties file", p.key),
            )
        })
        .collect()
}

fn spring_yaml(bytes: &[u8]) -> Vec<Credential> {
    yaml::scalars(bytes)
        .into_iter()
        .filter(|s| spring_secret(s.key()) && placeholder::is_credential(s.value.as_bytes()))
        .map(|s| {
            let key = s.path.join(".");
            Credential::plain("spring-config-secret", s.span, format!("{key} in a Spring YAML file"))
        })
        .collect()
}

/// `KEY=value` lines (optionally `export`ed, quoted, with `#` comments);
/// every key that names a secret.
fn dotenv(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let mut rest = &line[lead..];
        let mut offset = span.start + lead;
        if rest.first() == Some(&b'#') {
            continue;
        }
        if let Some(r) = rest.strip_prefix(b"export ") {
            offset += 7;
            rest = r;
        }
        let Some(eq) = rest.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = String::from_utf8_lossy(&rest[..eq]).trim().to_string();
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
            || !is_secret_key(&key)
        {
            continue;
        }
        let mut value = unquote_span(bytes, offset + eq + 1..span.end);
        // An unquoted value ends at ` #` (a trailing comment).
        if !matches!(bytes.get(value.start.wrapping_sub(1)), Some(b'"' | b'\'')) {
            if let Some(p) = bytes[value.clone()].windows(2).position(|w| w == b" #") {
                value.end = value.start + p;
            }
        }
        if placeholder::is_credential(&bytes[value.clone()]) {
            out.push(Credential::plain(
                "dotenv-secret",
                value,
                format!("{key} in a .env file"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn spring_properties_secrets_commented_or_not() {
        let text = "spring.datasource.url=jdbc:postgresql://db:5432/app\nspring.datasource.username=app\nspring.datasource.password=Tr0ub4dor\n# spring.mail.password=oldmail1\nserver.ssl.key-store-password=changeit\njwt.secret=${JWT_SECRET}\napp.api-key=k3y-12345\nspring.security.oauth2.client.registration.github.client-secret=9f8e7d6c5b4a\n";
        let got = found("src/main/resources/application-prod.properties", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Tr0ub4dor", "oldmail1", "k3y-12345", "9f8e7d6c5b4a"]);
        assert_eq!(
            got[1].2,
            "commented-out spring.mail.password in a Spring properties file"
        );
    }

    #[test]
    fn spring_yaml_secrets() {
        let text = "spring:\n  datasource:\n    username: app\n    password: hunter3\n  mail:\n    password: ${MAIL_PASSWORD:}\napp:\n  encryption-key: q8Vn3Lx2Rt7Z\n";
        let got = found("config/application.yml", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["hunter3", "q8Vn3Lx2Rt7Z"]
        );
        assert_eq!(got[0].2, "spring.datasource.password in a Spring YAML file");
    }

    #[test]
    fn dotenv_secret_keys() {
        let text = "APP_NAME=Laravel\nAPP_KEY=base64:q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4=\nDB_PASSWORD=secret\nMAIL_PASSWORD=\"mail pass 1\"\nexport STRIPE_SECRET=rk_abc123 # live\nREDIS_PASSWORD=null\nAWS_SECRET_ACCESS_KEY=\n# OLD_TOKEN=abc\n";
        assert_eq!(
            secrets(".env", text),
            vec![
                "base64:q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4=",
                "mail pass 1",
                "rk_abc123"
            ]
        );
        assert_eq!(secrets("deploy/.env.production", "DB_PASSWORD=pw1\n"), vec!["pw1"]);
        assert!(crate::read(".env.example", b"DB_PASSWORD=pw1\n").is_none());
    }
}
