//! A rule as the engine runs it: the plain [`Rule`] from the rules crate
//! plus the parts the engine derives from it, each built on first use so
//! that a rule whose keywords never occur costs nothing but its keywords.

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use keyhound_rules::{compile, parse_pattern, Rule};
use regex::bytes::Regex;
use regex_syntax::hir::Hir;

use crate::required::RequiredBytes;

/// A [`Rule`] with its lazily compiled regexes and derived window checks.
/// Dereferences to the rule, so its spec and id read as before.
pub struct CompiledRule {
    rule: Arc<Rule>,
    regex: OnceLock<Option<Regex>>,
    hir: OnceLock<Option<Hir>>,
    required: OnceLock<RequiredBytes>,
    allow: OnceLock<Vec<Regex>>,
    allow_match: OnceLock<Vec<Regex>>,
    allow_before: OnceLock<Vec<Regex>>,
}

impl std::fmt::Debug for CompiledRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledRule").field("id", &self.rule.id()).finish()
    }
}

impl Deref for CompiledRule {
    type Target = Rule;

    fn deref(&self) -> &Rule {
        &self.rule
    }
}

impl CompiledRule {
    /// Wraps a rule; nothing is compiled yet.
    pub fn new(rule: Arc<Rule>) -> CompiledRule {
        CompiledRule {
            rule,
            regex: OnceLock::new(),
            hir: OnceLock::new(),
            required: OnceLock::new(),
            allow: OnceLock::new(),
            allow_match: OnceLock::new(),
            allow_before: OnceLock::new(),
        }
    }

    /// The plain rule.
    pub fn rule(&self) -> &Arc<Rule> {
        &self.rule
    }

    /// The compiled pattern; compiled on first use. `None` only if the
    /// pattern is invalid, which validation rules out for loaded packs.
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| compile(&self.rule.spec.pattern).ok())
            .as_ref()
    }

    /// The pattern's syntax tree, parsed once on first use; the window
    /// checks ([`RequiredBytes`], keyword contexts) are derived from it.
    pub fn pattern_hir(&self) -> Option<&Hir> {
        self.hir.get_or_init(|| parse_pattern(&self.rule.spec.pattern)).as_ref()
    }

    /// Byte classes a window must hold for the pattern to match in it;
    /// derived on first use (see [`RequiredBytes`]).
    pub fn required_bytes(&self) -> &RequiredBytes {
        self.required.get_or_init(|| match self.pattern_hir() {
            Some(hir) => RequiredBytes::from_hir(hir, &self.rule.spec.keywords),
            None => RequiredBytes::default(),
        })
    }

    /// The compiled `allow` regexes; compiled on first use.
    pub fn allow_regexes(&self) -> &[Regex] {
        self.allow.get_or_init(|| compile_all(&self.rule.spec.allow))
    }

    /// The compiled `allow_match` regexes; compiled on first use.
    pub fn allow_match_regexes(&self) -> &[Regex] {
        self.allow_match
            .get_or_init(|| compile_all(&self.rule.spec.allow_match))
    }

    /// The compiled `allow_before` regexes; compiled on first use.
    pub fn allow_before_regexes(&self) -> &[Regex] {
        self.allow_before
            .get_or_init(|| compile_all(&self.rule.spec.allow_before))
    }
}

fn compile_all(patterns: &[String]) -> Vec<Regex> {
    patterns.iter().filter_map(|p| compile(p).ok()).collect()
}
