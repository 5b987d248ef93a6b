//! JSON Schema validation by the reference implementation, Python's
//! `jsonschema` (PyPI; ./test installs it, and the MCP client needs it
//! anyway). Not the `jsonschema` crate: its regex engine (fancy-regex)
//! turns on regex-automata's full DFAs for every crate that shares
//! regex-automata in a test build, so keeping the binary's dependency
//! features equal to the tests' (Cargo.toml; tests/install.rs) would have
//! cost keyhound's start-up 3 ms of DFA construction for its rules.

use std::io::Write;
use std::process::{Command, Stdio};

/// A schema, checked against its metaschema when made.
pub struct JsonSchema {
    schema: serde_json::Value,
}

const VALIDATE: &str = r#"
import json, sys
from jsonschema import validators
data = json.load(sys.stdin)
schema = data["schema"]
cls = validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
out = []
for doc in data["docs"]:
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    out.append(["%s at /%s" % (e.message, "/".join(str(p) for p in e.absolute_path)) for e in errors])
print(json.dumps(out))
"#;

impl JsonSchema {
    /// `schema`, after Python's `jsonschema` has checked it is a valid
    /// schema of its draft.
    pub fn new(schema: serde_json::Value) -> JsonSchema {
        let s = JsonSchema { schema };
        s.errors_of_all(&[]);
        s
    }

    /// Why `doc` does not conform (empty when it does).
    pub fn errors(&self, doc: &serde_json::Value) -> Vec<String> {
        self.errors_of_all(std::slice::from_ref(doc)).remove(0)
    }

    /// Whether `doc` conforms.
    pub fn is_valid(&self, doc: &serde_json::Value) -> bool {
        self.errors(doc).is_empty()
    }

    /// The errors of each of `docs`, in one Python run.
    pub fn errors_of_all(&self, docs: &[serde_json::Value]) -> Vec<Vec<String>> {
        let mut child = Command::new("python3")
            .args(["-c", VALIDATE])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3");
        let input = serde_json::json!({"schema": self.schema, "docs": docs});
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "Python's jsonschema (PyPI package jsonschema; ./test installs it) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("the validator's answer is JSON")
    }
}
