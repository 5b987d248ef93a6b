//! Container registries: Docker's `~/.docker/config.json` (also
//! Podman/Skopeo `containers/auth.json`, Helm's `registry/config.json`,
//! a `.dockerconfigjson`) and the legacy `.dockercfg`; Helm's
//! `repositories.yaml`.
//!
//! `auth` is base64 of `user:password`: the password is decoded and
//! reported (chain `["base64"]`). `identitytoken` (an OAuth refresh token,
//! e.g. Azure Container Registry's), `registrytoken` and the `password`
//! that `kubectl create secret docker-registry` writes are reported as
//! stored.

use std::collections::HashMap;

use super::{basic_auth, head_contains, parent_is, plain, url_findings, PROXY_RULE};
use crate::model::{Credential, Reader};
use crate::syntax::{json, placeholder};

pub(super) const DOCKER_CONFIG: Reader = Reader {
    family: "docker-config",
    rule_ids: &["docker-config-auth", PROXY_RULE],
    recognise: |f, b| {
        f.name_is(&[".dockercfg", ".dockerconfigjson"])
            || (f.name_is(&["config.json"]) && (parent_is(f, ".docker") || head_contains(b, b"\"auths\"")))
            || (f.name_is(&["auth.json"]) && (parent_is(f, "containers") || head_contains(b, b"\"auths\"")))
    },
    read: docker_config,
};

pub(super) const HELM_REPOSITORIES: Reader = Reader {
    family: "helm-repositories",
    rule_ids: &["helm-repository-password"],
    recognise: |f, b| {
        f.name_is(&["repositories.yaml", "repositories.yml"])
            && (f.in_dir("helm") || f.in_dir(".helm") || head_contains(b, b"repositories:"))
    },
    read: helm_repositories,
};

fn docker_config(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in json::scalars(bytes) {
        if !s.is_string {
            continue;
        }
        let path: Vec<&str> = s.path.iter().map(String::as_str).collect();
        let (host, field, kind) = match path.as_slice() {
            ["auths", host, field] => (*host, *field, "a Docker config.json"),
            ["proxies", _, proxy] => {
                out.extend(url_findings(
                    bytes,
                    s.span.clone(),
                    PROXY_RULE,
                    &format!("the {proxy} of a Docker config.json"),
                ));
                continue;
            }
            [host, field @ ("auth" | "password" | "identitytoken" | "registrytoken")] if *host != "auths" => {
                (*host, *field, "a legacy .dockercfg")
            }
            _ => continue,
        };
        let span = s.span.clone();
        match field {
            "auth" => out.extend(basic_auth(
                bytes,
                span,
                "docker-config-auth",
                &format!("password decoded from the auth (base64 user:password) of {host} in {kind}"),
            )),
            "password" | "identitytoken" | "registrytoken" => out.extend(plain(
                bytes,
                span,
                "docker-config-auth",
                format!("{field} of {host} in {kind}"),
            )),
            _ => {}
        }
    }
    out
}

/// `repositories[].password`, with the entry's name, URL and user.
fn helm_repositories(bytes: &[u8]) -> Vec<Credential> {
    let scalars = super::yaml_scalars(bytes);
    let mut fields: HashMap<(usize, &str, &str), &str> = HashMap::new();
    for s in &scalars {
        if let ["repositories", i, field] = s.path.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            if matches!(*field, "name" | "url" | "username") {
                fields.insert((s.document, i, field), s.value.as_str());
            }
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        let ["repositories", i, "password"] = s.path.iter().map(String::as_str).collect::<Vec<_>>()[..] else {
            continue;
        };
        if !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        let get = |f: &str| fields.get(&(s.document, i, f)).copied().unwrap_or_default();
        let url = match get("url") {
            "" => String::new(),
            u => format!(" ({u})"),
        };
        let user = match get("username") {
            "" => String::new(),
            u => format!(" (user {u})"),
        };
        out.extend(plain(
            bytes,
            s.span.clone(),
            "helm-repository-password",
            format!(
                "password of the Helm repository {}{url} in a repositories.yaml{user}",
                get("name")
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn docker_config_auths() {
        let text = r#"{
  "auths": {
    "registry.acme.test": {
      "auth": "Y2ktYm90OlJlZzFzdHJ5LVB3"
    },
    "https://index.docker.io/v1/": {
      "auth": "${DOCKER_AUTH}"
    },
    "acme.azurecr.test": {
      "auth": "MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==",
      "identitytoken": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJlLW9mLXRoZS1yZWZyZXNoLXRva2Vu"
    },
    "ghcr.io": {}
  },
  "credsStore": "desktop",
  "credHelpers": {"123456789012.dkr.ecr.us-east-1.amazonaws.com": "ecr-login"},
  "proxies": {"default": {"httpsProxy": "http://px:Pr0xy-D0ck@proxy.acme.test:3128"}}
}"#;
        let got = found("home/dev/.docker/config.json", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "Reg1stry-Pw",
                "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJlLW9mLXRoZS1yZWZyZXNoLXRva2Vu",
                "Pr0xy-D0ck"
            ]
        );
        assert_eq!(
            got[0].2,
            "password decoded from the auth (base64 user:password) of registry.acme.test in a Docker config.json (user ci-bot)"
        );
        let legacy =
            r#"{"https://index.docker.io/v1/": {"auth": "ZGVwbG95OkQwY2tlckNmZw==", "email": "deploy@acme.test"}}"#;
        assert_eq!(secrets("home/dev/.dockercfg", legacy), vec!["D0ckerCfg"]);
        assert!(crate::read("app/config.json", br#"{"port": 8080}"#).is_none());
        let k8s = r#"{"auths":{"registry.acme.test":{"username":"ci","password":"K8s-Pull-Pw","auth":"Y2k6SzhzLVB1bGwtUHc="}}}"#;
        assert_eq!(
            secrets("secret/.dockerconfigjson", k8s),
            vec!["K8s-Pull-Pw", "K8s-Pull-Pw"]
        );
    }

    #[test]
    fn helm_repository_passwords() {
        let text = "\
apiVersion: \"\"
generated: \"2025-03-01T10:00:00Z\"
repositories:
- caFile: \"\"
  certFile: \"\"
  insecure_skip_tls_verify: false
  keyFile: \"\"
  name: acme-charts
  pass_credentials_all: false
  password: Helm-Repo-Pw1
  url: https://charts.acme.test
  username: ci
- name: bitnami
  url: https://charts.bitnami.com/bitnami
  password: \"\"
";
        let got = found("home/dev/.config/helm/repositories.yaml", text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "Helm-Repo-Pw1");
        assert_eq!(
            got[0].2,
            "password of the Helm repository acme-charts (https://charts.acme.test) in a repositories.yaml (user ci)"
        );
    }
}
