//! Agent hook payloads and MCP lines: an answer in the protocol, or a typed
//! error with a JSON-RPC code.
//! The body and its invariant: `keyhound_fuzzing::targets::agent_payload`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| keyhound_fuzzing::targets::agent_payload(data));
