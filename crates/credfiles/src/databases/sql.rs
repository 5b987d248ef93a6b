//! SQL dumps and scripts (`*.sql`, `*.sql.txt`, text `*.dump`): passwords
//! set by `CREATE USER … IDENTIFIED BY`, `ALTER USER/ROLE … PASSWORD`,
//! `CREATE LOGIN … WITH PASSWORD =`, `SET PASSWORD FOR … = PASSWORD(…)` and
//! `GRANT … IDENTIFIED BY`, and the password column of rows inserted into
//! users-like tables (`INSERT … VALUES`, multi-row, with or without a
//! column list, whose columns then come from the table's `CREATE TABLE`;
//! PostgreSQL `COPY … FROM stdin` blocks).
//!
//! One lexer pass over the file (strings with both quote-doubling and,
//! for MySQL dumps, backslash escapes; `--`, `#` and `/* */` comments, but
//! the SQL inside MySQL's `/*!40101 … */`; PostgreSQL dollar quoting), a
//! few tokens of state per statement: linear in the file and bounded in
//! memory whatever the size of an `INSERT`.

use std::collections::HashMap;
use std::ops::Range;

use super::hashes::hash_scheme;
use crate::model::{Credential, FileName};
use crate::syntax::{lines, placeholder};

const PASSWORD_RULE: &str = "sql-dump-password";
const HASH_RULE: &str = "sql-dump-password-hash";

/// `*.sql`, `*.sql.txt` and the like; `*.dump` only when it is text (not a
/// `pg_dump -Fc` archive).
pub(crate) fn is_sql(f: &FileName<'_>, bytes: &[u8]) -> bool {
    if f.name_ends_with(&[".sql", ".sql.txt", ".pgsql", ".mysql", ".sql.bak", ".sql.old"]) {
        return true;
    }
    if f.name_ends_with(&[".dump"]) {
        let head = &bytes[..bytes.len().min(4096)];
        // Valid UTF-8, or cut in the middle of a character at the end.
        let text = match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none(),
        };
        return !head.starts_with(b"PGDMP") && !head.contains(&0) && text;
    }
    false
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A bare word or number.
    Word(Range<usize>),
    /// A string literal: the span inside the quotes.
    Str(Range<usize>),
    /// A quoted identifier (`` `x` ``, `"x"`): the span inside.
    Ident(Range<usize>),
    /// Any other byte.
    Punct(u8),
}

struct Lexer<'a> {
    b: &'a [u8],
    i: usize,
    backslash: bool,
    /// Only blanks since the last line break (a `#` there starts a
    /// comment).
    fresh_line: bool,
}

