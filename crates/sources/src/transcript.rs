//! AI agents' transcripts: JSONL session logs recognised by the shape of
//! their first records, so a finding inside one can name the session, the
//! message, its role and the tool it went to or came from, not only a line.
//!
//! Formats, as their writers' documentation and observed files show them:
//!
//! - **Claude Code** (`~/.claude/projects/<project>/<session>.jsonl`): one
//!   record per line with `type` (`user`, `assistant`, `system`,
//!   `summary`, `file-history-snapshot`…), `sessionId`, `uuid`,
//!   `timestamp`, and for messages `message.role` and `message.content`,
//!   a string or an array of blocks (`text`, `thinking`, `tool_use` with
//!   `id`/`name`/`input`, `tool_result` with `tool_use_id`/`content`).
//! - **Codex CLI** (`~/.codex/sessions/**/rollout-*.jsonl`): records
//!   `{timestamp, type, payload}` with `type` `session_meta` (the session
//!   `id`), `response_item` (a `message` with `role`, a `function_call` or
//!   `custom_tool_call` with `name` and `call_id`, their `*_output` by
//!   `call_id`, `local_shell_call`, `reasoning`), `event_msg`,
//!   `turn_context`, `compacted`.
//! - **Cursor** agent transcripts (`~/.cursor/projects/*/agent-transcripts`,
//!   not documented by Cursor; as observed): records `{role, message:
//!   {content: [blocks]}}` with Claude-like blocks; the session is the
//!   file's name.
//!
//! Reading a transcript costs a JSON parse of its records, so it is done
//! only for a `.jsonl` file that holds findings, and only up to the record
//! of its last finding.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use keyhound_findings::{TranscriptAgent, TranscriptIndex, TranscriptPlace};
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Records read to recognise a transcript.
const SNIFF_RECORDS: usize = 8;

/// Whether a file's name is a JSONL file's, the only files read as
/// transcripts.
pub fn is_jsonl(name: &str) -> bool {
    let name = name.as_bytes();
    name.len() >= 6 && name[name.len() - 6..].eq_ignore_ascii_case(b".jsonl")
}

/// A record's top-level fields, each kept raw so no shape fails the parse.
#[derive(Deserialize, Default)]
struct Record<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<&'a RawValue>,
    #[serde(rename = "sessionId", default, borrow)]
    session_id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    uuid: Option<&'a RawValue>,
    #[serde(rename = "leafUuid", default, borrow)]
    leaf_uuid: Option<&'a RawValue>,
    #[serde(default, borrow)]
    timestamp: Option<&'a RawValue>,
    #[serde(default, borrow)]
    message: Option<&'a RawValue>,
    #[serde(default, borrow)]
    role: Option<&'a RawValue>,
    #[serde(default, borrow)]
    payload: Lenient<Payload<'a>>,
}

/// What the records before a finding need to say (whether they are
/// messages, the session, which tool each call id names), read in one pass
/// with everything else skipped.
#[derive(Deserialize, Default)]
struct LightRecord<'a> {
    #[serde(rename = "sessionId", default, borrow)]
    session_id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    message: Lenient<LightMessage<'a>>,
}

/// A message's tool calls, for the records before a finding.
#[derive(Deserialize, Default)]
struct LightMessage<'a> {
    #[serde(default, borrow)]
    content: ToolCalls<'a>,
}

/// The `(id, name)` of each tool call among a message's blocks.
#[derive(Default)]
struct ToolCalls<'a>(Vec<(&'a RawValue, &'a RawValue)>);

/// An object parsed as `T`; any other JSON value is skipped as `None`, so
/// an unexpected shape never fails the record around it.
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

/// Skips any JSON value but an object, which it hands to `T`.
struct LenientVisitor<T>(PhantomData<T>);

macro_rules! skip_scalars {
    ($value:ty) => {
        fn visit_bool<E>(self, _: bool) -> Result<$value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E>(self, _: i64) -> Result<$value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E>(self, _: u64) -> Result<$value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E>(self, _: f64) -> Result<$value, E> {
            Ok(Default::default())
        }
        fn visit_str<E>(self, _: &str) -> Result<$value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E>(self) -> Result<$value, E> {
            Ok(Default::default())
        }
        fn visit_none<E>(self) -> Result<$value, E> {
            Ok(Default::default())
        }
    };
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    skip_scalars!(Lenient<T>);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Lenient(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|t| Lenient(Some(t)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LenientVisitor(PhantomData))
    }
}

