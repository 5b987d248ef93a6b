//! The page's promises: everything escaped, byte-identical output for the
//! same input in any order, redaction by default, a banner with secrets.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::*;
use crate::options::ReportOptions;
use keyhound_findings::{AccessLevel, AccessMap, Excess, Origin, Removal, Secret, Status, Verification};
use keyhound_rules::Severity;

const TOKEN: &str = "ghp_R7kQ2mV9xL4pT8wZ3nB6cY1dF5gH0jK2sA9e";
const INJECTION: &str = "<script>document.body.dataset.pwned='1'</script>\"'&";

fn finding(path: &str, line: usize, secret: &str, commit: &str, date: &str) -> Finding {
    Finding {
        rule_id: "github-pat".into(),
        rule_name: "GitHub personal access token".into(),
        severity: Severity::Critical,
        origin: Arc::new(Origin::GitBlob {
            path: path.into(),
            commit: commit.into(),
            author: INJECTION.into(),
            email: "a@example.com".into(),
            date: date.into(),
            blob: "b".repeat(40),
            other_locations: 0,
            repository: None,
        }),
        line,
        column: 7,
        end_line: line,
        end_column: 7 + secret.len(),
        offset: 0,
        present_in_head: Some(false),
        removed: Some(Removal {
            commit: "c".repeat(40),
            author: "Bob".into(),
            date: "2024-03-01T00:00:00+00:00".into(),
        }),
        transcript: None,
        decoded: Vec::new(),
        length: secret.len(),
        secret: Secret::new(secret.into()),
        snippet: format!("token={} {INJECTION}", keyhound_findings::redact(secret)),
        fingerprint: keyhound_findings::fingerprint("github-pat", secret),
        entropy: 4.5,
        reason: None,
        verification: None,
        verify_values: BTreeMap::new(),
    }
}

fn findings() -> Vec<Finding> {
    vec![
        finding(
            &format!("{INJECTION}.env"),
            3,
            TOKEN,
            &"1".repeat(40),
            "2024-01-01T00:00:00+00:00",
        ),
        finding("config/app.yml", 1, TOKEN, &"2".repeat(40), "2024-02-01T00:00:00+00:00"),
    ]
}

/// A writer the test can read after the sink is done with it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn options(show_secrets: bool) -> ReportOptions {
    ReportOptions {
        show_secrets,
        color: false,
        base_dir: None,
        rules: Vec::new(),
        vcs: None,
        author: None,
        sort: false,
        all_locations: false,
    }
}

