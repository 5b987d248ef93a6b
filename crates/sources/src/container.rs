//! The one container layer: the compression sniffer and the tar walker that
//! archives in trees (`archive`) and image layers (`image`) share, and the
//! expansion budget an archive is charged against.
//!
//! Nothing here is written to disk; readers are streamed. The budget is
//! charged with a member's declared size *before* its bytes are read, so a
//! member that would break a limit is never read whole.

use std::io::{BufReader, Read};

/// Bomb limits of an archive and everything nested in it, each
/// configurable from the command line.
#[derive(Debug, Clone)]
pub struct ArchiveLimits {
    /// How deep archives may nest (an archive in an archive is depth 2).
    pub max_depth: usize,
    /// Expanded bytes allowed per top-level archive.
    pub max_total_bytes: u64,
    /// Expanded bytes allowed per compressed byte (checked past 1 MiB).
    pub max_ratio: u64,
    /// Members allowed per top-level archive.
    pub max_members: usize,
    /// Largest single member scanned.
    pub max_member_size: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_depth: 4,
            max_total_bytes: 1 << 30,
            max_ratio: 250,
            max_members: 100_000,
            max_member_size: 100 << 20,
        }
    }
}

/// How a stream is compressed, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed (or not in a format this layer knows).
    None,
    /// gzip (`1f 8b`), possibly several members in a row.
    Gzip,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

impl Compression {
    /// Recognises a compressed stream from its first bytes.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// `reader` decompressed as its first bytes say (plain streams pass
/// through), with what was found. The magic is read in full even from a
/// stream that yields a byte at a time (a registry blob over HTTP). Fails
/// only if a zstd frame header is unusable.
pub fn decompress<'a>(mut reader: impl Read + 'a) -> std::io::Result<(Compression, Box<dyn Read + 'a>)> {
    let mut magic = [0u8; 4];
    let n = read_full(&mut reader, &mut magic);
    let compression = Compression::sniff(&magic[..n]);
    let whole = BufReader::new(std::io::Cursor::new(magic[..n].to_vec()).chain(reader));
    let decoded: Box<dyn Read + 'a> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(whole)?),
        Compression::None => Box::new(whole),
    };
    Ok((compression, decoded))
}

/// Fills `buf` as far as the stream allows (a short read is not the end);
/// returns how many bytes were read. A read error ends it like the end of
/// the stream: the caller sees a short head.
pub fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

/// One entry of a tar stream, handed to the walker's visitor.
pub struct TarEntry<'a> {
    /// The entry's path as stored (lossily UTF-8).
    pub path: String,
    /// Whether it is a regular file (directories, links, devices are not).
    pub is_file: bool,
    /// The size its header declares.
    pub size: u64,
    /// Its bytes; read at most what is needed.
    pub data: &'a mut dyn Read,
}

/// What the visitor wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Go on to the next entry.
    Continue,
    /// Stop walking (a limit was reached).
    Stop,
}

/// Why a tar walk ended early.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// The stream is not a readable tar at all.
    #[error("corrupt tar archive")]
    Unreadable(#[source] std::io::Error),
    /// The stream broke off or is damaged after some entries.
    #[error("corrupt or truncated tar archive")]
    Truncated(#[source] std::io::Error),
}

/// Walks a tar stream entry by entry, in stream order, calling `visit` for
/// each; returns early when the visitor says stop.
pub fn walk_tar(reader: &mut dyn Read, visit: &mut dyn FnMut(TarEntry<'_>) -> Walk) -> Result<(), TarError> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(TarError::Unreadable)?;
    for entry in entries {
        let mut entry = entry.map_err(TarError::Truncated)?;
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let is_file = entry.header().entry_type().is_file();
        let size = entry.size();
        let walk = visit(TarEntry {
            path,
            is_file,
            size,
            data: &mut entry,
        });
        if walk == Walk::Stop {
            break;
        }
    }
    Ok(())
}

/// Why the budget refused more.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitReached {
    /// More expanded bytes than the archive may yield.
    #[error("archive limit reached (more than {0} expanded bytes); the rest of this archive is skipped")]
    Bytes(u64),
    /// Expanded bytes out of proportion to the compressed size.
    #[error("archive limit reached (expansion ratio above {0}:1); the rest of this archive is skipped")]
    Ratio(u64),
    /// More members than the archive may have.
    #[error("archive limit reached (more than {0} members)")]
    Members(usize),
}

/// The expansion ratio is only judged past this many expanded bytes (small
/// archives of small, compressible files are not bombs).
const RATIO_FREE_BYTES: u64 = 1 << 20;

/// Accounting for one top-level archive and everything nested in it.
#[derive(Debug)]
pub struct Budget<'a> {
    /// The limits charged against.
    pub limits: &'a ArchiveLimits,
    compressed: u64,
    expanded: u64,
    members: usize,
    exhausted: bool,
}

