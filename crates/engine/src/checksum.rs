//! Checksum and structure validators named by rules (`checksum = "…"`).
//!
//! A validator turns a format's redundancy into precision: a random string
//! that happens to look like a GitHub token almost never carries a valid
//! CRC32, and a base64 blob that starts with `eyJ` is only a JWT if its header
//! really is JSON naming an algorithm.

pub use keyhound_rules::Checksum;

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// Whether `secret` passes the validator `checksum` names.
pub fn validate(checksum: Checksum, secret: &[u8]) -> bool {
    match checksum {
        Checksum::GithubCrc32 => github_crc32(secret),
        Checksum::Jwt => jwt_structure(secret),
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Encodes `n` in base62, most significant digit first, left-padded with `0`
/// to six digits (a u32 needs at most six).
pub fn base62_crc(n: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    let mut n = n as u64;
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

fn github_crc32(token: &[u8]) -> bool {
    if token.len() != 40 || !token[4..].iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (body, check) = (&token[4..34], &token[34..]);
    base62_crc(crc32fast::hash(body)) == check
}

fn jwt_structure(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let decode = |part: &[u8]| {
        URL_SAFE_NO_PAD
            .decode(part)
            .or_else(|_| URL_SAFE.decode(part))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    };
    let header_ok = decode(header).is_some_and(|h| h.get("alg").is_some_and(|a| a.is_string()));
    header_ok && decode(payload).is_some_and(|p| p.is_object())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_github(prefix: &str, body: &str) -> String {
        let crc = base62_crc(crc32fast::hash(body.as_bytes()));
        format!("{prefix}{body}{}", std::str::from_utf8(&crc).unwrap())
    }

    #[test]
    fn github_checksum_accepts_valid_and_rejects_tampered() {
        let token = make_github("ghp_", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0");
        assert!(validate(Checksum::GithubCrc32, token.as_bytes()));
        let mut tampered = token.clone().into_bytes();
        tampered[10] = if tampered[10] == b'x' { b'y' } else { b'x' };
        assert!(!validate(Checksum::GithubCrc32, &tampered));
        assert!(!validate(Checksum::GithubCrc32, b"ghp_short"));
    }

    #[test]
    fn base62_pads_small_numbers() {
        assert_eq!(&base62_crc(0), b"000000");
        assert_eq!(&base62_crc(61), b"00000z");
        assert_eq!(&base62_crc(62), b"000010");
        assert_eq!(&base62_crc(u32::MAX), b"4gfFC3");
    }

    #[test]
    fn jwt_needs_json_header_with_alg() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"sub":"42"}"#);
        assert!(validate(Checksum::Jwt, format!("{h}.{p}.c2lnbmF0dXJl").as_bytes()));
        let no_alg = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT"}"#);
        assert!(!validate(Checksum::Jwt, format!("{no_alg}.{p}.c2ln").as_bytes()));
        assert!(!validate(Checksum::Jwt, b"eyJnotjson.eyJx.sig"));
    }
}
