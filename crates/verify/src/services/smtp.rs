//! SMTP submission credentials: connect, `EHLO`, TLS (implicit on port 465
//! or `smtps://`, else `STARTTLS`), `AUTH PLAIN` (or `LOGIN`), `QUIT`. No
//! mail is ever sent: the conversation ends right after the server's
//! verdict on the credentials.
//!
//! The password only travels inside TLS whose certificate chain and name
//! check out (the web's roots plus the user's `--verify-ca-file`): a server
//! that offers no TLS, or a certificate that does not verify, gets nothing
//! and the finding stays `unknown`. RFC 4954 says what the answers mean:
//! 235 accepted, 535 (5.7.8) rejected; anything else (454 temporary
//! failure, 534 mechanism too weak, 538 encryption required) proves
//! nothing.
//!
//! Written over `rustls` directly: the SMTP crates (`lettre`) are mail
//! senders with transports and pools; this is six commands.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;

use super::base::{Answer, ServiceError, Target};
use super::replies::{clip, command, open, read_reply, start_tls, Conn};

fn ehlo(conn: &mut Conn, t: &Target) -> Result<Vec<String>, ServiceError> {
    let reply = command(conn, t, "EHLO keyhound.invalid")?;
    if reply.code != 250 {
        return Err(ServiceError::Protocol(format!("EHLO refused ({})", reply.code)));
    }
    Ok(reply.lines.iter().skip(1).map(|l| l.to_ascii_uppercase()).collect())
}

/// Logs in to the SMTP server `t` names. `implicit_tls` for `smtps://` and
/// port 465.
pub(super) fn smtp(
    t: &Target,
    implicit_tls: bool,
    timeout: Duration,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<Answer, ServiceError> {
    let mut conn = open(t, implicit_tls, timeout, tls)?;
    let greeting = read_reply(&mut conn, t)?;
    if greeting.code != 220 {
        return Ok(Answer::Unknown(format!(
            "the server is not accepting sessions ({})",
            greeting.code
        )));
    }
    let mut extensions = ehlo(&mut conn, t)?;
    if !implicit_tls {
        if !extensions.iter().any(|e| e == "STARTTLS") {
            return Ok(Answer::Unknown(
                "the server offers no STARTTLS: the password is not sent in clear".into(),
            ));
        }
        let reply = command(&mut conn, t, "STARTTLS")?;
        if reply.code != 220 {
            return Ok(Answer::Unknown(format!("STARTTLS refused ({})", reply.code)));
        }
        conn = start_tls(conn, t, tls, "STARTTLS")?;
        extensions = ehlo(&mut conn, t)?;
    }
    let mechanisms: Vec<&str> = extensions
        .iter()
        .filter_map(|e| e.strip_prefix("AUTH").filter(|r| r.starts_with([' ', '='])))
        .flat_map(|r| r[1..].split_whitespace())
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD;
    let reply = if mechanisms.contains(&"PLAIN") {
        let token = b64.encode(format!("\0{}\0{}", t.user, t.password));
        command(&mut conn, t, &format!("AUTH PLAIN {token}"))?
    } else if mechanisms.contains(&"LOGIN") {
        let first = command(&mut conn, t, "AUTH LOGIN")?;
        if first.code != 334 {
            return Ok(Answer::Unknown(format!("AUTH LOGIN refused ({})", first.code)));
        }
        let user = command(&mut conn, t, &b64.encode(&t.user))?;
        if user.code != 334 {
            return Ok(Answer::Unknown(format!(
                "AUTH LOGIN refused the user name ({})",
                user.code
            )));
        }
        command(&mut conn, t, &b64.encode(&t.password))?
    } else {
        return Ok(Answer::Unknown(format!(
            "the server offers no AUTH mechanism keyhound speaks (PLAIN, LOGIN): {}",
            if mechanisms.is_empty() {
                "none".to_string()
            } else {
                mechanisms.join(" ")
            }
        )));
    };
    let _ = conn.send("QUIT");
    Ok(match reply.code {
        235 => Answer::Live(std::collections::BTreeMap::from([
            ("user".to_string(), t.user.clone()),
            ("server".to_string(), format!("{}:{}", t.host, t.port)),
        ])),
        535 => Answer::Invalid(format!(
            "{}:{} rejected the credentials (535 {})",
            t.host,
            t.port,
            clip(reply.lines.first().map_or("", String::as_str))
        )),
        code => Answer::Unknown(format!(
            "AUTH answered {code} {}",
            clip(reply.lines.first().map_or("", String::as_str))
        )),
    })
}

/// The TLS client settings of service verifiers: the web's roots
/// (`webpki-roots`) and, for servers with certificates of the user's own
/// CA, the PEM certificates of `extra_ca`.
pub fn tls_config(extra_ca: Option<&[u8]>) -> Result<Arc<rustls::ClientConfig>, ServiceError> {
    use rustls::pki_types::pem::PemObject as _;
    let mut roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_ca {
        let mut added = 0;
        for cert in rustls::pki_types::CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| ServiceError::Protocol(format!("CA file: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| ServiceError::Protocol(format!("CA file: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(ServiceError::Protocol("CA file: no PEM certificate in it".into()));
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ServiceError::Protocol(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_certificates_is_an_error() {
        assert!(tls_config(None).is_ok());
        assert!(tls_config(Some(b"not a certificate")).is_err());
    }
}
