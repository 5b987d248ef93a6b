//! INI files and `key = value` option files (`.my.cnf`, `.pypirc`,
//! `pip.conf`, `.npmrc`, WinSCP, rclone, `.hgrc`, `.s3cfg`): sections,
//! keys and values with their byte spans. Comments start with `;` or `#`
//! at the start of a line; values may be quoted.

use std::ops::Range;

use super::{lines, unquote_span};

/// One `key = value` (or `key: value`) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The section it is in (`""` before the first `[section]`), as written.
    pub section: String,
    /// The key, trimmed, as written.
    pub key: String,
    /// The value's span in the file, trimmed and without surrounding quotes.
    pub value: Range<usize>,
    /// 0-based index of the entry's line.
    pub line: usize,
}

/// Every entry of `bytes`, in order. Lines that are neither a section, a
/// comment nor an entry are skipped.
pub fn entries(bytes: &[u8]) -> Vec<Entry> {
    entries_with(bytes, b"=:")
}

/// Like [`entries`], with the separators a format allows (`.npmrc` only
/// `=`).
pub fn entries_with(bytes: &[u8], separators: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (n, (span, line)) in lines(bytes).enumerate() {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b';' || rest[0] == b'#' {
            continue;
        }
        if rest[0] == b'[' {
            if let Some(end) = rest.iter().position(|&b| b == b']') {
                section = String::from_utf8_lossy(&rest[1..end]).trim().to_string();
            }
            continue;
        }
        let Some(sep) = rest.iter().position(|b| separators.contains(b)) else {
            continue;
        };
        let key = String::from_utf8_lossy(&rest[..sep]).trim().to_string();
        if key.is_empty() {
            continue;
        }
        let start = span.start + lead + sep + 1;
        out.push(Entry {
            section: section.clone(),
            key,
            value: unquote_span(bytes, start..span.end),
            line: n,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_keys_and_quoted_values() {
        let text = "; comment\n[client]\nuser = app\npassword = \"p w\"\n\n[mysqldump]\n  password:x1\n";
        let e = entries(text.as_bytes());
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].section, "client");
        assert_eq!(&text[e[1].value.clone()], "p w");
        assert_eq!(e[2].section, "mysqldump");
        assert_eq!(&text[e[2].value.clone()], "x1");
    }
}
