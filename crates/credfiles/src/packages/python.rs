//! Python packaging: `.pypirc` (twine, setup.py upload), `pip.conf` /
//! `pip.ini`, and conda's `.condarc`. The first two are Python
//! `configparser` files: `[section]`, `key = value` or `key: value`, and
//! values continued on indented lines (`index-servers`,
//! `extra-index-url`).

use std::collections::HashMap;
use std::ops::Range;

use super::{plain, url_findings, PROXY_RULE, URL_RULE};
use crate::model::{Credential, Reader};
use crate::syntax::{lines, trim_span};

pub(super) const PYPIRC: Reader = Reader {
    family: "pypirc",
    rule_ids: &["pypirc-password"],
    recognise: |f, _| f.name_is(&[".pypirc", "pypirc"]),
    read: pypirc,
};

pub(super) const PIP_CONF: Reader = Reader {
    family: "pip-conf",
    rule_ids: &["pip-index-url-credentials", PROXY_RULE],
    recognise: |f, _| f.name_is(&["pip.conf", "pip.ini"]),
    read: pip_conf,
};

pub(super) const REQUIREMENTS: Reader = Reader {
    family: "pip-requirements",
    rule_ids: &["pip-index-url-credentials", URL_RULE],
    recognise: |f, _| {
        let n = f.lower_name();
        (n.ends_with(".txt") || n.ends_with(".in"))
            && (n.starts_with("requirements")
                || n.ends_with("-requirements.txt")
                || n.ends_with("_requirements.txt")
                || n.starts_with("constraints")
                || f.in_dir("requirements"))
    },
    read: requirements,
};

pub(super) const PYPROJECT: Reader = Reader {
    family: "python-project-indexes",
    rule_ids: &["pip-index-url-credentials", URL_RULE],
    recognise: |f, _| f.name_is(&["pyproject.toml", "uv.toml", "Pipfile"]),
    read: pyproject,
};

pub(super) const POETRY_AUTH: Reader = Reader {
    family: "poetry-auth",
    rule_ids: &["poetry-auth-password"],
    recognise: |f, _| f.name_is(&["auth.toml"]) && super::parent_is(f, "pypoetry"),
    read: poetry_auth,
};

pub(super) const CONDARC: Reader = Reader {
    family: "condarc",
    rule_ids: &["condarc-channel-token", URL_RULE, PROXY_RULE],
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
            "proxy" => PROXY_RULE,
            _ => continue,
        };
        let what = format!("the {key} of the [{}] section of a pip configuration file", e.section);
        for v in e.values {
            out.extend(url_findings(bytes, v, rule, &what));
        }
    }
    out
}

/// A requirements file: `-i` / `--index-url` / `--extra-index-url` /
/// `-f` / `--find-links` options with user:password, and direct
/// references (`pkg @ https://…`, `git+https://user:token@…`).
fn requirements(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b'#' {
            continue;
        }
        // ` #` starts a comment.
        let end = super::find(rest, b" #").map_or(span.end, |p| span.start + lead + p);
        let value = span.start + lead..end;
        let option = ["-i", "--index-url", "--extra-index-url", "-f", "--find-links"]
            .into_iter()
            .find(|o| rest.starts_with(o.as_bytes()) && matches!(rest.get(o.len()), Some(b' ' | b'=' | b'\t')));
        match option {
            Some(o) => out.extend(url_findings(
                bytes,
                value,
                "pip-index-url-credentials",
                &format!("the {o} option of a pip requirements file"),
            )),
            None => out.extend(url_findings(
                bytes,
                value,
                URL_RULE,
                "a direct reference of a pip requirements file",
            )),
        }
    }
    out
}

/// `pyproject.toml` (`[[tool.uv.index]]`, `[[tool.poetry.source]]`,
/// `[[tool.pdm.source]]`, `[tool.uv] index-url`), `uv.toml` and
/// `Pipfile` (`[[source]] url`): index URLs with user:password, and any
/// other URL with credentials (a dependency's `git+https://user:token@`).
fn pyproject(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b'#' {
            continue;
        }
        if rest[0] == b'[' {
            section = String::from_utf8_lossy(rest)
                .trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace())
                .to_string();
            continue;
        }
        let key = rest
            .iter()
            .position(|&b| b == b'=')
            .map(|p| String::from_utf8_lossy(&rest[..p]).trim().to_string())
            .unwrap_or_default();
        let k = key.to_ascii_lowercase();
        let index = k.contains("url") || k.contains("index");
        let rule = if index { "pip-index-url-credentials" } else { URL_RULE };
        let place = if section.is_empty() {
            String::new()
        } else {
            format!(" of [{section}]")
        };
        let what = if key.is_empty() {
            format!("a value{place}")
        } else {
            format!("{key}{place}")
        };
        out.extend(url_findings(
            bytes,
            span.start + lead..span.end,
            rule,
            &format!("{what} in a Python project file"),
        ));
    }
    out
}

