//! The keyword prefilter: every occurrence (overlapping) of every keyword,
//! ASCII case-insensitive, in one pass whose cost hardly grows with the
//! number of keywords.
//!
//! An Aho-Corasick DFA walk is a chain of dependent table loads, and its
//! table outgrows the L1/L2 caches as keywords are added: from 137 to 749
//! keywords it lost a quarter of its speed. This is instead a bucketed
//! shift-or over byte pairs, the idea behind Hyperscan's FDR matcher:
//!
//! * Keywords are put in 8 buckets, grouped by length.
//! * Each keyword's last [`SPAN`] bytes are right-aligned in an 8-position
//!   window. For every byte pair a table says, per (position, bucket), whether
//!   some keyword of the bucket can have that pair there. The table is
//!   indexed by the pair with the ASCII case bit (and the top bit) dropped,
//!   so it is 4096 live entries and case-insensitive for free.
//! * The state is one `u64` (8 positions × 8 buckets): shift it by a byte
//!   and OR in the next pair's entry. A zero in the top byte means a keyword
//!   of that bucket may end here. The table load depends only on the input,
//!   so loads overlap: about 1 GB/s on one core whatever the keyword count.
//! * Candidates are confirmed exactly against the keywords of the firing
//!   buckets whose last four bytes (two, for shorter keywords) match, so
//!   the result is exact. Four, because keywords pile up on common endings:
//!   83 end in `k_`, 33 in `ey`, 30 in `en`.
//!
//! Measured in the closing note of issue 4 (`cargo bench --bench engine`,
//! group `prefilter`).

/// Positions in the shift-or window: keywords are checked on their last
/// `SPAN` bytes, then confirmed whole.
const SPAN: usize = 8;

/// Buckets: one bit each per window position in a `u64` state.
const BUCKETS: usize = 8;

/// The byte pair with the ASCII case bit (0x20) and the top bit dropped.
const PAIR_MASK: u16 = 0x5F5F;

/// One table entry per masked pair (indices above are never produced).
const REACH_LEN: usize = PAIR_MASK as usize + 1;

/// Bits of the confirm index of two- and three-byte keywords, keyed by a
/// hash of their last two bytes. The indexes are kept small: a candidate's
/// lookup must not evict the shift-or table from the L1 cache.
const END2_BITS: u32 = 8;

/// Bits of the confirm index of keywords of four bytes and more, keyed by a
/// hash of their last four bytes.
const END4_BITS: u32 = 10;

/// One keyword occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Offset just past the occurrence (hits are ordered by it).
    pub end: usize,
    /// Index of the keyword in the list given to [`KeywordSearcher::new`].
    pub pattern: u32,
    /// Offset of the occurrence.
    pub start: usize,
}

/// A keyword set that cannot be searched for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeywordError {
    /// An empty keyword would match at every offset.
    #[error("keyword {index} is empty")]
    Empty {
        /// Index of the empty keyword.
        index: usize,
    },
    /// The confirm index addresses keywords with 16 bits.
    #[error("{count} keywords are more than the prefilter holds ({MAX_KEYWORDS})")]
    TooMany {
        /// How many keywords were given.
        count: usize,
    },
}

/// Most keywords one searcher holds (its confirm index uses 16-bit offsets).
pub const MAX_KEYWORDS: usize = u16::MAX as usize;

/// The compiled keyword set.
#[derive(Debug, Clone)]
pub struct KeywordSearcher {
    /// Per masked byte pair: bit `position * BUCKETS + bucket` is 0 when some
    /// keyword of `bucket` may have this pair at `position`.
    reach: Box<[u64; REACH_LEN]>,
    /// The state before the first byte: only "don't care" positions (before
    /// a short keyword's start) are open.
    init: u64,
    /// The keywords, ASCII-lowercased.
    keywords: Vec<Box<[u8]>>,
    /// Keywords of two or three bytes by [`end2_key`] of their last two.
    short: ConfirmIndex,
    /// Keywords of four bytes or more by [`end4_key`] of their last four.
    long: ConfirmIndex,
    /// One-byte keywords: checked at every candidate.
    single: Vec<TailEntry>,
    /// The buckets holding keywords of `short` and of `long`: a candidate
    /// looks only in the index its buckets can be in.
    short_buckets: u8,
    long_buckets: u8,
}

/// Keywords grouped by a key of their last bytes, in one array (CSR
/// layout): the group of key `k` is `entries[offsets[k]..offsets[k + 1]]`.
#[derive(Debug, Clone)]
struct ConfirmIndex {
    offsets: Vec<u16>,
    entries: Vec<TailEntry>,
}

