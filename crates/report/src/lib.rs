//! Reporters: pure functions from findings to bytes, behind the [`Sink`]
//! seam. Streaming formats (text, JSONL) write as findings arrive; whole
//! documents (JSON, SARIF) collect and write at the end.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

pub mod baseline;
pub mod csv;
pub mod hook_message;
pub mod inventory;
pub mod json;
mod options;
pub mod sarif;
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
    }
}
