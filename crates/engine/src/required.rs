//! Bytes every match of a rule's regex must contain, checked on a window
//! before the regex runs.
//!
//! Some keywords are everywhere in ordinary code (`://`, `token`,
//! `password`), and one regex call costs a fraction of a microsecond even
//! when it fails at once. A userinfo URL needs an `@`, a generic
//! `name = value` assignment needs a digit in its value: a `memchr` (or a
//! table scan over a short window) rules most of those windows out for a
//! small fraction of the regex's cost. Literals the regex spells out beyond
//! its keyword (`write_key` after `segment`, `value` after `name:`) are
//! required the same way, matched ASCII case-insensitively. So is a token's
//! body: a window without 64 hex digits in a row holds no
//! `(?i:together)…[0-9a-f]{64}` key, and a skipping scan says so in a few
//! dozen byte lookups. All are derived from the regex itself, so they never
//! reject a window the regex would match.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::byteset::{bytes, class_set, insert, intersects, singleton, size, table, union, ByteSet};

/// Classes kept per rule: the most selective few are enough.
const MAX_CLASSES: usize = 3;

/// Literals kept per rule: the longest few.
const MAX_LITERALS: usize = 2;

/// Classes wider than this are in almost every window and not worth a scan.
const MAX_CLASS_BYTES: u32 = 24;

/// Shortest run worth looking for: shorter runs of a token alphabet are
/// everywhere in code.
const MIN_RUN: u32 = 16;

/// Widest class a run is looked for in (a negated class is almost anything).
const MAX_RUN_CLASS_BYTES: u32 = 80;

/// A set of bytes of which a window must contain at least one.
#[derive(Debug, Clone)]
enum Needle {
    One(u8),
    Two(u8, u8),
    Three(u8, u8, u8),
    Many(Box<[bool; 256]>),
}

impl Needle {
    fn from_set(set: &ByteSet) -> Needle {
        match bytes(set).collect::<Vec<u8>>()[..] {
            [a] => Needle::One(a),
            [a, b] => Needle::Two(a, b),
            [a, b, c] => Needle::Three(a, b, c),
            _ => Needle::Many(table(set)),
        }
    }

    fn found_in(&self, window: &[u8]) -> bool {
        match self {
            Needle::One(a) => memchr::memchr(*a, window).is_some(),
            Needle::Two(a, b) => memchr::memchr2(*a, *b, window).is_some(),
            Needle::Three(a, b, c) => memchr::memchr3(*a, *b, *c, window).is_some(),
            Needle::Many(table) => window.iter().any(|&b| table[b as usize]),
        }
    }
}

/// A run of at least `len` consecutive bytes of one class.
#[derive(Debug, Clone)]
struct Run {
    table: Box<[bool; 256]>,
    len: usize,
}

impl Run {
    /// Checks each place a run could end from its end backwards: a byte
    /// outside the class rules out every run through it, so the next try
    /// ends `len` bytes past it.
    fn found_in(&self, window: &[u8]) -> bool {
        let mut start = 0;
        while start + self.len <= window.len() {
            let mut at = start + self.len;
            while at > start && self.table[window[at - 1] as usize] {
                at -= 1;
            }
            if at == start {
                return true;
            }
            start = at;
        }
        false
    }
}

/// The byte classes a window must contain for a rule's regex to match in it.
#[derive(Debug, Clone, Default)]
pub struct RequiredBytes {
    needles: Vec<Needle>,
    /// ASCII-lowercased literals, each found case-insensitively.
    literals: Vec<Box<[u8]>>,
    /// The longest run of one class every match holds, if long enough.
    run: Option<Run>,
}

impl RequiredBytes {
    /// Derives the classes from a rule pattern's syntax tree (parsed as the
    /// engine compiles it: bytes, Unicode off; see
    /// [`keyhound_rules::parse_pattern`]). Classes holding a byte of one of the
    /// rule's `keywords` are left out: the keyword hit is in every window.
    pub fn from_hir(hir: &Hir, keywords: &[String]) -> RequiredBytes {
        let mut keyword_bytes: ByteSet = [0; 4];
        for b in keywords.iter().flat_map(|k| k.bytes()) {
            insert(&mut keyword_bytes, b.to_ascii_lowercase());
            insert(&mut keyword_bytes, b.to_ascii_uppercase());
        }
        let mut sets: Vec<ByteSet> = required(hir)
            .into_iter()
            .filter(|s| size(s) <= MAX_CLASS_BYTES && !intersects(s, &keyword_bytes))
            .collect();
        sets.sort_by_key(size);
        sets.dedup();
        sets.truncate(MAX_CLASSES);
        let lower_keywords: Vec<Vec<u8>> = keywords.iter().map(|k| k.to_ascii_lowercase().into_bytes()).collect();
        let mut literals: Vec<Vec<u8>> = required_literals(hir)
            .into_iter()
            .filter(|l| l.len() >= 2 && !lower_keywords.iter().any(|k| contains_slice(k, l)))
            .collect();
        literals.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        literals.dedup();
        literals.truncate(MAX_LITERALS);
        let run = required_runs(hir)
            .into_iter()
            .filter(|(set, len)| *len >= MIN_RUN && size(set) <= MAX_RUN_CLASS_BYTES)
            .max_by_key(|(set, len)| (*len, u32::MAX - size(set)))
            .map(|(set, len)| Run {
                table: table(&set),
                len: len as usize,
            });
        RequiredBytes {
            needles: sets.iter().map(Needle::from_set).collect(),
            literals: literals.into_iter().map(Vec::into_boxed_slice).collect(),
            run,
        }
    }

