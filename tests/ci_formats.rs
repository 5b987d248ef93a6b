//! The CI formats end to end: `--format github` (workflow-command
//! annotations), `--format gitlab` (GitLab's Secret Detection report,
//! validated against GitLab's published schema copied into
//! `tests/data/gitlab/`) and `--format junit` (read back with a real XML
//! parser), from real `keyhound dir` and `keyhound git` runs on generated
//! trees and repositories; and the GitHub Action and GitLab CI template
//! that use them, parsed as YAML and held to what the README says.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// Three findings of three severities in a tree whose path holds a comma
/// and a colon (property delimiters in a workflow command): a GitHub token
/// (critical), a GitLab pipeline trigger token (medium), a GitLab feature
/// flags client token (low). Returns the tree, the three secrets.
struct Tree {
    dir: tempfile::TempDir,
    secrets: Vec<String>,
}

const ODD_DIR: &str = "we,ird:dir";
const ODD_FILE: &str = "a,b:c.env";

fn hex(rng: &mut Rng, n: usize) -> String {
    rng.string("0123456789abcdef", n)
}

fn tree(seed: u64) -> Tree {
    let mut rng = Rng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let github = github_token(&mut rng, "ghp_");
    let trigger = format!("glptt-{}", hex(&mut rng, 40));
    let flags = format!("glffct-{}", rng.string(BASE62, 20));
    write(
        dir.path(),
        &format!("{ODD_DIR}/{ODD_FILE}"),
        format!("# settings\nTOKEN={github}\n"),
    );
    write(dir.path(), "ci/trigger.sh", format!("curl -F token={trigger} x\n"));
    write(
        dir.path(),
        "app/flags.yml",
        format!("unleash:\n  client_token: {flags}\n"),
    );
    Tree {
        dir,
        secrets: vec![github, trigger, flags],
    }
}

/// The findings of the same tree as JSON, to build the expected lines from.
fn json_findings(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = args.to_vec();
    all.extend(["-f", "json", "-q"]);
    let out = run_in(dir, &all);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["findings"].as_array().unwrap().clone()
}

fn assert_no_raw_secret(output: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!output.contains(s.as_str()), "raw secret {}… in output", &s[..8]);
        // Not even the unredacted tail of one.
        assert!(!output.contains(&s[s.len() - 12..]), "secret tail in output");
    }
}

#[test]
fn github_annotations_have_the_exact_syntax_levels_and_escaping() {
    let t = tree(19_001);
    let out = run_in(t.dir.path(), &["dir", ".", "-f", "github", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // One line per finding plus the totals; no message spills onto a second line.
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines.iter().all(|l| l.starts_with("::")), "{text}");

    let findings = json_findings(t.dir.path(), &["dir", "."]);
    assert_eq!(findings.len(), 3);
    // Same order as JSON: the stable order by place.
    for (line, f) in lines.iter().zip(&findings) {
        let level = match f["severity"].as_str().unwrap() {
            "critical" | "high" => "error",
            "medium" => "warning",
            "low" => "notice",
            other => panic!("severity {other}"),
        };
        let path = f["path"].as_str().unwrap().trim_start_matches("./");
        let escaped_path = path.replace(',', "%2C").replace(':', "%3A");
        let title = format!(
            "keyhound%3A {} ({})",
            f["rule_name"].as_str().unwrap(),
            f["rule_id"].as_str().unwrap()
        );
        let expected_head = format!(
            "::{level} file={escaped_path},line={},endLine={},col={},endColumn={},title={title}::",
            f["line"], f["end_line"], f["column"], f["end_column"]
        );
        assert!(line.starts_with(&expected_head), "\n{line}\nwanted\n{expected_head}");
        let message = &line[expected_head.len()..];
        let expected_message = format!(
            "{} found: {} (redacted, fingerprint {}). Revoke or rotate it first, then remove it.",
            f["rule_name"].as_str().unwrap(),
            f["secret"].as_str().unwrap(),
            f["fingerprint"].as_str().unwrap()
        );
        assert_eq!(message, expected_message);
    }
    // The odd path is there, escaped, and never raw (a raw `,` or `:` would
    // end the file property early).
    let odd = format!("file={}/{}", "we%2Cird%3Adir", "a%2Cb%3Ac.env");
    assert_eq!(lines.iter().filter(|l| l.contains(&odd)).count(), 1, "{text}");
    assert!(!text.contains(ODD_FILE));
    // The three levels, one each.
    for level in ["::error ", "::warning ", "::notice file="] {
        assert_eq!(
            lines.iter().filter(|l| l.starts_with(level)).count(),
            1,
            "{level}\n{text}"
        );
    }
    assert_eq!(
        lines[3],
        "::notice title=keyhound summary::3 secret finding(s) in 3 files: 1 error, 1 warning, 1 notice"
    );
    assert_no_raw_secret(&text, &t.secrets);
}

/// JUnit output with its `time` attributes taken out.
fn without_junit_times(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split(" time=\"").enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            out.push_str(part.split_once('"').map(|(_, rest)| rest).unwrap_or(""));
        }
    }
    out
}

