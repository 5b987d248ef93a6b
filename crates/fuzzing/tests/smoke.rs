//! The CI fuzz smoke (reliability issue, part 2): every fuzz target runs
//! its checked-in seeds (`fuzz/seeds/TARGET`), then mutations of them for a
//! fixed time, in the ordinary release build. A panic or a broken
//! invariant fails the test, saves the input under the test's temporary
//! directory and prints it, so it can become a regression test; nothing
//! about speed or coverage is asserted, so the smoke is not flaky.
//!
//! `KEYHOUND_FUZZ_SMOKE_SECS` sets the time per target (default 15 s;
//! `0` replays the seeds only). Coverage-guided runs: `fuzz/run`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use keyhound_fuzzing::{smoke, TARGETS};

fn seeds_of(name: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(name);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (every target has checked-in seeds)", dir.display()))
        .map(|entry| entry.expect("read the seed directory").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

fn budget() -> Duration {
    let secs = std::env::var("KEYHOUND_FUZZ_SMOKE_SECS")
        .ok()
        .map(|v| {
            v.parse::<u64>()
                .expect("KEYHOUND_FUZZ_SMOKE_SECS is a number of seconds")
        })
        .unwrap_or(15);
    Duration::from_secs(secs)
}

fn smoke(name: &str) {
    let target = *TARGETS
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no target {name}"));
    let seeds = seeds_of(name);
    assert!(!seeds.is_empty(), "{name} has no seeds");
    // One fixed seed per target, so a run is repeatable on any machine.
    let seed = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    match smoke::run(target, &seeds, budget(), seed) {
        Ok(ran) => eprintln!(
            "{name}: {} executions ({} seeds), no failure",
            ran.executions, ran.seeds
        ),
        Err(failure) => {
            let saved = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("fuzz-smoke")
                .join(format!("{name}-{}", failure.execution));
            std::fs::create_dir_all(saved.parent().unwrap()).expect("make the failure directory");
            std::fs::write(&saved, &failure.input).expect("save the failing input");
            panic!(
                "{name} failed on input {} ({} bytes, saved at {}): {}\ninput (escaped): {}",
                failure.execution,
                failure.input.len(),
                saved.display(),
                failure.message,
                failure.input.escape_ascii()
            );
        }
    }
}

#[test]
fn every_target_is_smoked_here() {
    // A target added to TARGETS without a test below would go unsmoked.
    let source = include_str!("smoke.rs");
    for target in TARGETS {
        assert!(
            source.contains(&format!("fn {}()", target.name)),
            "target {} has no smoke test in tests/smoke.rs",
            target.name
        );
    }
}

#[test]
fn engine_scan() {
    smoke("engine_scan");
}

#[test]
fn engine_planted() {
    smoke("engine_planted");
}

#[test]
fn decoders() {
    smoke("decoders");
}

#[test]
fn archive() {
    smoke("archive");
}

#[test]
fn image_archive() {
    smoke("image_archive");
}

#[test]
fn rule_pack() {
    smoke("rule_pack");
}

#[test]
fn findings_file() {
    smoke("findings_file");
}

#[test]
fn agent_payload() {
    smoke("agent_payload");
}

#[test]
fn agent_settings() {
    smoke("agent_settings");
}

#[test]
fn credfiles() {
    smoke("credfiles");
}

#[test]
fn config_files() {
    smoke("config_files");
}

#[test]
fn registry() {
    smoke("registry");
}
