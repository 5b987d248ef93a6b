//! Decoders: secrets hidden inside encodings — base64 (Kubernetes Secret
//! `data:`, `Authorization: Basic`, base64-wrapped JSON or PEM), URL
//! percent-encoding, JSON string escapes. Decoding only happens where a cue
//! occurred (the cues ride in the same keyword prefilter as the rules, so
//! finding them costs nothing extra), only on short runs, and to a bounded
//! depth, so clean files pay nothing.

use std::ops::Range;

use base64::engine::general_purpose::{GeneralPurpose, STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// An encoding keyhound can see through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Standard or URL-safe base64, padded or not.
    Base64,
    /// URL percent-encoding (`%2F`).
    Percent,
    /// JSON/JS string escapes (`\"`, `\u0041`, `\n`).
    JsonEscape,
    /// Consecutive lines that are each one JSON string, as a Jupyter
    /// notebook stores a cell (`"source": ["line 1\n", "line 2\n"]`): the
    /// strings are joined, so a PEM key split over a cell is whole again.
    JsonLines,
}

impl Codec {
    /// Name used in a finding's decoding chain.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Base64 => "base64",
            Codec::Percent => "percent",
            Codec::JsonEscape => "json-escape",
            Codec::JsonLines => "notebook-lines",
        }
    }
}

/// How far a cue's influence reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The cue's line.
    Line,
    /// The whole blob (a Kubernetes Secret manifest: values follow `data:`
    /// on their own lines).
    Blob,
}

/// Literals that announce an encoded value, with what to try and where.
pub const CUES: &[(&str, Codec, Scope)] = &[
    ("kind: secret", Codec::Base64, Scope::Blob),
    ("\"kind\":\"secret\"", Codec::Base64, Scope::Blob),
    ("basic ", Codec::Base64, Scope::Line),
    ("base64", Codec::Base64, Scope::Line),
    ("b64", Codec::Base64, Scope::Line),
    ("\"auth\"", Codec::Base64, Scope::Line),
    ("ewog", Codec::Base64, Scope::Line),
    ("ewoi", Codec::Base64, Scope::Line),
    ("eyj", Codec::Base64, Scope::Line),
    ("ls0tls1", Codec::Base64, Scope::Line),
    ("%3a", Codec::Percent, Scope::Line),
    ("%2f", Codec::Percent, Scope::Line),
    ("%40", Codec::Percent, Scope::Line),
    ("%3d", Codec::Percent, Scope::Line),
    ("%2b", Codec::Percent, Scope::Line),
    ("\\\"", Codec::JsonEscape, Scope::Line),
    ("\\u00", Codec::JsonEscape, Scope::Line),
    ("\\/", Codec::JsonEscape, Scope::Line),
    ("\"cell_type\"", Codec::JsonLines, Scope::Blob),
];

/// Deepest chain of nested encodings followed (base64 of JSON holding base64…).
pub const MAX_DEPTH: usize = 2;
/// Bytes of a blob a blob-scoped cue may open up.
pub const BLOB_SCOPE_LIMIT: usize = 256 << 10;
/// Encoded runs decoded per blob at most.
pub const MAX_RUNS: usize = 2000;
/// Bytes of cue regions searched for runs per blob at most (regions of
/// cues close together on one long line overlap, each up to 8 KiB).
pub const MAX_REGION_BYTES: usize = 256 << 20;
/// Shortest run worth decoding.
const MIN_RUN: usize = 16;
/// Longest run decoded (a base64 image is not a secret).
const MAX_RUN: usize = 16 << 10;

/// Encoded runs of `codec` inside `region` (offsets relative to it).
pub fn runs(region: &[u8], codec: Codec) -> Vec<Range<usize>> {
    match codec {
        Codec::Base64 => base64_runs(region),
        Codec::Percent => percent_runs(region),
        Codec::JsonEscape => escaped_runs(region),
        Codec::JsonLines => json_line_runs(region),
    }
}

/// The JSON string a line consists of (`  "text\n",`): the range of its
/// content between the quotes, relative to the line.
fn json_string_line(line: &[u8]) -> Option<Range<usize>> {
    let start = line.iter().position(|b| !b.is_ascii_whitespace())?;
    if line[start] != b'"' {
        return None;
    }
    let mut i = start + 1;
    while i < line.len() && line[i] != b'"' {
        i += if line[i] == b'\\' { 2 } else { 1 };
    }
    if i >= line.len() {
        return None;
    }
    let rest = &line[i + 1..];
    let tail = rest.iter().position(|b| !b.is_ascii_whitespace()).map(|p| &rest[p..]);
    matches!(tail, None | Some(b",") | Some(b",\r")).then_some(start + 1..i)
}

