//! PHP configuration files read as PHP: WordPress `wp-config.php`
//! (`define('DB_PASSWORD', '…')` and the eight keys and salts), Drupal
//! `settings.php` (`$databases[…]['password']`, `$settings['hash_salt']`),
//! Joomla `configuration.php` (`public $password = '…'` in `class
//! JConfig`), phpMyAdmin `config.inc.php` (`$cfg['Servers'][$i]['password']`,
//! `blowfish_secret`), CodeIgniter `database.php` (`$db['default']['password']`)
//! and the `return [ 'password' => '…' ]` arrays of other frameworks. A
//! tokenizer (strings, variables, comments) and a parser for assignments,
//! `define`/`const` and array literals give each string literal the path of
//! keys that leads to it; calls (`env('DB_PASSWORD')`, `getenv(…)`),
//! concatenations and interpolated strings are not values.

use std::ops::Range;

use super::names_secret as is_secret_key;
use crate::model::{Credential, FileName};
use crate::syntax::placeholder;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Name(Range<usize>),
    /// `$name` (span without the `$`).
    Var(Range<usize>),
    /// A string literal: span inside its quotes, and whether it is a plain
    /// value (not a double-quoted string interpolating `$x` or `{$x}`).
    Str(Range<usize>, bool),
    /// `=>`.
    Arrow,
    Op(u8),
    Other,
}

fn tokenize(b: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' if b.get(i + 1) != Some(&b'[') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = b[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(b.len(), |p| i + 2 + p + 2);
            }
            b'?' if b.get(i + 1) == Some(&b'>') => {
                // Outside PHP until the next `<?php` (HTML of a template).
                i = find(&b[i..], b"<?").map_or(b.len(), |p| i + p + 2);
                out.push(Tok::Op(b';'));
            }
            b'<' if b.get(i + 1) == Some(&b'?') => {
                // `<?php` / `<?=`: a statement boundary.
                i += 2;
                while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'=') {
                    i += 1;
                }
                out.push(Tok::Op(b';'));
            }
            b'\'' | b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != c {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                let body = &b[start..end];
                let interpolates = c == b'"'
                    && body.windows(2).any(|w| {
                        (w[0] == b'$' && (w[1].is_ascii_alphabetic() || w[1] == b'_' || w[1] == b'{')) || w == b"{$"
                    });
                out.push(Tok::Str(start..end, !interpolates));
                i = end + 1;
            }
            b'$' if b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') => {
                let start = i + 1;
                i = start;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Tok::Var(start..i));
            }
            b'=' if b.get(i + 1) == Some(&b'>') => {
                out.push(Tok::Arrow);
                i += 2;
            }
            b'=' if b.get(i + 1) == Some(&b'=') => {
                out.push(Tok::Other);
                i += 2;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c == b'\\' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'\\') {
                    i += 1;
                }
                out.push(Tok::Name(start..i));
            }
            _ if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok::Other);
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                out.push(Tok::Op(c));
                i += 1;
            }
        }
    }
    out
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A string literal and the path of names and keys that leads to it:
/// `["define", "DB_PASSWORD"]`, `["$cfg", "Servers", "*", "password"]`,
/// `["return", "connections", "mysql", "password"]`,
/// `["JConfig", "password"]`.
#[derive(Debug)]
pub(crate) struct Leaf {
    pub path: Vec<String>,
    pub span: Range<usize>,
}

const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    b: &'a [u8],
    t: Vec<Tok>,
    i: usize,
    out: Vec<Leaf>,
    class: Option<String>,
    /// Brace depth at which the current class body opened.
    class_depth: usize,
    braces: usize,
}

