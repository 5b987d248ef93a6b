//! The built-in rule packs: they load, every example behaves, and the set
//! covers the formats the project promises.

use std::collections::HashSet;

use keyhound_rules as rules;
use keyhound_scan::examples as testing;

#[test]
fn builtin_packs_parse_compile_and_have_unique_ids() {
    let rules = rules::builtin().expect("built-in packs parse");
    rules::check_unique(&rules).expect("ids unique");
    for rule in &rules {
        keyhound_scan::packs::check_rule(rule).unwrap_or_else(|e| panic!("{}", keyhound_findings::error_chain(&e)));
    }
    assert!(rules.len() >= 250, "only {} built-in rules", rules.len());
}

#[test]
fn every_builtin_example_behaves() {
    let rules = rules::builtin().unwrap();
    let failures: Vec<String> = rules
        .iter()
        .flat_map(|r| {
            testing::test_rule(r)
                .into_iter()
                .map(move |f| format!("{}: {}: {f}", r.source, r.id()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} example failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_builtin_rule_is_documented() {
    for rule in rules::builtin().unwrap() {
        let spec = &rule.spec;
        assert!(!spec.references.is_empty(), "{}: no references", spec.id);
        let revoke = spec
            .revoke
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no revoke guidance", spec.id));
        assert!(revoke.url.starts_with("https://"), "{}: revoke url", spec.id);
        assert!(!revoke.steps.trim().is_empty(), "{}: revoke steps", spec.id);
        assert!(
            !spec.examples.positive.is_empty() && !spec.examples.negative.is_empty(),
            "{}",
            spec.id
        );
    }
}

#[test]
fn required_formats_are_covered() {
    let rules = rules::builtin().unwrap();
    let ids: HashSet<&str> = rules.iter().map(|r| r.id()).collect();
    // One representative positive per promised family: at least one rule of
    // the built-in set must report it.
    let all: Vec<_> = rules
        .iter()
        .map(|r| std::sync::Arc::new(rules::Rule::new(r.spec.clone(), &r.source).unwrap()))
        .collect();
    let scanner = keyhound_engine::Scanner::new(all).unwrap();
    let families = [
        "aws",
        "github",
        "gitlab",
        "slack",
        "stripe",
        "openai",
        "anthropic",
        "google",
        "gcp",
        "azure",
        "twilio",
        "sendgrid",
        "npm",
        "pypi",
        "shopify",
        "hugging",
        "digitalocean",
        "vault",
        "databricks",
        "discord",
        "telegram",
        "mailgun",
        "postman",
        "private-key",
        "jwt",
        "postgres",
        "mysql",
        "mongodb",
        "redis",
        "amqp",
        "generic",
    ];
    for family in families {
        assert!(
            ids.iter().any(|id| id.contains(family)),
            "no rule id mentions {family:?}: {ids:?}"
        );
    }
    assert!(scanner.rules().len() >= 40);
}

#[test]
fn rules_test_command_passes_on_builtin_packs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyhound"))
        .args(["rules", "test"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("passed"), "{text}");
}
