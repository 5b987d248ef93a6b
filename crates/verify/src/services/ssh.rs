//! SSH private keys, against the host named beside them (a CI file's
//! `SSH_HOST`/`SSH_USER`, an inventory line): key exchange, then
//! `publickey` authentication as the named user, then disconnect. No
//! channel is opened and no command runs.
//!
//! The server's host key is not checked against a `known_hosts` file the
//! scanning machine may not have. That exposes nothing: the signature the
//! client sends covers the session identifier of this very key exchange,
//! so a man in the middle cannot replay it to the real server, and the
//! private key itself never leaves the machine.
//!
//! A password (an `sftp://user:password@host` URL) is different: whoever
//! answers receives it. It is only sent to a server whose host key the
//! user's `~/.ssh/known_hosts` already records for that host and port; an
//! unknown or changed host key leaves the finding `unknown` with nothing
//! sent.
//!
//! `russh` (pure Rust, ring backend) does the protocol: SSH's transport
//! layer (key exchange, ciphers, MACs) is not something to hand-write.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};

use super::base::{Answer, ServiceError};

/// Accepts any host key (see the module documentation for why that is
/// safe for a verification).
struct AnyHostKey;

impl client::Handler for AnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Accepts only a host key `~/.ssh/known_hosts` records for the host and
/// port, and remembers why it refused one.
struct KnownHostKey {
    host: String,
    port: u16,
    refusal: Arc<std::sync::Mutex<Option<String>>>,
}

impl client::Handler for KnownHostKey {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            *self.refusal.lock().expect("refusal lock") = Some("the server presented a host certificate".into());
            return Ok(false);
        };
        let verdict = match russh::keys::check_known_hosts(&self.host, self.port, key) {
            Ok(true) => return Ok(true),
            Ok(false) => "its host key is not in ~/.ssh/known_hosts".to_string(),
            Err(russh::keys::Error::KeyChanged { .. }) => {
                "its host key CHANGED from the one in ~/.ssh/known_hosts".into()
            }
            Err(e) => format!("~/.ssh/known_hosts: {e}"),
        };
        *self.refusal.lock().expect("refusal lock") = Some(verdict);
        Ok(false)
    }
}

/// The key as `russh` reads it: line breaks restored from JSON or shell
/// escapes, indentation (a YAML block) removed.
pub(super) fn clean_pem(found: &str) -> String {
    found
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// PEM labels a key body found without its armor may have, most likely
/// first (the rules capture the base64 body between the lines).
const LABELS: &[&str] = &[
    "OPENSSH PRIVATE KEY",
    "RSA PRIVATE KEY",
    "PRIVATE KEY",
    "EC PRIVATE KEY",
];

/// Reads the found key (a whole PEM block, or the body of one), or says
/// why it cannot be used.
pub(super) fn read_key(found: &str) -> Result<PrivateKey, String> {
    let cleaned = clean_pem(found);
    let candidates: Vec<String> = if cleaned.contains("-----BEGIN ") {
        vec![cleaned]
    } else {
        LABELS
            .iter()
            .map(|label| format!("-----BEGIN {label}-----\n{cleaned}-----END {label}-----\n"))
            .collect()
    };
    let mut last = String::new();
    for pem in &candidates {
        match russh::keys::decode_secret_key(pem, None) {
            Ok(key) => return Ok(key),
            Err(russh::keys::Error::KeyIsEncrypted) => {
                return Err("the key is encrypted with a passphrase: not verified".into())
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!("not an SSH private key keyhound can use: {last}"))
}

/// Authenticates to `host:port` as `user` with the found key.
pub(super) fn ssh(
    host: &str,
    port: u16,
    user: &str,
    found_key: &str,
    timeout: Duration,
) -> Result<Answer, ServiceError> {
    let key = match read_key(found_key) {
        Ok(key) => Arc::new(key),
        Err(why) => return Ok(Answer::Unknown(why)),
    };
    let server = format!("{host}:{port}");
    let outcome = converse(timeout, async {
        let mut session = client::connect(config(timeout), (host, port), AnyHostKey).await?;
        let hash = session.best_supported_rsa_hash().await?.flatten();
        let result = session
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::clone(&key), hash))
            .await?;
        let _ = session.disconnect(russh::Disconnect::ByApplication, "", "en").await;
        Ok(result)
    })?;
    Ok(settle(&server, timeout, outcome, |accepted| {
        if accepted {
            Answer::Live(BTreeMap::from([
                ("user".to_string(), user.to_string()),
                ("server".to_string(), server.clone()),
                (
                    "key".to_string(),
                    key.public_key().fingerprint(Default::default()).to_string(),
                ),
            ]))
        } else {
            Answer::Invalid(format!("{server} refused the key for user {user}"))
        }
    }))
}

/// A client configuration that gives up on a silent server.
fn config(timeout: Duration) -> Arc<client::Config> {
    Arc::new(client::Config {
        inactivity_timeout: Some(timeout),
        ..Default::default()
    })
}

/// Runs one SSH conversation on a single-threaded runtime; `None` when it
/// took longer than `timeout`.
fn converse<T>(
    timeout: Duration,
    conversation: impl std::future::Future<Output = Result<T, russh::Error>>,
) -> Result<Option<Result<T, russh::Error>>, ServiceError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| ServiceError::Protocol(format!("cannot start the SSH client: {e}")))?;
    Ok(runtime
        .block_on(async { tokio::time::timeout(timeout, conversation).await })
        .ok())
}

