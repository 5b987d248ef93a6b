//! Tree walking on raw git objects: a recursive diff that prunes identical
//! subtrees by id (so a commit touching one file reads a handful of trees,
//! not the whole checkout), path lookup, and flattening.

use gix::bstr::{BString, ByteSlice, ByteVec};
use gix::objs::tree::EntryMode;
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

/// An owned tree entry (the object buffer is returned to gix's pool at once).
struct Entry {
    mode: EntryMode,
    name: BString,
    id: ObjectId,
}

fn read_tree(repo: &gix::Repository, id: ObjectId) -> Result<Vec<Entry>, GitError> {
    let object = repo.find_object(id).map_err(|e| GitError::object(id, e))?;
    let tree = gix::objs::TreeRef::from_bytes(&object.data, repo.object_hash()).map_err(|e| GitError::object(id, e))?;
    Ok(tree
        .entries
        .iter()
        .map(|e| Entry {
            mode: e.mode,
            name: e.filename.to_owned(),
            id: e.oid.to_owned(),
        })
        .collect())
}

fn join(prefix: &[u8], name: &[u8]) -> BString {
    let mut path = BString::from(prefix);
    if !path.is_empty() {
        path.push_byte(b'/');
    }
    path.push_str(name);
    path
}

/// Appends to `out` every blob added, modified or deleted between `old` and
/// `new` (either may be absent: a root commit, a deleted directory).
pub fn diff_trees(
    repo: &gix::Repository,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    out: &mut Vec<Change>,
) -> Result<(), GitError> {
    diff_at(repo, b"", old, new, out)
}

fn diff_at(
    repo: &gix::Repository,
    prefix: &[u8],
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    out: &mut Vec<Change>,
) -> Result<(), GitError> {
    if old == new {
        return Ok(());
    }
    let old_entries = match old {
        Some(id) => read_tree(repo, id)?,
        None => Vec::new(),
    };
    let new_entries = match new {
        Some(id) => read_tree(repo, id)?,
        None => Vec::new(),
    };
    let old_by_name: std::collections::HashMap<&[u8], &Entry> =
        old_entries.iter().map(|e| (e.name.as_slice(), e)).collect();
    for entry in &new_entries {
        let before = old_by_name.get(entry.name.as_slice()).copied();
        let path = || join(prefix, &entry.name);
        match (before, entry.mode.is_tree(), entry.mode.is_blob()) {
            (Some(b), _, _) if b.id == entry.id && b.mode.is_tree() == entry.mode.is_tree() => {}
            (Some(b), true, _) if b.mode.is_tree() => diff_at(repo, &path(), Some(b.id), Some(entry.id), out)?,
            (before, true, _) => {
                if let Some(b) = before.filter(|b| b.mode.is_blob()) {
                    out.push(Change {
                        path: path(),
                        old: Some(b.id),
                        new: None,
                    });
                }
                diff_at(repo, &path(), None, Some(entry.id), out)?;
            }
            (before, false, true) => {
                if let Some(b) = before.filter(|b| b.mode.is_tree()) {
                    diff_at(repo, &path(), Some(b.id), None, out)?;
                }
                let old_blob = before.filter(|b| b.mode.is_blob()).map(|b| b.id);
                out.push(Change {
                    path: path(),
                    old: old_blob,
                    new: Some(entry.id),
                });
            }
            _ => {}
        }
    }
    let new_names: std::collections::HashSet<&[u8]> = new_entries.iter().map(|e| e.name.as_slice()).collect();
    for entry in old_entries.iter().filter(|e| !new_names.contains(e.name.as_slice())) {
        if entry.mode.is_tree() {
            diff_at(repo, &join(prefix, &entry.name), Some(entry.id), None, out)?;
        } else if entry.mode.is_blob() {
            out.push(Change {
                path: join(prefix, &entry.name),
                old: Some(entry.id),
                new: None,
            });
        }
    }
    Ok(())
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
        let entries = read_tree(repo, current)?;
        let Some(entry) = entries.iter().find(|e| e.name.as_slice() == part) else {
            return Ok(None);
        };
        if parts.peek().is_none() {
            return Ok(entry.mode.is_blob().then_some(entry.id));
        }
        if !entry.mode.is_tree() {
            return Ok(None);
        }
        current = entry.id;
    }
    Ok(None)
}
