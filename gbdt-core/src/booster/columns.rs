//! One output's per-row values, contiguous. The objective writes gradients
//! rows × outputs (a row's outputs together, as softmax needs them), but a
//! tree reads one output at rows in partition order: from a row-major
//! array each read pulls a cache line of the other outputs too (7 classes:
//! 7 times the bytes). So with several outputs, each round's values are
//! copied once into one column per output.

use crate::parallel::Executor;

/// The round's values by output; empty with one output (the row-major
/// values are then the column).
#[derive(Debug, Default)]
pub(super) struct Columns<T> {
    data: Vec<T>,
}

impl<T: Copy + Default + Send + Sync> Columns<T> {
    /// Copies `rows_major` (rows × `k`) into `k` columns, in parallel by
    /// output; keeps nothing when `k` is 1.
    pub fn fill(&mut self, rows_major: &[T], k: usize, exec: &Executor) {
        if k <= 1 {
            self.data.clear();
            return;
        }
        let n = rows_major.len() / k;
        self.data.resize(rows_major.len(), T::default());
        exec.for_each_chunk_mut_sized(&mut self.data, n, rows_major.len(), |o, col| {
            for (c, &v) in col.iter_mut().zip(rows_major[o..].iter().step_by(k)) {
                *c = v;
            }
        });
    }

    /// Output `output`'s values, one per row: a column of the last
    /// [`Columns::fill`], or `rows_major` itself with one output.
    pub fn column<'s>(&'s self, rows_major: &'s [T], k: usize, output: usize) -> &'s [T] {
        if k <= 1 {
            return rows_major;
        }
        let n = rows_major.len() / k;
        &self.data[output * n..(output + 1) * n]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_hold_each_output_in_row_order() {
        let rows_major: Vec<u32> = (0..3 * 50_000).collect();
        for threads in [1, 2] {
            let exec = Executor::new(threads).unwrap();
            let mut c = Columns::default();
            c.fill(&rows_major, 3, &exec);
            for o in 0..3 {
                let want: Vec<u32> = (0..50_000).map(|r| r * 3 + o as u32).collect();
                assert_eq!(c.column(&rows_major, 3, o), &want[..]);
            }
            c.fill(&rows_major, 1, &exec);
            assert_eq!(c.column(&rows_major, 1, 0), &rows_major[..]);
        }
    }
}
