//! The AWS access flow (`flow = "aws-iam"`): what a live access key may do.
//!
//! AWS has no "my permissions" call, so the flow asks IAM, read-only, in
//! the order a responder would: the key's identity comes from the
//! verifier's STS answer (`arn`); a root key is the account itself; for an
//! IAM user it lists attached and inline policies (and those of the
//! user's groups), reading inline documents for `Action: *` on
//! `Resource: *`; for a role session, the role's policies. A key that may
//! not read IAM gets `SimulatePrincipalPolicy` over a fixed list of
//! sensitive actions; if that is denied too, the notes say so. Finally it
//! lists the S3 buckets the key sees.
//!
//! What it learns is written as scopes (`policy:AdministratorAccess`,
//! `inline:deploy`, `allows:*:*`, `allowed:iam:CreateUser`, `root`) so the
//! rule pack's verdict and excess rules judge them like any provider's
//! scopes. The answers are small flat XML documents, read with a few lines
//! of tag search rather than an XML parser dependency.

use std::collections::BTreeMap;

use keyhound_findings::Resources;

use crate::aws::{iam_call, send_signed};
use crate::facts::Learnt;
use crate::http::Client;

const S3_URL: &str = "https://s3.amazonaws.com/";
const S3_HOST: &str = "s3.amazonaws.com";

/// Sensitive actions simulated when the key may not read its policies:
/// account takeover (IAM), data (S3, Secrets Manager, KMS), compute.
pub const PROBED_ACTIONS: &[&str] = &[
    "iam:CreateUser",
    "iam:CreateAccessKey",
    "iam:AttachUserPolicy",
    "iam:PutUserPolicy",
    "sts:AssumeRole",
    "s3:ListAllMyBuckets",
    "s3:GetObject",
    "s3:PutObject",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "ec2:RunInstances",
    "lambda:UpdateFunctionCode",
];

/// Most inline policy documents read.
const MAX_INLINE: usize = 10;
/// Most groups followed.
const MAX_GROUPS: usize = 10;

/// Runs the flow; facts hold the verifier's `arn`.
pub fn map(client: &Client, values: &BTreeMap<String, String>, learnt: &mut Learnt) {
    let Some(arn) = learnt.facts.get("arn").cloned() else {
        learnt.notes.push("no ARN from STS: identity unknown".into());
        return;
    };
    let resource = arn.splitn(6, ':').nth(5).unwrap_or("").to_string();
    if resource == "root" {
        learnt.scopes.push("root".into());
        learnt.facts.insert("principal".into(), "root user".into());
    } else if let Some(path) = resource.strip_prefix("user/") {
        let user = path.rsplit('/').next().unwrap_or(path).to_string();
        learnt.facts.insert("principal".into(), format!("IAM user {user}"));
        let readable = user_policies(client, values, &user, learnt);
        if !readable {
            simulate(client, values, &arn, learnt);
        }
    } else if let Some(rest) = resource.strip_prefix("assumed-role/") {
        let role = rest.split('/').next().unwrap_or(rest).to_string();
        learnt
            .facts
            .insert("principal".into(), format!("role session of {role}"));
        let readable = attached(client, values, "ListAttachedRolePolicies", "RoleName", &role, learnt).is_some();
        if !readable {
            let role_arn =
                arn.replacen(":sts:", ":iam:", 1)
                    .replacen(&format!("assumed-role/{rest}"), &format!("role/{role}"), 1);
            simulate(client, values, &role_arn, learnt);
        }
    } else {
        learnt
            .notes
            .push(format!("principal {resource:?}: policies not mapped"));
    }
    buckets(client, values, learnt);
}

/// Sends one IAM query; `None` (with a note) when refused or failed.
fn iam(
    client: &Client,
    values: &BTreeMap<String, String>,
    params: &[(&str, &str)],
    learnt: &mut Learnt,
) -> Option<String> {
    let action = params.first().map_or("?", |(_, v)| *v);
    learnt.requests += 1;
    match iam_call(client, values, params) {
        Ok((200, body)) => Some(body),
        Ok((status, body)) => {
            let code = tags(&body, "Code")
                .into_iter()
                .next()
                .unwrap_or_else(|| format!("HTTP {status}"));
            learnt.notes.push(format!("iam:{action}: {code}"));
            None
        }
        Err(e) => {
            learnt.notes.push(format!("iam:{action}: {e}"));
            None
        }
    }
}

/// Attached managed policies of a user, group or role, as scopes.
fn attached(
    client: &Client,
    values: &BTreeMap<String, String>,
    action: &str,
    key: &str,
    name: &str,
    learnt: &mut Learnt,
) -> Option<()> {
    let body = iam(client, values, &[("Action", action), (key, name)], learnt)?;
    for policy in tags(&body, "PolicyName") {
        learnt.scopes.push(format!("policy:{policy}"));
    }
    Some(())
}

