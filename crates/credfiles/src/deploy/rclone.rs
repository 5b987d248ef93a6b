//! rclone (`rclone.conf`): one INI section per remote. Password options
//! are stored "obscured": base64url (no padding) of a 16-byte IV and the
//! password under AES-256-CTR with a key published in rclone's source
//! (`rclone reveal` undoes it). OAuth tokens (a JSON object in `token`),
//! client secrets, S3 and storage account keys are stored in plain text.

use base64::Engine;
use ctr::cipher::{KeyIvInit, StreamCipher};

use super::index_by;
use crate::model::{Credential, FileName};
use crate::syntax::{ini, is_secret_key, json, placeholder};

const PASSWORD: &str = "rclone-config-password";
const SECRET: &str = "rclone-config-secret";

/// rclone's static key for `obscure` (fs/config/obscure/obscure.go).
const OBSCURE_KEY: [u8; 32] = [
    0x9c, 0x93, 0x5b, 0x48, 0x73, 0x0a, 0x55, 0x4d, 0x6b, 0xfd, 0x7c, 0x63, 0xc8, 0x86, 0xa9, 0x2b, 0xd3, 0x90, 0x19,
    0x8e, 0xb8, 0x12, 0x8a, 0xfb, 0xf4, 0xde, 0x16, 0x2b, 0x8b, 0x95, 0xf6, 0x38,
];

pub(crate) fn recognise(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["rclone.conf", ".rclone.conf"])
}

/// Options rclone stores obscured.
fn obscured(key: &str) -> bool {
    matches!(
        key,
        "pass" | "password" | "password2" | "key_file_pass" | "library_key" | "mailbox_password"
    )
}

