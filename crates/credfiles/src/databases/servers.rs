//! Database servers' and drivers' own configuration: `redis.conf` and
//! `sentinel.conf` (and ACL files), unixODBC's `odbc.ini`, OLE DB `.udl`
//! files and SSIS `.dtsConfig` package configurations.

use std::collections::HashMap;
use std::ops::Range;

use crate::model::{Credential, FileName};
use crate::syntax::{ini, lines, placeholder, tokens, xml, yaml};

/// `redis.conf`, `redis-6379.conf`, `sentinel.conf`, and ACL files
/// (`users.acl`) next to them.
pub(crate) fn is_redis_conf(f: &FileName<'_>, _: &[u8]) -> bool {
    let n = f.lower_name();
    n == "redis.conf"
        || n == "sentinel.conf"
        || n == "redis-sentinel.conf"
        || (n.starts_with("redis") && n.ends_with(".conf"))
        || (n.ends_with(".acl") && (n.contains("redis") || f.in_dir("redis")))
        || (n.ends_with(".conf") && f.in_dir("redis"))
}

/// `requirepass PW`, `masterauth PW`, `sentinel auth-pass MASTER PW`, and
/// the `>PW` rules of `user NAME on … >PW` lines (a `#<sha256>` rule is a
/// stored hash, also kept).
pub(crate) fn redis_conf(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if line.len() == lead || line[lead] == b'#' {
            continue;
        }
        let toks = tokens(line, span.start);
        let word = |i: usize| toks.get(i).map(|t| bytes[t.clone()].to_ascii_lowercase());
        let directive = word(0).unwrap_or_default();
        let value = match directive.as_slice() {
            b"requirepass" | b"masterauth" => toks.get(1).map(|t| {
                let d = String::from_utf8_lossy(&directive).into_owned();
                (t.clone(), format!("{d} password in a Redis configuration file"))
            }),
            b"sentinel" if word(1).as_deref() == Some(b"auth-pass") => toks.get(3).map(|t| {
                let master = String::from_utf8_lossy(&bytes[toks[2].clone()]).into_owned();
                (
                    t.clone(),
                    format!("sentinel auth-pass password of master {master} in a Redis configuration file"),
                )
            }),
            b"user" => {
                let name = toks
                    .get(1)
                    .map(|t| String::from_utf8_lossy(&bytes[t.clone()]).into_owned())
                    .unwrap_or_default();
                for t in toks.iter().skip(2) {
                    let v = &bytes[t.clone()];
                    let what = match v.first() {
                        Some(b'>') => "password",
                        Some(b'#') if v.len() == 65 && v[1..].iter().all(u8::is_ascii_hexdigit) => {
                            "SHA-256 password hash"
                        }
                        _ => continue,
                    };
                    let r = t.start + 1..t.end;
                    if placeholder::is_credential(&bytes[r.clone()]) {
                        out.push(Credential::plain(
                            "redis-acl-password",
                            r,
                            format!("{what} of ACL user {name} in a Redis configuration file"),
                        ));
                    }
                }
                None
            }
            _ => None,
        };
        if let Some((r, reason)) = value {
            // `foobared` is the example redis.conf ships with.
            if placeholder::is_credential(&bytes[r.clone()]) && bytes[r.clone()] != *b"foobared" {
                out.push(Credential::plain("redis-requirepass", r, reason));
            }
        }
    }
    out
}

/// unixODBC's `odbc.ini` / `~/.odbc.ini` (DSN definitions).
pub(crate) fn is_odbc_ini(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["odbc.ini", ".odbc.ini"])
}

