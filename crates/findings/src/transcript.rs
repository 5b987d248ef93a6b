//! Where in an AI agent's transcript a secret was: the session, the
//! message, who wrote it and which tool it went to or came from. A source
//! that recognises a transcript (a Claude Code or Codex CLI session log)
//! learns these places after the scan, for the findings it holds, and hands
//! them over as a [`TranscriptIndex`] inside the blob's provenance.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// Which agent wrote a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptAgent {
    /// Claude Code (`~/.claude/projects/<project>/<session>.jsonl`).
    ClaudeCode,
    /// OpenAI Codex CLI (`~/.codex/sessions/**/rollout-*.jsonl`).
    Codex,
    /// Cursor's agent transcripts (`~/.cursor/projects/*/agent-transcripts`).
    Cursor,
}

impl TranscriptAgent {
    /// The agent's name as reports show it.
    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptAgent::ClaudeCode => "claude_code",
            TranscriptAgent::Codex => "codex",
            TranscriptAgent::Cursor => "cursor",
        }
    }
}

/// One place in a transcript: a record (one JSONL line) and, inside a
/// message, the content block holding the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptPlace {
    /// The agent that wrote the transcript.
    pub agent: TranscriptAgent,
    /// The session id (from the records, else the file's name).
    pub session: String,
    /// 1-based index of the message among the transcript's message records
    /// (records that are part of the conversation), in file order; `None`
    /// for other records (summaries, session metadata, events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<usize>,
    /// Who wrote the message (`user`, `assistant`, `tool`, `developer`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The record's own type (`user`, `assistant`, `summary`,
    /// `response_item`, `event_msg`, `session_meta`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The kind of content holding the secret (`text`, `tool_use`,
    /// `tool_result`, `thinking`, `function_call`, `function_call_output`,
    /// an event's type…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// The tool called, or whose result it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// The record's own id (Claude Code's `uuid`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// When the record was written, as the transcript says (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// Parts whose name adds nothing to the role: plain message text.
fn is_plain_text(part: &str) -> bool {
    matches!(part, "text" | "input_text" | "output_text")
}

/// Characters of a session id shown in text before an ellipsis.
const SESSION_SHOWN: usize = 8;

impl fmt::Display for TranscriptPlace {
    /// `session 0b1c2d3e… message 12 (assistant, tool_use Bash)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session: String = self.session.chars().take(SESSION_SHOWN).collect();
        let more = if session.len() < self.session.len() { "…" } else { "" };
        write!(f, "session {session}{more}")?;
        match (self.message, &self.record) {
            (Some(n), _) => write!(f, " message {n}")?,
            (None, Some(record)) => write!(f, " {record} record")?,
            (None, None) => {}
        }
        let mut details: Vec<String> = Vec::new();
        if let Some(role) = &self.role {
            details.push(role.clone());
        }
        let part = self.part.as_deref().filter(|p| !is_plain_text(p));
        match (part, &self.tool) {
            (Some(part), Some(tool)) => details.push(format!("{part} {tool}")),
            (Some(part), None) => details.push(part.to_string()),
            (None, Some(tool)) => details.push(tool.clone()),
            (None, None) => {}
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// The transcript places of one blob's findings, by the finding's byte
/// offset in the blob.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptIndex {
    /// Place of the finding at each offset.
    pub places: BTreeMap<usize, TranscriptPlace>,
}

impl TranscriptIndex {
    /// The place of the finding whose secret starts at `offset`.
    pub fn place_at(&self, offset: usize) -> Option<&TranscriptPlace> {
        self.places.get(&offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> TranscriptPlace {
        TranscriptPlace {
            agent: TranscriptAgent::ClaudeCode,
            session: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0".into(),
            message: Some(12),
            role: Some("assistant".into()),
            record: Some("assistant".into()),
            part: Some("tool_use".into()),
            tool: Some("Bash".into()),
            uuid: None,
            timestamp: None,
        }
    }

    #[test]
    fn shows_session_message_role_and_tool() {
        assert_eq!(
            place().to_string(),
            "session 0b1c2d3e… message 12 (assistant, tool_use Bash)"
        );
    }

    #[test]
    fn plain_text_shows_the_role_only_and_records_their_type() {
        let mut p = place();
        p.part = Some("text".into());
        p.tool = None;
        p.role = Some("user".into());
        p.message = Some(3);
        assert_eq!(p.to_string(), "session 0b1c2d3e… message 3 (user)");
        p.message = None;
        p.role = None;
        p.part = None;
        p.record = Some("summary".into());
        p.session = "short".into();
        assert_eq!(p.to_string(), "session short summary record");
    }

    #[test]
    fn serialises_only_what_is_known() {
        let mut p = place();
        p.role = None;
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["agent"], "claude_code");
        assert_eq!(json["message"], 12);
        assert_eq!(json["tool"], "Bash");
        assert!(json.get("role").is_none());
        assert!(json.get("uuid").is_none());
    }
}
