//! kubeconfig (`~/.kube/config`, `kubeconfig`, `*.kubeconfig`, kubeadm's
//! `admin.conf`, any YAML with `kind: Config` and `users:`): each
//! `users[].user` may hold a bearer token, a basic-auth password, a client
//! key (base64 PEM), an auth provider's client secret and tokens, and
//! environment values handed to an exec plugin.

use base64::Engine;

use super::{index_by, line_starts_with, prefix_key};
use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, placeholder, yaml};

const TOKEN: &str = "kubeconfig-user-token";
const KEY: &str = "kubeconfig-client-key-data";

pub(crate) fn recognise(f: &FileName<'_>, bytes: &[u8]) -> bool {
    if f.name_is(&["config"]) && f.in_dir(".kube") {
        return true;
    }
    let named = f.name_is(&["kubeconfig", ".kubeconfig"]) || f.name_ends_with(&[".kubeconfig"]);
    let maybe = named
        || f.name_starts_with("kubeconfig")
        || f.name_ends_with(&[".yaml", ".yml", ".conf"])
        || (f.name_is(&["config"]) && f.in_dir("kube"));
    maybe && sniff(bytes)
}

/// `kind: Config` and a `users:` or `clusters:` list at column 0.
fn sniff(bytes: &[u8]) -> bool {
    const LIMIT: usize = 1 << 20;
    line_starts_with(bytes, b"kind: Config", LIMIT)
        && (line_starts_with(bytes, b"users:", LIMIT) || line_starts_with(bytes, b"clusters:", LIMIT))
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let scalars = yaml::scalars(bytes);
    let by_path = index_by(scalars.iter().map(|s| (s.path.join("\u{1}"), s)));
    let user_name = |p: &[String]| {
        by_path
            .get(&format!("{}\u{1}name", prefix_key(p, 2)))
            .map_or_else(|| format!("#{}", p[1]), |s| s.value.clone())
    };
    let mut out = Vec::new();
    for s in &scalars {
        let p = &s.path;
        if p.len() < 4 || p[0] != "users" || p[2] != "user" || !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        let field: Vec<&str> = p[3..].iter().map(String::as_str).collect();
        let who = user_name(p);
        match field.as_slice() {
            ["token"] => out.push(Credential::plain(
                TOKEN,
                s.span.clone(),
                format!("bearer token of kubeconfig user {who}"),
            )),
            ["password"] => out.push(Credential::plain(
                TOKEN,
                s.span.clone(),
                format!("basic-auth password of kubeconfig user {who}"),
            )),
            ["client-key-data"] => {
                let compact: Vec<u8> = s.value.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
                match base64::engine::general_purpose::STANDARD.decode(&compact) {
                    Ok(pem) if !pem.is_empty() => out.push(Credential::decoded(
                        KEY,
                        s.span.clone(),
                        vec!["base64"],
                        pem,
                        format!("client certificate private key of kubeconfig user {who}"),
                    )),
                    _ => out.push(Credential::plain(
                        KEY,
                        s.span.clone(),
                        format!("client-key-data of kubeconfig user {who}"),
                    )),
                }
            }
            ["auth-provider", "config", k]
                if matches!(*k, "client-secret" | "refresh-token" | "id-token" | "access-token") =>
            {
                out.push(Credential::plain(
                    TOKEN,
                    s.span.clone(),
                    format!("auth-provider {k} of kubeconfig user {who}"),
                ))
            }
            ["exec", "env", _, "value"] => {
                let name = by_path
                    .get(&format!("{}\u{1}name", prefix_key(p, 6)))
                    .map(|n| n.value.as_str())
                    .unwrap_or("");
                if is_secret_key(name) {
                    out.push(Credential::plain(
                        TOKEN,
                        s.span.clone(),
                        format!("exec plugin environment variable {name} of kubeconfig user {who}"),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://k8s.acme.test:6443
  name: prod
contexts:
- context:
    cluster: prod
    user: ci-deployer
  name: prod
current-context: prod
users:
- name: ci-deployer
  user:
    token: qT7vXk2pLm9RzW4nYb8sEc1uHd6gFa3j
- name: legacy-admin
  user:
    username: admin
    password: \"Kub3-Adm1n!pw\"
- name: cert-user
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUZha2VGYWtlRmFrZQotLS0tLUVORCBFQyBQUklWQVRFIEtFWS0tLS0tCg==
- name: oidc
  user:
    auth-provider:
      name: oidc
      config:
        client-id: kubernetes
        client-secret: 7d1f0c9e-2b4a-4e8d-a6c3-5f9b1e2d7a40
        idp-issuer-url: https://sso.acme.test/realms/k8s
        refresh-token: rT.8fKq2LmZ9xVb3Np7
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env:
      - name: AWS_PROFILE
        value: prod
      - name: AWS_SECRET_ACCESS_KEY
        value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEFAKE1
- name: templated
  user:
    token: ${K8S_TOKEN}
";

    #[test]
    fn kubeconfig_users_credentials() {
        let got = found("home/dev/.kube/config", KUBECONFIG);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "qT7vXk2pLm9RzW4nYb8sEc1uHd6gFa3j",
                "Kub3-Adm1n!pw",
                "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFakeFakeFake\n-----END EC PRIVATE KEY-----\n",
                "7d1f0c9e-2b4a-4e8d-a6c3-5f9b1e2d7a40",
                "rT.8fKq2LmZ9xVb3Np7",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEFAKE1",
            ]
        );
        assert_eq!(got[0].1, "kubeconfig-user-token");
        assert_eq!(got[0].2, "bearer token of kubeconfig user ci-deployer");
        assert_eq!(got[1].2, "basic-auth password of kubeconfig user legacy-admin");
        assert_eq!(got[2].1, "kubeconfig-client-key-data");
        assert_eq!(secrets("deploy/prod.kubeconfig", KUBECONFIG).len(), 6);
        assert_eq!(secrets("ci/cluster.yaml", KUBECONFIG).len(), 6);
        assert_eq!(secrets("etc/kubernetes/admin.conf", KUBECONFIG).len(), 6);
        // A YAML file that is not a kubeconfig is left to other readers.
        assert!(crate::read("k8s/deploy.yaml", b"kind: Deployment\nusers:\n- token: x\n").is_none());
        assert!(crate::read("ci/config", KUBECONFIG.as_bytes()).is_none());
    }
}
