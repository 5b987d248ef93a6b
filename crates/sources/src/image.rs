//! Container images: `docker save` archives (plain or gzip-compressed), OCI
//! image layouts (directory or tar), multi-platform indexes. Every layer is
//! streamed (uncompressed, gzip or zstd) and every regular file in it
//! scanned; whiteouts are tracked so each finding says whether the file is
//! still visible in the final image or which later layer deleted or replaced
//! it. The image config (Env, Cmd, Entrypoint, Labels, history) is scanned
//! too. Nothing is extracted to disk.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use sha2::Digest;

use super::archive::{self, ArchiveLimits};
use super::registry::RegistryClient;
use crate::container::{decompress, read_full, walk_tar, TarError, Walk};
use crate::feed::Feed;
use keyhound_findings::{Finding, Origin, Provenance, WarningKind};

/// Why an image could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Not readable.
    #[error("{path}")]
    Io {
        /// The source path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Not a docker-save archive nor an OCI layout.
    #[error("{0}: not a container image (no manifest.json, index.json or oci-layout found)")]
    NotAnImage(PathBuf),
    /// The registry could not be used.
    #[error(transparent)]
    Registry(#[from] super::registry::RegistryError),
    /// No image matched `--platform`.
    #[error("{path}: no image for platform {platform}")]
    NoPlatform {
        /// The source.
        path: PathBuf,
        /// The platform asked for.
        platform: String,
    },
}

/// A path named by a manifest or index (`Config`, `Layers`, a digest's
/// blob path) that would leave the image: warned about, never opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafePath {
    /// An absolute path (joined onto the image root it would replace it).
    #[error("{0:?} is an absolute path; not opened")]
    Absolute(String),
    /// A `..` component climbs out of the image root.
    #[error("{0:?} climbs out of the image with '..'; not opened")]
    ParentDir(String),
}

/// Checks that `name`, joined onto the image root, stays inside it.
fn contained(name: &str) -> Result<(), UnsafePath> {
    for component in Path::new(name).components() {
        match component {
            Component::Prefix(_) | Component::RootDir => return Err(UnsafePath::Absolute(name.to_string())),
            Component::ParentDir => return Err(UnsafePath::ParentDir(name.to_string())),
            Component::CurDir | Component::Normal(_) => {}
        }
    }
    Ok(())
}

/// How to scan an image.
#[derive(Debug, Clone)]
pub struct ImageOptions {
    /// Only this platform (`os/arch[/variant]`) of a multi-platform index.
    pub platform: Option<String>,
    /// Limits for archives nested in layers; `max_member_size` also bounds
    /// each layer file.
    pub limits: ArchiveLimits,
}

/// Totals for the summary line.
#[derive(Debug, Clone, Default)]
pub struct ImageStats {
    /// Images (platforms) found.
    pub images: usize,
    /// Distinct layers scanned.
    pub layers: usize,
}

/// Small files of the image (JSON documents) by path inside the source.
type Documents = HashMap<String, Vec<u8>>;

/// Largest JSON document read into memory (manifests, configs, indexes).
const MAX_DOCUMENT: u64 = 16 << 20;

/// Most memory the JSON-like entries of an image tar (manifests, configs,
/// indexes: every document kept while the archive is walked) may take
/// together; each is also capped by [`MAX_DOCUMENT`]. Entries past the
/// budget are not read, with one warning, so an archive of many small JSON
/// files cannot exhaust memory.
const MAX_DOCUMENTS_TOTAL: u64 = 64 << 20;

/// JSON-like entries of an image tar left unread because the documents
/// already kept filled the memory budget ([`MAX_DOCUMENTS_TOTAL`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{skipped} JSON-like tar entries ({bytes} bytes, the first {first:?}) not read: the image's documents exceed the {budget}-byte memory budget")]
pub struct DocumentBudgetExceeded {
    /// Entries not read.
    pub skipped: usize,
    /// Their total size.
    pub bytes: u64,
    /// The first one skipped.
    pub first: String,
    /// The budget.
    pub budget: u64,
}

