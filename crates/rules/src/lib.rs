//! Rule packs as plain data: the TOML model ([`RuleSpec`], with its
//! verifier and revocation specs as data), the packs built into the binary,
//! loading and the checks that need nothing but the pack itself.
//!
//! This crate knows no engine and no network. The engine compiles a
//! [`Rule`] into its own compiled form; the verify crate compiles the
//! verifier spec; the scan crate runs the documented examples. Built-in
//! packs are trusted (CI runs every example of every rule), so they are
//! only parsed at start-up, which keeps `keyhound stdin </dev/null` in the
//! low milliseconds. User packs are validated in full before any scan
//! starts: [`load_path`] here compiles their regexes, the layers above add
//! verifier checks and examples.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

pub mod access_spec;
mod checksum;
pub mod input_file;
mod model;
pub mod verify_spec;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::bytes::{Regex, RegexBuilder};

pub use checksum::{Checksum, UnknownChecksum};
pub use model::{Examples, PackFile, Revoke, RuleSpec, Severity};
use regex_syntax::hir::Hir;

include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// Largest compiled program a rule's regex may produce; a guard against a
/// user pack with a pathological bounded repetition.
const REGEX_SIZE_LIMIT: usize = 8 << 20;

/// Cache the lazy DFA of one rule regex may grow to (per thread, and only as
/// far as it is used). The regex crate's 2 MiB default makes the generic
/// assignment rule (case-insensitive names, bounded repetitions) clear and
/// rebuild its cache over and over on real sources: 8 MiB cut its matching
/// time on 67 MB of crate sources from about 16 ms to 4.5 ms.
const LAZY_DFA_CACHE_LIMIT: usize = 8 << 20;

/// Why a rule pack was refused. Every variant names the file, and the rule
/// where one is involved, so a pack author can find the problem at once.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The pack file or directory could not be read.
    #[error("{path}: cannot read rule pack")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the pack model.
    #[error("{file}: invalid rule pack")]
    Toml {
        /// Pack file name.
        file: String,
        /// The parser's error (with line and column).
        #[source]
        source: toml::de::Error,
    },
    /// A built-in pack does not fit the pack model (its TOML parsed, so
    /// the field is wrong: an unknown key, a wrong type).
    #[error("{file}: invalid rule pack")]
    Builtin {
        /// Pack file name.
        file: String,
        /// The model's error.
        #[source]
        source: serde_json::Error,
    },
    /// One rule is malformed.
    #[error("{file}: rule `{rule}`")]
    Invalid {
        /// Pack file name.
        file: String,
        /// Rule id.
        rule: String,
        /// What is wrong with it.
        #[source]
        problem: RuleProblem,
    },
    /// Two rules share one id (ids are part of every fingerprint).
    #[error("{second_file}: rule `{id}`: duplicate id (already defined in {first_file})")]
    Duplicate {
        /// The id.
        id: String,
        /// Where it was first defined.
        first_file: String,
        /// Where it was defined again.
        second_file: String,
    },
    /// `--enable-rule`/`--disable-rule` or a config named a rule that does not exist.
    #[error("unknown rule id `{id}`{}", did_you_mean(.suggestion.as_deref()))]
    UnknownRule {
        /// The id as given.
        id: String,
        /// The closest existing id, when one is close enough to be a typo.
        suggestion: Option<String>,
    },
}