/// `Password=` / `PWD=` in each `[DSN]` section.
pub(crate) fn odbc_ini(bytes: &[u8]) -> Vec<Credential> {
    let entries = ini::entries_with(bytes, b"=");
    let mut info: HashMap<&str, (String, String)> = HashMap::new();
    for e in &entries {
        let v = String::from_utf8_lossy(&bytes[e.value.clone()]).into_owned();
        let i = info.entry(e.section.as_str()).or_default();
        match e.key.to_ascii_lowercase().as_str() {
            "server" | "servername" | "host" | "hostname" | "address" if i.0.is_empty() => i.0 = v,
            "database" if i.0.is_empty() => i.0 = v,
            "user" | "username" | "uid" | "userid" | "user id" => i.1 = v,
            _ => {}
        }
    }
    entries
        .iter()
        .filter(|e| {
            matches!(e.key.to_ascii_lowercase().as_str(), "password" | "pwd" | "passwd")
                && placeholder::is_credential(&bytes[e.value.clone()])
        })
        .map(|e| {
            let (server, user) = info.get(e.section.as_str()).cloned().unwrap_or_default();
            let user = if user.is_empty() {
                String::new()
            } else {
                format!("{user}@")
            };
            Credential::plain(
                "odbc-ini-password",
                e.value.clone(),
                format!(
                    "{} of the ODBC data source [{}] ({user}{server}) in an odbc.ini",
                    e.key, e.section
                ),
            )
        })
        .collect()
}

/// MongoDB's `mongod.conf` / `mongos.conf` (YAML).
pub(crate) fn is_mongod_conf(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&[
        "mongod.conf",
        "mongos.conf",
        "mongod.yaml",
        "mongod.yml",
        "mongos.yaml",
        "mongos.yml",
    ])
}

/// The passwords MongoDB reads from its configuration file: the LDAP bind
/// password, TLS key and cluster-file passwords, the KMIP client
/// certificate password.
pub(crate) fn mongod_conf(bytes: &[u8]) -> Vec<Credential> {
    yaml::scalars(bytes)
        .into_iter()
        .filter(|s| {
            matches!(
                s.key(),
                "queryPassword"
                    | "certificateKeyFilePassword"
                    | "clusterPassword"
                    | "PEMKeyPassword"
                    | "clientCertificatePassword"
            ) && placeholder::is_credential(s.value.as_bytes())
        })
        .map(|s| {
            let key = s.path.join(".");
            Credential::plain(
                "mongod-conf-password",
                s.span,
                format!("{key} in a MongoDB server configuration file"),
            )
        })
        .collect()
}

/// `Password=` / `Pwd=` in an ADO.NET or OLE DB connection string at
/// `span` of `text` (`;`-separated `key=value`, values optionally quoted).
fn connection_string_password(text: &[u8], span: Range<usize>) -> Option<Range<usize>> {
    let s = &text[span.clone()];
    let mut start = 0;
    while start <= s.len() {
        let end = s[start..]
            .iter()
            .position(|&b| b == b';')
            .map_or(s.len(), |p| start + p);
        let part = &s[start..end];
        if let Some(eq) = part.iter().position(|&b| b == b'=') {
            let key = String::from_utf8_lossy(&part[..eq]).trim().to_ascii_lowercase();
            if key == "password" || key == "pwd" {
                let r = crate::syntax::unquote_span(text, span.start + start + eq + 1..span.start + end);
                return (r.start < r.end && placeholder::is_credential(&text[r.clone()])).then_some(r);
            }
        }
        start = end + 1;
    }
    None
}

/// OLE DB data link files (`*.udl`): usually UTF-16 with a byte-order
/// mark, an `[oledb]` header and one init string.
pub(crate) fn is_udl(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_ends_with(&[".udl"]) && (bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"[oledb]"))
}

