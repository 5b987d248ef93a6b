//! Engine throughput on a generated 64 MiB realistic source corpus with
//! sparse secrets: the whole rule set, one thread, bytes per second.
//!
//! Run: `cargo bench --bench engine`. Criterion prints the throughput in
//! MiB/s; the closing notes compare it with `rg` on the same bytes.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "support/corpus.rs"]
mod corpus;

fn engine(c: &mut Criterion) {
    let corpus = corpus::generate(64 << 20, 1 << 20, 42);
    let rules = keyhound::rules::builtin().expect("built-in rules");
    let scanner = keyhound::engine::Scanner::new(rules.into_iter().map(Arc::new).collect()).expect("scanner");
    let found = scanner.scan(&corpus).len();
    assert!(found >= 32, "corpus should carry about 64 secrets, found {found}");
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(corpus.len() as u64));
    group.sample_size(10);
    group.bench_function("scan_64MiB_source", |b| {
        b.iter(|| black_box(scanner.scan(black_box(&corpus)).len()))
    });
    group.finish();

    // The keyword prefilter alone: four interleaved DFA lanes against the
    // aho-corasick crate's own overlapping search over the same keywords.
    let keywords: Vec<Vec<u8>> = {
        let mut k: Vec<Vec<u8>> = keyhound::rules::builtin()
            .unwrap()
            .iter()
            .flat_map(|r| r.spec.keywords.iter().map(|k| k.to_ascii_lowercase().into_bytes()))
            .collect();
        k.sort();
        k.dedup();
        k
    };
    let lanes = keyhound::engine::keywords::KeywordSearcher::new(&keywords).unwrap();
    let plain = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&keywords)
        .unwrap();
    assert_eq!(
        lanes.find_all(&corpus).len(),
        plain.find_overlapping_iter(&corpus).count()
    );
    let mut prefilter = c.benchmark_group("prefilter");
    prefilter.throughput(Throughput::Bytes(corpus.len() as u64));
    prefilter.sample_size(10);
    prefilter.bench_function("dfa_four_lanes", |b| {
        b.iter(|| black_box(lanes.find_all(black_box(&corpus)).len()))
    });
    prefilter.bench_function("aho_corasick_overlapping", |b| {
        b.iter(|| black_box(plain.find_overlapping_iter(black_box(&corpus)).count()))
    });
    prefilter.finish();

    let mut startup = c.benchmark_group("startup");
    startup.bench_function("load_rules_and_build_scanner", |b| {
        b.iter(|| {
            let rules = keyhound::rules::builtin().unwrap();
            black_box(keyhound::engine::Scanner::new(rules.into_iter().map(Arc::new).collect()).unwrap())
        })
    });
    startup.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
