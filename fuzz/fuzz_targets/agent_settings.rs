//! The agents' settings files, edited in place: for any file keyhound can
//! edit that holds no keyhound hook yet, uninstalling after installing
//! gives back the very same bytes (apart from a final newline install adds).
//! Files whose `hooks` object or event lists already exist empty are left
//! out of that check by design: uninstall removes the containers its own
//! removal empties, and cannot tell an empty list it found from one it
//! made.
#![no_main]

use keyhound_agent::{settings, Agent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.contains("keyhound") || text.trim().is_empty() {
        return;
    }
    let empty_before = serde_json::from_str::<serde_json::Value>(text).ok().is_some_and(|doc| {
        let hooks = &doc["hooks"];
        hooks.as_object().is_some_and(|h| h.is_empty())
            || ["PreToolUse", "UserPromptSubmit"]
                .iter()
                .any(|e| hooks[*e].as_array().is_some_and(|a| a.is_empty()))
    });
    for agent in [Agent::ClaudeCode, Agent::Cursor] {
        let Ok(installed) = settings::install(text, agent, "keyhound hook agent --agent x") else {
            continue;
        };
        let (back, removed) = settings::uninstall(&installed, agent).expect("our own output parses");
        assert!(removed > 0, "installed hooks not found again");
        if agent == Agent::ClaudeCode && !empty_before {
            let expected = if text.ends_with('\n') {
                text.to_string()
            } else {
                format!("{text}\n")
            };
            assert_eq!(back, expected, "uninstall did not restore the file");
        }
    }
});
