//! JVM builds: Maven `settings.xml` and `settings-security.xml`,
//! `gradle.properties`, sbt credentials files.
//!
//! Maven's `{…}` values are encrypted with the master password of
//! `settings-security.xml`; they are reported all the same (the master is
//! usually next to them, and is itself encrypted with the fixed key
//! `settings.security`, which is decrypted here), with a reason saying so.

use std::ops::Range;

use super::{basic_auth, head_contains, parent_is, url_findings, URL_RULE};
use crate::model::{Credential, FileName, Reader};
use crate::syntax::{is_secret_key, placeholder, properties, xml};

pub(super) const MAVEN_SETTINGS: Reader = Reader {
    family: "maven-settings",
    rule_ids: &["maven-settings-password", URL_RULE],
    recognise: |f, b| {
        maven_settings_name(f) && head_contains(b, b"<settings") && !head_contains(b, b"<settingsSecurity")
    },
    read: maven_settings,
};

pub(super) const MAVEN_SETTINGS_SECURITY: Reader = Reader {
    family: "maven-settings-security",
    rule_ids: &["maven-settings-security-master"],
    recognise: |f, b| f.name_ends_with(&[".xml"]) && head_contains(b, b"<settingsSecurity"),
    read: maven_settings_security,
};

pub(super) const GRADLE_PROPERTIES: Reader = Reader {
    family: "gradle-properties",
    rule_ids: &["gradle-properties-password"],
    recognise: |f, _| f.name_is(&["gradle.properties"]),
    read: gradle_properties,
};

pub(super) const SBT_CREDENTIALS: Reader = Reader {
    family: "sbt-credentials",
    rule_ids: &["sbt-credentials"],
    recognise: |f, _| {
        (f.name_is(&[".credentials", "credentials"]) || f.name_ends_with(&[".credentials"]))
            && (parent_is(f, ".sbt") || parent_is(f, ".ivy2") || (f.in_dir(".sbt") && f.name_starts_with(".")))
    },
    read: sbt_credentials,
};

/// `settings.xml`, `settings-ci.xml`, `maven-settings.xml`, `.m2/*.xml`.
fn maven_settings_name(f: &FileName<'_>) -> bool {
    f.name_ends_with(&[".xml"]) && (f.lower_name().contains("settings") || f.in_dir(".m2"))
}

const MAVEN: &str = "a Maven settings.xml";
const ENCRYPTED: &str = ", encrypted with the master password of settings-security.xml";

/// Whether a Maven value is encrypted (`{…}`, possibly after a comment).
fn encrypted(value: &str) -> bool {
    value.trim_end().ends_with('}') && value.contains('{') && !value.contains("${")
}

