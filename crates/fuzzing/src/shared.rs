//! What the targets share: the built-in rules compiled once, a feed that
//! runs the engine and drops what it finds, and a structurally valid
//! (checksummed) GitHub token to plant.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use keyhound_engine::Scanner;
use keyhound_findings::{Finding, Origin, Provenance, Warning};
use keyhound_sources::archive::ArchiveLimits;
use keyhound_sources::Feed;

/// The built-in rule packs, compiled once per process: compiling them for
/// every input would be all a fuzzer measured.
pub fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(|| {
        let rules = keyhound_rules::builtin().expect("built-in packs load");
        Scanner::new(rules.into_iter().map(Arc::new).collect()).expect("built-in packs compile")
    })
}

/// A feed that runs the engine on every blob, so that the archive and image
/// walkers reach it, and keeps nothing.
pub struct EngineFeed;

impl Feed for EngineFeed {
    fn scan_blob(&self, bytes: &[u8], _: Arc<Origin>) -> usize {
        scanner().scan(bytes).len()
    }

    fn find(&self, bytes: &[u8], _: Arc<Origin>) -> Vec<Finding> {
        scanner().scan(bytes);
        Vec::new()
    }

    fn scan_chunk(&self, bytes: &[u8], _: &Arc<Origin>) -> Vec<Finding> {
        scanner().scan(bytes);
        Vec::new()
    }

    fn count_stream_file(&self) {}

    fn report(&self, _: Vec<Finding>, _: &Provenance) -> usize {
        0
    }

    fn warning(&self, _: Warning) {}

    fn skip(&self) {}

    fn cancelled(&self) -> bool {
        false
    }

    fn is_excluded(&self, _: &Path) -> bool {
        false
    }
}

/// A GitHub classic token derived from `seed`: `ghp_`, 30 base62
/// characters and their CRC-32 in base62, as GitHub makes them (so the
/// rule's checksum accepts it).
pub fn github_token(seed: &[u8]) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    // A xorshift stream seeded from the bytes: random-looking whatever the
    // seed (an all-zero seed must not make a low-entropy fake).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for &b in seed {
        state = (state ^ u64::from(b)).wrapping_mul(0x100_0000_01B3);
    }
    let mut body = String::with_capacity(30);
    for _ in 0..30 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        body.push(ALPHABET[(state % 62) as usize] as char);
    }
    let check = keyhound_engine::checksum::base62_crc(crc32fast::hash(body.as_bytes()));
    format!("ghp_{body}{}", String::from_utf8_lossy(&check))
}

/// Small bomb limits, so that a crafted archive is cut off quickly.
pub fn small_limits(max_depth: usize) -> ArchiveLimits {
    ArchiveLimits {
        max_depth,
        max_total_bytes: 8 << 20,
        max_ratio: 100,
        max_members: 1000,
        max_member_size: 1 << 20,
    }
}
