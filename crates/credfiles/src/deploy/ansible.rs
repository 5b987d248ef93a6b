//! Ansible inventories and variable files: INI inventories (`hosts`,
//! `inventory`, `*.ini` under an inventory directory) with connection
//! variables on host lines or in `[group:vars]`, and YAML inventories,
//! `group_vars/*` and `host_vars/*`. Values encrypted with Ansible Vault
//! (`!vault |`, `$ANSIBLE_VAULT;…`) and Jinja templates are skipped.

use std::ops::Range;

use super::contains;
use crate::model::{Credential, FileName};
use crate::syntax::{is_secret_key, lines, placeholder, unquote_span, yaml};

const CONNECTION: &str = "ansible-inventory-password";
const VARS: &str = "ansible-vars-secret";

/// The connection variables that carry a login or escalation password.
fn connection_password(key: &str) -> bool {
    matches!(
        key,
        "ansible_password"
            | "ansible_ssh_pass"
            | "ansible_ssh_password"
            | "ansible_become_pass"
            | "ansible_become_password"
            | "ansible_sudo_pass"
            | "ansible_sudo_password"
            | "ansible_su_pass"
            | "ansible_httpapi_pass"
            | "ansible_httpapi_password"
            | "ansible_winrm_password"
            | "ansible_net_password"
            | "ansible_ssh_private_key_passphrase"
    )
}

/// Rule and kind of a variable whose value is a credential.
fn classify(key: &str, value: &[u8]) -> Option<(&'static str, &'static str)> {
    let lower = key.to_ascii_lowercase();
    if connection_password(&lower) {
        Some((CONNECTION, "connection password"))
    } else if lower.starts_with("vault_") && lower.len() > 6 && vault_convention(&lower, value) {
        Some((VARS, "vault_ variable stored unencrypted"))
    } else if is_secret_key(key) && !lower.starts_with("ansible_") {
        Some((VARS, "secret variable"))
    } else {
        None
    }
}

/// A `vault_*` variable meant for Ansible Vault (`vault_db_password`,
/// `vault_mysql_root`), not a setting of HashiCorp Vault roles
/// (`vault_addr`, `vault_version`, `vault_port: 8200`).
fn vault_convention(lower: &str, value: &[u8]) -> bool {
    if is_secret_key(lower) {
        return true;
    }
    let last = lower.rsplit('_').next().unwrap_or("");
    let setting = matches!(
        last,
        "addr"
            | "address"
            | "url"
            | "uri"
            | "version"
            | "port"
            | "host"
            | "hostname"
            | "path"
            | "dir"
            | "user"
            | "username"
            | "enabled"
            | "enable"
            | "name"
            | "namespace"
            | "mount"
            | "role"
            | "tls"
            | "ca"
            | "cert"
            | "backend"
            | "engine"
            | "method"
            | "file"
            | "timeout"
            | "ttl"
            | "group"
            | "owner"
            | "mode"
            | "state"
            | "service"
            | "config"
            | "bin"
            | "home"
            | "datacenter"
            | "cluster"
            | "ui"
            | "log"
            | "level"
            | "id"
    );
    let v = String::from_utf8_lossy(value);
    let v = v.trim();
    let plain_setting = v.contains("://")
        || v.starts_with('/')
        || v.starts_with('~')
        || v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "yes" | "no" | "on" | "off" | "present" | "absent"
        );
    !setting && !plain_setting
}

fn inventory_dir(f: &FileName<'_>) -> bool {
    f.in_dir("inventory") || f.in_dir("inventories")
}

pub(crate) fn recognise_ini(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let named = f.name_is(&[
        "hosts",
        "inventory",
        "hosts.ini",
        "inventory.ini",
        "hosts.cfg",
        "ansible_hosts",
    ]) || (inventory_dir(f) && (f.name_ends_with(&[".ini", ".cfg"]) || !f.name.contains('.')));
    named && !yaml_name(f) && contains(bytes, b"ansible_") && !looks_like_yaml(bytes)
}

fn yaml_name(f: &FileName<'_>) -> bool {
    f.name_ends_with(&[".yml", ".yaml", ".json"])
}

