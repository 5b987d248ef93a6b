//! PyPI API tokens read offline (`flow = "pypi-macaroon"`): a `pypi-`
//! token is a version-2 macaroon (base64url, as pymacaroons writes it)
//! whose first-party caveats are JSON documents saying which projects it
//! may upload to, for which user and until when. This module decodes the
//! binary format and those caveats; it sends nothing and checks no
//! signature, so the map says what the token claims, not whether PyPI
//! still accepts it.
//!
//! Caveat encodings (Warehouse's `warehouse/macaroons/caveats`): lists
//! tagged by their first element — `[0, expires_at, not_before]`,
//! `[1, [normalized project names]]`, `[2, [project ids]]`,
//! `[3, "user id"]`, `[4, "trusted publisher id", …]` — and the legacy
//! objects `{"version": 1, "permissions": "user" | {"projects": […]}}`,
//! `{"exp": …, "nbf": …}` and `{"project_ids": […]}`.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;
use thiserror::Error;

use keyhound_findings::Resources;

use crate::facts::Learnt;

/// Most caveats read from one token.
const MAX_CAVEATS: usize = 64;

/// Most project names kept in a resource sample.
const SAMPLE: usize = 5;

/// The first note of every PyPI map: where its facts come from.
pub const OFFLINE_NOTE: &str =
    "read from the token itself (its macaroon caveats), not asked of PyPI: whether PyPI still accepts it is unknown";

/// Why a token is not a macaroon keyhound can read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MacaroonError {
    /// The token lacks the `pypi-` prefix.
    #[error("not a PyPI token (no pypi- prefix)")]
    Prefix,
    /// The body is not base64url.
    #[error("the token body is not base64url")]
    Base64,
    /// The first byte is not the version-2 marker.
    #[error("not a version-2 macaroon")]
    Version,
    /// The bytes end inside a field.
    #[error("the macaroon is truncated")]
    Truncated,
    /// A field type out of place.
    #[error("unexpected field type {0} in the macaroon")]
    Field(u64),
    /// A varint longer than 64 bits.
    #[error("a field length overflows")]
    Varint,
    /// More caveats than keyhound reads.
    #[error("more than {MAX_CAVEATS} caveats")]
    TooManyCaveats,
    /// Bytes after the signature.
    #[error("bytes after the macaroon's signature")]
    Trailing,
}

/// One caveat of a macaroon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caveat {
    /// The caveat's location (third-party caveats only).
    pub location: Option<Vec<u8>>,
    /// The predicate (a JSON document for Warehouse's first-party caveats).
    pub identifier: Vec<u8>,
    /// Whether it carries a verification id (a third-party caveat).
    pub third_party: bool,
}

/// A decoded version-2 macaroon (without its signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Macaroon {
    /// Where it is meant to be used (`pypi.org`).
    pub location: Option<String>,
    /// The root identifier (Warehouse's id of the token).
    pub identifier: Vec<u8>,
    /// Its caveats, in order.
    pub caveats: Vec<Caveat>,
}

const EOS: u64 = 0;
const LOCATION: u64 = 1;
const IDENTIFIER: u64 = 2;
const VID: u64 = 4;
const SIGNATURE: u64 = 6;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, MacaroonError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.pos).ok_or(MacaroonError::Truncated)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(MacaroonError::Varint)
    }

    /// The next field's type, without consuming it.
    fn peek(&mut self) -> Result<u64, MacaroonError> {
        let at = self.pos;
        let kind = self.varint();
        self.pos = at;
        kind
    }

    /// A field of type `kind` (an EOS has no data).
    fn field(&mut self, kind: u64) -> Result<&'a [u8], MacaroonError> {
        let got = self.varint()?;
        if got != kind {
            return Err(MacaroonError::Field(got));
        }
        if kind == EOS {
            return Ok(&[]);
        }
        let len = usize::try_from(self.varint()?).map_err(|_| MacaroonError::Truncated)?;
        let end = self.pos.checked_add(len).ok_or(MacaroonError::Truncated)?;
        let data = self.bytes.get(self.pos..end).ok_or(MacaroonError::Truncated)?;
        self.pos = end;
        Ok(data)
    }

    fn optional(&mut self, kind: u64) -> Result<Option<&'a [u8]>, MacaroonError> {
        if self.peek()? == kind {
            self.field(kind).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Decodes a `pypi-` token's macaroon (base64url with or without padding).
pub fn decode(token: &str) -> Result<Macaroon, MacaroonError> {
    let body = token.strip_prefix("pypi-").ok_or(MacaroonError::Prefix)?;
    let body = body.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| MacaroonError::Base64)?;
    parse(&bytes)
}

