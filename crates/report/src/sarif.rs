//! SARIF 2.1.0 (via `serde-sarif`) for GitHub code scanning and other
//! consumers. One run; every rule that could fire is listed once in
//! `tool.driver.rules`; results carry the fingerprint in
//! `partialFingerprints` so uploads de-duplicate across runs.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::json;
use serde_sarif::sarif;

use crate::options::ReportOptions;
use crate::view::Collected;
use keyhound_findings::{Finding, Origin};
use keyhound_findings::{Sink, Summary};
use keyhound_rules::{Rule, Severity};

/// The `uriBaseId` artifact URIs are relative to.
pub const SRCROOT: &str = "SRCROOT";

/// Collects findings and writes a SARIF log at the end.
pub struct SarifSink {
    out: Mutex<Box<dyn Write + Send>>,
    collected: Collected,
    show_secrets: bool,
    base_dir: Option<PathBuf>,
    rules: Vec<Arc<Rule>>,
    vcs: Option<crate::options::VcsInfo>,
}

impl SarifSink {
    /// A SARIF sink writing to `out`.
    pub fn new(out: Box<dyn Write + Send>, options: ReportOptions) -> Self {
        SarifSink {
            out: Mutex::new(out),
            collected: Collected::default(),
            show_secrets: options.show_secrets,
            base_dir: options.base_dir,
            rules: options.rules,
            vcs: options.vcs,
        }
    }
}

