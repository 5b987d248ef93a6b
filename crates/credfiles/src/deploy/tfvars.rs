//! Terraform variable files (`terraform.tfvars`, `*.auto.tfvars`,
//! `*.tfvars.json`): HCL attribute assignments `name = "value"`, nested
//! in object literals (`database = { password = "…" }`) and lists of
//! them. A small linear tokenizer: strings with escapes, identifiers,
//! punctuation, `#`, `//` and `/* */` comments, heredocs skipped.

use std::ops::Range;

use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, json, key_words, placeholder};

const RULE: &str = "terraform-tfvars-secret";

pub(crate) fn recognise(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_ends_with(&[".tfvars", ".tfvars.json"])
}

fn secret_name(key: &str) -> bool {
    is_secret_key(key) && !key_words(key).iter().any(|w| w == "id" || w == "public" || w == "arn")
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(Range<usize>),
    Eq,
    Open,
    Close,
    Other,
}

fn tokens(b: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'#' || b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i = super::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
        } else if b[i..].starts_with(b"<<") {
            // Heredoc: `<<EOT` or `<<-EOT` up to a line holding only the marker.
            let mut j = i + 2;
            if b.get(j) == Some(&b'-') {
                j += 1;
            }
            let start = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            let marker = &b[start..j];
            let mut pos = j;
            loop {
                let Some(nl) = b[pos..].iter().position(|&x| x == b'\n') else {
                    pos = b.len();
                    break;
                };
                pos += nl + 1;
                let end = b[pos..].iter().position(|&x| x == b'\n').map_or(b.len(), |p| pos + p);
                if !marker.is_empty() && b[pos..end].trim_ascii() == marker {
                    pos = end;
                    break;
                }
            }
            out.push(Tok::Other);
            i = pos;
        } else if c == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' && b[j] != b'\n' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(b.len());
            out.push(Tok::Str(start..end));
            i = end + 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
                i += 1;
            }
            out.push(Tok::Ident(String::from_utf8_lossy(&b[start..i]).into_owned()));
        } else {
            out.push(match c {
                b'=' | b':' => Tok::Eq,
                b'{' | b'[' => Tok::Open,
                b'}' | b']' => Tok::Close,
                _ => Tok::Other,
            });
            i += 1;
        }
    }
    out
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        return read_json(bytes);
    }
    let toks = tokens(bytes);
    let mut out = Vec::new();
    // The key each open `{`/`[` was assigned to.
    let mut stack: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let key = match &toks[i] {
            Tok::Ident(k) => Some(k.clone()),
            Tok::Str(r) => Some(String::from_utf8_lossy(&bytes[r.clone()]).into_owned()),
            _ => None,
        };
        match (&key, toks.get(i + 1), toks.get(i + 2)) {
            (Some(k), Some(Tok::Eq), Some(Tok::Str(v))) => {
                if secret_name(k) && placeholder::is_credential(&bytes[v.clone()]) {
                    let mut path = stack.clone();
                    path.retain(|p| !p.is_empty());
                    path.push(k.clone());
                    out.push(Credential::plain(
                        RULE,
                        v.clone(),
                        format!("variable {} in a Terraform variables file", path.join(".")),
                    ));
                }
                i += 3;
            }
            (Some(k), Some(Tok::Eq), Some(Tok::Open)) => {
                stack.push(k.clone());
                i += 3;
            }
            _ => {
                match toks[i] {
                    Tok::Open => stack.push(String::new()),
                    Tok::Close => {
                        stack.pop();
                    }
                    _ => {}
                }
                i += 1;
            }
        }
    }
    out
}

fn read_json(bytes: &[u8]) -> Vec<Credential> {
    json::scalars(bytes)
        .into_iter()
        .filter(|s| s.is_string && s.path.iter().any(|p| secret_name(p)))
        .filter(|s| placeholder::is_credential(s.value.as_bytes()))
        .map(|s| {
            Credential::plain(
                RULE,
                s.span.clone(),
                format!("variable {} in a Terraform variables file", s.path.join(".")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn tfvars_assignments_objects_and_comments() {
        let text = "# prod\nregion         = \"eu-west-1\"\ndb_username    = \"orders\"\ndb_password    = \"Tfv4rs-db!pw\"\n# db_password = \"old-commented\"\napi_token = \"${TOKEN}\"\ncloudflare_api_token = \"cf-T0ken-\\\"quoted\\\"\"\n/* admin_password = \"in-block-comment\" */\nusers = [\n  { name = \"ci\", password = \"C1-us3r-pw\" },\n]\nredis = {\n  port = 6379\n  auth_token = \"R3dis-auth-t0k\"\n}\npolicy = <<EOT\n{\"password\": \"not-hcl\"}\nEOT\naccess_key_id = \"AKIAFAKEFAKEFAKE\"\n";
        let got = found("envs/prod/terraform.tfvars", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec![
                "Tfv4rs-db!pw",
                "cf-T0ken-\\\"quoted\\\"",
                "C1-us3r-pw",
                "R3dis-auth-t0k"
            ]
        );
        assert_eq!(got[0].2, "variable db_password in a Terraform variables file");
        assert_eq!(got[3].2, "variable redis.auth_token in a Terraform variables file");
        let json = r#"{"db_password": "Js0n-tfv4rs", "tags": {"team": "orders"}}"#;
        assert_eq!(secrets("prod.auto.tfvars.json", json), vec!["Js0n-tfv4rs"]);
    }
}
