//! The Terraform CLI configuration: `.terraformrc` / `terraform.rc` (HCL:
//! `credentials "HOST" { token = "…" }`) and `credentials.tfrc.json`
//! (written by `terraform login`: `{"credentials": {"HOST": {"token":
//! "…"}}}`).

use super::{find, plain};
use crate::model::{Credential, Reader};
use crate::syntax::{json, lines};

pub(super) const TERRAFORMRC: Reader = Reader {
    family: "terraformrc",
    rule_ids: &["terraformrc-credentials-token"],
    recognise: |f, _| f.name_is(&[".terraformrc", "terraform.rc"]),
    read: terraformrc,
};

pub(super) const TERRAFORM_CREDENTIALS_JSON: Reader = Reader {
    family: "terraform-credentials-json",
    rule_ids: &["terraformrc-credentials-token"],
    recognise: |f, _| f.name_is(&["credentials.tfrc.json"]),
    read: credentials_json,
};

/// `credentials "HOST" {` opens a block whose `token = "…"` is the
/// credential; blocks may also sit on one line.
fn terraformrc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut host: Option<String> = None;
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.starts_with(b"#") || rest.starts_with(b"//") {
            continue;
        }
        let mut from = 0;
        if let Some(rest_after) = rest.strip_prefix(b"credentials") {
            let q = rest_after.iter().position(|&b| b == b'"');
            let name = q.and_then(|q| {
                let s = q + 1;
                rest_after[s..]
                    .iter()
                    .position(|&b| b == b'"')
                    .map(|e| &rest_after[s..s + e])
            });
            if let (Some(q), Some(name)) = (q, name) {
                if rest_after[..q].iter().all(u8::is_ascii_whitespace) {
                    host = Some(String::from_utf8_lossy(name).into_owned());
                    from = "credentials".len() + q + name.len() + 2;
                }
            }
        } else if !rest.starts_with(b"token") && !rest.starts_with(b"}") && !rest.is_empty() {
            // Another setting: a `token` further on is not a credentials block's.
        }
        let Some(h) = host.clone() else { continue };
        if let Some(p) = find(&rest[from..], b"token") {
            let after = &rest[from + p + 5..];
            let eq = after.iter().position(|&b| !b.is_ascii_whitespace());
            if eq.is_some_and(|e| after[e] == b'=') {
                let e = eq.unwrap_or_default() + 1;
                let ws = after[e..].iter().take_while(|b| b.is_ascii_whitespace()).count();
                if after.get(e + ws) == Some(&b'"') {
                    let start = e + ws + 1;
                    if let Some(len) = after[start..].iter().position(|&b| b == b'"') {
                        let abs = span.start + lead + from + p + 5 + start;
                        out.extend(plain(
                            bytes,
                            abs..abs + len,
                            "terraformrc-credentials-token",
                            format!("token of the credentials block for {h} in a Terraform CLI configuration"),
                        ));
                    }
                }
            }
        }
        if rest.contains(&b'}') && !rest.ends_with(b"{") {
            host = None;
        }
    }
    out
}

fn credentials_json(bytes: &[u8]) -> Vec<Credential> {
    json::scalars(bytes)
        .into_iter()
        .filter_map(|s| match s.path.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["credentials", host, "token"] => plain(
                bytes,
                s.span.clone(),
                "terraformrc-credentials-token",
                format!("token for {host} in a credentials.tfrc.json written by terraform login"),
            ),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn terraformrc_blocks() {
        let text = "\
plugin_cache_dir = \"$HOME/.terraform.d/plugin-cache\"
credentials \"app.terraform.io\" {
  token = \"Xq7Wm2Np5Rt8Vy.atlasv1.Bz4Cd7Fg0Jk3La6Sq9Wx2Ze5Rt8Yu1Io4Pa7Sd0Fg3Hj6Kl9Zx2Cv5Bn8Mq1We4\"
}
credentials \"tfe.acme.test\" { token = \"tfe-Lq3Wx8Zc4Vb6Nm1Kj7Hg\" }
credentials \"env.acme.test\" {
  token = \"${TFE_TOKEN}\"
}
";
        let got = found("home/dev/.terraformrc", text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].0, "tfe-Lq3Wx8Zc4Vb6Nm1Kj7Hg");
        assert_eq!(
            got[0].2,
            "token of the credentials block for app.terraform.io in a Terraform CLI configuration"
        );
        let json = r#"{"credentials": {"tfe.acme.test": {"token": "tfe-Lq3Wx8Zc4Vb6Nm1Kj7Hg"}}}"#;
        assert_eq!(
            secrets("home/dev/.terraform.d/credentials.tfrc.json", json),
            vec!["tfe-Lq3Wx8Zc4Vb6Nm1Kj7Hg"]
        );
    }
}
