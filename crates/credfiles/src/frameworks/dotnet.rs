//! .NET configuration: `appsettings*.json` (and the user-secrets
//! `secrets.json`, Azure Functions `local.settings.json`) and the XML
//! `web.config` / `app.config` / `*.exe.config`. Connection strings are
//! parsed as the `key=value;` lists they are, so the password part
//! (`Password=`, `Pwd=`, `AccountKey=`, `SharedAccessKey=`) is reported with
//! its span inside the string; other settings are kept when their key names
//! a secret (`ClientSecret`, `ApiKey`, `Jwt:Key`). In XML, commented-out
//! elements (`<!-- <add connectionString="…"/> -->`) are parsed too: a
//! credential in a comment is still in the file.

use std::ops::Range;

use super::names_secret as is_secret_key;
use crate::model::{Credential, FileName};
use crate::syntax::{json, placeholder, xml};

/// The secret parts of a connection string stored at `span` in `bytes`
/// (raw, as in the file): each part's key and span.
pub(crate) fn connection_string_secrets(bytes: &[u8], span: Range<usize>) -> Vec<(String, Range<usize>)> {
    let raw = &bytes[span.clone()];
    // StackExchange.Redis writes `host:6379,password=…,ssl=True`.
    let sep = if raw.contains(&b';') { b';' } else { b',' };
    let mut out = Vec::new();
    let mut start = 0;
    let mut has_pair = false;
    let mut found = Vec::new();
    while start <= raw.len() {
        let mut end = start;
        let mut quote = None;
        while end < raw.len() {
            let c = raw[end];
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == b'\'' || c == b'{' => quote = Some(if c == b'{' { b'}' } else { b'\'' }),
                None if c == sep => break,
                None => {}
            }
            end += 1;
        }
        let part = &raw[start..end];
        if let Some(eq) = part.iter().position(|&c| c == b'=') {
            has_pair = true;
            let key: String = String::from_utf8_lossy(&part[..eq]).trim().to_ascii_lowercase();
            let key = key.split_whitespace().collect::<Vec<_>>().join(" ");
            if matches!(
                key.as_str(),
                "password"
                    | "pwd"
                    | "user password"
                    | "accountkey"
                    | "sharedaccesskey"
                    | "sas"
                    | "sharedaccesssignature"
            ) {
                let mut v = crate::syntax::trim_span(raw, start + eq + 1..end);
                if v.len() >= 2
                    && matches!(
                        (raw[v.start], raw[v.end - 1]),
                        (b'\'', b'\'') | (b'{', b'}') | (b'"', b'"')
                    )
                {
                    v = v.start + 1..v.end - 1;
                }
                found.push((key, span.start + v.start..span.start + v.end));
            }
        }
        start = end + 1;
    }
    if has_pair {
        for (key, v) in found {
            let value = &bytes[v.clone()];
            if kept(value) && !value.starts_with(b"\\\"") {
                out.push((key, v));
            }
        }
    }
    out
}

/// A value, not a template: [`placeholder::is_credential`], and not an
/// Azure DevOps / Octopus replacement token (`#{Name}#`).
fn kept(v: &[u8]) -> bool {
    placeholder::is_credential(v) && !(v.starts_with(b"#{") && v.ends_with(b"}#"))
}

fn part_name(key: &str) -> &'static str {
    match key {
        "accountkey" => "AccountKey",
        "sharedaccesskey" => "SharedAccessKey",
        "sas" | "sharedaccesssignature" => "SharedAccessSignature",
        _ => "password",
    }
}

pub(crate) fn recognise_appsettings(f: &FileName<'_>, _: &[u8]) -> bool {
    (f.name_starts_with("appsettings") && f.name_ends_with(&[".json"]))
        || f.name_is(&["local.settings.json"])
        || (f.name_is(&["secrets.json"]) && f.in_dir("usersecrets"))
}

/// `appsettings.json`: connection strings and secret-named settings.
pub(crate) fn read_appsettings(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in json::scalars(bytes) {
        if !s.is_string {
            continue;
        }
        let path = s.path.join(":");
        let conn = connection_string_secrets(bytes, s.span.clone());
        if !conn.is_empty() {
            for (key, span) in conn {
                out.push(Credential::plain(
                    "dotnet-connection-string-password",
                    span,
                    format!(
                        "{} in the {path} connection string of a .NET appsettings file",
                        part_name(&key)
                    ),
                ));
            }
            continue;
        }
        if is_connection_string_setting(&s.path) || !setting_is_secret(&s.path) {
            continue;
        }
        if kept(s.value.as_bytes()) {
            out.push(Credential::plain(
                "dotnet-config-secret",
                s.span,
                format!("{path} in a .NET appsettings file"),
            ));
        }
    }
    out
}

