//! Candidates become findings: line and column, the snippet around the
//! secret with every secret on its line redacted, the fingerprint.

use std::sync::Arc;

use keyhound_engine::Candidate;
use keyhound_findings::{fingerprint, printable, redact, Finding, Origin, Secret};
use keyhound_rules::Rule;

/// Longest snippet reporters show; the secret stays in view.
const SNIPPET_MAX: usize = 160;

/// Turns a blob's accepted candidates into findings with line, column,
/// fingerprint and a snippet in which every secret on the line is redacted.
pub fn findings_from(
    rules: &[Arc<Rule>],
    hay: &[u8],
    origin: &Arc<Origin>,
    candidates: &[Candidate],
    show_secrets: bool,
) -> Vec<Finding> {
    let mut locator = Locator::new(hay);
    candidates
        .iter()
        .map(|cand| {
            let rule = &rules[cand.rule];
            let secret_bytes = cand.secret_bytes(hay);
            let secret = String::from_utf8_lossy(secret_bytes).into_owned();
            let located = &hay[cand.secret.clone()];
            let (line, column, line_start) = locator.locate(cand.secret.start);
            let newlines = memchr::memchr_iter(b'\n', located).count();
            let end_column = match memchr::memrchr(b'\n', located) {
                Some(p) => char_count(&located[p + 1..]) + 1,
                None => column + char_count(located),
            };
            Finding {
                rule_id: rule.id().to_string(),
                rule_name: rule.spec.name.clone(),
                severity: rule.spec.severity,
                origin: Arc::clone(origin),
                line,
                column,
                end_line: line + newlines,
                end_column,
                offset: cand.secret.start,
                present_in_head: None,
                removed: None,
                transcript: None,
                decoded: cand
                    .decoded
                    .as_ref()
                    .map(|d| d.chain.iter().map(|c| c.to_string()).collect())
                    .unwrap_or_default(),
                length: cand.secret.len(),
                fingerprint: fingerprint(rule.id(), &secret),
                entropy: keyhound_engine::filters::shannon_entropy(secret_bytes),
                snippet: snippet(hay, line_start, cand, candidates, show_secrets),
                secret: Secret::new(secret),
                reason: None,
                verification: None,
                verify_values: Default::default(),
            }
        })
        .collect()
}

/// The line around `cand`, cut to a readable window, with every candidate's
/// secret on it redacted (unless `show`).
fn snippet(hay: &[u8], line_start: usize, cand: &Candidate, all: &[Candidate], show: bool) -> String {
    let lo = cand.secret.start.saturating_sub(SNIPPET_MAX / 2).max(line_start);
    // The line's end, looked for only as far as the snippet can reach (no
    // newline lies between the line's start and the secret's).
    let limit = (lo + SNIPPET_MAX).min(hay.len());
    let from = cand.secret.start.min(limit);
    let hi = memchr::memchr(b'\n', &hay[from..limit]).map_or(limit, |p| from + p);
    let mut on_line: Vec<&Candidate> = all
        .iter()
        .filter(|c| c.secret.start < hi && c.secret.end > lo)
        .collect();
    on_line.sort_by_key(|c| c.secret.start);
    let text = |range: std::ops::Range<usize>| String::from_utf8_lossy(&hay[range]).into_owned();
    let mut out = String::new();
    let mut pos = lo;
    for c in on_line {
        let start = c.secret.start.max(pos);
        if start >= hi {
            break;
        }
        out.push_str(&text(pos..start));
        let end = c.secret.end.min(hi).max(start);
        if show {
            out.push_str(&text(start..end));
        } else if start == c.secret.start {
            out.push_str(&redact(&text(c.secret.clone())));
        }
        pos = end;
    }
    out.push_str(&text(pos..hi.max(pos)));
    out.trim().chars().map(printable).collect()
}

/// Counts Unicode scalar values in possibly-invalid UTF-8 (an invalid byte
/// counts as one), for columns.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// Monotonic offset → (line, column) conversion: each call continues from
/// the last, so a blob with many findings is walked once.
/// The column is carried along too, so many findings on one huge line
/// (minified code, a keyword storm) do not each count from the line's start.
struct Locator<'a> {
    hay: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    column: usize,
}

impl<'a> Locator<'a> {
    fn new(hay: &'a [u8]) -> Self {
        Locator {
            hay,
            pos: 0,
            line: 1,
            line_start: 0,
            column: 1,
        }
    }

    fn locate(&mut self, offset: usize) -> (usize, usize, usize) {
        if offset < self.pos {
            *self = Locator::new(self.hay);
        }
        let mut from = self.pos;
        for nl in memchr::memchr_iter(b'\n', &self.hay[self.pos..offset]) {
            self.line += 1;
            self.line_start = self.pos + nl + 1;
            from = self.line_start;
            self.column = 1;
        }
        self.column += char_count(&self.hay[from..offset]);
        self.pos = offset;
        (self.line, self.column, self.line_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_counts_lines_and_unicode_columns() {
        let hay = "a\nbé c\nxyz".as_bytes();
        let mut loc = Locator::new(hay);
        assert_eq!(loc.locate(0), (1, 1, 0));
        let c = hay.iter().position(|&b| b == b'c').unwrap();
        assert_eq!(loc.locate(c), (2, 4, 2));
        let z = hay.len() - 1;
        assert_eq!(loc.locate(z), (3, 3, hay.len() - 3));
        // Several on one line, carried along, and back again.
        let hay = "é1 é2 é3\nx".as_bytes();
        let mut loc = Locator::new(hay);
        for (i, _) in hay.iter().enumerate().filter(|(_, &b)| b.is_ascii_digit()) {
            let fresh = Locator::new(hay).locate(i);
            assert_eq!(loc.locate(i), fresh);
            assert_eq!(fresh.1, char_count(&hay[..i]) + 1);
        }
        assert_eq!(loc.locate(0), (1, 1, 0));
        assert_eq!(loc.locate(hay.len() - 1), (2, 1, hay.len() - 1));
    }
}