#[test]
fn ci_formats_are_the_same_on_one_thread_and_eight() {
    // Enough files that parallel scanning delivers them in another order.
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(19_013);
    for i in 0..48 {
        write(
            dir.path(),
            &format!("d{}/f{i:02}.env", i % 5),
            format!(
                "A=1\nTOKEN={}\nB=glptt-{}\n",
                github_token(&mut rng, "ghp_"),
                hex(&mut rng, 40)
            ),
        );
    }
    let run = |format: &str, threads: &str| {
        let out = run_in(dir.path(), &["dir", ".", "-q", "-f", format, "-j", threads]);
        assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let github = run("github", "1");
    assert_eq!(github.lines().count(), 97, "{github}");
    assert_eq!(github, run("github", "8"), "github differs between -j1 and -j8");
    let gitlab = |threads: &str| without_times(serde_json::from_str(&run("gitlab", threads)).unwrap());
    let one = gitlab("1");
    assert_eq!(one["vulnerabilities"].as_array().unwrap().len(), 96);
    assert_eq!(one, gitlab("8"), "gitlab differs between -j1 and -j8");
    let junit = without_junit_times(&run("junit", "1"));
    assert!(junit.contains("tests=\"96\" failures=\"96\""), "{junit}");
    assert_eq!(junit, without_junit_times(&run("junit", "8")), "junit differs");
}

#[test]
fn github_annotations_stay_redacted_under_show_secrets_and_say_so() {
    let t = tree(19_002);
    let out = run_in(t.dir.path(), &["dir", ".", "-f", "github", "-q", "--show-secrets"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert_no_raw_secret(&text, &t.secrets);
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("::notice title=keyhound summary::"), "{last}");
    assert!(last.contains("--show-secrets does not apply to annotations"), "{last}");
    // The same scan in JSON does show them: the flag reached the reporters.
    let json = run_in(t.dir.path(), &["dir", ".", "-f", "json", "-q", "--show-secrets"]);
    assert!(stdout(&json).contains(&t.secrets[0]));
}

#[test]
fn github_clean_scan_is_one_notice_and_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "nothing to see\n");
    let out = run_in(dir.path(), &["dir", ".", "-f", "github", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "::notice title=keyhound summary::no secrets found in 1 files\n"
    );
}

/// A scratch repository driven through the real `git` CLI with a fixed
/// identity and clock, isolated from the machine's git config.
struct Repo {
    _dir: tempfile::TempDir,
    path: PathBuf,
    home: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repo");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        let repo = Repo { _dir: dir, path, home };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(&self.path)
            .env("HOME", &self.home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.home.join("gitconfig"))
            .env("GIT_AUTHOR_NAME", "Ann Author")
            .env("GIT_AUTHOR_EMAIL", "ann@example.org")
            .env("GIT_COMMITTER_NAME", "Ann Author")
            .env("GIT_COMMITTER_EMAIL", "ann@example.org")
            .env("GIT_AUTHOR_DATE", "2026-03-01T10:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-03-01T10:00:00Z")
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// Writes `rel`, commits everything; returns the commit id.
    fn commit_file(&self, rel: &str, content: &str, message: &str) -> String {
        write(&self.path, rel, content);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// A repository whose second commit adds a token and whose third removes it.
fn leaky_repo(seed: u64) -> (Repo, String, String) {
    let mut rng = Rng::new(seed);
    let token = github_token(&mut rng, "ghp_");
    let repo = Repo::new();
    repo.commit_file("README.md", "hello\n", "start");
    let leak = repo.commit_file("deploy/x,y.env", &format!("A=1\nTOKEN={token}\n"), "add config");
    repo.commit_file("deploy/x,y.env", "A=1\nTOKEN=${TOKEN}\n", "use the environment");
    (repo, token, leak)
}

#[test]
fn github_history_findings_name_the_path_and_put_the_commit_in_the_message() {
    let (repo, token, leak) = leaky_repo(19_003);
    let out = run_in(&repo.path, &["git", ".", "-f", "github", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let line = lines[0];
    assert!(
        line.starts_with("::error file=deploy/x%2Cy.env,line=2,endLine=2,col=7,endColumn=47,title=keyhound%3A "),
        "{line}"
    );
    let message = line.split_once("::").unwrap().1.split_once("::").unwrap().1;
    assert!(
        message.contains(&format!(
            "in commit {} by Ann Author <ann@example.org> on 2026-03-01T10:00:00+00:00",
            &leak[..12]
        )),
        "{message}"
    );
    assert!(message.contains("removed in commit"), "{message}");
    assert!(!text.contains(&token));

    // The CI mode: only the pushed range.
    let first = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let range = format!("{first}..{leak}");
    let out = run_in(&repo.path, &["git", ".", "--range", &range, "-f", "github", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("::error file=deploy/x%2Cy.env,line=2,"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains(&token));
}

fn gitlab_schema() -> json_schema::JsonSchema {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/gitlab/secret-detection-report-format.json")).unwrap();
    json_schema::JsonSchema::new(schema)
}

fn assert_valid_gitlab(report: &serde_json::Value) {
    let errors = gitlab_schema().errors(report);
    assert!(
        errors.is_empty(),
        "GitLab would refuse the report:\n{}",
        errors.join("\n")
    );
}

fn gitlab_report(dir: &Path, args: &[&str], expected_code: i32) -> (serde_json::Value, Vec<u8>) {
    let mut all = args.to_vec();
    all.extend(["-f", "gitlab", "-q"]);
    let out = run_in(dir, &all);
    assert_eq!(code(&out), expected_code, "{}", stderr(&out));
    (serde_json::from_slice(&out.stdout).expect("JSON"), out.stdout)
}

#[test]
fn gitlab_report_of_a_tree_validates_against_gitlabs_schema() {
    let t = tree(19_004);
    let (report, bytes) = gitlab_report(t.dir.path(), &["dir", "."], 1);
    assert_valid_gitlab(&report);
    assert_no_raw_secret(&String::from_utf8_lossy(&bytes), &t.secrets);

    // The vendored schema's version is the one the report declares.
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/gitlab/secret-detection-report-format.json")).unwrap();
    assert_eq!(report["version"], schema["self"]["version"]);
    assert_eq!(report["scan"]["type"], "secret_detection");
    assert_eq!(report["scan"]["status"], "success");
    assert_eq!(report["scan"]["scanner"]["id"], "keyhound");

    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 3);
    let findings = json_findings(t.dir.path(), &["dir", "."]);
    let mut ids = std::collections::BTreeSet::new();
    for (v, f) in vulns.iter().zip(&findings) {
        assert_eq!(v["category"], "secret_detection");
        assert_eq!(v["name"], f["rule_name"]);
        let severity = f["severity"].as_str().unwrap();
        let mut chars = severity.chars();
        let capital = chars.next().unwrap().to_uppercase().to_string() + chars.as_str();
        assert_eq!(v["severity"], capital);
        assert_eq!(v["identifiers"][0]["value"], f["rule_id"]);
        assert_eq!(
            v["location"]["file"],
            f["path"].as_str().unwrap().trim_start_matches("./")
        );
        assert_eq!(v["location"]["start_line"], f["line"]);
        // A plain tree has no commit: GitLab's own analyzer's placeholder.
        assert_eq!(v["location"]["commit"]["sha"], "0000000");
        assert_eq!(v["details"]["fingerprint"]["value"], f["fingerprint"]);
        assert_eq!(v["details"]["secret"]["value"], f["secret"]);
        let id = v["id"].as_str().unwrap();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.as_bytes()[14], b'8', "a version-8 UUID: {id}");
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), 3, "ids are unique");
    // The path with a comma and a colon goes through as it is.
    assert!(vulns
        .iter()
        .any(|v| v["location"]["file"] == format!("{ODD_DIR}/{ODD_FILE}")));
}

/// The report with the scan's clock readings taken out.
fn without_times(mut report: serde_json::Value) -> serde_json::Value {
    let scan = report["scan"].as_object_mut().unwrap();
    for key in ["start_time", "end_time"] {
        let time = scan.remove(key).unwrap();
        let time = time.as_str().unwrap();
        // yyyy-mm-ddThh:mm:ss, as the schema's pattern says.
        assert_eq!(time.len(), 19, "{time}");
        assert_eq!(&time[10..11], "T");
    }
    report
}

#[test]
fn gitlab_report_is_deterministic_apart_from_the_scan_times() {
    let t = tree(19_005);
    let (first, _) = gitlab_report(t.dir.path(), &["dir", "."], 1);
    // Again, and on one thread: findings then arrive in another order,
    // which the report may not show.
    let (second, _) = gitlab_report(t.dir.path(), &["dir", "."], 1);
    assert_eq!(without_times(first.clone()), without_times(second));
    let (third, _) = gitlab_report(t.dir.path(), &["dir", ".", "--threads", "1"], 1);
    assert_eq!(without_times(first.clone()), without_times(third));
    // A different tree gives different ids: they come from the findings.
    let other = tree(19_006);
    let (elsewhere, _) = gitlab_report(other.dir.path(), &["dir", "."], 1);
    assert_ne!(
        first["vulnerabilities"][0]["id"], elsewhere["vulnerabilities"][0]["id"],
        "ids depend on the secret"
    );
}

#[test]
fn gitlab_report_of_history_names_the_introducing_commit() {
    let (repo, token, leak) = leaky_repo(19_007);
    let (report, bytes) = gitlab_report(&repo.path, &["git", "."], 1);
    assert_valid_gitlab(&report);
    assert!(!String::from_utf8_lossy(&bytes).contains(&token));
    let vulns = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 1);
    let location = &vulns[0]["location"];
    assert_eq!(location["file"], "deploy/x,y.env");
    assert_eq!(location["start_line"], 2);
    assert_eq!(location["commit"]["sha"], leak.as_str());
    assert_eq!(location["commit"]["author"], "Ann Author <ann@example.org>");
    assert_eq!(location["commit"]["date"], "2026-03-01T10:00:00+00:00");
}

#[test]
fn gitlab_report_of_a_clean_scan_is_valid_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "nothing to see\n");
    let (report, _) = gitlab_report(dir.path(), &["dir", "."], 0);
    assert_valid_gitlab(&report);
    assert_eq!(report["vulnerabilities"].as_array().unwrap().len(), 0);
}

#[test]
fn gitlab_schema_check_is_not_vacuous() {
    // The validator refuses what GitLab refuses: a report without the
    // commit the schema requires, and scan times with an offset.
    let t = tree(19_008);
    let (mut report, _) = gitlab_report(t.dir.path(), &["dir", "."], 1);
    assert!(gitlab_schema().is_valid(&report));
    report["vulnerabilities"][0]["location"]
        .as_object_mut()
        .unwrap()
        .remove("commit");
    assert!(!gitlab_schema().is_valid(&report));
    let (mut report, _) = gitlab_report(t.dir.path(), &["dir", "."], 1);
    report["scan"]["end_time"] = serde_json::json!("2026-12-05T06:00:00+00:00");
    assert!(!gitlab_schema().is_valid(&report));
}

/// The attributes of an element as a map.
fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", node.tag_name().name()))
}

