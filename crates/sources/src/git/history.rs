//! Full-history audit: every unique blob reachable from the chosen refs is
//! read and scanned exactly once, and each finding is attributed to the
//! earliest commit that introduced its blob at its path.
//!
//! Three phases: (1) walk commits and read their metadata, (2) diff each
//! commit against its parents in parallel to learn which blobs it
//! introduced, (3) scan the unique blobs in parallel. Only ids, paths and
//! commit metadata are held in memory; blob contents are streamed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use gix::bstr::{BString, ByteSlice};
use gix::ObjectId;
use rayon::prelude::*;

use super::cache::BlobCache;
use super::tree::{self, Change};
use super::{read_blob, read_commit, CommitMeta, GitError};
use crate::feed::Feed;
use keyhound_findings::{error_chain, Finding, HistoryIndex, HistoryPlace, Origin, Provenance, Removal, WarningKind};

/// What to audit.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// Only history reachable from this revision (default: all refs).
    pub branch: Option<String>,
    /// Stop after this many commits (newest first).
    pub max_commits: Option<usize>,
    /// Blobs larger than this are skipped with a warning.
    pub max_blob_size: u64,
    /// The repository's name in an audit of several (`owner/name`),
    /// recorded in every origin.
    pub repository: Option<String>,
}

/// Totals for the closing summary.
#[derive(Debug, Clone, Default)]
pub struct HistoryStats {
    /// Commits walked.
    pub commits: usize,
    /// Unique blobs reachable.
    pub blobs: usize,
    /// Blobs skipped because the cache knew them clean.
    pub cached: usize,
    /// Whether the repository is a shallow clone.
    pub shallow: bool,
}

/// Where a blob first appeared and how often it appears.
#[derive(Debug, Clone)]
struct Introduction {
    commit: u32,
    path: BString,
    places: usize,
}

