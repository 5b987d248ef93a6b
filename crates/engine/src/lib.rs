//! The scanner: keyword prefilter, windowed regex, filters.
//!
//! Built once from the rule set and shared read-only by every thread. One
//! keyword prefilter pass ([`keywords`]) over all rules' keywords finds where
//! anything could match; only rules whose keyword occurred run their regex,
//! and only on a bounded window around the hit. Regexes compile lazily, on
//! the first hit of one of their keywords, so start-up costs one prefilter
//! build.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

mod byteset;
pub mod checksum;
mod compiled;
pub mod decode;
pub mod filters;
pub mod keyword_context;
pub mod keywords;
pub mod required;

use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

pub use compiled::CompiledRule;
pub use filters::Rejection;
use keyhound_rules::Rule;

/// How often (in bytes scanned) settled windows are handed to the regexes.
const HANDOVER_EVERY: usize = 16 * 1024;

/// Bytes before a secret that a rule's `allow_before` regexes see.
const ALLOW_BEFORE_BYTES: usize = 256;

/// A regex match that passed (or, in explain mode, failed) the filters.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Index of the rule in [`Scanner::rules`].
    pub rule: usize,
    /// Byte span of the whole regex match.
    pub span: Range<usize>,
    /// Byte span of the `secret` group.
    pub secret: Range<usize>,
    /// Other named groups (e.g. `user`, `host`) with their spans.
    pub groups: Vec<(String, Range<usize>)>,
    /// Set when the secret was found inside an encoded run: `span` and
    /// `secret` then cover the encoded run in the blob.
    pub decoded: Option<Box<Decoded>>,
}

/// A secret found by decoding: the chain of encodings and the plain secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Outermost encoding first, e.g. `["base64", "json-escape"]`.
    pub chain: Vec<&'static str>,
    /// The decoded secret.
    pub secret: Vec<u8>,
}

impl Candidate {
    /// The secret's bytes: decoded if it was encoded, else from `hay`.
    pub fn secret_bytes<'a>(&'a self, hay: &'a [u8]) -> &'a [u8] {
        match &self.decoded {
            Some(d) => &d.secret,
            None => &hay[self.secret.clone()],
        }
    }
}

/// A prefilter pattern is either a rule keyword or a decoder cue.
type Cue = (decode::Codec, decode::Scope);

/// The multi-pattern scanner. Cheap to share: wrap in an `Arc` or borrow.
pub struct Scanner {
    rules: Vec<Arc<Rule>>,
    /// The same rules as the engine runs them, by the same index.
    compiled: Vec<CompiledRule>,
    prefilter: keywords::KeywordSearcher,
    /// For each prefilter pattern, the rules that use that keyword.
    keyword_rules: Vec<Vec<KeywordUse>>,
    /// For each prefilter pattern, the decoder it cues, if it is a cue.
    cues: Vec<Option<Cue>>,
    /// For each prefilter pattern, how far its single-line rules look
    /// before and after a hit (where line breaks are searched for).
    keyword_reach: Vec<(usize, usize)>,
    /// Each rule's pattern as the context checks read it, built on the
    /// first hit of one of its keywords (`None`: it does not parse).
    shapes: Vec<OnceLock<Option<keyword_context::PatternShape>>>,
    /// How far behind the latest hit a window can still be widened: the
    /// longest keyword plus the widest look-back of any rule.
    settle_distance: usize,
}

/// One rule's use of a prefilter keyword.
struct KeywordUse {
    /// Index of the rule in [`Scanner::rules`].
    rule: u32,
    /// The context a hit of the keyword needs for this rule's regex;
    /// derived on the keyword's first hit.
    context: OnceLock<keyword_context::KeywordContext>,
}

