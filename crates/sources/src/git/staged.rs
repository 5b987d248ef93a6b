//! Staged changes: what the pre-commit hook checks. The index is compared
//! with HEAD's tree; for each staged blob that differs, only the lines it
//! adds are reported. The blob as staged counts, not the work-tree file, so
//! a key left unstaged (`git add -p`) does not block and a staged key does.

use std::collections::{HashMap, HashSet};

use gix::bstr::{BString, ByteSlice};
use gix::ObjectId;

use super::lines::added_lines;
use super::range::{rename_source, report_added};
use super::tree::{self, Change};
use super::{read_blob, GitError};
use crate::feed::Feed;
use keyhound_findings::{error_chain, Origin, WarningKind};

/// Scans the staged additions of `repo`; returns how many files changed.
pub fn scan_staged(scan: &dyn Feed, repo: &gix::Repository, max_blob_size: u64) -> Result<usize, GitError> {
    let head: HashMap<BString, ObjectId> = match repo.head_tree_id() {
        Ok(tree_id) => tree::flatten(repo, tree_id.detach())?.into_iter().collect(),
        Err(_) => HashMap::new(), // unborn branch: the first commit
    };
    let head_blobs: HashSet<ObjectId> = head.values().copied().collect();
    let index = repo.index_or_empty().map_err(GitError::reading("the index"))?;
    let mut staged: Vec<(BString, ObjectId)> = Vec::new();
    let mut in_index: HashSet<&[u8]> = HashSet::new();
    for entry in index.entries() {
        let path = entry.path(&index);
        in_index.insert(path.as_bytes());
        let is_file = entry.mode.to_tree_entry_mode().is_some_and(|m| m.is_blob());
        if !is_file || entry.stage_raw() != 0 {
            continue;
        }
        if head.get(path) == Some(&entry.id) {
            continue;
        }
        staged.push((path.to_owned(), entry.id));
    }
    let deleted: Vec<Change> = head
        .iter()
        .filter(|(path, _)| !in_index.contains(path.as_slice()))
        .map(|(path, id)| Change {
            path: path.clone(),
            old: Some(*id),
            new: None,
        })
        .collect();
    let deleted_refs: Vec<&Change> = deleted.iter().collect();
    let mut changed = 0;
    for (path, id) in staged {
        let base = match head.get(&path) {
            Some(old) => Some(*old),
            // Same content under a new name: a pure rename adds nothing.
            None if head_blobs.contains(&id) => continue,
            None => rename_source(path.as_ref(), &deleted_refs),
        };
        changed += 1;
        let display = path.to_str_lossy().into_owned();
        if repo.find_header(id).is_ok_and(|h| h.size() > max_blob_size) {
            scan.skip();
            scan.warn(
                WarningKind::Git,
                Some(&display),
                "staged file skipped: exceeds the size limit",
            );
            continue;
        }
        let data = match read_blob(repo, id) {
            Ok(d) => d,
            Err(e) => {
                scan.warn(WarningKind::Git, Some(&display), error_chain(&e));
                continue;
            }
        };
        let old = base.and_then(|b| read_blob(repo, b).ok());
        let added = added_lines(old.as_deref(), &data);
        report_added(
            scan,
            &data,
            std::sync::Arc::new(Origin::Staged { path: display }),
            &added,
        );
    }
    Ok(changed)
}
