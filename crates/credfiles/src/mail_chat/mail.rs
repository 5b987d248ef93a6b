//! Mail clients' configuration: msmtp (`.msmtprc`), esmtp (`.esmtprc`),
//! mutt and NeoMutt (`.muttrc`), fetchmail (`.fetchmailrc`), mbsync/isync
//! (`.mbsyncrc`) and OfflineIMAP (`.offlineimaprc`), each read with its own
//! syntax (commands and arguments, `set` assignments and hooks, the
//! fetchmail poll grammar, INI).

use super::{cred, keep, url_password, words, Word};
use crate::model::{Credential, FileName};
use crate::syntax::{ini, is_secret_key, lines};

fn text(bytes: &[u8], w: &Word) -> String {
    String::from_utf8_lossy(&bytes[w.span.clone()]).into_owned()
}

pub(crate) fn recognise_msmtprc(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&[".msmtprc", "msmtprc"]) || (f.name_is(&["config"]) && f.in_dir(".config/msmtp"))
}

/// One account of a line-oriented mail rc file, with what identifies it.
#[derive(Default)]
struct Account {
    name: String,
    host: String,
    user: String,
    passwords: Vec<std::ops::Range<usize>>,
}

impl Account {
    fn who(&self) -> String {
        match (self.user.is_empty(), self.host.is_empty()) {
            (false, false) if self.user.contains('@') => format!("{} at {}", self.user, self.host),
            (false, false) => format!("{}@{}", self.user, self.host),
            (true, false) => self.host.clone(),
            (false, true) => self.user.clone(),
            (true, true) => String::new(),
        }
    }
}

