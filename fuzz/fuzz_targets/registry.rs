//! A loopback registry answering from the input (challenge, token,
//! manifests, blobs), read by keyhound's real client: no panic, hang or
//! request loop. The body and its invariant: `keyhound_fuzzing::registry`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::registry::registry(data));
