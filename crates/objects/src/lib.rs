//! Object stores as a scan source: `s3://bucket/prefix` (and S3-compatible
//! servers), `gs://…` and `az://…`. Objects are listed and streamed through
//! Apache Arrow's `object_store` into the scan; nothing is written to disk.
//!
//! - Objects up to the size limit are read whole (under a memory budget
//!   shared by the downloads in flight) and opened as `dir` opens files:
//!   archives (zip, tar, gzip, zstd, nested) member by member.
//! - Larger objects are streamed in chunks, decompressed when gzip or zstd,
//!   so a multi-gigabyte CI log never sits in memory.
//! - With `all_versions` (S3), every version of every object is read: an
//!   overwritten key is still exposed until its old version is deleted.
//! - Each finding names the object's URL, version and write date
//!   ([`keyhound_findings::Origin::Object`]).
//!
//! One thread runs the downloads (a tokio runtime, a bounded number in
//! flight); scanning runs on rayon's pool, fed through a bounded channel.
//! An object that cannot be read is a warning; the listing failing before
//! anything was listed fails the whole input.

mod error;
pub mod location;
pub mod store;
pub mod versions;

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, ObjectStore};
use rayon::iter::{ParallelBridge, ParallelIterator};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use keyhound_findings::{Origin, WarningKind};
use keyhound_sources::archive::{self, ArchiveLimits};
use keyhound_sources::container::decompress;
use keyhound_sources::{stdin, Feed};

pub use error::ObjectsError;
pub use location::{ObjectUrl, Scheme};
pub use store::{Access, AwsKeys};

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ObjectsOptions {
    /// The bucket and prefix.
    pub url: ObjectUrl,
    /// Endpoint, region and credentials.
    pub access: Access,
    /// Every version of every object (S3), not only the current ones.
    pub all_versions: bool,
    /// Objects up to this size are read whole and opened if archives;
    /// larger ones are streamed in chunks.
    pub max_object_size: u64,
    /// Archive limits; `None` scans archives as plain bytes.
    pub archives: Option<ArchiveLimits>,
    /// Downloads in flight at once.
    pub concurrency: usize,
    /// Bytes of whole objects held in memory at once (downloaded or
    /// waiting to be scanned).
    pub memory_budget: u64,
}

/// What the scan went through, for the closing line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectsStats {
    /// Objects (or versions) listed.
    pub listed: u64,
    /// Of those, versions that are not current.
    pub older_versions: u64,
    /// Objects read whole.
    pub whole: u64,
    /// Objects streamed in chunks.
    pub streamed: u64,
    /// Bytes downloaded.
    pub bytes: u64,
    /// Objects that could not be read (each a warning).
    pub failed: u64,
}

/// One listed object or version.
#[derive(Debug, Clone)]
struct Entry {
    path: Path,
    version: Option<String>,
    latest: bool,
    modified: Option<String>,
    size: u64,
}

/// What the download side hands the scan side.
enum Item {
    /// The whole object, with the share of the memory budget it holds.
    Whole(Entry, Bytes, OwnedSemaphorePermit),
    /// A large object's chunks, as they arrive.
    Stream(Entry, mpsc::Receiver<Result<Bytes, object_store::Error>>),
    /// The object could not be read.
    Failed(Entry, String),
}

/// Lists and scans every object under the URL's prefix.
pub fn scan_objects(feed: &dyn Feed, options: &ObjectsOptions) -> Result<ObjectsStats, ObjectsError> {
    // reqwest is built without a crypto provider of its own (see Cargo.toml).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = &options.url;
    if options.all_versions && url.scheme != Scheme::S3 {
        return Err(ObjectsError::VersionsUnsupported { url: url.to_string() });
    }
    let store = store::build(url, &options.access)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ObjectsError::Runtime)?;
    let stats = Counters::default();
    let (items_tx, mut items_rx) = mpsc::channel::<Item>(options.concurrency.max(1));
    feed.phase("objects", None);
    std::thread::scope(|scope| {
        let download = scope.spawn(|| runtime.block_on(download_all(feed, &store, options, items_tx, &stats)));
        std::iter::from_fn(|| items_rx.blocking_recv())
            .par_bridge()
            .for_each(|item| scan_item(feed, options, item, &stats));
        download.join().unwrap_or(Ok(()))
    })?;
    Ok(stats.into_stats())
}

