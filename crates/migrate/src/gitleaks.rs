//! gitleaks (and Betterleaks) configuration: `.gitleaks.toml`.
//!
//! Custom `[[rules]]` become a keyhound rule pack: the regex kept (Go's RE2
//! syntax is a subset of Rust's `regex` for what gitleaks accepts), the
//! secret group renamed `secret` (gitleaks' `secretGroup`, else its first
//! capture group, else the whole match), `keywords` kept or, when missing,
//! taken from the literals every match starts with, `entropy` as
//! `min_entropy`, per-rule allowlists as the rule's own `allow` regexes, and
//! an example generated from the regex (keyhound rules carry tested
//! examples). Global `[allowlist]`/`[[allowlists]]` become policy:
//! `paths` → `exclude_path_patterns`, `regexes` → `allow.secrets` or
//! `allow.lines` by `regexTarget`, `stopwords`, `commits`. Whatever cannot
//! be carried over exactly is listed with the reason, and never in the
//! direction of reporting less than gitleaks would have: a limit keyhound
//! cannot express is dropped (more findings), an exception it cannot
//! express is left out (more findings).
//!
//! Format: <https://github.com/gitleaks/gitleaks#configuration> and the
//! annotated `config/gitleaks.toml` of the gitleaks repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use keyhound_rules::{PackFile, RuleSpec};

use crate::{example, Item, MigrateError, PolicyAdditions};

/// The file names gitleaks looks for, in its order.
pub const CONFIG_FILES: &[&str] = &[".gitleaks.toml", "gitleaks.toml"];

/// How deep `[extend] path` chains are followed (gitleaks' own limit).
const MAX_EXTEND_DEPTH: usize = 2;

/// A gitleaks config file as written.
#[derive(Debug, Default, Deserialize)]
struct GitleaksConfig {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    extend: Option<Extend>,
    #[serde(default)]
    rules: Vec<GlRule>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
struct Extend {
    #[serde(default, rename = "useDefault")]
    use_default: Option<bool>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default, rename = "disabledRules")]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct GlRule {
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default, rename = "secretGroup")]
    secret_group: Option<usize>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    allowlist: Option<GlAllowlist>,
    #[serde(default)]
    allowlists: Vec<GlAllowlist>,
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct GlAllowlist {
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default, rename = "regexTarget")]
    regex_target: Option<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default, rename = "targetRules")]
    target_rules: Vec<String>,
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

impl GlAllowlist {
    /// How many kinds of criteria it has (an AND over more than one cannot
    /// be split into keyhound's independent lists).
    fn criteria(&self) -> usize {
        [
            !self.regexes.is_empty(),
            !self.paths.is_empty(),
            !self.stopwords.is_empty(),
            !self.commits.is_empty(),
        ]
        .iter()
        .filter(|b| **b)
        .count()
    }

    fn is_and(&self) -> bool {
        self.condition.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("AND"))
    }
}

/// What a gitleaks config became.
#[derive(Debug, Default)]
pub struct Translation {
    /// The custom rules as a keyhound pack (empty when there were none).
    pub rules: Vec<RuleSpec>,
    /// Policy for `.keyhound.toml`.
    pub policy: PolicyAdditions,
    /// What was read and what became of it.
    pub items: Vec<Item>,
}

impl Translation {
    /// The pack's TOML text, with a header saying where it came from.
    pub fn pack_text(&self, source: &str) -> Result<String, MigrateError> {
        let pack = PackFile {
            rules: self.rules.clone(),
        };
        let body = toml::to_string(&pack).map_err(|e| MigrateError::Write(e.to_string()))?;
        Ok(format!(
            "# keyhound rule pack translated by `keyhound migrate` from {source}.\n\
             # Each rule keeps the gitleaks regex; its example was generated from the\n\
             # regex: replace it with a real-looking fake when you edit the rule.\n\n{body}"
        ))
    }
}