/// Runs of two or more consecutive lines that are each one JSON string;
/// a run spans from the first string's content to the last one's.
fn json_line_runs(region: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize, usize)> = None; // (start, end, lines)
    let mut pos = 0;
    for line in region.split(|&b| b == b'\n') {
        match json_string_line(line) {
            Some(content) => {
                let (s, e) = (pos + content.start, pos + content.end);
                current = Some(match current {
                    Some((start, _, n)) => (start, e, n + 1),
                    None => (s, e, 1),
                });
            }
            None => {
                if let Some((start, end, n)) = current.take() {
                    if n >= 2 && end - start <= MAX_RUN {
                        out.push(start..end);
                    }
                }
            }
        }
        pos += line.len() + 1;
    }
    if let Some((start, end, n)) = current {
        if n >= 2 && end - start <= MAX_RUN {
            out.push(start..end);
        }
    }
    out
}

/// For each joined string: where its text starts in the joined output and
/// where its content starts in the run.
pub type Segments = Vec<(usize, usize)>;

/// Joins a [`Codec::JsonLines`] run: the unescaped strings, and the
/// [`Segments`] that map a finding inside back to its own line.
pub fn join_json_lines(run: &[u8]) -> Option<(Vec<u8>, Segments)> {
    let mut joined = Vec::new();
    let mut segments = Vec::new();
    let mut pos = 0;
    // The run starts inside the first string and ends inside the last.
    let mut lines = run.split(|&b| b == b'\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        let content = if first && last {
            0..line.len()
        } else if first {
            0..json_string_line(&[b"\"", line].concat()).map(|r| r.end - 1)?
        } else if last {
            let open = line.iter().position(|&b| b == b'"')? + 1;
            open..line.len()
        } else {
            json_string_line(line)?
        };
        let quoted = [b"\"", &line[content.clone()], b"\""].concat();
        let text: String = serde_json::from_slice(&quoted).ok()?;
        segments.push((joined.len(), pos + content.start));
        joined.extend_from_slice(text.as_bytes());
        pos += line.len() + 1;
        first = false;
    }
    Some((joined, segments))
}

