//! Post-regex filters: the checks that turn "looks like a key" into "is a
//! key". Each returns a [`Rejection`] naming why, so `rules test` can explain
//! a failing example and tests can assert the reason, not just the outcome.

use memchr::memmem;

use crate::compiled::CompiledRule;

/// Why a regex match was not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// The format's checksum or structure did not validate.
    Checksum,
    /// Shannon entropy below the rule's minimum.
    LowEntropy,
    /// A key published in provider documentation.
    KnownExample,
    /// A placeholder or template expression, not a value.
    Placeholder,
    /// Repeated or sequential characters (`aaaaaa`, `123456`).
    Repetitive,
    /// One of the rule's `allow` regexes matched.
    RuleAllow,
    /// An inline `keyhound:allow` comment on the line.
    InlineAllow,
    /// A more specific rule reported an overlapping secret.
    Shadowed,
}

impl Rejection {
    /// Short lower-case reason for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Checksum => "checksum failed",
            Rejection::LowEntropy => "entropy below minimum",
            Rejection::KnownExample => "documented example key",
            Rejection::Placeholder => "placeholder or template",
            Rejection::Repetitive => "repeated or sequential characters",
            Rejection::RuleAllow => "rule allow pattern",
            Rejection::InlineAllow => "inline keyhound:allow",
            Rejection::Shadowed => "shadowed by a more specific rule",
        }
    }
}

/// Runs every secret-level filter of `rule` on `secret`.
pub fn check_secret(rule: &CompiledRule, secret: &[u8]) -> Result<(), Rejection> {
    if let Some(checksum) = rule.checksum {
        if !crate::checksum::validate(checksum, secret) {
            return Err(Rejection::Checksum);
        }
    }
    if let Some(min) = rule.spec.min_entropy {
        if shannon_entropy(secret) < min {
            return Err(Rejection::LowEntropy);
        }
    }
    if is_known_example(secret) {
        return Err(Rejection::KnownExample);
    }
    if is_placeholder(secret) {
        return Err(Rejection::Placeholder);
    }
    if is_repetitive(secret) {
        return Err(Rejection::Repetitive);
    }
    if rule.allow_regexes().iter().any(|re| re.is_match(secret)) {
        return Err(Rejection::RuleAllow);
    }
    Ok(())
}

/// Shannon entropy in bits per byte: 0 for `aaaa`, about 5.95 for uniformly
/// random base62, 8 at most.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// Keys that providers print in their own documentation; reporting them
/// is noise in every tutorial and SDK checkout.
const DOCUMENTED_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "rk_test_26PHem9AhJZvU623DfE1x4sd",
    "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // RFC 6749 (OAuth 2.0) sample access and refresh tokens, copied into
    // countless client libraries and their tests.
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    // GitHub's documentation sample tokens.
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "gho_16C7e42F292c6912E7710c838347Ae178B4a",
];

/// Whether `secret` is a key published in provider documentation, or says
/// it is an example (`AKIAIOSFODNN7EXAMPLE`).
pub fn is_known_example(secret: &[u8]) -> bool {
    DOCUMENTED_EXAMPLES.iter().any(|ex| secret == ex.as_bytes()) || contains_written(secret, "example")
}

/// Substrings that mark a template, a reference or an obviously fake value.
/// Words are matched as a person writes them ([`contains_written`]); `|`
/// marks where a word inside a marker starts (`ChangeMe`).
const PLACEHOLDER_MARKERS: &[&str] = &[
    "xxxxx",
    "****",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "os.environ",
    "process.env",
    "get|env",
    "your_",
    "your-",
    "your|key",
    "change|me",
    "change_me",
    "place|holder",
    "redacted",
    "dummy",
    "sample",
    "replace|me",
    "replace_me",
    "insert_",
];

/// Whole values that are words, not secrets.
const TRIVIAL_VALUES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "pass",
    "pwd",
    "admin",
    "root",
    "user",
    "username",
    "test",
    "testing",
    "default",
    "null",
    "nil",
    "none",
    "true",
    "false",
    "token",
    "apikey",
    "api_key",
    "foo",
    "bar",
    "baz",
    "foobar",
    "qwerty",
    "letmein",
    "123456",
    "12345678",
    "123456789",
    "password123",
    "secret123",
    "undefined",
    "empty",
    "hunter2",
    "todo",
    "fixme",
];

