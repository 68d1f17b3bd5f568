//! One command's outputs as one transaction: a command writes into a staged
//! copy of its scenario folder, and the copy replaces the folder only when
//! every file is complete. Exit 2, 3 or 130 (bad input found late, a full
//! disk, Ctrl-C) leaves every earlier output as it was; kill -9 leaves a
//! hidden staging folder that the next command in the same `--out` removes.
//!
//! - [`Transaction::begin`] links the scenario folder `OUT/<name>/` into a
//!   staging folder `OUT/.capsim-stage-XXXXXXXX/<name>/` (hard links: no
//!   data is copied; every writer replaces a file by renaming a new one over
//!   it, so an earlier output is never changed in place) and hands the
//!   writers the staging folder as their `--out`.
//! - [`Transaction::commit`] swaps the staged folder in with one
//!   `renameat2(RENAME_EXCHANGE)`: a reader sees the old folder or the new,
//!   never a mix. Where the file system cannot exchange, two renames, with a
//!   mark that lets the next command finish a swap cut short.
//! - Dropping an uncommitted transaction removes the staging folder.
//!
//! A symbolic link, or anything that is neither a file nor a folder, inside
//! the scenario folder is refused before any work: capsim never writes or
//! deletes through a link. Two commands writing the same scenario folder at
//! once each commit whole; the later one keeps the files the earlier one
//! wrote that it did not write itself (see [`take_others`]).

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::report::atomic::STAGE_PREFIX;
pub use crate::report::atomic::shown;

/// Written into the staging folder before a two-rename swap: from then on
/// the staged outputs are the ones to keep (see [`recover`]).
const DECIDED: &str = ".decided";
/// Where a two-rename swap parks the old folder.
const OLD: &str = ".old";

/// A file as the file system knows it: the same pair means the same file,
/// not merely the same name.
type FileId = (u64, u64);

/// A command's outputs under way; see the module's doc.
pub struct Transaction {
    /// `--out` as given.
    out: PathBuf,
    /// The scenario folder's name in it.
    name: OsString,
    /// `OUT/.capsim-stage-XXXXXXXX/`: its lock, held while the command
    /// lives, tells a running command's staging from a killed one's.
    root: PathBuf,
    _lock: File,
    /// Every file of the scenario folder when the command began.
    snapshot: HashMap<PathBuf, FileId>,
}

impl Transaction {
    /// Starts the outputs of the scenario `name` in `out`: removes what
    /// killed commands left, refuses a link or special file inside the
    /// scenario folder, links the folder into a new staging folder.
    /// When it cannot, says why (bad input: exit 2).
    pub fn begin(out: &Path, name: &str) -> Result<Transaction, String> {
        let refuse = |msg: String| msg;
        let cannot =
            |e: io::Error| refuse(format!("cannot write outputs to `{}`: {e}", out.display()));
        fs::create_dir_all(out).map_err(cannot)?;
        remove_abandoned(out);
        let real = out.join(name);
        let tmp = tempfile::Builder::new()
            .prefix(STAGE_PREFIX)
            .rand_bytes(8)
            .tempdir_in(out)
            .map_err(cannot)?;
        // tempfile makes the path absolute; the writers' paths, and the
        // messages that name them, keep `--out` as the user gave it.
        let root = out.join(tmp.path().file_name().expect("a folder's name"));
        let lock = File::open(&root).map_err(cannot)?;
        lock.lock().map_err(cannot)?;
        let staged = root.join(name);
        let mut snapshot = HashMap::new();
        match fs::symlink_metadata(&real) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&staged).map_err(cannot)?
            }
            Err(e) => return Err(cannot(e)),
            Ok(md) if md.file_type().is_symlink() => return Err(refuse(link_refused(&real))),
            Ok(md) if !md.is_dir() => {
                return Err(refuse(format!(
                    "`{}` is not a folder: capsim writes the scenario's outputs there; move it away or choose another `--out`",
                    real.display()
                )));
            }
            Ok(_) => {
                fs::create_dir(&staged).map_err(cannot)?;
                link_tree(&real, &staged, Path::new(""), &mut snapshot).map_err(|r| match r {
                    Refused::Link(p) => refuse(link_refused(&p)),
                    Refused::Special(p) => refuse(format!(
                        "`{}` is neither a file nor a folder: capsim will not replace it; move it out of `{}`",
                        p.display(),
                        out.display()
                    )),
                    Refused::Io(p, e) => refuse(format!("cannot read `{}`: {e}", p.display())),
                })?;
            }
        }
        Ok(Transaction {
            out: out.to_path_buf(),
            name: OsString::from(name),
            // Removed by the transaction's drop from now on.
            root: {
                let _ = tmp.keep();
                root
            },
            _lock: lock,
            snapshot,
        })
    }

    /// The folder the command's writers take as `--out`: the staging
    /// folder, which holds `<name>/` as the command began.
    pub fn staged_out(&self) -> &Path {
        &self.root
    }

    /// Puts the staged scenario folder in place of the real one, whole.
    /// Commits of other commands are one at a time (a lock on `--out`).
    pub fn commit(self) -> io::Result<()> {
        let out = File::open(&self.out)?;
        out.lock()?;
        let real = self.out.join(&self.name);
        let staged = self.root.join(&self.name);
        match fs::symlink_metadata(&real) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::rename(&staged, &real)?,
            Err(e) => return Err(e),
            Ok(md) if md.is_dir() && !md.file_type().is_symlink() => {
                take_others(&real, &staged, &self.snapshot)?;
                fs::set_permissions(&staged, md.permissions())?;
                swap(&staged, &real, &self.root)?;
            }
            Ok(_) => {
                return Err(io::Error::other(format!(
                    "`{}` was replaced by something that is not a folder while capsim ran",
                    real.display()
                )));
            }
        }
        // The swap's renames are durable once the folder holding them is.
        out.sync_all()?;
        Ok(())
    }
}

