//! Database credential files: `.pgpass`, MySQL option files (`.my.cnf`).

use crate::syntax::{ini, lines, placeholder};
use crate::{Credential, Reader};

pub(crate) const READERS: &[Reader] = &[
    Reader {
        family: "pgpass",
        rule_ids: &["pgpass-entry"],
        recognise: |f, _| f.name_is(&[".pgpass", "pgpass.conf", "pgpass"]),
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
];

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