/// A block's fields that name a tool call.
#[derive(Deserialize, Default)]
struct CallFields<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<&'a RawValue>,
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    name: Option<&'a RawValue>,
}

/// Collects the tool calls of an array of blocks.
struct ToolCallsVisitor;

impl<'de> Visitor<'de> for ToolCallsVisitor {
    type Value = ToolCalls<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    skip_scalars!(ToolCalls<'de>);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut calls = Vec::new();
        while let Some(block) = seq.next_element::<Lenient<CallFields<'de>>>()? {
            let Some(block) = block.0 else { continue };
            let is_call = block
                .kind
                .is_some_and(|k| matches!(k.get(), "\"tool_use\"" | "\"server_tool_use\""));
            if let (true, Some(id), Some(name)) = (is_call, block.id, block.name) {
                calls.push((id, name));
            }
        }
        Ok(ToolCalls(calls))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ToolCalls::default())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ToolCalls<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ToolCallsVisitor)
    }
}

/// A message object (Claude Code, Cursor).
#[derive(Deserialize, Default)]
struct Message<'a> {
    #[serde(default, borrow)]
    role: Option<&'a RawValue>,
    #[serde(default, borrow)]
    content: Option<&'a RawValue>,
}

/// A content block's identifying fields (Claude Code, Cursor).
#[derive(Deserialize, Default)]
struct Block<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<&'a RawValue>,
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    name: Option<&'a RawValue>,
    #[serde(default, borrow)]
    tool_use_id: Option<&'a RawValue>,
}

/// A Codex record's payload's identifying fields.
#[derive(Deserialize, Default)]
struct Payload<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<&'a RawValue>,
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default, borrow)]
    role: Option<&'a RawValue>,
    #[serde(default, borrow)]
    name: Option<&'a RawValue>,
    #[serde(default, borrow)]
    call_id: Option<&'a RawValue>,
}

/// A raw JSON value as a string, when it is one.
fn text(raw: Option<&RawValue>) -> Option<String> {
    let raw = raw?;
    if !raw.get().starts_with('"') {
        return None;
    }
    serde_json::from_str::<String>(raw.get()).ok()
}

/// Whether a raw JSON value is an object.
fn is_object(raw: Option<&RawValue>) -> bool {
    raw.is_some_and(|r| r.get().starts_with('{'))
}

/// Parses a raw value into `T`, or `T::default()` when it does not fit.
fn fields<'a, T: Deserialize<'a> + Default>(raw: Option<&'a RawValue>) -> T {
    raw.and_then(|r| serde_json::from_str(r.get()).ok()).unwrap_or_default()
}

/// Which agent wrote a record, judged by its fields alone.
fn agent_of(record: &Record<'_>) -> Option<TranscriptAgent> {
    let kind = text(record.kind);
    match kind.as_deref() {
        Some("session_meta" | "response_item" | "event_msg" | "turn_context" | "compacted")
            if record.payload.0.is_some() =>
        {
            Some(TranscriptAgent::Codex)
        }
        Some("summary") if record.leaf_uuid.is_some() => Some(TranscriptAgent::ClaudeCode),
        Some(_) if text(record.session_id).is_some() && (record.uuid.is_some() || is_object(record.message)) => {
            Some(TranscriptAgent::ClaudeCode)
        }
        None if matches!(
            text(record.role).as_deref(),
            Some("user" | "assistant" | "system" | "tool")
        ) && is_object(record.message) =>
        {
            Some(TranscriptAgent::Cursor)
        }
        _ => None,
    }
}

/// The non-empty lines of `bytes` with their byte ranges (without the
/// line break).
fn lines(bytes: &[u8]) -> impl Iterator<Item = (Range<usize>, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || loop {
        if start >= bytes.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p);
        let range = start..end;
        start = end + 1;
        let line = &bytes[range.clone()];
        if line.iter().any(|b| !b.is_ascii_whitespace()) {
            return Some((range, line));
        }
    })
}

/// Parses one JSONL line as a record; `None` for anything else.
fn parse(line: &[u8]) -> Option<(&str, Record<'_>)> {
    let text = std::str::from_utf8(line).ok()?;
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let record = serde_json::from_str(text).ok()?;
    Some((text, record))
}

