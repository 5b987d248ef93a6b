//! What must surround a keyword hit for a rule's regex to match there:
//! the bytes before it and after it.
//!
//! Token prefixes are short and turn up inside ordinary identifiers: `re_`
//! (Resend) in `pre_process`, `nfo_` (Netlify) in `info_`, `https://` in
//! every link. The regex says what may come before (`\b`, `(?:^|[^A-Za-z0-9_])`,
//! `^[ \t]*`) and after (`[A-Za-z0-9]{8}_`, a user name then `:`), so a hit
//! in the middle of a word, or a link without a password, is dropped before
//! a window is even built.
//!
//! The context is derived from the regex, and only where the rule's
//! keywords cover a fixed part of every match: a run of the top-level
//! concatenation whose every possible spelling (`nf[pcoub]_`, `https?://`,
//! `(?i:ftps?|sftp)://`) is one of the rule's keywords. Every match then
//! holds one of those keywords there, and the earliest such run is where
//! each of them is checked, so the check never drops a hit the regex could
//! use (`every_rule_keeps_its_positive_examples` and the tests below).

use std::collections::BTreeSet;

use regex_syntax::hir::{Hir, HirKind, Look};

use super::byteset::{bytes, class_set, complement, contains, insert, intersects, singleton, size, union, ByteSet};

/// Positions after the keyword checked one by one at most.
const MAX_AFTER: usize = 32;

/// Most bytes a skipped run (`[ \t]*`, a user name) is followed for; a
/// longer run allows the hit.
const MAX_SKIP: usize = 256;

/// Most spellings a run of the pattern may have to be compared with the
/// keywords; a run with more is not used.
const MAX_SPELLINGS: usize = 256;

/// Most bytes of a class that count as spellings of one position.
const MAX_CLASS_SPELLINGS: u32 = 16;

/// One step of a flattened top-level concatenation.
#[derive(Debug)]
enum Atom {
    /// Exactly one byte from the set.
    Byte(ByteSet),
    /// One of a few byte strings (ASCII-lowercased), maybe empty: an
    /// alternation of literals.
    Strings(BTreeSet<Vec<u8>>),
    /// A zero-width assertion.
    Look(Look),
    /// `^` (any flavour) or one byte from the set.
    StartOrByte(ByteSet),
    /// `min..=max` bytes from the set.
    Repeat { set: ByteSet, min: u32, max: Option<u32> },
    /// Anything else: ends what can be said about the context.
    Other,
}

/// What comes before a hit.
#[derive(Debug, Clone, Default)]
enum Before {
    /// No constraint.
    #[default]
    Any,
    /// After a run of `min..=max` bytes from `skip` (none when `skip` is
    /// empty): one of the bytes of `set`, or (when `start_ok`) the start of a
    /// line or the window.
    OneOf {
        skip: ByteSet,
        min: u32,
        max: Option<u32>,
        set: ByteSet,
        start_ok: bool,
    },
}

/// A run of bytes from `over` (at most `most` of them, if bounded), then a
/// byte from `next`; the two sets are disjoint.
#[derive(Debug, Clone)]
struct Skip {
    over: ByteSet,
    most: Option<u32>,
    next: ByteSet,
}

/// The context a hit of one keyword needs for one rule's regex. The default
/// constrains nothing.
#[derive(Debug, Clone, Default)]
pub struct KeywordContext {
    before: Before,
    /// One set per byte right after the hit.
    after: Vec<ByteSet>,
    /// What follows those bytes.
    then: Option<Skip>,
}

/// A rule pattern's top-level structure as the context checks read it:
/// built once per rule, then asked about each of its keywords.
#[derive(Debug)]
pub struct PatternShape {
    atoms: Vec<Atom>,
    /// Each atom's spellings, when it has few.
    spellings: Vec<Option<BTreeSet<Vec<u8>>>>,
    /// The rule's keywords, ASCII-lowercased.
    covered: BTreeSet<Vec<u8>>,
    /// Every non-empty prefix of them.
    prefixes: BTreeSet<Vec<u8>>,
}

impl PatternShape {
    /// Reads a rule pattern's syntax tree (see [`keyhound_rules::parse_pattern`])
    /// with the rule's keywords.
    pub fn new(hir: &Hir, rule_keywords: &[String]) -> PatternShape {
        let mut atoms = Vec::new();
        flatten(hir, &mut atoms);
        let spellings = atoms.iter().map(spellings_of).collect();
        let covered: BTreeSet<Vec<u8>> = rule_keywords
            .iter()
            .map(|k| k.to_ascii_lowercase().into_bytes())
            .collect();
        let prefixes = covered
            .iter()
            .flat_map(|k| (1..=k.len()).map(|n| k[..n].to_vec()))
            .collect();
        PatternShape {
            atoms,
            spellings,
            covered,
            prefixes,
        }
    }

