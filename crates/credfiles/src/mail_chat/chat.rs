//! Chat and voice: Pidgin's `accounts.xml`, the Ventrilo server's
//! `ventrilo_srv.ini`, the TeamSpeak 3 server's `ts3server.ini` and
//! database plugin settings (`ts3db_mariadb.ini`); and Firefox's saved
//! logins (`logins.json`), whose values are encrypted with the profile's
//! key (`key4.db`) but are stored credentials all the same.

use super::{cred, keep};
use crate::model::{Credential, FileName};
use crate::syntax::{ini, json, xml};

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

/// The password in an IRC command that identifies to NickServ
/// (`/msg NickServ IDENTIFY [account] password`, `/ns identify …`,
/// `/nickserv identify …`) in `bytes[range]`: its span.
fn identify_password(bytes: &[u8], range: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    // irssi's autosendcmd chains commands with `;`.
    let mut start = range.start;
    while start <= range.end {
        let end = bytes[start..range.end]
            .iter()
            .position(|&b| b == b';')
            .map_or(range.end, |p| start + p);
        if let Some(p) = identify_in(bytes, start..end) {
            return Some(p);
        }
        start = end + 1;
    }
    None
}

fn identify_in(bytes: &[u8], range: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let w = super::words(bytes, range);
    let lower: Vec<String> = w
        .iter()
        .map(|x| String::from_utf8_lossy(&bytes[x.span.clone()]).to_ascii_lowercase())
        .collect();
    let at = lower.iter().position(|x| x == "identify")?;
    let before = lower[..at].join(" ");
    if !(before.ends_with("nickserv") || before.ends_with("/ns") || before == "ns") {
        return None;
    }
    // `identify password` or `identify account password`: the last word.
    let span = w.get(at + 1..)?.last()?.span.clone();
    keep(bytes, &span).then_some(span)
}

