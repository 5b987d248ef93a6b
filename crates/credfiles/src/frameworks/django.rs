//! Django settings modules (`settings.py`, `settings/production.py`,
//! `local_settings.py`): Python read as Python. A small tokenizer (names,
//! string literals with their prefixes and triple quotes, brackets,
//! comments, line continuations) and a parser for the statements a
//! settings module is made of — `NAME = literal`, `NAME['k']['j'] =
//! literal`, dict, list and tuple literals and `dict(k=…)` calls nested in
//! them — so `DATABASES = {'default': {'PASSWORD': '…'}}` yields its
//! password with the path that leads to it. Calls (`os.environ.get(…)`,
//! `env('…')`), names and expressions are not values and are skipped.

use std::ops::Range;

use super::names_secret as is_secret_key;
use crate::model::Credential;
use crate::syntax::placeholder;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Name(Range<usize>),
    /// A string literal: the span inside its quotes, and whether it can hold
    /// a value (not an f-string with a `{…}` field, not bytes with escapes).
    Str(Range<usize>, bool),
    Op(u8),
    /// End of a logical line (outside brackets).
    Newline,
    Other,
}

/// Python tokens of `b` (linear; never fails).
fn tokenize(b: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if b.get(i + 1) == Some(&b'\r') => i += 3,
            b'\n' => {
                if depth == 0 && !matches!(out.last(), Some(Tok::Newline) | None) {
                    out.push(Tok::Newline);
                }
                i += 1;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                out.push(Tok::Op(c));
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                out.push(Tok::Op(c));
                i += 1;
            }
            b'\'' | b'"' => {
                let (tok, next) = string(b, i, b"");
                out.push(tok);
                i = next;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                    i += 1;
                }
                let word = &b[start..i];
                if i < b.len()
                    && matches!(b[i], b'\'' | b'"')
                    && word.len() <= 2
                    && word.iter().all(|c| b"rRbBuUfF".contains(c))
                {
                    let (tok, next) = string(b, i, word);
                    out.push(tok);
                    i = next;
                } else {
                    out.push(Tok::Name(start..i));
                }
            }
            _ if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                    i += 1;
                }
                out.push(Tok::Other);
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            _ => {
                out.push(Tok::Op(c));
                i += 1;
            }
        }
    }
    out
}

/// The string literal whose opening quote is at `q`, with its prefix.
fn string(b: &[u8], q: usize, prefix: &[u8]) -> (Tok, usize) {
    let quote = b[q];
    let triple = b.get(q..q + 3) == Some(&[quote, quote, quote][..]);
    let open = if triple { 3 } else { 1 };
    let start = q + open;
    let mut i = start;
    let mut end = b.len();
    let mut next = b.len();
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'\n' if !triple => {
                end = i;
                next = i;
                break;
            }
            c if c == quote => {
                if !triple {
                    end = i;
                    next = i + 1;
                    break;
                }
                if b.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                    end = i;
                    next = i + 3;
                    break;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    let end = end.min(b.len()).max(start.min(b.len()));
    let start = start.min(end);
    let lower: Vec<u8> = prefix.to_ascii_lowercase();
    let body = &b[start..end];
    let template = lower.contains(&b'f') && body.contains(&b'{');
    let escaped_bytes = lower.contains(&b'b') && body.contains(&b'\\');
    let usable = !triple && !template && !escaped_bytes;
    (Tok::Str(start..end, usable), next)
}

/// A string value found under a path of keys.
#[derive(Debug)]
pub(crate) struct Leaf {
    /// Assigned name, then dict keys (and `[n]` for list items).
    pub path: Vec<String>,
    pub span: Range<usize>,
}

const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    b: &'a [u8],
    t: Vec<Tok>,
    i: usize,
    out: Vec<Leaf>,
}

