//! Archives inside trees and image layers: zip (jar, war, whl, apk…), tar,
//! gzip and zstd streams, nested up to a depth limit. Members are scanned
//! with the same engine and reported as `outer.zip!inner/path`.
//!
//! Everything is read in memory or streamed — nothing is ever written to
//! disk — and bounded against decompression bombs: expanded bytes per
//! top-level archive, expansion ratio, nesting depth, member count and
//! member size. Hitting a limit is a warning naming the archive; the rest of
//! the scan goes on.

use std::io::{Cursor, Read};
use std::sync::Arc;

use keyhound_findings::{error_chain, Origin, WarningKind};

use crate::container::{decompress, walk_tar, Budget, Walk};
use crate::feed::Feed;

pub use crate::container::ArchiveLimits;

/// Container formats recognised by content (magic bytes), not by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// PKZIP: zip, jar, war, ear, whl, apk, nupkg, docx…
    Zip,
    /// POSIX/GNU tar.
    Tar,
    /// gzip stream (.gz, .tgz).
    Gzip,
    /// zstd frame (.zst).
    Zstd,
}

/// Recognises an archive from its first bytes.
pub fn detect(head: &[u8]) -> Option<ArchiveKind> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(ArchiveKind::Zip)
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Some(ArchiveKind::Gzip)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(ArchiveKind::Zstd)
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// Receives each member's bytes with its display path (`a.zip!b/c.txt`):
/// a directory scan scans and reports it at once, an image scan keeps the
/// findings until it knows whether a later layer deleted the file.
pub type Emit<'a> = &'a mut dyn FnMut(&[u8], &str);

/// The usual [`Emit`] for file trees: scan and report as a file origin.
pub fn report_as_files<'s>(scan: &'s dyn Feed) -> impl FnMut(&[u8], &str) + 's {
    move |bytes: &[u8], path: &str| {
        scan.scan_blob(bytes, Arc::new(Origin::File { path: path.to_string() }));
    }
}

/// Scans `data` (already known to be an archive of `kind`) as the top-level
/// archive `display`.
///
/// Data that only looks like an archive (a corrupt header, a text file that
/// starts with `PK`) is scanned as plain bytes instead, so nothing is lost.
pub fn scan_archive(
    scan: &dyn Feed,
    data: &[u8],
    kind: ArchiveKind,
    display: &str,
    limits: &ArchiveLimits,
    emit: Emit<'_>,
) {
    let mut budget = Budget::new(limits, data.len() as u64);
    if !scan_container(scan, data, kind, display, 1, &mut budget, emit) {
        emit(data, display);
    }
}

/// Opens and scans a container; false when it could not be opened at all
/// (the caller then scans the bytes as they are).
fn scan_container(
    scan: &dyn Feed,
    data: &[u8],
    kind: ArchiveKind,
    display: &str,
    depth: usize,
    budget: &mut Budget<'_>,
    emit: Emit<'_>,
) -> bool {
    match kind {
        ArchiveKind::Zip => scan_zip(scan, data, display, depth, budget, emit),
        _ => {
            scan_stream(scan, &mut Cursor::new(data), kind, display, depth, budget, emit);
            true
        }
    }
}

fn scan_stream(
    scan: &dyn Feed,
    reader: &mut dyn Read,
    kind: ArchiveKind,
    display: &str,
    depth: usize,
    budget: &mut Budget<'_>,
    emit: Emit<'_>,
) {
    match kind {
        ArchiveKind::Tar => scan_tar(scan, reader, display, depth, budget, emit),
        ArchiveKind::Gzip | ArchiveKind::Zstd => match decompress(reader) {
            Ok((_, mut decoded)) => scan_decompressed(scan, &mut decoded, display, depth, budget, emit),
            Err(e) => scan.warn(
                WarningKind::Archive,
                Some(display),
                format!("corrupt compressed stream: {e}"),
            ),
        },
        ArchiveKind::Zip => {
            let mut data = Vec::new();
            if let Err(e) = read_bounded(reader, budget.limits.max_member_size, &mut data) {
                scan.warn(
                    WarningKind::Archive,
                    Some(display),
                    format!("cannot read zip archive: {e}"),
                );
                return;
            }
            if !scan_zip(scan, &data, display, depth, budget, emit) {
                emit(&data, display);
            }
        }
    }
}

