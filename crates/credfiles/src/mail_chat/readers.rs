//! The mail and chat group's readers, in the order they are tried.
//! Listed apart from the group's shared helpers (`mod.rs`), which the
//! readers use, so the modules depend one way.

use super::*;
use crate::model::Reader;

pub(crate) const READERS: &[Reader] = &[
    Reader {
        family: "msmtprc",
        rule_ids: &["msmtprc-password"],
        recognise: mail::recognise_msmtprc,
        read: mail::msmtprc,
    },
    Reader {
        family: "esmtprc",
        rule_ids: &["esmtprc-password"],
        recognise: |f, _| f.name_is(&[".esmtprc", "esmtprc"]),
        read: mail::esmtprc,
    },
    Reader {
        family: "muttrc",
        rule_ids: &["mutt-password"],
        recognise: mail::recognise_muttrc,
        read: mail::muttrc,
    },
    Reader {
        family: "fetchmailrc",
        rule_ids: &["fetchmailrc-password"],
        recognise: |f, _| f.name_is(&[".fetchmailrc", "fetchmailrc"]),
        read: mail::fetchmailrc,
    },
    Reader {
        family: "mbsyncrc",
        rule_ids: &["mbsyncrc-password"],
        recognise: |f, _| {
            f.name_is(&[".mbsyncrc", "mbsyncrc", ".isyncrc"]) || (f.name_is(&["config"]) && f.in_dir(".config/isync"))
        },
        read: mail::mbsyncrc,
    },
    Reader {
        family: "offlineimaprc",
        rule_ids: &["offlineimaprc-password"],
        recognise: |f, _| {
            f.name_is(&[".offlineimaprc", "offlineimaprc", "offlineimap.conf"])
                || (f.name_is(&["config"]) && f.in_dir(".config/offlineimap"))
        },
        read: mail::offlineimaprc,
    },
    Reader {
        family: "getmailrc",
        rule_ids: &["getmailrc-password"],
        recognise: mail::recognise_getmailrc,
        read: mail::getmailrc,
    },
    Reader {
        family: "aerc-accounts",
        rule_ids: &["aerc-accounts-password"],
        recognise: |f, _| f.name_is(&["accounts.conf"]) && f.in_dir("aerc"),
        read: mail::aerc_accounts,
    },
    Reader {
        family: "mailrc",
        rule_ids: &["mailrc-password"],
        recognise: |f, _| f.name_is(&[".mailrc", "mail.rc", "nail.rc", ".nailrc", "s-nail.rc"]),
        read: mail::mailrc,
    },
    Reader {
        family: "pidgin-accounts",
        rule_ids: &["pidgin-account-password"],
        recognise: chat::recognise_pidgin,
        read: chat::pidgin,
    },
    Reader {
        family: "ventrilo-server",
        rule_ids: &["ventrilo-server-password"],
        recognise: |f, _| f.name_is(&["ventrilo_srv.ini"]),
        read: chat::ventrilo,
    },
    Reader {
        family: "teamspeak-server",
        rule_ids: &["teamspeak-server-password"],
        recognise: |f, _| {
            f.name_is(&["ts3server.ini"]) || (f.name_starts_with("ts3db_") && f.name_ends_with(&[".ini"]))
        },
        read: chat::teamspeak,
    },
    Reader {
        family: "hexchat-servlist",
        rule_ids: &["irc-client-password"],
        recognise: |f, _| {
            (f.name_is(&["servlist.conf"]) && (f.in_dir("hexchat") || f.in_dir(".xchat2")))
                || (f.name_is(&["servlist_.conf"]) && f.in_dir(".xchat2"))
        },
        read: chat::hexchat,
    },
    Reader {
        family: "irssi-config",
        rule_ids: &["irc-client-password"],
        recognise: |f, _| f.name_is(&["config"]) && f.in_dir(".irssi"),
        read: chat::irssi,
    },
    Reader {
        family: "weechat-irc",
        rule_ids: &["irc-client-password"],
        recognise: |f, _| f.name_is(&["irc.conf"]) && f.in_dir("weechat"),
        read: chat::weechat,
    },
    Reader {
        family: "chromium-login-data",
        rule_ids: &["chromium-login-data-stored-credential"],
        recognise: browser::recognise_chromium_logins,
        read: browser::chromium_logins,
    },
    Reader {
        family: "firefox-logins",
        rule_ids: &["firefox-logins-stored-credential"],
        recognise: chat::recognise_firefox_logins,
        read: chat::firefox_logins,
    },
    // Network and version-control files (`vcs`).
    Reader {
        family: "git-config",
        rule_ids: &[
            "git-config-url-password",
            "generic-authorization-basic",
            "generic-authorization-bearer",
        ],
        recognise: vcs::recognise_git_config,
        read: vcs::git_config,
    },
    Reader {
        family: "hgrc",
        rule_ids: &["mercurial-hgrc-password"],
        recognise: |f, _| {
            f.name_is(&[".hgrc", "mercurial.ini"])
                || (f.name_is(&["hgrc"]) && (f.in_dir(".hg") || f.in_dir("mercurial") || f.in_dir("etc")))
        },
        read: vcs::hgrc,
    },
    Reader {
        family: "svn-simple",
        rule_ids: &["svn-simple-password"],
        recognise: vcs::recognise_svn_simple,
        read: vcs::svn_simple,
    },
    Reader {
        family: "curlrc",
        rule_ids: &["curlrc-user-password", "proxy-url-password"],
        recognise: |f, _| {
            f.name_is(&[".curlrc", "_curlrc"])
                || (f.name_is(&["curlrc"]) && (f.in_dir(".config/curl") || f.in_dir("etc")))
        },
        read: vcs::curlrc,
    },
    Reader {
        family: "wgetrc",
        rule_ids: &["wgetrc-password", "proxy-url-password"],
        recognise: |f, _| {
            f.name_is(&[".wgetrc", "wgetrc", "_wgetrc"]) || (f.name_is(&["wgetrc"]) && f.in_dir(".config/wget"))
        },
        read: vcs::wgetrc,
    },
    Reader {
        family: "gh-hosts",
        rule_ids: &["hub-cli-oauth-token"],
        recognise: vcs::recognise_gh_hosts,
        read: vcs::gh_hosts,
    },
    Reader {
        family: "apt-auth-conf",
        rule_ids: &["netrc-password"],
        recognise: |f, _| {
            (f.name_is(&["auth.conf"]) && f.in_dir("apt"))
                || (f.in_dir("apt/auth.conf.d") && f.name_ends_with(&[".conf"]))
        },
        read: vcs::apt_auth_conf,
    },
    Reader {
        family: "apt-proxy",
        rule_ids: &["proxy-url-password"],
        recognise: |f, _| {
            (f.name_is(&["apt.conf"]) && f.in_dir("apt"))
                || (f.in_dir("apt.conf.d") && !f.name_ends_with(&[".dpkg-dist", ".dpkg-old", ".save"]))
        },
        read: vcs::apt_conf,
    },
    Reader {
        family: "etc-environment",
        rule_ids: &["proxy-url-password"],
        recognise: |f, _| f.name_is(&["environment"]) && f.in_dir("etc"),
        read: vcs::etc_environment,
    },
];
