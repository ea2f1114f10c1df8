//! One LightGBM tree (a `Tree=` block of `model.txt`) as a [`Graph`].
//!
//! Internal nodes are `0..num_leaves - 1`; a negative child `c` is leaf
//! `!c`. `decision_type` bit 0 marks a categorical split, bit 1 sends
//! missing values left, bits 2-3 are the missing type: 0 None (NaN is
//! read as 0), 1 Zero (NaN and `|x| <= 1e-35` take the default way), 2 NaN
//! (NaN takes the default way). Numeric splits go left when
//! `(f64) x <= threshold`; categorical ones when the (truncated) code is in
//! the node's bitset, and NaN, negative codes and codes past the bitset go
//! right.

use std::collections::HashMap;
use std::str::FromStr;

use super::assemble::{check_links, Graph, Node, Test};
use super::{f32_at_most, Problem, Read};

/// LightGBM's `kZeroThreshold`: values this close to 0 are zero.
const ZERO: f32 = 1e-35;

/// The `key=value` lines of one tree.
pub(crate) struct Block<'a> {
    pub index: usize,
    pub fields: HashMap<&'a str, &'a str>,
}

impl Block<'_> {
    fn text(&self, key: &str) -> Read<&str> {
        self.fields.get(key).copied().ok_or_else(|| {
            Problem::invalid(
                format!("tree {}", self.index),
                format!("field `{key}` is missing"),
            )
        })
    }

    /// The space-separated list `key` with `len` entries (`None`: any).
    fn list<T: FromStr>(&self, key: &str, len: Option<usize>) -> Read<Vec<T>> {
        let at = || format!("tree {}, field `{key}`", self.index);
        let v: Vec<T> = self
            .text(key)?
            .split_ascii_whitespace()
            .enumerate()
            .map(|(i, s)| {
                s.parse().map_err(|_| {
                    Problem::invalid(at(), format!("entry {i} ({s:?}) is not a number"))
                })
            })
            .collect::<Read<_>>()?;
        match len {
            Some(n) if v.len() != n => Err(Problem::invalid(
                at(),
                format!("has {} entries, expected {n}", v.len()),
            )),
            _ => Ok(v),
        }
    }

    /// Like [`Block::list`], but an absent field is all zeros.
    fn list_or_zero(&self, key: &str, len: usize) -> Read<Vec<f64>> {
        if self.fields.contains_key(key) {
            self.list(key, Some(len))
        } else {
            Ok(vec![0.0; len])
        }
    }
}

/// The fields of one split, shared by the nodes that make it up.
struct Proto {
    feature: u32,
    gain: f32,
    cover: f32,
    value: f64,
}

impl Proto {
    fn node(&self, threshold: f32, default_left: bool, left: usize, right: usize) -> Node {
        self.with_test(Test::Numeric(threshold), default_left, left, right)
    }

    fn with_test(&self, test: Test, default_left: bool, left: usize, right: usize) -> Node {
        Node::Split {
            feature: self.feature,
            test,
            default_left,
            left,
            right,
            gain: self.gain,
            cover: self.cover,
            value: self.value,
        }
    }
}

/// The tree, leaf values multiplied by `scale`, over `num_features`.
pub(crate) fn graph(b: &Block<'_>, scale: f64, num_features: usize) -> Read<Graph> {
    let t = b.index;
    if b.fields.get("is_linear").is_some_and(|v| v.trim() != "0") {
        return Err(Problem::unsupported(
            format!("tree {t}, is_linear"),
            b.fields["is_linear"],
            "gbdt reads constant leaves, not linear trees (linear_tree)",
        ));
    }
    let leaves: usize = b.list::<usize>("num_leaves", Some(1))?[0];
    if leaves == 0 {
        return Err(Problem::invalid(
            format!("tree {t}, field `num_leaves`"),
            "is 0",
        ));
    }
    let values: Vec<f64> = b.list("leaf_value", Some(leaves))?;
    let weights = b.list_or_zero("leaf_weight", leaves)?;
    let m = leaves - 1;
    let mut g = Graph::default();
    for _ in 0..m {
        g.push(Node::Leaf {
            value: 0.0,
            cover: 0.0,
        }); // replaced below
    }
    for (v, w) in values.iter().zip(&weights) {
        g.push(Node::Leaf {
            value: v * scale,
            cover: *w as f32,
        });
    }
    if m == 0 {
        return Ok(g);
    }
    let children = children(b, m, leaves)?;
    let mut links: Vec<Option<(usize, usize)>> = children.iter().copied().map(Some).collect();
    links.resize(m + leaves, None);
    check_links(&links, 0, t, "left_child")?;
    let splits = Splits::read(b, m, num_features)?;
    for (i, &(l, r)) in children.iter().enumerate() {
        let node = splits.node(b, &mut g, i, l, r, scale)?;
        g.nodes[i] = node;
    }
    Ok(g)
}