/// Feeds `findings` to an HTML sink blob by blob, as a scan would.
fn through_sink(findings: Vec<Finding>, show_secrets: bool) -> String {
    let out = Shared::default();
    let sink = HtmlSink::new(Box::new(out.clone()), options(show_secrets));
    for f in findings {
        sink.blob_findings(vec![f]);
    }
    sink.finish(&Summary::default()).unwrap();
    let bytes = out.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn escape_covers_markup_quotes_and_control_characters() {
    assert_eq!(
        escape("<a href=\"x\">'&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
    assert_eq!(escape("tab\tline\nnul\0bell\x07"), "tab\tline\nnul\u{FFFD}bell\u{FFFD}");
    assert_eq!(escape("plain ünïcode"), "plain ünïcode");
}

#[test]
fn attacker_controlled_text_never_becomes_markup() {
    let html = through_sink(findings(), false);
    assert!(!html.contains(INJECTION), "raw injection in the page");
    assert!(html.contains("&lt;script&gt;document.body.dataset.pwned=&#39;1&#39;&lt;/script&gt;&quot;&#39;&amp;"));
    // One script element: the page's own, at the end.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script>// Filters of the findings table."));
    // Nothing fetched: no external resource anywhere.
    for needle in ["src=\"http", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(!html.contains(needle), "{needle} in the page");
    }
    assert!(html.contains("content=\"default-src &#39;none&#39;;"));
}

#[test]
fn a_javascript_url_in_a_rule_is_not_a_link() {
    assert_eq!(
        page::link("javascript:alert(1)"),
        "<span class=\"url\">javascript:alert(1)</span>"
    );
    assert!(
        page::link("https://github.com/settings/tokens").starts_with("<a href=\"https://github.com/settings/tokens\"")
    );
    assert!(page::link("https://x.example/\"onmouseover=\"alert(1)").contains("&quot;onmouseover=&quot;"));
}

#[test]
fn the_same_findings_in_any_order_give_the_same_bytes() {
    let forward = through_sink(findings(), false);
    let mut reversed = findings();
    reversed.reverse();
    assert_eq!(forward, through_sink(reversed, false));
    assert_eq!(forward, through_sink(findings(), false));
}

#[test]
fn secrets_are_redacted_unless_asked_and_then_a_banner_says_so() {
    let redacted = through_sink(findings(), false);
    assert!(!redacted.contains(TOKEN));
    assert!(redacted.contains("ghp_R7****"));
    assert!(redacted.contains("id=\"redacted-note\""));
    assert!(!redacted.contains("id=\"secrets-banner\""));

    let shown = through_sink(findings(), true);
    assert!(shown.contains(TOKEN));
    assert!(shown.contains("id=\"secrets-banner\""));
    assert!(shown.contains("This file contains full, unredacted secrets"));
}

#[test]
fn a_saved_report_with_full_secrets_is_redacted_when_rendered_by_default() {
    let mut records: Vec<Record> = findings().iter().map(|f| Record::from_finding(f, true)).collect();
    records[0].snippet = format!("token={TOKEN}");
    let mut page = Page {
        records,
        ..Page::default()
    };
    let html = render(&page);
    assert!(!html.contains(TOKEN), "a full secret in a redacted page");
    assert!(html.contains("token=ghp_R7****"));
    page.show_secrets = true;
    let html = render(&page);
    assert!(html.contains(TOKEN));
    assert!(html.contains("id=\"secrets-banner\""));
}

#[test]
fn the_timeline_draws_one_bar_per_secret_from_introduction_to_the_end() {
    let mut all = findings();
    all.push(finding(
        "other.txt",
        9,
        "ghp_Z9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8c",
        &"3".repeat(40),
        "2023-06-01T00:00:00+00:00",
    ));
    let html = through_sink(all, false);
    assert_eq!(html.matches("<g class=\"bar ").count(), 2);
    let fp = keyhound_findings::fingerprint("github-pat", TOKEN);
    let bar = format!("data-fp=\"{fp}\" data-introduced=\"2024-01-01\" data-removed=\"2024-03-01\" data-revoked=\"\" data-end=\"2024-03-01\"");
    assert!(html.contains(&bar), "{html}");
    // One later sighting of the token (its second commit).
    assert!(html.contains("; 1 later sighting(s)"));
}

#[test]
fn revocation_from_the_audit_log_ends_the_bar() {
    let records: Vec<Record> = findings().iter().map(|f| Record::from_finding(f, false)).collect();
    let fp = records[0].fingerprint.clone();
    let page = Page {
        records,
        revoked: BTreeMap::from([(fp.clone(), "2024-04-15T08:00:00+00:00".to_string())]),
        ..Page::default()
    };
    let html = render(&page);
    assert!(html.contains(&format!("data-fp=\"{fp}\" data-introduced=\"2024-01-01\" data-removed=\"2024-03-01\" data-revoked=\"2024-04-15\" data-end=\"2024-04-15\"")));
    assert!(html.contains("<circle class=\"revoked\""));
    assert!(html.contains("<td class=\"days\">105 days</td>"));
}

#[test]
fn live_keys_show_their_access_map_and_least_privilege_flags() {
    let mut all = findings();
    let mut map = AccessMap::unknown("one call refused");
    map.level = AccessLevel::Admin;
    map.scopes = vec!["repo".into(), "admin:org".into()];
    map.excess = vec![Excess {
        what: "scope admin:org".into(),
        advice: "a fine-grained token <scoped> to one repository".into(),
    }];
    for f in &mut all {
        f.verification = Some(Verification {
            status: Status::Live,
            reason: None,
            account: BTreeMap::from([("login".to_string(), "octo<cat>".to_string())]),
            http_status: Some(200),
            checked_at: "2024-05-01T00:00:00+00:00".into(),
            cached: false,
            access: Some(map.clone()),
        });
    }
    let html = through_sink(all, false);
    assert!(html.contains("<span class=\"level admin\">admin</span>"));
    assert!(html.contains(
        "<strong>Least privilege:</strong> scope admin:org — a fine-grained token &lt;scoped&gt; to one repository"
    ));
    assert!(html.contains("login=octo&lt;cat&gt;"));
    assert!(html.contains("<tr data-key=\"access:admin\" class=\"k-admin\"><th>admin</th><td class=\"findings\">2</td><td class=\"secrets\">1</td>"));
    assert!(html.contains("<tr data-key=\"liveness:live\""));
}

#[test]
fn a_saved_json_report_reads_back_into_the_same_page() {
    let out = Shared::default();
    let sink = crate::json::JsonSink::new(Box::new(out.clone()), options(false));
    sink.blob_findings(findings());
    sink.finish(&Summary::default()).unwrap();
    let json = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let saved = crate::saved::parse(&json).unwrap();
    let direct: Vec<Record> = findings().iter().map(|f| Record::from_finding(f, false)).collect();
    let page = |records| Page {
        records,
        totals: Some(Totals::default()),
        ..Page::default()
    };
    assert_eq!(render(&page(saved.records)), render(&page(direct)));
}

#[test]
fn image_findings_show_their_layer_and_visibility() {
    let mut f = finding("app/.env", 2, TOKEN, "x", "y");
    f.origin = Arc::new(Origin::ImageLayer {
        path: "app/.env".into(),
        image: "registry.example/app:1.2 linux/amd64".into(),
        layer_index: 1,
        layer_digest: format!("sha256:{}", "ab".repeat(32)),
        created_by: Some("COPY . /app # <b>bold</b>".into()),
        visible: false,
        hidden_by_layer: Some(3),
    });
    f.present_in_head = None;
    f.removed = None;
    let html = through_sink(vec![f], false);
    assert!(html.contains("<h3>Image layers</h3>"));
    assert!(html.contains(
        "<td>1 <code>sha256:abababababab</code></td><td><code>COPY . /app # &lt;b&gt;bold&lt;/b&gt;</code></td>"
    ));
    assert!(html.contains("no: deleted or replaced by layer 3 (still in the image&#39;s history)"));
    assert!(html.contains("<tr data-key=\"source:image layers\""));
    assert!(html.contains("<tr data-key=\"image:registry.example/app:1.2 linux/amd64\""));
    assert!(html.contains("data-state=\"removed\""));
    // No commit dates: no bars, and the page says why.
    assert!(!html.contains("<g class=\"bar "));
    assert!(html.contains("No dated sightings"));
}

#[test]
fn exposure_sections_count_uses_escape_the_logs_and_say_when_they_are_incomplete() {
    let page = Page::default();
    let entry = |fp: &str, usage: Option<ExposureUsage>| ExposureEntry {
        fingerprint: fp.into(),
        rule_id: "github-pat".into(),
        secret: "ghp_R7****".into(),
        introduced: Some("2024-01-10T09:00:00+00:00".into()),
        introduced_by: Some(INJECTION.into()),
        removed: None,
        revoked: Some("2024-02-01T00:00:00Z".into()),
        exposed_days: Some(21),
        usage,
    };
    let use_of = |ip: &str, known: bool| ExposureUse {
        time: "2024-01-11T00:00:00Z".into(),
        action: INJECTION.into(),
        source_ip: Some(ip.into()),
        user_agent: Some(INJECTION.into()),
        known,
        count: Some(3),
    };
    let usage = ExposureUsage {
        source: "GitHub audit log of acme".into(),
        uses: vec![use_of("203.0.113.1", true), use_of("198.51.100.2", false)],
        incomplete: true,
        notes: vec![format!("audit-log: HTTP 403 {INJECTION}")],
        ..ExposureUsage::default()
    };
    let html = render_with_exposure(&page, &[entry("aaa", Some(usage)), entry("bbb", None)]);
    assert!(!html.contains("<script>document"), "escaped");
    assert!(html.contains("id=\"exposure-aaa\" data-fp=\"aaa\" data-uses=\"2\" data-known=\"1\" data-unknown=\"1\""));
    assert!(html.contains("class=\"exposure-key used-by-others\""));
    assert!(html.contains("<strong class=\"incomplete\">"));
    assert!(html.contains("<dd class=\"revoked\">2024-02-01</dd>"));
    assert!(html.contains(" ×3"));
    assert!(html.contains("id=\"exposure-bbb\" data-fp=\"bbb\" data-uses=\"0\""));
    assert!(html.contains("No provider log was asked about this key"));
    assert!(html.contains("href=\"#exposure\""));
    // Without an audit, the page is the plain report.
    assert_eq!(render_with_exposure(&page, &[]), render(&page));
    assert!(!render(&page).contains("id=\"exposure\""));
}
