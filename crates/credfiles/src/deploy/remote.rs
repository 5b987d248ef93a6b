//! mRemoteNG (`confCons.xml`): `<Node>` elements (nested in containers)
//! with `Password`, `RDGatewayPassword` and `VNCProxyPassword` attributes.
//! Unless the user set a master password they are encrypted under the
//! published default password `mR3m`: since 1.76 with AES-256-GCM, the key
//! derived by PBKDF2-HMAC-SHA1 (salt and nonce of 16 bytes each stored
//! before the ciphertext, the salt also authenticated); before that with
//! AES-128-CBC under MD5(`mR3m`), the IV first. A value the default key
//! does not open is reported as an encrypted credential.

use aes::cipher::BlockCipherDecrypt;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine;

use super::contains;
use crate::model::{Credential, FileName};
use crate::syntax::xml;

const RULE: &str = "mremoteng-password";
const DEFAULT_PASSWORD: &[u8] = b"mR3m";
/// Decrypting costs a PBKDF2 run of the file's iteration count; once the
/// iterations spent reach this budget (a few hundred default-key
/// passwords) the rest are reported encrypted, so a hostile file stays
/// cheap.
const KDF_BUDGET: u64 = 1_000_000;

type Aes256Gcm16 = aes_gcm::AesGcm<aes::Aes256, aes_gcm::aead::consts::U16>;

pub(crate) fn recognise(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    (f.name_is(&["confCons.xml"]) || (f.name_ends_with(&[".xml"]) && f.name_starts_with("confCons")))
        || (f.name_ends_with(&[".xml"]) && contains(head, b"<mrng:Connections"))
}

/// How the file says its passwords are encrypted.
struct Scheme {
    gcm: bool,
    iterations: u32,
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let root = doc.root_element();
    if root
        .attribute("FullFileEncryption")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Vec::new();
    }
    let scheme = Scheme {
        gcm: root
            .attribute("BlockCipherMode")
            .is_none_or(|m| m.eq_ignore_ascii_case("GCM"))
            && root
                .attribute("ConfVersion")
                .is_none_or(|v| v.parse::<f32>().map_or(true, |v| v >= 2.6)),
        iterations: root
            .attribute("KdfIterations")
            .and_then(|v| v.parse().ok())
            .filter(|n| (1..=100_000).contains(n))
            .unwrap_or(1000),
    };
    let mut out = Vec::new();
    let mut spent: u64 = 0;
    for node in doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Node")
    {
        let name = node.attribute("Name").unwrap_or("?");
        let user = node.attribute("Username").unwrap_or("");
        let host = node.attribute("Hostname").unwrap_or("");
        let protocol = node.attribute("Protocol").unwrap_or("");
        for (attr, what) in [
            ("Password", "password"),
            ("RDGatewayPassword", "RD gateway password"),
            ("VNCProxyPassword", "VNC proxy password"),
        ] {
            let Some((span, value)) = xml::attribute(bytes, node, attr) else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(value.trim()) else {
                continue;
            };
            let at = format!("{protocol} connection {name} ({user}@{host})");
            spent += if scheme.gcm { u64::from(scheme.iterations) } else { 1 };
            let plain = if spent <= KDF_BUDGET {
                decrypt(&raw, &scheme)
            } else {
                None
            };
            match plain {
                // An empty password encrypts to a non-empty value.
                Some(p) if p.is_empty() => {}
                Some(p) => out.push(Credential::decoded(
                    RULE,
                    span,
                    vec!["base64", "mremoteng-default-key"],
                    p,
                    format!("{what} of mRemoteNG {at}, decrypted with the default key"),
                )),
                None => out.push(Credential::plain(
                    RULE,
                    span,
                    format!("encrypted {what} of mRemoteNG {at} (custom master password)"),
                )),
            }
        }
    }
    out
}

fn decrypt(raw: &[u8], scheme: &Scheme) -> Option<Vec<u8>> {
    let plain = if scheme.gcm {
        decrypt_gcm(raw, DEFAULT_PASSWORD, scheme.iterations)?
    } else {
        decrypt_cbc(raw, DEFAULT_PASSWORD)?
    };
    std::str::from_utf8(&plain).ok()?;
    Some(plain)
}

