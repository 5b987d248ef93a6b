//! The user's own AWS credentials, for the commands that act with them
//! (`exposure` reads CloudTrail, `revoke` deactivates keys): a named
//! profile of the shared credentials file, or the standard environment
//! variables. Never from the command line.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

/// The user's AWS credentials: a named profile of the shared credentials
/// file, or the standard environment variables.
pub fn credentials(profile: Option<&str>) -> Result<Option<BTreeMap<String, String>>> {
    let mut creds = BTreeMap::new();
    if let Some(profile) = profile {
        let path = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
            .map(std::path::PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".aws/credentials")))
            .context("no HOME to find ~/.aws/credentials")?;
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let mut in_section = false;
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                in_section = name.trim() == profile;
            } else if in_section {
                if let Some((k, v)) = line.split_once('=') {
                    let key = match k.trim() {
                        "aws_access_key_id" => "id",
                        "aws_secret_access_key" => "secret",
                        "aws_session_token" => "session",
                        _ => continue,
                    };
                    creds.insert(key.to_string(), v.trim().to_string());
                }
            }
        }
        if !creds.contains_key("id") || !creds.contains_key("secret") {
            anyhow::bail!(
                "profile {profile:?} in {} has no aws_access_key_id/aws_secret_access_key",
                path.display()
            );
        }
        return Ok(Some(creds));
    }
    for (var, key) in [
        ("AWS_ACCESS_KEY_ID", "id"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_SESSION_TOKEN", "session"),
    ] {
        if let Ok(v) = std::env::var(var) {
            if !v.is_empty() {
                creds.insert(key.to_string(), v);
            }
        }
    }
    Ok((creds.contains_key("id") && creds.contains_key("secret")).then_some(creds))
}
