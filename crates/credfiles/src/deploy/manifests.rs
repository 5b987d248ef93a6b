//! Container and provisioning manifests: Docker Compose files
//! (`environment:` and `build.args` of each service), Kubernetes Secret
//! manifests (`data:` base64, `stringData:` plain), cloud-init user data
//! (`#cloud-config`: `password`, `chpasswd`, `users[].plain_text_passwd`)
//! and Vagrantfiles (`config.ssh.password`, `config.winrm.password`).

use std::collections::HashMap;
use std::ops::Range;

use base64::Engine;

use super::{contains, line_starts_with};
use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, key_words, lines, placeholder, yaml};

fn template_name(f: &FileName<'_>) -> bool {
    let n = f.lower_name();
    ["example", "sample", "template", "tmpl", "dist"]
        .iter()
        .any(|t| n.contains(&format!(".{t}")) || n.contains(&format!("-{t}")))
}

pub(crate) fn recognise_compose(f: &FileName<'_>, _: &[u8]) -> bool {
    let n = f.lower_name();
    let yaml = n.ends_with(".yml") || n.ends_with(".yaml");
    yaml && (n.starts_with("docker-compose") || n.starts_with("compose.") || n.starts_with("compose-"))
        && !template_name(f)
}

/// `services.NAME.environment` (a mapping, or a list of `KEY=value`) and
/// `services.NAME.build.args` (the same two forms).
pub(crate) fn read_compose(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in yaml::scalars(bytes) {
        let p = &s.path;
        if p.len() < 4 || p[0] != "services" {
            continue;
        }
        let service = &p[1];
        let (section, rest) = match (p[2].as_str(), p.get(3).map(String::as_str)) {
            ("environment", _) => ("environment", &p[3..]),
            ("build", Some("args")) if p.len() >= 5 => ("build argument", &p[4..]),
            _ => continue,
        };
        if rest.len() != 1 {
            continue;
        }
        let list_form = rest[0].bytes().all(|b| b.is_ascii_digit());
        let (key, span) = if list_form {
            // `- KEY=value`
            let text = &bytes[s.span.clone()];
            let Some(eq) = text.iter().position(|&b| b == b'=') else {
                continue;
            };
            let key = String::from_utf8_lossy(&text[..eq]).trim().to_string();
            (key, s.span.start + eq + 1..s.span.end)
        } else {
            (rest[0].clone(), s.span.clone())
        };
        if !env_secret(&key) || !placeholder::is_credential(&bytes[span.clone()]) {
            continue;
        }
        out.push(Credential::plain(
            "compose-environment-secret",
            span,
            format!("{section} {key} of service {service} in a Docker Compose file"),
        ));
    }
    out
}

/// An environment variable that holds a credential (`POSTGRES_PASSWORD`,
/// `JWT_SECRET`), not one naming where it is (`POSTGRES_PASSWORD_FILE`).
fn env_secret(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        && is_secret_key(key)
        && !key_words(key).iter().any(|w| w == "id" || w == "public" || w == "arn")
}

pub(crate) fn recognise_k8s_secret(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_ends_with(&[".yaml", ".yml"]) && contains(&bytes[..bytes.len().min(1 << 20)], b"kind: Secret")
}

/// Keys of a Secret that name rather than hold (`username`, `host`), and
/// certificates, which are public.
fn k8s_public_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let words = key_words(key);
    let last = words.last().map_or("", String::as_str);
    matches!(
        last,
        "user"
            | "username"
            | "login"
            | "host"
            | "hostname"
            | "port"
            | "database"
            | "db"
            | "namespace"
            | "region"
            | "url"
            | "uri"
            | "endpoint"
            | "name"
            | "email"
            | "crt"
            | "cert"
            | "certificate"
            | "ca"
            | "pub"
            | "bucket"
            | "server"
            | "id"
    ) && !lower.ends_with("secret_id")
}

