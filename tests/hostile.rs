//! Hostile inputs, every one generated here in a temporary directory
//! (nothing big is committed): keyword storms, a huge single line on
//! standard input, a giant base64 run, a PEM block that never ends, deeply
//! nested JSON, zips and tars whose headers lie, an overlapping-entry zip
//! bomb, damaged git objects and packs (a garbled delta base, a delta on a
//! missing base, a delta cycle), a HEAD tree that does not read, a pack
//! cut short while it is read, a git tree bomb, symlink loops, a
//! FIFO, device files, a file that changes size while it is read,
//! configs naming devices and FIFOs as their packs,
//! unreadable directories, and file names with invalid UTF-8 and newlines.
//!
//! Each case asserts the same things: keyhound ends (a watchdog kills it
//! and fails the test after [`WATCHDOG`]: a hang is a failure, but no case
//! asserts a speed), it exits 0 or 1 without a panic, the warning due is
//! there with its kind, and a good file with a planted key next to the
//! hostile input is still found. Files that steer the scan (a config's
//! rule packs, a gitleaks config `migrate` follows) named as a device or a
//! FIFO end the run with a clear error instead. `benches/hostile.py` times the same cases
//! and measures their peak memory; `fuzz/README.md` records the results.

mod common;

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// How long any one keyhound run may take before it counts as a hang.
const WATCHDOG: Duration = Duration::from_secs(300);

/// Runs `cmd` to the end under the watchdog, with `feed` writing its
/// standard input from another thread (closed at once when `None`).
fn watched(mut cmd: Command, feed: Option<Box<dyn FnOnce(std::process::ChildStdin) + Send>>, what: &str) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if feed.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("spawn keyhound");
    let writer = feed.map(|feed| {
        let stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || feed(stdin))
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for keyhound") {
            break status;
        }
        if start.elapsed() > WATCHDOG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: keyhound still running after {WATCHDOG:?}, killed: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(writer) = writer {
        writer.join().expect("stdin writer");
    }
    Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

/// Exit 0 or 1 (findings or none), killed by no signal, no panic.
fn assert_sane(out: &Output, what: &str) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{what}: keyhound panicked:\n{err}");
    match out.status.code() {
        Some(0 | 1) => {}
        Some(code) => panic!("{what}: exit status {code} (want 0 or 1):\n{err}"),
        None => panic!("{what}: killed by a signal ({:?}):\n{err}", out.status),
    }
}

/// One scan's JSON document, checked for sanity.
struct Report {
    findings: Vec<Value>,
    warnings: Vec<Value>,
    stderr: String,
}

impl Report {
    fn parse(out: &Output, what: &str) -> Report {
        assert_sane(out, what);
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{what}: output is not one JSON document ({e}):\n{}", stderr(out)));
        let findings = doc["findings"].as_array().expect("findings").clone();
        let warnings = doc["summary"]["warnings"].as_array().expect("summary.warnings").clone();
        assert_eq!(
            code(out),
            if findings.is_empty() { 0 } else { 1 },
            "{what}: exit status and findings disagree"
        );
        Report {
            findings,
            warnings,
            stderr: stderr(out),
        }
    }

    /// Whether `secret` was reported at exactly `path`.
    fn has(&self, path: &str, secret: &str) -> bool {
        self.findings
            .iter()
            .any(|f| f["path"].as_str() == Some(path) && f["secret"].as_str() == Some(secret))
    }

    /// Fails unless `secret` was reported at `path`.
    fn assert_found(&self, path: &str, secret: &str, what: &str) {
        assert!(
            self.has(path, secret),
            "{what}: the key planted in {path:?} was not reported; findings at {:?}\n{}",
            self.findings.iter().map(|f| f["path"].clone()).collect::<Vec<_>>(),
            self.stderr
        );
    }

    /// The warnings of `kind` whose path contains `path_part` (an empty
    /// `path_part` matches them all, with a path or without).
    fn warnings_of(&self, kind: &str, path_part: &str) -> Vec<&Value> {
        self.warnings
            .iter()
            .filter(|w| w["kind"] == kind)
            .filter(|w| match w["path"].as_str() {
                Some(p) => p.contains(path_part),
                None => path_part.is_empty(),
            })
            .collect()
    }

    /// Fails unless a warning of `kind` about `path_part` was given.
    fn assert_warned(&self, kind: &str, path_part: &str, what: &str) {
        assert!(
            !self.warnings_of(kind, path_part).is_empty(),
            "{what}: no {kind:?} warning about {path_part:?}; warnings: {:#?}",
            self.warnings
        );
    }
}

/// `keyhound dir ARGS… -f json --show-secrets` in `root`, watched.
fn scan_dir(root: &Path, args: &[&str], what: &str) -> Report {
    let mut cmd = keyhound();
    cmd.current_dir(root)
        .arg("dir")
        .args(args)
        .args(["-f", "json", "--show-secrets"]);
    Report::parse(&watched(cmd, None, what), what)
}

/// Plants a checksummed fake GitHub token in `root/rel`; returns it.
fn plant(root: &Path, rel: &str, rng: &mut Rng) -> String {
    let token = github_token(rng, "ghp_");
    write(root, rel, format!("# deploy settings\nGITHUB_TOKEN={token}\n"));
    token
}

/// Writes `size` bytes to `path` in blocks from `block`, without holding
/// them in memory.
fn write_repeated(path: &Path, block: &[u8], size: usize) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        out.write_all(&block[..n]).unwrap();
        left -= n;
    }
    out.flush().unwrap();
}

