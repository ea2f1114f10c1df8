#!/usr/bin/env python3
"""Writes the foreign-model test fixtures of gbdt-io (issue 12).

Trains SMALL models (a few trees) with XGBoost and LightGBM (versions pinned
in requirements.txt) on seeded data with missing values and a categorical
column, and writes into gbdt-io/tests/data/foreign/:

- input.csv: the rows every fixture is scored on (f32-exact values, empty
  cells are missing; column `cat` holds category codes 0..5);
- one model file per fixture (`*.json` for XGBoost, `*.txt` for LightGBM);
- expected.json: per fixture, the model file, its format, the library's own
  predictions (`pred`, rows x outputs) and raw margins (`margin`), at full
  precision.

`cargo test -p gbdt-io foreign` reads them without Python. Run from the
repository root:  python3 benches/interop/make_fixtures.py
"""

import json
import os
import sys

import lightgbm as lgb
import numpy as np
import xgboost as xgb

OUT = os.path.join("gbdt-io", "tests", "data", "foreign")
NAMES = ["x0", "x1", "x2", "x3", "cat"]
CAT = 4
N_CATS = 6


def make_data(n, seed):
    """Features (f32-exact, NaNs, a categorical code column) and raw signals."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    x[:, 2] = np.round(x[:, 2] * 4) / 4  # ties and exact zeros
    x[:, CAT] = rng.integers(0, N_CATS, size=n)
    for j, frac in [(0, 0.1), (1, 0.05), (CAT, 0.08)]:
        x[rng.random(n) < frac, j] = np.nan
    cat_effect = np.array([0.8, -0.5, 0.1, 1.2, -1.0, 0.3])
    c = np.nan_to_num(x[:, CAT], nan=0).astype(int)
    signal = (np.nan_to_num(x[:, 0]) + 0.7 * np.nan_to_num(x[:, 1]) ** 2
              - 0.5 * x[:, 2] + cat_effect[c])
    return x, signal, rng


def labels(kind, signal, rng):
    """Small-scale labels so float32 outputs stay precise to 1e-6."""
    if kind == "binary":
        return (signal + 0.5 * rng.normal(size=signal.size) > 0.3).astype(np.float64)
    if kind == "multi":
        return np.digitize(signal + 0.3 * rng.normal(size=signal.size), [-0.3, 0.9]).astype(np.float64)
    if kind == "count":
        return rng.poisson(np.exp(0.3 * signal)).astype(np.float64)
    if kind == "positive":
        return np.exp(0.3 * signal) * rng.gamma(4.0, 0.25, size=signal.size) + 0.01
    return 0.5 * signal + 0.2 * rng.normal(size=signal.size)


def fmt(v):
    return "" if np.isnan(v) else np.format_float_positional(np.float32(v), unique=True, trim="-")


def write_csv(path, x):
    with open(path, "w") as f:
        f.write(",".join(NAMES) + "\n")
        for row in x:
            f.write(",".join(fmt(v) for v in row) + "\n")


def read_csv(path):
    """The rows write_csv wrote (empty cells are NaN), as float32."""
    with open(path) as f:
        f.readline()
        return np.array([[float(v) if v else np.nan for v in line.rstrip("\n").split(",")]
                         for line in f], dtype=np.float32)


def as_rows(a):
    a = np.asarray(a, dtype=np.float64)
    return (a.reshape(len(a), -1)).tolist()


# name, objective, label kind, extra params
XGB_CASES = [
    ("xgb_binary_logistic", "binary:logistic", "binary", {}),
    ("xgb_reg_logistic", "reg:logistic", "binary", {}),
    ("xgb_binary_logitraw", "binary:logitraw", "binary", {}),
    ("xgb_squarederror_lossguide", "reg:squarederror", "reg",
     {"grow_policy": "lossguide", "max_leaves": 8, "max_depth": 0}),
    ("xgb_pseudohuber", "reg:pseudohubererror", "reg", {"huber_slope": 0.8}),
    ("xgb_softprob", "multi:softprob", "multi", {"num_class": 3}),
    ("xgb_softmax", "multi:softmax", "multi", {"num_class": 3}),
    ("xgb_poisson", "count:poisson", "count", {}),
    ("xgb_tweedie", "reg:tweedie", "positive", {"tweedie_variance_power": 1.4}),
    ("xgb_gamma", "reg:gamma", "positive", {}),
    ("xgb_categorical", "binary:logistic", "binary", {"max_cat_to_onehot": 1}),
    ("xgb_categorical_onehot", "reg:squarederror", "reg", {"max_cat_to_onehot": 16}),
    ("xgb_softprob_categorical_lossguide", "multi:softprob", "multi",
     {"num_class": 3, "grow_policy": "lossguide", "max_leaves": 6, "max_cat_to_onehot": 1}),
    ("xgb_no_names", "reg:squarederror", "reg", {}),
    ("xgb_quantile", "reg:quantileerror", "reg", {"quantile_alpha": [0.1, 0.5, 0.9]}),
]

LGB_CASES = [
    ("lgb_binary", "binary", "binary", {}),
    ("lgb_regression", "regression", "reg", {}),
    ("lgb_multiclass", "multiclass", "multi", {"num_class": 3}),
    ("lgb_poisson", "poisson", "count", {}),
    ("lgb_tweedie", "tweedie", "positive", {"tweedie_variance_power": 1.4}),
    ("lgb_gamma", "gamma", "positive", {}),
    ("lgb_huber", "huber", "reg", {"alpha": 0.8}),
    ("lgb_categorical", "binary", "binary", {"categorical": True}),
    ("lgb_multiclass_categorical", "multiclass", "multi", {"num_class": 3, "categorical": True}),
    ("lgb_zero_as_missing", "regression", "reg", {"zero_as_missing": True}),
    ("lgb_depth_limited", "regression", "reg", {"max_depth": 3, "num_leaves": 8}),
]


def train_xgb(name, objective, y, x, extra, rounds):
    extra = dict(extra)
    categorical = name.find("categorical") >= 0
    params = {"objective": objective, "max_depth": 3, "eta": 0.3, "seed": 1,
              "nthread": 1, "max_bin": 64}
    params.update(extra)
    names = None if name.endswith("no_names") else NAMES
    types = ["q", "q", "q", "q", "c" if categorical else "q"]
    d = xgb.DMatrix(x, label=y, feature_names=names,
                    feature_types=types if names else None,
                    enable_categorical=categorical)
    return xgb.train(params, d, num_boost_round=rounds), names, types, categorical


def xgb_outputs(booster, x, names, types, categorical):
    d = xgb.DMatrix(x, feature_names=names, feature_types=types if names else None,
                    enable_categorical=categorical)
    return booster.predict(d), booster.predict(d, output_margin=True)


def train_lgb(objective, y, x, extra, rounds):
    extra = dict(extra)
    categorical = extra.pop("categorical", False)
    params = {"objective": objective, "num_leaves": 8, "learning_rate": 0.3,
              "min_data_in_leaf": 5, "verbose": -1, "seed": 1, "num_threads": 1,
              "deterministic": True, "max_bin": 63, "min_data_per_group": 5,
              "cat_smooth": 1.0}
    params.update(extra)
    d = lgb.Dataset(x.astype(np.float64), label=y, feature_name=NAMES,
                    categorical_feature=[CAT] if categorical else [], free_raw_data=False)
    return lgb.train(params, d, num_boost_round=rounds)


def write_cases(out, xgb_cases, lgb_cases, rounds, n_train=400, n_test=150):
    """Trains every case, writes the models, input.csv and expected.json
    into `out`; returns the expected dict."""
    os.makedirs(out, exist_ok=True)
    x, signal, _ = make_data(n_train, seed=12)
    test, _, _ = make_data(n_test, seed=13)
    test[0, :] = np.nan  # a row with every value missing
    test[1, CAT] = 7  # a category code training never saw
    test[2, 2] = 0.0
    write_csv(os.path.join(out, "input.csv"), test)
    expected = {}
    for name, objective, kind, extra in xgb_cases:
        y = labels(kind, signal, np.random.default_rng(len(name)))
        booster, names, types, cat = train_xgb(name, objective, y, x, extra, rounds)
        booster.save_model(os.path.join(out, name + ".json"))
        pred, margin = xgb_outputs(booster, test, names, types, cat)
        expected[name] = {"file": name + ".json", "format": "xgboost-json",
                          "objective": objective, "pred": as_rows(pred), "margin": as_rows(margin)}
    for name, objective, kind, extra in lgb_cases:
        y = labels(kind, signal, np.random.default_rng(len(name)))
        booster = train_lgb(objective, y, x, extra, rounds)
        booster.save_model(os.path.join(out, name + ".txt"))
        t = test.astype(np.float64)
        expected[name] = {"file": name + ".txt", "format": "lightgbm",
                          "objective": objective, "pred": as_rows(booster.predict(t)),
                          "margin": as_rows(booster.predict(t, raw_score=True))}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    return expected


def main(out=OUT, rounds=4):
    expected = write_cases(out, XGB_CASES, LGB_CASES, rounds)
    total = sum(os.path.getsize(os.path.join(out, p)) for p in os.listdir(out))
    print(f"wrote {len(expected)} fixtures to {out} ({total / 1e6:.2f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
