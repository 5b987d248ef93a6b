//! The CI fuzz smoke: a target's checked-in seeds, then a stream of
//! mutations of them for a fixed time, each run under `catch_unwind` so a
//! failing input is handed back rather than lost.
//!
//! Without coverage feedback (the ordinary build is not instrumented), this
//! finds what the seeds sit next to: a parser regression a few byte edits
//! from a valid file, which is what the smoke is for. The mutations are
//! libFuzzer's everyday ones (bit flips, interesting values, inserted,
//! erased, repeated and spliced ranges, dictionary words), stacked one to
//! four at a time, from a seeded xorshift stream, so the same seed gives the
//! same sequence of inputs. Written here rather than taken from a crate:
//! libFuzzer's mutator comes only with its C++ runtime and an instrumented
//! build, which is what the smoke avoids.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use crate::targets::Target;

/// Byte strings the targets' formats are made of, inserted and overwritten
/// by the mutator the way libFuzzer uses a `-dict` file.
const DICTIONARY: &[&[u8]] = &[
    b"ghp_",
    b"GITHUB_TOKEN=",
    b"base64,",
    b"%3D",
    b"\\u00",
    b"\\n",
    b"-----BEGIN RSA PRIVATE KEY-----\n",
    b"-----END RSA PRIVATE KEY-----",
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"\x1f\x8b\x08\x00",
    b"\x28\xb5\x2f\xfd",
    b"ustar\x0000",
    b"manifest.json",
    b"index.json",
    b"oci-layout",
    b"blobs/sha256/",
    b"\"mediaType\":",
    b"\"layers\":[",
    b"[[rules]]\n",
    b"pattern = '''",
    b"keywords = [",
    b"\"runs\":[",
    b"\"results\":[",
    b"\n%%\n",
    b"Bearer realm=\"REALM\",service=\"",
    b"\"manifests\":[",
    b"\"digest\":\"sha256:",
    b"[extend]\npath = \"",
    b"[allowlist]\n",
    b"exclude_paths = [",
    b"[[accept]]\n",
    b"\"fingerprint\":",
    b"\"hooks\":{",
    b"\"PreToolUse\":[",
    b"\"jsonrpc\":\"2.0\",",
    b"\"tool_input\":{",
    b"password=",
    b"\":\"",
    b"<password>",
    b"\n",
    b"\r\n",
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\x00",
];

/// Values libFuzzer also favours: boundaries of signed and unsigned bytes,
/// and the delimiters of text formats.
const INTERESTING: &[u8] = &[
    0, 1, 0x7f, 0x80, 0xff, b'\n', b'"', b'\\', b'=', b':', b'/', b'%', b'0', b'9',
];

/// A xorshift64* stream: fast, seedable, and the same on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A stream from `seed` (zero is replaced, xorshift needs a set bit).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.bits() % n as u64) as usize
        }
    }
}

/// Inputs are kept under this size: the smoke is about many small inputs,
/// and the hostile-input suite covers size.
pub const MAX_INPUT: usize = 64 << 10;

/// One to four mutations of `input`; `other` is a second corpus entry for
/// splicing.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        mutate_once(rng, &mut out, other);
    }
    out.truncate(MAX_INPUT);
    out
}

fn mutate_once(rng: &mut Rng, out: &mut Vec<u8>, other: &[u8]) {
    let len = out.len();
    match rng.below(9) {
        // Flip one bit.
        0 if len > 0 => {
            let at = rng.below(len);
            out[at] ^= 1 << rng.below(8);
        }
        // Overwrite a byte with a random or an interesting value.
        1 if len > 0 => {
            let at = rng.below(len);
            out[at] = if rng.below(2) == 0 {
                rng.bits() as u8
            } else {
                INTERESTING[rng.below(INTERESTING.len())]
            };
        }
        // Insert random bytes.
        2 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.bits() as u8).collect();
            out.splice(at..at, bytes);
        }
        // Erase a range.
        3 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            out.drain(at..at + n);
        }
        // Repeat a range in place (lengths and nesting grow this way).
        4 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below((len - at).min(64));
            let copy = out[at..at + n].to_vec();
            let times = 1 + rng.below(8);
            for _ in 0..times {
                out.splice(at..at, copy.iter().copied());
            }
        }
        // Splice in a range of another corpus entry.
        5 if !other.is_empty() => {
            let from = rng.below(other.len());
            let n = 1 + rng.below((other.len() - from).min(256));
            let at = rng.below(len + 1);
            out.splice(at..at, other[from..from + n].iter().copied());
        }
        // Insert a dictionary word.
        6 => {
            let word = DICTIONARY[rng.below(DICTIONARY.len())];
            let at = rng.below(len + 1);
            out.splice(at..at, word.iter().copied());
        }
        // Overwrite with a dictionary word.
        7 if len > 0 => {
            let word = DICTIONARY[rng.below(DICTIONARY.len())];
            let at = rng.below(len);
            let end = (at + word.len()).min(len);
            out[at..end].copy_from_slice(&word[..end - at]);
        }
        // Cut the input short (a truncated download, a partial write).
        8 if len > 0 => out.truncate(rng.below(len)),
        // The mutation picked does not apply to an empty input: grow it.
        _ => out.push(rng.bits() as u8),
    }
}

