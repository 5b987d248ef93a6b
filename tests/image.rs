//! Container images end to end, on real image archives the test builds:
//! docker-save (plain and gzip) and OCI layouts (directory and tar, gzip
//! and zstd layers, multi-platform), whiteouts, config secrets, nested jars
//! and damaged inputs.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use serde_json::json;
use sha2::{Digest, Sha256};

enum Item<'a> {
    File(&'a str, Vec<u8>),
    Whiteout(&'a str),
    Opaque(&'a str),
    Symlink(&'a str, &'a str),
}

fn layer_tar(items: &[Item<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for item in items {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match item {
            Item::File(path, data) => {
                h.set_size(data.len() as u64);
                // Raw name bytes: the builder (rightly) refuses `..`, but a
                // hostile layer can carry anything.
                h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
                h.set_cksum();
                b.append(&h, data.as_slice()).unwrap();
            }
            Item::Whiteout(path) | Item::Opaque(path) => {
                let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
                let marker = match item {
                    Item::Whiteout(_) => format!(".wh.{name}"),
                    _ => ".wh..wh..opq".to_string(),
                };
                let full = if matches!(item, Item::Opaque(_)) {
                    format!("{path}/{marker}")
                } else if dir.is_empty() {
                    marker
                } else {
                    format!("{dir}/{marker}")
                };
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, full, &[][..]).unwrap();
            }
            Item::Symlink(path, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                b.append_link(&mut h, path, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn digest(data: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(data))
}

fn jar(member: &str, content: &str) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        z.start_file(member, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(content.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    out.into_inner()
}

/// The test image: what each layer holds and the secrets it plants.
struct Fixture {
    layers: Vec<Vec<u8>>,
    config: serde_json::Value,
    aws_key: String,
    env_token: String,
    jar_token: String,
    config_token: String,
    history_token: String,
    replaced_token: String,
    opaque_token: String,
}

fn fixture() -> Fixture {
    let mut rng = Rng::new(404);
    let aws_key = format!("AKIA{}", rng.string("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
    let env_token = github_token(&mut rng, "ghp_");
    let jar_token = github_token(&mut rng, "ghp_");
    let config_token = github_token(&mut rng, "ghp_");
    let history_token = github_token(&mut rng, "npm_");
    let replaced_token = github_token(&mut rng, "gho_");
    let opaque_token = github_token(&mut rng, "ghs_");
    let base = layer_tar(&[
        Item::File("etc/os-release", b"NAME=\"Debian\"\nVERSION_ID=\"12\"\n".to_vec()),
        Item::File(
            "root/.aws/credentials",
            format!("[default]\naws_access_key_id = {aws_key}\n").into_bytes(),
        ),
        Item::File(
            "app/.env",
            format!("# app settings\nGITHUB_TOKEN={env_token}\n").into_bytes(),
        ),
        Item::File("app/settings.yaml", format!("token: {replaced_token}\n").into_bytes()),
        Item::File(
            "app/docs.md",
            b"Use AKIAIOSFODNN7EXAMPLE from the AWS docs, or ${API_TOKEN}.\n".to_vec(),
        ),
        Item::Symlink("app/loop", "loop"),
        Item::File(
            "opt/old/deploy.env",
            format!("DEPLOY_TOKEN={opaque_token}\n").into_bytes(),
        ),
    ]);
    let libs = layer_tar(&[Item::File(
        "app/lib/service.jar",
        jar(
            "BOOT-INF/classes/application.properties",
            &format!("server.port=8080\ngithub.token={jar_token}\n"),
        ),
    )]);
    let cleanup = layer_tar(&[
        Item::Whiteout("app/.env"),
        Item::File("app/settings.yaml", b"token: ${TOKEN}\n".to_vec()),
        Item::Opaque("opt/old"),
    ]);
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "config": {
            "Env": ["PATH=/usr/local/bin:/usr/bin", format!("GITHUB_TOKEN={config_token}")],
            "Cmd": ["python", "app.py"],
            "Labels": {"maintainer": "team@example.com"}
        },
        "rootfs": {"type": "layers", "diff_ids": [digest(&base), digest(&libs), digest(&cleanup)]},
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:base in / "},
            {"created_by": format!("/bin/sh -c #(nop) ARG NPM_TOKEN={history_token}"), "empty_layer": true},
            {"created_by": "COPY service.jar /app/lib/ # buildkit"},
            {"created_by": "RUN /bin/sh -c rm /app/.env && echo clean # buildkit"}
        ]
    });
    Fixture {
        layers: vec![base, libs, cleanup],
        config,
        aws_key,
        env_token,
        jar_token,
        config_token,
        history_token,
        replaced_token,
        opaque_token,
    }
}

fn tar_file(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.into_inner().unwrap()
}

/// A legacy `docker save` archive: manifest.json, config, <id>/layer.tar.
fn docker_save(f: &Fixture) -> Vec<u8> {
    let config = serde_json::to_vec(&f.config).unwrap();
    let config_name = format!("{}.json", &digest(&config)[7..]);
    let mut entries = vec![];
    let mut layer_names = vec![];
    for (i, layer) in f.layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        layer_names.push(name.clone());
        entries.push((name, layer.clone()));
    }
    let manifest = json!([{"Config": config_name, "RepoTags": ["acme/app:1.0"], "Layers": layer_names}]);
    entries.insert(0, ("manifest.json".to_string(), serde_json::to_vec(&manifest).unwrap()));
    entries.push((config_name, config));
    tar_file(&entries)
}

/// An OCI layout's files: (path, bytes), with compressed layers and an
/// index; `platforms` > 1 makes a multi-platform index.
fn oci_layout(f: &Fixture, compress: fn(&[u8]) -> Vec<u8>, media: &str, platforms: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("oci-layout".to_string(), br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec())];
    let blob = |data: &[u8]| (format!("blobs/sha256/{}", &digest(data)[7..]), data.to_vec());
    let mut descriptors = vec![];
    for platform in platforms {
        let config = serde_json::to_vec(&f.config).unwrap();
        let layers: Vec<Vec<u8>> = f.layers.iter().map(|l| compress(l)).collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(&config), "size": config.len()},
            "layers": layers.iter().map(|l| json!({"mediaType": media, "digest": digest(l), "size": l.len()})).collect::<Vec<_>>()
        });
        let manifest = serde_json::to_vec(&manifest).unwrap();
        let (os, arch) = platform.split_once('/').unwrap();
        descriptors.push(json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest(&manifest), "size": manifest.len(), "platform": {"os": os, "architecture": arch}}));
        files.push(blob(&config));
        files.push(blob(&manifest));
        files.extend(layers.iter().map(|l| blob(l)));
    }
    let index = if platforms.len() == 1 {
        let mut d = descriptors.pop().unwrap();
        d["annotations"] = json!({"org.opencontainers.image.ref.name": "acme/app:1.0"});
        json!({"schemaVersion": 2, "manifests": [d]})
    } else {
        let inner = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descriptors})).unwrap();
        files.push(blob(&inner));
        json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest(&inner), "size": inner.len(), "annotations": {"org.opencontainers.image.ref.name": "acme/app:1.0"}}]})
    };
    files.push(("index.json".to_string(), serde_json::to_vec(&index).unwrap()));
    files.dedup_by(|a, b| a.0 == b.0);
    files
}

