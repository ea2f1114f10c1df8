//! Rows binned by the forest's own thresholds, so that nodes compare small
//! integers.
//!
//! Per feature split on numerically, the sorted distinct thresholds `t`
//! of the forest; a value `v` gets the code `1 + #{i : t[i] < v}` and a
//! missing value the code 0. Then `v <= t[j]` exactly when
//! `code <= j + 1`: a node's split becomes a bound on the code (see
//! `walk::Cell`), and every row reaches the leaf the float compare gives.
//! A categorical feature's code is its category, or `n` for missing and
//! unseen values, as a walk on raw values computes it at each node.

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

impl Column {
    #[inline]
    fn code(&self, v: f32) -> u32 {
        match self {
            Column::Cuts(_) if v.is_nan() => 0,
            Column::Cuts(cuts) => 1 + cuts.partition_point(|&t| t < v) as u32,
            Column::Categories(n) if v >= 0.0 && v < *n as f32 => v as u32,
            Column::Categories(n) => *n,
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
    /// The codes of the features `nodes` split on, with each numeric
    /// node's split rewritten to its bound on the code (`j + default_left`
    /// for the threshold `t[j]`). `None`, and `nodes` unchanged, when a
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

    /// Sets each numeric node's split to its bound on the code.
    fn rewrite(&self, nodes: &mut [FlatNode]) {
        let mut cuts_of: Vec<&[f32]> = Vec::new();
        for (f, column) in &self.columns {
            if let Column::Cuts(cuts) = column {
                cuts_of.resize(cuts_of.len().max(f + 1), &[]);
                cuts_of[*f] = cuts;
            }
        }
        for (i, nd) in nodes.iter_mut().enumerate() {
            if nd.is_leaf_at(i as u32) || nd.categorical() {
                continue;
            }
            let cuts = cuts_of[nd.feature as usize];
            let j = cuts.partition_point(|&t| t < nd.threshold()) as u32;
            nd.split = j + nd.default_left() as u32;
        }
    }

    /// True when the codes need 16 bits (else 8 do).
    pub fn wide(&self) -> bool {
        self.max_code > u8::MAX as u32
    }

    /// The codes of a block of rows (rows × `f`, row-major; features no
    /// node splits on get 0).
    pub fn codes<C: Code>(&self, rows: &[f32], f: usize) -> Vec<C> {
        debug_assert!(self.max_code <= C::MAX);
        let mut out = vec![C::default(); rows.len()];
        for (feature, column) in &self.columns {
            for (row, codes) in rows.chunks_exact(f).zip(out.chunks_exact_mut(f)) {
                codes[*feature] = C::from_code(column.code(row[*feature]));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::walk::Cell;

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
        let codes = bins.codes::<u8>(&values, 1);
        for (v, c) in values.iter().zip(&codes) {
            for (b, fl) in nodes.iter().zip(&float) {
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
        assert_eq!(codes, vec![2, 3, 0, 4, 1, 4, 1, 2]);
    }

    #[test]
    fn many_thresholds_take_16_bit_codes() {
        let mut nodes: Vec<FlatNode> = (0..300).map(|i| node(1, i as f32, false)).collect();
        let bins = Bins::new(&mut nodes).unwrap();
        assert!(bins.wide());
        let codes = bins.codes::<u16>(&[5.0, 299.5, 7.0, f32::NAN], 2);
        assert_eq!(codes, vec![0, 301, 0, 0]);
        assert_eq!(nodes[299].split, 299);
    }
}
