//! Atomic file writes: a temporary file in the same directory, flushed to
//! disk, then renamed over the target, so a crash leaves either the old file
//! or the new one.
//!
//! A symlink to a regular file is resolved first, so the target is replaced
//! and the link stays a link. Device nodes, FIFOs and sockets (`/dev/null`, a
//! named pipe), and anything reached through `/proc` (`/dev/stdout`,
//! `/dev/fd/1`) are written through instead: replacing them would destroy
//! them, and renaming over them is not atomic anyway.
//!
//! Temporary files are named `.NAME.gbdt-tmp-PID-N` next to the target and
//! removed on every error; only a kill (SIGKILL, power loss) can leave one
//! behind, and such leftovers can be deleted.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What the name of every temporary file of an atomic write contains.
pub const TEMP_MARKER: &str = ".gbdt-tmp-";

/// Symlinks followed before giving up, like the kernel's limit.
const MAX_LINKS: usize = 40;

/// Where the bytes of an output path go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// Opened and written in place: a device, FIFO, socket or `/proc` file.
    Through(PathBuf),
    /// A regular file (or none yet): replaced by renaming a temporary file
    /// in `dir` onto `file`.
    Replace { file: PathBuf, dir: PathBuf },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Error {
    let path = path.to_path_buf();
    move |source| Error::Io {
        path,
        action,
        source,
    }
}

/// The directory of `path`, `.` for a bare file name.
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// True when `path` lies in `/proc`, where links such as `/proc/self/fd/1`
/// name open files, not paths.
fn in_proc(path: &Path) -> bool {
    fs::canonicalize(dir_of(path)).is_ok_and(|d| d.starts_with("/proc"))
}

/// Follows symlinks from `path` and decides how to write it.
fn resolve(path: &Path) -> Result<Target> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if in_proc(&p) {
            return Ok(Target::Through(p));
        }
        let meta = match fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => break,
            Err(e) => return Err(io_error("inspect output path", &p)(e)),
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let link = fs::read_link(&p).map_err(io_error("read symlink", &p))?;
            p = dir_of(&p).join(link);
        } else if kind.is_dir() {
            return Err(io_error("write", path)(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory; give a file name",
            )));
        } else if kind.is_file() {
            break;
        } else {
            return Ok(Target::Through(p));
        }
    }
    if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io_error("resolve", path)(io::Error::other(
            "too many levels of symbolic links",
        )));
    }
    let dir = dir_of(&p).to_path_buf();
    if p.file_name().is_none() {
        return Err(Error::Encode {
            path: path.to_path_buf(),
            reason: "the path does not end in a file name".to_string(),
        });
    }
    Ok(Target::Replace { file: p, dir })
}

/// A new temporary file next to `file`, named `.NAME.gbdt-tmp-PID-N`. A
/// name that exists already belongs to another process with the same PID
/// (another container sharing the directory, e.g. MPI ranks writing to one
/// volume): the next `N` is tried.
fn create_temp(file: &Path, dir: &Path) -> Result<(File, PathBuf)> {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let mut tries = 0;
    loop {
        let tmp = dir.join(format!(
            ".{name}{TEMP_MARKER}{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 64 => tries += 1,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(io_error("write to directory", dir)(io::Error::new(
                    e.kind(),
                    "it does not exist; create it or choose another path",
                )))
            }
            Err(e) => return Err(io_error("create a file in directory", dir)(e)),
        }
    }
}

/// Checks, without touching it, that `path` can be written later: it is
/// not a directory, and a temporary file can be created (and is removed
/// again) next to its target. Devices and FIFOs are not opened.
///
/// ```
/// let dir = std::env::temp_dir();
/// assert!(gbdt_io::check_writable(&dir.join("model.gbdt")).is_ok());
/// assert!(gbdt_io::check_writable(&dir).is_err());
/// assert!(gbdt_io::check_writable(std::path::Path::new("/no/such/dir/m.gbdt")).is_err());
/// ```
pub fn check_writable(path: &Path) -> Result<()> {
    match resolve(path)? {
        // Not opened (a FIFO would block), but it must exist: nothing can
        // be created in /proc.
        Target::Through(p) => fs::metadata(&p).map(drop).map_err(io_error("write", &p)),
        Target::Replace { file, dir } => {
            let (f, tmp) = create_temp(&file, &dir)?;
            drop(f);
            fs::remove_file(&tmp).map_err(io_error("remove temporary file", &tmp))
        }
    }
}

