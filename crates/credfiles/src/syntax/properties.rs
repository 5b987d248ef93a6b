//! Java `.properties` files (Spring's `application.properties`, Gradle's
//! `gradle.properties`, keystore settings): `key=value`, `key: value` or
//! `key value`, `#`/`!` comments, backslash continuations.

use std::ops::Range;

use super::{lines, trim_span};

/// One property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The key, as written (escapes kept).
    pub key: String,
    /// The value's span on its first line, trimmed.
    pub value: Range<usize>,
    /// Whether the line was commented out (`# spring.datasource.password=…`):
    /// a commented-out credential is still a leaked credential.
    pub commented: bool,
}

/// Every property of `bytes`, commented-out ones included (marked).
pub fn properties(bytes: &[u8]) -> Vec<Property> {
    let mut out = Vec::new();
    let mut continued = false;
    for (span, line) in lines(bytes) {
        let was_continued = continued;
        continued = line.ends_with(b"\\") && !line.ends_with(b"\\\\");
        if was_continued {
            continue;
        }
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let mut rest = &line[lead..];
        let mut offset = span.start + lead;
        let mut commented = false;
        if let Some(&c) = rest.first() {
            if c == b'#' || c == b'!' {
                commented = true;
                let skip = rest
                    .iter()
                    .take_while(|b| matches!(b, b'#' | b'!' | b' ' | b'\t'))
                    .count();
                rest = &rest[skip..];
                offset += skip;
            }
        }
        if rest.is_empty() {
            continue;
        }
        let mut i = 0;
        while i < rest.len() && !matches!(rest[i], b'=' | b':' | b' ' | b'\t') {
            if rest[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        let i = i.min(rest.len());
        let key = String::from_utf8_lossy(&rest[..i]).to_string();
        if key.is_empty()
            || (commented
                && !key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'[' | b']')))
        {
            continue;
        }
        let mut j = i;
        while j < rest.len() && matches!(rest[j], b' ' | b'\t') {
            j += 1;
        }
        if j < rest.len() && matches!(rest[j], b'=' | b':') {
            j += 1;
        } else if commented {
            // `# some prose words` is a comment, not a property.
            continue;
        }
        let mut end = span.end;
        if continued {
            end -= 1;
        }
        out.push(Property {
            key,
            value: trim_span(bytes, offset + j..end.max(offset + j)),
            commented,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_commented_lines() {
        let text = "# Database\nspring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.password = Tr0ub4dor\n#spring.mail.password=oldpass1\n! note this is prose\nkey value\n";
        let p = properties(text.as_bytes());
        let got: Vec<(&str, &str, bool)> = p
            .iter()
            .map(|p| (p.key.as_str(), &text[p.value.clone()], p.commented))
            .collect();
        assert_eq!(
            got,
            vec![
                ("spring.datasource.url", "jdbc:postgresql://db/app", false),
                ("spring.datasource.password", "Tr0ub4dor", false),
                ("spring.mail.password", "oldpass1", true),
                ("key", "value", false),
            ]
        );
    }
}
