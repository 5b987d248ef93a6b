//! Rule packs: loading the embedded and user-supplied TOML packs, validating
//! them, and the runtime [`Rule`] the engine consumes.
//!
//! Built-in packs are trusted (CI runs every example of every rule), so they
//! are only parsed at start-up and their regexes compile lazily on the first
//! keyword hit: that keeps `keyhound stdin </dev/null` in the low
//! milliseconds. User packs given with `--rules` are validated in full —
//! regexes compiled, examples run — before any scan starts.

mod model;
pub mod testing;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

pub use model::{Examples, PackFile, Revoke, RuleSpec, Severity};

use crate::engine::checksum::Checksum;
use crate::engine::required::RequiredBytes;
use crate::verify::spec::{CompiledRevoke, CompiledVerify};
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
    #[error("{path}: cannot read rule pack: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the pack model.
    #[error("{file}: invalid rule pack: {message}")]
    Toml {
        /// Pack file name.
        file: String,
        /// Parser message (with line and column).
        message: String,
    },
    /// A rule is malformed: bad regex, missing keywords, failing example…
    #[error("{file}: rule `{rule}`: {problem}")]
    Invalid {
        /// Pack file name.
        file: String,
        /// Rule id.
        rule: String,
        /// What is wrong.
        problem: String,
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
    #[error("unknown rule id `{0}` (see `keyhound rules list`)")]
    UnknownRule(String),
}

/// A rule ready for the engine: the pack's spec plus lazily compiled regexes.
pub struct Rule {
    /// The rule as written in its pack.
    pub spec: RuleSpec,
    /// The pack file it came from (for error messages and `rules list`).
    pub source: String,
    /// Parsed checksum validator, if the rule names one.
    pub checksum: Option<Checksum>,
    regex: OnceLock<Option<Regex>>,
    hir: OnceLock<Option<Hir>>,
    required: OnceLock<RequiredBytes>,
    allow: OnceLock<Vec<Regex>>,
    allow_match: OnceLock<Vec<Regex>>,
    allow_before: OnceLock<Vec<Regex>>,
    verifier: OnceLock<Result<Option<CompiledVerify>, String>>,
    revoker: OnceLock<Result<Option<CompiledRevoke>, String>>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("id", &self.spec.id)
            .field("source", &self.source)
            .finish()
    }
}

impl Rule {
    /// Builds a rule from its spec, checking the cheap structural
    /// requirements (keywords, `secret` group present, checksum name known).
    pub fn new(spec: RuleSpec, source: &str) -> Result<Rule, RuleError> {
        let invalid = |problem: String| RuleError::Invalid {
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
            return Err(invalid(
                "id must be non-empty and made of letters, digits, '-', '_' or '.'".into(),
            ));
        }
        if spec.keywords.is_empty() {
            return Err(invalid(
                "no keywords: every rule needs at least one literal for the prefilter".into(),
            ));
        }
        if let Some(k) = spec.keywords.iter().find(|k| k.len() < 2) {
            return Err(invalid(format!("keyword {k:?} is too short (at least 2 bytes)")));
        }
        if !spec.pattern.contains("?P<secret>") && !spec.pattern.contains("?<secret>") {
            return Err(invalid("pattern has no named group `secret`".into()));
        }
        if spec.examples.positive.is_empty() || spec.examples.negative.is_empty() {
            return Err(invalid("needs at least one positive and one negative example".into()));
        }
        let checksum = match &spec.checksum {
            None => None,
            Some(name) => Some(name.parse::<Checksum>().map_err(|e| invalid(e.to_string()))?),
        };
        Ok(Rule {
            source: source.to_string(),
            checksum,
            spec,
            regex: OnceLock::new(),
            hir: OnceLock::new(),
            required: OnceLock::new(),
            allow: OnceLock::new(),
            allow_match: OnceLock::new(),
            allow_before: OnceLock::new(),
            verifier: OnceLock::new(),
            revoker: OnceLock::new(),
        })
    }

    /// The rule id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The compiled pattern; compiled on first use. `None` only if the
    /// pattern is invalid, which validation rules out for loaded packs.
    pub fn regex(&self) -> Option<&Regex> {
        self.regex.get_or_init(|| compile(&self.spec.pattern).ok()).as_ref()
    }

    /// The pattern's syntax tree, parsed once on first use; the window
    /// checks ([`RequiredBytes`], keyword contexts) are derived from it.
    pub fn pattern_hir(&self) -> Option<&Hir> {
        self.hir.get_or_init(|| parse_pattern(&self.spec.pattern)).as_ref()
    }

