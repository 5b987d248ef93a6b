//! `keyhound completions` and `keyhound man`: shell completions and man
//! pages generated from the command-line definition itself, so they can
//! never drift from the options the binary accepts.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// Writes the completion script for `shell`.
pub fn completions(shell: Shell, out: &mut dyn Write) -> Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "keyhound", out);
    out.flush().context("writing the completion script")
}

/// Prints the main page, or with `dir` writes `keyhound.1` and one
/// `keyhound-COMMAND.1` (and `keyhound-COMMAND-SUB.1`) per command, the
/// layout `man` and packagers expect.
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> Result<()> {
    let command = Cli::command();
    match dir {
        None => {
            clap_mangen::Man::new(command)
                .render(out)
                .context("writing the man page")?;
            out.flush().context("writing the man page")
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let mut written = 0usize;
            write_pages(command, dir, &mut written)?;
            eprintln!("keyhound: wrote {written} man page(s) to {}", dir.display());
            Ok(())
        }
    }
}

/// Writes `command`'s page and, recursively, its subcommands' pages, each
/// named after its full command path (`keyhound-hook-install.1`).
fn write_pages(command: clap::Command, dir: &Path, written: &mut usize) -> Result<()> {
    // clap_mangen names a subcommand's page and its NAME section after the
    // command's own name, so give each subcommand its full path first.
    let command = command.disable_help_subcommand(true);
    let name = command.get_name().to_string();
    let path = dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .with_context(|| format!("rendering {}", path.display()))?;
    std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    *written += 1;
    for sub in command.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let full = format!("{name}-{}", sub.get_name());
        let sub = sub.clone().name(full.clone()).display_name(full.clone()).bin_name(full);
        write_pages(sub, dir, written)?;
    }
    Ok(())
}
