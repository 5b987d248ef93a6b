//! Measured accuracy on credential files: keyhound over
//! tests/credcorpus/tree (realistic credential and configuration files of
//! every family the credential-file readers know, written from each tool's
//! documentation, with decoys beside the credentials: templates,
//! placeholders, `.example` twins, unrelated keys), scored against the
//! labels in tests/credcorpus/labels/*.json. Every finding that is not a
//! labelled credential counts as a false positive. Prints the per-family
//! table the README quotes, and fails if recall or precision drops below
//! the bar (recall 0.95; at most one false positive per 20 files).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;

#[derive(Debug)]
struct Label {
    path: String,
    line: u64,
    secret: String,
    family: String,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/credcorpus")
}

fn labels() -> Vec<Label> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join("labels"))
        .expect("labels directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for file in files {
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for l in doc["secrets"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no secrets array", file.display()))
        {
            out.push(Label {
                path: l["path"].as_str().unwrap().to_string(),
                line: l["line"].as_u64().unwrap(),
                secret: l["secret"].as_str().unwrap().to_string(),
                family: l["family"].as_str().unwrap().to_string(),
            });
        }
    }
    out
}

fn matches(label: &Label, finding: &serde_json::Value) -> bool {
    let secret = finding["secret"].as_str().unwrap_or_default();
    finding["path"] == label.path.as_str()
        && finding["line"].as_u64() == Some(label.line)
        && !secret.is_empty()
        && (secret == label.secret || label.secret.contains(secret) || secret.contains(&label.secret))
}

fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| if p.is_dir() { files_under(&p) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn credential_files_recall_and_precision() {
    let tree = corpus().join("tree");
    let out = run_in(
        &tree,
        &["dir", ".", "--no-ignore", "-f", "jsonl", "--show-secrets", "-q"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let findings = jsonl(&out);
    let labels = labels();
    let files = files_under(&tree);
    let found = |l: &Label| findings.iter().any(|f| matches(l, f));
    let false_positives: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| !labels.iter().any(|l| matches(l, f)))
        .collect();
    // Every label names a real line of a real file (a label that drifted
    // from its file would be a silent miss otherwise).
    for l in &labels {
        let text = std::fs::read(tree.join(&l.path)).unwrap_or_else(|e| panic!("label for {}: {e}", l.path));
        let lines = text.split(|&b| b == b'\n').count() as u64;
        assert!(
            l.line >= 1 && l.line <= lines,
            "label {}:{} is past the file's end",
            l.path,
            l.line
        );
    }

    // Per family: (found, labelled, false positives in the family's tree).
    let mut per_family: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for l in &labels {
        let entry = per_family.entry(l.family.clone()).or_default();
        entry.1 += 1;
        if found(l) {
            entry.0 += 1;
        }
    }
    for f in &false_positives {
        let top = f["path"]
            .as_str()
            .unwrap_or_default()
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        per_family.entry(top).or_default().2 += 1;
    }
    let hits = labels.iter().filter(|l| found(l)).count();
    let recall = hits as f64 / labels.len().max(1) as f64;
    let true_positives = findings.len() - false_positives.len();
    let precision = true_positives as f64 / findings.len().max(1) as f64;
    println!(
        "credential files: {} families, {} files, {} labelled credentials",
        per_family.len(),
        files,
        labels.len()
    );
    println!(
        "recall {recall:.4}  precision {precision:.4}  false positives {} ({:.2} per 20 files)",
        false_positives.len(),
        false_positives.len() as f64 * 20.0 / files.max(1) as f64
    );
    println!("| family | found | labelled | false positives |");
    println!("| --- | --- | --- | --- |");
    for (family, (hit, total, fp)) in &per_family {
        println!("| {family} | {hit} | {total} | {fp} |");
    }
    for l in labels.iter().filter(|l| !found(l)) {
        println!("  miss: {}:{} {}", l.path, l.line, l.family);
    }
    for f in &false_positives {
        println!(
            "  false positive: {}:{} {} {}",
            f["path"], f["line"], f["rule_id"], f["secret"]
        );
    }
    assert!(labels.len() >= 20, "corpus has {} labelled credentials", labels.len());
    assert!(recall >= 0.95, "recall {recall:.4} below 0.95");
    assert!(
        false_positives.len() * 20 <= files,
        "{} false positives in {files} files: more than one per 20 files",
        false_positives.len()
    );
    // Each finding a reader made says why it was kept.
    for f in &findings {
        if f["decoded"]
            .as_array()
            .is_some_and(|d| d.iter().any(|c| c != "base64" && c != "percent" && c != "json-escape"))
        {
            assert!(f["reason"].is_string(), "a decoded credential without its reason: {f}");
        }
    }
}

/// A Jenkins plain-text rule's match runs from a credential's opening
/// element to the first plain password, across encrypted values in
/// between: those stay the reader's findings (they were hidden by the
/// match once, found when the corpus's fixtures were regenerated).
#[test]
fn encrypted_jenkins_values_inside_a_plain_rule_match_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(2026);
    let encrypted = |rng: &mut Rng| format!("AQAAABAAAAAg{}", rng.string(BASE62, 64));
    let (first, second) = (encrypted(&mut rng), encrypted(&mut rng));
    let plain = format!("pl41n-{}", rng.string(BASE62, 12));
    write(
        dir.path(),
        "var/lib/jenkins/credentials.xml",
        format!(
            "<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin=\"credentials@1337.v60b_d7b_c7b_c9f\">
  <domainCredentialsMap class=\"hudson.util.CopyOnWriteMap$Hash\">
    <entry>
      <java.util.concurrent.CopyOnWriteArrayList>
        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
          <id>nexus</id>
          <username>ci</username>
          <password>{{{first}}}</password>
        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
        <org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>
          <id>sonar</id>
          <secret>{{{second}}}</secret>
        </org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>
        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
          <id>release</id>
          <username>rel</username>
          <password>{plain}</password>
        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
      </java.util.concurrent.CopyOnWriteArrayList>
    </entry>
  </domainCredentialsMap>
</com.cloudbees.plugins.credentials.SystemCredentialsProvider>
"
        ),
    );
    let out = keyhound()
        .args(["dir", "-f", "jsonl", "-q", "--show-secrets"])
        .arg(dir.path())
        .output()
        .unwrap();
    let found: Vec<(u64, String, String)> = jsonl(&out)
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (9, "jenkins-encrypted-secret".to_string(), first),
            (13, "jenkins-encrypted-secret".to_string(), second),
            (18, "jenkins-credential-plain".to_string(), plain),
        ],
        "{}",
        stderr(&out)
    );
}