/// `<servers><server>`: password, passphrase and secret HTTP headers;
/// `<proxies><proxy>`: password; `<mirrors><mirror>`: URL credentials;
/// `<profiles><profile><properties>`: properties whose name is a secret's
/// (`gpg.passphrase`).
fn maven_settings(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let value_of = |node: xml::Node<'_, '_>| -> Option<(Range<usize>, String)> {
        let (span, value) = xml::text(bytes, node)?;
        placeholder::is_credential(value.as_bytes()).then_some((span, value))
    };
    for node in doc.descendants().filter(|n| n.is_element()) {
        let parent = node
            .parent_element()
            .map(|p| p.tag_name().name().to_string())
            .unwrap_or_default();
        match (node.tag_name().name(), parent.as_str()) {
            (tag @ ("server" | "proxy"), "servers" | "proxies") => {
                let id = xml::child_text(node, "id").unwrap_or_default();
                let user = xml::child_text(node, "username")
                    .filter(|u| !u.is_empty())
                    .map(|u| format!(" (user {u})"))
                    .unwrap_or_default();
                for field in ["password", "passphrase"] {
                    let Some((span, value)) = xml::child(node, field).and_then(value_of) else {
                        continue;
                    };
                    let enc = if encrypted(&value) { ENCRYPTED } else { "" };
                    out.push(Credential::plain(
                        "maven-settings-password",
                        span,
                        format!("{field} of the <{tag}> {id} in {MAVEN}{user}{enc}"),
                    ));
                }
                if tag == "server" {
                    out.extend(server_headers(bytes, node, &id));
                }
            }
            ("url", "mirror") => {
                if let Some((span, _)) = xml::text(bytes, node) {
                    let id = node
                        .parent_element()
                        .and_then(|m| xml::child_text(m, "id"))
                        .unwrap_or_default();
                    out.extend(url_findings(
                        bytes,
                        span,
                        URL_RULE,
                        &format!("the URL of the <mirror> {id} of {MAVEN}"),
                    ));
                }
            }
            (name, "properties") if is_secret_key(name) => {
                let profile = node
                    .parent_element()
                    .and_then(|p| p.parent_element())
                    .filter(|p| p.tag_name().name() == "profile")
                    .and_then(|p| xml::child_text(p, "id"))
                    .unwrap_or_default();
                if let Some((span, value)) = value_of(node) {
                    let enc = if encrypted(&value) { ENCRYPTED } else { "" };
                    out.push(Credential::plain(
                        "maven-settings-password",
                        span,
                        format!("{name} property of the profile {profile} in {MAVEN}{enc}"),
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// `<configuration><httpHeaders><property><name>Private-Token</name>
/// <value>…</value>` (GitLab's documented Maven setup), and the like.
fn server_headers(bytes: &[u8], server: xml::Node<'_, '_>, id: &str) -> Vec<Credential> {
    let mut out = Vec::new();
    let Some(headers) = xml::child(server, "configuration").and_then(|c| xml::child(c, "httpHeaders")) else {
        return out;
    };
    for prop in headers.children().filter(|n| n.is_element()) {
        let (Some(name), Some(value)) = (xml::child_text(prop, "name"), xml::child(prop, "value")) else {
            continue;
        };
        let authorization = name.eq_ignore_ascii_case("authorization");
        if !authorization && !is_secret_key(&name) {
            continue;
        }
        let Some((mut span, text)) = xml::text(bytes, value) else {
            continue;
        };
        if !placeholder::is_credential(text.as_bytes()) {
            continue;
        }
        let reason = format!("HTTP header {name} of the <server> {id} in {MAVEN}");
        // The scheme is cut off the stored value (not the decoded text: an
        // entity may stand for it).
        let raw = bytes[span.clone()].to_ascii_lowercase();
        if authorization && raw.starts_with(b"basic ") {
            span.start += 6;
            out.extend(basic_auth(bytes, span, "maven-settings-password", &reason));
            continue;
        }
        if authorization && raw.starts_with(b"bearer ") {
            span.start += 7;
        }
        out.extend(super::plain(bytes, span, "maven-settings-password", reason));
    }
    out
}

/// `settings-security.xml`: `<master>{…}</master>`, the master password
/// encrypted with the fixed key `settings.security` (plexus-cipher:
/// base64 of salt, pad length, AES-128-CBC, pad; key and IV from SHA-256
/// of the key and the salt). Decrypted when it decrypts.
fn maven_settings_security(bytes: &[u8]) -> Vec<Credential> {
    let Some(doc) = xml::parse(bytes) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for node in doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "master")
    {
        let Some((span, value)) = xml::text(bytes, node) else {
            continue;
        };
        if !placeholder::is_credential(value.as_bytes()) {
            continue;
        }
        let inner = value
            .rfind('{')
            .and_then(|s| value[s + 1..].find('}').map(|e| &value[s + 1..s + 1 + e]));
        match inner.and_then(|b| plexus_decrypt(b.as_bytes(), b"settings.security")) {
            Some(plain) => out.push(Credential::decoded(
                "maven-settings-security-master",
                span,
                vec!["base64", "plexus-cipher"],
                plain,
                "master password of a Maven settings-security.xml, decrypted with Maven's fixed key settings.security",
            )),
            None => out.push(Credential::plain(
                "maven-settings-security-master",
                span,
                "master password of a Maven settings-security.xml (encrypted with Maven's fixed key settings.security)",
            )),
        }
    }
    out
}

/// Decrypts plexus-cipher's format (`{…}` without the braces).
fn plexus_decrypt(b64: &[u8], password: &[u8]) -> Option<Vec<u8>> {
    use cbc::cipher::{block_padding::Pkcs7, BlockModeDecrypt, KeyIvInit};
    let all = super::base64_decode(b64)?;
    let pad = usize::from(*all.get(8)?);
    let len = all.len().checked_sub(9 + pad)?;
    if len == 0 || len % 16 != 0 {
        return None;
    }
    let mut input = password.to_vec();
    input.extend_from_slice(&all[..8]);
    let digest = sha256(&input);
    let mut buf = all[9..9 + len].to_vec();
    let dec = cbc::Decryptor::<aes::Aes128>::new_from_slices(&digest[..16], &digest[16..]).ok()?;
    let plain = dec.decrypt_padded::<Pkcs7>(&mut buf).ok()?;
    let text = std::str::from_utf8(plain).ok()?;
    (!text.is_empty() && !text.chars().any(char::is_control)).then(|| plain.to_vec())
}

/// SHA-256 (FIPS 180-4), for plexus-cipher's key derivation.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    for chunk in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in chunk.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// `gradle.properties`: every property whose name is a secret's
/// (`signing.password`, `ossrhPassword`, `systemProp.http.proxyPassword`,
/// `signingInMemoryKey`), commented out or not, and `-Dname=value`
/// secrets inside `org.gradle.jvmargs`.
fn gradle_properties(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for p in properties::properties(bytes) {
        let how = if p.commented { "commented-out " } else { "" };
        let key_lower = p.key.to_ascii_lowercase();
        if key_lower.ends_with("jvmargs") {
            out.extend(jvm_args(bytes, p.value.clone(), &p.key, how));
            continue;
        }
        if !is_secret_key(&p.key) || key_lower.contains("public") || names_reference(&p.key) {
            continue;
        }
        out.extend(super::plain(
            bytes,
            p.value,
            "gradle-properties-password",
            format!("{how}{} in a gradle.properties", p.key),
        ));
    }
    out
}

/// Whether a key names something about a secret rather than the secret
/// (`signing.keyId`, `signing.secretKeyRingFile`, `sonatypeUsername`).
fn names_reference(key: &str) -> bool {
    let words = crate::syntax::key_words(key);
    words.last().is_some_and(|w| {
        matches!(
            w.as_str(),
            "id" | "file" | "path" | "name" | "user" | "username" | "url" | "type"
        )
    })
}

/// `-Dname=value` options of a JVM argument line whose name is a
/// secret's (`-Djavax.net.ssl.keyStorePassword=…`).
fn jvm_args(bytes: &[u8], span: Range<usize>, key: &str, how: &str) -> Vec<Credential> {
    let mut out = Vec::new();
    let line = &bytes[span.clone()];
    for t in crate::syntax::tokens(line, span.start) {
        let tok = &bytes[t.clone()];
        let Some(rest) = tok.strip_prefix(b"-D") else { continue };
        let Some(eq) = rest.iter().position(|&b| b == b'=') else {
            continue;
        };
        let name = String::from_utf8_lossy(&rest[..eq]);
        if !is_secret_key(&name) || names_reference(&name) {
            continue;
        }
        out.extend(super::plain(
            bytes,
            t.start + 2 + eq + 1..t.end,
            "gradle-properties-password",
            format!("{how}-D{name} in the {key} of a gradle.properties"),
        ));
    }
    out
}

/// sbt / Ivy credentials: `realm`, `host`, `user`, `password` properties.
fn sbt_credentials(bytes: &[u8]) -> Vec<Credential> {
    let props = properties::properties(bytes);
    let get = |k: &str| {
        props
            .iter()
            .find(|p| !p.commented && p.key == k)
            .map(|p| String::from_utf8_lossy(&bytes[p.value.clone()]).into_owned())
    };
    let user = get("user").unwrap_or_default();
    let host = get("host").unwrap_or_default();
    let realm = get("realm").map(|r| format!(" (realm {r})")).unwrap_or_default();
    props
        .iter()
        .filter(|p| !p.commented && p.key == "password")
        .filter_map(|p| {
            super::plain(
                bytes,
                p.value.clone(),
                "sbt-credentials",
                format!("password of an sbt credentials file for {user}@{host}{realm}"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{found, secrets};

    #[test]
    fn sha256_known_answers() {
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(sha256(&[b'a'; 200])),
            "c2a908d98f5df987ade41b5fce213067efbcc21ef2240212a41e54b5e7c28ae5"
        );
    }

    #[test]
    fn maven_servers_proxies_headers_and_profiles() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <servers>
    <server>
      <id>nexus-releases</id>
      <username>deploy</username>
      <password>Rel3ase&amp;Go</password>
    </server>
    <server>
      <id>ossrh</id>
      <username>${env.OSSRH_USER}</username>
      <password>${env.OSSRH_PASSWORD}</password>
    </server>
    <server>
      <id>internal</id>
      <username>ci</username>
      <password>{jSMOWnoPFgsHVpMvz5VrIt5kRbzGpI8u+9EF1iFQyJQ=}</password>
    </server>
    <server>
      <id>gitlab-maven</id>
      <configuration>
        <httpHeaders>
          <property>
            <name>Private-Token</name>
            <value>glpat-Xk29fLm3Qp7Rt8Vw1Yz4</value>
          </property>
          <property><name>Accept</name><value>application/json</value></property>
          <property><name>Authorization</name><value>Basic Y2k6aHVudGVyMw==</value></property>
        </httpHeaders>
      </configuration>
    </server>
  </servers>
  <proxies>
    <proxy><id>corp</id><host>proxy.acme.test</host><username>jdoe</username><password>Pr0xy-2024</password></proxy>
  </proxies>
  <profiles>
    <profile>
      <id>release</id>
      <properties>
        <gpg.keyname>8D2F1A3C</gpg.keyname>
        <gpg.passphrase>correct horse battery</gpg.passphrase>
      </properties>
    </profile>
  </profiles>
</settings>
"#;
        let got = found("home/dev/.m2/settings.xml", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(
            values,
            vec![
                "Rel3ase&amp;Go",
                "{jSMOWnoPFgsHVpMvz5VrIt5kRbzGpI8u+9EF1iFQyJQ=}",
                "glpat-Xk29fLm3Qp7Rt8Vw1Yz4",
                "hunter3",
                "Pr0xy-2024",
                "correct horse battery"
            ]
        );
        assert_eq!(
            got[0].2,
            "password of the <server> nexus-releases in a Maven settings.xml (user deploy)"
        );
        assert!(got[1]
            .2
            .ends_with("encrypted with the master password of settings-security.xml"));
        assert_eq!(
            got[2].2,
            "HTTP header Private-Token of the <server> gitlab-maven in a Maven settings.xml"
        );
        assert_eq!(
            got[3].2,
            "HTTP header Authorization of the <server> gitlab-maven in a Maven settings.xml (user ci)"
        );
        assert_eq!(
            got[5].2,
            "gpg.passphrase property of the profile release in a Maven settings.xml"
        );
        // An IDE's settings.xml is not Maven's.
        assert!(crate::read(".idea/settings.xml", b"<application><component/></application>").is_none());
    }

    #[test]
    fn maven_master_password_decrypted() {
        let text = format!(
            "<settingsSecurity>\n  <master>{}</master>\n</settingsSecurity>\n",
            MASTER
        );
        let got = found("home/dev/.m2/settings-security.xml", &text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "M4ven-Master!");
        assert_eq!(got[0].1, "maven-settings-security-master");
        let undecryptable = "<settingsSecurity><master>{notreallyencrypted}</master></settingsSecurity>";
        assert_eq!(
            secrets("settings-security.xml", undecryptable),
            vec!["{notreallyencrypted}"]
        );
    }

    /// `M4ven-Master!` encrypted with plexus-cipher and the key
    /// `settings.security` (salt 8 fixed bytes).
    const MASTER: &str = "{Hy49TFtqeYgHzumRPS/WtrEp4+m3In1rdQAAAAAAAAA=}";

    #[test]
    fn gradle_properties_secrets() {
        let text = "\
org.gradle.jvmargs=-Xmx2g -Djavax.net.ssl.keyStorePassword=KsPw-991 -Dfile.encoding=UTF-8
org.gradle.caching=true
signing.keyId=8D2F1A3C
signing.password=Sign1ng-Pass
signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg
ossrhUsername=acme
ossrhPassword=${OSSRH_PASSWORD}
systemProp.http.proxyPassword=pr0xyP4ss
# mavenCentralPassword=0ldCentral7
";
        let got = found("gradle.properties", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["KsPw-991", "Sign1ng-Pass", "pr0xyP4ss", "0ldCentral7"]);
        assert_eq!(got[1].2, "signing.password in a gradle.properties");
        assert_eq!(got[3].2, "commented-out mavenCentralPassword in a gradle.properties");
    }

    #[test]
    fn sbt_credentials_file() {
        let text =
            "realm=Sonatype Nexus Repository Manager\nhost=s01.oss.sonatype.org\nuser=acme\npassword=Sbt-Publ1sh\n";
        let got = found("home/dev/.sbt/sonatype.credentials", text);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "Sbt-Publ1sh");
        assert_eq!(
            got[0].2,
            "password of an sbt credentials file for acme@s01.oss.sonatype.org (realm Sonatype Nexus Repository Manager)"
        );
    }
}
