//! Sources turn an input into blobs for the scanner: a directory tree
//! (archives opened), standard input, git history, staged changes and
//! commit ranges, container images and registries. Sources know nothing of
//! rules, the engine or reporters; they hand bytes and an
//! [`keyhound_findings::Origin`] to a [`Feed`]. AI agents' JSONL
//! transcripts found in a tree are recognised by content (`transcript`),
//! so their findings name the session, message, role and tool.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

pub mod archive;
pub mod container;
pub mod dir;
mod feed;
pub mod git;
pub mod image;
pub mod registry;
pub mod stdin;
pub mod transcript;

pub use feed::Feed;

/// A whole input could not be used (as opposed to a per-file warning).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A root given on the command line does not exist or cannot be read.
    #[error("{path}")]
    Unreadable {
        /// The root.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Reading the stream failed.
    #[error("reading {name}")]
    Stream {
        /// Stream name.
        name: String,
        /// Underlying error.
        source: std::io::Error,
    },
}
