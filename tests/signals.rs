//! What each signal keyhound uses for generic secrets is worth, measured
//! (issue 15, part 2): on every value assigned to a name that means secret
//! (`password`, `secret`, `token`, `api_key`, `client_secret`,
//! `encryption_key` … in any naming style, in code, configuration, comments
//! and XML), how precise and how complete each signal alone is at telling a
//! real secret, and how keyhound's own decision compares.
//!
//! The labelled set:
//! - positives: the values labelled as credentials in the two labelled
//!   corpora (`tests/corpus`, `tests/credcorpus`), in their realistic files;
//! - negatives: every other value assigned to such a name in those corpora
//!   (the decoys written beside each credential: templates, placeholders,
//!   references, `.example` twins), and every such value in real code
//!   nobody here wrote: the sources of every crate `Cargo.lock` pins, as
//!   cargo unpacked them for this build (`$CARGO_HOME/registry/src`). What
//!   looks like a key there is a test vector or a documentation example,
//!   not a leak, so it counts as a negative.
//!
//! keyhound's decision is what `keyhound dir` reports at the value's line
//! (every rule, the credential-file readers and the filters together). The
//! test prints the table README.md quotes (`cargo test --release --test
//! signals -- --nocapture`) and fails if keyhound's decision falls below
//! 0.95 precision or recall here, or stops beating every single signal.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use common::*;
use keyhound_engine::filters;
use regex::Regex;

/// A value assigned to a secret-meaning name, where it was found.
struct Candidate {
    path: PathBuf,
    line: u64,
    value: String,
    positive: bool,
}

/// Names that mean secret, in every naming style, then the assignment
/// (`=`, `:`, `:=`, `=>`, an XML element or attribute), then the value up
/// to a delimiter. Broader than any rule: it finds the candidates, the
/// signals judge them.
fn assignment() -> Regex {
    Regex::new(
        r#"(?i)(?:^|[^\w])([\w.-]{0,40}?(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret|(?:encryption|signing|master|private)[_-]?key)[\w.-]{0,20})(?:["'`]?\s*(?::=|=>|=|:)\s*["'`]?|>)([^\s"'`,;)}\]&<>]{1,200})"#,
    )
    .unwrap()
}

/// Whether a label's or a finding's secret and a candidate's value are the
/// same secret: equal, or one inside the other (the extractor keeps what a
/// format wraps around a secret: Jenkins' `{…}`, a URL's `@host` after a
/// token) when long enough to mean it.
/// A base64 value (a Kubernetes Secret's `data`, an `.npmrc` `_password`)
/// is the same as its decoding, which the readers report.
fn same_value(secret: &str, value: &str) -> bool {
    use base64::Engine as _;
    let related = |a: &str, b: &str| a == b || (a.len().min(b.len()) >= 8 && (a.contains(b) || b.contains(a)));
    related(secret, value)
        || base64::engine::general_purpose::STANDARD
            .decode(value)
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .is_some_and(|decoded| related(secret, &decoded))
}

