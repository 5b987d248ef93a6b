//! Credential-file readers: every reader, on any bytes, returns
//! credentials whose spans lie inside the file and that say why they were
//! kept; `read` by path agrees with the reader it picks. The first byte
//! picks the reader, so each gets its share of the run.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let readers: Vec<_> = keyhound_credfiles::readers().collect();
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let reader = readers[pick as usize % readers.len()];
    for c in (reader.read)(bytes) {
        assert!(c.span.start <= c.span.end && c.span.end <= bytes.len(), "{}: span {:?} outside {} bytes", reader.family, c.span, bytes.len());
        assert!(!c.reason.is_empty(), "{}: a credential without a reason", reader.family);
        assert!(reader.rule_ids.contains(&c.rule_id), "{}: reports under {} which it does not declare", reader.family, c.rule_id);
    }
});