impl<'a> Lexer<'a> {
    fn new(b: &'a [u8]) -> Lexer<'a> {
        // PostgreSQL dumps use standard strings ('' only); MySQL escapes
        // with backslashes too.
        let head = &b[..b.len().min(8192)];
        let postgres = find(head, b"PostgreSQL database").is_some()
            || find(head, b"standard_conforming_strings = on").is_some()
            || find(head, b"pg_dump").is_some();
        Lexer {
            b,
            i: 0,
            backslash: !postgres,
            fresh_line: true,
        }
    }

    fn next(&mut self) -> Option<Tok> {
        loop {
            let b = self.b;
            while self.i < b.len() && b[self.i].is_ascii_whitespace() {
                if b[self.i] == b'\n' {
                    self.fresh_line = true;
                }
                self.i += 1;
            }
            let c = *b.get(self.i)?;
            if (c == b'-' && b.get(self.i + 1) == Some(&b'-')) || (c == b'#' && self.fresh_line) {
                self.i = memchr(b'\n', &b[self.i..]).map_or(b.len(), |p| self.i + p);
                continue;
            }
            // A psql meta-command (`\set`, `\connect`) fills a line and
            // ends the statement before it.
            if c == b'\\' && self.fresh_line {
                self.i = memchr(b'\n', &b[self.i..]).map_or(b.len(), |p| self.i + p);
                return Some(Tok::Punct(b';'));
            }
            if c == b'/' && b.get(self.i + 1) == Some(&b'*') {
                // MySQL's executable comments hold SQL: read on inside them.
                if b.get(self.i + 2) == Some(&b'!') || b[self.i + 2..].starts_with(b"M!") {
                    self.i += if b[self.i + 2] == b'!' { 3 } else { 4 };
                    while self.i < b.len() && b[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    continue;
                }
                self.i = find(&b[self.i + 2..], b"*/").map_or(b.len(), |p| self.i + 2 + p + 2);
                continue;
            }
            let start = self.i;
            self.fresh_line = false;
            return Some(match c {
                b'\'' => self.string(start + 1, self.backslash),
                b'`' | b'"' => {
                    let end = self.quoted_end(start + 1, c, false);
                    Tok::Ident(start + 1..end)
                }
                b'$' => match self.dollar_tag(start) {
                    Some(tag_end) => {
                        let tag = &b[start..tag_end];
                        let body = tag_end;
                        let end = find(&b[body..], tag).map_or(b.len(), |p| body + p);
                        self.i = (end + tag.len()).min(b.len());
                        Tok::Str(body..end)
                    }
                    None => {
                        self.i += 1;
                        Tok::Punct(c)
                    }
                },
                _ if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                    let mut end = start;
                    while end < b.len()
                        && (b[end].is_ascii_alphanumeric() || matches!(b[end], b'_' | b'$') || b[end] >= 0x80)
                    {
                        end += 1;
                    }
                    // N'…', E'…', X'…', B'…': prefixed string literals.
                    if end == start + 1 && b.get(end) == Some(&b'\'') && matches!(c | 0x20, b'n' | b'e' | b'x' | b'b') {
                        return Some(self.string(end + 1, self.backslash || c | 0x20 == b'e'));
                    }
                    self.i = end;
                    Tok::Word(start..end)
                }
                _ => {
                    self.i += 1;
                    Tok::Punct(c)
                }
            });
        }
    }

    /// A string whose content starts at `start`; sets `self.i` past it.
    fn string(&mut self, start: usize, backslash: bool) -> Tok {
        let end = self.quoted_end(start, b'\'', backslash);
        Tok::Str(start..end)
    }

    /// The end of a quoted run starting at `start` (the closing quote's
    /// position; the quote is doubled to escape it); sets `self.i` past
    /// the closing quote.
    fn quoted_end(&mut self, start: usize, quote: u8, backslash: bool) -> usize {
        let b = self.b;
        let mut i = start;
        while i < b.len() {
            if backslash && b[i] == b'\\' {
                i += 2;
                continue;
            }
            if b[i] == quote {
                if b.get(i + 1) == Some(&quote) {
                    i += 2;
                    continue;
                }
                self.i = i + 1;
                return i;
            }
            i += 1;
        }
        self.i = b.len();
        b.len()
    }

    /// `$$` or `$tag$` at `start`: the end of the tag.
    fn dollar_tag(&self, start: usize) -> Option<usize> {
        let b = self.b;
        let mut i = start + 1;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') && i - start < 64 {
            i += 1;
        }
        if b.get(i) == Some(&b'$') && !b.get(start + 1).is_some_and(u8::is_ascii_digit) {
            Some(i + 1)
        } else {
            None
        }
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut from = 0;
    while let Some(p) = memchr(first, &hay[from..]) {
        let at = from + p;
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
        if from + needle.len() > hay.len() {
            return None;
        }
    }
    None
}

fn lower(b: &[u8], r: &Range<usize>) -> String {
    String::from_utf8_lossy(&b[r.clone()]).to_ascii_lowercase()
}

/// Whether a table (last component of its name, lower-cased) holds user
/// accounts.
fn users_table(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "user",
        "users",
        "account",
        "accounts",
        "admin",
        "admins",
        "administrators",
        "auth_user",
        "members",
        "member",
        "logins",
        "login",
        "customers",
        "staff",
        "operators",
        "employees",
    ];
    NAMES.contains(&name)
        || [
            "_users",
            "_user",
            "_accounts",
            "_admins",
            "_members",
            "_admin",
            "_logins",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        || name.starts_with("users_") && !name.ends_with("_roles")
}

/// Whether a column holds a password or its hash.
fn password_column(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        n.as_str(),
        "password"
            | "passwd"
            | "pass"
            | "pwd"
            | "pword"
            | "passwordhash"
            | "hashedpassword"
            | "encryptedpassword"
            | "cryptedpassword"
            | "userpass"
            | "userpassword"
            | "userpasswd"
            | "passhash"
            | "pwhash"
            | "pwdhash"
            | "passwdhash"
            | "passworddigest"
            | "authenticationstring"
            | "passwordencrypted"
            | "encryptedpass"
            | "hashpassword"
            | "passwordcrypt"
    )
}

/// Columns whose value names the account, best first.
fn user_column_rank(name: &str) -> Option<usize> {
    let n = name.to_ascii_lowercase();
    [
        "username",
        "user_login",
        "login",
        "user_name",
        "user",
        "email",
        "user_email",
        "name",
        "display_name",
    ]
    .iter()
    .position(|c| *c == n)
}

