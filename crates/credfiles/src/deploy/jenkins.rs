//! Jenkins (`credentials.xml`, job `config.xml`, plugin settings under a
//! Jenkins home) and Tomcat `tomcat-users.xml`.

use super::contains;
use crate::model::{Credential, FileName};
use crate::syntax::{placeholder, xml};

const ENCRYPTED: &str = "jenkins-encrypted-secret";
const PLAIN: &str = "jenkins-credential-plain";

pub(crate) fn recognise(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1 << 20)];
    if f.name_is(&["credentials.xml"]) {
        return contains(head, b"com.cloudbees.plugins.credentials")
            || contains(head, b"<domainCredentialsMap")
            || contains(head, b"{AQAAAB");
    }
    if f.name_is(&["config.xml"]) && (f.in_dir("jobs") || f.in_dir("jenkins") || f.in_dir(".jenkins")) {
        return true;
    }
    // Plugin settings in JENKINS_HOME: hudson.tasks.Mailer.xml,
    // jenkins.model.*.xml, org.jenkinsci.plugins.*.xml.
    f.name_ends_with(&[".xml"])
        && (f.name_starts_with("hudson.") || f.name_starts_with("jenkins.") || f.name_starts_with("org.jenkinsci."))
        && contains(head, b"{AQAAAB")
}

/// Elements whose text is a credential in Jenkins' XStream files.
fn secret_element(name: &str) -> bool {
    matches!(
        name,
        "password"
            | "secret"
            | "privateKey"
            | "apiToken"
            | "passphrase"
            | "token"
            | "secretBytes"
            | "smtpAuthPassword"
            | "secretPassword"
            | "clientSecret"
            | "accessKey"
            | "secretKey"
            | "secretAccessKey"
            | "keyStoreBytes"
    )
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut cache = std::collections::HashMap::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let name = node.tag_name().name();
        // EnvInject's `<EnvInjectPasswordEntry><name/><value/>`.
        let password_value = name == "value"
            && node
                .parent_element()
                .is_some_and(|p| p.tag_name().name().contains("Password"));
        if !(secret_element(name) || password_value) || node.children().any(|c| c.is_element()) {
            continue;
        }
        let Some((span, value)) = xml::text(bytes, node) else {
            continue;
        };
        // The credential's id (credentials.xml) and its kind (the class
        // element), for the reason.
        // Up to four levels (a key source sits two below its credential).
        let owner = node
            .ancestors()
            .skip(1)
            .take(4)
            .find(|a| super::child_texts(&mut cache, *a).contains_key("id"));
        let id = owner.and_then(|o| super::child_texts(&mut cache, o).get("id").cloned());
        let kind = owner.map(|o| o.tag_name().name().rsplit('.').next().unwrap_or("").to_string());
        let of = match (&id, &kind) {
            (Some(id), Some(kind)) if !kind.is_empty() => format!("of Jenkins credential {id} ({kind})"),
            (Some(id), _) => format!("of Jenkins credential {id}"),
            _ => "in a Jenkins configuration".to_string(),
        };
        if let Some(inner) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
            if inner.len() >= 8
                && inner
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
            {
                out.push(Credential::plain(
                    ENCRYPTED,
                    span.start + 1..span.end - 1,
                    format!("{name} {of}, encrypted with the controller's master key"),
                ));
                continue;
            }
        }
        if placeholder::is_credential(value.as_bytes()) {
            out.push(Credential::plain(PLAIN, span, format!("plain-text {name} {of}")));
        }
    }
    out
}

pub(crate) fn recognise_tomcat(f: &FileName<'_>, _: &[u8]) -> bool {
    f.name_is(&["tomcat-users.xml"])
}

