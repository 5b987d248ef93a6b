//! Google Cloud service-account keys, verified and mapped against an
//! emulator of Google's documented token endpoint, Resource Manager,
//! Cloud Storage and IAM on 127.0.0.1. The emulator checks the JWT the way
//! Google does — RS256 signature with the key's public half, issuer,
//! audience, lifetime — so a test passes only if keyhound really signed
//! with the found key; and it proves the key itself is never sent and the
//! key file's own `token_uri` is ignored. No test touches the internet.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use common::emulator::{percent_decode, Emulator, Recorded, Reply};
use common::*;
use serde_json::Value;

const TOKEN_HOST: &str = "oauth2.googleapis.com";
const HOSTS: &[&str] = &[
    TOKEN_HOST,
    "cloudresourcemanager.googleapis.com",
    "storage.googleapis.com",
    "iam.googleapis.com",
];

/// The rule's first example: a key file with a real 2048-bit RSA key.
fn key_file() -> String {
    let rule = keyhound_rules::builtin()
        .unwrap()
        .into_iter()
        .find(|r| r.id() == "gcp-service-account-key")
        .unwrap();
    rule.spec.examples.positive[0].clone()
}

/// The public half of the key in `file`, as `ring` verifies with it.
fn public_key(file: &str) -> Vec<u8> {
    let doc: Value = serde_json::from_str(file).unwrap();
    let pem = doc["private_key"].as_str().unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    use ring::signature::KeyPair as _;
    pair.public_key().as_ref().to_vec()
}

/// What Google's token endpoint would say about `req`: the checks of
/// <https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests>.
fn token_answer(req: &Recorded, public: &[u8], email: &str, key_id: &str) -> Result<(), &'static str> {
    let form = String::from_utf8_lossy(&req.body).to_string();
    let field = |name: &str| {
        form.split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .map(percent_decode)
    };
    if field("grant_type").as_deref() != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
        return Err("unsupported_grant_type");
    }
    let jwt = field("assertion").ok_or("no assertion")?;
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err("malformed");
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Value = serde_json::from_slice(&b64.decode(parts[0]).map_err(|_| "header")?).map_err(|_| "header")?;
    let claims: Value = serde_json::from_slice(&b64.decode(parts[1]).map_err(|_| "claims")?).map_err(|_| "claims")?;
    let signature = b64.decode(parts[2]).map_err(|_| "signature")?;
    let key = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, public);
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .map_err(|_| "Invalid JWT Signature.")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (iat, exp) = (claims["iat"].as_u64().unwrap_or(0), claims["exp"].as_u64().unwrap_or(0));
    if header["alg"] != "RS256"
        || header["kid"] != key_id
        || claims["iss"] != email
        || claims["aud"] != "https://oauth2.googleapis.com/token"
        || claims["scope"] != "https://www.googleapis.com/auth/cloud-platform"
        || iat > now + 60
        || exp <= now
        || exp - iat > 3600
    {
        return Err("claims");
    }
    Ok(())
}

/// How the emulated project answers.
#[derive(Clone, Copy)]
enum Project {
    /// The key was deleted: every assertion is refused.
    Deleted,
    /// Google refuses the assertion's time window.
    ClockSkew,
    /// The account holds these permissions.
    Grants(&'static [&'static str]),
}

