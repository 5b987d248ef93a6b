//! A checksummed GitHub token planted in arbitrary bytes, plain or encoded,
//! is found with its exact bytes.
//! The body and its invariant: `keyhound_fuzzing::targets::engine_planted`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::engine_planted(data));