/// Whether `secret` is a placeholder, template expression or trivial word.
pub fn is_placeholder(secret: &[u8]) -> bool {
    // `$VAR`, `${VAR}`, `$(cmd)`, `%VAR%` are references; `%2B…` is a
    // percent-encoded value and stays a candidate.
    // `$P$…`, `$2y$…`, `$wp$2y$…`, `$argon2id$…`: a crypt-style hash names
    // its scheme between dollars; it is a value, not a `$VAR` reference.
    let crypt_scheme = secret.len() > 3
        && secret[0] == b'$'
        && secret[1..]
            .iter()
            .position(|&b| b == b'$')
            .is_some_and(|p| (1..=8).contains(&p) && secret[1..=p].iter().all(u8::is_ascii_alphanumeric));
    if let [first, second, ..] = secret {
        let ident = (second.is_ascii_alphabetic() || *second == b'_') && !crypt_scheme;
        if (*first == b'$' && (ident || matches!(second, b'{' | b'('))) || (*first == b'%' && ident) {
            return true;
        }
    }
    if TRIVIAL_VALUES.iter().any(|t| secret.eq_ignore_ascii_case(t.as_bytes())) {
        return true;
    }
    PLACEHOLDER_MARKERS.iter().any(|m| contains_written(secret, m)) || has_filler_word(secret)
}

/// Fillers written into an otherwise valid-looking token to make an
/// obvious fake: `AKIAFAKEFAKEFAKEFAKE`, `sk_live_FAKE…`,
/// `AKIAYOURACCESSKEYID0`, `ghp_DUMMYTOKEN…`. Matched in one case
/// (`FAKE`, `fake`, `Fake`) and only in values short enough to be a token,
/// so random key material (a PEM body, a long JWT), whose letters mix
/// case, is not rejected by chance.
fn has_filler_word(secret: &[u8]) -> bool {
    if secret.len() > 160 {
        return false;
    }
    const FILLERS: &[&[u8]] = &[b"FAKE", b"fake", b"Fake", b"NOTREAL", b"notreal", b"NotReal"];
    if FILLERS.iter().any(|f| memmem::find(secret, f).is_some()) {
        return true;
    }
    // `YOUR` (in one case) followed by what belongs there.
    const WHAT: &[&[u8]] = &[
        b"access", b"api", b"secret", b"token", b"key", b"pass", b"client", b"app", b"account", b"own", b"auth",
    ];
    for start in [b"YOUR", b"your", b"Your"] {
        for at in memmem::find_iter(secret, start) {
            let rest = &secret[at + 4..];
            let rest = rest
                .strip_prefix(b"_")
                .or_else(|| rest.strip_prefix(b"-"))
                .unwrap_or(rest);
            if WHAT
                .iter()
                .any(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w))
            {
                return true;
            }
        }
    }
    false
}

/// Whether `secret` repeats one short unit (period 2 to 4) over half its
/// length or more (and at least 12 bytes): `FAKEFAKEFAKE`, `abcabcabcabc`, `12341234123412`.
fn is_periodic(secret: &[u8]) -> bool {
    let len = secret.len();
    if len < 12 {
        return false;
    }
    let need = (len / 2).max(12);
    (2..=4).any(|p| {
        let mut run = p;
        for i in p..len {
            if secret[i] == secret[i - p] {
                run += 1;
                if run >= need {
                    return true;
                }
            } else {
                run = p;
            }
        }
        false
    })
}

/// Whether `secret` is dominated by one repeated or sequential run, or uses
/// three or fewer distinct bytes. Thresholds scale with length so that long
/// random material (a PEM body) is never rejected by chance.
pub fn is_repetitive(secret: &[u8]) -> bool {
    let len = secret.len();
    if len == 0 {
        return true;
    }
    if is_periodic(secret) {
        return true;
    }
    let threshold = (len / 4).max(6);
    let (mut same, mut up, mut down) = (1usize, 1usize, 1usize);
    for pair in secret.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        same = if a == b { same + 1 } else { 1 };
        up = if b.is_ascii_alphanumeric() && b == a.wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if b.is_ascii_alphanumeric() && b == a.wrapping_sub(1) {
            down + 1
        } else {
            1
        };
        if same >= threshold || up >= threshold || down >= threshold {
            return true;
        }
    }
    if len >= 8 {
        let mut seen = [false; 256];
        let mut distinct = 0;
        for &b in secret {
            if !seen[b as usize] {
                seen[b as usize] = true;
                distinct += 1;
            }
        }
        if distinct <= 3 {
            return true;
        }
    }
    false
}

