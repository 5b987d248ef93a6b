//! Stream source: standard input (a CI log, a `git diff`, a pipe), scanned
//! in bounded chunks so a multi-gigabyte log never sits in memory whole.
//!
//! Consecutive chunks overlap by [`OVERLAP`] bytes (cut at a line start) so a
//! secret straddling a boundary — even a multi-line PEM block — is seen whole
//! in one of them; findings already reported from the overlap are dropped.

use std::io::Read;
use std::sync::Arc;

use super::SourceError;
use crate::feed::Feed;
use keyhound_findings::{Origin, Provenance, StreamPosition};

/// Bytes scanned per chunk.
pub const CHUNK: usize = 8 << 20;
/// Bytes carried from one chunk into the next.
pub const OVERLAP: usize = 64 << 10;

/// Scans everything `reader` yields under the display name `name`.
pub fn scan_reader(scan: &dyn Feed, mut reader: impl Read, name: &str) -> Result<(), SourceError> {
    scan_stream(scan, &mut reader, name, CHUNK, OVERLAP)
}

/// [`scan_reader`] with explicit chunk sizes (tests use small ones).
///
/// A chunk reports only the findings that start before the point the next
/// chunk re-reads from; later ones are left to the next chunk, which sees
/// them whole. So nothing is reported twice or cut short.
pub fn scan_stream(
    scan: &dyn Feed,
    reader: &mut dyn Read,
    name: &str,
    chunk: usize,
    overlap: usize,
) -> Result<(), SourceError> {
    let origin = Arc::new(Origin::Stdin { name: name.to_string() });
    scan_stream_as(scan, reader, origin, chunk, overlap)
}

/// [`scan_stream`] under another origin: other sources stream inputs too
/// large to hold in memory (an object store's multi-gigabyte log).
pub fn scan_stream_as(
    scan: &dyn Feed,
    reader: &mut dyn Read,
    origin: Arc<Origin>,
    chunk: usize,
    overlap: usize,
) -> Result<(), SourceError> {
    let name = origin.display_path().to_string();
    let name = name.as_str();
    scan.count_stream_file();
    let chunk = chunk.max(2);
    let overlap = overlap.min(chunk / 2);
    let mut buf: Vec<u8> = Vec::with_capacity(chunk.min(1 << 20));
    // Absolute offset and line number of buf[0].
    let (mut base_offset, mut base_line) = (0usize, 1usize);
    loop {
        let eof = fill(scan, reader, &mut buf, chunk, name)?;
        let keep_from = if eof { buf.len() } else { carry_start(&buf, overlap) };
        let mut findings = scan.scan_chunk(&buf, &origin);
        findings.retain(|f| eof || f.offset < keep_from);
        let position = StreamPosition {
            offset: base_offset,
            line: base_line,
        };
        scan.report(findings, &Provenance::stream(position));
        if eof || scan.cancelled() {
            return Ok(());
        }
        base_line += memchr::memchr_iter(b'\n', &buf[..keep_from]).count();
        base_offset += keep_from;
        buf.drain(..keep_from);
    }
}

/// Reads until `buf` holds `chunk` bytes or the stream ends; returns whether
/// it ended. Once the scan is cancelled it stops after the read in progress,
/// so a producer that never closes the pipe cannot keep keyhound waiting
/// for a full chunk after Ctrl-C or SIGTERM.
fn fill(
    scan: &dyn Feed,
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    chunk: usize,
    name: &str,
) -> Result<bool, SourceError> {
    let mut tmp = [0u8; 64 * 1024];
    while buf.len() < chunk {
        match reader.read(&mut tmp) {
            Ok(0) => return Ok(true),
            Ok(n) => {
                buf.extend_from_slice(&tmp[..n]);
                if scan.cancelled() {
                    return Ok(true);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(source) => {
                return Err(SourceError::Stream {
                    name: name.to_string(),
                    source,
                })
            }
        }
    }
    Ok(false)
}

/// The offset from which the next chunk re-reads: the first line start in
/// the last `overlap` bytes (or exactly `overlap` back on a huge line).
fn carry_start(buf: &[u8], overlap: usize) -> usize {
    let from = buf.len().saturating_sub(overlap);
    match memchr::memchr(b'\n', &buf[from..]) {
        Some(p) if from + p + 1 < buf.len() => from + p + 1,
        _ => from,
    }
}
