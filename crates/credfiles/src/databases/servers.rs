//! Database servers' and drivers' own configuration: `redis.conf` and
//! `sentinel.conf` (and ACL files), unixODBC's `odbc.ini`.

use std::collections::HashMap;

use crate::syntax::{ini, lines, placeholder, tokens};
use crate::{Credential, FileName};

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