/// Every keyword of every built-in rule, from `keyhound rules list -f json`.
fn all_keywords() -> Vec<String> {
    let out = watched(
        {
            let mut cmd = keyhound();
            cmd.args(["rules", "list", "-f", "json"]);
            cmd
        },
        None,
        "rules list",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rules: Value = serde_json::from_slice(&out.stdout).expect("rules list is JSON");
    let rules = rules.as_array().expect("a JSON array of rules");
    let keywords: Vec<String> = rules
        .iter()
        .flat_map(|r| r["keywords"].as_array().expect("each rule lists its keywords").clone())
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    assert!(
        keywords.len() >= rules.len(),
        "{} keywords for {} rules",
        keywords.len(),
        rules.len()
    );
    keywords
}

#[test]
fn keyword_storm() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(1);
    let keywords = all_keywords();
    // Every keyword back to back, then every keyword followed by what its
    // rules usually expect next: both repeated up to 64 MiB, no newline.
    let mut block: Vec<u8> = keywords.concat().into_bytes();
    for keyword in &keywords {
        block.extend_from_slice(format!("{keyword}=\"{keyword}_").as_bytes());
    }
    write_repeated(&dir.path().join("storm.txt"), &block, 64 << 20);
    // One letter over and over: a keyword of 21 `A`s matches (without
    // case) at every offset of it.
    write_repeated(&dir.path().join("letters.txt"), b"a", 8 << 20);
    let token = plant(dir.path(), "good.env", &mut rng);
    let report = scan_dir(dir.path(), &["."], "keyword storm");
    report.assert_found("good.env", &token, "keyword storm");
}

#[test]
fn huge_single_line_on_stdin() {
    // 1 GiB streamed from a writer thread, never held in memory;
    // HOSTILE_STDIN_MB changes it.
    let megabytes: usize = std::env::var("HOSTILE_STDIN_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = megabytes << 20;
    let mut rng = Rng::new(2);
    // Two keys inside the one line: one across the first 8 MiB chunk
    // boundary (re-read by the next chunk's overlap), one at the very end.
    let straddling = github_token(&mut rng, "ghp_");
    let last = github_token(&mut rng, "ghp_");
    let filler: Vec<u8> = {
        let mut rng = Rng::new(3);
        format!("{} token secret key api ", rng.string(BASE62, 4000)).into_bytes()
    };
    let plant_at = (8 << 20) - 20;
    let (s, l) = (straddling.clone(), last.clone());
    let feed = move |mut stdin: std::process::ChildStdin| {
        let mut written = 0usize;
        let mut put = |bytes: &[u8], written: &mut usize| {
            stdin.write_all(bytes).expect("keyhound reads all of stdin");
            *written += bytes.len();
        };
        while written < size {
            if written <= plant_at && plant_at < written + filler.len() {
                let cut = plant_at - written;
                put(&filler[..cut], &mut written);
                put(format!(" auth={s} ").as_bytes(), &mut written);
            } else {
                let n = filler.len().min(size - written);
                put(&filler[..n], &mut written);
            }
        }
        put(format!(" GITHUB_TOKEN={l}").as_bytes(), &mut written);
    };
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = keyhound();
    cmd.current_dir(dir.path())
        .args(["stdin", "-f", "json", "--show-secrets"]);
    let out = watched(cmd, Some(Box::new(feed)), "huge line on stdin");
    let report = Report::parse(&out, "huge line on stdin");
    report.assert_found("stdin", &straddling, "huge line on stdin (chunk boundary)");
    report.assert_found("stdin", &last, "huge line on stdin (end)");
    for f in &report.findings {
        assert_eq!(f["line"], 1, "one line only: {f}");
    }
    let offsets: Vec<u64> = report.findings.iter().map(|f| f["offset"].as_u64().unwrap()).collect();
    assert!(offsets.contains(&(plant_at as u64 + 6)), "offsets {offsets:?}");
}

#[test]
fn giant_base64_run() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(4);
    // 48 MiB of random bytes, base64-encoded with no line break: one run of
    // 64 MiB, announced as base64 so the decoder takes it on.
    let mut raw = vec![0u8; 48 << 20];
    for chunk in raw.chunks_mut(8) {
        let r = rng.next_u64().to_le_bytes();
        chunk.copy_from_slice(&r[..chunk.len()]);
    }
    let mut text = b"data:application/octet-stream;base64,".to_vec();
    text.extend(base64::engine::general_purpose::STANDARD.encode(&raw).into_bytes());
    drop(raw);
    std::fs::write(dir.path().join("blob.b64"), &text).unwrap();
    drop(text);
    let token = plant(dir.path(), "good.env", &mut rng);
    let report = scan_dir(dir.path(), &["."], "giant base64 run");
    report.assert_found("good.env", &token, "giant base64 run");
}

#[test]
fn pem_header_with_no_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(5);
    // One BEGIN and 32 MiB of body lines, never an END; then a file of
    // nothing but BEGIN lines.
    let mut body = b"-----BEGIN RSA PRIVATE KEY-----\n".to_vec(); // keyhound:allow (a header only)
    let line = format!("{}\n", rng.string(BASE62, 64));
    while body.len() < 32 << 20 {
        body.extend_from_slice(line.as_bytes());
    }
    std::fs::write(dir.path().join("key.pem"), &body).unwrap();
    write_repeated(
        &dir.path().join("headers.pem"),
        b"-----BEGIN OPENSSH PRIVATE KEY-----\n", // keyhound:allow (a header only)
        16 << 20,
    );
    let token = plant(dir.path(), "good.env", &mut rng);
    let report = scan_dir(dir.path(), &["."], "PEM without end");
    report.assert_found("good.env", &token, "PEM without end");
}

