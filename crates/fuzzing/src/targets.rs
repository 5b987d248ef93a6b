//! One function per fuzz target. Each takes the raw bytes a fuzzer made,
//! feeds them to one entry point of a keyhound crate (never the CLI) and
//! panics when an invariant breaks; returning means the input passed.

use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine as _;
use keyhound_agent::{decision, mcp, payload, settings, Agent};
use keyhound_engine::decode::{self, Codec};
use keyhound_engine::filters;
use keyhound_findings::baseline::Baseline;
use keyhound_scan::policy::{Config, Policy};
use keyhound_sources::archive;
use keyhound_sources::image::{self, ImageOptions};

use crate::shared::{github_token, scanner, small_limits, EngineFeed};

/// A fuzz target: its name (the cargo-fuzz binary's and its seed
/// directory's, `fuzz/seeds/NAME`) and its body.
#[derive(Clone, Copy)]
pub struct Target {
    /// The name the binary, the seeds and the corpus go by.
    pub name: &'static str,
    /// Runs one input; panics when an invariant breaks.
    pub run: fn(&[u8]),
}

/// Every target, in the order `fuzz/README.md` lists them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "engine_scan",
        run: engine_scan,
    },
    Target {
        name: "engine_planted",
        run: engine_planted,
    },
    Target {
        name: "decoders",
        run: decoders,
    },
    Target {
        name: "archive",
        run: archive,
    },
    Target {
        name: "image_archive",
        run: image_archive,
    },
    Target {
        name: "rule_pack",
        run: rule_pack,
    },
    Target {
        name: "findings_file",
        run: findings_file,
    },
    Target {
        name: "agent_payload",
        run: agent_payload,
    },
    Target {
        name: "agent_settings",
        run: agent_settings,
    },
    Target {
        name: "credfiles",
        run: credfiles,
    },
    Target {
        name: "config_files",
        run: config_files,
    },
    Target {
        name: "registry",
        run: crate::registry::registry,
    },
];

/// The engine on arbitrary bytes: every candidate lies inside the input,
/// with its secret and groups inside it too.
pub fn engine_scan(data: &[u8]) {
    for c in scanner().scan(data) {
        assert!(
            c.span.start <= c.span.end && c.span.end <= data.len(),
            "match out of the input"
        );
        assert!(c.secret.end <= data.len(), "secret out of the input");
        for (_, g) in &c.groups {
            assert!(g.end <= data.len(), "group out of the input");
        }
    }
}

/// A checksummed GitHub token planted in arbitrary bytes, plainly or inside
/// an encoding the engine decodes (base64, percent, JSON escapes), is
/// found with its exact bytes. The engine decodes only where a cue
/// announces an encoding (for speed, as the README says), so the base64
/// case carries one on its line, as a real file would.
///
/// The bytes are read as `arbitrary` reads a struct of the text before,
/// the text after, the token's seed and the encoding (the layout the
/// derived `Arbitrary` gave). The token is now derived from the seed and a
/// salt, so corpora saved before hold other tokens, still valid inputs.
pub fn engine_planted(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let (Ok(before), Ok(after), Ok(seed)) = (
        <&[u8]>::arbitrary(&mut u),
        <&[u8]>::arbitrary(&mut u),
        <&[u8]>::arbitrary(&mut u),
    ) else {
        return;
    };
    let Ok(encoding) = u8::arbitrary_take_rest(u) else {
        return;
    };
    // About one random token in 150,000 holds `FAKE` or `YOURKEY` or the
    // like and is rejected as a fake by design; plant one the filters pass,
    // since the invariant is about decoders and windows, not those filters.
    let token = (0u8..=u8::MAX)
        .map(|salt| github_token(&[seed, &[salt]].concat()))
        .find(|t| {
            let t = t.as_bytes();
            !filters::is_placeholder(t) && !filters::is_repetitive(t) && !filters::is_known_example(t)
        })
        .expect("a token the filters pass within 256 tries");
    let line = format!("GITHUB_TOKEN={token}");
    let planted = match encoding % 4 {
        0 => line.clone(),
        1 => format!(
            "GITHUB_TOKEN_BASE64: {}",
            base64::engine::general_purpose::STANDARD.encode(line.as_bytes())
        ),
        2 => line.replace('=', "%3D"),
        _ => format!("{{\"env\": \"export\\u0020{line}\\n\"}}"),
    };
    // The secret on a line of its own, as it would be in a file.
    let mut text = before.to_vec();
    text.push(b'\n');
    text.extend_from_slice(planted.as_bytes());
    text.push(b'\n');
    text.extend_from_slice(after);
    let scanner = scanner();
    let found = scanner
        .scan(&text)
        .into_iter()
        .any(|c| scanner.rules()[c.rule].id() == "github-pat-classic" && c.secret_bytes(&text) == token.as_bytes());
    assert!(found, "planted token not found (encoding {})", encoding % 4);
}

