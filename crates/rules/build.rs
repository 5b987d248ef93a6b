//! Embeds every `rules/*.toml` pack into the binary, so that a fresh install
//! scans with the full rule set without any files on disk.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=../../rules");
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    // The packs live at the workspace root (`rules/`), where pack authors
    // look for them; this crate sits in `crates/rules`.
    let rules_dir = Path::new(&manifest).join("../../rules");
    let mut packs: Vec<_> = fs::read_dir(&rules_dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
                .collect()
        })
        .unwrap_or_default();
    packs.sort();
    let mut out = String::from(
        "/// Built-in rule packs: (file name, TOML text).\npub const BUILTIN_PACKS: &[(&str, &str)] = &[\n",
    );
    for pack in &packs {
        println!("cargo:rerun-if-changed={}", pack.display());
        let name = pack.file_name().unwrap().to_string_lossy();
        out.push_str(&format!(
            "    (\"rules/{name}\", include_str!({:?})),\n",
            pack.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_packs.rs");
    fs::write(dest, out).expect("write builtin_packs.rs");
}