/// Where the image's files live.
enum Store {
    /// An OCI layout directory.
    Dir(PathBuf),
    /// A tar archive (docker save or OCI layout), possibly gzip-compressed.
    Tar(PathBuf),
    /// A registry repository.
    Registry(Box<RegistryClient>),
}

impl Store {
    /// Opens the source; the documents of a tar are kept within `budget`
    /// bytes (what did not fit is returned, for a warning).
    fn open(path: &Path, budget: u64) -> Result<(Store, Documents, Option<DocumentBudgetExceeded>), ImageError> {
        let io = |source| ImageError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path.is_dir() {
            let mut docs = Documents::new();
            for name in ["manifest.json", "index.json", "oci-layout"] {
                if let Ok(bytes) = std::fs::read(path.join(name)) {
                    docs.insert(name.to_string(), bytes);
                }
            }
            return Ok((Store::Dir(path.to_path_buf()), docs, None));
        }
        let reader = open_maybe_gzip(path).map_err(io)?;
        let (docs, over_budget) = read_tar_documents(reader, budget).map_err(io)?;
        Ok((Store::Tar(path.to_path_buf()), docs, over_budget))
    }
}

/// The JSON-like entries of an image tar (and `oci-layout`), kept in memory
/// while they fit in `budget` bytes together; each is read only once its
/// first byte says JSON and its size says it fits.
fn read_tar_documents(reader: impl Read, budget: u64) -> std::io::Result<(Documents, Option<DocumentBudgetExceeded>)> {
    let mut docs = Documents::new();
    let mut kept: u64 = 0;
    let mut over_budget: Option<DocumentBudgetExceeded> = None;
    let mut reader = reader;
    let walked = walk_tar(&mut reader, &mut |entry| {
        let name = normalize(&entry.path);
        let size = entry.size;
        let interesting = name.ends_with(".json") || name == "oci-layout" || name.starts_with("blobs/");
        if size > MAX_DOCUMENT || !interesting || !entry.is_file {
            return Walk::Continue;
        }
        let mut first = [0u8; 1];
        let n = read_full(entry.data, &mut first);
        if name != "oci-layout" && !(n == 1 && (first[0] == b'{' || first[0] == b'[')) {
            return Walk::Continue;
        }
        if kept.saturating_add(size) > budget {
            let skipped = over_budget.get_or_insert_with(|| DocumentBudgetExceeded {
                skipped: 0,
                bytes: 0,
                first: name.clone(),
                budget,
            });
            skipped.skipped += 1;
            skipped.bytes += size;
            return Walk::Continue;
        }
        let mut bytes = Vec::with_capacity(size as usize);
        bytes.extend_from_slice(&first[..n]);
        if entry.data.read_to_end(&mut bytes).is_ok() {
            kept += bytes.len() as u64;
            if let Some(replaced) = docs.insert(name, bytes) {
                kept -= replaced.len() as u64;
            }
        }
        Walk::Continue
    });
    // A tar that is not one at all is an error; one that breaks off keeps
    // the documents read before the break (the layer walk warns about it).
    if let Err(TarError::Unreadable(e)) = walked {
        return Err(e);
    }
    Ok((docs, over_budget))
}

/// Reads the image's manifest (or index) from a registry and presents it
/// as a one-entry OCI index, so the same walk serves every source.
fn open_registry(client: RegistryClient) -> Result<(Store, Documents), ImageError> {
    let image = client.image().to_string();
    let bytes = client.manifest(&client.image().reference)?;
    let doc = parse(&bytes).ok_or_else(|| ImageError::NotAnImage(PathBuf::from(&image)))?;
    let digest = format!("sha256:{:x}", sha2::Sha256::digest(&bytes));
    let media = doc
        .get("mediaType")
        .and_then(Value::as_str)
        .unwrap_or("application/vnd.oci.image.manifest.v1+json");
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": media, "digest": digest, "size": bytes.len(),
                       "annotations": {"org.opencontainers.image.ref.name": image}}]
    });
    let mut docs = Documents::new();
    docs.insert(blob_path(&digest), bytes);
    docs.insert("index.json".to_string(), serde_json::to_vec(&index).unwrap_or_default());
    Ok((Store::Registry(Box::new(client)), docs))
}