    /// The context of `keyword` (as the prefilter matches it, ASCII
    /// case-insensitively); no constraint when the keyword is not in a run
    /// of the top-level concatenation that the rule's keywords cover.
    pub fn context(&self, keyword: &[u8]) -> KeywordContext {
        let keyword = keyword.to_ascii_lowercase();
        if keyword.is_empty() {
            return KeywordContext::default();
        }
        // The earliest run that holds the keyword and that the keywords
        // cover; with two such runs from one start, where it ends is unknown.
        let Some((at, ends)) = (0..self.atoms.len()).find_map(|i| {
            let ends = covered_ends(&self.spellings[i..], &keyword, &self.covered, &self.prefixes);
            (!ends.is_empty()).then_some((i, ends))
        }) else {
            return KeywordContext::default();
        };
        let before = before_context(&self.atoms[..at], keyword[0]);
        let (after, then) = match ends.as_slice() {
            [end] => after_context(&self.atoms[at + end..]),
            _ => (Vec::new(), None),
        };
        KeywordContext { before, after, then }
    }
}

impl KeywordContext {
    /// Whether a hit at `start..end` of `hay` has the context. `window_before`
    /// is the rule's look-back: a window starts no earlier than that, and
    /// `^` holds where it starts.
    pub fn allows(&self, hay: &[u8], start: usize, end: usize, window_before: usize) -> bool {
        if let Before::OneOf {
            skip,
            min,
            max,
            set,
            start_ok,
        } = &self.before
        {
            let floor = start.saturating_sub(MAX_SKIP);
            let mut at = start;
            while at > floor && contains(skip, hay[at - 1]) {
                at -= 1;
            }
            let run = (start - at) as u32;
            // The window may start inside the run, where `^` holds; a run
            // longer than is followed is let through too.
            let window_cut = start - at >= window_before;
            let too_long = at == floor && at > 0;
            if !window_cut && !too_long {
                if run < *min || max.is_some_and(|max| run > max) {
                    return false;
                }
                let at_start = at == 0 || matches!(hay[at - 1], b'\n' | b'\r');
                if !(start_ok & at_start) && (at == 0 || !contains(set, hay[at - 1])) {
                    return false;
                }
            }
        }
        let Some(bytes) = hay.get(end..end + self.after.len()) else {
            return false;
        };
        if !bytes.iter().zip(&self.after).all(|(&b, set)| contains(set, b)) {
            return false;
        }
        match &self.then {
            None => true,
            Some(skip) => {
                let from = end + self.after.len();
                let limit = hay.len().min(from + MAX_SKIP);
                let run = hay[from..limit]
                    .iter()
                    .take_while(|&&b| contains(&skip.over, b))
                    .count();
                if from + run == limit {
                    // The run goes on past what is followed (allow) or the
                    // blob ends where the regex needs one more byte.
                    return limit < hay.len();
                }
                skip.most.is_none_or(|most| run as u32 <= most) && contains(&skip.next, hay[from + run])
            }
        }
    }

    /// Whether nothing is checked.
    pub fn is_empty(&self) -> bool {
        matches!(self.before, Before::Any) && self.after.is_empty() && self.then.is_none()
    }
}

/// Where the runs at the start of `atoms` (given as each atom's spellings)
/// that hold `keyword` and are covered by the keywords (every spelling of
/// them is one) end, counted in atoms.
fn covered_ends(
    atoms: &[Option<BTreeSet<Vec<u8>>>],
    keyword: &[u8],
    covered: &BTreeSet<Vec<u8>>,
    prefixes: &BTreeSet<Vec<u8>>,
) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut spellings: BTreeSet<Vec<u8>> = BTreeSet::from([Vec::new()]);
    for (j, next) in atoms.iter().enumerate() {
        let Some(next) = next else { break };
        let mut grown = BTreeSet::new();
        for head in &spellings {
            for tail in next {
                let mut s = head.clone();
                s.extend_from_slice(tail);
                // Not the start of any keyword: neither this run nor a
                // longer one can be covered.
                if !s.is_empty() && !prefixes.contains(&s) {
                    return ends;
                }
                grown.insert(s);
            }
            if grown.len() > MAX_SPELLINGS {
                return ends;
            }
        }
        spellings = grown;
        if spellings.contains(keyword) && spellings.iter().all(|s| covered.contains(s)) {
            ends.push(j + 1);
        }
    }
    ends
}

