//! Python packaging: `.pypirc` (twine, setup.py upload), `pip.conf` /
//! `pip.ini`, and conda's `.condarc`. The first two are Python
//! `configparser` files: `[section]`, `key = value` or `key: value`, and
//! values continued on indented lines (`index-servers`,
//! `extra-index-url`).

use std::collections::HashMap;
use std::ops::Range;

use super::{plain, url_findings, URL_RULE};
use crate::syntax::{lines, trim_span, yaml};
use crate::{Credential, Reader};

pub(super) const PYPIRC: Reader = Reader {
    family: "pypirc",
    rule_ids: &["pypirc-password"],
    recognise: |f, _| f.name_is(&[".pypirc", "pypirc"]),
    read: pypirc,
};

pub(super) const PIP_CONF: Reader = Reader {
    family: "pip-conf",
    rule_ids: &["pip-index-url-credentials", URL_RULE],
    recognise: |f, _| f.name_is(&["pip.conf", "pip.ini"]),
    read: pip_conf,
};

pub(super) const CONDARC: Reader = Reader {
    family: "condarc",
    rule_ids: &["condarc-channel-token", URL_RULE],
    recognise: |f, _| {
        f.name_is(&[".condarc", "condarc", ".mambarc"])
            || (f.in_dir("condarc.d") && f.name_ends_with(&[".yml", ".yaml"]))
    },
    read: condarc,
};

/// One option of a `configparser` file: its section, key, and the spans
/// of its value's first line and continuation lines (each trimmed).
struct Entry {
    section: String,
    key: String,
    values: Vec<Range<usize>>,
}

fn config_entries(bytes: &[u8]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut section = String::new();
    let mut open = false;
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b'#' || rest[0] == b';' {
            continue;
        }
        if lead > 0 && open {
            if let Some(e) = out.last_mut() {
                e.values.push(trim_span(bytes, span.start + lead..span.end));
            }
            continue;
        }
        open = false;
        if rest[0] == b'[' {
            if let Some(end) = rest.iter().position(|&b| b == b']') {
                section = String::from_utf8_lossy(&rest[1..end]).trim().to_string();
            }
            continue;
        }
        let Some(sep) = rest.iter().position(|&b| b == b'=' || b == b':') else {
            continue;
        };
        let key = String::from_utf8_lossy(&rest[..sep]).trim().to_ascii_lowercase();
        if key.is_empty() {
            continue;
        }
        let value = trim_span(bytes, span.start + lead + sep + 1..span.end);
        open = true;
        out.push(Entry {
            section: section.clone(),
            key,
            values: if value.is_empty() { Vec::new() } else { vec![value] },
        });
    }
    out
}

/// `.pypirc`: `password` of every repository section (`[pypi]`,
/// `[testpypi]`, private indexes named in `index-servers`).
fn pypirc(bytes: &[u8]) -> Vec<Credential> {
    let entries = config_entries(bytes);
    let text = |r: &Range<usize>| String::from_utf8_lossy(&bytes[r.clone()]).into_owned();
    let mut first: HashMap<(&str, &str), &Range<usize>> = HashMap::new();
    for e in &entries {
        if let Some(v) = e.values.first() {
            first.entry((e.section.as_str(), e.key.as_str())).or_insert(v);
        }
    }
    let in_section = |section: &str, key: &str| first.get(&(section, key)).map(|r| text(r));
    let mut out = Vec::new();
    for e in &entries {
        if e.key != "password" || e.section.eq_ignore_ascii_case("distutils") {
            continue;
        }
        let Some(value) = e.values.first() else { continue };
        let mut whom = Vec::new();
        if let Some(user) = in_section(&e.section, "username") {
            whom.push(format!("user {user}"));
        }
        if let Some(repo) = in_section(&e.section, "repository") {
            whom.push(format!("repository {repo}"));
        }
        let whom = if whom.is_empty() {
            String::new()
        } else {
            format!(" ({})", whom.join(", "))
        };
        out.extend(plain(
            bytes,
            value.clone(),
            "pypirc-password",
            format!("password of the [{}] section of a .pypirc{whom}", e.section),
        ));
    }
    out
}