impl ConfirmIndex {
    /// Lays out the groups; the caller keeps the total to [`MAX_KEYWORDS`].
    fn new(groups: Vec<Vec<TailEntry>>) -> ConfirmIndex {
        let mut offsets = Vec::with_capacity(groups.len() + 1);
        let mut entries = Vec::new();
        offsets.push(0);
        for group in groups {
            entries.extend(group);
            offsets.push(entries.len() as u16);
        }
        ConfirmIndex { offsets, entries }
    }

    #[inline(always)]
    fn group(&self, key: usize) -> &[TailEntry] {
        &self.entries[self.offsets[key] as usize..self.offsets[key + 1] as usize]
    }
}

/// A keyword as the confirm step sees it: its last (up to) 8 bytes as one
/// word to compare with the 8 bytes ending at a candidate, the ASCII case
/// bit of letters and the bytes before a short keyword masked out.
#[derive(Debug, Clone, Copy)]
struct TailEntry {
    want: u64,
    ignore: u64,
    id: u32,
    len: u32,
    bucket: u8,
}

impl TailEntry {
    fn new(id: usize, kw: &[u8], bucket: u8) -> TailEntry {
        let m = kw.len().min(SPAN);
        let (mut want, mut ignore) = (0u64, 0u64);
        for slot in 0..SPAN {
            let byte = match (slot + m).checked_sub(SPAN) {
                Some(i) => kw[kw.len() - m + i],
                None => {
                    ignore |= 0xFF << (8 * slot);
                    continue;
                }
            };
            if byte.is_ascii_alphabetic() {
                ignore |= 0x20 << (8 * slot);
            }
            want |= (byte as u64) << (8 * slot);
        }
        TailEntry {
            want: want | ignore,
            ignore,
            id: id as u32,
            len: kw.len() as u32,
            bucket,
        }
    }
}

#[inline(always)]
fn reach_index(prev: u8, cur: u8) -> usize {
    (u16::from_be_bytes([prev, cur]) & PAIR_MASK) as usize
}

/// A hash of two bytes (little-endian), blind to the ASCII case bit.
#[inline(always)]
fn end2_key(last2: u16) -> usize {
    ((last2 & 0xDFDF).wrapping_mul(0x9E37) >> (16 - END2_BITS)) as usize
}

/// A hash of four bytes (little-endian), blind to the ASCII case bit.
#[inline(always)]
fn end4_key(last4: u32) -> usize {
    ((last4 & 0xDFDF_DFDF).wrapping_mul(0x9E37_79B1) >> (32 - END4_BITS)) as usize
}

impl KeywordSearcher {
    /// Compiles `keywords` (matched ASCII case-insensitively).
    pub fn new<P: AsRef<[u8]>>(keywords: &[P]) -> Result<KeywordSearcher, KeywordError> {
        if let Some(index) = keywords.iter().position(|k| k.as_ref().is_empty()) {
            return Err(KeywordError::Empty { index });
        }
        if keywords.len() > MAX_KEYWORDS {
            return Err(KeywordError::TooMany { count: keywords.len() });
        }
        let keywords: Vec<Box<[u8]>> = keywords
            .iter()
            .map(|k| k.as_ref().to_ascii_lowercase().into())
            .collect();
        let bucket_of = assign_buckets(&keywords);
        let mut reach: Box<[u64; REACH_LEN]> = vec![!0u64; REACH_LEN]
            .into_boxed_slice()
            .try_into()
            .expect("the vector has REACH_LEN entries");
        let mut dont_care = 0u64;
        for (kw, &bucket) in keywords.iter().zip(&bucket_of) {
            let bucket = bucket as usize;
            let m = kw.len().min(SPAN);
            let tail = &kw[kw.len() - m..];
            let first = SPAN - m;
            for position in 0..first {
                dont_care |= 1 << (position * BUCKETS + bucket);
            }
            for (j, &cur) in tail.iter().enumerate() {
                let open = !(1u64 << ((first + j) * BUCKETS + bucket));
                let prev = match j {
                    0 if kw.len() > SPAN => Some(kw[kw.len() - SPAN - 1]),
                    0 => None,
                    _ => Some(tail[j - 1]),
                };
                match prev {
                    Some(prev) => reach[reach_index(prev, cur)] &= open,
                    // The keyword's first byte may follow anything.
                    None => (0..=255u8).for_each(|prev| reach[reach_index(prev, cur)] &= open),
                }
            }
        }
        reach.iter_mut().for_each(|r| *r &= !dont_care);

        let mut short: Vec<Vec<TailEntry>> = vec![Vec::new(); 1 << END2_BITS];
        let mut long: Vec<Vec<TailEntry>> = vec![Vec::new(); 1 << END4_BITS];
        let mut single = Vec::new();
        let (mut short_buckets, mut long_buckets) = (0u8, 0u8);
        for (id, kw) in keywords.iter().enumerate() {
            let entry = TailEntry::new(id, kw, bucket_of[id]);
            match kw.len() {
                1 => single.push(entry),
                n @ (2 | 3) => {
                    short_buckets |= 1 << bucket_of[id];
                    let last2 = u16::from_le_bytes([kw[n - 2], kw[n - 1]]);
                    short[end2_key(last2)].push(entry);
                }
                n => {
                    long_buckets |= 1 << bucket_of[id];
                    let last4 = u32::from_le_bytes(kw[n - 4..].try_into().expect("four bytes"));
                    long[end4_key(last4)].push(entry);
                }
            }
        }
        Ok(KeywordSearcher {
            reach,
            init: !dont_care,
            keywords,
            short: ConfirmIndex::new(short),
            long: ConfirmIndex::new(long),
            single,
            short_buckets,
            long_buckets,
        })
    }

