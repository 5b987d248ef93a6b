//! The rows of one table of an SQLite database file, read straight from its
//! bytes (<https://www.sqlite.org/fileformat2.html>), with each stored
//! value's byte span in the file so a credential can be located.
//!
//! Read-only and small on purpose: the schema table on page 1 names the
//! table's root page and its `CREATE TABLE` statement (the column names),
//! then the table's b-tree is walked (interior and leaf table pages, records
//! spilling onto overflow pages). Indexes, WAL files, free lists and writes
//! are none of a scanner's business. Not SQLite itself through `rusqlite`:
//! it opens files, not bytes (`sqlite3_deserialize` needs memory it owns,
//! through `unsafe`), links C into the scan path, and would not say where in
//! the file a value lies. Every read is bounds-checked; a malformed file
//! gives fewer rows, never a panic (the `credfiles` fuzz target reaches this
//! through the Chromium reader).

use std::ops::Range;

/// The 16 bytes every SQLite 3 database file starts with.
pub const MAGIC: &[u8] = b"SQLite format 3\0";

/// One stored value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL (also an `INTEGER PRIMARY KEY` column, stored as the rowid).
    Null,
    /// An integer.
    Integer(i64),
    /// A floating-point number.
    Real(f64),
    /// Text, as stored (UTF-8 in the files that matter here).
    Text(Vec<u8>),
    /// A blob.
    Blob(Vec<u8>),
}

/// A value and where its bytes lie in the file, when they lie there in one
/// piece (not split across an overflow chain).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The value.
    pub value: Value,
    /// Its bytes in the file.
    pub span: Option<Range<usize>>,
}

impl Field {
    /// The value as text, when it is text.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(t) => std::str::from_utf8(t).ok(),
            _ => None,
        }
    }
}

/// A table's column names and its rows, in rowid order.
#[derive(Debug, Default)]
pub struct Table {
    /// Column names as the `CREATE TABLE` statement declares them.
    pub columns: Vec<String>,
    /// Each row's fields, in column order (a row written before a column
    /// was added has fewer fields).
    pub rows: Vec<Vec<Field>>,
}

impl Table {
    /// The index of the column named `name` (ASCII case-insensitive).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.eq_ignore_ascii_case(name))
    }
}

/// The table named `name` in the database `bytes`, or `None` when `bytes`
/// is not an SQLite database or holds no such table.
pub fn table(bytes: &[u8], name: &str) -> Option<Table> {
    let db = Db::open(bytes)?;
    let schema = db.rows(1);
    // sqlite_schema(type, name, tbl_name, rootpage, sql)
    let (root, sql) = schema.iter().find_map(|row| {
        let field = |i: usize| row.get(i).and_then(Field::text);
        let is_table = field(0) == Some("table") && field(1).is_some_and(|n| n.eq_ignore_ascii_case(name));
        let root = match row.get(3).map(|f| &f.value) {
            Some(Value::Integer(r)) => u32::try_from(*r).ok(),
            _ => None,
        };
        if is_table {
            Some((root?, field(4)?.to_string()))
        } else {
            None
        }
    })?;
    Some(Table {
        columns: column_names(&sql),
        rows: db.rows(root),
    })
}

struct Db<'a> {
    bytes: &'a [u8],
    page_size: usize,
    usable: usize,
    pages: usize,
}

impl<'a> Db<'a> {
    fn open(bytes: &'a [u8]) -> Option<Db<'a>> {
        if !bytes.starts_with(MAGIC) || bytes.len() < 100 {
            return None;
        }
        let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
            1 => 65536,
            n if n >= 512 && n.is_power_of_two() => usize::from(n),
            _ => return None,
        };
        let usable = page_size.checked_sub(usize::from(bytes[20]))?;
        if usable < 480 {
            return None;
        }
        Some(Db {
            bytes,
            page_size,
            usable,
            pages: bytes.len() / page_size,
        })
    }

