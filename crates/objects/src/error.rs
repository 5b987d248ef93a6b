//! Why a bucket could not be scanned at all (as opposed to one object,
//! which is a warning): its own module so the modules below the crate root
//! name it without naming the root.

/// Why the whole input could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ObjectsError {
    /// The URL names no bucket of a known store.
    #[error("{url}: {why}")]
    BadUrl {
        /// As given.
        url: String,
        /// What is wrong.
        why: String,
    },
    /// The client could not be configured (a missing account or region).
    #[error("{url}: cannot configure the object store client")]
    Config {
        /// The bucket URL.
        url: String,
        /// Why.
        #[source]
        source: object_store::Error,
    },
    // The three listing failures below carry the store's answer boiled
    // down (`HTTP 403 InvalidAccessKeyId: …`, or the innermost transport
    // error) instead of object_store's error as a source: its Display
    // already repeats each cause, so the chain printed three copies of the
    // same XML body.
    /// The store refused the credentials or their rights.
    #[error("{url}: access denied: {reason} (credentials come from the store's usual environment variables and profiles; --anonymous for a public bucket)")]
    Denied {
        /// The bucket URL.
        url: String,
        /// The store's answer.
        reason: String,
    },
    /// There is no such bucket.
    #[error("{url}: no such bucket: {reason}")]
    NotFound {
        /// The bucket URL.
        url: String,
        /// The store's answer.
        reason: String,
    },
    /// Listing failed for another reason (an unreachable endpoint).
    #[error("{url}: cannot list objects: {reason}")]
    List {
        /// The bucket URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Version listings exist only on S3.
    #[error("{url}: --all-versions needs an S3 (or S3-compatible) bucket")]
    VersionsUnsupported {
        /// The bucket URL.
        url: String,
    },
    /// The download thread's runtime could not start.
    #[error("starting the download runtime")]
    Runtime(#[source] std::io::Error),
}
