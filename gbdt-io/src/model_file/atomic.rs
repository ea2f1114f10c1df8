//! Atomic file writes: a temporary file in the same directory, flushed to
//! disk, then renamed over the target, so a crash leaves either the old file
//! or the new one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io_err = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            path: p,
            action,
            source,
        }
    };
    let Some(name) = path.file_name() else {
        return Err(Error::Encode {
            path: path.to_path_buf(),
            reason: "the path does not end in a file name".to_string(),
        });
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io_err("create temporary model file", &tmp))?;
        f.write_all(bytes)
            .map_err(io_err("write temporary model file", &tmp))?;
        f.sync_all()
            .map_err(io_err("flush temporary model file", &tmp))?;
        drop(f);
        fs::rename(&tmp, path).map_err(io_err("move the new model into place at", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    // Make the rename itself durable; not every platform can sync a directory.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
