//! The data every reader shares: what a reader found ([`Credential`],
//! [`Decoded`]), how it sees a file's name ([`FileName`]), and what a
//! reader is ([`Reader`]). Kept apart from the crate root so that the
//! family modules, which the root lists, depend on this module and not
//! back on the root.

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
