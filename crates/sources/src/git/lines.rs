//! Which lines of a new blob are added relative to an old one: what CI
//! range scans and the pre-commit hook report on (a key already in the base
//! is not this change's fault; a key added is).

use imara_diff::{Algorithm, Diff, InternedInput};

/// Lines of a blob that a change added, as a bitmap indexed by 0-based line.
#[derive(Debug, Clone)]
pub enum AddedLines {
    /// Every line is new (added file, binary file, no usable base).
    All,
    /// Only these lines (true = added).
    Some(Vec<bool>),
}

impl AddedLines {
    /// Whether any line in `first..=last` (1-based) was added.
    pub fn touches(&self, first: usize, last: usize) -> bool {
        match self {
            AddedLines::All => true,
            AddedLines::Some(bits) => (first.max(1)..=last).any(|line| bits.get(line - 1).copied().unwrap_or(false)),
        }
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        matches!(self, AddedLines::Some(bits) if !bits.contains(&true))
    }
}

/// Whether git would call this content binary (a NUL in the first 8000 bytes).
pub fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(8000)]).is_some()
}

/// Lines of `new` that are not carried over from `old`. Binary content
/// counts as wholly added (a changed binary is rescanned whole).
pub fn added_lines(old: Option<&[u8]>, new: &[u8]) -> AddedLines {
    let Some(old) = old else { return AddedLines::All };
    if is_binary(old) || is_binary(new) {
        return AddedLines::All;
    }
    let input = InternedInput::new(old, new);
    let diff = Diff::compute(Algorithm::Histogram, &input);
    let bits = (0..input.after.len() as u32).map(|i| diff.is_added(i)).collect();
    AddedLines::Some(bits)
}

/// Intersection over several bases (a merge adds only what none of its
/// parents had).
pub fn added_against_all(olds: &[Option<Vec<u8>>], new: &[u8]) -> AddedLines {
    let mut result: Option<AddedLines> = None;
    for old in olds {
        let added = added_lines(old.as_deref(), new);
        result = Some(match (result, added) {
            (None, a) => a,
            (Some(AddedLines::All), a) | (Some(a), AddedLines::All) => a,
            (Some(AddedLines::Some(x)), AddedLines::Some(y)) => {
                AddedLines::Some(x.iter().zip(&y).map(|(a, b)| *a && *b).collect())
            }
        });
    }
    result.unwrap_or(AddedLines::All)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_lines_are_added() {
        let added = added_lines(Some(b"a\nb\nc\n"), b"a\nb\nKEY\nc\n");
        assert!(!added.touches(1, 2));
        assert!(added.touches(3, 3));
        assert!(!added.touches(4, 4));
        assert!(matches!(added_lines(None, b"x"), AddedLines::All));
        assert!(added_lines(Some(b"same\n"), b"same\n").is_empty());
    }

    #[test]
    fn merges_add_only_what_no_parent_had() {
        let parents = vec![Some(b"a\nX\n".to_vec()), Some(b"a\nY\n".to_vec())];
        let added = added_against_all(&parents, b"a\nX\nY\nZ\n");
        assert!(!added.touches(2, 3));
        assert!(added.touches(4, 4));
    }
}