fn is_connection_string_setting(path: &[String]) -> bool {
    path.iter().any(|p| p.eq_ignore_ascii_case("ConnectionStrings"))
        || path
            .last()
            .is_some_and(|k| k.to_ascii_lowercase().ends_with("connectionstring"))
}

/// A key naming a secret, or a bare `Key`/`Secret` under a section that
/// does (`Jwt:Key`, `Stripe:Secret`).
fn setting_is_secret(path: &[String]) -> bool {
    let Some(key) = path.last() else { return false };
    if key.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    if is_secret_key(key) {
        return true;
    }
    let parent = path.len().checked_sub(2).map(|i| path[i].as_str()).unwrap_or("");
    matches!(key.to_ascii_lowercase().as_str(), "key" | "signingkey")
        && (is_secret_key(&format!("{parent}_key")) || parent.eq_ignore_ascii_case("jwt"))
}

pub(crate) fn recognise_web_config(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let named = f.name_is(&["web.config", "app.config"])
        || (f.name_starts_with("web.") && f.name_ends_with(&[".config"]))
        || (f.name_starts_with("app.") && f.name_ends_with(&[".config"]))
        || f.name_ends_with(&[".exe.config", ".dll.config"]);
    named && {
        let head = &bytes[..bytes.len().min(512)];
        head.windows(14).any(|w| w == b"<configuration") || head.windows(5).any(|w| w == b"<?xml")
    }
}

/// `web.config` / `app.config`, comments included.
pub(crate) fn read_web_config(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let base = xml::base(bytes);
    let mut out = Vec::new();
    walk(&bytes[base..], doc.root(), &|p| p + base, false, &mut out);
    for node in doc.descendants().filter(|n| n.is_comment()) {
        let r = node.range();
        let (start, end) = (r.start + base + 4, (r.end + base).saturating_sub(3));
        if start >= end || end > bytes.len() {
            continue;
        }
        let inner = &bytes[start..end];
        if !inner.contains(&b'<') {
            continue;
        }
        let mut wrapped = b"<r>".to_vec();
        wrapped.extend_from_slice(inner);
        wrapped.extend_from_slice(b"</r>");
        let Some(sub) = xml::parse(&wrapped) else { continue };
        walk(&wrapped, sub.root(), &|p| p + start - 3, true, &mut out);
    }
    out.retain(|c| c.span.end <= bytes.len());
    out
}

