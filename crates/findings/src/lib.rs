//! Findings as plain data: what a reporter prints, a baseline records and a
//! verifier checks. No matching and no network here: the scan crate builds
//! findings from the engine's candidates, the verify crate fills in
//! [`Verification`]s, the report crate turns them into bytes.
//!
//! A finding's identity is its [`fingerprint`]: a hash of the rule id and the
//! secret only, never of where it was seen, so the same key is one identity
//! across files, commits, line moves and runs.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

mod access;
pub mod baseline;
mod finding;
mod origin;
mod provenance;
mod secret;
mod sink;
pub mod time;
mod transcript;
mod verification;
mod warning;

pub use access::{AccessLevel, AccessMap, Excess, Resources};
pub use finding::Finding;
pub use origin::{CommitInfo, Origin, Removal};
pub use provenance::{HistoryIndex, HistoryPlace, Provenance, StreamPosition};
pub use secret::{fingerprint, printable, redact, Secret};
pub use sink::{Sink, Summary, MAX_KEPT_WARNINGS};
pub use transcript::{TranscriptAgent, TranscriptIndex, TranscriptPlace};
pub use verification::{Status, Verification, VerifyStats};
pub use warning::{error_chain, Warning, WarningKind, WarningSummary};