#[test]
fn junit_has_one_failing_case_per_finding_and_parses() {
    let t = tree(19_009);
    // A file name with XML's special characters and a control character
    // XML 1.0 cannot carry at all.
    let mut rng = Rng::new(19_010);
    let extra = github_token(&mut rng, "ghp_");
    write(t.dir.path(), "x&y<z>\"q'\u{1}.env", format!("K={extra}\n"));
    let mut secrets = t.secrets.clone();
    secrets.push(extra);

    let out = run_in(t.dir.path(), &["dir", ".", "-f", "junit", "-q"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert_no_raw_secret(&text, &secrets);
    assert!(!text.contains('\u{1}'));
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(attr(root, "tests"), "4");
    assert_eq!(attr(root, "failures"), "4");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(attr(suites[0], "tests"), "4");
    assert_eq!(attr(suites[0], "failures"), "4");
    let cases: Vec<_> = suites[0].children().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4);
    let findings = json_findings(t.dir.path(), &["dir", "."]);
    for (case, f) in cases.iter().zip(&findings) {
        let failures: Vec<_> = case.children().filter(|n| n.has_tag_name("failure")).collect();
        assert_eq!(failures.len(), 1);
        let path = f["path"]
            .as_str()
            .unwrap()
            .trim_start_matches("./")
            .replace('\u{1}', "");
        assert_eq!(attr(*case, "classname"), path);
        assert_eq!(attr(*case, "file"), path);
        assert_eq!(attr(*case, "line"), f["line"].to_string());
        assert_eq!(
            attr(*case, "name"),
            format!(
                "{} at {path}:{}:{}",
                f["rule_id"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        );
        assert_eq!(
            attr(failures[0], "message"),
            format!("{}: {}", f["rule_id"].as_str().unwrap(), f["secret"].as_str().unwrap())
        );
        assert_eq!(attr(failures[0], "type"), f["severity"].as_str().unwrap());
        let body = failures[0].text().unwrap();
        assert!(body.contains(f["fingerprint"].as_str().unwrap()), "{body}");
    }
    // The special characters came through the escaping intact.
    assert!(cases.iter().any(|c| attr(*c, "classname") == "x&y<z>\"q'.env"));
}

#[test]
fn junit_clean_scan_is_one_passing_case_and_output_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README.md", "nothing to see\n");
    let out = run_in(dir.path(), &["dir", ".", "-f", "junit", "-q"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(attr(root, "tests"), "1");
    assert_eq!(attr(root, "failures"), "0");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].children().filter(|n| n.is_element()).count(), 0);
    assert_eq!(attr(cases[0], "name"), "no secrets found in 1 files");

    // Two runs over findings: identical apart from the times.
    let t = tree(19_011);
    let strip = |bytes: &[u8]| without_junit_times(&String::from_utf8_lossy(bytes));
    let a = run_in(t.dir.path(), &["dir", ".", "-f", "junit", "-q"]);
    let b = run_in(t.dir.path(), &["dir", ".", "-f", "junit", "-q", "--threads", "1"]);
    assert!(String::from_utf8_lossy(&a.stdout).contains(" time=\""));
    assert_eq!(strip(&a.stdout), strip(&b.stdout));
}

#[test]
fn every_ci_format_runs_for_every_scan_command_but_inventory_refuses() {
    let t = tree(19_012);
    let input = format!("TOKEN={}\n", t.secrets[0]);
    for format in ["github", "gitlab", "junit"] {
        let out = run_stdin(t.dir.path(), &["stdin", "-f", format, "-q"], input.as_bytes());
        assert_eq!(code(&out), 1, "stdin -f {format}: {}", stderr(&out));
        assert!(!stdout(&out).contains(&t.secrets[0]));
        assert!(!stdout(&out).is_empty());
        let out = run_in(t.dir.path(), &["inventory", "dir", ".", "-f", format, "-q"]);
        assert_eq!(code(&out), 2, "inventory -f {format}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "inventory writes text, json, jsonl, csv or html, not {format}:"
            )),
            "{}",
            stderr(&out)
        );
    }
    // Standard input has no file in the checkout: no `file=`, the place in the message.
    let out = run_stdin(t.dir.path(), &["stdin", "-f", "github", "-q"], input.as_bytes());
    let first = stdout(&out).lines().next().unwrap().to_string();
    assert!(first.starts_with("::error title="), "{first}");
    assert!(first.contains(" in stdin."), "{first}");
}

