//! The bodies of keyhound's fuzz targets, one function per place where bytes
//! from outside enter, each checking an invariant beyond "no panic" where
//! there is one (a planted secret is still found, spans lie inside their
//! input, an install round trip gives the settings back).
//!
//! Two drivers call them. The cargo-fuzz binaries under `fuzz/` wrap each
//! in `fuzz_target!` for coverage-guided runs on nightly with sanitizers
//! (`fuzz/run`). The CI smoke (`tests/smoke.rs`, part of `./test`) replays
//! every checked-in seed and a fixed-time stream of deterministic mutations
//! of them ([`smoke`]) in the ordinary release build: a nightly,
//! instrumented build of the fuzz crate takes longer from scratch than the
//! whole CI budget leaves, so CI fuzzes without coverage feedback and the
//! long coverage-guided runs stay with `fuzz/run`.

pub mod registry;
pub mod shared;
pub mod smoke;
pub mod targets;

pub use shared::{github_token, scanner, EngineFeed};
pub use targets::{Target, TARGETS};