/// The `Password=` of the init string; a UTF-16 file is read as such and
/// the password reported decoded (chain `utf-16le`), its span the stored
/// UTF-16 bytes.
pub(crate) fn udl(bytes: &[u8]) -> Vec<Credential> {
    let reason = |r: &str| format!("Password of the OLE DB init string{r} in a .udl data link file");
    let server = |text: &[u8]| -> String {
        let t = String::from_utf8_lossy(text);
        t.split(';')
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                matches!(k.trim().to_ascii_lowercase().as_str(), "data source" | "server")
                    .then(|| format!(" for {}", v.trim()))
            })
            .unwrap_or_default()
    };
    if let Some(body) = bytes.strip_prefix(b"\xff\xfe") {
        // UTF-16LE: keep ASCII, map positions back (2 bytes a unit).
        let units: Vec<u16> = body.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        let ascii: Vec<u8> = units.iter().map(|&u| if u < 0x80 { u as u8 } else { b'?' }).collect();
        let mut out = Vec::new();
        for (span, line) in lines(&ascii) {
            if line.starts_with(b";") || line.starts_with(b"[") {
                continue;
            }
            if let Some(r) = connection_string_password(&ascii, span) {
                let secret = String::from_utf16_lossy(&units[r.clone()]).into_bytes();
                out.push(Credential::decoded(
                    "sqlserver-connection-string-password",
                    2 + 2 * r.start..2 + 2 * r.end,
                    vec!["utf-16le"],
                    secret,
                    reason(&server(&ascii)),
                ));
            }
        }
        return out;
    }
    lines(bytes)
        .filter(|(_, l)| !l.starts_with(b";") && !l.starts_with(b"["))
        .filter_map(|(span, _)| connection_string_password(bytes, span))
        .map(|r| Credential::plain("sqlserver-connection-string-password", r, reason(&server(bytes))))
        .collect()
}

/// SSIS package configurations (`*.dtsConfig`).
pub(crate) fn is_dtsconfig(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_ends_with(&[".dtsconfig"])
}