impl Parser<'_> {
    fn text(&self, r: &Range<usize>) -> String {
        String::from_utf8_lossy(&self.b[r.clone()]).into_owned()
    }

    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }

    fn at(&self, n: usize) -> Option<&Tok> {
        self.t.get(self.i + n)
    }

    fn name_is(&self, n: usize, word: &str) -> bool {
        matches!(self.at(n), Some(Tok::Name(r)) if self.b[r.clone()].eq_ignore_ascii_case(word.as_bytes()))
    }

    /// Skips past the next `;` (or a `{`/`}` that opens or closes a block).
    fn skip_statement(&mut self) {
        let mut depth = 0usize;
        while let Some(t) = self.peek().cloned() {
            self.i += 1;
            match t {
                Tok::Op(b'(' | b'[') => depth += 1,
                Tok::Op(b')' | b']') => depth = depth.saturating_sub(1),
                Tok::Op(b';') if depth == 0 => return,
                Tok::Op(b'{') if depth == 0 => {
                    self.braces += 1;
                    return;
                }
                Tok::Op(b'}') if depth == 0 => {
                    self.close_brace();
                    return;
                }
                _ => {}
            }
        }
    }

    fn close_brace(&mut self) {
        self.braces = self.braces.saturating_sub(1);
        if self.class.is_some() && self.braces < self.class_depth {
            self.class = None;
        }
    }

    fn statements(&mut self) {
        while self.i < self.t.len() {
            let start = self.i;
            self.statement();
            if self.i == start {
                self.i += 1;
            }
        }
    }

    fn statement(&mut self) {
        match self.peek().cloned() {
            Some(Tok::Op(b'{')) => {
                self.braces += 1;
                self.i += 1;
            }
            Some(Tok::Op(b'}')) => {
                self.close_brace();
                self.i += 1;
            }
            Some(Tok::Op(b';')) => self.i += 1,
            Some(Tok::Name(_)) if self.name_is(0, "class") => {
                if let Some(Tok::Name(n)) = self.at(1).cloned() {
                    self.class = Some(self.text(&n));
                    self.class_depth = self.braces + 1;
                }
                // Up to the class body's `{`.
                while let Some(t) = self.peek() {
                    if *t == Tok::Op(b'{') {
                        break;
                    }
                    self.i += 1;
                }
            }
            Some(Tok::Name(_)) if self.name_is(0, "define") && self.at(1) == Some(&Tok::Op(b'(')) => {
                if let (Some(Tok::Str(name, _)), Some(Tok::Op(b','))) = (self.at(2).cloned(), self.at(3)) {
                    self.i += 4;
                    let mut path = vec!["define".to_string(), self.text(&name)];
                    self.value_then(&mut path, b"),");
                }
                self.skip_statement();
            }
            Some(Tok::Name(_)) if self.name_is(0, "const") => {
                if let (Some(Tok::Name(name)), Some(Tok::Op(b'='))) = (self.at(1).cloned(), self.at(2)) {
                    self.i += 3;
                    let mut path = vec!["const".to_string(), self.text(&name)];
                    self.value_then(&mut path, b";,");
                }
                self.skip_statement();
            }
            Some(Tok::Name(_)) if self.name_is(0, "return") => {
                self.i += 1;
                let mut path = vec!["return".to_string()];
                self.value_then(&mut path, b";");
                self.skip_statement();
            }
            Some(Tok::Name(_))
                if ["public", "private", "protected", "var", "static"]
                    .iter()
                    .any(|w| self.name_is(0, w)) =>
            {
                while [
                    "public",
                    "private",
                    "protected",
                    "var",
                    "static",
                    "readonly",
                    "string",
                    "array",
                    "int",
                    "bool",
                ]
                .iter()
                .any(|w| self.name_is(0, w))
                {
                    self.i += 1;
                }
                if let (Some(Tok::Var(v)), Some(Tok::Op(b'='))) = (self.peek().cloned(), self.at(1)) {
                    self.i += 2;
                    let owner = self.class.clone().unwrap_or_default();
                    let mut path = vec![owner, self.text(&v)];
                    self.value_then(&mut path, b";,");
                }
                self.skip_statement();
            }
            Some(Tok::Var(v)) => {
                self.i += 1;
                let mut path = vec![format!("${}", self.text(&v))];
                loop {
                    match (self.peek().cloned(), self.at(1).cloned(), self.at(2).cloned()) {
                        (Some(Tok::Op(b'[')), Some(Tok::Str(k, _)), Some(Tok::Op(b']'))) => {
                            path.push(self.text(&k));
                            self.i += 3;
                        }
                        (Some(Tok::Op(b'[')), Some(Tok::Var(_) | Tok::Other), Some(Tok::Op(b']'))) => {
                            path.push("*".into());
                            self.i += 3;
                        }
                        (Some(Tok::Op(b'[')), Some(Tok::Op(b']')), _) => {
                            path.push("*".into());
                            self.i += 2;
                        }
                        (Some(Tok::Op(b'-')), Some(Tok::Op(b'>')), Some(Tok::Name(n))) => {
                            path.push(self.text(&n));
                            self.i += 3;
                        }
                        _ => break,
                    }
                }
                if self.peek() == Some(&Tok::Op(b'=')) {
                    self.i += 1;
                    self.value_then(&mut path, b";");
                }
                self.skip_statement();
            }
            _ => self.skip_statement(),
        }
    }

    /// A value that must be followed by one of `ends` to count (so
    /// `'a' . $b` is dropped).
    fn value_then(&mut self, path: &mut Vec<String>, ends: &[u8]) {
        let before = self.out.len();
        self.value(path, 0);
        if !matches!(self.peek(), Some(Tok::Op(c)) if ends.contains(c)) {
            self.out.truncate(before);
        }
    }

    fn value(&mut self, path: &mut Vec<String>, depth: usize) {
        if depth > MAX_DEPTH {
            self.skip_value();
            return;
        }
        match self.peek().cloned() {
            Some(Tok::Str(span, plain)) => {
                self.i += 1;
                if matches!(self.peek(), Some(Tok::Op(b'.' | b'?' | b'+'))) {
                    self.skip_value();
                    return;
                }
                if plain {
                    self.out.push(Leaf {
                        path: path.clone(),
                        span,
                    });
                }
            }
            Some(Tok::Op(b'[')) => {
                self.i += 1;
                self.array(path, b']', depth);
            }
            Some(Tok::Name(n))
                if self.b[n.clone()].eq_ignore_ascii_case(b"array") && self.at(1) == Some(&Tok::Op(b'(')) =>
            {
                self.i += 2;
                self.array(path, b')', depth);
            }
            _ => self.skip_value(),
        }
    }

    /// Array items up to `close`: `KEY => value` or positional values.
    fn array(&mut self, path: &mut Vec<String>, close: u8, depth: usize) {
        loop {
            match self.peek().cloned() {
                None => return,
                Some(Tok::Op(c)) if c == close => {
                    self.i += 1;
                    return;
                }
                Some(Tok::Op(b',')) => self.i += 1,
                Some(Tok::Str(k, _)) if self.at(1) == Some(&Tok::Arrow) => {
                    self.i += 2;
                    path.push(self.text(&k));
                    self.value(path, depth + 1);
                    path.pop();
                }
                _ => {
                    let start = self.i;
                    // `KEY_CONST => value`, `0 => value`: a key that is not a
                    // literal string; a positional item is skipped.
                    self.skip_value();
                    if self.peek() == Some(&Tok::Arrow) {
                        self.i += 1;
                        path.push("*".into());
                        self.value(path, depth + 1);
                        path.pop();
                    }
                    if self.i == start {
                        self.i += 1;
                    }
                }
            }
        }
    }

    /// Skips one expression: up to `,`, `;`, `=>` or a closing bracket at
    /// this level.
    fn skip_value(&mut self) {
        let mut depth = 0usize;
        let start = self.i;
        while let Some(t) = self.peek() {
            match t {
                Tok::Op(b'(' | b'[' | b'{') => depth += 1,
                Tok::Op(b')' | b']' | b'}') => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                Tok::Op(b',' | b';') | Tok::Arrow if depth == 0 => break,
                _ => {}
            }
            self.i += 1;
        }
        if self.i == start
            && self.i < self.t.len()
            && !matches!(
                self.peek(),
                Some(Tok::Op(b')' | b']' | b'}' | b';' | b',')) | Some(Tok::Arrow)
            )
        {
            self.i += 1;
        }
    }
}