/// Recognises an agent's transcript by its first records: each must be a
/// JSON object, and the first that says whose it is decides.
pub fn detect(bytes: &[u8]) -> Option<TranscriptAgent> {
    for (_, line) in lines(bytes).take(SNIFF_RECORDS) {
        let (_, record) = parse(line)?;
        if let Some(agent) = agent_of(&record) {
            return Some(agent);
        }
    }
    None
}

/// One part of a record and what it is.
struct Part {
    /// Byte range inside the line.
    span: Range<usize>,
    kind: Option<String>,
    tool: Option<String>,
}

/// What one record says about where its bytes belong.
#[derive(Default)]
struct RecordPlace {
    message: bool,
    role: Option<String>,
    record: Option<String>,
    uuid: Option<String>,
    timestamp: Option<String>,
    /// The session id the record names.
    session: Option<String>,
    /// Content blocks with their spans.
    parts: Vec<Part>,
    /// The part and tool for bytes outside every block.
    part: Option<String>,
    tool: Option<String>,
}

/// Where `inner` (a slice of `outer`) starts in it.
fn span_in(outer: &str, inner: &str) -> Option<Range<usize>> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (start + inner.len() <= outer.len()).then(|| start..start + inner.len())
}

/// Reads transcripts, remembering across records the session and which
/// tool each call id named.
struct Reader {
    agent: TranscriptAgent,
    session: String,
    messages: usize,
    tools: HashMap<String, String>,
}

impl Reader {
    /// Message blocks (Claude Code, Cursor): a string is one text part; an
    /// array gives each block its span, tool calls record their names.
    fn blocks(&mut self, line: &str, content: Option<&RawValue>, place: &mut RecordPlace) {
        let Some(content) = content else { return };
        let raw = content.get();
        if raw.starts_with('"') {
            if let Some(span) = span_in(line, raw) {
                place.parts.push(Part {
                    span,
                    kind: Some("text".into()),
                    tool: None,
                });
            }
            return;
        }
        let Ok(blocks) = serde_json::from_str::<Vec<&RawValue>>(raw) else {
            return;
        };
        for block in blocks {
            let Some(span) = span_in(line, block.get()) else {
                continue;
            };
            let fields: Block<'_> = fields(Some(block));
            let kind = text(fields.kind);
            let tool = match kind.as_deref() {
                Some("tool_use" | "server_tool_use") => {
                    let name = text(fields.name);
                    if let (Some(id), Some(name)) = (text(fields.id), &name) {
                        self.tools.insert(id, name.clone());
                    }
                    name
                }
                Some("tool_result") => text(fields.tool_use_id).and_then(|id| self.tools.get(&id).cloned()),
                _ => None,
            };
            if kind.as_deref() == Some("tool_result") && place.part.is_none() {
                // A tool's output repeated outside the content
                // (`toolUseResult`) belongs to the same call.
                place.part = kind.clone();
                place.tool = tool.clone();
            }
            place.parts.push(Part { span, kind, tool });
        }
    }

    fn claude(&mut self, line: &str, record: &Record<'_>) -> RecordPlace {
        let mut place = RecordPlace {
            record: text(record.kind),
            uuid: text(record.uuid),
            timestamp: text(record.timestamp),
            session: text(record.session_id),
            ..RecordPlace::default()
        };
        if is_object(record.message) {
            let message: Message<'_> = fields(record.message);
            place.message = true;
            place.role = text(message.role).or_else(|| place.record.clone());
            self.blocks(line, message.content, &mut place);
        }
        place
    }

    fn cursor(&mut self, line: &str, record: &Record<'_>) -> RecordPlace {
        let mut place = RecordPlace {
            role: text(record.role),
            timestamp: text(record.timestamp),
            ..RecordPlace::default()
        };
        if is_object(record.message) {
            let message: Message<'_> = fields(record.message);
            place.message = true;
            self.blocks(line, message.content, &mut place);
        }
        place
    }