/// A YAML inventory starts with a mapping key (`all:`) and has no
/// `[section]` line.
fn looks_like_yaml(bytes: &[u8]) -> bool {
    let mut saw_section = false;
    let mut first_key_colon = None;
    for (_, line) in lines(&bytes[..bytes.len().min(64 << 10)]) {
        let t = trim(line);
        if t.is_empty() || t[0] == b'#' || t[0] == b';' || t == b"---" {
            continue;
        }
        if t[0] == b'[' {
            saw_section = true;
            break;
        }
        if first_key_colon.is_none() {
            first_key_colon = Some(t.ends_with(b":") || contains(t, b": "));
        }
    }
    !saw_section && first_key_colon == Some(true)
}

pub(crate) fn recognise_yaml(f: &FileName<'_>, bytes: &[u8]) -> bool {
    let vars_dir = f.in_dir("group_vars") || f.in_dir("host_vars");
    if vars_dir {
        // group_vars/all, group_vars/web.yml, host_vars/db1/vault.yml.
        return yaml_name(f) || !f.name.contains('.');
    }
    let inventory_name = f.name_is(&["hosts.yml", "hosts.yaml", "inventory.yml", "inventory.yaml"])
        || (inventory_dir(f) && yaml_name(f));
    let plain_named = f.name_is(&["hosts", "inventory"]) || (inventory_dir(f) && !f.name.contains('.'));
    (inventory_name || (plain_named && looks_like_yaml(bytes))) && contains(bytes, b"ansible_")
}

pub(crate) fn read_yaml(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in yaml::scalars(bytes) {
        let key = s.key();
        let Some((rule, kind)) = classify(key, s.value.as_bytes()) else {
            continue;
        };
        if !placeholder::is_credential(s.value.as_bytes()) {
            continue;
        }
        // In an inventory, `all.children.web.hosts.web01.ansible_password`:
        // name the host or group it applies to.
        let scope = scope_of(&s.path);
        out.push(Credential::plain(
            rule,
            s.span.clone(),
            format!("{key} ({kind}){scope} in an Ansible vars file"),
        ));
    }
    out
}

/// ` for host web01` / ` for group web` from a YAML inventory path.
fn scope_of(path: &[String]) -> String {
    let n = path.len();
    if n >= 3 && path[n - 3] == "hosts" {
        return format!(" for host {}", path[n - 2]);
    }
    if n >= 3 && path[n - 2] == "vars" {
        return format!(" for group {}", path[n - 3]);
    }
    String::new()
}

fn trim(line: &[u8]) -> &[u8] {
    let s = line.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(line.len());
    let e = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(s, |p| p + 1);
    &line[s..e]
}

/// Splits a host line the way Ansible does (shlex with comments): tokens
/// separated by whitespace, quotes keeping spaces, `#` starting a comment
/// at the start of a token.
fn shlex(line: &[u8], offset: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() || line[i] == b'#' {
            break;
        }
        let start = i;
        let mut quote = None;
        while i < line.len() {
            let b = line[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b.is_ascii_whitespace() => break,
                None => {}
            }
            i += 1;
        }
        out.push(offset + start..offset + i);
    }
    out
}

pub(crate) fn read_ini(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    // `[web]` → hosts; `[web:vars]` → variables; `[web:children]` → groups.
    let mut section = String::from("ungrouped");
    let mut vars = false;
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b'#' || rest[0] == b';' {
            continue;
        }
        if rest[0] == b'[' {
            let end = rest.iter().position(|&b| b == b']').unwrap_or(rest.len());
            let name = String::from_utf8_lossy(&rest[1..end]).trim().to_string();
            vars = name.ends_with(":vars");
            section = name;
            continue;
        }
        if section.ends_with(":children") {
            continue;
        }
        if vars {
            let Some(eq) = rest.iter().position(|&b| b == b'=') else {
                continue;
            };
            let key = String::from_utf8_lossy(&rest[..eq]).trim().to_string();
            let value = unquote_span(bytes, span.start + lead + eq + 1..span.end);
            push(&mut out, bytes, &key, value, &format!("group [{section}]"));
            continue;
        }
        // `host [key=value ...]`
        let toks = shlex(rest, span.start + lead);
        let Some(host) = toks.first() else { continue };
        let host = String::from_utf8_lossy(&bytes[host.clone()]).into_owned();
        for t in toks.iter().skip(1) {
            let tok = &bytes[t.clone()];
            let Some(eq) = tok.iter().position(|&b| b == b'=') else {
                continue;
            };
            let key = String::from_utf8_lossy(&tok[..eq]).into_owned();
            let value = unquote_span(bytes, t.start + eq + 1..t.end);
            push(&mut out, bytes, &key, value, &format!("host {host}"));
        }
    }
    out
}

