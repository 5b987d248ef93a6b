//! Every version of every object under a prefix (S3 `ListObjectVersions`).
//! An overwritten or deleted object stays readable in a versioned bucket,
//! so a key that was "removed" by uploading a clean file is still exposed,
//! exactly as in git history.
//!
//! `object_store` lists only current objects, so this one request is made
//! here: signed (SigV4 headers) by `object_store`'s own `AwsAuthorizer`
//! with the credentials of the same chain (nothing is signed by hand),
//! sent with reqwest, and its XML read with roxmltree.

use std::time::Duration;

use http::Method;
use object_store::aws::{AmazonS3, AwsAuthorizer};
use object_store::client::{HttpRequest, HttpRequestBody};
use object_store::path::Path;
use object_store::signer::Signer;

/// One version of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// The object's key.
    pub key: String,
    /// Its version id (`null` for objects written before versioning).
    pub version_id: String,
    /// Whether it is the current version.
    pub latest: bool,
    /// When it was written (RFC 3339 as S3 gives it).
    pub modified: String,
    /// Size in bytes.
    pub size: u64,
}

/// One page of a listing and where the next starts.
#[derive(Debug, Default)]
pub struct Page {
    /// The versions on this page (delete markers left out: they hold no
    /// bytes).
    pub versions: Vec<Version>,
    /// `(key-marker, version-id-marker)` of the next page, if any.
    pub next: Option<(String, String)>,
}

