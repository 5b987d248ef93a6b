//! Database credential files: `.pgpass` (and pgAdmin's copy of it), MySQL
//! option files (`.my.cnf`), pgAdmin 4 `servers.json`, DBeaver's
//! `data-sources*.json` and AES-encrypted `credentials-config.json`,
//! Robo 3T's `robo3t.json`, MongoDB Compass connection exports, mongo
//! shell start-up scripts (`.mongorc.js`, `.mongoshrc.js`), JetBrains `.idea/dataSources*.xml` and
//! `webServers.xml`, SQL dumps (`CREATE USER … IDENTIFIED BY`, password
//! hashes in users tables), `/etc/shadow`-style files, `.htpasswd`,
//! `redis.conf`, `mongod.conf`, unixODBC's `odbc.ini`, OLE DB `.udl` files and SSIS
//! `.dtsConfig` package configurations.

mod clients;
mod hashes;
mod servers;
mod sql;

use crate::model::{Credential, FileName, Reader};
use crate::syntax::{ini, lines, placeholder};

pub(crate) const READERS: &[Reader] = &[
    Reader {
        family: "pgpass",
        rule_ids: &["pgpass-entry"],
        recognise: is_pgpass,
        read: pgpass,
    },
    Reader {
        family: "mysql-option-file",
        rule_ids: &["mysql-option-file-password"],
        recognise: |f, _| {
            f.name_is(&[
                ".my.cnf",
                "my.cnf",
                ".mylogin.cnf.txt",
                "my.ini",
                ".my.ini",
                "client.cnf",
                "mysql-client.cnf",
                "debian.cnf",
            ]) || (f.name_ends_with(&[".cnf"]) && (f.in_dir("mysql") || f.in_dir("mysql.conf.d") || f.in_dir("conf.d")))
        },
        read: mysql_option_file,
    },
    Reader {
        family: "pgadmin-servers",
        rule_ids: &["pgadmin-server-password"],
        recognise: clients::is_pgadmin_servers,
        read: clients::pgadmin_servers,
    },
    Reader {
        family: "dbeaver-data-sources",
        rule_ids: &["dbeaver-datasource-password", "jdbc-url-password"],
        recognise: clients::is_dbeaver_data_sources,
        read: clients::dbeaver_data_sources,
    },
    Reader {
        family: "dbeaver-credentials",
        rule_ids: &["dbeaver-credentials-config"],
        recognise: clients::is_dbeaver_credentials,
        read: clients::dbeaver_credentials,
    },
    Reader {
        family: "robo3t",
        rule_ids: &["robo3t-password"],
        recognise: clients::is_robo3t,
        read: clients::robo3t,
    },
    Reader {
        family: "mongodb-compass",
        rule_ids: &["mongodb-uri-password", "mongodb-compass-password"],
        recognise: clients::is_compass,
        read: clients::compass,
    },
    Reader {
        family: "mongo-shell-rc",
        rule_ids: &["mongodb-uri-password", "mongodb-shell-auth-password"],
        recognise: clients::is_mongorc,
        read: clients::mongorc,
    },
    Reader {
        family: "jetbrains-datasources",
        rule_ids: &[
            "jetbrains-datasource-password",
            "jdbc-url-password",
            "jdbc-oracle-thin-password",
        ],
        recognise: clients::is_jetbrains_datasources,
        read: clients::jetbrains_datasources,
    },
    Reader {
        family: "jetbrains-webservers",
        rule_ids: &["jetbrains-webserver-password"],
        recognise: clients::is_jetbrains_webservers,
        read: clients::jetbrains_webservers,
    },
    Reader {
        family: "redis-conf",
        rule_ids: &["redis-requirepass", "redis-acl-password"],
        recognise: servers::is_redis_conf,
        read: servers::redis_conf,
    },
    Reader {
        family: "odbc-ini",
        rule_ids: &["odbc-ini-password"],
        recognise: servers::is_odbc_ini,
        read: servers::odbc_ini,
    },
    Reader {
        family: "mongod-conf",
        rule_ids: &["mongod-conf-password"],
        recognise: servers::is_mongod_conf,
        read: servers::mongod_conf,
    },
    Reader {
        family: "oledb-udl",
        rule_ids: &["sqlserver-connection-string-password"],
        recognise: servers::is_udl,
        read: servers::udl,
    },
    Reader {
        family: "ssis-dtsconfig",
        rule_ids: &["sqlserver-connection-string-password"],
        recognise: servers::is_dtsconfig,
        read: servers::dtsconfig,
    },
    Reader {
        family: "sql-dump",
        rule_ids: &["sql-dump-password", "sql-dump-password-hash"],
        recognise: sql::is_sql,
        read: sql::sql_dump,
    },
    Reader {
        family: "unix-shadow",
        rule_ids: &["unix-shadow-hash"],
        recognise: hashes::is_shadow,
        read: hashes::shadow,
    },
    Reader {
        family: "htpasswd",
        rule_ids: &["htpasswd-hash"],
        recognise: hashes::is_htpasswd,
        read: hashes::htpasswd,
    },
];

