//! Git sources: full-history audits, commit ranges (CI and pre-push), and
//! staged changes (pre-commit). Objects are read with gix — loose and
//! packed, deltas resolved — never by shelling out to `git`.

pub mod cache;
pub mod history;
pub mod lines;
pub mod range;
pub mod remote;
pub mod staged;
pub mod tree;

use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::ObjectId;

/// The cause of a git error, kept whole so the user sees the chain
/// ("object X: inflating: corrupt deflate stream").
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Problems reading a repository; each keeps gix's error as its source.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The path is not a git repository (or cannot be opened as one).
    #[error("{path}: not a git repository")]
    NotARepository {
        /// The path given.
        path: PathBuf,
        /// What gix said.
        #[source]
        source: Cause,
    },
    /// A revision given on the command line does not resolve.
    #[error("cannot resolve revision `{rev}`")]
    BadRevision {
        /// The revision text.
        rev: String,
        /// What gix said.
        #[source]
        source: Cause,
    },
    /// A line of the pre-push hook's input is not `<ref> <sha> <ref> <sha>`.
    #[error("unexpected pre-push input line: {0:?}")]
    PushLine(String),
    /// A range given on the command line has no `..`.
    #[error("`{0}` is not a range: expected A..B")]
    NotARange(String),
    /// An object is missing or corrupt.
    #[error("object {id}")]
    Object {
        /// The object id.
        id: ObjectId,
        /// What went wrong reading or decoding it.
        #[source]
        source: Cause,
    },
    /// An object is not of the kind its referrer says.
    #[error("object {id}: expected a {expected}, found a {found}")]
    WrongKind {
        /// The object id.
        id: ObjectId,
        /// What the referrer said it is.
        expected: gix::objs::Kind,
        /// What it is.
        found: gix::objs::Kind,
    },
    /// Reading references, the index or the commit graph failed.
    #[error("{what}")]
    Repository {
        /// What was being read.
        what: &'static str,
        /// What gix said.
        #[source]
        source: Cause,
    },
}

impl GitError {
    /// A missing or corrupt object.
    pub fn object(id: impl Into<ObjectId>, err: impl Into<Cause>) -> GitError {
        GitError::Object {
            id: id.into(),
            source: err.into(),
        }
    }

    /// A failure while reading `what` (`.map_err(GitError::reading("the index"))`).
    pub fn reading<E: Into<Cause>>(what: &'static str) -> impl FnOnce(E) -> GitError {
        move |err| GitError::Repository {
            what,
            source: err.into(),
        }
    }

    fn revision<E: Into<Cause>>(rev: &str) -> impl FnOnce(E) -> GitError + '_ {
        move |err| GitError::BadRevision {
            rev: rev.to_string(),
            source: err.into(),
        }
    }
}

/// Opens the repository containing `path` (a work tree, a bare repository
/// or a linked worktree).
pub fn open(path: &Path) -> Result<gix::Repository, GitError> {
    let mut repo = gix::discover(path).map_err(|e| GitError::NotARepository {
        path: path.to_path_buf(),
        source: Box::new(e),
    })?;
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
    Ok(repo)
}

/// Object cache per thread: trees and delta bases are read again and again
/// by neighbouring commits, so decoded objects are worth keeping.
const OBJECT_CACHE_BYTES: usize = 64 << 20;

/// A thread's own handle on a shared repository, with its caches sized.
pub fn thread_repo(shared: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut repo = shared.to_thread_local();
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
    repo
}

/// Resolves a revision (`main`, `HEAD~3`, a hex id, a tag) to a commit id.
pub fn resolve(repo: &gix::Repository, rev: &str) -> Result<ObjectId, GitError> {
    let id = repo
        .rev_parse_single(rev.as_bytes().as_bstr())
        .map_err(GitError::revision(rev))?;
    let object = id.object().map_err(GitError::revision(rev))?;
    let commit = object.peel_to_commit().map_err(GitError::revision(rev))?;
    Ok(commit.id)
}