/// Why a page could not be had.
#[derive(Debug, thiserror::Error)]
pub enum VersionsError {
    /// The request could not be signed (no credentials).
    #[error("signing the version listing")]
    Sign(#[source] object_store::Error),
    /// The request could not be built from the bucket's address.
    #[error("building the version listing request: {0}")]
    Build(String),
    /// The server could not be reached.
    #[error("requesting the version listing")]
    Request(#[source] reqwest::Error),
    /// The server answered with an error status.
    #[error("the version listing was refused: HTTP {status} {code}")]
    Status {
        /// HTTP status.
        status: u16,
        /// S3's error code (`AccessDenied`, `NoSuchBucket` …) when given.
        code: String,
    },
    /// The answer is not a `ListVersionsResult`.
    #[error("the version listing is not S3's XML: {0}")]
    Xml(String),
}

/// Where and how to ask for versions: the bucket's address (as the store
/// resolved it, endpoint and addressing style included) and its region.
pub struct Lister {
    s3: std::sync::Arc<AmazonS3>,
    http: reqwest::Client,
    region: String,
    bucket_url: Option<String>,
}

impl Lister {
    /// A lister for the bucket `s3` reads, in `region`.
    pub fn new(s3: std::sync::Arc<AmazonS3>, region: String) -> Lister {
        Lister {
            s3,
            http: reqwest::Client::new(),
            region,
            bucket_url: None,
        }
    }

    /// The bucket's own URL: the store's address for the empty key, taken
    /// from a URL its signer makes (no request is sent for it).
    async fn bucket_url(&mut self) -> Result<String, VersionsError> {
        if let Some(url) = &self.bucket_url {
            return Ok(url.clone());
        }
        let mut url = self
            .s3
            .signed_url(Method::GET, &Path::from(""), Duration::from_secs(60))
            .await
            .map_err(VersionsError::Sign)?;
        url.set_query(None);
        let url = url.to_string();
        self.bucket_url = Some(url.clone());
        Ok(url)
    }

    /// Fetches one page of versions under `prefix`, after `marker`.
    pub async fn page(&mut self, prefix: &str, marker: Option<&(String, String)>) -> Result<Page, VersionsError> {
        let mut query = url_query(&[("versions", "")]);
        if !prefix.is_empty() {
            query.push_str(&format!("&{}", url_query(&[("prefix", prefix)])));
        }
        if let Some((key, version)) = marker {
            query.push_str(&format!(
                "&{}",
                url_query(&[("key-marker", key), ("version-id-marker", version)])
            ));
        }
        let uri = format!("{}?{query}", self.bucket_url().await?);
        let mut request: HttpRequest = http::Request::builder()
            .method(Method::GET)
            .uri(&uri)
            .body(HttpRequestBody::empty())
            .map_err(|e| VersionsError::Build(e.to_string()))?;
        let credential = self
            .s3
            .credentials()
            .get_credential()
            .await
            .map_err(VersionsError::Sign)?;
        AwsAuthorizer::new(&credential, "s3", &self.region)
            .try_authorize(&mut request, None)
            .map_err(VersionsError::Sign)?;
        let mut send = self.http.get(&uri);
        for (name, value) in request.headers() {
            send = send.header(name, value);
        }
        let response = send.send().await.map_err(VersionsError::Request)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(VersionsError::Request)?;
        if status != 200 {
            let code = roxmltree::Document::parse(&body)
                .ok()
                .and_then(|doc| child_text(doc.root_element(), "Code"))
                .unwrap_or_default();
            return Err(VersionsError::Status { status, code });
        }
        parse(&body)
    }
}

/// What SigV4 leaves unescaped in a query: letters, digits and `-_.~`.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `a=b&c=d`, each part percent-encoded as SigV4's canonical query wants.
fn url_query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encoding::utf8_percent_encode(k, QUERY),
                percent_encoding::utf8_percent_encode(v, QUERY)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    node.children()
        .find(|c| c.tag_name().name() == name)
        .map(|c| c.text().unwrap_or_default().to_string())
}

/// Reads a `ListVersionsResult` document.
pub fn parse(body: &str) -> Result<Page, VersionsError> {
    let doc = roxmltree::Document::parse(body).map_err(|e| VersionsError::Xml(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "ListVersionsResult" {
        return Err(VersionsError::Xml(format!(
            "root element is {}",
            root.tag_name().name()
        )));
    }
    let mut page = Page::default();
    for node in root.children().filter(|n| n.tag_name().name() == "Version") {
        let (Some(key), Some(version_id)) = (child_text(node, "Key"), child_text(node, "VersionId")) else {
            return Err(VersionsError::Xml("a Version without Key or VersionId".into()));
        };
        page.versions.push(Version {
            key,
            version_id,
            latest: child_text(node, "IsLatest").as_deref() == Some("true"),
            modified: child_text(node, "LastModified").unwrap_or_default(),
            size: child_text(node, "Size").and_then(|s| s.parse().ok()).unwrap_or(0),
        });
    }
    if child_text(root, "IsTruncated").as_deref() == Some("true") {
        let key = child_text(root, "NextKeyMarker").unwrap_or_default();
        let version = child_text(root, "NextVersionIdMarker").unwrap_or_default();
        if key.is_empty() {
            return Err(VersionsError::Xml("a truncated listing without NextKeyMarker".into()));
        }
        page.next = Some((key, version));
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of AWS's documented `ListObjectVersions` answer.
    const ANSWER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>ci/</Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker>
  <MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
  <NextKeyMarker>ci/b.env</NextKeyMarker><NextVersionIdMarker>3/L4kqtJl</NextVersionIdMarker>
  <Version><Key>ci/a.env</Key><VersionId>null</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-11-01T10:00:00.000Z</LastModified><ETag>"x"</ETag><Size>42</Size></Version>
  <DeleteMarker><Key>ci/b.env</Key><VersionId>dm1</VersionId><IsLatest>true</IsLatest>
    <LastModified>2026-11-02T10:00:00.000Z</LastModified></DeleteMarker>
  <Version><Key>ci/b.env</Key><VersionId>3/L4kqtJl</VersionId><IsLatest>false</IsLatest>
    <LastModified>2026-10-01T10:00:00.000Z</LastModified><Size>7</Size></Version>
</ListVersionsResult>"#;

    #[test]
    fn reads_versions_skips_delete_markers_and_pages_on() {
        let page = parse(ANSWER).unwrap();
        assert_eq!(page.versions.len(), 2);
        assert_eq!(page.versions[0].key, "ci/a.env");
        assert!(page.versions[0].latest);
        assert_eq!(page.versions[1].version_id, "3/L4kqtJl");
        assert!(!page.versions[1].latest);
        assert_eq!(page.versions[1].size, 7);
        assert_eq!(page.next, Some(("ci/b.env".into(), "3/L4kqtJl".into())));
    }

    #[test]
    fn refuses_what_is_not_a_listing() {
        assert!(parse("<Error><Code>AccessDenied</Code></Error>").is_err());
        assert!(parse("not xml").is_err());
        let truncated = "<ListVersionsResult><IsTruncated>true</IsTruncated></ListVersionsResult>";
        assert!(parse(truncated).is_err(), "a truncated page must say where to go on");
    }
}
