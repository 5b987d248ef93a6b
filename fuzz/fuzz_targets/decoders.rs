//! Each decoder on arbitrary bytes: runs lie inside the region, decoding a
//! run never panics, and a joined notebook run maps every segment back
//! inside the run and the joined text.
#![no_main]

use keyhound_engine::decode::{self, Codec};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for codec in [Codec::Base64, Codec::Percent, Codec::JsonEscape, Codec::JsonLines] {
        for run in decode::runs(data, codec) {
            assert!(
                run.start <= run.end && run.end <= data.len(),
                "{codec:?} run out of the region"
            );
            let bytes = &data[run];
            if let Some(decoded) = decode::decode(bytes, codec) {
                let _ = decode::worth_scanning(&decoded, bytes);
            }
            if codec == Codec::JsonLines {
                if let Some((joined, segments)) = decode::join_json_lines(bytes) {
                    for &(at, from) in &segments {
                        assert!(at <= joined.len() && from <= bytes.len(), "segment out of bounds");
                    }
                    let _ = decode::map_joined(&segments, joined.len());
                }
            }
        }
    }
});
