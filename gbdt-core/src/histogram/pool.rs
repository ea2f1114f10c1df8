//! Reusable histogram buffers, so growing a tree allocates only while the
//! pool warms up.

use super::BinStat;

pub(crate) struct HistPool {
    len: usize,
    free: Vec<Vec<BinStat>>,
}

impl HistPool {
    pub fn new(len: usize) -> HistPool {
        HistPool {
            len,
            free: Vec::new(),
        }
    }

    /// A zeroed histogram.
    pub fn take(&mut self) -> Vec<BinStat> {
        match self.free.pop() {
            Some(mut h) => {
                h.fill(BinStat::default());
                h
            }
            None => vec![BinStat::default(); self.len],
        }
    }

    /// Returns a histogram for reuse.
    pub fn give(&mut self, h: Vec<BinStat>) {
        debug_assert_eq!(h.len(), self.len);
        self.free.push(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reused_buffers_come_back_zeroed() {
        let mut pool = HistPool::new(4);
        let mut h = pool.take();
        h[2].g = 5.0;
        pool.give(h);
        let h = pool.take();
        assert!(h.iter().all(|b| *b == BinStat::default()));
        assert_eq!(h.len(), 4);
    }
}