impl Parser<'_> {
    fn text(&self, r: &Range<usize>) -> String {
        String::from_utf8_lossy(&self.b[r.clone()]).into_owned()
    }

    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }

    /// Skips to the start of the next logical line.
    fn skip_line(&mut self) {
        while let Some(t) = self.peek() {
            let end = *t == Tok::Newline;
            self.i += 1;
            if end {
                return;
            }
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

    /// `NAME ( '[' STR ']' )* '=' value` at the start of a line, else the
    /// line is skipped.
    fn statement(&mut self) {
        let Some(Tok::Name(n)) = self.peek().cloned() else {
            return self.skip_line();
        };
        let mut path = vec![self.text(&n)];
        self.i += 1;
        // `a.b = …` (attribute assignment) names the attribute.
        while self.peek() == Some(&Tok::Op(b'.')) {
            match self.t.get(self.i + 1).cloned() {
                Some(Tok::Name(n)) => {
                    path = vec![self.text(&n)];
                    self.i += 2;
                }
                _ => return self.skip_line(),
            }
        }
        while self.peek() == Some(&Tok::Op(b'[')) {
            match (self.t.get(self.i + 1).cloned(), self.t.get(self.i + 2)) {
                (Some(Tok::Str(s, _)), Some(Tok::Op(b']'))) => {
                    path.push(self.text(&s));
                    self.i += 3;
                }
                _ => return self.skip_line(),
            }
        }
        // An annotation: `NAME: str = …`.
        if self.peek() == Some(&Tok::Op(b':')) {
            self.i += 1;
            while matches!(self.peek(), Some(Tok::Name(_)) | Some(Tok::Op(b'.'))) {
                self.i += 1;
            }
        }
        if self.peek() != Some(&Tok::Op(b'=')) || self.t.get(self.i + 1) == Some(&Tok::Op(b'=')) {
            return self.skip_line();
        }
        self.i += 1;
        let before = self.out.len();
        self.value(&mut path, 0);
        if !matches!(self.peek(), Some(Tok::Newline) | None) {
            // `'…' if c else '…'`, `{…} | other`: an expression, not a value.
            self.out.truncate(before);
        }
        self.skip_line();
    }

    /// One value; on return `self.i` is past it.
    fn value(&mut self, path: &mut Vec<String>, depth: usize) {
        if depth > MAX_DEPTH {
            self.skip_value();
            return;
        }
        match self.peek().cloned() {
            Some(Tok::Str(span, usable)) => {
                self.i += 1;
                // Implicit concatenation (`'ab' 'cd'`) is not one literal.
                if matches!(self.peek(), Some(Tok::Str(..))) {
                    while matches!(self.peek(), Some(Tok::Str(..))) {
                        self.i += 1;
                    }
                    return;
                }
                // `'…' % x`, `'…'.format(…)`, `'…' + x`: an expression.
                if matches!(self.peek(), Some(Tok::Op(b'%' | b'.' | b'+' | b'*' | b'['))) {
                    self.skip_value();
                    return;
                }
                if usable {
                    self.out.push(Leaf {
                        path: path.clone(),
                        span,
                    });
                }
            }
            Some(Tok::Op(b'{')) => {
                self.i += 1;
                loop {
                    match self.peek().cloned() {
                        None => return,
                        Some(Tok::Op(b'}')) => {
                            self.i += 1;
                            return;
                        }
                        Some(Tok::Op(b',')) | Some(Tok::Newline) => self.i += 1,
                        Some(Tok::Str(k, _)) if self.t.get(self.i + 1) == Some(&Tok::Op(b':')) => {
                            self.i += 2;
                            path.push(self.text(&k));
                            self.value(path, depth + 1);
                            path.pop();
                        }
                        _ => {
                            // A non-literal key or `**other`: skip the pair.
                            let start = self.i;
                            self.skip_value();
                            if self.peek() == Some(&Tok::Op(b':')) {
                                self.i += 1;
                                self.skip_value();
                            }
                            if self.i == start {
                                self.i += 1;
                            }
                        }
                    }
                }
            }
            Some(Tok::Op(open @ (b'[' | b'('))) => {
                let close = if open == b'[' { b']' } else { b')' };
                self.i += 1;
                let mut n = 0usize;
                loop {
                    match self.peek() {
                        None => return,
                        Some(Tok::Op(c)) if *c == close => {
                            self.i += 1;
                            return;
                        }
                        Some(Tok::Op(b',')) | Some(Tok::Newline) => self.i += 1,
                        _ => {
                            let start = self.i;
                            path.push(format!("[{n}]"));
                            self.value(path, depth + 1);
                            path.pop();
                            n += 1;
                            if self.i == start {
                                self.i += 1;
                            }
                        }
                    }
                }
            }
            Some(Tok::Name(n)) if &self.b[n.clone()] == b"dict" && self.t.get(self.i + 1) == Some(&Tok::Op(b'(')) => {
                self.i += 2;
                loop {
                    match self.peek().cloned() {
                        None => return,
                        Some(Tok::Op(b')')) => {
                            self.i += 1;
                            return;
                        }
                        Some(Tok::Op(b',')) | Some(Tok::Newline) => self.i += 1,
                        Some(Tok::Name(k)) if self.t.get(self.i + 1) == Some(&Tok::Op(b'=')) => {
                            self.i += 2;
                            path.push(self.text(&k));
                            self.value(path, depth + 1);
                            path.pop();
                        }
                        _ => {
                            let start = self.i;
                            self.skip_value();
                            if self.i == start {
                                self.i += 1;
                            }
                        }
                    }
                }
            }
            _ => self.skip_value(),
        }
    }

    /// Skips one expression: up to a `,`, `:` or closing bracket at this
    /// level, or the end of the line.
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
                Tok::Op(b',' | b':') if depth == 0 && self.i > start => break,
                Tok::Newline if depth == 0 => break,
                _ => {}
            }
            self.i += 1;
        }
        if self.i == start
            && self.i < self.t.len()
            && !matches!(self.peek(), Some(Tok::Newline) | Some(Tok::Op(b')' | b']' | b'}')))
        {
            self.i += 1;
        }
    }
}

