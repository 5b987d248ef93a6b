//! NuGet: `NuGet.Config` (XML). `packageSourceCredentials` holds, per
//! source, `Username` and either `ClearTextPassword` or `Password`
//! (DPAPI-encrypted by `nuget sources add`); `apikeys` holds push keys
//! (DPAPI-encrypted); `config` may hold `http_proxy.password`.

use std::collections::HashMap;

use super::plain;
use crate::model::{Credential, Reader};
use crate::syntax::{placeholder, xml};

pub(super) const NUGET_CONFIG: Reader = Reader {
    family: "nuget-config",
    rule_ids: &["nuget-config-cleartext-password", "nuget-config-encrypted-password"],
    recognise: |f, _| f.name_is(&["nuget.config"]),
    read: nuget_config,
};

/// The base64 of a DPAPI blob's fixed header (version 1, provider GUID
/// df9d8cd0-1501-11d1-8c7a-00c04fc297eb).
const DPAPI_PREFIX: &[u8] = b"AQAAANCMnd8BFdERjHoAwE/Cl+s";

fn nuget_config(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let adds = || {
        doc.descendants()
            .filter(|n| n.is_element() && n.tag_name().name().eq_ignore_ascii_case("add"))
    };
    // Each source's `Username`, by the source's node.
    let mut users = HashMap::new();
    for add in adds() {
        if add.attribute("key").is_some_and(|k| k.eq_ignore_ascii_case("username")) {
            if let (Some(parent), Some(user)) = (add.parent_element(), add.attribute("value")) {
                users.entry(parent.id()).or_insert(user);
            }
        }
    }
    let mut out = Vec::new();
    for add in adds() {
        let Some(parent) = add.parent_element() else { continue };
        let Some(grand) = parent.parent_element() else { continue };
        let (Some((_, key)), Some((span, value))) =
            (xml::attribute(bytes, add, "key"), xml::attribute(bytes, add, "value"))
        else {
            continue;
        };
        if !placeholder::is_credential(value.as_bytes()) {
            continue;
        }
        let dpapi = value.as_bytes().starts_with(DPAPI_PREFIX);
        let section = parent.tag_name().name();
        let (what, whom) = if grand.tag_name().name().eq_ignore_ascii_case("packageSourceCredentials") {
            let key_lower = key.to_ascii_lowercase();
            if key_lower != "cleartextpassword" && key_lower != "password" {
                continue;
            }
            let user = users
                .get(&parent.id())
                .map(|u| format!(" (user {u})"))
                .unwrap_or_default();
            (
                format!("password ({key})"),
                format!(" of the NuGet source {section}{user}"),
            )
        } else if section.eq_ignore_ascii_case("apikeys") {
            ("push API key".to_string(), format!(" for {key}"))
        } else if section.eq_ignore_ascii_case("config") && key.eq_ignore_ascii_case("http_proxy.password") {
            (format!("proxy password ({key})"), String::new())
        } else {
            continue;
        };
        let found = if dpapi {
            plain(
                bytes,
                span,
                "nuget-config-encrypted-password",
                format!("encrypted (DPAPI) {what}{whom} in a NuGet.Config, decryptable by the Windows account that wrote it"),
            )
        } else {
            plain(
                bytes,
                span,
                "nuget-config-cleartext-password",
                format!("{what}{whom} in a NuGet.Config"),
            )
        };
        out.extend(found);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::found;

    #[test]
    fn nuget_credentials_clear_and_encrypted() {
        let text = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
    <add key="AcmeFeed" value="https://pkgs.dev.azure.test/acme/_packaging/feed/nuget/v3/index.json" />
  </packageSources>
  <packageSourceCredentials>
    <AcmeFeed>
      <add key="Username" value="ci@acme.test" />
      <add key="ClearTextPassword" value="Feed-Pat-7781" />
    </AcmeFeed>
    <Other_x0020_Feed>
      <add key="Username" value="me" />
      <add key="Password" value="AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAAq3FQkZ0xhE2yYwq7S8mTfgAAAAACAAAAAAAQZgAAAAEAACAAAADY" />
    </Other_x0020_Feed>
    <Env>
      <add key="Username" value="me" />
      <add key="ClearTextPassword" value="%FEED_PAT%" />
    </Env>
  </packageSourceCredentials>
  <apikeys>
    <add key="https://www.nuget.org/api/v2/package" value="AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAAz8dKc2Qw1ECp0gN7" />
  </apikeys>
  <config>
    <add key="http_proxy" value="http://proxy.acme.test:3128" />
    <add key="http_proxy.password" value="Pr0xy-N0get" />
  </config>
</configuration>
"#;
        let got = found("src/NuGet.Config", text);
        let ids: Vec<(&str, &str)> = got.iter().map(|g| (g.0.as_str(), g.1)).collect();
        assert_eq!(ids.len(), 4, "{got:?}");
        assert_eq!(ids[0], ("Feed-Pat-7781", "nuget-config-cleartext-password"));
        assert_eq!(ids[1].1, "nuget-config-encrypted-password");
        assert_eq!(ids[2].1, "nuget-config-encrypted-password");
        assert_eq!(ids[3], ("Pr0xy-N0get", "nuget-config-cleartext-password"));
        assert_eq!(
            got[0].2,
            "password (ClearTextPassword) of the NuGet source AcmeFeed (user ci@acme.test) in a NuGet.Config"
        );
        assert!(got[1]
            .2
            .starts_with("encrypted (DPAPI) password (Password) of the NuGet source Other_x0020_Feed (user me)"));
    }
}