    /// Keyword `pattern` (an index into the list given to
    /// [`KeywordSearcher::new`]), ASCII-lowercased as it is searched for.
    pub fn keyword(&self, pattern: usize) -> &[u8] {
        &self.keywords[pattern]
    }

    /// Every occurrence in `hay`, ordered by end offset then keyword index.
    pub fn find_all(&self, hay: &[u8]) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.find_each(hay, |hit| hits.push(hit));
        hits.sort_unstable();
        hits
    }

    /// Calls `on_hit` for every occurrence, in order of end offset (those
    /// ending at one offset in no set order), without collecting them.
    pub fn find_each<F: FnMut(Hit)>(&self, hay: &[u8], mut on_hit: F) {
        let Some(&first) = hay.first() else {
            return;
        };
        let mut state = (self.init << 8) | self.reach[reach_index(0, first)];
        if state >> 56 != 0xFF {
            self.confirm(hay, 1, !(state >> 56) as u8, &mut on_hit);
        }
        for (i, pair) in hay.windows(2).enumerate() {
            state = (state << 8) | self.reach[reach_index(pair[0], pair[1])];
            if state >> 56 != 0xFF {
                self.confirm(hay, i + 2, !(state >> 56) as u8, &mut on_hit);
            }
        }
    }

    /// Reports the keywords of the `buckets` that really end at `end`.
    #[inline(never)]
    fn confirm<F: FnMut(Hit)>(&self, hay: &[u8], end: usize, buckets: u8, on_hit: &mut F) {
        let last8 = match end.checked_sub(SPAN) {
            Some(from) => u64::from_le_bytes(hay[from..end].try_into().unwrap_or_default()),
            None => {
                let mut padded = [0u8; SPAN];
                padded[SPAN - end..].copy_from_slice(&hay[..end]);
                u64::from_le_bytes(padded)
            }
        };
        if end == 0 {
            return;
        }
        let short = match buckets & self.short_buckets != 0 && end >= 2 {
            true => self.short.group(end2_key((last8 >> 48) as u16)),
            false => &[],
        };
        let long = match buckets & self.long_buckets != 0 && end >= 4 {
            true => self.long.group(end4_key((last8 >> 32) as u32)),
            false => &[],
        };
        for e in self.single.iter().chain(short).chain(long) {
            let len = e.len as usize;
            if buckets >> e.bucket & 1 == 1
                && last8 | e.ignore == e.want
                && len <= end
                && (len <= SPAN
                    || hay[end - len..end - SPAN].eq_ignore_ascii_case(&self.keywords[e.id as usize][..len - SPAN]))
            {
                on_hit(Hit {
                    end,
                    pattern: e.id,
                    start: end - len,
                });
            }
        }
    }
}

