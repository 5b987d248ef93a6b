//! Drawing the page: summary, timeline, secrets (access maps, revocation),
//! findings table.
//!
//! Plain `write!` into a `String` with one escape function rather than a
//! template engine (maud, askama): the page is a handful of tables and one
//! SVG, a template crate would add proc-macro dependencies to every build
//! of the tool, and here every interpolated value visibly goes through
//! [`E`] (text and double-quoted attributes alike) or is a number we
//! computed. Nothing attacker-controlled (paths, snippets, commit authors,
//! account names, rule packs) reaches the page unescaped, and the page's
//! Content-Security-Policy runs only the one script and style whose hashes
//! it names, so even a mistake could not run injected code or fetch
//! anything.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::model::{ExposureEntry, Page, PlanEntry, Record, RuleInfo};
use keyhound_findings::time::{format_seconds, parse_seconds};
use keyhound_findings::{AccessLevel, Origin, Removal, Status, Verification};
use keyhound_rules::Severity;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Escapes text for HTML element content and double- or single-quoted
/// attribute values (also valid in inline SVG); control characters other
/// than tab and newline become U+FFFD.
pub fn escape(text: &str) -> String {
    E(text).to_string()
}

/// Displays a string HTML-escaped (see [`escape`]).
struct E<'a>(&'a str);

impl fmt::Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(|c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || is_bad_control(c)) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().expect("found a char");
            f.write_str(match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => "\u{FFFD}",
            })?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

fn is_bad_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// A link the reader may click (a provider's console), only for http(s)
/// URLs; anything else (`javascript:`, `data:`) is shown as text.
pub(super) fn link(url: &str) -> String {
    let lower = url.to_ascii_lowercase();
    let clickable = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if clickable {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer\" target=\"_blank\">{}</a>",
            E(url),
            E(url)
        )
    } else {
        format!("<span class=\"url\">{}</span>", E(url))
    }
}

/// `sha256-…` for a Content-Security-Policy source list.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The first `n` characters of `text`.
fn short(text: &str, n: usize) -> &str {
    match text.char_indices().nth(n) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// `YYYY-MM-DD` of a Unix time.
fn day(unix: i64) -> String {
    short(&format_seconds(unix), 10).to_string()
}

/// Liveness of a verification: `live`, `invalid`, `unknown`, or
/// `unverified` without one.
fn liveness(v: Option<&Verification>) -> &'static str {
    v.map_or("unverified", |v| v.status.as_str())
}

/// Order of liveness in lists: live keys first.
fn liveness_rank(l: &str) -> u8 {
    match l {
        "live" => 0,
        "unknown" => 1,
        "unverified" => 2,
        _ => 3,
    }
}

/// Whether the place of a record still holds the secret: `present`,
/// `removed` (gone from HEAD, or hidden by a later image layer) or
/// `unknown` (a stream).
fn state(r: &Record) -> &'static str {
    let from_head = |p: Option<bool>| match p {
        Some(true) => "present",
        Some(false) => "removed",
        None => "unknown",
    };
    match &r.origin {
        Some(Origin::GitBlob { .. } | Origin::GitMessage { .. }) | None => from_head(r.present_in_head),
        Some(Origin::ImageLayer { visible, .. }) => from_head(Some(*visible)),
        Some(Origin::Object { latest, .. }) => from_head(Some(*latest)),
        Some(Origin::Stdin { .. }) => "unknown",
        Some(Origin::File { .. } | Origin::Staged { .. } | Origin::ImageConfig { .. } | Origin::Web { .. }) => {
            "present"
        }
    }
}

/// Which kind of input a record came from.
fn source_kind(r: &Record) -> &'static str {
    match &r.origin {
        Some(Origin::File { .. }) => "tree",
        Some(Origin::Staged { .. }) => "staged changes",
        Some(Origin::Stdin { .. }) => "stream",
        Some(Origin::GitBlob { .. }) => "history",
        Some(Origin::GitMessage { .. }) => "commit messages",
        Some(Origin::ImageLayer { .. }) => "image layers",
        Some(Origin::ImageConfig { .. }) => "image config",
        Some(Origin::Web { .. }) => "issues and pull requests",
        Some(Origin::Object { .. }) => "object store",
        None => "unknown",
    }
}

/// A commit sighting of a secret.
struct Sighting<'a> {
    unix: i64,
    date: &'a str,
    commit: &'a str,
    author: String,
    path: &'a str,
}

/// One distinct secret and everything the page says about it.
struct Key<'a> {
    fingerprint: &'a str,
    rule_id: &'a str,
    name: String,
    provider: String,
    severity: Severity,
    secret: String,
    records: Vec<&'a Record>,
    verification: Option<&'a Verification>,
    state: &'static str,
    /// Commit sightings, oldest first (the first introduced it).
    sightings: Vec<Sighting<'a>>,
    removed: Option<(&'a Removal, Option<i64>)>,
    revoked: Option<(&'a str, Option<i64>)>,
}

impl Key<'_> {
    fn liveness(&self) -> &'static str {
        liveness(self.verification)
    }

    fn access(&self) -> Option<AccessLevel> {
        self.verification.and_then(Verification::access_level)
    }

    /// Days from introduction to revocation, or to `as_of` when not revoked.
    fn exposure_days(&self, as_of: Option<i64>) -> Option<i64> {
        let start = self.sightings.first()?.unix;
        let end = self.revoked.and_then(|(_, t)| t).or(as_of)?;
        Some((end - start).max(0) / 86_400)
    }
}

/// What the page is drawn from, prepared once.
struct Model<'a> {
    page: &'a Page,
    /// Records in a stable order: path, line, column, rule, fingerprint.
    records: Vec<&'a Record>,
    /// Distinct secrets, the most urgent first.
    keys: Vec<Key<'a>>,
    /// The latest date in the input: the end of the timeline's axis.
    as_of: Option<i64>,
    /// Full secrets the input holds by the line (path, line) they are on,
    /// longest first, to redact the snippets of that line.
    full_secrets: BTreeMap<(&'a str, usize), Vec<&'a str>>,
    /// The exposure audit's keys, when the page shows one.
    exposure: &'a [ExposureEntry],
}

