//! Azure Storage account keys: Shared Key authorization, for verification
//! (List Containers, one page of five) and the access flow
//! (`flow = "azure-storage"`: the account's containers).
//!
//! A shared key never travels: each request carries an HMAC-SHA256 of its
//! canonical form, keyed with the decoded account key, as Azure documents
//! in "Authorize with Shared Key". Written here (about thirty lines on the
//! `hmac` crate) rather than with the Azure SDK, which brings an async
//! runtime and an HTTP stack of its own; checked against the signature the
//! test emulator computes independently.
//!
//! The account name comes from the connection string and is checked
//! (3–24 lower-case letters and digits) before it becomes a host name
//! under `blob.core.windows.net`, the only host these requests may reach.

use std::collections::BTreeMap;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use keyhound_findings::Resources;

use crate::facts::Learnt;
use crate::http::{Client, Request, Response};
use crate::VerifyError;

/// The service version asked for (`x-ms-version`).
pub const VERSION: &str = "2021-08-06";
/// The host pattern every request must match.
pub const HOSTS: &str = "*.blob.core.windows.net";

/// Whether `name` is a storage account name (3–24 lower-case letters and
/// digits).
pub fn is_account(name: &str) -> bool {
    (3..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The `Authorization` header value for a GET of the account's root with
/// `query` (`key=value` pairs) at `date` (RFC 1123), per "Authorize with
/// Shared Key" (Blob service, version 2015-02-21 and later).
pub fn shared_key(account: &str, key: &str, query: &[(&str, &str)], date: &str) -> Result<String, VerifyError> {
    let secret = base64::engine::general_purpose::STANDARD
        .decode(key)
        .map_err(|e| VerifyError::Template(format!("the account key is not base64: {e}")))?;
    let mut params: Vec<(String, &str)> = query.iter().map(|(k, v)| (k.to_ascii_lowercase(), *v)).collect();
    params.sort();
    let mut resource = format!("/{account}/");
    for (k, v) in &params {
        resource.push_str(&format!("\n{k}:{v}"));
    }
    // VERB, eleven standard headers (all empty for a GET without a body),
    // the x-ms- headers sorted, then the resource.
    let to_sign = format!("GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{VERSION}\n{resource}");
    let mut mac = Hmac::<Sha256>::new_from_slice(&secret).expect("HMAC takes any key length");
    mac.update(to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    Ok(format!("SharedKey {account}:{signature}"))
}

/// The current time in the RFC 1123 form Azure wants (`Sat, 05 Dec 2026
/// 01:02:03 GMT`).
fn rfc1123_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let (h, m, s) = ((secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {h:02}:{m:02}:{s:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize]
    )
}

/// Lists up to `max` containers of the account in `values` (`account`,
/// `secret`): the verifier's request (five) and the access flow's.
pub fn list_containers(client: &Client, values: &BTreeMap<String, String>, max: u32) -> Result<Response, VerifyError> {
    let account = values
        .get("account")
        .filter(|a| is_account(a))
        .ok_or_else(|| VerifyError::Missing("storage account name".into()))?;
    let key = values
        .get("secret")
        .ok_or_else(|| VerifyError::Missing("account key".into()))?;
    let max = max.to_string();
    let query = [("comp", "list"), ("maxresults", max.as_str())];
    let date = rfc1123_now();
    let authorization = shared_key(account, key, &query, &date)?;
    let request = Request {
        method: "GET".into(),
        url: format!("https://{account}.blob.core.windows.net/?comp=list&maxresults={max}"),
        headers: vec![
            ("x-ms-date".into(), date),
            ("x-ms-version".into(), VERSION.into()),
            ("Authorization".into(), authorization),
        ],
        body: None,
        allowed_hosts: vec![HOSTS.into()],
    };
    client.send(&request, None)
}

/// Runs the flow: the account's containers (one page of 100).
pub fn map(client: &Client, values: &BTreeMap<String, String>, learnt: &mut Learnt) {
    if let Some(account) = values.get("account") {
        learnt.facts.insert("account".into(), account.clone());
    }
    learnt.requests += 1;
    match list_containers(client, values, 100) {
        Ok(r) if r.status == 200 => {
            let body = String::from_utf8_lossy(&r.body);
            let mut names: Vec<String> = crate::aws_access::tags(&body, "Name");
            let count = names.len() as u64;
            names.sort();
            names.truncate(5);
            let next = crate::aws_access::tags(&body, "NextMarker");
            learnt.resources.push(Resources {
                name: "containers".into(),
                count,
                flagged: BTreeMap::new(),
                sample: names,
                truncated: next.iter().any(|m| !m.is_empty()),
            });
            // A shared key is the account's root credential.
            learnt.scopes.push("shared-key".into());
        }
        Ok(r) => learnt.notes.push(format!("List Containers answered HTTP {}", r.status)),
        Err(e) => learnt.notes.push(format!("List Containers: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_checked_before_they_become_hosts() {
        assert!(is_account("khdemomdbpts7s"));
        for bad in ["ab", "UPPER", "evil.example.com", "a-b-c", "x".repeat(25).as_str()] {
            assert!(!is_account(bad), "{bad}");
        }
    }

    #[test]
    fn the_signature_covers_date_version_account_and_sorted_query() {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 64]);
        let a = shared_key(
            "acct",
            &key,
            &[("maxresults", "5"), ("comp", "list")],
            "Sat, 05 Dec 2026 01:02:03 GMT",
        )
        .unwrap();
        let b = shared_key(
            "acct",
            &key,
            &[("comp", "list"), ("maxresults", "5")],
            "Sat, 05 Dec 2026 01:02:03 GMT",
        )
        .unwrap();
        assert_eq!(a, b, "query order does not matter");
        assert!(a.starts_with("SharedKey acct:"));
        let c = shared_key(
            "acct",
            &key,
            &[("comp", "list"), ("maxresults", "5")],
            "Sat, 05 Dec 2026 01:02:04 GMT",
        )
        .unwrap();
        assert_ne!(a, c);
        assert!(shared_key("acct", "not base64!", &[], "x").is_err());
    }

    #[test]
    fn dates_are_rfc1123() {
        let d = rfc1123_now();
        assert!(d.ends_with(" GMT") && d.len() == 29, "{d}");
    }
}