fn text_file(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes.contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

fn files_under(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            files_under(&entry.path(), out);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

/// Candidates in `files`, positive where `labels` (canonical path, line →
/// secrets) names the value.
fn candidates(files: &[PathBuf], labels: &HashMap<(PathBuf, u64), BTreeSet<String>>) -> Vec<Candidate> {
    let re = assignment();
    let mut out = Vec::new();
    for path in files {
        let Some(text) = text_file(path) else { continue };
        let path = path.canonicalize().unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.len() > 4096 {
                continue; // minified code: one line, no assignments to judge
            }
            let line_no = i as u64 + 1;
            for caps in re.captures_iter(line) {
                let value = caps[2].to_string();
                let positive = labels
                    .get(&(path.clone(), line_no))
                    .is_some_and(|secrets| secrets.iter().any(|s| same_value(s, &value)));
                out.push(Candidate {
                    path: path.clone(),
                    line: line_no,
                    value,
                    positive,
                });
            }
        }
    }
    out
}

/// The crates `Cargo.lock` pins, unpacked in cargo's registry cache.
fn dependency_sources() -> Vec<PathBuf> {
    let lock: toml::Value =
        toml::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap())
            .unwrap();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let registries: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry/src"))
        .expect("cargo's registry sources (the build unpacked them)")
        .map(|e| e.unwrap().path())
        .collect();
    let mut dirs = Vec::new();
    for package in lock["package"].as_array().unwrap() {
        if package.get("source").is_none() {
            continue; // a workspace crate
        }
        let name = format!(
            "{}-{}",
            package["name"].as_str().unwrap(),
            package["version"].as_str().unwrap()
        );
        if let Some(dir) = registries.iter().map(|r| r.join(&name)).find(|d| d.is_dir()) {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

/// What `keyhound dir` reports over `roots`: canonical path and line → the
/// secrets found there.
fn keyhound_findings(roots: &[PathBuf]) -> HashMap<(PathBuf, u64), BTreeSet<String>> {
    let out = keyhound()
        .args(["dir", "--no-ignore", "-f", "jsonl", "-q", "--show-secrets"])
        .args(roots)
        .output()
        .unwrap();
    assert!(code(&out) <= 1, "{}", stderr(&out));
    let mut found: HashMap<(PathBuf, u64), BTreeSet<String>> = HashMap::new();
    for f in jsonl(&out) {
        let (Some(path), Some(line), Some(secret)) = (f["path"].as_str(), f["line"].as_u64(), f["secret"].as_str())
        else {
            continue;
        };
        let Ok(path) = Path::new(path).canonicalize() else {
            continue;
        };
        found.entry((path, line)).or_default().insert(secret.to_string());
    }
    found
}

/// Precision, recall and F1 of "secret when `predict` says so".
#[derive(Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn precision(self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn f1(self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn score(candidates: &[Candidate], predict: impl Fn(&Candidate) -> bool) -> Score {
    let mut s = Score::default();
    for c in candidates {
        match (predict(c), c.positive) {
            (true, true) => s.tp += 1,
            (true, false) => s.fp += 1,
            (false, true) => s.fn_ += 1,
            (false, false) => {}
        }
    }
    s
}

fn classes(v: &str) -> usize {
    [
        v.bytes().any(|b| b.is_ascii_lowercase()),
        v.bytes().any(|b| b.is_ascii_uppercase()),
        v.bytes().any(|b| b.is_ascii_digit()),
        v.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&x| x)
    .count()
}

#[test]
fn each_signal_measured_against_keyhounds_decision() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));

    // Labels of both corpora, by canonical path and line.
    let mut labels: HashMap<(PathBuf, u64), BTreeSet<String>> = HashMap::new();
    let corpus: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/corpus/labels.json")).unwrap()).unwrap();
    for l in corpus["secrets"].as_array().unwrap() {
        let path = root.join("tests/corpus").join(l["path"].as_str().unwrap());
        labels
            .entry((path.canonicalize().unwrap(), l["line"].as_u64().unwrap()))
            .or_default()
            .insert(l["secret"].as_str().unwrap().to_string());
    }
    let mut label_files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/credcorpus/labels"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    label_files.sort();
    for file in label_files {
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for l in doc["secrets"].as_array().unwrap() {
            let path = root.join("tests/credcorpus/tree").join(l["path"].as_str().unwrap());
            labels
                .entry((path.canonicalize().unwrap(), l["line"].as_u64().unwrap()))
                .or_default()
                .insert(l["secret"].as_str().unwrap().to_string());
        }
    }

    let corpora = [root.join("tests/corpus/tree"), root.join("tests/credcorpus/tree")];
    let mut corpus_files = Vec::new();
    for c in &corpora {
        files_under(c, &mut corpus_files);
    }
    let dependencies = dependency_sources();
    assert!(
        dependencies.len() > 100,
        "expected the sources of the crates Cargo.lock pins in cargo's registry cache, found {}",
        dependencies.len()
    );
    let mut dependency_files = Vec::new();
    for d in &dependencies {
        files_under(d, &mut dependency_files);
    }
    let dependency_bytes: u64 = dependency_files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();

    let mut all = candidates(&corpus_files, &labels);
    let corpus_count = all.len();
    all.extend(candidates(&dependency_files, &HashMap::new()));
    let positives = all.iter().filter(|c| c.positive).count();

    let mut found = keyhound_findings(&corpora);
    found.extend(keyhound_findings(&dependencies));
    // Reported: a finding on the value's line with the value as its secret,
    // or, for a labelled value, with the label's secret (a Kubernetes
    // Secret's base64 value is reported decoded, as labelled).
    let keyhound_says = |c: &Candidate| {
        let labelled = labels.get(&(c.path.clone(), c.line));
        found.get(&(c.path.clone(), c.line)).is_some_and(|secrets| {
            secrets.iter().any(|s| {
                same_value(s, &c.value) || (c.positive && labelled.is_some_and(|l| l.iter().any(|l| same_value(s, l))))
            })
        })
    };

    let words = Regex::new(
        r"^(?:[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+|[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z]+[0-9]{0,4}|(?:[A-Z][a-z]+)+[0-9]{0,4}|[A-Za-z][a-z]{3,}(?:[A-Z][a-z]*|[0-9]+)*[A-Z][a-z]{3,}(?:[A-Z][a-z]*|[0-9]+)*)$",
    )
    .unwrap();
    let url_path_email = Regex::new(
        r"^(?:[a-z][a-z0-9+.-]*://|/|\./|\.\./|~/|[A-Za-z]:\\)|^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$|^(?:[\w.-]+/){2,}",
    )
    .unwrap();
    let version = Regex::new(r"^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$").unwrap();
    let digest = Regex::new(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$").unwrap();

    type Signal<'a> = (&'a str, Box<dyn Fn(&Candidate) -> bool + 'a>);
    let singles: Vec<Signal> = vec![
        (
            "length 8 to 100",
            Box::new(|c: &Candidate| (8..=100).contains(&c.value.len())),
        ),
        (
            "holds a digit",
            Box::new(|c: &Candidate| c.value.bytes().any(|b| b.is_ascii_digit())),
        ),
        ("3+ character classes", Box::new(|c: &Candidate| classes(&c.value) >= 3)),
        (
            "entropy >= 3.5 bits/byte",
            Box::new(|c: &Candidate| filters::shannon_entropy(c.value.as_bytes()) >= 3.5),
        ),
        (
            "not a placeholder, example or repetition",
            Box::new(|c: &Candidate| {
                let v = c.value.as_bytes();
                !filters::is_placeholder(v) && !filters::is_known_example(v) && !filters::is_repetitive(v)
            }),
        ),
        (
            "not made of words (identifier shapes)",
            Box::new(|c: &Candidate| !words.is_match(&c.value)),
        ),
        (
            "not a URL, path or e-mail",
            Box::new(|c: &Candidate| !url_path_email.is_match(&c.value)),
        ),
        ("not a version", Box::new(|c: &Candidate| !version.is_match(&c.value))),
        (
            "not a hex digest (32/40/64)",
            Box::new(|c: &Candidate| !digest.is_match(&c.value)),
        ),
    ];
    // Every single signal at once, then keyhound's decision: the rows the
    // README compares.
    let all_of_them = |c: &Candidate| singles.iter().all(|(_, holds)| holds(c));
    type Row<'a> = (&'a str, &'a dyn Fn(&Candidate) -> bool);
    let mut signals: Vec<Row> = singles
        .iter()
        .map(|(name, holds)| -> Row { (name, holds.as_ref()) })
        .collect();
    signals.push(("all of the above", &all_of_them));
    signals.push(("keyhound (rules, readers, filters)", &keyhound_says));

    println!(
        "{} candidate values: {} in the labelled corpora ({} labelled secrets), {} in {} crates' sources ({:.0} MB)",
        all.len(),
        corpus_count,
        positives,
        all.len() - corpus_count,
        dependencies.len(),
        dependency_bytes as f64 / 1e6
    );
    println!("| signal (secret when it holds) | flags | precision | recall | F1 |");
    println!("| --- | --- | --- | --- | --- |");
    let mut scores = BTreeMap::new();
    for (name, predict) in &signals {
        let s = score(&all, predict);
        println!(
            "| {name} | {} | {:.3} | {:.3} | {:.3} |",
            s.tp + s.fp,
            s.precision(),
            s.recall(),
            s.f1()
        );
        scores.insert(*name, s);
    }
    let keyhound = scores["keyhound (rules, readers, filters)"];
    // What keyhound missed and wrongly reported here, for the README.
    for c in all.iter().filter(|c| c.positive != keyhound_says(c)).take(40) {
        println!(
            "  {}: {}:{} {}",
            if c.positive { "miss" } else { "false positive" },
            c.path.strip_prefix(root).unwrap_or(&c.path).display(),
            c.line,
            if c.positive { "(labelled)" } else { c.value.as_str() }
        );
    }

    assert!(
        positives > 300,
        "the corpora's labelled secrets were not found as candidates ({positives})"
    );
    assert!(
        keyhound.precision() >= 0.95,
        "keyhound's precision {:.3}",
        keyhound.precision()
    );
    assert!(keyhound.recall() >= 0.95, "keyhound's recall {:.3}", keyhound.recall());
    for (name, s) in &scores {
        if *name != "keyhound (rules, readers, filters)" {
            assert!(
                keyhound.f1() > s.f1(),
                "the signal '{name}' alone (F1 {:.3}) does as well as keyhound ({:.3})",
                s.f1(),
                keyhound.f1()
            );
        }
    }
}