/// A scanner could not be built (a rule set with an empty keyword).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the keyword prefilter: {0}")]
pub struct BuildError(#[from] keywords::KeywordError);

impl Scanner {
    /// Builds the keyword prefilter over the given rules.
    pub fn new(rules: Vec<Arc<Rule>>) -> Result<Scanner, BuildError> {
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        let mut keyword_rules: Vec<Vec<KeywordUse>> = Vec::new();
        for (idx, rule) in rules.iter().enumerate() {
            for kw in &rule.spec.keywords {
                let lower = kw.to_ascii_lowercase().into_bytes();
                let slot = match keywords.iter().position(|k| *k == lower) {
                    Some(slot) => slot,
                    None => {
                        keywords.push(lower);
                        keyword_rules.push(Vec::new());
                        keywords.len() - 1
                    }
                };
                if !keyword_rules[slot].iter().any(|u| u.rule == idx as u32) {
                    keyword_rules[slot].push(KeywordUse {
                        rule: idx as u32,
                        context: OnceLock::new(),
                    });
                }
            }
        }
        let mut cues: Vec<Option<Cue>> = vec![None; keywords.len()];
        for (literal, codec, scope) in decode::CUES {
            keywords.push(literal.to_ascii_lowercase().into_bytes());
            keyword_rules.push(Vec::new());
            cues.push(Some((*codec, *scope)));
        }
        let prefilter = keywords::KeywordSearcher::new(&keywords)?;
        let keyword_reach = keyword_rules
            .iter()
            .map(|uses| {
                let single_line = uses.iter().map(|u| &rules[u.rule as usize]).filter(|r| !r.multiline());
                single_line.fold((0, 0), |(b, a), r| (b.max(r.window_before()), a.max(r.window_after())))
            })
            .collect();
        let settle_distance = keywords.iter().map(Vec::len).max().unwrap_or(0)
            + rules.iter().map(|r| r.window_before()).max().unwrap_or(0);
        let shapes = rules.iter().map(|_| OnceLock::new()).collect();
        let compiled = rules.iter().map(|r| CompiledRule::new(Arc::clone(r))).collect();
        Ok(Scanner {
            shapes,
            compiled,
            rules,
            prefilter,
            keyword_rules,
            cues,
            keyword_reach,
            settle_distance,
        })
    }

    /// The rules this scanner runs, indexed by [`Candidate::rule`].
    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    /// Finds every secret in `hay` that passes all filters, ordered by offset.
    pub fn scan(&self, hay: &[u8]) -> Vec<Candidate> {
        self.scan_skipping(hay, &[])
    }

    /// Like [`Scanner::scan`], without running the rules whose index is
    /// `true` in `skip` (shorter is fine: missing entries run). The scan
    /// skips rules limited to other files (`paths`) this way, so they
    /// neither report nor shadow a more general rule's match there.
    pub fn scan_skipping(&self, hay: &[u8], skip: &[bool]) -> Vec<Candidate> {
        let mut out = Vec::new();
        self.scan_inner(hay, skip, &mut |cand, verdict| {
            if verdict.is_ok() {
                out.push(cand);
            }
        });
        out
    }

    /// Like [`Scanner::scan`] but also yields rejected matches with the reason;
    /// `rules test` uses it to explain a failing example.
    pub fn scan_explain(&self, hay: &[u8]) -> Vec<(Candidate, Result<(), Rejection>)> {
        let mut out = Vec::new();
        self.scan_inner(hay, &[], &mut |cand, verdict| out.push((cand, verdict)));
        out
    }

    fn scan_inner(&self, hay: &[u8], skip: &[bool], emit: &mut dyn FnMut(Candidate, Result<(), Rejection>)) {
        let mut found = self.collect(hay, skip, 0, 0..hay.len());
        found.sort_by_key(|(c, _)| (c.secret.start, c.rule));
        for (cand, verdict) in found {
            emit(cand, verdict);
        }
    }

    /// Every regex match in `hay` whose secret overlaps `focus`, with its
    /// verdict, plus (below the depth limit) what decoding the cued encoded
    /// runs there reveals. A decoded run is scanned with the rest of its line
    /// around it for context, but only what lies in the run is new, so only
    /// windows and runs that reach into it are looked at again.
    fn collect(
        &self,
        hay: &[u8],
        skip: &[bool],
        depth: usize,
        focus: Range<usize>,
    ) -> Vec<(Candidate, Result<(), Rejection>)> {
        let mut found: Vec<(Candidate, Result<(), Rejection>)> = Vec::new();
        let mut seen: HashSet<(usize, usize, usize)> = HashSet::new();
        let mut allow = filters::AllowCache::default();
        let cues = self.windows(hay, &mut |window| {
            if window.end <= focus.start || window.start >= focus.end {
                return;
            }
            if skip.get(window.rule as usize).copied().unwrap_or(false) {
                return;
            }
            let rule = &self.compiled[window.rule as usize];
            let slice = &hay[window.start..window.end];
            // Checked before the regex is compiled: a rule whose windows all
            // lack what it needs never pays for its compile.
            if !rule.required_bytes().all_present(slice) {
                return;
            }
            let Some(re) = rule.regex() else { return };
            for caps in re.captures_iter(slice) {
                let (Some(whole), Some(secret)) = (caps.get(0), caps.name("secret")) else {
                    continue;
                };
                if secret.is_empty() {
                    continue;
                }
                let base = window.start;
                let cand = Candidate {
                    rule: window.rule as usize,
                    span: base + whole.start()..base + whole.end(),
                    secret: base + secret.start()..base + secret.end(),
                    groups: re
                        .capture_names()
                        .flatten()
                        .filter(|&n| n != "secret")
                        .filter_map(|n| caps.name(n).map(|m| (n.to_string(), base + m.start()..base + m.end())))
                        .collect(),
                    decoded: None,
                };
                if !seen.insert((cand.rule, cand.secret.start, cand.secret.end)) {
                    continue;
                }
                let verdict = filters::check_secret(rule, &hay[cand.secret.clone()]).and_then(|()| {
                    let before = &hay[cand.secret.start.saturating_sub(ALLOW_BEFORE_BYTES)..cand.secret.start];
                    if rule
                        .allow_match_regexes()
                        .iter()
                        .any(|re| re.is_match(&hay[cand.span.clone()]))
                        || rule.allow_before_regexes().iter().any(|re| re.is_match(before))
                    {
                        Err(Rejection::RuleAllow)
                    } else if allow.allowed(hay, cand.secret.start, rule.id()) {
                        Err(Rejection::InlineAllow)
                    } else {
                        Ok(())
                    }
                });
                found.push((cand, verdict));
            }
        });
        self.shadow_overlaps(&mut found);
        found.retain(|(c, _)| c.secret.start < focus.end && focus.start < c.secret.end);
        if depth < decode::MAX_DEPTH && !cues.is_empty() {
            let decoded = self.decoded_candidates(hay, skip, &cues, depth, &found, &focus);
            // A decoded secret adds something only if it is more specific
            // than what already reported the encoded run as it stands (a
            // GitHub token inside a Docker `auth` value: yes; the same PEM
            // key as a base64 blob and decoded: no).
            // The same rule finding the encoded form is the same secret.
            let reported: Vec<(Range<usize>, usize, i32)> = found
                .iter()
                .filter(|(_, v)| v.is_ok())
                .map(|(c, _)| (c.secret.clone(), c.rule, self.rules[c.rule].spec.priority))
                .collect();
            found.extend(decoded.into_iter().filter(|(c, _)| {
                let priority = self.rules[c.rule].spec.priority;
                !reported.iter().any(|(span, rule, p)| {
                    let overlaps = span.start < c.secret.end && c.secret.start < span.end;
                    let covers = span.start <= c.secret.start && span.end >= c.secret.end;
                    overlaps && (*rule == c.rule || (covers && *p >= priority))
                })
            }));
        }
        found
    }

    /// Decodes the encoded runs that cues point at and scans each run's line
    /// with the run replaced by its decoding (so context words on the line,
    /// like a Kubernetes key name, still count). Findings inside the decoded
    /// part are mapped back onto the encoded run.
    fn decoded_candidates(
        &self,
        hay: &[u8],
        skip: &[bool],
        cues: &[(Cue, usize)],
        depth: usize,
        raw: &[(Candidate, Result<(), Rejection>)],
        focus: &Range<usize>,
    ) -> Vec<(Candidate, Result<(), Rejection>)> {
        let mut regions: Vec<(decode::Codec, Range<usize>)> = cues
            .iter()
            .map(|((codec, scope), pos)| {
                let region = match scope {
                    decode::Scope::Line => {
                        let (s, e) = filters::line_bounds_near(hay, *pos, 4096, 4096);
                        s..e
                    }
                    decode::Scope::Blob => 0..hay.len().min(decode::BLOB_SCOPE_LIMIT),
                };
                (*codec, region)
            })
            .collect();
        regions.sort_by_key(|(c, r)| (*c as u8, r.start, r.end));
        regions.dedup();
        let raw_secrets: HashSet<(usize, &[u8])> = raw.iter().map(|(c, _)| (c.rule, c.secret_bytes(hay))).collect();
        let mut done: HashSet<(decode::Codec, usize)> = HashSet::new();
        let mut out = Vec::new();
        // Cue regions overlap on a long line with many cues (a million
        // `\u0061` escapes in one line of JSON): stop once no more runs may
        // be decoded, and look through a bounded number of region bytes.
        let mut region_bytes = 0usize;
        for (codec, region) in regions {
            region_bytes += region.len();
            if done.len() >= decode::MAX_RUNS || region_bytes > decode::MAX_REGION_BYTES {
                break;
            }
            for run in decode::runs(&hay[region.clone()], codec) {
                let run = region.start + run.start..region.start + run.end;
                if run.end <= focus.start || run.start >= focus.end {
                    continue;
                }
                if done.len() >= decode::MAX_RUNS || !done.insert((codec, run.start)) {
                    continue;
                }
                // Joined notebook lines keep their segment map, so findings
                // inside map back to their own line rather than the cell's.
                let (plain, segments) = match codec {
                    decode::Codec::JsonLines => match decode::join_json_lines(&hay[run.clone()]) {
                        Some((plain, segments)) if decode::worth_scanning(&plain, &hay[run.clone()]) => {
                            (plain, Some(segments))
                        }
                        _ => continue,
                    },
                    _ => match decode::decode(&hay[run.clone()], codec) {
                        Some(plain) => (plain, None),
                        None => continue,
                    },
                };
                let (line_start, line_end) = filters::line_bounds_near(hay, run.start, 1024, run.len() + 1024);
                let mut line = hay[line_start..run.start].to_vec();
                let inside = line.len()..line.len() + plain.len();
                line.extend_from_slice(&plain);
                line.extend_from_slice(&hay[run.end..line_end.max(run.end)]);
                for (inner, mut verdict) in self.collect(&line, skip, depth + 1, inside.clone()) {
                    let secret = inner.secret_bytes(&line).to_vec();
                    if raw_secrets.contains(&(inner.rule, secret.as_slice())) {
                        continue;
                    }
                    // The allow comment may sit on the encoded run's own line
                    // even when decoding split the run over several lines.
                    if verdict.is_ok() && filters::inline_allowed(hay, run.start, self.rules[inner.rule].id()) {
                        verdict = Err(Rejection::InlineAllow);
                    }
                    let mut chain = vec![codec.name()];
                    if let Some(d) = &inner.decoded {
                        chain.extend(d.chain.iter().copied());
                    }
                    let located = match &segments {
                        Some(segments) => {
                            let at = |o: usize| run.start + decode::map_joined(segments, o - inside.start);
                            let start = at(inner.secret.start.max(inside.start));
                            let end = at(inner.secret.end.min(inside.end) - 1) + 1;
                            start..end.clamp(start + 1, run.end)
                        }
                        None => run.clone(),
                    };
                    let cand = Candidate {
                        rule: inner.rule,
                        span: located.clone(),
                        secret: located,
                        groups: Vec::new(),
                        decoded: Some(Box::new(Decoded { chain, secret })),
                    };
                    // One secret seen through two decoders (a JSON-escaped
                    // string that is also a notebook line) is one finding.
                    let same_secret = |c: &Candidate| {
                        c.rule == cand.rule
                            && c.secret.start < cand.secret.end
                            && cand.secret.start < c.secret.end
                            && c.decoded.as_ref().map(|d| &d.secret) == cand.decoded.as_ref().map(|d| &d.secret)
                    };
                    if !out.iter().any(|(c, _): &(Candidate, _)| same_secret(c)) {
                        out.push((cand, verdict));
                    }
                }
            }
        }
        out
    }

    /// Where secrets of different priority overlap, the lower priority one
    /// is shadowed: a GitHub token inside `token = "…"` is one GitHub
    /// finding, not also a generic one. A specific rule shadows even when
    /// its own filters rejected the match: a `ghp_` token with a bad
    /// checksum is not a token, and the generic rule must not say it is.
    fn shadow_overlaps(&self, found: &mut [(Candidate, Result<(), Rejection>)]) {
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by_key(|&i| found[i].0.secret.start);
        let mut shadowed = Vec::new();
        for (n, &i) in order.iter().enumerate() {
            for &j in &order[n + 1..] {
                let (a, b) = (&found[i].0, &found[j].0);
                if b.secret.start >= a.secret.end {
                    break;
                }
                let (pa, pb) = (self.rules[a.rule].spec.priority, self.rules[b.rule].spec.priority);
                if pa < pb {
                    shadowed.push(i);
                } else if pb < pa {
                    shadowed.push(j);
                }
            }
        }
        for i in shadowed {
            if found[i].1.is_ok() {
                found[i].1 = Err(Rejection::Shadowed);
            }
        }
    }

    /// Runs the prefilter over `hay`, merges each rule's keyword hits into
    /// windows, and hands every window to `on_window` once no later hit can
    /// widen it: a few tens of KB behind the prefilter, while its bytes are
    /// still in cache (on a 64 MB blob, handing them over at the end made
    /// each window a trip to main memory). Returns the decoder cues.
    fn windows(&self, hay: &[u8], on_window: &mut dyn FnMut(Window)) -> Vec<(Cue, usize)> {
        // Windows not yet handed over; `windows[0]` is window number `base`.
        let mut windows: Vec<Window> = Vec::new();
        let mut base = 0;
        // Windows numbered below this have been handed over.
        let mut handed = 0;
        // For each rule, the number of its last window.
        let mut last: Vec<usize> = Vec::new();
        let mut cues = Vec::new();
        let mut lines: Option<LineAround> = None;
        let mut next_handover = HANDOVER_EVERY;
        self.prefilter.find_each(hay, |hit| {
            let pattern = hit.pattern as usize;
            if let Some(cue) = self.cues[pattern] {
                cues.push((cue, hit.start));
                return;
            }
            if last.is_empty() {
                last.resize(self.rules.len(), usize::MAX);
            }
            // Whether `lines` is this hit's: looked up on the first rule
            // whose context holds, and reused while hits stay on one line.
            let mut lines_fresh = false;
            for used in &self.keyword_rules[pattern] {
                let rule_idx = used.rule;
                let rule = &self.compiled[rule_idx as usize];
                if !self
                    .context_of(pattern, used)
                    .allows(hay, hit.start, hit.end, rule.window_before())
                {
                    continue;
                }
                let lines = match lines.take() {
                    Some(l) if lines_fresh || l.serves(hit.start, hit.end) => lines.insert(l),
                    _ => lines.insert(LineAround::new(hay, hit.start, hit.end, self.keyword_reach[pattern])),
                };
                lines_fresh = true;
                let (start, end) = lines.window(hay, hit.start, hit.end, rule);
                let slot = &mut last[rule_idx as usize];
                let open = Some(*slot).filter(|&n| n != usize::MAX && n >= handed);
                match open.and_then(|n| windows.get_mut(n - base)) {
                    Some(w) if start <= w.end => {
                        // A longer keyword ending at the same place starts earlier.
                        w.start = w.start.min(start);
                        w.end = w.end.max(end);
                    }
                    _ => {
                        *slot = base + windows.len();
                        windows.push(Window {
                            rule: rule_idx,
                            start,
                            end,
                        });
                    }
                }
            }
            if hit.end >= next_handover {
                next_handover = hit.end + HANDOVER_EVERY;
                // A later hit's window starts at or after this.
                let settled = hit.end.saturating_sub(self.settle_distance);
                while let Some(w) = windows.get(handed - base).filter(|w| w.end < settled) {
                    on_window(*w);
                    handed += 1;
                }
                // Keep only the open windows, so memory stays bounded by
                // how many windows one stretch of the blob opens.
                windows.drain(..handed - base);
                base = handed;
            }
        });
        windows[handed - base..].iter().for_each(|w| on_window(*w));
        cues
    }

    /// The context a hit of prefilter pattern `pattern` needs for the rule
    /// in `used`: derived on first use from the rule's pattern shape, which
    /// is itself built once for all the rule's keywords.
    fn context_of<'a>(&'a self, pattern: usize, used: &'a KeywordUse) -> &'a keyword_context::KeywordContext {
        used.context.get_or_init(|| {
            let rule = &self.compiled[used.rule as usize];
            let shape = self.shapes[used.rule as usize].get_or_init(|| {
                let hir = rule.pattern_hir()?;
                Some(keyword_context::PatternShape::new(hir, &rule.spec.keywords))
            });
            shape
                .as_ref()
                .map(|s| s.context(self.prefilter.keyword(pattern)))
                .unwrap_or_default()
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    rule: u32,
    start: usize,
    end: usize,
}

/// The line breaks nearest a keyword hit, looked up once for all the rules
/// that share the keyword (as far as the widest of their windows reaches),
/// and again only when a later hit is not on the same line.
struct LineAround {
    /// Offset of the last `\n` before the hit, if within reach.
    newline_before: Option<usize>,
    /// Offset of the first `\n` after the hit, if within reach.
    newline_after: Option<usize>,
    /// Whether the hit itself holds no `\n`, so the two are adjacent.
    one_line: bool,
}

impl LineAround {
    fn new(hay: &[u8], hit_start: usize, hit_end: usize, (before, after): (usize, usize)) -> LineAround {
        let lo = hit_start.saturating_sub(before);
        let hi = hit_end.saturating_add(after).min(hay.len());
        LineAround {
            newline_before: memchr::memrchr(b'\n', &hay[lo..hit_start]).map(|p| lo + p),
            newline_after: memchr::memchr(b'\n', &hay[hit_end..hi]).map(|p| hit_end + p),
            one_line: memchr::memchr(b'\n', &hay[hit_start..hit_end]).is_none(),
        }
    }

    /// Whether these are also the nearest line breaks of a later hit: both
    /// were found, with no other between them, and the hit lies between.
    fn serves(&self, hit_start: usize, hit_end: usize) -> bool {
        match (self.newline_before, self.newline_after) {
            (Some(before), Some(after)) => self.one_line && before < hit_start && hit_end <= after,
            _ => false,
        }
    }

    /// The bytes a rule's regex may see around a keyword hit: the hit's line
    /// (or lines, for multi-line rules), capped to the rule's window so that
    /// a 50 MB minified line costs no more than a short one.
    fn window(&self, hay: &[u8], hit_start: usize, hit_end: usize, rule: &Rule) -> (usize, usize) {
        let lo = hit_start.saturating_sub(rule.window_before());
        let hi = hit_end.saturating_add(rule.window_after()).min(hay.len());
        if rule.multiline() {
            return (lo, hi);
        }
        let start = self.newline_before.filter(|&p| p >= lo).map_or(lo, |p| p + 1);
        let end = self.newline_after.filter(|&p| p < hi).unwrap_or(hi);
        (start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyhound_rules::parse_pack;

    fn scanner(toml: &str) -> Scanner {
        let rules = parse_pack("test.toml", toml).unwrap();
        Scanner::new(rules.into_iter().map(Arc::new).collect()).unwrap()
    }

    const TWO_RULES: &str = r#"
[[rules]]
id = "demo-token"
name = "Demo token"
keywords = ["dmo_"]
pattern = '(?P<secret>dmo_[A-Za-z0-9]{20})\b'
priority = 5
[rules.examples]
positive = ["x"]
negative = ["y"]

[[rules]]
id = "generic"
name = "Generic"
keywords = ["token"]
pattern = '(?i)token\s*=\s*"(?P<secret>[^"\s]{8,})"'
priority = -10
[rules.examples]
positive = ["x"]
negative = ["y"]

[[rules]]
id = "block"
name = "Block"
keywords = ["BEGIN DEMO"]
multiline = true
pattern = '(?s)-----BEGIN DEMO-----\s*(?P<secret>[A-Za-z0-9+/=\s]+?)\s*-----END DEMO-----'
[rules.examples]
positive = ["x"]
negative = ["y"]
"#;

    #[test]
    fn keyword_is_case_insensitive_and_regex_runs_only_near_it() {
        let s = scanner(TWO_RULES);
        let found = s.scan(b"first line\nTOKEN = \"q8Zt3vLp0sWx9KjR\"\n"); // keyhound:allow test fixture
        assert_eq!(found.len(), 1);
        assert_eq!(s.rules()[found[0].rule].id(), "generic");
        assert!(s.scan(b"nothing to see: dmo is not the keyword").is_empty());
    }

    #[test]
    fn specific_rule_shadows_generic_on_overlap() {
        let s = scanner(TWO_RULES);
        let found = s.scan(b"token = \"dmo_Q8zT3vLp0sWx9KjR2mNb\""); // keyhound:allow test fixture
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(s.rules()[found[0].rule].id(), "demo-token");
        let explained = s.scan_explain(b"token = \"dmo_Q8zT3vLp0sWx9KjR2mNb\""); // keyhound:allow test fixture
        assert!(explained.iter().any(|(_, v)| *v == Err(Rejection::Shadowed)));
    }

    #[test]
    fn multiline_rule_spans_lines_and_single_line_rule_does_not() {
        let s = scanner(TWO_RULES);
        let text =
            b"-----BEGIN DEMO-----\nq8Zt3vLp0sWx9KjR2mNbq8Zt3vLp0sWx\nR2mNbq8Zt3vLp0sWx9Kj\n-----END DEMO-----\n";
        let found = s.scan(text);
        assert_eq!(found.len(), 1);
        assert_eq!(
            &text[found[0].secret.clone()],
            b"q8Zt3vLp0sWx9KjR2mNbq8Zt3vLp0sWx\nR2mNbq8Zt3vLp0sWx9Kj"
        );
        assert!(s.scan(b"token =\n\"q8Zt3vLp0sWx9KjR\"").is_empty());
    }

    #[test]
    fn many_hits_on_one_huge_line_stay_bounded_and_found() {
        let s = scanner(TWO_RULES);
        let mut hay = "token=a(b);".repeat(200_000).into_bytes();
        hay.extend_from_slice(b"token = \"q8Zt3vLp0sWx9KjR\";"); // keyhound:allow test fixture
        hay.extend_from_slice("token=a(b);".repeat(200_000).as_bytes());
        let found = s.scan(&hay);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn reused_line_bounds_give_the_windows_a_fresh_lookup_gives() {
        let s = scanner(TWO_RULES);
        let hay: &[u8] = concat!(
            "a token = b token=token= c\ntoken =\n\ntoken = dmo_ x token=\n",
            "no newline at the end token = dmo_Q8zT3vLp0sWx9KjR2mNb", // keyhound:allow test fixture
        )
        .as_bytes();
        let mut fresh: Vec<Window> = Vec::new();
        for hit in s.prefilter.find_all(hay) {
            let pattern = hit.pattern as usize;
            let lines = LineAround::new(hay, hit.start, hit.end, s.keyword_reach[pattern]);
            for used in &s.keyword_rules[pattern] {
                let rule = used.rule;
                let r = &s.compiled[rule as usize];
                let shape = keyword_context::PatternShape::new(r.pattern_hir().unwrap(), &r.spec.keywords);
                let context = shape.context(s.prefilter.keyword(pattern));
                if !context.allows(hay, hit.start, hit.end, r.window_before()) {
                    continue;
                }
                let (start, end) = lines.window(hay, hit.start, hit.end, r);
                match fresh.iter_mut().rev().find(|w| w.rule == rule) {
                    Some(w) if start <= w.end => {
                        w.start = w.start.min(start);
                        w.end = w.end.max(end);
                    }
                    _ => fresh.push(Window { rule, start, end }),
                }
            }
        }
        let key = |w: &Window| (w.rule, w.start, w.end);
        fresh.sort_by_key(key);
        let mut got = Vec::new();
        s.windows(hay, &mut |w| got.push(key(&w)));
        got.sort();
        assert_eq!(got, fresh.iter().map(key).collect::<Vec<_>>());
        assert!(got.len() >= 3, "several lines, several windows: {got:?}");
    }

    #[test]
    fn a_longer_keyword_ending_at_the_same_byte_widens_the_window_start() {
        // `key` and `api_key` end together; the rule looks back 3 bytes, so
        // only the longer keyword's window reaches the start of `x=`.
        let s = scanner(
            r#"
[[rules]]
id = "short-look-back"
name = "Short look-back"
keywords = ["key", "api_key"]
window_before = 3
pattern = '(?P<secret>x=q[a-z_]*)'
[rules.examples]
positive = ["x"]
negative = ["y"]
"#,
        );
        let found = s.scan(b"x=qapi_key");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].secret, 0..10);
    }

    #[test]
    fn same_secret_twice_is_two_candidates_at_two_offsets() {
        let s = scanner(TWO_RULES);
        let found = s.scan(b"dmo_Q8zT3vLp0sWx9KjR2mNb dmo_Q8zT3vLp0sWx9KjR2mNb");
        assert_eq!(found.len(), 2);
        assert_ne!(found[0].secret.start, found[1].secret.start);
    }
}
