//! XML through `roxmltree` (which keeps byte positions): the document, and
//! the spans of an element's text and of an attribute's value. UTF-16
//! files (some Windows tools write them) are not read.

use std::ops::Range;

pub use roxmltree::{Document, Node};

/// The document in `bytes`, or `None` when it is not well-formed UTF-8
/// XML. DTDs are allowed (entity expansion is bounded by roxmltree).
pub fn parse(bytes: &[u8]) -> Option<Document<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    Document::parse_with_options(text, options).ok()
}

/// Offset of the document's text in `bytes` (a UTF-8 byte-order mark is
/// skipped by [`parse`], so node positions are shifted by it).
pub fn base(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    }
}

/// The span of `node`'s text content (its first text child), trimmed,
/// with the text, when it has any.
pub fn text(bytes: &[u8], node: Node<'_, '_>) -> Option<(Range<usize>, String)> {
    let child = node.children().find(|c| c.is_text())?;
    let raw = child.range();
    let raw = raw.start + base(bytes)..raw.end + base(bytes);
    let span = super::trim_span(bytes, raw);
    let value = child.text()?.trim().to_string();
    Some((span, value))
}

/// The span of attribute `name`'s value on `node`, with the value.
pub fn attribute(bytes: &[u8], node: Node<'_, '_>, name: &str) -> Option<(Range<usize>, String)> {
    let attr = node.attributes().find(|a| a.name().eq_ignore_ascii_case(name))?;
    let r = attr.range_value();
    Some((r.start + base(bytes)..r.end + base(bytes), attr.value().to_string()))
}

/// The first child element of `node` named `name` (ASCII
/// case-insensitive), for formats whose writers disagree on case.
pub fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case(name))
}

/// The text of child element `name` of `node`.
pub fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).and_then(|c| c.text()).map(|t| t.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attribute_spans() {
        let text = "\u{feff}<servers>\n <server><id>x</id><password> s3 </password></server>\n <add key=\"DbPassword\" value=\"p&amp;w\"/>\n</servers>";
        let doc = parse(text.as_bytes()).unwrap();
        let pw = doc.descendants().find(|n| n.has_tag_name("password")).unwrap();
        let (span, value) = super::text(text.as_bytes(), pw).unwrap();
        assert_eq!(&text[span], "s3");
        assert_eq!(value, "s3");
        let add = doc.descendants().find(|n| n.has_tag_name("add")).unwrap();
        let (span, value) = attribute(text.as_bytes(), add, "value").unwrap();
        assert_eq!(&text[span], "p&amp;w");
        assert_eq!(value, "p&w");
        assert!(parse(b"<a><b></a>").is_none());
    }
}