/// `pip.conf`: `index-url`, `extra-index-url` and `find-links` URLs with
/// user:password (one per line when continued), and `proxy`.
fn pip_conf(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for e in config_entries(bytes) {
        let key = e.key.replace('_', "-");
        let rule = match key.as_str() {
            "index-url" | "extra-index-url" | "find-links" => "pip-index-url-credentials",
            "proxy" => URL_RULE,
            _ => continue,
        };
        let what = format!("the {key} of the [{}] section of a pip configuration file", e.section);
        for v in e.values {
            out.extend(url_findings(bytes, v, rule, &what));
        }
    }
    out
}

/// `.condarc`: channel URLs with a `/t/TOKEN/` segment (channels,
/// default_channels, custom_channels, channel_alias), and any URL with
/// user:password (proxy_servers, channels).
fn condarc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in yaml::scalars(bytes) {
        let setting = s.path.first().cloned().unwrap_or_default();
        let raw = &bytes[s.span.clone()];
        if raw == s.value.as_bytes() && raw.starts_with(b"http") {
            let mut i = 0;
            while let Some(p) = super::find(&raw[i..], b"/t/") {
                let start = i + p + 3;
                let len = raw[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                    .count();
                if len >= 8 && raw.get(start + len).is_none_or(|&b| b == b'/') {
                    let span = s.span.start + start..s.span.start + start + len;
                    out.extend(plain(
                        bytes,
                        span,
                        "condarc-channel-token",
                        format!("channel token in the {setting} URL of a .condarc"),
                    ));
                }
                i = start;
            }
        }
        out.extend(url_findings(
            bytes,
            s.span.clone(),
            URL_RULE,
            &format!("the {setting} URL of a .condarc"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::test_support::{found, secrets};

    #[test]
    fn pypirc_sections() {
        let text = "\
[distutils]
index-servers =
    pypi
    testpypi
    internal

[pypi]
username = __token__
password = pypi-AgEIcHlwaS5vcmcCJDk4ZmY3YjQ2LWQ5ZmEtNDMzOS1iNDY4LTg2ZDYyN2IxNGE5NgACKlszLCI

[testpypi]
repository = https://test.pypi.org/legacy/
username = __token__
password = ${TEST_PYPI_TOKEN}

[internal]
repository: https://pypi.acme.test/
username: ci
password: Xq4!uploads
";
        let got = found("home/dev/.pypirc", text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].0.starts_with("pypi-AgEI"));
        assert_eq!(got[1].0, "Xq4!uploads");
        assert_eq!(
            got[1].2,
            "password of the [internal] section of a .pypirc (user ci, repository https://pypi.acme.test/)"
        );
    }

    #[test]
    fn pip_conf_index_urls_and_continuations() {
        let text = "\
[global]
timeout = 60
index-url = https://pypi.org/simple
extra-index-url =
    https://ci:Idx-Pass-77@pypi.acme.test/simple
    https://${USER}:${PASS}@mirror.acme.test/simple
    https://__token__:glpat-Zk3mQ8vR2xT5nW7yB9cD@gitlab.acme.test/api/v4/projects/12/packages/pypi/simple
proxy = http://jdoe:pr0xy!@proxy.acme.test:3128
[install]
trusted-host = pypi.acme.test
";
        let got = found("etc/pip.conf", text);
        let values: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(values, vec!["Idx-Pass-77", "glpat-Zk3mQ8vR2xT5nW7yB9cD", "pr0xy!"]);
        assert_eq!(
            got[0].2,
            "password in the extra-index-url of the [global] section of a pip configuration file for ci@pypi.acme.test"
        );
        assert_eq!(got[2].1, "package-manager-url-credentials");
    }

    #[test]
    fn condarc_channel_tokens() {
        let text = "\
channels:
  - https://conda.acme.test/t/ak-7f3e9c1b2d4a6f8e0c1b/internal
  - conda-forge
  - https://conda.acme.test/t/<TOKEN>/other
channel_alias: https://repo.acme.test/conda/t/Qm8xWz4vR7tY2pL5nK9s
proxy_servers:
  https: http://proxy:Bx7-proxy@proxy.acme.test:8080
";
        assert_eq!(
            secrets(".condarc", text),
            vec!["ak-7f3e9c1b2d4a6f8e0c1b", "Qm8xWz4vR7tY2pL5nK9s", "Bx7-proxy"]
        );
    }
}