/// What is wrong with one rule. Layers above this crate add their own
/// checks (verifier specs, examples) as [`RuleProblem::Other`] with the
/// source kept.
#[derive(Debug, thiserror::Error)]
pub enum RuleProblem {
    /// The id is empty or has characters outside `[A-Za-z0-9._-]`.
    #[error("id must be non-empty and made of letters, digits, '-', '_' or '.'")]
    BadId,
    /// The rule lists no keyword for the prefilter.
    #[error("no keywords: every rule needs at least one literal for the prefilter")]
    NoKeywords,
    /// A keyword shorter than two bytes would fire everywhere.
    #[error("keyword {0:?} is too short (at least 2 bytes)")]
    ShortKeyword(String),
    /// The pattern has no `secret` group, so nothing says what the secret is.
    #[error("pattern has no named group `secret`")]
    NoSecretGroup,
    /// Every rule documents itself with examples both ways.
    #[error("needs at least one positive and one negative example")]
    MissingExamples,
    /// The `checksum` names no known validator.
    #[error(transparent)]
    Checksum(#[from] UnknownChecksum),
    /// The pattern does not compile.
    #[error("bad pattern")]
    Pattern(#[source] regex::Error),
    /// An `allow`, `allow_match`, `allow_before` or `paths` regex does not
    /// compile.
    #[error("bad allow or paths regex {pattern:?}")]
    Allow {
        /// The regex as written.
        pattern: String,
        /// The compiler's error.
        #[source]
        source: regex::Error,
    },
    /// A check made by a layer above (a verifier spec, a failing example).
    #[error("{what}")]
    Other {
        /// Which part of the rule (`verify`, `revoke.api`, `positive example #2`).
        what: String,
        /// The underlying problem.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A rule as loaded: the pack's spec and the file it came from. Plain data:
/// the engine and the verifier compile what they need from it.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule as written in its pack.
    pub spec: RuleSpec,
    /// The pack file it came from (for error messages and `rules list`).
    pub source: String,
    /// Parsed checksum validator, if the rule names one.
    pub checksum: Option<Checksum>,
}

impl Rule {
    /// Builds a rule from its spec, checking the cheap structural
    /// requirements (keywords, `secret` group present, checksum name known).
    pub fn new(spec: RuleSpec, source: &str) -> Result<Rule, RuleError> {
        let invalid = |problem: RuleProblem| RuleError::Invalid {
            file: source.to_string(),
            rule: spec.id.clone(),
            problem,
        };
        if spec.id.is_empty()
            || !spec
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(invalid(RuleProblem::BadId));
        }
        if spec.keywords.is_empty() {
            return Err(invalid(RuleProblem::NoKeywords));
        }
        if let Some(k) = spec.keywords.iter().find(|k| k.len() < 2) {
            return Err(invalid(RuleProblem::ShortKeyword(k.clone())));
        }
        if !spec.pattern.contains("?P<secret>") && !spec.pattern.contains("?<secret>") {
            return Err(invalid(RuleProblem::NoSecretGroup));
        }
        if spec.examples.positive.is_empty() || spec.examples.negative.is_empty() {
            return Err(invalid(RuleProblem::MissingExamples));
        }
        let checksum = match &spec.checksum {
            None => None,
            Some(name) => Some(name.parse::<Checksum>().map_err(|e| invalid(e.into()))?),
        };
        Ok(Rule {
            source: source.to_string(),
            checksum,
            spec,
        })
    }

    /// The rule id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// An [`RuleError::Invalid`] for this rule.
    pub fn invalid(&self, problem: RuleProblem) -> RuleError {
        RuleError::Invalid {
            file: self.source.clone(),
            rule: self.spec.id.clone(),
            problem,
        }
    }

    /// Names a verifier or revocation template may use: the pattern's
    /// named groups (`secret` among them).
    pub fn group_names(&self) -> Vec<String> {
        compile(&self.spec.pattern)
            .map(|re| re.capture_names().flatten().map(str::to_string).collect())
            .unwrap_or_else(|_| vec!["secret".to_string()])
    }

    /// Compiles every regex of the rule now and reports the first failure;
    /// used for user packs and by `rules test`.
    pub fn check_regexes(&self) -> Result<(), RuleError> {
        let re = compile(&self.spec.pattern).map_err(|e| self.invalid(RuleProblem::Pattern(e)))?;
        if !re.capture_names().any(|n| n == Some("secret")) {
            return Err(self.invalid(RuleProblem::NoSecretGroup));
        }
        for p in self
            .spec
            .allow
            .iter()
            .chain(&self.spec.allow_match)
            .chain(&self.spec.allow_before)
            .chain(&self.spec.paths)
        {
            compile(p).map_err(|source| {
                self.invalid(RuleProblem::Allow {
                    pattern: p.clone(),
                    source,
                })
            })?;
        }
        Ok(())
    }

    /// Whether the rule may span lines.
    pub fn multiline(&self) -> bool {
        self.spec.multiline
    }

    /// Bytes before a keyword hit that the regex may see.
    pub fn window_before(&self) -> usize {
        self.spec
            .window_before
            .unwrap_or(if self.spec.multiline { 512 } else { 256 })
    }

    /// Bytes after a keyword hit that the regex may see.
    pub fn window_after(&self) -> usize {
        self.spec
            .window_after
            .unwrap_or(if self.spec.multiline { 16 * 1024 } else { 512 })
    }
}

/// Compiles a rule regex the way the engine runs it: on bytes, Unicode off
/// (so `.` and classes match arbitrary bytes and compile small).
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(LAZY_DFA_CACHE_LIMIT)
        .build()
}

/// Parses a rule pattern the way [`compile`] compiles it (bytes, Unicode
/// off), for the window checks derived from its structure; `None` if it does
/// not parse.
pub fn parse_pattern(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
}

/// Parses one pack's TOML text into rules (structural checks only).
pub fn parse_pack(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let pack: PackFile = toml::from_str(text).map_err(|source| RuleError::Toml {
        file: file.to_string(),
        source,
    })?;
    pack.rules.into_iter().map(|spec| Rule::new(spec, file)).collect()
}

/// The packs embedded in the binary, parsed but not compiled.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    let mut rules = Vec::new();
    for (file, is_json, text) in BUILTIN_PACKS {
        if *is_json {
            let pack: PackFile = serde_json::from_str(text).map_err(|source| RuleError::Builtin {
                file: file.to_string(),
                source,
            })?;
            for spec in pack.rules {
                rules.push(Rule::new(spec, file)?);
            }
        } else {
            rules.extend(parse_pack(file, text)?);
        }
    }
    Ok(rules)
}

