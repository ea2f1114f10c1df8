//! Rows binned by the forest's own thresholds, so that nodes compare small
//! integers.
//!
//! Per feature split on numerically, the sorted distinct thresholds `t`
//! of the forest, and two codes per value, so that a node's split is one
//! unsigned compare whichever way its missing values go. With
//! `r = #{i : t[i] < v}`, the low code is `1 + r` (0 for a missing value)
//! and the high code is `r` (`t.len()` for a missing value). Then
//! `v <= t[j]` exactly when `low <= j + 1`, and exactly when
//! `high <= j`: a node whose missing values go left reads the low code
//! against the bound `j + 1` (missing, 0, goes left), a node whose missing
//! values go right reads the high code against `j` (missing, `t.len()`,
//! goes right). So every row reaches the leaf the float compare gives.
//! A categorical feature's two codes are both its category, or `n` for
//! missing and unseen values, as a walk on raw values computes it at each
//! node.

use super::walk::GROUP;
use crate::tree::FlatNode;

/// The bin codes of a forest's features.
#[derive(Debug)]
pub(super) struct Bins {
    /// Each feature split on, by index, and how its values become codes.
    columns: Vec<(usize, Column)>,
    /// The largest code of any feature.
    max_code: u32,
}

#[derive(Debug)]
enum Column {
    /// The sorted distinct thresholds.
    Cuts(Vec<f32>),
    /// The number of categories.
    Categories(u32),
}

/// `#{i : cuts[i] < v}` for each value of `vs` (0 for NaN), for sorted,
/// non-empty `cuts`. The searches (of a group's rows) take the same steps,
/// one row of selects per step, so they overlap instead of waiting on each
/// other's loads.
#[inline(always)]
fn ranks<const N: usize>(cuts: &[f32], vs: &[f32; N]) -> [usize; N] {
    let mut base = [0usize; N];
    // Invariant: `base[i] + size <= cuts.len()` for every `i`.
    let mut size = cuts.len();
    while size > 1 {
        let half = size / 2;
        for (b, &v) in base.iter_mut().zip(vs) {
            *b = std::hint::select_unpredictable(cuts[*b + half] < v, *b + half, *b);
        }
        size -= half;
    }
    std::array::from_fn(|i| base[i] + (cuts[base[i]] < vs[i]) as usize)
}

impl Column {
    /// The low and high codes (see the module docs) of each value of `vs`.
    #[inline(always)]
    fn codes<const N: usize>(&self, vs: &[f32; N]) -> [(u32, u32); N] {
        match self {
            Column::Cuts(cuts) => {
                let ranks = ranks(cuts, vs);
                std::array::from_fn(|i| match vs[i].is_nan() {
                    true => (0, cuts.len() as u32),
                    false => (1 + ranks[i] as u32, ranks[i] as u32),
                })
            }
            Column::Categories(n) => std::array::from_fn(|i| {
                let v = vs[i];
                let code = if v >= 0.0 && v < *n as f32 {
                    v as u32
                } else {
                    *n
                };
                (code, code)
            }),
        }
    }

    fn max_code(&self) -> u32 {
        match self {
            Column::Cuts(cuts) => cuts.len() as u32 + 1,
            Column::Categories(n) => *n,
        }
    }
}

/// A bin code stored in a block of rows.
pub(super) trait Code: Copy + Default {
    const MAX: u32;
    fn from_code(code: u32) -> Self;
}

impl Code for u8 {
    const MAX: u32 = u8::MAX as u32;
    #[inline(always)]
    fn from_code(code: u32) -> u8 {
        code as u8
    }
}

impl Code for u16 {
    const MAX: u32 = u16::MAX as u32;
    #[inline(always)]
    fn from_code(code: u32) -> u16 {
        code as u16
    }
}