/// Every string literal assigned in the module, with its path.
pub(crate) fn leaves(bytes: &[u8]) -> Vec<Leaf> {
    let mut p = Parser {
        b: bytes,
        t: tokenize(bytes),
        i: 0,
        out: Vec::new(),
    };
    p.statements();
    p.out
}

/// `django.contrib.auth.hashers.PBKDF2PasswordHasher`, `knox.AuthToken`:
/// a dotted Python path, not a credential.
fn dotted_path(v: &[u8]) -> bool {
    let parts: Vec<&[u8]> = v.split(|&b| b == b'.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && (p[0].is_ascii_alphabetic() || p[0] == b'_')
                && p.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        })
}

/// Django settings: SECRET_KEY (and its fallbacks), EMAIL_HOST_PASSWORD,
/// AWS_SECRET_ACCESS_KEY, and every other literal under a key naming a
/// secret (DATABASES' PASSWORD, CACHES' OPTIONS, API keys).
pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for leaf in leaves(bytes) {
        let value = &bytes[leaf.span.clone()];
        if !placeholder::is_credential(value) {
            continue;
        }
        let name = leaf.path[0].as_str();
        let key = leaf
            .path
            .iter()
            .rev()
            .find(|k| !k.starts_with('['))
            .map_or("", String::as_str);
        let in_list = leaf.path.last().is_some_and(|k| k.starts_with('['));
        let shown = shown_path(&leaf.path);
        let (rule, what) = match name {
            "SECRET_KEY" if leaf.path.len() == 1 => ("django-secret-key", "SECRET_KEY".to_string()),
            "SECRET_KEY_FALLBACKS" => ("django-secret-key", shown.clone()),
            "EMAIL_HOST_PASSWORD" if leaf.path.len() == 1 => ("smtp-password-assignment", shown.clone()),
            "AWS_SECRET_ACCESS_KEY" if leaf.path.len() == 1 => ("aws-secret-access-key", shown.clone()),
            _ => {
                if in_list || !is_secret_key(key) || dotted_path(value) {
                    continue;
                }
                ("django-settings-secret", shown.clone())
            }
        };
        let reason = if rule == "django-secret-key" && leaf.path.len() == 1 {
            "SECRET_KEY of a Django settings module".to_string()
        } else {
            format!("{what} in a Django settings module")
        };
        out.push(Credential::plain(rule, leaf.span, reason));
    }
    out
}

