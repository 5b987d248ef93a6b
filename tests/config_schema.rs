//! The JSON schema for `.keyhound.toml` (schema/keyhound.schema.json), which
//! editors use to complete and check the file, agrees with what keyhound
//! itself accepts: the repository's own config and the README's example
//! validate and load; a misspelt key or a bad fingerprint is refused by
//! both; every key the schema documents is one keyhound loads.

mod common;

use std::path::Path;

use common::json_schema::JsonSchema;
use keyhound_scan::policy::Config;

fn schema() -> JsonSchema {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/keyhound.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    JsonSchema::new(schema)
}

/// A TOML config as the JSON value a schema sees.
fn as_json(toml_text: &str) -> serde_json::Value {
    let table: toml::Table = toml::from_str(toml_text).expect("valid TOML");
    serde_json::to_value(table).unwrap()
}

/// Whether keyhound loads `text` as a config.
fn keyhound_loads(text: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".keyhound.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).map_err(|e| keyhound_findings::error_chain(&e))?;
    keyhound_scan::policy::Policy::from_config(&config, &path).map_err(|e| keyhound_findings::error_chain(&e))?;
    Ok(config)
}

/// The README's example config (the TOML block under "Config").
fn readme_example() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("### Config: `.keyhound.toml`")
        .nth(1)
        .expect("README has the Config section");
    let block = section.split("```toml\n").nth(1).unwrap();
    block.split("```").next().unwrap().to_string()
}

#[test]
fn the_repository_config_and_the_readme_example_validate_and_load() {
    let validator = schema();
    let own = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".keyhound.toml")).unwrap();
    let example = readme_example().replace("3f0c2a…", "3f0c2a00112233445566778899aabbcc");
    for (name, text) in [("own", own), ("README", example)] {
        let errors: Vec<String> = validator.errors(&as_json(&text));
        assert!(errors.is_empty(), "{name}: {errors:?}");
        keyhound_loads(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn every_key_the_schema_documents_is_one_keyhound_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/keyhound.schema.json");
    let document: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = schema();
    let properties = document["properties"].as_object().unwrap();
    let sample = |key: &str| -> String {
        match key {
            "accept" => "[[accept]]\nfingerprint = \"3f0c2a00112233445566778899aabbcc\"\nreason = \"test\"\n".into(),
            "allow" => "[allow]\nsecrets = ['^EXAMPLE']\nlines = ['notsecret']\nstopwords = ['dummy']\ncommits = ['5a2e8f0c']\n".into(),
            "verify_overrides" => "verify_overrides = [\"api.github.com=https://github.example.com/api/v3\"]\n".into(),
            "disable_rules" | "enable_rules" => format!("{key} = [\"github-pat-classic\"]\n"),
            _ => format!("{key} = [\"x\"]\n"),
        }
    };
    for key in properties.keys() {
        let text = sample(key);
        assert!(
            validator.is_valid(&as_json(&text)),
            "{key}: the schema refuses its own sample"
        );
        keyhound_loads(&text).unwrap_or_else(|e| panic!("{key}: keyhound refuses a key the schema documents: {e}"));
    }
    // And the allow table's keys, one by one.
    for key in document["properties"]["allow"]["properties"]
        .as_object()
        .unwrap()
        .keys()
    {
        let text = format!("[allow]\n{key} = [\"abcd1234\"]\n");
        keyhound_loads(&text).unwrap_or_else(|e| panic!("allow.{key}: {e}"));
    }
}

#[test]
fn mistakes_are_refused_by_the_schema_and_by_keyhound_alike() {
    let validator = schema();
    for bad in [
        "exclude_path = [\"vendor\"]\n",
        "[[accept]]\nfingerprint = \"3f0c2a00112233445566778899aabbcc\"\nwhy = \"typo\"\n",
        "[allow]\nsecret = ['^EXAMPLE']\n",
        "disable_rules = \"github-pat-classic\"\n",
    ] {
        assert!(!validator.is_valid(&as_json(bad)), "the schema accepts {bad:?}");
        assert!(keyhound_loads(bad).is_err(), "keyhound accepts {bad:?}");
    }
    // What only the schema can say before a scan runs: a fingerprint that
    // is not one, an override without a URL.
    for bad in [
        "[[accept]]\nfingerprint = \"ghp_not-a-fingerprint\"\n",
        "verify_overrides = [\"api.github.com\"]\n",
    ] {
        assert!(!validator.is_valid(&as_json(bad)), "the schema accepts {bad:?}");
    }
}