#[test]
fn deeply_nested_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(6);
    let depth = 1_000_000;
    // A JSONL line nested a million objects deep with a key at the bottom:
    // it holds a finding, so the transcript reader parses it too.
    let deep_key = github_token(&mut rng, "ghp_");
    let mut line = "{\"a\":".repeat(depth);
    line.push_str(&format!("\"GITHUB_TOKEN={deep_key}\""));
    line.push_str(&"}".repeat(depth));
    line.push('\n');
    std::fs::write(dir.path().join("session.jsonl"), &line).unwrap();
    // And a million open brackets that never close, with JSON escapes.
    let mut json = "[\"\\u0061\\n\",".repeat(depth);
    json.push_str(&"[".repeat(depth));
    std::fs::write(dir.path().join("deep.json"), json).unwrap();
    // Sixteen MiB of escape cues and not one string to decode.
    write_repeated(&dir.path().join("cues.json"), b"\\u00", 16 << 20);
    let token = plant(dir.path(), "good.env", &mut rng);
    let report = scan_dir(dir.path(), &["."], "deeply nested JSON");
    report.assert_found("good.env", &token, "deeply nested JSON");
    report.assert_found("session.jsonl", &deep_key, "deeply nested JSON (the key inside it)");
}

// ---------------------------------------------------------------- archives