/// A YAML document, parsed.
fn yaml(path: &str) -> yaml_rust2::Yaml {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let mut docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(docs.len(), 1, "{path}");
    docs.remove(0)
}

/// README's CI section.
fn readme_ci_section() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("\n## CI\n").expect("README has a CI section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map(|i| i + 4).unwrap_or(rest.len());
    rest[..end].to_string()
}

#[test]
fn the_github_action_parses_and_the_readme_documents_its_inputs() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = action["inputs"].as_hash().expect("inputs");
    let names: Vec<&str> = inputs.keys().map(|k| k.as_str().unwrap()).collect();
    for wanted in ["version", "scan", "path", "fail-on", "upload-sarif", "args"] {
        assert!(names.contains(&wanted), "input {wanted} missing: {names:?}");
    }
    let section = readme_ci_section();
    for (name, input) in inputs {
        let name = name.as_str().unwrap();
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name} has no description"
        );
        assert!(
            section.contains(&format!("`{name}`")),
            "README's CI section does not document `{name}`"
        );
    }
    // It annotates with `--format github` and uploads `--format sarif`
    // through code scanning's own action.
    let steps = action["runs"]["steps"].as_vec().expect("steps");
    let runs: String = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(runs.contains("--format github"), "{runs}");
    assert!(runs.contains("--format sarif"), "{runs}");
    assert!(steps.iter().any(|s| s["uses"]
        .as_str()
        .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))));
    // Every `run` step names its shell, as composite actions must.
    for s in steps.iter().filter(|s| !s["run"].is_badvalue()) {
        assert_eq!(s["shell"].as_str(), Some("bash"), "{s:?}");
    }
}

