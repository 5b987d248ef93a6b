//! Reading the files that steer keyhound: rule packs, `.keyhound.toml`,
//! baselines and the configs `keyhound migrate` translates.
//!
//! A scanned repository can name these files itself (its `.keyhound.toml`
//! lists packs, a gitleaks config `[extend]`s another path), so a path may
//! lead to `/dev/zero`, a FIFO nobody writes to, or a file of gigabytes.
//! Reading one with `std::fs::read_to_string` would then hang or exhaust
//! memory. Here only regular files are opened (a FIFO is refused before
//! `open` could block on it) and no more than a stated number of bytes is
//! read.

use std::io::{self, Read};
use std::path::Path;

/// The most a rule pack, config or baseline may hold: far above any real
/// one (the built-in packs together are under 2 MiB), far below what would
/// hurt.
pub const MAX_INPUT_FILE_BYTES: u64 = 64 << 20;

/// Reads a UTF-8 file of at most `limit` bytes. Anything that is not a
/// regular file (after following links) is refused with
/// [`io::ErrorKind::InvalidInput`], a larger file with
/// [`io::ErrorKind::FileTooLarge`], both saying why.
pub fn read_to_string(path: &Path, limit: u64) -> io::Result<String> {
    let kind = std::fs::metadata(path)?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({})", describe(kind)),
        ));
    }
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.take(limit.saturating_add(1)).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!("larger than {limit} bytes"),
        ));
    }
    Ok(text)
}

/// What a file that is not a regular file is, in words.
fn describe(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_within_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pack.toml");
        std::fs::write(&path, "[[rules]]\n").unwrap();
        assert_eq!(read_to_string(&path, 10).unwrap(), "[[rules]]\n");
    }

    #[test]
    fn a_file_past_the_limit_is_refused_after_reading_only_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        std::fs::write(&path, "x".repeat(11)).unwrap();
        let err = read_to_string(&path, 10).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(err.to_string().contains("larger than 10 bytes"), "{err}");
    }

    #[test]
    fn devices_fifos_and_directories_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pack.toml");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        for (path, what) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a device"),
            (dir.path(), "a directory"),
        ] {
            let err = read_to_string(path, MAX_INPUT_FILE_BYTES).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{}", path.display());
            assert!(err.to_string().contains(what), "{}: {err}", path.display());
        }
    }
}