/// What a smoke run did.
#[derive(Debug, Clone, Copy)]
pub struct Ran {
    /// Inputs run, the seeds included.
    pub executions: u64,
    /// Checked-in seeds replayed first.
    pub seeds: usize,
}

/// An input that made the target panic.
#[derive(Debug)]
pub struct Failure {
    /// The input, to save and replay.
    pub input: Vec<u8>,
    /// The panic's message.
    pub message: String,
    /// Which input of the run it was (0 is the first seed).
    pub execution: u64,
}

/// Runs `target` on each of `seeds`, then on mutations of them until
/// `budget` has passed; the first input that panics ends the run.
pub fn run(target: Target, seeds: &[Vec<u8>], budget: Duration, seed: u64) -> Result<Ran, Failure> {
    let started = Instant::now();
    let mut executions = 0u64;
    let attempt = |input: &[u8], executions: u64| {
        panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|payload| Failure {
            input: input.to_vec(),
            message: payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string()),
            execution: executions,
        })
    };
    for input in seeds {
        attempt(input, executions)?;
        executions += 1;
    }
    // The pool: the seeds, and a ring of recent mutants so that mutations
    // stack deeper than one round.
    const RECENT: usize = 64;
    let mut pool: Vec<Vec<u8>> = seeds.to_vec();
    if pool.is_empty() {
        pool.push(Vec::new());
    }
    let fixed = pool.len();
    let mut rng = Rng::new(seed);
    while started.elapsed() < budget {
        let base = &pool[rng.below(pool.len())];
        let other = &pool[rng.below(pool.len())];
        let input = mutate(&mut rng, base, other);
        attempt(&input, executions)?;
        executions += 1;
        if pool.len() < fixed + RECENT {
            pool.push(input);
        } else {
            let slot = fixed + rng.below(RECENT);
            pool[slot] = input;
        }
    }
    Ok(Ran {
        executions,
        seeds: seeds.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_mutations() {
        let input = b"GITHUB_TOKEN=ghp_x\n{\"a\": [1, 2]}".to_vec();
        let stream = |seed| {
            let mut rng = Rng::new(seed);
            (0..200).map(|_| mutate(&mut rng, &input, b"other")).collect::<Vec<_>>()
        };
        assert_eq!(stream(7), stream(7));
        assert_ne!(stream(7), stream(8));
        assert!(stream(7).iter().any(|m| m != &input), "mutations change the input");
    }

    #[test]
    fn a_panicking_target_hands_back_its_input() {
        fn picky(data: &[u8]) {
            assert!(!data.contains(&b'!'), "found a bang");
        }
        let target = Target {
            name: "picky",
            run: picky,
        };
        let failure = run(target, &[b"fine".to_vec(), b"no!".to_vec()], Duration::from_secs(5), 1)
            .expect_err("the second seed panics");
        assert_eq!(failure.input, b"no!");
        assert_eq!(failure.execution, 1);
        assert!(failure.message.contains("found a bang"), "{}", failure.message);
    }

    #[test]
    fn mutations_reach_an_input_the_seed_is_a_few_edits_from() {
        // A target that breaks on one byte the seed lacks: the smoke must
        // find it within its budget, or it would find no regression at all.
        fn no_newline_in_the_middle(data: &[u8]) {
            if data.len() > 2 {
                assert!(!data[1..data.len() - 1].contains(&b'\n'), "newline inside");
            }
        }
        let target = Target {
            name: "newline",
            run: no_newline_in_the_middle,
        };
        let failure = run(target, &[b"abcdefgh".to_vec()], Duration::from_secs(10), 3).expect_err("found");
        assert!(failure.execution > 0, "the seed itself passes");
    }
}