impl<'a> Budget<'a> {
    /// A fresh budget for an archive of `compressed` bytes.
    pub fn new(limits: &'a ArchiveLimits, compressed: u64) -> Budget<'a> {
        Budget {
            limits,
            compressed,
            expanded: 0,
            members: 0,
            exhausted: false,
        }
    }

    /// Whether a limit was reached: nothing more of the archive is read.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// Expanded bytes still allowed before a limit is reached.
    pub fn remaining(&self) -> u64 {
        let by_ratio = self
            .compressed
            .saturating_mul(self.limits.max_ratio)
            .max(RATIO_FREE_BYTES);
        self.limits.max_total_bytes.min(by_ratio).saturating_sub(self.expanded)
    }

    /// Charges `n` expanded bytes *before* they are read; `Err` (and the
    /// budget exhausted) if that breaks a limit.
    pub fn charge(&mut self, n: u64) -> Result<(), LimitReached> {
        if self.exhausted {
            return Err(LimitReached::Bytes(self.limits.max_total_bytes));
        }
        let expanded = self.expanded.saturating_add(n);
        let ratio_hit = expanded > RATIO_FREE_BYTES && expanded > self.compressed.saturating_mul(self.limits.max_ratio);
        if expanded > self.limits.max_total_bytes || ratio_hit {
            self.exhausted = true;
            return Err(if ratio_hit {
                LimitReached::Ratio(self.limits.max_ratio)
            } else {
                LimitReached::Bytes(self.limits.max_total_bytes)
            });
        }
        self.expanded = expanded;
        Ok(())
    }

    /// Counts one more member; `Err` (and the budget exhausted) past the
    /// member limit.
    pub fn member(&mut self) -> Result<(), LimitReached> {
        self.members += 1;
        if self.members > self.limits.max_members {
            self.exhausted = true;
            return Err(LimitReached::Members(self.limits.max_members));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn one_sniffer_reads_plain_gzip_and_zstd_alike() {
        let plain = tar_of(&[("a.txt", b"hello")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&plain[..], 3).unwrap();
        for (bytes, expected) in [
            (&plain, Compression::None),
            (&gz, Compression::Gzip),
            (&zst, Compression::Zstd),
        ] {
            let (found, mut reader) = decompress(&bytes[..]).unwrap();
            assert_eq!(found, expected);
            let mut names = Vec::new();
            walk_tar(&mut reader, &mut |entry| {
                let mut data = String::new();
                entry.data.read_to_string(&mut data).unwrap();
                names.push((entry.path, data));
                Walk::Continue
            })
            .unwrap();
            assert_eq!(names, [("a.txt".to_string(), "hello".to_string())]);
        }
    }

    /// A reader that yields one byte per call, as a network body may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn the_magic_is_sniffed_from_a_stream_that_trickles() {
        let zst = zstd::encode_all(&tar_of(&[("a.txt", b"hello")])[..], 3).unwrap();
        let (found, mut reader) = decompress(Trickle(&zst)).unwrap();
        assert_eq!(found, Compression::Zstd);
        let mut names = Vec::new();
        walk_tar(&mut reader, &mut |entry| {
            names.push(entry.path);
            Walk::Continue
        })
        .unwrap();
        assert_eq!(names, ["a.txt"]);
    }

    #[test]
    fn the_budget_is_charged_before_a_member_is_read() {
        let limits = ArchiveLimits {
            max_total_bytes: 10 << 20,
            max_ratio: 1000,
            max_members: 3,
            ..ArchiveLimits::default()
        };
        let mut budget = Budget::new(&limits, 1000);
        // 1 MiB free of the ratio, then 1000 × 1000 bytes.
        assert_eq!(budget.remaining(), 1 << 20);
        assert!(budget.charge(600_000).is_ok());
        assert_eq!(
            budget.charge(600_000),
            Err(LimitReached::Ratio(1000)),
            "a member declaring more than is left is refused before it is read"
        );
        assert!(budget.exhausted());
        let mut budget = Budget::new(&limits, 1 << 30);
        assert!(budget.member().is_ok() && budget.member().is_ok() && budget.member().is_ok());
        assert_eq!(budget.member(), Err(LimitReached::Members(3)));
        let mut budget = Budget::new(&limits, 1 << 30);
        assert_eq!(budget.charge(11 << 20), Err(LimitReached::Bytes(10 << 20)));
    }

    #[test]
    fn a_truncated_tar_keeps_the_entries_before_the_break() {
        let tar = tar_of(&[("a.txt", b"first"), ("b.txt", &[7u8; 4096])]);
        let cut = &tar[..tar.len() - 2048];
        let mut seen = Vec::new();
        let result = walk_tar(&mut &cut[..], &mut |entry| {
            let mut data = Vec::new();
            let read = entry.data.read_to_end(&mut data);
            seen.push((entry.path, read.is_ok()));
            Walk::Continue
        });
        assert_eq!(seen[0], ("a.txt".to_string(), true));
        assert!(seen.len() == 2 || result.is_err(), "{seen:?} {result:?}");
    }
}