fn write_tree(root: &Path, files: &[(String, Vec<u8>)]) {
    for (path, data) in files {
        write(root, path, data);
    }
}

fn scan(dir: &Path, source: &str, extra: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let mut args = vec!["image", source, "-f", "jsonl", "--show-secrets"];
    args.extend_from_slice(extra);
    let out = run_in(dir, &args);
    (code(&out), jsonl(&out), stderr(&out))
}

fn one<'a>(findings: &'a [serde_json::Value], secret: &str) -> &'a serde_json::Value {
    let hits: Vec<&serde_json::Value> = findings.iter().filter(|f| f["secret"] == secret).collect();
    assert_eq!(hits.len(), 1, "{secret}: {findings:#?}");
    hits[0]
}

fn check_fixture(f: &Fixture, findings: &[serde_json::Value]) {
    let aws = one(findings, &f.aws_key);
    assert_eq!(aws["path"], "root/.aws/credentials");
    assert_eq!(aws["line"], 2);
    assert_eq!(aws["origin"]["layer_index"], 0);
    assert_eq!(aws["origin"]["visible"], true);
    assert!(aws["origin"]["created_by"].as_str().unwrap().contains("ADD file:base"));
    let env = one(findings, &f.env_token);
    assert_eq!(env["path"], "app/.env");
    assert_eq!(env["origin"]["visible"], false, "deleted by a whiteout");
    assert_eq!(env["origin"]["hidden_by_layer"], 2);
    let replaced = one(findings, &f.replaced_token);
    assert_eq!(replaced["origin"]["hidden_by_layer"], 2, "overwritten by a later layer");
    let opaque = one(findings, &f.opaque_token);
    assert_eq!(opaque["origin"]["hidden_by_layer"], 2, "hidden by an opaque directory");
    let jar = one(findings, &f.jar_token);
    assert_eq!(
        jar["path"],
        "app/lib/service.jar!BOOT-INF/classes/application.properties"
    );
    assert_eq!(jar["origin"]["layer_index"], 1);
    assert_eq!(jar["origin"]["visible"], true);
    assert!(jar["origin"]["created_by"]
        .as_str()
        .unwrap()
        .contains("COPY service.jar"));
    let env_var = one(findings, &f.config_token);
    assert_eq!(env_var["origin"]["kind"], "image_config");
    assert_eq!(env_var["origin"]["field"], "Env[1]");
    let history = one(findings, &f.history_token);
    assert_eq!(history["origin"]["field"], "history[1].created_by");
    assert!(
        !findings.iter().any(|x| x["path"] == "app/docs.md"),
        "decoys stay silent"
    );
    assert_eq!(findings.len(), 7, "{findings:#?}");
}

