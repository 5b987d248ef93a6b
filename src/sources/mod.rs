//! Sources turn an input into blobs for the scanner: a directory tree,
//! standard input. Sources know nothing of rules; they hand bytes and an
//! [`crate::finding::Origin`] to [`crate::scan::Scan::scan_blob`].

pub mod archive;
pub mod dir;
pub mod git;
pub mod image;
pub mod registry;
pub mod stdin;

/// A whole input could not be used (as opposed to a per-file warning).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A root given on the command line does not exist or cannot be read.
    #[error("{path}: {message}")]
    Unreadable {
        /// The root.
        path: String,
        /// Why.
        message: String,
    },
    /// Reading the stream failed.
    #[error("reading {name}: {source}")]
    Stream {
        /// Stream name.
        name: String,
        /// Underlying error.
        source: std::io::Error,
    },
}
