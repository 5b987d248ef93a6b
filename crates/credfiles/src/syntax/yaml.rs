//! YAML through `yaml-rust2`'s event parser (which keeps positions): every
//! scalar with its key path and span. Multi-document files (Kubernetes
//! manifests) are read whole. On malformed input the scalars read before
//! the fault are returned.

use std::ops::Range;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One scalar value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// Mapping keys and sequence indices (decimal) from the document root.
    pub path: Vec<String>,
    /// The value's span in the file (inside quotes; the first line of a
    /// block scalar).
    pub span: Range<usize>,
    /// The value.
    pub value: String,
    /// Index of the document in the stream.
    pub document: usize,
}

impl Scalar {
    /// The last key (the property name), or `""`.
    pub fn key(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { index: usize },
}

struct Collector<'a> {
    src: &'a str,
    stack: Vec<Frame>,
    path: Vec<String>,
    document: usize,
    out: Vec<Scalar>,
    /// Collections opened past [`MAX_DEPTH`], not tracked.
    overflow: usize,
    /// Whether the source is ASCII (character and byte offsets agree).
    ascii: bool,
    /// The last (character, byte) offset pair [`Collector::byte_offset`]
    /// reached.
    cursor: (usize, usize),
}

const MAX_DEPTH: usize = 128;

impl Collector<'_> {
    /// Called when a value (scalar or collection start) arrives: returns the
    /// path element it sits under, advancing the parent frame.
    fn enter_value(&mut self) -> Option<Option<String>> {
        match self.stack.last_mut() {
            None => Some(None),
            Some(Frame::Seq { index }) => {
                let i = *index;
                *index += 1;
                Some(Some(i.to_string()))
            }
            // No key pending: this scalar is the key.
            Some(Frame::Map { key }) => key.take().map(Some),
        }
    }

    /// The byte offset of the parser's mark, which counts characters.
    /// Marks mostly move forward, so the walk resumes from the last one.
    fn byte_offset(&mut self, chars: usize) -> usize {
        if self.ascii {
            return chars.min(self.src.len());
        }
        if chars < self.cursor.0 {
            self.cursor = (0, 0);
        }
        let (mut c, mut b) = self.cursor;
        for ch in self.src[b..].chars() {
            if c == chars {
                break;
            }
            c += 1;
            b += ch.len_utf8();
        }
        self.cursor = (c, b);
        b
    }

    fn span(&mut self, mark: Marker, value: &str, style: TScalarStyle) -> Range<usize> {
        let at = self.byte_offset(mark.index());
        let first_line = value.lines().next().unwrap_or("");
        if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded) {
            // The parser marks a block scalar at its indicator or at its
            // content; look from the mark on, then before it.
            let found = if first_line.is_empty() {
                None
            } else {
                self.src[at..]
                    .find(first_line)
                    .map(|p| at + p)
                    .or_else(|| self.src[..at].rfind(first_line))
            };
            return match found {
                Some(p) => p..p + first_line.len(),
                None => at..at,
            };
        }
        let skip = usize::from(matches!(style, TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted));
        let s = (at + skip).min(self.src.len());
        if value.is_empty() {
            return s..s;
        }
        let line_end = self.src[s..].find('\n').map_or(self.src.len(), |p| s + p);
        match self.src[s..line_end].find(first_line) {
            Some(p) if !first_line.is_empty() => s + p..s + p + first_line.len(),
            _ => s..line_end,
        }
    }
}

impl MarkedEventReceiver for Collector<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::DocumentStart => {
                self.stack.clear();
                self.path.clear();
            }
            Event::DocumentEnd => self.document += 1,
            Event::Scalar(value, style, _, _) => {
                let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None }));
                if is_key {
                    if let Some(Frame::Map { key }) = self.stack.last_mut() {
                        *key = Some(value);
                    }
                    return;
                }
                let under = self.enter_value().flatten();
                let mut path = self.path.clone();
                path.extend(under);
                let span = self.span(mark, &value, style);
                self.out.push(Scalar {
                    path,
                    span,
                    value,
                    document: self.document,
                });
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let under = if matches!(self.stack.last(), Some(Frame::Map { key: None })) {
                    // A complex key: give it a placeholder name.
                    if let Some(Frame::Map { key }) = self.stack.last_mut() {
                        *key = Some(String::new());
                    }
                    Some("?".to_string())
                } else {
                    self.enter_value().flatten()
                };
                if self.stack.len() >= MAX_DEPTH {
                    self.overflow += 1;
                    return;
                }
                // Each frame owns exactly one path element (empty at the root).
                let frame = if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map { key: None }
                } else {
                    Frame::Seq { index: 0 }
                };
                self.path.push(under.unwrap_or_default());
                self.stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if self.overflow > 0 {
                    self.overflow -= 1;
                    return;
                }
                if self.stack.pop().is_some() {
                    self.path.pop();
                }
            }
            Event::Alias(_) => {
                let _ = self.enter_value();
            }
            _ => {}
        }
    }
}

/// Every scalar value (not the keys) of the YAML stream in `bytes`.
pub fn scalars(bytes: &[u8]) -> Vec<Scalar> {
    let Ok(src) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let mut c = Collector {
        src,
        stack: Vec::new(),
        path: Vec::new(),
        document: 0,
        out: Vec::new(),
        overflow: 0,
        ascii: src.is_ascii(),
        cursor: (0, 0),
    };
    let mut parser = Parser::new_from_str(src);
    let _ = parser.load(&mut c, true);
    for s in &mut c.out {
        s.path.retain(|p| !p.is_empty());
    }
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_spans() {
        let text = "apiVersion: v1\nusers:\n- name: dev\n  user:\n    token: \"abc.def\"\n    password: hunter3 # note\n---\ndata:\n  ENCRYPTION_KEY: 'q8Vn3Lx2'\n";
        let s = scalars(text.as_bytes());
        let token = s.iter().find(|s| s.key() == "token").unwrap();
        assert_eq!(token.path, vec!["users", "0", "user", "token"]);
        assert_eq!(&text[token.span.clone()], "abc.def");
        let pw = s.iter().find(|s| s.key() == "password").unwrap();
        assert_eq!(&text[pw.span.clone()], "hunter3");
        let key = s.iter().find(|s| s.key() == "ENCRYPTION_KEY").unwrap();
        let block = "a: 1\nscript: |\n  first line\n  second line\nb: 2\n";
        let s2 = scalars(block.as_bytes());
        let script = s2.iter().find(|s| s.key() == "script").unwrap();
        assert_eq!(&block[script.span.clone()], "first line");
        assert_eq!(key.document, 1);
        assert_eq!(key.path, vec!["data", "ENCRYPTION_KEY"]);
        assert_eq!(&text[key.span.clone()], "q8Vn3Lx2");
    }

    #[test]
    fn malformed_and_deep_input() {
        let _ = scalars(b"a: [b, c\n  d: : :\n");
        let deep = "[".repeat(10_000);
        let _ = scalars(deep.as_bytes());
        let wide = "a: \u{1F600}\u{1F600}\u{1F600}\nb: \"\u{e9}\u{1F600}x\"\nc: \"\"\n";
        let s = scalars(wide.as_bytes());
        assert_eq!(&wide[s[1].span.clone()], "\u{e9}\u{1F600}x");
        assert!(s[2].span.is_empty() && s[2].value.is_empty());
        let utf8 = "k: \u{e9}t\u{e9}\npass: x\u{e9}y\n";
        let s = scalars(utf8.as_bytes());
        assert_eq!(&utf8[s[1].span.clone()], "x\u{e9}y");
    }
}
