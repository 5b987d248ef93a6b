//! The findings-file reader of `keyhound report` and `exposure` (keyhound
//! JSON, JSONL or SARIF, whatever another tool wrote): an error or a
//! reading, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = keyhound_report::saved::parse(text);
});
