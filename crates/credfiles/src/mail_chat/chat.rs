//! Chat and voice: Pidgin's `accounts.xml`, the Ventrilo server's
//! `ventrilo_srv.ini`, the TeamSpeak 3 server's `ts3server.ini` and
//! database plugin settings (`ts3db_mariadb.ini`); and Firefox's saved
//! logins (`logins.json`), whose values are encrypted with the profile's
//! key (`key4.db`) but are stored credentials all the same.

use super::{cred, keep};
use crate::syntax::{ini, json, xml};
use crate::{Credential, FileName};

pub(crate) fn recognise_pidgin(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_is(&["accounts.xml"])
        && (f.in_dir(".purple") || f.in_dir("purple") || bytes.windows(10).take(4096).any(|w| w == b"<protocol>"))
}

/// `<account><account><protocol/><name/><password/></account>…`.
pub(crate) fn pidgin(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for acct in doc
        .descendants()
        .filter(|n| n.has_tag_name("account") && xml::child(*n, "password").is_some())
    {
        let Some(pw) = xml::child(acct, "password") else {
            continue;
        };
        let Some((span, value)) = xml::text(bytes, pw) else {
            continue;
        };
        if !keep(value.as_bytes(), &(0..value.len())) {
            continue;
        }
        let name = xml::child_text(acct, "name").unwrap_or_default();
        let protocol = xml::child_text(acct, "protocol").unwrap_or_default();
        let protocol = protocol.strip_prefix("prpl-").unwrap_or(&protocol).to_string();
        out.push(cred(
            "pidgin-account-password",
            span,
            format!("saved password of the Pidgin {protocol} account {name}"),
        ));
    }
    out
}

/// `[Server]` `Password=` (the join password) and `AdminPassword=`.
pub(crate) fn ventrilo(bytes: &[u8]) -> Vec<Credential> {
    ini::entries_with(bytes, b"=")
        .into_iter()
        .filter(|e| {
            matches!(e.key.to_ascii_lowercase().as_str(), "password" | "adminpassword") && keep(bytes, &e.value)
        })
        .map(|e| {
            let what = if e.key.eq_ignore_ascii_case("adminpassword") {
                "admin password"
            } else {
                "join password"
            };
            cred(
                "ventrilo-server-password",
                e.value,
                format!("{what} ({}) of a Ventrilo server's ventrilo_srv.ini", e.key),
            )
        })
        .collect()
}

/// `ts3server.ini` (`serveradmin_password=`, and a database password when
/// the ini carries one) and `ts3db_*.ini` (`[config]` `password=`).
pub(crate) fn teamspeak(bytes: &[u8]) -> Vec<Credential> {
    let entries = ini::entries_with(bytes, b"=");
    let host = entries
        .iter()
        .find(|e| e.key.eq_ignore_ascii_case("host"))
        .map(|e| String::from_utf8_lossy(&bytes[e.value.clone()]).into_owned());
    entries
        .iter()
        .filter(|e| {
            matches!(
                e.key.to_ascii_lowercase().as_str(),
                "serveradmin_password" | "password" | "dbpassword"
            ) && keep(bytes, &e.value)
        })
        .map(|e| {
            let reason = if e.key.eq_ignore_ascii_case("serveradmin_password") {
                "serveradmin (ServerQuery superuser) password in a TeamSpeak 3 server's ts3server.ini".to_string()
            } else {
                let at = host.as_deref().map(|h| format!(" at {h}")).unwrap_or_default();
                format!("database password{at} of a TeamSpeak 3 server's database plugin settings")
            };
            cred("teamspeak-server-password", e.value.clone(), reason)
        })
        .collect()
}

pub(crate) fn recognise_firefox_logins(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_is(&["logins.json", "logins-backup.json"]) && bytes.windows(17).any(|w| w == b"encryptedPassword")
}