/// `<user username="…" password="…" roles="…"/>` (Tomcat 7+; `name` in
/// older releases).
pub(crate) fn read_tomcat(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for node in doc
        .descendants()
        .filter(|n| n.has_tag_name("user") || n.tag_name().name() == "user")
    {
        let Some((span, value)) = xml::attribute(bytes, node, "password") else {
            continue;
        };
        if !placeholder::is_credential(value.as_bytes()) {
            continue;
        }
        let user = xml::attribute(bytes, node, "username")
            .or_else(|| xml::attribute(bytes, node, "name"))
            .map_or_else(|| "?".to_string(), |(_, v)| v);
        let roles = xml::attribute(bytes, node, "roles").map(|(_, v)| v).unwrap_or_default();
        let roles = if roles.is_empty() {
            String::new()
        } else {
            format!(" (roles {roles})")
        };
        out.push(Credential::plain(
            "tomcat-users-password",
            span,
            format!("password of Tomcat user {user}{roles} in tomcat-users.xml"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::found;

    #[test]
    fn jenkins_credentials_encrypted_and_plain() {
        let text = "<?xml version='1.1' encoding='UTF-8'?>
<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin=\"credentials@1337.v60b_d7b_c7b_c9f\">
  <domainCredentialsMap class=\"hudson.util.CopyOnWriteMap$Hash\">
    <entry>
      <com.cloudbees.plugins.credentials.domains.Domain><specifications/></com.cloudbees.plugins.credentials.domains.Domain>
      <java.util.concurrent.CopyOnWriteArrayList>
        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
          <scope>GLOBAL</scope>
          <id>nexus-deploy</id>
          <description>Nexus upload</description>
          <username>ci</username>
          <password>{AQAAABAAAAAQ7mK2vXp9LqRz3Wn8Yb4sEc1uHd6gFa3jT5oPq0Nw=}</password>
          <usernameSecret>false</usernameSecret>
        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>
        <org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>
          <scope>GLOBAL</scope>
          <id>slack-token</id>
          <secret>legacy-plain-Sl4ck</secret>
        </org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>
        <org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>
          <id>templated</id>
          <secret>${SLACK_TOKEN}</secret>
        </org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl>
      </java.util.concurrent.CopyOnWriteArrayList>
    </entry>
  </domainCredentialsMap>
</com.cloudbees.plugins.credentials.SystemCredentialsProvider>
";
        let got = found("var/lib/jenkins/credentials.xml", text);
        assert_eq!(
            got.iter().map(|g| (g.0.as_str(), g.1)).collect::<Vec<_>>(),
            vec![
                (
                    "AQAAABAAAAAQ7mK2vXp9LqRz3Wn8Yb4sEc1uHd6gFa3jT5oPq0Nw=",
                    "jenkins-encrypted-secret"
                ),
                ("legacy-plain-Sl4ck", "jenkins-credential-plain"),
            ]
        );
        assert_eq!(
            got[0].2,
            "password of Jenkins credential nexus-deploy (UsernamePasswordCredentialsImpl), encrypted with the controller's master key"
        );
        assert!(crate::read("docs/credentials.xml", b"<creds><password>x1</password></creds>").is_none());
        let job = "<project><scm class=\"hudson.scm.SubversionSCM\"><locations/></scm><builders><hudson.tasks.Shell><command>echo</command></hudson.tasks.Shell></builders><buildWrappers><EnvInjectPasswordWrapper><passwordEntries><EnvInjectPasswordEntry><name>DB</name><value>{AQAAABAAAAAgXw2k9Lm3Pq8Rz7Vb1Nc5Td0Yf4Ge6Hj2Ks8Mn1Bv3=}</value></EnvInjectPasswordEntry></passwordEntries></EnvInjectPasswordWrapper></buildWrappers><publishers><password>Pl41n-job-pw</password></publishers></project>";
        let got = found("jenkins/jobs/deploy/config.xml", job);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["AQAAABAAAAAgXw2k9Lm3Pq8Rz7Vb1Nc5Td0Yf4Ge6Hj2Ks8Mn1Bv3=", "Pl41n-job-pw"]
        );
        assert_eq!(got[1].2, "plain-text password in a Jenkins configuration");
    }

    #[test]
    fn tomcat_users() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<tomcat-users xmlns=\"http://tomcat.apache.org/xml\" version=\"1.0\">
<!--
  <user username=\"admin\" password=\"<must-be-changed>\" roles=\"manager-gui\"/>
-->
  <role rolename=\"manager-script\"/>
  <user username=\"deployer\" password=\"Dep!oy-2931\" roles=\"manager-script\"/>
  <user username=\"robot\" password=\"&lt;must-be-changed&gt;\" roles=\"manager-status\"/>
  <user name=\"old\" password=\"0ld-style-pw\"/>
</tomcat-users>
";
        let got = found("conf/tomcat-users.xml", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Dep!oy-2931", "0ld-style-pw"]
        );
        assert_eq!(
            got[0].2,
            "password of Tomcat user deployer (roles manager-script) in tomcat-users.xml"
        );
    }
}