/// Each decoder on arbitrary bytes: runs lie inside the region, decoding a
/// run never panics, and a joined notebook run maps every segment back
/// inside the run and the joined text.
pub fn decoders(data: &[u8]) {
    for codec in [Codec::Base64, Codec::Percent, Codec::JsonEscape, Codec::JsonLines] {
        for run in decode::runs(data, codec) {
            assert!(
                run.start <= run.end && run.end <= data.len(),
                "{codec:?} run out of the region"
            );
            let bytes = &data[run];
            if let Some(decoded) = decode::decode(bytes, codec) {
                let _ = decode::worth_scanning(&decoded, bytes);
            }
            if codec == Codec::JsonLines {
                if let Some((joined, segments)) = decode::join_json_lines(bytes) {
                    for &(at, from) in &segments {
                        assert!(at <= joined.len() && from <= bytes.len(), "segment out of bounds");
                    }
                    let _ = decode::map_joined(&segments, joined.len());
                }
            }
        }
    }
}

/// The archive walker (zip, tar, gzip, zstd, nested) within small bomb
/// limits: no member is emitted past the per-member limit.
pub fn archive(data: &[u8]) {
    let Some(kind) = archive::detect(data) else { return };
    let limits = small_limits(3);
    let mut emit = |bytes: &[u8], _name: &str| {
        // The top level may be emitted whole when it does not open.
        assert!(
            bytes.len() <= limits.max_member_size as usize || bytes.len() == data.len(),
            "member past its limit"
        );
        scanner().scan(bytes);
    };
    archive::scan_archive(&EngineFeed, data, kind, "fuzz", &limits, &mut emit);
}

/// The image reader on an arbitrary `docker save`/OCI tar: the manifest,
/// index and config parsers and the layer walker never panic, and the
/// reader works on the tar alone.
pub fn image_archive(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("image.tar");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let options = ImageOptions {
        platform: None,
        limits: small_limits(2),
    };
    let _ = image::scan_image(&EngineFeed, &path, &options);
}

/// A rule pack's TOML from anywhere (a config may name one): parsing and
/// compiling either succeed or return an error.
pub fn rule_pack(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(rules) = keyhound_rules::parse_pack("fuzz.toml", text) {
        if keyhound_rules::check_unique(&rules).is_ok() {
            let _ = keyhound_engine::Scanner::new(rules.into_iter().map(Arc::new).collect());
        }
    }
}

/// The findings-file reader of `keyhound report` and `exposure` (keyhound
/// JSON, JSONL or SARIF, whatever another tool wrote): an error or a
/// reading.
pub fn findings_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = keyhound_report::saved::parse(text);
}

/// What AI agents send: every hook payload reads or gives a typed error; a
/// read payload always gets an answer in its protocol, and a block says
/// so; every bad MCP line gets a JSON-RPC error code.
pub fn agent_payload(data: &[u8]) {
    for agent in [None, Some(Agent::ClaudeCode), Some(Agent::Cursor), Some(Agent::Generic)] {
        if let Ok(p) = payload::read(data, agent, None) {
            let no = decision::reply(&p, None);
            let yes = decision::reply(&p, Some("blocked"));
            assert_eq!(no.status, 0);
            assert!(yes.status == 2 || !yes.stdout.is_empty(), "a block must say so");
        }
    }
    if let Ok(line) = std::str::from_utf8(data) {
        if let Err(bad) = mcp::parse(line) {
            assert!(bad.code <= -32600 || bad.code == mcp::PARSE_ERROR);
        }
    }
}

/// The agents' settings files, edited in place. For any file keyhound can
/// edit that holds no keyhound hook yet, uninstalling after installing
/// finds keyhound's hooks again and gives back the same settings; when the
/// file is laid out as the agents write it (pretty-printed JSON), the very
/// same bytes (apart from a final newline install adds). A compact one-line
/// `hooks` object comes back with the same content but laid out on several
/// lines. Files whose `hooks` object or event lists already exist empty are
/// left out: uninstall removes the containers its own removal empties, and
/// cannot tell an empty list it found from one it made.
pub fn agent_settings(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.contains("keyhound") || text.trim().is_empty() {
        return;
    }
    let original: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let empty_before = original.as_ref().is_some_and(|doc| {
        let hooks = &doc["hooks"];
        hooks.as_object().is_some_and(|h| h.is_empty())
            || ["PreToolUse", "UserPromptSubmit"]
                .iter()
                .any(|e| hooks[*e].as_array().is_some_and(|a| a.is_empty()))
    });
    let pretty = original
        .as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .is_some_and(|p| p == text.trim_end());
    for agent in [Agent::ClaudeCode, Agent::Cursor] {
        let Ok(installed) = settings::install(text, agent, "keyhound hook agent --agent x") else {
            continue;
        };
        let (back, removed) = settings::uninstall(&installed, agent).expect("our own output parses");
        assert!(removed > 0, "installed hooks not found again");
        if agent != Agent::ClaudeCode || empty_before {
            continue;
        }
        if let Some(original) = &original {
            let after: serde_json::Value = serde_json::from_str(&back).expect("uninstall output is JSON");
            assert_eq!(&after, original, "uninstall changed the settings");
        }
        if pretty {
            let expected = if text.ends_with('\n') {
                text.to_string()
            } else {
                format!("{text}\n")
            };
            assert_eq!(back, expected, "uninstall did not restore the file");
        }
    }
}

