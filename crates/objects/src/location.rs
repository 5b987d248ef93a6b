//! What the user named: `s3://bucket/prefix`, `gs://bucket/prefix` or
//! `az://container/prefix`, parsed once so every later step works on typed
//! parts and every finding names its object the same way.

use crate::error::ObjectsError;

/// Which object store a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Amazon S3 or an S3-compatible server (MinIO, Ceph, R2, moto…).
    S3,
    /// Google Cloud Storage.
    Gcs,
    /// Azure Blob Storage (the container; the account comes from the
    /// environment or `--account`).
    Azure,
}

impl Scheme {
    /// The URL scheme as written (`s3`, `gs`, `az`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::S3 => "s3",
            Scheme::Gcs => "gs",
            Scheme::Azure => "az",
        }
    }
}

/// A bucket (or container) and a key prefix within it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectUrl {
    /// The store.
    pub scheme: Scheme,
    /// Bucket or container name.
    pub bucket: String,
    /// Key prefix, without a leading `/`; empty for the whole bucket.
    pub prefix: String,
}

impl ObjectUrl {
    /// Parses `s3://bucket[/prefix]`, `gs://…`, `az://…` (also the
    /// `s3a://`, `gcs://`, `azure://` and `abfs://` spellings tools use).
    pub fn parse(text: &str) -> Result<ObjectUrl, ObjectsError> {
        let bad = |why: &str| ObjectsError::BadUrl {
            url: text.to_string(),
            why: why.to_string(),
        };
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| bad("expected s3://bucket/prefix, gs://bucket/prefix or az://container/prefix"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => Scheme::S3,
            "gs" | "gcs" => Scheme::Gcs,
            "az" | "azure" | "abfs" | "abfss" => Scheme::Azure,
            _ => return Err(bad("the scheme must be s3, gs or az")),
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // `abfs://container@account.dfs.core.windows.net/…` names the
        // container before the `@`.
        let bucket = bucket.split('@').next().unwrap_or(bucket);
        if bucket.is_empty() {
            return Err(bad("no bucket name"));
        }
        if bucket.contains(['?', '#', ' ']) {
            return Err(bad("the bucket name holds characters no store allows"));
        }
        Ok(ObjectUrl {
            scheme,
            bucket: bucket.to_string(),
            prefix: prefix.trim_start_matches('/').to_string(),
        })
    }

    /// The URL of one object: `s3://bucket/key`.
    pub fn object(&self, key: &str) -> String {
        format!("{}://{}/{}", self.scheme.as_str(), self.bucket, key)
    }
}

impl std::fmt::Display for ObjectUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.object(&self.prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_store_and_its_aliases() {
        let url = ObjectUrl::parse("s3://logs/ci/2026/").unwrap();
        assert_eq!(
            (url.scheme, url.bucket.as_str(), url.prefix.as_str()),
            (Scheme::S3, "logs", "ci/2026/")
        );
        assert_eq!(ObjectUrl::parse("s3a://b").unwrap().prefix, "");
        assert_eq!(ObjectUrl::parse("gs://b/x").unwrap().scheme, Scheme::Gcs);
        let abfs = ObjectUrl::parse("abfs://builds@acct.dfs.core.windows.net/out").unwrap();
        assert_eq!(
            (abfs.scheme, abfs.bucket.as_str(), abfs.prefix.as_str()),
            (Scheme::Azure, "builds", "out")
        );
        assert_eq!(url.object("ci/a.log"), "s3://logs/ci/a.log");
    }

    #[test]
    fn refuses_what_names_no_bucket() {
        for text in ["logs/ci", "ftp://x/y", "s3://", "s3:///key", "s3://a b/c"] {
            assert!(
                matches!(ObjectUrl::parse(text), Err(ObjectsError::BadUrl { .. })),
                "{text}"
            );
        }
    }
}
