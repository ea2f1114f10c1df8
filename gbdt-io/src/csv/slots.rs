//! Every number column's `f32` buffer, shared by all chunks: chunk `k` owns
//! the disjoint slot `offsets[k]..offsets[k] + bounds[k]`, so numbers are
//! parsed straight into their final place and never copied. A bound is the
//! most rows a chunk can have (its record terminators, plus one when bytes
//! follow the last).

/// Column buffers and where each chunk's slot starts.
pub(crate) struct Slots {
    pub columns: Vec<Vec<f32>>,
    pub offsets: Vec<usize>,
}

impl Slots {
    /// Buffers of `bounds.iter().sum()` rows for the `numeric` columns (the
    /// others get none). Untouched pages of a large zeroed allocation cost
    /// no memory.
    pub(crate) fn new(numeric: impl Iterator<Item = bool>, bounds: &[usize]) -> Self {
        let total: usize = bounds.iter().sum();
        let columns = numeric
            .map(|n| if n { vec![0f32; total] } else { Vec::new() })
            .collect();
        let mut offsets = Vec::with_capacity(bounds.len());
        let mut at = 0;
        for b in bounds {
            offsets.push(at);
            at += b;
        }
        Slots { columns, offsets }
    }

    /// Per chunk, per column: the chunk's slot (empty for columns without
    /// a buffer).
    pub(crate) fn cut(&mut self, bounds: &[usize]) -> Vec<Vec<&mut [f32]>> {
        let mut out: Vec<Vec<&mut [f32]>> = bounds
            .iter()
            .map(|_| Vec::with_capacity(self.columns.len()))
            .collect();
        for col in &mut self.columns {
            let mut rest: &mut [f32] = col.as_mut_slice();
            for (k, &size) in bounds.iter().enumerate() {
                if rest.is_empty() {
                    out[k].push(&mut []);
                } else {
                    let (slot, tail) = rest.split_at_mut(size);
                    out[k].push(slot);
                    rest = tail;
                }
            }
        }
        out
    }
}

/// The most records `data` (with `newlines` `\n` and `crs` `\r` bytes) can
/// hold: a record ends at `\n`, at a `\r` not followed by `\n`, or at the
/// end of the data when bytes follow the last of those.
pub(crate) fn max_records(data: &[u8], newlines: usize, crs: usize) -> usize {
    let lone_cr = if crs > 0 {
        data.iter()
            .enumerate()
            .filter(|&(i, &b)| b == b'\r' && data.get(i + 1) != Some(&b'\n'))
            .count()
    } else {
        0
    };
    // Bytes after the last terminator make one more record. A chunk that
    // ends with its terminator gets no spare row, so slots need no moving.
    let unterminated = !matches!(data.last(), None | Some(b'\n' | b'\r'));
    newlines + lone_cr + usize::from(unterminated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_disjoint_and_bounds_count_terminators() {
        let bounds = [2, 0, 3];
        let mut slots = Slots::new([true, false].into_iter(), &bounds);
        assert_eq!(slots.offsets, [0, 2, 2]);
        let cut = slots.cut(&bounds);
        let lens: Vec<Vec<usize>> = cut
            .iter()
            .map(|c| c.iter().map(|s| s.len()).collect())
            .collect();
        assert_eq!(lens, [vec![2, 0], vec![0, 0], vec![3, 0]]);
        assert_eq!(max_records(b"a\nb\r\nc\rd", 2, 2), 4);
        assert_eq!(max_records(b"a\nb\r\nc\r", 2, 2), 3);
        assert_eq!(max_records(b"a\n\n", 2, 0), 2);
        assert_eq!(max_records(b"", 0, 0), 0);
    }
}