fn zip_of(members: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, data, method) in members {
            let options = zip::write::SimpleFileOptions::default().compression_method(*method);
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

fn le16(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn le32(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn put32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Offsets of the end-of-central-directory record and each central
/// directory entry of a zip this file wrote.
fn zip_layout(zip: &[u8]) -> (usize, Vec<usize>) {
    let eocd = zip.len() - 22;
    assert_eq!(&zip[eocd..eocd + 4], b"PK\x05\x06", "no comment, no zip64");
    let mut at = le32(zip, eocd + 16);
    let mut entries = Vec::new();
    for _ in 0..le16(zip, eocd + 10) {
        assert_eq!(&zip[at..at + 4], b"PK\x01\x02");
        entries.push(at);
        at += 46 + le16(zip, at + 28) + le16(zip, at + 30) + le16(zip, at + 32);
    }
    (eocd, entries)
}

/// A lie told in a zip: given its bytes, the offset of its end record and
/// of each central directory entry.
type ZipLie<'a> = &'a dyn Fn(&mut Vec<u8>, usize, &[usize]);

#[test]
fn zips_whose_central_directory_lies() {
    use zip::CompressionMethod::{Deflated, Stored};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(7);
    let mut planted = Vec::new();
    // Each zip: a stored member with a key (found whether the zip opens or
    // is read as plain bytes), then a member whose central entry lies.
    let mut lying = |name: &str, lie: ZipLie<'_>| {
        let token = github_token(&mut rng, "ghp_");
        let ok = format!("GITHUB_TOKEN={token}\n");
        let payload: Vec<u8> = vec![b'a'; 4 << 20];
        let mut zip = zip_of(&[("ok.txt", ok.as_bytes(), Stored), ("lie.bin", &payload, Deflated)]);
        let (eocd, entries) = zip_layout(&zip);
        lie(&mut zip, eocd, &entries);
        std::fs::write(dir.path().join(name), &zip).unwrap();
        planted.push((name.to_string(), token));
    };
    // The record claims 65535 entries.
    lying("count.zip", &|z, eocd, _| {
        z[eocd + 8..eocd + 12].copy_from_slice(&[0xff; 4]);
    });
    // The central directory starts past the end of the file.
    lying("cd-offset.zip", &|z, eocd, _| put32(z, eocd + 16, 0x7fff_ffff));
    // The second entry's local header is past the end of the file.
    lying("local-offset.zip", &|z, _, e| put32(z, e[1] + 42, 0x7fff_fff0));
    // The second entry's local header is the first one's.
    lying("same-local.zip", &|z, _, e| put32(z, e[1] + 42, 0));
    // The second entry says 16 bytes expanded; it expands to 4 MiB.
    lying("small-size.zip", &|z, _, e| put32(z, e[1] + 24, 16));
    // The second entry says 4 GiB compressed.
    lying("big-csize.zip", &|z, _, e| put32(z, e[1] + 20, 0xffff_fff0));
    let token = plant(dir.path(), "good.env", &mut rng);
    let report = scan_dir(dir.path(), &["."], "lying zips");
    report.assert_found("good.env", &token, "lying zips");
    for (name, token) in &planted {
        let found = report
            .findings
            .iter()
            .any(|f| f["path"].as_str().is_some_and(|p| p.starts_with(name.as_str())) && f["secret"] == **token);
        assert!(found, "{name}: its good member's key was lost\n{:#?}", report.warnings);
    }
    for (name, _) in &planted {
        report.assert_warned("archive", name, "lying zips");
    }
}

/// A zip in the manner of David Fifield's "better zip bomb": one deflated
/// kernel, and many central directory entries, each with its own name
/// (a reader keyed by name would fold repeats into one), that all point at
/// it.
fn overlapping_zip(kernel_size: usize, entries: usize) -> Vec<u8> {
    let kernel = vec![0u8; kernel_size];
    let single = zip_of(&[("k00000", &kernel, zip::CompressionMethod::Deflated)]);
    let (eocd, cd) = zip_layout(&single);
    let central = single[cd[0]..eocd].to_vec();
    let mut out = single[..cd[0]].to_vec();
    let cd_start = out.len();
    for i in 0..entries {
        let mut entry = central.clone();
        entry[46..52].copy_from_slice(format!("k{i:05}").as_bytes());
        out.extend_from_slice(&entry);
    }
    let cd_size = out.len() - cd_start;
    let mut record = single[eocd..].to_vec();
    let n = entries.min(0xffff) as u16;
    record[8..10].copy_from_slice(&n.to_le_bytes());
    record[10..12].copy_from_slice(&n.to_le_bytes());
    put32(&mut record, 12, cd_size as u32);
    put32(&mut record, 16, cd_start as u32);
    out.extend_from_slice(&record);
    out
}

#[test]
fn overlapping_zip_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(8);
    // 65535 entries × 16 MiB = 1 TiB declared, from a file of about 3 MiB.
    let bomb = overlapping_zip(16 << 20, 65_535);
    std::fs::write(dir.path().join("overlap.zip"), &bomb).unwrap();
    let token = plant(dir.path(), "good.env", &mut rng);
    let report = scan_dir(dir.path(), &["."], "overlapping zip");
    report.assert_found("good.env", &token, "overlapping zip");
    report.assert_warned("archive", "overlap.zip", "overlapping zip");
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

/// Rewrites the size field of the tar header at `at` and its checksum.
fn lie_tar_size(tar: &mut [u8], at: usize, size: &[u8; 12]) {
    tar[at + 124..at + 136].copy_from_slice(size);
    tar[at + 148..at + 156].copy_from_slice(b"        ");
    let sum: u32 = tar[at..at + 512].iter().map(|&b| b as u32).sum();
    tar[at + 148..at + 156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
}

#[test]
fn tars_whose_sizes_lie() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(9);
    let mut planted = Vec::new();
    let filler = vec![b'x'; 4096];
    let mut lying = |name: &str, size: &[u8; 12], truncate: Option<usize>| {
        let token = github_token(&mut rng, "ghp_");
        let ok = format!("GITHUB_TOKEN={token}\n");
        let last = format!("GITHUB_TOKEN={}\n", github_token(&mut rng, "ghp_"));
        let mut tar = tar_of(&[
            ("ok.txt", ok.as_bytes()),
            ("lie.bin", &filler),
            ("after.txt", last.as_bytes()),
        ]);
        // ok.txt: one header block and one data block.
        lie_tar_size(&mut tar, 1024, size);
        if let Some(len) = truncate {
            tar.truncate(len);
        }
        std::fs::write(dir.path().join(name), &tar).unwrap();
        planted.push((name.to_string(), token));
    };
    // 8 GiB declared, 4 KiB there.
    lying("huge.tar", b"77777777777\0", None);
    // 0 declared: the data is read as headers.
    lying("zero.tar", b"00000000000\0", None);
    // Not a number.
    lying("garbage.tar", b"zz\x01zzzz\xffzzz\0", None);
    // A little more than there is, and the stream ends mid-member.
    lying("short.tar", b"00000020000\0", Some(1024 + 512 + 1000));
    let token = plant(dir.path(), "good.env", &mut rng);
    let report = scan_dir(dir.path(), &["."], "lying tars");
    report.assert_found("good.env", &token, "lying tars");
    for (name, token) in &planted {
        report.assert_found(&format!("{name}!ok.txt"), token, "lying tars");
        report.assert_warned("archive", name, "lying tars");
    }
}

// --------------------------------------------------------------------- git

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"])
        .args(args)
        .env("GIT_AUTHOR_NAME", "Hostile")
        .env("GIT_AUTHOR_EMAIL", "hostile@example.invalid")
        .env("GIT_COMMITTER_NAME", "Hostile")
        .env("GIT_COMMITTER_EMAIL", "hostile@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn commit_all(repo: &Path, message: &str) {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

/// `keyhound git REPO -f json --show-secrets`, watched.
fn scan_git(repo: &Path, what: &str) -> Report {
    let mut cmd = keyhound();
    cmd.current_dir(repo).args(["git", ".", "-f", "json", "--show-secrets"]);
    Report::parse(&watched(cmd, None, what), what)
}

fn loose_path(repo: &Path, id: &str) -> std::path::PathBuf {
    repo.join(".git/objects").join(&id[..2]).join(&id[2..])
}

#[test]
fn git_objects_missing_or_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let mut rng = Rng::new(10);
    git(repo, &["init", "-q"]);
    let token = plant(repo, "good.env", &mut rng);
    commit_all(repo, "good");
    write(
        repo,
        "gone.txt",
        format!("GITHUB_TOKEN={}\n", github_token(&mut rng, "ghp_")),
    );
    write(repo, "garbled.txt", "some text that will not inflate\n");
    commit_all(repo, "doomed");
    let gone = git(repo, &["rev-parse", "HEAD:gone.txt"]);
    let garbled = git(repo, &["rev-parse", "HEAD:garbled.txt"]);
    std::fs::remove_file(loose_path(repo, &gone)).unwrap();
    let path = loose_path(repo, &garbled);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"x\x9c this is not zlib at all").unwrap();
    let report = scan_git(repo, "missing and corrupt loose objects");
    report.assert_found("good.env", &token, "missing and corrupt loose objects");
    report.assert_warned("git", "gone.txt", "missing loose object");
    report.assert_warned("git", "garbled.txt", "corrupt loose object");
}

#[test]
fn git_head_tree_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let mut rng = Rng::new(17);
    git(repo, &["init", "-q"]);
    let token = plant(repo, "good.env", &mut rng);
    commit_all(repo, "good");
    write(repo, "later.txt", "nothing secret\n");
    commit_all(repo, "later");
    // Before: history was scanned in full, then reading HEAD's tree (to
    // tell which secrets are still there) failed and every finding was lost.
    let head_tree = git(repo, &["rev-parse", "HEAD^{tree}"]);
    let path = loose_path(repo, &head_tree);
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, b"x\x9c this is not zlib at all").unwrap();
    let report = scan_git(repo, "HEAD tree corrupt");
    report.assert_found("good.env", &token, "HEAD tree corrupt");
    report.assert_warned("git", "HEAD", "HEAD tree corrupt");
}

