//! Commit ranges: what CI checks on a pull request (`--range A..B`,
//! `--since REV`) and what the pre-push hook checks. Only lines the commits
//! add are reported: a key added and removed inside the range is still
//! caught (the commit that added it is in the range); a key already in the
//! base is not this change's doing.

use std::sync::Arc;

use gix::bstr::{BStr, ByteSlice};
use gix::ObjectId;
use rayon::prelude::*;

use super::lines::{added_against_all, AddedLines};
use super::tree::{self, Change};
use super::{read_blob, read_commit, CommitMeta, GitError};
use crate::feed::Feed;
use keyhound_findings::{error_chain, Finding, Origin, Provenance, WarningKind};

/// Parses `A..B` (B defaults to HEAD when empty) into (hidden, tips).
pub fn parse_range(repo: &gix::Repository, range: &str) -> Result<(Vec<ObjectId>, Vec<ObjectId>), GitError> {
    let Some((base, tip)) = range.split_once("..") else {
        return Err(GitError::NotARange(range.to_string()));
    };
    let tip = if tip.is_empty() {
        "HEAD"
    } else {
        tip.trim_start_matches('.')
    };
    let hidden = if base.is_empty() {
        Vec::new()
    } else {
        vec![super::resolve(repo, base)?]
    };
    Ok((hidden, vec![super::resolve(repo, tip)?]))
}

/// One ref update git hands the pre-push hook on standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushUpdate {
    /// Local ref being pushed.
    pub local_ref: String,
    /// Local commit (all zeros: the remote ref is being deleted).
    pub local: ObjectId,
    /// Remote ref.
    pub remote_ref: String,
    /// What the remote has now (all zeros: a new branch).
    pub remote: ObjectId,
}

/// Parses the pre-push hook's standard input (`<local ref> <local sha>
/// <remote ref> <remote sha>` per line).
pub fn parse_push_updates(text: &str) -> Result<Vec<PushUpdate>, GitError> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let bad = || GitError::PushLine(line.to_string());
            if parts.len() != 4 {
                return Err(bad());
            }
            let id = |hex: &str| ObjectId::from_hex(hex.as_bytes()).map_err(|_| bad());
            Ok(PushUpdate {
                local_ref: parts[0].to_string(),
                local: id(parts[1])?,
                remote_ref: parts[2].to_string(),
                remote: id(parts[3])?,
            })
        })
        .collect()
}

/// The commits a push sends: for each updated ref, those reachable from the
/// local commit and not from what the remote has (for a new branch: not
/// from any remote-tracking ref).
pub fn pushed_commits(
    repo: &gix::Repository,
    updates: &[PushUpdate],
    warn: &dyn Fn(String),
) -> Result<Vec<ObjectId>, GitError> {
    let mut all = Vec::new();
    for update in updates {
        if update.local.is_null() {
            continue;
        }
        let remote_known = !update.remote.is_null() && repo.find_header(update.remote).is_ok();
        let hidden = if remote_known {
            vec![update.remote]
        } else {
            remote_tracking_tips(repo)?
        };
        all.extend(super::walk(repo, &[update.local], &hidden, None, warn)?);
    }
    all.sort();
    all.dedup();
    Ok(all)
}

fn remote_tracking_tips(repo: &gix::Repository) -> Result<Vec<ObjectId>, GitError> {
    let platform = repo.references().map_err(GitError::reading("references"))?;
    let mut tips = Vec::new();
    for reference in platform
        .remote_branches()
        .map_err(GitError::reading("remote branches"))?
        .flatten()
    {
        let mut reference = reference;
        if let Ok(id) = reference.peel_to_id() {
            tips.push(id.detach());
        }
    }
    Ok(tips)
}