    fn codex(&mut self, record: &Record<'_>) -> RecordPlace {
        let kind = text(record.kind);
        let none = Payload::default();
        let payload = record.payload.0.as_ref().unwrap_or(&none);
        let payload_kind = text(payload.kind);
        let call = text(payload.call_id);
        let mut place = RecordPlace {
            timestamp: text(record.timestamp),
            record: kind.clone(),
            part: payload_kind.clone(),
            ..RecordPlace::default()
        };
        match kind.as_deref() {
            Some("session_meta") => place.session = text(payload.id),
            Some("response_item") => {
                place.message = true;
                let (role, tool) = match payload_kind.as_deref() {
                    Some("function_call" | "custom_tool_call") => ("assistant", text(payload.name)),
                    Some("local_shell_call") => ("assistant", Some("local_shell".to_string())),
                    Some("function_call_output" | "custom_tool_call_output") => {
                        ("tool", call.as_ref().and_then(|id| self.tools.get(id).cloned()))
                    }
                    _ => ("assistant", None),
                };
                if let (Some(id), Some(name), Some("function_call" | "custom_tool_call" | "local_shell_call")) =
                    (&call, &tool, payload_kind.as_deref())
                {
                    self.tools.insert(id.clone(), name.clone());
                }
                place.role = text(payload.role).or_else(|| Some(role.to_string()));
                place.tool = tool;
                if payload_kind.as_deref() == Some("message") {
                    place.part = None;
                }
            }
            Some("event_msg") => {
                place.role = match payload_kind.as_deref() {
                    Some("user_message") => Some("user".to_string()),
                    Some("agent_message" | "agent_reasoning") => Some("assistant".to_string()),
                    _ => None,
                };
                place.tool = call.and_then(|id| self.tools.get(&id).cloned());
            }
            _ => place.part = None,
        }
        place
    }

    /// Reads a record holding no finding (Claude Code, Cursor) in one pass:
    /// whether it is a message, its session, the tools it calls.
    fn skim(&mut self, line: &str) {
        let Ok(record) = serde_json::from_str::<LightRecord<'_>>(line) else {
            return;
        };
        if self.agent == TranscriptAgent::ClaudeCode {
            if let Some(session) = text(record.session_id) {
                self.session = session;
            }
        }
        if let Some(message) = record.message.0 {
            self.messages += 1;
            for (id, name) in message.content.0 {
                if let (Some(id), Some(name)) = (text(Some(id)), text(Some(name))) {
                    self.tools.insert(id, name);
                }
            }
        }
    }

    /// The place of a finding at `offset` (relative to the line) in a
    /// record read as `place`.
    fn place(&self, place: &RecordPlace, offset: usize) -> TranscriptPlace {
        let inner = place.parts.iter().find(|p| p.span.contains(&offset));
        let (part, tool) = match inner {
            Some(p) => (p.kind.clone(), p.tool.clone()),
            None => (place.part.clone(), place.tool.clone()),
        };
        TranscriptPlace {
            agent: self.agent,
            session: self.session.clone(),
            message: place.message.then_some(self.messages),
            role: place.role.clone(),
            record: place.record.clone(),
            part,
            tool,
            uuid: place.uuid.clone(),
            timestamp: place.timestamp.clone(),
        }
    }
}

/// The session a file's name gives: its stem, or for Codex's
/// `rollout-<date>-<uuid>` the UUID at its end.
fn session_from_name(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = file.get(..file.len().saturating_sub(6)).unwrap_or(file);
    let tail = stem.get(stem.len().saturating_sub(36)..).unwrap_or("");
    let is_uuid = tail.len() == 36
        && tail.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if is_uuid {
        tail.to_string()
    } else {
        stem.to_string()
    }
}

