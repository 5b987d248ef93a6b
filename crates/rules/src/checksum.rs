//! The names of the checksum and structure validators a rule may ask for
//! (`checksum = "…"`). The validators themselves run in the engine; a pack
//! is checked against this list when it loads.

use std::str::FromStr;

/// The validators a rule may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// GitHub/npm style: 4-char prefix, 30 random base62 chars, then the
    /// CRC32 of those 30 chars in 6 base62 digits.
    GithubCrc32,
    /// A JWT: header and payload are base64url JSON objects, the header
    /// names an `alg`.
    Jwt,
}

/// A rule named a validator that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("unknown checksum validator `{0}` (known: github-crc32, jwt)")]
pub struct UnknownChecksum(String);

impl FromStr for Checksum {
    type Err = UnknownChecksum;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "github-crc32" | "npm-crc32" => Ok(Checksum::GithubCrc32),
            "jwt" => Ok(Checksum::Jwt),
            other => Err(UnknownChecksum(other.to_string())),
        }
    }
}