fn open_maybe_gzip(path: &Path) -> std::io::Result<Box<dyn Read>> {
    decompress(File::open(path)?).map(|(_, reader)| reader)
}

fn normalize(path: &str) -> String {
    path.trim_start_matches("./").trim_start_matches('/').to_string()
}

/// The blob path of a digest in an OCI layout.
fn blob_path(digest: &str) -> String {
    match digest.split_once(':') {
        Some((algo, hex)) => format!("blobs/{algo}/{hex}"),
        None => digest.to_string(),
    }
}

/// One image (one platform) with its layers in order.
#[derive(Debug, Clone)]
struct ImageRef {
    name: String,
    config: Option<Value>,
    config_name: String,
    /// (path inside the source, digest) of each layer, bottom first.
    layers: Vec<(String, String)>,
}

impl ImageRef {
    /// `created_by` of each non-empty history step, in layer order.
    fn created_by(&self) -> Vec<Option<String>> {
        let history = self
            .config
            .as_ref()
            .and_then(|c| c.get("history"))
            .and_then(Value::as_array);
        let steps: Vec<Option<String>> = history
            .map(|h| {
                h.iter()
                    .filter(|e| !e.get("empty_layer").and_then(Value::as_bool).unwrap_or(false))
                    .map(|e| e.get("created_by").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (0..self.layers.len())
            .map(|i| steps.get(i).cloned().flatten())
            .collect()
    }
}

/// A document of the image by its path inside the source; `Err` (and
/// nothing opened) when the path would leave the image.
fn read_doc(store: &Store, docs: &Documents, name: &str) -> Result<Option<Vec<u8>>, UnsafePath> {
    contained(name)?;
    if let Some(bytes) = docs.get(name) {
        return Ok(Some(bytes.clone()));
    }
    Ok(match store {
        Store::Dir(root) => {
            let path = root.join(name);
            std::fs::metadata(&path)
                .ok()
                .filter(|m| m.len() <= MAX_DOCUMENT)
                .and_then(|_| std::fs::read(path).ok())
        }
        Store::Tar(_) => None,
        Store::Registry(client) => name.strip_prefix("blobs/").and_then(|blob| {
            let digest = blob.replacen('/', ":", 1);
            client.small_blob(&digest).or_else(|_| client.manifest(&digest)).ok()
        }),
    })
}

/// An image config by the path its manifest gives; a path leaving the image
/// is a warning and is never opened.
fn read_config(scan: &dyn Feed, store: &Store, docs: &Documents, name: &str) -> Option<Value> {
    match read_doc(store, docs, name) {
        Ok(bytes) => bytes.and_then(|b| parse(&b)),
        Err(e) => {
            scan.warn(WarningKind::Image, None, format!("image config {e}"));
            None
        }
    }
}

fn parse(bytes: &[u8]) -> Option<Value> {
    serde_json::from_slice(bytes).ok()
}

/// Finds the images in the source: docker-save `manifest.json` first, else
/// the OCI `index.json` (following nested indexes for multi-platform images).
fn images(
    scan: &dyn Feed,
    store: &Store,
    docs: &Documents,
    source: &Path,
    platform: Option<&str>,
) -> Result<Vec<ImageRef>, ImageError> {
    if let Some(manifest) = docs.get("manifest.json").and_then(|b| parse(b)) {
        let mut out = Vec::new();
        for entry in manifest.as_array().into_iter().flatten() {
            let config_name = entry
                .get("Config")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let config = read_config(scan, store, docs, &config_name);
            let name = entry
                .get("RepoTags")
                .and_then(Value::as_array)
                .and_then(|t| t.first())
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| config_name.clone());
            let diff_ids: Vec<String> = config
                .as_ref()
                .and_then(|c| c.pointer("/rootfs/diff_ids"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            let layers = entry
                .get("Layers")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .enumerate()
                        .map(|(i, path)| {
                            let digest = if path.starts_with("blobs/") {
                                path.trim_start_matches("blobs/").replacen('/', ":", 1)
                            } else {
                                diff_ids.get(i).cloned().unwrap_or_else(|| path.to_string())
                            };
                            // A path leaving the image stays as given, so
                            // the layer walk refuses it by name.
                            let path = match contained(path) {
                                Ok(()) => normalize(path),
                                Err(_) => path.to_string(),
                            };
                            (path, digest)
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(ImageRef {
                name,
                config,
                config_name,
                layers,
            });
        }
        if !out.is_empty() {
            return Ok(out);
        }
    }
    let Some(index) = docs.get("index.json").and_then(|b| parse(b)) else {
        return Err(ImageError::NotAnImage(source.to_path_buf()));
    };
    let mut out = Vec::new();
    let mut seen_platforms = Vec::new();
    walk_index(
        scan,
        store,
        docs,
        &index,
        None,
        platform,
        &mut out,
        &mut seen_platforms,
        0,
    );
    if out.is_empty() {
        if let Some(p) = platform {
            return Err(ImageError::NoPlatform {
                path: source.to_path_buf(),
                platform: p.to_string(),
            });
        }
        return Err(ImageError::NotAnImage(source.to_path_buf()));
    }
    Ok(out)
}

fn platform_of(descriptor: &Value) -> Option<String> {
    let p = descriptor.get("platform")?;
    let mut s = format!("{}/{}", p.get("os")?.as_str()?, p.get("architecture")?.as_str()?);
    if let Some(v) = p.get("variant").and_then(Value::as_str) {
        s.push('/');
        s.push_str(v);
    }
    Some(s)
}

#[allow(clippy::too_many_arguments)]
fn walk_index(
    scan: &dyn Feed,
    store: &Store,
    docs: &Documents,
    index: &Value,
    name: Option<String>,
    platform: Option<&str>,
    out: &mut Vec<ImageRef>,
    seen: &mut Vec<String>,
    depth: usize,
) {
    if depth > 4 {
        return;
    }
    for descriptor in index.get("manifests").and_then(Value::as_array).into_iter().flatten() {
        let Some(digest) = descriptor.get("digest").and_then(Value::as_str) else {
            continue;
        };
        let ref_name = descriptor
            .pointer("/annotations/org.opencontainers.image.ref.name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| name.clone());
        let this_platform = platform_of(descriptor);
        if let (Some(want), Some(have)) = (platform, &this_platform) {
            if !have.starts_with(want) {
                continue;
            }
        }
        if this_platform.as_deref() == Some("unknown/unknown") {
            continue; // attestation manifests, not images
        }
        let doc = match read_doc(store, docs, &blob_path(digest)) {
            Ok(bytes) => bytes.and_then(|b| parse(&b)),
            Err(e) => {
                scan.warn(WarningKind::Image, None, format!("manifest {e}"));
                continue;
            }
        };
        let Some(doc) = doc else {
            scan.warn(
                WarningKind::Image,
                Some(&blob_path(digest)),
                format!("manifest {digest} is missing from the image"),
            );
            continue;
        };
        if doc.get("manifests").is_some() {
            walk_index(scan, store, docs, &doc, ref_name, platform, out, seen, depth + 1);
            continue;
        }
        let config_digest = doc
            .pointer("/config/digest")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let config_name = blob_path(config_digest);
        let config = read_config(scan, store, docs, &config_name);
        let layers = doc
            .get("layers")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.get("digest").and_then(Value::as_str))
                    .map(|d| (blob_path(d), d.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut display = ref_name.clone().unwrap_or_else(|| digest.to_string());
        if let Some(p) = &this_platform {
            display = format!("{display} ({p})");
            seen.push(p.clone());
        }
        out.push(ImageRef {
            name: display,
            config,
            config_name,
            layers,
        });
    }
}

/// What one layer holds, for visibility: files written, whiteouts, opaque dirs.
#[derive(Debug, Default)]
struct LayerIndex {
    files: HashSet<String>,
    whiteouts: HashSet<String>,
    opaque: HashSet<String>,
}

/// Findings of one layer, kept until visibility is known.
#[derive(Default)]
struct LayerScan {
    index: LayerIndex,
    findings: Vec<(String, Vec<Finding>)>,
}

fn parent_dirs(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// The first later layer that deletes or replaces `path`, if any.
fn hidden_by(layers: &[&LayerIndex], from: usize, path: &str) -> Option<usize> {
    for (j, layer) in layers.iter().enumerate().skip(from + 1) {
        if layer.files.contains(path) || layer.whiteouts.contains(path) {
            return Some(j);
        }
        if parent_dirs(path).any(|d| layer.whiteouts.contains(d) || layer.opaque.contains(d)) {
            return Some(j);
        }
    }
    None
}

/// Walks a layer tar stream, scanning regular files and recording whiteouts.
fn scan_layer(scan: &dyn Feed, reader: &mut dyn Read, label: &str, limits: &ArchiveLimits) -> LayerScan {
    let mut result = LayerScan::default();
    let mut decoded = match decompress(reader) {
        Ok((_, decoded)) => decoded,
        Err(e) => {
            scan.warn(
                WarningKind::Image,
                Some(label),
                format!("corrupt compressed layer: {e}"),
            );
            return result;
        }
    };
    let walked = walk_tar(&mut decoded, &mut |entry| {
        let raw = entry.path;
        let path = normalize(&raw).trim_end_matches('/').to_string();
        if path.split('/').any(|c| c == "..") {
            scan.warn(
                WarningKind::Image,
                Some(&format!("{label}!{raw}")),
                "entry name escapes the layer root ('..'); scanned in memory only",
            );
        }
        let (dir, file) = match path.rsplit_once('/') {
            Some((d, f)) => (d.to_string(), f.to_string()),
            None => (String::new(), path.clone()),
        };
        if file == ".wh..wh..opq" {
            result.index.opaque.insert(dir);
            return Walk::Continue;
        }
        if let Some(target) = file.strip_prefix(".wh.") {
            let target = if dir.is_empty() {
                target.to_string()
            } else {
                format!("{dir}/{target}")
            };
            result.index.whiteouts.insert(target);
            return Walk::Continue;
        }
        if !entry.is_file {
            return Walk::Continue;
        }
        result.index.files.insert(path.clone());
        let size = entry.size;
        if size > limits.max_member_size {
            scan.skip();
            scan.warn(
                WarningKind::Image,
                Some(&format!("{label}!{path}")),
                format!("file of {size} bytes exceeds the size limit; skipped"),
            );
            return Walk::Continue;
        }
        let mut bytes = Vec::with_capacity(size.min(1 << 20) as usize);
        if let Err(e) = entry.data.read_to_end(&mut bytes) {
            scan.warn(
                WarningKind::Image,
                Some(&format!("{label}!{path}")),
                format!("cannot read: {e}"),
            );
            if bytes.is_empty() {
                return Walk::Continue;
            }
        }
        let placeholder = Arc::new(Origin::File { path: path.clone() });
        match archive::detect(&bytes) {
            Some(kind) => {
                let mut nested: Vec<(String, Vec<Finding>)> = Vec::new();
                let mut emit = |member: &[u8], name: &str| {
                    let found = scan.find(member, Arc::new(Origin::File { path: name.to_string() }));
                    if !found.is_empty() {
                        nested.push((name.to_string(), found));
                    }
                };
                archive::scan_archive(scan, &bytes, kind, &path, limits, &mut emit);
                result.findings.extend(nested);
            }
            None => {
                let found = scan.find(&bytes, placeholder);
                if !found.is_empty() {
                    result.findings.push((path, found));
                }
            }
        }
        Walk::Continue
    });
    if let Err(e) = walked {
        let message = match e {
            TarError::Unreadable(e) => format!("unreadable layer: {e}"),
            TarError::Truncated(e) => format!("corrupt or truncated layer, rest of it skipped: {e}"),
        };
        scan.warn(WarningKind::Image, Some(label), message);
    }
    result
}

/// Scans the image config's Env, Cmd, Entrypoint, Labels and history.
fn scan_config(scan: &dyn Feed, image: &ImageRef) -> Vec<Finding> {
    let Some(config) = &image.config else { return Vec::new() };
    let mut fields: Vec<(String, String)> = Vec::new();
    let inner = config.get("config").or_else(|| config.get("container_config"));
    if let Some(inner) = inner {
        for (i, env) in inner
            .get("Env")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(s) = env.as_str() {
                fields.push((format!("Env[{i}]"), s.to_string()));
            }
        }
        for key in ["Cmd", "Entrypoint"] {
            if let Some(list) = inner.get(key).and_then(Value::as_array) {
                let words: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
                fields.push((key.to_string(), words.join(" ")));
            }
        }
        if let Some(labels) = inner.get("Labels").and_then(Value::as_object) {
            for (k, v) in labels {
                fields.push((format!("Labels.{k}"), format!("{k}={}", v.as_str().unwrap_or_default())));
            }
        }
    }
    for (i, step) in config
        .get("history")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(created_by) = step.get("created_by").and_then(Value::as_str) {
            fields.push((format!("history[{i}].created_by"), created_by.to_string()));
        }
    }
    let mut out = Vec::new();
    for (field, text) in fields {
        let origin = Arc::new(Origin::ImageConfig {
            name: format!("{}!config:{field}", image.name),
            image: image.name.clone(),
            field,
        });
        out.extend(scan.find(text.as_bytes(), origin));
    }
    out
}

/// Scans the image(s) at `source`.
pub fn scan_image(scan: &dyn Feed, source: &Path, options: &ImageOptions) -> Result<ImageStats, ImageError> {
    let (store, docs, over_budget) = Store::open(source, MAX_DOCUMENTS_TOTAL)?;
    if let Some(over) = over_budget {
        scan.warn(WarningKind::Image, Some(&source.display().to_string()), over);
    }
    scan_store(scan, &store, &docs, source, options)
}

/// Pulls and scans an image from a registry, streaming every blob.
pub fn scan_registry_image(
    scan: &dyn Feed,
    client: RegistryClient,
    options: &ImageOptions,
) -> Result<ImageStats, ImageError> {
    let label = PathBuf::from(client.image().to_string());
    let (store, docs) = open_registry(client)?;
    scan_store(scan, &store, &docs, &label, options)
}

fn scan_store(
    scan: &dyn Feed,
    store: &Store,
    docs: &Documents,
    source: &Path,
    options: &ImageOptions,
) -> Result<ImageStats, ImageError> {
    let images = images(scan, store, docs, source, options.platform.as_deref())?;
    // Layers to read, by their path in the source; each distinct one once.
    let mut wanted: HashMap<String, String> = HashMap::new();
    let mut refused: HashSet<&str> = HashSet::new();
    for image in &images {
        for (path, digest) in &image.layers {
            if let Err(e) = contained(path) {
                if refused.insert(path) {
                    scan.warn(
                        WarningKind::Image,
                        Some(&format!("layer {digest}")),
                        format!("layer {e}"),
                    );
                }
                continue;
            }
            wanted.entry(path.clone()).or_insert_with(|| digest.clone());
        }
    }
    let mut scanned: HashMap<String, LayerScan> = HashMap::new();
    let limits = &options.limits;
    let layers = Some(wanted.len() as u64);
    match store {
        Store::Registry(client) => {
            scan.phase("pulling and scanning layers", layers);
            for (path, digest) in &wanted {
                if scan.cancelled() {
                    break;
                }
                let label = format!("layer {digest}");
                match client.blob(digest) {
                    Ok(mut reader) => {
                        scanned.insert(path.clone(), scan_layer(scan, &mut reader, &label, limits));
                    }
                    Err(e) => scan.warn(WarningKind::Image, Some(&label), format!("cannot pull layer: {e}")),
                }
                scan.advance(1);
            }
        }
        Store::Dir(root) => {
            scan.phase("scanning layers", layers);
            for (path, digest) in &wanted {
                if scan.cancelled() {
                    break;
                }
                let label = format!("layer {digest}");
                match File::open(root.join(path)) {
                    Ok(mut file) => {
                        scanned.insert(path.clone(), scan_layer(scan, &mut file, &label, limits));
                    }
                    Err(e) => scan.warn(
                        WarningKind::Image,
                        Some(&label),
                        format!("layer blob {path} is missing: {e}"),
                    ),
                }
                scan.advance(1);
            }
        }
        Store::Tar(file) => {
            let reader = open_maybe_gzip(file).map_err(|source| ImageError::Io {
                path: file.clone(),
                source,
            })?;
            let mut reader = reader;
            scan.phase("scanning layers", layers);
            let walked = walk_tar(&mut reader, &mut |entry| {
                let name = normalize(&entry.path);
                if let Some(digest) = wanted.get(&name) {
                    if let std::collections::hash_map::Entry::Vacant(slot) = scanned.entry(name) {
                        let label = format!("layer {digest}");
                        slot.insert(scan_layer(scan, entry.data, &label, limits));
                        scan.advance(1);
                    }
                }
                Walk::Continue
            });
            match walked {
                Ok(()) => {}
                Err(TarError::Unreadable(source)) => {
                    return Err(ImageError::Io {
                        path: file.clone(),
                        source,
                    })
                }
                Err(TarError::Truncated(e)) => scan.warn(
                    WarningKind::Image,
                    Some(&file.display().to_string()),
                    format!("truncated image archive: {e}"),
                ),
            }
            for (path, digest) in &wanted {
                if !scanned.contains_key(path) {
                    scan.warn(
                        WarningKind::Image,
                        Some(&format!("layer {digest}")),
                        format!("layer blob {path} is missing from the archive"),
                    );
                }
            }
        }
    }
    // Report: per image, layers bottom-up, with visibility in that image;
    // a layer shared by several images is reported with the first.
    let mut reported: HashSet<String> = HashSet::new();
    let mut pending: HashMap<String, Vec<(String, Vec<Finding>)>> = scanned
        .iter_mut()
        .map(|(path, layer)| (path.clone(), std::mem::take(&mut layer.findings)))
        .collect();
    for image in &images {
        let created_by = image.created_by();
        let empty = LayerIndex::default();
        let indexes: Vec<&LayerIndex> = image
            .layers
            .iter()
            .map(|(p, _)| scanned.get(p).map_or(&empty, |l| &l.index))
            .collect();
        for (i, (path, digest)) in image.layers.iter().enumerate() {
            if !reported.insert(path.clone()) {
                continue;
            }
            let Some(layer_findings) = pending.remove(path) else {
                continue;
            };
            for (file, findings) in layer_findings {
                let top_file = file.split('!').next().unwrap_or(&file).to_string();
                let deleted = hidden_by(&indexes, i, &top_file);
                let origin = Arc::new(Origin::ImageLayer {
                    path: file.clone(),
                    image: image.name.clone(),
                    layer_index: i,
                    layer_digest: digest.clone(),
                    created_by: created_by[i].clone(),
                    visible: deleted.is_none(),
                    hidden_by_layer: deleted,
                });
                scan.report(findings, &Provenance::origin(origin));
            }
        }
        if !image.config_name.is_empty() && reported.insert(format!("config:{}", image.config_name)) {
            scan.report(scan_config(scan, image), &Provenance::none());
        }
    }
    Ok(ImageStats {
        images: images.len(),
        layers: scanned.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_documents_are_kept_within_a_total_budget() {
        let mut b = tar::Builder::new(Vec::new());
        let mut add = |name: &str, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_mode(0o644);
            h.set_size(data.len() as u64);
            h.set_cksum();
            b.append_data(&mut h, name, data).unwrap();
        };
        let doc = |i: usize| {
            let mut d = format!("{{\"n\":{i},\"pad\":\"").into_bytes();
            d.resize(998, b'x');
            d.extend_from_slice(b"\"}");
            d
        };
        add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
        // Layer-like blobs are not documents: they cost nothing.
        for i in 0..5 {
            add(&format!("blobs/sha256/layer{i}"), &[0x1f; 4000]);
        }
        for i in 0..50 {
            add(&format!("blobs/sha256/doc{i:02}"), &doc(i));
        }
        add("manifest.json", &doc(99));
        let tar = b.into_inner().unwrap();

        let budget = 10_000;
        let (docs, over) = read_tar_documents(std::io::Cursor::new(&tar), budget).unwrap();
        let total: usize = docs.values().map(Vec::len).sum();
        assert!(total as u64 <= budget, "{total} bytes kept");
        // oci-layout (30 bytes) and nine 1000-byte documents fit.
        assert_eq!(docs.len(), 10, "{:?}", docs.keys().collect::<Vec<_>>());
        assert!(docs.contains_key("oci-layout") && docs.contains_key("blobs/sha256/doc08"));
        assert!(!docs.contains_key("blobs/sha256/doc09") && !docs.contains_key("manifest.json"));
        assert!(docs.keys().all(|k| !k.contains("layer")));
        let over = over.expect("the budget was exceeded");
        assert_eq!(
            over,
            DocumentBudgetExceeded {
                skipped: 42,
                bytes: 42_000,
                first: "blobs/sha256/doc09".into(),
                budget,
            }
        );
        assert!(over.to_string().contains("10000-byte memory budget"), "{over}");

        // Within the default budget everything is kept, with no warning.
        let (docs, over) = read_tar_documents(std::io::Cursor::new(&tar), MAX_DOCUMENTS_TOTAL).unwrap();
        assert_eq!((docs.len(), over), (52, None));
        assert_eq!(docs["blobs/sha256/doc07"], doc(7));
    }

    #[test]
    fn paths_leaving_the_image_are_refused() {
        for ok in [
            "manifest.json",
            "./abc/layer.tar",
            "blobs/sha256/abc",
            "a/./b",
            "..a/b..",
            "",
        ] {
            assert_eq!(contained(ok), Ok(()), "{ok}");
        }
        for absolute in ["/etc/passwd", "//etc/passwd", "/"] {
            assert_eq!(contained(absolute), Err(UnsafePath::Absolute(absolute.into())));
        }
        for climbing in ["..", "../../etc/passwd", "blobs/sha256/../../../x", "a/../b", "./.."] {
            assert_eq!(contained(climbing), Err(UnsafePath::ParentDir(climbing.into())));
        }
        assert!(contained(&blob_path("sha256:../../../etc/passwd")).is_err());
        assert!(contained(&blob_path("/etc/passwd")).is_err());
    }

    #[test]
    fn whiteouts_and_overwrites_hide_lower_files() {
        let mut top = LayerIndex::default();
        top.whiteouts.insert("app/.env".into());
        let mut mid = LayerIndex::default();
        mid.opaque.insert("etc".into());
        let bottom = LayerIndex::default();
        let mut over = LayerIndex::default();
        over.files.insert("root/.aws/credentials".into());
        let layers = [&bottom, &mid, &top, &over];
        assert_eq!(hidden_by(&layers, 0, "app/.env"), Some(2));
        assert_eq!(hidden_by(&layers, 0, "etc/passwd"), Some(1));
        assert_eq!(hidden_by(&layers, 0, "root/.aws/credentials"), Some(3));
        assert_eq!(hidden_by(&layers, 0, "srv/app.py"), None);
        assert_eq!(hidden_by(&layers, 2, "etc/passwd"), None);
    }
}
