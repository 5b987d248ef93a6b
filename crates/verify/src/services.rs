//! Verifiers for credentials of services rather than APIs: PostgreSQL,
//! MySQL/MariaDB and Redis connection strings, SMTP and FTP logins
//! ([`smtp`], [`ftp`]) and SSH keys and passwords ([`ssh`]). Each connects to the host
//! named in the finding, authenticates, and disconnects: no query, no
//! command beyond `PING`.
//!
//! They run only under `--verify-network-services`, because those hosts
//! are the user's own infrastructure (a scan must not make a laptop dial
//! every database named in a repository on its own). They also never send
//! a password in clear text where the protocol has a better way: for
//! PostgreSQL only SCRAM-SHA-256 and MD5 challenges are answered (a server
//! asking for the cleartext password gets nothing), MySQL gets a scramble.
//! Redis's `AUTH` carries the password as is, like every Redis client.
//!
//! PostgreSQL messages and SCRAM come from `postgres-protocol` (the
//! sans-I/O half of rust-postgres). The MySQL handshake and Redis's RESP
//! are written here: the `mysql` and `redis` crates bring connection pools,
//! TLS stacks and async runtimes for what is one exchange of two or three
//! packets.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use keyhound_findings::{Status, Verification};
use keyhound_rules::verify_spec::VerifyKind;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use postgres_protocol::message::{backend, frontend};
use sha1::Sha1;
use sha2::{Digest, Sha256};

mod base;
mod ftp;
mod replies;
mod smtp;
mod ssh;

pub use base::ServiceError;
use base::{Answer, Target};
pub use smtp::tls_config;

/// Largest packet read from a server; handshakes are a few hundred bytes.
const MAX_PACKET: usize = 64 * 1024;

/// Verifies a service credential; never fails (problems are `unknown`).
/// `tls` is used by the protocols that need it ([`tls_config`]).
pub fn verify(
    kind: VerifyKind,
    values: &BTreeMap<String, String>,
    timeout: Duration,
    tls: &Arc<rustls::ClientConfig>,
) -> Verification {
    let answer = match kind {
        VerifyKind::Ssh if values.get("scheme").is_some_and(|s| s.eq_ignore_ascii_case("sftp")) => {
            Target::from_values(values, 22)
                .and_then(|t| ssh::ssh_password(&t.host, t.port, &t.user, &t.password, timeout))
        }
        VerifyKind::Ssh => {
            ssh_target(values).and_then(|(host, port, user, key)| ssh::ssh(&host, port, &user, key, timeout))
        }
        VerifyKind::Ftp => {
            let implicit = values.get("scheme").is_some_and(|s| s.eq_ignore_ascii_case("ftps"));
            let default_port = if implicit { 990 } else { 21 };
            Target::from_values(values, default_port).and_then(|t| ftp::ftp(&t, implicit, timeout, tls))
        }
        VerifyKind::Smtp => {
            let implicit = values.get("scheme").is_some_and(|s| s.eq_ignore_ascii_case("smtps"));
            let default_port = if implicit { 465 } else { 587 };
            Target::from_values(values, default_port)
                .and_then(|t| smtp::smtp(&t, implicit || t.port == 465, timeout, tls))
        }
        VerifyKind::Postgres => Target::from_values(values, 5432).and_then(|t| postgres(&t, timeout)),
        VerifyKind::Mysql => Target::from_values(values, 3306).and_then(|t| mysql(&t, timeout)),
        VerifyKind::Redis if values.get("scheme").is_some_and(|s| s == "rediss") => Ok(Answer::Unknown(
            "a TLS (rediss://) server: not verified over plain TCP".into(),
        )),
        VerifyKind::Redis => Target::from_values(values, 6379).and_then(|t| redis(&t, timeout)),
        VerifyKind::Http | VerifyKind::AwsSts | VerifyKind::GcpServiceAccount | VerifyKind::AzureSharedKey => {
            Err(ServiceError::Protocol("not a service verifier".into()))
        }
    };
    let now = keyhound_findings::time::now_rfc3339();
    match answer {
        Ok(Answer::Live(account)) => Verification {
            status: Status::Live,
            reason: None,
            account,
            http_status: None,
            checked_at: now,
            cached: false,
            access: None,
        },
        Ok(Answer::Invalid(reason)) => Verification {
            status: Status::Invalid,
            reason: Some(reason),
            account: BTreeMap::new(),
            http_status: None,
            checked_at: now,
            cached: false,
            access: None,
        },
        Ok(Answer::Unknown(reason)) => Verification::unknown(reason, None),
        Err(e) => Verification::unknown(e.to_string(), None),
    }
}

