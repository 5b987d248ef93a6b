//! Java key-store and trust-store passwords in `.properties` files that
//! are clearly TLS or signing configurations: Android/Flutter
//! `key.properties` and `keystore.properties` (`storePassword`,
//! `keyPassword`), Kafka client and broker properties
//! (`ssl.keystore.password`, `ssl.key.password`), `javax.net.ssl.*` system
//! properties. Other properties files are left to the engine.

use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, placeholder, properties};

/// The normalised key (lower case, letters and digits only) names a key
/// store, trust store or key password.
fn keystore_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    let named = [
        "keystorepass",
        "truststorepass",
        "storepass",
        "keypass",
        "keystorepwd",
        "truststorepwd",
    ]
    .iter()
    .any(|n| k.contains(n));
    named && is_secret_key(key) && !k.contains("file") && !k.contains("path")
}

/// A `.properties` file named for key stores or signing, or one whose
/// content sets a key-store password.
pub(crate) fn recognise(f: &FileName<'_>, bytes: &[u8]) -> bool {
    if !f.name_ends_with(&[".properties"]) || f.name_is(&["gradle.properties", "local.properties"]) {
        return false;
    }
    if f.name_is(&[
        "key.properties",
        "keystore.properties",
        "signing.properties",
        "release.properties",
        "ssl.properties",
    ]) {
        return true;
    }
    // A content sniff on the property keys, not the values.
    let lower = bytes.to_ascii_lowercase();
    [
        "keystore.password",
        "truststore.password",
        "keystorepassword",
        "truststorepassword",
        "ssl.key.password",
        "storepassword",
    ]
    .iter()
    .any(|n| lower.windows(n.len()).any(|w| w == n.as_bytes()))
}

pub(crate) fn read(bytes: &[u8]) -> Vec<Credential> {
    properties::properties(bytes)
        .into_iter()
        .filter(|p| keystore_key(&p.key) && placeholder::is_credential(&bytes[p.value.clone()]))
        .map(|p| {
            let how = if p.commented { "commented-out " } else { "" };
            Credential::plain(
                "java-keystore-password",
                p.value,
                format!("{how}{} in a Java key-store properties file", p.key),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn signing_and_kafka_properties() {
        let text = "storePassword=st0re-pw-1\nkeyPassword=k3y-pw-2\nkeyAlias=upload\nstoreFile=/home/dev/upload-keystore.jks\n";
        let got = found("android/key.properties", text);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["st0re-pw-1", "k3y-pw-2"]
        );
        assert_eq!(got[0].1, "java-keystore-password");
        assert_eq!(got[0].2, "storePassword in a Java key-store properties file");
        let kafka = "bootstrap.servers=kafka.acme.test:9093\nsecurity.protocol=SSL\nssl.truststore.location=/etc/kafka/truststore.jks\nssl.truststore.password=tru5t-pw\nssl.keystore.password=${KEYSTORE_PW}\nssl.key.password=k3y-pw-9\n# ssl.keystore.password=old-ks-pw\n";
        assert_eq!(
            secrets("config/client-ssl.properties", kafka),
            vec!["tru5t-pw", "k3y-pw-9", "old-ks-pw"]
        );
        assert!(crate::read("src/messages.properties", b"greeting=hello\npassword.label=Password\n").is_none());
    }
}
