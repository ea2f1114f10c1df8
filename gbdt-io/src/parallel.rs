//! The only place gbdt-io touches rayon: run independent jobs on the global
//! pool and collect their results in order.

use rayon::prelude::*;

/// `f(0), f(1), ..., f(n - 1)` in parallel, results in index order.
pub(crate) fn map_indices<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    (0..n).into_par_iter().map(f).collect()
}

/// Runs `f` on disjoint mutable chunks of `out` (`chunk` elements each, the
/// last may be shorter), passing the chunk index.
pub(crate) fn for_each_chunk_mut<T: Send>(
    out: &mut [T],
    chunk: usize,
    f: impl Fn(usize, &mut [T]) + Sync + Send,
) {
    out.par_chunks_mut(chunk.max(1))
        .enumerate()
        .for_each(|(i, c)| f(i, c));
}

/// `f` applied to every element of `items` in parallel, results in order.
pub(crate) fn map_vec<T: Send, U: Send>(items: Vec<T>, f: impl Fn(T) -> U + Sync + Send) -> Vec<U> {
    items.into_par_iter().map(f).collect()
}

/// `f(buffer, item)` for every item in parallel, results in order; each
/// worker reuses one byte buffer across its items.
pub(crate) fn map_with_buffer<T: Send, U: Send>(
    items: Vec<T>,
    f: impl Fn(&mut Vec<u8>, T) -> U + Sync + Send,
) -> Vec<U> {
    items.into_par_iter().map_init(Vec::new, f).collect()
}

/// Reads a whole file; large files are read in parallel slices with
/// positioned reads, so the copy from the page cache uses every core.
pub(crate) fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        const MIN_PARALLEL: u64 = 16 << 20;
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        let parts = threads() as u64;
        if len >= MIN_PARALLEL && parts > 1 && usize::try_from(len).is_ok() {
            let mut buf = vec![0u8; len as usize];
            let slice = (len as usize).div_ceil(parts as usize);
            let results: Vec<std::io::Result<()>> = buf
                .par_chunks_mut(slice)
                .enumerate()
                .map(|(i, chunk)| file.read_exact_at(chunk, (i * slice) as u64))
                .collect();
            // A file that changed size while being read: read it plainly.
            let unchanged = file.metadata().map(|m| m.len() == len).unwrap_or(false);
            if results.iter().all(|r| r.is_ok()) && unchanged {
                return Ok(buf);
            }
        }
    }
    std::fs::read(path)
}

/// Threads in the global pool (at least 1).
pub(crate) fn threads() -> usize {
    rayon::current_num_threads().max(1)
}
