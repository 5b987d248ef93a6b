//! The files that steer a scan (`.keyhound.toml`, baselines, the peers'
//! configs `keyhound migrate` reads): an error or a reading, and what
//! migrate writes keyhound reads back.
//! The body and its invariant: `keyhound_fuzzing::targets::config_files`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::config_files(data));
