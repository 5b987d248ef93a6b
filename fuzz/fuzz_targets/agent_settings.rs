//! Agent settings files: install then uninstall gives the settings back.
//! The body and its invariant: `keyhound_fuzzing::targets::agent_settings`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::agent_settings(data));
