//! The workspace's shape, as ARCHITECTURE.md draws it: crates depend one
//! way only (read from `cargo metadata`), and no module circle is left
//! inside a crate (read from the sources' `crate::`/`super::` paths).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each workspace crate and the keyhound crates it may depend on: only
/// crates below it.
const LAYERS: &[(&str, &[&str])] = &[
    ("keyhound-rules", &[]),
    ("keyhound-findings", &["keyhound-rules"]),
    ("keyhound-engine", &["keyhound-rules"]),
    ("keyhound-sources", &["keyhound-findings"]),
    ("keyhound-verify", &["keyhound-rules", "keyhound-findings"]),
    ("keyhound-report", &["keyhound-rules", "keyhound-findings"]),
    ("keyhound-agent", &[]),
    ("keyhound-credfiles", &[]),
    ("keyhound-hosting", &[]),
    ("keyhound-objects", &["keyhound-findings", "keyhound-sources"]),
    ("keyhound-migrate", &["keyhound-rules", "keyhound-findings"]),
    (
        "keyhound-scan",
        &[
            "keyhound-rules",
            "keyhound-engine",
            "keyhound-findings",
            "keyhound-sources",
            "keyhound-verify",
            "keyhound-credfiles",
        ],
    ),
    (
        "keyhound-fuzzing",
        &[
            "keyhound-rules",
            "keyhound-findings",
            "keyhound-engine",
            "keyhound-sources",
            "keyhound-report",
            "keyhound-agent",
            "keyhound-credfiles",
            "keyhound-scan",
            "keyhound-migrate",
        ],
    ),
    (
        "keyhound",
        &[
            "keyhound-rules",
            "keyhound-findings",
            "keyhound-engine",
            "keyhound-sources",
            "keyhound-verify",
            "keyhound-report",
            "keyhound-scan",
            "keyhound-agent",
            "keyhound-migrate",
            "keyhound-credfiles",
            "keyhound-hosting",
            "keyhound-objects",
        ],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn crates_depend_one_way_only() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(root())
        .output()
        .expect("run cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut seen = BTreeSet::new();
    for package in meta["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        seen.insert(name.to_string());
        let Some(allowed) = allowed.get(name) else {
            panic!("workspace crate {name} has no place in LAYERS (and ARCHITECTURE.md)");
        };
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            let normal = dep["kind"].is_null();
            if dep_name.starts_with("keyhound") && normal {
                assert!(
                    allowed.contains(&dep_name),
                    "{name} depends on {dep_name}, which is not below it"
                );
            }
        }
    }
    let expected: BTreeSet<String> = LAYERS.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(seen, expected, "the workspace's crates");
}

/// A crate's modules by path (`crate`, `crate::git`, `crate::git::tree`)
/// and their source files.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if !matches!(path.extension(), Some(e) if e == "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if parts == ["lib"] || parts == ["main"] {
                parts.clear();
            } else if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            let name = std::iter::once("crate".to_string())
                .chain(parts)
                .collect::<Vec<_>>()
                .join("::");
            out.insert(name, path);
        }
    }
    out
}

/// The code of a module file without its tests module and comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a module names: `crate::a::b`, `super::c`, the members of
/// `crate::{…}` groups, and child modules used by name (`tree::flatten`).
fn referenced_paths(module: &str, text: &str, children: &[String]) -> Vec<String> {
    let parent = module.rsplit_once("::").map(|(p, _)| p.to_string());
    let mut paths = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    for (prefix, base) in [("crate::", Some("crate".to_string())), ("super::", parent.clone())] {
        let Some(base) = base else { continue };
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for member in group[..end].split(',') {
                    paths.push(format!("{base}::{}", member.trim()));
                }
            } else {
                let end = rest.find(|c: char| !ident(c)).unwrap_or(rest.len());
                paths.push(format!("{base}::{}", rest[..end].trim_end_matches(':')));
            }
        }
    }
    for child in children {
        let short = child.rsplit("::").next().unwrap();
        let needle = format!("{short}::");
        let mut rest = text;
        while let Some(i) = rest.find(&needle) {
            let before = rest[..i].chars().last();
            rest = &rest[i + needle.len()..];
            if !before.is_some_and(ident) {
                paths.push(child.clone());
                break;
            }
        }
    }
    paths
}

/// Module circles in the crate whose sources are in `src`.
fn module_cycles(src: &Path) -> Vec<Vec<String>> {
    let mods = modules(src);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &mods {
        let children: Vec<String> = mods
            .keys()
            .filter(|c| c.rsplit_once("::").is_some_and(|(p, _)| p == module))
            .cloned()
            .collect();
        let targets = edges.entry(module.clone()).or_default();
        for referenced in referenced_paths(module, &code(path), &children) {
            // The longest prefix that is a module.
            let segments: Vec<&str> = referenced.split("::").collect();
            let target = (1..=segments.len())
                .rev()
                .map(|k| segments[..k].join("::"))
                .find(|candidate| mods.contains_key(candidate));
            if let Some(target) = target.filter(|t| t != module) {
                targets.insert(target);
            }
        }
    }
    let mut cycles = Vec::new();
    let mut state: BTreeMap<String, u8> = BTreeMap::new();
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        cycles: &mut Vec<Vec<String>>,
    ) {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next) {
                Some(1) => {
                    let start = stack.iter().position(|m| m == next).unwrap();
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    cycles.push(cycle);
                }
                Some(_) => {}
                None => visit(next, edges, state, stack, cycles),
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
    }
    for module in mods.keys() {
        if !state.contains_key(module) {
            let mut stack = Vec::new();
            visit(module, &edges, &mut state, &mut stack, &mut cycles);
        }
    }
    cycles
}

#[test]
fn no_module_circle_is_left_inside_a_crate() {
    let mut sources = vec![root().join("src")];
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        sources.push(entry.unwrap().path().join("src"));
    }
    let mut found = Vec::new();
    for src in &sources {
        for cycle in module_cycles(src) {
            found.push(format!("{}: {}", src.display(), cycle.join(" -> ")));
        }
    }
    assert!(found.is_empty(), "module circles:\n{}", found.join("\n"));
}

#[test]
fn the_circle_check_finds_a_planted_circle() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\npub fn f() { a::g() }\n").unwrap();
    std::fs::write(src.join("a.rs"), "pub fn g() { crate::b::h() }\n").unwrap();
    std::fs::write(src.join("b.rs"), "use super::f;\npub fn h() {}\n").unwrap();
    let cycles = module_cycles(src);
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert_eq!(cycles[0], ["crate", "crate::a", "crate::b", "crate"]);
}