impl Bins {
    /// The codes of the features `nodes` split on, with each split node's
    /// feature rewritten to the code it reads (`2 * feature` for the low
    /// code, `2 * feature + 1` for the high one) and each numeric node's
    /// split to its bound on that code (`j + default_left` for the
    /// threshold `t[j]`). `None`, and `nodes` unchanged, when a
    /// threshold is NaN, a feature has both kinds of split or categorical
    /// splits with different numbers of categories, or a code would not
    /// fit 16 bits.
    pub fn new(nodes: &mut [FlatNode]) -> Option<Bins> {
        let mut by_feature: Vec<Option<Column>> = Vec::new();
        for (i, nd) in nodes.iter().enumerate() {
            if nd.is_leaf_at(i as u32) {
                continue;
            }
            let f = nd.feature as usize;
            if by_feature.len() <= f {
                by_feature.resize_with(f + 1, || None);
            }
            match (&mut by_feature[f], nd.categorical()) {
                (column @ None, false) => *column = Some(Column::Cuts(vec![nd.threshold()])),
                (column @ None, true) => *column = Some(Column::Categories(nd.threshold() as u32)),
                (Some(Column::Cuts(cuts)), false) => cuts.push(nd.threshold()),
                (Some(Column::Categories(n)), true) if *n == nd.threshold() as u32 => {}
                _ => return None,
            }
        }
        let mut columns = Vec::new();
        for (f, column) in by_feature.into_iter().enumerate() {
            let Some(mut column) = column else { continue };
            if let Column::Cuts(cuts) = &mut column {
                if cuts.iter().any(|t| t.is_nan()) {
                    return None;
                }
                cuts.sort_by(f32::total_cmp);
                cuts.dedup_by(|a, b| a == b);
            }
            columns.push((f, column));
        }
        let max_code = columns.iter().map(|(_, c)| c.max_code()).max().unwrap_or(0);
        if max_code > u16::MAX as u32 {
            return None;
        }
        let bins = Bins { columns, max_code };
        bins.rewrite(nodes);
        Some(bins)
    }

    /// Sets each split node's feature to the code it reads and each
    /// numeric node's split to its bound on that code.
    fn rewrite(&self, nodes: &mut [FlatNode]) {
        let mut cuts_of: Vec<&[f32]> = Vec::new();
        for (f, column) in &self.columns {
            if let Column::Cuts(cuts) = column {
                cuts_of.resize(cuts_of.len().max(f + 1), &[]);
                cuts_of[*f] = cuts;
            }
        }
        for (i, nd) in nodes.iter_mut().enumerate() {
            if nd.is_leaf_at(i as u32) {
                continue;
            }
            let f = nd.feature as usize;
            if nd.categorical() {
                nd.feature = 2 * f as u32;
                continue;
            }
            let j = cuts_of[f].partition_point(|&t| t < nd.threshold()) as u32;
            nd.split = j + nd.default_left() as u32;
            nd.feature = 2 * f as u32 + !nd.default_left() as u32;
        }
    }

    /// True when the codes need 16 bits (else 8 do).
    pub fn wide(&self) -> bool {
        self.max_code > u8::MAX as u32
    }

    /// The codes of a block of rows `rows` (rows × `f`, row-major), `2 * f`
    /// a row: feature `j`'s low code is code `2 * j`, its high code
    /// `2 * j + 1` (0 for features no node splits on). Laid out for the
    /// lockstep walk (see `walk::row`): in groups of `GROUP` rows, code-major
    /// within a group, the last group padded with zeros.
    pub fn codes<C: Code>(&self, rows: &[f32], f: usize) -> Vec<C> {
        debug_assert!(self.max_code <= C::MAX);
        assert!(self.columns.last().is_none_or(|&(j, _)| j < f));
        let (n, w) = (rows.len() / f.max(1), 2 * f);
        let mut out = vec![C::default(); n.next_multiple_of(GROUP) * w];
        for (feature, column) in &self.columns {
            let at = 2 * feature * GROUP;
            for (rows, out) in rows.chunks(GROUP * f).zip(out.chunks_exact_mut(GROUP * w)) {
                let (low, high) = out[at..at + 2 * GROUP].split_at_mut(GROUP);
                if rows.len() == GROUP * f {
                    let vs: [f32; GROUP] = std::array::from_fn(|r| rows[r * f + feature]);
                    put(low, high, &column.codes(&vs));
                    continue;
                }
                for (r, row) in rows.chunks_exact(f).enumerate() {
                    put(
                        &mut low[r..],
                        &mut high[r..],
                        &column.codes(&[row[*feature]]),
                    );
                }
            }
        }
        out
    }
}