/// The byte strings one atom may stand for, when they are few.
fn spellings_of(atom: &Atom) -> Option<BTreeSet<Vec<u8>>> {
    match atom {
        Atom::Byte(set) if size(set) <= MAX_CLASS_SPELLINGS => Some(lowercase_bytes_of(set).map(|b| vec![b]).collect()),
        Atom::Strings(strings) => Some(strings.clone()),
        Atom::Repeat {
            set,
            min: 0,
            max: Some(1),
        } if size(set) <= MAX_CLASS_SPELLINGS => {
            Some(lowercase_bytes_of(set).map(|b| vec![b]).chain([Vec::new()]).collect())
        }
        _ => None,
    }
}

/// The bytes of `set`, ASCII-lowercased: spellings are compared with the
/// keywords as the prefilter matches them, and `(?i:datadog)` is then one
/// spelling rather than 128.
fn lowercase_bytes_of(set: &ByteSet) -> impl Iterator<Item = u8> + '_ {
    bytes(set)
        .filter(|&b| !(b.is_ascii_uppercase() && contains(set, b.to_ascii_lowercase())))
        .map(|b| b.to_ascii_lowercase())
}

/// What the atoms right before the keyword's run say about the bytes
/// before a hit whose first byte is `first`.
fn before_context(atoms: &[Atom], first: u8) -> Before {
    let no_skip = |set: ByteSet, start_ok: bool| Before::OneOf {
        skip: [0; 4],
        min: 0,
        max: None,
        set,
        start_ok,
    };
    match atoms.last() {
        Some(Atom::Byte(set)) => no_skip(*set, false),
        Some(Atom::StartOrByte(set)) => no_skip(*set, true),
        Some(Atom::Look(Look::WordAscii)) => {
            let word = word_bytes();
            no_skip(if is_word(first) { complement(&word) } else { word }, true)
        }
        Some(Atom::Look(Look::Start | Look::StartLF | Look::StartCRLF)) => no_skip([0; 4], true),
        Some(Atom::Repeat { set: skip, min, max }) => {
            // A repetition with a least count comes flattened as its first
            // byte, then the rest: put them back together.
            let (skip, min, max, rest) = match atoms.len().checked_sub(2).map(|i| (&atoms[i], &atoms[..i])) {
                Some((Atom::Byte(first), rest)) if first == skip => (skip, min + 1, max.map(|m| m + 1), rest),
                _ => (skip, *min, *max, &atoms[..atoms.len() - 1]),
            };
            let (set, start_ok) = match rest.last() {
                Some(Atom::Byte(set)) => (*set, false),
                Some(Atom::StartOrByte(set)) => (*set, true),
                Some(Atom::Look(Look::Start | Look::StartLF | Look::StartCRLF)) => ([0; 4], true),
                _ => return Before::Any,
            };
            // The run is followed greedily: sound only when it cannot also
            // be what comes before it, nor run over a line start.
            let line_breaks = {
                let mut lb = singleton(b'\n');
                insert(&mut lb, b'\r');
                lb
            };
            if intersects(skip, &set) || (start_ok && intersects(skip, &line_breaks)) {
                return Before::Any;
            }
            Before::OneOf {
                skip: *skip,
                min,
                max,
                set,
                start_ok,
            }
        }
        _ => Before::Any,
    }
}

/// What the atoms right after the keyword's run say about the bytes after
/// a hit: a fixed run of byte sets, then maybe a skipped run and one byte.
fn after_context(atoms: &[Atom]) -> (Vec<ByteSet>, Option<Skip>) {
    let mut after = Vec::new();
    for (k, atom) in atoms.iter().enumerate() {
        if after.len() >= MAX_AFTER {
            break;
        }
        match atom {
            Atom::Byte(set) => after.push(*set),
            Atom::Repeat { set, min, max } => {
                after.extend(std::iter::repeat_n(*set, (*min as usize).min(MAX_AFTER)));
                if *max == Some(*min) {
                    continue;
                }
                if after.len() >= MAX_AFTER {
                    break;
                }
                let then = first_bytes(&atoms[k + 1..])
                    .filter(|next| !intersects(set, next))
                    .map(|next| Skip {
                        over: *set,
                        most: max.map(|max| max - min),
                        next,
                    });
                after.truncate(MAX_AFTER);
                return (after, then);
            }
            _ => break,
        }
    }
    after.truncate(MAX_AFTER);
    (after, None)
}