/// One finding per saved login: the encrypted password, named by the
/// login's site.
pub(crate) fn firefox_logins(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let hosts: std::collections::HashMap<&str, &str> = scalars
        .iter()
        .filter(|h| h.path.len() == 3 && h.path[0] == "logins" && (h.key() == "hostname" || h.key() == "origin"))
        .map(|h| (h.path[1].as_str(), h.value.as_str()))
        .collect();
    let mut out = Vec::new();
    for s in &scalars {
        if s.path.len() != 3
            || s.path[0] != "logins"
            || s.key() != "encryptedPassword"
            || !s.is_string
            || s.value.is_empty()
        {
            continue;
        }
        let index = &s.path[1];
        let host = hosts.get(index.as_str()).copied().unwrap_or("an unknown site");
        out.push(cred(
            "firefox-logins-stored-credential",
            s.span.clone(),
            format!("a stored credential for {host} in a Firefox password store"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn pidgin_accounts() {
        let text = "<?xml version='1.0' encoding='UTF-8' ?>\n<account version='1.0'>\n\t<account>\n\t\t<protocol>prpl-jabber</protocol>\n\t\t<name>alice@xmpp.acme.test/Home</name>\n\t\t<password>pidgin-pw-1</password>\n\t\t<statuses/>\n\t</account>\n\t<account>\n\t\t<protocol>prpl-irc</protocol>\n\t\t<name>alice@irc.libera.test</name>\n\t</account>\n</account>\n";
        let got = found("home/alice/.purple/accounts.xml", text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "pidgin-pw-1");
        assert_eq!(
            got[0].2,
            "saved password of the Pidgin jabber account alice@xmpp.acme.test/Home"
        );
        assert!(crate::read("src/accounts.xml", b"<accounts><password>x</password></accounts>").is_none());
    }

    #[test]
    fn ventrilo_and_teamspeak() {
        let v = "[Server]\nName=ACME Guild\nPhonetic=acme guild\nAuth=0\nDuplicates=1\nAdminPassword=v3nt-admin\nPassword=\nSendBuffer=0\n";
        let got = found("ventrilo_srv.ini", v);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "v3nt-admin");
        let ts = "machine_id=\ndefault_voice_port=9987\nvoice_ip=0.0.0.0\nlicensepath=\nquery_port=10011\ndbplugin=ts3db_mariadb\ndbpluginparameter=ts3db_mariadb.ini\ndbsqlpath=sql/\nserveradmin_password=Ts3Admin9\n";
        assert_eq!(secrets("teamspeak3-server/ts3server.ini", ts), vec!["Ts3Admin9"]);
        let db = "[config]\nhost=127.0.0.1\nport=3306\nusername=teamspeak\npassword=ts3-db-pw\ndatabase=ts3\nsocket=\n";
        let got = found("ts3db_mariadb.ini", db);
        assert_eq!(got[0].0, "ts3-db-pw");
        assert_eq!(
            got[0].2,
            "database password at 127.0.0.1 of a TeamSpeak 3 server's database plugin settings"
        );
    }

    #[test]
    fn firefox_logins_one_per_login() {
        let text = r#"{"nextId":3,"logins":[{"id":1,"hostname":"https://git.acme.test","httpRealm":null,"formSubmitURL":"https://git.acme.test","usernameField":"login","passwordField":"password","encryptedUsername":"MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECLSj8K2mQ1bkBBAq","encryptedPassword":"MEIEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECNq3vXw9Lm2kBBgZx7T4Pq1Rs8Wm3Vn6Yc2Lk9Hb5Jd0Fg==","guid":"{0b3e4c1a-1111-4c2d-9e3f-123456789abc}","encType":1},{"id":2,"hostname":"https://mail.acme.test","encryptedUsername":"MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECPq","encryptedPassword":"MDoEEPgAAAAAAAAAAAAAAAAAAAEwFAYIKoZIhvcNAwcECKx9Wm2Lq7Rt","encType":1}],"potentiallyVulnerablePasswords":[],"version":3}"#;
        let got = found("home/alice/.mozilla/firefox/x1y2z3.default-release/logins.json", text);
        assert_eq!(got.len(), 2);
        assert!(got[0].0.starts_with("MEIEEPg"));
        assert_eq!(
            got[0].2,
            "a stored credential for https://git.acme.test in a Firefox password store"
        );
        assert_eq!(
            got[1].2,
            "a stored credential for https://mail.acme.test in a Firefox password store"
        );
        assert!(crate::read("logins.json", b"{\"logins\": []}").is_none());
    }
}
