//! A matching example for a translated rule, generated from its regex.
//!
//! keyhound requires every rule to carry examples (they are its tests);
//! gitleaks rules have none. A string the regex matches is built by walking
//! its syntax tree: literals as written, the first alternative, each
//! repetition at its minimum (at most 64 times), and class
//! members taken in turn across the class's ranges so that a secret built
//! from `[a-z0-9]{32}` is varied enough to pass an entropy threshold. The
//! caller checks the result against the compiled rule; a regex this cannot
//! satisfy (look-arounds it cannot see, a class it cannot vary) is reported
//! as needing a hand-written example.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Most times one repetition is unrolled.
const MAX_REPEAT: u32 = 64;

/// A string `pattern` should match, or `None` when the pattern does not
/// parse.
pub fn generate(pattern: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let mut out = String::new();
    let mut counter = 0usize;
    walk(&hir, &mut out, &mut counter);
    Some(out)
}

fn walk(hir: &Hir, out: &mut String, counter: &mut usize) {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(class) => {
            if let Some(c) = pick(class, *counter) {
                out.push(c);
            }
            *counter += 1;
        }
        HirKind::Repetition(rep) => {
            let times = rep.min.min(MAX_REPEAT);
            for _ in 0..times {
                walk(&rep.sub, out, counter);
            }
        }
        HirKind::Capture(cap) => walk(&cap.sub, out, counter),
        HirKind::Concat(parts) => parts.iter().for_each(|p| walk(p, out, counter)),
        HirKind::Alternation(alts) => {
            if let Some(first) = alts.first() {
                walk(first, out, counter);
            }
        }
    }
}

/// The `n`-th pick from a class: cycles over its ranges and, within a
/// range, strides through it, preferring letters and digits (what secrets
/// are made of) over punctuation and spaces.
fn pick(class: &Class, n: usize) -> Option<char> {
    let chars: Vec<char> = match class {
        Class::Unicode(u) => u
            .ranges()
            .iter()
            .flat_map(|r| {
                let (a, b) = (r.start() as u32, (r.end() as u32).min(r.start() as u32 + 94));
                (a..=b).filter_map(char::from_u32)
            })
            .collect(),
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .flat_map(|r| (r.start()..=r.end().min(0x7e)).map(char::from))
            .collect(),
    };
    // Letters and digits, and of a letter's two cases (a `(?i)` class) the
    // lower one: keywords are written in lower case.
    let preferred: Vec<char> = chars
        .iter()
        .copied()
        .filter(|c| c.is_ascii_alphanumeric())
        .filter(|c| !(c.is_ascii_uppercase() && chars.contains(&c.to_ascii_lowercase())))
        .collect();
    let pool = if preferred.is_empty() { &chars } else { &preferred };
    if pool.is_empty() {
        return None;
    }
    // A class of separators (`\s`, `[ \t]`): a plain space keeps the
    // example on one line, as the rule's keyword window expects.
    if preferred.is_empty() && pool.contains(&' ') {
        return Some(' ');
    }
    Some(pool[(n * 7 + n / pool.len()) % pool.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_examples_match_their_pattern() {
        for pattern in [
            r"mycorp_[a-z0-9]{32}",
            r"(?i)(?:acme|acmecorp)[_-]?token\s*[:=]\s*['\x22]?([A-Za-z0-9+/]{40})",
            r"\b(ak_live_[0-9a-f]{24})\b",
            r"internal-[A-Z]{3}-\d{6}",
        ] {
            let example = generate(pattern).unwrap();
            let re = regex::Regex::new(pattern).unwrap();
            assert!(re.is_match(&example), "{pattern} → {example}");
        }
    }

    #[test]
    fn classes_are_varied_not_one_letter_repeated() {
        let example = generate(r"[a-z0-9]{32}").unwrap();
        let distinct: std::collections::BTreeSet<char> = example.chars().collect();
        assert!(distinct.len() >= 16, "{example}");
    }
}