/// HexChat's `servlist.conf` (and X-Chat's `servlist_.conf`): networks
/// as `N=name` blocks; `P=` is the server, SASL or NickServ password (per
/// the `L=` login method), `B=` the legacy NickServ password, `C=`
/// connect commands that may identify to NickServ.
pub(crate) fn hexchat(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut network = String::new();
    for (span, line) in crate::syntax::lines(bytes) {
        if line.len() < 2 || line[1] != b'=' {
            continue;
        }
        let value = span.start + 2..span.end;
        match line[0] {
            b'N' => network = String::from_utf8_lossy(&line[2..]).into_owned(),
            b'P' | b'B' if keep(bytes, &value) => {
                let what = if line[0] == b'P' {
                    "login password"
                } else {
                    "NickServ password"
                };
                out.push(cred(
                    "irc-client-password",
                    value,
                    format!("{what} of the HexChat network {network} in servlist.conf"),
                ));
            }
            b'C' => {
                if let Some(p) = identify_password(bytes, value) {
                    out.push(cred(
                        "irc-client-password",
                        p,
                        format!(
                            "NickServ password in a connect command of the HexChat network {network} in servlist.conf"
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// irssi's `config` (libconfig-like: `key = "value";` inside `{ }` blocks
/// and `( )` lists): `password` of a server, `sasl_password` of a
/// chatnet, and `autosendcmd`s that identify to NickServ. A block is named
/// by its `address` or, for chatnets, by the key that opens it.
pub(crate) fn irssi(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut key = String::new();
    let mut last_key_before_block = String::new();
    let mut block = String::new();
    let mut pending: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let flush = |pending: &mut Vec<(std::ops::Range<usize>, String)>, block: &str, out: &mut Vec<Credential>| {
        for (span, what) in pending.drain(..) {
            let of = if block.is_empty() {
                String::new()
            } else {
                format!(" of {block}")
            };
            out.push(cred(
                "irc-client-password",
                span,
                format!("{what}{of} in an irssi config"),
            ));
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'#' => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |p| i + p)
            }
            b'{' => {
                flush(&mut pending, &block, &mut out);
                block = if last_key_before_block.is_empty() {
                    String::new()
                } else {
                    format!("chatnet {last_key_before_block}")
                };
                key.clear();
                i += 1;
            }
            b'}' => {
                flush(&mut pending, &block, &mut out);
                block.clear();
                key.clear();
                i += 1;
            }
            b'(' | b')' => {
                key.clear();
                last_key_before_block.clear();
                i += 1;
            }
            b'"' | b'\'' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != c {
                    if bytes[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let span = start..j.min(bytes.len());
                let k = key.to_ascii_lowercase();
                match k.as_str() {
                    "password" | "sasl_password" if keep(bytes, &span) => pending.push((span, k.clone())),
                    "autosendcmd" => {
                        if let Some(p) = identify_password(bytes, span.clone()) {
                            pending.push((p, "NickServ password in autosendcmd".to_string()));
                        }
                    }
                    "address" => block = format!("server {}", String::from_utf8_lossy(&bytes[span.clone()])),
                    _ => {}
                }
                key.clear();
                i = j + 1;
            }
            _ if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-' || bytes[i] == b'.')
                {
                    i += 1;
                }
                let word = String::from_utf8_lossy(&bytes[start..i]).into_owned();
                if key.is_empty() {
                    key = word;
                } else if matches!(key.to_ascii_lowercase().as_str(), "password" | "sasl_password") {
                    // An unquoted value.
                    let span = start..i;
                    let k = key.to_ascii_lowercase();
                    if keep(bytes, &span) {
                        pending.push((span, k));
                    }
                    key.clear();
                } else {
                    key.clear();
                }
            }
            b'=' => {
                last_key_before_block = key.clone();
                i += 1;
            }
            b';' | b',' => {
                key.clear();
                i += 1;
            }
            _ => i += 1,
        }
    }
    flush(&mut pending, &block, &mut out);
    out.sort_by_key(|c| c.span.start);
    out
}

/// WeeChat's `irc.conf`: `[server]` options `NAME.password`,
/// `NAME.sasl_password` (unless a `${sec.data.…}` reference) and
/// `NAME.command` identifying to NickServ.
pub(crate) fn weechat(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for e in ini::entries_with(bytes, b"=") {
        if !e.section.eq_ignore_ascii_case("server") {
            continue;
        }
        let Some((server, option)) = e.key.rsplit_once('.') else {
            continue;
        };
        match option {
            "password" | "sasl_password" if keep(bytes, &e.value) => out.push(cred(
                "irc-client-password",
                e.value.clone(),
                format!("{option} of the WeeChat IRC server {server} in irc.conf"),
            )),
            "command" => {
                if let Some(p) = identify_password(bytes, e.value.clone()) {
                    out.push(cred(
                        "irc-client-password",
                        p,
                        format!("NickServ password in the command of the WeeChat IRC server {server} in irc.conf"),
                    ));
                }
            }
            _ => {}
        }
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
    fn irc_clients() {
        let hc = "v=2.16.1\n\nN=Libera.Chat\nI=alice\nL=6\nP=hexchat-sasl-pw\nC=msg NickServ IDENTIFY alice hexchat-ns-pw\nF=23\nD=0\nS=irc.libera.chat/+6697\n\nN=OFTC\nP=\nC=join #debian\nS=irc.oftc.net\n";
        let got = found("home/alice/.config/hexchat/servlist.conf", hc);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["hexchat-sasl-pw", "hexchat-ns-pw"]
        );
        assert_eq!(
            got[0].2,
            "login password of the HexChat network Libera.Chat in servlist.conf"
        );
        let irssi = "servers = (\n  {\n    address = \"irc.libera.chat\";\n    chatnet = \"liberachat\";\n    port = \"6697\";\n    password = \"irssi-srv-pw\";\n    use_tls = \"yes\";\n  }\n);\nchatnets = {\n  liberachat = {\n    type = \"IRC\";\n    sasl_mechanism = \"PLAIN\";\n    sasl_username = \"alice\";\n    sasl_password = \"irssi-sasl-pw\";\n    autosendcmd = \"/msg nickserv identify irssi-ns-pw;wait 2000\";\n  };\n};\n";
        let got = found("home/alice/.irssi/config", irssi);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["irssi-srv-pw", "irssi-sasl-pw", "irssi-ns-pw"]
        );
        assert_eq!(got[0].2, "password of server irc.libera.chat in an irssi config");
        assert_eq!(got[1].2, "sasl_password of chatnet liberachat in an irssi config");
        let wee = "[server]\nlibera.addresses = \"irc.libera.chat/6697\"\nlibera.sasl_username = \"alice\"\nlibera.sasl_password = \"${sec.data.libera}\"\noftc.password = \"wee-srv-pw\"\noftc.command = \"/msg nickserv identify wee-ns-pw\"\n";
        let got = found("home/alice/.config/weechat/irc.conf", wee);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["wee-srv-pw", "wee-ns-pw"]
        );
        assert_eq!(got[0].2, "password of the WeeChat IRC server oftc in irc.conf");
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