#[test]
fn the_gitlab_template_parses_and_reports_secret_detection() {
    let template = yaml("ci/gitlab/keyhound.gitlab-ci.yml");
    let job = &template["keyhound-secret-detection"];
    assert!(!job.is_badvalue(), "the job is there");
    assert_eq!(
        job["artifacts"]["reports"]["secret_detection"].as_str(),
        Some("gl-secret-detection-report.json")
    );
    let script: Vec<&str> = job["script"]
        .as_vec()
        .expect("script")
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let script = script.join("\n");
    assert!(script.contains("--format gitlab"), "{script}");
    assert!(script.contains("gl-secret-detection-report.json"), "{script}");
    let section = readme_ci_section();
    assert!(section.contains("ci/gitlab/keyhound.gitlab-ci.yml"));
    for variable in job["variables"].as_hash().expect("variables").keys() {
        let name = variable.as_str().unwrap();
        assert!(
            section.contains(&format!("`{name}`")),
            "README does not document `{name}`"
        );
    }
}

/// What a run of the action's steps came to.
struct ActionRun {
    /// The step that failed, if one did (later steps then did not run).
    failed: Option<String>,
    /// Each step's outputs, by step id.
    outputs: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// Everything the steps printed on standard output.
    log: String,
    /// The SARIF file handed to the upload step, if it ran.
    uploaded: Option<serde_json::Value>,
}

