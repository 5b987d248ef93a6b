//! `keyhound s3://…` against a real S3 implementation on 127.0.0.1: moto in
//! server mode (PyPI). The credentials test turns moto's IAM checks on, so
//! every request keyhound sends must carry a valid SigV4 signature of the
//! test's IAM user (a wrong secret is refused with `SignatureDoesNotMatch`,
//! as on AWS). moto's check miscomputes the signature of any request whose
//! query holds a `/` (boto3's own `list_objects_v2(Prefix="a/")` is refused
//! too), so the tests that list under a prefix run with the checks off.
//! Buckets are filled through boto3 (tests/servers/s3_bucket.py); keys in
//! them are generated fakes of valid structure.
//!
//! Only S3 is served: moto emulates no GCS or Azure endpoint, so `gs://`
//! and `az://` are covered here by their refusals alone.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::{json, Value};

/// The S3 server, its endpoint, and the IAM user's key the fixture made.
struct S3 {
    _server: Server,
    endpoint: String,
    id: String,
    secret: String,
    /// `(bucket, key, version id)` of every put, in order.
    versions: Vec<(String, String, String)>,
}

/// One object to put: its key and its bytes.
type Put = (&'static str, Vec<u8>);

/// Whether moto checks signatures against its IAM users.
#[derive(Clone, Copy, PartialEq)]
enum Auth {
    Checked,
    Off,
}

/// Starts moto on a free port and fills `buckets` (name, versioned, puts).
fn s3_with(dir: &Path, auth: Auth, buckets: &[(&str, bool, Vec<Put>)]) -> S3 {
    let port = free_port();
    let mut command = Command::new("python3");
    command.args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()]);
    if auth == Auth::Checked {
        // The fixture's first three calls (create the IAM user, its policy
        // and its key) go unauthenticated; every later request is checked.
        command.env("INITIAL_NO_AUTH_ACTION_COUNT", "3");
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 -m moto.server: install moto[server] from PyPI (./test does)");
    wait_for_port(port, "moto server", &mut child);
    let server = Server(child);
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut spec = Vec::new();
    for (n, (name, versioned, puts)) in buckets.iter().enumerate() {
        let mut objects = Vec::new();
        for (m, (key, bytes)) in puts.iter().enumerate() {
            let file = dir.join(format!("put-{n}-{m}"));
            std::fs::write(&file, bytes).unwrap();
            objects.push(json!({"key": key, "file": file}));
        }
        spec.push(json!({"name": name, "versioned": versioned, "objects": objects}));
    }
    let spec_file = dir.join("spec.json");
    std::fs::write(&spec_file, json!({ "buckets": spec }).to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/servers/s3_bucket.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&endpoint)
        .arg(&spec_file)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "filling the bucket failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).unwrap();
    S3 {
        _server: server,
        endpoint,
        id: made["id"].as_str().unwrap().to_string(),
        secret: made["secret"].as_str().unwrap().to_string(),
        versions: made["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v[0].as_str().unwrap().to_string(),
                    v[1].as_str().unwrap().to_string(),
                    v[2].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect(),
    }
}

/// keyhound with no AWS settings of the caller's environment, so only what
/// a test gives reaches it.
fn keyhound_clean(dir: &Path) -> Command {
    let mut cmd = keyhound();
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(dir).env("HOME", dir);
    cmd
}

/// keyhound signed in as the fixture's IAM user through the environment.
fn run_signed(s3: &S3, dir: &Path, args: &[&str]) -> Output {
    keyhound_clean(dir)
        .env("AWS_ACCESS_KEY_ID", &s3.id)
        .env("AWS_SECRET_ACCESS_KEY", &s3.secret)
        .args(args)
        .args(["--endpoint", &s3.endpoint])
        .output()
        .unwrap()
}

fn findings(out: &Output) -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)));
    doc["findings"].as_array().unwrap().clone()
}

fn urls(found: &[Value]) -> Vec<String> {
    let mut urls: Vec<String> = found
        .iter()
        .map(|f| f["origin"]["url"].as_str().unwrap().to_string())
        .collect();
    urls.sort();
    urls
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, bytes) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn tar_gz_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, *bytes).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn env_file(id: &str) -> Vec<u8> {
    format!("AWS_ACCESS_KEY_ID={id}\n").into_bytes()
}