/// Parses the version-2 binary format: version byte, the root's optional
/// location and identifier, EOS; each caveat's optional location,
/// identifier, optional verification id, EOS; an EOS; the signature.
pub fn parse(bytes: &[u8]) -> Result<Macaroon, MacaroonError> {
    if bytes.first() != Some(&2) {
        return Err(MacaroonError::Version);
    }
    let mut r = Reader { bytes, pos: 1 };
    let location = r.optional(LOCATION)?.map(|l| String::from_utf8_lossy(l).into_owned());
    let identifier = r.field(IDENTIFIER)?.to_vec();
    r.field(EOS)?;
    let mut caveats = Vec::new();
    while r.peek()? != EOS {
        if caveats.len() == MAX_CAVEATS {
            return Err(MacaroonError::TooManyCaveats);
        }
        let location = r.optional(LOCATION)?.map(<[u8]>::to_vec);
        let identifier = r.field(IDENTIFIER)?.to_vec();
        let third_party = r.optional(VID)?.is_some();
        r.field(EOS)?;
        caveats.push(Caveat {
            location,
            identifier,
            third_party,
        });
    }
    r.field(EOS)?;
    r.field(SIGNATURE)?;
    if r.pos != bytes.len() {
        return Err(MacaroonError::Trailing);
    }
    Ok(Macaroon {
        location,
        identifier,
        caveats,
    })
}

/// What a token's caveats say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// The user the token is bound to (Warehouse's user id).
    pub user_id: Option<String>,
    /// Normalized names of the only projects it may upload to.
    pub projects: Option<Vec<String>>,
    /// Ids of the only projects it may upload to.
    pub project_ids: Option<Vec<String>>,
    /// Expiry (Unix seconds).
    pub expires_at: Option<i64>,
    /// Not valid before (Unix seconds).
    pub not_before: Option<i64>,
    /// The trusted publisher a short-lived token was minted for.
    pub publisher: Option<String>,
    /// Caveats keyhound does not know, described.
    pub unknown: Vec<String>,
}

/// Reads the caveats of a decoded macaroon. Several caveats of one kind
/// all hold: project lists are intersected, the earliest expiry wins.
pub fn claims(macaroon: &Macaroon) -> Claims {
    let mut c = Claims::default();
    for (i, caveat) in macaroon.caveats.iter().enumerate() {
        if caveat.third_party {
            c.unknown.push(format!("caveat {i}: a third-party caveat"));
            continue;
        }
        let Ok(json) = serde_json::from_slice::<Value>(&caveat.identifier) else {
            c.unknown.push(format!("caveat {i}: not JSON"));
            continue;
        };
        if !read_caveat(&json, &mut c) {
            c.unknown.push(format!("caveat {i}: not a caveat PyPI defines"));
        }
    }
    c
}

