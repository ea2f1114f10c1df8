//! Reusable histogram buffers, so growing a tree allocates only while the
//! pool warms up.

use super::HistBin;

pub(crate) struct HistPool<B> {
    len: usize,
    free: Vec<Vec<B>>,
}

impl<B: HistBin> HistPool<B> {
    pub fn new(len: usize) -> HistPool<B> {
        HistPool {
            len,
            free: Vec::new(),
        }
    }

    /// A zeroed histogram.
    pub fn take(&mut self) -> Vec<B> {
        match self.free.pop() {
            Some(mut h) => {
                h.fill(B::default());
                h
            }
            None => vec![B::default(); self.len],
        }
    }

    /// Returns a histogram for reuse.
    pub fn give(&mut self, h: Vec<B>) {
        debug_assert_eq!(h.len(), self.len);
        self.free.push(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::histogram::BinStat;

    #[test]
    fn reused_buffers_come_back_zeroed() {
        let mut pool = HistPool::<BinStat>::new(4);
        let mut h = pool.take();
        h[2].g = 5.0;
        pool.give(h);
        let h = pool.take();
        assert!(h.iter().all(|b| *b == BinStat::default()));
        assert_eq!(h.len(), 4);
    }
}
