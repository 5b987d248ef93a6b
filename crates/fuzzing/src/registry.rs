//! The `registry` target: a registry on loopback whose every answer comes
//! from the fuzzer — the `WWW-Authenticate` challenge, the token
//! endpoint's body, the manifest or index a tag names, and the documents
//! and blobs served by digest — read by keyhound's real client over real
//! HTTP, as `keyhound image 127.0.0.1:PORT/fuzz/image` would.
//!
//! The input is sections split by a line `%%`: the challenge (empty: no
//! authentication), the token body, the tag's manifest, then any number of
//! documents served by digest. `REALM` in the challenge becomes the
//! server's own token URL; a challenge naming any other URL is skipped, so
//! nothing leaves loopback. A digest no document has gets a document picked
//! by its first hex digit, so mutated manifests still reach documents, and
//! indexes can name each other in cycles.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use keyhound_sources::image::{self, ImageError, ImageOptions, ImageStats};
use keyhound_sources::registry::{ImageReference, RegistryClient, RegistryOptions};
use sha2::{Digest, Sha256};

use crate::shared::{small_limits, EngineFeed};

/// The line between sections.
const SEPARATOR: &[u8] = b"\n%%\n";

/// More requests than this for one image means a loop: every manifest,
/// config and layer of the small limits is fetched at most a few times.
const MAX_REQUESTS: usize = 500;

/// What the registry answers, as the input gave it.
struct Answers {
    /// The `WWW-Authenticate` value of every unauthenticated request.
    challenge: Vec<u8>,
    /// The token endpoint's body.
    token: Vec<u8>,
    /// The tag's manifest first, then the documents served by digest.
    documents: Vec<Vec<u8>>,
}

impl Answers {
    /// Splits the input; `None` when its challenge names a URL of its own.
    fn read(data: &[u8], realm: &str) -> Option<Answers> {
        let mut sections = split(data, SEPARATOR);
        let challenge = sections.next().unwrap_or_default();
        if find(challenge, b"://").is_some() {
            return None;
        }
        let challenge: Vec<u8> = replace(challenge, b"REALM", realm.as_bytes())
            .into_iter()
            .filter(|&b| b != b'\r' && b != b'\n')
            .collect();
        let token = sections.next().unwrap_or_default().to_vec();
        let documents: Vec<Vec<u8>> = sections.map(<[u8]>::to_vec).collect();
        Some(Answers {
            challenge,
            token,
            documents,
        })
    }

    /// The document with this digest, else one picked by the digest.
    fn by_digest(&self, digest: &str) -> Option<&[u8]> {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        if let Some(exact) = self
            .documents
            .iter()
            .find(|d| format!("{:x}", Sha256::digest(d)) == hex)
        {
            return Some(exact);
        }
        let pick = hex.bytes().next().map_or(0, |b| b as usize);
        let n = self.documents.len();
        (n > 0).then(|| self.documents[pick % n].as_slice())
    }
}

/// `data` cut at every `separator`.
fn split<'a>(data: &'a [u8], separator: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let current = rest?;
        match find(current, separator) {
            Some(at) => {
                rest = Some(&current[at + separator.len()..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn replace(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, part) in split(data, from).enumerate() {
        if i > 0 {
            out.extend_from_slice(to);
        }
        out.extend_from_slice(part);
    }
    out
}

/// The loopback registry, one per process, answering from the current
/// input.
struct Registry {
    port: u16,
    answers: Mutex<Option<Answers>>,
    requests: AtomicUsize,
    /// Held while an input runs: one input at a time owns the answers.
    turn: Mutex<()>,
    /// The threads answering this input's connections, joined before the
    /// input ends: a thread still exiting when the next input starts holds
    /// its thread-local storage, which LeakSanitizer reports as a leak.
    answering: Mutex<Vec<JoinHandle<()>>>,
}

fn registry_server() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    static LISTENER: OnceLock<TcpListener> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let listener = LISTENER.get_or_init(|| TcpListener::bind("127.0.0.1:0").expect("a loopback port"));
        let port = listener.local_addr().expect("the port bound").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let registry = registry_server();
                // Recorded before the thread may answer, so the input
                // cannot end with a thread nobody joins.
                let mut answering = lock(&registry.answering);
                answering.push(std::thread::spawn(move || answer(stream)));
            }
        });
        Registry {
            port,
            answers: Mutex::new(None),
            requests: AtomicUsize::new(0),
            turn: Mutex::new(()),
            answering: Mutex::new(Vec::new()),
        }
    })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Answers one request on `stream` and closes it.