#[test]
fn docker_save_archives_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let archive = docker_save(&f);
    write(dir.path(), "app.tar", &archive);
    write(dir.path(), "app.tar.gz", gzip(&archive));
    for source in ["app.tar", "app.tar.gz"] {
        let (code, findings, err) = scan(dir.path(), source, &[]);
        assert_eq!(code, 1, "{source}: {err}");
        check_fixture(&f, &findings);
        assert!(findings.iter().all(|x| x["origin"]["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("acme/app:1.0"))));
    }
}

/// Issue 20: an image scan on a terminal shows its layers counted; piped,
/// nothing.
#[test]
fn image_scan_counts_layers_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    write(dir.path(), "app.tar", docker_save(&f));
    let drawn = run_on_terminal(
        dir.path(),
        &["image", "app.tar", "-o", "/dev/null"],
        &[("KEYHOUND_PROGRESS_DELAY_MS", "0")],
    );
    let layers = f.layers.len();
    assert!(
        drawn.contains(&format!("scanning layers {layers}/{layers}")),
        "no layer count on the terminal: {drawn:?}"
    );
    let (_, _, piped) = scan(dir.path(), "app.tar", &[]);
    assert!(!piped.contains("scanning layers"), "progress on a pipe: {piped}");
}

#[test]
fn oci_layouts_directory_and_tar_with_gzip_and_zstd_layers() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let gz = oci_layout(
        &f,
        gzip,
        "application/vnd.oci.image.layer.v1.tar+gzip",
        &["linux/amd64"],
    );
    write_tree(&dir.path().join("oci-gz"), &gz);
    let zst = oci_layout(
        &f,
        |d| zstd::stream::encode_all(d, 3).unwrap(),
        "application/vnd.oci.image.layer.v1.tar+zstd",
        &["linux/amd64"],
    );
    write(dir.path(), "oci-zstd.tar", tar_file(&zst));
    for source in ["oci-gz", "oci-zstd.tar"] {
        let (code, findings, err) = scan(dir.path(), source, &[]);
        assert_eq!(code, 1, "{source}: {err}");
        check_fixture(&f, &findings);
        let digest = findings.iter().find(|x| x["secret"] == f.aws_key).unwrap()["origin"]["layer_digest"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");
    }
    let sarif: serde_json::Value =
        serde_json::from_slice(&run_in(dir.path(), &["image", "oci-gz", "-f", "sarif"]).stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    assert!(json_schema::JsonSchema::new(schema).is_valid(&sarif));
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "root/.aws/credentials")
        .unwrap()
        .clone();
    assert!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .contains("layer 0"),
        "{result}"
    );
}

