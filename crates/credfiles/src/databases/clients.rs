//! Database client settings: pgAdmin 4 `servers.json`, DBeaver's
//! `data-sources*.json` and `credentials-config.json`, Robo 3T's
//! `robo3t.json`, JetBrains IDEs' `dataSources*.xml` and `webServers.xml`.

use std::collections::HashMap;
use std::ops::Range;

use crate::model::{Credential, FileName};
use crate::syntax::percent_decode;
use crate::syntax::{is_secret_key, json, placeholder, xml};

fn head(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.len().min(4096)]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn keep(bytes: &[u8], span: &Range<usize>) -> bool {
    placeholder::is_credential(&bytes[span.clone()])
}

// ---------------------------------------------------------------- pgAdmin

/// pgAdmin 4's server definitions (`setup.py --load-servers`, the
/// container's `/pgadmin4/servers.json`): any JSON file whose head has a
/// `"Servers"` object with pgAdmin's field names.
pub(crate) fn is_pgadmin_servers(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let h = head(bytes);
    f.name_ends_with(&[".json"])
        && contains(h, b"\"Servers\"")
        && (contains(h, b"\"MaintenanceDB\"") || contains(h, b"\"SSLMode\"") || contains(h, b"\"Group\""))
}

/// `Servers.{n}.Password`, `TunnelPassword` and
/// `ConnectionParameters.password`; `PassFile` only names a file.
pub(crate) fn pgadmin_servers(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let mut info: HashMap<&str, (String, String, String)> = HashMap::new();
    for s in &scalars {
        if s.path.len() == 3 && s.path[0] == "Servers" {
            let e = info.entry(s.path[1].as_str()).or_default();
            match s.path[2].as_str() {
                "Name" => e.0 = s.value.clone(),
                "Username" => e.1 = s.value.clone(),
                "Host" | "HostAddr" if e.2.is_empty() => e.2 = s.value.clone(),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        if s.path.first().map(String::as_str) != Some("Servers") || s.path.len() < 3 || !s.is_string {
            continue;
        }
        let key = s.key().to_ascii_lowercase();
        let what = match (s.path.len(), key.as_str()) {
            (3, "password") => "password",
            (3, "tunnelpassword") => "SSH tunnel password",
            (4, "password") if s.path[2] == "ConnectionParameters" => "password",
            (4, "sslpassword") if s.path[2] == "ConnectionParameters" => "SSL key passphrase",
            _ => continue,
        };
        if !keep(bytes, &s.span) {
            continue;
        }
        let (name, user, host) = info.get(s.path[1].as_str()).cloned().unwrap_or_default();
        out.push(Credential::plain(
            "pgadmin-server-password",
            s.span.clone(),
            format!("{what} of pgAdmin server \"{name}\" ({user}@{host}) in a servers.json"),
        ));
    }
    out
}

// ---------------------------------------------------------------- DBeaver

/// `.dbeaver/data-sources.json` and the extra `data-sources-*.json` files
/// DBeaver and CloudBeaver read from the same folder.
pub(crate) fn is_dbeaver_data_sources(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_starts_with("data-sources")
        && f.name_ends_with(&[".json"])
        && (f.in_dir(".dbeaver") || contains(head(bytes), b"\"connections\""))
}

/// Values under `connections.<id>` whose key names a secret (a
/// `configuration.password` saved in plain, `auth-properties.userPassword`
/// pre-configured for the first connection, network handlers' passwords),
/// and a password inside `configuration.url`.
pub(crate) fn dbeaver_data_sources(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let mut names: HashMap<&str, &str> = HashMap::new();
    for s in &scalars {
        if s.path.len() == 3 && s.path[0] == "connections" && s.path[2] == "name" {
            names.insert(s.path[1].as_str(), s.value.as_str());
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        if s.path.len() < 3 || s.path[0] != "connections" || !s.is_string {
            continue;
        }
        let id = s.path[1].as_str();
        let conn = match names.get(id) {
            Some(n) => format!("\"{n}\" ({id})"),
            None => id.to_string(),
        };
        let key = s.key();
        if key == "url" && s.path.len() == 4 && s.path[2] == "configuration" {
            if let Some((span, rule)) = jdbc_password(bytes, s.span.clone()) {
                out.push(Credential::plain(
                    rule,
                    span,
                    format!("password in the JDBC URL of DBeaver connection {conn} in data-sources.json"),
                ));
            }
            continue;
        }
        let lower = key.to_ascii_lowercase();
        if !is_secret_key(key) || lower.starts_with("save") || lower.contains("model") || !keep(bytes, &s.span) {
            continue;
        }
        let place = match s.path.get(3).map(String::as_str) {
            Some("auth-properties") => "auth-properties",
            Some("handlers") => "network handler",
            _ => "configuration",
        };
        out.push(Credential::plain(
            "dbeaver-datasource-password",
            s.span.clone(),
            format!("{key} in the {place} of DBeaver connection {conn} saved in plain in data-sources.json"),
        ));
    }
    out
}

/// DBeaver's documented static key for `credentials-config.json`
/// (AES-128-CBC, the IV in the file's first 16 bytes).
const DBEAVER_KEY: [u8; 16] = [
    0xba, 0xbb, 0x4a, 0x9f, 0x77, 0x4a, 0xb8, 0x53, 0xc9, 0x6c, 0x2d, 0x65, 0x3d, 0xfe, 0x54, 0x4a,
];

/// `credentials-config.json` (DBeaver, CloudBeaver): ciphertext whose
/// length is whole AES blocks after a 16-byte IV.
pub(crate) fn is_dbeaver_credentials(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_is(&["credentials-config.json"]) && bytes.len() >= 32 && bytes.len().is_multiple_of(16)
}

/// The plain JSON of a `credentials-config.json`, if DBeaver's key opens it.
pub(crate) fn dbeaver_decrypt(bytes: &[u8]) -> Option<Vec<u8>> {
    use aes::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
    if bytes.len() < 32 || !bytes.len().is_multiple_of(16) {
        return None;
    }
    let (iv, body) = bytes.split_at(16);
    let mut buf = body.to_vec();
    let dec = cbc::Decryptor::<aes::Aes128>::new(&DBEAVER_KEY.into(), iv.try_into().ok()?);
    let plain = dec.decrypt_padded::<Pkcs7>(&mut buf).ok()?;
    Some(plain.to_vec())
}

/// Each `password` of the decrypted `{"<connection id>": {"#connection":
/// {"user": …, "password": …}, "network/ssh_tunnel": {…}}}`. The span is
/// the ciphertext bytes that decrypt to the password (a finding needs a
/// place; inside a ciphertext it is only nominal).
pub(crate) fn dbeaver_credentials(bytes: &[u8]) -> Vec<Credential> {
    let Some(plain) = dbeaver_decrypt(bytes) else {
        return Vec::new();
    };
    let scalars = json::scalars(&plain);
    let mut users: HashMap<(&str, &str), &str> = HashMap::new();
    for s in &scalars {
        if s.path.len() == 3 && s.key() == "user" {
            users.insert((s.path[0].as_str(), s.path[1].as_str()), s.value.as_str());
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        if s.path.len() != 3
            || !s.is_string
            || !is_secret_key(s.key())
            || !placeholder::is_credential(s.value.as_bytes())
        {
            continue;
        }
        let (id, part) = (s.path[0].as_str(), s.path[1].as_str());
        let user = users.get(&(id, part)).map_or(String::new(), |u| format!(" (user {u})"));
        let what = match part {
            "#connection" => "password".to_string(),
            p if p.starts_with("network/") => format!("{} password", &p[8..]),
            p => format!("{p} password"),
        };
        let span = (16 + s.span.start).min(bytes.len())..(16 + s.span.end).min(bytes.len());
        out.push(Credential::decoded(
            "dbeaver-credentials-config",
            span,
            vec!["dbeaver-aes"],
            s.value.clone().into_bytes(),
            format!(
                "{what} of DBeaver connection {id}{user} in credentials-config.json, decrypted with DBeaver's built-in key"
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------- Robo 3T

/// Robo 3T's `~/.3T/robo-3t/<version>/robo3t.json` and Robomongo's
/// `robomongo.json`.
pub(crate) fn is_robo3t(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["robo3t.json", "robomongo.json"])
}

/// `connections[].credentials[].userPassword`, `ssh.userPassword`,
/// `ssh.passphrase` and `ssl.pemPassPhrase`.
pub(crate) fn robo3t(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let mut conns: HashMap<&str, (String, String)> = HashMap::new();
    let mut users: HashMap<(&str, &str, &str), &str> = HashMap::new();
    for s in &scalars {
        if s.path.len() == 3 && s.path[0] == "connections" {
            let e = conns.entry(s.path[1].as_str()).or_default();
            match s.path[2].as_str() {
                "connectionName" => e.0 = s.value.clone(),
                "serverHost" => e.1 = s.value.clone(),
                _ => {}
            }
        }
        if s.path.len() >= 4 && s.path[0] == "connections" && s.key() == "userName" {
            let idx = if s.path.len() == 5 { s.path[3].as_str() } else { "" };
            users.insert((s.path[1].as_str(), s.path[2].as_str(), idx), s.value.as_str());
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        if s.path.first().map(String::as_str) != Some("connections") || !s.is_string || s.path.len() < 4 {
            continue;
        }
        let section = s.path[2].as_str();
        let what = match (section, s.key(), s.path.len()) {
            ("credentials", "userPassword", 5) => "MongoDB password",
            ("ssh", "userPassword", 4) => "SSH password",
            ("ssh", "passphrase", 4) => "SSH key passphrase",
            ("ssl", "pemPassPhrase", 4) => "TLS key passphrase",
            _ => continue,
        };
        if !keep(bytes, &s.span) {
            continue;
        }
        let idx = if s.path.len() == 5 { s.path[3].as_str() } else { "" };
        let user = users
            .get(&(s.path[1].as_str(), section, idx))
            .filter(|u| !u.is_empty())
            .map_or(String::new(), |u| format!(" of user {u}"));
        let (name, host) = conns.get(s.path[1].as_str()).cloned().unwrap_or_default();
        out.push(Credential::plain(
            "robo3t-password",
            s.span.clone(),
            format!("{what}{user} of Robo 3T connection \"{name}\" ({host}) in robo3t.json"),
        ));
    }
    out
}

// ---------------------------------------------------------- MongoDB Compass

/// MongoDB Compass's exported connections (`{"type": "Compass
/// Connections", …}`) and the files under its `Connections` folder.
pub(crate) fn is_compass(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_ends_with(&[".json"])
        && (contains(head(bytes), b"\"Compass Connections\"")
            || (f.in_dir("MongoDB Compass/Connections") && contains(head(bytes), b"\"connectionOptions\"")))
}

/// The password in each `connectionOptions.connectionString` (exported
/// without a passphrase, the secrets stay in the URI) and the SSH tunnel's
/// `password` / `identityKeyPassphrase`.
pub(crate) fn compass(bytes: &[u8]) -> Vec<Credential> {
    let scalars = json::scalars(bytes);
    let conn_key = |path: &[String]| -> String {
        // The connection: `connections.N` in an export, the file itself
        // (`connectionInfo`) in Compass's folder.
        match path.first().map(String::as_str) {
            Some("connections") => path.get(1).cloned().unwrap_or_default(),
            _ => String::new(),
        }
    };
    let mut names: HashMap<String, String> = HashMap::new();
    for s in &scalars {
        if s.key() == "name" && s.parent(1) == Some("favorite") {
            names.insert(conn_key(&s.path), s.value.clone());
        }
    }
    let mut out = Vec::new();
    for s in &scalars {
        if !s.is_string || !s.path.iter().any(|p| p == "connectionOptions") {
            continue;
        }
        let name = names
            .get(&conn_key(&s.path))
            .map_or(String::new(), |n| format!(" \"{n}\""));
        if s.key() == "connectionString" {
            if let Some(r) = uri_password(bytes, s.span.clone()) {
                out.push(Credential::plain(
                    "mongodb-uri-password",
                    r,
                    format!("password in the connection string of MongoDB Compass connection{name}"),
                ));
            }
            continue;
        }
        let what = match (s.parent(1), s.key()) {
            (Some("sshTunnel"), "password") => "SSH tunnel password",
            (Some("sshTunnel"), "identityKeyPassphrase") => "SSH key passphrase",
            _ => continue,
        };
        if keep(bytes, &s.span) {
            out.push(Credential::plain(
                "mongodb-compass-password",
                s.span.clone(),
                format!("{what} of MongoDB Compass connection{name}"),
            ));
        }
    }
    out
}

/// The mongo shell's start-up scripts (`.mongorc.js`, mongosh's
/// `.mongoshrc.js`).
pub(crate) fn is_mongorc(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&[".mongorc.js", ".mongoshrc.js", "mongorc.js", "mongoshrc.js"])
}

/// `db.auth("user", "pw")`, `db.auth({user: "u", pwd: "pw"})` (on any
/// database handle) and `mongodb://user:pw@…` URIs in string literals.
/// `//` and `/* */` comments are skipped.
pub(crate) fn mongorc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut i = 0;
    let string_at = |j: usize| -> Option<(Range<usize>, usize)> {
        let q = *bytes.get(j)?;
        if !matches!(q, b'"' | b'\'' | b'`') {
            return None;
        }
        let mut k = j + 1;
        while k < bytes.len() && bytes[k] != q && bytes[k] != b'\n' {
            k += if bytes[k] == b'\\' { 2 } else { 1 };
        }
        (k < bytes.len() && bytes[k] == q).then_some((j + 1..k, k + 1))
    };
    let skip_ws = |mut j: usize| {
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        j
    };
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            i += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            continue;
        }
        if rest.starts_with(b"/*") {
            i += rest
                .windows(2)
                .skip(2)
                .position(|w| w == b"*/")
                .map_or(rest.len(), |p| p + 4);
            continue;
        }
        if let Some((span, next)) = string_at(i) {
            if bytes[span.clone()].starts_with(b"mongodb") {
                if let Some(r) = uri_password(bytes, span) {
                    out.push(Credential::plain(
                        "mongodb-uri-password",
                        r,
                        "password in a mongodb:// URI of a mongo shell start-up script".to_string(),
                    ));
                }
            }
            i = next;
            continue;
        }
        if rest.starts_with(b".auth(") {
            let mut j = skip_ws(i + 6);
            let mut user = String::new();
            let mut pw = None;
            if let Some((u, next)) = string_at(j) {
                user = String::from_utf8_lossy(&bytes[u]).into_owned();
                j = skip_ws(next);
                if bytes.get(j) == Some(&b',') {
                    pw = string_at(skip_ws(j + 1)).map(|(r, _)| r);
                }
            } else if bytes.get(j) == Some(&b'{') {
                // Keys up to the closing brace (bounded).
                let end = bytes[j..]
                    .iter()
                    .take(1024)
                    .position(|&b| b == b'}')
                    .map_or(j, |p| j + p);
                let mut k = j + 1;
                while k < end {
                    let key_end = bytes[k..end].iter().position(|&b| b == b':').map_or(end, |p| k + p);
                    let key: String = String::from_utf8_lossy(&bytes[k..key_end])
                        .trim()
                        .trim_matches(|c| c == '"' || c == '\'' || c == ',')
                        .trim()
                        .to_string();
                    let v = skip_ws(key_end + 1);
                    let Some((r, next)) = string_at(v) else { break };
                    match key.as_str() {
                        "user" => user = String::from_utf8_lossy(&bytes[r]).into_owned(),
                        "pwd" | "password" => pw = Some(r),
                        _ => {}
                    }
                    k = next;
                }
            }
            if let Some(r) = pw.filter(|r| keep(bytes, r)) {
                let who = if user.is_empty() {
                    String::new()
                } else {
                    format!(" of user {user}")
                };
                out.push(Credential::plain(
                    "mongodb-shell-auth-password",
                    r,
                    format!("password{who} passed to db.auth() in a mongo shell start-up script"),
                ));
            }
            i += 6;
            continue;
        }
        i += 1;
    }
    out
}

/// The password of a `scheme://user:password@host` URI at `span`.
fn uri_password(bytes: &[u8], span: Range<usize>) -> Option<Range<usize>> {
    let url = &bytes[span.clone()];
    let auth = url.windows(3).position(|w| w == b"://")? + 3;
    let rest = &url[auth..];
    let end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let at = rest[..end].iter().rposition(|&b| b == b'@')?;
    let colon = rest[..at].iter().position(|&b| b == b':')?;
    let r = span.start + auth + colon + 1..span.start + auth + at;
    (r.start < r.end && placeholder::is_credential(&percent_decode(&bytes[r.clone()]))).then_some(r)
}

// --------------------------------------------------------------- JetBrains

/// `.idea/dataSources.xml`, `.idea/dataSources.local.xml` (and the IDE-wide
/// copies under `options/`).
pub(crate) fn is_jetbrains_datasources(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["dataSources.xml", "dataSources.local.xml"]) && (f.in_dir(".idea") || f.in_dir("options"))
}

/// Per `<data-source>`: a password in `<jdbc-url>`, `<user-password>`
/// (old IDEs, obfuscated with `PasswordUtil`), and driver `<property
/// name="password" value="…">`.
pub(crate) fn jetbrains_datasources(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ds in doc.descendants().filter(|n| n.has_tag_name("data-source")) {
        let name = ds.attribute("name").unwrap_or("");
        let user = ds
            .descendants()
            .find(|n| n.has_tag_name("user-name"))
            .and_then(|n| n.text())
            .map_or(String::new(), |u| format!(" (user {})", u.trim()));
        for n in ds.descendants().filter(roxmltree::Node::is_element) {
            let tag = n.tag_name().name();
            if tag == "jdbc-url" {
                if let Some((span, _)) = xml::text(bytes, n) {
                    if let Some((span, rule)) = jdbc_password(bytes, span) {
                        out.push(Credential::plain(
                            rule,
                            span,
                            format!(
                                "password in the JDBC URL of data source \"{name}\" in a JetBrains dataSources file"
                            ),
                        ));
                    }
                }
            } else if tag == "user-password" || tag == "password" {
                if let Some((span, value)) = xml::text(bytes, n) {
                    out.extend(jetbrains_password(
                        "jetbrains-datasource-password",
                        span,
                        &value,
                        format!("password of data source \"{name}\"{user} in a JetBrains dataSources file"),
                    ));
                }
            } else if tag == "property" {
                let key = n.attribute("name").unwrap_or("");
                if !is_secret_key(key) {
                    continue;
                }
                if let Some((span, value)) = xml::attribute(bytes, n, "value") {
                    if placeholder::is_credential(value.as_bytes()) {
                        out.push(Credential::plain(
                            "jetbrains-datasource-password",
                            span,
                            format!(
                                "driver property {key} of data source \"{name}\"{user} in a JetBrains dataSources file"
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// `webServers.xml` (`.idea/` or the IDE's `options/`): deployment
/// servers.
pub(crate) fn is_jetbrains_webservers(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["webServers.xml"]) && (f.in_dir(".idea") || f.in_dir("options"))
}

/// `<fileTransfer … password="…">`: plain or `PasswordUtil`-obfuscated.
pub(crate) fn jetbrains_webservers(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for n in doc.descendants().filter(|n| n.has_tag_name("fileTransfer")) {
        let Some((span, value)) = xml::attribute(bytes, n, "password") else {
            continue;
        };
        let server = n
            .ancestors()
            .find(|a| a.has_tag_name("webServer"))
            .and_then(|a| a.attribute("name"))
            .unwrap_or("");
        let host = n.attribute("host").unwrap_or("");
        let user = ["username", "login", "user"]
            .iter()
            .find_map(|k| n.attribute(*k))
            .map_or(String::new(), |u| format!("{u}@"));
        let proto = n.attribute("accessType").unwrap_or("FTP");
        out.extend(jetbrains_password(
            "jetbrains-webserver-password",
            span,
            &value,
            format!("{proto} password of deployment server \"{server}\" ({user}{host}) in a JetBrains webServers.xml"),
        ));
    }
    out
}

/// JetBrains' `PasswordUtil.encodePassword`: each UTF-16 unit XORed with
/// 0xdfaa and written as four hex digits. `None` when `v` is not that.
pub(crate) fn jetbrains_decode(v: &str) -> Option<String> {
    if v.is_empty() || !v.len().is_multiple_of(4) || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut units = Vec::with_capacity(v.len() / 4);
    for i in (0..v.len()).step_by(4) {
        let u = u16::from_str_radix(&v[i..i + 4], 16).ok()? ^ 0xdfaa;
        if u < 0x20 || u == 0x7f {
            return None;
        }
        units.push(u);
    }
    String::from_utf16(&units).ok()
}

fn jetbrains_password(rule: &'static str, span: Range<usize>, value: &str, reason: String) -> Option<Credential> {
    if let Some(plain) = jetbrains_decode(value) {
        if !placeholder::is_credential(plain.as_bytes()) {
            return None;
        }
        return Some(Credential::decoded(
            rule,
            span,
            vec!["jetbrains-xor"],
            plain.into_bytes(),
            format!("{reason} (obfuscated with JetBrains' PasswordUtil)"),
        ));
    }
    placeholder::is_credential(value.as_bytes()).then(|| Credential::plain(rule, span, reason))
}

// -------------------------------------------------------------------- JDBC

/// The password in a JDBC URL at `span` of `bytes`: a `password=`/`pwd=`
/// parameter (`?…&…` or `;…`), `user:password@` user info, or Oracle's
/// `thin:user/password@`. Works on the stored bytes, so an XML `&amp;`
/// between parameters is just another separator.
pub(crate) fn jdbc_password(bytes: &[u8], span: Range<usize>) -> Option<(Range<usize>, &'static str)> {
    let url = &bytes[span.clone()];
    let lower = url.to_ascii_lowercase();
    if !lower.starts_with(b"jdbc:") {
        return None;
    }
    let ok = |r: &Range<usize>| r.start < r.end && placeholder::is_credential(&bytes[r.clone()]);
    if let Some(rest) = lower.strip_prefix(b"jdbc:oracle:thin:") {
        let off = url.len() - rest.len();
        let at = rest.iter().position(|&b| b == b'@')?;
        let slash = rest[..at].iter().position(|&b| b == b'/')?;
        let r = span.start + off + slash + 1..span.start + off + at;
        return ok(&r).then_some((r, "jdbc-oracle-thin-password"));
    }
    // Parameters.
    let mut i = 0;
    while i < url.len() {
        if matches!(url[i], b'?' | b'&' | b';') {
            let key_start = i + 1;
            let Some(eq) = url[key_start..]
                .iter()
                .position(|&b| b == b'=' || matches!(b, b'?' | b'&' | b';'))
            else {
                break;
            };
            let eq = key_start + eq;
            if url[eq] == b'=' {
                let key = &lower[key_start..eq];
                if matches!(key, b"password" | b"pwd" | b"user.password") {
                    let end = url[eq + 1..]
                        .iter()
                        .position(|&b| matches!(b, b'&' | b';') || b.is_ascii_whitespace())
                        .map_or(url.len(), |p| eq + 1 + p);
                    let r = span.start + eq + 1..span.start + end;
                    return ok(&r).then_some((r, "jdbc-url-password"));
                }
            }
            i = eq;
            continue;
        }
        i += 1;
    }
    // user:password@host after `//`.
    let auth = contains(url, b"//").then(|| url.windows(2).position(|w| w == b"//"))??;
    let rest = &url[auth + 2..];
    let end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b';'))
        .unwrap_or(rest.len());
    let at = rest[..end].iter().rposition(|&b| b == b'@')?;
    let colon = rest[..at].iter().position(|&b| b == b':')?;
    let r = span.start + auth + 2 + colon + 1..span.start + auth + 2 + at;
    ok(&r).then_some((r, "jdbc-url-password"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{found, secrets};

    #[test]
    fn pgadmin_servers_passwords() {
        let text = r#"{
    "Servers": {
        "1": {
            "Name": "Production",
            "Group": "Acme",
            "Host": "pg-prod.acme.test",
            "Port": 5432,
            "MaintenanceDB": "postgres",
            "Username": "dba",
            "Password": "Pg-Pr0d!2024",
            "PassFile": "/pgpass",
            "SSLMode": "require",
            "TunnelPassword": "tunn3l-Pw",
            "PasswordExecCommand": "pass show pg/prod"
        },
        "2": {
            "Name": "Staging",
            "Group": "Acme",
            "Host": "pg-stg.acme.test",
            "MaintenanceDB": "postgres",
            "Username": "app",
            "ConnectionParameters": {"sslmode": "prefer", "passfile": "/pgpass", "password": "st4ging-pw"}
        },
        "3": {"Name": "Local", "Group": "Dev", "Host": "localhost", "MaintenanceDB": "postgres", "Password": "${PG_PASSWORD}"}
    }
}"#;
        let got = found("pgadmin/servers.json", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Pg-Pr0d!2024", "tunn3l-Pw", "st4ging-pw"]);
        assert_eq!(
            got[0].2,
            "password of pgAdmin server \"Production\" (dba@pg-prod.acme.test) in a servers.json"
        );
        assert!(crate::read("package.json", br#"{"name": "x", "Servers": {}}"#).is_none());
    }

    #[test]
    fn dbeaver_data_sources_plain() {
        let text = r#"{
	"folders": {},
	"connections": {
		"postgres-jdbc-18f0a1b2c3d-5e6f7a8b9c0d1e2f": {
			"provider": "postgresql",
			"driver": "postgres-jdbc",
			"name": "orders-prod",
			"save-password": true,
			"configuration": {
				"host": "orders.db.acme.test",
				"port": "5432",
				"database": "orders",
				"url": "jdbc:postgresql://orders.db.acme.test:5432/orders",
				"configurationType": "MANUAL",
				"type": "prod",
				"auth-model": "native",
				"auth-properties": {"userName": "orders_app", "userPassword": "0rders#Pw1"}
			}
		},
		"mysql8-18f0a1b2c3e-1a2b3c4d5e6f7a8b": {
			"provider": "mysql",
			"driver": "mysql8",
			"name": "legacy",
			"configuration": {
				"url": "jdbc:mysql://legacy.acme.test:3306/shop?user=shop&password=Sh0p-Legacy",
				"user": "shop",
				"password": "Sh0p-Legacy2",
				"handlers": {"ssh_tunnel": {"type": "TUNNEL", "enabled": true, "save-password": true, "properties": {"host": "bastion.acme.test", "password": "Bast10n!pw"}}}
			}
		},
		"sqlite-1": {"name": "scratch", "configuration": {"password": ""}}
	}
}"#;
        let got = found("workspace6/General/.dbeaver/data-sources.json", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["0rders#Pw1", "Sh0p-Legacy", "Sh0p-Legacy2", "Bast10n!pw"]);
        assert_eq!(got[1].1, "jdbc-url-password");
        assert_eq!(
            got[0].2,
            "userPassword in the auth-properties of DBeaver connection \"orders-prod\" (postgres-jdbc-18f0a1b2c3d-5e6f7a8b9c0d1e2f) saved in plain in data-sources.json"
        );
    }

    /// Encrypts `plain` as DBeaver does (the test's own fixture: no binary
    /// with a secret is committed).
    pub(crate) fn dbeaver_encrypt(plain: &[u8], iv: [u8; 16]) -> Vec<u8> {
        use aes::cipher::{block_padding::Pkcs7, BlockModeEncrypt, KeyIvInit};
        let mut buf = plain.to_vec();
        buf.resize(plain.len() + 16, 0);
        let enc = cbc::Encryptor::<aes::Aes128>::new(&DBEAVER_KEY.into(), &iv.into());
        let n = enc
            .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
            .expect("room for padding")
            .len();
        buf.truncate(n);
        let mut out = iv.to_vec();
        out.extend(buf);
        out
    }

    #[test]
    fn dbeaver_credentials_decrypted() {
        let plain = br##"{"postgres-jdbc-18f0a1b2c3d-5e6f7a8b9c0d1e2f":{"#connection":{"user":"orders_app","password":"0rders#Pw1"},"network/ssh_tunnel":{"user":"jump","password":"Jump-h0st!"}},"mysql8-18f0a1b2c3e-1a2b3c4d5e6f7a8b":{"#connection":{"user":"root","password":""}}}"##;
        let file = dbeaver_encrypt(
            plain,
            *b"\x10\x32\x54\x76\x98\xba\xdc\xfe\x01\x23\x45\x67\x89\xab\xcd\xef",
        );
        assert_eq!(dbeaver_decrypt(&file).as_deref(), Some(&plain[..]));
        let (family, got) = crate::read("General/.dbeaver/credentials-config.json", &file).expect("recognised");
        assert_eq!(family, "dbeaver-credentials");
        assert_eq!(got.len(), 2, "{got:?}");
        let d = got[0].decoded.as_ref().expect("decoded");
        assert_eq!(d.secret, b"0rders#Pw1");
        assert_eq!(d.chain, vec!["dbeaver-aes"]);
        assert_eq!(
            got[0].reason,
            "password of DBeaver connection postgres-jdbc-18f0a1b2c3d-5e6f7a8b9c0d1e2f (user orders_app) in credentials-config.json, decrypted with DBeaver's built-in key"
        );
        assert_eq!(got[1].decoded.as_ref().unwrap().secret, b"Jump-h0st!");
        assert!(got[1].reason.starts_with("ssh_tunnel password of DBeaver connection"));
        // Not DBeaver's key, or not a ciphertext: nothing, no panic.
        let mut bad = file.clone();
        bad[20] ^= 0xff;
        let _ = crate::read("credentials-config.json", &bad);
        assert!(crate::read("credentials-config.json", b"{\"a\": 1}").is_none());
    }

    #[test]
    fn robo3t_connections() {
        let text = r#"{
    "autoExpand": true,
    "connections": [
        {
            "connectionName": "atlas-prod",
            "serverHost": "cluster0-shard-00-00.acme.test",
            "serverPort": 27017,
            "credentials": [
                {"databaseName": "admin", "enabled": true, "mechanism": "SCRAM-SHA-1", "userName": "ops", "userPassword": "M0ngo-0ps!"},
                {"databaseName": "app", "enabled": false, "userName": "", "userPassword": ""}
            ],
            "ssh": {"enabled": true, "host": "bastion.acme.test", "port": 22, "userName": "ec2-user", "userPassword": "", "passphrase": "k3y-Phrase", "method": "publickey", "privateKeyFile": "/home/me/.ssh/id_ed25519"},
            "ssl": {"enabled": false, "pemKeyFile": "", "pemPassPhrase": ""}
        }
    ]
}"#;
        let got = found(".3T/robo-3t/1.4.4/robo3t.json", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["M0ngo-0ps!", "k3y-Phrase"]);
        assert_eq!(
            got[0].2,
            "MongoDB password of user ops of Robo 3T connection \"atlas-prod\" (cluster0-shard-00-00.acme.test) in robo3t.json"
        );
        assert_eq!(got[1].2, "SSH key passphrase of user ec2-user of Robo 3T connection \"atlas-prod\" (cluster0-shard-00-00.acme.test) in robo3t.json");
    }

    #[test]
    fn compass_exports() {
        let text = r#"{
  "type": "Compass Connections",
  "version": {"$numberInt": "1"},
  "connections": [
    {
      "id": "8c1f3e2a-4b5d-4c6e-9f70-1a2b3c4d5e6f",
      "favorite": {"name": "catalog prod", "color": "color3"},
      "connectionOptions": {
        "connectionString": "mongodb+srv://catalog_ops:C4t%40log-0ps@catalog.mongo.acme.test/?authSource=admin",
        "sshTunnel": {"host": "bastion.acme.test", "port": 22, "username": "jump", "password": "Jump-T0nnel"}
      }
    },
    {
      "id": "0f9e8d7c-6b5a-4948-8372-615243342516",
      "favorite": {"name": "local"},
      "connectionOptions": {"connectionString": "mongodb://localhost:27017/?directConnection=true"}
    },
    {
      "id": "11111111-2222-4333-8444-555555555555",
      "connectionOptions": {"connectionString": "mongodb://ci:${MONGO_PASSWORD}@ci.acme.test/"},
      "connectionSecrets": "AAGSEEDbase64ciphertext"
    }
  ]
}"#;
        let got = found("exports/compass-connections.json", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["C4t%40log-0ps", "Jump-T0nnel"]);
        assert_eq!(got[0].1, "mongodb-uri-password");
        assert_eq!(
            got[0].2,
            "password in the connection string of MongoDB Compass connection \"catalog prod\""
        );
        assert_eq!(
            got[1].2,
            "SSH tunnel password of MongoDB Compass connection \"catalog prod\""
        );
    }

    #[test]
    fn mongo_shell_scripts() {
        let text = "// connect to the ops cluster on start\n// db.auth('old', 'in-a-comment')\nvar ops = connect('mongodb://ops:Sh3ll-Ops!@ops.mongo.acme.test:27017/admin');\ndb.getSiblingDB('admin').auth(\"root\", \"R00t-Shell#1\");\ndb.auth({ user: 'reporter', pwd: 'Rep-0rt3r', mechanism: 'SCRAM-SHA-256' });\ndb.auth('ci', process.env.MONGO_PW);\nprompt = function() { return db + '> '; };\n";
        let got = found("home/dev/.mongorc.js", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Sh3ll-Ops!", "R00t-Shell#1", "Rep-0rt3r"]);
        assert_eq!(got[0].1, "mongodb-uri-password");
        assert_eq!(
            got[1].2,
            "password of user root passed to db.auth() in a mongo shell start-up script"
        );
        assert_eq!(got[2].1, "mongodb-shell-auth-password");
    }

    fn encode(p: &str) -> String {
        p.encode_utf16().map(|u| format!("{:x}", u ^ 0xdfaa)).collect()
    }

    #[test]
    fn jetbrains_files() {
        assert_eq!(jetbrains_decode(&encode("S3cr3t!")).as_deref(), Some("S3cr3t!"));
        assert_eq!(jetbrains_decode("plain-pw"), None);
        let text = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<project version="4">
  <component name="DataSourceManagerImpl" format="xml" multifile-model="true">
    <data-source source="LOCAL" name="shop@db.acme.test" uuid="3f1c2b8e-0d7a-4e59-9b1f-6c2d8e4a7b10">
      <driver-ref>mysql.8</driver-ref>
      <jdbc-driver>com.mysql.cj.jdbc.Driver</jdbc-driver>
      <jdbc-url>jdbc:mysql://db.acme.test:3306/shop?useSSL=true&amp;password=Sh0p!Url</jdbc-url>
      <user-name>shop</user-name>
      <user-password>{}</user-password>
      <driver-properties>
        <property name="password" value="Pr0p-pw" />
        <property name="connectTimeout" value="5000" />
      </driver-properties>
    </data-source>
    <data-source source="LOCAL" name="reports" uuid="aa">
      <jdbc-url>jdbc:oracle:thin:rep/0racle-Rep@ora.acme.test:1521/REP</jdbc-url>
      <jdbc-url>jdbc:postgresql://localhost:5432/dev</jdbc-url>
    </data-source>
  </component>
</project>"#,
            encode("0ld-Xor-pw")
        );
        let got = found("proj/.idea/dataSources.xml", &text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Sh0p!Url", "0ld-Xor-pw", "Pr0p-pw", "0racle-Rep"]);
        assert_eq!(got[0].1, "jdbc-url-password");
        assert_eq!(got[3].1, "jdbc-oracle-thin-password");
        assert_eq!(
            got[1].2,
            "password of data source \"shop@db.acme.test\" (user shop) in a JetBrains dataSources file (obfuscated with JetBrains' PasswordUtil)"
        );

        let web = format!(
            r#"<application>
  <component name="WebServers">
    <option name="servers">
      <webServer id="b7c1" name="prod-ftp" url="https://www.acme.test">
        <fileTransfer host="ftp.acme.test" port="21" accessType="FTP" username="deploy" password="{}" />
      </webServer>
      <webServer id="b7c2" name="stage">
        <fileTransfer host="stage.acme.test" port="22" accessType="SFTP" username="web" password="Pl41n-sftp" />
      </webServer>
      <webServer id="b7c3" name="keys">
        <fileTransfer host="k.acme.test" port="22" accessType="SFTP" keyPair="true" />
      </webServer>
    </option>
  </component>
</application>"#,
            encode("Ftp-Depl0y")
        );
        let got = found("config/JetBrains/PhpStorm2024.1/options/webServers.xml", &web);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "Ftp-Depl0y");
        assert_eq!(
            got[0].2,
            "FTP password of deployment server \"prod-ftp\" (deploy@ftp.acme.test) in a JetBrains webServers.xml (obfuscated with JetBrains' PasswordUtil)"
        );
        assert_eq!(got[1].0, "Pl41n-sftp");
        assert_eq!(secrets("app/.idea/webServers.xml", &web).len(), 2);
    }
}