/// Whether process `pid` has a file whose name ends with `suffix` mapped.
fn maps_file(pid: u32, suffix: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .is_ok_and(|maps| maps.lines().any(|l| l.trim_end().ends_with(suffix)))
}

#[test]
fn git_pack_cut_short_while_read() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let mut rng = Rng::new(18);
    git(repo, &["init", "-q"]);
    // About 16 MiB of text in a pack, so the scan is still reading it when
    // the pack is cut short; the good key stays loose, outside any map.
    for n in 0..64 {
        write(
            repo,
            &format!("bulk/{n}.txt"),
            rng.string("abcdefghij klmnopqrstuvwxyz\n", 260_000),
        );
    }
    commit_all(repo, "bulk");
    git(repo, &["gc", "-q"]);
    // On a branch of its own, so that no tree or blob it needs is packed.
    git(repo, &["checkout", "-q", "--orphan", "good"]);
    git(repo, &["rm", "-rq", "--cached", "."]);
    std::fs::remove_dir_all(repo.join("bulk")).unwrap();
    let token = plant(repo, "good.env", &mut rng);
    commit_all(repo, "good");
    let pack = std::fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .expect("git gc made a pack");
    let name = pack.file_name().unwrap().to_string_lossy().to_string();
    let mut cmd = keyhound();
    cmd.current_dir(repo)
        .args(["git", ".", "-f", "json", "--show-secrets"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("keyhound starts");
    let started = Instant::now();
    // As soon as gix maps the pack, another process cuts it to 64 KiB:
    // before, the next read past the cut killed keyhound with SIGBUS and
    // no report.
    while !maps_file(child.id(), &name) && child.try_wait().unwrap().is_none() && started.elapsed() < WATCHDOG {
        std::thread::sleep(Duration::from_micros(200));
    }
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&pack)
        .unwrap()
        .set_len(64 << 10)
        .unwrap();
    let out = child.wait_with_output().expect("keyhound ends");
    let what = "pack cut short while read";
    let report = Report::parse(&out, what);
    report.assert_found("good.env", &token, what);
    // Cut after the last read, nothing is warned; cut before it, the
    // objects past the cut are warned about one by one, and why, once.
    let unreadable = report
        .warnings
        .iter()
        .filter(|w| w["kind"] == "git" && w["path"].is_string())
        .count();
    let why = report
        .warnings
        .iter()
        .filter(|w| {
            w["message"]
                .as_str()
                .is_some_and(|m| m.contains("cut short by another process"))
        })
        .count();
    eprintln!("{what}: {unreadable} unreadable objects, {why} warning of why");
    assert_eq!(why, usize::from(unreadable > 0), "{what}: {:#?}", report.warnings);
}

#[test]
fn git_pack_with_a_corrupt_delta_base() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let mut rng = Rng::new(11);
    git(repo, &["init", "-q"]);
    let token = plant(repo, "good.env", &mut rng);
    commit_all(repo, "good");
    // Versions of one file that differ by a line: packed as deltas.
    let lines: Vec<String> = (0..400)
        .map(|i| format!("line {i}: {}\n", rng.string(BASE62, 40)))
        .collect();
    for version in 0..4 {
        let mut text = lines.concat();
        text.push_str(&format!("version {version}\n"));
        write(repo, "big.txt", text);
        commit_all(repo, &format!("v{version}"));
    }
    git(repo, &["repack", "-adfq", "--window=50", "--depth=50"]);
    let packs: Vec<_> = std::fs::read_dir(repo.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
        .collect();
    assert_eq!(packs.len(), 1);
    let idx = packs[0].to_str().unwrap().to_string();
    let listing = git(repo, &["verify-pack", "-v", &idx]);
    // Lines: id type size size-in-pack offset [depth base-id].
    let rows: Vec<Vec<&str>> = listing.lines().map(|l| l.split_whitespace().collect()).collect();
    let base = rows
        .iter()
        .find_map(|r| (r.len() == 7).then(|| r[6]))
        .expect("a delta in the pack");
    let row = rows
        .iter()
        .find(|r| r[0] == base)
        .expect("the delta's base in the pack");
    let (in_pack, offset): (usize, usize) = (row[3].parse().unwrap(), row[4].parse().unwrap());
    let pack_path = idx.replace(".idx", ".pack");
    let mut pack = std::fs::read(&pack_path).unwrap();
    // Keep the entry's header and first bytes; garble the rest of its data.
    for b in &mut pack[offset + 6..offset + in_pack] {
        *b ^= 0x5a;
    }
    let mut perms = std::fs::metadata(&pack_path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack_path, perms).unwrap();
    std::fs::write(&pack_path, &pack).unwrap();
    let report = scan_git(repo, "corrupt delta base");
    report.assert_found("good.env", &token, "corrupt delta base");
    report.assert_warned("git", "big.txt", "corrupt delta base");
}

