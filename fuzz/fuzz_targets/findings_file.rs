//! A findings file (keyhound JSON, JSONL, SARIF): an error or a reading.
//! The body and its invariant: `keyhound_fuzzing::targets::findings_file`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::findings_file(data));
