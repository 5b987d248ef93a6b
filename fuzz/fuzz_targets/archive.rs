//! The archive walker (zip, tar, gzip, zstd, nested) on arbitrary bytes,
//! within small bomb limits: no panic, no hang, no allocation past them,
//! and every emitted member within the per-member limit.
#![no_main]

use keyhound_sources::archive::{self, ArchiveLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(kind) = archive::detect(data) else { return };
    let limits = ArchiveLimits {
        max_depth: 3,
        max_total_bytes: 8 << 20,
        max_ratio: 100,
        max_members: 1000,
        max_member_size: 1 << 20,
    };
    let feed = keyhound_fuzz::EngineFeed;
    let mut emit = |bytes: &[u8], _name: &str| {
        // The top level may be emitted whole when it does not open.
        assert!(
            bytes.len() <= (1 << 20) || bytes.len() == data.len(),
            "member past its limit"
        );
        keyhound_fuzz::scanner().scan(bytes);
    };
    archive::scan_archive(&feed, data, kind, "fuzz", &limits, &mut emit);
});