/// Reads `path` (and what it extends) and translates it. `builtin_ids`
/// are keyhound's own rule ids, which a translated rule must not take.
pub fn translate(path: &Path, builtin_ids: &BTreeSet<String>) -> Result<Translation, MigrateError> {
    let mut out = Translation::default();
    let mut seen_ids = BTreeSet::new();
    read(path, builtin_ids, &mut out, &mut seen_ids, 0)?;
    Ok(out)
}

fn read(
    path: &Path,
    builtin_ids: &BTreeSet<String>,
    out: &mut Translation,
    seen_ids: &mut BTreeSet<String>,
    depth: usize,
) -> Result<(), MigrateError> {
    let text = keyhound_rules::input_file::read_to_string(path, keyhound_rules::input_file::MAX_INPUT_FILE_BYTES)
        .map_err(|source| MigrateError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let config: GitleaksConfig = toml::from_str(&text).map_err(|source| MigrateError::Parse {
        path: path.to_path_buf(),
        message: source.to_string(),
    })?;
    let file = path.display().to_string();
    let mut item = |what: String, outcome: crate::Outcome| {
        out.items.push(Item {
            source: file.clone(),
            what,
            outcome,
        })
    };
    if let Some(title) = &config.title {
        item(
            format!("title {title:?}"),
            crate::Outcome::Ignored("a label only".into()),
        );
    }
    for key in config.other.keys() {
        item(
            format!("key `{key}`"),
            crate::Outcome::NotTranslated("not a gitleaks v8 setting keyhound knows".into()),
        );
    }
    if let Some(extend) = &config.extend {
        if extend.use_default == Some(true) {
            item(
                "[extend] useDefault = true".into(),
                crate::Outcome::Translated(
                    "keyhound's built-in rules (every provider gitleaks covers and more) take the place of gitleaks' defaults"
                        .into(),
                ),
            );
        }
        if !extend.disabled_rules.is_empty() {
            item(
                format!("[extend] disabledRules {:?}", extend.disabled_rules),
                crate::Outcome::NotTranslated(
                    "gitleaks' default rule ids are not keyhound's: disable keyhound rules by their own ids (`keyhound rules list`) in disable_rules"
                        .into(),
                ),
            );
        }
        if let Some(url) = &extend.url {
            item(
                format!("[extend] url {url:?}"),
                crate::Outcome::NotTranslated("keyhound does not fetch configuration from the network".into()),
            );
        }
        if let Some(base) = &extend.path {
            let base_path = path.parent().unwrap_or(Path::new(".")).join(base);
            if depth + 1 > MAX_EXTEND_DEPTH {
                item(
                    format!("[extend] path {base:?}"),
                    crate::Outcome::NotTranslated(format!("extends deeper than gitleaks' limit of {MAX_EXTEND_DEPTH}")),
                );
            } else {
                read(&base_path, builtin_ids, out, seen_ids, depth + 1)?;
                out.items.push(Item {
                    source: file.clone(),
                    what: format!("[extend] path {base:?}"),
                    outcome: crate::Outcome::Translated(format!("read {}", base_path.display())),
                });
            }
        }
    }
    let mut rule_allowlists: BTreeMap<String, Vec<GlAllowlist>> = BTreeMap::new();
    let globals: Vec<GlAllowlist> = config.allowlist.iter().chain(&config.allowlists).cloned().collect();
    for (i, list) in globals.iter().enumerate() {
        let label = if config.allowlist.is_some() && i == 0 {
            "[allowlist]".to_string()
        } else {
            format!("[[allowlists]] #{}", i + usize::from(config.allowlist.is_none()))
        };
        if !list.target_rules.is_empty() {
            for rule in &list.target_rules {
                rule_allowlists.entry(rule.clone()).or_default().push(list.clone());
            }
            continue;
        }
        global_allowlist(&label, list, &mut out.policy, &mut |what, outcome| {
            out.items.push(Item {
                source: file.clone(),
                what,
                outcome,
            })
        });
    }
    for rule in &config.rules {
        let extra = rule_allowlists.remove(&rule.id).unwrap_or_default();
        let (spec, outcome) = translate_rule(rule, &extra, builtin_ids, seen_ids);
        out.items.push(Item {
            source: file.clone(),
            what: format!("rule `{}`", rule.id),
            outcome,
        });
        if let Some(spec) = spec {
            out.rules.push(spec);
        }
    }
    for (rule, _) in rule_allowlists {
        out.items.push(Item {
            source: file.clone(),
            what: format!("allowlist for rule `{rule}`"),
            outcome: crate::Outcome::NotTranslated(
                "it targets a gitleaks default rule; keyhound's rules have their own ids and exceptions".into(),
            ),
        });
    }
    Ok(())
}

/// Carries one global allowlist into policy.
fn global_allowlist(
    label: &str,
    list: &GlAllowlist,
    policy: &mut PolicyAdditions,
    item: &mut dyn FnMut(String, crate::Outcome),
) {
    if list.is_and() && list.criteria() > 1 {
        item(
            format!("{label} (condition = \"AND\")"),
            crate::Outcome::NotTranslated(
                "keyhound's allowlists are independent (any one allows); an AND over several criteria would allow more than gitleaks did, so it is left out"
                    .into(),
            ),
        );
        return;
    }
    for key in list.other.keys().filter(|k| k.as_str() != "description") {
        item(
            format!("{label} key `{key}`"),
            crate::Outcome::NotTranslated("not a gitleaks allowlist setting keyhound knows".into()),
        );
    }
    if !list.paths.is_empty() {
        let (good, bad) = split_regexes(&list.paths);
        policy.exclude_path_patterns.extend(good.iter().cloned());
        item(
            format!("{label} paths ({})", list.paths.len()),
            crate::Outcome::Translated(format!("{} exclude_path_patterns", good.len())),
        );
        report_bad(label, "paths", bad, item);
    }
    if !list.regexes.is_empty() {
        let (good, bad) = split_regexes(&list.regexes);
        match list.regex_target.as_deref().unwrap_or("secret") {
            "line" => {
                policy.allow_lines.extend(good.iter().cloned());
                item(
                    format!("{label} regexes ({}, regexTarget = \"line\")", list.regexes.len()),
                    crate::Outcome::Approximated(
                        "allow.lines: keyhound matches them against the finding's line with its secrets redacted"
                            .into(),
                    ),
                );
            }
            "match" => {
                policy.allow_lines.extend(good.iter().cloned());
                item(
                    format!("{label} regexes ({}, regexTarget = \"match\")", list.regexes.len()),
                    crate::Outcome::Approximated(
                        "allow.lines: keyhound has no whole-match target in policy, so they are matched against the finding's line (with secrets redacted), which holds the match"
                            .into(),
                    ),
                );
            }
            _ => {
                policy.allow_secrets.extend(good.iter().cloned());
                item(
                    format!("{label} regexes ({})", list.regexes.len()),
                    crate::Outcome::Translated(format!("{} allow.secrets", good.len())),
                );
            }
        }
        report_bad(label, "regexes", bad, item);
    }
    if !list.stopwords.is_empty() {
        policy.allow_stopwords.extend(list.stopwords.iter().cloned());
        item(
            format!("{label} stopwords ({})", list.stopwords.len()),
            crate::Outcome::Translated("allow.stopwords".into()),
        );
    }
    if !list.commits.is_empty() {
        policy.allow_commits.extend(list.commits.iter().cloned());
        item(
            format!("{label} commits ({})", list.commits.len()),
            crate::Outcome::Translated("allow.commits".into()),
        );
    }
}

fn split_regexes(patterns: &[String]) -> (Vec<String>, Vec<(String, String)>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for p in patterns {
        match regex::Regex::new(p) {
            Ok(_) => good.push(p.clone()),
            Err(e) => bad.push((p.clone(), e.to_string())),
        }
    }
    (good, bad)
}

fn report_bad(label: &str, field: &str, bad: Vec<(String, String)>, item: &mut dyn FnMut(String, crate::Outcome)) {
    for (pattern, error) in bad {
        item(
            format!("{label} {field} {pattern:?}"),
            crate::Outcome::NotTranslated(format!("does not compile as a Rust regex: {}", first_line(&error))),
        );
    }
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().to_string()
}

/// One custom rule: the keyhound spec (validated) or why not.
fn translate_rule(
    rule: &GlRule,
    allowlists: &[GlAllowlist],
    builtin_ids: &BTreeSet<String>,
    seen_ids: &mut BTreeSet<String>,
) -> (Option<RuleSpec>, crate::Outcome) {
    let not = |why: String| (None, crate::Outcome::NotTranslated(why));
    let Some(regex) = rule.regex.as_deref().filter(|r| !r.is_empty()) else {
        return not(
            "a path-only rule reports a file by its name; keyhound reports secrets in contents (exclude or review such files another way)"
                .into(),
        );
    };
    if let Err(e) = regex::Regex::new(regex) {
        return not(format!(
            "its regex does not compile as a Rust regex: {}",
            first_line(&e.to_string())
        ));
    }
    let pattern = match secret_pattern(regex, rule.secret_group) {
        Ok(p) => p,
        Err(why) => return not(why),
    };
    let compiled = match regex::Regex::new(&pattern) {
        Ok(re) => re,
        Err(e) => {
            return not(format!(
                "the translated regex does not compile: {}",
                first_line(&e.to_string())
            ))
        }
    };
    let mut notes = Vec::new();
    let keywords: Vec<String> = if rule.keywords.is_empty() {
        match literal_keywords(regex) {
            Some(k) => {
                notes.push(format!("keywords {k:?} taken from the regex"));
                k
            }
            None => {
                return not(
                    "no keywords, and the regex has no literal every match starts with: keyhound's prefilter needs one; add `keywords` to the rule"
                        .into(),
                )
            }
        }
    } else {
        rule.keywords.iter().map(|k| k.to_lowercase()).collect()
    };
    if let Some(k) = keywords.iter().find(|k| k.len() < 2) {
        return not(format!("keyword {k:?} is shorter than keyhound's 2-byte minimum"));
    }
    // gitleaks matches `path` against the file's path, as keyhound's
    // `paths` does.
    let mut paths = Vec::new();
    if let Some(p) = &rule.path {
        match regex::Regex::new(p) {
            Ok(_) => paths.push(p.clone()),
            Err(e) => notes.push(format!(
                "its `path` {p:?} is left out ({}): keyhound runs the rule on every file (more findings, never fewer)",
                first_line(&e.to_string())
            )),
        }
    }
    for key in rule.other.keys().filter(|k| !matches!(k.as_str(), "tags")) {
        notes.push(format!("`{key}` not carried over"));
    }
    let mut allow = Vec::new();
    let mut allow_match = Vec::new();
    for list in rule.allowlist.iter().chain(&rule.allowlists).chain(allowlists) {
        if list.is_and() && list.criteria() > 1 {
            notes.push("an AND allowlist over several criteria is left out".into());
            continue;
        }
        let (good, bad) = split_regexes(&list.regexes);
        for (p, e) in bad {
            notes.push(format!("allowlist regex {p:?} left out: {}", first_line(&e)));
        }
        match list.regex_target.as_deref().unwrap_or("secret") {
            "secret" => allow.extend(good),
            _ => allow_match.extend(good),
        }
        allow.extend(list.stopwords.iter().map(|w| format!("(?i){}", regex::escape(w))));
        if !list.paths.is_empty() || !list.commits.is_empty() {
            notes.push(
                "its allowlist's paths and commits are left out: keyhound's path and commit exceptions apply to every rule"
                    .into(),
            );
        }
    }
    let mut id = rule.id.clone();
    if builtin_ids.contains(&id) || seen_ids.contains(&id) {
        id = format!("gitleaks-{id}");
        notes.push(format!("renamed `{id}`: keyhound has a rule `{}`", rule.id));
    }
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return not(format!("id {:?} has characters keyhound ids may not hold", rule.id));
    }
    let Some(positive) = example::generate(&pattern).filter(|e| {
        compiled
            .captures(e)
            .and_then(|c| c.name("secret"))
            .is_some_and(|m| !m.as_str().is_empty() && rule.entropy.is_none_or(|min| shannon(m.as_str()) >= min))
    }) else {
        return not("no example could be generated from its regex; write the rule by hand with an example".into());
    };
    let negative = [
        format!("{} = \"\"", keywords[0]),
        format!("{}: <placeholder>", keywords[0]),
        "no secret here".to_string(),
    ]
    .into_iter()
    .find(|n| !compiled.is_match(n))
    .unwrap_or_else(|| "no secret here".into());
    let spec = serde_json::json!({
        "id": id,
        "name": rule.description.clone().unwrap_or_else(|| rule.id.clone()),
        "description": rule.description.clone().map(|d| format!("{d} (translated from gitleaks rule `{}`)", rule.id)),
        "keywords": keywords,
        "pattern": pattern,
        "min_entropy": rule.entropy,
        "allow": allow,
        "allow_match": allow_match,
        "paths": paths,
        "severity": "high",
        "examples": { "positive": [positive], "negative": [negative] },
    });
    let spec: RuleSpec = match serde_json::from_value(spec) {
        Ok(s) => s,
        Err(e) => return not(format!("cannot build the rule: {e}")),
    };
    if let Err(e) = keyhound_rules::Rule::new(spec.clone(), "migrate").and_then(|r| r.check_regexes().map(|_| r)) {
        return not(format!("keyhound refuses the translation: {e}"));
    }
    seen_ids.insert(id.clone());
    let outcome = if notes.is_empty() {
        crate::Outcome::Translated(format!("keyhound rule `{id}`"))
    } else {
        crate::Outcome::Approximated(format!("keyhound rule `{id}`; {}", notes.join("; ")))
    };
    (Some(spec), outcome)
}

