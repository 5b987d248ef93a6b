//! Human text: findings of one file together, `path:line:col`, severity,
//! rule and redacted secret, the redacted line below; a summary at the end.
//! History and image findings are grouped by secret instead (one entry per
//! fingerprint: its introduction, whether it is still in HEAD, the first
//! few of its places), unless `--all-locations`.

use std::collections::BTreeMap;

use std::io::Write;
use std::sync::Mutex;

use crate::options::ReportOptions;
use keyhound_findings::VerifyStats;
use keyhound_findings::{AccessMap, Status, Verification};
use keyhound_findings::{Finding, Origin};
use keyhound_findings::{Sink, Summary};
use keyhound_rules::Severity;

/// Streams findings grouped per file.
pub struct TextSink {
    out: Mutex<Box<dyn Write + Send>>,
    show_secrets: bool,
    color: bool,
    /// Each blob's rendered findings, written in a stable order at the end
    /// (sources scan in parallel, so arrival order differs run to run).
    held: Mutex<Vec<(Ordering, String)>>,
    /// History and image findings, with their arrival index, grouped by
    /// secret at the end (none with `--all-locations`).
    grouped: Mutex<Vec<(usize, Finding)>>,
    all_locations: bool,
}

/// Places of a secret listed under its entry (the rest are counted).
const PLACES_SHOWN: usize = 5;

/// Whether a finding comes from git history or an image, whose text
/// report reads by secret rather than by blob.
fn by_secret(f: &Finding) -> bool {
    matches!(
        &*f.origin,
        Origin::GitBlob { .. } | Origin::GitMessage { .. } | Origin::ImageLayer { .. } | Origin::ImageConfig { .. }
    )
}

/// Where a blob's findings go in the report: verified reports keep the
/// order the verifier gave (most dangerous first); others sort by place.
type Ordering = (usize, String, usize, usize);

impl TextSink {
    /// A text sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions) -> Self {
        TextSink {
            out: Mutex::new(out),
            show_secrets: options.show_secrets,
            color: options.color,
            held: Mutex::new(Vec::new()),
            grouped: Mutex::new(Vec::new()),
            all_locations: options.all_locations,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
    }
}