#[test]
fn multi_platform_index_scans_all_or_the_chosen_platform_and_layers_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let files = oci_layout(
        &f,
        gzip,
        "application/vnd.oci.image.layer.v1.tar+gzip",
        &["linux/amd64", "linux/arm64"],
    );
    write_tree(&dir.path().join("multi"), &files);
    let out = run_in(dir.path(), &["image", "multi", "-f", "jsonl", "--show-secrets"]);
    let err = stderr(&out);
    assert!(
        err.contains("2 image(s), 3 distinct layer(s)"),
        "identical layers are scanned once: {err}"
    );
    check_fixture(&f, &jsonl(&out));
    let (_, arm, _) = scan(dir.path(), "multi", &["--platform", "linux/arm64"]);
    assert!(arm
        .iter()
        .all(|x| x["origin"]["image"].as_str().unwrap().contains("linux/arm64")));
    let (code, _, err) = scan(dir.path(), "multi", &["--platform", "windows/amd64"]);
    assert_eq!(code, 2);
    assert!(err.contains("no image for platform"), "{err}");
}

#[test]
fn damaged_images_warn_and_keep_going() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let mut files = oci_layout(
        &f,
        gzip,
        "application/vnd.oci.image.layer.v1.tar+gzip",
        &["linux/amd64"],
    );
    // Truncate the libs layer (index 1) and add a manifest naming a missing blob.
    let libs = gzip(&f.layers[1]);
    let libs_path = format!("blobs/sha256/{}", &digest(&libs)[7..]);
    for (path, data) in files.iter_mut() {
        if *path == libs_path {
            data.truncate(data.len() / 2);
        }
    }
    write_tree(&dir.path().join("damaged"), &files);
    let (code, findings, err) = scan(dir.path(), "damaged", &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&digest(&libs)), "warning names the layer: {err}");
    assert!(
        findings.iter().any(|x| x["secret"] == f.aws_key),
        "other layers still scanned"
    );
    // A missing layer blob.
    std::fs::remove_file(dir.path().join("damaged").join(&libs_path)).unwrap();
    let (code, _, err) = scan(dir.path(), "damaged", &[]);
    assert_eq!(code, 1);
    assert!(err.contains("missing"), "{err}");
    // '..' in an entry name and an oversized file: warned, never written anywhere.
    let evil = layer_tar(&[
        Item::File("../../escape.env", format!("T={}\n", f.env_token).into_bytes()),
        Item::File("big.bin", vec![1u8; 200_000]),
    ]);
    let mut g = Fixture {
        layers: vec![evil],
        ..fixture()
    };
    g.config["rootfs"]["diff_ids"] = json!([digest(&g.layers[0])]);
    write(dir.path(), "evil.tar", docker_save(&g));
    let (code, findings, err) = scan(dir.path(), "evil.tar", &["--max-file-size", "100K"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("escape.env") && err.contains(".."), "{err}");
    assert!(err.contains("big.bin"), "{err}");
    assert!(findings.iter().any(|x| x["secret"] == f.env_token));
    assert!(!dir.path().parent().unwrap().join("escape.env").exists());
    // Not an image at all.
    write(dir.path(), "notes.txt", "just text\n");
    let (code, _, err) = scan(dir.path(), "notes.txt", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("not a container image"), "{err}");
}