/// Audits the history of `repo`, feeding findings to `scan`'s sink.
pub fn scan_history(
    scan: &dyn Feed,
    repo: &gix::Repository,
    options: &HistoryOptions,
    cache: Option<&mut BlobCache>,
) -> Result<HistoryStats, GitError> {
    let warn = |m: String| scan.warn(WarningKind::Git, None, m);
    let tips = match &options.branch {
        Some(rev) => vec![super::resolve(repo, rev)?],
        None => super::all_ref_tips(repo, &warn)?,
    };
    let shallow = repo.is_shallow().unwrap_or(false);
    if shallow {
        scan.warn(
            WarningKind::Git,
            None,
            "shallow clone: only the history present locally is scanned",
        );
    }
    scan.phase("walking commits", None);
    let ids = super::walk(repo, &tips, &[], options.max_commits, &warn)?;

    // Phase 1: commit metadata and messages.
    scan.phase("reading commits", Some(ids.len() as u64));
    let mut commits: Vec<CommitMeta> = Vec::with_capacity(ids.len());
    let mut messages: Vec<(u32, Vec<u8>)> = Vec::new();
    for id in ids {
        scan.advance(1);
        match read_commit(repo, id) {
            Ok((meta, message)) => {
                messages.push((commits.len() as u32, message));
                commits.push(meta);
            }
            Err(e) => scan.warn(
                WarningKind::Git,
                Some(&id.to_string()),
                format!("unreadable commit: {}", error_chain(&e)),
            ),
        }
    }
    let tree_of: HashMap<ObjectId, ObjectId> = commits.iter().map(|c| (c.id, c.tree)).collect();

    // Phase 2: which blobs each commit introduced (in parallel).
    scan.phase("diffing trees", Some(commits.len() as u64));
    let shared = repo.clone().into_sync();
    let per_commit: Vec<(u32, Introduced)> = commits
        .par_iter()
        .enumerate()
        .map_init(
            || super::thread_repo(&shared),
            |repo, (idx, commit)| {
                let introduced = introduced_blobs(repo, commit, &tree_of).unwrap_or_else(|e| {
                    scan.warn(
                        WarningKind::Git,
                        Some(&commit.id.to_string()),
                        format!("cannot diff commit: {}", error_chain(&e)),
                    );
                    Introduced::default()
                });
                scan.advance(1);
                (idx as u32, introduced)
            },
        )
        .collect();
    let mut intro: HashMap<ObjectId, Introduction> = HashMap::new();
    // The latest commit that replaced or deleted each blob at some path.
    let mut departed: HashMap<ObjectId, u32> = HashMap::new();
    for (idx, introduced) in per_commit {
        for blob in introduced.departed {
            let latest = departed.entry(blob).or_insert(idx);
            if is_earlier(&commits[*latest as usize], &commits[idx as usize]) {
                *latest = idx;
            }
        }
        for (path, blob) in introduced.added {
            let entry = intro.entry(blob).or_insert_with(|| Introduction {
                commit: idx,
                path: path.clone(),
                places: 0,
            });
            entry.places += 1;
            if is_earlier(&commits[idx as usize], &commits[entry.commit as usize]) {
                entry.commit = idx;
                entry.path = path;
            }
        }
    }

    // Phase 3: scan each unique blob once.
    let total_blobs = intro.len();
    let mut todo: Vec<(ObjectId, Introduction)> = intro.into_iter().collect();
    let mut cached = 0;
    if let Some(cache) = cache.as_deref() {
        let before = todo.len();
        todo.retain(|(id, _)| !cache.is_clean(id));
        cached = before - todo.len();
    }
    sort_in_pack_order(repo, &mut todo);
    scan.phase("scanning blobs", Some(todo.len() as u64));
    let clean: Mutex<Vec<ObjectId>> = Mutex::new(Vec::new());
    let results: Vec<(ObjectId, Vec<Finding>)> = todo
        .par_iter()
        .map_init(
            || super::thread_repo(&shared),
            |repo, (blob, intro)| {
                let findings = scan_blob(scan, repo, *blob, intro, &commits[intro.commit as usize], options);
                scan.advance(1);
                if findings.as_ref().is_some_and(Vec::is_empty) {
                    clean.lock().unwrap_or_else(|e| e.into_inner()).push(*blob);
                }
                (*blob, findings.unwrap_or_default())
            },
        )
        .filter(|(_, f)| !f.is_empty())
        .collect();
    scan.phase("scanning commit messages", Some(messages.len() as u64));
    let messages_found: Vec<Vec<Finding>> = messages
        .par_iter()
        .map(|(idx, message)| {
            let c = &commits[*idx as usize];
            let origin = Arc::new(Origin::GitMessage {
                name: format!("commit/{}/message", c.id),
                commit: c.id.to_string(),
                author: c.author.clone(),
                email: c.email.clone(),
                date: c.date.clone(),
                repository: options.repository.clone(),
            });
            let found = scan.find(message, origin);
            scan.advance(1);
            found
        })
        .filter(|f| !f.is_empty())
        .collect();

    // Phase 4: is each secret still in HEAD's tree?
    scan.phase("checking HEAD", None);
    // A HEAD tree that cannot be read (damaged, or cut short while read)
    // costs this fact only, never the findings: every secret is then taken
    // as still there, since claiming one removed needs proof.
    let head_blobs: Option<HashSet<ObjectId>> = match repo.head_tree_id() {
        Ok(tree_id) => match tree::flatten(repo, tree_id.detach()) {
            Ok(entries) => Some(entries.into_iter().map(|(_, id)| id).collect()),
            Err(e) => {
                scan.warn(
                    WarningKind::Git,
                    Some("HEAD"),
                    format!(
                        "unreadable tree at HEAD, so every secret found is taken as still in HEAD: {}",
                        error_chain(&e)
                    ),
                );
                None
            }
        },
        Err(_) => Some(HashSet::new()),
    };
    let head_fingerprints: HashSet<String> = results
        .iter()
        .filter(|(blob, _)| head_blobs.as_ref().is_none_or(|head| head.contains(blob)))
        .flat_map(|(_, f)| f.iter().map(|f| f.fingerprint.clone()))
        .collect();
    // When a secret gone from HEAD left: the latest commit that replaced or
    // deleted one of the blobs holding it.
    let mut removal: HashMap<String, u32> = HashMap::new();
    for (blob, findings) in &results {
        let Some(&idx) = departed.get(blob) else { continue };
        for f in findings.iter().filter(|f| !head_fingerprints.contains(&f.fingerprint)) {
            let latest = removal.entry(f.fingerprint.clone()).or_insert(idx);
            if is_earlier(&commits[*latest as usize], &commits[idx as usize]) {
                *latest = idx;
            }
        }
    }
    // History's facts, computed once and joined to every finding when it
    // is reported.
    let index = Arc::new(HistoryIndex {
        in_head: head_fingerprints,
        removed: removal
            .into_iter()
            .map(|(fingerprint, idx)| {
                let c = &commits[idx as usize];
                let removal = Removal {
                    commit: c.id.to_string(),
                    author: c.author.clone(),
                    date: c.date.clone(),
                };
                (fingerprint, removal)
            })
            .collect(),
    });
    let in_tree = Provenance::history(HistoryPlace::Tree(index));
    for (_, findings) in results {
        scan.report(findings, &in_tree);
    }
    let in_message = Provenance::history(HistoryPlace::Message);
    for findings in messages_found {
        scan.report(findings, &in_message);
    }
    if let Some(cache) = cache {
        cache.extend(clean.into_inner().unwrap_or_else(|e| e.into_inner()));
    }
    Ok(HistoryStats {
        commits: commits.len(),
        blobs: total_blobs,
        cached,
        shallow,
    })
}