/// msmtp: `account NAME`, `host`, `user`, `password` commands, one per
/// line (`passwordeval` runs a command and is skipped).
pub(crate) fn msmtprc(bytes: &[u8]) -> Vec<Credential> {
    let mut accounts: Vec<Account> = vec![Account {
        name: "defaults".into(),
        ..Default::default()
    }];
    for (span, _) in lines(bytes) {
        let w = words(bytes, span);
        let Some(cmd) = w.first() else { continue };
        let cmd = text(bytes, cmd).to_ascii_lowercase();
        let arg = w.get(1);
        let cur = accounts.last_mut().expect("never empty");
        match (cmd.as_str(), arg) {
            ("account", Some(a)) => accounts.push(Account {
                name: text(bytes, a),
                ..Default::default()
            }),
            ("defaults", _) => accounts.push(Account {
                name: "defaults".into(),
                ..Default::default()
            }),
            ("host", Some(a)) => cur.host = text(bytes, a),
            ("user", Some(a)) => cur.user = text(bytes, a),
            ("password", Some(a)) if keep(bytes, &a.span) => cur.passwords.push(a.span.clone()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for a in accounts {
        for p in &a.passwords {
            let who = a.who();
            let reason = if who.is_empty() {
                format!("password of the msmtp account {}", a.name)
            } else {
                format!("password of the msmtp account {} ({who})", a.name)
            };
            out.push(cred("msmtprc-password", p.clone(), reason));
        }
    }
    out
}

/// esmtp: `identity ADDRESS` starts an identity; `hostname`, `username`,
/// `password` follow, written `keyword value` or `keyword = value`.
pub(crate) fn esmtprc(bytes: &[u8]) -> Vec<Credential> {
    let mut accounts: Vec<Account> = vec![Account::default()];
    for (span, _) in lines(bytes) {
        let mut w = words(bytes, span);
        if w.len() >= 2 && &bytes[w[1].span.clone()] == b"=" && !w[1].quoted {
            w.remove(1);
        }
        let Some(first) = w.first() else { continue };
        // `password=secret` written without spaces.
        let (key, value) = match bytes[first.span.clone()].iter().position(|&b| b == b'=') {
            Some(eq) if !first.quoted && eq + 1 < first.span.len() => (
                String::from_utf8_lossy(&bytes[first.span.start..first.span.start + eq]).into_owned(),
                Some(first.span.start + eq + 1..first.span.end),
            ),
            _ => (text(bytes, first), w.get(1).map(|a| a.span.clone())),
        };
        let key = key.trim_end_matches('=').to_ascii_lowercase();
        let Some(value) = value else { continue };
        let cur = accounts.last_mut().expect("never empty");
        match key.as_str() {
            "identity" => accounts.push(Account {
                name: String::from_utf8_lossy(&bytes[value]).into_owned(),
                ..Default::default()
            }),
            "hostname" => cur.host = String::from_utf8_lossy(&bytes[value]).into_owned(),
            "username" => cur.user = String::from_utf8_lossy(&bytes[value]).into_owned(),
            "password" if keep(bytes, &value) => cur.passwords.push(value),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for a in accounts {
        for p in &a.passwords {
            let who = a.who();
            let reason = match (a.name.is_empty(), who.is_empty()) {
                (true, true) => "password of the default esmtp server in an .esmtprc".to_string(),
                (true, false) => format!("password of the default esmtp server ({who}) in an .esmtprc"),
                (false, true) => format!("password of the esmtp identity {} in an .esmtprc", a.name),
                (false, false) => format!("password of the esmtp identity {} ({who}) in an .esmtprc", a.name),
            };
            out.push(cred("esmtprc-password", p.clone(), reason));
        }
    }
    out
}

pub(crate) fn recognise_muttrc(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&[".muttrc", "muttrc", ".neomuttrc", "neomuttrc"])
        || (f.in_dir(".mutt") && (f.name_ends_with(&["rc", ".muttrc"]) || f.name_starts_with("account")))
        || (f.in_dir(".config/mutt") && (f.name_ends_with(&["rc"]) || f.name_starts_with("account")))
        || (f.in_dir(".config/neomutt") && f.name_ends_with(&["rc"]))
}

/// A mutt token: its span (inside quotes) and whether it was quoted.
fn mutt_tokens(bytes: &[u8], range: std::ops::Range<usize>) -> Vec<Vec<Word>> {
    // Commands on a line, each a list of tokens; `;` separates commands,
    // `=` is a token of its own outside quotes, `#` starts a comment.
    let mut commands = vec![Vec::new()];
    let mut i = range.start;
    let end = range.end.min(bytes.len());
    while i < end {
        let c = bytes[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' => break,
            b';' => {
                commands.push(Vec::new());
                i += 1;
            }
            b'=' => {
                commands.last_mut().expect("never empty").push(Word {
                    span: i..i + 1,
                    quoted: false,
                });
                i += 1;
            }
            b'"' | b'\'' | b'`' => {
                let start = i + 1;
                let mut j = start;
                while j < end && bytes[j] != c {
                    if c != b'\'' && bytes[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let stop = j.min(end);
                // A backquoted command keeps its quotes (it is not a value).
                let span = if c == b'`' { i..(stop + 1).min(end) } else { start..stop };
                commands
                    .last_mut()
                    .expect("never empty")
                    .push(Word { span, quoted: true });
                i = stop + 1;
            }
            _ => {
                let start = i;
                while i < end
                    && !matches!(
                        bytes[i],
                        b' ' | b'\t' | b'\r' | b'\n' | b';' | b'=' | b'"' | b'\'' | b'`'
                    )
                {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let stop = i.min(end);
                commands.last_mut().expect("never empty").push(Word {
                    span: start..stop,
                    quoted: false,
                });
            }
        }
    }
    commands
}

const MUTT_PASS_VARS: &[&str] = &[
    "smtp_pass",
    "imap_pass",
    "pop_pass",
    "nntp_pass",
    "imap_oauth_refresh_command",
];

/// mutt/NeoMutt: `set VAR = VALUE` (several per `set`, `;`-separated
/// commands), hooks whose last argument is itself a command line
/// (`account-hook imaps://… 'set imap_pass=…'`), URLs with a password in
/// `smtp_url`, `folder`, `spoolfile` and `mailboxes`.
pub(crate) fn muttrc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, _) in lines(bytes) {
        mutt_line(bytes, span, 0, &mut out);
    }
    out
}

fn mutt_line(bytes: &[u8], span: std::ops::Range<usize>, depth: usize, out: &mut Vec<Credential>) {
    for cmd in mutt_tokens(bytes, span) {
        let Some(first) = cmd.first() else { continue };
        let name = text(bytes, first).to_ascii_lowercase();
        if name.ends_with("-hook") {
            if let Some(last) = cmd.last().filter(|w| w.quoted && cmd.len() >= 3) {
                if depth < 4 && !bytes[last.span.clone()].starts_with(b"`") {
                    mutt_line(bytes, last.span.clone(), depth + 1, out);
                }
            }
            continue;
        }
        if name == "mailboxes" || name == "named-mailboxes" {
            for w in &cmd[1..] {
                if let Some((p, user, host)) = url_password(bytes, w.span.clone()) {
                    out.push(cred(
                        "mutt-password",
                        p,
                        format!("password in a mailboxes URL for {user}@{host} in a muttrc"),
                    ));
                }
            }
            continue;
        }
        if name != "set" && name != "my_hdr" {
            continue;
        }
        let mut i = 1;
        while i < cmd.len() {
            let var = text(bytes, &cmd[i]).to_ascii_lowercase();
            let has_value = cmd
                .get(i + 1)
                .is_some_and(|w| !w.quoted && &bytes[w.span.clone()] == b"=");
            if !has_value {
                i += 1;
                continue;
            }
            let Some(value) = cmd.get(i + 2) else { break };
            i += 3;
            let v = value.span.clone();
            let var = var.trim_start_matches(['&', '?']).to_string();
            if MUTT_PASS_VARS.contains(&var.as_str()) || (var.starts_with("my_") && is_secret_key(&var)) {
                if var.ends_with("_command") || !keep(bytes, &v) {
                    continue;
                }
                out.push(cred("mutt-password", v, format!("{var} set in a muttrc")));
            } else if let Some((p, user, host)) = url_password(bytes, v) {
                out.push(cred(
                    "mutt-password",
                    p,
                    format!("password in the {var} URL for {user}@{host} in a muttrc"),
                ));
            }
        }
    }
}

/// fetchmail: a free-form token stream: `poll|skip HOST … user NAME …
/// password SECRET …`, noise words (`with`, `is`, `here`, `there`) allowed
/// anywhere, `defaults` entries, several `user` clauses per server.
pub(crate) fn fetchmailrc(bytes: &[u8]) -> Vec<Credential> {
    let toks = words(bytes, 0..bytes.len());
    let mut out = Vec::new();
    let mut host = String::from("defaults");
    let mut user = String::new();
    let mut i = 0;
    while i < toks.len() {
        let w = &toks[i];
        if w.quoted {
            i += 1;
            continue;
        }
        let word = text(bytes, w).to_ascii_lowercase();
        let next = toks.get(i + 1);
        match (word.as_str(), next) {
            ("poll" | "skip" | "server", Some(n)) => {
                host = text(bytes, n);
                user.clear();
                i += 2;
            }
            ("defaults", _) => {
                host = "defaults".into();
                user.clear();
                i += 1;
            }
            ("user" | "username", Some(n)) => {
                user = text(bytes, n);
                i += 2;
            }
            ("password" | "pass" | "passwd", Some(n)) => {
                if keep(bytes, &n.span) {
                    let who = if user.is_empty() {
                        host.clone()
                    } else {
                        format!("{user} at {host}")
                    };
                    out.push(cred(
                        "fetchmailrc-password",
                        n.span.clone(),
                        format!("password of the fetchmail entry for {who}"),
                    ));
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    out
}

/// mbsync: `IMAPAccount NAME` (or `IMAPStore`) then `Host`, `User`,
/// `Pass` (`PassCmd` runs a command and is skipped).
pub(crate) fn mbsyncrc(bytes: &[u8]) -> Vec<Credential> {
    let mut accounts: Vec<Account> = vec![Account::default()];
    for (span, _) in lines(bytes) {
        let w = words(bytes, span);
        let Some(cmd) = w.first() else { continue };
        let cmd = text(bytes, cmd).to_ascii_lowercase();
        let Some(arg) = w.get(1) else { continue };
        let cur = accounts.last_mut().expect("never empty");
        match cmd.as_str() {
            "imapaccount" | "imapstore" | "maildirstore" | "channel" | "group" => accounts.push(Account {
                name: format!("{} {}", text(bytes, &w[0]), text(bytes, arg)),
                ..Default::default()
            }),
            "host" => cur.host = text(bytes, arg),
            "user" => cur.user = text(bytes, arg),
            "pass" | "password" if keep(bytes, &arg.span) => cur.passwords.push(arg.span.clone()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for a in accounts {
        for p in &a.passwords {
            let who = a.who();
            let reason = format!("Pass of the {} section ({who}) of an .mbsyncrc", a.name).replace(" ()", "");
            out.push(cred("mbsyncrc-password", p.clone(), reason));
        }
    }
    out
}

/// OfflineIMAP: `remotepass` (and the OAuth2 client secret and tokens) in
/// `[Repository NAME]` sections.
pub(crate) fn offlineimaprc(bytes: &[u8]) -> Vec<Credential> {
    let entries = ini::entries(bytes);
    let field = |section: &str, key: &str| {
        entries
            .iter()
            .find(|e| e.section == section && e.key.eq_ignore_ascii_case(key))
            .map(|e| String::from_utf8_lossy(&bytes[e.value.clone()]).into_owned())
    };
    entries
        .iter()
        .filter(|e| {
            matches!(
                e.key.to_ascii_lowercase().as_str(),
                "remotepass" | "oauth2_client_secret" | "oauth2_refresh_token" | "oauth2_access_token"
            ) && keep(bytes, &e.value)
        })
        .map(|e| {
            let who = match (field(&e.section, "remoteuser"), field(&e.section, "remotehost")) {
                (Some(u), Some(h)) => format!(" ({u}@{h})"),
                (None, Some(h)) => format!(" ({h})"),
                _ => String::new(),
            };
            cred(
                "offlineimaprc-password",
                e.value.clone(),
                format!("{} of [{}]{who} in an .offlineimaprc", e.key, e.section),
            )
        })
        .collect()
}

/// getmail: `[retriever]` `password` (`password_command` runs a command
/// and is not a value).
pub(crate) fn recognise_getmailrc(f: &FileName<'_>, bytes: &[u8]) -> bool {
    f.name_is(&["getmailrc", ".getmailrc"])
        || ((f.in_dir(".getmail") || f.in_dir(".config/getmail")) && bytes.windows(11).any(|w| w == b"[retriever]"))
}

pub(crate) fn getmailrc(bytes: &[u8]) -> Vec<Credential> {
    let entries = ini::entries_with(bytes, b"=");
    let field = |section: &str, key: &str| {
        entries
            .iter()
            .find(|e| e.section.eq_ignore_ascii_case(section) && e.key.eq_ignore_ascii_case(key))
            .map(|e| String::from_utf8_lossy(&bytes[e.value.clone()]).into_owned())
    };
    entries
        .iter()
        .filter(|e| e.section.eq_ignore_ascii_case("retriever") && e.key.eq_ignore_ascii_case("password"))
        .filter(|e| keep(bytes, &e.value))
        .map(|e| {
            let who = match (field("retriever", "username"), field("retriever", "server")) {
                (Some(u), Some(h)) => format!(" for {u} at {h}"),
                (None, Some(h)) => format!(" for {h}"),
                _ => String::new(),
            };
            cred(
                "getmailrc-password",
                e.value.clone(),
                format!("password of the [retriever]{who} in a getmailrc"),
            )
        })
        .collect()
}

/// aerc: `accounts.conf`, one INI section per account; `source` and
/// `outgoing` URLs may carry the password (`*-cred-cmd` runs a command).
pub(crate) fn aerc_accounts(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for e in ini::entries_with(bytes, b"=") {
        let key = e.key.to_ascii_lowercase();
        if key != "source" && key != "outgoing" {
            continue;
        }
        if let Some((p, user, host)) = url_password(bytes, e.value.clone()) {
            out.push(cred(
                "aerc-accounts-password",
                p,
                format!(
                    "password for {user}@{host} in the {key} URL of the aerc account {}",
                    e.section
                ),
            ));
        }
    }
    out
}

/// s-nail / mailx start-up files (`.mailrc`, `/etc/mail.rc`): `set
/// NAME=VALUE` (also inside `account NAME { … }`); variables named
/// `password`, `password-USER@HOST`, `smtp-auth-password…`, and URLs with a
/// password in `mta`, `smtp`, `folder`, `inbox`.
pub(crate) fn mailrc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut account = String::new();
    for (span, _) in lines(bytes) {
        for cmd in mutt_tokens(bytes, span) {
            let Some(first) = cmd.first() else { continue };
            let name = text(bytes, first).to_ascii_lowercase();
            if name == "account" || name == "acc" {
                account = cmd.get(1).map(|w| text(bytes, w)).unwrap_or_default();
                continue;
            }
            if name == "}" {
                account.clear();
                continue;
            }
            if name != "set" && name != "se" {
                continue;
            }
            let mut i = 1;
            while i < cmd.len() {
                let var = text(bytes, &cmd[i]).to_ascii_lowercase();
                let has_value = cmd
                    .get(i + 1)
                    .is_some_and(|w| !w.quoted && &bytes[w.span.clone()] == b"=");
                let Some(value) = cmd.get(i + 2).filter(|_| has_value) else {
                    i += 1;
                    continue;
                };
                i += 3;
                let v = value.span.clone();
                let within = if account.is_empty() {
                    String::new()
                } else {
                    format!(" of the account {account}")
                };
                let password_var = var == "password"
                    || var.starts_with("password-")
                    || var.starts_with("smtp-auth-password")
                    || var.starts_with("pop3-auth-password")
                    || var.starts_with("imap-auth-password");
                if password_var {
                    if keep(bytes, &v) {
                        out.push(cred("mailrc-password", v, format!("{var}{within} in a mailrc")));
                    }
                } else if let Some((p, user, host)) = url_password(bytes, v) {
                    out.push(cred(
                        "mailrc-password",
                        p,
                        format!("password for {user}@{host} in {var}{within} of a mailrc"),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn msmtp_accounts() {
        let text = "# Set default values for all following accounts.\ndefaults\nauth on\ntls on\n\naccount work\nhost smtp.acme.test\nport 587\nfrom alice@acme.test\nuser alice\npassword \"w0rk pass\"\n\naccount gmail\nhost smtp.gmail.test\nuser alice@gmail.test\npasswordeval \"gpg -q -d ~/.msmtp-gmail.gpg\"\n\naccount home : work\npassword h0me-pw\npassword ${HOME_PW}\n\naccount hash\n  password #h4sh-start\n\naccount default : work\n";
        let got = found(".msmtprc", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["w0rk pass", "h0me-pw", "#h4sh-start"]
        );
        assert_eq!(got[0].2, "password of the msmtp account work (alice@smtp.acme.test)");
        assert_eq!(got[1].1, "msmtprc-password");
        assert_eq!(
            secrets("home/me/.config/msmtp/config", "account a\npassword x1\n"),
            vec!["x1"]
        );
    }

    #[test]
    fn esmtp_identities() {
        let text = "identity alice@acme.test\n\thostname smtp.acme.test:587\n\tusername \"alice\"\n\tpassword \"es-pw-1\"\n\tstarttls required\n\nidentity = bob@acme.test\nhostname = mail.acme.test:25\nusername = \"bob\"\npassword = \"\"\nmda \"/usr/bin/procmail -d %T\"\n";
        let got = found(".esmtprc", text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "es-pw-1");
        assert_eq!(
            got[0].2,
            "password of the esmtp identity alice@acme.test (alice@smtp.acme.test:587) in an .esmtprc"
        );
    }

    #[test]
    fn mutt_sets_hooks_and_urls() {
        let text = "set realname = \"Alice\"\nset imap_user = alice@acme.test\nset imap_pass = \"imap-pw-1\"\nset smtp_url = \"smtps://alice@acme.test:smtp-pw-2@smtp.acme.test:465/\"\nset smtp_pass = \"`pass show mail/acme`\"\nset folder=imaps://imap.acme.test/ ; set pop_pass='pop-pw-3'\n# set imap_pass = commented-pw\naccount-hook imaps://bob@imap.acme.test 'set imap_user=bob imap_pass=\"hook-pw-4\"'\nset my_pass = \"my-pw-5\"\nset imap_pass = $my_pass\nmailboxes imaps://carol:mbox-pw-6@imap.acme.test/INBOX\n";
        let got = found(".muttrc", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec![
                "imap-pw-1",
                "smtp-pw-2",
                "pop-pw-3",
                "hook-pw-4",
                "my-pw-5",
                "mbox-pw-6"
            ]
        );
        assert_eq!(got[0].2, "imap_pass set in a muttrc");
        assert_eq!(
            got[1].2,
            "password in the smtp_url URL for alice@acme.test@smtp.acme.test:465 in a muttrc"
        );
        assert!(got.iter().all(|g| g.1 == "mutt-password"));
        assert_eq!(secrets(".config/mutt/muttrc", "set smtp_pass=x9\n"), vec!["x9"]);
    }

    #[test]
    fn fetchmail_poll_entries() {
        let text = "set daemon 300\ndefaults proto imap\npoll mail.acme.test with proto IMAP\n  user 'alice' there with password 'fm pw 1' is alice here\n  user \"bob\" there with password \"fm-pw-2\" is bob here options keep\n# poll old.acme.test user x password oldpw\npoll pop.isp.test protocol pop3 username carol password ${CAROL_PW}\n";
        let got = found(".fetchmailrc", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["fm pw 1", "fm-pw-2"]
        );
        assert_eq!(got[0].2, "password of the fetchmail entry for alice at mail.acme.test");
    }

    #[test]
    fn getmail_aerc_mailrc() {
        let g = "[retriever]\ntype = SimpleIMAPSSLRetriever\nserver = imap.acme.test\nusername = gus\npassword = gm-pw-1\n\n[destination]\ntype = Maildir\npath = ~/Mail/\n";
        let got = found("home/gus/.getmail/getmailrc", g);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "gm-pw-1");
        assert_eq!(
            got[0].2,
            "password of the [retriever] for gus at imap.acme.test in a getmailrc"
        );
        assert_eq!(
            secrets(
                "home/gus/.config/getmail/getmailrc-work",
                "[retriever]\npassword_command = (\"pass\", \"x\")\npassword = w2\n"
            ),
            vec!["w2"]
        );
        let a = "[Work]\nsource = imaps://gus%40acme.test:aerc-pw-1@imap.acme.test:993\noutgoing = smtps+plain://gus%40acme.test@smtp.acme.test:465\noutgoing-cred-cmd = pass show acme\ndefault = INBOX\nfrom = Gus <gus@acme.test>\n";
        let got = found("home/gus/.config/aerc/accounts.conf", a);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "aerc-pw-1");
        assert_eq!(
            got[0].2,
            "password for gus%40acme.test@imap.acme.test:993 in the source URL of the aerc account Work"
        );
        let m = "set v15-compat\nset mta=smtps://gus%40acme.test:mta-pw-1@smtp.acme.test:465 smtp-auth=login\naccount isp {\n  set password-gus@pop.isp.test=\"isp pw 2\"\n  set folder=pop3s://gus@pop.isp.test\n}\nset smtp-auth-password=${SMTP_PW}\n";
        let got = found(".mailrc", m);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["mta-pw-1", "isp pw 2"]
        );
        assert_eq!(got[1].2, "password-gus@pop.isp.test of the account isp in a mailrc");
    }

    #[test]
    fn mbsync_and_offlineimap() {
        let text = "IMAPAccount acme\nHost imap.acme.test\nUser alice@acme.test\nPass \"mb sync pw\"\nSSLType IMAPS\n\nIMAPAccount gmail\nHost imap.gmail.test\nUser alice\nPassCmd \"pass show gmail\"\n";
        let got = found(".mbsyncrc", text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "mb sync pw");
        assert_eq!(
            got[0].2,
            "Pass of the IMAPAccount acme section (alice@acme.test at imap.acme.test) of an .mbsyncrc"
        );
        let oi = "[general]\naccounts = Acme\n\n[Account Acme]\nlocalrepository = Local\nremoterepository = Remote\n\n[Repository Remote]\ntype = IMAP\nremotehost = imap.acme.test\nremoteuser = alice\nremotepass = oi-pw-1\n\n[Repository Gmail]\ntype = Gmail\nremotepasseval = get_pass()\noauth2_client_secret = GOCSPX-oi-secret\n";
        let got = found(".offlineimaprc", oi);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["oi-pw-1", "GOCSPX-oi-secret"]
        );
        assert_eq!(
            got[0].2,
            "remotepass of [Repository Remote] (alice@imap.acme.test) in an .offlineimaprc"
        );
    }
}