/// Maps an offset in [`join_json_lines`] output back into the run.
pub fn map_joined(segments: &[(usize, usize)], offset: usize) -> usize {
    let i = segments.partition_point(|(d, _)| *d <= offset).saturating_sub(1);
    segments.get(i).map_or(0, |(d, r)| r + (offset - d))
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

fn base64_runs(region: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < region.len() {
        if !is_b64(region[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < region.len() && is_b64(region[i]) {
            i += 1;
        }
        while i < region.len() && region[i] == b'=' && i - start < MAX_RUN {
            i += 1;
        }
        let len = i - start;
        if (MIN_RUN..=MAX_RUN).contains(&len) {
            out.push(start..i);
        }
    }
    out
}

fn percent_runs(region: &[u8]) -> Vec<Range<usize>> {
    split_runs(region, |b| {
        !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>')
    })
    .into_iter()
    .filter(|r| {
        let run = &region[r.clone()];
        run.windows(3)
            .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
    })
    .collect()
}

/// Runs between double quotes that contain a backslash escape.
fn escaped_runs(region: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < region.len() {
        if region[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        let mut escaped = false;
        while j < region.len() && region[j] != b'"' {
            if region[j] == b'\\' {
                escaped = true;
                j += 1;
            }
            j += 1;
        }
        let end = j.min(region.len());
        if escaped && end > start && end - start <= MAX_RUN {
            out.push(start..end);
        }
        i = j + 1;
    }
    out
}

fn split_runs(region: &[u8], keep: impl Fn(u8) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in region.iter().enumerate() {
        match (keep(b), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= 6 && i - s <= MAX_RUN {
                    out.push(s..i);
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        if region.len() - s >= 6 && region.len() - s <= MAX_RUN {
            out.push(s..region.len());
        }
    }
    out
}

/// Decodes a run; `None` when it does not decode to mostly printable text
/// (random binary is not where credentials live, and decoding it is noise).
pub fn decode(run: &[u8], codec: Codec) -> Option<Vec<u8>> {
    let decoded = match codec {
        Codec::Base64 => decode_base64(run)?,
        Codec::Percent => decode_percent(run),
        Codec::JsonEscape => decode_json_escapes(run),
        Codec::JsonLines => join_json_lines(run)?.0,
    };
    worth_scanning(&decoded, run).then_some(decoded)
}

/// Whether a decoding is worth a scan: long enough, different from the
/// run, and mostly printable text.
pub fn worth_scanning(decoded: &[u8], run: &[u8]) -> bool {
    decoded.len() >= 6 && decoded != run && mostly_printable(decoded)
}

fn decode_base64(run: &[u8]) -> Option<Vec<u8>> {
    let engines: [&GeneralPurpose; 4] = [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD];
    engines.iter().find_map(|e| e.decode(run).ok())
}

fn decode_percent(run: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        if run[i] == b'%' && i + 2 < run.len() {
            if let (Some(h), Some(l)) = (hex(run[i + 1]), hex(run[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(run[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn decode_json_escapes(run: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        if run[i] != b'\\' || i + 1 >= run.len() {
            out.push(run[i]);
            i += 1;
            continue;
        }
        let next = run[i + 1];
        let simple = match next {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
        } else if next == b'u' && i + 6 <= run.len() {
            let code = std::str::from_utf8(&run[i + 2..i + 6])
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok());
            match code.and_then(char::from_u32) {
                Some(c) => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                }
                None => {
                    out.push(run[i]);
                    i += 1;
                }
            }
        } else {
            out.push(run[i]);
            i += 1;
        }
    }
    out
}

/// At least 90% printable; non-ASCII bytes count only in valid UTF-8.
fn mostly_printable(bytes: &[u8]) -> bool {
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let printable = bytes
        .iter()
        .filter(|&&b| b.is_ascii_graphic() || matches!(b, b' ' | b'\n' | b'\r' | b'\t') || (utf8 && b >= 0x80))
        .count();
    printable * 10 >= bytes.len() * 9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_runs_decode_to_text_only() {
        let line = b"  password: cTh6dDN2THAwc1d4OWtKUg==  # ok"; // keyhound:allow test fixture
        let runs = runs(line, Codec::Base64);
        assert_eq!(runs.len(), 1);
        assert_eq!(
            decode(&line[runs[0].clone()], Codec::Base64).unwrap(),
            b"q8zt3vLp0sWx9kJR"
        );
        assert!(
            decode(b"////////////////////", Codec::Base64).is_none(),
            "binary is not decoded"
        );
    }

    #[test]
    fn percent_and_json_escapes() {
        let url = b"postgres://app:s3cr%40t%2Fpass@db/app"; // keyhound:allow test fixture
        let r = runs(url, Codec::Percent);
        assert_eq!(
            decode(&url[r[0].clone()], Codec::Percent).unwrap(),
            b"postgres://app:s3cr@t/pass@db/app" // keyhound:allow test fixture
        );
        let json = br#"{"cfg": "{\"token\": \"abc\u0041def\"}"}"#;
        let r = runs(json, Codec::JsonEscape);
        assert_eq!(
            decode(&json[r[0].clone()], Codec::JsonEscape).unwrap(),
            br#"{"token": "abcAdef"}"#
        );
    }

    #[test]
    fn notebook_lines_join_and_map_back_line_by_line() {
        let cell = b"   \"source\": [\n    \"key = \\\"-----BEGIN X-----\\n\",\n    \"QUJDREVGR0hJSktMTU5PUA==\\n\",\n    \"-----END X-----\\\"\"\n   ]\n";
        let found = runs(cell, Codec::JsonLines);
        assert_eq!(found.len(), 1, "{found:?}");
        let (joined, segments) = join_json_lines(&cell[found[0].clone()]).unwrap();
        assert_eq!(
            String::from_utf8(joined.clone()).unwrap(),
            "key = \"-----BEGIN X-----\nQUJDREVGR0hJSktMTU5PUA==\n-----END X-----\""
        );
        // The body's first byte maps onto the second line of the cell.
        let body = memchr::memmem::find(&joined, b"QUJD").unwrap();
        let raw = found[0].start + map_joined(&segments, body);
        assert_eq!(&cell[raw..raw + 4], b"QUJD");
        // One JSON line, or lines that are not strings, make no run.
        assert!(runs(b"  \"only one\",\n  42,\n", Codec::JsonLines).is_empty());
    }
}