impl<'a> Model<'a> {
    fn new(page: &'a Page) -> Model<'a> {
        let mut records: Vec<&Record> = page.records.iter().collect();
        records.sort_by(|a, b| {
            let commit = |r: &'a Record| r.origin.as_ref().and_then(Origin::commit_info).map(|c| c.commit);
            (&a.path, a.line, a.column, &a.rule_id, &a.fingerprint, commit(a)).cmp(&(
                &b.path,
                b.line,
                b.column,
                &b.rule_id,
                &b.fingerprint,
                commit(b),
            ))
        });
        let mut full_secrets: BTreeMap<(&str, usize), Vec<&str>> = BTreeMap::new();
        for r in records.iter().filter(|r| !r.redacted && !r.secret.is_empty()) {
            full_secrets.entry((&r.path, r.line)).or_default().push(&r.secret);
        }
        for secrets in full_secrets.values_mut() {
            secrets.sort_by(|a, b| (Reverse(a.len()), a).cmp(&(Reverse(b.len()), b)));
            secrets.dedup();
        }
        let mut groups: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
        for r in &records {
            groups.entry(&r.fingerprint).or_default().push(r);
        }
        let mut keys: Vec<Key> = groups
            .into_iter()
            .map(|(fp, group)| Self::key(page, fp, group))
            .collect();
        let mut dates: Vec<i64> = Vec::new();
        for k in &keys {
            dates.extend(k.sightings.iter().map(|s| s.unix));
            dates.extend(k.removed.and_then(|(_, t)| t));
            dates.extend(k.revoked.and_then(|(_, t)| t));
        }
        let as_of = dates.into_iter().max();
        keys.sort_by(|a, b| {
            (
                liveness_rank(a.liveness()),
                Reverse(a.access()),
                Reverse(a.exposure_days(as_of)),
                a.fingerprint,
            )
                .cmp(&(
                    liveness_rank(b.liveness()),
                    Reverse(b.access()),
                    Reverse(b.exposure_days(as_of)),
                    b.fingerprint,
                ))
        });
        Model {
            page,
            records,
            keys,
            as_of,
            full_secrets,
            exposure: &[],
        }
    }

    fn key(page: &'a Page, fingerprint: &'a str, records: Vec<&'a Record>) -> Key<'a> {
        let first = records[0];
        let rule = page.rules.get(&first.rule_id);
        let mut sightings: Vec<Sighting> = records
            .iter()
            .filter_map(|r| {
                let c = r.origin.as_ref()?.commit_info()?;
                Some(Sighting {
                    unix: parse_seconds(c.date)?,
                    date: c.date,
                    commit: c.commit,
                    author: c.identity(),
                    path: r.origin.as_ref().map_or("", Origin::display_path),
                })
            })
            .collect();
        sightings.sort_by(|a, b| (a.unix, a.commit, a.path).cmp(&(b.unix, b.commit, b.path)));
        let states: BTreeSet<&str> = records.iter().map(|r| state(r)).collect();
        let state = if states.contains("present") {
            "present"
        } else if states.contains("removed") {
            "removed"
        } else {
            "unknown"
        };
        let removed = records
            .iter()
            .filter_map(|r| r.removed.as_ref())
            .map(|x| (x, parse_seconds(&x.date)))
            .max_by(|a, b| (a.1, &a.0.commit).cmp(&(b.1, &b.0.commit)))
            .filter(|_| state == "removed");
        let name = rule.map_or_else(
            || {
                Some(first.rule_name.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| first.rule_id.clone())
            },
            |r| r.name.clone(),
        );
        Key {
            fingerprint,
            rule_id: &first.rule_id,
            name,
            provider: rule
                .and_then(|r| r.provider.clone())
                .unwrap_or_else(|| first.rule_id.clone()),
            severity: records.iter().map(|r| r.severity).max().unwrap_or_default(),
            secret: secret_shown(first, page.show_secrets),
            verification: records.iter().find_map(|r| r.verification.as_ref()),
            state,
            sightings,
            removed,
            revoked: page
                .revoked
                .get(fingerprint)
                .map(|date| (date.as_str(), parse_seconds(date))),
            records,
        }
    }

    fn rule(&self, rule_id: &str) -> Option<&'a RuleInfo> {
        self.page.rules.get(rule_id)
    }

    fn provider(&self, r: &Record) -> String {
        self.rule(&r.rule_id)
            .and_then(|i| i.provider.clone())
            .unwrap_or_else(|| r.rule_id.clone())
    }

    /// The snippet as shown: full secrets redacted unless `--show-secrets`.
    fn snippet(&self, r: &Record) -> String {
        let mut text = r.snippet.clone();
        if !self.page.show_secrets {
            let on_line = self.full_secrets.get(&(r.path.as_str(), r.line));
            for secret in on_line.into_iter().flatten() {
                text = text.replace(secret, &keyhound_findings::redact(secret));
            }
        }
        text
    }
}

/// The secret as shown: redacted unless `--show-secrets` (and redacted
/// already when the input was).
fn secret_shown(r: &Record, show_secrets: bool) -> String {
    if r.redacted || show_secrets {
        r.secret.clone()
    } else {
        keyhound_findings::redact(&r.secret)
    }
}

/// Renders the whole page.
pub fn render(page: &Page) -> String {
    render_with_exposure(page, &[])
}

/// Renders the whole page with a section per key of an exposure audit
/// (`keyhound exposure -f html`): window, usage source, last use, uses
/// inside the window from known and unknown addresses, notes.
pub fn render_with_exposure(page: &Page, exposure: &[ExposureEntry]) -> String {
    let mut model = Model::new(page);
    model.exposure = exposure;
    let mut o = String::with_capacity(64 * 1024 + 2048 * page.records.len());
    // Writing into a String cannot fail.
    let _ = write_page(&mut o, &model);
    o
}

fn write_page(o: &mut String, m: &Model) -> fmt::Result {
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"keyhound {}\">\n\
         <title>keyhound audit report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        E(&csp),
        env!("CARGO_PKG_VERSION")
    )?;
    write_header(o, m)?;
    write_summary(o, m)?;
    write_timeline(o, m)?;
    write_exposure(o, m)?;
    write_secrets(o, m)?;
    write_table(o, m)?;
    writeln!(o, "<script>{SCRIPT}</script>\n</body>\n</html>")
}