#[test]
fn git_tree_bomb() {
    // A tree cannot contain its own id (that would need a SHA-1 fixed
    // point); the feasible hostile form is a tree that names one subtree
    // many times, level upon level: ten levels of ten give 10^10 paths
    // from 11 objects.
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let mut rng = Rng::new(12);
    git(repo, &["init", "-q"]);
    let token = plant(repo, "good.env", &mut rng);
    commit_all(repo, "good");
    write(repo, "leaf.txt", "lol\n");
    let mut id = git(repo, &["hash-object", "-w", "leaf.txt"]);
    std::fs::remove_file(repo.join("leaf.txt")).unwrap();
    let mut mode_kind = "100644 blob";
    for _level in 0..10 {
        let listing: String = (0..10).map(|i| format!("{mode_kind} {id}\tn{i}\n")).collect();
        let mut child = Command::new("git")
            .current_dir(repo)
            .arg("mktree")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(listing.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        id = stdout(&out).trim().to_string();
        mode_kind = "040000 tree";
    }
    // The bomb's commit, with the good commit as parent, then a commit after
    // it that puts the good tree back and adds another key.
    let good_tree = git(repo, &["rev-parse", "HEAD^{tree}"]);
    let head = git(repo, &["rev-parse", "HEAD"]);
    let bomb = git(repo, &["commit-tree", &id, "-p", &head, "-m", "bomb"]);
    let after_key = plant(repo, "after.env", &mut rng);
    git(repo, &["add", "after.env"]);
    let after_tree = git(repo, &["write-tree"]);
    assert_ne!(after_tree, good_tree);
    let after = git(repo, &["commit-tree", &after_tree, "-p", &bomb, "-m", "after"]);
    git(repo, &["update-ref", "refs/heads/main", &after]);
    let report = scan_git(repo, "git tree bomb");
    report.assert_found("good.env", &token, "git tree bomb");
    report.assert_found("after.env", &after_key, "git tree bomb");
}

// ------------------------------------------------------- the file system

#[test]
fn symlink_loops() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut rng = Rng::new(13);
    std::fs::create_dir_all(root.join("loop/inner")).unwrap();
    symlink("..", root.join("loop/inner/up")).unwrap();
    symlink("b", root.join("a")).unwrap();
    symlink("a", root.join("b")).unwrap();
    symlink("self", root.join("self")).unwrap();
    let token = plant(root, "loop/inner/good.env", &mut rng);
    let plain = scan_dir(root, &["."], "symlink loops");
    plain.assert_found("loop/inner/good.env", &token, "symlink loops");
    let followed = scan_dir(root, &[".", "--follow-symlinks"], "symlink loops, followed");
    followed.assert_found("loop/inner/good.env", &token, "symlink loops, followed");
    // Each loop is a typed warning naming the link that closes it.
    let mut warned: Vec<&str> = followed
        .warnings_of("unreadable", "")
        .iter()
        .filter_map(|w| w["path"].as_str())
        .collect();
    warned.sort();
    assert_eq!(warned, ["a", "b", "loop/inner/up", "self"], "{:#?}", followed.warnings);
    // Each key reported once, however many ways lead to it.
    assert_eq!(followed.findings.len(), 1, "{:#?}", followed.findings);
}

fn mkfifo(path: &Path) {
    let out = Command::new("mkfifo").arg(path).output().expect("mkfifo runs");
    assert!(out.status.success(), "mkfifo: {}", stderr(&out));
}

#[test]
fn fifo_in_the_tree_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut rng = Rng::new(14);
    mkfifo(&root.join("pipe"));
    std::os::unix::fs::symlink("pipe", root.join("to-pipe")).unwrap();
    let token = plant(root, "good.env", &mut rng);
    // No writer ever opens the FIFO: reading it would block for ever.
    let walked = scan_dir(root, &["."], "FIFO in the tree");
    walked.assert_found("good.env", &token, "FIFO in the tree");
    let followed = scan_dir(root, &[".", "--follow-symlinks"], "FIFO behind a followed link");
    followed.assert_found("good.env", &token, "FIFO behind a followed link");
    // Named on the command line, beside a good file.
    let named = scan_dir(root, &["pipe", "good.env"], "FIFO named");
    named.assert_found("good.env", &token, "FIFO named");
    named.assert_warned("unreadable", "pipe", "FIFO named");
}

#[test]
fn device_files() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut rng = Rng::new(15);
    symlink("/dev/zero", root.join("zero")).unwrap();
    symlink("/dev/urandom", root.join("random")).unwrap();
    let token = plant(root, "good.env", &mut rng);
    let walked = scan_dir(root, &["."], "device links");
    walked.assert_found("good.env", &token, "device links");
    let followed = scan_dir(root, &[".", "--follow-symlinks"], "device links, followed");
    followed.assert_found("good.env", &token, "device links, followed");
    // Named on the command line: never read for ever.
    let named = scan_dir(root, &["zero", "random", "good.env"], "devices named");
    named.assert_found("good.env", &token, "devices named");
    named.assert_warned("unreadable", "zero", "devices named");
    named.assert_warned("unreadable", "random", "devices named");
}

/// `keyhound ARGS…` in `root`, watched; it must refuse with exit 2 and
/// a message naming `culprit` and what it is, never read it.
fn assert_refused(root: &Path, args: &[&str], culprit: &str, what_it_is: &str, what: &str) {
    let mut cmd = keyhound();
    cmd.current_dir(root).args(args);
    let out = watched(cmd, None, what);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(
        err.contains(culprit) && err.contains(&format!("not a regular file ({what_it_is})")),
        "{what}: {err}"
    );
}