#[derive(Default)]
struct Counters {
    listed: AtomicU64,
    older: AtomicU64,
    whole: AtomicU64,
    streamed: AtomicU64,
    bytes: AtomicU64,
    failed: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn into_stats(self) -> ObjectsStats {
        ObjectsStats {
            listed: self.listed.into_inner(),
            older_versions: self.older.into_inner(),
            whole: self.whole.into_inner(),
            streamed: self.streamed.into_inner(),
            bytes: self.bytes.into_inner(),
            failed: self.failed.into_inner(),
        }
    }
}

/// The listing as a stream of entries: current objects, or every version.
fn listing<'a>(store: &'a store::Store, options: &'a ObjectsOptions) -> BoxStream<'a, Result<Entry, ObjectsError>> {
    let url = &options.url;
    let list_error = move |e: object_store::Error| classify(url, e);
    if !options.all_versions {
        let prefix = (!url.prefix.is_empty()).then(|| Path::from(url.prefix.as_str()));
        return store
            .objects
            .list(prefix.as_ref())
            .map_ok(|meta| Entry {
                path: meta.location,
                version: meta.version,
                latest: true,
                modified: Some(keyhound_findings::time::format_seconds(meta.last_modified.timestamp())),
                size: meta.size,
            })
            .map_err(list_error)
            .boxed();
    }
    let Some(s3) = store.s3.clone() else {
        return stream::once(async move { Err(ObjectsError::VersionsUnsupported { url: url.to_string() }) }).boxed();
    };
    let lister = versions::Lister::new(s3, store.region.clone());
    // (lister, next marker, finished)
    let start = (lister, None, false);
    stream::try_unfold(
        start,
        move |(mut lister, marker, done): (versions::Lister, Option<(String, String)>, bool)| async move {
            if done {
                return Ok(None);
            }
            let page = lister
                .page(&url.prefix, marker.as_ref())
                .await
                .map_err(|e| version_error(url, e))?;
            let finished = page.next.is_none();
            let entries: Vec<Result<Entry, ObjectsError>> = page
                .versions
                .into_iter()
                .map(|v| {
                    Ok(Entry {
                        path: Path::from(v.key.as_str()),
                        version: Some(v.version_id).filter(|id| id != "null"),
                        latest: v.latest,
                        modified: Some(v.modified).filter(|m| !m.is_empty()),
                        size: v.size,
                    })
                })
                .collect();
            Ok(Some((stream::iter(entries), (lister, page.next, finished))))
        },
    )
    .try_flatten()
    .boxed()
}

/// What a store's failure comes to, read from its answer: the HTTP
/// status and S3/GCS/Azure error code when there was an answer, else the
/// innermost cause (`Connection refused`).
#[derive(Debug, PartialEq, Eq)]
struct Failure {
    status: Option<u16>,
    code: Option<String>,
    reason: String,
}