/// Evaluates the few expression forms action.yml uses: `${{ a.b.c }}`
/// and `${{ a.b == 'x' }}`, against `context`; anything else fails the
/// test, so an expression this emulation does not understand is never
/// silently read as empty.
fn evaluate(text: &str, context: &std::collections::BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        let expr = rest[start + 3..end].trim();
        let value = match expr.split_once(" == ") {
            Some((lhs, rhs)) => {
                let literal = rhs.trim().trim_matches('\'');
                (lookup(lhs.trim(), context) == literal).to_string()
            }
            None => lookup(expr, context),
        };
        out.push_str(&value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn lookup(name: &str, context: &std::collections::BTreeMap<String, String>) -> String {
    assert!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
        "unsupported expression {name:?}"
    );
    match context.get(name) {
        Some(v) => v.clone(),
        // GitHub gives an empty string for a missing property of the event
        // or of a step's outputs.
        None if name.starts_with("github.event.") || name.starts_with("steps.") => String::new(),
        None => panic!("action.yml names {name}, which this emulation does not provide"),
    }
}

/// Runs action.yml's steps as a GitHub runner would: each `run` under
/// `bash --noprofile --norc -eo pipefail`, with the step's `env:` evaluated,
/// `GITHUB_OUTPUT`/`GITHUB_PATH` files read back after each step, `if:`
/// honoured, and the SARIF upload step replaced by reading its file.
fn run_action(workspace: &Path, with: &[(&str, &str)], github: &[(&str, &str)]) -> ActionRun {
    use std::collections::BTreeMap;
    let action = yaml("action.yml");
    let temp = tempfile::tempdir().unwrap();
    let mut context: BTreeMap<String, String> = BTreeMap::new();
    for (name, input) in action["inputs"].as_hash().unwrap() {
        let default = input["default"].as_str().unwrap_or("").to_string();
        context.insert(format!("inputs.{}", name.as_str().unwrap()), default);
    }
    for (k, v) in with {
        assert!(context.contains_key(&format!("inputs.{k}")), "no input {k}");
        context.insert(format!("inputs.{k}"), v.to_string());
    }
    for (k, v) in github {
        context.insert(format!("github.{k}"), v.to_string());
    }
    let mut run = ActionRun {
        failed: None,
        outputs: BTreeMap::new(),
        log: String::new(),
        uploaded: None,
    };
    let mut path_dirs: Vec<String> = Vec::new();
    let github_path = temp.path().join("github_path");
    std::fs::write(&github_path, "").unwrap();
    for (i, step) in action["runs"]["steps"].as_vec().unwrap().iter().enumerate() {
        let name = step["name"].as_str().unwrap_or("step").to_string();
        if let Some(condition) = step["if"].as_str() {
            if evaluate(condition, &context) != "true" {
                continue;
            }
        }
        if let Some(uses) = step["uses"].as_str() {
            assert!(uses.starts_with("github/codeql-action/upload-sarif@"), "{uses}");
            let file = evaluate(step["with"]["sarif_file"].as_str().unwrap(), &context);
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("SARIF at {file:?}: {e}"));
            run.uploaded = Some(serde_json::from_str(&text).expect("SARIF is JSON"));
            continue;
        }
        let script = step["run"].as_str().expect("a run step");
        let output_file = temp.path().join(format!("output_{i}"));
        std::fs::write(&output_file, "").unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(workspace)
            .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &github_path)
            .env("RUNNER_TEMP", temp.path())
            .env("HOME", temp.path())
            .env_remove("NO_COLOR");
        let mut path = path_dirs.clone();
        path.push(std::env::var("PATH").unwrap_or_default());
        cmd.env("PATH", path.join(":"));
        if let Some(env) = step["env"].as_hash() {
            for (k, v) in env {
                let value = match v {
                    yaml_rust2::Yaml::String(s) => evaluate(s, &context),
                    other => panic!("env {k:?} is {other:?}"),
                };
                cmd.env(k.as_str().unwrap(), value);
            }
        }
        let out = cmd.output().expect("bash runs");
        run.log.push_str(&String::from_utf8_lossy(&out.stdout));
        for line in std::fs::read_to_string(&output_file).unwrap().lines() {
            let (k, v) = line.split_once('=').expect("key=value output");
            if let Some(id) = step["id"].as_str() {
                context.insert(format!("steps.{id}.outputs.{k}"), v.to_string());
                run.outputs
                    .entry(id.to_string())
                    .or_default()
                    .insert(k.to_string(), v.to_string());
            }
        }
        path_dirs = std::fs::read_to_string(&github_path)
            .unwrap()
            .lines()
            .rev()
            .map(str::to_string)
            .collect();
        if !out.status.success() {
            run.log.push_str(&String::from_utf8_lossy(&out.stderr));
            run.failed = Some(name);
            break;
        }
    }
    run
}

