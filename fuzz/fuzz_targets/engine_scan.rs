//! The engine on arbitrary bytes: no panic, and every candidate lies
//! inside the input with its secret inside its match.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for c in keyhound_fuzz::scanner().scan(data) {
        assert!(
            c.span.start <= c.span.end && c.span.end <= data.len(),
            "match out of the input"
        );
        assert!(c.secret.end <= data.len(), "secret out of the input");
        for (_, g) in &c.groups {
            assert!(g.end <= data.len(), "group out of the input");
        }
    }
});