/// Every string literal of the file with its path.
pub(crate) fn leaves(bytes: &[u8]) -> Vec<Leaf> {
    let mut p = Parser {
        b: bytes,
        t: tokenize(bytes),
        i: 0,
        out: Vec::new(),
        class: None,
        class_depth: 0,
        braces: 0,
    };
    p.statements();
    p.out
}

/// Whether the file is PHP: `<?php` at its start (after a byte-order mark
/// or blank lines).
pub(crate) fn is_php(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let lead = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    b[lead..].starts_with(b"<?php") || b[lead..].starts_with(b"<?PHP")
}

/// The PHP configuration files this family reads.
pub(crate) fn recognise(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let named = f.name_is(&[
        "wp-config.php",
        "wp-config-local.php",
        "wp-config-sample.php",
        "config.php",
        "config.inc.php",
        "config.local.php",
        "settings.php",
        "settings.local.php",
        "local.settings.php",
        "database.php",
        "configuration.php",
        "parameters.php",
        "localsettings.php",
    ]) || (f.name_ends_with(&[".local.php", ".global.php"]) && f.in_dir("autoload"))
        || (f.name_is(&["db.php", "mail.php", "services.php"]) && f.in_dir("config"));
    named && is_php(bytes)
}

const WP_SALTS: &[&str] = &[
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
];