/// The transcript places of the findings at `offsets` in `bytes`, a JSONL
/// file named `name`; `None` when the file is no agent's transcript.
/// Findings in records that do not parse get no place.
pub fn places(bytes: &[u8], name: &str, offsets: &[usize]) -> Option<TranscriptIndex> {
    let agent = detect(bytes)?;
    let mut wanted: Vec<usize> = offsets.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    let last = *wanted.last()?;
    let mut reader = Reader {
        agent,
        session: session_from_name(name),
        messages: 0,
        tools: HashMap::new(),
    };
    let mut index = TranscriptIndex::default();
    let mut next = 0;
    for (range, line) in lines(bytes) {
        if range.start > last {
            break;
        }
        while next < wanted.len() && wanted[next] < range.start {
            next += 1;
        }
        let holds_finding = next < wanted.len() && wanted[next] < range.end;
        if !holds_finding && agent != TranscriptAgent::Codex {
            if let Ok(text) = std::str::from_utf8(line) {
                reader.skim(text);
            }
            continue;
        }
        let Some((text, record)) = parse(line) else { continue };
        let place = match agent {
            TranscriptAgent::ClaudeCode => reader.claude(text, &record),
            TranscriptAgent::Codex => reader.codex(&record),
            TranscriptAgent::Cursor => reader.cursor(text, &record),
        };
        if let Some(session) = &place.session {
            reader.session.clone_from(session);
        }
        if place.message {
            reader.messages += 1;
        }
        while next < wanted.len() && wanted[next] < range.end {
            let at = wanted[next];
            index.places.insert(at, reader.place(&place, at - range.start));
            next += 1;
        }
    }
    Some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLAUDE: &str = concat!(
        r#"{"type":"summary","summary":"Deploy","leafUuid":"u0"}"#,
        "\n",
        r#"{"type":"user","sessionId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","uuid":"u1","timestamp":"2025-06-01T10:00:00Z","message":{"role":"user","content":"deploy with SECRET_ONE"}}"#,
        "\n",
        r#"{"type":"assistant","sessionId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","uuid":"u2","message":{"role":"assistant","content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"echo SECRET_TWO"}}]}}"#,
        "\n",
        r#"{"type":"user","sessionId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","uuid":"u3","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"SECRET_THREE"}]},"toolUseResult":{"stdout":"SECRET_FOUR"}}"#,
        "\n",
    );

    fn at(text: &str, needle: &str) -> usize {
        text.find(needle).unwrap()
    }

    #[test]
    fn recognises_each_agent_and_nothing_else() {
        assert_eq!(detect(CLAUDE.as_bytes()), Some(TranscriptAgent::ClaudeCode));
        let codex = r#"{"timestamp":"2025-06-01T10:00:00Z","type":"session_meta","payload":{"id":"s"}}"#;
        assert_eq!(detect(codex.as_bytes()), Some(TranscriptAgent::Codex));
        let cursor = r#"{"role":"user","message":{"content":[{"type":"text","text":"hi"}]}}"#;
        assert_eq!(detect(cursor.as_bytes()), Some(TranscriptAgent::Cursor));
        assert_eq!(detect(b"{\"level\":\"info\",\"msg\":\"started\"}\n"), None);
        assert_eq!(
            detect(b"not json\n{\"type\":\"user\",\"sessionId\":\"s\",\"uuid\":\"u\"}\n"),
            None
        );
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn claude_places_name_message_role_block_and_tool() {
        let offsets = [
            at(CLAUDE, "SECRET_ONE"),
            at(CLAUDE, "SECRET_TWO"),
            at(CLAUDE, "SECRET_THREE"),
            at(CLAUDE, "SECRET_FOUR"),
        ];
        let index = places(CLAUDE.as_bytes(), "p/x.jsonl", &offsets).unwrap();
        let shown: Vec<String> = offsets
            .iter()
            .map(|o| index.place_at(*o).unwrap().to_string())
            .collect();
        assert_eq!(
            shown,
            [
                "session 0b1c2d3e… message 1 (user)",
                "session 0b1c2d3e… message 2 (assistant, tool_use Bash)",
                "session 0b1c2d3e… message 3 (user, tool_result Bash)",
                "session 0b1c2d3e… message 3 (user, tool_result Bash)",
            ]
        );
        let first = index.place_at(offsets[0]).unwrap();
        assert_eq!(first.uuid.as_deref(), Some("u1"));
        assert_eq!(first.timestamp.as_deref(), Some("2025-06-01T10:00:00Z"));
    }

    #[test]
    fn records_before_a_finding_are_skimmed_for_messages_and_tool_names() {
        // Only the tool's result holds a finding: the call that named the
        // tool, and the messages before it, are read in the light pass. A
        // record of an unexpected shape is skipped, not counted.
        let odd = r#"{"type":"user","sessionId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","message":"not an object"}"#;
        let text = CLAUDE.replacen("\n", &format!("\n{odd}\n"), 1);
        let offset = at(&text, "SECRET_THREE");
        let index = places(text.as_bytes(), "x.jsonl", &[offset]).unwrap();
        assert_eq!(
            index.place_at(offset).unwrap().to_string(),
            "session 0b1c2d3e… message 3 (user, tool_result Bash)"
        );
        assert_eq!(index.places.len(), 1);
    }

    #[test]
    fn a_session_without_ids_is_named_by_its_file() {
        assert_eq!(
            session_from_name("s/2025/06/01/rollout-2025-06-01T10-00-00-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl"),
            "5973b6c0-94b8-487b-a530-2aeb6098ae0e"
        );
        assert_eq!(session_from_name("chat.jsonl"), "chat");
    }
}
