//! Azure Storage account keys, verified and mapped against an emulator of
//! the Blob service's List Containers on 127.0.0.1 that checks the Shared
//! Key signature the way Azure documents it ("Authorize with Shared Key"),
//! computed here independently. The key itself must never be sent. No test
//! touches the internet.

mod common;

use std::path::Path;

use base64::Engine as _;
use common::emulator::{Emulator, Recorded, Reply};
use common::*;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

const ACCOUNT: &str = "khdemomdbpts7s";

/// The rule's first example and the key in it.
fn example() -> (String, String) {
    let rule = keyhound_rules::builtin()
        .unwrap()
        .into_iter()
        .find(|r| r.id() == "azure-storage-connection-string")
        .unwrap();
    let line = rule.spec.examples.positive[0].clone();
    let key = line
        .split("AccountKey=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (line, key)
}

/// Whether `req` carries a valid Shared Key signature for `key`.
fn signed_with(req: &Recorded, key: &str) -> bool {
    let (Some(date), Some(version), Some(auth)) = (
        req.header("x-ms-date"),
        req.header("x-ms-version"),
        req.header("authorization"),
    ) else {
        return false;
    };
    let query = req.target.split_once('?').map_or("", |(_, q)| q);
    let mut params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    params.sort();
    let mut resource = format!("/{ACCOUNT}/");
    for (k, v) in &params {
        resource.push_str(&format!("\n{k}:{v}"));
    }
    let to_sign = format!("GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n{resource}");
    let secret = base64::engine::general_purpose::STANDARD.decode(key).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).unwrap();
    mac.update(to_sign.as_bytes());
    let want = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    auth == format!("SharedKey {ACCOUNT}:{want}")
}

const LISTING: &str = r#"<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://khdemomdbpts7s.blob.core.windows.net/"><MaxResults>100</MaxResults><Containers><Container><Name>backups</Name><Properties><PublicAccess>container</PublicAccess></Properties></Container><Container><Name>invoices</Name><Properties/></Container><Container><Name>uploads</Name><Properties/></Container></Containers><NextMarker /></EnumerationResults>"#;
const AUTH_FAILED: &str = r#"<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.</Message></Error>"#;
const NETWORK_RULES: &str = r#"<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationFailure</Code><Message>This request is not authorized to perform this operation.</Message></Error>"#;

/// The Blob service for the account, whose real key is `key`;
/// `firewalled` answers every request with the network-rules 403.
fn blob_service(key: String, firewalled: bool) -> Emulator {
    Emulator::start(move |req| {
        let path = req.path().to_string();
        if path != format!("/{ACCOUNT}.blob.core.windows.net/") || !req.target.contains("comp=list") {
            return Reply::new(400, "<Error><Code>InvalidUri</Code></Error>");
        }
        if firewalled {
            Reply::new(403, NETWORK_RULES)
        } else if signed_with(req, &key) {
            Reply::new(200, LISTING)
        } else {
            Reply::new(403, AUTH_FAILED)
        }
    })
}

fn scan(root: &Path, emulator: &Emulator, extra: &[&str]) -> Value {
    let host = format!("{ACCOUNT}.blob.core.windows.net");
    let over = format!("{host}={}/{host}", emulator.base);
    let mut args = vec!["dir", ".", "-f", "json", "-q", "--verify-override", over.as_str()];
    args.extend(extra);
    let out = run_in(root, &args);
    assert!(code(&out) <= 1, "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn verification(doc: &Value, path: &str) -> Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "azure-storage-connection-string" && f["path"].as_str().unwrap().ends_with(path))
        .unwrap_or_else(|| panic!("no finding in {path}: {doc:#}"))["verification"]
        .clone()
}

#[test]
fn an_account_key_signs_its_requests_is_live_and_maps_to_admin_over_its_containers() {
    let (line, key) = example();
    let mut bytes = base64::engine::general_purpose::STANDARD.decode(&key).unwrap();
    bytes[0] ^= 0xff;
    let rotated = base64::engine::general_purpose::STANDARD.encode(bytes);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "live/appsettings.env", format!("{line}\n"));
    write(
        dir.path(),
        "old/appsettings.env",
        format!("{}\n", line.replace(&key, &rotated)),
    );
    let emulator = blob_service(key.clone(), false);
    let doc = scan(dir.path(), &emulator, &["--access"]);

    let live = verification(&doc, "live/appsettings.env");
    assert_eq!(live["status"], "live", "{live:#}");
    let map = &live["access"];
    assert_eq!(map["level"], "admin", "{map:#}");
    assert_eq!(map["identity"]["account"], ACCOUNT);
    let containers = &map["resources"][0];
    assert_eq!(containers["name"], "containers");
    assert_eq!(containers["count"], 3);
    assert_eq!(containers["sample"][0], "backups");
    assert_eq!(map["excess"].as_array().map_or(0, Vec::len), 1, "{map:#}");

    let old = verification(&doc, "old/appsettings.env");
    assert_eq!(old["status"], "invalid", "{old:#}");

    for req in emulator.requests() {
        let text = req.text();
        for k in [&key, &rotated] {
            assert!(!text.contains(k.as_str()), "the account key was sent: {text}");
        }
    }
}

#[test]
fn a_refusal_for_network_rules_says_nothing_about_the_key() {
    let (line, key) = example();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.env", format!("{line}\n"));
    let emulator = blob_service(key, true);
    let doc = scan(dir.path(), &emulator, &["--verify"]);
    let v = verification(&doc, "app.env");
    assert_eq!(v["status"], "unknown", "{v:#}");
}