fn write_header(o: &mut String, m: &Model) -> fmt::Result {
    writeln!(o, "<header>\n<h1>keyhound audit report</h1>")?;
    if let Some(source) = &m.page.source {
        writeln!(o, "<p class=\"source\">Source: <code>{}</code></p>", E(source))?;
    }
    if let Some(date) = m.as_of {
        writeln!(
            o,
            "<p class=\"as-of\">Dates run up to {}, the latest date in this report's data; \
             the report itself carries no time of its own.</p>",
            day(date)
        )?;
    }
    if m.page.totals.as_ref().is_some_and(|t| t.interrupted) {
        writeln!(
            o,
            "<div class=\"banner danger\" id=\"interrupted-banner\" role=\"alert\"><strong>Incomplete:</strong> \
             the scan was interrupted, so this report covers only what was read before it stopped. A key \
             missing here may still be in what was not read.</div>"
        )?;
    }
    let full = m.records.iter().filter(|r| !r.redacted).count();
    if m.page.show_secrets && full > 0 {
        writeln!(
            o,
            "<div class=\"banner danger\" id=\"secrets-banner\" role=\"alert\"><strong>This file contains full, \
             unredacted secrets</strong> ({full} finding(s) written with <code>--show-secrets</code>). Store and \
             share it like the secrets themselves, and delete it when the keys are revoked.</div>"
        )?;
    } else if m.page.show_secrets {
        writeln!(
            o,
            "<div class=\"banner\" id=\"secrets-note\"><code>--show-secrets</code> was given, but the input holds \
             only redacted secrets.</div>"
        )?;
    } else {
        writeln!(
            o,
            "<p class=\"redacted-note\" id=\"redacted-note\">Secrets are redacted to a short prefix; \
             fingerprints identify them.</p>"
        )?;
    }
    let exposure = if m.exposure.is_empty() {
        ""
    } else {
        "<a href=\"#exposure\">Used while exposed?</a> · "
    };
    writeln!(
        o,
        "<nav><a href=\"#summary\">Summary</a> · <a href=\"#timeline\">Timeline</a> · {exposure}\
         <a href=\"#secrets\">Secrets, access and revocation</a> · <a href=\"#findings\">Findings</a></nav>\n</header>"
    )
}

/// Most uses listed per key (the counts cover all of them).
const MAX_USES_SHOWN: usize = 200;

/// `YYYY-MM-DD` of an RFC 3339 date, or a dash.
fn date_or_dash(date: Option<&str>) -> String {
    date.map_or_else(|| "-".to_string(), |d| short(d, 10).to_string())
}

/// A section per key of the exposure audit: was it used while exposed?
fn write_exposure(o: &mut String, m: &Model) -> fmt::Result {
    if m.exposure.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "<section id=\"exposure\">\n<h2>Used while exposed?</h2>\n<p>Each key's window — introduced, removed \
         from HEAD, revoked — and what its provider's own log says about its uses inside it. Uses from \
         addresses you listed as yours (<code>--known-ips</code>) are counted apart from the rest.</p>"
    )?;
    for e in m.exposure {
        let uses = e.usage.as_ref().map_or(0, |u| u.uses.len());
        let known = e
            .usage
            .as_ref()
            .map_or(0, |u| u.uses.iter().filter(|x| x.known).count());
        let unknown = uses - known;
        writeln!(
            o,
            "<article class=\"exposure-key{}\" id=\"exposure-{}\" data-fp=\"{}\" data-uses=\"{uses}\" \
             data-known=\"{known}\" data-unknown=\"{unknown}\">",
            if unknown > 0 { " used-by-others" } else { "" },
            E(&e.fingerprint),
            E(&e.fingerprint)
        )?;
        writeln!(
            o,
            "<h3><code>{}</code> {} <span class=\"fp\">{}</span></h3>",
            E(&e.secret),
            E(&e.rule_id),
            E(short(&e.fingerprint, 12))
        )?;
        writeln!(o, "<dl class=\"window\">")?;
        let by = e
            .introduced_by
            .as_deref()
            .map(|a| format!(" by {}", E(a)))
            .unwrap_or_default();
        writeln!(
            o,
            "<dt>introduced</dt><dd class=\"introduced\">{}{by}</dd>",
            date_or_dash(e.introduced.as_deref())
        )?;
        writeln!(
            o,
            "<dt>removed</dt><dd class=\"removed\">{}</dd>",
            e.removed.as_deref().map_or_else(
                || "no (still in HEAD, or not a history scan)".to_string(),
                |d| short(d, 10).to_string()
            )
        )?;
        writeln!(
            o,
            "<dt>revoked</dt><dd class=\"revoked\">{}</dd>",
            e.revoked
                .as_deref()
                .map_or_else(|| "no".to_string(), |d| short(d, 10).to_string())
        )?;
        if let Some(days) = e.exposed_days {
            writeln!(o, "<dt>exposed</dt><dd class=\"days\">{days} day(s)</dd>")?;
        }
        let Some(u) = &e.usage else {
            writeln!(
                o,
                "</dl>\n<p class=\"no-usage\">No provider log was asked about this key (no source keyhound \
                 knows, no credential of yours for it, or no full secret in the findings file).</p>\n</article>"
            )?;
            continue;
        };
        writeln!(o, "<dt>usage source</dt><dd class=\"source\">{}</dd>", E(&u.source))?;
        if let Some(owner) = &u.owner {
            writeln!(o, "<dt>owner</dt><dd class=\"owner\">{}</dd>", E(owner))?;
        }
        writeln!(
            o,
            "<dt>last used</dt><dd class=\"last-used\">{}</dd>\n</dl>",
            E(u.last_used.as_deref().unwrap_or("not recorded"))
        )?;
        writeln!(
            o,
            "<p class=\"use-counts\"><span class=\"uses\">{uses}</span>{} use(s) inside the window: \
             <span class=\"known\">{known}</span> from your addresses, <span class=\"unknown\">{unknown}</span> \
             from addresses not listed as yours.{}</p>",
            if u.truncated { "+" } else { "" },
            if u.incomplete {
                " <strong class=\"incomplete\">The log could not be read in full: these are not all the uses \
                 there may be (see the notes).</strong>"
            } else {
                ""
            }
        )?;
        if !u.uses.is_empty() {
            writeln!(
                o,
                "<table class=\"uses\">\n<thead><tr><th>time</th><th>action</th><th>address</th><th>client</th>\
                 <th>yours?</th></tr></thead>\n<tbody>"
            )?;
            for x in u.uses.iter().take(MAX_USES_SHOWN) {
                writeln!(
                    o,
                    "<tr class=\"{}\"><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    if x.known { "known" } else { "unknown" },
                    E(&x.time),
                    E(&x.action),
                    x.count.map(|c| format!(" ×{c}")).unwrap_or_default(),
                    E(x.source_ip.as_deref().unwrap_or("-")),
                    E(x.user_agent.as_deref().unwrap_or("-")),
                    if x.known { "yes" } else { "no" }
                )?;
            }
            writeln!(o, "</tbody>\n</table>")?;
            if u.uses.len() > MAX_USES_SHOWN {
                writeln!(
                    o,
                    "<p>The first {MAX_USES_SHOWN} of {} uses are listed.</p>",
                    u.uses.len()
                )?;
            }
        }
        if !u.notes.is_empty() {
            writeln!(o, "<ul class=\"notes\">")?;
            for n in &u.notes {
                writeln!(o, "<li>{}</li>", E(n))?;
            }
            writeln!(o, "</ul>")?;
        }
        writeln!(o, "</article>")?;
    }
    writeln!(o, "</section>")
}

