//! Installing and removing the git hooks in `hooks/`. The hooks directory
//! honours `core.hooksPath`. A hook keyhound did not write is never silently
//! replaced: `install` refuses, or with `--chain` keeps it and runs it first,
//! or with `--force` moves it aside. `uninstall` removes only keyhound's
//! hooks and puts back what it moved.

use std::path::{Path, PathBuf};

/// The marker line that identifies a hook keyhound wrote.
pub const MARKER: &str = "# keyhound-hook:";

const PRE_COMMIT: &str = include_str!("../hooks/pre-commit");
const PRE_PUSH: &str = include_str!("../hooks/pre-push");

/// Hook installation problems.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// Not a repository.
    #[error(transparent)]
    Git(#[from] keyhound_sources::git::GitError),
    /// An existing foreign hook is in the way.
    #[error(
        "{path} already exists and was not installed by keyhound; re-run with --chain to run it before keyhound, or --force to move it aside (to {backup})"
    )]
    Occupied {
        /// The hook file.
        path: PathBuf,
        /// Where --force would move it.
        backup: PathBuf,
    },
    /// File system error.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// What to do with a foreign hook already in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse (the default).
    Refuse,
    /// Keep it and run it before keyhound.
    Chain,
    /// Move it aside to `NAME.keyhound-backup`.
    Force,
}

/// The hooks directory of the repository at `repo`, honouring `core.hooksPath`.
pub fn hooks_dir(repo: &gix::Repository) -> PathBuf {
    let configured = repo.config_snapshot().trusted_path("core.hooksPath").ok().flatten();
    match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => repo.workdir().unwrap_or_else(|| repo.git_dir()).join(path),
        None => repo.common_dir().join("hooks"),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HookError + '_ {
    move |source| HookError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.contains(MARKER))
}

/// Installs the pre-commit hook (and the pre-push hook when asked); returns
/// the paths written.
pub fn install(repo: &gix::Repository, pre_push: bool, existing: Existing) -> Result<Vec<PathBuf>, HookError> {
    let dir = hooks_dir(repo);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let binary = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "keyhound".into());
    let mut hooks = vec![("pre-commit", PRE_COMMIT)];
    if pre_push {
        hooks.push(("pre-push", PRE_PUSH));
    }
    // Check every hook before touching any, so a refusal changes nothing.
    for (name, _) in &hooks {
        let path = dir.join(name);
        if path.exists() && !is_ours(&path) && existing == Existing::Refuse {
            return Err(HookError::Occupied {
                backup: dir.join(format!("{name}.keyhound-backup")),
                path,
            });
        }
    }
    let mut written = Vec::new();
    for (name, template) in hooks {
        let path = dir.join(name);
        if path.exists() && !is_ours(&path) {
            let aside = match existing {
                Existing::Chain => dir.join(format!("{name}.keyhound-chained")),
                _ => dir.join(format!("{name}.keyhound-backup")),
            };
            std::fs::rename(&path, &aside).map_err(io(&path))?;
        }
        let script = template.replace("@KEYHOUND_BIN@", &binary);
        std::fs::write(&path, script).map_err(io(&path))?;
        make_executable(&path)?;
        written.push(path);
    }
    Ok(written)
}

/// Removes keyhound's hooks and restores what install moved aside; returns
/// the paths removed.
pub fn uninstall(repo: &gix::Repository) -> Result<Vec<PathBuf>, HookError> {
    let dir = hooks_dir(repo);
    let mut removed = Vec::new();
    for name in ["pre-commit", "pre-push"] {
        let path = dir.join(name);
        if !is_ours(&path) {
            continue;
        }
        std::fs::remove_file(&path).map_err(io(&path))?;
        removed.push(path.clone());
        for suffix in ["keyhound-chained", "keyhound-backup"] {
            let aside = dir.join(format!("{name}.{suffix}"));
            if aside.exists() {
                std::fs::rename(&aside, &path).map_err(io(&aside))?;
                break;
            }
        }
    }
    Ok(removed)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), HookError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io(path))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), HookError> {
    Ok(())
}