/// Host, port, user and key of an SSH finding: the values found beside
/// the key (a user is required: a key is accepted for an account, not a
/// host).
fn ssh_target(values: &BTreeMap<String, String>) -> Result<(String, u16, String, &str), ServiceError> {
    let host = values
        .get("host")
        .filter(|h| !h.is_empty())
        .ok_or(ServiceError::Missing("host"))?;
    let user = values
        .get("user")
        .filter(|u| !u.is_empty())
        .ok_or(ServiceError::Missing("user"))?;
    let port = match values.get("port").filter(|p| !p.is_empty()) {
        Some(p) => p
            .parse()
            .map_err(|_| ServiceError::Protocol(format!("bad port {p:?}")))?,
        None => 22,
    };
    let key = values.get("secret").ok_or(ServiceError::Missing("key"))?;
    Ok((host.clone(), port, user.clone(), key.as_str()))
}

// --- PostgreSQL -------------------------------------------------------------

fn postgres(t: &Target, timeout: Duration) -> Result<Answer, ServiceError> {
    let mut stream = t.connect(timeout)?;
    let user = if t.user.is_empty() { "postgres" } else { t.user.as_str() };
    let database = t.database.as_deref().unwrap_or(user);
    let mut out = BytesMut::new();
    frontend::startup_message([("user", user), ("database", database)], &mut out).map_err(|e| t.io(e))?;
    stream.write_all(&out).map_err(|e| t.io(e))?;
    let mut buf = BytesMut::new();
    let mut scram: Option<ScramSha256> = None;
    let account = BTreeMap::from([
        ("user".to_string(), user.to_string()),
        ("server".to_string(), format!("{}:{}", t.host, t.port)),
    ]);
    let answer = loop {
        let message = read_pg(&mut stream, &mut buf, t)?;
        let mut reply = BytesMut::new();
        match message {
            backend::Message::AuthenticationOk => break Answer::Live(account),
            backend::Message::AuthenticationSasl(body) => {
                let mut mechanisms = body.mechanisms();
                let mut scram_offered = false;
                while let Some(m) = mechanisms.next().map_err(|e| t.io(e))? {
                    scram_offered |= m == SCRAM_SHA_256;
                }
                if !scram_offered {
                    break Answer::Unknown("the server offers no SASL mechanism keyhound speaks".into());
                }
                let s = ScramSha256::new(t.password.as_bytes(), ChannelBinding::unsupported());
                frontend::sasl_initial_response(SCRAM_SHA_256, s.message(), &mut reply).map_err(|e| t.io(e))?;
                scram = Some(s);
            }
            backend::Message::AuthenticationSaslContinue(body) => {
                let s = scram
                    .as_mut()
                    .ok_or_else(|| ServiceError::Protocol("SASL continue before start".into()))?;
                s.update(body.data())
                    .map_err(|e| ServiceError::Protocol(format!("SCRAM: {e}")))?;
                frontend::sasl_response(s.message(), &mut reply).map_err(|e| t.io(e))?;
            }
            backend::Message::AuthenticationSaslFinal(body) => {
                let s = scram
                    .as_mut()
                    .ok_or_else(|| ServiceError::Protocol("SASL final before start".into()))?;
                // A server that cannot prove it knows the password is not
                // the server the credential is for.
                s.finish(body.data())
                    .map_err(|e| ServiceError::Protocol(format!("the server's SCRAM proof is wrong: {e}")))?;
            }
            backend::Message::AuthenticationMd5Password(body) => {
                let hash =
                    postgres_protocol::authentication::md5_hash(user.as_bytes(), t.password.as_bytes(), body.salt());
                frontend::password_message(hash.as_bytes(), &mut reply).map_err(|e| t.io(e))?;
            }
            backend::Message::AuthenticationCleartextPassword => {
                break Answer::Unknown(
                    "the server asks for the password in clear text over an unencrypted connection: not sent".into(),
                )
            }
            backend::Message::ErrorResponse(body) => {
                let mut fields = body.fields();
                let (mut code, mut text) = (String::new(), String::new());
                while let Some(f) = fields.next().map_err(|e| t.io(e))? {
                    match f.type_() {
                        b'C' => code = String::from_utf8_lossy(f.value_bytes()).into_owned(),
                        b'M' => text = String::from_utf8_lossy(f.value_bytes()).into_owned(),
                        _ => {}
                    }
                }
                break match code.as_str() {
                    // invalid_password
                    "28P01" => Answer::Invalid(format!("the server rejected the password ({code}: {text})")),
                    // The database is checked after authentication.
                    "3D000" => Answer::Live(account),
                    _ => Answer::Unknown(format!("server error {code}: {text}")),
                };
            }
            _ => break Answer::Unknown("unexpected message during authentication".into()),
        }
        stream.write_all(&reply).map_err(|e| t.io(e))?;
    };
    let mut bye = BytesMut::new();
    frontend::terminate(&mut bye);
    let _ = stream.write_all(&bye);
    Ok(answer)
}