/// A row of a breakdown: label, findings, distinct secrets.
type Count = (String, usize, usize);

/// Counts findings and distinct secrets per label.
fn tally<'r>(records: impl Iterator<Item = (&'r Record, String)>) -> Vec<Count> {
    let mut by: BTreeMap<String, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for (r, label) in records {
        let entry = by.entry(label).or_default();
        entry.0 += 1;
        entry.1.insert(&r.fingerprint);
    }
    by.into_iter().map(|(l, (n, fps))| (l, n, fps.len())).collect()
}

fn write_breakdown(o: &mut String, id: &str, title: &str, rows: &[Count]) -> fmt::Result {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    writeln!(
        o,
        "<div class=\"breakdown\" id=\"by-{id}\">\n<h3>{}</h3>\n<table>\n\
         <thead><tr><th></th><th>findings</th><th>secrets</th><th></th></tr></thead>\n<tbody>",
        E(title)
    )?;
    if rows.is_empty() {
        writeln!(o, "<tr><td colspan=\"4\">none</td></tr>")?;
    }
    for (label, findings, secrets) in rows {
        let width = (findings * 160).div_ceil(max);
        writeln!(
            o,
            "<tr data-key=\"{}:{}\" class=\"k-{}\"><th>{}</th><td class=\"findings\">{findings}</td>\
             <td class=\"secrets\">{secrets}</td><td><svg class=\"hbar\" width=\"160\" height=\"10\" \
             aria-hidden=\"true\"><rect width=\"{width}\" height=\"10\"></rect></svg></td></tr>",
            E(id),
            E(label),
            E(label),
            E(label)
        )?;
    }
    writeln!(o, "</tbody>\n</table>\n</div>")
}

fn write_summary(o: &mut String, m: &Model) -> fmt::Result {
    let live = m.keys.iter().filter(|k| k.liveness() == "live").count();
    writeln!(o, "<section id=\"summary\">\n<h2>Summary</h2>")?;
    write!(
        o,
        "<p class=\"totals\"><span id=\"total-findings\" data-count=\"{}\">{} finding(s)</span> of \
         <span id=\"total-secrets\" data-count=\"{}\">{} distinct secret(s)</span>, \
         <span id=\"total-live\" data-count=\"{live}\">{live} verified live</span>",
        m.records.len(),
        m.records.len(),
        m.keys.len(),
        m.keys.len()
    )?;
    if let Some(t) = m.page.totals {
        write!(
            o,
            "; {} blob(s), {} byte(s) scanned, {} finding(s) accepted by the baseline or config, {} warning(s)",
            t.files, t.bytes, t.accepted, t.warnings
        )?;
    }
    writeln!(o, ".</p>\n<div class=\"breakdowns\">")?;
    let severities: Vec<Count> = {
        let mut rows = tally(m.records.iter().map(|r| (*r, r.severity.as_str().to_string())));
        let rank = |s: &str| ["critical", "high", "medium", "low"].iter().position(|x| *x == s);
        rows.sort_by_key(|r| rank(&r.0));
        rows
    };
    write_breakdown(o, "severity", "By severity", &severities)?;
    let mut providers = tally(m.records.iter().map(|r| (*r, m.provider(r))));
    providers.sort_by(|a, b| (Reverse(a.1), &a.0).cmp(&(Reverse(b.1), &b.0)));
    write_breakdown(o, "provider", "By provider", &providers)?;
    let mut live_rows = tally(
        m.records
            .iter()
            .map(|r| (*r, liveness(r.verification.as_ref()).to_string())),
    );
    live_rows.sort_by_key(|r| liveness_rank(&r.0));
    write_breakdown(o, "liveness", "By liveness", &live_rows)?;
    let mut access = tally(m.records.iter().filter_map(|r| {
        let level = r.verification.as_ref()?.access_level()?;
        let mapped = r.verification.as_ref()?.access.is_some();
        Some((*r, if mapped { level.as_str() } else { "not mapped" }.to_string()))
    }));
    access.sort_by_key(|r| match r.0.as_str() {
        "admin" => 0,
        "write" => 1,
        "read" => 2,
        "unknown" => 3,
        _ => 4,
    });
    write_breakdown(o, "access", "Live keys by access verdict", &access)?;
    let mut sources = tally(m.records.iter().map(|r| (*r, source_kind(r).to_string())));
    sources.sort_by(|a, b| (Reverse(a.1), &a.0).cmp(&(Reverse(b.1), &b.0)));
    write_breakdown(o, "source", "By source", &sources)?;
    let mut paths = tally(m.records.iter().map(|r| (*r, r.path.clone())));
    paths.sort_by(|a, b| (Reverse(a.1), &a.0).cmp(&(Reverse(b.1), &b.0)));
    paths.truncate(10);
    write_breakdown(o, "path", "Most affected paths", &paths)?;
    let mut images = tally(m.records.iter().filter_map(|r| match &r.origin {
        Some(Origin::ImageLayer { image, .. } | Origin::ImageConfig { image, .. }) => Some((*r, image.clone())),
        _ => None,
    }));
    if !images.is_empty() {
        images.sort_by(|a, b| (Reverse(a.1), &a.0).cmp(&(Reverse(b.1), &b.0)));
        images.truncate(10);
        write_breakdown(o, "image", "Most affected images", &images)?;
    }
    writeln!(o, "</div>\n</section>")
}

