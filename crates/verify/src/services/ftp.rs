//! FTP logins: connect, `AUTH TLS` (RFC 4217; or implicit TLS for
//! `ftps://` on port 990), `USER`, `PASS`, `QUIT`. No directory is listed
//! and no file moves. As for SMTP, the password only travels inside TLS
//! whose certificate verifies: a server without `AUTH TLS` gets nothing
//! and the finding stays `unknown`. Replies: 230 logged in (202: no
//! password needed), 530 not logged in; anything else proves nothing.

use std::sync::Arc;
use std::time::Duration;

use super::base::{Answer, ServiceError, Target};
use super::replies::{clip, command, open, read_reply, start_tls};

/// Logs in to the FTP server `t` names.
pub(super) fn ftp(
    t: &Target,
    implicit_tls: bool,
    timeout: Duration,
    tls: &Arc<rustls::ClientConfig>,
) -> Result<Answer, ServiceError> {
    let mut conn = open(t, implicit_tls, timeout, tls)?;
    let greeting = read_reply(&mut conn, t)?;
    if greeting.code != 220 {
        return Ok(Answer::Unknown(format!("the server is not ready ({})", greeting.code)));
    }
    if !implicit_tls {
        let reply = command(&mut conn, t, "AUTH TLS")?;
        if reply.code != 234 {
            return Ok(Answer::Unknown(format!(
                "the server refused AUTH TLS ({}): the password is not sent in clear",
                reply.code
            )));
        }
        conn = start_tls(conn, t, tls, "AUTH TLS")?;
    }
    let user = if t.user.is_empty() {
        "anonymous"
    } else {
        t.user.as_str()
    };
    let reply = command(&mut conn, t, &format!("USER {user}"))?;
    let reply = match reply.code {
        331 | 332 => command(&mut conn, t, &format!("PASS {}", t.password))?,
        _ => reply,
    };
    let _ = conn.send("QUIT");
    let text = clip(reply.lines.first().map_or("", String::as_str));
    Ok(match reply.code {
        230 | 202 => Answer::Live(std::collections::BTreeMap::from([
            ("user".to_string(), user.to_string()),
            ("server".to_string(), format!("{}:{}", t.host, t.port)),
        ])),
        530 => Answer::Invalid(format!(
            "{}:{} refused the login ({} {text})",
            t.host, t.port, reply.code
        )),
        code => Answer::Unknown(format!("login answered {code} {text}")),
    })
}
