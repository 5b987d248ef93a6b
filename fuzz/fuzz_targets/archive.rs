//! The archive walker (zip, tar, gzip, zstd, nested) under small bomb
//! limits: no member emitted past the per-member limit.
//! The body and its invariant: `keyhound_fuzzing::targets::archive`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::archive(data));
