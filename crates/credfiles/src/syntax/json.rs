//! JSON with byte spans. `serde_json` parses values but forgets where they
//! were; a finding needs the line and column of the password, so this is a
//! small tolerant walker that yields every scalar with its key path and
//! span. It never fails: on malformed input it returns what it read up to
//! the fault (a truncated `config.json` still yields its first entries).
//! Depth is limited so a hostile file cannot exhaust the stack.

use std::ops::Range;

/// One scalar value (string, number, boolean or null).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// Object keys and array indices (as decimal strings) from the root.
    pub path: Vec<String>,
    /// The raw span: inside the quotes for a string.
    pub span: Range<usize>,
    /// The value, unescaped for a string.
    pub value: String,
    /// Whether it was a string.
    pub is_string: bool,
}

impl Scalar {
    /// The last key of the path (the property name), or `""`.
    pub fn key(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }

    /// The key `n` levels up (`parent(1)` is the object holding this one).
    pub fn parent(&self, n: usize) -> Option<&str> {
        self.path.len().checked_sub(n + 1).map(|i| self.path[i].as_str())
    }
}

const MAX_DEPTH: usize = 128;

/// Every scalar of the JSON document in `bytes`, in document order.
pub fn scalars(bytes: &[u8]) -> Vec<Scalar> {
    let mut w = Walker {
        b: bytes,
        i: 0,
        path: Vec::new(),
        out: Vec::new(),
    };
    w.skip_ws();
    if w.b.get(w.i..w.i + 3) == Some(b"\xef\xbb\xbf") {
        w.i += 3;
    }
    let _ = w.value(0);
    w.out
}

struct Walker<'a> {
    b: &'a [u8],
    i: usize,
    path: Vec<String>,
    out: Vec<Scalar>,
}

impl Walker<'_> {
    fn skip_ws(&mut self) {
        loop {
            while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
            // JSON with comments (VS Code settings, appsettings.json).
            if self.b[self.i..].starts_with(b"//") {
                while self.i < self.b.len() && self.b[self.i] != b'\n' {
                    self.i += 1;
                }
            } else if self.b[self.i..].starts_with(b"/*") {
                self.i = self.b[self.i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(self.b.len(), |p| self.i + 2 + p + 2);
            } else {
                return;
            }
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                loop {
                    self.skip_ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => self.i += 1,
                        b'"' => {
                            let (_, key) = self.string()?;
                            self.skip_ws();
                            if *self.b.get(self.i)? != b':' {
                                return None;
                            }
                            self.i += 1;
                            self.path.push(key);
                            let r = self.value(depth + 1);
                            self.path.pop();
                            r?;
                        }
                        _ => return None,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut n = 0usize;
                loop {
                    self.skip_ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => self.i += 1,
                        _ => {
                            self.path.push(n.to_string());
                            let r = self.value(depth + 1);
                            self.path.pop();
                            r?;
                            n += 1;
                        }
                    }
                }
            }
            b'"' => {
                let (span, value) = self.string()?;
                self.out.push(Scalar {
                    path: self.path.clone(),
                    span,
                    value,
                    is_string: true,
                });
                Some(())
            }
            _ => {
                let start = self.i;
                while self.i < self.b.len()
                    && !matches!(self.b[self.i], b',' | b'}' | b']')
                    && !self.b[self.i].is_ascii_whitespace()
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                self.out.push(Scalar {
                    path: self.path.clone(),
                    span: start..self.i,
                    value: String::from_utf8_lossy(&self.b[start..self.i]).into_owned(),
                    is_string: false,
                });
                Some(())
            }
        }
    }

    /// A string at `self.i` (on its opening quote): span inside the quotes
    /// and the unescaped value.
    fn string(&mut self) -> Option<(Range<usize>, String)> {
        let start = self.i + 1;
        let mut i = start;
        let mut raw_escape = false;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' => {
                    raw_escape = true;
                    i += 2;
                }
                b'"' => break,
                _ => i += 1,
            }
        }
        if i >= self.b.len() {
            return None;
        }
        self.i = i + 1;
        let raw = &self.b[start..i];
        let value = if raw_escape {
            let quoted = &self.b[start - 1..=i];
            serde_json::from_slice::<String>(quoted).unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
        } else {
            String::from_utf8_lossy(raw).into_owned()
        };
        Some((start..i, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_spans_and_escapes() {
        let text = r#"{ // comment
  "auths": {"https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"}},
  "list": [1, "two\"x", true],
  "n": null
}"#;
        let s = scalars(text.as_bytes());
        assert_eq!(s[0].path, vec!["auths", "https://index.docker.io/v1/", "auth"]);
        assert_eq!(&text[s[0].span.clone()], "dXNlcjpwYXNz");
        assert_eq!(s[2].value, "two\"x");
        assert_eq!(s[2].path, vec!["list", "1"]);
        assert_eq!(s[4].key(), "n");
        assert_eq!(s[0].parent(1), Some("https://index.docker.io/v1/"));
    }

    #[test]
    fn truncated_and_deep_input_yield_what_was_read() {
        let s = scalars(br#"{"a": "x", "b": {"c": "#);
        assert_eq!(s.len(), 1);
        let deep = "[".repeat(100_000);
        assert!(scalars(deep.as_bytes()).is_empty());
    }
}