/// Credential-file readers: every reader, on any bytes, returns
/// credentials whose spans lie inside the file, that say why they were
/// kept, and that report under a rule the reader declares. The first byte
/// picks the reader, so each gets its share of the run.
pub fn credfiles(data: &[u8]) {
    let readers: Vec<_> = keyhound_credfiles::readers().collect();
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let reader = readers[pick as usize % readers.len()];
    for c in (reader.read)(bytes) {
        assert!(
            c.span.start <= c.span.end && c.span.end <= bytes.len(),
            "{}: span {:?} outside {} bytes",
            reader.family,
            c.span,
            bytes.len()
        );
        assert!(!c.reason.is_empty(), "{}: a credential without a reason", reader.family);
        assert!(
            reader.rule_ids.contains(&c.rule_id),
            "{}: reports under {} which it does not declare",
            reader.family,
            c.rule_id
        );
    }
}

/// The files that steer a scan, which a scanned tree may hold itself: its
/// `.keyhound.toml` (parsed, then compiled to the policy every path and
/// finding meets), a keyhound baseline, and what `keyhound migrate` reads
/// from peers (a gitleaks config, a gitleaks ignore file, a detect-secrets
/// baseline, a TruffleHog exclude file). Each gives an error or a reading;
/// and what migrate writes from a gitleaks config, keyhound reads back: the
/// translated pack parses to the same rule ids, and the policy additions
/// make a `.keyhound.toml` that parses and compiles.
pub fn config_files(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let config_path = std::path::Path::new("repo/.keyhound.toml");
    if let Ok(config) = Config::parse(text, config_path) {
        if let Ok(policy) = Policy::from_config(&config, config_path) {
            for path in [
                "src/main.rs",
                "vendor/a b/.env",
                "",
                "..",
                "deep/ly/nested/\u{e9}/x.toml",
            ] {
                let _ = policy.is_excluded(std::path::Path::new(path));
            }
        }
    }
    let _ = serde_json::from_str::<Baseline>(text);
    let _ = keyhound_migrate::gitleaks_ignore::has_commits(text);
    let _ = keyhound_migrate::gitleaks_ignore::import(text, "fuzz", &[], &|_| String::new());
    let _ = keyhound_migrate::detect_secrets::import(text, "fuzz", &[], &|_| String::new());
    let _ = keyhound_migrate::trufflehog::translate(text, "fuzz");
    gitleaks_round_trip(text);
}

/// A gitleaks config translated, and what migrate would write from it
/// read back by keyhound.
fn gitleaks_round_trip(text: &str) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(".gitleaks.toml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    let builtin_ids = std::collections::BTreeSet::new();
    let Ok(mut translation) = keyhound_migrate::gitleaks::translate(&path, &builtin_ids) else {
        return;
    };
    // Migrate leaves out the rules keyhound's own checks refuse.
    translation
        .rules
        .retain(|spec| keyhound_rules::Rule::new(spec.clone(), "fuzz.toml").is_ok_and(|r| r.check_regexes().is_ok()));
    let ids: Vec<String> = translation.rules.iter().map(|r| r.id.clone()).collect();
    if !ids.is_empty() {
        let pack = translation.pack_text("fuzz").expect("a translated pack serialises");
        let read = keyhound_rules::parse_pack("pack.toml", &pack).expect("keyhound reads the pack migrate writes");
        let read_ids: Vec<String> = read.iter().map(|r| r.id().to_string()).collect();
        assert_eq!(read_ids, ids, "the pack read back has other rules");
    }
    let config_text = translation.policy.config_text(&[], "fuzz");
    let config_path = dir.path().join(".keyhound.toml");
    let config = Config::parse(&config_text, &config_path).expect("keyhound reads the config migrate writes");
    Policy::from_config(&config, &config_path).expect("the config migrate writes compiles");
}