/// Every `kind: Secret` object (a document, or an item of a `kind: List`):
/// `data` values decoded from base64, `stringData` values as written.
pub(crate) fn read_k8s_secret(bytes: &[u8]) -> Vec<Credential> {
    let scalars = yaml::scalars(bytes);
    // Objects whose kind is Secret: (document, path prefix).
    let mut secrets: HashMap<(usize, Vec<String>), String> = HashMap::new();
    for s in &scalars {
        if s.key() == "kind" && s.value == "Secret" {
            let prefix = s.path[..s.path.len() - 1].to_vec();
            secrets.insert((s.document, prefix), String::new());
        }
    }
    let mut names: HashMap<(usize, Vec<String>), (String, String)> = HashMap::new();
    for s in &scalars {
        let n = s.path.len();
        if n >= 2 && s.path[n - 2] == "metadata" && (s.key() == "name" || s.key() == "namespace") {
            let entry = names.entry((s.document, s.path[..n - 2].to_vec())).or_default();
            if s.key() == "name" {
                entry.0 = s.value.clone();
            } else {
                entry.1 = s.value.clone();
            }
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        let n = s.path.len();
        if n < 2 {
            continue;
        }
        let section = s.path[n - 2].as_str();
        if section != "data" && section != "stringData" {
            continue;
        }
        let object = (s.document, s.path[..n - 2].to_vec());
        if !secrets.contains_key(&object) || k8s_public_key(s.key()) {
            continue;
        }
        let (name, namespace) = names.get(&object).cloned().unwrap_or_default();
        let mut of = format!("Kubernetes Secret {name}");
        if !namespace.is_empty() {
            of.push_str(&format!(" (namespace {namespace})"));
        }
        if section == "stringData" {
            if placeholder::is_credential(s.value.as_bytes()) {
                out.push(Credential::plain(
                    "kubernetes-secret-data",
                    s.span.clone(),
                    format!("stringData.{} of {of}", s.key()),
                ));
            }
            continue;
        }
        let compact: Vec<u8> = s.value.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let Ok(plain) = base64::engine::general_purpose::STANDARD.decode(&compact) else {
            continue;
        };
        if placeholder::is_credential(&plain) {
            out.push(Credential::decoded(
                "kubernetes-secret-data",
                s.span.clone(),
                vec!["base64"],
                plain,
                format!("data.{} of {of}, only base64-encoded", s.key()),
            ));
        }
    }
    out
}

pub(crate) fn recognise_cloud_init(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let named = f.name_is(&[
        "user-data",
        "user-data.yaml",
        "user-data.yml",
        "cloud-config.yaml",
        "cloud-config.yml",
    ]) || f.name_starts_with("cloud-init")
        || f.name_ends_with(&[".yaml", ".yml", ".cfg"]);
    named
        && (head.starts_with(b"#cloud-config")
            || (f.name_starts_with("user-data") && line_starts_with(head, b"#cloud-config", 512)))
}

/// `password:` (the default user's), `chpasswd.list` (`user:password`
/// lines) and `chpasswd.users[].password`, `users[].plain_text_passwd`
/// (and `passwd`, a crypt hash that still opens the account offline).
pub(crate) fn read_cloud_init(bytes: &[u8]) -> Vec<Credential> {
    const RULE: &str = "cloud-init-password";
    let scalars = yaml::scalars(bytes);
    let mut user_names: HashMap<Vec<String>, String> = HashMap::new();
    for s in &scalars {
        if s.key() == "name" && s.path.len() >= 3 {
            user_names.insert(s.path[..s.path.len() - 1].to_vec(), s.value.clone());
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        let p: Vec<&str> = s.path.iter().map(String::as_str).collect();
        let user = |p: &[String]| user_names.get(&p[..p.len() - 1]).cloned().unwrap_or_else(|| "?".into());
        let (span, reason): (Range<usize>, String) = match p.as_slice() {
            ["password"] => (
                s.span.clone(),
                "password of the default user in cloud-init user data".into(),
            ),
            ["users", _, "plain_text_passwd"] => (
                s.span.clone(),
                format!("plain_text_passwd of user {} in cloud-init user data", user(&s.path)),
            ),
            ["users", _, "passwd"] | ["users", _, "hashed_passwd"] => (
                s.span.clone(),
                format!("password hash of user {} in cloud-init user data", user(&s.path)),
            ),
            ["chpasswd", "users", _, "password"] => (
                s.span.clone(),
                format!("chpasswd password of user {} in cloud-init user data", user(&s.path)),
            ),
            ["chpasswd", "list", ..] => {
                // A block string of `user:password` lines, or a list of them.
                let block = list_block(bytes, s);
                let base = block.start;
                for (range, line) in lines(&bytes[block]) {
                    let Some(colon) = line.iter().position(|&b| b == b':') else {
                        continue;
                    };
                    let lead = line
                        .iter()
                        .take_while(|b| b.is_ascii_whitespace() || **b == b'-')
                        .count();
                    if lead >= colon {
                        continue;
                    }
                    let name = String::from_utf8_lossy(&line[lead..colon]).into_owned();
                    let value = crate::syntax::trim_span(bytes, base + range.start + colon + 1..base + range.end);
                    let v = &bytes[value.clone()];
                    if placeholder::is_credential(v)
                        && !v.eq_ignore_ascii_case(b"RANDOM")
                        && !v.eq_ignore_ascii_case(b"R")
                    {
                        out.push(Credential::plain(
                            RULE,
                            value,
                            format!("chpasswd password of user {name} in cloud-init user data"),
                        ));
                    }
                }
                continue;
            }
            _ => continue,
        };
        if placeholder::is_credential(&bytes[span.clone()]) {
            out.push(Credential::plain(RULE, span, reason));
        }
    }
    out
}

/// The lines of a `chpasswd.list` value: for a block scalar, the lines
/// from its first one while they stay indented at least as much; for a
/// single line, that line. The YAML layer's span of a block scalar is not
/// always its first line, so the first line is looked for just before it.
fn list_block(bytes: &[u8], s: &yaml::Scalar) -> Range<usize> {
    if !s.value.contains('\n') {
        return s.span.clone();
    }
    let first = s.value.lines().next().unwrap_or("").as_bytes();
    let lo = s.span.start.saturating_sub(s.value.len() + 1024);
    let hi = (s.span.end + 1).min(bytes.len());
    let Some(start) = (!first.is_empty())
        .then(|| rfind(&bytes[lo..hi], first))
        .flatten()
        .map(|p| lo + p)
    else {
        return s.span.clone();
    };
    let line_start = bytes[..start].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let indent = start - line_start;
    if indent == 0 {
        return start..start + first.len();
    }
    let mut end = start + first.len();
    let mut pos = end;
    while pos < bytes.len() {
        let next = bytes[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| pos + p);
        let line = &bytes[pos..next];
        let lead = line.iter().take_while(|&&b| b == b' ').count();
        if !line.iter().all(u8::is_ascii_whitespace) && lead < indent {
            break;
        }
        end = next;
        pos = next + 1;
    }
    start..end
}

/// The last position of `needle` in `hay`.
fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

pub(crate) fn recognise_helm_values(f: &FileName<'_>, _: &[u8]) -> bool {
    let n = f.lower_name();
    let yaml = n.ends_with(".yaml") || n.ends_with(".yml");
    yaml && (n.starts_with("values.")
        || n.starts_with("values-")
        || n.starts_with("values_")
        || n.ends_with(".values.yaml"))
        && !n.contains("schema")
        && !template_name(f)
}

/// A Helm values key that holds a secret, not one naming where it is
/// (`existingSecret`, `passwordKey`, `secretKeyRef`, `passwordSecret`,
/// `tls.secretName`).
fn helm_secret_key(key: &str) -> bool {
    if !is_secret_key(key) {
        return false;
    }
    let words = key_words(key);
    let last = words.last().map_or("", String::as_str);
    let has = |w: &[&str]| words.iter().any(|x| w.contains(&x.as_str()));
    let names_a_secret_object = words.first().is_some_and(|w| w == "existing")
        || matches!(
            last,
            "ref" | "selector" | "annotations" | "labels" | "keys" | "secrets" | "mount" | "create"
        )
        || (last == "key" && has(&["password", "passwd", "token", "user", "username"]))
        // MinIO's and S3's `accessKey` is the key's id, its `secretKey` the secret.
        || (last == "key"
            && words.len() >= 2
            && words[words.len() - 2] == "access"
            && !has(&["secret", "primary", "secondary"]))
        || (last == "secret"
            && words.len() > 1
            && has(&["password", "passwd", "token", "tls", "credentials", "existing"]));
    !names_a_secret_object && !words.iter().any(|w| w == "public" || w == "id")
}

/// Every string under a secret-named key of a Helm chart's values file
/// (`auth.rootPassword`, `postgresql.auth.password`, `minio.secretKey`).
pub(crate) fn read_helm_values(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in yaml::scalars(bytes) {
        let key = s.key();
        if key.bytes().all(|b| b.is_ascii_digit()) || !helm_secret_key(key) {
            continue;
        }
        let v = s.value.as_bytes();
        if !placeholder::is_credential(v) || s.value.contains('\n') && s.value.starts_with("-----BEGIN CERTIFICATE") {
            continue;
        }
        out.push(Credential::plain(
            "helm-values-secret",
            s.span.clone(),
            format!("{} in a Helm values file", s.path.join(".")),
        ));
    }
    out
}

pub(crate) fn recognise_vagrantfile(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["Vagrantfile"])
}

/// `config.ssh.password = "…"`, `config.winrm.password = '…'` (any
/// receiver: `node.ssh.password`), and a provider's `password`
/// assignments (`v.password = …`, `aws.secret_access_key = …`).
pub(crate) fn read_vagrantfile(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.first() == Some(&b'#') {
            continue;
        }
        let Some(eq) = rest.iter().position(|&b| b == b'=') else {
            continue;
        };
        if rest.get(eq + 1) == Some(&b'=') || (eq > 0 && matches!(rest[eq - 1], b'!' | b'<' | b'>' | b'=')) {
            continue;
        }
        let target = String::from_utf8_lossy(&rest[..eq]).trim().to_string();
        if !target.contains('.')
            || !target
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            continue;
        }
        let attr = target.rsplit('.').next().unwrap_or("");
        if !env_secret(attr) {
            continue;
        }
        // Only a string literal is a credential (`= ENV["X"]` is not).
        let value_start = span.start + lead + eq + 1;
        let v = crate::syntax::trim_span(bytes, value_start..span.end);
        let text = &bytes[v.clone()];
        let Some(&q) = text.first().filter(|q| **q == b'"' || **q == b'\'') else {
            continue;
        };
        let Some(close) = text[1..].iter().position(|&b| b == q) else {
            continue;
        };
        let value = v.start + 1..v.start + 1 + close;
        if q == b'"' && contains(&text[1..1 + close], b"#{") {
            continue;
        }
        if placeholder::is_credential(&bytes[value.clone()]) {
            out.push(Credential::plain(
                "vagrantfile-password",
                value,
                format!("{target} in a Vagrantfile"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn compose_environment_both_forms() {
        let text = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: orders\n      POSTGRES_PASSWORD: Pg-c0mpose!7\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n  app:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: npm-build-T0ken-x\n    environment:\n      - NODE_ENV=production\n      - JWT_SECRET=jwt-s3cret-v4lue\n      - \"REDIS_PASSWORD=${REDIS_PASSWORD}\"\n      - API_KEY=\n";
        let got = found("deploy/docker-compose.prod.yml", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Pg-c0mpose!7", "npm-build-T0ken-x", "jwt-s3cret-v4lue"]
        );
        assert_eq!(
            got[0].2,
            "environment POSTGRES_PASSWORD of service db in a Docker Compose file"
        );
        assert!(crate::read("docker-compose.example.yml", text.as_bytes()).is_none_or(|(f, _)| f != "docker-compose"));
    }

    #[test]
    fn kubernetes_secret_manifests() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  password: bm90LWEtc2VjcmV0\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: orders-db\n  namespace: prod\ntype: Opaque\ndata:\n  username: b3JkZXJz\n  password: UGctazhzLXMzY3JldCE=\nstringData:\n  api-token: k8s-str1ng-T0ken\n  host: db.acme.test\n  other: ${TOKEN}\n---\napiVersion: external-secrets.io/v1beta1\nkind: SecretStore\nmetadata:\n  name: vault\n";
        let got = found("k8s/orders/secret.yaml", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Pg-k8s-s3cret!", "k8s-str1ng-T0ken"]
        );
        assert_eq!(
            got[0].2,
            "data.password of Kubernetes Secret orders-db (namespace prod), only base64-encoded"
        );
    }

    #[test]
    fn cloud_init_passwords() {
        let text = "#cloud-config\npassword: Ubuntu-d3fault!\nchpasswd:\n  expire: false\n  list: |\n    root:R00t-cl0ud-pw\n    ops:RANDOM\n  users:\n    - name: admin\n      password: Adm1n-ch-pw\n      type: text\nusers:\n  - default\n  - name: deploy\n    plain_text_passwd: D3ploy-plain\n    lock_passwd: false\n  - name: ci\n    passwd: \"{{ ci_hash }}\"\nssh_pwauth: true\n";
        let got = found("infra/cloud-init/user-data", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Ubuntu-d3fault!", "R00t-cl0ud-pw", "Adm1n-ch-pw", "D3ploy-plain"]
        );
        assert_eq!(got[1].2, "chpasswd password of user root in cloud-init user data");
        assert_eq!(got[3].2, "plain_text_passwd of user deploy in cloud-init user data");
        assert!(crate::read("k8s/app.yaml", b"password: x1\n").is_none_or(|(f, _)| f != "cloud-init"));
    }

    #[test]
    fn helm_values_secrets() {
        let text = "replicaCount: 2\nimage:\n  repository: acme/orders\n  pullSecrets: [regcred]\nauth:\n  rootPassword: R00t-h3lm-pw\n  existingSecret: orders-db-auth\n  secretKeys:\n    adminPasswordKey: admin-password\n  userPasswordKey: user-password\n  password: \"\"\nminio:\n  accessKey: orders\n  secretKey: M1n10-s3cret-k3y\njwt:\n  secret: \"{{ .Values.global.jwt }}\"\ntls:\n  secretName: orders-tls\n  passwordSecret: orders-tls-pass\nredis:\n  auth:\n    enabled: true\n    password: Red1s-h3lm\n";
        let got = found("charts/orders/values-prod.yaml", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["R00t-h3lm-pw", "M1n10-s3cret-k3y", "Red1s-h3lm"]
        );
        assert_eq!(got[0].2, "auth.rootPassword in a Helm values file");
        assert!(crate::read("charts/orders/values.schema.json", b"{}").is_none_or(|(f, _)| f != "helm-values"));
    }

    #[test]
    fn vagrantfile_assignments() {
        let text = "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"generic/ubuntu2204\"\n  config.ssh.username = \"vagrant\"\n  config.ssh.password = \"V4grant-ssh!\"\n  # config.ssh.password = \"commented\"\n  config.winrm.password = ENV[\"WINRM_PASSWORD\"]\n  config.vm.provider :aws do |aws|\n    aws.secret_access_key = 'aws-fAke-S3cret-key'\n    aws.access_key_id = 'AKIAFAKE'\n  end\n  if config.ssh.password == \"x\"\n  end\nend\n";
        assert_eq!(
            secrets("Vagrantfile", text),
            vec!["V4grant-ssh!", "aws-fAke-S3cret-key"]
        );
    }
}