/// `DATABASES['default']['PASSWORD']`.
fn shown_path(path: &[String]) -> String {
    let mut s = path[0].clone();
    for k in &path[1..] {
        if k.starts_with('[') {
            s.push_str(k);
        } else {
            s.push_str(&format!("['{k}']"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{found, secrets};

    #[test]
    fn settings_module_values_by_path() {
        let text = r#""""Django settings for shop.

SECRET_KEY = 'not this one, a docstring'
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# SECRET_KEY = 'commented-out-and-not-read'
SECRET_KEY = 'django-insecure-7h#q2v!x9k@m4z$w1p&r8t^y3u*i6o(e5a)s0d-f+g=j'
DEBUG = False
ALLOWED_HOSTS = ['shop.acme.test']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'shop',
        'USER': 'shop_rw',
        'PASSWORD': 'Tr0ub4dor&3',  # rotated 2024
        'HOST': 'db.acme.test',
    },
    "replica": dict(ENGINE='django.db.backends.postgresql', PASSWORD="r3plica-pw", HOST='replica'),
    'other': {'PASSWORD': os.environ.get('OTHER_DB_PASSWORD', 'fallback')},
}
DATABASES['legacy']['PASSWORD'] = "legacy-pw-99"
PASSWORD_HASHERS = [
    'django.contrib.auth.hashers.PBKDF2PasswordHasher',
]
AUTH_PASSWORD_VALIDATORS = [{'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'}]
EMAIL_HOST_PASSWORD = "mail pass 7"
AWS_SECRET_ACCESS_KEY = 'q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm'
STRIPE_API_KEY = f"{PREFIX}_key"
AWS_ACCESS_KEY_ID = 'AKIAEXAMPLEKEYID'
SOCIAL_AUTH_GITHUB_SECRET = 'gh-s3cret-' 'joined'
CELERY_BROKER_PASSWORD = 'x' + SUFFIX
SENTRY_TOKEN = '${SENTRY_TOKEN}'
TOKEN_MODEL = 'knox.AuthToken'
"#;
        let got = found("shop/settings.py", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "django-insecure-7h#q2v!x9k@m4z$w1p&r8t^y3u*i6o(e5a)s0d-f+g=j",
                "Tr0ub4dor&3",
                "r3plica-pw",
                "legacy-pw-99",
                "mail pass 7",
                "q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm",
            ]
        );
        assert_eq!(got[0].1, "django-secret-key");
        assert_eq!(got[0].2, "SECRET_KEY of a Django settings module");
        assert_eq!(got[1].1, "django-settings-secret");
        assert_eq!(got[1].2, "DATABASES['default']['PASSWORD'] in a Django settings module");
        assert_eq!(got[4].1, "smtp-password-assignment");
        assert_eq!(got[5].1, "aws-secret-access-key");
    }

    #[test]
    fn settings_packages_and_fallbacks() {
        let text = "from .base import *\n\nSECRET_KEY_FALLBACKS = [\n    'old-key-1a2b3c',\n]\nCACHES = {'default': {'OPTIONS': {'PASSWORD': 'redis-pw-1'}}}\n";
        assert_eq!(
            secrets("config/settings/production.py", text),
            vec!["old-key-1a2b3c", "redis-pw-1"]
        );
        assert!(crate::read("app/views.py", text.as_bytes()).is_none());
        assert!(crate::read("settings/__init__.py", b"").is_some());
        assert!(crate::read("app/settings/views/forms.py", b"").is_none());
    }

    #[test]
    fn hostile_python_is_bounded() {
        let deep = "X = ".to_string() + &"{'a': ".repeat(10_000);
        let _ = leaves(deep.as_bytes());
        let _ = leaves(b"X = '''unterminated\nPASSWORD = 'a'");
        let _ = leaves(b"X = r\"\\");
    }
}
