//! `{{name}}` templates in verifier and revocation requests, with the
//! escaping each part of a request needs: a secret is data, never syntax.

use std::collections::BTreeMap;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::VerifyError;

/// How a templated value is escaped where it lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// In a URL path or query: percent-encode all but unreserved characters
    /// and the `:` a path segment may hold (`@` is encoded: in a templated
    /// host it would start user info).
    Url,
    /// In a form-encoded body: percent-encode all but unreserved characters.
    Form,
    /// In a JSON string: JSON string escapes.
    Json,
    /// In a header value or plain body: as is, but never a line break.
    Raw,
}

const URL_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':');

const FORM_KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The names a template refers to, in order of appearance.
pub fn names(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

/// Renders `template`, replacing each `{{name}}` by its escaped value.
pub fn render(template: &str, values: &BTreeMap<String, String>, escape: Escape) -> Result<String, VerifyError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(VerifyError::Template(format!("unclosed `{{{{` in {template:?}")));
        };
        let name = after[..end].trim();
        let value = values.get(name).ok_or_else(|| VerifyError::Missing(name.to_string()))?;
        out.push_str(&escape_value(value, escape)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn escape_value(value: &str, escape: Escape) -> Result<String, VerifyError> {
    Ok(match escape {
        Escape::Url => utf8_percent_encode(value, URL_KEEP).to_string(),
        Escape::Form => utf8_percent_encode(value, FORM_KEEP).to_string(),
        Escape::Json => {
            let quoted = serde_json::Value::String(value.to_string()).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
        Escape::Raw => {
            if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                return Err(VerifyError::Template("a value holds a line break or NUL".into()));
            }
            value.to_string()
        }
    })
}

/// The escape a body needs for its content type.
pub fn body_escape(content_type: Option<&str>) -> Escape {
    match content_type.map(|c| c.to_ascii_lowercase()) {
        Some(c) if c.contains("json") => Escape::Json,
        Some(c) if c.contains("x-www-form-urlencoded") => Escape::Form,
        _ => Escape::Raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("secret".to_string(), "a b/c:d\"e".to_string()),
            ("host".to_string(), "dbc-1.cloud.databricks.com".to_string()),
            ("evil".to_string(), "x.cloud.databricks.com@evil.example".to_string()),
        ])
    }

    #[test]
    fn escapes_per_context() {
        let v = values();
        assert_eq!(render("/x/{{secret}}", &v, Escape::Url).unwrap(), "/x/a%20b%2Fc:d%22e");
        assert_eq!(
            render("https://{{evil}}/", &v, Escape::Url).unwrap(),
            "https://x.cloud.databricks.com%40evil.example/"
        );
        assert_eq!(
            render("k={{ secret }}", &v, Escape::Form).unwrap(),
            "k=a%20b%2Fc%3Ad%22e"
        );
        assert_eq!(
            render(r#"{"t":"{{secret}}"}"#, &v, Escape::Json).unwrap(),
            r#"{"t":"a b/c:d\"e"}"#
        );
        assert_eq!(
            render("Bearer {{secret}}", &v, Escape::Raw).unwrap(),
            "Bearer a b/c:d\"e"
        );
    }

    #[test]
    fn refuses_missing_values_and_line_breaks() {
        let mut v = values();
        assert!(matches!(render("{{sid}}", &v, Escape::Raw), Err(VerifyError::Missing(n)) if n == "sid"));
        v.insert("secret".into(), "x\r\nHost: evil".into());
        assert!(render("{{secret}}", &v, Escape::Raw).is_err());
        assert_eq!(names("https://{{host}}/a?{{secret}}"), vec!["host", "secret"]);
    }
}
