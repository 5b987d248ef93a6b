//! The agents' settings files, edited in place. For any file keyhound can
//! edit that holds no keyhound hook yet, uninstalling after installing
//! finds keyhound's hooks again and gives back the same settings; when the
//! file is laid out as the agents write it (pretty-printed JSON), the very
//! same bytes (apart from a final newline install adds). A compact
//! one-line `hooks` object comes back with the same content but expanded
//! onto several lines (found by this target; see `settings` unit tests).
//! Files whose `hooks` object or event lists already exist empty are left
//! out: uninstall removes the containers its own removal empties, and
//! cannot tell an empty list it found from one it made.
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
    let original: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let pretty = original
        .as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .is_some_and(|p| p == text.trim_end());
    for agent in [Agent::ClaudeCode, Agent::Cursor] {
        let Ok(installed) = settings::install(text, agent, "keyhound hook agent --agent x") else {
            continue;
        };
        let (back, removed) = settings::uninstall(&installed, agent).expect("our own output parses");
        assert!(removed > 0, "installed hooks not found again");
        if agent != Agent::ClaudeCode || empty_before {
            continue;
        }
        if let Some(original) = &original {
            let after: serde_json::Value = serde_json::from_str(&back).expect("uninstall output is JSON");
            assert_eq!(&after, original, "uninstall changed the settings");
        }
        if pretty {
            let expected = if text.ends_with('\n') {
                text.to_string()
            } else {
                format!("{text}\n")
            };
            assert_eq!(back, expected, "uninstall did not restore the file");
        }
    }
});
