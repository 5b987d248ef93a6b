//! Terraform state (`terraform.tfstate`, `*.tfstate.backup`): JSON whose
//! `resources[].instances[].attributes` hold every attribute of every
//! managed object in plain text, database passwords and generated keys
//! included, and whose `outputs` keep values marked `"sensitive": true`.

use std::collections::{HashMap, HashSet};

use super::prefix_key;
use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, json, key_words, placeholder};

const RULE: &str = "terraform-state-secret";

pub(crate) fn recognise(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_ends_with(&[".tfstate", ".tfstate.backup"]) && bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// What one resource instance says about itself, gathered from its
/// scalars.
#[derive(Default)]
struct Resource {
    mode: String,
    kind: String,
    name: String,
    module: String,
}

impl Resource {
    fn address(&self, index_key: Option<&json::Scalar>) -> String {
        let mut a = String::new();
        if !self.module.is_empty() {
            a.push_str(&self.module);
            a.push('.');
        }
        if self.mode == "data" {
            a.push_str("data.");
        }
        a.push_str(&self.kind);
        a.push('.');
        a.push_str(&self.name);
        if let Some(k) = index_key {
            if k.is_string {
                a.push_str(&format!("[\"{}\"]", k.value));
            } else {
                a.push_str(&format!("[{}]", k.value));
            }
        }
        a
    }
}

/// Attribute names that hold a secret in the providers' schemas even
/// when the key does not say so.
fn known_secret(resource_type: &str, attr: &[String]) -> bool {
    let Some(last) = attr.last() else { return false };
    let last = last.as_str();
    if resource_type == "random_password" {
        return last == "result";
    }
    if last.ends_with("connection_string") || last == "kube_config_raw" || last == "kube_admin_config_raw" {
        return true;
    }
    let words = key_words(last);
    // `secret_arn`, `secret_status`, `kms_key_id`, `password_wo_version`:
    // names of or facts about a secret, not the secret.
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "arn" | "status" | "kms" | "version" | "wo" | "rotation" | "hash" | "fingerprint" | "algorithm"
        )
    }) || words.iter().any(|w| w == "public")
    {
        return false;
    }
    is_secret_key(last)
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    // resources[i] → its identity; resources[i].instances[j] → index key
    // and sensitive paths.
    let mut resources: HashMap<String, Resource> = HashMap::new();
    let mut index_keys: HashMap<String, &json::Scalar> = HashMap::new();
    // sensitive_attributes[k] is a list of steps; collect each path's steps.
    let mut sensitive_steps: HashMap<String, Vec<(usize, String)>> = HashMap::new();
    let mut sensitive_outputs: HashSet<String> = HashSet::new();
    for s in &scalars {
        let p = &s.path;
        if p.first().map(String::as_str) == Some("outputs") && p.len() == 3 && p[2] == "sensitive" && s.value == "true"
        {
            sensitive_outputs.insert(p[1].clone());
        }
        if p.first().map(String::as_str) != Some("resources") || p.len() < 3 {
            continue;
        }
        if p.len() == 3 {
            let r = resources.entry(prefix_key(p, 2)).or_default();
            match p[2].as_str() {
                "mode" => r.mode = s.value.clone(),
                "type" => r.kind = s.value.clone(),
                "name" => r.name = s.value.clone(),
                "module" => r.module = s.value.clone(),
                _ => {}
            }
            continue;
        }
        if p[2] != "instances" || p.len() < 5 {
            continue;
        }
        if p.len() == 5 && p[4] == "index_key" {
            index_keys.insert(prefix_key(p, 4), s);
        }
        // [resources, i, instances, j, sensitive_attributes, k, m, "value"]
        // (or [..., m, "value", "value"] for an index step).
        if p[4] == "sensitive_attributes" && p.len() >= 8 && p[7] == "value" && (p.len() == 8 || p[8] == "value") {
            let step: usize = p[6].parse().unwrap_or(0);
            sensitive_steps
                .entry(prefix_key(p, 6))
                .or_default()
                .push((step, s.value.clone()));
        }
    }
    // Each instance's sensitive attribute paths, as `instance\u{1}path` keys.
    let mut sensitive: HashSet<String> = HashSet::new();
    for (key, mut steps) in sensitive_steps {
        steps.sort_by_key(|(i, _)| *i);
        let instance: Vec<&str> = key.split('\u{1}').take(4).collect();
        let mut k = instance.join("\u{1}");
        for (_, step) in steps {
            k.push('\u{1}');
            k.push_str(&step);
        }
        sensitive.insert(k);
    }
    let mut out = Vec::new();
    for s in &scalars {
        let p = &s.path;
        if !s.is_string || !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        if p.first().map(String::as_str) == Some("outputs") && p.len() >= 3 && p[2] == "value" {
            if sensitive_outputs.contains(&p[1]) {
                out.push(Credential::plain(
                    RULE,
                    s.span.clone(),
                    format!("value of the sensitive output {} in Terraform state", p[1]),
                ));
            }
            continue;
        }
        if p.first().map(String::as_str) != Some("resources")
            || p.len() < 6
            || p[2] != "instances"
            || p[4] != "attributes"
        {
            continue;
        }
        let attr = &p[5..];
        let instance = prefix_key(p, 4);
        let resource = resources.get(&prefix_key(p, 2));
        let kind = resource.map_or("", |r| r.kind.as_str());
        // Marked when the attribute or a map/list holding it is listed.
        let marked = !sensitive.is_empty() && {
            let mut k = instance.clone();
            attr.iter().any(|step| {
                k.push('\u{1}');
                k.push_str(step);
                sensitive.contains(&k)
            })
        };
        let known = known_secret(kind, attr);
        if !marked && !known {
            continue;
        }
        let address = resource.map_or_else(
            || "a resource".to_string(),
            |r| r.address(index_keys.get(&instance).copied()),
        );
        let how = if marked { "sensitive" } else { "secret" };
        out.push(Credential::plain(
            RULE,
            s.span.clone(),
            format!("{how} attribute {} of {address} in Terraform state", attr.join(".")),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    const STATE: &str = r#"{
  "version": 4,
  "terraform_version": "1.9.5",
  "serial": 42,
  "lineage": "3f0c7a8e-5b1d-4c6e-9a2f-7d8e1b0c4a55",
  "outputs": {
    "db_endpoint": {"value": "orders.cx1abc.eu-west-1.rds.amazonaws.com:5432", "type": "string"},
    "db_password": {"value": "Vq7#pLm2Zr9wTx", "type": "string", "sensitive": true},
    "api_keys": {"value": {"primary": "k1-9fQ2mX7vLp3R"}, "type": ["object", {"primary": "string"}], "sensitive": true}
  },
  "resources": [
    {
      "mode": "managed",
      "type": "aws_db_instance",
      "name": "main",
      "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
      "instances": [
        {
          "schema_version": 2,
          "attributes": {
            "identifier": "orders-prod",
            "username": "orders_admin",
            "password": "hunter3-orders",
            "master_user_secret": [{"kms_key_id": "arn:aws:kms:eu-west-1:111122223333:key/abc", "secret_arn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds-x", "secret_status": "active"}],
            "port": 5432
          },
          "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]
        }
      ]
    },
    {
      "module": "module.app",
      "mode": "managed",
      "type": "random_password",
      "name": "redis",
      "instances": [
        {"index_key": "cache", "schema_version": 3, "attributes": {"id": "none", "length": 24, "result": "T8r!kq2ZpW0v_yNs4eLm6xBd", "special": true}, "sensitive_attributes": []}
      ]
    },
    {
      "mode": "managed",
      "type": "kubernetes_secret",
      "name": "app",
      "instances": [
        {"schema_version": 0, "attributes": {"data": {"STRIPE_KEY": "sk-not-real-9Qw2", "LOG_LEVEL": "info"}, "metadata": [{"name": "app"}]},
         "sensitive_attributes": [[{"type": "get_attr", "value": "data"}, {"type": "index", "value": {"value": "STRIPE_KEY", "type": "string"}}]]}
      ]
    },
    {
      "mode": "data",
      "type": "aws_ssm_parameter",
      "name": "tpl",
      "instances": [{"schema_version": 0, "attributes": {"name": "/app/db", "value": "${DB_PASSWORD}"}, "sensitive_attributes": [[{"type": "get_attr", "value": "value"}]]}]
    }
  ]
}"#;

    #[test]
    fn sensitive_and_known_secret_attributes_and_outputs() {
        let got = found("envs/prod/terraform.tfstate", STATE);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "Vq7#pLm2Zr9wTx",
                "k1-9fQ2mX7vLp3R",
                "hunter3-orders",
                "T8r!kq2ZpW0v_yNs4eLm6xBd",
                "sk-not-real-9Qw2"
            ]
        );
        assert_eq!(got[0].2, "value of the sensitive output db_password in Terraform state");
        assert_eq!(
            got[2].2,
            "sensitive attribute password of aws_db_instance.main in Terraform state"
        );
        assert_eq!(
            got[3].2,
            "secret attribute result of module.app.random_password.redis[\"cache\"] in Terraform state"
        );
        assert_eq!(
            got[4].2,
            "sensitive attribute data.STRIPE_KEY of kubernetes_secret.app in Terraform state"
        );
        assert_eq!(secrets("terraform.tfstate.backup", STATE).len(), 5);
        assert!(crate::read("main.tf", STATE.as_bytes()).is_none_or(|(f, _)| f != "terraform-state"));
    }
}
