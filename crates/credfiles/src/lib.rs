//! Well-known credential and configuration files, read structurally.
//!
//! The engine finds secrets by their shape: a token format, or a password
//! whose entropy looks random. In a `.pgpass`, a Maven `settings.xml` or a
//! kubeconfig that is the wrong test: the file's syntax says which value is
//! a password, and `hunter3` is as much a credential there as a random
//! string. This crate recognises such files by name (and content where the
//! name is ambiguous), parses them with their own syntax, and returns each
//! credential they hold with the reason it was kept ("password field of a
//! .pgpass entry"). Only template markers (`${VAR}`, `<password>`, `***`,
//! empty values, documented placeholders) are skipped
//! ([`syntax::placeholder`]).
//!
//! The crate is pure: bytes and a path in, [`Credential`]s out. It knows
//! nothing of rules beyond the ids it reports under; the scan crate maps
//! them onto the loaded rules (a deselected rule silences its readers) and
//! joins them with the engine's candidates.

pub mod syntax;

mod databases;
mod deploy;
mod frameworks;
mod mail_chat;
mod network;
mod packages;

use std::ops::Range;

/// Files larger than this are not parsed structurally (the engine still
/// scans them): credential files are small, and a parse must stay bounded.
pub const MAX_FILE_BYTES: usize = 16 << 20;

/// One credential a reader found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The rule it is reported under (a rule of the built-in packs).
    pub rule_id: &'static str,
    /// Byte span in the file of the value as stored (the encoded or
    /// obscured form when [`Credential::decoded`] is set).
    pub span: Range<usize>,
    /// Set when the file stores the secret encoded or obscured (base64,
    /// rclone's `obscure`, DBeaver's static-key AES): the chain and the
    /// plain secret.
    pub decoded: Option<Decoded>,
    /// Why the value was kept, for the finding ("password field of a
    /// .pgpass entry").
    pub reason: String,
}

/// A secret a reader had to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Outermost encoding first, e.g. `["base64"]`.
    pub chain: Vec<&'static str>,
    /// The plain secret.
    pub secret: Vec<u8>,
}

impl Credential {
    /// A credential stored in plain text at `span`.
    pub fn plain(rule_id: &'static str, span: Range<usize>, reason: impl Into<String>) -> Credential {
        Credential {
            rule_id,
            span,
            decoded: None,
            reason: reason.into(),
        }
    }

    /// A credential stored encoded at `span`, whose plain form is `secret`.
    pub fn decoded(
        rule_id: &'static str,
        span: Range<usize>,
        chain: Vec<&'static str>,
        secret: Vec<u8>,
        reason: impl Into<String>,
    ) -> Credential {
        Credential {
            rule_id,
            span,
            decoded: Some(Decoded { chain, secret }),
            reason: reason.into(),
        }
    }
}

/// A file's path as a reader sees it: the path as given (`/`-separated; an
/// archive member's chain ends with the member's path) and its base name.
#[derive(Debug, Clone)]
pub struct FileName<'a> {
    /// The whole path, as the source named it.
    pub path: &'a str,
    /// The last component, as written.
    pub name: &'a str,
    lower_name: String,
    lower_path: String,
}

impl<'a> FileName<'a> {
    /// Splits `path` into its base name (after the last `/`, `\` or `!`).
    pub fn new(path: &'a str) -> FileName<'a> {
        let name = path.rsplit(['/', '\\', '!']).next().unwrap_or(path);
        FileName {
            path,
            name,
            lower_name: name.to_ascii_lowercase(),
            lower_path: path.replace(['\\', '!'], "/").to_ascii_lowercase(),
        }
    }

    /// Whether the base name is one of `names` (ASCII case-insensitive).
    /// Every recogniser runs on every scanned file, so these checks never
    /// allocate.
    pub fn name_is(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.name.eq_ignore_ascii_case(n))
    }

    /// Whether the base name ends with one of `suffixes` (e.g. `.tfstate`;
    /// ASCII case-insensitive).
    pub fn name_ends_with(&self, suffixes: &[&str]) -> bool {
        let name = self.lower_name.as_bytes();
        suffixes
            .iter()
            .any(|s| name.len() >= s.len() && name[name.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes()))
    }

    /// Whether the base name starts with `prefix` (ASCII case-insensitive).
    pub fn name_starts_with(&self, prefix: &str) -> bool {
        self.lower_name
            .as_bytes()
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
    }

    /// Whether a directory named `dir` (one or more components, e.g.
    /// `.kube` or `.config/rclone`) holds the file somewhere up its path.
    pub fn in_dir(&self, dir: &str) -> bool {
        let Some(slash) = self.lower_path.rfind('/') else {
            return false;
        };
        let parent = &self.lower_path[..slash];
        // Recognisers name directories in lower case; allocate only if not.
        let dir: std::borrow::Cow<'_, str> = if dir.bytes().any(|b| b.is_ascii_uppercase()) {
            dir.to_ascii_lowercase().into()
        } else {
            dir.into()
        };
        if dir.is_empty() {
            return false;
        }
        parent.match_indices(&*dir).any(|(at, _)| {
            let end = at + dir.len();
            (at == 0 || parent.as_bytes()[at - 1] == b'/') && (end == parent.len() || parent.as_bytes()[end] == b'/')
        })
    }

    /// The lower-cased base name.
    pub fn lower_name(&self) -> &str {
        &self.lower_name
    }
}

