"""Seeded synthetic data sets for the gbdt / XGBoost / LightGBM comparison.

Every generator takes a *structure* seed (which fixes the function that maps
features to the label) and a *row* seed (which draws the rows).  Train and test
files share the structure seed and use different row seeds, so the test set is
an independent sample from the same distribution.

The files are plain CSV with a header; missing values are empty fields; the
label column is always ``y``.  Files are cached under
``benches/compare/out/data/`` with the data set name, row count and seed in the
file name, so a rerun with the same ``--scale``/``--seed`` skips generation.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

# Full-size row counts (scaled by --scale).  Test sets are 25% of the train
# size (an 80/20 split of the combined 1.25x rows).
FULL_ROWS = {
    "binary": 1_000_000,
    "regression": 1_000_000,
    "multiclass": 300_000,
    "credit": 100_000,
}
TEST_FRACTION = 0.25
MIN_ROWS = 1_000


@dataclass(frozen=True)
class TaskInfo:
    name: str
    kind: str  # "binary" | "regression" | "multiclass"
    num_class: int
    n_features: int


TASKS = {
    "binary": TaskInfo("binary", "binary", 2, 28),
    "regression": TaskInfo("regression", "regression", 0, 20),
    "multiclass": TaskInfo("multiclass", "multiclass", 7, 40),
    "credit": TaskInfo("credit", "binary", 2, 15),
}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------------------
# binary: 28 features, 8% missing values in 10 of them, nonlinear + noisy.
# ---------------------------------------------------------------------------
def gen_binary(n: int, structure_seed: int, row_seed: int) -> pd.DataFrame:
    s = np.random.default_rng([structure_seed, 101])
    r = np.random.default_rng([row_seed, 102])
    # Feature blocks with different marginal shapes.
    xn = r.standard_normal((n, 10))  # f00..f09: normal
    xu = r.uniform(-2.0, 2.0, (n, 6))  # f10..f15: uniform
    xl = np.exp(0.75 * r.standard_normal((n, 4)))  # f16..f19: skewed, positive
    xc = r.poisson(3.0, (n, 4)).astype(np.float64)  # f20..f23: small counts
    # f24..f27: correlated but irrelevant (noise built from relevant features).
    mix = s.standard_normal((10, 4)) * 0.4
    xz = xn @ mix + r.standard_normal((n, 4))
    X = np.hstack([xn, xu, xl, xc, xz])

    w = s.uniform(0.5, 1.0, 16)
    logit = (
        w[0] * xn[:, 0]
        - w[1] * xn[:, 1] * xn[:, 2]
        + 1.2 * w[2] * np.sin(1.5 * xn[:, 3])
        + w[3] * (xn[:, 4] > 0.3) * xn[:, 5]
        + 0.6 * w[4] * (np.abs(xn[:, 6]) - 0.8)
        - 0.5 * w[5] * np.maximum(xn[:, 7], 0.0) ** 2
        + 0.8 * w[6] * np.cos(1.5 * xu[:, 0]) * xu[:, 1]
        + 0.6 * w[7] * np.where(xu[:, 2] > 0.5, 1.0, -0.4)
        + 0.4 * w[8] * xu[:, 3] * xn[:, 8]
        + 0.7 * w[9] * (np.log(xl[:, 0]) - 0.2 * np.log(xl[:, 1]) ** 2)
        + 0.4 * w[10] * (xc[:, 0] - 3.0) / 1.7
        - 0.5 * w[11] * (xc[:, 1] >= 5)
        + 0.5 * w[12] * np.tanh(2.0 * xn[:, 9] * xu[:, 4])
        + 0.3 * w[13] * (xc[:, 2] - xc[:, 3]) / 2.4
    )
    logit = 1.5 * (logit - 0.2) + 0.6 * r.standard_normal(n)  # label noise
    y = (r.uniform(size=n) < _sigmoid(logit)).astype(np.int8)

    # 8% missing completely at random in f00..f09 (the most informative block),
    # so every split has to learn a default direction.
    miss = r.uniform(size=(n, 10)) < 0.08
    X[:, :10][miss] = np.nan

    cols = [f"f{i:02d}" for i in range(X.shape[1])]
    df = pd.DataFrame(X.astype(np.float32), columns=cols)
    df["y"] = y
    return df


# ---------------------------------------------------------------------------
# regression: 20 features, Friedman-style nonlinear target plus noise.
# ---------------------------------------------------------------------------
def gen_regression(n: int, structure_seed: int, row_seed: int) -> pd.DataFrame:
    s = np.random.default_rng([structure_seed, 201])
    r = np.random.default_rng([row_seed, 202])
    X = r.uniform(0.0, 1.0, (n, 20))
    X[:, 10:14] = r.standard_normal((n, 4))  # a few unbounded features
    c = s.uniform(0.8, 1.2, 10)
    yv = (
        10.0 * c[0] * np.sin(np.pi * X[:, 0] * X[:, 1])
        + 20.0 * c[1] * (X[:, 2] - 0.5) ** 2
        + 10.0 * c[2] * X[:, 3]
        + 5.0 * c[3] * X[:, 4]
        + 3.0 * c[4] * np.cos(3.0 * np.pi * X[:, 5]) * X[:, 6]
        + 4.0 * c[5] * np.maximum(X[:, 7] - X[:, 8], 0.0)
        + 2.0 * c[6] * np.tanh(X[:, 10] * X[:, 11])
        + 1.5 * c[7] * np.abs(X[:, 12])
        + 2.0 * c[8] * (X[:, 9] > 0.7) * X[:, 13]
    )
    yv = yv + 1.5 * r.standard_normal(n)
    cols = [f"f{i:02d}" for i in range(X.shape[1])]
    df = pd.DataFrame(X.astype(np.float32), columns=cols)
    df["y"] = yv.astype(np.float32)
    return df


# ---------------------------------------------------------------------------
# multiclass: 7 classes, 40 features; class logits are nonlinear functions.
# ---------------------------------------------------------------------------
def gen_multiclass(n: int, structure_seed: int, row_seed: int) -> pd.DataFrame:
    k = 7
    s = np.random.default_rng([structure_seed, 301])
    r = np.random.default_rng([row_seed, 302])
    X = r.standard_normal((n, 40))
    # Linear part on the first 16 features, sparse-ish.
    W = s.standard_normal((16, k)) * (s.uniform(size=(16, k)) < 0.5)
    logits = X[:, :16] @ W * 0.6
    # Nonlinear class-specific terms on features 16..31.
    for j in range(k):
        a, b, c2, d = s.choice(np.arange(16, 32), 4, replace=False)
        amp = s.uniform(0.6, 1.2, 3)
        logits[:, j] += (
            amp[0] * np.sin(1.5 * X[:, a])
            + amp[1] * X[:, b] * X[:, c2]
            + amp[2] * (np.abs(X[:, d]) > 1.0)
        )
    logits = 1.4 * logits + 0.4 * r.standard_normal((n, k))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    u = r.uniform(size=(n, 1))
    y = (p.cumsum(axis=1) < u).sum(axis=1).clip(0, k - 1)
    # 32..39 are pure noise.  A little missingness in two features.
    X[r.uniform(size=n) < 0.05, 20] = np.nan
    X[r.uniform(size=n) < 0.05, 35] = np.nan
    cols = [f"f{i:02d}" for i in range(X.shape[1])]
    df = pd.DataFrame(X.astype(np.float32), columns=cols)
    df["y"] = y.astype(np.int8)
    return df


# ---------------------------------------------------------------------------
# credit: a smaller, credit-style file (numeric columns with credit-like
# names, integer-coded categories, heavy missingness in some columns).
# All columns are numeric so every engine sees exactly the same features.
# ---------------------------------------------------------------------------
def gen_credit(n: int, structure_seed: int, row_seed: int) -> pd.DataFrame:
    s = np.random.default_rng([structure_seed, 401])
    r = np.random.default_rng([row_seed, 402])
    term_long = (r.uniform(size=n) < 0.28).astype(np.float64)
    income = np.exp(r.normal(11.1, 0.55, n))
    loan = np.clip(np.exp(r.normal(9.6, 0.6, n)) * (1 + 0.6 * term_long), 1000, 800_000)
    score = np.clip(r.normal(715, 30, n) - 25 * term_long, 585, 751).round()
    years_job = r.integers(0, 11, n).astype(np.float64)
    home = r.choice(4, n, p=[0.43, 0.09, 0.44, 0.04]).astype(np.float64)
    purpose = r.choice(16, n, p=np.r_[0.78, np.full(15, 0.22 / 15)]).astype(np.float64)
    monthly_debt = income / 12 * np.clip(r.normal(0.17, 0.08, n), 0.0, 0.6)
    history = np.clip(r.gamma(6.0, 3.0, n), 3.0, 70.0).round(1)
    open_acc = np.clip(r.poisson(11, n), 1, 60).astype(np.float64)
    balance = np.exp(r.normal(12.3, 0.9, n)) * 0.1
    max_open = balance * np.exp(r.normal(0.6, 0.5, n))
    delinq_months = r.integers(0, 120, n).astype(np.float64)

    c = s.uniform(0.8, 1.2, 10)
    logit = (
        -2.4
        + 0.9 * c[0] * (history - 18.0) / 7.0
        - 1.2 * c[1] * (score - 715.0) / 30.0 * (history > 10)
        + 0.7 * c[2] * np.log(max_open / np.maximum(balance, 1.0))
        + 0.8 * c[3] * (home == 3)
        + 0.5 * c[4] * np.sin(open_acc / 3.0)
        + 0.9 * c[5] * (delinq_months < 24) * (r.uniform(size=n) < 0.7)
        + 0.6 * c[6] * (monthly_debt / (income / 12) > 0.25)
        + 0.4 * c[7] * (purpose >= 10)
        + 0.6 * r.standard_normal(n)
    )
    problems = r.poisson(np.exp(np.clip(logit, -6, 3)))
    y = (problems > 1).astype(np.int8)

    # Weak, noisy echoes of the problem count (not a copy of the label).
    bankrupt = r.binomial(1, np.where(problems > 0, 0.25, 0.08)).astype(np.float64)
    tax_liens = r.binomial(1, np.where(problems > 1, 0.08, 0.02)).astype(np.float64)

    df = pd.DataFrame(
        {
            "Current Loan Amount": loan.round(),
            "Term Long": term_long,
            "Credit Score": score,
            "Annual Income": income.round(),
            "Years in current job": years_job,
            "Home Ownership": home,
            "Purpose": purpose,
            "Monthly Debt": monthly_debt.round(2),
            "Years of Credit History": history,
            "Months since last delinquent": delinq_months,
            "Number of Open Accounts": open_acc,
            "Current Credit Balance": balance.round(),
            "Maximum Open Credit": max_open.round(),
            "Bankruptcies": bankrupt,
            "Tax Liens": tax_liens,
        }
    )
    # Missingness patterns like the original bank-loan file.
    df.loc[r.uniform(size=n) < 0.19, ["Credit Score", "Annual Income"]] = np.nan
    df.loc[r.uniform(size=n) < 0.53, "Months since last delinquent"] = np.nan
    df.loc[r.uniform(size=n) < 0.04, "Years in current job"] = np.nan
    df.loc[r.uniform(size=n) < 0.002, ["Bankruptcies", "Tax Liens"]] = np.nan
    df = df.astype(np.float32)
    df["y"] = y
    return df


GENERATORS: dict[str, Callable[[int, int, int], pd.DataFrame]] = {
    "binary": gen_binary,
    "regression": gen_regression,
    "multiclass": gen_multiclass,
    "credit": gen_credit,
}


def scaled_rows(task: str, scale: float) -> int:
    return max(MIN_ROWS, int(round(FULL_ROWS[task] * scale)))


def write_csv(df: pd.DataFrame, path: str) -> None:
    """Write atomically (temp file + rename) so an interrupted run never
    leaves a truncated file in the cache."""
    tmp = path + ".tmp"
    df.to_csv(tmp, index=False, float_format="%.7g", na_rep="", chunksize=200_000)
    os.replace(tmp, path)


def ensure_dataset(task: str, n_train: int, seed: int, data_dir: str,
                   n_test: int | None = None, log=print,
                   with_test: bool = True) -> tuple[str, str | None]:
    """Return (train_csv, test_csv), generating them if not cached (the test
    file only when with_test)."""
    os.makedirs(data_dir, exist_ok=True)
    if n_test is None:
        n_test = max(MIN_ROWS // 4, int(round(n_train * TEST_FRACTION)))
    gen = GENERATORS[task]
    train = os.path.join(data_dir, f"{task}_n{n_train}_s{seed}_train.csv")
    test = os.path.join(data_dir, f"{task}_n{n_test}_s{seed}_test.csv")
    todo = [(train, n_train, seed * 2 + 1)]
    if with_test:
        todo.append((test, n_test, seed * 2 + 2))
    for path, n, row_seed in todo:
        if os.path.exists(path):
            continue
        t0 = time.perf_counter()
        df = gen(n, seed, row_seed)
        write_csv(df, path)
        log(f"  generated {os.path.basename(path)} ({n} rows, "
            f"{df.shape[1] - 1} features) in {time.perf_counter() - t0:.1f}s")
    return train, (test if with_test else None)