impl Sink for SarifSink {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.collected.push(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        let findings = self.collected.take_sorted();
        let mut log = build_log(
            &self.rules,
            &findings,
            summary,
            self.base_dir.as_deref(),
            self.show_secrets,
        );
        if let (Some(vcs), Some(run)) = (&self.vcs, log.runs.first_mut()) {
            let builder = sarif::VersionControlDetails::builder().repository_uri(vcs.repository_uri.clone());
            let details = match (&vcs.revision, &vcs.branch) {
                (Some(r), Some(b)) => builder.revision_id(r.clone()).branch(b.clone()).build(),
                (Some(r), None) => builder.revision_id(r.clone()).build(),
                (None, Some(b)) => builder.branch(b.clone()).build(),
                (None, None) => builder.build(),
            };
            run.version_control_provenance = Some(vec![details]);
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        serde_json::to_writer_pretty(&mut *out, &log)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

fn level(severity: Severity) -> sarif::ResultLevel {
    match severity {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low => sarif::ResultLevel::Note,
    }
}

/// GitHub's `security-severity` score for a severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn property_bag(values: BTreeMap<String, serde_json::Value>, tags: Option<Vec<String>>) -> sarif::PropertyBag {
    match tags {
        Some(tags) => sarif::PropertyBag::builder()
            .tags(tags)
            .additional_properties(values)
            .build(),
        None => sarif::PropertyBag::builder().additional_properties(values).build(),
    }
}

fn descriptor(rule: &Rule) -> sarif::ReportingDescriptor {
    let spec = &rule.spec;
    let short = sarif::MultiformatMessageString::builder()
        .text(spec.name.clone())
        .build();
    let description = spec
        .description
        .clone()
        .unwrap_or_else(|| format!("{} committed to source or configuration.", spec.name));
    let full = sarif::MultiformatMessageString::builder()
        .text(description.clone())
        .build();
    let mut help_text = format!("{description}\n\nRevoke or rotate the secret first: it may already have been copied.");
    let mut help_md =
        format!("{description}\n\n**Revoke or rotate the secret first**: it may already have been copied.");
    if let Some(revoke) = &spec.revoke {
        help_text.push_str(&format!("\n{}\nRevoke at: {}", revoke.steps, revoke.url));
        help_md.push_str(&format!("\n\n{}\n\nRevoke at: <{}>", revoke.steps, revoke.url));
    }
    help_text.push_str(
        "\nThen remove it from the code (and history), and load it from a secret store or environment instead.",
    );
    help_md.push_str(
        "\n\nThen remove it from the code (and history), and load it from a secret store or environment instead.",
    );
    let help = sarif::MultiformatMessageString::builder()
        .text(help_text)
        .markdown(help_md)
        .build();
    let mut props = BTreeMap::new();
    props.insert("security-severity".to_string(), json!(security_severity(spec.severity)));
    props.insert("severity".to_string(), json!(spec.severity.as_str()));
    if let Some(provider) = &spec.provider {
        props.insert("provider".to_string(), json!(provider));
    }
    if let Some(revoke) = &spec.revoke {
        props.insert("revokeUrl".to_string(), json!(revoke.url));
        props.insert("revokeSteps".to_string(), json!(revoke.steps));
    }
    if !spec.references.is_empty() {
        props.insert("references".to_string(), json!(spec.references));
    }
    let config = sarif::ReportingConfiguration::builder()
        .level(json!(level(spec.severity)))
        .build();
    let builder = sarif::ReportingDescriptor::builder()
        .id(spec.id.clone())
        .name(to_pascal(&spec.id))
        .short_description(short)
        .full_description(full)
        .help(help)
        .default_configuration(config)
        .properties(property_bag(props, Some(vec!["security".into(), "secret".into()])));
    match spec.references.first().or(spec.revoke.as_ref().map(|r| &r.url)) {
        Some(uri) => builder.help_uri(uri.clone()).build(),
        None => builder.build(),
    }
}

/// SARIF rule names are conventionally PascalCase identifiers.
fn to_pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Percent-encodes what may not stand in a URI path.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The artifact location of a display path: relative to `base` (with the
/// `SRCROOT` base id) when it lies below it, an absolute `file://` URI otherwise.
fn artifact_location(display: &str, base: Option<&Path>) -> sarif::ArtifactLocation {
    let path = Path::new(display);
    let absolute = if path.is_absolute() {
        Some(path.to_path_buf())
    } else {
        std::env::current_dir().ok().map(|cwd| cwd.join(path))
    };
    if let (Some(base), Some(abs)) = (base, &absolute) {
        if let Ok(rel) = abs.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            return sarif::ArtifactLocation::builder()
                .uri(encode_uri_path(&rel))
                .uri_base_id(SRCROOT)
                .build();
        }
    }
    match absolute {
        Some(abs) if path.is_absolute() => sarif::ArtifactLocation::builder()
            .uri(format!("file://{}", encode_uri_path(&abs.to_string_lossy())))
            .build(),
        _ => sarif::ArtifactLocation::builder()
            .uri(encode_uri_path(display.trim_start_matches("./")))
            .build(),
    }
}

fn result(f: &Finding, rule_index: Option<usize>, base: Option<&Path>, show_secrets: bool) -> sarif::Result {
    let secret = f.secret_for_output(show_secrets);
    let verified = match &f.verification {
        Some(v) if v.status == keyhound_findings::Status::Live => {
            let details: Vec<String> = v.account.iter().map(|(k, val)| format!("{k}={val}")).collect();
            if details.is_empty() {
                " Verified LIVE with the provider.".to_string()
            } else {
                format!(" Verified LIVE with the provider ({}).", details.join(", "))
            }
        }
        Some(v) => format!(" Verification: {}.", v.status.as_str()),
        None => String::new(),
    };
    let access = match f.verification.as_ref().and_then(|v| v.access.as_ref()) {
        Some(map) => {
            let mut text = format!(" Access: {}.", map.summary());
            for e in &map.excess {
                text.push_str(&format!(" Least privilege: {} ({}).", e.what, e.advice));
            }
            text
        }
        None => String::new(),
    };
    let verified = format!("{verified}{access}");
    let message = sarif::Message::builder()
        .text(format!(
            "{} found: {secret}{} (fingerprint {}).{verified} Revoke it, then remove it.",
            f.rule_name,
            f.reason.as_ref().map(|r| format!(", the {r}")).unwrap_or_default(),
            f.fingerprint
        ))
        .build();
    let snippet = sarif::ArtifactContent::builder().text(f.snippet.clone()).build();
    let region = sarif::Region::builder()
        .start_line(f.line as i64)
        .start_column(f.column as i64)
        .end_line(f.end_line as i64)
        .end_column(f.end_column as i64)
        .snippet(snippet)
        .build();
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(match &*f.origin {
            Origin::File { path } => artifact_location(path, base),
            other => sarif::ArtifactLocation::builder()
                .uri(encode_uri_path(other.display_path()))
                .build(),
        })
        .region(region)
        .build();
    let location = match &*f.origin {
        Origin::ImageLayer {
            image,
            layer_index,
            layer_digest,
            ..
        } => {
            let logical = sarif::LogicalLocation::builder()
                .name(format!("layer {layer_index}"))
                .fully_qualified_name(format!("{image}/layer {layer_index} ({layer_digest})"))
                .kind("module")
                .build();
            sarif::Location::builder()
                .physical_location(physical)
                .logical_locations(vec![logical])
                .build()
        }
        _ => match &f.transcript {
            Some(place) => {
                let logical = sarif::LogicalLocation::builder()
                    .name(place.to_string())
                    .fully_qualified_name(transcript_name(place))
                    .kind("object")
                    .build();
                sarif::Location::builder()
                    .physical_location(physical)
                    .logical_locations(vec![logical])
                    .build()
            }
            None => sarif::Location::builder().physical_location(physical).build(),
        },
    };
    let mut partial = BTreeMap::new();
    partial.insert("keyhound/v1".to_string(), f.fingerprint.clone());
    let mut props = BTreeMap::new();
    props.insert("fingerprint".to_string(), json!(f.fingerprint));
    props.insert("severity".to_string(), json!(f.severity.as_str()));
    props.insert("secret".to_string(), json!(secret));
    props.insert("redacted".to_string(), json!(!show_secrets));
    props.insert("entropy".to_string(), json!((f.entropy * 1000.0).round() / 1000.0));
    props.insert(
        "origin".to_string(),
        serde_json::to_value(&*f.origin).unwrap_or_default(),
    );
    if let Some(place) = &f.transcript {
        props.insert(
            "transcript".to_string(),
            serde_json::to_value(place).unwrap_or_default(),
        );
    }
    let live = f
        .verification
        .as_ref()
        .is_some_and(|v| v.status == keyhound_findings::Status::Live);
    if let Some(v) = &f.verification {
        props.insert("verification".to_string(), serde_json::to_value(v).unwrap_or_default());
        if let Some(level) = v.access_level() {
            props.insert("access".to_string(), json!(level.as_str()));
        }
    }
    let builder = sarif::Result::builder()
        .rule_id(f.rule_id.clone())
        .level(if live {
            sarif::ResultLevel::Error
        } else {
            level(f.severity)
        })
        .message(message)
        .locations(vec![location])
        .partial_fingerprints(partial)
        .properties(property_bag(props, None));
    match rule_index {
        Some(i) => builder.rule_index(i as i64).build(),
        None => builder.build(),
    }
}

/// A transcript place's full name: `<agent>/<session>/message <n>`, or
/// the record's type for records outside the conversation.
fn transcript_name(place: &keyhound_findings::TranscriptPlace) -> String {
    let within = match (place.message, &place.record) {
        (Some(n), _) => format!("message {n}"),
        (None, Some(record)) => format!("{record} record"),
        (None, None) => "record".to_string(),
    };
    format!("{}/{}/{within}", place.agent.as_str(), place.session)
}

/// Why a SARIF log says `executionSuccessful: false`: the run was stopped
/// early, so the absence of a result proves nothing about what was not read.
pub const INTERRUPTED_REASON: &str =
    "the scan was interrupted (SIGINT or SIGTERM): results cover only what was read before";

/// Builds the whole SARIF log.
pub fn build_log(
    rules: &[Arc<Rule>],
    findings: &[Finding],
    summary: &Summary,
    base: Option<&Path>,
    show_secrets: bool,
) -> sarif::Sarif {
    let descriptors: Vec<sarif::ReportingDescriptor> = rules.iter().map(|r| descriptor(r)).collect();
    let index: BTreeMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r.id(), i)).collect();
    let results: Vec<sarif::Result> = findings
        .iter()
        .map(|f| result(f, index.get(f.rule_id.as_str()).copied(), base, show_secrets))
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("keyhound")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/keyhound/keyhound")
        .rules(descriptors)
        .build();
    let tool = sarif::Tool::builder().driver(driver).build();
    let mut notifications: Vec<sarif::Notification> = summary
        .warnings
        .iter()
        .map(|w| {
            let message = sarif::Message::builder().text(w.to_string()).build();
            sarif::Notification::builder()
                .message(message)
                .level(json!("warning"))
                .build()
        })
        .collect();
    if summary.interrupted {
        let message = sarif::Message::builder().text(INTERRUPTED_REASON).build();
        notifications.push(
            sarif::Notification::builder()
                .message(message)
                .level(json!("error"))
                .build(),
        );
    }
    let invocation = sarif::Invocation::builder()
        .execution_successful(!summary.interrupted)
        .tool_execution_notifications(notifications)
        .build();
    let mut run_props = BTreeMap::new();
    run_props.insert(
        "summary".to_string(),
        json!({
            "files": summary.files,
            "bytes": summary.bytes,
            "findings": summary.findings,
            "warnings": summary.warning_count,
            "elapsedSeconds": summary.elapsed_secs,
        }),
    );
    let run = sarif::Run::builder()
        .tool(tool)
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .properties(property_bag(run_props, None));
    let run = match base {
        Some(base) => {
            let mut root = base.to_string_lossy().replace('\\', "/");
            if !root.ends_with('/') {
                root.push('/');
            }
            let location = sarif::ArtifactLocation::builder()
                .uri(format!("file://{}", encode_uri_path(&root)))
                .build();
            let mut bases = BTreeMap::new();
            bases.insert(SRCROOT.to_string(), location);
            run.original_uri_base_ids(bases).build()
        }
        None => run.build(),
    };
    sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}
