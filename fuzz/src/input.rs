//! What all targets share: one executor, and reading options from the
//! first bytes of an input.

use std::sync::OnceLock;

use gbdt_core::Executor;

/// One worker: the fuzzer runs one process per core already, and results do
/// not depend on the thread count.
pub fn exec() -> &'static Executor {
    static EXEC: OnceLock<Executor> = OnceLock::new();
    EXEC.get_or_init(|| Executor::new(1).expect("one thread is a valid executor"))
}

/// The first byte (0 for an empty input) and the rest: targets read their
/// options from the byte, so mutations explore options and data together.
pub fn split_first(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&b, rest)) => (b, rest),
        None => (0, data),
    }
}

/// The text before the first line break and the bytes after it.
pub fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}
