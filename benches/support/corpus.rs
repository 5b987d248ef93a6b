//! A deterministic, realistic source-code corpus for the engine benchmark:
//! Rust, Python, JS, YAML and JSON lines with identifiers, strings and
//! comments; the words rules key on ("token", "password", "secret", …) occur
//! in ordinary use, plus sparse real-looking secrets. It was tuned to the
//! keyword density of real crate sources when the rule set was small (one
//! hit per 2.3 KB); with today's ~750 keywords it gives one hit per ~360
//! bytes, denser than real crate sources (one per ~840 bytes), so it is the
//! harder case for per-hit costs. [`registry_sources`] gives the real thing.

/// xorshift64* — reproducible without a dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
}

const WORDS: &[&str] = &[
    "request", "response", "buffer", "config", "handler", "client", "server", "session", "user", "account", "parser",
    "reader", "writer", "index", "value", "result", "error", "context", "state", "cache", "builder", "stream",
    "channel", "message", "payload", "offset", "length", "cursor", "slice", "bytes",
];

const LINES: &[&str] = &[
    "    let {a} = {b}.{c}(&{d})?;",
    "    if {a}.is_empty() {{ return Err(Error::{B}); }}",
    "    // {a} the {b} before the {c} is dropped",
    "fn {a}_{b}(&self, {c}: &{B}) -> Result<{B}, Error> {{",
    "    {a} = self.{b}.get({c!r})",
    "def {a}_{b}(self, {c}):",
    "        return {a}({b}, timeout={n})",
    "const {a} = await {b}.{c}({{ {d}: {n} }});",
    "  {a}: {b}-{c}",
    "  \"{a}\": \"{b} {c} {d}\",",
    "    assert_eq!({a}.len(), {n});",
    "use crate::{a}::{{{B}, {C}}};",
    "# See https://example.org/{a}/{b} for the {c} format",
];

/// Lines that contain rule keywords in ordinary, non-secret use.
const KEYWORD_LINES: &[&str] = &[
    "        self.token = token",
    "    password = request.form['password']",
    "    headers['Authorization'] = 'Bearer ' + self.token",
    "    let token = lexer.next_token()?;",
    "    /// Returns the {a} token for the {b}.",
    "  secret_name: {a}-{b}",
    "    fn verify_password(&self, {a}: &str) -> bool {{",
];

/// One keyword line in this many lines matches the measured real density.
const KEYWORD_LINE_EVERY: usize = 60;

fn fill(rng: &mut Rng, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '{' {
            if chars.peek() == Some(&'{') {
                chars.next();
                out.push('{');
                continue;
            }
            let mut name = String::new();
            for n in chars.by_ref() {
                if n == '}' {
                    break;
                }
                name.push(n);
            }
            match name.as_str() {
                "n" => out.push_str(&rng.below(10_000).to_string()),
                "B" | "C" => {
                    let w = rng.pick(WORDS);
                    out.push_str(&w[..1].to_uppercase());
                    out.push_str(&w[1..].replace('_', ""));
                }
                _ => out.push_str(rng.pick(WORDS)),
            }
        } else if c == '}' && chars.peek() == Some(&'}') {
            chars.next();
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

/// Base62 CRC32 for GitHub-style tokens.
fn base62(mut n: u32) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = A[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap()
}

fn secret_line(rng: &mut Rng) -> String {
    const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    match rng.below(3) {
        0 => {
            let body = rng.string(B62, 30);
            let crc = base62(crc32fast::hash(body.as_bytes()));
            format!("GITHUB_TOKEN=ghp_{body}{crc}")
        }
        1 => format!(
            "aws_access_key_id = AKIA{}",
            rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        _ => format!("stripe.api_key = \"sk_live_{}\"", rng.string(B62, 24)),
    }
}

/// Generates `size` bytes of corpus with a secret roughly every `secret_every` bytes.
pub fn generate(size: usize, secret_every: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(size + 256);
    let mut next_secret = secret_every;
    while out.len() < size {
        if out.len() >= next_secret {
            out.push_str(&secret_line(&mut rng));
            next_secret += secret_every;
        } else if rng.below(KEYWORD_LINE_EVERY) == 0 {
            let template = rng.pick(KEYWORD_LINES);
            out.push_str(&fill(&mut rng, template));
        } else {
            let template = rng.pick(LINES);
            out.push_str(&fill(&mut rng, template));
        }
        out.push('\n');
    }
    out.truncate(size);
    out.into_bytes()
}

/// Up to `limit` bytes of real Rust sources from the cargo registry
/// (`$CARGO_HOME/registry/src`, the crates this build downloaded), files in
/// sorted path order; `None` when there is no registry to read.
pub fn registry_sources(limit: usize) -> Option<Vec<u8>> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")))?;
    let mut files = Vec::new();
    let mut dirs = vec![home.join("registry").join("src")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => dirs.push(path),
                Ok(t) if t.is_file() && path.extension().is_some_and(|e| e == "rs") => files.push(path),
                _ => {}
            }
        }
    }
    files.sort();
    let mut out = Vec::with_capacity(limit);
    for file in files {
        if out.len() >= limit {
            break;
        }
        if let Ok(bytes) = std::fs::read(&file) {
            out.extend_from_slice(&bytes[..bytes.len().min(limit - out.len())]);
        }
    }
    (out.len() >= limit / 4).then_some(out)
}
