//! The client for one bucket, built through `object_store` with each
//! cloud's own credential chain, plus what the caller adds: an endpoint for
//! S3-compatible servers, a region, static keys read from a profile, or no
//! signature at all for public buckets.

use std::fmt;
use std::sync::Arc;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::ObjectStore;

use crate::error::ObjectsError;
use crate::location::{ObjectUrl, Scheme};

/// AWS keys the caller found outside the environment (a profile of the
/// shared credentials file). `Debug` never shows them.
#[derive(Clone)]
pub struct AwsKeys {
    /// Access key id.
    pub id: String,
    /// Secret access key.
    pub secret: String,
    /// Session token of temporary credentials.
    pub session: Option<String>,
}

impl fmt::Debug for AwsKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AwsKeys(redacted)")
    }
}

/// How to reach and authenticate to the store. Everything here comes from
/// the command line or the user's environment, never from what is scanned.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Another endpoint: an S3-compatible server (`http://127.0.0.1:9000`),
    /// a GCS or Azure emulator. Plain `http://` is allowed only when given.
    pub endpoint: Option<String>,
    /// The region (S3); the environment's `AWS_REGION` otherwise.
    pub region: Option<String>,
    /// Send no credentials: a public bucket.
    pub anonymous: bool,
    /// S3 keys from a profile; when given they win over the environment's
    /// (the caller passes them only when the user named a profile or the
    /// environment holds no keys).
    pub aws_keys: Option<AwsKeys>,
    /// The Azure storage account (else `AZURE_STORAGE_ACCOUNT_NAME`).
    pub azure_account: Option<String>,
}

/// A built client: the generic store, and the S3 one when the bucket is on
/// S3 (listing versions needs S3's own request).
pub struct Store {
    /// Lists and reads objects.
    pub objects: Arc<dyn ObjectStore>,
    /// The same client typed as S3, for version listings.
    pub s3: Option<Arc<AmazonS3>>,
    /// The S3 region requests are signed for.
    pub region: String,
}

/// Retries of a failed request: a few, within half a minute, so an
/// unreachable endpoint fails the run in seconds rather than the
/// three minutes object_store allows by default.
fn retry() -> object_store::RetryConfig {
    object_store::RetryConfig {
        max_retries: 3,
        retry_timeout: std::time::Duration::from_secs(30),
        ..object_store::RetryConfig::default()
    }
}

/// Builds the client for `url`.
pub fn build(url: &ObjectUrl, access: &Access) -> Result<Store, ObjectsError> {
    let config = |source: object_store::Error| ObjectsError::Config {
        url: url.to_string(),
        source,
    };
    let http = access.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"));
    match url.scheme {
        Scheme::S3 => {
            let mut builder = AmazonS3Builder::from_env()
                .with_retry(retry())
                .with_bucket_name(&url.bucket)
                .with_skip_signature(access.anonymous);
            if let Some(endpoint) = &access.endpoint {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_allow_http(http)
                    .with_virtual_hosted_style_request(false);
            }
            if let Some(region) = &access.region {
                builder = builder.with_region(region);
            }
            if let Some(keys) = &access.aws_keys {
                builder = builder
                    .with_access_key_id(&keys.id)
                    .with_secret_access_key(&keys.secret);
                if let Some(token) = &keys.session {
                    builder = builder.with_token(token);
                }
            }
            let region = builder
                .get_config_value(&object_store::aws::AmazonS3ConfigKey::Region)
                .unwrap_or_else(|| "us-east-1".to_string());
            let s3 = Arc::new(builder.build().map_err(config)?);
            Ok(Store {
                objects: s3.clone(),
                s3: Some(s3),
                region,
            })
        }
        Scheme::Gcs => {
            let mut builder = GoogleCloudStorageBuilder::from_env()
                .with_retry(retry())
                .with_bucket_name(&url.bucket)
                .with_skip_signature(access.anonymous);
            if let Some(endpoint) = &access.endpoint {
                builder = builder
                    .with_base_url(endpoint)
                    .with_client_options(object_store::ClientOptions::new().with_allow_http(http));
            }
            Ok(Store {
                objects: Arc::new(builder.build().map_err(config)?),
                s3: None,
                region: String::new(),
            })
        }
        Scheme::Azure => {
            let mut builder = MicrosoftAzureBuilder::from_env()
                .with_retry(retry())
                .with_container_name(&url.bucket)
                .with_skip_signature(access.anonymous);
            if let Some(account) = &access.azure_account {
                builder = builder.with_account(account);
            }
            if let Some(endpoint) = &access.endpoint {
                builder = builder.with_endpoint(endpoint.clone()).with_allow_http(http);
            }
            Ok(Store {
                objects: Arc::new(builder.build().map_err(config)?),
                s3: None,
                region: String::new(),
            })
        }
    }
}
