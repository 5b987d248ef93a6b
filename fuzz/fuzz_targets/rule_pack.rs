//! A rule pack's TOML from anywhere (a config may name one): parsing and
//! compiling either succeed or return an error, never panic.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(rules) = keyhound_rules::parse_pack("fuzz.toml", text) {
        if keyhound_rules::check_unique(&rules).is_ok() {
            let _ = keyhound_engine::Scanner::new(rules.into_iter().map(Arc::new).collect());
        }
    }
});
