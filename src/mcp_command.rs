//! `keyhound mcp`: a Model Context Protocol server on stdio, so an AI agent
//! can ask keyhound before it writes, sends or commits: `scan_text`,
//! `scan_path` (only inside the `--root`s given at start), `redact_text`,
//! `explain_rule`, and `verify_finding` when started with `--allow-verify`.
//! Results are redacted unless the server was started with
//! `--show-secrets`. The protocol's framing lives in `keyhound_agent::mcp`.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use keyhound_agent::mcp::{self, Message};
use keyhound_engine::Scanner;
use keyhound_findings::{Finding, Origin};
use keyhound_rules::{Rule, Selection};
use keyhound_scan::policy::{Config, Policy, CONFIG_FILE};
use keyhound_scan::{packs, ScanRun};
use keyhound_sources::dir;
use keyhound_verify::run::Verifier;
use serde_json::{json, Value};

use crate::cli::McpArgs;
use crate::collect::Collect;

/// Largest file `scan_path` reads whole, and largest text a tool takes.
const MAX_BYTES: u64 = 64 << 20;
/// Most findings listed in one answer (the count is always exact).
const MAX_LISTED: usize = 200;

/// A tool call's findings in a stable order (path, line, column, rule).
fn sorted(sink: &Collect) -> Vec<Finding> {
    let mut all = sink.take();
    all.sort_by(|a, b| {
        (a.origin.display_path(), a.line, a.column, &a.rule_id).cmp(&(
            b.origin.display_path(),
            b.line,
            b.column,
            &b.rule_id,
        ))
    });
    all
}

/// What the server holds for its whole life.
struct Server {
    rules: Vec<Arc<Rule>>,
    scanner: Scanner,
    /// The first root's project policy (exclusions, accepted findings).
    policy: Policy,
    /// Canonical roots `scan_path` may read.
    roots: Vec<PathBuf>,
    verifier: Option<Verifier>,
    show_secrets: bool,
}

/// A tool call that failed in a way the model should read.
struct ToolError(String);

/// Runs `keyhound mcp` until the client closes standard input.
pub fn run(args: McpArgs) -> Result<u8> {
    let selection = Selection {
        enable: args.rules.enable_rule.clone(),
        disable: args.rules.disable_rule.clone(),
    };
    let rules = packs::shared(selection.apply(packs::load_all(&args.rules.rules)?)?);
    let scanner = Scanner::new(rules.clone())?;
    let asked = if args.roots.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.roots.clone()
    };
    let roots = asked
        .iter()
        .map(|r| std::fs::canonicalize(r).with_context(|| format!("--root {}", r.display())))
        .collect::<Result<Vec<_>>>()?;
    let config = Config::discover(None, Some(&roots[0]))?;
    let policy = Policy::from_config(&config, &roots[0].join(CONFIG_FILE))?;
    let verifier = if args.allow_verify {
        let (verifier, warnings) = Verifier::new(&args.verify.options()?, &rules);
        for w in warnings {
            eprintln!("keyhound: warning: {w}");
        }
        Some(verifier)
    } else {
        None
    };
    let server = Server {
        rules,
        scanner,
        policy,
        roots,
        verifier,
        show_secrets: args.show_secrets,
    };
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.context("reading the MCP client's messages")?;
        if line.trim().is_empty() {
            continue;
        }
        if let Some(answer) = server.answer(&line) {
            writeln!(out, "{answer}")?;
            out.flush()?;
        }
    }
    Ok(0)
}