#[test]
fn steering_files_naming_devices_and_fifos() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut rng = Rng::new(16);
    plant(root, "good.env", &mut rng);
    mkfifo(&root.join("pipe.toml"));
    std::fs::create_dir(root.join("packs")).unwrap();
    mkfifo(&root.join("packs/more.toml"));
    // A scanned tree's own config names its packs: before, /dev/zero was
    // read until memory ran out and a FIFO blocked for ever.
    for (pack, culprit, what_it_is) in [
        ("/dev/zero", "/dev/zero", "a device"),
        ("pipe.toml", "pipe.toml", "a FIFO"),
        ("packs", "more.toml", "a FIFO"),
    ] {
        std::fs::write(root.join(".keyhound.toml"), format!("rules = [{pack:?}]\n")).unwrap();
        assert_refused(root, &["dir", "."], culprit, what_it_is, &format!("config pack {pack}"));
    }
    std::fs::remove_file(root.join(".keyhound.toml")).unwrap();
    // A gitleaks config that migrate reads extends whatever path it names.
    std::fs::write(root.join(".gitleaks.toml"), "[extend]\npath = \"/dev/zero\"\n").unwrap();
    assert_refused(root, &["migrate"], "/dev/zero", "a device", "gitleaks extend /dev/zero");
    std::fs::write(root.join(".gitleaks.toml"), "[extend]\npath = \"pipe.toml\"\n").unwrap();
    assert_refused(root, &["migrate"], "pipe.toml", "a FIFO", "gitleaks extend FIFO");
    // And a baseline named on the command line.
    std::fs::remove_file(root.join(".gitleaks.toml")).unwrap();
    assert_refused(
        root,
        &["dir", ".", "--baseline", "pipe.toml"],
        "pipe.toml",
        "a FIFO",
        "baseline FIFO",
    );
}

