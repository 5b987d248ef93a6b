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
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&sarif));
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