impl Server {
    /// The response line to one message (none for notifications).
    fn answer(&self, line: &str) -> Option<String> {
        let (id, method, params) = match mcp::parse(line) {
            Ok(Message::Request { id, method, params }) => (id, method, params),
            Ok(Message::Notification { .. } | Message::Response) => return None,
            Err(bad) => {
                let id = bad.id.as_deref().and_then(|i| serde_json::from_str::<Value>(i).ok());
                return Some(mcp::error(id.as_ref(), bad.code, &bad.message));
            }
        };
        Some(match method.as_str() {
            "initialize" => mcp::result(
                &id,
                mcp::initialize_result(
                    &params,
                    "keyhound",
                    env!("CARGO_PKG_VERSION"),
                    "Secret-leak scanner. Call scan_text on anything you are about to write, commit, print or \
                     send, and redact_text on logs before you show them; never paste a secret found here \
                     anywhere else.",
                ),
            ),
            "ping" => mcp::result(&id, json!({})),
            "tools/list" => mcp::result(&id, json!({"tools": self.tools()})),
            "tools/call" => {
                let name = params.get("name").and_then(Value::as_str).unwrap_or("");
                let arguments = params.get("arguments").cloned().unwrap_or_else(|| json!({}));
                match self.call(name, &arguments) {
                    Some(Ok((text, data))) => mcp::result(&id, mcp::tool_result(&text, Some(data), false)),
                    Some(Err(ToolError(message))) => mcp::result(&id, mcp::tool_result(&message, None, true)),
                    None => mcp::error(Some(&id), mcp::INVALID_PARAMS, &format!("unknown tool {name:?}")),
                }
            }
            other => mcp::error(Some(&id), mcp::METHOD_NOT_FOUND, &format!("method {other:?} not found")),
        })
    }

    fn tools(&self) -> Vec<Value> {
        let text = json!({"type": "string", "description": "The text to check."});
        let mut tools = vec![
            mcp::tool(
                "scan_text",
                "Find secrets (API keys, tokens, passwords, private keys) in a text before it is written, \
                 committed, printed or sent. Returns each finding redacted, with its rule, line and fingerprint.",
                json!({"text": text, "name": {"type": "string", "description": "A name for the text in the results (a file name)."}}),
                &["text"],
            ),
            mcp::tool(
                "scan_path",
                "Find secrets in a file or directory inside the roots this server was started with (git-ignored \
                 files skipped, archives opened).",
                json!({"path": {"type": "string", "description": "A path, relative to the first root or absolute inside a root."}}),
                &["path"],
            ),
            mcp::tool(
                "redact_text",
                "The text with every secret replaced by [REDACTED:rule-id:fingerprint], safe to show or log.",
                json!({"text": text}),
                &["text"],
            ),
            mcp::tool(
                "explain_rule",
                "What a rule detects, how severe a leak is, how to revoke or rotate the key, and whether keyhound \
                 can verify it.",
                json!({"rule_id": {"type": "string", "description": "A rule id from a finding (e.g. github-pat-classic)."}}),
                &["rule_id"],
            ),
        ];
        if self.verifier.is_some() {
            let mut verify = mcp::tool(
                "verify_finding",
                "Ask the secret's own provider whether it is live (sends it only to the hosts its rule names). \
                 Give the text holding the secret (with the values found beside it, such as a key id).",
                json!({"text": text, "rule_id": {"type": "string", "description": "Take the text as a secret of this rule."}}),
                &["text"],
            );
            verify["annotations"] = json!({"readOnlyHint": true, "openWorldHint": true});
            tools.push(verify);
        }
        tools
    }

    fn call(&self, name: &str, args: &Value) -> Option<Result<(String, Value), ToolError>> {
        let text_arg = |field: &str| -> Result<String, ToolError> {
            let text = args
                .get(field)
                .and_then(Value::as_str)
                .ok_or_else(|| ToolError(format!("`{field}` (a string) is required")))?;
            if text.len() as u64 > MAX_BYTES {
                return Err(ToolError(format!("`{field}` is larger than {MAX_BYTES} bytes")));
            }
            Ok(text.to_string())
        };
        Some(match name {
            "scan_text" => text_arg("text").map(|text| {
                let name = args.get("name").and_then(Value::as_str).unwrap_or("text");
                let findings = self.scan_text(&text, name);
                self.report(&findings, name)
            }),
            "scan_path" => text_arg("path").and_then(|p| self.scan_path(&p)),
            "redact_text" => text_arg("text").map(|text| self.redact(&text)),
            "explain_rule" => text_arg("rule_id").and_then(|id| self.explain(&id)),
            "verify_finding" if self.verifier.is_some() => text_arg("text").and_then(|text| {
                let rule = args.get("rule_id").and_then(Value::as_str);
                self.verify(&text, rule)
            }),
            _ => return None,
        })
    }

