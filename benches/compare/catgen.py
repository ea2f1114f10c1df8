"""Seeded data with text categorical features, for issue 11 (categorical.py).

Same conventions as datagen.py: a *structure* seed fixes the function from
features to label (category frequencies, per-category effects, numeric
effects), a *row* seed draws the rows; train and test share the structure
seed.  Plain CSV with a header, missing values are empty fields, the label
column is ``y``.

Columns:

- ``num_0`` .. ``num_5``: numeric.  num_0 normal, num_1 uniform, num_2
  log-normal, num_3 a small count, num_4 normal, num_5 pure noise; num_0 and
  num_4 are 5% missing (at random).
- five TEXT categorical columns, values like ``grade_C`` or ``city_017``:

  ====== ====== ============================== ========
  column levels  values                         missing
  ====== ====== ============================== ========
  tier   3      tier_A .. tier_C               none
  grade  8      grade_A .. grade_H             3%
  region 30     region_00 .. region_29         none
  city   120    city_000 .. city_119           3%
  store  300    store_000 .. store_299         3%
  ====== ====== ============================== ========

  Level frequencies are Zipf-like (p_k proportional to 1/(k+1)^1.1) over a
  random permutation of the levels, so neither the alphabetical order nor
  the frequency order says anything about the effect.

The margin is a sum of per-level random effects (standard deviation 0.4 to
1.0 per column, drawn once from the structure seed; "missing" has its own
effect in the columns that have missing values), a grade x region interaction
(one random effect per pair), a city effect that is stronger in one tier, a
few numeric terms, and Gaussian noise (sd 0.5).  The categorical terms carry
most of the signal (about 90% of the margin variance): with seed 11 the
numeric terms alone rank the labels with an AUC near 0.60, the true margin
(the best any model can do) near 0.85.  Level counts at 100k rows range from
about 17,000-57,000 (tier) down to about 20 (the rarest stores).

The regression variant uses the same margin (times 3) plus Gaussian noise
as the label.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

# (column, number of levels, value format, missing fraction, effect sd)
CAT_COLUMNS = (
    ("tier", 3, "tier_{}", 0.0, 0.4),
    ("grade", 8, "grade_{}", 0.03, 0.6),
    ("region", 30, "region_{:02d}", 0.0, 0.6),
    ("city", 120, "city_{:03d}", 0.03, 0.8),
    ("store", 300, "store_{:03d}", 0.03, 1.0),
)
NUM_COLUMNS = tuple(f"num_{i}" for i in range(6))
ZIPF_EXPONENT = 1.1
TEST_FRACTION = 0.25


def level_names(n_levels: int, fmt: str) -> list[str]:
    """The text values of a column: letters for up to 26 levels written with
    a letter format, zero-padded numbers otherwise."""
    if "{:" in fmt:
        return [fmt.format(k) for k in range(n_levels)]
    return [fmt.format(chr(ord("A") + k)) for k in range(n_levels)]


def category_lists() -> dict[str, list[str]]:
    """Every level of every categorical column (sorted), so both peers can use
    one fixed category dtype for train and test."""
    return {name: level_names(k, fmt) for name, k, fmt, _, _ in CAT_COLUMNS}


class _Structure:
    """Everything the structure seed fixes."""

    def __init__(self, seed: int):
        s = np.random.default_rng([seed, 1101])
        self.freq: dict[str, np.ndarray] = {}
        self.effect: dict[str, np.ndarray] = {}
        for name, k, _, _, sd in CAT_COLUMNS:
            zipf = 1.0 / np.arange(1, k + 1) ** ZIPF_EXPONENT
            self.freq[name] = s.permutation(zipf / zipf.sum())
            # Index k is the effect of "missing".
            self.effect[name] = s.normal(0.0, sd, k + 1)
        self.grade_region = s.normal(0.0, 0.6, (9, 31))
        self.city_in_tier = s.normal(0.0, 0.8, 121)
        self.hot_tier = int(s.integers(0, 3))
        self.w = s.uniform(0.6, 1.0, 5)


def _draw_codes(r: np.random.Generator, st: _Structure, n: int) -> dict[str, np.ndarray]:
    """Level index per row and column; the level count (k) marks missing."""
    codes = {}
    for name, k, _, miss, _ in CAT_COLUMNS:
        c = r.choice(k, n, p=st.freq[name])
        if miss > 0:
            c[r.uniform(size=n) < miss] = k
        codes[name] = c
    return codes


def _margin(st: _Structure, codes: dict, x: np.ndarray) -> np.ndarray:
    m = sum(st.effect[name][codes[name]] for name, *_ in CAT_COLUMNS)
    m = m + st.grade_region[codes["grade"], codes["region"]]
    m = m + (codes["tier"] == st.hot_tier) * st.city_in_tier[codes["city"]]
    w = st.w
    m = m + (
        0.5 * w[0] * x[:, 0]
        + 0.5 * w[1] * np.sin(2.5 * x[:, 1])
        + 0.3 * w[2] * (np.log(x[:, 2]) > 0.5)
        + 0.1 * w[3] * (x[:, 3] - 3.0)
        + 0.3 * w[4] * x[:, 4] * (x[:, 0] > 0)
    )
    return m - m.mean()


def generate(task: str, n: int, structure_seed: int, row_seed: int) -> pd.DataFrame:
    """n rows of the 'binary' or 'regression' data set."""
    st = _Structure(structure_seed)
    r = np.random.default_rng([row_seed, 1102])
    x = np.column_stack([
        r.standard_normal(n),
        r.uniform(-2.0, 2.0, n),
        np.exp(0.7 * r.standard_normal(n)),
        r.poisson(3.0, n).astype(np.float64),
        r.standard_normal(n),
        r.standard_normal(n),
    ])
    codes = _draw_codes(r, st, n)
    margin = _margin(st, codes, np.nan_to_num(x)) + 0.5 * r.standard_normal(n)
    for j in (0, 4):  # missing after the margin: the value existed but is unseen
        x[r.uniform(size=n) < 0.05, j] = np.nan
    df = pd.DataFrame(x.astype(np.float32), columns=list(NUM_COLUMNS))
    for name, k, fmt, _, _ in CAT_COLUMNS:
        values = np.array(level_names(k, fmt) + [""], dtype=object)
        df[name] = values[codes[name]]
    if task == "binary":
        df["y"] = (r.uniform(size=n) < 1.0 / (1.0 + np.exp(-margin))).astype(np.int8)
    elif task == "regression":
        df["y"] = (3.0 * margin + r.standard_normal(n)).astype(np.float32)
    else:
        raise ValueError(f"catgen: unknown task {task!r} (binary or regression)")
    return df


def write_csv(df: pd.DataFrame, path: str) -> None:
    """Atomic write (temp file + rename); NaN and "" both become empty fields."""
    tmp = path + ".tmp"
    df.to_csv(tmp, index=False, float_format="%.7g", na_rep="")
    os.replace(tmp, path)


def ensure_dataset(task: str, n_train: int, seed: int, data_dir: str,
                   n_test: int | None = None, log=print) -> tuple[str, str]:
    """Return (train_csv, test_csv), generating them unless cached."""
    os.makedirs(data_dir, exist_ok=True)
    if n_test is None:
        n_test = max(250, int(round(n_train * TEST_FRACTION)))
    train = os.path.join(data_dir, f"cat_{task}_n{n_train}_s{seed}_train.csv")
    test = os.path.join(data_dir, f"cat_{task}_n{n_test}_s{seed}_test.csv")
    for path, n, row_seed in ((train, n_train, seed * 2 + 1), (test, n_test, seed * 2 + 2)):
        if os.path.exists(path):
            continue
        t0 = time.perf_counter()
        write_csv(generate(task, n, seed, row_seed), path)
        log(f"  generated {os.path.basename(path)} ({n} rows) in {time.perf_counter() - t0:.1f}s")
    return train, test


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Write the categorical data set (train and test CSV).")
    ap.add_argument("--task", choices=("binary", "regression"), default="binary")
    ap.add_argument("--rows", type=int, default=100_000, help="train rows (test: 25%% of it)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "out", "data"))
    a = ap.parse_args()
    print("\n".join(ensure_dataset(a.task, a.rows, a.seed, a.out)))