fn read_pg(stream: &mut TcpStream, buf: &mut BytesMut, t: &Target) -> Result<backend::Message, ServiceError> {
    loop {
        if let Some(message) =
            backend::Message::parse(buf).map_err(|e| ServiceError::Protocol(format!("not PostgreSQL: {e}")))?
        {
            return Ok(message);
        }
        if buf.len() > MAX_PACKET {
            return Err(ServiceError::Protocol("oversized message".into()));
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).map_err(|e| t.io(e))?;
        if n == 0 {
            return Err(ServiceError::Protocol("the server closed the connection".into()));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

// --- MySQL / MariaDB --------------------------------------------------------

const CLIENT_LONG_PASSWORD: u32 = 0x1;
const CLIENT_CONNECT_WITH_DB: u32 = 0x8;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x80000;
const ER_ACCESS_DENIED: u16 = 1045;
const ER_DBACCESS_DENIED: u16 = 1044;
const ER_BAD_DB: u16 = 1049;

fn read_packet(stream: &mut TcpStream, t: &Target) -> Result<(u8, Vec<u8>), ServiceError> {
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).map_err(|e| t.io(e))?;
    let len = u32::from_le_bytes([head[0], head[1], head[2], 0]) as usize;
    if len > MAX_PACKET {
        return Err(ServiceError::Protocol("oversized packet".into()));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).map_err(|e| t.io(e))?;
    Ok((head[3], body))
}

fn write_packet(stream: &mut TcpStream, seq: u8, body: &[u8], t: &Target) -> Result<(), ServiceError> {
    let len = (body.len() as u32).to_le_bytes();
    let mut packet = vec![len[0], len[1], len[2], seq];
    packet.extend_from_slice(body);
    stream.write_all(&packet).map_err(|e| t.io(e))
}

/// `mysql_native_password`: SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw))).
fn native_scramble(password: &str, nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let stage1 = Sha1::digest(password.as_bytes());
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(nonce);
    h.update(stage2);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

/// `caching_sha2_password` fast path: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce).
fn sha2_scramble(password: &str, nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let stage1 = Sha256::digest(password.as_bytes());
    let stage2 = Sha256::digest(stage1);
    let mut h = Sha256::new();
    h.update(stage2);
    h.update(nonce);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

fn scramble(plugin: &str, password: &str, nonce: &[u8]) -> Option<Vec<u8>> {
    match plugin {
        "mysql_native_password" => Some(native_scramble(password, nonce)),
        "caching_sha2_password" => Some(sha2_scramble(password, nonce)),
        _ => None,
    }
}

fn cstr(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|b| *b == 0) {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &[]),
    }
}

fn mysql_error(body: &[u8]) -> (u16, String) {
    let code = u16::from_le_bytes([body.get(1).copied().unwrap_or(0), body.get(2).copied().unwrap_or(0)]);
    let rest = body.get(3..).unwrap_or(&[]);
    let rest = rest.strip_prefix(b"#").map_or(rest, |r| r.get(5..).unwrap_or(&[]));
    (code, String::from_utf8_lossy(rest).into_owned())
}

fn mysql(t: &Target, timeout: Duration) -> Result<Answer, ServiceError> {
    let mut stream = t.connect(timeout)?;
    let (_, hello) = read_packet(&mut stream, t)?;
    if hello.first() == Some(&0xff) {
        let (code, text) = mysql_error(&hello);
        return Ok(Answer::Unknown(format!(
            "the server refused the connection ({code}: {text})"
        )));
    }
    if hello.first() != Some(&10) {
        return Err(ServiceError::Protocol("not a MySQL protocol 10 handshake".into()));
    }
    let (version, rest) = cstr(&hello[1..]);
    let version = String::from_utf8_lossy(version).into_owned();
    // connection id (4), nonce part 1 (8), filler (1)
    let short = || ServiceError::Protocol("short handshake".into());
    let nonce1 = rest.get(4..12).ok_or_else(short)?;
    let rest = rest.get(13..).ok_or_else(short)?;
    // capabilities low (2), charset (1), status (2), capabilities high (2), auth data length (1), reserved (10)
    let caps = u32::from(u16::from_le_bytes([rest[0], *rest.get(1).ok_or_else(short)?]))
        | (u32::from(u16::from_le_bytes([
            *rest.get(5).ok_or_else(short)?,
            *rest.get(6).ok_or_else(short)?,
        ])) << 16);
    let auth_len = usize::from(*rest.get(7).ok_or_else(short)?);
    let rest = rest.get(18..).ok_or_else(short)?;
    let part2_len = auth_len.saturating_sub(8).max(13);
    let part2 = rest.get(..part2_len).ok_or_else(short)?;
    let mut nonce = nonce1.to_vec();
    nonce.extend_from_slice(part2.strip_suffix(&[0]).unwrap_or(part2));
    let plugin = if caps & CLIENT_PLUGIN_AUTH != 0 {
        String::from_utf8_lossy(cstr(rest.get(part2_len..).unwrap_or(&[])).0).into_owned()
    } else {
        "mysql_native_password".to_string()
    };
    let Some(auth) = scramble(&plugin, &t.password, &nonce) else {
        return Ok(Answer::Unknown(format!(
            "the server wants the {plugin} authentication plugin"
        )));
    };
    let mut flags = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
    if t.database.is_some() {
        flags |= CLIENT_CONNECT_WITH_DB;
    }
    let mut response = Vec::new();
    response.extend_from_slice(&flags.to_le_bytes());
    response.extend_from_slice(&(16u32 * 1024 * 1024).to_le_bytes());
    response.push(45); // utf8mb4
    response.extend_from_slice(&[0u8; 23]);
    response.extend_from_slice(t.user.as_bytes());
    response.push(0);
    response.push(auth.len() as u8);
    response.extend_from_slice(&auth);
    if let Some(db) = &t.database {
        response.extend_from_slice(db.as_bytes());
        response.push(0);
    }
    response.extend_from_slice(plugin.as_bytes());
    response.push(0);
    write_packet(&mut stream, 1, &response, t)?;
    let account = BTreeMap::from([
        ("user".to_string(), t.user.clone()),
        ("server".to_string(), format!("{}:{}", t.host, t.port)),
        ("version".to_string(), version),
    ]);
    let mut current_plugin = plugin;
    for _ in 0..4 {
        let (seq, body) = read_packet(&mut stream, t)?;
        match body.first() {
            Some(0x00) => return Ok(Answer::Live(account)),
            Some(0xff) => {
                let (code, text) = mysql_error(&body);
                return Ok(match code {
                    ER_ACCESS_DENIED => Answer::Invalid(format!("the server rejected the password ({code}: {text})")),
                    // Authenticated, then refused the database.
                    ER_DBACCESS_DENIED | ER_BAD_DB => Answer::Live(account),
                    _ => Answer::Unknown(format!("server error {code}: {text}")),
                });
            }
            // Auth switch: another plugin, another nonce.
            Some(0xfe) => {
                let (name, data) = cstr(&body[1..]);
                current_plugin = String::from_utf8_lossy(name).into_owned();
                let data = data.strip_suffix(&[0]).unwrap_or(data);
                let Some(auth) = scramble(&current_plugin, &t.password, data) else {
                    return Ok(Answer::Unknown(format!(
                        "the server wants the {current_plugin} authentication plugin"
                    )));
                };
                write_packet(&mut stream, seq.wrapping_add(1), &auth, t)?;
            }
            // caching_sha2_password: 3 = fast auth succeeded (OK follows),
            // 4 = full authentication, which needs TLS or the server's RSA key.
            Some(0x01) if current_plugin == "caching_sha2_password" => match body.get(1) {
                Some(3) => continue,
                _ => {
                    return Ok(Answer::Unknown(
                        "caching_sha2_password wants full authentication (TLS or RSA): not attempted".into(),
                    ))
                }
            },
            _ => return Err(ServiceError::Protocol("unexpected packet during authentication".into())),
        }
    }
    Err(ServiceError::Protocol("authentication did not finish".into()))
}

// --- Redis ------------------------------------------------------------------

fn resp_command(parts: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", parts.len()).into_bytes();
    for p in parts {
        out.extend_from_slice(format!("${}\r\n", p.len()).as_bytes());
        out.extend_from_slice(p.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn read_line(stream: &mut TcpStream, t: &Target) -> Result<String, ServiceError> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < MAX_PACKET {
        if stream.read(&mut byte).map_err(|e| t.io(e))? == 0 {
            break;
        }
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&line).trim_end_matches('\r').to_string())
}

fn redis(t: &Target, timeout: Duration) -> Result<Answer, ServiceError> {
    let mut stream = t.connect(timeout)?;
    let auth = if t.user.is_empty() {
        resp_command(&["AUTH", &t.password])
    } else {
        resp_command(&["AUTH", &t.user, &t.password])
    };
    stream.write_all(&auth).map_err(|e| t.io(e))?;
    let reply = read_line(&mut stream, t)?;
    let answer = if reply == "+OK" {
        stream.write_all(&resp_command(&["PING"])).map_err(|e| t.io(e))?;
        let pong = read_line(&mut stream, t)?;
        if pong == "+PONG" {
            let user = if t.user.is_empty() { "default" } else { &t.user };
            Answer::Live(BTreeMap::from([
                ("user".to_string(), user.to_string()),
                ("server".to_string(), format!("{}:{}", t.host, t.port)),
            ]))
        } else {
            Answer::Unknown(format!("AUTH accepted but PING answered {pong:?}"))
        }
    } else if reply.starts_with("-WRONGPASS")
        || reply.starts_with("-ERR invalid password")
        || reply.starts_with("-ERR invalid username-password")
    {
        Answer::Invalid("the server rejected the password".into())
    } else if reply.contains("without any password configured") {
        Answer::Unknown("the server has no password set: anyone can connect, with or without this one".into())
    } else if reply.starts_with('-') {
        Answer::Unknown(format!("server error: {}", reply.trim_start_matches('-')))
    } else {
        return Err(ServiceError::Protocol(format!(
            "not a Redis server (answered {reply:?})"
        )));
    };
    let _ = stream.write_all(&resp_command(&["QUIT"]));
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_password_scramble_matches_the_protocol_definition() {
        // SHA1("secret") XOR SHA1(nonce + SHA1(SHA1("secret"))), computed
        // independently: the client proves the password without sending it.
        let nonce = b"abcdefghijklmnopqrst";
        let got = native_scramble("secret", nonce);
        let s1 = Sha1::digest(b"secret");
        let s2 = Sha1::digest(s1);
        let mix = Sha1::digest([nonce.as_slice(), s2.as_slice()].concat());
        let want: Vec<u8> = s1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect();
        assert_eq!(got, want);
        assert_eq!(got.len(), 20);
        assert!(native_scramble("", nonce).is_empty());
    }

    #[test]
    fn resp_commands_are_length_prefixed() {
        assert_eq!(resp_command(&["AUTH", "p w"]), b"*2\r\n$4\r\nAUTH\r\n$3\r\np w\r\n");
    }

    #[test]
    fn targets_decode_percent_escapes_and_default_the_port() {
        let values = BTreeMap::from([
            ("host".to_string(), "db.internal".to_string()),
            ("user".to_string(), "app%40prod".to_string()),
            ("secret".to_string(), "p%40ss%3Aword".to_string()),
        ]);
        let t = Target::from_values(&values, 5432).unwrap();
        assert_eq!(
            (t.user.as_str(), t.password.as_str(), t.port),
            ("app@prod", "p@ss:word", 5432)
        );
        let bad = BTreeMap::from([
            ("host".to_string(), "h".to_string()),
            ("port".to_string(), "99999".to_string()),
            ("secret".to_string(), "x".to_string()),
        ]);
        assert!(Target::from_values(&bad, 1).is_err());
    }
}