/// Geometry of the timeline.
const LABEL_W: f64 = 300.0;
const CHART_W: f64 = 640.0;
const ROW_H: f64 = 22.0;
const AXIS_H: f64 = 28.0;

fn write_timeline(o: &mut String, m: &Model) -> fmt::Result {
    writeln!(o, "<section id=\"timeline\">\n<h2>Exposure timeline</h2>")?;
    let dated: Vec<&Key> = m.keys.iter().filter(|k| !k.sightings.is_empty()).collect();
    match (dated.first(), m.as_of) {
        (Some(_), Some(end)) => {
            let start = dated.iter().map(|k| k.sightings[0].unix).min().unwrap_or(end);
            let end = if end > start { end } else { start + 86_400 };
            write_chart(o, &dated, start, end)?;
        }
        _ => writeln!(
            o,
            "<p class=\"empty\">No dated sightings: a timeline needs git history (<code>keyhound git</code>). \
             Tree, stream and image findings are listed below.</p>"
        )?,
    }
    if !dated.is_empty() {
        writeln!(
            o,
            "<table class=\"timeline-table\">\n<thead><tr><th>secret</th><th>liveness</th><th>introduced</th>\
             <th>later sightings</th><th>removed from HEAD</th><th>revoked</th><th>exposed</th></tr></thead>\n<tbody>"
        )?;
        for k in &dated {
            write_timeline_row(o, m, k)?;
        }
        writeln!(o, "</tbody>\n</table>")?;
    }
    write_layers(o, m)?;
    writeln!(o, "</section>")
}

fn write_chart(o: &mut String, keys: &[&Key], start: i64, end: i64) -> fmt::Result {
    let x = |t: i64| LABEL_W + (t - start) as f64 * CHART_W / (end - start) as f64;
    let height = AXIS_H + ROW_H * keys.len() as f64 + 8.0;
    let width = LABEL_W + CHART_W + 20.0;
    writeln!(
        o,
        "<svg id=\"timeline-chart\" class=\"timeline\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         height=\"{height}\" role=\"img\" aria-labelledby=\"timeline-title\" data-start=\"{}\" data-end=\"{}\">\n\
         <title id=\"timeline-title\">Exposure of each secret from its introduction to its revocation \
         (or to {}); the darker part while in HEAD</title>",
        day(start),
        day(end),
        day(end)
    )?;
    for i in 0..=5 {
        let t = start + (end - start) * i / 5;
        let anchor = match i {
            0 => "start",
            5 => "end",
            _ => "middle",
        };
        writeln!(
            o,
            "<line class=\"tick\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{}\" y2=\"{height}\"></line>\
             <text class=\"tick-label\" x=\"{:.1}\" y=\"14\" text-anchor=\"{anchor}\">{}</text>",
            x(t),
            x(t),
            AXIS_H - 8.0,
            x(t),
            day(t)
        )?;
    }
    for (i, k) in keys.iter().enumerate() {
        let y = AXIS_H + ROW_H * i as f64;
        let intro = &k.sightings[0];
        let stop = k.revoked.and_then(|(_, t)| t).unwrap_or(end).max(intro.unix);
        let removed = k.removed.and_then(|(_, t)| t).map(|t| t.clamp(intro.unix, stop));
        let head_end = removed.unwrap_or(stop);
        let mut title = format!(
            "{} {}: introduced {} in {} by {}",
            k.rule_id,
            k.secret,
            day(intro.unix),
            short(intro.commit, 12),
            intro.author
        );
        if k.sightings.len() > 1 {
            title.push_str(&format!("; {} later sighting(s)", k.sightings.len() - 1));
        }
        if let Some(t) = removed {
            title.push_str(&format!("; removed from HEAD {}", day(t)));
        }
        match k.revoked {
            Some((date, _)) => title.push_str(&format!("; revoked {}", short(date, 10))),
            None => title.push_str("; not revoked"),
        }
        title.push_str(&format!("; {}", k.liveness()));
        writeln!(
            o,
            "<g class=\"bar {}\" data-fp=\"{}\" data-introduced=\"{}\" data-removed=\"{}\" data-revoked=\"{}\" \
             data-end=\"{}\">\n<title>{}</title>\n<text class=\"label\" x=\"4\" y=\"{:.1}\">{}</text>",
            k.liveness(),
            E(k.fingerprint),
            day(intro.unix),
            removed.map(day).unwrap_or_default(),
            k.revoked.map(|(d, _)| short(d, 10).to_string()).unwrap_or_default(),
            day(stop),
            E(&title),
            y + 15.0,
            E(&format!("{} {}", short(k.rule_id, 28), short(&k.secret, 12)))
        )?;
        let bar_w = |a: i64, b: i64| (x(b) - x(a)).max(2.0);
        writeln!(
            o,
            "<rect class=\"in-head\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\"></rect>",
            x(intro.unix),
            y + 4.0,
            bar_w(intro.unix, head_end)
        )?;
        if let Some(t) = removed.filter(|t| *t < stop) {
            writeln!(
                o,
                "<rect class=\"in-history\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\"></rect>\
                 <line class=\"removed\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"></line>",
                x(t),
                y + 4.0,
                bar_w(t, stop),
                x(t),
                x(t),
                y + 1.0,
                y + 21.0
            )?;
        }
        for s in &k.sightings[1..] {
            writeln!(
                o,
                "<line class=\"sighting\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"></line>",
                x(s.unix),
                x(s.unix),
                y + 4.0,
                y + 18.0
            )?;
        }
        if k.revoked.is_some() {
            writeln!(
                o,
                "<circle class=\"revoked\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\"></circle>",
                x(stop),
                y + 11.0
            )?;
        } else {
            // Still exposed: the bar runs off the end of the axis.
            writeln!(
                o,
                "<path class=\"open\" d=\"M{:.1} {:.1} l8 7 l-8 7 z\"></path>",
                x(stop),
                y + 4.0
            )?;
        }
        writeln!(o, "</g>")?;
    }
    writeln!(o, "</svg>")?;
    writeln!(
        o,
        "<p class=\"legend\"><span class=\"swatch live\"></span>live <span class=\"swatch unknown\"></span>unknown \
         <span class=\"swatch unverified\"></span>not verified <span class=\"swatch invalid\"></span>invalid · \
         dark: in HEAD, light: only in history · ticks: later sightings · ▶ not revoked · ● revoked</p>"
    )
}