/// A Chromium `Login Data` database, made by real SQLite with Chromium's
/// `logins` columns, found by `keyhound dir` in a profile directory: each
/// saved login reported under its rule, the Linux `v10` password decrypted
/// (shown only with --show-secrets), nothing else read out of the binary.
#[test]
fn chromium_login_data_is_read_through_the_scan() {
    // "v10" + AES-128-CBC of "Gr33n-Lantern-2026!" under Chromium's Linux
    // key (PBKDF2 of "peanuts"), IV of 16 spaces; made with `openssl enc
    // -aes-128-cbc -K fd621fe5a2b402539dfa147ca9272778 -iv 2020…20`.
    let v10 = "763130e048d4a44506b1868fc7005cff5fc240ed2de0a836d862cb2ac968f2375009c6";
    let mut rng = Rng::new(77);
    let v11 = format!("763131{}", rng.string("0123456789abcdef", 64));
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("home/dev/.config/google-chrome/Default");
    std::fs::create_dir_all(&profile).unwrap();
    let script = format!(
        "import sqlite3, sys\n\
         db = sqlite3.connect(sys.argv[1])\n\
         db.execute('CREATE TABLE logins (origin_url VARCHAR NOT NULL, action_url VARCHAR, username_element VARCHAR, username_value VARCHAR, password_element VARCHAR, password_value BLOB, submit_element VARCHAR, signon_realm VARCHAR NOT NULL, date_created INTEGER NOT NULL, blacklisted_by_user INTEGER NOT NULL, scheme INTEGER NOT NULL, id INTEGER PRIMARY KEY AUTOINCREMENT)')\n\
         db.execute(\"INSERT INTO logins VALUES('https://git.acme.test/login','','user','dev.ops','pass',X'{v10}','','https://git.acme.test/',13370000000000000,0,0,NULL)\")\n\
         db.execute(\"INSERT INTO logins VALUES('https://mail.acme.test/','','user','ops@acme.test','pass',X'{v11}','','https://mail.acme.test/',13370000000000000,0,0,NULL)\")\n\
         db.execute(\"INSERT INTO logins VALUES('https://never.acme.test/','','','','',X'','','https://never.acme.test/',13370000000000000,1,0,NULL)\")\n\
         db.commit()\n"
    );
    let made = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .arg(profile.join("Login Data"))
        .output()
        .expect("python3");
    assert!(made.status.success(), "{}", stderr(&made));

    let out = keyhound()
        .args(["dir", "-f", "jsonl", "-q", "--show-secrets"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let findings = jsonl(&out);
    let rules: Vec<&str> = findings.iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(rules, ["chromium-login-data-stored-credential"; 2], "{}", stdout(&out));
    let git = findings
        .iter()
        .find(|f| f["reason"].as_str().unwrap_or_default().contains("git.acme.test"))
        .expect("the git login");
    assert_eq!(git["secret"], "Gr33n-Lantern-2026!", "{git}");
    assert!(findings.iter().any(|f| f["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("mail.acme.test/ as ops@acme.test")));

    // Redacted by default.
    let out = keyhound().args(["dir", "-q"]).arg(dir.path()).output().unwrap();
    assert_eq!(code(&out), 1);
    assert!(!stdout(&out).contains("Gr33n-Lantern-2026!"), "{}", stdout(&out));
    assert!(stdout(&out).contains("Login Data"), "{}", stdout(&out));
}