fn google(file: &str, project: Project) -> (Emulator, Arc<Mutex<Vec<String>>>) {
    let doc: Value = serde_json::from_str(file).unwrap();
    let email = doc["client_email"].as_str().unwrap().to_string();
    let key_id = doc["private_key_id"].as_str().unwrap().to_string();
    let public = public_key(file);
    let refusals = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&refusals);
    let emulator = Emulator::start(move |req| {
        let path = req.path().to_string();
        let bearer = req.header("authorization").unwrap_or("");
        match (req.method.as_str(), path.as_str()) {
            ("POST", "/oauth2.googleapis.com/token") => match project {
                Project::Deleted => Reply::new(
                    400,
                    "{\n  \"error\": \"invalid_grant\",\n  \"error_description\": \"Invalid JWT Signature.\"\n}",
                ),
                Project::ClockSkew => Reply::new(
                    400,
                    r#"{"error":"invalid_grant","error_description":"Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."}"#,
                ),
                Project::Grants(_) => match token_answer(req, &public, &email, &key_id) {
                    Ok(()) => Reply::new(
                        200,
                        r#"{"access_token":"ya29.c.khfakeAccessToken0123456789","expires_in":3599,"token_type":"Bearer"}"#,
                    ),
                    Err(why) => {
                        seen.lock().unwrap().push(why.to_string());
                        Reply::new(
                            400,
                            &format!(r#"{{"error":"invalid_grant","error_description":"{why}"}}"#),
                        )
                    }
                },
            },
            _ if bearer != "Bearer ya29.c.khfakeAccessToken0123456789" => Reply::new(
                401,
                r#"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#,
            ),
            ("POST", "/cloudresourcemanager.googleapis.com/v1/projects/kh-demo-qqfl8i:testIamPermissions") => {
                let Project::Grants(granted) = project else {
                    unreachable!()
                };
                let asked: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
                let asked: Vec<&str> = asked["permissions"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                // Google answers the subset of the asked permissions the
                // caller holds.
                let held: Vec<&str> = asked.into_iter().filter(|p| granted.contains(p)).collect();
                Reply::new(200, &serde_json::json!({ "permissions": held }).to_string())
            }
            ("GET", "/storage.googleapis.com/storage/v1/b") => Reply::new(
                200,
                r#"{"kind":"storage#buckets","items":[{"kind":"storage#bucket","id":"kh-demo-backups","name":"kh-demo-backups"},{"kind":"storage#bucket","id":"kh-demo-assets","name":"kh-demo-assets"}]}"#,
            ),
            ("GET", "/iam.googleapis.com/v1/projects/kh-demo-qqfl8i/serviceAccounts") => Reply::new(
                200,
                r#"{"accounts":[{"name":"projects/kh-demo-qqfl8i/serviceAccounts/deployer@kh-demo-qqfl8i.iam.gserviceaccount.com","email":"deployer@kh-demo-qqfl8i.iam.gserviceaccount.com"},{"name":"projects/kh-demo-qqfl8i/serviceAccounts/billing-admin@kh-demo-qqfl8i.iam.gserviceaccount.com","email":"billing-admin@kh-demo-qqfl8i.iam.gserviceaccount.com"}]}"#,
            ),
            _ => Reply::new(404, r#"{"error":{"code":404,"message":"Not Found"}}"#),
        }
    });
    (emulator, refusals)
}

fn scan(root: &Path, emulator: &Emulator, extra: &[&str]) -> Value {
    let mut args: Vec<String> = ["dir", ".", "-f", "json", "-q"].iter().map(|s| s.to_string()).collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    for host in HOSTS {
        args.push("--verify-override".into());
        args.push(format!("{host}={}/{host}", emulator.base));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_in(root, &args);
    assert!(code(&out) <= 1, "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn gcp_finding(doc: &Value) -> &Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "gcp-service-account-key")
        .unwrap_or_else(|| panic!("no GCP finding in {doc:#}"))
}

/// The PEM body lines of the key, none of which may ever be sent.
fn key_lines(file: &str) -> Vec<String> {
    let doc: Value = serde_json::from_str(file).unwrap();
    doc["private_key"]
        .as_str()
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_string)
        .collect()
}

#[test]
fn a_live_key_is_proved_by_a_signed_assertion_and_mapped_to_admin_without_sending_the_key() {
    let file = key_file();
    let (emulator, refusals) = google(
        &file,
        Project::Grants(&[
            "resourcemanager.projects.get",
            "resourcemanager.projects.setIamPolicy",
            "iam.serviceAccounts.list",
            "iam.serviceAccounts.getAccessToken",
            "storage.buckets.list",
            "storage.objects.get",
        ]),
    );
    // A foreign token endpoint written into the key file must not be used.
    let decoy = Emulator::start(|_| Reply::new(200, r#"{"access_token":"x","token_type":"Bearer"}"#));
    let planted = file.replace("https://oauth2.googleapis.com/token", &format!("{}/token", decoy.base));
    assert_ne!(planted, file, "the example names its token_uri");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy/sa.json", &planted);
    let doc = scan(dir.path(), &emulator, &["--access"]);
    let finding = gcp_finding(&doc);
    let verification = &finding["verification"];
    assert_eq!(
        verification["status"],
        "live",
        "{verification:#}; refusals {:?}",
        refusals.lock().unwrap()
    );
    let map = &verification["access"];
    assert_eq!(map["level"], "admin", "{map:#}");
    assert_eq!(
        map["identity"]["principal"],
        "deployer@kh-demo-qqfl8i.iam.gserviceaccount.com"
    );
    assert_eq!(map["identity"]["project"], "kh-demo-qqfl8i");
    let scopes: Vec<&str> = map["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        scopes.contains(&"allowed:resourcemanager.projects.setIamPolicy"),
        "{scopes:?}"
    );
    assert!(!scopes.iter().any(|s| s.contains("compute")), "{scopes:?}");
    let excess: Vec<String> = map["excess"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(excess.iter().any(|e| e.contains("Project IAM Admin")), "{excess:?}");
    assert!(excess.iter().any(|e| e.contains("impersonation")), "{excess:?}");
    let resources = map["resources"].as_array().unwrap();
    let buckets = resources
        .iter()
        .find(|r| r["name"] == "buckets")
        .expect("buckets listed");
    assert_eq!(buckets["count"], 2);
    let accounts = resources
        .iter()
        .find(|r| r["name"] == "service accounts")
        .expect("accounts listed");
    assert_eq!(accounts["flagged"]["impersonable"], 2);

    assert!(decoy.requests().is_empty(), "the key file's token_uri was used");
    let requests = emulator.requests();
    assert!(refusals.lock().unwrap().is_empty(), "{:?}", refusals.lock().unwrap());
    for req in &requests {
        let host = req.path().trim_start_matches('/').split('/').next().unwrap();
        assert!(HOSTS.contains(&host), "request to {host}");
        let text = req.text();
        for line in key_lines(&file) {
            assert!(!text.contains(&line), "the private key was sent to {}", req.target);
        }
    }
    // Verification, then the map's own exchange, the permission test and
    // two listings.
    assert_eq!(
        requests.len(),
        5,
        "{:?}",
        requests.iter().map(|r| &r.target).collect::<Vec<_>>()
    );
}

#[test]
fn a_read_only_account_is_read_and_deleted_or_skewed_keys_are_told_apart() {
    let file = key_file();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "sa.json", &file);

    let (emulator, _) = google(
        &file,
        Project::Grants(&["resourcemanager.projects.get", "storage.objects.get"]),
    );
    let doc = scan(dir.path(), &emulator, &["--access"]);
    let map = &gcp_finding(&doc)["verification"]["access"];
    assert_eq!(map["level"], "read", "{map:#}");
    assert!(map.get("excess").is_none(), "{map:#}");
    assert!(
        map.get("resources").is_none(),
        "no listing without its permission: {map:#}"
    );

    let (emulator, _) = google(&file, Project::Deleted);
    let doc = scan(dir.path(), &emulator, &["--verify"]);
    let verification = &gcp_finding(&doc)["verification"];
    assert_eq!(verification["status"], "invalid", "{verification:#}");

    let (emulator, _) = google(&file, Project::ClockSkew);
    let doc = scan(dir.path(), &emulator, &["--verify"]);
    let verification = &gcp_finding(&doc)["verification"];
    assert_eq!(
        verification["status"], "unknown",
        "a refused time window says nothing about the key: {verification:#}"
    );
}

#[test]
fn a_key_that_cannot_sign_is_unknown_with_its_reason_and_sends_nothing() {
    // The rule's second example holds a 1024-bit key: too short for RS256
    // at Google and for ring, so nothing can be proved either way.
    let rule = keyhound_rules::builtin()
        .unwrap()
        .into_iter()
        .find(|r| r.id() == "gcp-service-account-key")
        .unwrap();
    let short = rule.spec.examples.positive[1].clone();
    let (emulator, _) = google(&key_file(), Project::Grants(&[]));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/settings.py", &short);
    let doc = scan(dir.path(), &emulator, &["--verify"]);
    let verification = &gcp_finding(&doc)["verification"];
    assert_eq!(verification["status"], "unknown", "{verification:#}");
    let reason = verification["reason"].as_str().unwrap_or("");
    assert!(reason.contains("RSA PKCS#8"), "{reason}");
    assert!(emulator.requests().is_empty());
}