/// `(left, right)` of each internal node, leaves numbered after them.
fn children(b: &Block<'_>, m: usize, leaves: usize) -> Read<Vec<(usize, usize)>> {
    let left: Vec<i64> = b.list("left_child", Some(m))?;
    let right: Vec<i64> = b.list("right_child", Some(m))?;
    let index = |c: i64, node: usize, field: &str| {
        let i = if c >= 0 {
            usize::try_from(c).ok().filter(|&c| c < m)
        } else {
            usize::try_from(!c)
                .ok()
                .filter(|&l| l < leaves)
                .map(|l| m + l)
        };
        i.ok_or_else(|| {
            Problem::invalid(
                format!("tree {}, node {node}, field `{field}`", b.index),
                format!("{c} is not a node ({m} internal nodes, {leaves} leaves)"),
            )
        })
    };
    (0..m)
        .map(|i| {
            Ok((
                index(left[i], i, "left_child")?,
                index(right[i], i, "right_child")?,
            ))
        })
        .collect()
}

/// The per-node split arrays of a tree.
struct Splits {
    feature: Vec<u32>,
    threshold: Vec<f64>,
    decision: Vec<u8>,
    gain: Vec<f64>,
    cover: Vec<f64>,
    value: Vec<f64>,
    cat_boundaries: Vec<usize>,
    cat_threshold: Vec<u32>,
}

impl Splits {
    fn read(b: &Block<'_>, m: usize, num_features: usize) -> Read<Splits> {
        let feature: Vec<u32> = b.list("split_feature", Some(m))?;
        if let Some((i, f)) = feature
            .iter()
            .enumerate()
            .find(|(_, &f)| f as usize >= num_features)
        {
            return Err(Problem::invalid(
                format!("tree {}, node {i}, field `split_feature`", b.index),
                format!("feature {f} is not one of the model's {num_features}"),
            ));
        }
        let num_cat: usize = b
            .fields
            .get("num_cat")
            .map_or(Ok(vec![0]), |_| b.list("num_cat", Some(1)))?[0];
        let (cat_boundaries, cat_threshold) = if num_cat > 0 {
            (
                b.list("cat_boundaries", Some(num_cat.saturating_add(1)))?,
                b.list("cat_threshold", None)?,
            )
        } else {
            (vec![0], Vec::new())
        };
        Ok(Splits {
            feature,
            threshold: b.list("threshold", Some(m))?,
            decision: b.list("decision_type", Some(m))?,
            gain: b.list_or_zero("split_gain", m)?,
            cover: b.list_or_zero("internal_weight", m)?,
            value: b.list_or_zero("internal_value", m)?,
            cat_boundaries,
            cat_threshold,
        })
    }

    fn node(
        &self,
        b: &Block<'_>,
        g: &mut Graph,
        i: usize,
        l: usize,
        r: usize,
        scale: f64,
    ) -> Read<Node> {
        let at = |field: &str| format!("tree {}, node {i}, field `{field}`", b.index);
        let p = Proto {
            feature: self.feature[i],
            gain: self.gain[i] as f32,
            cover: self.cover[i] as f32,
            value: self.value[i] * scale,
        };
        let d = self.decision[i];
        let t = self.threshold[i];
        if t.is_nan() {
            return Err(Problem::invalid(at("threshold"), "is NaN"));
        }
        if d & 1 == 1 {
            let codes = self
                .categories(t)
                .map_err(|e| Problem::invalid(at("threshold"), e))?;
            return Ok(p.with_test(Test::Categorical(codes), false, l, r));
        }
        let default_left = d & 2 != 0;
        match (d >> 2) & 3 {
            0 => Ok(p.node(f32_at_most(t), 0.0 <= t, l, r)),
            1 => Ok(zero_missing(&p, g, t, default_left, l, r)),
            2 => Ok(p.node(f32_at_most(t), default_left, l, r)),
            _ => Err(Problem::invalid(
                at("decision_type"),
                format!("{d} has missing type 3, which LightGBM does not define"),
            )),
        }
    }