/// Groups keywords into buckets by how many window positions they fill
/// (their length up to [`SPAN`], and "longer than the window" apart, since
/// those also check the pair before the window). A bucket's short members
/// decide how much of the window it leaves open, so mixing lengths costs
/// false candidates. With fewer classes than buckets, the most populous
/// bucket is split; with more, the two longest classes share a bucket.
fn assign_buckets(keywords: &[Box<[u8]>]) -> Vec<u8> {
    let class = |kw: &[u8]| kw.len().min(SPAN + 1);
    let mut classes: Vec<usize> = keywords.iter().map(|k| class(k)).collect();
    classes.sort_unstable();
    classes.dedup();
    // Each bucket is a range of classes plus, after splitting, a share of it.
    let mut groups: Vec<Vec<usize>> = classes.iter().map(|&c| vec![c]).collect();
    while groups.len() > BUCKETS {
        let last = groups.pop().unwrap_or_default();
        if let Some(g) = groups.last_mut() {
            g.extend(last);
        }
    }
    let mut members: Vec<Vec<usize>> = groups
        .iter()
        .map(|g| {
            (0..keywords.len())
                .filter(|&i| g.contains(&class(&keywords[i])))
                .collect()
        })
        .collect();
    while members.len() < BUCKETS {
        let Some((largest, _)) = members.iter().enumerate().max_by_key(|(_, m)| m.len()) else {
            break;
        };
        if members[largest].len() < 2 {
            break;
        }
        let half = members[largest].len() / 2;
        let moved = members[largest].split_off(half);
        members.insert(largest + 1, moved);
    }
    let mut bucket_of = vec![0u8; keywords.len()];
    for (bucket, ids) in members.iter().enumerate() {
        for &i in ids {
            bucket_of[i] = bucket as u8;
        }
    }
    bucket_of
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

    /// The reference: the aho-corasick crate's overlapping search.
    fn reference(keywords: &[&str], hay: &[u8]) -> Vec<Hit> {
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(keywords)
            .unwrap();
        let mut hits: Vec<Hit> = ac
            .find_overlapping_iter(hay)
            .map(|m| Hit {
                end: m.end(),
                pattern: m.pattern().as_u32(),
                start: m.start(),
            })
            .collect();
        hits.sort_unstable();
        hits
    }

    fn random_hay(alphabet: &[u8], len: usize, seed: &mut u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                alphabet[(*seed % alphabet.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn finds_exactly_what_a_plain_overlapping_search_finds() {
        let keywords = [
            "token",
            "api_key",
            "key",
            "ghp_",
            "secret",
            "-----begin",
            "-----begin openssh private key-----",
            "aws",
            "ws_",
            "a",
            "tok",
            "k",
            "_\u{e9}t\u{e9}",
        ];
        let searcher = KeywordSearcher::new(&keywords).unwrap();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let alphabet =
            "tokenTOKENapi_keyAPI_KEYghp_secret-----BEGIN OPENSSH PRIVATE KEY aws_ws\n xyz\u{e9}\u{c9}\0\x7f@`{[";
        for len in [0, 1, 2, 7, 8, 9, 100, 639, 640, 641, 5_000, 70_001] {
            let hay = random_hay(alphabet.as_bytes(), len, &mut seed);
            assert_eq!(searcher.find_all(&hay), reference(&keywords, &hay), "length {len}");
        }
    }

    #[test]
    fn many_keywords_of_every_length_are_all_found() {
        // More length classes than buckets, and more keywords per bucket
        // than letters: every bucket layout path is taken.
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let words: Vec<String> = (1..=14)
            .flat_map(|len| (0..40).map(move |n| (len, n)))
            .map(|(len, _)| String::from_utf8(random_hay(b"abcdefgh_-.0123", len, &mut seed)).unwrap())
            .collect();
        let keywords: Vec<&str> = {
            let mut k: Vec<&str> = words.iter().map(String::as_str).collect();
            k.sort_unstable();
            k.dedup();
            k
        };
        let searcher = KeywordSearcher::new(&keywords).unwrap();
        let hay = random_hay(b"abcdefghABCDEFGH_-.0123 \n", 50_000, &mut seed);
        let found = searcher.find_all(&hay);
        assert!(found.len() > 1000, "the random text should hold many keywords");
        assert_eq!(found, reference(&keywords, &hay));
    }

    #[test]
    fn keywords_at_the_very_start_and_end_are_found() {
        let keywords = ["abc", "-----begin openssh private key-----", "x"];
        let searcher = KeywordSearcher::new(&keywords).unwrap();
        for hay in [
            &b"ABC"[..],
            b"abcx",
            b"-----BEGIN OPENSSH PRIVATE KEY-----",
            b"x",
            b"zzabc",
        ] {
            assert_eq!(searcher.find_all(hay), reference(&keywords, hay), "{:?}", hay);
        }
    }

    #[test]
    fn more_keywords_than_the_index_holds_are_refused() {
        let many: Vec<String> = (0..=MAX_KEYWORDS).map(|n| format!("kw{n}")).collect();
        assert_eq!(
            KeywordSearcher::new(&many).unwrap_err(),
            KeywordError::TooMany {
                count: MAX_KEYWORDS + 1
            }
        );
    }

    #[test]
    fn empty_keyword_is_refused() {
        assert_eq!(
            KeywordSearcher::new(&["ok", ""]).unwrap_err(),
            KeywordError::Empty { index: 1 }
        );
    }
}
