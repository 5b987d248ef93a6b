//! Directory source: a parallel `ignore` walk feeding a rayon scan.
//!
//! The walk honours `.gitignore`/`.ignore` (unless `no_ignore`), includes
//! hidden files, never enters `.git/`, and does not follow symlinks unless
//! asked. Files are read into a reused per-thread buffer, never
//! memory-mapped: a mapped file that another process truncates kills the
//! reader with SIGBUS (a log rotated mid-scan), and a scanner must survive
//! what it reads. An unreadable file is a warning, never an abort.
//! JSONL files holding findings are checked for an agent's transcript.

use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::{WalkBuilder, WalkState};
use rayon::iter::{ParallelBridge, ParallelIterator};

use super::archive::{self, ArchiveLimits};
use super::transcript;
use super::SourceError;
use crate::feed::Feed;
use keyhound_findings::{Origin, Provenance, WarningKind};

/// How to walk.
#[derive(Debug, Clone)]
pub struct DirOptions {
    /// Files and directories to scan.
    pub roots: Vec<PathBuf>,
    /// Ignore `.gitignore`/`.ignore` files and scan everything.
    pub no_ignore: bool,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Files larger than this are skipped (counted, not scanned).
    pub max_file_size: u64,
    /// Walker threads (0: automatic).
    pub threads: usize,
    /// Open archives (zip, tar, gz, zst) and scan their members; `None`
    /// scans archive files as plain bytes.
    pub archives: Option<ArchiveLimits>,
}

/// One file the walk found.
struct FileJob {
    path: PathBuf,
    size: u64,
}

/// Walks every root and scans every file. Fails only when a root itself
/// cannot be used.
pub fn scan_dirs(scan: &dyn Feed, options: &DirOptions) -> Result<(), SourceError> {
    for root in &options.roots {
        let unreadable = |source: std::io::Error| SourceError::Unreadable {
            path: root.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(root).map_err(unreadable)?;
        if meta.is_dir() {
            std::fs::read_dir(root).map_err(unreadable)?;
        } else if meta.is_file() {
            File::open(root).map_err(unreadable)?;
        } else {
            // Opening a FIFO waits for a writer that may never come, and a
            // device may never end: named or walked, only regular files
            // are read.
            scan.warn(
                WarningKind::Unreadable,
                Some(&display(root)),
                "not a regular file or directory (a FIFO, socket or device): not read",
            );
        }
    }
    let (sender, receiver) = crossbeam_channel::bounded::<FileJob>(1024);
    std::thread::scope(|s| {
        s.spawn(|| walk(scan, options, sender));
        receiver.into_iter().par_bridge().for_each(|job| {
            if !scan.cancelled() {
                scan_file(scan, &job, options);
            }
        });
    });
    Ok(())
}

fn walk(scan: &dyn Feed, options: &DirOptions, sender: crossbeam_channel::Sender<FileJob>) {
    let mut builder = WalkBuilder::new(&options.roots[0]);
    for root in &options.roots[1..] {
        builder.add(root);
    }
    builder
        .hidden(false)
        .follow_links(options.follow_symlinks)
        .require_git(false)
        .threads(options.threads)
        .filter_entry(|entry| entry.file_name() != ".git");
    if options.no_ignore {
        builder.standard_filters(false).hidden(false);
    }
    let roots: Vec<PathBuf> = options.roots.clone();
    builder.build_parallel().run(|| {
        let sender = sender.clone();
        let roots = &roots;
        Box::new(move |entry| {
            if scan.cancelled() {
                return WalkState::Quit;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let path = error_path(&err).map(display);
                    scan.warn(WarningKind::Unreadable, path.as_deref(), format!("walk error: {err}"));
                    return WalkState::Continue;
                }
            };
            let path = entry.path();
            if is_excluded(scan, roots, path) {
                return if entry.file_type().is_some_and(|t| t.is_dir()) {
                    WalkState::Skip
                } else {
                    WalkState::Continue
                };
            }
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let size = match entry.metadata() {
                Ok(meta) => meta.len(),
                Err(err) => {
                    scan.warn(
                        WarningKind::Unreadable,
                        Some(&display(path)),
                        format!("cannot stat: {err}"),
                    );
                    return WalkState::Continue;
                }
            };
            if size > options.max_file_size {
                scan.skip();
                scan.warn(
                    WarningKind::Unreadable,
                    Some(&display(path)),
                    format!(
                        "skipped: {size} bytes exceeds --max-file-size {}",
                        options.max_file_size
                    ),
                );
                return WalkState::Continue;
            }
            match sender.send(FileJob {
                path: path.to_path_buf(),
                size,
            }) {
                Ok(()) => WalkState::Continue,
                Err(_) => WalkState::Quit,
            }
        })
    });
}

/// The path a walk error is about (a loop: the link that closes it), so
/// its warning names it like any other.
fn error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Partial(errors) => errors.iter().find_map(error_path),
        _ => None,
    }
}

/// Path globs in the policy are relative to the root the path was found under.
fn is_excluded(scan: &dyn Feed, roots: &[PathBuf], path: &Path) -> bool {
    roots
        .iter()
        .filter_map(|root| path.strip_prefix(root).ok())
        .any(|rel| !rel.as_os_str().is_empty() && scan.is_excluded(rel))
}

/// The display form of a walked path: `./src/x` becomes `src/x`.
fn display(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Scans a file's bytes, opening it first if it is an archive.
fn scan_contents(scan: &dyn Feed, bytes: &[u8], origin: Arc<Origin>, name: &str, options: &DirOptions) {
    if let Some(limits) = &options.archives {
        if let Some(kind) = archive::detect(bytes) {
            archive::scan_archive(scan, bytes, kind, name, limits, &mut archive::report_as_files(scan));
            return;
        }
    }
    if transcript::is_jsonl(name) {
        scan_jsonl(scan, bytes, origin, name);
        return;
    }
    scan.scan_blob(bytes, origin);
}

/// A JSONL file is scanned as any other; only when it holds findings is it
/// read as an agent's transcript, whose findings then name their session,
/// message, role and tool. Other JSONL files are reported as they were.
fn scan_jsonl(scan: &dyn Feed, bytes: &[u8], origin: Arc<Origin>, name: &str) {
    let findings = scan.find(bytes, origin);
    if findings.is_empty() {
        return;
    }
    let offsets: Vec<usize> = findings.iter().map(|f| f.offset).collect();
    let provenance = match transcript::places(bytes, name, &offsets) {
        Some(index) => Provenance::transcript(Arc::new(index)),
        None => Provenance::none(),
    };
    scan.report(findings, &provenance);
}

fn scan_file(scan: &dyn Feed, job: &FileJob, options: &DirOptions) {
    let name = display(&job.path);
    let origin = Arc::new(Origin::File { path: name.clone() });
    let file = match File::open(&job.path) {
        Ok(file) => file,
        Err(err) => {
            scan.warn(WarningKind::Unreadable, Some(&name), format!("cannot open: {err}"));
            return;
        }
    };
    BUFFER.with(|cell| {
        let mut buf = cell.borrow_mut();
        buf.clear();
        let mut reader = file.take(job.size.saturating_add(1).max(1 << 16));
        match reader.read_to_end(&mut buf) {
            Ok(_) => scan_contents(scan, &buf, origin, &name, options),
            Err(err) => scan.warn(WarningKind::Unreadable, Some(&name), format!("cannot read: {err}")),
        }
        if buf.capacity() > 64 << 20 {
            *buf = Vec::new();
        }
    });
}