fn write_timeline_row(o: &mut String, m: &Model, k: &Key) -> fmt::Result {
    let intro = &k.sightings[0];
    write!(
        o,
        "<tr class=\"{}\" data-fp=\"{}\"><td><a href=\"#secret-{}\">{}</a> <code>{}</code></td><td>{}</td>\
         <td>{} · <code>{}</code> · {} · {}</td><td>",
        k.liveness(),
        E(k.fingerprint),
        E(k.fingerprint),
        E(k.rule_id),
        E(&k.secret),
        k.liveness(),
        E(short(intro.date, 10)),
        E(short(intro.commit, 12)),
        E(&intro.author),
        E(intro.path)
    )?;
    let later = &k.sightings[1..];
    if later.is_empty() {
        write!(o, "none")?;
    } else {
        write!(o, "{}<ul class=\"compact\">", later.len())?;
        for s in later.iter().take(5) {
            write!(
                o,
                "<li>{} · <code>{}</code> · {}</li>",
                E(short(s.date, 10)),
                E(short(s.commit, 12)),
                E(s.path)
            )?;
        }
        if later.len() > 5 {
            write!(o, "<li>… {} more</li>", later.len() - 5)?;
        }
        write!(o, "</ul>")?;
    }
    write!(o, "</td><td>")?;
    match (k.removed, k.state) {
        (Some((x, _)), _) => write!(
            o,
            "{} · <code>{}</code> · {}",
            E(short(&x.date, 10)),
            E(short(&x.commit, 12)),
            E(&x.author)
        )?,
        (None, "present") => write!(o, "still in HEAD")?,
        (None, _) => write!(o, "-")?,
    }
    write!(o, "</td><td>")?;
    match k.revoked {
        Some((date, _)) => write!(o, "{}", E(short(date, 10)))?,
        None => write!(o, "not revoked")?,
    }
    let days = k.exposure_days(m.as_of);
    let open = if k.revoked.is_none() { "≥ " } else { "" };
    writeln!(
        o,
        "</td><td class=\"days\">{}</td></tr>",
        days.map_or_else(|| "-".to_string(), |d| format!("{open}{d} days"))
    )
}

fn write_layers(o: &mut String, m: &Model) -> fmt::Result {
    let layered: Vec<&&Record> = m
        .records
        .iter()
        .filter(|r| matches!(r.origin, Some(Origin::ImageLayer { .. } | Origin::ImageConfig { .. })))
        .collect();
    if layered.is_empty() {
        return Ok(());
    }
    writeln!(
        o,
        "<h3>Image layers</h3>\n<table class=\"layers\">\n<thead><tr><th>secret</th><th>image</th><th>layer</th>\
         <th>created by</th><th>path</th><th>visible in the final image</th></tr></thead>\n<tbody>"
    )?;
    for r in layered {
        let secret = secret_shown(r, m.page.show_secrets);
        write!(
            o,
            "<tr><td><a href=\"#secret-{}\">{}</a> <code>{}</code></td>",
            E(&r.fingerprint),
            E(&r.rule_id),
            E(&secret)
        )?;
        match &r.origin {
            Some(Origin::ImageLayer {
                path,
                image,
                layer_index,
                layer_digest,
                created_by,
                visible,
                hidden_by_layer,
            }) => {
                let visibility = match (visible, hidden_by_layer) {
                    (true, _) => "yes".to_string(),
                    (false, Some(l)) => format!("no: deleted or replaced by layer {l} (still in the image's history)"),
                    (false, None) => "no (still in the image's history)".to_string(),
                };
                writeln!(
                    o,
                    "<td>{}</td><td>{layer_index} <code>{}</code></td><td><code>{}</code></td><td>{}</td>\
                     <td class=\"{}\">{}</td></tr>",
                    E(image),
                    E(short(layer_digest, 19)),
                    E(created_by.as_deref().unwrap_or("-")),
                    E(path),
                    if *visible { "visible" } else { "hidden" },
                    E(&visibility)
                )?;
            }
            Some(Origin::ImageConfig { image, field, .. }) => writeln!(
                o,
                "<td>{}</td><td>config</td><td>-</td><td>{}</td><td class=\"visible\">yes (image config)</td></tr>",
                E(image),
                E(field)
            )?,
            _ => {}
        }
    }
    writeln!(o, "</tbody>\n</table>")
}