impl Drop for Transaction {
    /// Removes the staging folder: after a commit it holds the old outputs,
    /// before one the unfinished new ones.
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// The message for a symbolic link found inside `--out`.
fn link_refused(path: &Path) -> String {
    format!(
        "`{}` is a symbolic link: capsim never writes or deletes through a link inside `--out`; remove it or choose another `--out`",
        path.display()
    )
}

/// Why a scenario folder cannot be staged.
enum Refused {
    /// A symbolic link at this path.
    Link(PathBuf),
    /// A fifo, socket or device at this path.
    Special(PathBuf),
    /// This path could not be read or linked.
    Io(PathBuf, io::Error),
}

/// Links every file under `from` into `to` (made already), folders made
/// with the same permissions, and records each file's identity under its
/// path relative to the scenario folder (`rel`). Temporary files of
/// capsim's before this one (`.capsim-*`) are left behind: the swap drops
/// them.
fn link_tree(
    from: &Path,
    to: &Path,
    rel: &Path,
    snapshot: &mut HashMap<PathBuf, FileId>,
) -> Result<(), Refused> {
    let io_at = |p: &Path| {
        let p = p.to_path_buf();
        move |e| Refused::Io(p, e)
    };
    for entry in fs::read_dir(from).map_err(io_at(from))? {
        let entry = entry.map_err(io_at(from))?;
        let path = entry.path();
        // Not followed: the entry's own type.
        let md = fs::symlink_metadata(&path).map_err(io_at(&path))?;
        let name = entry.file_name();
        let (dest, rel) = (to.join(&name), rel.join(&name));
        let kind = md.file_type();
        if kind.is_symlink() {
            return Err(Refused::Link(path));
        } else if kind.is_dir() {
            fs::create_dir(&dest).map_err(io_at(&dest))?;
            fs::set_permissions(&dest, md.permissions()).map_err(io_at(&dest))?;
            link_tree(&path, &dest, &rel, snapshot)?;
        } else if !kind.is_file() {
            return Err(Refused::Special(path));
        } else if !name.to_string_lossy().starts_with(".capsim-") {
            link_or_copy(&path, &dest).map_err(io_at(&path))?;
            snapshot.insert(rel, file_id(&md));
        }
    }
    Ok(())
}

/// A hard link where the file system has them, else a copy.
fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    fs::hard_link(from, to).or_else(|_| fs::copy(from, to).map(|_| ()))
}

/// The identity of the file `md` describes.
fn file_id(md: &fs::Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (md.dev(), md.ino())
    }
    #[cfg(not(unix))]
    {
        // No inode to compare: every file counts as changed, so another
        // command's files are always kept.
        let _ = md;
        (0, 0)
    }
}