/// Writes rows' low and high codes, one row after another.
#[inline(always)]
fn put<C: Code>(low: &mut [C], high: &mut [C], codes: &[(u32, u32)]) {
    for ((low, high), &(l, h)) in low.iter_mut().zip(high).zip(codes) {
        (*low, *high) = (C::from_code(l), C::from_code(h));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::walk::Cell;

    /// The codes of the first `n` rows, `w` a row, row by row, as the walk
    /// reads them.
    fn by_row<C: Copy>(codes: &[C], n: usize, w: usize) -> Vec<C> {
        assert_eq!(codes.len(), n.next_multiple_of(GROUP) * w);
        // SAFETY: `codes` holds every group of the `n` rows (asserted).
        let row = |r: usize| unsafe { crate::predict::walk::row::<GROUP, C>(codes, r, w) };
        (0..n)
            .flat_map(|r| (0..w).map(move |c| row(r)[c * GROUP]))
            .collect()
    }

    fn node(feature: u32, threshold: f32, default_left: bool) -> FlatNode {
        split_node(feature, threshold, default_left, None)
    }

    fn categorical(feature: u32, n: usize) -> FlatNode {
        let set = crate::bitset::Bitset::from_members([0]);
        split_node(feature, 0.0, false, Some((n, set)))
    }

    fn split_node(
        feature: u32,
        threshold: f32,
        default_left: bool,
        categories: Option<(usize, crate::bitset::Bitset)>,
    ) -> FlatNode {
        let mut nodes = Vec::new();
        let mut t = crate::tree::Tree::with_root(0.0, 1.0);
        t.split(
            0,
            &crate::tree::SplitRecord {
                feature,
                threshold,
                default_left,
                gain: 1.0,
                left_value: 0.0,
                right_value: 0.0,
                left_cover: 1.0,
                right_cover: 1.0,
                categories,
            },
        );
        t.flatten_into(&mut nodes, &mut Vec::new(), &mut Vec::new());
        // Far from any index, so that no node of a test list looks like a leaf.
        nodes[0].left = 1 << 20;
        nodes[0]
    }

    #[test]
    fn binned_compare_agrees_with_the_float_compare() {
        let thresholds = [-1.5, 0.0, -0.0, 0.25, 3.0, f32::INFINITY, f32::NEG_INFINITY];
        let mut nodes: Vec<FlatNode> = thresholds
            .iter()
            .enumerate()
            .map(|(i, &t)| node(0, t, i % 2 == 0))
            .collect();
        let float = nodes.clone();
        let bins = Bins::new(&mut nodes).unwrap();
        assert!(!bins.wide());
        let values = [
            f32::NAN,
            f32::NEG_INFINITY,
            -2.0,
            -1.5,
            -1.0,
            -0.0,
            0.0,
            0.1,
            0.25,
            0.2500001,
            3.0,
            7.0,
            f32::INFINITY,
        ];
        let codes = by_row(&bins.codes::<u8>(&values, 1), values.len(), 2);
        for (v, row) in values.iter().zip(codes.chunks_exact(2)) {
            for (b, fl) in nodes.iter().zip(&float) {
                let c = row[b.feature as usize];
                assert_eq!(c.goes_left(b), v.goes_left(fl), "{v} <= {}", fl.threshold());
            }
        }
    }

    #[test]
    fn nan_thresholds_and_mixed_kinds_keep_the_float_walk() {
        let mut nodes = vec![node(0, f32::NAN, true)];
        assert!(Bins::new(&mut nodes).is_none());
        assert!(nodes[0].threshold().is_nan());
        let mut mixed = vec![node(0, 0.5, true), categorical(0, 4)];
        assert!(Bins::new(&mut mixed).is_none());
        assert_eq!(mixed[0].threshold(), 0.5);
        assert!(Bins::new(&mut [categorical(1, 4), categorical(1, 5)]).is_none());
        let mut same = [categorical(1, 4), categorical(1, 4), node(0, 0.5, false)];
        let bins = Bins::new(&mut same).unwrap();
        let codes = bins.codes::<u8>(&[0.7, 3.0, f32::NAN, 4.0, 0.2, -1.0, 0.5, 2.5], 2);
        let codes = by_row(&codes, 4, 4);
        assert_eq!(codes, [2, 1, 3, 3, 0, 1, 4, 4, 1, 0, 4, 4, 1, 0, 2, 2]);
        let features: Vec<u32> = same.iter().map(|nd| nd.feature).collect();
        assert_eq!(features, [2, 2, 1]);
    }

    #[test]
    fn many_thresholds_take_16_bit_codes() {
        let mut nodes: Vec<FlatNode> = (0..300).map(|i| node(1, i as f32, false)).collect();
        let bins = Bins::new(&mut nodes).unwrap();
        assert!(bins.wide());
        let codes = by_row(&bins.codes::<u16>(&[5.0, 299.5, 7.0, f32::NAN], 2), 2, 4);
        assert_eq!(codes, [0, 0, 301, 300, 0, 0, 0, 300]);
        assert_eq!((nodes[299].feature, nodes[299].split), (3, 299));
    }
}