/// salt(16) ‖ nonce(16) ‖ ciphertext ‖ tag(16); key = PBKDF2-HMAC-SHA1
/// (password, salt, iterations, 32 bytes); the salt is associated data.
fn decrypt_gcm(raw: &[u8], password: &[u8], iterations: u32) -> Option<Vec<u8>> {
    if raw.len() < 48 {
        return None;
    }
    let (salt, rest) = raw.split_at(16);
    let (nonce, sealed) = rest.split_at(16);
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut key);
    let cipher = Aes256Gcm16::new_from_slice(&key).ok()?;
    let nonce = aes_gcm::Nonce::<aes_gcm::aead::consts::U16>::try_from(nonce).ok()?;
    cipher.decrypt(&nonce, Payload { msg: sealed, aad: salt }).ok()
}

/// Before 1.76: IV(16) ‖ AES-128-CBC(MD5(password)) with PKCS#7 padding.
fn decrypt_cbc(raw: &[u8], password: &[u8]) -> Option<Vec<u8>> {
    if raw.len() < 32 || !raw.len().is_multiple_of(16) {
        return None;
    }
    let key = md5::compute(password);
    let cipher = aes::Aes128::new_from_slice(&key.0).ok()?;
    let mut prev: [u8; 16] = raw[..16].try_into().ok()?;
    let mut plain = Vec::with_capacity(raw.len() - 16);
    for chunk in raw[16..].chunks_exact(16) {
        let mut block = aes::Block::try_from(chunk).ok()?;
        cipher.decrypt_block(&mut block);
        plain.extend(block.iter().zip(prev.iter()).map(|(a, b)| a ^ b));
        prev = chunk.try_into().ok()?;
    }
    let pad = *plain.last()? as usize;
    if pad == 0 || pad > 16 || !plain[plain.len() - pad..].iter().all(|&b| b as usize == pad) {
        return None;
    }
    plain.truncate(plain.len() - pad);
    Some(plain)
}

#[cfg(test)]
mod tests {
    use super::{decrypt_cbc, decrypt_gcm};
    use crate::test_support::found;

    // Both produced with Python's `cryptography` and `hashlib` (an
    // independent implementation) from the password "mR3m":
    // GCM: salt 00..0f, nonce 10..1f, 1000 iterations, plaintext "Rdp-Adm1n!2026".
    const GCM: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+ow94muSR5AKd2eQejbEbgmkM84dK3WpOGnzXnhHA=";
    // CBC: IV 20..2f, plaintext "0ld-cbc-pw".
    const CBC: &str = "ICEiIyQlJicoKSorLC0uLzwl7Y5Eaxj/PgVXzY4obYM=";

    #[test]
    fn default_key_vectors() {
        use base64::Engine;
        let b = |s: &str| base64::engine::general_purpose::STANDARD.decode(s).unwrap();
        assert_eq!(
            decrypt_gcm(&b(GCM), b"mR3m", 1000).as_deref(),
            Some(&b"Rdp-Adm1n!2026"[..])
        );
        assert_eq!(decrypt_gcm(&b(GCM), b"other", 1000), None);
        assert_eq!(decrypt_cbc(&b(CBC), b"mR3m").as_deref(), Some(&b"0ld-cbc-pw"[..]));
        assert_eq!(decrypt_gcm(&[0; 47], b"mR3m", 1000), None);
        assert_eq!(decrypt_cbc(&[0; 33], b"mR3m"), None);
    }

    #[test]
    fn confcons_nodes() {
        let text = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<mrng:Connections xmlns:mrng="http://mremoteng.org" Name="Connections" Export="false" EncryptionEngine="AES" BlockCipherMode="GCM" KdfIterations="1000" FullFileEncryption="false" Protected="ZmFrZQ==" ConfVersion="2.6">
    <Node Name="Servers" Type="Container" Expanded="true" Descr="" Username="" Domain="" Password="" Hostname="">
        <Node Name="DC01" Type="Connection" Descr="" Icon="mRemoteNG" Username="Administrator" Domain="ACME" Password="{GCM}" Hostname="10.0.0.5" Protocol="RDP" Port="3389" RDGatewayPassword="" VNCProxyPassword="" />
        <Node Name="web" Type="Connection" Username="deploy" Domain="" Password="{other}" Hostname="web.acme.test" Protocol="SSH2" Port="22" />
    </Node>
</mrng:Connections>
"#,
            other = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ"
        );
        let got = found("AppData/Roaming/mRemoteNG/confCons.xml", &text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "Rdp-Adm1n!2026");
        assert_eq!(
            got[0].2,
            "password of mRemoteNG RDP connection DC01 (Administrator@10.0.0.5), decrypted with the default key"
        );
        assert_eq!(
            got[1].2,
            "encrypted password of mRemoteNG SSH2 connection web (deploy@web.acme.test) (custom master password)"
        );
    }
}
