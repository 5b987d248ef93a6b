//! What must surround a keyword hit for a rule's regex to match there:
//! the byte before it and the fixed run of bytes after it.
//!
//! Token prefixes are short and turn up inside ordinary identifiers: `re_`
//! (Resend) in `pre_process`, `nfp_` (Netlify) in longer names. The regex
//! says what may come before (`\b`, `(?:^|[^A-Za-z0-9_])`) and after
//! (`[A-Za-z0-9]{8}_`), so a hit in the middle of a word, or followed by
//! `(`, is dropped before a window is even built. The context is derived
//! from the regex, and only where the keyword is a fixed part of every
//! match, so it never drops a hit the regex could use.

use regex_syntax::hir::{Hir, HirKind, Look};

use super::byteset::{class_set, contains, insert, singleton, union, ByteSet};

/// Positions after the keyword checked at most.
const MAX_AFTER: usize = 32;

/// One step of a flattened top-level concatenation.
enum Atom {
    /// Exactly one byte from the set.
    Byte(ByteSet),
    /// A zero-width assertion.
    Look(Look),
    /// `^` (any flavour) or one byte from the set.
    StartOrByte(ByteSet),
    /// `min..=max` bytes from the set.
    Repeat { set: ByteSet, min: u32, max: Option<u32> },
    /// Anything else: ends what can be said about the context.
    Other,
}

/// The byte before a hit.
#[derive(Debug, Clone, Default)]
enum Before {
    /// No constraint.
    #[default]
    Any,
    /// One of these bytes, or (when `start_ok`) the start of the window.
    OneOf { set: ByteSet, start_ok: bool },
}

/// The context a hit of one keyword needs for one rule's regex. The default
/// constrains nothing.
#[derive(Debug, Clone, Default)]
pub struct KeywordContext {
    before: Before,
    after: Vec<ByteSet>,
}

impl KeywordContext {
    /// Derives the context of `keyword` (as the prefilter matches it, ASCII
    /// case-insensitively) from a rule pattern's syntax tree (see
    /// [`crate::rules::parse_pattern`]); no constraint when the keyword is
    /// not a fixed part of the top-level concatenation.
    pub fn derive(hir: &Hir, keyword: &str) -> KeywordContext {
        let mut atoms = Vec::new();
        flatten(hir, &mut atoms);
        let keyword = keyword.as_bytes();
        let Some(at) = (0..atoms.len()).find(|&i| spells(&atoms[i..], keyword)) else {
            return KeywordContext::default();
        };
        let before = match at.checked_sub(1).map(|i| &atoms[i]) {
            Some(Atom::Byte(set)) => Before::OneOf {
                set: *set,
                start_ok: false,
            },
            Some(Atom::StartOrByte(set)) => Before::OneOf {
                set: *set,
                start_ok: true,
            },
            Some(Atom::Look(Look::WordAscii)) => {
                let word = word_bytes();
                let set = if is_word(keyword[0]) { complement(&word) } else { word };
                Before::OneOf { set, start_ok: true }
            }
            _ => Before::Any,
        };
        let mut after = Vec::new();
        for atom in &atoms[at + keyword.len()..] {
            match atom {
                Atom::Byte(set) => after.push(*set),
                Atom::Repeat { set, min, max } => {
                    after.extend(std::iter::repeat(*set).take((*min as usize).min(MAX_AFTER)));
                    if *max != Some(*min) {
                        break;
                    }
                }
                _ => break,
            }
            if after.len() >= MAX_AFTER {
                break;
            }
        }
        after.truncate(MAX_AFTER);
        KeywordContext { before, after }
    }

    /// Whether a hit at `start..end` of `hay` has the context. `window_before`
    /// is the rule's look-back: with none, a window starts at the hit, where
    /// `^` holds.
    pub fn allows(&self, hay: &[u8], start: usize, end: usize, window_before: usize) -> bool {
        if let Before::OneOf { set, start_ok } = &self.before {
            let at_start = start == 0 || matches!(hay[start - 1], b'\n' | b'\r') || window_before == 0;
            if !(start_ok & at_start) && (start == 0 || !contains(set, hay[start - 1])) {
                return false;
            }
        }
        match hay.get(end..end + self.after.len()) {
            Some(bytes) => bytes.iter().zip(&self.after).all(|(&b, set)| contains(set, b)),
            None => false,
        }
    }

    /// Whether nothing is checked.
    pub fn is_empty(&self) -> bool {
        matches!(self.before, Before::Any) && self.after.is_empty()
    }
}

/// Whether `atoms` begin with the keyword: one single-byte atom per keyword
/// byte, each allowing only that byte (in either case).
fn spells(atoms: &[Atom], keyword: &[u8]) -> bool {
    keyword.len() <= atoms.len()
        && keyword.iter().zip(atoms).all(|(&k, atom)| match atom {
            Atom::Byte(set) => {
                let mut allowed = [0u64; 4];
                insert(&mut allowed, k.to_ascii_lowercase());
                insert(&mut allowed, k.to_ascii_uppercase());
                set.iter().zip(&allowed).all(|(s, a)| s & !a == 0) && set.iter().any(|&w| w != 0)
            }
            _ => false,
        })
}