/// Orders blobs by their position in the packs, so each thread walks its
/// share of a pack front to back and delta bases are still in gix's cache
/// when their deltas are read (random order makes every delta chain decode
/// from scratch). Loose objects go last.
fn sort_in_pack_order<T>(repo: &gix::Repository, items: &mut [(ObjectId, T)]) {
    use gix::odb::pack::Find;
    let mut handle = (*repo.objects).clone();
    handle.prevent_pack_unload();
    let mut buf = Vec::new();
    let keys: HashMap<ObjectId, (u32, u64)> = items
        .iter()
        .map(|(id, _)| {
            let key = match handle.location_by_oid(id, &mut buf) {
                Ok(Some(loc)) => (loc.pack_id, loc.pack_offset),
                _ => (u32::MAX, 0),
            };
            (*id, key)
        })
        .collect();
    items.sort_by_key(|(id, _)| keys.get(id).copied().unwrap_or((u32::MAX, 0)));
}

/// Earlier in history: older committer time; ties broken by id for stability.
fn is_earlier(a: &CommitMeta, b: &CommitMeta) -> bool {
    (a.time, a.id) < (b.time, b.id)
}

/// What one commit changed: blobs it introduced (with their path) and
/// blobs it replaced or deleted relative to its first parent.
#[derive(Debug, Default)]
struct Introduced {
    added: Vec<(BString, ObjectId)>,
    departed: Vec<ObjectId>,
}

/// Blobs a commit introduced: changed relative to its first parent and
/// absent at that path from every other parent (a merge introduces only
/// what none of its parents had). A root commit introduces its whole tree.
fn introduced_blobs(
    repo: &gix::Repository,
    commit: &CommitMeta,
    tree_of: &HashMap<ObjectId, ObjectId>,
) -> Result<Introduced, GitError> {
    let parent_trees: Vec<Option<ObjectId>> = commit.parents.iter().map(|p| parent_tree(repo, *p, tree_of)).collect();
    let mut changes: Vec<Change> = Vec::new();
    tree::diff_trees(
        repo,
        parent_trees.first().copied().flatten(),
        Some(commit.tree),
        &mut changes,
    )?;
    let mut out = Introduced::default();
    for change in changes {
        if let Some(old) = change.old {
            out.departed.push(old);
        }
        let Some(new) = change.new else { continue };
        let mut in_other_parent = false;
        for tree in parent_trees.iter().skip(1).flatten() {
            if tree::lookup(repo, *tree, &change.path)? == Some(new) {
                in_other_parent = true;
                break;
            }
        }
        if !in_other_parent {
            out.added.push((change.path, new));
        }
    }
    Ok(out)
}

/// A parent's tree; a parent outside the walk (shallow boundary, limit) is
/// read directly, and a missing one counts as empty.
fn parent_tree(repo: &gix::Repository, parent: ObjectId, tree_of: &HashMap<ObjectId, ObjectId>) -> Option<ObjectId> {
    if let Some(tree) = tree_of.get(&parent) {
        return Some(*tree);
    }
    read_commit(repo, parent).ok().map(|(meta, _)| meta.tree)
}

/// Reads and scans one blob; `None` when it was not scanned (unreadable or
/// too large), so the cache never records it as clean.
fn scan_blob(
    scan: &dyn Feed,
    repo: &gix::Repository,
    blob: ObjectId,
    intro: &Introduction,
    commit: &CommitMeta,
    options: &HistoryOptions,
) -> Option<Vec<Finding>> {
    // Interrupted: not scanned, so neither reported nor cached as clean.
    if scan.cancelled() {
        return None;
    }
    let path = intro.path.to_str_lossy().into_owned();
    if let Ok(header) = repo.find_header(blob) {
        if header.size() > options.max_blob_size {
            scan.skip();
            scan.warn(
                WarningKind::Git,
                Some(&path),
                format!("blob {blob} skipped: {} bytes exceeds the size limit", header.size()),
            );
            return None;
        }
    }
    let data = match read_blob(repo, blob) {
        Ok(data) => data,
        Err(e) => {
            scan.warn(
                WarningKind::Git,
                Some(&path),
                format!("unreadable blob in commit {}: {}", commit.id, error_chain(&e)),
            );
            return None;
        }
    };
    let origin = Arc::new(Origin::GitBlob {
        path,
        commit: commit.id.to_string(),
        author: commit.author.clone(),
        email: commit.email.clone(),
        date: commit.date.clone(),
        blob: blob.to_string(),
        other_locations: intro.places.saturating_sub(1),
        repository: options.repository.clone(),
    });
    Some(scan.find(&data, origin))
}
