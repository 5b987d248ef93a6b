//! Liveness verification: ask each found secret's own provider whether it
//! still works (`--verify`), and revoke it where the provider has an API.
//!
//! Verifiers are declarative ([`spec`]): one templated read-only request per
//! rule and the answers that mean live or invalid; anything else is
//! unknown. [`http`] enforces where a secret may go; [`check`] builds
//! requests and classifies answers; [`run`] verifies a run's unique secrets
//! with bounded concurrency and a cache; [`sink`] plugs that in front of any
//! reporter.
//!
//! See ARCHITECTURE.md at the repository root for where this crate sits.

pub mod access;
pub mod admin_revoke;
pub mod aws;
pub mod aws_access;
pub mod aws_revoke;
pub mod azure_storage;
pub mod cache;
pub mod check;
pub mod docker_hub;
pub mod exposure;
pub mod facts;
pub mod gcp;
pub mod http;
pub mod pypi;
pub mod revocation;
pub mod run;
pub mod services;
pub mod sink;
pub mod spec;
pub mod template;

pub use keyhound_findings::{Status, Verification, VerifyStats};

/// Why a secret could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A template named a value that was not found near the secret.
    #[error("no {0} found near the secret")]
    Missing(String),
    /// A template or request could not be built.
    #[error("cannot build the request: {0}")]
    Template(String),
    /// The request would break the safety rules (foreign host, plain http).
    #[error("refused: {0}")]
    Unsafe(String),
    /// No HTTP answer (connection, TLS, timeout).
    #[error("network error: {0}")]
    Network(String),
    /// The run's request budget is spent (`--verify-max-requests`).
    #[error("the run's request budget (--verify-max-requests {0}) is spent")]
    Budget(u64),
    /// The rule's verifier is malformed.
    #[error("invalid verifier: {0}")]
    Spec(String),
}