    /// Whether `window` holds a byte of every required class (so the regex
    /// may match in it).
    pub fn all_present(&self, window: &[u8]) -> bool {
        self.run.as_ref().is_none_or(|r| r.found_in(window))
            && self.needles.iter().all(|n| n.found_in(window))
            && self.literals.iter().all(|l| find_caseless(window, l))
    }

    /// How many classes, literals and runs are checked (for tests).
    pub fn len(&self) -> usize {
        self.needles.len() + self.literals.len() + usize::from(self.run.is_some())
    }

    /// Whether nothing is required.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Byte sets of which every match of `hir` contains at least one byte each.
fn required(hir: &Hir) -> Vec<ByteSet> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Vec::new(),
        HirKind::Literal(lit) => lit.0.iter().map(|&b| singleton(b)).collect(),
        HirKind::Class(class) => vec![class_set(class)],
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Repetition(_) => Vec::new(),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Concat(subs) => subs.iter().flat_map(required).collect(),
        HirKind::Alternation(branches) => {
            // Each branch's match holds a byte of its narrowest class, so
            // every match holds a byte of their union.
            let mut all: ByteSet = [0; 4];
            for branch in branches {
                let Some(narrowest) = required(branch).into_iter().min_by_key(size) else {
                    return Vec::new();
                };
                union(&mut all, &narrowest);
            }
            vec![all]
        }
    }
}

/// Runs of one class (its bytes, its least length) that every match of
/// `hir` contains: class repetitions, in concatenations and captures.
fn required_runs(hir: &Hir) -> Vec<(ByteSet, u32)> {
    match hir.kind() {
        HirKind::Capture(cap) => required_runs(&cap.sub),
        HirKind::Concat(items) => items.iter().flat_map(required_runs).collect(),
        HirKind::Repetition(rep) if rep.min >= 1 => match rep.sub.kind() {
            HirKind::Class(class) => vec![(class_set(class), rep.min)],
            _ => required_runs(&rep.sub),
        },
        _ => Vec::new(),
    }
}

/// Literal runs (ASCII-lowercased) that every match of `hir` contains: runs
/// of consecutive single bytes in a concatenation, a letter's two cases
/// counting as one byte. Alternations contribute nothing.
fn required_literals(hir: &Hir) -> Vec<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(lit) => vec![lit.0.to_ascii_lowercase()],
        HirKind::Capture(cap) => required_literals(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required_literals(&rep.sub),
        HirKind::Concat(items) => {
            let mut out = Vec::new();
            let mut run: Vec<u8> = Vec::new();
            for item in items {
                match item.kind() {
                    HirKind::Literal(lit) => run.extend(lit.0.to_ascii_lowercase()),
                    HirKind::Class(class) if caseless_byte(class).is_some() => {
                        run.extend(caseless_byte(class));
                    }
                    _ => {
                        out.push(std::mem::take(&mut run));
                        out.extend(required_literals(item));
                    }
                }
            }
            out.push(run);
            out.retain(|l| !l.is_empty());
            out
        }
        _ => Vec::new(),
    }
}

/// The byte a class stands for when it is one byte or one letter in both
/// cases (how `(?i)` spells a letter), lowercased.
fn caseless_byte(class: &Class) -> Option<u8> {
    let set = class_set(class);
    match bytes(&set).collect::<Vec<u8>>()[..] {
        [b] => Some(b.to_ascii_lowercase()),
        [a, b] if a.is_ascii_alphabetic() && a.eq_ignore_ascii_case(&b) => Some(a.to_ascii_lowercase()),
        _ => None,
    }
}

/// Whether `needle` (ASCII-lowercased) occurs in `hay`, ignoring ASCII case.
fn find_caseless(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let last_start = match hay.len().checked_sub(needle.len()) {
        Some(n) => n,
        None => return false,
    };
    memchr::memchr2_iter(first, first.to_ascii_uppercase(), &hay[..=last_start])
        .any(|at| hay[at + 1..at + needle.len()].eq_ignore_ascii_case(rest))
}

