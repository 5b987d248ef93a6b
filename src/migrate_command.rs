//! `keyhound migrate` and `keyhound baseline import`: read what a team
//! already has (gitleaks config and ignore file, detect-secrets baseline,
//! TruffleHog exclude file), print what was read, translated and not, and
//! with `--write` write `.keyhound.toml`, the translated rule pack and the
//! baseline. Translation lives in keyhound-migrate; this module finds the
//! files, scans (for imports that name findings) and writes.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{bail, Context, Result};

use keyhound_engine::Scanner;
use keyhound_findings::baseline::{Baseline, BASELINE_FILE};
use keyhound_findings::{Finding, Origin};
use keyhound_migrate::{detect_secrets, gitleaks, gitleaks_ignore, trufflehog, ImportReport, Item, PolicyAdditions};
use keyhound_rules::{Rule, Selection};
use keyhound_scan::policy::{Policy, CONFIG_FILE};
use keyhound_scan::{packs, ScanRun};
use keyhound_sources::{dir, git};

use crate::cli::{ImportArgs, ImportFrom, MigrateArgs};
use crate::collect::Collect;

/// Where the translated gitleaks rules are written, relative to the root.
const PACK_FILE: &str = ".keyhound/gitleaks-rules.toml";

/// `keyhound migrate`.
pub fn run(args: MigrateArgs) -> Result<u8> {
    let root = args.path.clone();
    if !root.is_dir() {
        bail!("{}: not a directory", root.display());
    }
    let builtin_ids: BTreeSet<String> = keyhound_rules::builtin()?.iter().map(|r| r.id().to_string()).collect();
    let mut items: Vec<Item> = Vec::new();
    let mut policy = PolicyAdditions::default();
    let mut custom = Vec::new();
    let mut pack_source = None;

    let gitleaks_config = args.gitleaks_config.clone().or_else(|| gitleaks::find(&root));
    if let Some(path) = &gitleaks_config {
        let translation = gitleaks::translate(path, &builtin_ids)?;
        items.extend(translation.items.iter().cloned());
        policy.extend(translation.policy.clone());
        // Each rule checked as loading the pack will check it (regexes,
        // examples run through the engine); one that fails is left out and
        // said so, never written to break every later scan.
        let mut translation = translation;
        let mut refused = Vec::new();
        translation.rules.retain(|spec| {
            match Rule::new(spec.clone(), PACK_FILE).and_then(|rule| packs::validate_rule(&rule)) {
                Ok(()) => true,
                Err(e) => {
                    refused.push(Item {
                        source: path.display().to_string(),
                        what: format!("rule `{}`", spec.id),
                        outcome: keyhound_migrate::Outcome::NotTranslated(format!(
                            "the translation fails keyhound's checks ({}); write this rule by hand with an example",
                            keyhound_findings::error_chain(&e)
                        )),
                    });
                    false
                }
            }
        });
        items.retain(|i| !refused.iter().any(|r| r.what == i.what && r.source == i.source));
        items.extend(refused);
        if !translation.rules.is_empty() {
            pack_source = Some(translation.pack_text(&path.display().to_string())?);
            custom = translation.rules.clone();
        }
    }
    if let Some(path) = &args.trufflehog_exclude {
        let text = read_input(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let (more, read) = trufflehog::translate(&text, &path.display().to_string());
        items.extend(read);
        policy.extend(more);
    }

    // Imports that name findings need a scan with the rules the project
    // will run: keyhound's plus the translated ones.
    let ignore_file = args
        .gitleaks_ignore
        .clone()
        .unwrap_or_else(|| root.join(gitleaks_ignore::IGNORE_FILE));
    let baseline_file = args
        .detect_secrets_baseline
        .clone()
        .unwrap_or_else(|| root.join(detect_secrets::BASELINE_FILE));
    let mut imports = Vec::new();
    if ignore_file.is_file() || baseline_file.is_file() {
        let rules: Vec<Rule> = Selection::default().apply(
            keyhound_rules::builtin()?
                .into_iter()
                .chain(
                    custom
                        .iter()
                        .cloned()
                        .map(|spec| Rule::new(spec, PACK_FILE))
                        .collect::<Result<Vec<_>, _>>()?,
                )
                .collect(),
        )?;
        let scanner = Scanner::new(packs::shared(rules))?;
        // The tree is scanned once for both imports; history only when the
        // ignore file names commits.
        let tree = scan_tree(&scanner, &root)?;
        if ignore_file.is_file() {
            let text = read_input(&ignore_file).with_context(|| format!("{}: cannot read", ignore_file.display()))?;
            let mut findings = tree.clone();
            if gitleaks_ignore::has_commits(&text) {
                findings.extend(scan_git_history(&scanner, &root)?);
            }
            let relative = |f: &Finding| relative_path(f, &root);
            imports.push(gitleaks_ignore::import(
                &text,
                &ignore_file.display().to_string(),
                &findings,
                &relative,
            ));
        }
        if baseline_file.is_file() {
            let text =
                read_input(&baseline_file).with_context(|| format!("{}: cannot read", baseline_file.display()))?;
            let relative = |f: &Finding| relative_path(f, &root);
            imports.push(detect_secrets::import(
                &text,
                &baseline_file.display().to_string(),
                &tree,
                &relative,
            )?);
        }
    }

    if gitleaks_config.is_none() && args.trufflehog_exclude.is_none() && imports.is_empty() {
        println!(
            "keyhound migrate: nothing to read in {}: no .gitleaks.toml, gitleaks.toml, .gitleaksignore or .secrets.baseline \
             (name other files with --gitleaks-config, --gitleaks-ignore, --detect-secrets-baseline, --trufflehog-exclude)",
            root.display()
        );
        return Ok(0);
    }
    print_items(&items);
    for import in &imports {
        print_import(import);
    }
    println!(
        "inline markers need no migration: keyhound honours `gitleaks:allow`, `trufflehog:ignore` and `pragma: allowlist secret` as written"
    );

    let translated = items
        .iter()
        .filter(|i| {
            matches!(
                i.outcome,
                keyhound_migrate::Outcome::Translated(_) | keyhound_migrate::Outcome::Approximated(_)
            )
        })
        .count();
    let not = items
        .iter()
        .filter(|i| matches!(i.outcome, keyhound_migrate::Outcome::NotTranslated(_)))
        .count();
    let entries: usize = imports.iter().map(|i| i.entries.len()).sum();
    println!(
        "summary: {} item(s) read, {translated} translated, {not} not translated; {} custom rule(s); {entries} baseline entr(y/ies) from {} import(s)",
        items.len(),
        custom.len(),
        imports.len()
    );

    if !args.write {
        println!("nothing written (pass --write to write {CONFIG_FILE}, {PACK_FILE} and {BASELINE_FILE})");
        return Ok(0);
    }
    let config_path = root.join(CONFIG_FILE);
    let packs: Vec<String> = pack_source.iter().map(|_| PACK_FILE.to_string()).collect();
    if !policy.is_empty() || !packs.is_empty() {
        if config_path.exists() && !args.force {
            bail!(
                "{} exists: add these settings to it by hand, or pass --force to replace it:\n{}",
                config_path.display(),
                policy.config_text(&packs, "")
            );
        }
        let text = policy.config_text(
            &packs,
            "keyhound project policy, written by `keyhound migrate` from the files named in its report.",
        );
        // Written beside, loaded as keyhound will load it, then renamed:
        // a config keyhound itself would refuse is never left in place.
        let staged = root.join(".keyhound.toml.migrate");
        std::fs::write(&staged, text).with_context(|| format!("writing {}", staged.display()))?;
        let loaded = keyhound_scan::policy::Config::load(&staged)
            .map_err(anyhow::Error::from)
            .and_then(|c| Policy::from_config(&c, &config_path).map_err(anyhow::Error::from));
        if let Err(e) = loaded {
            let _ = std::fs::remove_file(&staged);
            return Err(e.context("the translated config does not load; nothing written"));
        }
        std::fs::rename(&staged, &config_path).with_context(|| format!("writing {}", config_path.display()))?;
        println!("wrote {}", config_path.display());
    }
    if let Some(text) = &pack_source {
        let pack_path = root.join(PACK_FILE);
        keyhound_rules::parse_pack(PACK_FILE, text).context("the translated pack does not load")?;
        std::fs::create_dir_all(pack_path.parent().unwrap_or(&root))?;
        std::fs::write(&pack_path, text).with_context(|| format!("writing {}", pack_path.display()))?;
        println!("wrote {} ({} rule(s))", pack_path.display(), custom.len());
    }
    if entries > 0 {
        let path = root.join(BASELINE_FILE);
        let added = write_baseline(&path, &imports)?;
        println!("wrote {} ({added} new entr(y/ies))", path.display());
    }
    Ok(0)
}

/// `keyhound baseline import --from gitleaks|detect-secrets [FILE]`.
pub fn import(args: ImportArgs) -> Result<u8> {
    let root = args.root.clone();
    let default_name = match args.from {
        ImportFrom::Gitleaks => gitleaks_ignore::IGNORE_FILE,
        ImportFrom::DetectSecrets => detect_secrets::BASELINE_FILE,
    };
    let file = args.file.clone().unwrap_or_else(|| root.join(default_name));
    if !file.is_file() {
        bail!("{}: no such file (name the file to import)", file.display());
    }
    let builtin = packs::shared(Selection::default().apply(keyhound_rules::builtin()?)?);
    let scanner = Scanner::new(builtin)?;
    let text = read_input(&file).with_context(|| format!("{}: cannot read", file.display()))?;
    let relative = |f: &Finding| relative_path(f, &root);
    let report = match args.from {
        ImportFrom::Gitleaks => {
            let mut findings = scan_tree(&scanner, &root)?;
            if gitleaks_ignore::has_commits(&text) {
                findings.extend(scan_git_history(&scanner, &root)?);
            }
            gitleaks_ignore::import(&text, &file.display().to_string(), &findings, &relative)
        }
        ImportFrom::DetectSecrets => {
            let findings = scan_tree(&scanner, &root)?;
            detect_secrets::import(&text, &file.display().to_string(), &findings, &relative)?
        }
    };
    print_import(&report);
    let path = root.join(BASELINE_FILE);
    let added = write_baseline(&path, std::slice::from_ref(&report))?;
    println!("wrote {} ({added} new entr(y/ies))", path.display());
    Ok(0)
}

/// Merges the imports' entries into the baseline at `path`; returns how
/// many were new.
fn write_baseline(path: &Path, imports: &[ImportReport]) -> Result<usize> {
    let mut baseline = Baseline::load_or_default(path)?;
    let mut added = 0;
    for entry in imports.iter().flat_map(|i| i.entries.iter().cloned()) {
        if baseline.allow(entry)? {
            added += 1;
        }
    }
    baseline.save(path)?;
    Ok(added)
}

/// Scans `root`'s files, collecting every finding (no policy: the imports
/// decide what to accept).
fn scan_tree(scanner: &Scanner, root: &Path) -> Result<Vec<Finding>> {
    let policy = Policy::default();
    let sink = Collect::default();
    let scan = ScanRun::new(scanner, &policy, &sink, false);
    let options = dir::DirOptions {
        roots: vec![root.to_path_buf()],
        no_ignore: false,
        follow_symlinks: false,
        max_file_size: 50 << 20,
        threads: 0,
        archives: Some(Default::default()),
    };
    dir::scan_dirs(&scan, &options).with_context(|| format!("scanning {}", root.display()))?;
    Ok(sink.take())
}

/// Scans `root`'s git history (every ref), collecting every finding.
fn scan_git_history(scanner: &Scanner, root: &Path) -> Result<Vec<Finding>> {
    let policy = Policy::default();
    let sink = Collect::default();
    let scan = ScanRun::new(scanner, &policy, &sink, false);
    let repo = git::open(root).with_context(|| {
        format!(
            "{}: the ignore file names commits, but this is not a git repository",
            root.display()
        )
    })?;
    let options = git::history::HistoryOptions {
        branch: None,
        max_commits: None,
        max_blob_size: 50 << 20,
        repository: None,
    };
    git::history::scan_history(&scan, &repo, &options, None)?;
    Ok(sink.take())
}

/// A finding's path relative to `root`, `/`-separated, as peers' files
/// name it.
fn relative_path(f: &Finding, root: &Path) -> String {
    let path = f.origin.display_path();
    let stripped = match &*f.origin {
        Origin::File { .. } => Path::new(path)
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| path.to_string()),
        _ => path.to_string(),
    };
    stripped.replace('\\', "/").trim_start_matches("./").to_string()
}

fn print_items(items: &[Item]) {
    for item in items {
        println!("{item}");
    }
}

fn print_import(import: &ImportReport) {
    println!(
        "{}: {}: {} entr(y/ies) read, {} matched to keyhound findings ({} fingerprint(s))",
        import.source,
        import.format,
        import.read,
        import
            .read
            .saturating_sub(import.unmatched.len() + import.kept_reported.len()),
        import.entries.len()
    );
    for line in &import.kept_reported {
        println!("  kept reported: {line}");
    }
    for line in &import.unmatched {
        println!("  not matched: {line}");
    }
}

/// Reads a file `migrate` translates: the scanned tree may put anything at
/// these paths, so only a regular file of sane size is read.
fn read_input(path: &Path) -> std::io::Result<String> {
    keyhound_rules::input_file::read_to_string(path, keyhound_rules::input_file::MAX_INPUT_FILE_BYTES)
}
