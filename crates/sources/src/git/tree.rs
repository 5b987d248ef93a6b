//! Tree walking on raw git objects: a depth-first diff that prunes identical
//! subtrees by id (so a commit touching one file reads a handful of trees,
//! not the whole checkout), path lookup, and flattening. Nothing here
//! recurses, so tree depth is bounded by memory, not by a thread's stack.

use std::cmp::Ordering;
use std::collections::HashSet;

use gix::bstr::{BString, ByteSlice, ByteVec};
use gix::objs::tree::EntryRef;
use gix::ObjectId;

use super::GitError;

/// One file-level change between two trees. Only blobs (regular and
/// executable files) are reported; symlinks and submodules are not content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Path from the tree root, `/`-separated.
    pub path: BString,
    /// Blob before (None: added).
    pub old: Option<ObjectId>,
    /// Blob after (None: deleted).
    pub new: Option<ObjectId>,
}

/// A tree object's raw data; entries are decoded from it on demand so no
/// name is copied unless it is reported.
fn load_tree(repo: &gix::Repository, id: Option<ObjectId>) -> Result<Vec<u8>, GitError> {
    match id {
        None => Ok(Vec::new()),
        Some(id) => {
            let mut object = repo.find_object(id).map_err(|e| GitError::object(id, e))?;
            if object.kind != gix::objs::Kind::Tree {
                return Err(GitError::WrongKind {
                    id,
                    expected: gix::objs::Kind::Tree,
                    found: object.kind,
                });
            }
            Ok(std::mem::take(&mut object.data))
        }
    }
}

fn decode<'a>(repo: &gix::Repository, id: Option<ObjectId>, data: &'a [u8]) -> Result<Vec<EntryRef<'a>>, GitError> {
    if data.is_empty() {
        return Ok(Vec::new());
    }
    gix::objs::TreeRef::from_bytes(data, repo.object_hash())
        .map(|t| t.entries)
        .map_err(|e| GitError::object(id.unwrap_or_else(|| ObjectId::null(repo.object_hash())), e))
}

fn join(prefix: &[u8], name: &[u8]) -> BString {
    let mut path = BString::from(prefix);
    if !path.is_empty() {
        path.push_byte(b'/');
    }
    path.push_str(name);
    path
}

/// Git's tree order: names compare as if trees ended in `/`.
fn tree_order(a: &EntryRef<'_>, b: &EntryRef<'_>) -> Ordering {
    let a_key = a.filename.iter().copied().chain(a.mode.is_tree().then_some(b'/'));
    let b_key = b.filename.iter().copied().chain(b.mode.is_tree().then_some(b'/'));
    a_key.cmp(b_key)
}

/// Work left for [`diff_trees`], kept on an explicit stack (a crafted,
/// very deep tree must not overflow a worker thread's stack the way
/// recursion would). Popped in output order.
enum Step {
    /// A file-level change, ready to report.
    Change(Change),
    /// Two subtrees at `prefix` still to compare (either may be absent).
    Trees {
        prefix: BString,
        old: Option<ObjectId>,
        new: Option<ObjectId>,
    },
}

/// Appends to `out` every blob added, modified or deleted between `old` and
/// `new` (either may be absent: a root commit, a deleted directory).
///
/// Depth-first in git's tree order — a subtree's changes come at the
/// subtree's place among its siblings — without recursion: each level's
/// steps go onto a stack in reverse, so the next one popped is the next in
/// order.
///
/// The same pair of subtrees is compared once per call: its changes are
/// reported under the first path it appears at only. Copies of a directory
/// hold the same blobs, and a crafted tree that names one subtree ten times
/// over ten levels (a "git bomb": 10^10 paths from 11 objects) would
/// otherwise be walked path by path until memory ran out.
pub fn diff_trees(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    out: &mut Vec<Change>,
) -> Result<(), GitError> {
    let mut stack = vec![Step::Trees {
        prefix: BString::default(),
        old,
        new,
    }];
    let mut level = Vec::new();
    let mut rest = Vec::new();
    let mut compared: HashSet<(Option<ObjectId>, Option<ObjectId>)> = HashSet::new();
    while let Some(step) = stack.pop() {
        match step {
            Step::Change(change) => out.push(change),
            Step::Trees { old, new, .. } if !compared.insert((old, new)) => {}
            Step::Trees { prefix, old, new } => {
                diff_level(repo, &prefix, old, new, &mut level)?;
                // Changes before the level's first subtree can be emitted
                // now; the rest waits on the stack behind that subtree.
                let mut steps = level.drain(..);
                for step in steps.by_ref() {
                    match step {
                        Step::Change(change) => out.push(change),
                        subtree => {
                            rest.push(subtree);
                            break;
                        }
                    }
                }
                rest.extend(steps);
                stack.extend(rest.drain(..).rev());
            }
        }
    }
    Ok(())
}