fn write_access(o: &mut String, v: &Verification) -> fmt::Result {
    let Some(map) = &v.access else {
        if v.status == Status::Live {
            writeln!(
                o,
                "<p class=\"access\">Access not mapped (scan with <code>--access</code>).</p>"
            )?;
        }
        return Ok(());
    };
    writeln!(
        o,
        "<div class=\"access\"><h4>Access: <span class=\"level {}\">{}</span></h4>\n<dl>",
        map.level.as_str(),
        map.level.as_str()
    )?;
    if let Some(kind) = &map.kind {
        writeln!(o, "<dt>kind</dt><dd>{}</dd>", E(kind))?;
    }
    for (k, val) in &map.identity {
        writeln!(o, "<dt>{}</dt><dd>{}</dd>", E(k), E(val))?;
    }
    if !map.scopes.is_empty() {
        write!(o, "<dt>scopes ({})</dt><dd>", map.scopes.len())?;
        for s in &map.scopes {
            write!(o, "<code>{}</code> ", E(s))?;
        }
        writeln!(o, "</dd>")?;
    }
    for r in &map.resources {
        let flags: Vec<String> = r.flagged.iter().map(|(f, n)| format!("{n} {f}")).collect();
        write!(
            o,
            "<dt>{}</dt><dd>{}{}",
            E(&r.name),
            r.count,
            if r.truncated { "+" } else { "" }
        )?;
        if !flags.is_empty() {
            write!(o, " ({})", E(&flags.join(", ")))?;
        }
        if !r.sample.is_empty() {
            write!(o, ": {}", E(&r.sample.join(", ")))?;
        }
        writeln!(o, "</dd>")?;
    }
    if let Some(expires) = &map.expires {
        writeln!(o, "<dt>expires</dt><dd>{}</dd>", E(expires))?;
    }
    writeln!(o, "</dl>")?;
    if !map.excess.is_empty() {
        writeln!(o, "<ul class=\"excess\">")?;
        for e in &map.excess {
            writeln!(
                o,
                "<li><strong>Least privilege:</strong> {} — {}</li>",
                E(&e.what),
                E(&e.advice)
            )?;
        }
        writeln!(o, "</ul>")?;
    }
    for n in &map.notes {
        writeln!(o, "<p class=\"note\">{}</p>", E(n))?;
    }
    writeln!(o, "</div>")
}

fn write_guidance(o: &mut String, rule: Option<&RuleInfo>, plan: Option<&PlanEntry>) -> fmt::Result {
    writeln!(o, "<div class=\"guidance\"><h4>Revoke and rotate</h4>")?;
    match rule {
        Some(info) if info.revoke_url.is_some() || info.revoke_steps.is_some() => {
            if let Some(url) = &info.revoke_url {
                writeln!(o, "<p>Revoke at: {}</p>", link(url))?;
            }
            if let Some(steps) = &info.revoke_steps {
                writeln!(o, "<p class=\"steps\">{}</p>", E(steps))?;
            }
        }
        _ => writeln!(
            o,
            "<p>No revocation guidance in the rule: revoke the key in its provider's console.</p>"
        )?,
    }
    let api = rule.is_some_and(|r| r.revoke_api);
    writeln!(
        o,
        "<p class=\"api\">{}</p>",
        match (api, plan.is_some_and(|p| p.executable)) {
            (true, true) => "Revocation API available: <code>keyhound revoke --from FINDINGS --execute</code> revokes it.",
            (true, false) => "Revocation API available: <code>keyhound revoke --execute</code> needs a findings file written with <code>--show-secrets</code>.",
            (false, _) => "No revocation API: revoke by hand.",
        }
    )?;
    if let Some(plan) = plan {
        if let Some(request) = &plan.request {
            writeln!(o, "<p>Request: <code>{}</code></p>", E(request))?;
        }
        if let Some(env) = &plan.admin_env {
            writeln!(
                o,
                "<p>Needs an administrator credential in <code>${}</code>.</p>",
                E(env)
            )?;
        }
        if !plan.consumers.is_empty() {
            writeln!(o, "<p>After rotating, give the new key to:</p><ul>")?;
            for c in &plan.consumers {
                writeln!(o, "<li>{}</li>", E(c))?;
            }
            writeln!(o, "</ul>")?;
        }
    }
    writeln!(
        o,
        "<p>Then remove it from the code (and history), and load it from a secret store or the environment.</p></div>"
    )
}

fn allow_command(fingerprint: &str) -> String {
    format!("keyhound allow {fingerprint} --reason false-positive")
}

fn write_secrets(o: &mut String, m: &Model) -> fmt::Result {
    writeln!(
        o,
        "<section id=\"secrets\">\n<h2>Secrets, access and revocation</h2>\n\
         <p>{} distinct secret(s), live keys first, then by access and exposure.</p>",
        m.keys.len()
    )?;
    for k in &m.keys {
        writeln!(
            o,
            "<article class=\"secret {}\" id=\"secret-{}\" data-fp=\"{}\">\n<h3><span class=\"sev {}\">{}</span> \
             {} <code>{}</code> <span class=\"liveness {}\">{}</span></h3>",
            k.liveness(),
            E(k.fingerprint),
            E(k.fingerprint),
            k.severity.as_str(),
            k.severity.as_str(),
            E(&k.name),
            E(&k.secret),
            k.liveness(),
            k.liveness()
        )?;
        writeln!(
            o,
            "<dl>\n<dt>fingerprint</dt><dd><code>{}</code></dd>\n<dt>rule</dt><dd>{} ({})</dd>\n\
             <dt>state</dt><dd>{}</dd>\n<dt>found in</dt><dd>{} place(s)</dd>",
            E(k.fingerprint),
            E(k.rule_id),
            E(&k.provider),
            k.state,
            k.records.len()
        )?;
        if let Some(intro) = k.sightings.first() {
            writeln!(
                o,
                "<dt>introduced</dt><dd>{} in <code>{}</code> by {}</dd>",
                E(short(intro.date, 10)),
                E(short(intro.commit, 12)),
                E(&intro.author)
            )?;
        }
        if let Some(v) = k.verification {
            write!(o, "<dt>verification</dt><dd>{}", v.status.as_str())?;
            if let Some(reason) = &v.reason {
                write!(o, ": {}", E(reason))?;
            }
            for (key, val) in &v.account {
                write!(o, "; {}={}", E(key), E(val))?;
            }
            writeln!(o, " (checked {})</dd>", E(&v.checked_at))?;
        }
        writeln!(o, "</dl>")?;
        if let Some(v) = k.verification {
            write_access(o, v)?;
        }
        write_guidance(o, m.rule(k.rule_id), m.page.plan.get(k.fingerprint))?;
        writeln!(
            o,
            "<p class=\"allow\">If it is not a secret, or accepted: <code>{}</code></p>",
            E(&allow_command(k.fingerprint))
        )?;
        writeln!(o, "<details><summary>Locations ({})</summary><ul>", k.records.len())?;
        for r in k.records.iter().take(50) {
            writeln!(o, "<li><code>{}:{}</code></li>", E(&r.path), r.line)?;
        }
        if k.records.len() > 50 {
            writeln!(o, "<li>… {} more</li>", k.records.len() - 50)?;
        }
        writeln!(o, "</ul></details>\n</article>")?;
    }
    writeln!(o, "</section>")
}

