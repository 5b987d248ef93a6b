//! Running a rule's documented examples: positives must be found, negatives
//! must not. Used by `keyhound rules test`, by the load-time validation of
//! user packs, and by the test suite over the built-in packs.

use std::fmt;
use std::sync::Arc;

use keyhound_engine::Scanner;
use keyhound_findings::redact;
use keyhound_rules::Rule;

/// One example that did not behave.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    /// The rule id.
    pub rule: String,
    /// Whether a positive (must match) or negative (must not) example failed.
    pub positive: bool,
    /// 1-based index of the example in its list.
    pub index: usize,
    /// What went wrong, with the filter's reason where one applied.
    pub detail: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.positive { "positive" } else { "negative" };
        write!(f, "{kind} example #{}: {}", self.index, self.detail)
    }
}

/// Runs every example of `rule` against a scanner holding only that rule.
pub fn test_rule(rule: &Rule) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let fail = |positive: bool, index: usize, detail: String| ExampleFailure {
        rule: rule.id().to_string(),
        positive,
        index,
        detail,
    };
    let solo = match Rule::new(rule.spec.clone(), &rule.source) {
        Ok(r) => Arc::new(r),
        Err(e) => return vec![fail(true, 0, e.to_string())],
    };
    if let Err(e) = crate::validate::check_rule(&solo) {
        return vec![fail(true, 0, keyhound_findings::error_chain(&e))];
    }
    let scanner = match Scanner::new(vec![solo]) {
        Ok(s) => s,
        Err(e) => return vec![fail(true, 0, e.to_string())],
    };
    for (i, example) in rule.spec.examples.positive.iter().enumerate() {
        let results = scanner.scan_explain(example.as_bytes());
        if !results.iter().any(|(_, verdict)| verdict.is_ok()) {
            let detail = match results.first() {
                Some((_, Err(reason))) => format!("no finding: the match was rejected ({})", reason.as_str()),
                _ => "no finding: the pattern did not match near a keyword".to_string(),
            };
            failures.push(fail(true, i + 1, detail));
        }
    }
    for (i, example) in rule.spec.examples.negative.iter().enumerate() {
        let bytes = example.as_bytes();
        if let Some((cand, _)) = scanner.scan_explain(bytes).into_iter().find(|(_, v)| v.is_ok()) {
            let secret = String::from_utf8_lossy(&bytes[cand.secret]);
            failures.push(fail(false, i + 1, format!("reported secret {}", redact(&secret))));
        }
    }
    failures
}