/// `$cfg['Servers']['*']['password']`, `define('DB_PASSWORD')`.
fn shown(path: &[String]) -> String {
    match path[0].as_str() {
        "define" => format!("define('{}')", path.get(1).map_or("", String::as_str)),
        "const" => format!("const {}", path.get(1).map_or("", String::as_str)),
        "return" => {
            let keys: Vec<String> = path[1..].iter().map(|k| format!("['{k}']")).collect();
            format!("the returned array's {}", keys.concat())
        }
        p if p.starts_with('$') => {
            let keys: Vec<String> = path[1..]
                .iter()
                .map(|k| {
                    if k == "*" {
                        "[…]".to_string()
                    } else {
                        format!("['{k}']")
                    }
                })
                .collect();
            format!("{p}{}", keys.concat())
        }
        class => {
            let rest: Vec<&str> = path[1..].iter().map(String::as_str).collect();
            if class.is_empty() {
                format!("${}", rest.join("']['"))
            } else {
                format!("{class}::${}", rest.join("']['"))
            }
        }
    }
}

/// Credentials of a PHP configuration file, under the rule of the
/// application the file belongs to.
pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let leaves = leaves(bytes);
    let wordpress = leaves
        .iter()
        .any(|l| l.path[0] == "define" && matches!(l.path[1].as_str(), "DB_NAME" | "DB_PASSWORD" | "AUTH_KEY"));
    let drupal = leaves
        .iter()
        .any(|l| l.path[0] == "$databases" || l.path[0] == "$settings");
    let mut out = Vec::new();
    for leaf in &leaves {
        let value = &bytes[leaf.span.clone()];
        if !placeholder::is_credential(value) || value.eq_ignore_ascii_case(b"put your unique phrase here") {
            continue;
        }
        let key = leaf
            .path
            .iter()
            .rev()
            .find(|k| *k != "*" && !k.starts_with('['))
            .map_or("", String::as_str);
        let head = leaf.path[0].as_str();
        let rule = if wordpress && head == "define" && key == "DB_PASSWORD" {
            "wordpress-db-password"
        } else if wordpress && head == "define" && WP_SALTS.contains(&key) {
            "wordpress-auth-salt"
        } else if drupal && head == "$databases" && key.eq_ignore_ascii_case("password") {
            "drupal-database-password"
        } else if drupal && head == "$settings" && key == "hash_salt" {
            "drupal-hash-salt"
        } else if head == "JConfig" && is_joomla_secret(key) {
            "joomla-configuration-secret"
        } else if is_secret_key(key) || key.eq_ignore_ascii_case("pass") || key.eq_ignore_ascii_case("pw") {
            "php-config-password"
        } else {
            continue;
        };
        let kind = match rule {
            "wordpress-db-password" | "wordpress-auth-salt" => "a WordPress wp-config.php",
            "drupal-database-password" | "drupal-hash-salt" => "a Drupal settings.php",
            "joomla-configuration-secret" => "a Joomla configuration.php",
            _ => "a PHP configuration file",
        };
        out.push(Credential::plain(
            rule,
            leaf.span.clone(),
            format!("{} in {kind}", shown(&leaf.path)),
        ));
    }
    out
}

