//! AI coding agents' hooks. An agent (Claude Code, Cursor, or any tool
//! that can run a command with a JSON payload) calls `keyhound hook agent`
//! before it writes a file, runs a shell command, reads a file into its
//! context or sends a prompt; this crate reads what the agent sent
//! ([`payload`]), shapes the answer that agent's documented protocol
//! expects ([`decision`]), and adds or removes keyhound's entries in the
//! agent's settings file without touching anything else ([`settings`]).
//!
//! The same agents can also call keyhound as a tool: [`mcp`] reads and
//! writes the Model Context Protocol's messages for `keyhound mcp`.
//!
//! It knows nothing of rules or scanning: the binary scans the
//! [`payload::Piece`]s and runs the MCP tools.

pub mod decision;
pub mod mcp;
pub mod payload;
pub mod settings;

/// The agents whose hook protocols keyhound speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// Anthropic's Claude Code (`.claude/settings.json`, PascalCase events).
    ClaudeCode,
    /// Cursor (`.cursor/hooks.json`, camelCase events).
    Cursor,
    /// Any other tool: a JSON object or plain text on stdin, exit status 2
    /// and a message on stderr to block.
    Generic,
}

impl Agent {
    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Cursor => "cursor",
            Agent::Generic => "generic",
        }
    }
}
