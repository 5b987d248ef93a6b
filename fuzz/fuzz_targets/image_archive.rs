//! The image reader on an arbitrary `docker save`/OCI tar: manifest, index,
//! config and layer parsing never panic.
//! The body and its invariant: `keyhound_fuzzing::targets::image_archive`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::image_archive(data));