/// The answer of a conversation whose authentication said `accepted`.
fn settle(
    server: &str,
    timeout: Duration,
    outcome: Option<Result<russh::client::AuthResult, russh::Error>>,
    answer: impl FnOnce(bool) -> Answer,
) -> Answer {
    match outcome {
        None => Answer::Unknown(format!("{server}: no answer within {timeout:?}")),
        Some(Err(e)) => Answer::Unknown(format!("{server}: {e}")),
        Some(Ok(result)) => answer(result.success()),
    }
}

/// Logs in to `host:port` as `user` with a password, only after the
/// server's host key matched `~/.ssh/known_hosts`.
pub(super) fn ssh_password(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    timeout: Duration,
) -> Result<Answer, ServiceError> {
    let server = format!("{host}:{port}");
    let refusal = Arc::new(std::sync::Mutex::new(None));
    let handler = KnownHostKey {
        host: host.to_string(),
        port,
        refusal: Arc::clone(&refusal),
    };
    let outcome = converse(timeout, async {
        let mut session = client::connect(config(timeout), (host, port), handler).await?;
        let result = session.authenticate_password(user, password).await?;
        let _ = session.disconnect(russh::Disconnect::ByApplication, "", "en").await;
        Ok(result)
    })?;
    if let Some(why) = refusal.lock().expect("refusal lock").take() {
        return Ok(Answer::Unknown(format!("{server}: {why}: the password was not sent")));
    }
    Ok(settle(&server, timeout, outcome, |accepted| {
        if accepted {
            Answer::Live(BTreeMap::from([
                ("user".to_string(), user.to_string()),
                ("server".to_string(), server.clone()),
            ]))
        } else {
            Answer::Invalid(format!("{server} refused the password of {user}"))
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_json_and_yaml_are_cleaned_and_junk_is_an_answer_not_a_panic() {
        let indented = "    -----BEGIN OPENSSH PRIVATE KEY-----\n    abc\n    -----END OPENSSH PRIVATE KEY-----";
        assert_eq!(
            clean_pem(indented),
            "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n"
        );
        assert_eq!(clean_pem("a\\nb\\r\\nc"), "a\nb\nc\n");
        assert!(
            read_key("-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64\n-----END OPENSSH PRIVATE KEY-----").is_err()
        );
    }
}