/// Loads a user pack file, or every `*.toml` in a directory, and checks
/// every regex compiles. (The scan crate's `packs::load_path` adds the
/// verifier checks and runs the examples.)
pub fn load_path(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let rules = parse_path(path)?;
    for rule in &rules {
        rule.check_regexes()?;
    }
    Ok(rules)
}

/// Parses a pack file or directory of packs without compiling or running
/// examples (`rules test` does that itself, reporting every failure).
pub fn parse_path(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let io = |source| RuleError::Io {
        path: path.to_path_buf(),
        source,
    };
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut rules = Vec::new();
    for file in files {
        let text =
            input_file::read_to_string(&file, input_file::MAX_INPUT_FILE_BYTES).map_err(|source| RuleError::Io {
                path: file.clone(),
                source,
            })?;
        rules.extend(parse_pack(&file.display().to_string(), &text)?);
    }
    Ok(rules)
}

/// Refuses duplicate ids across every loaded pack.
pub fn check_unique(rules: &[Rule]) -> Result<(), RuleError> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for rule in rules {
        if let Some(first) = seen.insert(rule.id(), &rule.source) {
            return Err(RuleError::Duplicate {
                id: rule.id().to_string(),
                first_file: first.to_string(),
                second_file: rule.source.clone(),
            });
        }
    }
    Ok(())
}

/// The existing rule id a mistyped `wanted` most likely meant: the most
/// similar by Jaro-Winkler (which favours a shared prefix, as rule ids share
/// their provider's name), or one that `wanted` is a prefix of; `None` when
/// nothing is close, so a wild guess is never offered.
pub fn closest_id<'a>(wanted: &str, ids: impl Iterator<Item = &'a str>) -> Option<String> {
    let wanted_lower = wanted.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for id in ids {
        let mut score = strsim::jaro_winkler(&wanted_lower, id);
        if wanted_lower.len() >= 4 && id.starts_with(&wanted_lower) {
            score = score.max(0.9);
        }
        if best.is_none_or(|(b, best_id)| score > b || (score == b && id < best_id)) {
            best = Some((score, id));
        }
    }
    best.filter(|(score, _)| *score >= 0.85).map(|(_, id)| id.to_string())
}

/// The tail of an unknown-id error: the suggestion, or where to look.
fn did_you_mean(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(id) => format!(" — did you mean `{id}`? (see `keyhound rules list`)"),
        None => " (see `keyhound rules list`)".to_string(),
    }
}

/// Which rules run: pack defaults adjusted by `--enable-rule` and
/// `--disable-rule` (and the config file's `disable_rules`).
#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// Rule ids to switch on even if their pack disables them.
    pub enable: Vec<String>,
    /// Rule ids to switch off.
    pub disable: Vec<String>,
}

impl Selection {
    /// Keeps the selected rules, refusing ids that name no rule.
    pub fn apply(&self, rules: Vec<Rule>) -> Result<Vec<Rule>, RuleError> {
        for id in self.enable.iter().chain(&self.disable) {
            if !rules.iter().any(|r| r.id() == id) {
                return Err(RuleError::UnknownRule {
                    id: id.clone(),
                    suggestion: closest_id(id, rules.iter().map(Rule::id)),
                });
            }
        }
        Ok(rules
            .into_iter()
            .filter(|r| {
                let id = r.id().to_string();
                !self.disable.contains(&id) && (r.spec.enabled || self.enable.contains(&id))
            })
            .collect())
    }
}