fn push(out: &mut Vec<Credential>, bytes: &[u8], key: &str, value: Range<usize>, scope: &str) {
    let Some((rule, kind)) = classify(key, &bytes[value.clone()]) else {
        return;
    };
    if !placeholder::is_credential(&bytes[value.clone()]) {
        return;
    }
    out.push(Credential::plain(
        rule,
        value,
        format!("{key} ({kind}) of {scope} in an Ansible inventory"),
    ));
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn ini_inventory_host_lines_and_group_vars() {
        let text = "# production inventory\n[web]\nweb01.acme.test ansible_host=10.0.0.11 ansible_user=deploy ansible_password=Wd9!pQ2v # rotated\nweb02.acme.test ansible_user=deploy ansible_ssh_pass=\"two words pw\"\nweb03.acme.test ansible_password=\"{{ vault_web_pass }}\"\n\n[db]\ndb01.acme.test\n\n[db:vars]\nansible_become_pass=Bec0me-db-7\nansible_user=dbadmin\nntp_server=ntp.acme.test\n\n[all:children]\nweb\ndb\n";
        let got = found("inventories/prod/hosts", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Wd9!pQ2v", "two words pw", "Bec0me-db-7"]);
        assert_eq!(got[0].1, "ansible-inventory-password");
        assert_eq!(
            got[0].2,
            "ansible_password (connection password) of host web01.acme.test in an Ansible inventory"
        );
        assert_eq!(
            got[2].2,
            "ansible_become_pass (connection password) of group [db:vars] in an Ansible inventory"
        );
        // /etc/hosts is not an inventory.
        assert!(crate::read("etc/hosts", b"127.0.0.1 localhost\n").is_none());
    }

    #[test]
    fn yaml_inventory_and_group_vars() {
        let inv = "all:\n  children:\n    web:\n      hosts:\n        web01.acme.test:\n          ansible_host: 10.0.0.11\n          ansible_become_password: 'Yb3c-0me!x'\n      vars:\n        ansible_user: deploy\n        ansible_password: Gr0up-pw-web\n";
        let got = found("inventory.yml", inv);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Yb3c-0me!x", "Gr0up-pw-web"]
        );
        assert_eq!(
            got[0].2,
            "ansible_become_password (connection password) for host web01.acme.test in an Ansible vars file"
        );
        assert_eq!(
            got[1].2,
            "ansible_password (connection password) for group web in an Ansible vars file"
        );
        let vars = "---\nansible_become_pass: \"{{ vault_become_pass }}\"\nvault_become_pass: Sud0-plain-9\nvault_api_token: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  62313365396662343061393464336163383764373764613633653634306231386433626436623361\nmysql_root_password: My5ql-r00t\nvault_addr: https://vault.acme.test:8200\nvault_version: 1.15.2\nvault_port: 8200\nvault_mysql_root: Vlt-r00t-pl4in\nmysql_password_file: /etc/mysql/pw\nnginx_port: 443\nansible_ssh_private_key_file: ~/.ssh/deploy\n";
        let got = found("group_vars/all/vars.yml", vars);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Sud0-plain-9", "My5ql-r00t", "Vlt-r00t-pl4in"]
        );
        assert_eq!(got[0].1, "ansible-vars-secret");
        assert_eq!(
            secrets("host_vars/db01", "ansible_password: h0st-pw\n"),
            vec!["h0st-pw"]
        );
        assert!(crate::read("docs/hosts.yml", b"all: {}\n").is_none());
    }
}