/// Brings into `staged` what another command changed in `real` since this
/// one began, where this command left the file alone: a file it added or
/// replaced, a file it removed. What this command wrote itself wins.
fn take_others(real: &Path, staged: &Path, snapshot: &HashMap<PathBuf, FileId>) -> io::Result<()> {
    let mut now = HashMap::new();
    files_under(real, Path::new(""), &mut now)?;
    for (rel, id) in &now {
        if snapshot.get(rel) == Some(id) {
            continue;
        }
        let ours = staged.join(rel);
        let mine = match fs::symlink_metadata(&ours) {
            Ok(md) => Some(file_id(&md)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        // Did this command write (or remove) it? Then its version stands.
        if mine != snapshot.get(rel).copied() {
            continue;
        }
        if let Some(parent) = ours.parent() {
            fs::create_dir_all(parent)?;
        }
        if mine.is_some() {
            fs::remove_file(&ours)?;
        }
        link_or_copy(&real.join(rel), &ours)?;
    }
    let gone: HashSet<&PathBuf> = snapshot.keys().filter(|r| !now.contains_key(*r)).collect();
    for rel in gone {
        let ours = staged.join(rel);
        if fs::symlink_metadata(&ours).is_ok_and(|md| Some(&file_id(&md)) == snapshot.get(rel)) {
            fs::remove_file(&ours)?;
        }
    }
    Ok(())
}

/// Every regular file under `dir`, by its path relative to the scenario
/// folder; links and special files are passed over (they are not capsim's
/// and were refused at the start).
fn files_under(dir: &Path, rel: &Path, into: &mut HashMap<PathBuf, FileId>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let md = fs::symlink_metadata(entry.path())?;
        let rel = rel.join(entry.file_name());
        if md.is_dir() {
            files_under(&entry.path(), &rel, into)?;
        } else if md.is_file() && !entry.file_name().to_string_lossy().starts_with(".capsim-") {
            into.insert(rel, file_id(&md));
        }
    }
    Ok(())
}

/// Exchanges the folders `staged` and `real` (`real` then holds the new
/// outputs, `staged` the old); `root` is the staging folder.
fn swap(staged: &Path, real: &Path, root: &Path) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, staged, CWD, real, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // Not every file system exchanges (NFS, some FUSE): two renames.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    swap_by_renames(staged, real, root)
}

/// [`swap`] where the file system cannot exchange two folders in one step.
fn swap_by_renames(staged: &Path, real: &Path, root: &Path) -> io::Result<()> {
    // The mark first: a command killed between the two renames leaves
    // `real` missing, and the next one puts the staged outputs there.
    let mark = File::create(root.join(DECIDED))?;
    mark.sync_all()?;
    File::open(root)?.sync_all()?;
    fs::rename(real, root.join(OLD))?;
    fs::rename(staged, real)
}

/// Removes the staging folders of commands that were killed (their lock
/// is free), first finishing a two-rename swap that was cut short. A
/// folder that cannot be removed is left: it is hidden and harms nothing.
fn remove_abandoned(out: &Path) {
    let Ok(entries) = fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGE_PREFIX);
        if !ours || !fs::symlink_metadata(&path).is_ok_and(|md| md.is_dir()) {
            continue;
        }
        let Ok(dir) = File::open(&path) else {
            continue;
        };
        // Held: a command is writing there now.
        if dir.try_lock().is_err() {
            continue;
        }
        recover(out, &path);
        let _ = fs::remove_dir_all(&path);
    }
}