#[test]
fn bucket_objects_archives_inside_them_and_a_streamed_log_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x53_33);
    let keys: Vec<String> = (0..4).map(|_| aws_key_id(&mut rng)).collect();
    // A CI log whose gzip object is larger than --max-file-size 1M (random
    // build ids keep it from compressing away), so it is streamed in chunks
    // and decompressed as it arrives; the key sits on line 40001.
    let mut log = String::new();
    for n in 0..40_000 {
        let id = rng.string("0123456789abcdef", 48);
        log.push_str(&format!("step {n}: artefact {id} ... ok\n"));
    }
    log.push_str(&format!("export AWS_ACCESS_KEY_ID={}\n", keys[3]));
    log.push_str("done\n");
    let inner_zip = zip_of(&[("settings/aws.env", &env_file(&keys[2]))]);
    let s3 = s3_with(
        dir.path(),
        Auth::Off,
        &[(
            "artefacts",
            true,
            vec![
                ("ci/build.env", env_file(&keys[0])),
                ("dist/app.zip", zip_of(&[("conf/app.env", &env_file(&keys[1]))])),
                ("dist/bundle.tar.gz", tar_gz_of(&[("lib/plugin.zip", &inner_zip)])),
                ("logs/ci-2026-12-01.log.gz", gzip(log.as_bytes())),
                ("notes/readme.txt", b"nothing to see here\n".to_vec()),
            ],
        )],
    );
    let out = run_signed(
        &s3,
        dir.path(),
        &["s3://artefacts", "-f", "json", "--max-file-size", "1M"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let found = findings(&out);
    assert_eq!(
        urls(&found),
        [
            "s3://artefacts/ci/build.env",
            "s3://artefacts/dist/app.zip!conf/app.env",
            "s3://artefacts/dist/bundle.tar.gz!lib/plugin.zip!settings/aws.env",
            "s3://artefacts/logs/ci-2026-12-01.log.gz",
        ]
    );
    let streamed = found
        .iter()
        .find(|f| f["origin"]["url"] == "s3://artefacts/logs/ci-2026-12-01.log.gz")
        .unwrap();
    assert_eq!(
        streamed["line"], 40_001,
        "line numbers run on across the stream's chunks"
    );
    let env = found
        .iter()
        .find(|f| f["origin"]["url"] == "s3://artefacts/ci/build.env")
        .unwrap();
    let put = s3.versions.iter().find(|v| v.1 == "ci/build.env").unwrap();
    assert_eq!(env["origin"]["kind"], "object");
    assert_eq!(
        env["origin"]["version"],
        put.2.as_str(),
        "the finding names the version it was read from"
    );
    assert_eq!(env["origin"]["latest"], true);
    let err = stderr(&out);
    assert!(err.contains("5 object(s) listed"), "{err}");
    assert!(err.contains("4 read whole, 1 streamed"), "{err}");
    for key in &keys {
        assert!(!stdout(&out).contains(key.as_str()), "secrets are redacted");
    }
    assert!(!stdout(&out).contains(&s3.secret) && !err.contains(&s3.secret));

    // SARIF names each object by its URL, for upload next to code findings.
    let sarif = run_signed(&s3, dir.path(), &["objects", "s3://artefacts/ci/", "-f", "sarif"]);
    assert_eq!(code(&sarif), 1, "{}", stderr(&sarif));
    let doc: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "the prefix ci/ holds one key");
    let uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.starts_with("s3://artefacts/ci/build.env"), "{uri}");
}

#[test]
fn a_key_overwritten_in_a_versioned_bucket_is_found_in_its_older_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x76_65_72);
    let key = aws_key_id(&mut rng);
    let s3 = s3_with(
        dir.path(),
        Auth::Off,
        &[(
            "deploy-config",
            true,
            vec![
                ("prod/.env", env_file(&key)),
                ("prod/.env", b"AWS_ACCESS_KEY_ID=${FROM_VAULT}\n".to_vec()),
            ],
        )],
    );
    let current = run_signed(&s3, dir.path(), &["s3://deploy-config", "-f", "json"]);
    assert_eq!(code(&current), 0, "the current version is clean: {}", stderr(&current));
    assert!(findings(&current).is_empty());

    let all = run_signed(&s3, dir.path(), &["s3://deploy-config", "--all-versions", "-f", "json"]);
    assert_eq!(code(&all), 1, "{}", stderr(&all));
    let found = findings(&all);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["origin"]["url"], "s3://deploy-config/prod/.env");
    assert_eq!(found[0]["origin"]["latest"], false);
    assert_eq!(
        found[0]["origin"]["version"],
        s3.versions[0].2.as_str(),
        "the first put's version"
    );
    assert!(
        stderr(&all).contains("2 object(s) listed (1 older version(s))"),
        "{}",
        stderr(&all)
    );

    // The inventory says the key was removed but is still readable.
    let inventory = keyhound_clean(dir.path())
        .env("AWS_ACCESS_KEY_ID", &s3.id)
        .env("AWS_SECRET_ACCESS_KEY", &s3.secret)
        .args([
            "inventory",
            "objects",
            "s3://deploy-config",
            "--all-versions",
            "-f",
            "json",
        ])
        .args(["--endpoint", &s3.endpoint])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&inventory.stdout).unwrap_or_else(|_| panic!("{}", stderr(&inventory)));
    assert_eq!(doc["secrets"].as_array().unwrap().len(), 1);
    assert_eq!(doc["secrets"][0]["state"], "removed");

    // A prefix with nothing under it lists nothing.
    let empty = run_signed(&s3, dir.path(), &["s3://deploy-config/staging/", "--all-versions"]);
    assert_eq!(code(&empty), 0, "{}", stderr(&empty));
    assert!(stderr(&empty).contains("0 object(s) listed"), "{}", stderr(&empty));
}

