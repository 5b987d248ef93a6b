//! The engine on arbitrary bytes: every match, secret and group lies inside
//! the input.
//! The body and its invariant: `keyhound_fuzzing::targets::engine_scan`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::engine_scan(data));