/// The regex with the secret's group named `secret`: `secretGroup` if
/// set, else the first capture group, else the whole match.
fn secret_pattern(regex: &str, secret_group: Option<usize>) -> Result<String, String> {
    let groups = capture_groups(regex);
    if let Some(named) = groups.iter().find(|g| g.name.as_deref() == Some("secret")) {
        if secret_group.is_none_or(|n| n == named.index) {
            return Ok(regex.to_string());
        }
    }
    let wanted = match secret_group {
        Some(0) => 0,
        Some(n) => n,
        None if groups.is_empty() => 0,
        None => 1,
    };
    if wanted == 0 {
        return Ok(format!("(?P<secret>{regex})"));
    }
    let Some(group) = groups.iter().find(|g| g.index == wanted) else {
        return Err(format!("secretGroup {wanted} names no capture group of the regex"));
    };
    let mut out = String::with_capacity(regex.len() + 10);
    out.push_str(&regex[..group.open + 1]);
    out.push_str("?P<secret>");
    out.push_str(&regex[group.body..]);
    // A group named `secret` elsewhere would clash with the new name.
    if groups
        .iter()
        .any(|g| g.name.as_deref() == Some("secret") && g.index != wanted)
    {
        return Err("the regex already has a group named `secret` other than its secretGroup".into());
    }
    Ok(out)
}