/// The first `chars` characters of `text`, cut at a char boundary: ids and
/// digests come from manifests and images, which may hold anything.
fn shorten(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// `commit author <email> date [still in HEAD] [+N other commit/path]`.
fn git_provenance(f: &Finding) -> String {
    let Some(c) = f.origin.commit_info() else {
        return String::new();
    };
    let mut p = format!("  {}  {}  {}", shorten(c.commit, 12), c.identity(), c.date);
    match f.present_in_head {
        Some(true) => p.push_str("  [still in HEAD]"),
        Some(false) => p.push_str("  [not in HEAD]"),
        None => {}
    }
    if let Origin::GitBlob { other_locations, .. } = &*f.origin {
        if *other_locations > 0 {
            p.push_str(&format!("  [+{other_locations} other commit/path]"));
        }
    }
    p
}

impl TextSink {
    /// `[LIVE login=… scopes=…]`, `[invalid]` or `[unknown: why]`.
    fn verification_tag(&self, v: &Verification) -> String {
        match v.status {
            Status::Live => {
                let details: Vec<String> = v
                    .account
                    .iter()
                    .map(|(k, val)| {
                        let short: String = val.chars().take(120).collect();
                        let more = if short.len() < val.len() { "…" } else { "" };
                        format!("{k}={short}{more}")
                    })
                    .collect();
                let text = if details.is_empty() {
                    "[LIVE]".to_string()
                } else {
                    format!("[LIVE {}]", details.join(" "))
                };
                self.paint("1;41;97", &text)
            }
            Status::Invalid => self.paint("32", "[invalid]"),
            Status::Unknown => self.paint(
                "33",
                &format!("[unknown: {}]", v.reason.as_deref().unwrap_or("no answer")),
            ),
        }
    }
}

/// The verification summary line.
pub fn verify_line(s: &VerifyStats) -> String {
    let mut line = format!(
        "verified: {} live, {} invalid, {} unknown, {} without a verifier ({} requests)",
        s.live, s.invalid, s.unknown, s.unverifiable, s.requests
    );
    if !s.access.is_empty() {
        let levels: Vec<String> = ["admin", "write", "read", "unknown"]
            .iter()
            .filter_map(|l| s.access.get(*l).map(|n| format!("{n} {l}")))
            .collect();
        line.push_str(&format!("; access of live keys: {}", levels.join(", ")));
    }
    line
}

/// The details of an access map, one line each: identity, scopes,
/// resources with samples, expiry, least-privilege flags, notes.
pub fn access_lines(map: &AccessMap) -> Vec<String> {
    let mut lines = Vec::new();
    if !map.identity.is_empty() {
        let who: Vec<String> = map.identity.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push(format!("identity: {}", who.join(" ")));
    }
    if !map.scopes.is_empty() {
        const SHOWN: usize = 12;
        let more = map.scopes.len().saturating_sub(SHOWN);
        let mut text = map.scopes[..map.scopes.len().min(SHOWN)].join(", ");
        if more > 0 {
            text.push_str(&format!(" (+{more} more)"));
        }
        lines.push(format!("scopes: {text}"));
    }
    for r in &map.resources {
        if !r.sample.is_empty() {
            let more = if (r.sample.len() as u64) < r.count { ", …" } else { "" };
            lines.push(format!("{}: {}{more}", r.name, r.sample.join(", ")));
        }
    }
    if let Some(expires) = &map.expires {
        lines.push(format!("expires: {expires}"));
    }
    for e in &map.excess {
        lines.push(format!("LEAST PRIVILEGE: {}: {}", e.what, e.advice));
    }
    for n in &map.notes {
        lines.push(format!("note: {n}"));
    }
    lines
}

impl TextSink {
    /// What follows `path:line:col`: commit or layer, decoding, and the
    /// verification tag when `verified`.
    fn provenance(&self, f: &Finding, verified: bool) -> String {
        let provenance = match &*f.origin {
            _ if f.origin.commit_info().is_some() => git_provenance(f),
            Origin::ImageLayer {
                image,
                layer_index,
                layer_digest,
                created_by,
                visible,
                hidden_by_layer,
                ..
            } => {
                let digest = layer_digest.trim_start_matches("sha256:");
                let mut p = format!("  {image} layer {layer_index} ({})", shorten(digest, 12));
                if let Some(step) = created_by {
                    let step: String = step.chars().take(60).collect();
                    p.push_str(&format!("  created by `{step}`"));
                }
                match (visible, hidden_by_layer) {
                    (true, _) => p.push_str("  [visible in final image]"),
                    (false, Some(j)) => p.push_str(&format!("  [deleted or replaced by layer {j}]")),
                    (false, None) => p.push_str("  [not visible]"),
                }
                p
            }
            Origin::Object {
                version,
                latest,
                modified,
                ..
            } => {
                let mut p = String::new();
                if let Some(version) = version {
                    p.push_str(&format!("  version {version}"));
                }
                if let Some(modified) = modified {
                    p.push_str(&format!("  written {}", modified.chars().take(10).collect::<String>()));
                }
                if !latest {
                    p.push_str("  [older version: overwritten or deleted, still readable]");
                }
                p
            }
            _ => String::new(),
        };
        let provenance = match &f.transcript {
            Some(place) => format!("{provenance}  {place}"),
            None => provenance,
        };
        let provenance = if f.decoded.is_empty() {
            provenance
        } else {
            format!("{provenance}  [decoded: {}]", f.decoded.join(" > "))
        };
        match &f.verification {
            Some(v) if verified => format!("{provenance}  {}", self.verification_tag(v)),
            _ => provenance,
        }
    }

    fn location(&self, f: &Finding) -> String {
        match (&*f.origin, f.origin.repository()) {
            // An audit of several repositories names the repository first.
            (Origin::GitBlob { .. } | Origin::GitMessage { .. }, Some(repository)) => {
                format!("{repository}: {}:{}:{}", f.origin.display_path(), f.line, f.column)
            }
            _ => format!("{}:{}:{}", f.origin.display_path(), f.line, f.column),
        }
    }

    /// `    access: …` and its detail lines, for a mapped live key.
    fn access_block(&self, f: &Finding) -> String {
        let mut buf = String::new();
        if let Some(map) = f.verification.as_ref().and_then(|v| v.access.as_ref()) {
            let color = match map.level {
                keyhound_findings::AccessLevel::Admin => "1;31",
                keyhound_findings::AccessLevel::Write => "31",
                _ => "33",
            };
            buf.push_str(&format!("    access: {}\n", self.paint(color, &map.summary())));
            for line in access_lines(map) {
                buf.push_str(&format!("      {line}\n"));
            }
        }
        buf
    }

    /// One finding as the per-blob report shows it.
    fn render(&self, f: &Finding) -> String {
        let why = match &f.reason {
            Some(r) => format!("    why: {}\n", self.paint("2", r)),
            None => String::new(),
        };
        format!(
            "{}{}  {}  {}  {}  ({})\n    {}\n{why}{}",
            self.paint("1", &self.location(f)),
            self.provenance(f, true),
            self.paint(severity_color(f.severity), f.severity.as_str()),
            self.paint("35", &f.rule_id),
            self.paint("1;33", &f.secret_for_output(self.show_secrets)),
            f.rule_name,
            self.paint("2", &f.snippet),
            self.access_block(f),
        )
    }

    /// One secret of history or an image: its introduction, whether it is
    /// still there, and the first few of its places.
    fn render_secret(&self, places: &[&Finding]) -> String {
        let first = places[0];
        let mut buf = format!(
            "{}  {}  {}  ({})",
            self.paint("1;33", &first.secret_for_output(self.show_secrets)),
            self.paint(severity_color(first.severity), first.severity.as_str()),
            self.paint("35", &first.rule_id),
            first.rule_name,
        );
        if let Some(v) = places.iter().find_map(|f| f.verification.as_ref()) {
            buf.push_str(&format!("  {}", self.verification_tag(v)));
        }
        buf.push('\n');
        let lead = if first.origin.commit_info().is_some() {
            "introduced"
        } else {
            "found"
        };
        buf.push_str(&format!(
            "    {lead} {}{}\n",
            self.paint("1", &self.location(first)),
            self.provenance(first, false)
        ));
        if first.origin.commit_info().is_some() {
            let present = places.iter().any(|f| f.present_in_head == Some(true));
            match places.iter().find_map(|f| f.removed.as_ref()) {
                Some(x) if !present => buf.push_str(&format!(
                    "    removed from HEAD in {} by {}, {}\n",
                    shorten(&x.commit, 12),
                    x.author,
                    x.date
                )),
                _ if present => buf.push_str("    still in HEAD\n"),
                _ => {}
            }
        }
        buf.push_str(&format!("    {}\n", self.paint("2", &first.snippet)));
        if let Some(f) = places
            .iter()
            .find(|f| f.verification.as_ref().is_some_and(|v| v.access.is_some()))
        {
            buf.push_str(&self.access_block(f));
        }
        let count: usize = places
            .iter()
            .map(|f| match &*f.origin {
                Origin::GitBlob { other_locations, .. } => 1 + other_locations,
                _ => 1,
            })
            .sum();
        if count > 1 {
            let commits: std::collections::BTreeSet<&str> = places
                .iter()
                .filter_map(|f| f.origin.commit_info().map(|c| c.commit))
                .collect();
            let mut line = format!("    {count} place(s)");
            if !commits.is_empty() {
                line.push_str(&format!(" in {} commit(s)", commits.len()));
            }
            buf.push_str(&line);
            buf.push_str(":\n");
            for f in places.iter().take(PLACES_SHOWN) {
                buf.push_str(&format!("      {}{}\n", self.location(f), self.provenance(f, false)));
            }
            if places.len() > PLACES_SHOWN {
                buf.push_str(&format!(
                    "      … {} more (--all-locations prints every place)\n",
                    places.len() - PLACES_SHOWN
                ));
            }
        }
        buf.push('\n');
        buf
    }

    /// The grouped entries, in order: the verifier's ranking when verified,
    /// else by first sighting (date, then path), then fingerprint.
    fn grouped_text(&self) -> String {
        let grouped = std::mem::take(&mut *self.grouped.lock().unwrap_or_else(|e| e.into_inner()));
        let mut by_fp: BTreeMap<&str, Vec<&(usize, Finding)>> = BTreeMap::new();
        for entry in &grouped {
            by_fp.entry(&entry.1.fingerprint).or_default().push(entry);
        }
        let mut entries: Vec<(bool, usize, Option<i64>, Vec<&Finding>)> = by_fp
            .into_values()
            .map(|mut group| {
                let date = |f: &Finding| {
                    f.origin
                        .commit_info()
                        .and_then(|c| keyhound_findings::time::parse_seconds(c.date))
                };
                let layer = |f: &Finding| match &*f.origin {
                    Origin::ImageLayer { layer_index, .. } => *layer_index,
                    _ => usize::MAX,
                };
                group.sort_by(|a, b| {
                    (date(&a.1), layer(&a.1), crate::view::place(&a.1), a.0).cmp(&(
                        date(&b.1),
                        layer(&b.1),
                        crate::view::place(&b.1),
                        b.0,
                    ))
                });
                let verified = group.iter().any(|e| e.1.verification.is_some());
                let arrival = group.iter().map(|e| e.0).min().unwrap_or(0);
                let first_date = date(&group[0].1);
                (verified, arrival, first_date, group.into_iter().map(|e| &e.1).collect())
            })
            .collect();
        entries.sort_by(|a, b| {
            let key = |e: &(bool, usize, Option<i64>, Vec<&Finding>)| {
                (
                    if e.0 { e.1 } else { 0 },
                    e.2,
                    e.3[0].origin.display_path().to_string(),
                    e.3[0].fingerprint.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        entries.iter().map(|e| self.render_secret(&e.3)).collect()
    }
}

impl Sink for TextSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        let (grouped, findings): (Vec<Finding>, Vec<Finding>) =
            findings.into_iter().partition(|f| !self.all_locations && by_secret(f));
        if !grouped.is_empty() {
            let mut held = self.grouped.lock().unwrap_or_else(|e| e.into_inner());
            let at = held.len();
            held.extend(grouped.into_iter().enumerate().map(|(i, f)| (at + i, f)));
        }
        if findings.is_empty() {
            return;
        }
        let mut buf = String::new();
        for f in &findings {
            buf.push_str(&self.render(f));
        }
        buf.push('\n');
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let verified = findings.iter().any(|f| f.verification.is_some());
        let key = match findings.first() {
            // Arrival order is the verifier's ranking: keep it.
            Some(_) if verified => (held.len(), String::new(), 0, 0),
            Some(f) => (0, f.origin.display_path().to_string(), f.line, f.column),
            None => (0, String::new(), 0, 0),
        };
        held.push((key, buf));
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let mut held = std::mem::take(&mut *self.held.lock().unwrap_or_else(|e| e.into_inner()));
        held.sort();
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        for (_, text) in held {
            out.write_all(text.as_bytes())?;
        }
        out.write_all(self.grouped_text().as_bytes())?;
        let verdict = if summary.findings == 0 {
            self.paint("1;32", "no secrets found")
        } else {
            self.paint("1;31", &format!("{} secret(s) found", summary.findings))
        };
        writeln!(out, "{}", summary_line(summary, &verdict))?;
        out.flush()
    }
}

/// One-line summary shared by the text report and the stderr summary of
/// the other formats.
pub fn summary_line(s: &Summary, verdict: &str) -> String {
    let mut line = format!(
        "{verdict}: {} files, {:.1} MB scanned in {:.2}s ({:.0} MB/s), {} rules",
        s.files,
        s.bytes as f64 / 1e6,
        s.elapsed_secs,
        s.mb_per_sec,
        s.rules
    );
    if s.warning_count > 0 {
        line.push_str(&format!(", {} warning(s)", s.warning_count));
    }
    if s.skipped > 0 {
        line.push_str(&format!(", {} skipped", s.skipped));
    }
    if s.accepted > 0 {
        line.push_str(&format!(", {} accepted by policy", s.accepted));
    }
    if s.interrupted {
        line.push_str(" (interrupted: incomplete)");
    }
    line
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;
    use keyhound_findings::Secret;

    /// A writer whose bytes the test can read back.
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

    fn finding(origin: Origin) -> Finding {
        Finding {
            rule_id: "test-rule".into(),
            rule_name: "Test rule".into(),
            severity: Severity::High,
            origin: Arc::new(origin),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 9,
            offset: 0,
            present_in_head: None,
            removed: None,
            transcript: None,
            decoded: Vec::new(),
            length: 8,
            secret: Secret::new("s3cr3t-value".into()),
            snippet: "token".into(),
            fingerprint: "00".into(),
            entropy: 0.0,
            reason: None,
            verification: None,
            verify_values: Default::default(),
        }
    }

    #[test]
    fn multibyte_digests_and_commit_ids_are_shortened_on_char_boundaries() {
        // Byte 12 of each falls inside a two-byte character.
        let digest = format!("sha256:a{}", "\u{e9}".repeat(20));
        let commit = format!("0{}", "\u{e9}".repeat(20));
        let layer = finding(Origin::ImageLayer {
            path: "etc/app.env".into(),
            image: "acme/app:1.0".into(),
            layer_index: 0,
            layer_digest: digest,
            created_by: None,
            visible: true,
            hidden_by_layer: None,
        });
        let blob = finding(Origin::GitBlob {
            path: "a.env".into(),
            commit,
            author: "A".into(),
            email: "a@example.com".into(),
            date: "2024-01-01".into(),
            blob: "b".into(),
            other_locations: 0,
            repository: None,
        });
        let out = Shared::default();
        let options = ReportOptions {
            show_secrets: false,
            color: false,
            base_dir: None,
            rules: Vec::new(),
            vcs: None,
            author: None,
            sort: false,
            all_locations: true,
        };
        let sink = TextSink::new(Box::new(out.clone()), options);
        sink.blob_findings(vec![layer, blob]);
        // Findings are written at the end, in a stable order.
        sink.finish(&Summary::default()).unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let eleven = "\u{e9}".repeat(11);
        assert!(text.contains(&format!("acme/app:1.0 layer 0 (a{eleven})")), "{text}");
        assert!(text.contains(&format!("  0{eleven}  A <a@example.com>")), "{text}");
        assert_eq!(shorten("abc", 12), "abc");
        assert_eq!(shorten("", 12), "");
    }

    fn history(path: &str, commit: char, date: &str, fingerprint: &str) -> Finding {
        let mut f = finding(Origin::GitBlob {
            path: path.into(),
            commit: commit.to_string().repeat(40),
            author: "Ann".into(),
            email: "ann@example.com".into(),
            date: date.into(),
            blob: "b".into(),
            other_locations: 0,
            repository: None,
        });
        f.fingerprint = fingerprint.into();
        f.present_in_head = Some(false);
        f.removed = Some(keyhound_findings::Removal {
            commit: "f".repeat(40),
            author: "Bob".into(),
            date: "2024-09-01T00:00:00+00:00".into(),
        });
        f
    }

    fn report(findings: Vec<Vec<Finding>>, all_locations: bool) -> String {
        let out = Shared::default();
        let options = ReportOptions {
            show_secrets: false,
            color: false,
            base_dir: None,
            rules: Vec::new(),
            vcs: None,
            author: None,
            sort: false,
            all_locations,
        };
        let sink = TextSink::new(Box::new(out.clone()), options);
        for blob in findings {
            sink.blob_findings(blob);
        }
        sink.finish(&Summary::default()).unwrap();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        text
    }

    #[test]
    fn history_reads_by_secret_with_its_first_places() {
        // One documentation token in seven versions of a file, arriving in
        // any order, and another secret introduced later.
        let mut blobs: Vec<Vec<Finding>> = (0..7u32)
            .rev()
            .map(|i| {
                let commit = char::from_digit(i + 1, 10).unwrap();
                vec![history(
                    "docs/guide.md",
                    commit,
                    &format!("2024-0{}-01T00:00:00+00:00", i + 1),
                    "aa",
                )]
            })
            .collect();
        blobs.insert(3, vec![history("app.env", 'e', "2024-05-15T00:00:00+00:00", "bb")]);
        let text = report(blobs.clone(), false);
        assert_eq!(text.matches("  high  test-rule  (Test rule)").count(), 2, "{text}");
        let first = text
            .find("introduced docs/guide.md:1:1  111111111111  Ann <ann@example.com>  2024-01-01")
            .unwrap();
        let second = text.find("introduced app.env:1:1  eeeeeeeeeeee").unwrap();
        assert!(first < second, "oldest introduction first:\n{text}");
        assert!(text.contains("    removed from HEAD in ffffffffffff by Bob, 2024-09-01T00:00:00+00:00\n"));
        assert!(text.contains("    7 place(s) in 7 commit(s):\n"), "{text}");
        assert!(text.contains("      docs/guide.md:1:1  555555555555"));
        assert!(!text.contains("      docs/guide.md:1:1  666666666666"));
        assert!(text.contains("      … 2 more (--all-locations prints every place)\n"));
        // The same findings in another order give the same report.
        blobs.reverse();
        assert_eq!(report(blobs.clone(), false), text);

        let every = report(blobs, true);
        assert_eq!(every.matches("  high  test-rule  s3****").count(), 8, "{every}");
    }
}