/// A structural reader for one family of files.
pub struct Reader {
    /// The family's short name (`pgpass`, `maven-settings`), used in tests,
    /// per-family measurements and `--verbose` output.
    pub family: &'static str,
    /// Every rule id [`Reader::read`] may report under; a test checks each
    /// is a rule of the built-in packs.
    pub rule_ids: &'static [&'static str],
    /// Whether a file is of this family, by name and, where the name is
    /// ambiguous, by its first bytes.
    pub recognise: fn(&FileName<'_>, &[u8]) -> bool,
    /// The file's credentials. Must not panic on any input.
    pub read: fn(&[u8]) -> Vec<Credential>,
}

/// Every reader, in the order they are tried (the first that recognises a
/// file reads it).
pub fn readers() -> impl Iterator<Item = &'static Reader> {
    network::READERS
        .iter()
        .chain(packages::READERS)
        .chain(databases::READERS)
        .chain(deploy::READERS)
        .chain(mail_chat::READERS)
        .chain(frameworks::READERS)
}

/// The reader for the file at `path`, if it is a known credential file.
pub fn recognise(path: &str, bytes: &[u8]) -> Option<&'static Reader> {
    if bytes.len() > MAX_FILE_BYTES || path.is_empty() {
        return None;
    }
    let name = FileName::new(path);
    readers().find(|r| (r.recognise)(&name, bytes))
}

/// The credentials of the file at `path`, if it is a known credential
/// file, with its reader's family.
pub fn read(path: &str, bytes: &[u8]) -> Option<(&'static str, Vec<Credential>)> {
    let reader = recognise(path, bytes)?;
    let mut found = (reader.read)(bytes);
    found.retain(|c| c.span.start <= c.span.end && c.span.end <= bytes.len());
    found.sort_by_key(|c| (c.span.start, c.span.end));
    found.dedup_by(|a, b| a.span == b.span && a.rule_id == b.rule_id && a.decoded == b.decoded);
    Some((reader.family, found))
}

/// Every rule id some reader reports under.
pub fn rule_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = readers().flat_map(|r| r.rule_ids.iter().copied()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The plain secrets `read` finds in `text` named `path`, in order.
    pub fn secrets(path: &str, text: &str) -> Vec<String> {
        let (_, found) = read(path, text.as_bytes()).unwrap_or_else(|| panic!("{path} not recognised"));
        found
            .iter()
            .map(|c| match &c.decoded {
                Some(d) => String::from_utf8_lossy(&d.secret).into_owned(),
                None => text[c.span.clone()].to_string(),
            })
            .collect()
    }

    /// Like [`secrets`] with each credential's rule id and reason.
    pub fn found(path: &str, text: &str) -> Vec<(String, &'static str, String)> {
        let (_, found) = read(path, text.as_bytes()).unwrap_or_else(|| panic!("{path} not recognised"));
        found
            .iter()
            .map(|c| {
                let s = match &c.decoded {
                    Some(d) => String::from_utf8_lossy(&d.secret).into_owned(),
                    None => text[c.span.clone()].to_string(),
                };
                (s, c.rule_id, c.reason.clone())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_split_on_every_separator() {
        let n = FileName::new("a.zip!home/dev/.pgpass");
        assert_eq!(n.name, ".pgpass");
        assert!(n.in_dir("home/dev"));
        assert!(n.in_dir("dev"));
        assert!(!n.in_dir("ev"));
        let n = FileName::new("C:\\Users\\me\\_netrc");
        assert_eq!(n.name, "_netrc");
        assert!(n.in_dir("users"));
        assert!(!FileName::new("settings.xml").in_dir(".m2"));
        assert!(FileName::new("home/.m2/settings.xml").in_dir(".m2"));
    }

    #[test]
    fn unknown_and_huge_files_are_not_read() {
        assert!(read("src/main.rs", b"password = x").is_none());
        assert!(recognise("", b"").is_none());
    }

    #[test]
    fn no_reader_panics_on_hostile_bytes() {
        let inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"\xff\xfe\x00garbage\n=\n[\n{\"".to_vec(),
            b"<?xml version=\"1.0\"?><a><b>".to_vec(),
            b"{\"a\": [1, {\"b\": \"\\u12\"}".to_vec(),
            b"key: [unclosed\n  - : :\n\t\x00".to_vec(),
            "\u{feff}pass=\u{1F600}\npassword \u{00e9}".as_bytes().to_vec(),
        ];
        for reader in readers() {
            for input in &inputs {
                let found = (reader.read)(input);
                for c in found {
                    assert!(c.span.end <= input.len(), "{}: span past the end", reader.family);
                }
            }
        }
    }

    #[test]
    fn families_are_unique_and_name_their_rules() {
        let mut seen = std::collections::BTreeSet::new();
        for r in readers() {
            assert!(seen.insert(r.family), "family {} twice", r.family);
            assert!(!r.rule_ids.is_empty(), "{} names no rule", r.family);
        }
    }
}
