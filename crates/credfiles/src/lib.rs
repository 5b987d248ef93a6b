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

mod model;
pub mod syntax;

mod databases;
mod deploy;
mod frameworks;
mod mail_chat;
mod network;
mod packages;

pub use model::{Credential, Decoded, FileName, Reader, MAX_FILE_BYTES};

/// Every reader, in the order they are tried (the first that recognises a
/// file reads it).
pub fn readers() -> impl Iterator<Item = &'static Reader> {
    network::READERS
        .iter()
        .chain(packages::readers::READERS)
        .chain(databases::READERS)
        .chain(deploy::readers::READERS)
        .chain(mail_chat::readers::READERS)
        .chain(frameworks::readers::READERS)
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
