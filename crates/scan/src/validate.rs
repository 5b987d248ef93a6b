//! The checks of one rule short of running its examples, shared by the
//! example runner and pack loading.

use keyhound_rules::{Rule, RuleError, RuleProblem};

/// Every check of one rule short of its examples: regexes compile, the
/// verifier, revocation API and access map are well-formed.
pub fn check_rule(rule: &Rule) -> Result<(), RuleError> {
    rule.check_regexes()?;
    keyhound_verify::spec::compile_verifier(rule).map_err(|e| {
        rule.invalid(RuleProblem::Other {
            what: "verify".into(),
            source: Box::new(e),
        })
    })?;
    keyhound_verify::spec::compile_revoker(rule).map_err(|e| {
        rule.invalid(RuleProblem::Other {
            what: "revoke.api".into(),
            source: Box::new(e),
        })
    })?;
    keyhound_verify::spec::compile_access_of(rule).map_err(|e| {
        rule.invalid(RuleProblem::Other {
            what: "access".into(),
            source: Box::new(e),
        })
    })?;
    Ok(())
}
