//! Output files written atomically: each is written to a temporary file in
//! its destination folder and renamed over the destination only when complete,
//! so a reader never sees a half-written file and a failed run leaves the
//! previous outputs as they were.

use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};

use tempfile::NamedTempFile;

/// How the name of a command's staging folder starts (`cli::transaction`
/// stages every output there until the command commits): hidden, and told
/// apart from any output.
pub const STAGE_PREFIX: &str = ".capsim-stage-";

/// `path` as the user knows it: without the staging folder, so that a
/// message names `OUT/<name>/base/latency.png` and not where it is staged.
pub fn shown(path: &Path) -> PathBuf {
    path.components()
        .filter(
            |c| !matches!(c, Component::Normal(n) if n.to_string_lossy().starts_with(STAGE_PREFIX)),
        )
        .collect()
}

/// `e`, met writing `path`, with the path in its message (an `io::Error`
/// of the operating system names no file).
pub fn at_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("`{}`: {e}", shown(path).display()))
}

/// A file being written; it appears at its path on [`AtomicFile::commit`], and
/// not at all if dropped before.
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (its folder must exist).
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut builder = tempfile::Builder::new();
        builder.prefix(".capsim-").suffix(".tmp");
        // Outputs are ordinary files: readable as the umask allows, not the
        // private 0600 of a temporary file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir).map_err(|e| at_path(path, e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            writer: BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> io::Result<PathBuf> {
        let at = |e| at_path(&self.path, e);
        let tmp = self.writer.into_inner().map_err(|e| at(e.into_error()))?;
        tmp.as_file().sync_all().map_err(at)?;
        tmp.persist(&self.path).map_err(|e| at(e.error))?;
        Ok(self.path)
    }

    /// The path the file will have.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The path told only when it fails: a full disk names its file.
        self.writer.write(buf).map_err(|e| at_path(&self.path, e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush().map_err(|e| at_path(&self.path, e))
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()?;
    Ok(())
}

/// Whether `path` can hold outputs: creates the folder if needed.
pub fn prepare_dir(path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(path)?;
    // A folder we cannot write into fails here, before any simulation.
    let probe = tempfile::Builder::new()
        .prefix(".capsim-")
        .tempfile_in(path)?;
    drop(probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_old_content_survives_a_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, "old").unwrap();
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.write_all(b"new, half").unwrap();
            // dropped without commit
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".capsim-"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