/// The inline allow comments of the tools teams migrate from, honoured as
/// they are so their annotated fixtures stay quiet: gitleaks and
/// Betterleaks, TruffleHog, detect-secrets. Each allows every rule on its
/// line.
const PEER_MARKERS: &[&[u8]] = &[b"gitleaks:allow", b"trufflehog:ignore", b"pragma: allowlist secret"];

/// detect-secrets' marker for the line below it.
const NEXT_LINE_MARKER: &[u8] = b"pragma: allowlist nextline secret";

/// Whether the line holding `offset` carries an inline allow comment for
/// this rule: `keyhound:allow` alone allows every rule; followed by a list of
/// rule ids (`keyhound:allow aws-access-key-id,github-pat-classic`) only those.
/// The peers' markers ([`PEER_MARKERS`], and detect-secrets' `pragma:
/// allowlist nextline secret` on the line above) allow every rule.
pub fn inline_allowed(hay: &[u8], offset: usize, rule_id: &str) -> bool {
    let (start, end) = line_bounds(hay, offset);
    let line = &hay[start..end];
    if PEER_MARKERS.iter().any(|m| memmem::find(line, m).is_some()) {
        return true;
    }
    if start > 0 {
        let (above, _) = line_bounds(hay, start - 1);
        if memmem::find(&hay[above..start - 1], NEXT_LINE_MARKER).is_some() {
            return true;
        }
    }
    const MARKER: &[u8] = b"keyhound:allow";
    let finder = memmem::Finder::new(MARKER);
    for pos in finder.find_iter(line) {
        let rest = &line[pos + MARKER.len()..];
        let rest = rest.strip_prefix(b":").unwrap_or(rest);
        let trimmed = trim_start(rest);
        let list_end = trimmed
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b',')))
            .unwrap_or(trimmed.len());
        let list = &trimmed[..list_end];
        let names_rules = rest.first().is_some_and(|b| b.is_ascii_whitespace()) && !list.is_empty();
        if !names_rules || list.split(|&b| b == b',').any(|id| id == rule_id.as_bytes()) {
            return true;
        }
        // A list that names other known-looking ids does not allow this rule,
        // but free text after the marker ("keyhound:allow test fixture") does.
        if !list.contains(&b'-') {
            return true;
        }
    }
    false
}

/// [`inline_allowed`] for many candidates of one blob: the line of the
/// last lookup is remembered with whether it (or the line above) carries
/// any marker at all, so candidates on a markerless line — every one of
/// thousands on a single huge line (minified code, a keyword storm) — cost
/// nothing after the first instead of a pass over the line each.
#[derive(Debug, Default)]
pub struct AllowCache {
    line: Option<(usize, usize, bool)>,
}

impl AllowCache {
    /// Whether the line holding `offset` allows `rule_id`.
    pub fn allowed(&mut self, hay: &[u8], offset: usize, rule_id: &str) -> bool {
        let marked = match self.line {
            Some((start, end, marked)) if start <= offset && offset <= end => marked,
            _ => {
                let (start, end) = line_bounds(hay, offset);
                let line = &hay[start..end];
                let mut marked = memmem::find(line, b"keyhound:allow").is_some()
                    || PEER_MARKERS.iter().any(|m| memmem::find(line, m).is_some());
                if !marked && start > 0 {
                    let (above, _) = line_bounds(hay, start - 1);
                    marked = memmem::find(&hay[above..start - 1], NEXT_LINE_MARKER).is_some();
                }
                self.line = Some((start, end, marked));
                marked
            }
        };
        marked && inline_allowed(hay, offset, rule_id)
    }
}

/// Start and end (exclusive, before `\n`) of the line containing `offset`.
pub fn line_bounds(hay: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(hay.len());
    let start = memchr::memrchr(b'\n', &hay[..offset]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &hay[offset..]).map_or(hay.len(), |p| offset + p);
    (start, end)
}

