//! Where CSV bytes come from: bytes already in memory, or a file read in
//! pieces with positioned reads, so a large file is never in memory at once
//! and workers read their own pieces.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Mutex;

/// CSV bytes: in memory, or an open file.
pub(crate) enum Source {
    Memory(Vec<u8>),
    File(FileSource),
}

impl Source {
    /// Opens a file (its length is fixed now; a file that grows while it
    /// is read is read up to this length).
    pub(crate) fn open(path: &Path) -> io::Result<Source> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Source::File(FileSource {
            file,
            len,
            seek_lock: Mutex::new(()),
        }))
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Source::Memory(bytes) => bytes.len() as u64,
            Source::File(f) => f.len,
        }
    }

    /// Bytes `[a, b)` (clamped to the length): a slice of the memory, or
    /// the file's bytes read into `buf`.
    pub(crate) fn window<'s>(
        &'s self,
        a: u64,
        b: u64,
        buf: &'s mut Vec<u8>,
    ) -> io::Result<&'s [u8]> {
        let b = b.min(self.len());
        let a = a.min(b);
        match self {
            Source::Memory(bytes) => Ok(&bytes[a as usize..b as usize]),
            Source::File(f) => {
                buf.resize((b - a) as usize, 0);
                f.read_at(buf, a)?;
                Ok(&buf[..])
            }
        }
    }

    /// The start of the line holding byte `pos`, or `pos` itself when a
    /// line starts there: the first offset `>= pos` just after a `\n` (the
    /// length when there is none). `pos` must be above 0.
    pub(crate) fn line_start_from(&self, pos: u64, buf: &mut Vec<u8>) -> io::Result<u64> {
        // Lines are usually short: look at a few KiB first, then more.
        let mut step: u64 = 4 << 10;
        let len = self.len();
        let mut at = pos.saturating_sub(1);
        while at < len {
            let window = self.window(at, at + step, buf)?;
            if let Some(i) = window.iter().position(|&b| b == b'\n') {
                return Ok(at + i as u64 + 1);
            }
            at += step;
            step = (step * 2).min(1 << 20);
        }
        Ok(len)
    }
}

/// An open file and its length.
pub(crate) struct FileSource {
    file: File,
    len: u64,
    /// Serialises seek + read where there are no positioned reads.
    #[cfg_attr(unix, allow(dead_code))]
    seek_lock: Mutex<()>,
}

impl FileSource {
    /// Fills `buf` from offset `at`; several threads may call it at once.
    /// A file that ends before `buf` is full was truncated (or replaced)
    /// after it was opened: an error that says so, never a short buffer.
    fn read_at(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        #[cfg(unix)]
        let read = std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, at);
        #[cfg(not(unix))]
        let read = self.read_at_seeking(buf, at);
        read.map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => self.truncated(at, buf.len()),
            _ => e,
        })
    }

    fn truncated(&self, at: u64, wanted: usize) -> io::Error {
        let now = self.file.metadata().map(|m| m.len());
        let now = now.map_or_else(|_| "unknown".to_string(), |n| format!("{n} bytes"));
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "the file ended early: {wanted} bytes at offset {at} are missing (it had {} bytes when \
                 opened, now {now}); it was truncated or replaced while being read, so read it again \
                 once it is complete",
                self.len
            ),
        )
    }

    /// The portable read: seek then read, under a lock (the file position
    /// is shared by every thread).
    #[cfg_attr(unix, allow(dead_code))]
    fn read_at_seeking(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let _guard = self.seek_lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = &self.file;
        file.seek(SeekFrom::Start(at))?;
        file.read_exact(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_memory_windows_agree() {
        let dir = std::env::temp_dir().join(format!("gbdt-io-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.csv");
        let bytes = b"ab\ncd\n\nefg".to_vec();
        std::fs::write(&path, &bytes).unwrap();
        let file = Source::open(&path).unwrap();
        let mem = Source::Memory(bytes);
        let (mut b1, mut b2) = (Vec::new(), Vec::new());
        for (a, b) in [(0, 3), (2, 7), (5, 99), (20, 30)] {
            assert_eq!(
                file.window(a, b, &mut b1).unwrap(),
                mem.window(a, b, &mut b2).unwrap()
            );
        }
        let starts: Vec<u64> = (1..12)
            .map(|p| mem.line_start_from(p, &mut b1).unwrap())
            .collect();
        assert_eq!(starts, [3, 3, 3, 6, 6, 6, 7, 10, 10, 10, 10]);
        for p in 1..12 {
            assert_eq!(
                file.line_start_from(p, &mut b1).unwrap(),
                starts[p as usize - 1]
            );
        }
        // The portable read gives the same bytes as the positioned one.
        let Source::File(f) = &file else { panic!() };
        let mut buf = [0u8; 4];
        f.read_at_seeking(&mut buf, 3).unwrap();
        assert_eq!(&buf, b"cd\n\n");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_truncated_after_opening_is_an_error_not_a_short_read() {
        let dir = std::env::temp_dir().join(format!("gbdt-io-trunc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.csv");
        std::fs::write(&path, b"a,b\n1,2\n3,4\n").unwrap();
        let src = Source::open(&path).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(6))
            .unwrap();
        let mut buf = Vec::new();
        let e = src.window(4, 12, &mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let text = e.to_string();
        assert!(
            text.contains("it had 12 bytes when opened, now 6 bytes"),
            "{text}"
        );
        assert!(
            text.contains("truncated or replaced while being read"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