/// The top-level concatenation (through captures) as atoms.
fn flatten(hir: &Hir, out: &mut Vec<Atom>) {
    match hir.kind() {
        HirKind::Concat(items) => items.iter().for_each(|item| flatten(item, out)),
        HirKind::Capture(cap) => flatten(&cap.sub, out),
        HirKind::Literal(lit) => out.extend(lit.0.iter().map(|&b| Atom::Byte(singleton(b)))),
        HirKind::Class(class) => out.push(Atom::Byte(class_set(class))),
        HirKind::Look(look) => out.push(Atom::Look(*look)),
        HirKind::Repetition(rep) => match rep.sub.kind() {
            HirKind::Class(class) => out.push(Atom::Repeat {
                set: class_set(class),
                min: rep.min,
                max: rep.max,
            }),
            _ => out.push(Atom::Other),
        },
        HirKind::Alternation(branches) => out.push(start_or_byte(branches).unwrap_or(Atom::Other)),
        HirKind::Empty => {}
    }
}

/// `(?:^|[...])`: every branch a start-of-text/line assertion or one byte.
fn start_or_byte(branches: &[Hir]) -> Option<Atom> {
    let mut set = [0u64; 4];
    let mut has_start = false;
    for branch in branches {
        match branch.kind() {
            HirKind::Look(Look::Start | Look::StartLF | Look::StartCRLF) => has_start = true,
            HirKind::Class(class) => union(&mut set, &class_set(class)),
            HirKind::Literal(lit) if lit.0.len() == 1 => insert(&mut set, lit.0[0]),
            _ => return None,
        }
    }
    Some(if has_start {
        Atom::StartOrByte(set)
    } else {
        Atom::Byte(set)
    })
}

fn word_bytes() -> ByteSet {
    let mut set = [0; 4];
    (0..=255u8).filter(|&b| is_word(b)).for_each(|b| insert(&mut set, b));
    set
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn complement(set: &ByteSet) -> ByteSet {
    [!set[0], !set[1], !set[2], !set[3]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(pattern: &str, keyword: &str) -> KeywordContext {
        KeywordContext::derive(&crate::rules::parse_pattern(pattern).unwrap(), keyword)
    }

    fn allows(pattern: &str, keyword: &str, hay: &[u8]) -> bool {
        let at = hay
            .windows(keyword.len())
            .position(|w| w.eq_ignore_ascii_case(keyword.as_bytes()))
            .unwrap();
        derive(pattern, keyword).allows(hay, at, at + keyword.len(), 512)
    }

    const RESEND: &str = r"(?:^|[^A-Za-z0-9_+/-])(?P<secret>re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24})\b";

    #[test]
    fn token_prefix_inside_a_word_or_followed_by_code_is_dropped() {
        assert!(!allows(RESEND, "re_", b"fn pre_process(x)"));
        assert!(!allows(RESEND, "re_", b"x = re_compile(pattern)"));
        assert!(allows(RESEND, "re_", b"key = re_Ab3dE6gH_0123456789abcdefghijklmn"));
        assert!(allows(RESEND, "re_", b"re_Ab3dE6gH_0123456789abcdefghijklmn"));
        assert!(allows(RESEND, "re_", b"x\nre_Ab3dE6gH_0123456789abcdefghijklmn"));
    }

    #[test]
    fn word_boundary_before_the_keyword_is_checked() {
        let pattern = r"\b(?P<secret>nfp_[A-Za-z0-9_-]{36})(?:[^A-Za-z0-9_-]|$)";
        let token = "nfp_0123456789abcdefghijklmnopqrstuvwxyz";
        assert!(allows(pattern, "nfp_", format!("t={token}").as_bytes()));
        assert!(!allows(pattern, "nfp_", format!("xnfp_{}", &token[4..]).as_bytes()));
        assert!(!allows(pattern, "nfp_", b"nfp_short"));
        // A class where the keyword has one byte (nf[pc]_) is not the
        // keyword's own spelling: a match may not hold this keyword there.
        assert!(derive(r"\bnf[pc]_[a-z]{4}", "nfp_").is_empty());
    }

    #[test]
    fn keywords_that_are_not_a_fixed_part_constrain_nothing() {
        // The keyword sits in an alternation: no context can be derived.
        let c = derive(r"(?:http|https)://(?P<secret>\S+)", "https");
        assert!(c.is_empty());
        // A case-insensitive keyword is still found in the pattern.
        let c = derive(r"(?i)\bsk_(?P<secret>[a-z]{4})", "sk_");
        assert!(!c.is_empty());
    }

    #[test]
    fn every_rule_keeps_its_positive_examples() {
        for rule in crate::rules::builtin().unwrap() {
            let re = rule.regex().unwrap();
            for keyword in &rule.spec.keywords {
                let context = KeywordContext::derive(rule.pattern_hir().unwrap(), keyword);
                for example in &rule.spec.examples.positive {
                    let hay = example.as_bytes();
                    let Some(m) = re.find(hay) else { continue };
                    let kw = keyword.as_bytes();
                    // Some occurrence of the keyword inside the match must pass.
                    let occurrences: Vec<usize> = (m.start()..=m.end().saturating_sub(kw.len()))
                        .filter(|&i| hay[i..i + kw.len()].eq_ignore_ascii_case(kw))
                        .collect();
                    if occurrences.is_empty() {
                        continue;
                    }
                    assert!(
                        occurrences
                            .iter()
                            .any(|&i| context.allows(hay, i, i + kw.len(), rule.window_before())),
                        "{} keyword {keyword:?} example {example:?}",
                        rule.id()
                    );
                }
            }
        }
    }
}