/// A capture group's place in the regex text.
#[derive(Debug)]
struct Group {
    /// 1-based capture index.
    index: usize,
    /// Byte offset of its `(`.
    open: usize,
    /// Byte offset where its body starts (after `(` or `(?P<name>`).
    body: usize,
    name: Option<String>,
}

/// The capture groups of `regex`, found by reading its text: escapes and
/// character classes skipped, `(?:…)`, flags and look-arounds not counted,
/// `(?P<name>…)` and `(?<name>…)` counted.
fn capture_groups(regex: &str) -> Vec<Group> {
    let bytes = regex.as_bytes();
    let mut groups = Vec::new();
    let (mut i, mut in_class) = (0usize, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' if !in_class => {
                in_class = true;
                // `[]…]` and `[^]…]`: a leading `]` is a member.
                if bytes.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b'[' if in_class && bytes.get(i + 1) == Some(&b':') => {
                // POSIX class inside a class: `[[:alpha:]]`.
                if let Some(end) = regex[i..].find(":]") {
                    i += end + 1;
                }
            }
            b']' if in_class => in_class = false,
            b'(' if !in_class => {
                let rest = &regex[i + 1..];
                let named = rest.strip_prefix("?P<").or_else(|| {
                    rest.strip_prefix("?<")
                        .filter(|r| !r.starts_with('=') && !r.starts_with('!'))
                });
                if let Some(after) = named {
                    if let Some(end) = after.find('>') {
                        let name = after[..end].to_string();
                        let body = i + 1 + (rest.len() - after.len()) + end + 1;
                        groups.push(Group {
                            index: groups.len() + 1,
                            open: i,
                            body,
                            name: Some(name),
                        });
                    }
                } else if !rest.starts_with('?') {
                    groups.push(Group {
                        index: groups.len() + 1,
                        open: i,
                        body: i + 1,
                        name: None,
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    groups
}

/// Lower-cased literals every match starts with (at least 3 bytes each, at
/// most 16 of them), as prefilter keywords; `None` when there are none.
fn literal_keywords(regex: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new().build().parse(regex).ok()?;
    // Classes wider than a letter's two cases end a literal (the case
    // variants of `(?i)` still expand), so `tok_[a-z]{8}` yields `tok_`.
    let seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_class(2)
        .limit_total(64)
        .extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.len() > 64 {
        return None;
    }
    let mut words: BTreeSet<String> = BTreeSet::new();
    for lit in literals {
        let word = String::from_utf8(lit.as_bytes().to_vec()).ok()?.to_lowercase();
        if word.len() < 3 {
            return None;
        }
        words.insert(word);
    }
    (words.len() <= 16).then(|| words.into_iter().collect())
}

/// Shannon entropy in bits per character, as gitleaks computes it.
fn shannon(s: &str) -> f64 {
    let mut counts: BTreeMap<char, usize> = BTreeMap::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let n = s.chars().count() as f64;
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Where gitleaks would look for its config under `root`.
pub fn find(root: &Path) -> Option<PathBuf> {
    CONFIG_FILES.iter().map(|f| root.join(f)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_group_is_the_named_or_first_or_whole() {
        assert_eq!(
            secret_pattern("abc([a-z]{4})", None).unwrap(),
            "abc(?P<secret>[a-z]{4})"
        );
        assert_eq!(
            secret_pattern(r"(?i)(key)\s*=\s*([a-z]{4})", Some(2)).unwrap(),
            r"(?i)(key)\s*=\s*(?P<secret>[a-z]{4})"
        );
        assert_eq!(secret_pattern("ab[(]c", None).unwrap(), "(?P<secret>ab[(]c)");
        assert_eq!(
            secret_pattern(r"(?:x|y)(?P<tok>\d+)", None).unwrap(),
            r"(?:x|y)(?P<secret>\d+)"
        );
        assert_eq!(
            secret_pattern(r"\(lit\)(\w+)", None).unwrap(),
            r"\(lit\)(?P<secret>\w+)"
        );
        assert!(secret_pattern("(a)(b)", Some(3)).is_err());
    }

    #[test]
    fn a_rule_path_becomes_paths() {
        let dir = tempfile_dir();
        let file = dir.join("gitleaks.toml");
        std::fs::write(
            &file,
            "[[rules]]\nid = \"cfg-token\"\nregex = '''cfgtok_[a-z0-9]{20}'''\nkeywords = [\"cfgtok_\"]\npath = '''(^|/)app\\.cfg$'''\n",
        )
        .unwrap();
        let t = translate(&file, &BTreeSet::new()).unwrap();
        let rule = t.rules.iter().find(|r| r.id == "cfg-token").expect("translated");
        assert_eq!(rule.paths, vec![r"(^|/)app\.cfg$".to_string()]);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "keyhound-migrate-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn keywords_come_from_prefix_literals_only_when_every_match_has_one() {
        assert_eq!(
            literal_keywords("mycorp_[a-z]{8}").unwrap(),
            vec!["mycorp_".to_string()]
        );
        assert_eq!(
            literal_keywords("(?:acme|widget)-[0-9]{4}").unwrap(),
            vec!["acme-".to_string(), "widget-".to_string()]
        );
        assert!(literal_keywords("[a-z]{32}").is_none());
        assert!(literal_keywords("a[0-9]+").is_none(), "too short to prefilter");
    }
}
