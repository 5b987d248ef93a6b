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
    let rules = keyhound_rules::builtin().expect("built-in rules");
    let scanner = keyhound_engine::Scanner::new(rules.into_iter().map(Arc::new).collect()).expect("scanner");
    let found = scanner.scan(&corpus).len();
    assert!(found >= 32, "corpus should carry about 64 secrets, found {found}");
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Bytes(corpus.len() as u64));
    group.sample_size(10);
    group.bench_function("scan_64MiB_source", |b| {
        b.iter(|| black_box(scanner.scan(black_box(&corpus)).len()))
    });
    group.finish();

    // The keyword prefilter alone: the shift-or over byte pairs against the
    // aho-corasick crate's overlapping DFA search over the same keywords.
    let keywords: Vec<Vec<u8>> = {
        let mut k: Vec<Vec<u8>> = keyhound_rules::builtin()
            .unwrap()
            .iter()
            .flat_map(|r| r.spec.keywords.iter().map(|k| k.to_ascii_lowercase().into_bytes()))
            .collect();
        k.sort();
        k.dedup();
        k
    };
    let shift_or = keyhound_engine::keywords::KeywordSearcher::new(&keywords).unwrap();
    let plain = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&keywords)
        .unwrap();
    assert_eq!(
        shift_or.find_all(&corpus).len(),
        plain.find_overlapping_iter(&corpus).count()
    );
    let mut prefilter = c.benchmark_group("prefilter");
    prefilter.throughput(Throughput::Bytes(corpus.len() as u64));
    prefilter.sample_size(10);
    prefilter.bench_function("shift_or_pairs", |b| {
        b.iter(|| black_box(shift_or.find_all(black_box(&corpus)).len()))
    });
    prefilter.bench_function("aho_corasick_overlapping", |b| {
        b.iter(|| black_box(plain.find_overlapping_iter(black_box(&corpus)).count()))
    });
    prefilter.finish();

    // What more rules cost: the 83 rules there were before issue 4 and every
    // fourth built-in rule, against all of them, on the generated corpus and
    // on real crate sources (the cargo registry this very build downloaded,
    // when it is there).
    let all: Vec<Arc<keyhound_rules::Rule>> = keyhound_rules::builtin().unwrap().into_iter().map(Arc::new).collect();
    let quarter: Vec<Arc<keyhound_rules::Rule>> = all.iter().step_by(4).cloned().collect();
    let earlier: Vec<&str> = include_str!("support/rules_before_issue_4.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let before_issue_4: Vec<Arc<keyhound_rules::Rule>> =
        all.iter().filter(|r| earlier.contains(&r.id())).cloned().collect();
    assert_eq!(
        before_issue_4.len(),
        earlier.len(),
        "every earlier rule is still built in"
    );
    let scanners = [
        (
            "rules_before_issue_4",
            keyhound_engine::Scanner::new(before_issue_4).unwrap(),
        ),
        ("quarter_rules", keyhound_engine::Scanner::new(quarter).unwrap()),
        ("all_rules", keyhound_engine::Scanner::new(all).unwrap()),
    ];
    let mut corpora = vec![("generated", corpus)];
    match corpus::registry_sources(64 << 20) {
        Some(real) => corpora.push(("crate_sources", real)),
        None => eprintln!("rule_scaling: no cargo registry sources found; only the generated corpus is measured"),
    }
    for (corpus_name, hay) in &corpora {
        let mut scaling = c.benchmark_group(format!("rule_scaling_{corpus_name}"));
        scaling.throughput(Throughput::Bytes(hay.len() as u64));
        scaling.sample_size(10);
        for (name, scanner) in &scanners {
            scaling.bench_function(*name, |b| b.iter(|| black_box(scanner.scan(black_box(hay)).len())));
        }
        scaling.finish();
    }

    let mut startup = c.benchmark_group("startup");
    startup.bench_function("load_rules_and_build_scanner", |b| {
        b.iter(|| {
            let rules = keyhound_rules::builtin().unwrap();
            black_box(keyhound_engine::Scanner::new(rules.into_iter().map(Arc::new).collect()).unwrap())
        })
    });
    startup.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
