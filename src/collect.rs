//! A sink that keeps the findings it is given, for commands that scan one
//! piece at a time and look at each piece's findings themselves
//! (`validate`, the agent hook, the MCP server).

use std::sync::Mutex;

use keyhound_findings::{Finding, Sink, Summary};

/// Findings reported by a scan (after the project's policy), until taken.
#[derive(Default)]
pub struct Collect(Mutex<Vec<Finding>>);

impl Sink for Collect {
    fn blob_findings(&self, findings: Vec<Finding>) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend(findings);
    }

    fn finish(&self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

impl Collect {
    /// The findings so far, in the order they came; the sink is then empty.
    pub fn take(&self) -> Vec<Finding> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