/// A real Distribution registry (Debian's `docker-registry`) on loopback,
/// with its storage in a temporary directory; killed on drop.
struct LocalRegistry {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl LocalRegistry {
    fn start() -> LocalRegistry {
        let binary = ["/usr/bin/docker-registry", "/usr/local/bin/docker-registry"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("the registry tests need Debian's docker-registry package (apt-get install docker-registry); ./test installs it");
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        write(dir.path(), "config.yml", config);
        let child = std::process::Command::new(binary)
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let registry = LocalRegistry { child, port, _dir: dir };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while ureq::get(&registry.url("/v2/")).call().is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "registry did not come up on port {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        registry
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Pushes an OCI layout's blobs and manifests under `repo:tag` over the
    /// registry API (monolithic blob uploads).
    fn push(&self, repo: &str, tag: &str, files: &[(String, Vec<u8>)]) {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let by_digest = |d: &str| {
            files
                .iter()
                .find(|(p, _)| *p == format!("blobs/sha256/{}", &d[7..]))
                .map(|(_, b)| b.clone())
        };
        let index: serde_json::Value =
            serde_json::from_slice(&files.iter().find(|(p, _)| p == "index.json").unwrap().1).unwrap();
        let top = index["manifests"][0].clone();
        let top_bytes = by_digest(top["digest"].as_str().unwrap()).unwrap();
        let top_doc: serde_json::Value = serde_json::from_slice(&top_bytes).unwrap();
        let manifests: Vec<(String, Vec<u8>)> = match top_doc.get("manifests") {
            Some(list) => list
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    let d = m["digest"].as_str().unwrap().to_string();
                    let bytes = by_digest(&d).unwrap();
                    (d, bytes)
                })
                .collect(),
            None => vec![(top["digest"].as_str().unwrap().to_string(), top_bytes.clone())],
        };
        for (_, manifest) in &manifests {
            let doc: serde_json::Value = serde_json::from_slice(manifest).unwrap();
            let mut blobs = vec![doc["config"]["digest"].as_str().unwrap().to_string()];
            blobs.extend(
                doc["layers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["digest"].as_str().unwrap().to_string()),
            );
            for digest in blobs {
                let start = agent
                    .post(&self.url(&format!("/v2/{repo}/blobs/uploads/")))
                    .send_empty()
                    .unwrap();
                assert_eq!(start.status().as_u16(), 202);
                let location = start.headers().get("location").unwrap().to_str().unwrap().to_string();
                let location = if location.starts_with("http") {
                    location
                } else {
                    self.url(&location)
                };
                let sep = if location.contains('?') { '&' } else { '?' };
                let done = agent
                    .put(&format!("{location}{sep}digest={digest}"))
                    .send(&by_digest(&digest).unwrap()[..])
                    .unwrap();
                assert_eq!(done.status().as_u16(), 201, "upload {digest}");
            }
        }
        let put = |reference: &str, media: &str, bytes: &[u8]| {
            let r = agent
                .put(&self.url(&format!("/v2/{repo}/manifests/{reference}")))
                .header("Content-Type", media)
                .send(bytes)
                .unwrap();
            assert_eq!(r.status().as_u16(), 201, "manifest {reference}");
        };
        if top_doc.get("manifests").is_some() {
            for (digest, bytes) in &manifests {
                put(digest, "application/vnd.oci.image.manifest.v1+json", bytes);
            }
            put(tag, "application/vnd.oci.image.index.v1+json", &top_bytes);
        } else {
            put(tag, "application/vnd.oci.image.manifest.v1+json", &top_bytes);
        }
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn images_are_pulled_from_a_real_registry_and_streamed() {
    let registry = LocalRegistry::start();
    let f = fixture();
    let single = oci_layout(
        &f,
        gzip,
        "application/vnd.oci.image.layer.v1.tar+gzip",
        &["linux/amd64"],
    );
    registry.push("acme/app", "1.0", &single);
    let multi = oci_layout(
        &f,
        |d| zstd::stream::encode_all(d, 3).unwrap(),
        "application/vnd.oci.image.layer.v1.tar+zstd",
        &["linux/amd64", "linux/arm64"],
    );
    registry.push("acme/multi", "2.0", &multi);
    let dir = tempfile::tempdir().unwrap();
    let reference = format!("127.0.0.1:{}/acme/app:1.0", registry.port);
    let (code, findings, err) = scan(dir.path(), &reference, &["--insecure-registry"]);
    assert_eq!(code, 1, "{err}");
    check_fixture(&f, &findings);
    assert!(findings
        .iter()
        .all(|x| x["origin"]["image"].as_str().unwrap().contains("acme/app:1.0")));
    let (code, findings, err) = scan(
        dir.path(),
        &format!("127.0.0.1:{}/acme/multi:2.0", registry.port),
        &["--insecure-registry", "--platform", "linux/arm64"],
    );
    assert_eq!(code, 1, "{err}");
    check_fixture(&f, &findings);
    assert!(findings
        .iter()
        .filter(|x| x["origin"]["kind"] == "image_layer")
        .all(|x| x["origin"]["image"].as_str().unwrap().contains("linux/arm64")));
    assert!(!dir.path().read_dir().unwrap().any(|_| true), "nothing written to disk");
    // A tag that does not exist: a clear error, exit 2.
    let (code, _, err) = scan(
        dir.path(),
        &format!("127.0.0.1:{}/acme/app:nope", registry.port),
        &["--insecure-registry"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("404"), "{err}");
}

/// A token-guarded front for the real registry: `/v2/…` needs a bearer
/// token, which `/token` issues only for basic credentials `ci:s3cret` —
/// the flow Docker Hub, GHCR and most registries use.
fn bearer_front(upstream: String) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let tokens = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let issued = tokens.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                headers.push(line.trim().to_string());
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let header = |name: &str| {
                headers.iter().find_map(|h| {
                    h.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.trim().to_string())
                })
            };
            let mut out = stream;
            let respond = |out: &mut std::net::TcpStream, status: &str, extra: &str, body: &[u8]| {
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n",
                    body.len()
                );
                let _ = out.write_all(head.as_bytes());
                let _ = out.write_all(body);
            };
            if path.starts_with("/token") {
                use base64::Engine;
                let good = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode("ci:s3cret")
                );
                if header("authorization").as_deref() == Some(good.as_str())
                    && path.contains("scope=repository%3Aacme%2Fapp%3Apull")
                {
                    issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    respond(
                        &mut out,
                        "200 OK",
                        "Content-Type: application/json\r\n",
                        br#"{"token":"good-token"}"#,
                    );
                } else {
                    respond(&mut out, "401 Unauthorized", "", b"{}");
                }
                continue;
            }
            if header("authorization").as_deref() != Some("Bearer good-token") {
                let challenge = format!("WWW-Authenticate: Bearer realm=\"http://127.0.0.1:{port}/token\",service=\"keyhound-test\",scope=\"repository:acme/app:pull\"\r\n");
                respond(&mut out, "401 Unauthorized", &challenge, b"{}");
                continue;
            }
            let mut request = ureq::get(&format!("{upstream}{path}"));
            if let Some(accept) = header("accept") {
                request = request.header("Accept", accept);
            }
            match request.call() {
                Ok(mut response) => {
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("application/octet-stream")
                        .to_string();
                    let body = response.body_mut().with_config().limit(1 << 30).read_to_vec().unwrap();
                    respond(&mut out, "200 OK", &format!("Content-Type: {content_type}\r\n"), &body);
                }
                Err(_) => respond(&mut out, "404 Not Found", "", b"{}"),
            }
        }
    });
    (port, tokens)
}

