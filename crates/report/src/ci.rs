//! What the CI formats (`github`, `gitlab`, `junit`) share: the path a CI
//! page can link, and the one-line account of a finding they show.
//!
//! CI pages are read by everyone who can read the pipeline (on a public
//! repository, everyone), keep what they show for as long as the run is
//! kept, and mask only the secrets the CI system was told about, never the
//! ones a scan finds. So these formats show every secret redacted even
//! under `--show-secrets`, and leave out the snippet, which the scan renders
//! with the raw secret under that flag.

use std::path::{Path, PathBuf};

use keyhound_findings::{Finding, Origin};

/// The path a CI system can link to a file of the checkout: relative to
/// the directory keyhound ran in (the workspace, in CI) when the path lies
/// below it, without a leading `./`, with `/` separators. Git history and
/// staged paths are already relative to the repository root; other origins
/// (standard input, images, commit messages) have no file in the checkout
/// and give `None`.
pub(crate) fn checkout_path(f: &Finding, cwd: Option<&Path>) -> Option<String> {
    match &*f.origin {
        Origin::File { path } => Some(relative_to(path, cwd)),
        Origin::GitBlob { path, .. } | Origin::Staged { path } => Some(path.replace('\\', "/")),
        _ => None,
    }
}

fn relative_to(display: &str, cwd: Option<&Path>) -> String {
    let path = Path::new(display);
    if path.is_absolute() {
        if let Some(rel) = cwd.and_then(|cwd| path.strip_prefix(cwd).ok()) {
            return rel.to_string_lossy().replace('\\', "/");
        }
        return display.replace('\\', "/");
    }
    let mut text = display.replace('\\', "/");
    while let Some(rest) = text.strip_prefix("./") {
        text = rest.to_string();
    }
    text
}

/// The directory keyhound runs in, which CI systems resolve annotation
/// paths against.
pub(crate) fn current_dir() -> Option<PathBuf> {
    std::env::current_dir().ok()
}

/// Where a finding is, in words, for origins a CI page cannot link (and
/// for the history details of those it can): `in commit 3f0c1a2b9d4e by
/// Ann <ann@example.org> on 2026-…, still in HEAD`.
pub(crate) fn provenance(f: &Finding) -> String {
    let mut parts = Vec::new();
    if let Some(c) = f.origin.commit_info() {
        parts.push(format!(
            "in commit {} by {} on {}",
            short(c.commit, 12),
            c.identity(),
            c.date
        ));
    }
    match &*f.origin {
        Origin::ImageLayer { image, layer_index, .. } => parts.push(format!("in image {image}, layer {layer_index}")),
        Origin::ImageConfig { image, field, .. } => parts.push(format!("in image {image}, config {field}")),
        Origin::Stdin { name } => parts.push(format!("in {name}")),
        _ => {}
    }
    match (f.present_in_head, &f.removed) {
        (Some(true), _) => parts.push("still in HEAD".to_string()),
        (_, Some(removal)) => parts.push(format!("removed in commit {}", short(&removal.commit, 12))),
        (Some(false), None) => parts.push("not in HEAD".to_string()),
        (None, None) => {}
    }
    parts.join(", ")
}

/// The first `chars` characters of `text` (ids come from repositories and
/// images, which may hold anything).
pub(crate) fn short(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// `GitHub Personal Access Token found: ghp_ab**** (redacted, fingerprint
/// 1f2e…)` plus the provenance, the verifier's word and the advice: one
/// line, the secret always redacted.
pub(crate) fn message(f: &Finding) -> String {
    let mut text = format!(
        "{} found: {} (redacted, fingerprint {})",
        f.rule_name,
        f.secret.redacted(),
        f.fingerprint
    );
    let place = provenance(f);
    if !place.is_empty() {
        text.push_str(&format!(" {place}"));
    }
    text.push('.');
    if let Some(v) = &f.verification {
        text.push_str(&format!(" Verification: {}.", v.status.as_str()));
    }
    text.push_str(" Revoke or rotate it first, then remove it.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_dot_slash_and_the_working_directory() {
        assert_eq!(relative_to("./a/b.env", None), "a/b.env");
        assert_eq!(relative_to("././a", None), "a");
        assert_eq!(relative_to("a/b", Some(Path::new("/w"))), "a/b");
        assert_eq!(relative_to("/w/x/y", Some(Path::new("/w"))), "x/y");
        assert_eq!(relative_to("/elsewhere/y", Some(Path::new("/w"))), "/elsewhere/y");
        assert_eq!(short("abcdef", 3), "abc");
        assert_eq!(short("ab", 3), "ab");
    }
}