fn failure(error: &(dyn std::error::Error + 'static)) -> Failure {
    let text = error.to_string();
    let status = text
        .split("status code: ")
        .nth(1)
        .and_then(|rest| rest.get(..3))
        .and_then(|digits| digits.parse::<u16>().ok());
    let between = |open: &str, close: &str| {
        let start = text.find(open)? + open.len();
        let end = text[start..].find(close)? + start;
        Some(text[start..end].trim().to_string()).filter(|s| !s.is_empty())
    };
    let code = between("<Code>", "</Code>");
    let message = between("<Message>", "</Message>");
    let mut innermost: &(dyn std::error::Error + 'static) = error;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    let reason = match (status, &code, message) {
        (Some(s), Some(c), Some(m)) => format!("HTTP {s} {c}: {m}"),
        (Some(s), Some(c), None) => format!("HTTP {s} {c}"),
        (Some(s), None, _) => format!("HTTP {s}"),
        _ => innermost.to_string(),
    };
    Failure { status, code, reason }
}

fn classify(url: &ObjectUrl, error: object_store::Error) -> ObjectsError {
    let url = url.to_string();
    let found = failure(&error);
    let denied_code = found.code.as_deref().is_some_and(|c| {
        matches!(
            c,
            "AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken" | "AuthenticationFailed"
        )
    });
    let missing_code = found
        .code
        .as_deref()
        .is_some_and(|c| matches!(c, "NoSuchBucket" | "ContainerNotFound"));
    let reason = found.reason;
    match error {
        object_store::Error::Unauthenticated { .. } | object_store::Error::PermissionDenied { .. } => {
            ObjectsError::Denied { url, reason }
        }
        _ if denied_code || matches!(found.status, Some(401 | 403)) => ObjectsError::Denied { url, reason },
        object_store::Error::NotFound { .. } => ObjectsError::NotFound { url, reason },
        _ if missing_code || found.status == Some(404) => ObjectsError::NotFound { url, reason },
        _ => ObjectsError::List { url, reason },
    }
}

fn version_error(url: &ObjectUrl, error: versions::VersionsError) -> ObjectsError {
    let url = url.to_string();
    let reason = keyhound_findings::error_chain(&error);
    match &error {
        versions::VersionsError::Status { status: 401 | 403, .. } => ObjectsError::Denied { url, reason },
        versions::VersionsError::Status { status: 404, .. } => ObjectsError::NotFound { url, reason },
        _ => ObjectsError::List { url, reason },
    }
}

/// Lists and downloads, a bounded number at once, handing each object to
/// the scan side. A listing error before the first entry fails the input,
/// a later one is a warning.
async fn download_all(
    feed: &dyn Feed,
    store: &store::Store,
    options: &ObjectsOptions,
    items: mpsc::Sender<Item>,
    stats: &Counters,
) -> Result<(), ObjectsError> {
    let budget_mib = (options.memory_budget >> 20).clamp(1, u32::MAX as u64 >> 4) as u32;
    let memory = Arc::new(Semaphore::new(budget_mib as usize));
    let mut listed = 0u64;
    let mut listing = listing(store, options);
    let mut in_flight = futures_util::stream::FuturesUnordered::new();
    let mut pumps = Vec::new();
    let concurrency = options.concurrency.max(1);
    let mut exhausted = false;
    loop {
        while !exhausted && in_flight.len() < concurrency && !feed.cancelled() {
            match listing.next().await {
                Some(Ok(entry)) => {
                    listed += 1;
                    Counters::add(&stats.listed, 1);
                    if !entry.latest {
                        Counters::add(&stats.older, 1);
                    }
                    in_flight.push(fetch(store.objects.clone(), entry, options, memory.clone(), budget_mib));
                }
                Some(Err(error)) => {
                    if listed == 0 {
                        return Err(error);
                    }
                    feed.warn(
                        WarningKind::ObjectStore,
                        Some(&options.url.to_string()),
                        format!("the listing stopped early: {}", keyhound_findings::error_chain(&error)),
                    );
                    exhausted = true;
                }
                None => exhausted = true,
            }
        }
        match in_flight.next().await {
            Some((item, pump)) => {
                pumps.extend(pump);
                if items.send(item).await.is_err() {
                    break;
                }
            }
            None if exhausted || feed.cancelled() => break,
            None => {}
        }
    }
    // A streamed object's chunks are moved by a task of this runtime, which
    // runs only while this function does: wait for the scan side to read
    // them all (or drop them), else it would wait for chunks forever.
    drop(items);
    for pump in pumps {
        let _ = pump.await;
    }
    Ok(())
}

/// Downloads one object: whole when small enough, else as a stream whose
/// chunks a spawned task moves (its handle comes back with the item).
async fn fetch(
    store: Arc<dyn ObjectStore>,
    entry: Entry,
    options: &ObjectsOptions,
    memory: Arc<Semaphore>,
    budget_mib: u32,
) -> (Item, Option<tokio::task::JoinHandle<()>>) {
    let get = GetOptions {
        version: entry.version.clone(),
        ..GetOptions::default()
    };
    let result = match store.get_opts(&entry.path, get).await {
        Ok(result) => result,
        Err(e) => return (Item::Failed(entry, failure(&e).reason), None),
    };
    let mut entry = entry;
    entry.size = result.meta.size;
    if entry.version.is_none() {
        entry.version = result.meta.version.clone();
    }
    if entry.size > options.max_object_size {
        let (tx, rx) = mpsc::channel(4);
        let mut body = result.into_stream();
        let pump = tokio::spawn(async move {
            while let Some(chunk) = body.next().await {
                let failed = chunk.is_err();
                if tx.send(chunk).await.is_err() || failed {
                    break;
                }
            }
        });
        return (Item::Stream(entry, rx), Some(pump));
    }
    let mib = ((entry.size >> 20) as u32 + 1).min(budget_mib);
    let permit = match memory.acquire_many_owned(mib).await {
        Ok(permit) => permit,
        Err(e) => return (Item::Failed(entry, e.to_string()), None),
    };
    match result.bytes().await {
        Ok(bytes) => (Item::Whole(entry, bytes, permit), None),
        Err(e) => (Item::Failed(entry, failure(&e).reason), None),
    }
}

/// The origin of an object (or of a member of an archive inside it).
fn origin(url: String, entry: &Entry) -> Arc<Origin> {
    Arc::new(Origin::Object {
        url,
        version: entry.version.clone(),
        latest: entry.latest,
        modified: entry.modified.clone(),
    })
}

fn scan_item(feed: &dyn Feed, options: &ObjectsOptions, item: Item, stats: &Counters) {
    match item {
        Item::Whole(entry, bytes, permit) => {
            let url = options.url.object(entry.path.as_ref());
            Counters::add(&stats.whole, 1);
            Counters::add(&stats.bytes, bytes.len() as u64);
            match (&options.archives, archive::detect(&bytes)) {
                (Some(limits), Some(kind)) => {
                    let mut emit = |member: &[u8], display: &str| {
                        feed.scan_blob(member, origin(display.to_string(), &entry));
                    };
                    archive::scan_archive(feed, &bytes, kind, &url, limits, &mut emit);
                }
                _ => {
                    feed.scan_blob(&bytes, origin(url, &entry));
                }
            }
            drop(permit);
        }
        Item::Stream(entry, chunks) => {
            let url = options.url.object(entry.path.as_ref());
            Counters::add(&stats.streamed, 1);
            let reader = ChunkReader {
                chunks,
                current: Bytes::new(),
                read: 0,
            };
            let mut counted = CountingReader { inner: reader, stats };
            let result = match decompress(&mut counted) {
                Ok((_, mut decoded)) => stdin::scan_stream_as(
                    feed,
                    &mut decoded,
                    origin(url.clone(), &entry),
                    stdin::CHUNK,
                    stdin::OVERLAP,
                )
                .map_err(|e| keyhound_findings::error_chain(&e)),
                Err(e) => Err(e.to_string()),
            };
            if let Err(message) = result {
                Counters::add(&stats.failed, 1);
                feed.warn(
                    WarningKind::ObjectStore,
                    Some(&url),
                    format!("reading the object: {message}"),
                );
            }
        }
        Item::Failed(entry, message) => {
            let url = options.url.object(entry.path.as_ref());
            Counters::add(&stats.failed, 1);
            feed.warn(
                WarningKind::ObjectStore,
                Some(&url),
                format!("cannot download: {message}"),
            );
        }
    }
    feed.advance(1);
}

/// A large object's chunks as a `Read`, for the stream scanner.
struct ChunkReader {
    chunks: mpsc::Receiver<Result<Bytes, object_store::Error>>,
    current: Bytes,
    read: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.read == self.current.len() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.current = chunk;
                    self.read = 0;
                }
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.read);
        buf[..n].copy_from_slice(&self.current[self.read..self.read + n]);
        self.read += n;
        Ok(n)
    }
}

/// Counts the bytes a stream downloads.
struct CountingReader<'a, R> {
    inner: R,
    stats: &'a Counters,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        Counters::add(&self.stats.bytes, n as u64);
        Ok(n)
    }
}