/// The binary under test, as the action's `version: path:…` takes it.
fn keyhound_path() -> String {
    format!("path:{}", env!("CARGO_BIN_EXE_keyhound"))
}

#[test]
fn the_github_action_scans_a_push_annotates_uploads_and_fails_by_policy() {
    let (repo, token, leak) = leaky_repo(19_020);
    let first = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let bin = keyhound_path();
    let push = [
        ("event_name", "push"),
        ("event.before", first.as_str()),
        ("event.after", leak.as_str()),
    ];

    let run = run_action(&repo.path, &[("version", bin.as_str())], &push);
    assert_eq!(run.failed.as_deref(), Some("Apply fail-on"), "{}", run.log);
    assert_eq!(
        run.outputs["target"]["command"],
        format!("git . --range {first}..{leak}")
    );
    assert_eq!(run.outputs["scan"]["code"], "1");
    assert_eq!(run.outputs["scan"]["findings"], "1");
    assert!(run.log.contains("::error file=deploy/x%2Cy.env,line=2,"), "{}", run.log);
    assert!(
        run.log.contains("::notice title=keyhound summary::1 secret finding(s)"),
        "{}",
        run.log
    );
    assert!(!run.log.contains(&token));
    let sarif = run.uploaded.expect("SARIF uploaded");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);

    // fail-on never: the same findings, a passing step.
    let run = run_action(&repo.path, &[("version", bin.as_str()), ("fail-on", "never")], &push);
    assert_eq!(run.failed, None, "{}", run.log);
    assert_eq!(run.outputs["scan"]["findings"], "1");

    // No SARIF upload when asked not to.
    let run = run_action(
        &repo.path,
        &[("version", bin.as_str()), ("upload-sarif", "false")],
        &push,
    );
    assert!(run.uploaded.is_none());
    assert!(!run.outputs.contains_key("sarif"));

    // A new branch (before is all zeros): everything reachable from the push.
    let zeros = "0".repeat(40);
    let new_branch = [
        ("event_name", "push"),
        ("event.before", zeros.as_str()),
        ("event.after", leak.as_str()),
    ];
    let run = run_action(&repo.path, &[("version", bin.as_str())], &new_branch);
    assert_eq!(run.outputs["target"]["command"], format!("git . --branch {leak}"));
    assert_eq!(run.failed.as_deref(), Some("Apply fail-on"), "{}", run.log);
}

#[test]
fn the_github_action_passes_a_clean_pull_request_and_refuses_a_bad_mode() {
    let (repo, _token, leak) = leaky_repo(19_021);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let bin = keyhound_path();
    // The pull request's only commit removes the token: nothing added, nothing found.
    let pr = [
        ("event_name", "pull_request"),
        ("event.pull_request.base.sha", leak.as_str()),
        ("event.pull_request.head.sha", head.as_str()),
    ];
    let run = run_action(&repo.path, &[("version", bin.as_str())], &pr);
    assert_eq!(run.failed, None, "{}", run.log);
    assert_eq!(
        run.outputs["target"]["command"],
        format!("git . --range {leak}..{head}")
    );
    assert_eq!(run.outputs["scan"]["findings"], "0");
    assert!(
        run.log.contains("::notice title=keyhound summary::no secrets found"),
        "{}",
        run.log
    );

    // Any other event scans the directory, whose files are clean now.
    let run = run_action(
        &repo.path,
        &[("version", bin.as_str())],
        &[("event_name", "workflow_dispatch")],
    );
    assert_eq!(run.outputs["target"]["command"], "dir .");
    assert_eq!(run.failed, None, "{}", run.log);

    let run = run_action(&repo.path, &[("version", bin.as_str()), ("scan", "everything")], &pr);
    assert_eq!(run.failed.as_deref(), Some("Choose what to scan"));
    assert!(
        run.log.contains("scan must be auto, pull-request, push or dir"),
        "{}",
        run.log
    );

    let run = run_action(&repo.path, &[("version", "path:/nonexistent/keyhound")], &pr);
    assert_eq!(run.failed.as_deref(), Some("Install keyhound"));
}