/// One level of the diff: a merge-join of two sorted trees. Identical
/// subtrees are skipped by id, so a commit touching one file reads only the
/// trees on that file's path; differing subtrees become [`Step::Trees`].
fn diff_level(
    repo: &gix::Repository,
    prefix: &[u8],
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    steps: &mut Vec<Step>,
) -> Result<(), GitError> {
    if old == new {
        return Ok(());
    }
    let (old_data, new_data) = (load_tree(repo, old)?, load_tree(repo, new)?);
    let (before, after) = (decode(repo, old, &old_data)?, decode(repo, new, &new_data)?);
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < after.len() {
        let order = match (before.get(i), after.get(j)) {
            (Some(a), Some(b)) => tree_order(a, b),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                steps.extend(removed(prefix, &before[i]));
                i += 1;
            }
            Ordering::Greater => {
                steps.extend(added(prefix, &after[j]));
                j += 1;
            }
            Ordering::Equal => {
                let (a, b) = (&before[i], &after[j]);
                if a.oid != b.oid {
                    if b.mode.is_tree() {
                        steps.push(Step::Trees {
                            prefix: join(prefix, b.filename),
                            old: Some(a.oid.to_owned()),
                            new: Some(b.oid.to_owned()),
                        });
                    } else if b.mode.is_blob() {
                        let old_blob = a.mode.is_blob().then(|| a.oid.to_owned());
                        steps.push(Step::Change(Change {
                            path: join(prefix, b.filename),
                            old: old_blob,
                            new: Some(b.oid.to_owned()),
                        }));
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

fn added(prefix: &[u8], e: &EntryRef<'_>) -> Option<Step> {
    if e.mode.is_tree() {
        Some(Step::Trees {
            prefix: join(prefix, e.filename),
            old: None,
            new: Some(e.oid.to_owned()),
        })
    } else {
        e.mode.is_blob().then(|| {
            Step::Change(Change {
                path: join(prefix, e.filename),
                old: None,
                new: Some(e.oid.to_owned()),
            })
        })
    }
}

fn removed(prefix: &[u8], e: &EntryRef<'_>) -> Option<Step> {
    if e.mode.is_tree() {
        Some(Step::Trees {
            prefix: join(prefix, e.filename),
            old: Some(e.oid.to_owned()),
            new: None,
        })
    } else {
        e.mode.is_blob().then(|| {
            Step::Change(Change {
                path: join(prefix, e.filename),
                old: Some(e.oid.to_owned()),
                new: None,
            })
        })
    }
}

/// Every blob in a tree, with its path.
pub fn flatten(repo: &gix::Repository, tree: ObjectId) -> Result<Vec<(BString, ObjectId)>, GitError> {
    let mut changes = Vec::new();
    diff_trees(repo, None, Some(tree), &mut changes)?;
    Ok(changes
        .into_iter()
        .filter_map(|c| c.new.map(|id| (c.path, id)))
        .collect())
}

/// The blob at `path` in `tree`, if any.
pub fn lookup(repo: &gix::Repository, tree: ObjectId, path: &[u8]) -> Result<Option<ObjectId>, GitError> {
    let mut current = tree;
    let mut parts = path.split_str("/").peekable();
    while let Some(part) = parts.next() {
        let data = load_tree(repo, Some(current))?;
        let entries = decode(repo, Some(current), &data)?;
        let Some(entry) = entries.iter().find(|e| e.filename.as_bytes() == part) else {
            return Ok(None);
        };
        let last = parts.peek().is_none();
        if last {
            return Ok(entry.mode.is_blob().then(|| entry.oid.to_owned()));
        }
        if !entry.mode.is_tree() {
            return Ok(None);
        }
        current = entry.oid.to_owned();
    }
    Ok(None)
}
