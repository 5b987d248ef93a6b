//! `keyhound objects URL` (and `keyhound s3://…`): the command line turned
//! into the objects crate's options, with the user's S3 keys found where
//! the AWS tools keep them when the environment has none.

use anyhow::Result;
use keyhound_objects::{Access, AwsKeys, ObjectUrl, ObjectsOptions, ObjectsStats, Scheme};

use crate::aws_profile;
use crate::cli::ObjectsArgs;

/// The schemes `keyhound URL` accepts in place of a subcommand.
const SCHEMES: [&str; 8] = ["s3", "s3a", "gs", "gcs", "az", "azure", "abfs", "abfss"];

/// `keyhound s3://b/p …` is `keyhound objects s3://b/p …`: the first
/// argument after the program name (and its global flags) names a bucket.
pub fn expand_shorthand(mut argv: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let first = argv.iter().skip(1).position(|a| !a.to_string_lossy().starts_with('-'));
    if let Some(i) = first.map(|i| i + 1) {
        let text = argv[i].to_string_lossy();
        let is_bucket = text
            .split_once("://")
            .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()));
        if is_bucket {
            argv.insert(i, "objects".into());
        }
    }
    argv
}

/// The objects crate's options for `args`.
pub fn options(args: &ObjectsArgs) -> Result<ObjectsOptions> {
    let url = ObjectUrl::parse(&args.url)?;
    let aws_keys = match url.scheme {
        Scheme::S3 if !args.anonymous => profile_keys(args.profile.as_deref())?,
        _ => None,
    };
    Ok(ObjectsOptions {
        url,
        access: Access {
            endpoint: args.endpoint.clone(),
            region: args.region.clone(),
            anonymous: args.anonymous,
            aws_keys,
            azure_account: args.account.clone(),
        },
        all_versions: args.all_versions,
        max_object_size: args.max_file_size,
        archives: args.archives.limits(args.max_file_size),
        concurrency: args.concurrency.max(1),
        memory_budget: 512 << 20,
    })
}

/// S3 keys from `~/.aws/credentials` when the environment holds none: the
/// named profile (an error if it is missing), else `AWS_PROFILE`, else
/// `default` when that file has it. `None` leaves object_store's own chain
/// (environment, web identity, ECS, instance metadata) to find them.
fn profile_keys(profile: Option<&str>) -> Result<Option<AwsKeys>> {
    let env_has_keys = std::env::var_os("AWS_ACCESS_KEY_ID").is_some_and(|v| !v.is_empty());
    if env_has_keys && profile.is_none() {
        return Ok(None);
    }
    let named = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
    let keys = match &named {
        Some(name) => aws_profile::credentials(Some(name))?,
        // The default profile is tried quietly: most machines have none.
        None => aws_profile::credentials(Some("default")).ok().flatten(),
    };
    Ok(keys.map(|mut k| AwsKeys {
        id: k.remove("id").unwrap_or_default(),
        secret: k.remove("secret").unwrap_or_default(),
        session: k.remove("session"),
    }))
}

/// The closing line on standard error.
pub fn describe(url: &str, stats: &ObjectsStats) -> String {
    let mut line = format!("keyhound: {url}: {} object(s) listed", stats.listed);
    if stats.older_versions > 0 {
        line.push_str(&format!(" ({} older version(s))", stats.older_versions));
    }
    line.push_str(&format!(
        ", {} read whole, {} streamed, {} downloaded",
        stats.whole,
        stats.streamed,
        human_bytes(stats.bytes)
    ));
    if stats.failed > 0 {
        line.push_str(&format!(", {} failed", stats.failed));
    }
    line
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GiB", n as f64 / (1u64 << 30) as f64),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        expand_shorthand(list.iter().map(Into::into).collect())
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_bucket_url_stands_for_the_objects_command() {
        assert_eq!(
            args(&["keyhound", "s3://b/p", "-f", "json"]),
            ["keyhound", "objects", "s3://b/p", "-f", "json"]
        );
        assert_eq!(args(&["keyhound", "gs://b"]), ["keyhound", "objects", "gs://b"]);
        // Not a bucket: left alone.
        assert_eq!(args(&["keyhound", "dir", "s3://b"]), ["keyhound", "dir", "s3://b"]);
        assert_eq!(
            args(&["keyhound", "git", "https://h/r"]),
            ["keyhound", "git", "https://h/r"]
        );
        assert_eq!(args(&["keyhound", "https://h/r"]), ["keyhound", "https://h/r"]);
    }
}
