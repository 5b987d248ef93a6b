//! Each decoder on arbitrary bytes: runs lie inside the region; joined
//! notebook segments map back inside.
//! The body and its invariant: `keyhound_fuzzing::targets::decoders`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::decoders(data));
