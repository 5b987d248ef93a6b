//! The values a verifier needs besides the secret, taken from where the
//! secret was found: the pattern's other named groups, and each `needs`
//! value searched for near the secret (an AWS key id beside its secret, a
//! Databricks workspace host). Collected at scan time, when the bytes are
//! at hand, and only when `--verify` asked for them.

use std::collections::BTreeMap;

use keyhound_engine::Candidate;
use keyhound_rules::Rule;
use keyhound_verify::spec::RuleSpecs;

/// Named values for `rule`'s verifier around `cand` in `hay` (empty when
/// the rule has no verifier).
pub fn values(specs: &RuleSpecs, rule: &Rule, hay: &[u8], cand: &Candidate) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(Some(verifier)) = specs.verifier(rule.id()) else {
        return out;
    };
    for (name, span) in &cand.groups {
        if name != "secret" {
            out.insert(name.clone(), String::from_utf8_lossy(&hay[span.clone()]).into_owned());
        }
    }
    for need in &verifier.needs {
        let lo = cand.span.start.saturating_sub(need.window);
        let hi = cand.span.end.saturating_add(need.window).min(hay.len());
        if let Some(value) = nearest(&need.regex, &hay[lo..hi], lo, cand.secret.clone()) {
            out.insert(need.name.clone(), value);
        }
    }
    out
}

/// The match of `regex` in `window` (which starts at `base` in the blob)
/// closest to `secret` and not inside it.
fn nearest(regex: &regex::bytes::Regex, window: &[u8], base: usize, secret: std::ops::Range<usize>) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for caps in regex.captures_iter(window) {
        let Some(m) = caps.name("value").or_else(|| caps.get(1)).or_else(|| caps.get(0)) else {
            continue;
        };
        let (start, end) = (base + m.start(), base + m.end());
        if start < secret.end && end > secret.start {
            continue;
        }
        let distance = if end <= secret.start {
            secret.start - end
        } else {
            start - secret.end
        };
        if best.as_ref().is_none_or(|(d, _)| distance < *d) {
            best = Some((distance, String::from_utf8_lossy(m.as_bytes()).into_owned()));
        }
    }
    best.map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_prefers_the_closest_value_outside_the_secret() {
        let re = regex::bytes::Regex::new(r"(?P<value>AKIA[A-Z0-9]{4})").unwrap();
        let hay = b"AKIAFAR1 .......... AKIANEAR secret=XXXXXXXX AKIAMID2 ....";
        let s = memchr::memmem::find(hay, b"XXXXXXXX").unwrap();
        let got = nearest(&re, hay, 0, s..s + 8).unwrap();
        assert_eq!(got, "AKIAMID2");
    }
}