    fn scan_text(&self, text: &str, name: &str) -> Vec<Finding> {
        let sink = Collect::default();
        let scan = ScanRun::new(&self.scanner, &self.policy, &sink, self.show_secrets);
        scan.scan_blob(text.as_bytes(), Arc::new(Origin::Stdin { name: name.to_string() }));
        sorted(&sink)
    }

    /// The findings as a short text for the model and as data.
    fn report(&self, findings: &[Finding], scanned: &str) -> (String, Value) {
        let shown = |f: &Finding| {
            if self.show_secrets {
                f.secret.expose().to_string()
            } else {
                keyhound_findings::redact(f.secret.expose())
            }
        };
        let listed: Vec<Value> = findings
            .iter()
            .take(MAX_LISTED)
            .map(|f| {
                json!({
                    "rule_id": f.rule_id,
                    "rule_name": f.rule_name,
                    "severity": f.severity,
                    "path": f.origin.display_path(),
                    "line": f.line,
                    "column": f.column,
                    "secret": shown(f),
                    "fingerprint": f.fingerprint,
                    "snippet": f.snippet,
                })
            })
            .collect();
        let mut text = if findings.is_empty() {
            format!("No secrets found in {scanned}.")
        } else {
            format!("{} secret(s) found in {scanned}:", findings.len())
        };
        for f in findings.iter().take(MAX_LISTED) {
            text.push_str(&format!(
                "\n- {}:{}:{} {} ({}) {} fingerprint {}",
                f.origin.display_path(),
                f.line,
                f.column,
                f.rule_name,
                f.rule_id,
                shown(f),
                f.fingerprint
            ));
        }
        if !findings.is_empty() {
            text.push_str(
                "\nDo not write, commit or send these values: use an environment variable or the secret manager, \
                 and revoke any that already left (explain_rule says how).",
            );
        }
        (text, json!({"count": findings.len(), "findings": listed}))
    }

