//! A stream scanned in chunks (standard input, a CI log) loses no finding
//! at a chunk boundary and reports none twice: the stdin source and the
//! scan together.

use std::sync::{Arc, Mutex};

use keyhound_engine::Scanner;
use keyhound_findings::{Finding, Sink, Summary};
use keyhound_scan::policy::Policy;
use keyhound_scan::ScanRun;
use keyhound_sources::stdin::scan_stream;

#[derive(Default)]
struct Collect(Mutex<Vec<Finding>>);
impl Sink for Collect {
    fn blob_findings(&self, f: Vec<Finding>) {
        self.0.lock().unwrap().extend(f);
    }
    fn finish(&self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn chunk_boundaries_neither_lose_nor_duplicate_findings() {
    let rules = keyhound_rules::parse_pack(
        "t.toml",
        r#"
[[rules]]
id = "demo"
name = "Demo"
keywords = ["dmo_"]
pattern = '(?P<secret>dmo_[A-Za-z0-9]{20})\b'
[rules.examples]
positive = ["x"]
negative = ["y"]
"#,
    )
    .unwrap();
    let scanner = Scanner::new(rules.into_iter().map(Arc::new).collect()).unwrap();
    let policy = Policy::default();
    let mut text = String::new();
    let mut expected_lines = Vec::new();
    for line in 1..=400 {
        if line % 7 == 0 {
            let mixed = (line as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            text.push_str(&format!("key dmo_{mixed:016x}Zq{:02}\n", line % 97));
            expected_lines.push(line);
        } else {
            text.push_str("padding padding padding\n");
        }
    }
    // Chunk sizes that cut lines and tokens at many different places.
    for chunk in [64usize, 100, 257, 1000] {
        let sink = Collect::default();
        let scan = ScanRun::new(&scanner, &policy, &sink, false);
        scan_stream(&scan, &mut text.as_bytes(), "t", chunk, 48).unwrap();
        let mut lines: Vec<usize> = sink.0.lock().unwrap().iter().map(|f| f.line).collect();
        lines.sort();
        assert_eq!(lines, expected_lines, "chunk {chunk}");
        let offsets_ok = sink
            .0
            .lock()
            .unwrap()
            .iter()
            .all(|f| text[f.offset..].starts_with("dmo_"));
        assert!(offsets_ok, "chunk {chunk}");
    }
}
