//! What a shell user expects: completions that complete in a real bash,
//! man pages that groff renders, `--version` naming the rule set, colour
//! that follows `NO_COLOR` and `--color`, and errors that suggest the fix.

mod common;

use std::process::Command;

use common::*;

#[test]
fn bash_completion_completes_commands_and_options_in_a_real_bash() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["completions", "bash"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let script = dir.path().join("keyhound.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    // Load the script, then ask it what it completes, the way bash does on
    // Tab: COMP_WORDS and COMP_CWORD set, the registered function called.
    let complete = |words: &str, cword: usize| -> Vec<String> {
        let program = format!(
            "source {script}; fn=$(complete -p keyhound | sed -E 's/.*-F ([^ ]+).*/\\1/'); \
             COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
             $fn keyhound \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script = script.display()
        );
        let out = Command::new("bash").arg("-c").arg(program).output().expect("run bash");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let commands = complete("keyhound ''", 1);
    for expected in ["dir", "git", "image", "revoke", "completions", "man"] {
        assert!(commands.iter().any(|c| c == expected), "{expected} in {commands:?}");
    }
    let git_options = complete("keyhound git --sta", 2);
    assert!(git_options.iter().any(|c| c == "--staged"), "{git_options:?}");
}

#[test]
fn every_shell_gets_its_own_completion_script() {
    let dir = tempfile::tempdir().unwrap();
    let expect = [
        ("zsh", "#compdef keyhound"),
        ("fish", "complete -c keyhound"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[keyhound]"),
    ];
    for (shell, marker) in expect {
        let out = run_in(dir.path(), &["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {marker} missing");
        assert!(script.contains("staged"), "{shell}: options are listed");
    }
    let out = run_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(code(&out), 2, "an unknown shell is refused");
    assert!(stderr(&out).contains("possible values"), "{}", stderr(&out));
}

/// Renders a man page with groff the way `man` would (preconv first, as
/// the help text is UTF-8), returning the text.
fn render(page: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-P", "-cbou"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("groff (Debian package groff-base; ./test installs it)");
    child.stdin.take().unwrap().write_all(page).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(warnings.trim().is_empty(), "groff warns: {warnings}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn man_pages_render_with_groff_one_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["man"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = render(&out.stdout);
    assert!(text.contains("NAME"), "{text}");
    assert!(text.contains("keyhound"), "{text}");
    for command in ["dir", "git", "revoke", "completions"] {
        assert!(text.contains(command), "the main page lists {command}");
    }

    let pages = dir.path().join("man1");
    let out = run_in(dir.path(), &["man", "--dir", pages.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for name in [
        "keyhound.1",
        "keyhound-dir.1",
        "keyhound-git.1",
        "keyhound-hook-install.1",
    ] {
        let page = std::fs::read(pages.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = render(&page);
        assert!(text.contains("SYNOPSIS"), "{name}: {text}");
    }
    let git = render(&std::fs::read(pages.join("keyhound-git.1")).unwrap());
    assert!(git.contains("keyhound-git"), "{git}");
    assert!(git.contains("--staged"), "the git page documents its options: {git}");
}

#[test]
fn version_names_the_rule_set_built_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["--version"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let line = stdout(&out);
    let listed = run_in(dir.path(), &["rules", "list", "-f", "json"]);
    let rules: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("rules list json");
    let count = rules.as_array().map(Vec::len).expect("an array of rules");
    assert!(count > 500, "{count}");
    assert!(
        line.contains(&format!("built-in rules: {count}")),
        "{line:?} names the {count} rules"
    );
    assert!(
        line.starts_with(&format!("keyhound {}", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
}

#[test]
fn a_mistyped_rule_id_gets_a_suggestion_and_a_wild_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.txt", "nothing here\n");
    let out = run_in(dir.path(), &["dir", "--disable-rule", "github-pat-clasic", "."]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean `github-pat-classic`?"),
        "{}",
        stderr(&out)
    );
    let out = run_in(dir.path(), &["dir", "--enable-rule", "zzqx-nothing-like-it", "."]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
    assert!(stderr(&out).contains("keyhound rules list"), "{}", stderr(&out));
}

#[test]
fn colour_follows_no_color_and_the_color_flag() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(1904);
    write(
        dir.path(),
        "deploy.env",
        format!("GITHUB_TOKEN={}\n", github_token(&mut rng, "ghp_")),
    );
    let escape = "\u{1b}[";
    let on_terminal = run_on_terminal(dir.path(), &["dir", "."], &[]);
    assert!(on_terminal.contains(escape), "colour on a terminal: {on_terminal:?}");
    let no_color = run_on_terminal(dir.path(), &["dir", "."], &[("NO_COLOR", "1")]);
    assert!(no_color.contains("github-pat-classic"), "{no_color:?}");
    assert!(!no_color.contains(escape), "NO_COLOR turns colour off: {no_color:?}");
    let never = run_on_terminal(dir.path(), &["dir", "--color", "never", "."], &[]);
    assert!(!never.contains(escape), "{never:?}");
    let piped = run_in(dir.path(), &["dir", "."]);
    assert!(!stdout(&piped).contains(escape), "no colour into a pipe");
    let always = run_in(dir.path(), &["dir", "--color", "always", "."]);
    assert!(stdout(&always).contains(escape), "--color always into a pipe");
}
