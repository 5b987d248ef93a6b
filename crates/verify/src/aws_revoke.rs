//! Revoking an AWS access key (`kind = "aws-iam"`): IAM `UpdateAccessKey`
//! to `Inactive` first (reversible, and immediate), then `DeleteAccessKey`,
//! then `ListAccessKeys` to confirm the key is gone.
//!
//! The calls are signed with the user's own credentials (a profile or the
//! environment), which must allow those IAM actions on the key's user; the
//! user is found with `GetAccessKeyLastUsed`. Only under
//! `--use-leaked-key` are they signed with the leaked pair itself (an IAM
//! user may manage its own keys), and then no user name is sent.

use std::collections::BTreeMap;

use keyhound_findings::{Status, Verification};

use crate::aws::iam_call as iam;
use crate::aws_access::tags;
use crate::check::RevokeAnswer;
use crate::http::Client;
use crate::VerifyError;

/// What the revocation did, step by step.
#[derive(Debug)]
pub struct AwsRevocation {
    /// Revoked, gone already, or refused.
    pub answer: RevokeAnswer,
    /// The HTTP status of the last call.
    pub status: u16,
    /// The steps taken (`deactivated`, `deleted`), or the refusal.
    pub detail: String,
    /// `ListAccessKeys` afterwards (admin credentials only).
    pub after: Option<Verification>,
}

fn code(body: &str) -> String {
    tags(body, "Code").into_iter().next().unwrap_or_default()
}

/// Deactivates then deletes `key_id`. `creds` are the user's own, or the
/// leaked pair when `leaked` (then the key's own user is implied).
pub fn revoke(
    client: &Client,
    key_id: &str,
    creds: &BTreeMap<String, String>,
    leaked: bool,
) -> Result<AwsRevocation, VerifyError> {
    let refused = |status: u16, what: &str, body: &str| AwsRevocation {
        answer: RevokeAnswer::Refused,
        status,
        detail: format!("{what}: {}", code(body)),
        after: None,
    };
    let user = if leaked {
        None
    } else {
        let (status, body) = iam(
            client,
            creds,
            &[("Action", "GetAccessKeyLastUsed"), ("AccessKeyId", key_id)],
        )?;
        if status != 200 {
            return Ok(refused(status, "iam:GetAccessKeyLastUsed", &body));
        }
        match tags(&body, "UserName").into_iter().next() {
            Some(u) => Some(u),
            None => return Ok(refused(status, "iam:GetAccessKeyLastUsed named no user", &body)),
        }
    };
    let mut params = vec![
        ("Action", "UpdateAccessKey"),
        ("AccessKeyId", key_id),
        ("Status", "Inactive"),
    ];
    if let Some(u) = &user {
        params.push(("UserName", u));
    }
    let (status, body) = iam(client, creds, &params)?;
    if status == 404 || code(&body) == "NoSuchEntity" {
        return Ok(AwsRevocation {
            answer: RevokeAnswer::Gone,
            status,
            detail: "IAM has no such key (already deleted)".into(),
            after: None,
        });
    }
    if status != 200 {
        return Ok(refused(status, "iam:UpdateAccessKey", &body));
    }
    let mut params = vec![("Action", "DeleteAccessKey"), ("AccessKeyId", key_id)];
    if let Some(u) = &user {
        params.push(("UserName", u));
    }
    let (status, body) = iam(client, creds, &params)?;
    if status != 200 {
        return Ok(AwsRevocation {
            // Deactivated is already revoked: the key no longer works.
            answer: RevokeAnswer::Revoked,
            status,
            detail: format!("deactivated; iam:DeleteAccessKey refused: {}", code(&body)),
            after: None,
        });
    }
    let after = user.as_ref().and_then(|u| {
        let (status, body) = iam(client, creds, &[("Action", "ListAccessKeys"), ("UserName", u)]).ok()?;
        (status == 200).then(|| {
            let listed = tags(&body, "AccessKeyId").iter().any(|k| k == key_id);
            Verification {
                status: if listed { Status::Live } else { Status::Invalid },
                reason: Some(if listed {
                    format!("IAM ListAccessKeys still lists the key for {u}")
                } else {
                    format!("IAM ListAccessKeys no longer lists the key for {u}")
                }),
                account: BTreeMap::from([("user".to_string(), u.clone())]),
                http_status: Some(status),
                checked_at: keyhound_findings::time::now_rfc3339(),
                cached: false,
                access: None,
            }
        })
    });
    Ok(AwsRevocation {
        answer: RevokeAnswer::Revoked,
        status,
        detail: match &user {
            Some(u) => format!("deactivated and deleted (user {u})"),
            None => "deactivated and deleted with the leaked key itself".into(),
        },
        after,
    })
}