/// Credentials of the elements under `node`; `map` turns a position in
/// `text` into one in the file.
fn walk(
    text: &[u8],
    node: xml::Node<'_, '_>,
    map: &dyn Fn(usize) -> usize,
    commented: bool,
    out: &mut Vec<Credential>,
) {
    let how = if commented { "commented-out " } else { "" };
    for el in node.descendants().filter(|n| n.is_element()) {
        let tag = el.tag_name().name();
        let attr = |name: &str| {
            el.attributes()
                .find(|a| a.name().eq_ignore_ascii_case(name))
                .map(|a| (a.range_value(), a.value().to_string()))
        };
        if let Some((r, _)) = attr("connectionString") {
            let name = attr("name").map(|(_, v)| v).unwrap_or_default();
            for (key, span) in connection_string_secrets(text, r) {
                out.push(Credential::plain(
                    "dotnet-connection-string-password",
                    map(span.start)..map(span.end),
                    format!(
                        "{} in the {how}\"{name}\" connection string of a .NET web.config/app.config",
                        part_name(&key)
                    ),
                ));
            }
        }
        if tag.eq_ignore_ascii_case("add") {
            if let (Some((_, key)), Some((r, value))) = (attr("key"), attr("value")) {
                if is_secret_key(&key)
                    && kept(value.as_bytes())
                    && connection_string_secrets(text, r.clone()).is_empty()
                {
                    out.push(Credential::plain(
                        "dotnet-config-secret",
                        map(r.start)..map(r.end),
                        format!("{how}appSettings key {key} in a .NET web.config/app.config"),
                    ));
                } else if !connection_string_secrets(text, r.clone()).is_empty() {
                    for (part, span) in connection_string_secrets(text, r) {
                        out.push(Credential::plain(
                            "dotnet-connection-string-password",
                            map(span.start)..map(span.end),
                            format!(
                                "{} in the {how}{key} setting of a .NET web.config/app.config",
                                part_name(&part)
                            ),
                        ));
                    }
                }
            }
        }
        // `<setting name="ApiKey"><value>…</value></setting>` (applicationSettings).
        if tag.eq_ignore_ascii_case("setting") {
            if let (Some((_, name)), Some(v)) = (attr("name"), xml::child(el, "value")) {
                if let Some(t) = v.children().find(|c| c.is_text()) {
                    let r = crate::syntax::trim_span(text, t.range());
                    if is_secret_key(&name) && kept(&text[r.clone()]) {
                        out.push(Credential::plain(
                            "dotnet-config-secret",
                            map(r.start)..map(r.end),
                            format!("{how}application setting {name} in a .NET web.config/app.config"),
                        ));
                    }
                }
            }
        }
        // `<identity password=…>`, `<network password=…>` (mail settings),
        // `<machineKey decryptionKey=… validationKey=…>`.
        for a in el.attributes() {
            let n = a.name();
            let secret = n.eq_ignore_ascii_case("password")
                || (tag.eq_ignore_ascii_case("machineKey")
                    && (n.eq_ignore_ascii_case("decryptionKey") || n.eq_ignore_ascii_case("validationKey")));
            if !secret || a.value().to_ascii_lowercase().starts_with("autogenerate") || !kept(a.value().as_bytes()) {
                continue;
            }
            let r = a.range_value();
            out.push(Credential::plain(
                "dotnet-config-secret",
                map(r.start)..map(r.end),
                format!("{how}{n} attribute of <{tag}> in a .NET web.config/app.config"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::found;

    #[test]
    fn appsettings_connection_strings_and_secret_keys() {
        let text = r##"{
  "ConnectionStrings": {
    "DefaultConnection": "Server=tcp:sql.acme.test,1433;Database=shop;User ID=shop;Password=Hunter3!x;Encrypt=True;",
    "Local": "Server=.\\SQLEXPRESS;Database=shop;Trusted_Connection=True;",
    "Redis": "cache.acme.test:6380,password=r3dis-pw,ssl=True",
    "Quoted": "Host=pg;Username=app;Password='p;w d'",
    "Template": "Server=x;User Id=y;Password={your_password};"
  },
  "Storage": "DefaultEndpointsProtocol=https;AccountName=acmeshop;AccountKey=q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7==;EndpointSuffix=core.windows.net",
  "Authentication": { "Google": { "ClientId": "123.apps.googleusercontent.test", "ClientSecret": "GOCSPX-fake-secret-1" } },
  "Jwt": { "Key": "jwt-signing-key-2024", "Issuer": "acme", "TokenLifetime": "01:00:00" },
  "Stripe": { "ApiKey": "", "WebhookSecret": "${STRIPE_WEBHOOK}", "SigningSecret": "#{StripeSigning}#" },
  "Logging": { "LogLevel": { "Default": "Information" } }
}"##;
        let got = found("src/Shop/appsettings.Production.json", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "Hunter3!x",
                "r3dis-pw",
                "p;w d",
                "q8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7Zp1Wm9Ks4Yb6Hq8Vn3Lx2Rt7==",
                "GOCSPX-fake-secret-1",
                "jwt-signing-key-2024"
            ]
        );
        assert_eq!(got[0].1, "dotnet-connection-string-password");
        assert_eq!(
            got[0].2,
            "password in the ConnectionStrings:DefaultConnection connection string of a .NET appsettings file"
        );
        assert_eq!(got[4].1, "dotnet-config-secret");
        assert_eq!(
            got[4].2,
            "Authentication:Google:ClientSecret in a .NET appsettings file"
        );
    }

    #[test]
    fn web_config_elements_and_comments() {
        let text = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <connectionStrings>
    <add name="Erp" connectionString="Data Source=SQL01;Initial Catalog=Erp;User Id=erp;Pwd=erp-pw-7;" providerName="System.Data.SqlClient" />
    <!-- <add name="Old" connectionString="Data Source=SQL00;User Id=erp;Password=old-pw-3;" /> -->
    <!-- Trusted connection below, no password -->
  </connectionStrings>
  <appSettings>
    <add key="DbPassword" value="app-db-pw" />
    <add key="ApiBaseUrl" value="https://api.acme.test" />
    <add key="SmtpPassword" value="" />
  </appSettings>
  <system.web>
    <machineKey validationKey="AutoGenerate,IsolateApps" decryptionKey="AutoGenerate,IsolateApps" />
    <identity impersonate="true" userName="CORP\svc" password="svc-pw-5" />
  </system.web>
</configuration>
"#;
        let got = found("Web.config", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["erp-pw-7", "old-pw-3", "app-db-pw", "svc-pw-5"]);
        assert_eq!(
            got[1].2,
            "password in the commented-out \"Old\" connection string of a .NET web.config/app.config"
        );
        assert_eq!(got[2].2, "appSettings key DbPassword in a .NET web.config/app.config");
        assert!(crate::read("Web.config", b"not xml").is_none());
    }
}