/// What a statement is, from its first words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `CREATE|ALTER USER|ROLE|LOGIN`, `SET PASSWORD`, `GRANT`: the label.
    Account(&'static str),
    /// `INSERT|REPLACE INTO`.
    Insert,
    /// `CREATE TABLE` of a users-like table.
    CreateTable,
    /// `COPY … FROM stdin`.
    Copy,
    Other,
}

/// Per-statement state.
struct Statement {
    kind: Kind,
    words: Vec<String>,
    /// For account statements: the account named, and where we are.
    account: String,
    expect: Expect,
    /// The target table of an INSERT/COPY/CREATE TABLE (last component).
    table: String,
    columns: Vec<String>,
    depth: usize,
    column_index: usize,
    /// An INSERT's phase.
    phase: Phase,
    /// The current row: the password column's value and the account
    /// column's value with its rank.
    row_password: Option<Range<usize>>,
    row_hashes: Vec<Range<usize>>,
    row_user: Option<(usize, String)>,
    /// CREATE TABLE: whether the current item's first token was seen.
    item_started: bool,
    /// COPY: whether the data follows the statement (`FROM stdin`).
    copy_stdin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Nothing,
    /// After `user`/`role`/`login`/`for`/`to`: the account name.
    Account,
    /// After `@`: the host part of the account.
    Host,
    /// After `identified`: `by`, `with PLUGIN by|as`.
    Identified,
    /// After `identified by`: `password` (a hash follows) or the value.
    By,
    /// The value, and whether the statement said it is a hash.
    Value(bool),
    /// After `password`: `=`, `(`, or the value.
    PasswordWord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Table,
    Columns,
    BeforeValues,
    Values,
    Done,
}

