//! Bins of a categorical feature: one bin per category the sample holds,
//! up to the bin budget (the most frequent ones); other categories share
//! the missing-value bin, so they follow a split's default direction.

/// `bin_of` entry of a category without a bin of its own.
const NO_BIN: u32 = u32::MAX;

/// Category code ↔ bin of one categorical feature. Value bins are
/// `0..code_of_bin.len()`, in ascending code order; the missing bin follows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CategoryBins {
    /// Bin of each code `0..num_categories`, `NO_BIN` for the missing bin.
    bin_of: Vec<u32>,
    /// Code of each value bin, ascending.
    code_of_bin: Vec<u32>,
}

impl CategoryBins {
    /// Bins for the codes of a sample (NaN and codes out of
    /// `0..num_categories` are missing), at most `max_value_bins` of them,
    /// kept by total weight, ties to the lower code.
    pub fn from_sample(
        sample: impl Iterator<Item = (f32, f32)>,
        num_categories: usize,
        max_value_bins: usize,
    ) -> CategoryBins {
        let mut weight = vec![0.0f64; num_categories];
        let mut seen = vec![false; num_categories];
        for (v, w) in sample {
            if let Some(code) = code(v, num_categories) {
                weight[code] += w as f64;
                seen[code] = true;
            }
        }
        let mut kept: Vec<usize> = (0..num_categories).filter(|&c| seen[c]).collect();
        if kept.len() > max_value_bins {
            kept.sort_by(|&a, &b| weight[b].total_cmp(&weight[a]).then(a.cmp(&b)));
            kept.truncate(max_value_bins);
            kept.sort_unstable();
        }
        let mut bin_of = vec![NO_BIN; num_categories];
        for (bin, &c) in kept.iter().enumerate() {
            bin_of[c] = bin as u32;
        }
        CategoryBins {
            bin_of,
            code_of_bin: kept.iter().map(|&c| c as u32).collect(),
        }
    }

    /// Number of value bins (missing bin excluded); at least 1, so a
    /// feature whose sample is all missing still has the usual layout.
    pub fn num_value_bins(&self) -> usize {
        self.code_of_bin.len().max(1)
    }

    /// Number of categories of the feature.
    pub fn num_categories(&self) -> usize {
        self.bin_of.len()
    }

    /// The bin of `v`; missing, unknown and binless categories go to the
    /// missing bin.
    #[inline]
    pub fn bin_of(&self, v: f32) -> usize {
        let missing = self.num_value_bins();
        match code(v, self.bin_of.len()) {
            Some(c) if self.bin_of[c] != NO_BIN => self.bin_of[c] as usize,
            _ => missing,
        }
    }
}

/// The category code of `v`, if it is one of `0..n` (fractions truncate,
/// as at prediction).
#[inline]
fn code(v: f32, n: usize) -> Option<usize> {
    (v >= 0.0 && v < n as f32).then_some(v as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequent_categories_get_bins_the_rest_share_missing() {
        let sample = [3.0, 3.0, 1.0, 1.0, 1.0, 0.0, f32::NAN, 9.0, 2.0, 2.0];
        let b = CategoryBins::from_sample(sample.iter().map(|&v| (v, 1.0)), 5, 3);
        // Weights: 1 -> 3, 2 -> 2, 3 -> 2, 0 -> 1; keep 1, 2, 3 in code order.
        assert_eq!(b.code_of_bin, vec![1, 2, 3]);
        assert_eq!(b.num_value_bins(), 3);
        assert_eq!((b.bin_of(1.0), b.bin_of(2.0), b.bin_of(3.0)), (0, 1, 2));
        for v in [0.0, 4.0, 9.0, -1.0, f32::NAN] {
            assert_eq!(b.bin_of(v), 3, "{v}");
        }
    }
}
