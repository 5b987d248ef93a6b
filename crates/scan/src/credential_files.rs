//! Credential files read structurally ([`keyhound_credfiles`]) joined with
//! the engine's candidates. A reader reports under a rule of the loaded
//! packs, so deselecting or disabling that rule silences it too; inline
//! allow comments apply as they do to the engine. Where the engine found
//! the same value under a rule of higher priority (a provider rule: an
//! `npm_` token in an `.npmrc`), that finding stands and gains the
//! reader's reason; otherwise (the engine found nothing, as for a
//! low-entropy password, or found the value under the file's own rule or a
//! generic one, perhaps still encoded) the reader's candidate replaces it,
//! with the decoded value when the file stores one encoded.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use keyhound_engine::filters::inline_allowed;
use keyhound_engine::{Candidate, Decoded};
use keyhound_rules::Rule;

/// The readers' rule ids mapped to the loaded rules.
pub(crate) struct CredentialFiles {
    rule_index: HashMap<&'static str, usize>,
}

/// Why a candidate was kept, by its secret's span and its rule's index.
pub(crate) type Reasons = Vec<((Range<usize>, usize), String)>;

impl CredentialFiles {
    /// Maps every rule id a reader may report under onto `rules` (the
    /// scanner's, in its order); ids not loaded are left out.
    pub(crate) fn new(rules: &[Arc<Rule>]) -> CredentialFiles {
        let ids = keyhound_credfiles::rule_ids();
        let rule_index = rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| ids.iter().find(|id| **id == r.id()).map(|id| (*id, i)))
            .collect();
        CredentialFiles { rule_index }
    }

    /// Reads the blob at `path` if it is a known credential file and joins
    /// its credentials with `candidates` (kept sorted by position); returns
    /// the reason of each candidate a reader vouched for.
    pub(crate) fn merge(
        &self,
        rules: &[Arc<Rule>],
        bytes: &[u8],
        path: &str,
        candidates: &mut Vec<Candidate>,
        engine_fakes: &dyn Fn() -> Vec<Range<usize>>,
    ) -> Reasons {
        let mut reasons = Reasons::new();
        if self.rule_index.is_empty() {
            return reasons;
        }
        let Some((_family, credentials)) = keyhound_credfiles::read(path, bytes) else {
            return reasons;
        };
        let mut added = false;
        // Values the engine knows to be fakes whatever file holds them: a
        // token whose checksum fails, a documented example key.
        let fakes = if credentials.is_empty() {
            Vec::new()
        } else {
            engine_fakes()
        };
        for cred in credentials {
            if fakes.iter().any(|f| f.start < cred.span.end && cred.span.start < f.end) {
                continue;
            }
            let Some(&rule) = self.rule_index.get(cred.rule_id) else {
                continue;
            };
            if inline_allowed(bytes, cred.span.start, cred.rule_id) {
                continue;
            }
            let priority = rules[rule].spec.priority;
            // The value itself, or the whole match around it (a PEM rule's
            // match starts at its BEGIN line, a reader's value there).
            let overlaps_secret = |c: &Candidate| {
                c.secret.start < cred.span.end.max(cred.span.start + 1) && cred.span.start < c.secret.end
            };
            // A value wholly inside the context a match starts with, before
            // its secret, is another value: a Jenkins rule's match runs from
            // a credential's opening element to the first plain password,
            // past the encrypted ones the reader reports in between.
            let overlaps_match = |c: &Candidate| {
                let in_leading_context = c.span.start < cred.span.start && cred.span.end <= c.secret.start;
                !in_leading_context
                    && c.span.start.min(c.secret.start) < cred.span.end.max(cred.span.start + 1)
                    && cred.span.start < c.span.end.max(c.secret.end)
            };
            // Another rule of higher or equal priority that matched there
            // stands (a provider's token in an `.npmrc`; a rule of the same
            // standing that knows the format), unless it saw the same bytes
            // still encoded and the reader knows how the file encodes them
            // (a kubeconfig's base64 client key): the decoded value says
            // more. The reader's own rule and weaker ones give way.
            let outranks = |c: &Candidate| {
                let p = rules[c.rule].spec.priority;
                p > priority || (p == priority && c.rule != rule)
            };
            let stands = |c: &Candidate| {
                overlaps_match(c)
                    && outranks(c)
                    && !(cred.decoded.is_some() && c.decoded.is_none() && c.secret == cred.span)
            };
            if let Some(stronger) = candidates.iter().find(|c| stands(c)) {
                reasons.push(((stronger.secret.clone(), stronger.rule), cred.reason));
                // Weaker matches of the same value (the file's own rule on
                // the encoded form) go: the stronger one reports it.
                candidates.retain(|c| !overlaps_secret(c) || outranks(c));
                continue;
            }
            candidates.retain(|c| !overlaps_secret(c));
            reasons.push(((cred.span.clone(), rule), cred.reason));
            candidates.push(Candidate {
                rule,
                span: cred.span.clone(),
                secret: cred.span,
                groups: Vec::new(),
                decoded: cred.decoded.map(|d| {
                    Box::new(Decoded {
                        chain: d.chain,
                        secret: d.secret,
                    })
                }),
            });
            added = true;
        }
        if added {
            candidates.sort_by_key(|c| (c.secret.start, c.rule));
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Vec<Arc<Rule>> {
        keyhound_rules::builtin()
            .expect("built-in packs load")
            .into_iter()
            .map(Arc::new)
            .collect()
    }

    #[test]
    fn every_reader_reports_under_a_builtin_rule() {
        let rules = builtin();
        let files = CredentialFiles::new(&rules);
        for id in keyhound_credfiles::rule_ids() {
            assert!(
                files.rule_index.contains_key(id),
                "a credential-file reader reports under '{id}', which no built-in pack defines"
            );
        }
    }
}