    /// Page `n` (1-based), cut to the file.
    fn page(&self, n: u32) -> Option<(usize, &'a [u8])> {
        let n = usize::try_from(n).ok()?;
        if n == 0 || n > self.pages {
            return None;
        }
        let start = (n - 1) * self.page_size;
        Some((start, self.bytes.get(start..start + self.page_size)?))
    }

    /// Every row of the table b-tree rooted at `root`. Each page is read at
    /// most once, so a page that points back up the tree ends the walk
    /// instead of looping.
    fn rows(&self, root: u32) -> Vec<Vec<Field>> {
        let mut rows = Vec::new();
        let mut seen = vec![false; self.pages + 1];
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let Some(seen_it) = usize::try_from(n).ok().and_then(|i| seen.get_mut(i)) else {
                continue;
            };
            if std::mem::replace(seen_it, true) {
                continue;
            }
            let Some((start, page)) = self.page(n) else { continue };
            let header = if n == 1 { 100 } else { 0 };
            let Some(&kind) = page.get(header) else { continue };
            let cells = page
                .get(header + 3..header + 5)
                .map_or(0, |c| usize::from(u16::from_be_bytes([c[0], c[1]])));
            match kind {
                // Interior table page: children in key order, right-most last.
                0x05 => {
                    let mut children = Vec::with_capacity(cells + 1);
                    for i in 0..cells {
                        let Some(at) = cell_pointer(page, header + 12, i) else {
                            break;
                        };
                        if let Some(child) = be_u32(page, at) {
                            children.push(child);
                        }
                    }
                    if let Some(right) = be_u32(page, header + 8) {
                        children.push(right);
                    }
                    // Popped from the end: push in reverse for rowid order.
                    stack.extend(children.into_iter().rev());
                }
                // Leaf table page.
                0x0D => {
                    for i in 0..cells {
                        let Some(at) = cell_pointer(page, header + 8, i) else {
                            break;
                        };
                        if let Some(row) = self.leaf_cell(start, page, at) {
                            rows.push(row);
                        }
                    }
                }
                _ => {}
            }
        }
        rows
    }

    /// The record in the leaf cell at `at` of the page starting at `start`.
    fn leaf_cell(&self, start: usize, page: &[u8], at: usize) -> Option<Vec<Field>> {
        let (payload_len, n) = varint(page.get(at..)?)?;
        let (_rowid, m) = varint(page.get(at + n..)?)?;
        let payload_at = at + n + m;
        let payload_len = usize::try_from(payload_len).ok()?;
        let u = self.usable;
        let max_local = u - 35;
        if payload_len <= max_local {
            let local = page.get(payload_at..payload_at + payload_len)?;
            return Some(record(local, Some(start + payload_at)));
        }
        // Spilled: the local part, then a chain of overflow pages, each
        // `next page number, usable - 4 bytes`.
        let min_local = (u - 12) * 32 / 255 - 23;
        let k = min_local + (payload_len - min_local) % (u - 4);
        let local_len = if k <= max_local { k } else { min_local };
        let mut payload = page.get(payload_at..payload_at + local_len)?.to_vec();
        let mut next = be_u32(page, payload_at + local_len)?;
        let mut hops = 0;
        while payload.len() < payload_len && next != 0 && hops < self.pages {
            let (_, overflow) = self.page(next)?;
            let take = (payload_len - payload.len()).min(u - 4);
            payload.extend_from_slice(overflow.get(4..4 + take)?);
            next = be_u32(overflow, 0)?;
            hops += 1;
        }
        if payload.len() < payload_len {
            return None;
        }
        // Spans only for what lies in the local part.
        let mut fields = record(&payload, Some(start + payload_at));
        for f in &mut fields {
            if f.span.as_ref().is_some_and(|s| s.end > start + payload_at + local_len) {
                f.span = None;
            }
        }
        Some(fields)
    }
}