/// The bytes a match of `atoms` can start with, if it must have one.
fn first_bytes(atoms: &[Atom]) -> Option<ByteSet> {
    let mut first = [0; 4];
    for atom in atoms {
        match atom {
            Atom::Byte(set) => {
                union(&mut first, set);
                return Some(first);
            }
            Atom::Repeat { set, min, .. } => {
                union(&mut first, set);
                if *min > 0 {
                    return Some(first);
                }
            }
            Atom::Strings(strings) => {
                // Spellings are lowercased: either case may come first.
                for &b in strings.iter().filter_map(|s| s.first()) {
                    insert(&mut first, b);
                    insert(&mut first, b.to_ascii_uppercase());
                }
                if !strings.contains(&Vec::new()) {
                    return Some(first);
                }
            }
            _ => return None,
        }
    }
    None
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
            // `KEY[0-9A-F]{32}` is `KEY`, one of `[0-9A-F]`, then 31 more: the
            // first byte can be part of a keyword's run (`key0`…`keyf`).
            HirKind::Class(class) if rep.min >= 1 => {
                let set = class_set(class);
                out.push(Atom::Byte(set));
                out.push(Atom::Repeat {
                    set,
                    min: rep.min - 1,
                    max: rep.max.map(|max| max - 1),
                });
            }
            HirKind::Class(class) => out.push(Atom::Repeat {
                set: class_set(class),
                min: rep.min,
                max: rep.max,
            }),
            _ => out.push(match (rep.min, rep.max, language(&rep.sub)) {
                (0, Some(1), Some(mut strings)) => {
                    strings.insert(Vec::new());
                    Atom::Strings(strings)
                }
                _ => Atom::Other,
            }),
        },
        HirKind::Alternation(branches) => out.push(
            start_or_byte(branches)
                .or_else(|| language(hir).map(Atom::Strings))
                .unwrap_or(Atom::Other),
        ),
        HirKind::Empty => {}
    }
}