/// Scans the lines `commits` add, and their messages; returns how many
/// commits were examined.
pub fn scan_commits(
    scan: &dyn Feed,
    repo: &gix::Repository,
    commits: &[ObjectId],
    max_blob_size: u64,
) -> Result<usize, GitError> {
    let shared = repo.clone().into_sync();
    commits.par_iter().for_each_init(
        || super::thread_repo(&shared),
        |repo, id| {
            if let Err(e) = scan_commit(scan, repo, *id, max_blob_size) {
                scan.warn(WarningKind::Git, Some(&id.to_string()), error_chain(&e));
            }
        },
    );
    Ok(commits.len())
}

fn scan_commit(scan: &dyn Feed, repo: &gix::Repository, id: ObjectId, max_blob_size: u64) -> Result<(), GitError> {
    let (meta, message) = read_commit(repo, id)?;
    let parent_trees: Vec<Option<ObjectId>> = meta
        .parents
        .iter()
        .map(|p| read_commit(repo, *p).ok().map(|(m, _)| m.tree))
        .collect();
    let mut changes = Vec::new();
    tree::diff_trees(
        repo,
        parent_trees.first().copied().flatten(),
        Some(meta.tree),
        &mut changes,
    )?;
    let deleted: Vec<&Change> = changes.iter().filter(|c| c.new.is_none()).collect();
    for change in changes.iter().filter(|c| c.new.is_some()) {
        let new = change.new.expect("filtered");
        let mut bases: Vec<Option<ObjectId>> = Vec::new();
        for tree in &parent_trees {
            bases.push(match tree {
                Some(t) => tree::lookup(repo, *t, &change.path)?,
                None => None,
            });
        }
        if bases.contains(&Some(new)) {
            continue;
        }
        if bases.iter().all(Option::is_none) {
            if let Some(renamed_from) = rename_source(change.path.as_ref(), &deleted) {
                bases = vec![Some(renamed_from)];
            }
        }
        let path = change.path.to_str_lossy().into_owned();
        if repo.find_header(new).is_ok_and(|h| h.size() > max_blob_size) {
            scan.skip();
            scan.warn(
                WarningKind::Git,
                Some(&path),
                format!("blob {new} in commit {id} skipped: exceeds the size limit"),
            );
            continue;
        }
        let data = read_blob(repo, new)?;
        let base_data: Vec<Option<Vec<u8>>> = bases.iter().map(|b| b.and_then(|b| read_blob(repo, b).ok())).collect();
        let added = added_against_all(&base_data, &data);
        let origin = git_origin(&meta, &path, new);
        report_added(scan, &data, origin, &added);
    }
    let origin = Arc::new(Origin::GitMessage {
        name: format!("commit/{id}/message"),
        commit: id.to_string(),
        author: meta.author.clone(),
        email: meta.email.clone(),
        date: meta.date.clone(),
        repository: None,
    });
    scan.report(scan.find(&message, origin), &Provenance::none());
    Ok(())
}

/// A deleted file in the same commit that this added file was probably
/// renamed from: same file name, or the only deletion.
pub fn rename_source(path: &BStr, deleted: &[&Change]) -> Option<ObjectId> {
    let name = |p: &BStr| p.rsplit_str("/").next().map(|n| n.to_vec());
    deleted
        .iter()
        .find(|d| name(d.path.as_ref()) == name(path))
        .or(if deleted.len() == 1 { deleted.first() } else { None })
        .and_then(|d| d.old)
}

/// The origin of a finding in a commit's blob.
pub fn git_origin(meta: &CommitMeta, path: &str, blob: ObjectId) -> Arc<Origin> {
    Arc::new(Origin::GitBlob {
        path: path.to_string(),
        commit: meta.id.to_string(),
        author: meta.author.clone(),
        email: meta.email.clone(),
        date: meta.date.clone(),
        blob: blob.to_string(),
        other_locations: 0,
        repository: None,
    })
}

/// Scans `data` and reports the findings on added lines.
pub fn report_added(scan: &dyn Feed, data: &[u8], origin: Arc<Origin>, added: &AddedLines) {
    if added.is_empty() {
        return;
    }
    let mut findings: Vec<Finding> = scan.find(data, origin);
    findings.retain(|f| added.touches(f.line, f.end_line));
    scan.report(findings, &Provenance::none());
}
