//! Credential-file readers: spans inside the file, a reason, a declared rule.
//! The body and its invariant: `keyhound_fuzzing::targets::credfiles`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::credfiles(data));