    /// Resolves `asked` inside a root; anything else (`..`, symlinks out,
    /// absolute paths elsewhere) is refused.
    fn confine(&self, asked: &str) -> Result<PathBuf, ToolError> {
        let path = Path::new(asked);
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.roots[0].join(path)
        };
        let real = std::fs::canonicalize(&joined).map_err(|e| ToolError(format!("{asked}: {e}")))?;
        if self.roots.iter().any(|root| real.starts_with(root)) {
            Ok(real)
        } else {
            Err(ToolError(format!(
                "{asked} is outside the roots this server may read ({})",
                self.roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }

    fn scan_path(&self, asked: &str) -> Result<(String, Value), ToolError> {
        let real = self.confine(asked)?;
        let root = self
            .roots
            .iter()
            .find(|r| real.starts_with(r))
            .cloned()
            .unwrap_or_default();
        let sink = Collect::default();
        let scan = ScanRun::new(&self.scanner, &self.policy, &sink, self.show_secrets);
        let options = dir::DirOptions {
            roots: vec![real.clone()],
            no_ignore: false,
            follow_symlinks: false,
            max_file_size: MAX_BYTES,
            threads: 0,
            archives: Some(Default::default()),
        };
        dir::scan_dirs(&scan, &options).map_err(|e| ToolError(format!("{asked}: {e}")))?;
        let summary = scan.summary();
        let mut findings = sorted(&sink);
        // Paths relative to the root, as the model named them.
        for f in &mut findings {
            if let Origin::File { path } = &*f.origin {
                if let Ok(rel) = Path::new(path).strip_prefix(&root) {
                    f.origin = Arc::new(Origin::File {
                        path: rel.to_string_lossy().into_owned(),
                    });
                }
            }
        }
        let (mut text, mut data) = self.report(&findings, asked);
        text.push_str(&format!(
            "\n({} file(s), {} bytes scanned)",
            summary.files, summary.bytes
        ));
        data["files"] = json!(summary.files);
        Ok((text, data))
    }

    fn redact(&self, text: &str) -> (String, Value) {
        let findings = self.scan_text(text, "text");
        let mut spans: Vec<(usize, usize, String)> = findings
            .iter()
            .map(|f| {
                let fp: String = f.fingerprint.chars().take(6).collect();
                (f.offset, f.offset + f.length, format!("[REDACTED:{}:{fp}]", f.rule_id))
            })
            .collect();
        spans.sort();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, marker) in spans {
            // Overlapping findings: the first one's marker covers both.
            if start < at || end > text.len() || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            out.push_str(&text[at..start]);
            out.push_str(&marker);
            at = end;
        }
        out.push_str(&text[at..]);
        (out.clone(), json!({"text": out, "redacted": findings.len()}))
    }

    fn explain(&self, id: &str) -> Result<(String, Value), ToolError> {
        let rule = self
            .rules
            .iter()
            .find(|r| r.id() == id)
            .ok_or_else(|| ToolError(format!("no rule {id:?}")))?;
        let spec = &rule.spec;
        let data = json!({
            "id": rule.id(),
            "name": spec.name,
            "provider": spec.provider,
            "severity": spec.severity,
            "description": spec.description,
            "references": spec.references,
            "verifiable": spec.verify.is_some(),
            "access_map": spec.access.is_some(),
            "revocation": spec.revoke,
        });
        let mut text = format!(
            "{} ({}), provider {}, severity {:?}.",
            spec.name,
            rule.id(),
            spec.provider.as_deref().unwrap_or("unknown"),
            spec.severity,
        );
        if let Some(description) = &spec.description {
            text.push_str(&format!("\n{description}"));
        }
        if let Some(revoke) = &spec.revoke {
            text.push_str(&format!("\nTo revoke: {} ({})", revoke.steps, revoke.url));
            if revoke.api.is_some() {
                text.push_str("\nkeyhound revoke --execute can revoke it through the provider's API.");
            }
        }
        text.push_str(if spec.verify.is_some() {
            "\nkeyhound can check whether a key of this rule is live (verify_finding, when allowed)."
        } else {
            "\nkeyhound cannot check liveness for this rule."
        });
        Ok((text, data))
    }

    fn verify(&self, text: &str, rule: Option<&str>) -> Result<(String, Value), ToolError> {
        let Some(verifier) = &self.verifier else {
            return Err(ToolError(
                "verification is off (start the server with --allow-verify)".into(),
            ));
        };
        let only = match rule {
            Some(id) => Some(
                self.rules
                    .iter()
                    .find(|r| r.id() == id)
                    .cloned()
                    .ok_or_else(|| ToolError(format!("no rule {id:?}")))?,
            ),
            None => None,
        };
        let rows = crate::validate_command::check_text(text, &self.rules, only.as_ref(), verifier, self.show_secrets)
            .map_err(|e| ToolError(format!("{e:#}")))?;
        let data = serde_json::to_value(&rows).unwrap_or_default();
        let mut out = String::new();
        for row in data.as_array().into_iter().flatten() {
            out.push_str(&format!(
                "{} {} {}{}\n",
                row["rule"].as_str().unwrap_or("-"),
                row["secret"].as_str().unwrap_or("-"),
                row["status"].as_str().unwrap_or("?"),
                row["reason"].as_str().map(|r| format!(" ({r})")).unwrap_or_default()
            ));
        }
        if out.is_empty() {
            out = "no secret recognised".into();
        }
        Ok((out, json!({"results": data})))
    }
}