/// A decompressed stream: a tar is walked as it streams; anything else is
/// one member named after the archive without its compression suffix.
fn scan_decompressed(
    scan: &dyn Feed,
    reader: &mut dyn Read,
    display: &str,
    depth: usize,
    budget: &mut Budget<'_>,
    emit: Emit<'_>,
) {
    let mut head = Vec::with_capacity(512);
    if let Err(e) = (&mut *reader).take(512).read_to_end(&mut head) {
        scan.warn(
            WarningKind::Archive,
            Some(display),
            format!("corrupt compressed stream: {e}"),
        );
        return;
    }
    if detect(&head) == Some(ArchiveKind::Tar) {
        let mut chained = Cursor::new(head).chain(reader);
        scan_tar(scan, &mut chained, display, depth, budget, emit);
        return;
    }
    let inner = strip_compression_suffix(display);
    let name = format!("{display}!{inner}");
    // The size is unknown until it is decompressed: read no more than the
    // budget has left (plus one byte, to tell "exactly" from "more").
    let mut data = head;
    let limit = budget.limits.max_member_size;
    let allowed = budget.remaining().saturating_add(1).min(limit);
    let read = read_bounded(reader, allowed, &mut data);
    if let Err(limit) = budget.charge(data.len() as u64) {
        scan.warn(WarningKind::Archive, Some(&name), limit);
        return;
    }
    if let Err(e) = read {
        scan.warn(
            WarningKind::Archive,
            Some(display),
            format!("corrupt compressed stream: {e}"),
        );
        if data.is_empty() {
            return;
        }
    }
    scan_member(scan, &data, &name, depth, budget, emit);
}

fn strip_compression_suffix(display: &str) -> String {
    let base = display.rsplit(['/', '!']).next().unwrap_or(display);
    for (suffix, replacement) in [(".tgz", ".tar"), (".gz", ""), (".zst", ""), (".zstd", "")] {
        if let Some(stem) = base.strip_suffix(suffix) {
            return format!("{stem}{replacement}");
        }
    }
    base.to_string()
}

/// Reads at most `limit` bytes (more is an error, nothing past is kept).
fn read_bounded(reader: &mut dyn Read, limit: u64, out: &mut Vec<u8>) -> std::io::Result<()> {
    let already = out.len() as u64;
    reader.take(limit.saturating_sub(already) + 1).read_to_end(out)?;
    if out.len() as u64 > limit {
        out.truncate(limit as usize);
        return Err(std::io::Error::other(format!(
            "larger than the {limit}-byte member limit; only the first part was scanned"
        )));
    }
    Ok(())
}

/// A member's bytes (already charged to the budget): an archive again (if
/// depth allows) or a blob to scan.
fn scan_member(scan: &dyn Feed, data: &[u8], name: &str, depth: usize, budget: &mut Budget<'_>, emit: Emit<'_>) {
    if let Some(kind) = detect(data) {
        if depth >= budget.limits.max_depth {
            scan.warn(
                WarningKind::Archive,
                Some(name),
                format!("nested archive beyond depth {}: not opened", budget.limits.max_depth),
            );
        } else if scan_container(scan, data, kind, name, depth + 1, budget, emit) {
            return;
        }
    }
    emit(data, name);
}