impl Statement {
    fn new() -> Statement {
        Statement {
            kind: Kind::Other,
            words: Vec::new(),
            account: String::new(),
            expect: Expect::Nothing,
            table: String::new(),
            columns: Vec::new(),
            depth: 0,
            column_index: 0,
            phase: Phase::Table,
            row_password: None,
            row_hashes: Vec::new(),
            row_user: None,
            item_started: false,
            copy_stdin: false,
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    out: Vec<Credential>,
    /// Column lists of users-like tables from their CREATE TABLE.
    tables: HashMap<String, Vec<String>>,
}

/// Every password and password hash the dump sets or stores.
pub(crate) fn sql_dump(bytes: &[u8]) -> Vec<Credential> {
    let mut r = Reader {
        b: bytes,
        out: Vec::new(),
        tables: HashMap::new(),
    };
    let mut lx = Lexer::new(bytes);
    let mut st = Statement::new();
    while let Some(tok) = lx.next() {
        if tok == Tok::Punct(b';') {
            if st.kind == Kind::Copy && st.copy_stdin {
                lx.i = r.copy_block(lx.i, &st);
            }
            if st.kind == Kind::CreateTable && !st.columns.is_empty() {
                r.tables.insert(st.table.clone(), std::mem::take(&mut st.columns));
            }
            st = Statement::new();
            continue;
        }
        r.token(&mut st, tok);
    }
    if st.kind == Kind::CreateTable && !st.columns.is_empty() {
        r.tables.insert(st.table.clone(), std::mem::take(&mut st.columns));
    }
    r.out
}

impl Reader<'_> {
    fn word(&self, t: &Tok) -> Option<String> {
        match t {
            Tok::Word(r) => Some(lower(self.b, r)),
            _ => None,
        }
    }

    fn name(&self, t: &Tok) -> Option<String> {
        match t {
            Tok::Word(r) | Tok::Ident(r) | Tok::Str(r) => {
                Some(String::from_utf8_lossy(&self.b[r.clone()]).into_owned())
            }
            _ => None,
        }
    }

    fn token(&mut self, st: &mut Statement, tok: Tok) {
        if st.words.len() < 4 && st.kind == Kind::Other {
            match self.word(&tok) {
                Some(w) => st.words.push(w),
                None => {
                    if st.words.is_empty() {
                        return;
                    }
                    st.words.push(String::new());
                }
            }
            st.kind = classify(&st.words);
            match st.kind {
                Kind::Account(label) => {
                    st.expect = if label == "SET PASSWORD" || label == "GRANT" {
                        Expect::Nothing
                    } else {
                        Expect::Account
                    };
                    if label == "SET PASSWORD" {
                        st.expect = Expect::PasswordWord;
                    }
                }
                Kind::Insert | Kind::Copy | Kind::CreateTable => st.phase = Phase::Table,
                Kind::Other => {}
            }
            return;
        }
        match st.kind {
            Kind::Account(label) => self.account_token(st, label, tok),
            Kind::Insert => self.insert_token(st, tok),
            Kind::Copy => self.copy_token(st, tok),
            Kind::CreateTable => self.create_table_token(st, tok),
            Kind::Other => {}
        }
    }

    fn account_token(&mut self, st: &mut Statement, label: &'static str, tok: Tok) {
        let w = self.word(&tok);
        match st.expect {
            Expect::Account => {
                if matches!(w.as_deref(), Some("if" | "not" | "exists")) || tok == Tok::Punct(b'[') {
                    return;
                }
                if let Some(n) = self.name(&tok) {
                    st.account = n;
                    st.expect = Expect::Nothing;
                }
                return;
            }
            Expect::Host => {
                if let Some(n) = self.name(&tok) {
                    st.account = format!("{}@{n}", st.account);
                }
                st.expect = Expect::Nothing;
                return;
            }
            Expect::Identified => {
                st.expect = match w.as_deref() {
                    Some("by") => Expect::By,
                    Some("with") => Expect::Identified,
                    Some("as") => Expect::Value(true),
                    Some("values") => Expect::Value(true),
                    // The plugin name after `with`.
                    Some(_) | None if matches!(tok, Tok::Word(_) | Tok::Str(_) | Tok::Ident(_)) => Expect::Identified,
                    _ => Expect::Nothing,
                };
                return;
            }
            Expect::By => {
                match w.as_deref() {
                    Some("password") => st.expect = Expect::Value(true),
                    Some("values") => st.expect = Expect::Value(true),
                    _ => {
                        st.expect = Expect::Nothing;
                        self.account_value(st, label, &tok, false);
                    }
                }
                return;
            }
            Expect::PasswordWord => {
                match (&tok, w.as_deref()) {
                    (Tok::Punct(b'=' | b'('), _) => {}
                    (_, Some("password" | "old_password")) => {}
                    (_, Some("for")) => st.expect = Expect::Account,
                    // A bare word after PASSWORD is an option (EXPIRE,
                    // HISTORY, NULL), except a T-SQL `0x…` hash.
                    (Tok::Word(_), Some(w)) if !w.starts_with("0x") => st.expect = Expect::Nothing,
                    _ => {
                        st.expect = Expect::Nothing;
                        self.account_value(st, label, &tok, false);
                    }
                }
                return;
            }
            Expect::Value(hashed) => {
                if matches!(tok, Tok::Punct(b'=' | b'(')) {
                    return;
                }
                st.expect = Expect::Nothing;
                self.account_value(st, label, &tok, hashed);
                return;
            }
            Expect::Nothing => {}
        }
        if tok == Tok::Punct(b'@') && !st.account.is_empty() && !st.account.contains('@') {
            st.expect = Expect::Host;
            return;
        }
        if tok == Tok::Punct(b'=') && label == "SET PASSWORD" {
            st.expect = Expect::PasswordWord;
            return;
        }
        match w.as_deref() {
            Some("identified") => st.expect = Expect::Identified,
            Some("password") => st.expect = Expect::PasswordWord,
            Some("encrypted") => {}
            Some("to") if label == "GRANT" => st.expect = Expect::Account,
            Some("for") if label == "SET PASSWORD" => st.expect = Expect::Account,
            _ => {}
        }
    }

    /// A value an account statement sets: a string, an Oracle bare
    /// identifier, a T-SQL `0x…` hash.
    fn account_value(&mut self, st: &Statement, label: &'static str, tok: &Tok, hashed: bool) {
        let span = match tok {
            Tok::Str(r) | Tok::Ident(r) => r.clone(),
            Tok::Word(r) => {
                let w = lower(self.b, r);
                if matches!(
                    w.as_str(),
                    "null" | "externally" | "globally" | "random" | "password" | "with" | "by" | "default"
                ) || w.starts_with('@')
                {
                    return;
                }
                r.clone()
            }
            Tok::Punct(_) => return,
        };
        let value = &self.b[span.clone()];
        if !placeholder::is_credential(value) || value.starts_with(b":") {
            return;
        }
        let who = if st.account.is_empty() {
            String::new()
        } else {
            format!(" of {}", st.account)
        };
        let scheme = hash_scheme(value).or(if hashed || value.starts_with(b"0x0") {
            Some("server")
        } else {
            None
        });
        let a = if label.starts_with('A') { "an" } else { "a" };
        match scheme {
            Some(s) => self.out.push(Credential::plain(
                HASH_RULE,
                span,
                format!("{s} password hash{who} in {a} {label} statement of an SQL dump"),
            )),
            None => self.out.push(Credential::plain(
                PASSWORD_RULE,
                span,
                format!("password{who} set by {a} {label} statement in an SQL dump"),
            )),
        }
    }

    /// `INSERT [IGNORE] INTO t [(cols)] VALUES (…), (…)`.
    fn insert_token(&mut self, st: &mut Statement, tok: Tok) {
        match st.phase {
            Phase::Table => match (&tok, self.word(&tok).as_deref()) {
                (_, Some("into" | "ignore" | "low_priority" | "delayed" | "high_priority" | "only")) => {}
                (Tok::Punct(b'.'), _) => {}
                (Tok::Punct(b'('), _) => {
                    st.phase = if users_table(&st.table) {
                        Phase::Columns
                    } else {
                        Phase::Done
                    };
                    st.columns.clear();
                }
                (_, Some("values" | "value")) if users_table(&st.table) => self.start_values(st),
                (_, Some("select" | "set" | "default" | "values" | "value")) => st.phase = Phase::Done,
                _ => {
                    if let Some(n) = self.name(&tok) {
                        st.table = n.to_ascii_lowercase();
                    }
                }
            },
            Phase::Columns => match tok {
                Tok::Punct(b')') => st.phase = Phase::BeforeValues,
                Tok::Punct(_) => {}
                _ => {
                    if let Some(n) = self.name(&tok) {
                        if st.columns.len() < 512 {
                            st.columns.push(n);
                        }
                    }
                }
            },
            Phase::BeforeValues => {
                if matches!(self.word(&tok).as_deref(), Some("values" | "value")) {
                    self.start_values(st);
                } else if matches!(self.word(&tok).as_deref(), Some("select")) {
                    st.phase = Phase::Done;
                }
            }
            Phase::Values => self.values_token(st, tok),
            Phase::Done => {}
        }
    }

    fn start_values(&mut self, st: &mut Statement) {
        if st.columns.is_empty() {
            if let Some(cols) = self.tables.get(&st.table) {
                st.columns = cols.clone();
            }
        }
        st.phase = Phase::Values;
        st.depth = 0;
    }

    fn values_token(&mut self, st: &mut Statement, tok: Tok) {
        match tok {
            Tok::Punct(b'(') => {
                st.depth += 1;
                if st.depth == 1 {
                    st.column_index = 0;
                    st.row_password = None;
                    st.row_hashes.clear();
                    st.row_user = None;
                }
            }
            Tok::Punct(b')') => {
                if st.depth == 1 {
                    self.end_row(st);
                }
                st.depth = st.depth.saturating_sub(1);
            }
            Tok::Punct(b',') if st.depth == 1 => st.column_index += 1,
            Tok::Str(r) if st.depth == 1 => {
                let column = st.columns.get(st.column_index).cloned();
                self.cell(st, column.as_deref(), r);
            }
            _ => {}
        }
    }

    /// One string cell of a row, in column `column` (when known).
    fn cell(&self, st: &mut Statement, column: Option<&str>, r: Range<usize>) {
        match column {
            Some(c) if password_column(c) => st.row_password = Some(r),
            Some(c) => {
                if let Some(rank) = user_column_rank(c) {
                    if st.row_user.as_ref().is_none_or(|(best, _)| rank < *best) {
                        let v = String::from_utf8_lossy(&self.b[r]).chars().take(64).collect();
                        st.row_user = Some((rank, v));
                    }
                }
            }
            None => {
                if st.columns.is_empty() && hash_scheme(&self.b[r.clone()]).is_some() && st.row_hashes.len() < 8 {
                    st.row_hashes.push(r);
                }
            }
        }
    }

    fn end_row(&mut self, st: &mut Statement) {
        let user = st
            .row_user
            .as_ref()
            .filter(|(_, u)| !u.is_empty())
            .map_or(String::new(), |(_, u)| format!(" (account {u})"));
        if let Some(r) = st.row_password.take() {
            let column = st
                .columns
                .iter()
                .find(|c| password_column(c))
                .cloned()
                .unwrap_or_default();
            self.row_value(r, &st.table, Some(&column), &user);
        }
        for r in std::mem::take(&mut st.row_hashes) {
            self.row_value(r, &st.table, None, &user);
        }
    }

    fn row_value(&mut self, r: Range<usize>, table: &str, column: Option<&str>, user: &str) {
        let v = &self.b[r.clone()];
        // `!…` marks an unusable or locked password (Django, shadow).
        if !placeholder::is_credential(v) || v.starts_with(b"!") {
            return;
        }
        let place = match column {
            Some(c) => format!("column {c} of table {table}"),
            None => format!("a row of table {table}"),
        };
        match hash_scheme(v) {
            Some(s) => self.out.push(Credential::plain(
                HASH_RULE,
                r,
                format!("{s} password hash in {place}{user} of an SQL dump"),
            )),
            None => self.out.push(Credential::plain(
                PASSWORD_RULE,
                r,
                format!("plain-text password in {place}{user} of an SQL dump"),
            )),
        }
    }

    /// `COPY t (cols) FROM stdin`: the table and columns.
    fn copy_token(&mut self, st: &mut Statement, tok: Tok) {
        match st.phase {
            Phase::Table => match tok {
                Tok::Punct(b'.') => {}
                Tok::Punct(b'(') => st.phase = Phase::Columns,
                _ => {
                    if let Some(n) = self.name(&tok) {
                        st.table = n.to_ascii_lowercase();
                    }
                }
            },
            Phase::Columns => match tok {
                Tok::Punct(b')') => st.phase = Phase::BeforeValues,
                Tok::Punct(_) => {}
                _ => {
                    if let Some(n) = self.name(&tok) {
                        if st.columns.len() < 512 {
                            st.columns.push(n);
                        }
                    }
                }
            },
            _ => {}
        }
        if self.word(&tok).as_deref() == Some("stdin") {
            st.copy_stdin = true;
        }
    }

    /// The data of a `COPY … FROM stdin;` ending at `from`: tab-separated
    /// lines up to `\.`. Returns where the SQL resumes.
    fn copy_block(&mut self, from: usize, st: &Statement) -> usize {
        let Some(nl) = memchr(b'\n', &self.b[from..]) else {
            return self.b.len();
        };
        let start = from + nl + 1;
        let pw = st
            .columns
            .iter()
            .position(|c| password_column(c))
            .filter(|_| users_table(&st.table));
        let user_col = st
            .columns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| user_column_rank(c).map(|r| (r, i)))
            .min()
            .map(|(_, i)| i);
        let block = &self.b[start..];
        for (span, line) in lines(block) {
            if line == b"\\." {
                return start + span.end;
            }
            let Some(pw) = pw else { continue };
            let mut fields = Vec::new();
            let mut f0 = 0;
            for (i, &c) in line.iter().enumerate() {
                if c == b'\t' {
                    fields.push(f0..i);
                    f0 = i + 1;
                }
            }
            fields.push(f0..line.len());
            let Some(f) = fields.get(pw) else { continue };
            if &line[f.clone()] == b"\\N" {
                continue;
            }
            let user = user_col
                .and_then(|i| fields.get(i))
                .map(|u| {
                    String::from_utf8_lossy(&line[u.clone()])
                        .chars()
                        .take(64)
                        .collect::<String>()
                })
                .filter(|u| u != "\\N" && !u.is_empty())
                .map_or(String::new(), |u| format!(" (account {u})"));
            let abs = start + span.start + f.start..start + span.start + f.end;
            let column = st.columns[pw].clone();
            let table = st.table.clone();
            self.row_value(abs, &table, Some(&column), &user);
        }
        self.b.len()
    }