/// `rclone reveal`: the plain password, or `None` when `stored` is not an
/// obscured value.
pub(crate) fn reveal(stored: &[u8]) -> Option<Vec<u8>> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(stored).ok()?;
    if raw.len() < 16 {
        return None;
    }
    let (iv, data) = raw.split_at(16);
    let mut plain = data.to_vec();
    let mut cipher = ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&OBSCURE_KEY, iv).ok()?;
    cipher.apply_keystream(&mut plain);
    std::str::from_utf8(&plain).ok()?;
    Some(plain)
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let entries = ini::entries_with(bytes, b"=");
    let types = index_by(entries.iter().filter(|e| e.key == "type").map(|e| {
        (
            e.section.clone(),
            String::from_utf8_lossy(&bytes[e.value.clone()]).into_owned(),
        )
    }));
    let mut out = Vec::new();
    for e in &entries {
        let key = e.key.to_ascii_lowercase();
        let stored = &bytes[e.value.clone()];
        if !placeholder::is_credential(stored) {
            continue;
        }
        let remote = match types.get(&e.section) {
            Some(t) => format!("{} ({t})", e.section),
            None => e.section.clone(),
        };
        if obscured(&key) {
            match reveal(stored) {
                Some(plain) if !plain.is_empty() => out.push(Credential::decoded(
                    PASSWORD,
                    e.value.clone(),
                    vec!["base64url", "rclone-obscure"],
                    plain,
                    format!("obscured {key} of rclone remote {remote}, revealed with rclone's published key"),
                )),
                Some(_) => {}
                None => out.push(Credential::plain(
                    PASSWORD,
                    e.value.clone(),
                    format!("{key} of rclone remote {remote} (not obscured)"),
                )),
            }
            continue;
        }
        if key == "token" && stored.first() == Some(&b'{') {
            // {"access_token":"…","token_type":"Bearer","refresh_token":"…","expiry":"…"}
            for s in json::scalars(stored) {
                if matches!(s.key(), "access_token" | "refresh_token") && placeholder::is_credential(s.value.as_bytes())
                {
                    out.push(Credential::plain(
                        SECRET,
                        e.value.start + s.span.start..e.value.start + s.span.end,
                        format!("OAuth {} of rclone remote {remote}", s.key()),
                    ));
                }
            }
            continue;
        }
        let secret = matches!(key.as_str(), "key" | "key_pem" | "account_key" | "sas_url" | "app_key")
            || (is_secret_key(&key) && key != "token" && !key.ends_with("_id"));
        if secret {
            out.push(Credential::plain(
                SECRET,
                e.value.clone(),
                format!("{key} of rclone remote {remote}"),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{reveal, OBSCURE_KEY};
    use crate::test_support::found;
    use base64::Engine;
    use ctr::cipher::{KeyIvInit, StreamCipher};

    /// `rclone obscure`, with a fixed IV, for tests.
    fn obscure(plain: &str, iv: [u8; 16]) -> String {
        let mut data = plain.as_bytes().to_vec();
        ctr::Ctr128BE::<aes::Aes256>::new_from_slices(&OBSCURE_KEY, &iv)
            .unwrap()
            .apply_keystream(&mut data);
        let mut raw = iv.to_vec();
        raw.extend(data);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    #[test]
    fn known_vector_from_an_independent_implementation() {
        // Produced with Python's `cryptography` (AES-256-CTR, the same key)
        // for the IV 00 01 02 … 0f and the password "Rcl0ne-s3cret!".
        assert_eq!(
            reveal(b"AAECAwQFBgcICQoLDA0OD1P8CxVpt235_kJ6AHDB").as_deref(),
            Some(&b"Rcl0ne-s3cret!"[..])
        );
        assert_eq!(reveal(b"short"), None);
        assert_eq!(reveal(b"not base64 at all!!"), None);
    }

    #[test]
    fn rclone_remotes() {
        let sftp = obscure("Sftp-b4ckup!pw", [7; 16]);
        let crypt1 = obscure("crypt-main-P4ss", [9; 16]);
        let text = format!(
            "[backup]\ntype = sftp\nhost = files.acme.test\nuser = backup\npass = {sftp}\nshell_type = unix\n\n[vault]\ntype = crypt\nremote = backup:vault\npassword = {crypt1}\n\n[gdrive]\ntype = drive\nclient_id = 123456789012-abc.apps.googleusercontent.com\nclient_secret = GOCSPX-fAkEfAkEfAkE1234\nscope = drive\ntoken = {{\"access_token\":\"ya29.a0Fake-Acc3ss\",\"token_type\":\"Bearer\",\"refresh_token\":\"1//0gFakeRefr3sh\",\"expiry\":\"2026-01-01T00:00:00Z\"}}\n\n[s3]\ntype = s3\nprovider = AWS\naccess_key_id = AKIAIOSFODNN7FAKE123\nsecret_access_key = wJalrXUtnFEMI/K7MDENG/FAKEKEY0000000\nregion = eu-west-1\n\n[b2]\ntype = b2\naccount = 0012ab34cd56\nkey = K001FakeB2AppKey0123456789\n\n[env]\ntype = s3\nenv_auth = true\nsecret_access_key =\n"
        );
        let got = found("home/dev/.config/rclone/rclone.conf", &text);
        assert_eq!(
            got.iter().map(|g| (g.0.as_str(), g.1)).collect::<Vec<_>>(),
            vec![
                ("Sftp-b4ckup!pw", "rclone-config-password"),
                ("crypt-main-P4ss", "rclone-config-password"),
                ("GOCSPX-fAkEfAkEfAkE1234", "rclone-config-secret"),
                ("ya29.a0Fake-Acc3ss", "rclone-config-secret"),
                ("1//0gFakeRefr3sh", "rclone-config-secret"),
                ("wJalrXUtnFEMI/K7MDENG/FAKEKEY0000000", "rclone-config-secret"),
                ("K001FakeB2AppKey0123456789", "rclone-config-secret"),
            ]
        );
        assert_eq!(
            got[0].2,
            "obscured pass of rclone remote backup (sftp), revealed with rclone's published key"
        );
        assert_eq!(got[3].2, "OAuth access_token of rclone remote gdrive (drive)");
    }
}