/// `<Configuration Path="…Properties[Password]"><ConfiguredValue>` and the
/// password inside a configured `ConnectionString`.
pub(crate) fn dtsconfig(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in doc.descendants().filter(|n| n.has_tag_name("Configuration")) {
        let path = c.attribute("Path").unwrap_or("");
        let Some(value) = xml::child(c, "ConfiguredValue") else {
            continue;
        };
        let Some((span, text)) = xml::text(bytes, value) else {
            continue;
        };
        let conn = path
            .split("Connections[")
            .nth(1)
            .and_then(|p| p.split(']').next())
            .unwrap_or("");
        if path.ends_with("[Password]") {
            if placeholder::is_credential(text.as_bytes()) {
                out.push(Credential::plain(
                    "sqlserver-connection-string-password",
                    span,
                    format!("Password property of connection {conn} in an SSIS .dtsConfig"),
                ));
            }
        } else if path.ends_with("[ConnectionString]") {
            if let Some(r) = connection_string_password(bytes, span) {
                out.push(Credential::plain(
                    "sqlserver-connection-string-password",
                    r,
                    format!("password in the connection string of connection {conn} in an SSIS .dtsConfig"),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn redis_conf_passwords() {
        let text = "# requirepass foobared\nbind 127.0.0.1 -::1\nrequirepass \"R3dis-Auth!9\"\nmasterauth Mast3r-Link_7\nrequirepass foobared\nuser default off\nuser app on >App-Pa55 ~cache:* +@read\nuser ops on #9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 ~* +@all\nsentinel auth-pass mymaster S3ntinel-pw\n";
        let got = found("deploy/redis/redis.conf", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "R3dis-Auth!9",
                "Mast3r-Link_7",
                "App-Pa55",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "S3ntinel-pw"
            ]
        );
        assert_eq!(got[0].2, "requirepass password in a Redis configuration file");
        assert_eq!(got[2].1, "redis-acl-password");
        assert_eq!(got[2].2, "password of ACL user app in a Redis configuration file");
        assert!(crate::read("nginx.conf", b"requirepass x1\n").is_none_or(|(f, _)| f != "redis-conf"));
    }

    #[test]
    fn udl_and_dtsconfig() {
        let init = "[oledb]\r\n; Everything after this line is an OLE DB initstring\r\nProvider=SQLOLEDB.1;Password=Udl-Pa55!;Persist Security Info=True;User ID=sa;Initial Catalog=erp;Data Source=sql01.acme.test\r\n";
        let mut utf16 = vec![0xff, 0xfe];
        for u in init.encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        let (_, got) = crate::read("share/erp.udl", &utf16).expect("recognised");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].decoded.as_ref().unwrap().secret, b"Udl-Pa55!");
        assert_eq!(
            got[0].reason,
            "Password of the OLE DB init string for sql01.acme.test in a .udl data link file"
        );
        let stored: Vec<u8> = "Udl-Pa55!".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(&utf16[got[0].span.clone()], &stored[..]);
        assert_eq!(secrets("erp.udl", init), vec!["Udl-Pa55!"]);

        let dts = r#"<?xml version="1.0"?>
<DTSConfiguration>
  <DTSConfigurationHeading><DTSConfigurationFileInfo GeneratedBy="ACME\etl" GeneratedFromPackageName="LoadOrders" /></DTSConfigurationHeading>
  <Configuration ConfiguredType="Property" Path="\Package.Connections[Orders].Properties[ConnectionString]" ValueType="String">
    <ConfiguredValue>Data Source=sql01.acme.test;User ID=etl;Password=Ssis-Etl#7;Initial Catalog=Orders;Provider=SQLNCLI11.1;</ConfiguredValue>
  </Configuration>
  <Configuration ConfiguredType="Property" Path="\Package.Connections[Stage].Properties[Password]" ValueType="String">
    <ConfiguredValue>St4ge-pw</ConfiguredValue>
  </Configuration>
  <Configuration ConfiguredType="Property" Path="\Package.Connections[Dw].Properties[ConnectionString]" ValueType="String">
    <ConfiguredValue>Data Source=dw;Initial Catalog=DW;Integrated Security=SSPI;</ConfiguredValue>
  </Configuration>
</DTSConfiguration>"#;
        let got = found("ssis/LoadOrders.dtsConfig", dts);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Ssis-Etl#7", "St4ge-pw"]);
        assert_eq!(
            got[0].2,
            "password in the connection string of connection Orders in an SSIS .dtsConfig"
        );
    }

    #[test]
    fn mongod_conf_passwords() {
        let text = "storage:\n  dbPath: /var/lib/mongodb\nnet:\n  port: 27017\n  tls:\n    mode: requireTLS\n    certificateKeyFile: /etc/ssl/mongod.pem\n    certificateKeyFilePassword: \"Tls-K3y-pass\"\nsecurity:\n  authorization: enabled\n  ldap:\n    servers: ldap.acme.test\n    bind:\n      queryUser: \"cn=mongo,ou=svc,dc=acme,dc=test\"\n      queryPassword: Ld4p-Bind!\n  kmip:\n    clientCertificatePassword: ${KMIP_PASS}\n";
        let got = found("etc/mongod.conf", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Tls-K3y-pass", "Ld4p-Bind!"]);
        assert_eq!(
            got[1].2,
            "security.ldap.bind.queryPassword in a MongoDB server configuration file"
        );
    }

    #[test]
    fn odbc_ini_dsns() {
        let text = "[ODBC Data Sources]\nwarehouse = PostgreSQL Unicode\n\n[warehouse]\nDriver = PostgreSQL Unicode\nServername = dw.acme.test\nPort = 5432\nDatabase = dw\nUserName = etl\nPassword = Dw-Etl#2024\n\n[mssql]\nDriver=ODBC Driver 18 for SQL Server\nServer=tcp:sql01.acme.test,1433\nUID=report\nPWD=${MSSQL_PWD}\n";
        let got = found("etc/odbc.ini", text);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "Dw-Etl#2024");
        assert_eq!(
            got[0].2,
            "Password of the ODBC data source [warehouse] (etl@dw.acme.test) in an odbc.ini"
        );
        assert_eq!(secrets("home/me/.odbc.ini", "[x]\nPWD=p4ss-w0rd\n"), vec!["p4ss-w0rd"]);
    }
}
