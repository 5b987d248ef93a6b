//! Loading rule packs with every check a pack can fail: the rules crate's
//! structural and regex checks, the verify crate's checks of verifier and
//! revocation specs, and the documented examples run through the engine.
//! Built-in packs skip the last two at start-up (CI runs them); user packs
//! given with `--rules` go through all of them before any scan starts.

use std::path::Path;
use std::sync::Arc;

use keyhound_rules::{Rule, RuleError, RuleProblem};

pub use crate::validate::check_rule;

/// A failing example as an error of its rule.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExampleFailed(String);

/// Loads a user pack file, or every `*.toml` in a directory, and validates
/// each rule in full: regexes and specs compile and every example behaves.
pub fn load_path(path: &Path) -> Result<Vec<Rule>, RuleError> {
    let rules = keyhound_rules::parse_path(path)?;
    for rule in &rules {
        validate_rule(rule)?;
    }
    Ok(rules)
}

/// Validates one rule in full, as loading a user pack does: regexes and
/// specs compile and every example behaves. (`keyhound migrate` checks
/// each translated rule this way before it writes the pack.)
pub fn validate_rule(rule: &Rule) -> Result<(), RuleError> {
    crate::validate::check_rule(rule)?;
    if let Some(failure) = crate::examples::test_rule(rule).into_iter().next() {
        return Err(rule.invalid(RuleProblem::Other {
            what: format!(
                "{} example #{}",
                if failure.positive { "positive" } else { "negative" },
                failure.index
            ),
            source: Box::new(ExampleFailed(failure.detail)),
        }));
    }
    Ok(())
}

/// Loads the built-in packs plus every `--rules` path (validated in full),
/// checking ids are unique.
pub fn load_all(extra: &[impl AsRef<Path>]) -> Result<Vec<Rule>, RuleError> {
    let mut rules = keyhound_rules::builtin()?;
    for path in extra {
        rules.extend(load_path(path.as_ref())?);
    }
    keyhound_rules::check_unique(&rules)?;
    Ok(rules)
}

/// The rules as the engine takes them.
pub fn shared(rules: Vec<Rule>) -> Vec<Arc<Rule>> {
    rules.into_iter().map(Arc::new).collect()
}
