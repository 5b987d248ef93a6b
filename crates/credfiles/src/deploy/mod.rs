//! Deployment tools and editors: Terraform state and variables files,
//! kubeconfig, Ansible inventories and vars, Jenkins, Tomcat, FileZilla,
//! WinSCP, rclone, editor SFTP configs, mRemoteNG, Docker Compose,
//! Kubernetes Secrets, cloud-init user data, Vagrantfiles, Helm values
//! files.

mod ansible;
mod ftp;
mod jenkins;
mod kubeconfig;
mod manifests;
mod rclone;
pub(crate) mod readers;
mod remote;
mod terraform;
mod tfvars;

use std::collections::HashMap;
use std::hash::Hash;

/// Whether `hay` contains `needle` (a plain byte search; linear for the
/// short needles the sniffs use).
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

/// The first position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()].iter().position(|&b| b == first) {
            None => return None,
            Some(p) => {
                i += p;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

/// Whether some line of `bytes` (within its first `limit` bytes) starts
/// with `prefix` at column 0.
pub(crate) fn line_starts_with(bytes: &[u8], prefix: &[u8], limit: usize) -> bool {
    let head = &bytes[..bytes.len().min(limit)];
    crate::syntax::lines(head).any(|(_, l)| l.starts_with(prefix))
}

/// Items grouped by a key, in first-seen order, for joining sibling
/// values (a user's name with its token) in linear time.
pub(crate) fn index_by<K: Eq + Hash, T>(items: impl IntoIterator<Item = (K, T)>) -> HashMap<K, T> {
    let mut map = HashMap::new();
    for (k, v) in items {
        map.entry(k).or_insert(v);
    }
    map
}

/// `path[..n]` joined as a lookup key.
pub(crate) fn prefix_key(path: &[String], n: usize) -> String {
    path[..n.min(path.len())].join("\u{1}")
}

pub(crate) use crate::syntax::percent_decode;

/// The text of each child element of `node`, by tag name (first one
/// wins), computed once per node: many credential elements under one
/// parent must not each rescan its children.
pub(crate) fn child_texts<'c>(
    cache: &'c mut HashMap<roxmltree::NodeId, HashMap<String, String>>,
    node: crate::syntax::xml::Node<'_, '_>,
) -> &'c HashMap<String, String> {
    cache.entry(node.id()).or_insert_with(|| {
        let mut map = HashMap::new();
        for c in node.children().filter(|c| c.is_element()) {
            if let Some(t) = c.text() {
                map.entry(c.tag_name().name().to_string())
                    .or_insert_with(|| t.trim().to_string());
            }
        }
        map
    })
}

#[cfg(test)]
mod tests {
    /// Many credentials under one parent stay linear (each used to rescan
    /// its siblings for the host or id).
    #[test]
    fn wide_files_stay_linear() {
        let n = 20_000;
        let mut fz = String::from("<FileZilla3><Servers><Server><Host>h.test</Host><User>u</User>");
        let mut jk = String::from("<com.cloudbees.plugins.credentials.SystemCredentialsProvider><list>");
        let mut tf =
            String::from("{\"resources\": [{\"type\": \"x\", \"name\": \"y\", \"instances\": [{\"attributes\": {");
        let mut sens = String::new();
        for i in 0..n {
            fz.push_str(&format!("<Pass>pw-{i}-x</Pass><N{i}>v</N{i}>"));
            jk.push_str(&format!("<password>pw-{i}-x</password>"));
            tf.push_str(&format!("\"a{i}\": \"v-{i}-x\","));
            sens.push_str(&format!("[{{\"type\": \"get_attr\", \"value\": \"a{i}\"}}],"));
        }
        fz.push_str("</Server></Servers></FileZilla3>");
        jk.push_str("<id>x</id></list></com.cloudbees.plugins.credentials.SystemCredentialsProvider>");
        tf.push_str("\"z\": 1}, \"sensitive_attributes\": [");
        tf.push_str(&sens);
        tf.push_str("[]]}]}]}");
        let start = std::time::Instant::now();
        assert_eq!(crate::read("sitemanager.xml", fz.as_bytes()).unwrap().1.len(), n);
        assert_eq!(crate::read("credentials.xml", jk.as_bytes()).unwrap().1.len(), n);
        assert_eq!(crate::read("terraform.tfstate", tf.as_bytes()).unwrap().1.len(), n);
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }
}
