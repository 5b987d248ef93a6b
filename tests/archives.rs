//! Archives inside trees: real zip/jar, tar, tar.gz, tar.zst and .gz files
//! built by the test, nested; bombs and damage survived with warnings.

mod common;

use std::io::Write;

use common::*;

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
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

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

fn paths_and_lines(out: &std::process::Output) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = jsonl(out)
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn members_of_every_archive_kind_are_scanned_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(101);
    let mut key = || format!("github.token={}\n", github_token(&mut rng, "ghp_"));
    let props = format!("server.port=8080\n{}", key());
    let jar = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("BOOT-INF/classes/application.properties", props.as_bytes()),
    ]);
    write(dir.path(), "dist/app.jar", &jar);
    let env = format!("# env\n\n{}", key());
    write(
        dir.path(),
        "backup/bundle.tar.gz",
        gzip(&tar_of(&[("app/.env", env.as_bytes())])),
    );
    write(
        dir.path(),
        "backup/bundle.tar.zst",
        zstd(&tar_of(&[("./etc/app.conf", key().as_bytes())])),
    );
    write(
        dir.path(),
        "backup/plain.tar",
        tar_of(&[("notes.txt", key().as_bytes())]),
    );
    write(
        dir.path(),
        "logs/dump.sql.gz",
        gzip(format!("-- dump\n{}", key()).as_bytes()),
    );
    // A wheel inside a tarball: nested archives.
    let whl = zip_of(&[("pkg/settings.py", format!("\n{}", key()).as_bytes())]);
    write(
        dir.path(),
        "release.tgz",
        gzip(&tar_of(&[("dist/pkg-1.0-py3-none-any.whl", &whl)])),
    );
    let out = run_in(dir.path(), &["dir", ".", "-f", "jsonl"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        paths_and_lines(&out),
        vec![
            ("backup/bundle.tar.gz!app/.env".to_string(), 3),
            ("backup/bundle.tar.zst!etc/app.conf".to_string(), 1),
            ("backup/plain.tar!notes.txt".to_string(), 1),
            ("dist/app.jar!BOOT-INF/classes/application.properties".to_string(), 2),
            ("logs/dump.sql.gz!dump.sql".to_string(), 2),
            (
                "release.tgz!dist/pkg-1.0-py3-none-any.whl!pkg/settings.py".to_string(),
                2
            ),
        ]
    );
    let text = stdout(&run_in(dir.path(), &["dir", "dist"]));
    assert!(
        text.contains("dist/app.jar!BOOT-INF/classes/application.properties:2:"),
        "{text}"
    );
    // --no-archives: the compressed key is invisible as raw bytes.
    let raw = run_in(dir.path(), &["dir", "dist", "--no-archives", "-f", "jsonl"]);
    assert!(jsonl(&raw).is_empty());
}

#[test]
fn bombs_depth_and_damage_are_warnings_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(202);
    let token = github_token(&mut rng, "ghp_");
    // A ratio bomb: 8 MiB of zeros compresses to a few KB.
    write(dir.path(), "bomb.gz", gzip(&vec![0u8; 8 << 20]));
    // Nesting deeper than the limit.
    let mut nested = zip_of(&[("deep.txt", format!("t={token}\n").as_bytes())]);
    for level in 0..5 {
        nested = zip_of(&[(format!("level{level}.zip").as_str(), &nested)]);
    }
    write(dir.path(), "nested.zip", &nested);
    // A truncated tar.gz with one good member first.
    let good = tar_of(&[
        ("a.txt", format!("t={}\n", github_token(&mut rng, "ghp_")).as_bytes()),
        ("b.bin", &vec![7u8; 100_000]),
    ]);
    let gz = gzip(&good);
    write(dir.path(), "truncated.tar.gz", &gz[..gz.len() * 2 / 3]);
    // Not an archive after all, despite the name.
    write(
        dir.path(),
        "fake.zip",
        format!("PK\x03\x04 garbage t={}\n", github_token(&mut rng, "ghp_")),
    );
    write(dir.path(), "ok.env", format!("T={}\n", github_token(&mut rng, "ghp_")));
    let out = run_in(
        dir.path(),
        &[
            "dir",
            ".",
            "-f",
            "jsonl",
            "--archive-max-ratio",
            "100",
            "--archive-max-depth",
            "3",
            // Every warning, not the summary's first few of each kind.
            "--verbose",
        ],
    );
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("bomb.gz") && err.contains("expansion ratio"), "{err}");
    assert!(
        err.contains("nested.zip!level4.zip!level3.zip") && err.contains("depth 3"),
        "{err}"
    );
    assert!(err.contains("truncated.tar.gz"), "{err}");
    assert!(err.contains("fake.zip") && err.contains("corrupt zip"), "{err}");
    let paths: Vec<String> = paths_and_lines(&out).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        vec![
            "fake.zip".to_string(),
            "ok.env".to_string(),
            "truncated.tar.gz!a.txt".to_string()
        ]
    );
    // With a looser depth the deep key is found.
    let deep = run_in(
        dir.path(),
        &["dir", "nested.zip", "-f", "jsonl", "--archive-max-depth", "8"],
    );
    assert_eq!(jsonl(&deep).len(), 1, "{}", stderr(&deep));
    // A byte budget stops a large archive early.
    let big = tar_of(&[("one.txt", &vec![b'a'; 300_000]), ("two.txt", &vec![b'b'; 300_000])]);
    write(dir.path(), "budget/big.tar", big);
    let limited = run_in(dir.path(), &["dir", "budget", "--archive-max-bytes", "400K"]);
    assert!(stderr(&limited).contains("expanded bytes"), "{}", stderr(&limited));
}
