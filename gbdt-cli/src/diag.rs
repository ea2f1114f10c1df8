//! Diagnostics on stderr that never fail.
//!
//! `eprint!` panics when stderr is closed or full (`gbdt train ... 2>&1 |
//! head -3`, `2>/dev/full`), and a panic inside the panic hook aborts with
//! exit 134. Diagnostics are a side channel: losing them must not change what
//! a command does or its exit code, and there is nowhere left to report that
//! stderr failed. So everything gbdt writes to stderr goes through this
//! module, which drops write errors (EPIPE, ENOSPC, EIO, ...).

use std::fmt::Display;
use std::io::{self, Write};

/// stderr with write errors dropped, for code that wants a [`Write`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        text_bytes(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}

/// Writes `text` to stderr as it is, in one locked write.
pub fn text(text: &str) {
    text_bytes(text.as_bytes());
}

fn text_bytes(bytes: &[u8]) {
    let _ = io::stderr().lock().write_all(bytes);
}

/// Writes one diagnostic line, `gbdt: {msg}`.
pub fn say(msg: impl Display) {
    text(&format!("gbdt: {msg}\n"));
}
