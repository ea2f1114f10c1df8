//! What reading data on several ranks exchanges, over gbdt-core's
//! [`Collective`]: whether every rank's step succeeded, and small
//! summaries (counts, column types, distinct values) in a compact byte
//! form. Every rank calls these in the same order; on one rank they
//! exchange nothing.

use gbdt_core::Collective;

use crate::error::{Error, Result};

/// Every rank's `result` agreed: when any rank failed, every rank returns
/// an error (its own, or one naming the first rank that failed and why), so
/// that no rank goes on to wait in an exchange alone.
pub(crate) fn agree<T>(result: Result<T>, c: &dyn Collective) -> Result<T> {
    gbdt_core::agree_on(result, c, other_rank)
}

pub(crate) fn other_rank(rank: usize, message: String) -> Error {
    Error::Core {
        source: gbdt_core::Error::OtherRank { rank, message },
    }
}

/// Every rank's `u64` values (the same number on each), in rank order.
pub(crate) fn gather_u64(c: &dyn Collective, mine: &[u64]) -> Vec<Vec<u64>> {
    let mut w = Wire::default();
    mine.iter().for_each(|&v| w.u64(v));
    c.all_gather(&w.0)
        .iter()
        .map(|b| {
            let mut r = Read(b);
            (0..mine.len()).map(|_| r.u64()).collect()
        })
        .collect()
}

/// Bytes being written for an exchange.
#[derive(Default)]
pub(crate) struct Wire(pub Vec<u8>);

impl Wire {
    pub(crate) fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub(crate) fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
}

/// Bytes of an exchange being read back, in the order [`Wire`] wrote them
/// (by this very program on another rank, so a short buffer is a bug).
pub(crate) struct Read<'b>(pub &'b [u8]);

impl Read<'_> {
    pub(crate) fn u64(&mut self) -> u64 {
        let (head, rest) = self.0.split_at(8);
        self.0 = rest;
        u64::from_le_bytes(head.try_into().expect("8 bytes"))
    }
    pub(crate) fn f64(&mut self) -> f64 {
        f64::from_bits(self.u64())
    }
    pub(crate) fn string(&mut self) -> String {
        let n = self.u64() as usize;
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(head).into_owned()
    }
}

/// Sorted distinct texts over every rank (each rank's own, sorted: text in
/// byte order; numbers sorted by value with `numbers` their values).
pub(crate) fn union_texts(
    mine: Vec<String>,
    numbers: Option<Vec<f64>>,
    c: &dyn Collective,
) -> Vec<String> {
    if c.size() == 1 {
        return mine;
    }
    let mut w = Wire::default();
    w.u64(mine.len() as u64);
    for (i, t) in mine.iter().enumerate() {
        w.str(t);
        w.f64(numbers.as_ref().map_or(0.0, |n| n[i]));
    }
    let mut all: Vec<(f64, String)> = Vec::new();
    for b in c.all_gather(&w.0) {
        let mut r = Read(&b);
        let n = r.u64() as usize;
        for _ in 0..n {
            let t = r.string();
            all.push((r.f64(), t));
        }
    }
    match numbers {
        Some(_) => {
            all.sort_by(|a, b| a.0.total_cmp(&b.0));
            all.dedup_by(|b, a| a.0 == b.0);
        }
        None => {
            all.sort_by(|a, b| a.1.cmp(&b.1));
            all.dedup_by(|b, a| a.1 == b.1);
        }
    }
    all.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gbdt_core::InProcess;

    fn on_ranks<R: Send>(n: usize, f: impl Fn(InProcess) -> R + Sync) -> Vec<R> {
        std::thread::scope(|s| {
            let f = &f;
            let running: Vec<_> = InProcess::group(n)
                .into_iter()
                .map(|r| s.spawn(move || f(r)))
                .collect();
            running.into_iter().map(|t| t.join().unwrap()).collect()
        })
    }

    #[test]
    fn one_failure_stops_every_rank_and_names_it() {
        let out = on_ranks(3, |r| {
            let mine = match r.rank() {
                1 => Err(Error::NoDataRows {
                    path: "part-1.csv".into(),
                }),
                k => Ok(k),
            };
            agree(mine, &r).map_err(|e| e.to_string())
        });
        assert!(out[1].as_ref().unwrap_err().contains("part-1.csv"));
        for k in [0, 2] {
            let e = out[k].as_ref().unwrap_err();
            assert!(
                e.starts_with("rank 1 failed: ") && e.contains("part-1.csv"),
                "{e}"
            );
        }
        let fine = on_ranks(2, |r| agree(Ok::<_, Error>(r.rank()), &r).ok());
        assert_eq!(fine, [Some(0), Some(1)]);
    }

    #[test]
    fn wire_round_trips() {
        let mut w = Wire::default();
        w.u64(7);
        w.str("é,x");
        w.f64(-0.5);
        let mut r = Read(&w.0);
        assert_eq!((r.u64(), r.string(), r.f64()), (7, "é,x".to_string(), -0.5));
        let got = on_ranks(2, |r| gather_u64(&r, &[r.rank() as u64, 9]));
        assert_eq!(got[1], [vec![0, 9], vec![1, 9]]);
    }
}