/// Scans a zip's members; false if it is not a readable zip.
fn scan_zip(
    scan: &dyn Feed,
    data: &[u8],
    display: &str,
    depth: usize,
    budget: &mut Budget<'_>,
    emit: Emit<'_>,
) -> bool {
    let mut zip = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(zip) => zip,
        Err(e) => {
            scan.warn(
                WarningKind::Archive,
                Some(display),
                format!("corrupt zip archive ({e}); scanned as plain bytes"),
            );
            return false;
        }
    };
    for index in 0..zip.len() {
        let mut entry = match zip.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                scan.warn(
                    WarningKind::Archive,
                    Some(display),
                    format!("unreadable zip entry #{index}: {e}"),
                );
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let member = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("#{index}"));
        let name = format!("{display}!{member}");
        if let Err(limit) = budget.member() {
            scan.warn(WarningKind::Archive, Some(&name), limit);
            return true;
        }
        if entry.size() > budget.limits.max_member_size {
            scan.skip();
            scan.warn(
                WarningKind::Archive,
                Some(&name),
                format!("member of {} bytes exceeds the member size limit", entry.size()),
            );
            continue;
        }
        if let Err(limit) = budget.charge(entry.size()) {
            scan.warn(WarningKind::Archive, Some(&name), limit);
            return true;
        }
        let mut bytes = Vec::with_capacity(entry.size().min(1 << 20) as usize);
        if let Err(e) = read_bounded(&mut entry, budget.limits.max_member_size, &mut bytes) {
            scan.warn(WarningKind::Archive, Some(&name), format!("cannot read member: {e}"));
        }
        drop(entry);
        scan_member(scan, &bytes, &name, depth, budget, emit);
        if budget.exhausted() {
            return true;
        }
    }
    true
}

fn scan_tar(
    scan: &dyn Feed,
    reader: &mut dyn Read,
    display: &str,
    depth: usize,
    budget: &mut Budget<'_>,
    emit: Emit<'_>,
) {
    let walked = walk_tar(reader, &mut |entry| {
        if !entry.is_file {
            return Walk::Continue;
        }
        let name = format!("{display}!{}", entry.path.trim_start_matches("./"));
        if let Err(limit) = budget.member() {
            scan.warn(WarningKind::Archive, Some(&name), limit);
            return Walk::Stop;
        }
        if entry.size > budget.limits.max_member_size {
            scan.skip();
            scan.warn(
                WarningKind::Archive,
                Some(&name),
                format!("member of {} bytes exceeds the member size limit", entry.size),
            );
            return Walk::Continue;
        }
        if let Err(limit) = budget.charge(entry.size) {
            scan.warn(WarningKind::Archive, Some(&name), limit);
            return Walk::Stop;
        }
        let mut bytes = Vec::with_capacity(entry.size.min(1 << 20) as usize);
        if let Err(e) = read_bounded(entry.data, budget.limits.max_member_size, &mut bytes) {
            scan.warn(WarningKind::Archive, Some(&name), format!("cannot read member: {e}"));
        }
        scan_member(scan, &bytes, &name, depth, budget, emit);
        if budget.exhausted() {
            Walk::Stop
        } else {
            Walk::Continue
        }
    });
    if let Err(e) = walked {
        scan.warn(WarningKind::Archive, Some(display), error_chain(&e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_magic() {
        assert_eq!(detect(b"PK\x03\x04rest"), Some(ArchiveKind::Zip));
        assert_eq!(detect(&[0x1f, 0x8b, 8]), Some(ArchiveKind::Gzip));
        assert_eq!(detect(&[0x28, 0xb5, 0x2f, 0xfd]), Some(ArchiveKind::Zstd));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(detect(&tar), Some(ArchiveKind::Tar));
        assert_eq!(detect(b"plain text"), None);
    }

    #[test]
    fn compression_suffixes_name_the_inner_member() {
        assert_eq!(strip_compression_suffix("logs/app.log.gz"), "app.log");
        assert_eq!(strip_compression_suffix("a.zip!dump.sql.zst"), "dump.sql");
        assert_eq!(strip_compression_suffix("x.tgz"), "x.tar");
    }
}