fn write_select(o: &mut String, name: &str, label: &str, values: &BTreeSet<String>) -> fmt::Result {
    write!(
        o,
        "<label>{} <select name=\"{}\"><option value=\"\">all</option>",
        E(label),
        E(name)
    )?;
    for v in values {
        write!(o, "<option value=\"{}\">{}</option>", E(v), E(v))?;
    }
    writeln!(o, "</select></label>")
}

fn write_table(o: &mut String, m: &Model) -> fmt::Result {
    writeln!(o, "<section id=\"findings\">\n<h2>Findings</h2>")?;
    let values = |f: &dyn Fn(&Record) -> String| -> BTreeSet<String> { m.records.iter().map(|r| f(r)).collect() };
    writeln!(o, "<form id=\"filters\" hidden>")?;
    // Severities from the most severe down, the other lists alphabetically.
    let severities: BTreeSet<Reverse<Severity>> = m.records.iter().map(|r| Reverse(r.severity)).collect();
    write!(
        o,
        "<label>severity <select name=\"severity\"><option value=\"\">all</option>"
    )?;
    for Reverse(s) in &severities {
        write!(o, "<option value=\"{}\">{}</option>", s.as_str(), s.as_str())?;
    }
    writeln!(o, "</select></label>")?;
    write_select(o, "rule", "rule", &values(&|r| r.rule_id.clone()))?;
    write_select(o, "provider", "provider", &values(&|r| m.provider(r)))?;
    write_select(
        o,
        "liveness",
        "liveness",
        &values(&|r| liveness(r.verification.as_ref()).to_string()),
    )?;
    write_select(o, "state", "state", &values(&|r| state(r).to_string()))?;
    writeln!(
        o,
        "<label>path <input type=\"search\" name=\"q\" placeholder=\"part of a path\"></label>\n</form>"
    )?;
    writeln!(
        o,
        "<p id=\"shown-count\">{} finding(s). (Filters need JavaScript.)</p>",
        m.records.len()
    )?;
    writeln!(
        o,
        "<table id=\"findings-table\">\n<thead><tr><th>severity</th><th>rule</th><th>place</th><th>secret</th>\
         <th>liveness</th><th>state</th><th>fingerprint</th><th>details</th></tr></thead>\n<tbody>"
    )?;
    for r in &m.records {
        let live = liveness(r.verification.as_ref());
        let provider = m.provider(r);
        let rule = m.rule(&r.rule_id);
        writeln!(
            o,
            "<tr class=\"finding {live}\" data-fp=\"{}\" data-severity=\"{}\" data-rule=\"{}\" \
             data-provider=\"{}\" data-liveness=\"{live}\" data-state=\"{}\" data-path=\"{}\">\
             <td class=\"sev {}\">{}</td><td>{}<br><small>{}</small></td><td><code>{}:{}:{}</code></td>\
             <td><code class=\"secret\">{}</code></td><td>{live}</td><td>{}</td>\
             <td><a href=\"#secret-{}\"><code>{}</code></a></td><td><details><summary>more</summary>",
            E(&r.fingerprint),
            r.severity.as_str(),
            E(&r.rule_id),
            E(&provider),
            state(r),
            E(&r.path.to_lowercase()),
            r.severity.as_str(),
            r.severity.as_str(),
            E(&r.rule_id),
            E(&provider),
            E(&r.path),
            r.line,
            r.column,
            E(&secret_shown(r, m.page.show_secrets)),
            state(r),
            E(&r.fingerprint),
            E(short(&r.fingerprint, 12))
        )?;
        writeln!(o, "<pre class=\"snippet\">{}</pre>", E(&m.snippet(r)))?;
        if let Some(c) = r.origin.as_ref().and_then(Origin::commit_info) {
            writeln!(
                o,
                "<p>Introduced in <code>{}</code> by {} on {}</p>",
                E(c.commit),
                E(&c.identity()),
                E(c.date)
            )?;
        }
        if let Some(x) = &r.removed {
            writeln!(
                o,
                "<p>Removed from HEAD in <code>{}</code> by {} on {}</p>",
                E(&x.commit),
                E(&x.author),
                E(&x.date)
            )?;
        }
        if !r.decoded.is_empty() {
            writeln!(o, "<p>Found inside: {}</p>", E(&r.decoded.join(" → ")))?;
        }
        writeln!(o, "<p>Allow: <code>{}</code></p>", E(&allow_command(&r.fingerprint)))?;
        match rule.and_then(|i| i.revoke_url.as_deref()) {
            Some(url) => writeln!(o, "<p>Revoke at: {}</p>", link(url))?,
            None => writeln!(o, "<p>Revoke the key in its provider's console.</p>")?,
        }
        if let Some(steps) = rule.and_then(|i| i.revoke_steps.as_deref()) {
            writeln!(o, "<p class=\"steps\">{}</p>", E(steps))?;
        }
        writeln!(o, "</details></td></tr>")?;
    }
    writeln!(o, "</tbody>\n</table>\n</section>")
}
