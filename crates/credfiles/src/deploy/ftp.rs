//! File-transfer clients and editor upload configs: FileZilla
//! (`sitemanager.xml`, `recentservers.xml`, `filezilla.xml`), WinSCP
//! (`WinSCP.ini`), and the SFTP/FTP settings of editors (VS Code
//! `.vscode/sftp.json`, Sublime `sftp-config.json`, Atom `.ftpconfig` and
//! `.remote-sync.json`).

use base64::Engine;

use super::{index_by, prefix_key};
use crate::model::{Credential, FileName};
use crate::syntax::{ini, json, placeholder, xml};

pub(crate) fn recognise_filezilla(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["sitemanager.xml", "recentservers.xml", "filezilla.xml"])
}

/// `<Server>` (and `<LastServer>`) entries: `<Pass encoding="base64">` is
/// only base64; a `<Pass>` without an encoding is plain text; `crypt` is
/// encrypted to the master password's key and cannot be read.
pub(crate) fn read_filezilla(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cache = std::collections::HashMap::new();
    for pass in doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Pass")
    {
        let Some((span, value)) = xml::text(bytes, pass) else {
            continue;
        };
        let (host, user, name) = match pass.parent_element() {
            Some(server) => {
                let fields = super::child_texts(&mut cache, server);
                let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
                (field("Host"), field("User"), field("Name"))
            }
            None => Default::default(),
        };
        let mut what = String::new();
        if !name.is_empty() {
            what.push_str(&format!(" site {name}"));
        }
        what.push_str(&format!(" ({user}@{host})"));
        let encoding = pass.attribute("encoding").unwrap_or("");
        if encoding.eq_ignore_ascii_case("base64") {
            let Ok(plain) = base64::engine::general_purpose::STANDARD.decode(value.trim()) else {
                continue;
            };
            if placeholder::is_credential(&plain) {
                out.push(Credential::decoded(
                    "filezilla-password-base64",
                    span,
                    vec!["base64"],
                    plain,
                    format!("base64-encoded password of FileZilla{what}"),
                ));
            }
        } else if encoding.is_empty() && placeholder::is_credential(value.as_bytes()) {
            out.push(Credential::plain(
                "filezilla-password-plain",
                span,
                format!("plain-text password of FileZilla{what}"),
            ));
        }
    }
    out
}

pub(crate) fn recognise_winscp(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["winscp.ini"])
}