/// A shared credentials file whose `default` profile holds `other` (a key
/// the server does not know) and whose `audit` profile holds the IAM user's.
fn credentials_file(dir: &Path, other: &str, id: &str, secret: &str) -> PathBuf {
    let path = dir.join("aws-credentials");
    let text = format!(
        "[default]\naws_access_key_id = {other}\naws_secret_access_key = nope\n\n\
         [audit]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn credentials_come_from_a_profile_and_refusals_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(0x70_72_6f);
    let key = aws_key_id(&mut rng);
    let s3 = s3_with(
        dir.path(),
        Auth::Checked,
        &[("team-bucket", true, vec![("a.env", env_file(&key))])],
    );
    let creds = credentials_file(dir.path(), &aws_key_id(&mut rng), &s3.id, &s3.secret);
    let with_profile = |extra: &[&str], profile_env: Option<&str>| {
        let mut cmd = keyhound_clean(dir.path());
        cmd.env("AWS_SHARED_CREDENTIALS_FILE", &creds);
        if let Some(p) = profile_env {
            cmd.env("AWS_PROFILE", p);
        }
        cmd.args(["s3://team-bucket", "--endpoint", &s3.endpoint]).args(extra);
        cmd.output().unwrap()
    };
    let named = with_profile(&["--profile", "audit"], None);
    assert_eq!(code(&named), 1, "{}", stderr(&named));
    assert!(stdout(&named).contains("s3://team-bucket/a.env"), "{}", stdout(&named));
    // The version listing is signed too (its own request, not object_store's).
    let versions = with_profile(&["--profile", "audit", "--all-versions"], None);
    assert_eq!(code(&versions), 1, "{}", stderr(&versions));
    let from_env = with_profile(&[], Some("audit"));
    assert_eq!(
        code(&from_env),
        1,
        "AWS_PROFILE picks the profile: {}",
        stderr(&from_env)
    );

    // The default profile's key is not the IAM user's: refused, and said so.
    let wrong = with_profile(&[], None);
    assert_eq!(code(&wrong), 2, "{}", stderr(&wrong));
    assert!(stderr(&wrong).contains("access denied"), "{}", stderr(&wrong));
    assert!(stderr(&wrong).contains("InvalidAccessKeyId"), "{}", stderr(&wrong));

    // A wrong secret: S3 recomputes the signature and refuses it.
    let forged = keyhound_clean(dir.path())
        .env("AWS_ACCESS_KEY_ID", &s3.id)
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .args(["s3://team-bucket", "--all-versions", "--endpoint", &s3.endpoint])
        .output()
        .unwrap();
    assert_eq!(code(&forged), 2, "{}", stderr(&forged));
    assert!(stderr(&forged).contains("SignatureDoesNotMatch"), "{}", stderr(&forged));

    let missing = run_signed(&s3, dir.path(), &["s3://no-such-bucket"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("no such bucket"), "{}", stderr(&missing));

    let closed = keyhound_clean(dir.path())
        .env("AWS_ACCESS_KEY_ID", &s3.id)
        .env("AWS_SECRET_ACCESS_KEY", &s3.secret)
        .args([
            "s3://team-bucket",
            "--endpoint",
            &format!("http://127.0.0.1:{}", free_port()),
        ])
        .output()
        .unwrap();
    assert_eq!(code(&closed), 2);
    assert!(stderr(&closed).contains("cannot list objects"), "{}", stderr(&closed));
    for out in [&named, &versions, &from_env, &wrong, &forged, &missing, &closed] {
        assert!(!stdout(out).contains(&s3.secret) && !stderr(out).contains(&s3.secret));
    }

    // Versions exist only on S3; a URL that names no store is refused.
    let gcs = keyhound_clean(dir.path())
        .args(["gs://bucket", "--all-versions", "--anonymous"])
        .output()
        .unwrap();
    assert_eq!(code(&gcs), 2);
    assert!(stderr(&gcs).contains("needs an S3"), "{}", stderr(&gcs));
    let bad = keyhound_clean(dir.path())
        .args(["objects", "ftp://host/x"])
        .output()
        .unwrap();
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("the scheme must be s3, gs or az"),
        "{}",
        stderr(&bad)
    );
}