fn answer(stream: TcpStream) {
    let registry = registry_server();
    // Waits until the acceptor has recorded this thread.
    drop(lock(&registry.answering));
    let Ok(write_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream.take(64 << 10));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorized = false;
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => authorized |= header.to_ascii_lowercase().starts_with("authorization:"),
        }
    }
    registry.requests.fetch_add(1, Ordering::Relaxed);
    let path = request_line.split_whitespace().nth(1).unwrap_or_default();
    let answers = lock(&registry.answers);
    let (status, extra, body): (u16, Vec<u8>, &[u8]) = match answers.as_ref() {
        None => (503, Vec::new(), b""),
        Some(a) if path.starts_with("/token") => (200, Vec::new(), &a.token),
        Some(a) if !authorized && !a.challenge.is_empty() => {
            let mut header = b"WWW-Authenticate: ".to_vec();
            header.extend_from_slice(&a.challenge);
            header.extend_from_slice(b"\r\n");
            (401, header, b"")
        }
        Some(a) => {
            let reference = path.rsplit('/').next().unwrap_or_default();
            let document = if path.contains("/manifests/") && !reference.contains(':') {
                a.documents.first().map(Vec::as_slice)
            } else {
                a.by_digest(reference)
            };
            match document {
                Some(d) => (200, Vec::new(), d),
                None => (404, Vec::new(), b""),
            }
        }
    };
    let mut response = format!(
        "HTTP/1.1 {status} Fuzz\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&extra);
    response.extend_from_slice(b"\r\n");
    response.extend_from_slice(body);
    drop(answers);
    let mut write_half = write_half;
    let _ = write_half.write_all(&response);
}

/// Pulls and scans the image the input's registry serves: an error or a
/// scan, never a panic, a hang or a request loop.
pub fn registry(data: &[u8]) {
    if let Some((_, requests)) = pull(data) {
        assert!(requests <= MAX_REQUESTS, "{requests} requests for one image");
    }
}

/// What pulling the input's image gave, and how many requests it took;
/// `None` when the input was skipped.
fn pull(data: &[u8]) -> Option<(Result<ImageStats, ImageError>, usize)> {
    let server = registry_server();
    let _turn = lock(&server.turn);
    let realm = format!("http://127.0.0.1:{}/token", server.port);
    let answers = Answers::read(data, &realm)?;
    *lock(&server.answers) = Some(answers);
    server.requests.store(0, Ordering::Relaxed);
    let reference = format!("127.0.0.1:{}/fuzz/image:latest", server.port);
    let image = ImageReference::parse(&reference).expect("a registry reference");
    let options = RegistryOptions {
        insecure: true,
        username: Some("fuzz".into()),
        password: Some("fuzz-password".into()),
        on_credentials: None,
    };
    let client = RegistryClient::new(image, &options);
    let image_options = ImageOptions {
        platform: None,
        limits: small_limits(2),
    };
    let scanned = image::scan_registry_image(&EngineFeed, client, &image_options);
    let answering = std::mem::take(&mut *lock(&server.answering));
    for thread in answering {
        let _ = thread.join();
    }
    let requests = server.requests.load(Ordering::Relaxed);
    *lock(&server.answers) = None;
    Some((scanned, requests))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_split_and_the_realm_is_the_servers_own() {
        let a = Answers::read(
            b"Bearer realm=\"REALM\"\n%%\n{\"token\":\"t\"}\n%%\n{}\n%%\nblob",
            "http://x/token",
        )
        .unwrap();
        assert_eq!(a.challenge, b"Bearer realm=\"http://x/token\"");
        assert_eq!(a.token, b"{\"token\":\"t\"}");
        assert_eq!(a.documents, vec![b"{}".to_vec(), b"blob".to_vec()]);
        let blob = format!("sha256:{:x}", Sha256::digest(b"blob"));
        assert_eq!(a.by_digest(&blob), Some(&b"blob"[..]));
        assert!(Answers::read(b"Bearer realm=\"https://elsewhere/\"", "http://x/token").is_none());
    }

    #[test]
    fn the_seeds_pull_their_images_through_every_kind_of_authentication() {
        let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/registry");
        for (seed, layers) in [("anonymous-index", 1), ("basic-docker-v2", 1), ("bearer-manifest", 1)] {
            let data = std::fs::read(seeds.join(seed)).unwrap();
            let (scanned, requests) = pull(&data).expect("not skipped");
            let stats = scanned.unwrap_or_else(|e| panic!("{seed}: {e}"));
            assert_eq!((stats.images, stats.layers), (1, layers), "{seed}");
            assert!(requests >= 3, "{seed}: {requests} requests");
        }
        let data = std::fs::read(seeds.join("bad-token")).unwrap();
        let (scanned, _) = pull(&data).expect("not skipped");
        let err = scanned.expect_err("a token answer without a token");
        assert!(
            keyhound_findings::error_chain(&err).contains("without a token"),
            "{err}"
        );
    }
}