/// An output file written atomically: bytes go to a temporary file, and
/// [`commit`](AtomicFile::commit) moves it over the target. Dropped without
/// a commit, the temporary file is removed and the target is untouched.
/// Devices, FIFOs and `/proc` paths are written through (see the module).
///
/// ```
/// use std::io::Write;
/// let path = std::env::temp_dir().join(format!("gbdt-doc-{}.csv", std::process::id()));
/// let mut out = gbdt_io::AtomicFile::create(&path)?;
/// out.write_all(b"prediction\n0.5\n")?;
/// out.commit()?;
/// assert_eq!(std::fs::read_to_string(&path)?, "prediction\n0.5\n");
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    file: File,
    /// The temporary file and the target, for a replaced file.
    replace: Option<(PathBuf, PathBuf)>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> Result<AtomicFile> {
        match resolve(path)? {
            Target::Through(p) => {
                // Append: `-o /dev/stdout >> log` must not overwrite the log.
                let file = OpenOptions::new()
                    .append(true)
                    .open(&p)
                    .map_err(io_error("open", &p))?;
                Ok(AtomicFile {
                    file,
                    replace: None,
                })
            }
            Target::Replace { file: target, dir } => {
                let (file, tmp) = create_temp(&target, &dir)?;
                if let Ok(m) = fs::metadata(&target) {
                    // Keep the permissions of the file being replaced.
                    let _ = file.set_permissions(m.permissions());
                }
                Ok(AtomicFile {
                    file,
                    replace: Some((tmp, target)),
                })
            }
        }
    }

    /// Flushes the bytes to disk and moves them into place.
    pub fn commit(mut self) -> Result<()> {
        let Some((tmp, target)) = self.replace.take() else {
            return Ok(());
        };
        let result = (|| {
            self.file
                .sync_all()
                .map_err(io_error("flush temporary file", &tmp))?;
            fs::rename(&tmp, &target).map_err(io_error("move the new file into place at", &target))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
            return result;
        }
        // Make the rename itself durable; not every platform can sync a directory.
        if let Ok(d) = File::open(dir_of(&target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some((tmp, _)) = self.replace.take() {
            let _ = fs::remove_file(tmp);
        }
    }
}

pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)
        .map_err(io_error("write temporary file for", path))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("gbdt-atomic-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(TEMP_MARKER))
            .collect()
    }

    #[test]
    fn replaces_a_file_and_leaves_no_temporary_file() {
        let d = temp_dir("replace");
        let p = d.join("m.gbdt");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert!(leftovers(&d).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn an_uncommitted_file_keeps_the_old_one() {
        let d = temp_dir("drop");
        let p = d.join("out.csv");
        fs::write(&p, "old").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"half").unwrap();
        let names = leftovers(&d);
        assert_eq!(names.len(), 1);
        assert!(names[0].starts_with(".out.csv.gbdt-tmp-"), "{names:?}");
        drop(f);
        assert_eq!(fs::read_to_string(&p).unwrap(), "old");
        assert!(leftovers(&d).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_a_link_and_its_target_is_replaced() {
        let d = temp_dir("link");
        fs::create_dir(d.join("real")).unwrap();
        fs::write(d.join("real/m.gbdt"), "old").unwrap();
        std::os::unix::fs::symlink("real/m.gbdt", d.join("link.gbdt")).unwrap();
        write_atomic(&d.join("link.gbdt"), b"new").unwrap();
        let meta = fs::symlink_metadata(d.join("link.gbdt")).unwrap();
        assert!(meta.file_type().is_symlink());
        assert_eq!(fs::read(d.join("real/m.gbdt")).unwrap(), b"new");
        assert!(leftovers(&d).is_empty() && leftovers(&d.join("real")).is_empty());
        // A dangling link creates its target.
        std::os::unix::fs::symlink("real/new.gbdt", d.join("dangling")).unwrap();
        write_atomic(&d.join("dangling"), b"x").unwrap();
        assert_eq!(fs::read(d.join("real/new.gbdt")).unwrap(), b"x");
        fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn devices_and_proc_links_are_written_through() {
        assert_eq!(
            resolve(Path::new("/dev/null")).unwrap(),
            Target::Through("/dev/null".into())
        );
        assert!(matches!(
            resolve(Path::new("/dev/stdout")).unwrap(),
            Target::Through(_)
        ));
        write_atomic(Path::new("/dev/null"), b"gone").unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        check_writable(Path::new("/dev/null")).unwrap();
        assert!(check_writable(Path::new("/proc/self/no-such-file")).is_err());
    }

    #[test]
    fn directories_and_missing_directories_are_refused() {
        let d = temp_dir("dirs");
        let e = check_writable(&d).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
        let e = check_writable(&d.join("missing/m.gbdt"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist") && e.contains("missing"), "{e}");
        check_writable(&d.join("m.gbdt")).unwrap();
        assert!(leftovers(&d).is_empty());
        assert!(!d.join("m.gbdt").exists());
        fs::remove_dir_all(&d).unwrap();
    }
}