#[test]
fn registry_bearer_tokens_with_flag_and_docker_config_credentials() {
    let registry = LocalRegistry::start();
    let f = fixture();
    registry.push(
        "acme/app",
        "1.0",
        &oci_layout(
            &f,
            gzip,
            "application/vnd.oci.image.layer.v1.tar+gzip",
            &["linux/amd64"],
        ),
    );
    let (port, tokens) = bearer_front(registry.url(""));
    let dir = tempfile::tempdir().unwrap();
    let reference = format!("127.0.0.1:{port}/acme/app:1.0");
    // No credentials: the token endpoint refuses, the scan fails clearly.
    let (code, _, err) = scan(dir.path(), &reference, &["--insecure-registry"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("401"), "{err}");
    // Credentials from flags.
    let (code, findings, err) = scan(
        dir.path(),
        &reference,
        &[
            "--insecure-registry",
            "--registry-username",
            "ci",
            "--registry-password",
            "s3cret",
        ],
    );
    assert_eq!(code, 1, "{err}");
    check_fixture(&f, &findings);
    assert!(!err.contains("sending registry credentials"), "{err}");
    // --verbose says which host received them.
    let (code, _, err) = scan(
        dir.path(),
        &reference,
        &[
            "--insecure-registry",
            "--registry-username",
            "ci",
            "--registry-password",
            "s3cret",
            "--verbose",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "sending registry credentials to 127.0.0.1:{port} (token realm)"
        )),
        "{err}"
    );
    // Credentials from ~/.docker/config.json.
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode("ci:s3cret");
    write(
        dir.path(),
        "docker/config.json",
        format!("{{\"auths\": {{\"127.0.0.1:{port}\": {{\"auth\": \"{auth}\"}}}}}}"),
    );
    let out = keyhound()
        .current_dir(dir.path())
        .env("DOCKER_CONFIG", dir.path().join("docker"))
        .args([
            "image",
            &reference,
            "--insecure-registry",
            "-f",
            "jsonl",
            "--show-secrets",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    check_fixture(&f, &jsonl(&out));
    assert!(
        tokens.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "a token was fetched per run"
    );
}

#[test]
fn manifest_paths_leaving_the_image_are_warned_about_and_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(77);
    let (outside_layer_token, outside_config_token, outside_manifest_token, inside_token) = (
        github_token(&mut rng, "ghp_"),
        github_token(&mut rng, "ghp_"),
        github_token(&mut rng, "ghp_"),
        github_token(&mut rng, "ghp_"),
    );
    // Secret-bearing files next to the images, outside them.
    let outside = dir.path().join("outside");
    let outside_layer = layer_tar(&[Item::File(
        "etc/leak.env",
        format!("T={outside_layer_token}\n").into_bytes(),
    )]);
    write(&outside, "layer.tar", &outside_layer);
    let outside_config = json!({"config": {"Env": [format!("GITHUB_TOKEN={outside_config_token}")]}});
    write(&outside, "config.json", serde_json::to_vec(&outside_config).unwrap());
    let inside = layer_tar(&[Item::File("app/.env", format!("T={inside_token}\n").into_bytes())]);
    let absolute_layer = outside.join("layer.tar").display().to_string();

    // A docker-save directory whose manifest climbs out and names absolute paths.
    let manifest = json!([{
        "Config": "../outside/config.json",
        "RepoTags": ["acme/evil:1"],
        "Layers": ["good/layer.tar", "../outside/layer.tar", absolute_layer]
    }]);
    let docker = dir.path().join("docker");
    write(&docker, "manifest.json", serde_json::to_vec(&manifest).unwrap());
    write(&docker, "good/layer.tar", &inside);
    // Every warning, not the summary's first few of each kind.
    let (code, findings, err) = scan(dir.path(), "docker", &["--verbose"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("\"../outside/config.json\" climbs out of the image"),
        "{err}"
    );
    assert!(
        err.contains("\"../outside/layer.tar\" climbs out of the image"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{absolute_layer:?} is an absolute path")),
        "{err}"
    );
    one(&findings, &inside_token);
    assert_eq!(findings.len(), 1, "nothing outside the image is read: {findings:#?}");

    // An OCI layout whose index and manifest digests climb out of blobs/.
    let oci = dir.path().join("oci");
    let evil_manifest = json!({
        "schemaVersion": 2,
        "config": {"digest": "sha256:../../../outside/config.json"},
        "layers": [{"digest": digest(&inside)}]
    });
    write(&outside, "manifest.json", serde_json::to_vec(&evil_manifest).unwrap());
    write(
        &outside,
        "manifest-layer.tar",
        layer_tar(&[Item::File(
            "x.env",
            format!("T={outside_manifest_token}\n").into_bytes(),
        )]),
    );
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "config": {"digest": "sha256:../../../outside/config.json"},
        "layers": [
            {"digest": digest(&inside)},
            {"digest": "sha256:../../../outside/manifest-layer.tar"},
            {"digest": absolute_layer},
        ]
    }))
    .unwrap();
    let index = json!({"schemaVersion": 2, "manifests": [
        {"digest": "sha256:../../../outside/manifest.json", "annotations": {"org.opencontainers.image.ref.name": "evil:1"}},
        {"digest": digest(&manifest), "annotations": {"org.opencontainers.image.ref.name": "acme/app:1"}}
    ]});
    write(&oci, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    write(&oci, "index.json", serde_json::to_vec(&index).unwrap());
    write(&oci, &format!("blobs/sha256/{}", &digest(&manifest)[7..]), &manifest);
    write(&oci, &format!("blobs/sha256/{}", &digest(&inside)[7..]), &inside);
    let (code, findings, err) = scan(dir.path(), "oci", &["--verbose"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("manifest \"blobs/sha256/../../../outside/manifest.json\" climbs out of the image"),
        "{err}"
    );
    assert!(
        err.contains("image config \"blobs/sha256/../../../outside/config.json\" climbs out"),
        "{err}"
    );
    assert!(
        err.contains("blobs/sha256/../../../outside/manifest-layer.tar"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{absolute_layer:?} is an absolute path")),
        "{err}"
    );
    let hit = one(&findings, &inside_token);
    assert_eq!(hit["origin"]["layer_index"], 0);
    assert_eq!(findings.len(), 1, "nothing outside the image is read: {findings:#?}");
}
