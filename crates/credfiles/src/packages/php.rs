//! PHP: Composer's `auth.json` (and the same keys under `config` in
//! `composer.json`): `http-basic.HOST.password`, `github-oauth.HOST`,
//! `gitlab-oauth.HOST`, `gitlab-token.HOST` (a string, or an object with
//! `token`), `bitbucket-oauth.HOST.consumer-secret`, `bearer.HOST`,
//! `forgejo-token.HOST.token`.

use std::collections::HashMap;

use super::head_contains;
use crate::model::{Credential, Reader};
use crate::syntax::{json, placeholder};

pub(super) const COMPOSER_AUTH: Reader = Reader {
    family: "composer-auth",
    rule_ids: &[
        "composer-auth-http-basic",
        "composer-auth-token",
        "composer-auth-secret",
    ],
    recognise: |f, b| f.name_is(&["auth.json", "composer.json"]) && composer_sniff(b),
    read: composer_auth,
};

const KEYS: &[&str] = &[
    "http-basic",
    "github-oauth",
    "gitlab-oauth",
    "gitlab-token",
    "bitbucket-oauth",
    "bearer",
    "forgejo-token",
];

fn composer_sniff(b: &[u8]) -> bool {
    KEYS.iter().any(|k| head_contains(b, format!("\"{k}\"").as_bytes()))
}

fn composer_auth(bytes: &[u8]) -> Vec<Credential> {
    let all = json::scalars(bytes);
    // The `username` next to each value, by the path of the object.
    let users: HashMap<&[String], &str> = all
        .iter()
        .filter(|s| s.key() == "username")
        .map(|s| (&s.path[..s.path.len() - 1], s.value.as_str()))
        .collect();
    let user_of = |path: &[String]| {
        users
            .get(&path[..path.len().saturating_sub(1)])
            .map(|u| format!(" (user {u})"))
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for s in &all {
        if !s.is_string {
            continue;
        }
        let path: Vec<&str> = s.path.iter().map(String::as_str).collect();
        let path = match path.as_slice() {
            ["config", rest @ ..] => rest,
            p => p,
        };
        let found = match path {
            ["http-basic", host, "password"] => Some((
                "composer-auth-http-basic",
                format!(
                    "password of the http-basic entry for {host} in a Composer auth.json{}",
                    user_of(&s.path)
                ),
            )),
            [kind @ ("github-oauth" | "gitlab-oauth" | "gitlab-token"), host] => Some((
                "composer-auth-token",
                format!("{kind} token for {host} in a Composer auth.json"),
            )),
            ["gitlab-token", host, "token"] => Some((
                "composer-auth-token",
                format!(
                    "gitlab-token token for {host} in a Composer auth.json{}",
                    user_of(&s.path)
                ),
            )),
            ["bitbucket-oauth", host, "consumer-secret"] => Some((
                "composer-auth-secret",
                format!("bitbucket-oauth consumer-secret for {host} in a Composer auth.json"),
            )),
            ["bearer", host] => Some((
                "composer-auth-secret",
                format!("bearer token for {host} in a Composer auth.json"),
            )),
            ["forgejo-token", host, "token"] => Some((
                "composer-auth-secret",
                format!(
                    "forgejo-token token for {host} in a Composer auth.json{}",
                    user_of(&s.path)
                ),
            )),
            _ => None,
        };
        if let Some((rule, reason)) = found {
            if placeholder::is_credential(s.value.as_bytes()) {
                out.push(Credential::plain(rule, s.span.clone(), reason));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::found;

    #[test]
    fn composer_auth_entries() {
        let text = r#"{
    "http-basic": {
        "repo.magento.test": {
            "username": "5f0c2b7e9a1d3c4b",
            "password": "8e2d4f6a0b1c3e5d"
        },
        "satis.acme.test": {"username": "ci", "password": "${SATIS_PASSWORD}"}
    },
    "github-oauth": {"github.com": "ghp_Hq3Wm8Nx2Lp5Rt7Vy9Bz1Cd4Fg6Jk0Sa2Ue4"},
    "gitlab-token": {"gitlab.acme.test": {"username": "deploy", "token": "glpat-Tq2Wx8Zc4Vb6Nm1Lk3Jh"}},
    "bitbucket-oauth": {"bitbucket.org": {"consumer-key": "Kx8vQ2mPzL4nR7tW", "consumer-secret": "Bq7Yc1Xs9Dw3Fe5Gr8Th2Ju6Ki4Lo0Pa"}},
    "bearer": {"packages.acme.test": "bR4-token-xY7zQ9wE2r"}
}"#;
        let got = found("home/dev/.composer/auth.json", text);
        let values: Vec<(&str, &str)> = got.iter().map(|g| (g.0.as_str(), g.1)).collect();
        assert_eq!(
            values,
            vec![
                ("8e2d4f6a0b1c3e5d", "composer-auth-http-basic"),
                ("ghp_Hq3Wm8Nx2Lp5Rt7Vy9Bz1Cd4Fg6Jk0Sa2Ue4", "composer-auth-token"),
                ("glpat-Tq2Wx8Zc4Vb6Nm1Lk3Jh", "composer-auth-token"),
                ("Bq7Yc1Xs9Dw3Fe5Gr8Th2Ju6Ki4Lo0Pa", "composer-auth-secret"),
                ("bR4-token-xY7zQ9wE2r", "composer-auth-secret"),
            ]
        );
        assert_eq!(
            got[0].2,
            "password of the http-basic entry for repo.magento.test in a Composer auth.json (user 5f0c2b7e9a1d3c4b)"
        );
        let composer_json = r#"{"name": "acme/app", "config": {"github-oauth": {"github.com": "ghp_Hq3Wm8Nx2Lp5Rt7Vy9Bz1Cd4Fg6Jk0Sa2Ue4"}}}"#;
        assert_eq!(found("composer.json", composer_json).len(), 1);
        assert!(crate::read("composer.json", br#"{"name": "acme/app"}"#).is_none());
    }
}