/// A killed command's staging folder `root`: when its swap was decided
/// ([`DECIDED`]) and the scenario folder is missing, the staged outputs
/// are complete and go in its place.
fn recover(out: &Path, root: &Path) {
    if !root.join(DECIDED).exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name == DECIDED || name == OLD {
            continue;
        }
        let real = out.join(&name);
        if fs::symlink_metadata(&real).is_err() {
            let _ = fs::rename(entry.path(), real);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        crate::report::atomic::write_atomic(path, text.as_bytes()).unwrap();
    }

    fn read(path: &Path) -> String {
        fs::read_to_string(path).unwrap()
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn nothing_changes_until_commit_then_all_at_once() {
        let out = tempfile::tempdir().unwrap();
        write(&out.path().join("s/base/a.csv"), "old a");
        write(&out.path().join("s/base/b.csv"), "old b");
        let tx = Transaction::begin(out.path(), "s").unwrap();
        let staged = tx.staged_out().join("s/base");
        write(&staged.join("a.csv"), "new a");
        fs::remove_file(staged.join("b.csv")).unwrap();
        write(&staged.join("c.csv"), "new c");
        assert_eq!(read(&out.path().join("s/base/a.csv")), "old a");
        assert_eq!(read(&out.path().join("s/base/b.csv")), "old b");
        assert!(!out.path().join("s/base/c.csv").exists());
        tx.commit().unwrap();
        assert_eq!(read(&out.path().join("s/base/a.csv")), "new a");
        assert!(!out.path().join("s/base/b.csv").exists());
        assert_eq!(read(&out.path().join("s/base/c.csv")), "new c");
        assert_eq!(entries(out.path()), ["s"]);
    }

    #[test]
    fn a_dropped_transaction_leaves_everything_and_no_staging() {
        let out = tempfile::tempdir().unwrap();
        write(&out.path().join("s/base/a.csv"), "old a");
        {
            let tx = Transaction::begin(out.path(), "s").unwrap();
            write(&tx.staged_out().join("s/base/a.csv"), "new a");
            write(&tx.staged_out().join("s/other/x.csv"), "x");
        }
        assert_eq!(read(&out.path().join("s/base/a.csv")), "old a");
        assert_eq!(entries(out.path()), ["s"]);
        assert_eq!(entries(&out.path().join("s")), ["base"]);
    }

    #[test]
    fn a_killed_commands_staging_is_removed_and_a_decided_swap_finished() {
        let out = tempfile::tempdir().unwrap();
        write(&out.path().join("s/base/a.csv"), "old");
        // Killed while running: no lock, no mark.
        write(
            &out.path().join(".capsim-stage-killed/s/base/a.csv"),
            "half",
        );
        // Killed between the two renames of a swap: the old folder parked,
        // the scenario folder missing, the new one staged and decided.
        write(&out.path().join(".capsim-stage-cut/t/base/a.csv"), "new t");
        write(
            &out.path().join(".capsim-stage-cut/.old/base/a.csv"),
            "old t",
        );
        write(&out.path().join(".capsim-stage-cut/.decided"), "");
        // A leftover temporary file of an older capsim.
        write(&out.path().join("s/base/.capsim-x.tmp"), "tmp");
        let tx = Transaction::begin(out.path(), "s").unwrap();
        tx.commit().unwrap();
        assert_eq!(entries(out.path()), ["s", "t"]);
        assert_eq!(read(&out.path().join("t/base/a.csv")), "new t");
        assert_eq!(entries(&out.path().join("s/base")), ["a.csv"]);
    }

    #[test]
    fn a_running_commands_staging_is_left_alone() {
        let out = tempfile::tempdir().unwrap();
        let first = Transaction::begin(out.path(), "s").unwrap();
        let second = Transaction::begin(out.path(), "s").unwrap();
        assert!(first.staged_out().exists());
        drop(second);
        assert!(first.staged_out().exists());
    }

    #[test]
    fn another_commands_files_survive_a_later_commit() {
        let out = tempfile::tempdir().unwrap();
        write(&out.path().join("s/base/a.csv"), "old a");
        write(&out.path().join("s/sweep/sweep.csv"), "old sweep");
        let run = Transaction::begin(out.path(), "s").unwrap();
        let sweep = Transaction::begin(out.path(), "s").unwrap();
        write(&sweep.staged_out().join("s/sweep/sweep.csv"), "new sweep");
        sweep.commit().unwrap();
        write(&run.staged_out().join("s/base/a.csv"), "new a");
        run.commit().unwrap();
        assert_eq!(read(&out.path().join("s/base/a.csv")), "new a");
        assert_eq!(read(&out.path().join("s/sweep/sweep.csv")), "new sweep");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_inside_the_scenario_folder_is_refused() {
        let out = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        fs::create_dir_all(out.path().join("s")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), out.path().join("s/base")).unwrap();
        assert!(Transaction::begin(out.path(), "s").is_err());
        assert_eq!(entries(out.path()), ["s"]);
    }

    #[test]
    fn the_two_rename_swap_keeps_the_old_folder_until_the_staging_goes() {
        let out = tempfile::tempdir().unwrap();
        write(&out.path().join("s/a.csv"), "old");
        let tx = Transaction::begin(out.path(), "s").unwrap();
        write(&tx.staged_out().join("s/a.csv"), "new");
        let (staged, real) = (tx.staged_out().join("s"), out.path().join("s"));
        swap_by_renames(&staged, &real, tx.staged_out()).unwrap();
        assert_eq!(read(&real.join("a.csv")), "new");
        assert_eq!(read(&tx.staged_out().join(".old/a.csv")), "old");
        drop(tx);
        assert_eq!(entries(out.path()), ["s"]);
    }

    #[test]
    fn shown_paths_leave_the_staging_folder_out() {
        let p = Path::new("out/.capsim-stage-ab12cd34/demo/base/latency.png");
        assert_eq!(shown(p), Path::new("out/demo/base/latency.png"));
    }
}