/// Applies one caveat; false when its shape is unknown.
fn read_caveat(json: &Value, c: &mut Claims) -> bool {
    match json {
        Value::Array(items) => match (items.first().and_then(Value::as_i64), &items[1.min(items.len())..]) {
            (Some(0), [exp, nbf, ..]) => expiry(exp, nbf, c),
            (Some(1), [names, ..]) => strings(names).map(|n| narrow(&mut c.projects, n)).is_some(),
            (Some(2), [ids, ..]) => strings(ids).map(|n| narrow(&mut c.project_ids, n)).is_some(),
            (Some(3), [Value::String(user), ..]) => {
                c.user_id = Some(user.clone());
                true
            }
            (Some(4), [Value::String(publisher), ..]) => {
                c.publisher = Some(publisher.clone());
                true
            }
            _ => false,
        },
        Value::Object(map) if map.get("version").and_then(Value::as_i64) == Some(1) => {
            match map.get("permissions") {
                // Upload to every project of the token's user.
                Some(Value::String(p)) if p == "user" => true,
                Some(Value::Object(p)) => match p.get("projects").and_then(strings) {
                    Some(names) => {
                        narrow(&mut c.projects, names);
                        true
                    }
                    None => false,
                },
                _ => false,
            }
        }
        Value::Object(map) if map.contains_key("exp") && map.contains_key("nbf") => expiry(&map["exp"], &map["nbf"], c),
        Value::Object(map) => match map.get("project_ids").and_then(strings) {
            Some(ids) => {
                narrow(&mut c.project_ids, ids);
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn expiry(exp: &Value, nbf: &Value, c: &mut Claims) -> bool {
    let (Some(exp), Some(nbf)) = (exp.as_i64(), nbf.as_i64()) else {
        return false;
    };
    c.expires_at = Some(c.expires_at.map_or(exp, |e| e.min(exp)));
    c.not_before = Some(c.not_before.map_or(nbf, |n| n.max(nbf)));
    true
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Every list must allow a project: the allowed set is their intersection.
fn narrow(slot: &mut Option<Vec<String>>, list: Vec<String>) {
    *slot = Some(match slot.take() {
        None => list,
        Some(old) => old.into_iter().filter(|p| list.contains(p)).collect(),
    });
}

/// Fills `learnt` from the token `secret` at time `now` (Unix seconds):
/// facts (`location`, `user_id`, `publisher`, `expires`, `not_before`),
/// upload scopes (`upload:all-projects`, `upload:project:NAME`,
/// `upload:project-id:ID`; none once expired) and the projects listing.
/// Sends nothing.
pub fn map(secret: &str, now: i64, learnt: &mut Learnt) -> Result<(), MacaroonError> {
    let macaroon = decode(secret)?;
    let c = claims(&macaroon);
    learnt.notes.push(OFFLINE_NOTE.into());
    let mut facts = BTreeMap::new();
    if let Some(location) = &macaroon.location {
        facts.insert("location", location.clone());
    }
    if let Some(user) = &c.user_id {
        facts.insert("user_id", user.clone());
    }
    if let Some(publisher) = &c.publisher {
        facts.insert("publisher", publisher.clone());
    }
    if let Some(exp) = c.expires_at {
        facts.insert("expires", keyhound_findings::time::format_seconds(exp));
    }
    if let Some(nbf) = c.not_before {
        facts.insert("not_before", keyhound_findings::time::format_seconds(nbf));
    }
    for (k, v) in facts.into_iter().filter(|(_, v)| !v.is_empty()) {
        learnt.facts.insert(k.to_string(), v.chars().take(200).collect());
    }
    learnt.notes.extend(c.unknown.iter().cloned());
    let expired = c.expires_at.is_some_and(|e| now >= e);
    if expired {
        learnt.notes.push(format!(
            "expired at {} by its own caveat: PyPI refuses it",
            learnt.facts.get("expires").map_or("?", String::as_str)
        ));
    }
    let mut scopes = Vec::new();
    let mut listing: Option<Vec<String>> = None;
    if let Some(names) = &c.projects {
        scopes.extend(names.iter().map(|n| format!("upload:project:{n}")));
        listing = Some(names.clone());
    }
    if let Some(ids) = &c.project_ids {
        if c.projects.is_none() {
            scopes.extend(ids.iter().map(|id| format!("upload:project-id:{id}")));
            listing = Some(ids.clone());
        }
    }
    if c.projects.is_none() && c.project_ids.is_none() {
        if c.publisher.is_some() {
            // A trusted publisher's token reaches the publisher's projects.
            scopes.push("upload:publisher-projects".into());
        } else {
            scopes.push("upload:all-projects".into());
        }
    }
    if !expired {
        learnt.scopes.extend(scopes);
    }
    if let Some(items) = listing {
        learnt.resources.push(Resources {
            name: "projects".into(),
            count: items.len() as u64,
            flagged: BTreeMap::new(),
            sample: items.into_iter().take(SAMPLE).collect(),
            truncated: false,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A varint as the v2 format writes it.
    fn varint(mut n: usize, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    fn field(kind: u8, data: &[u8], out: &mut Vec<u8>) {
        out.push(kind);
        varint(data.len(), out);
        out.extend_from_slice(data);
    }

    /// A version-2 macaroon written by hand: location, identifier, EOS,
    /// each caveat's identifier and EOS, EOS, a 32-byte signature.
    fn macaroon(location: &str, caveats: &[&str]) -> Vec<u8> {
        let mut out = vec![2];
        field(1, location.as_bytes(), &mut out);
        field(2, b"0b1c2d3e-fake-token-id", &mut out);
        out.push(0);
        for c in caveats {
            field(2, c.as_bytes(), &mut out);
            out.push(0);
        }
        out.push(0);
        field(6, &[7u8; 32], &mut out);
        out
    }

    fn token(bytes: &[u8]) -> String {
        format!(
            "pypi-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        )
    }

    fn learn(t: &str, now: i64) -> Learnt {
        let mut learnt = Learnt::default();
        map(t, now, &mut learnt).unwrap();
        learnt
    }

    #[test]
    fn a_user_wide_legacy_token_uploads_to_every_project() {
        let t = token(&macaroon("pypi.org", &[r#"{"version": 1, "permissions": "user"}"#]));
        assert!(t.starts_with("pypi-AgEIcHlwaS5vcmc"), "{t}");
        let learnt = learn(&t, 0);
        assert_eq!(learnt.scopes, ["upload:all-projects"]);
        assert_eq!(learnt.facts["location"], "pypi.org");
        assert_eq!(learnt.notes[0], OFFLINE_NOTE);
        assert!(learnt.resources.is_empty());
        assert_eq!(learnt.requests, 0);
    }

    #[test]
    fn legacy_project_tokens_name_their_projects() {
        let t = token(&macaroon(
            "pypi.org",
            &[r#"{"version": 1, "permissions": {"projects": ["acme-fake", "acme-cli"]}}"#],
        ));
        let learnt = learn(&t, 0);
        assert_eq!(learnt.scopes, ["upload:project:acme-fake", "upload:project:acme-cli"]);
        assert_eq!(learnt.resources[0].name, "projects");
        assert_eq!(learnt.resources[0].count, 2);
        assert_eq!(learnt.resources[0].sample, ["acme-fake", "acme-cli"]);
    }

    #[test]
    fn current_caveats_give_user_projects_and_expiry() {
        let t = token(&macaroon(
            "test.pypi.org",
            &[
                r#"[0, 1900000000, 1700000000]"#,
                r#"[3, "5a5e1c9b-fake-user"]"#,
                r#"[1, ["alpha", "beta"]]"#,
                r#"[1, ["beta", "gamma"]]"#,
            ],
        ));
        let learnt = learn(&t, 1_800_000_000);
        assert_eq!(learnt.scopes, ["upload:project:beta"], "lists intersect");
        assert_eq!(learnt.facts["user_id"], "5a5e1c9b-fake-user");
        assert_eq!(learnt.facts["location"], "test.pypi.org");
        assert_eq!(learnt.facts["expires"], "2030-03-17T17:46:40+00:00");
        assert_eq!(learnt.notes.len(), 1, "{:?}", learnt.notes);
        // Once expired, nothing is left to upload with.
        let learnt = learn(&t, 1_900_000_000);
        assert!(learnt.scopes.is_empty());
        assert!(learnt.notes[1].contains("expired"), "{:?}", learnt.notes);
    }

    #[test]
    fn legacy_expiry_and_project_ids_and_unknown_caveats() {
        let t = token(&macaroon(
            "pypi.org",
            &[
                r#"{"exp": 1900000000, "nbf": 1}"#,
                r#"{"project_ids": ["42"]}"#,
                r#"[9, "x"]"#,
                "plain",
            ],
        ));
        let learnt = learn(&t, 0);
        assert_eq!(learnt.scopes, ["upload:project-id:42"]);
        assert!(learnt.facts.contains_key("expires"));
        assert_eq!(learnt.notes.len(), 3, "{:?}", learnt.notes);
    }

    #[test]
    fn a_user_id_alone_is_user_wide() {
        let t = token(&macaroon("pypi.org", &[r#"[3, "u-fake"]"#]));
        assert_eq!(learn(&t, 0).scopes, ["upload:all-projects"]);
    }

    #[test]
    fn padded_base64_decodes_too() {
        let bytes = macaroon("pypi.org", &[r#"[3, "u"]"#]);
        let padded = format!("pypi-{}", base64::engine::general_purpose::URL_SAFE.encode(&bytes));
        assert_eq!(decode(&padded).unwrap().caveats.len(), 1);
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        let good = macaroon("pypi.org", &[r#"[3, "u"]"#]);
        assert_eq!(decode("ghp_x"), Err(MacaroonError::Prefix));
        assert_eq!(decode("pypi-!!"), Err(MacaroonError::Base64));
        assert_eq!(parse(&[1, 2, 3]), Err(MacaroonError::Version));
        assert_eq!(parse(&[]), Err(MacaroonError::Version));
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(parse(&trailing), Err(MacaroonError::Trailing));
        // Every prefix of a good macaroon is refused without a panic.
        for end in 0..good.len() {
            assert!(parse(&good[..end]).is_err(), "prefix of {end} bytes parsed");
        }
        // A length that runs past the end.
        assert_eq!(
            parse(&[2, 2, 0xff, 0xff, 0xff, 0xff, 0x0f]),
            Err(MacaroonError::Truncated)
        );
        assert_eq!(
            parse(&[2, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(MacaroonError::Varint)
        );
        // Flipped bytes anywhere never panic.
        for i in 0..good.len() {
            for b in [0u8, 0x7f, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[i] = b;
                let _ = parse(&bad);
            }
        }
        let mut learnt = Learnt::default();
        assert!(map("pypi-AgEIcHlwaS5vcmcCHxLGM9Vbk", 0, &mut learnt).is_err());
        assert!(learnt.notes.is_empty() && learnt.scopes.is_empty());
    }
}
