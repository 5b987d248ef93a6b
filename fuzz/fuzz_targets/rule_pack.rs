//! Rule-pack TOML, then compiling it: an error or rules, never a panic.
//! The body and its invariant: `keyhound_fuzzing::targets::rule_pack`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::rule_pack(data));
