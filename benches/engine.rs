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