/// `[Sessions\NAME]` sections: `Password=` obfuscated with the user and
/// host names (`ProxyPassword` with the proxy's, `TunnelPassword` with the
/// tunnel's).
pub(crate) fn read_winscp(bytes: &[u8]) -> Vec<Credential> {
    let entries = ini::entries_with(bytes, b"=");
    let by_key = index_by(
        entries
            .iter()
            .map(|e| ((e.section.clone(), e.key.to_ascii_lowercase()), &bytes[e.value.clone()])),
    );
    let get = |section: &str, key: &str| {
        by_key
            .get(&(section.to_string(), key.to_string()))
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for e in &entries {
        let Some(session) = e.section.strip_prefix("Sessions\\") else {
            continue;
        };
        let key = e.key.to_ascii_lowercase();
        let (user_key, host_key, what) = match key.as_str() {
            "password" => ("username", "hostname", "password"),
            "proxypassword" => ("proxyusername", "proxyhost", "proxy password"),
            "tunnelpassword" => ("tunnelusername", "tunnelhostname", "tunnel password"),
            _ => continue,
        };
        let stored = &bytes[e.value.clone()];
        if !placeholder::is_credential(stored) {
            continue;
        }
        let user = get(&e.section, user_key);
        let host = get(&e.section, host_key);
        let session = String::from_utf8_lossy(&super::percent_decode(session.as_bytes())).into_owned();
        match winscp_reveal(stored, &user, &host) {
            Some(plain) if placeholder::is_credential(&plain) => out.push(Credential::decoded(
                "winscp-ini-password",
                e.value.clone(),
                vec!["winscp-obfuscation"],
                plain,
                format!("{what} of WinSCP session {session} ({user}@{host}), obfuscated with the user and host names"),
            )),
            Some(_) => {}
            None => out.push(Credential::plain(
                "winscp-ini-password",
                e.value.clone(),
                format!("{what} of WinSCP session {session} ({user}@{host}), encrypted (not the default obfuscation)"),
            )),
        }
    }
    out
}

const WINSCP_MAGIC: u8 = 0xA3;
const WINSCP_FLAG: u8 = 0xFF;

/// WinSCP's documented reversible "simple" password obfuscation: hex
/// digits, each byte `!(b ^ 0xA3)`; a flag (0xFF: the key `user+host` is
/// prepended to the password), the length, a count of random bytes to
/// skip, then the characters.
fn winscp_reveal(stored: &[u8], user: &str, host: &str) -> Option<Vec<u8>> {
    if !stored.len().is_multiple_of(2) {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut values = Vec::with_capacity(stored.len() / 2);
    for pair in stored.chunks_exact(2) {
        let v = (digit(pair[0])? << 4) | digit(pair[1])?;
        values.push(!(v ^ WINSCP_MAGIC));
    }
    let mut it = values.into_iter();
    let flag = it.next()?;
    let length = if flag == WINSCP_FLAG {
        it.next()?;
        it.next()?
    } else {
        flag
    };
    let shift = it.next()?;
    for _ in 0..shift {
        it.next()?;
    }
    let mut plain = Vec::with_capacity(length as usize);
    for _ in 0..length {
        plain.push(it.next()?);
    }
    if flag == WINSCP_FLAG {
        let key = format!("{user}{host}");
        return plain.strip_prefix(key.as_bytes()).map(<[u8]>::to_vec);
    }
    Some(plain)
}

pub(crate) fn recognise_sftp(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let named = (f.in_dir(".vscode") && f.name_is(&["sftp.json", "ftp-sync.json", "ftp-simple.json"]))
        || f.name_is(&[
            "sftp-config.json",
            "sftp-settings.json",
            ".ftpconfig",
            ".remote-sync.json",
        ])
        || (f.in_dir("sftp_servers") && !f.name.contains('.'));
    named
        && matches!(
            bytes.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[' | b'/')
        )
}

/// Every `password` / `pass` / `passphrase` string, at any depth (a list
/// of configs, `profiles`), named by its sibling host and user.
pub(crate) fn read_sftp(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let by_path = index_by(scalars.iter().map(|s| (s.path.join("\u{1}"), s)));
    let mut out = Vec::new();
    for s in &scalars {
        let key = s.key();
        let what = match key {
            "password" | "pass" => "password",
            "passphrase" => "key passphrase",
            _ => continue,
        };
        if !s.is_string || !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        let parent = prefix_key(&s.path, s.path.len() - 1);
        let sibling = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| {
                    let k = if parent.is_empty() {
                        (*n).to_string()
                    } else {
                        format!("{parent}\u{1}{n}")
                    };
                    by_path.get(&k).map(|v| v.value.clone())
                })
                .unwrap_or_default()
        };
        let host = sibling(&["host", "hostname", "server"]);
        let user = sibling(&["username", "user"]);
        let at = match (user.is_empty(), host.is_empty()) {
            (false, false) => format!(" for {user}@{host}"),
            (true, false) => format!(" for {host}"),
            _ => String::new(),
        };
        out.push(Credential::plain(
            "sftp-config-password",
            s.span.clone(),
            format!("{what}{at} in an editor SFTP/FTP upload config"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::winscp_reveal;
    use crate::test_support::{found, secrets};

    #[test]
    fn filezilla_sites_base64_plain_and_crypt() {
        let text = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>
<FileZilla3 version="3.67.0" platform="windows">
  <Servers>
    <Folder expanded="1">Clients
      <Server>
        <Host>ftp.acme.test</Host>
        <Port>21</Port>
        <Protocol>0</Protocol>
        <User>deploy</User>
        <Pass encoding="base64">RnQ3LWRlcGxveSFYcQ==</Pass>
        <Logontype>1</Logontype>
        <Name>Acme prod</Name>
      </Server>
    </Folder>
    <Server>
      <Host>old.acme.test</Host>
      <User>web</User>
      <Pass>0ld-pl41n-pw</Pass>
      <Name>legacy</Name>
    </Server>
    <Server>
      <Host>vault.acme.test</Host>
      <User>ops</User>
      <Pass encoding="crypt" pubkey="4f0d2b">Zm9vYmFyYmF6</Pass>
    </Server>
    <Server><Host>ask.acme.test</Host><User>me</User><Logontype>2</Logontype></Server>
  </Servers>
</FileZilla3>
"#;
        let got = found("AppData/Roaming/FileZilla/sitemanager.xml", text);
        assert_eq!(
            got.iter().map(|g| (g.0.as_str(), g.1)).collect::<Vec<_>>(),
            vec![
                ("Ft7-deploy!Xq", "filezilla-password-base64"),
                ("0ld-pl41n-pw", "filezilla-password-plain")
            ]
        );
        assert_eq!(
            got[0].2,
            "base64-encoded password of FileZilla site Acme prod (deploy@ftp.acme.test)"
        );
    }

    /// WinSCP's encoder, written from the same description, for tests.
    fn winscp_hide(password: &str, user: &str, host: &str, shift: u8) -> String {
        let enc = |b: u8| format!("{:02X}", !b ^ 0xA3);
        let salted = format!("{user}{host}{password}");
        let mut s = enc(0xFF) + &enc(0) + &enc(salted.len() as u8) + &enc(shift);
        for i in 0..shift {
            s += &enc(i.wrapping_mul(37));
        }
        for b in salted.bytes() {
            s += &enc(b);
        }
        while s.len() < 100 {
            s += &enc(0x5A);
        }
        s
    }

    #[test]
    fn winscp_sessions_are_revealed() {
        let hidden = winscp_hide("Wn5cp-S3ss!on", "deploy", "files.acme.test", 3);
        assert_eq!(
            winscp_reveal(hidden.as_bytes(), "deploy", "files.acme.test").as_deref(),
            Some(&b"Wn5cp-S3ss!on"[..])
        );
        assert_eq!(winscp_reveal(hidden.as_bytes(), "other", "files.acme.test"), None);
        // The rule's documented example decodes too (with its own names).
        let text = format!(
            "[Configuration\\Interface]\nPassword=1\n\n[Sessions\\deploy@files.acme.test]\nHostName=files.acme.test\nUserName=deploy\nPassword={hidden}\nFSProtocol=2\n\n[Sessions\\keyonly]\nHostName=10.0.0.12\nUserName=root\nPublicKeyFile=C:\\keys\\prod.ppk\n"
        );
        let got = found("WinSCP.ini", &text);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "Wn5cp-S3ss!on");
        assert_eq!(
            got[0].2,
            "password of WinSCP session deploy@files.acme.test (deploy@files.acme.test), obfuscated with the user and host names"
        );
        // Garbage and odd lengths never panic.
        assert_eq!(winscp_reveal(b"A3", "u", "h"), None);
        assert_eq!(winscp_reveal(b"ZZ", "u", "h"), None);
        assert_eq!(winscp_reveal(b"A35", "u", "h"), None);
    }

    #[test]
    fn editor_sftp_configs() {
        let vscode = r#"[
  {
    "name": "prod",
    "host": "web.acme.test",
    "protocol": "sftp",
    "port": 22,
    "username": "deploy",
    "password": "Vsc0de-sftp!1",
    "remotePath": "/var/www/acme",
    "uploadOnSave": true
  },
  {
    "name": "staging",
    "host": "stage.acme.test",
    "username": "deploy",
    "privateKeyPath": "~/.ssh/id_ed25519",
    "passphrase": "k3y-phr4se-st4ge",
    "profiles": {"alt": {"host": "alt.acme.test", "password": "${env:ALT_PW}"}}
  }
]"#;
        let got = found("site/.vscode/sftp.json", vscode);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Vsc0de-sftp!1", "k3y-phr4se-st4ge"]
        );
        assert_eq!(
            got[0].2,
            "password for deploy@web.acme.test in an editor SFTP/FTP upload config"
        );
        let sublime = "{\n    // sftp, ftp or ftps\n    \"type\": \"sftp\",\n    \"host\": \"web.acme.test\",\n    \"user\": \"deploy\",\n    \"password\": \"Subl1me-pw\",\n    //\"password\": \"old-commented\",\n    \"remote_path\": \"/var/www/\"\n}\n";
        assert_eq!(secrets("sftp-config.json", sublime), vec!["Subl1me-pw"]);
        let atom = r#"{"protocol": "ftp", "host": "ftp.acme.test", "user": "web", "pass": "At0m-ftp-pw", "promptForPass": false}"#;
        assert_eq!(secrets(".ftpconfig", atom), vec!["At0m-ftp-pw"]);
        assert!(crate::read("src/sftp.json", vscode.as_bytes()).is_none_or(|(f, _)| f != "sftp-config"));
    }
}
