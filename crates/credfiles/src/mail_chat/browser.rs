//! Chromium's saved passwords (Chrome, Edge, Brave, Opera, Vivaldi …): the
//! profile's `Login Data` SQLite database, one row of its `logins` table
//! per saved login. The password is encrypted, but with what depends on the
//! platform: on Linux without a keyring (`--password-store=basic`, a copied
//! profile, a container) `v10` values use the key Chromium compiles in (the
//! PBKDF2 of "peanuts", see `os_crypt_linux.cc`), so anyone who has the file
//! has the password, and it is reported decrypted; `v11` (the keyring's
//! key), Windows (DPAPI) and macOS (Keychain) values are reported as stored
//! credentials, named by their site and user, as Firefox's are.

use super::cred;
use crate::model::{Credential, FileName};
use crate::syntax::sqlite::{self, Field, Value};

const RULE: &str = "chromium-login-data-stored-credential";

pub(crate) fn recognise_chromium_logins(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_is(&["Login Data", "Login Data For Account"]) && bytes.starts_with(sqlite::MAGIC)
}

/// PBKDF2-HMAC-SHA1("peanuts", "saltysalt", 1 iteration, 16 bytes): the
/// key Chromium on Linux uses for `v10` values when no keyring is in use.
/// Fixed by Chromium's source, so computed once here rather than at run
/// time.
const LINUX_V10_KEY: [u8; 16] = [
    0xfd, 0x62, 0x1f, 0xe5, 0xa2, 0xb4, 0x02, 0x53, 0x9d, 0xfa, 0x14, 0x7c, 0xa9, 0x27, 0x27, 0x78,
];

/// A `v10` value encrypted with [`LINUX_V10_KEY`] (AES-128-CBC, an IV of 16
/// spaces, PKCS#7 padding), decrypted when it decrypts to text.
fn decrypt_linux_v10(value: &[u8]) -> Option<Vec<u8>> {
    use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
    let body = value.strip_prefix(b"v10")?;
    if body.is_empty() || !body.len().is_multiple_of(16) {
        return None;
    }
    let mut buf = body.to_vec();
    let dec = cbc::Decryptor::<aes::Aes128>::new(&LINUX_V10_KEY.into(), &[b' '; 16].into());
    let plain = dec.decrypt_padded::<Pkcs7>(&mut buf).ok()?;
    let text = std::str::from_utf8(plain).ok()?;
    (!text.is_empty() && !text.chars().any(char::is_control)).then(|| plain.to_vec())
}

/// One finding per saved login that holds a password.
pub(crate) fn chromium_logins(bytes: &[u8]) -> Vec<Credential> {
    let Some(table) = sqlite::table(bytes, "logins") else {
        return Vec::new();
    };
    let (Some(password), Some(origin)) = (table.column("password_value"), table.column("origin_url")) else {
        return Vec::new();
    };
    let user = table.column("username_value");
    let realm = table.column("signon_realm");
    let mut out = Vec::new();
    for row in &table.rows {
        let Some(Field {
            value: Value::Blob(secret),
            span: Some(span),
        }) = row.get(password)
        else {
            continue;
        };
        if secret.is_empty() {
            continue; // a "never save" entry, or a passkey with no password
        }
        let site = row
            .get(origin)
            .and_then(Field::text)
            .filter(|s| !s.is_empty())
            .or_else(|| realm.and_then(|r| row.get(r)).and_then(Field::text))
            .unwrap_or("an unknown site");
        let who = user
            .and_then(|u| row.get(u))
            .and_then(Field::text)
            .filter(|u| !u.is_empty())
            .map_or_else(String::new, |u| format!(" as {u}"));
        match decrypt_linux_v10(secret) {
            Some(plain) => out.push(Credential::decoded(
                RULE,
                span.clone(),
                vec!["chromium-linux-v10"],
                plain,
                format!(
                    "a saved password for {site}{who} in a Chromium Login Data file, encrypted with the key Chromium on Linux uses without a keyring (decrypted)"
                ),
            )),
            None => out.push(cred(
                RULE,
                span.clone(),
                format!("a saved password for {site}{who} in a Chromium Login Data file, encrypted with the profile's key"),
            )),
        }
    }
    out
}