/// [`line_bounds`] clamped to `back` bytes before `offset` and `ahead` bytes
/// after it, looking no further: on a huge line (minified code, a 1 GB log
/// line) each lookup then costs the window it serves, not the whole line,
/// so many cues on one line stay linear.
pub fn line_bounds_near(hay: &[u8], offset: usize, back: usize, ahead: usize) -> (usize, usize) {
    let offset = offset.min(hay.len());
    let lo = offset.saturating_sub(back);
    let hi = offset.saturating_add(ahead).min(hay.len());
    let start = memchr::memrchr(b'\n', &hay[lo..offset]).map_or(lo, |p| lo + p + 1);
    let end = memchr::memchr(b'\n', &hay[offset..hi]).map_or(hi, |p| offset + p);
    (start, end)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

/// Whether `hay` holds `marker` (lower case, `|` where a word inside it
/// starts) as a person writes it: in lower case, in upper case, or with
/// capitals only where one of its words starts (`Sample`, `ChangeMe`,
/// `getEnv`). Random key material mixes case anywhere, and a case-blind
/// match threw real keys away: a GitHub token holding `SAmpLe` was taken
/// for a placeholder (found by the CI fuzz smoke, `crates/fuzzing`).
fn contains_written(hay: &[u8], marker: &str) -> bool {
    let marker = marker.as_bytes();
    let len = marker.iter().filter(|&&b| b != b'|').count();
    hay.len() >= len && hay.windows(len).any(|w| written_as(w, marker))
}

/// Whether `window` is `marker` (see [`contains_written`]) in a case a
/// person writes it in. No allocation: this runs for every marker on every
/// candidate the regexes find.
fn written_as(window: &[u8], marker: &[u8]) -> bool {
    let (mut at, mut word_start) = (0, true);
    let (mut lower, mut capital_inside_word) = (false, false);
    for &m in marker {
        if m == b'|' {
            word_start = true;
            continue;
        }
        let b = window[at];
        if !b.eq_ignore_ascii_case(&m) {
            return false;
        }
        lower |= b.is_ascii_lowercase();
        capital_inside_word |= b.is_ascii_uppercase() && !word_start;
        word_start = !m.is_ascii_alphabetic();
        at += 1;
    }
    !lower || !capital_inside_word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obvious_fakes_are_placeholders() {
        for fake in [
            "AKIAFAKEFAKEFAKEFAKE",
            "sk_live_FAKEFAKEFAKEFAKEFAKE",
            "AKIAYOURACCESSKEYID0",
            "ghp_yourTokenHere1234567890abcdef123456",
            "xoxb-Your-App-Token-123",
            "sk_live_NotRealKey8d7f6e5d4c",
        ] {
            assert!(is_placeholder(fake.as_bytes()), "{fake}");
        }
        for real in [
            "AKIA2E0A8F3B244C9986",                 // keyhound:allow (a made-up key shape)
            "sk_live_51HqLyjWDarjtT1zdp7dc9FaKe0x", // keyhound:allow (a made-up key shape)
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8Rk1",
            "ghp_fAkE8x2ZP0qR7sLmN4vW9yB3cD6eF1gH5jK2",
        ] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
        }
    }

    #[test]
    fn marker_words_count_only_as_people_write_them() {
        // Written by a person: lower, upper, capitalised, camel case at the
        // marker's own word starts.
        for fake in [
            "my-sample-token-1",
            "SAMPLE_TOKEN_1234",
            "SampleToken9",
            "ChangeMe123",
            "changeMe123",
            "CHANGEME_1",
            "Redacted42",
            "getEnv(TOKEN)",
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(
                is_placeholder(fake.as_bytes()) || is_known_example(fake.as_bytes()),
                "{fake}"
            );
        }
        // Random key material that holds a marker in mixed case: the token
        // the CI fuzz smoke planted and keyhound dropped, and its kin.
        for real in [
            "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", // keyhound:allow (generated fake)
            "Zq8sAMPlE2kLw9dUmMyXv",
            "p4xXxXxQ2mDuMmY7",
            "r9ExAmPLe3kQ",
            "k2cHaNgEmE0vB7",
        ] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
            assert!(!is_known_example(real.as_bytes()), "{real}");
        }
    }

    #[test]
    fn crypt_hashes_are_not_variable_references() {
        for hash in [
            "$P$BxW8v2nQ3c9LmZt5R1kYpJ0aHsD7fE.",
            "$wp$2y$10$abcdefghijklmnopqrstuv",
            "$2y$10$Qm7vT2xR9kLpWm3Xp8Zr4e",
        ] {
            assert!(!is_placeholder(hash.as_bytes()), "{hash}");
        }
        for var in ["$DB_PASSWORD", "${TOKEN}", "$(cat pw)", "$HOME/x"] {
            assert!(is_placeholder(var.as_bytes()), "{var}");
        }
    }

    #[test]
    fn periodic_bodies_are_repetitive() {
        for fake in [
            "FAKEFAKEFAKEFAKE",
            "abcabcabcabcabc",
            "sk_live_1234123412341234",
            "xyxyxyxyxyxyxy",
        ] {
            assert!(is_repetitive(fake.as_bytes()), "{fake}");
        }
        for real in [
            "q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6H",
            "AKIA2E0A8F3B244C9986", // keyhound:allow (a made-up key shape)
            "dXNlcjpwYXNzd29yZA==",
        ] {
            assert!(!is_repetitive(real.as_bytes()), "{real}");
        }
    }

    #[test]
    fn near_line_bounds_are_line_bounds_clamped_to_the_window() {
        // Regression (tests/hostile.rs, deeply nested JSON): a cue's line
        // was looked up whole for every cue, quadratic on one long line.
        let hay = b"short\n\nthe middle line is longer than the window\nend";
        for offset in 0..=hay.len() {
            for (back, ahead) in [(0, 0), (3, 5), (10, 10), (1000, 1000)] {
                let (s, e) = line_bounds(hay, offset);
                let want = (s.max(offset.saturating_sub(back)), e.min(offset + ahead).min(hay.len()));
                assert_eq!(
                    line_bounds_near(hay, offset, back, ahead),
                    want,
                    "{offset} {back} {ahead}"
                );
            }
        }
    }

    #[test]
    fn entropy_orders_random_above_words() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!(shannon_entropy(b"q8Zt3vLp0sWx9KjR") > 3.5);
        assert!(shannon_entropy(b"passwordpassword") < 3.0);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "${DB_PASSWORD}",
            "{{ .Values.token }}",
            "<your-key>",
            "XXXXXXXXXXXX",
            "changeme",
            "$SECRET",
            "os.environ['X']",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        assert!(!is_placeholder(b"q8Zt3vLp0sWx9KjR"));
        assert!(is_placeholder(b"%APPDATA%"));
        assert!(
            !is_placeholder(b"%2Bq8Zt3vLp0sWx9KjR"),
            "percent-encoded values are values"
        );
    }

    #[test]
    fn documented_examples_are_known() {
        assert!(is_known_example(b"2YotnFZFEjr1zCsicMWpAA"));
        assert!(is_known_example(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(is_known_example(b"my-Example-key-1234"), "anything saying example");
        assert!(!is_known_example(b"q8Zt3vLp0sWx9KjR"));
    }

    #[test]
    fn repetition_scales_with_length() {
        assert!(is_repetitive(b"AKIAAAAAAAAAAAAAAAAA"));
        assert!(is_repetitive(b"AKIA1234567890ABCDEF"));
        assert!(is_repetitive(b"abababababab"));
        assert!(!is_repetitive(b"QXJB2E0A8F3B244C9986"));
        let pem_like = format!("MIIEvQIBADANBg{}kqhkiG9w0BAQEFAASC", "A".repeat(9));
        assert!(!is_repetitive(
            format!("{pem_like}{}", "q8Zt3vLp0sWx9KjR".repeat(8)).as_bytes()
        ));
    }

    #[test]
    fn inline_allow_respects_rule_lists() {
        let hay = b"key = 'abc' # keyhound:allow\nother = 1";
        assert!(inline_allowed(hay, 8, "any-rule"));
        assert!(!inline_allowed(hay, 32, "any-rule"));
        let scoped = b"key = 'abc' // keyhound:allow aws-access-key-id";
        assert!(inline_allowed(scoped, 8, "aws-access-key-id"));
        assert!(!inline_allowed(scoped, 8, "github-pat-classic"));
        let free_text = b"key = 'abc' // keyhound:allow test fixture";
        assert!(inline_allowed(free_text, 8, "github-pat-classic"));
    }

    #[test]
    fn the_peers_inline_markers_are_honoured() {
        for line in [
            "token = 'abc' # gitleaks:allow",
            "token = 'abc' // trufflehog:ignore",
            "token = 'abc'  # pragma: allowlist secret",
        ] {
            assert!(inline_allowed(line.as_bytes(), 9, "any-rule"), "{line}");
        }
        let next = b"# pragma: allowlist nextline secret
token = 'abc'
other = 'def'";
        assert!(inline_allowed(next, 45, "any-rule"), "the line below the marker");
        assert!(!inline_allowed(next, 58, "any-rule"), "two lines below");
        assert!(!inline_allowed(b"token = 'abc' # gitleaks is great", 9, "any-rule"));
        // The per-line cache agrees with a fresh lookup, line after line.
        let lines = b"a = 1 # keyhound:allow aws-access-key-id\nb = 2\n# pragma: allowlist nextline secret\nc = 3 # gitleaks:allow\nd = 4";
        let mut cache = AllowCache::default();
        for offset in 0..lines.len() {
            for rule in ["aws-access-key-id", "github-pat-classic"] {
                assert_eq!(
                    cache.allowed(lines, offset, rule),
                    inline_allowed(lines, offset, rule),
                    "{offset} {rule}"
                );
            }
        }
    }
}