fn contains_slice(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(pattern: &str, keywords: &[&str]) -> RequiredBytes {
        let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
        RequiredBytes::from_hir(&keyhound_rules::parse_pattern(pattern).unwrap(), &keywords)
    }

    #[test]
    fn userinfo_url_needs_an_at_sign_beyond_its_keyword() {
        let r = req(
            r"https?://[^\s:/@]+:(?P<secret>[^\s@/]+)@[A-Za-z0-9.-]+",
            &["http://", "https://"],
        );
        assert!(!r.all_present(b"see https://example.com/docs for more"));
        assert!(r.all_present(b"url = https://bob:hunter2@example.com"));
    }

    #[test]
    fn a_required_digit_class_rules_out_words_only_windows() {
        let r = req(r"(?i)token\s*=\s*(?P<secret>[a-z]*[0-9][a-z0-9]*)", &["token"]);
        assert_eq!(r.len(), 2, "the '=' and the digit class");
        assert!(!r.all_present(b"let token = parser.next_token();"));
        assert!(r.all_present(b"token = abc123"));
    }

    #[test]
    fn optional_parts_and_alternations_require_only_what_every_match_has() {
        // `@` is optional, the branches share no byte but the union holds.
        let r = req(r"key(?:@x)?(?:=|:)(?P<secret>v)", &["key"]);
        assert!(r.all_present(b"key:v"));
        assert!(r.all_present(b"key=v"));
        assert!(!r.all_present(b"key v"));
        // A branch that requires nothing makes the alternation require nothing.
        let r = req(r"key(?:=|)(?P<secret>v)", &["key"]);
        assert!(r.all_present(b"keyv"));
    }

    #[test]
    fn literals_beyond_the_keyword_are_required_in_any_case() {
        let r = req(
            r"(?i:segment)[\w.-]{0,20}(?i:write[_.-]?key)\s*=\s*(?P<secret>[A-Za-z0-9]{32})",
            &["segment"],
        );
        assert!(!r.all_present(b"segment.track(event) = 0123456789abcdef0123456789abcdef"));
        assert!(r.all_present(b"SEGMENT_WRITE_KEY = 0123456789abcdef0123456789abcdef"));
        assert!(r.all_present(b"segment-write.key = 0123456789abcdef0123456789abcdef"));
        // The keyword itself (and its parts) are not required again.
        let r = req(r"nfp_(?P<secret>[a-z]{4})", &["nfp_"]);
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn caseless_search_finds_only_whole_literals() {
        assert!(find_caseless(b"xx VaLuE", b"value"));
        assert!(!find_caseless(b"valu", b"value"));
        assert!(!find_caseless(b"", b"v"));
        assert!(find_caseless(b"v", b"v"));
    }

    #[test]
    fn a_token_body_is_required_as_a_run() {
        let r = req(
            r"(?i:together)[^\r\n]{0,60}?[^A-Za-z0-9_\-](?P<secret>[0-9a-f]{64})\b",
            &["together"],
        );
        let hex = "0123456789abcdef".repeat(4);
        assert!(r.all_present(format!("TOGETHER_API_KEY={hex}").as_bytes()));
        assert!(!r.all_present(format!("TOGETHER_API_KEY={}", &hex[1..]).as_bytes()));
        // Hex digits in short pieces are not a run.
        assert!(!r.all_present(format!("together {} {}", &hex[..32], &hex[32..]).as_bytes()));
        // Short runs are not worth a scan: only the class is required.
        assert_eq!(req(r"tok_(?P<secret>[0-9a-f]{8})", &["tok_"]).len(), 1);
        assert_eq!(req(r"tok_(?P<secret>[0-9a-f]{16})", &["tok_"]).len(), 2);
    }

    #[test]
    fn the_skipping_run_scan_agrees_with_a_plain_one() {
        let mut table = Box::new([false; 256]);
        table[b'a' as usize] = true;
        table[b'b' as usize] = true;
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 7) as usize + 1;
            let window: Vec<u8> = (0..(seed >> 8) % 40)
                .map(|i| b"abx"[((seed >> (i % 50)) % 3) as usize])
                .collect();
            let plain = window.windows(len).any(|w| w.iter().all(|&b| table[b as usize]));
            let run = Run {
                table: table.clone(),
                len,
            };
            assert_eq!(
                run.found_in(&window),
                plain,
                "{len} {:?}",
                String::from_utf8_lossy(&window)
            );
        }
    }

    #[test]
    fn every_rule_still_matches_its_positive_examples_through_the_check() {
        for rule in keyhound_rules::builtin().unwrap() {
            let rule = crate::CompiledRule::new(std::sync::Arc::new(rule));
            let r = RequiredBytes::from_hir(rule.pattern_hir().unwrap(), &rule.spec.keywords);
            let re = rule.regex().unwrap();
            for example in &rule.spec.examples.positive {
                if re.is_match(example.as_bytes()) {
                    assert!(r.all_present(example.as_bytes()), "{}: {example:?}", rule.id());
                }
            }
        }
    }
}
