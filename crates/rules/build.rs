//! Embeds every `rules/*.toml` pack into the binary, so that a fresh install
//! scans with the full rule set without any files on disk.
//!
//! Each pack is converted to JSON here, at build time: parsing a megabyte of
//! TOML was most of keyhound's start-up (what a pre-commit hook pays on
//! every commit), and serde_json reads the same data several times faster.
//! A pack that is not valid TOML is embedded as it is, so the binary reports
//! the TOML error with its file and line like any user pack.

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
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut out = String::from(
        "/// Built-in rule packs: (file name, whether the text is JSON converted\n/// from the pack at build time, the text).\npub const BUILTIN_PACKS: &[(&str, bool, &str)] = &[\n",
    );
    // What `keyhound --version` says of the packs: how many rules, and a
    // digest of their text so two builds with different packs can be told
    // apart. FNV-1a is enough for a label (not a security check), and keeps
    // the build script free of another dependency.
    let (mut rule_count, mut digest) = (0usize, 0xcbf2_9ce4_8422_2325u64);
    for pack in &packs {
        println!("cargo:rerun-if-changed={}", pack.display());
        let name = pack.file_name().unwrap().to_string_lossy();
        let text = fs::read_to_string(pack).unwrap_or_default();
        for byte in name.bytes().chain(text.bytes()) {
            digest = (digest ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        let table = toml::from_str::<toml::Table>(&text).ok();
        rule_count += table
            .as_ref()
            .and_then(|t| t.get("rules"))
            .and_then(|r| r.as_array())
            .map_or(0, Vec::len);
        let json = table.and_then(|table| serde_json::to_string(&table).ok());
        match json {
            Some(json) => {
                let dest = Path::new(&out_dir).join(format!("{name}.json"));
                fs::write(&dest, json).expect("write the pack's JSON");
                out.push_str(&format!(
                    "    (\"rules/{name}\", true, include_str!({:?})),\n",
                    dest.display().to_string()
                ));
            }
            None => out.push_str(&format!(
                "    (\"rules/{name}\", false, include_str!({:?})),\n",
                pack.display().to_string()
            )),
        }
    }
    out.push_str("];\n");
    out.push_str(&format!(
        "/// How many rules the built-in packs define.\npub const BUILTIN_RULE_COUNT: usize = {rule_count};\n\
         /// A digest of the built-in packs' text (FNV-1a, hex), naming the rule set a binary carries.\n\
         pub const BUILTIN_PACKS_DIGEST: &str = \"{digest:016x}\";\n"
    ));
    let dest = Path::new(&out_dir).join("builtin_packs.rs");
    fs::write(dest, out).expect("write builtin_packs.rs");
}