/// Runs the GitLab template's job script as GitLab's runner runs a bash
/// job (one shell, `set -eo pipefail`), with the template's variables,
/// `ci` on top, and `path` as PATH. Returns the exit code and the output.
fn run_gitlab_job(workspace: &Path, ci: &[(&str, &str)], path: &str) -> (i32, String) {
    let template = yaml("ci/gitlab/keyhound.gitlab-ci.yml");
    let job = &template["keyhound-secret-detection"];
    let mut script = String::from("set -eo pipefail\n");
    for line in job["script"].as_vec().unwrap() {
        script.push_str(line.as_str().unwrap());
        script.push('\n');
    }
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-c", &script])
        .current_dir(workspace)
        .env_clear()
        .env("PATH", path)
        .env("HOME", home.path());
    for (k, v) in job["variables"].as_hash().unwrap() {
        cmd.env(k.as_str().unwrap(), v.as_str().unwrap());
    }
    for (k, v) in ci {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), log)
}

#[test]
fn the_gitlab_job_writes_a_valid_report_and_fails_by_policy() {
    let (repo, token, leak) = leaky_repo(19_022);
    let first = repo.git(&["rev-list", "--max-parents=0", "HEAD"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_keyhound"))
        .parent()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let path = format!("{bin_dir}:/usr/local/bin:/usr/bin:/bin");
    let report_path = repo.path.join("gl-secret-detection-report.json");
    let junit_path = repo.path.join("keyhound-junit.xml");

    let push = [
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BEFORE_SHA", first.as_str()),
        ("CI_COMMIT_SHA", leak.as_str()),
    ];
    let (code, log) = run_gitlab_job(&repo.path, &push, &path);
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains(&format!("keyhound git . --range {first}..{leak}")),
        "{log}"
    );
    let text = std::fs::read_to_string(&report_path).unwrap();
    assert!(!text.contains(&token));
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_valid_gitlab(&report);
    assert_eq!(report["vulnerabilities"].as_array().unwrap().len(), 1);
    assert_eq!(report["vulnerabilities"][0]["location"]["commit"]["sha"], leak.as_str());
    let junit = std::fs::read_to_string(&junit_path).unwrap();
    let doc = roxmltree::Document::parse(&junit).expect("JUnit XML");
    assert_eq!(attr(doc.root_element(), "failures"), "1");

    // Report only.
    let mut never = push.to_vec();
    never.push(("KEYHOUND_FAIL_ON", "never"));
    let (code, log) = run_gitlab_job(&repo.path, &never, &path);
    assert_eq!(code, 0, "{log}");

    // A merge request whose commit only removes the token: clean.
    std::fs::remove_file(&report_path).unwrap();
    let mr = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", leak.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
    ];
    let (code, log) = run_gitlab_job(&repo.path, &mr, &path);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains(&format!("keyhound git . --range {leak}..{head}")), "{log}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_valid_gitlab(&report);
    assert_eq!(report["vulnerabilities"].as_array().unwrap().len(), 0);

    // No keyhound and no way to install it: the job says how to fix that.
    let (code, log) = run_gitlab_job(&repo.path, &push, "/usr/bin:/bin");
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("set KEYHOUND_VERSION or KEYHOUND_GIT_URL"), "{log}");
}

#[test]
fn a_finding_over_several_lines_is_annotated_without_columns() {
    let mut rng = Rng::new(19_030);
    let alphabet = format!("{BASE62}+/");
    let body: Vec<String> = (0..6).map(|_| rng.string(&alphabet, 64)).collect();
    let kind = "RSA PRIVATE KEY";
    let pem = format!("-----BEGIN {kind}-----\n{}\n-----END {kind}-----\n", body.join("\n"));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keys/deploy.pem", format!("# deploy key\n{pem}"));
    let findings = json_findings(dir.path(), &["dir", "."]);
    let multi: Vec<_> = findings.iter().filter(|f| f["end_line"] != f["line"]).collect();
    assert_eq!(multi.len(), 1, "{findings:?}");
    let f = multi[0];
    let out = run_in(dir.path(), &["dir", ".", "-f", "github", "-q"]);
    let text = stdout(&out);
    let head = format!(
        "::error file=keys/deploy.pem,line={},endLine={},title=keyhound%3A ",
        f["line"], f["end_line"]
    );
    assert!(text.lines().any(|l| l.starts_with(&head)), "{head}\n{text}");
    for b in &body {
        assert!(!text.contains(b.as_str()));
    }
    let (report, _) = gitlab_report(dir.path(), &["dir", "."], 1);
    assert_valid_gitlab(&report);
    let v = report["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["details"]["fingerprint"]["value"] == f["fingerprint"])
        .expect("the key's vulnerability");
    assert_eq!(v["location"]["start_line"], f["line"]);
    assert_eq!(v["location"]["end_line"], f["end_line"]);
}