    /// Byte classes a window must hold for the pattern to match in it;
    /// derived on first use (see [`RequiredBytes`]).
    pub fn required_bytes(&self) -> &RequiredBytes {
        self.required.get_or_init(|| match self.pattern_hir() {
            Some(hir) => RequiredBytes::from_hir(hir, &self.spec.keywords),
            None => RequiredBytes::default(),
        })
    }

    /// The compiled `allow` regexes; compiled on first use.
    pub fn allow_regexes(&self) -> &[Regex] {
        self.allow
            .get_or_init(|| self.spec.allow.iter().filter_map(|p| compile(p).ok()).collect())
    }

    /// The compiled `allow_match` regexes; compiled on first use.
    pub fn allow_match_regexes(&self) -> &[Regex] {
        self.allow_match
            .get_or_init(|| self.spec.allow_match.iter().filter_map(|p| compile(p).ok()).collect())
    }

    /// The compiled `allow_before` regexes; compiled on first use.
    pub fn allow_before_regexes(&self) -> &[Regex] {
        self.allow_before
            .get_or_init(|| self.spec.allow_before.iter().filter_map(|p| compile(p).ok()).collect())
    }

    /// Names a verifier or revocation template may use: the pattern's
    /// named groups (`secret` among them).
    fn group_names(&self) -> Vec<String> {
        self.regex()
            .map(|re| re.capture_names().flatten().map(str::to_string).collect())
            .unwrap_or_else(|| vec!["secret".to_string()])
    }

    /// The rule's verifier, validated and compiled on first use; `Ok(None)`
    /// when the rule has none.
    pub fn verifier(&self) -> Result<Option<&CompiledVerify>, &str> {
        self.verifier
            .get_or_init(|| match &self.spec.verify {
                None => Ok(None),
                Some(spec) => spec.compile(&self.group_names()).map(Some),
            })
            .as_ref()
            .map(Option::as_ref)
            .map_err(String::as_str)
    }

    /// The rule's revocation API, validated and compiled on first use.
    pub fn revoker(&self) -> Result<Option<&CompiledRevoke>, &str> {
        self.revoker
            .get_or_init(|| match self.spec.revoke.as_ref().and_then(|r| r.api.as_ref()) {
                None => Ok(None),
                Some(api) => api.compile(&self.group_names()).map(Some),
            })
            .as_ref()
            .map(Option::as_ref)
            .map_err(String::as_str)
    }

    /// Compiles every regex now and reports the first failure; used for
    /// user packs and by `rules test`.
    pub fn compile_all(&self) -> Result<(), RuleError> {
        let invalid = |problem: String| RuleError::Invalid {
            file: self.source.clone(),
            rule: self.spec.id.clone(),
            problem,
        };
        let re = compile(&self.spec.pattern).map_err(|e| invalid(format!("bad pattern: {e}")))?;
        if !re.capture_names().any(|n| n == Some("secret")) {
            return Err(invalid("pattern has no named group `secret`".into()));
        }
        for p in self
            .spec
            .allow
            .iter()
            .chain(&self.spec.allow_match)
            .chain(&self.spec.allow_before)
        {
            compile(p).map_err(|e| invalid(format!("bad allow regex {p:?}: {e}")))?;
        }
        self.verifier().map_err(|e| invalid(format!("verify: {e}")))?;
        self.revoker().map_err(|e| invalid(format!("revoke.api: {e}")))?;
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
    let pack: PackFile = toml::from_str(text).map_err(|e| RuleError::Toml {
        file: file.to_string(),
        message: e.to_string().trim_end().to_string(),
    })?;
    pack.rules.into_iter().map(|spec| Rule::new(spec, file)).collect()
}

/// The packs embedded in the binary, parsed but not compiled.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    let mut rules = Vec::new();
    for (file, text) in BUILTIN_PACKS {
        rules.extend(parse_pack(file, text)?);
    }
    Ok(rules)
}

/// Loads a user pack file, or every `*.toml` in a directory, and validates
/// each rule in full: regexes compile and every example behaves.
pub fn load_path(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let rules = parse_path(path)?;
    for rule in &rules {
        rule.compile_all()?;
        if let Some(failure) = testing::test_rule(rule).into_iter().next() {
            return Err(RuleError::Invalid {
                file: rule.source.clone(),
                rule: rule.spec.id.clone(),
                problem: failure.to_string(),
            });
        }
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
        let text = std::fs::read_to_string(&file).map_err(|source| RuleError::Io {
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
                return Err(RuleError::UnknownRule(id.clone()));
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

/// Loads the built-in packs plus every `--rules` path, checking ids are unique.
pub fn load_all(extra: &[PathBuf]) -> Result<Vec<Rule>, RuleError> {
    let mut rules = builtin()?;
    for path in extra {
        rules.extend(load_path(path)?);
    }
    check_unique(&rules)?;
    Ok(rules)
}