#[test]
fn files_that_grow_and_shrink_while_read() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut rng = Rng::new(16);
    let block = format!("{} key=value\n", rng.string(BASE62, 100)).into_bytes();
    // Sizes keyhound once memory-mapped (from 4 MiB) and ones it read.
    let names = [
        "grow-small.log",
        "grow-big.log",
        "shrink-small.log",
        "shrink-1.log",
        "shrink-2.log",
        "shrink-3.log",
    ];
    let sizes = [64usize << 10, 16 << 20, 64 << 10, 32 << 20, 32 << 20, 32 << 20];
    for (name, &size) in names.iter().zip(&sizes) {
        write_repeated(&root.join(name), &block, size);
    }
    let token = plant(&root, "good.env", &mut rng);
    /// Stops the churning threads however the test ends.
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_exit = Stop(stop.clone());
    let mut churners = Vec::new();
    for (name, &size) in names.iter().zip(&sizes) {
        let (path, stop, block) = (root.join(name), stop.clone(), block.clone());
        let grows = name.starts_with("grow");
        churners.push(std::thread::spawn(move || {
            let file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
            while !stop.load(Ordering::Relaxed) {
                if grows {
                    // Appends while keyhound reads it (about 2 MB/s).
                    (&file).write_all(&block).unwrap();
                    std::thread::sleep(Duration::from_micros(50));
                } else {
                    // Cut to nothing, then back to full length, over and
                    // over (a mapped file would kill keyhound with SIGBUS).
                    file.set_len(0).unwrap();
                    std::thread::sleep(Duration::from_millis(2));
                    file.set_len(size as u64).unwrap();
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }));
    }
    let mut reports = Vec::new();
    for round in 0..8 {
        reports.push(scan_dir(&root, &["."], &format!("changing files, round {round}")));
    }
    stop.store(true, Ordering::Relaxed);
    for churner in churners {
        churner.join().unwrap();
    }
    for report in &reports {
        report.assert_found("good.env", &token, "changing files");
    }
}

#[test]
fn unreadable_directories() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut rng = Rng::new(17);
    let token = plant(root, "good.env", &mut rng);
    let locked_key = plant(root, "locked/inside.env", &mut rng);
    let locked_file_key = plant(root, "open/locked.env", &mut rng);
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(root.join("open/locked.env"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // Paths that fail for everyone, root included: a dangling link and a
    // file whose read fails (this process's memory at address 0).
    symlink("nowhere/at/all", root.join("dangling")).unwrap();
    symlink("/proc/self/mem", root.join("mem")).unwrap();
    // Whether permissions bind here (they do not for root): asked of the
    // file system, not assumed from the user id.
    let bound = std::fs::read_dir(root.join("locked")).is_err();
    let report = scan_dir(root, &[".", "--follow-symlinks"], "unreadable directories");
    std::fs::set_permissions(root.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
    report.assert_found("good.env", &token, "unreadable directories");
    if bound {
        report.assert_warned("unreadable", "locked", "a directory without permissions");
        report.assert_warned("unreadable", "open/locked.env", "a file without permissions");
    } else {
        // Privileged: the permissions do not stop reading, so both keys
        // must be found like any other.
        report.assert_found("locked/inside.env", &locked_key, "mode 000 as a privileged user");
        report.assert_found("open/locked.env", &locked_file_key, "mode 000 as a privileged user");
    }
    report.assert_warned("unreadable", "dangling", "a dangling link, followed");
    report.assert_warned("unreadable", "mem", "a file whose read fails");
}

#[test]
fn invalid_utf8_and_newlines_in_names() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut rng = Rng::new(18);
    let mut keys = Vec::new();
    for name in [
        &b"bad\xff\xfe.env"[..],
        b"new\nline.env",
        b"dir\xc3\x28/inner.env",
        b"tab\tand\r\nmore.env",
    ] {
        let path = root.join(OsStr::from_bytes(name));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let token = github_token(&mut rng, "ghp_");
        std::fs::write(&path, format!("GITHUB_TOKEN={token}\n")).unwrap();
        keys.push((String::from_utf8_lossy(name).into_owned(), token));
    }
    let token = plant(root, "good.env", &mut rng);
    let report = scan_dir(root, &["."], "odd names");
    report.assert_found("good.env", &token, "odd names");
    for (name, token) in &keys {
        report.assert_found(name, token, "odd names");
    }
    // JSONL keeps one finding per line whatever the names hold.
    let mut cmd = keyhound();
    cmd.current_dir(root).args(["dir", ".", "-f", "jsonl"]);
    let out = watched(cmd, None, "odd names, JSONL");
    assert_sane(&out, "odd names, JSONL");
    assert_eq!(jsonl(&out).len(), keys.len() + 1, "{}", stdout(&out));
}

/// A pack entry's header: its type and inflated size.
fn pack_entry_header(kind: u8, size: usize) -> Vec<u8> {
    let mut out = vec![(kind << 4) | (size & 0x0f) as u8];
    let mut rest = size >> 4;
    while rest > 0 {
        *out.last_mut().unwrap() |= 0x80;
        out.push((rest & 0x7f) as u8);
        rest >>= 7;
    }
    out
}

/// Git's delta size varint.
fn delta_varint(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A pack of REF_DELTA entries (object id, base id, the bytes the delta
/// inserts) and its version-2 index, written as git's objects/pack files.
/// The ids are chosen, not computed: nothing is resolvable anyway, and git
/// and gix check neither on open. Both checksums are zeros, equal in the
/// pack's trailer and the index, as git compares them.
fn write_ref_delta_pack(repo: &Path, entries: &[([u8; 20], [u8; 20], &[u8])]) {
    let mut pack = b"PACK".to_vec();
    pack.extend_from_slice(&2u32.to_be_bytes());
    pack.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    let mut index: Vec<([u8; 20], u32, u32)> = Vec::new();
    for (id, base, insert) in entries {
        let mut delta = Vec::new();
        delta_varint(insert.len(), &mut delta);
        delta_varint(insert.len(), &mut delta);
        for piece in insert.chunks(127) {
            delta.push(piece.len() as u8);
            delta.extend_from_slice(piece);
        }
        let mut entry = pack_entry_header(7, delta.len());
        entry.extend_from_slice(base);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&delta).unwrap();
        entry.extend(z.finish().unwrap());
        index.push((*id, crc32fast::hash(&entry), pack.len() as u32));
        pack.extend(entry);
    }
    pack.extend_from_slice(&[0u8; 20]);
    index.sort();
    let mut idx = b"\xfftOc".to_vec();
    idx.extend_from_slice(&2u32.to_be_bytes());
    for byte in 0..=255u8 {
        let count = index.iter().filter(|(id, _, _)| id[0] <= byte).count() as u32;
        idx.extend_from_slice(&count.to_be_bytes());
    }
    for (id, _, _) in &index {
        idx.extend_from_slice(id);
    }
    for (_, crc, _) in &index {
        idx.extend_from_slice(&crc.to_be_bytes());
    }
    for (_, _, offset) in &index {
        idx.extend_from_slice(&offset.to_be_bytes());
    }
    idx.extend_from_slice(&[0u8; 40]);
    let dir = repo.join(".git/objects/pack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pack-hostile.pack"), pack).unwrap();
    std::fs::write(dir.join("pack-hostile.idx"), idx).unwrap();
}

#[test]
fn git_pack_with_a_missing_base_and_a_delta_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let mut rng = Rng::new(19);
    git(repo, &["init", "-q"]);
    let token = plant(repo, "good.env", &mut rng);
    commit_all(repo, "good");
    // One delta on a base no object store holds; two deltas on each other.
    let (orphan, nowhere) = ([0x11; 20], [0x22; 20]);
    let (left, right) = ([0x33; 20], [0x44; 20]);
    let key = format!("GITHUB_TOKEN={}\n", github_token(&mut rng, "ghp_"));
    write_ref_delta_pack(
        repo,
        &[
            (orphan, nowhere, key.as_bytes()),
            (left, right, key.as_bytes()),
            (right, left, key.as_bytes()),
        ],
    );
    // The tree is written raw: git mktree looks its entries up, and
    // resolving the cycle makes git itself run out of memory.
    let good: Vec<u8> = {
        let hex = git(repo, &["rev-parse", "HEAD:good.env"]);
        (0..20)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    };
    let mut raw = Vec::new();
    for (name, id) in [
        ("cycle-a.txt", &left[..]),
        ("cycle-b.txt", &right[..]),
        ("good.env", &good[..]),
        ("missing-base.txt", &orphan[..]),
    ] {
        raw.extend_from_slice(format!("100644 {name}\0").as_bytes());
        raw.extend_from_slice(id);
    }
    let mut child = Command::new("git")
        .current_dir(repo)
        .args(["hash-object", "-t", "tree", "-w", "--literally", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&raw).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let tree = stdout(&out).trim().to_string();
    let head = git(repo, &["rev-parse", "HEAD"]);
    let commit = git(repo, &["commit-tree", &tree, "-p", &head, "-m", "broken deltas"]);
    git(repo, &["update-ref", "refs/heads/main", &commit]);
    let report = scan_git(repo, "missing base and delta cycle");
    report.assert_found("good.env", &token, "missing base and delta cycle");
    report.assert_warned("git", "missing-base.txt", "a delta with a missing base");
    report.assert_warned("git", "cycle-a.txt", "a delta cycle");
    report.assert_warned("git", "cycle-b.txt", "a delta cycle");
}
