//! What AI agents send: hook payloads of every protocol and MCP messages.
//! Every payload reads or gives a typed error; a read payload always gets
//! an answer in its protocol; every MCP line is a message or an error with
//! a JSON-RPC code.
#![no_main]

use keyhound_agent::{decision, mcp, payload, Agent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for agent in [None, Some(Agent::ClaudeCode), Some(Agent::Cursor), Some(Agent::Generic)] {
        if let Ok(p) = payload::read(data, agent, None) {
            let no = decision::reply(&p, None);
            let yes = decision::reply(&p, Some("blocked"));
            assert_eq!(no.status, 0);
            assert!(yes.status == 2 || !yes.stdout.is_empty(), "a block must say so");
            for piece in &p.pieces {
                let _ = piece.text.len();
            }
        }
    }
    if let Ok(line) = std::str::from_utf8(data) {
        if let Err(bad) = mcp::parse(line) {
            assert!(bad.code <= -32600 || bad.code == mcp::PARSE_ERROR);
        }
    }
});