/// `.pgpass`, Windows' `pgpass.conf`, and the copy pgAdmin 4 keeps in its
/// storage directory (`PassFile` of `servers.json`, often `/pgpass` in its
/// container, or `pgpassfile`).
fn is_pgpass(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&[".pgpass", "pgpass.conf", "pgpass", "pgpassfile", ".pgpassfile"])
        || (f.name_starts_with("pgpass") && (f.in_dir("pgadmin") || f.in_dir("pgadmin4") || f.in_dir("storage")))
}

/// `.pgpass`: `hostname:port:database:username:password` per line, `\:`
/// and `\\` escaped, `#` comments.
fn pgpass(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        if line.first() == Some(&b'#') || line.is_empty() {
            continue;
        }
        // Field boundaries, honouring backslash escapes.
        let mut fields = vec![0usize];
        let mut i = 0;
        while i < line.len() {
            match line[i] {
                b'\\' => i += 2,
                b':' => {
                    fields.push(i + 1);
                    i += 1;
                }
                _ => i += 1,
            }
            if fields.len() == 5 {
                break;
            }
        }
        if fields.len() < 5 {
            continue;
        }
        let start = span.start + fields[4];
        let value = start..span.end;
        if !placeholder::is_credential(&bytes[value.clone()]) {
            continue;
        }
        let field = |n: usize| String::from_utf8_lossy(&line[fields[n]..fields[n + 1] - 1]).into_owned();
        out.push(Credential::plain(
            "pgpass-entry",
            value,
            format!(
                "password field of a .pgpass entry for {}@{}/{}",
                field(3),
                field(0),
                field(2)
            ),
        ));
    }
    out
}

/// MySQL option files: `password=` (or `pass=`) in `[client]`,
/// `[mysql]`, `[mysqldump]` and the other client groups.
fn mysql_option_file(bytes: &[u8]) -> Vec<Credential> {
    ini::entries(bytes)
        .into_iter()
        .filter(|e| {
            let key = e.key.to_ascii_lowercase().replace('-', "_");
            matches!(key.as_str(), "password" | "pass" | "passwd")
                && placeholder::is_credential(&bytes[e.value.clone()])
        })
        .map(|e| {
            let section = if e.section.is_empty() {
                "client".to_string()
            } else {
                e.section.clone()
            };
            Credential::plain(
                "mysql-option-file-password",
                e.value,
                format!("password of the [{section}] group of a MySQL option file"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn pgpass_fields_with_escapes() {
        let text = "# prod\ndb.acme.test:5432:app:app_rw:hunter3\n*:*:*:postgres:pa\\:ss:word\nlocalhost:5432:*:me:\nbad line\n";
        let got = found(".pgpass", text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "hunter3");
        assert_eq!(
            got[0].2,
            "password field of a .pgpass entry for app_rw@db.acme.test/app"
        );
        assert_eq!(got[1].0, "pa\\:ss:word");
    }

    #[test]
    fn my_cnf_client_groups() {
        let text =
            "[client]\nuser=app\npassword=\"hunter3\"\n\n[mysqldump]\npassword = ${MYSQL_PWD}\n[mysql]\npass=dbpass1\n";
        assert_eq!(secrets(".my.cnf", text), vec!["hunter3", "dbpass1"]);
        assert_eq!(
            secrets("etc/mysql/conf.d/backup.cnf", "[client]\npassword=x9\n"),
            vec!["x9"]
        );
    }
}