/// A user's attached, inline and group policies; false when IAM refused
/// the first question (the key may not read its own policies).
fn user_policies(client: &Client, values: &BTreeMap<String, String>, user: &str, learnt: &mut Learnt) -> bool {
    if attached(client, values, "ListAttachedUserPolicies", "UserName", user, learnt).is_none() {
        return false;
    }
    if let Some(body) = iam(
        client,
        values,
        &[("Action", "ListUserPolicies"), ("UserName", user)],
        learnt,
    ) {
        for name in tags(&body, "member").into_iter().take(MAX_INLINE) {
            learnt.scopes.push(format!("inline:{name}"));
            let params = [
                ("Action", "GetUserPolicy"),
                ("UserName", user),
                ("PolicyName", name.as_str()),
            ];
            if let Some(doc) = iam(client, values, &params, learnt) {
                if let Some(encoded) = tags(&doc, "PolicyDocument").into_iter().next() {
                    let json = percent_encoding::percent_decode_str(&encoded)
                        .decode_utf8_lossy()
                        .into_owned();
                    if allows_everything(&json) {
                        learnt.scopes.push("allows:*:*".into());
                    }
                }
            }
        }
    }
    if let Some(body) = iam(
        client,
        values,
        &[("Action", "ListGroupsForUser"), ("UserName", user)],
        learnt,
    ) {
        let groups = tags(&body, "GroupName");
        if !groups.is_empty() {
            learnt.facts.insert("groups".into(), groups.join(", "));
        }
        for group in groups.into_iter().take(MAX_GROUPS) {
            attached(client, values, "ListAttachedGroupPolicies", "GroupName", &group, learnt);
        }
    }
    true
}

/// Whether a policy document allows every action on every resource.
fn allows_everything(json: &str) -> bool {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(json) else {
        return false;
    };
    let statements = match doc.get("Statement") {
        Some(serde_json::Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
        None => return false,
    };
    let has_star = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => s == "*",
        Some(serde_json::Value::Array(items)) => items.iter().any(|i| i.as_str() == Some("*")),
        _ => false,
    };
    statements.iter().any(|s| {
        s.get("Effect").and_then(|e| e.as_str()) == Some("Allow")
            && has_star(s.get("Action"))
            && has_star(s.get("Resource"))
    })
}

/// SimulatePrincipalPolicy over [`PROBED_ACTIONS`]; allowed ones become
/// `allowed:ACTION` scopes.
fn simulate(client: &Client, values: &BTreeMap<String, String>, arn: &str, learnt: &mut Learnt) {
    let names: Vec<String> = (1..=PROBED_ACTIONS.len())
        .map(|i| format!("ActionNames.member.{i}"))
        .collect();
    let mut params: Vec<(&str, &str)> = vec![("Action", "SimulatePrincipalPolicy"), ("PolicySourceArn", arn)];
    for (name, action) in names.iter().zip(PROBED_ACTIONS) {
        params.push((name.as_str(), action));
    }
    let Some(body) = iam(client, values, &params, learnt) else {
        learnt
            .notes
            .push("the key may neither read its policies nor simulate them: permissions unknown".into());
        return;
    };
    let actions = tags(&body, "EvalActionName");
    let decisions = tags(&body, "EvalDecision");
    for (action, decision) in actions.iter().zip(&decisions) {
        if decision == "allowed" {
            learnt.scopes.push(format!("allowed:{action}"));
        }
    }
}

/// The S3 buckets the key can list.
fn buckets(client: &Client, values: &BTreeMap<String, String>, learnt: &mut Learnt) {
    learnt.requests += 1;
    match send_signed(client, values, "s3", "GET", S3_URL, S3_HOST, None) {
        Ok(r) if r.status == 200 => {
            let text = String::from_utf8_lossy(&r.body);
            let names: Vec<String> = text
                .split("<Bucket>")
                .skip(1)
                .filter_map(|b| tags(b, "Name").into_iter().next())
                .collect();
            learnt.resources.push(Resources {
                name: "buckets".into(),
                count: names.len() as u64,
                flagged: BTreeMap::new(),
                sample: names.into_iter().take(5).collect(),
                truncated: false,
            });
        }
        Ok(r) => learnt.notes.push(format!("s3:ListAllMyBuckets: HTTP {}", r.status)),
        Err(e) => learnt.notes.push(format!("s3:ListAllMyBuckets: {e}")),
    }
}

/// The text of every `<tag>…</tag>` in `body`, in order (XML entities
/// for `&`, `<`, `>`, quotes decoded).
pub fn tags(body: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(
            after[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[end + close.len()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_reads_every_element_in_order() {
        let body = "<r><PolicyName>A&amp;B</PolicyName><x/><PolicyName>ReadOnlyAccess</PolicyName></r>";
        assert_eq!(tags(body, "PolicyName"), ["A&B", "ReadOnlyAccess"]);
        assert!(tags("<PolicyName>unterminated", "PolicyName").is_empty());
    }

    #[test]
    fn only_allow_star_on_star_is_everything() {
        assert!(allows_everything(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        ));
        assert!(allows_everything(
            r#"{"Statement":{"Effect":"Allow","Action":["s3:*","*"],"Resource":["*"]}}"#
        ));
        assert!(!allows_everything(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        ));
        assert!(!allows_everything(
            r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#
        ));
        assert!(!allows_everything("not json"));
    }
}
