//! Sets of bytes as 256-bit maps, and the byte set a regex class stands
//! for: shared by the window checks derived from rule regexes
//! ([`super::required`], [`super::context`]).

use regex_syntax::hir::Class;

/// A set of bytes, as a 256-bit map.
pub type ByteSet = [u64; 4];

/// The bytes a class (parsed with Unicode off, or not) can match first.
pub fn class_set(class: &Class) -> ByteSet {
    let mut set = [0; 4];
    match class {
        Class::Bytes(bytes) => {
            for range in bytes.iter() {
                (range.start()..=range.end()).for_each(|b| insert(&mut set, b));
            }
        }
        Class::Unicode(chars) => {
            for range in chars.iter() {
                let (start, end) = (range.start() as u32, range.end() as u32);
                (start.min(0x80)..=end.min(0x7F)).for_each(|b| insert(&mut set, b as u8));
                if end >= 0x80 {
                    // A non-ASCII character is UTF-8: its bytes are all high.
                    (0x80..=0xFF).for_each(|b| insert(&mut set, b));
                }
            }
        }
    }
    set
}

/// The set holding only `b`.
pub fn singleton(b: u8) -> ByteSet {
    let mut set = [0; 4];
    insert(&mut set, b);
    set
}

/// Adds `b` to `set`.
pub fn insert(set: &mut ByteSet, b: u8) {
    set[b as usize / 64] |= 1 << (b % 64);
}

/// Whether `b` is in `set`.
pub fn contains(set: &ByteSet, b: u8) -> bool {
    set[b as usize / 64] >> (b % 64) & 1 == 1
}

/// Adds every byte of `other` to `set`.
pub fn union(set: &mut ByteSet, other: &ByteSet) {
    (0..4).for_each(|i| set[i] |= other[i]);
}

/// How many bytes `set` holds.
pub fn size(set: &ByteSet) -> u32 {
    set.iter().map(|w| w.count_ones()).sum()
}

/// The bytes in `set`, in increasing order.
pub fn bytes(set: &ByteSet) -> impl Iterator<Item = u8> + '_ {
    (0..=255u8).filter(|&b| contains(set, b))
}

/// `set` as a lookup table, for scans that test every byte of a window.
pub fn table(set: &ByteSet) -> Box<[bool; 256]> {
    let mut table = Box::new([false; 256]);
    bytes(set).for_each(|b| table[b as usize] = true);
    table
}

/// Every byte not in `set`.
pub fn complement(set: &ByteSet) -> ByteSet {
    [!set[0], !set[1], !set[2], !set[3]]
}

/// Whether the sets share a byte.
pub fn intersects(a: &ByteSet, b: &ByteSet) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}
