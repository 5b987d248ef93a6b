//! Incremental audits: the set of blob ids already scanned clean under the
//! current rule set and engine version. A re-audit after a few new commits
//! reads only the new blobs (and those with findings, which are few and
//! must be re-read to report them). The file holds ids only, never content.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use gix::ObjectId;

const MAGIC: &[u8; 8] = b"KHCACHE1";

/// Blob ids known to hold no finding under one rule set.
#[derive(Debug)]
pub struct BlobCache {
    path: PathBuf,
    clean: HashSet<ObjectId>,
    loaded: usize,
}

impl BlobCache {
    /// Opens (or starts) the cache for `key` in `dir`. A corrupt file is
    /// treated as empty: the cache only ever saves work.
    pub fn open(dir: &Path, key: &str) -> BlobCache {
        let path = dir.join(format!("clean-blobs-{key}.bin"));
        let clean = std::fs::read(&path).ok().map(|bytes| parse(&bytes)).unwrap_or_default();
        let loaded = clean.len();
        BlobCache { path, clean, loaded }
    }

    /// Whether `id` was scanned clean before.
    pub fn is_clean(&self, id: &ObjectId) -> bool {
        self.clean.contains(id)
    }

    /// Records blobs scanned clean in this run.
    pub fn extend(&mut self, ids: impl IntoIterator<Item = ObjectId>) {
        self.clean.extend(ids);
    }

    /// Number of ids the cache held when opened.
    pub fn loaded(&self) -> usize {
        self.loaded
    }

    /// Writes the cache atomically (temp file + rename).
    pub fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("tmp");
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        file.write_all(MAGIC)?;
        for id in &self.clean {
            let bytes = id.as_bytes();
            file.write_all(&[bytes.len() as u8])?;
            file.write_all(bytes)?;
        }
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(tmp, &self.path)
    }
}

fn parse(bytes: &[u8]) -> HashSet<ObjectId> {
    let mut out = HashSet::new();
    let Some(mut rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
        return out;
    };
    while let Some((&len, tail)) = rest.split_first() {
        let len = len as usize;
        if tail.len() < len {
            break;
        }
        if let Ok(id) = ObjectId::try_from(&tail[..len]) {
            out.insert(id);
        }
        rest = &tail[len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_round_trips_and_survives_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let id = ObjectId::from_hex(b"9fceb02d0ae598e95dc970b74767f19372d61af8").unwrap();
        let mut cache = BlobCache::open(dir.path(), "k");
        assert!(!cache.is_clean(&id));
        cache.extend([id]);
        cache.save().unwrap();
        let again = BlobCache::open(dir.path(), "k");
        assert!(again.is_clean(&id));
        assert_eq!(again.loaded(), 1);
        assert!(!BlobCache::open(dir.path(), "other-key").is_clean(&id));
        std::fs::write(dir.path().join("clean-blobs-k.bin"), b"garbage").unwrap();
        assert_eq!(BlobCache::open(dir.path(), "k").loaded(), 0);
    }
}
