//! One SARIF file per repository of a multi-repository audit (`keyhound
//! github --sarif-dir DIR`): GitHub code scanning takes one SARIF upload
//! per repository, so an organisation's audit writes one file for each,
//! beside the one report of the whole audit.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::Mutex;

use keyhound_findings::{Finding, Sink, Summary};

use crate::sarif::SarifSink;
use crate::{ReportOptions, VcsInfo};

/// A sink that passes everything to the audit's own reporter and also
/// keeps each repository's findings for its SARIF file, written at the end.
pub struct PerRepositorySarif {
    inner: Box<dyn Sink>,
    dir: PathBuf,
    options: ReportOptions,
    repositories: BTreeMap<String, String>,
    held: Mutex<BTreeMap<String, Vec<Vec<Finding>>>>,
}

impl PerRepositorySarif {
    /// Wraps `inner`; writes `dir/<owner>_<name>.sarif` for every
    /// repository in `repositories` (name → repository URL, the SARIF
    /// `versionControlProvenance`), an empty run for a clean one so that an
    /// upload closes the alerts of keys since removed.
    pub fn new(
        inner: Box<dyn Sink>,
        dir: PathBuf,
        options: ReportOptions,
        repositories: BTreeMap<String, String>,
    ) -> Self {
        PerRepositorySarif {
            inner,
            dir,
            options,
            repositories,
            held: Mutex::new(BTreeMap::new()),
        }
    }

    /// The file name of a repository's SARIF: its name with every
    /// character outside `[A-Za-z0-9._-]` made `_`.
    pub fn file_name(repository: &str) -> String {
        let safe: String = repository
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}.sarif")
    }
}

impl Sink for PerRepositorySarif {
    fn blob_findings(&self, findings: Vec<Finding>) {
        if let Some(repository) = findings.first().and_then(|f| f.origin.repository()) {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            held.entry(repository.to_owned()).or_default().push(findings.clone());
        }
        self.inner.blob_findings(findings);
    }

    fn finish(&self, summary: &Summary) -> std::io::Result<()> {
        self.inner.finish(summary)?;
        std::fs::create_dir_all(&self.dir)?;
        let mut held = std::mem::take(&mut *self.held.lock().unwrap_or_else(|e| e.into_inner()));
        for (repository, uri) in &self.repositories {
            let blobs = held.remove(repository).unwrap_or_default();
            let file = std::fs::File::create(self.dir.join(Self::file_name(repository)))?;
            let options = ReportOptions {
                vcs: Some(VcsInfo {
                    repository_uri: uri.clone(),
                    revision: None,
                    branch: None,
                }),
                ..self.options.clone()
            };
            let sink = SarifSink::new(Box::new(BufWriter::new(file)), options);
            let mut own = summary.clone();
            own.findings = blobs.iter().map(|b| b.len() as u64).sum();
            for blob in blobs {
                sink.blob_findings(blob);
            }
            sink.finish(&own)?;
        }
        Ok(())
    }
}