    /// `CREATE TABLE t (col type …, …)` of a users-like table: its columns.
    fn create_table_token(&mut self, st: &mut Statement, tok: Tok) {
        match st.phase {
            Phase::Table => match (&tok, self.word(&tok).as_deref()) {
                (_, Some("if" | "not" | "exists" | "table")) | (Tok::Punct(b'.'), _) => {}
                (Tok::Punct(b'('), _) if users_table(&st.table) => {
                    st.phase = Phase::Columns;
                    st.depth = 1;
                    st.item_started = false;
                }
                (Tok::Punct(_), _) => st.phase = Phase::Done,
                _ => {
                    if let Some(n) = self.name(&tok) {
                        st.table = n.to_ascii_lowercase();
                    }
                }
            },
            Phase::Columns => match tok {
                Tok::Punct(b'(') => st.depth += 1,
                Tok::Punct(b')') => {
                    st.depth = st.depth.saturating_sub(1);
                    if st.depth == 0 {
                        st.phase = Phase::Done;
                    }
                }
                Tok::Punct(b',') if st.depth == 1 => st.item_started = false,
                _ if st.depth == 1 && !st.item_started => {
                    st.item_started = true;
                    let constraint = matches!(
                        self.word(&tok).as_deref(),
                        Some(
                            "primary"
                                | "key"
                                | "unique"
                                | "index"
                                | "constraint"
                                | "foreign"
                                | "check"
                                | "fulltext"
                                | "spatial"
                                | "exclude"
                                | "period"
                        )
                    );
                    if !constraint {
                        if let Some(n) = self.name(&tok) {
                            if st.columns.len() < 512 {
                                st.columns.push(n);
                            }
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
}

/// The statement kind from its first (up to four) words.
fn classify(words: &[String]) -> Kind {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["create" | "alter", "user" | "role" | "login", ..] => Kind::Account(if w[0] == "create" {
            match w[1] {
                "user" => "CREATE USER",
                "role" => "CREATE ROLE",
                _ => "CREATE LOGIN",
            }
        } else {
            match w[1] {
                "user" => "ALTER USER",
                "role" => "ALTER ROLE",
                _ => "ALTER LOGIN",
            }
        }),
        ["create", "or", "replace", "user"] => Kind::Account("CREATE USER"),
        ["set", "password", ..] => Kind::Account("SET PASSWORD"),
        ["grant", ..] => Kind::Account("GRANT"),
        ["insert" | "replace", ..] => Kind::Insert,
        ["copy", ..] => Kind::Copy,
        ["create", "table", ..] => Kind::CreateTable,
        ["create", "temporary" | "unlogged" | "global" | "local", "table", ..] => Kind::CreateTable,
        _ => Kind::Other,
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn account_statements() {
        let text = r#"-- MySQL dump 10.13
CREATE USER 'app'@'%' IDENTIFIED BY 'Kx9-vQ2m_pZ';
CREATE USER IF NOT EXISTS 'report'@'10.0.%' IDENTIFIED WITH mysql_native_password BY 'rep0rt!Pw';
CREATE USER 'legacy'@'localhost' IDENTIFIED WITH 'mysql_native_password' AS '*A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
ALTER USER 'app'@'%' IDENTIFIED BY '${APP_DB_PASSWORD}';
SET PASSWORD FOR 'ops'@'localhost' = PASSWORD('0ps-Pass#7');
GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'%' IDENTIFIED BY 'sh0p2019';
/*!40101 SET NAMES utf8mb4 */;
-- CREATE USER 'ghost' IDENTIFIED BY 'inacomment1';
CREATE ROLE analyst WITH LOGIN PASSWORD 'An4lyst.pw' VALID UNTIL 'infinity';
ALTER ROLE postgres WITH SUPERUSER PASSWORD 'SCRAM-SHA-256$4096:c2FsdHNhbHQ=$Zm9vYmFy:YmF6cXV4';
ALTER ROLE readonly PASSWORD NULL;
CREATE LOGIN etl WITH PASSWORD = N'Etl!2023x', CHECK_POLICY = OFF;
CREATE USER scott IDENTIFIED BY tiger9;
CREATE TABLE accounts (id int, note text);
"#;
        let got = found("backup/all.sql", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "Kx9-vQ2m_pZ",
                "rep0rt!Pw",
                "*A1B2C3D4E5F60718293A4B5C6D7E8F9012345678",
                "0ps-Pass#7",
                "sh0p2019",
                "An4lyst.pw",
                "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$Zm9vYmFy:YmF6cXV4",
                "Etl!2023x",
                "tiger9",
            ]
        );
        assert_eq!(got[0].1, "sql-dump-password");
        assert_eq!(
            got[0].2,
            "password of app@% set by a CREATE USER statement in an SQL dump"
        );
        assert_eq!(got[2].1, "sql-dump-password-hash");
        assert_eq!(
            got[2].2,
            "MySQL native password hash of legacy@localhost in a CREATE USER statement of an SQL dump"
        );
        assert_eq!(
            got[3].2,
            "password of ops@localhost set by a SET PASSWORD statement in an SQL dump"
        );
        assert_eq!(got[4].2, "password of shop@% set by a GRANT statement in an SQL dump");
        assert_eq!(got[6].1, "sql-dump-password-hash");
    }

    #[test]
    fn insert_rows_into_user_tables() {
        let text = "CREATE TABLE `wp_users` (\n  `ID` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n  `user_login` varchar(60) NOT NULL DEFAULT '',\n  `user_pass` varchar(255) NOT NULL DEFAULT '',\n  `user_email` varchar(100) NOT NULL DEFAULT '',\n  PRIMARY KEY (`ID`),\n  KEY `user_login_key` (`user_login`)\n) ENGINE=InnoDB;\nINSERT INTO `wp_users` VALUES (1,'admin','$P$BxK4mR9tQ2vW7yZ1aC3eG5iL8nP0sU2','admin@acme.test'),(2,'it\\'s me','$wp$2y$10$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y','me@acme.test');\nINSERT INTO wp_options VALUES (1,'siteurl','$P$BxK4mR9tQ2vW7yZ1aC3eG5iL8nP0sU2');\nINSERT INTO public.auth_user (id, password, username, email) VALUES\n  (1, 'pbkdf2_sha256$600000$Xk3vT9qLm2Rz$Yb7Nc1Wq5Zt8Hs2Kd4Fg6Jl9Pr3Vx0Mn5Bq7Cw1Ez4=', 'root', 'r@acme.test'),\n  (2, '!unusable', 'svc', 's@acme.test'),\n  (3, NULL, 'nobody', NULL),\n  (4, 'seedPass1', 'seed', lower('S@ACME.TEST'));\n";
        let got = found("db/dump.sql", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "$P$BxK4mR9tQ2vW7yZ1aC3eG5iL8nP0sU2",
                "$wp$2y$10$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y",
                "pbkdf2_sha256$600000$Xk3vT9qLm2Rz$Yb7Nc1Wq5Zt8Hs2Kd4Fg6Jl9Pr3Vx0Mn5Bq7Cw1Ez4=",
                "seedPass1",
            ]
        );
        assert_eq!(
            got[0].2,
            "phpass password hash in column user_pass of table wp_users (account admin) of an SQL dump"
        );
        assert_eq!(got[2].1, "sql-dump-password-hash");
        assert_eq!(got[3].1, "sql-dump-password");
    }

    #[test]
    fn hostile_input_stays_linear() {
        let n = 1 << 20;
        let cases: Vec<Vec<u8>> = vec![
            [
                b"CREATE TABLE users (id int, password text);\nINSERT INTO users VALUES ".as_slice(),
                &b"(".repeat(n),
            ]
            .concat(),
            b"'".repeat(n + 1),
            b"$a$".repeat(n / 3),
            b"$$x".repeat(n / 3),
            b"/*!".repeat(n / 3),
            b"\\\n".repeat(n / 2),
            [
                b"COPY users (id, password) FROM stdin;\n".as_slice(),
                &b"1\t$2b$x\n".repeat(n / 8),
            ]
            .concat(),
            [
                b"INSERT INTO users (password) VALUES ".as_slice(),
                &b"('$2b$12$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y'),".repeat(n / 64),
            ]
            .concat(),
            b"CREATE USER a IDENTIFIED BY ".repeat(n / 28),
        ];
        let start = std::time::Instant::now();
        for c in &cases {
            for cred in super::sql_dump(c) {
                assert!(cred.span.end <= c.len());
            }
        }
        assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    }

    #[test]
    fn copy_blocks_and_unknown_columns() {
        let text = "--\n-- PostgreSQL database dump\n--\nSET standard_conforming_strings = on;\nCOPY public.users (id, email, password_hash, created_at) FROM stdin;\n1\tann@acme.test\t$2b$12$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y\t2024-01-01\n2\tbob@acme.test\t\\N\t2024-01-02\n\\.\n\nCOPY public.orders (id, password) FROM stdin;\n1\tnotauser\n\\.\nINSERT INTO admins VALUES (1, 'root', '$6$Kq3vW9xZ$Yb7Nc1Wq5Zt8Hs2Kd4Fg6Jl9Pr3Vx0Mn5Bq7Cw1Ez4Ty6Ui8Op2As4Df6Gh8Jk0Lz2Xc4Vb6Nm8Qw0Er2Ty4Ui.');\nCREATE FUNCTION f() RETURNS void AS $$ CREATE USER x IDENTIFIED BY 'inbody'; $$ LANGUAGE sql;\n\\connect orders\nCREATE ROLE svc LOGIN PASSWORD 'Svc-R0le!';\n";
        let got = found("pg/prod.dump", text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[2].0, "Svc-R0le!");
        assert_eq!(got[0].0, "$2b$12$Qm9yZ2V0LXRoaXMtc2FsdOoq0vQ2Xv1mS9bH3cJ5kL7nP8rT1uW2y");
        assert_eq!(
            got[0].2,
            "bcrypt password hash in column password_hash of table users (account ann@acme.test) of an SQL dump"
        );
        assert!(got[1].0.starts_with("$6$Kq3vW9xZ$"));
        assert_eq!(
            got[1].2,
            "sha512crypt password hash in a row of table admins of an SQL dump"
        );
        assert!(crate::read("x.dump", b"PGDMP\x01\x0e\x00binary").is_none());
        assert!(secrets("schema.sql", "CREATE TABLE users (id int, password text);\n").is_empty());
    }
}
