//! Where a blob was seen: sources create these, reporters only read them.

use serde::{Deserialize, Serialize};

/// Where a blob was seen. Sources create these; reporters only read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A file on disk, by the path the walk produced.
    File {
        /// Path as displayed (relative to the working directory when given so).
        path: String,
    },
    /// Standard input, under the name the user gave it (default `stdin`).
    Stdin {
        /// Display name.
        name: String,
    },
    /// A blob in git history, with the commit that first introduced it at
    /// this path.
    GitBlob {
        /// Path in the commit's tree.
        path: String,
        /// Introducing commit (full hex id).
        commit: String,
        /// Author name of that commit: the probable owner of the secret.
        author: String,
        /// Author email.
        email: String,
        /// Author date, RFC 3339.
        date: String,
        /// The blob id.
        blob: String,
        /// Other (commit, path) places that carry the same blob.
        other_locations: usize,
        /// The repository, when an audit covers several (`owner/name` of
        /// a hosting platform); absent for a single repository.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repository: Option<String>,
    },
    /// A commit message.
    GitMessage {
        /// Display name (`commit/<id>/message`).
        name: String,
        /// Commit id.
        commit: String,
        /// Author name.
        author: String,
        /// Author email.
        email: String,
        /// Author date, RFC 3339.
        date: String,
        /// The repository, when an audit covers several.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repository: Option<String>,
    },
    /// Text a hosting platform holds outside any file: an issue or pull
    /// request's title and body, a comment, a review comment. Keys pasted
    /// there leak as surely as committed ones.
    Web {
        /// The page's address (the comment's own URL where it has one).
        url: String,
        /// What the text is (`issue`, `issue comment`, `pull request`,
        /// `pull request comment`, `review comment`).
        what: String,
        /// The repository it belongs to (`owner/name`).
        repository: String,
        /// Who wrote it, when the platform says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        author: Option<String>,
        /// When it was written (RFC 3339), when the platform says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date: Option<String>,
    },
    /// An object in a bucket (S3 or S3-compatible, Google Cloud Storage,
    /// Azure Blob), or a member of an archive stored there.
    Object {
        /// `s3://bucket/key`, `gs://…` or `az://…`; `!` separates archive
        /// members (`s3://b/build.zip!config/app.env`).
        url: String,
        /// The object's version id, when the store versions objects.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        /// Whether this is the object's current version (an older version
        /// stays readable until it is deleted, like git history).
        latest: bool,
        /// When this version was written, RFC 3339.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        modified: Option<String>,
    },
    /// A file as staged in the index (what the pre-commit hook checks).
    Staged {
        /// Path in the index.
        path: String,
    },
    /// A file in a container image layer.
    ImageLayer {
        /// Path inside the layer (`!` separates nested archive members).
        path: String,
        /// Image name (tag, or digest) and platform.
        image: String,
        /// 0-based layer index, bottom first.
        layer_index: usize,
        /// Layer digest.
        layer_digest: String,
        /// The history step that created the layer (`created_by`).
        created_by: Option<String>,
        /// Whether the file is still visible in the final image.
        visible: bool,
        /// The later layer that deleted (whiteout) or replaced the file.
        hidden_by_layer: Option<usize>,
    },
    /// A field of an image's config (Env, Cmd, Labels, history).
    ImageConfig {
        /// Display name (`image!config:Env[2]`).
        name: String,
        /// Image name.
        image: String,
        /// The config field.
        field: String,
    },
}

/// The commit behind a git origin, as reporters show it.
#[derive(Debug, Clone, Copy)]
pub struct CommitInfo<'a> {
    /// Commit id.
    pub commit: &'a str,
    /// Author name.
    pub author: &'a str,
    /// Author email.
    pub email: &'a str,
    /// Author date, RFC 3339.
    pub date: &'a str,
}

impl CommitInfo<'_> {
    /// `Name <email>`.
    pub fn identity(&self) -> String {
        format!("{} <{}>", self.author, self.email)
    }
}

impl Origin {
    /// The commit of a git blob or message origin.
    pub fn commit_info(&self) -> Option<CommitInfo<'_>> {
        match self {
            Origin::GitBlob {
                commit,
                author,
                email,
                date,
                ..
            }
            | Origin::GitMessage {
                commit,
                author,
                email,
                date,
                ..
            } => Some(CommitInfo {
                commit,
                author,
                email,
                date,
            }),
            _ => None,
        }
    }

    /// The path-like name reporters show and SARIF uses as artifact URI.
    pub fn display_path(&self) -> &str {
        match self {
            Origin::File { path } | Origin::GitBlob { path, .. } | Origin::Staged { path } => path,
            Origin::ImageLayer { path, .. } => path,
            Origin::Stdin { name } | Origin::GitMessage { name, .. } | Origin::ImageConfig { name, .. } => name,
            Origin::Web { url, .. } | Origin::Object { url, .. } => url,
        }
    }

    /// The repository of a multi-repository audit, when the origin names one.
    pub fn repository(&self) -> Option<&str> {
        match self {
            Origin::GitBlob { repository, .. } | Origin::GitMessage { repository, .. } => repository.as_deref(),
            Origin::Web { repository, .. } => Some(repository),
            _ => None,
        }
    }
}

/// The commit where a secret no longer in HEAD left the tree (git history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// The latest commit that replaced or deleted a blob holding the secret.
    pub commit: String,
    /// Its author.
    pub author: String,
    /// Its author date, RFC 3339.
    pub date: String,
}