/// Poetry's `auth.toml` (written when no keyring is available):
/// `[http-basic.NAME] password = "…"` and `[pypi-token] NAME = "…"`.
fn poetry_auth(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    let mut section = String::new();
    for (span, line) in lines(bytes) {
        let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let rest = &line[lead..];
        if rest.is_empty() || rest[0] == b'#' {
            continue;
        }
        if rest[0] == b'[' {
            section = String::from_utf8_lossy(rest)
                .trim_matches(|c: char| c == '[' || c == ']' || c.is_whitespace())
                .to_string();
            continue;
        }
        let Some(eq) = rest.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = String::from_utf8_lossy(&rest[..eq])
            .trim()
            .trim_matches('"')
            .to_string();
        let value = crate::syntax::unquote_span(bytes, span.start + lead + eq + 1..span.end);
        let reason = if let Some(name) = section.strip_prefix("http-basic.") {
            if key != "password" {
                continue;
            }
            format!("password of the http-basic.{name} repository in Poetry's auth.toml")
        } else if section == "pypi-token" {
            format!("PyPI token of the {key} repository in Poetry's auth.toml")
        } else {
            continue;
        };
        out.extend(plain(bytes, value, "poetry-auth-password", reason));
    }
    out
}

/// `.condarc`: channel URLs with a `/t/TOKEN/` segment (channels,
/// default_channels, custom_channels, channel_alias), and any URL with
/// user:password (proxy_servers, channels).
fn condarc(bytes: &[u8]) -> Vec<Credential> {
    let mut out = Vec::new();
    for s in super::yaml_scalars(bytes) {
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
        let rule = if setting == "proxy_servers" {
            PROXY_RULE
        } else {
            URL_RULE
        };
        out.extend(url_findings(
            bytes,
            s.span.clone(),
            rule,
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
        assert_eq!(got[2].1, "proxy-url-password");
    }

    #[test]
    fn requirements_pyproject_and_poetry() {
        let text = "\
--index-url https://ci:Req-Idx-42@pypi.acme.test/simple
--extra-index-url=https://${PIP_USER}:${PIP_PASS}@mirror.acme.test/simple
-f https://pypi.org/simple
requests==2.32.3  # https://docs.python-requests.org
acme-lib @ git+https://oauth2:Gh-Tok-9913@git.acme.test/acme/lib.git@v1.2.0
";
        let got = found("requirements-dev.txt", text);
        let values: Vec<(&str, &str)> = got.iter().map(|g| (g.0.as_str(), g.1)).collect();
        assert_eq!(
            values,
            vec![
                ("Req-Idx-42", "pip-index-url-credentials"),
                ("Gh-Tok-9913", "package-manager-url-credentials")
            ]
        );
        assert_eq!(
            got[0].2,
            "password in the --index-url option of a pip requirements file for ci@pypi.acme.test"
        );
        let pyproject = "[project]\nname = \"app\"\ndependencies = [\"acme @ git+https://u:Dep-Tok-1@git.acme.test/acme.git\"]\n\n[[tool.uv.index]]\nname = \"acme\"\nurl = \"https://ci:Uv-Idx-77@pypi.acme.test/simple\"\n[[tool.uv.index]]\nurl = \"https://pypi.org/simple\"\n";
        let got = found("pyproject.toml", pyproject);
        let values: Vec<(&str, &str)> = got.iter().map(|g| (g.0.as_str(), g.1)).collect();
        assert_eq!(
            values,
            vec![
                ("Dep-Tok-1", "package-manager-url-credentials"),
                ("Uv-Idx-77", "pip-index-url-credentials")
            ]
        );
        assert_eq!(
            got[1].2,
            "password in url of [tool.uv.index] in a Python project file for ci@pypi.acme.test"
        );
        let auth = "[http-basic.acme]\nusername = \"ci\"\npassword = \"Po3try-Pw\"\n\n[http-basic.other]\nusername = \"x\"\npassword = \"\"\n\n[pypi-token]\npypi = \"pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg\"\n";
        let got = found("home/dev/.config/pypoetry/auth.toml", auth);
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            vec!["Po3try-Pw", "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg"]
        );
        assert_eq!(
            got[0].2,
            "password of the http-basic.acme repository in Poetry's auth.toml"
        );
        assert!(crate::read("src/auth.toml", auth.as_bytes()).is_none());
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
