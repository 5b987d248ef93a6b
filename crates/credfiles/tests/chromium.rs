//! Chromium's `Login Data`, built by real SQLite (Python's `sqlite3`) with
//! the `logins` table as Chromium's `login_database.cc` creates it, read by
//! the credential-file reader from the file's bytes: enough rows for an
//! interior b-tree page, a row whose `form_data` spills onto overflow
//! pages, `v10` values encrypted with Chromium's built-in Linux key
//! (decrypted), `v11` values (reported encrypted), and a "never save" row
//! with no password (not reported).

use std::process::Command;

const SCHEMA: &str = "CREATE TABLE logins (origin_url VARCHAR NOT NULL, action_url VARCHAR, \
username_element VARCHAR, username_value VARCHAR, password_element VARCHAR, password_value BLOB, \
submit_element VARCHAR, signon_realm VARCHAR NOT NULL, date_created INTEGER NOT NULL, \
blacklisted_by_user INTEGER NOT NULL, scheme INTEGER NOT NULL, password_type INTEGER, \
times_used INTEGER, form_data BLOB, display_name VARCHAR, icon_url VARCHAR, federation_url VARCHAR, \
skip_zero_click INTEGER, generation_upload_status INTEGER, possible_username_pairs BLOB, \
id INTEGER PRIMARY KEY AUTOINCREMENT, date_last_used INTEGER NOT NULL DEFAULT 0, \
moving_blocked_for BLOB, date_password_modified INTEGER NOT NULL DEFAULT 0, sender_email VARCHAR, \
sender_name VARCHAR, date_received INTEGER, sharing_notification_displayed INTEGER NOT NULL DEFAULT 0, \
keychain_identifier BLOB, sender_profile_image_url VARCHAR, \
UNIQUE (origin_url, username_element, username_value, password_element, signon_realm))";

/// `v10` + AES-128-CBC under PBKDF2("peanuts", "saltysalt", 1), IV of 16
/// spaces: what Chromium on Linux writes without a keyring.
fn linux_v10(plain: &str) -> Vec<u8> {
    use aes::cipher::{block_padding::Pkcs7, BlockModeEncrypt, KeyIvInit};
    let mut key = [0u8; 16];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(b"peanuts", b"saltysalt", 1, &mut key);
    let enc = cbc::Encryptor::<aes::Aes128>::new(&key.into(), &[b' '; 16].into());
    let mut buf = plain.as_bytes().to_vec();
    buf.resize(plain.len() + 16, 0);
    let n = enc
        .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
        .expect("room for padding")
        .len();
    buf.truncate(n);
    [b"v10".to_vec(), buf].concat()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Pseudo-random bytes for the `v11` values (keyring-encrypted: opaque).
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

#[test]
fn saved_logins_are_reported_and_linux_v10_passwords_decrypted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("Login Data");
    // (origin, user, password_value hex, blacklisted, form_data size)
    let mut rows: Vec<(String, String, String, i32, usize)> = Vec::new();
    rows.push((
        "https://git.acme.test/login".into(),
        "dev.ops".into(),
        hex(&linux_v10("Gr33n-Lantern-2026!")),
        0,
        0,
    ));
    rows.push(("https://never.acme.test/".into(), String::new(), String::new(), 1, 0));
    // A row whose form_data (a serialized FormData) spills over pages.
    rows.push((
        "https://big-form.acme.test/".into(),
        "forms".into(),
        hex(&linux_v10("sp1ll-0ver-pages")),
        0,
        9000,
    ));
    for i in 0..300 {
        rows.push((
            format!("https://site{i:03}.acme.test/"),
            format!("user{i}"),
            hex(&[b"v11".to_vec(), noise(i, 32)].concat()),
            0,
            0,
        ));
    }
    let values: Vec<String> = rows
        .iter()
        .map(|(origin, user, pw, black, form)| {
            format!(
                "('{origin}','{origin}session','user','{user}','pass',X'{pw}','','{origin}',13370000000000000,{black},0,0,1,randomblob({form}),'','','',0,0,NULL,0,0,0,NULL,NULL,NULL,0,NULL,NULL)"
            )
        })
        .collect();
    let script = format!(
        "import sqlite3, sys\n\
         db = sqlite3.connect(sys.argv[1])\n\
         db.execute('''{SCHEMA}''')\n\
         db.execute('CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR)')\n\
         db.execute(\"INSERT INTO meta VALUES('version','40')\")\n\
         db.execute('''INSERT INTO logins (origin_url, action_url, username_element, username_value, password_element, password_value, submit_element, signon_realm, date_created, blacklisted_by_user, scheme, password_type, times_used, form_data, display_name, icon_url, federation_url, skip_zero_click, generation_upload_status, possible_username_pairs, date_last_used, moving_blocked_for, date_password_modified, sender_email, sender_name, date_received, sharing_notification_displayed, keychain_identifier, sender_profile_image_url) VALUES {}''')\n\
         db.commit()\n",
        values.join(",")
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .arg(&db)
        .output()
        .expect("python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 64 * 1024, "enough rows for interior pages");

    let (family, creds) =
        keyhound_credfiles::read("home/dev/.config/google-chrome/Default/Login Data", &bytes).expect("recognised");
    assert_eq!(family, "chromium-login-data");
    // Every login with a password, the "never save" row left out.
    assert_eq!(creds.len(), 302, "{:#?}", creds.iter().take(3).collect::<Vec<_>>());
    assert!(creds
        .iter()
        .all(|c| c.rule_id == "chromium-login-data-stored-credential"));
    // Each span is the stored password_value, byte for byte.
    for c in &creds {
        assert!(bytes[c.span.clone()].starts_with(b"v1"), "{}", c.reason);
    }
    // Findings come in file order; pages are not in row order.
    let mut decrypted: Vec<(&str, &str)> = creds
        .iter()
        .filter_map(|c| {
            let d = c.decoded.as_ref()?;
            Some((std::str::from_utf8(&d.secret).unwrap(), c.reason.as_str()))
        })
        .collect();
    decrypted.sort();
    assert_eq!(decrypted.len(), 2, "{decrypted:?}");
    assert_eq!(decrypted[0].0, "Gr33n-Lantern-2026!");
    assert!(
        decrypted[0].1.contains("https://git.acme.test/login as dev.ops"),
        "{}",
        decrypted[0].1
    );
    assert_eq!(decrypted[1].0, "sp1ll-0ver-pages");
    assert!(
        decrypted[1].1.contains("https://big-form.acme.test/ as forms"),
        "{}",
        decrypted[1].1
    );
    let v11 = creds
        .iter()
        .find(|c| c.reason.contains("site123.acme.test"))
        .expect("a v11 login");
    assert!(v11.decoded.is_none());
    assert!(v11.reason.contains("as user123"), "{}", v11.reason);
    assert!(
        v11.reason.contains("encrypted with the profile's key"),
        "{}",
        v11.reason
    );

    // The same name with other content, and a cut-off file, give nothing
    // and no panic.
    assert!(keyhound_credfiles::read("Default/Login Data", b"not a database").is_none_or(|(_, c)| c.is_empty()));
    for cut in [100, 4096, 8191, bytes.len() / 2] {
        let _ = keyhound_credfiles::read("Default/Login Data", &bytes[..cut]);
    }
}
