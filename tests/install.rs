//! The install path README.md gives a newcomer, `cargo install --locked
//! --path .`, run for real from this checkout into a throwaway root, and
//! the installed binary then used: its version, a leak found, a clean tree
//! passed.
//!
//! The install shares the target directory the test binary was built in,
//! and its profile, so that cargo reuses whatever it can of what is built
//! there: everything, after `cargo build --release` or `cargo test
//! --release` alike (Cargo.toml keeps their feature sets equal).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use common::*;

/// The target directory and the profile the `keyhound` binary under test
/// was built with: `CARGO_BIN_EXE_keyhound` is `<target>/<dir>/keyhound`,
/// where `<dir>` is `debug` for the dev profile and the profile's own name
/// otherwise (`release`, or a custom one).
fn built_with() -> (PathBuf, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_keyhound"));
    let profile_dir = bin.parent().expect("the binary sits in a profile directory");
    let target = profile_dir
        .parent()
        .expect("the profile directory sits in the target directory");
    // Cargo tags the root of every target directory it creates; a build for
    // an explicit --target would put the profile one level deeper.
    assert!(
        target.join("CACHEDIR.TAG").is_file(),
        "expected {} to be <target>/<profile>/keyhound (is this a --target build?)",
        bin.display()
    );
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev".to_string(),
        Some(name) => name.to_string(),
        None => panic!("no profile directory in {}", bin.display()),
    };
    (target.to_path_buf(), profile)
}

/// Whether cargo sets `name` for the crate it builds or runs (and so for
/// this test), as opposed to configuration a user sets.
fn is_package_variable(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_BIN_NAME"
        )
}

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()))
}

// The install compiles nothing: `cargo test --release` built the binary
// from the same units `cargo install` asks for, because Cargo.toml gives the
// crates shared with the dev-dependencies the features the tests turn on.
// Were the feature sets to drift apart, the install would rebuild most of
// keyhound (minutes of thin LTO); this test fails instead, naming what it
// compiled.
#[test]
fn cargo_install_from_the_checkout_gives_a_keyhound_that_scans() {
    let (target, profile) = built_with();
    let root = tempfile::tempdir().unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let mut install = Command::new(cargo);
    // Cargo runs this test with its package's variables (CARGO_MANIFEST_DIR,
    // CARGO_PKG_*, ...). Some build scripts (ring's) are rerun when one of
    // them differs from the last build, so passing them on would rebuild
    // what a plain `cargo build --release` built, and the other way round.
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_package_variable) {
            install.env_remove(name);
        }
    }
    let install = install
        .args(["install", "--locked", "--offline", "--path", env!("CARGO_MANIFEST_DIR")])
        .arg("--root")
        .arg(root.path())
        .args(["--profile", &profile])
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .output()
        .expect("run cargo install");
    eprintln!(
        "cargo install --locked --path . --profile {profile} (target {}): {:.1}s",
        target.display(),
        started.elapsed().as_secs_f64()
    );
    assert!(install.status.success(), "cargo install failed:\n{}", stderr(&install));
    let compiled: Vec<&str> = std::str::from_utf8(&install.stderr)
        .unwrap_or_default()
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with("Compiling "))
        .collect();
    assert!(
        compiled.is_empty(),
        "cargo install rebuilt what the test build had built ({} units; do the \
         binary's and the tests' dependency features differ? see Cargo.toml):\n{}",
        compiled.len(),
        compiled.join("\n")
    );

    let installed = root
        .path()
        .join("bin")
        .join(format!("keyhound{}", std::env::consts::EXE_SUFFIX));
    assert!(
        installed.is_file(),
        "cargo install put no binary at {}",
        installed.display()
    );

    // The installed binary is this checkout's: same version, same built-in
    // rule packs as the binary cargo built for the other tests.
    let version = run(&installed, &["--version"]);
    assert_eq!(code(&version), 0, "{}", stderr(&version));
    let expected = keyhound().arg("--version").output().expect("run keyhound --version");
    assert!(
        stdout(&version).starts_with(&format!("keyhound {} ", env!("CARGO_PKG_VERSION"))),
        "{}",
        stdout(&version)
    );
    assert_eq!(stdout(&version), stdout(&expected));

    // A real scan: a GitHub classic token with a valid checksum is found
    // (exit 1) and reported at its line under its rule.
    let leaky = tempfile::tempdir().unwrap();
    let token = github_token(&mut Rng::new(19), "ghp_");
    write(
        leaky.path(),
        "deploy/.env",
        format!("LOG_LEVEL=info\nGITHUB_TOKEN={token}\n"),
    );
    let leaky_path = leaky.path().to_str().unwrap();
    let out = run(&installed, &["dir", leaky_path, "-f", "jsonl", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let findings = jsonl(&out);
    assert_eq!(findings.len(), 1, "{}", stdout(&out));
    assert_eq!(findings[0]["rule_id"], "github-pat-classic", "{}", stdout(&out));
    assert!(
        findings[0]["path"].as_str().unwrap().ends_with(".env"),
        "{}",
        stdout(&out)
    );
    assert_eq!(findings[0]["line"], 2, "{}", stdout(&out));

    // A clean tree passes (exit 0) with nothing reported.
    let clean = tempfile::tempdir().unwrap();
    write(
        clean.path(),
        "deploy/.env",
        "LOG_LEVEL=info\nGITHUB_TOKEN=${GITHUB_TOKEN}\n",
    );
    let out = run(
        &installed,
        &["dir", clean.path().to_str().unwrap(), "-f", "jsonl", "-q"],
    );
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(jsonl(&out).is_empty(), "{}", stdout(&out));
}