/// What a finding needs to know about a commit.
#[derive(Debug, Clone)]
pub struct CommitMeta {
    /// Commit id.
    pub id: ObjectId,
    /// Root tree.
    pub tree: ObjectId,
    /// Parent commit ids.
    pub parents: Vec<ObjectId>,
    /// Author name.
    pub author: String,
    /// Author email.
    pub email: String,
    /// Author date, RFC 3339.
    pub date: String,
    /// Committer time in seconds, for "earliest" ordering.
    pub time: i64,
}

/// Reads and decodes a commit; also returns its message.
pub fn read_commit(repo: &gix::Repository, id: ObjectId) -> Result<(CommitMeta, Vec<u8>), GitError> {
    let object = repo.find_object(id).map_err(|e| GitError::object(id, e))?;
    if object.kind != gix::objs::Kind::Commit {
        return Err(GitError::WrongKind {
            id,
            expected: gix::objs::Kind::Commit,
            found: object.kind,
        });
    }
    let commit =
        gix::objs::CommitRef::from_bytes(&object.data, repo.object_hash()).map_err(|e| GitError::object(id, e))?;
    let author = commit.author().map_err(|e| GitError::object(id, e))?;
    let committer = commit.committer().map_err(|e| GitError::object(id, e))?;
    let date = author
        .time()
        .ok()
        .and_then(|t| t.format(gix::date::time::format::ISO8601_STRICT).ok())
        .unwrap_or_default();
    let meta = CommitMeta {
        id,
        tree: commit.tree(),
        parents: commit.parents().collect(),
        author: author.name.trim().to_str_lossy().into_owned(),
        email: author.email.trim().to_str_lossy().into_owned(),
        date,
        time: committer.seconds(),
    };
    Ok((meta, commit.message.to_vec()))
}

/// Reads a blob's content.
pub fn read_blob(repo: &gix::Repository, id: ObjectId) -> Result<Vec<u8>, GitError> {
    let mut object = repo.find_object(id).map_err(|e| GitError::object(id, e))?;
    if object.kind != gix::objs::Kind::Blob {
        return Err(GitError::WrongKind {
            id,
            expected: gix::objs::Kind::Blob,
            found: object.kind,
        });
    }
    Ok(std::mem::take(&mut object.data))
}

/// The commit ids every reference points at (branches, tags peeled to
/// their commits, remote-tracking refs, the stash) plus HEAD.
pub fn all_ref_tips(repo: &gix::Repository, warn: &dyn Fn(String)) -> Result<Vec<ObjectId>, GitError> {
    let mut tips = Vec::new();
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    let platform = repo.references().map_err(GitError::reading("references"))?;
    for reference in platform.all().map_err(GitError::reading("references"))? {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                warn(format!("unreadable reference: {e}"));
                continue;
            }
        };
        let name = reference.name().as_bstr().to_string();
        match reference.peel_to_id() {
            Ok(id) => {
                let id = id.detach();
                match repo.find_header(id) {
                    Ok(h) if h.kind() == gix::objs::Kind::Commit => tips.push(id),
                    Ok(_) => {}
                    Err(e) => warn(format!("{name}: target {id} unreadable: {e}")),
                }
            }
            Err(e) => warn(format!("{name}: cannot resolve: {e}")),
        }
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Walks commits reachable from `tips` but not from `hidden`, newest first,
/// at most `limit`. A broken link (missing object, shallow boundary) is a
/// warning; the walk keeps what it reached.
pub fn walk(
    repo: &gix::Repository,
    tips: &[ObjectId],
    hidden: &[ObjectId],
    limit: Option<usize>,
    warn: &dyn Fn(String),
) -> Result<Vec<ObjectId>, GitError> {
    let walk = repo
        .rev_walk(tips.iter().copied())
        .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
        .with_hidden(hidden.iter().copied())
        .all()
        .map_err(GitError::reading("the commit graph"))?;
    let mut ids = Vec::new();
    for info in walk {
        match info {
            Ok(info) => ids.push(info.id),
            Err(e) => {
                warn(format!("history walk stopped early: {e}"));
                break;
            }
        }
        if limit.is_some_and(|n| ids.len() >= n) {
            break;
        }
    }
    Ok(ids)
}