    /// The codes in bitset number `t` (the threshold of a categorical node).
    fn categories(&self, t: f64) -> Result<Vec<u32>, String> {
        let n = self.cat_boundaries.len() - 1;
        if t < 0.0 || t.fract() != 0.0 || t >= n as f64 {
            return Err(format!(
                "{t} is not a categorical split index (the tree has {n})"
            ));
        }
        let k = t as usize;
        let (start, end) = (self.cat_boundaries[k], self.cat_boundaries[k + 1]);
        let words = self
            .cat_threshold
            .get(start..end)
            .ok_or_else(|| format!("cat_boundaries {start}..{end} are not inside cat_threshold"))?;
        Ok(words
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| {
                (0..32u32)
                    .filter(move |b| (bits >> b) & 1 == 1)
                    .map(move |b| w as u32 * 32 + b)
            })
            .collect())
    }
}

/// Missing type Zero: NaN and `|x| <= 1e-35` go the default way, other
/// values `x <= t` left. One node when the zero band sits on the default
/// side of `t`; else three, with the children reached twice (copied).
fn zero_missing(p: &Proto, g: &mut Graph, t: f64, default_left: bool, l: usize, r: usize) -> Node {
    let z = f64::from(ZERO);
    let below_zero = (-ZERO).next_down();
    let t32 = f32_at_most(t);
    if default_left {
        if t >= -z {
            return p.node(t32.max(ZERO), true, l, r);
        }
        // (-inf, t] left, (t, -z) right, zero band and NaN left, (z, inf) right.
        let c = g.push(p.node(ZERO, true, l, r));
        let b = g.push(p.node(below_zero, false, r, c));
        return p.node(t32, false, l, b);
    }
    if t < -z {
        return p.node(t32, false, l, r);
    }
    if t < z {
        return p.node(below_zero, false, l, r);
    }
    // (-inf, -z) left, zero band and NaN right, (z, t] left, (t, inf) right.
    let c = g.push(p.node(t32, false, l, r));
    let b = g.push(p.node(ZERO, true, r, c));
    p.node(below_zero, false, l, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where LightGBM sends `x` at a numeric node with missing type Zero.
    fn lightgbm(x: f32, t: f64, default_left: bool) -> bool {
        let x = if x.is_nan() { 0.0 } else { f64::from(x) };
        if x.abs() <= f64::from(ZERO) {
            default_left
        } else {
            x <= t
        }
    }

    /// Where the translated nodes send `x`: true for the leaf `l`.
    fn ours(g: &Graph, root: &Node, x: f32) -> bool {
        let mut node = root;
        loop {
            match node {
                Node::Leaf { value, .. } => return *value == 1.0,
                Node::Split {
                    test: Test::Numeric(thr),
                    default_left,
                    left,
                    right,
                    ..
                } => {
                    let go_left = if x.is_nan() { *default_left } else { x <= *thr };
                    node = &g.nodes[if go_left { *left } else { *right }];
                }
                Node::Split { .. } => unreachable!(),
            }
        }
    }

    #[test]
    fn zero_missing_type_matches_lightgbm_everywhere() {
        let p = Proto {
            feature: 0,
            gain: 0.0,
            cover: 0.0,
            value: 0.0,
        };
        let xs = [
            f32::NAN,
            0.0,
            -0.0,
            ZERO,
            -ZERO,
            ZERO.next_up(),
            (-ZERO).next_down(),
            1e-30,
            -1e-30,
            -5.0,
            5.0,
            0.5,
            -0.5,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0,
            -1.0,
        ];
        let ts = [
            -1.0,
            1.0,
            0.0,
            -1e-35,
            1e-35,
            -1.0000000180025095e-35,
            1e-36,
            -1e-36,
            0.5,
        ];
        for t in ts {
            for default_left in [true, false] {
                let mut g = Graph::default();
                let l = g.push(Node::Leaf {
                    value: 1.0,
                    cover: 0.0,
                });
                let r = g.push(Node::Leaf {
                    value: 2.0,
                    cover: 0.0,
                });
                let root = zero_missing(&p, &mut g, t, default_left, l, r);
                for x in xs {
                    assert_eq!(
                        ours(&g, &root, x),
                        lightgbm(x, t, default_left),
                        "t {t}, x {x}, default left {default_left}"
                    );
                }
            }
        }
    }
}