fn is_joomla_secret(key: &str) -> bool {
    matches!(
        key,
        "password"
            | "secret"
            | "smtppass"
            | "ftp_pass"
            | "redis_server_auth"
            | "session_redis_server_auth"
            | "proxy_pass"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{found, secrets};

    #[test]
    fn wp_config_defines() {
        let text = r#"<?php
/** The name of the database for WordPress */
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp_user' );
define( 'DB_PASSWORD', 'hunter3' );
define( 'DB_HOST', 'localhost' );
// define( 'DB_PASSWORD', 'old-pw-in-a-comment' );
define( 'AUTH_KEY',         'a#IB65B7$$,sP2wJ)R?+%0NcB-C%_J[qZ&3y7/IrTs|#[Nv<_y>5a;rS;^xdouBb' );
define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );
define( 'NONCE_SALT', getenv('WP_NONCE_SALT') );
define( 'FTP_PASS', 'ftp' . $suffix );
define( 'SMTP_PASSWORD', "mailpw-42" );
$table_prefix = 'wp_';
if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }
require_once ABSPATH . 'wp-settings.php';
"#;
        let got = found("public_html/wp-config.php", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "hunter3",
                "a#IB65B7$$,sP2wJ)R?+%0NcB-C%_J[qZ&3y7/IrTs|#[Nv<_y>5a;rS;^xdouBb",
                "mailpw-42"
            ]
        );
        assert_eq!(got[0].1, "wordpress-db-password");
        assert_eq!(got[0].2, "define('DB_PASSWORD') in a WordPress wp-config.php");
        assert_eq!(got[1].1, "wordpress-auth-salt");
        assert_eq!(got[2].1, "php-config-password");
    }

    #[test]
    fn phpmyadmin_codeigniter_and_return_arrays() {
        let text = "<?php\n$cfg['blowfish_secret'] = 'q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2';\n$i = 0;\n$i++;\n$cfg['Servers'][$i]['user'] = 'pma';\n$cfg['Servers'][$i]['password'] = 'pma-pw-1';\n$cfg['Servers'][$i]['controlpass'] = '';\n";
        let got = found("phpmyadmin/config.inc.php", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2", "pma-pw-1"]
        );
        assert_eq!(got[1].2, "$cfg['Servers'][…]['password'] in a PHP configuration file");
        let ci = "<?php\ndefined('BASEPATH') OR exit('No direct script access allowed');\n$db['default'] = array(\n\t'hostname' => 'localhost',\n\t'username' => 'ci',\n\t'password' => 'ci-db-pw',\n\t'database' => 'shop',\n);\n";
        assert_eq!(secrets("application/config/database.php", ci), vec!["ci-db-pw"]);
        let laravel = "<?php\nreturn [\n    'connections' => [\n        'mysql' => [\n            'password' => env('DB_PASSWORD', 'forge'),\n        ],\n        'legacy' => ['password' => 'legacy-pw'],\n    ],\n];\n";
        let got = found("config/database.php", laravel);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "legacy-pw");
        assert_eq!(
            got[0].2,
            "the returned array's ['connections']['legacy']['password'] in a PHP configuration file"
        );
        assert!(crate::read("config.php", b"<html>password => 'x'").is_none());
    }

    #[test]
    fn drupal_and_joomla() {
        let drupal = "<?php\n$databases['default']['default'] = [\n  'database' => 'drupal',\n  'username' => 'drupal',\n  'password' => 'dru-pw-8',\n  'host' => 'localhost',\n  'driver' => 'mysql',\n];\n$settings['hash_salt'] = 'Zq8wLp3vNc1XrT6yHx7kPq2mWz9tBv4nRt5';\n$settings['update_free_access'] = FALSE;\n";
        let got = found("web/sites/default/settings.php", drupal);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, "drupal-database-password");
        assert_eq!(got[1].1, "drupal-hash-salt");
        let joomla = "<?php\nclass JConfig {\n\tpublic $offline = false;\n\tpublic $user = 'joomla';\n\tpublic $password = 'jo-pw-1';\n\tpublic $secret = 'w3SgMAtWPmHXmRrx';\n\tpublic $smtppass = '';\n}\n";
        let got = found("configuration.php", joomla);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["jo-pw-1", "w3SgMAtWPmHXmRrx"]
        );
        assert_eq!(got[0].1, "joomla-configuration-secret");
        assert_eq!(got[0].2, "JConfig::$password in a Joomla configuration.php");
    }

    #[test]
    fn hostile_php_is_bounded() {
        let deep = "<?php $a = ".to_string() + &"[".repeat(10_000);
        let _ = leaves(deep.as_bytes());
        let _ = leaves(b"<?php define('X'");
        let _ = leaves(b"<?php $a['");
    }
}
