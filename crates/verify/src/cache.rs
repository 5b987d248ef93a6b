//! `--verify-cache FILE`: verification outcomes kept between runs, keyed by
//! the secret's verification key (fingerprint, plus a hash of any companion
//! values), so repeated CI runs do not ask providers again within the TTL.
//! Only definite answers (live, invalid) are kept; unknown is retried.
//! The file holds fingerprints and account details, never secrets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{Status, Verification};

const CACHE_VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Seconds since the Unix epoch when the provider was asked.
    checked_unix: u64,
    verification: Verification,
}

/// The cache, loaded.
#[derive(Debug)]
pub struct VerifyCache {
    path: PathBuf,
    ttl: Duration,
    file: CacheFile,
    dirty: bool,
}

fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl VerifyCache {
    /// Opens `path` (a missing or unreadable file is an empty cache; the
    /// warning, if any, is returned with it).
    pub fn open(path: &Path, ttl: Duration) -> (VerifyCache, Option<String>) {
        let mut warning = None;
        let file = match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<CacheFile>(&bytes) {
                Ok(f) if f.version == CACHE_VERSION => f,
                Ok(_) => CacheFile::default(),
                Err(e) => {
                    warning = Some(format!(
                        "{}: unreadable verify cache, starting afresh: {e}",
                        path.display()
                    ));
                    CacheFile::default()
                }
            },
            Err(_) => CacheFile::default(),
        };
        let cache = VerifyCache {
            path: path.to_path_buf(),
            ttl,
            file,
            dirty: false,
        };
        (cache, warning)
    }

    /// A fresh outcome for `key`, marked as cached.
    pub fn get(&self, key: &str) -> Option<Verification> {
        let entry = self.file.entries.get(key)?;
        if now_unix().saturating_sub(entry.checked_unix) > self.ttl.as_secs() {
            return None;
        }
        let mut v = entry.verification.clone();
        v.cached = true;
        Some(v)
    }

    /// Records a definite outcome.
    pub fn put(&mut self, key: &str, verification: &Verification) {
        if verification.status == Status::Unknown {
            return;
        }
        self.file.entries.insert(
            key.to_string(),
            Entry {
                checked_unix: now_unix(),
                verification: Verification {
                    cached: false,
                    ..verification.clone()
                },
            },
        );
        self.dirty = true;
    }

    /// Writes the cache back (expired entries dropped), atomically.
    pub fn save(&mut self) -> std::io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        let now = now_unix();
        let ttl = self.ttl.as_secs();
        self.file.version = CACHE_VERSION;
        self.file
            .entries
            .retain(|_, e| now.saturating_sub(e.checked_unix) <= ttl);
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&self.file)?)?;
        std::fs::rename(&tmp, &self.path)?;
        self.dirty = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_definite_answers_within_the_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.json");
        let (mut cache, _) = VerifyCache::open(&path, Duration::from_secs(3600));
        let live = Verification {
            status: Status::Live,
            ..Verification::unknown("", Some(200))
        };
        cache.put("fp1", &live);
        cache.put("fp2", &Verification::unknown("timeout", None));
        cache.save().unwrap();
        let (again, warning) = VerifyCache::open(&path, Duration::from_secs(3600));
        assert!(warning.is_none());
        assert_eq!(again.get("fp1").unwrap().status, Status::Live);
        assert!(again.get("fp1").unwrap().cached);
        assert!(again.get("fp2").is_none());
        let (expired, _) = VerifyCache::open(&path, Duration::from_secs(0));
        std::thread::sleep(Duration::from_millis(1100));
        assert!(expired.get("fp1").is_none());
    }
}
