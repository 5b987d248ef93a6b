//! Reporters: pure functions from findings to bytes, behind the [`Sink`]
//! seam. Streaming formats (JSONL, CSV) write as findings arrive; whole
//! documents (text, JSON, SARIF, HTML, and the CI formats: GitHub
//! annotations, GitLab's security report, JUnit) collect and write at the end.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

pub mod baseline;
mod ci;
pub mod csv;
pub mod github;
pub mod gitlab;
pub mod hook_message;
pub mod html;
pub mod inventory;
pub mod json;
pub mod junit;
mod options;
pub mod per_repository;
pub mod sarif;
pub mod saved;
pub mod text;
mod view;

use std::io::Write;

use keyhound_findings::Sink;

pub use options::{Format, ReportOptions, VcsInfo};
pub use view::FindingView;

/// Builds the sink for `format`, writing to `out`.
pub fn make_sink(format: Format, out: Box<dyn Write + Send>, options: ReportOptions) -> Box<dyn Sink> {
    match format {
        Format::Text => Box::new(text::TextSink::new(out, options)),
        Format::Jsonl => Box::new(json::JsonlSink::new(out, options)),
        Format::Json => Box::new(json::JsonSink::new(out, options)),
        Format::Sarif => Box::new(sarif::SarifSink::new(out, options)),
        Format::Baseline => Box::new(baseline::BaselineSink::new(out, options.author)),
        Format::Csv => Box::new(csv::CsvSink::new(out, options.show_secrets)),
        Format::Html => Box::new(html::HtmlSink::new(out, options)),
        Format::Github => Box::new(github::GithubSink::new(out, options)),
        Format::Gitlab => Box::new(gitlab::GitlabSink::new(out, options)),
        Format::Junit => Box::new(junit::JunitSink::new(out, options)),
    }
}
