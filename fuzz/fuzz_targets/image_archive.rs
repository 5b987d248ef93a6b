//! The image reader on an arbitrary `docker save`/OCI tar: manifest, index
//! and config parsers and the layer walker never panic, and paths that
//! leave the archive are never opened (the reader works on the tar alone).
#![no_main]

use keyhound_sources::archive::ArchiveLimits;
use keyhound_sources::image::{self, ImageOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("image.tar");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let options = ImageOptions {
        platform: None,
        limits: ArchiveLimits {
            max_depth: 2,
            max_total_bytes: 8 << 20,
            max_ratio: 100,
            max_members: 1000,
            max_member_size: 1 << 20,
        },
    };
    let _ = image::scan_image(&keyhound_fuzz::EngineFeed, &path, &options);
});
