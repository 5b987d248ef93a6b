//! keyhound: a secret-leak scanner.
//!
//! The pipeline, as in `DESIGN.md`: a source ([`sources`]) turns an input
//! into blobs; the [`engine`] finds candidates with a keyword prefilter,
//! windowed regexes and filters; [`finding`] gives each a location,
//! fingerprint and redaction; [`policy`] applies the project's exceptions;
//! and a [`scan::Sink`] from [`report`] writes the result.

#![warn(missing_docs)]

pub mod engine;
pub mod finding;
pub mod hook;
pub mod policy;
pub mod report;
pub mod revocation;
pub mod rules;
pub mod scan;
pub mod sources;
pub mod verify;