/// Every string `hir` matches, when they are few and it has no assertions.
fn language(hir: &Hir) -> Option<BTreeSet<Vec<u8>>> {
    let strings: BTreeSet<Vec<u8>> = match hir.kind() {
        HirKind::Empty => BTreeSet::from([Vec::new()]),
        HirKind::Literal(lit) => BTreeSet::from([lit.0.to_ascii_lowercase()]),
        HirKind::Class(class) => {
            let set = class_set(class);
            if size(&set) > MAX_CLASS_SPELLINGS {
                return None;
            }
            lowercase_bytes_of(&set).map(|b| vec![b]).collect()
        }
        HirKind::Capture(cap) => language(&cap.sub)?,
        HirKind::Alternation(branches) => {
            let mut all = BTreeSet::new();
            for branch in branches {
                all.extend(language(branch)?);
            }
            all
        }
        HirKind::Concat(items) => {
            let mut all = BTreeSet::from([Vec::new()]);
            for item in items {
                let tails = language(item)?;
                if all.len() * tails.len() > MAX_SPELLINGS {
                    return None;
                }
                all = all
                    .iter()
                    .flat_map(|head| {
                        tails.iter().map(move |tail| {
                            let mut s = head.clone();
                            s.extend_from_slice(tail);
                            s
                        })
                    })
                    .collect();
            }
            all
        }
        HirKind::Repetition(rep) if rep.min == 0 && rep.max == Some(1) => {
            let mut strings = language(&rep.sub)?;
            strings.insert(Vec::new());
            strings
        }
        _ => return None,
    };
    (strings.len() <= MAX_SPELLINGS).then_some(strings)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One keyword's context, the keyword counting among the rule's.
    fn derive_with(hir: &Hir, keyword: &str, rule_keywords: &[String]) -> KeywordContext {
        let mut keywords = rule_keywords.to_vec();
        keywords.push(keyword.to_string());
        PatternShape::new(hir, &keywords).context(keyword.as_bytes())
    }

    fn derive(pattern: &str, keyword: &str) -> KeywordContext {
        derive_with(
            &keyhound_rules::parse_pattern(pattern).unwrap(),
            keyword,
            &[keyword.to_string()],
        )
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

    fn allows_with(pattern: &str, keywords: &[&str], keyword: &str, hay: &[u8]) -> bool {
        let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
        let context = derive_with(&keyhound_rules::parse_pattern(pattern).unwrap(), keyword, &keywords);
        let at = hay
            .windows(keyword.len())
            .position(|w| w.eq_ignore_ascii_case(keyword.as_bytes()))
            .unwrap();
        context.allows(hay, at, at + keyword.len(), 512)
    }

    #[test]
    fn a_class_the_keywords_cover_is_checked_like_a_literal() {
        let pattern = r"\b(?P<secret>nf[pcoub]_[A-Za-z0-9_-]{36})";
        let all = ["nfp_", "nfc_", "nfo_", "nfu_", "nfb_"];
        let token = "0123456789abcdefghijklmnopqrstuvwxyz";
        assert!(!allows_with(pattern, &all, "nfo_", format!("info_{token}").as_bytes()));
        assert!(allows_with(pattern, &all, "nfo_", format!("t=nfo_{token}").as_bytes()));
        // Without `nfb_` among the keywords a match may hold none at that
        // place, so nothing is derived.
        let parsed = keyhound_rules::parse_pattern(pattern).unwrap();
        let four: Vec<String> = all[..4].iter().map(|k| k.to_string()).collect();
        assert!(derive_with(&parsed, "nfo_", &four).is_empty());
    }

    #[test]
    fn the_first_byte_of_a_repeated_class_can_end_a_keyword() {
        let pattern = r"(?:^|[^A-Za-z0-9_+/-])(?P<secret>KEY[0-9A-F]{32}_[A-Za-z0-9]{22})\b";
        let keywords: Vec<String> = "0123456789abcdef".chars().map(|c| format!("key{c}")).collect();
        let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
        let token = format!("KEY{}_{}", "0123456789ABCDEF".repeat(2), "a".repeat(22));
        assert!(allows_with(
            pattern,
            &keywords,
            "keyb",
            format!("x={}", token.replace("KEY0", "KEYB")).as_bytes()
        ));
        assert!(!allows_with(pattern, &keywords, "keyb", b"let KEYBOARD_LAYOUT = 1;"));
        assert!(!allows_with(pattern, &keywords, "key0", format!("x{token}").as_bytes()));
    }

    const URL_USERINFO: &str = r#"\b(?i:https?|ftps?|sftp)://(?P<user>[^\s:/?#@"'<>]{1,64}):(?P<secret>[^\s@/]{3,})@"#;
    const URL_KEYWORDS: [&str; 5] = ["https://", "http://", "ftp://", "ftps://", "sftp://"];

    #[test]
    fn a_link_without_a_password_is_dropped() {
        let ok = |hay: &[u8], kw| allows_with(URL_USERINFO, &URL_KEYWORDS, kw, hay);
        assert!(!ok(b"// see https://example.org/docs for more", "https://"));
        assert!(!ok(b"<a href=\"http://example.org\">", "http://"));
        assert!(ok(b"url = https://deploy:hunter22@example.org/", "https://"));
        assert!(ok(b"SFTP://deploy:hunter22@example.org/", "sftp://"));
        // The user name is at most 64 bytes before the `:`.
        let long = format!("https://{}:pw@host", "u".repeat(65));
        assert!(!ok(long.as_bytes(), "https://"));
        // `ftp://` inside `sftp://` has a word byte before it; `sftp://` is
        // the keyword that carries such a match.
        assert!(!ok(b"sftp://deploy:hunter22@example.org/", "ftp://"));
    }

    #[test]
    fn a_run_the_regex_allows_before_the_keyword_is_skipped() {
        let pattern = r"(?m)^[ \t]*https?://[^\s:/@]+:(?P<secret>[^\s@/]+)@[A-Za-z0-9.-]+";
        let ok = |hay: &[u8]| allows_with(pattern, &["https://", "http://"], "https://", hay);
        assert!(ok(b"https://me:pw@example.org"));
        assert!(ok(b"x\n \t https://me:pw@example.org"));
        assert!(!ok(b"clone https://me:pw@example.org"));
        assert!(!ok(b"  https://example.org/path"));
    }

    #[test]
    fn a_line_end_the_regex_needs_after_blanks_is_checked() {
        let pattern = r"(?m)^[ \t-]*user:[ \t]*\r?\n[ \t]+token: (?P<secret>\S+)";
        assert!(allows(pattern, "user:", b"- user:  \n    token: abc"));
        assert!(allows(pattern, "user:", b"- user:\r\n    token: abc"));
        assert!(!allows(pattern, "user:", b"  user: alice\n"));
        assert!(!allows(pattern, "user:", b"let user: User = x;"));
    }

    /// Random text from a small alphabet gives many near misses; every
    /// match the regex finds must keep some keyword hit inside it.
    #[test]
    fn no_match_loses_all_its_keyword_hits() {
        let cases: [(&str, &[&str], &[&str]); 6] = [
            (
                URL_USERINFO,
                &URL_KEYWORDS,
                &[
                    "https://", "ftp://", "sftp://", "s", "u", "u:", "pwd@", ":", "@", "/", " ",
                ],
            ),
            (
                r"(?m)^[ \t]*https?://[^\s:/@]+:(?P<secret>[^\s@/]+)@",
                &["https://", "http://"],
                &[
                    "https://", "http://", "http", "\n", " ", "\t", "u", "u:", "pw@", "@", "/",
                ],
            ),
            (
                r"\bab[cd]_[a-d]{0,2}=",
                &["abc_", "abd_"],
                &["abc_", "abd_", "a", "b", "c", "d", "_", " ", "x", "="],
            ),
            (
                r"(?:^|[^a-z])ab[cd]{2,3}_",
                &["abc", "abd"],
                &["abc", "abd", "ab", "c", "d", "_", " ", "x"],
            ),
            (
                r"(?:^|[^a-d])x[ \t]*=[ \t]*\d",
                &["x"],
                &["x", "a", " ", "\t", "=", "1", "\n"],
            ),
            (
                r"(?m)^[ \t-]*ab:[ \t]*\r?\n[ \t]+c",
                &["ab:"],
                &["ab:", " ", "\t", "-", "\r", "\n", "c", "x"],
            ),
        ];
        let mut seed = 0x0DDB_1A5E_5BAD_5EEDu64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for (pattern, keywords, pieces) in cases {
            let re = keyhound_rules::compile(pattern).unwrap();
            let hir = keyhound_rules::parse_pattern(pattern).unwrap();
            let owned: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
            let contexts: Vec<KeywordContext> = owned.iter().map(|k| derive_with(&hir, k, &owned)).collect();
            assert!(contexts.iter().all(|c| !c.is_empty()), "{pattern}: nothing derived");
            let mut matches = 0;
            for _ in 0..20_000 {
                let hay: Vec<u8> = (0..next() % 24)
                    .flat_map(|_| pieces[(next() % pieces.len() as u64) as usize].bytes())
                    .collect();
                for m in re.find_iter(&hay) {
                    matches += 1;
                    let kept = keywords.iter().zip(&contexts).any(|(kw, context)| {
                        (m.start()..=m.end().saturating_sub(kw.len()))
                            .filter(|&i| hay[i..i + kw.len()].eq_ignore_ascii_case(kw.as_bytes()))
                            .any(|i| context.allows(&hay, i, i + kw.len(), 512))
                    });
                    assert!(
                        kept,
                        "{pattern} lost {:?} in {:?}",
                        &hay[m.range()],
                        String::from_utf8_lossy(&hay)
                    );
                }
            }
            assert!(matches > 20, "{pattern}: only {matches} matches, the test says little");
        }
    }

    #[test]
    fn every_rule_keeps_its_positive_examples() {
        for rule in keyhound_rules::builtin().unwrap() {
            let rule = crate::CompiledRule::new(std::sync::Arc::new(rule));
            let re = rule.regex().unwrap();
            // As the engine derives them: one shape per rule.
            let shape = PatternShape::new(rule.pattern_hir().unwrap(), &rule.spec.keywords);
            let contexts: Vec<(&[u8], KeywordContext)> = (rule.spec.keywords.iter())
                .map(|k| (k.as_bytes(), shape.context(k.as_bytes())))
                .collect();
            for example in &rule.spec.examples.positive {
                let hay = example.as_bytes();
                let Some(m) = re.find(hay) else { continue };
                // Some occurrence of some keyword inside the match must pass
                // (inside `sftp://`, `ftp://` fails its `\b` and `sftp://` passes).
                let occurrences = contexts.iter().flat_map(|(kw, context)| {
                    (m.start()..=m.end().saturating_sub(kw.len()))
                        .filter(|&i| hay[i..i + kw.len()].eq_ignore_ascii_case(kw))
                        .map(move |i| (i, kw.len(), context))
                });
                let mut any = false;
                let mut passes = false;
                for (i, len, context) in occurrences {
                    any = true;
                    passes |= context.allows(hay, i, i + len, rule.window_before());
                }
                assert!(passes || !any, "{} example {example:?}", rule.id());
            }
        }
    }
}