fn cell_pointer(page: &[u8], array: usize, i: usize) -> Option<usize> {
    let at = array + 2 * i;
    let p = page.get(at..at + 2)?;
    Some(usize::from(u16::from_be_bytes([p[0], p[1]])))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// SQLite's big-endian variable-length integer: up to 8 bytes of 7 bits,
/// a ninth of 8. Returns the value and the bytes it took.
fn varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for (i, &b) in bytes.iter().enumerate().take(9) {
        if i == 8 {
            return Some(((v << 8) | u64::from(b), 9));
        }
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The fields of a record (header of serial types, then the values);
/// `origin` is the record's offset in the file, for spans. A field the
/// record cuts short ends the row.
fn record(payload: &[u8], origin: Option<usize>) -> Vec<Field> {
    let mut fields = Vec::new();
    let Some((header_len, mut at)) = varint(payload) else {
        return fields;
    };
    let Ok(header_len) = usize::try_from(header_len) else {
        return fields;
    };
    let mut body = header_len;
    while at < header_len.min(payload.len()) {
        let Some((serial, n)) = varint(&payload[at..]) else {
            break;
        };
        at += n;
        let size = match serial {
            0 | 8 | 9 => 0,
            1..=4 => serial as usize,
            5 => 6,
            6 | 7 => 8,
            10 | 11 => break, // reserved: not a valid file
            s => usize::try_from((s - 12) / 2).unwrap_or(usize::MAX),
        };
        let Some(end) = body.checked_add(size) else { break };
        let Some(data) = payload.get(body..end) else { break };
        let value = match serial {
            0 => Value::Null,
            8 => Value::Integer(0),
            9 => Value::Integer(1),
            1..=6 => {
                // Big-endian two's complement of `size` bytes.
                let mut v: i64 = if data[0] & 0x80 != 0 { -1 } else { 0 };
                for &b in data {
                    v = (v << 8) | i64::from(b);
                }
                Value::Integer(v)
            }
            7 => Value::Real(f64::from_be_bytes(data.try_into().unwrap_or([0; 8]))),
            s if s % 2 == 0 => Value::Blob(data.to_vec()),
            _ => Value::Text(data.to_vec()),
        };
        let span = match (&value, origin) {
            (Value::Text(_) | Value::Blob(_), Some(o)) if size > 0 => Some(o + body..o + end),
            _ => None,
        };
        fields.push(Field { value, span });
        body = end;
    }
    fields
}

/// The column names of a `CREATE TABLE name (col type …, …, constraint)`
/// statement: the first word of each top-level item that is not a table
/// constraint, unquoted.
fn column_names(sql: &str) -> Vec<String> {
    let Some(open) = sql.find('(') else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let (mut depth, mut item) = (0usize, String::new());
    for ch in sql[open + 1..].chars() {
        match ch {
            '(' => depth += 1,
            ')' if depth == 0 => break,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                continue;
            }
            _ => {}
        }
        item.push(ch);
    }
    items.push(item);
    items
        .iter()
        .filter_map(|item| {
            let item = item.trim();
            let first = item.split_whitespace().next()?;
            let keyword = first.to_ascii_uppercase();
            if ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].contains(&keyword.as_str()) {
                return None;
            }
            let name = if let Some(rest) = item.strip_prefix('"') {
                rest.split('"').next()?
            } else if let Some(rest) = item.strip_prefix('[') {
                rest.split(']').next()?
            } else if let Some(rest) = item.strip_prefix('`') {
                rest.split('`').next()?
            } else {
                first
            };
            Some(name.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_take_their_bytes() {
        assert_eq!(varint(&[0x05]), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81]), None);
    }

    #[test]
    fn column_names_skip_constraints_and_quotes() {
        let sql = r#"CREATE TABLE logins (origin_url VARCHAR NOT NULL, "action url" VARCHAR, [x] BLOB, id INTEGER PRIMARY KEY AUTOINCREMENT, d INTEGER NOT NULL DEFAULT (0), UNIQUE (origin_url, x))"#;
        assert_eq!(column_names(sql), ["origin_url", "action url", "x", "id", "d"]);
    }

    #[test]
    fn not_a_database_gives_nothing() {
        assert!(table(b"SQLite format 3\0", "logins").is_none());
        assert!(table(&[0u8; 4096], "logins").is_none());
        let mut header = MAGIC.to_vec();
        header.resize(4096, 0xff);
        assert!(table(&header, "logins").is_none());
    }
}
