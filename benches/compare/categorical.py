#!/usr/bin/env python3
"""Categorical features (issue 11): gbdt vs LightGBM vs XGBoost on text columns.

Generates (catgen.py, seeded, cached under out/data/) a data set with 6
numeric and 5 text categorical columns (3 to 300 levels, Zipf-like
frequencies, some missing), trains every engine with the same parameters and
prints test AUC / logloss (RMSE / MAE for --task regression) and fit time:

- LightGBM: the text columns as pandas ``category`` columns,
  ``categorical_feature=[...]``;
- XGBoost: the same frame, ``enable_categorical=True``, ``tree_method="hist"``;
- gbdt: the CLI on the CSV files, once with ``--categorical auto`` (text
  columns become categorical features) and once with ``--categorical none``
  (text columns dropped: what the categories are worth).

    pip install -r benches/compare/requirements.txt
    cargo build --release -p gbdt-cli
    python3 benches/compare/categorical.py                  # 100k + 25k rows, both policies
    python3 benches/compare/categorical.py --skip-gbdt --policy leafwise --json out/cat.json

Fit time: peers from the DataFrame as read from the CSV (text columns still
strings) to a trained booster: category conversion + Dataset/QuantileDMatrix
construction + boosting.  gbdt: wall time of the whole ``gbdt train``
process (CSV reading, binning, boosting, saving), so gbdt pays for CSV
parsing and the peers do not (their CSV load time is in the JSON).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import log_loss, mean_absolute_error, roc_auc_score  # noqa: E402
from sklearn.metrics import root_mean_squared_error  # noqa: E402

import catgen  # noqa: E402

CAT_COLS = [c[0] for c in catgen.CAT_COLUMNS]

# The one set of parameters every engine gets (README: "Categorical features").
P = {
    "rounds": 200, "learning_rate": 0.1, "max_bin": 256, "lgb_max_bin": 255,
    "leaves": 31, "depth": 6, "lambda": 1.0, "min_child_weight": 1.0, "threads": 2,
    "max_cat_to_onehot": 4, "max_cat_threshold": 32, "cat_l2": 10.0,
    "cat_smooth": 10.0, "min_data_per_group": 100,
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------
def read_frame(path: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The CSV as pandas reads it: text columns stay strings, empty = NaN."""
    df = pd.read_csv(path)
    y = df.pop("y").to_numpy()
    return df, y


def category_dtypes(train: pd.DataFrame) -> dict[str, pd.CategoricalDtype]:
    """Levels seen in the training frame (sorted); the test frame gets the
    same dtypes, so a level unseen in training becomes NaN (missing)."""
    return {c: pd.CategoricalDtype(sorted(train[c].dropna().unique())) for c in CAT_COLS}


def as_categorical(df: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    """The frame with its text columns as these category dtypes; a level the
    dtype does not know becomes NaN (pandas would warn and later refuse)."""
    out = df.copy()
    for c, dt in dtypes.items():
        col = out[c]
        out[c] = col.where(col.isin(dt.categories)).astype(dt)
    return out


def unseen_in_test(train: pd.DataFrame, test: pd.DataFrame) -> dict[str, int]:
    """Test rows per column whose (non-missing) level is not in training."""
    return {c: int((~test[c].isin(set(train[c].dropna())) & test[c].notna()).sum())
            for c in CAT_COLS}


# ---------------------------------------------------------------------------
# Engines.  Each returns (test predictions, fit seconds, extra info).
# ---------------------------------------------------------------------------
def lgb_params(task: str, policy: str, min_data_in_leaf: int) -> dict:
    p = {
        "objective": "binary" if task == "binary" else "regression",
        "learning_rate": P["learning_rate"], "max_bin": P["lgb_max_bin"],
        "num_threads": P["threads"], "lambda_l2": P["lambda"], "lambda_l1": 0.0,
        "min_gain_to_split": 0.0, "min_sum_hessian_in_leaf": P["min_child_weight"],
        "min_data_in_leaf": min_data_in_leaf,
        "max_cat_to_onehot": P["max_cat_to_onehot"],
        "max_cat_threshold": P["max_cat_threshold"], "cat_l2": P["cat_l2"],
        "cat_smooth": P["cat_smooth"], "min_data_per_group": P["min_data_per_group"],
        "bagging_fraction": 1.0, "feature_fraction": 1.0, "seed": 0, "verbosity": -1,
    }
    if policy == "depthwise":
        p.update(max_depth=P["depth"], num_leaves=2 ** P["depth"])
    else:
        p.update(max_depth=-1, num_leaves=P["leaves"])
    return p


def lgb_features(train: pd.DataFrame, encoding: str):
    """The training frame as LightGBM gets it, and its categorical columns:
    'native' category columns; 'drop' without the text columns; 'codes' the
    level codes (-1 = missing -> NaN) as plain numbers, split by thresholds."""
    if encoding == "drop":
        return train.drop(columns=CAT_COLS), []
    X = as_categorical(train, category_dtypes(train))
    if encoding == "codes":
        for c in CAT_COLS:
            X[c] = X[c].cat.codes.astype(np.float32).replace(-1.0, np.nan)
        return X, []
    return X, CAT_COLS


def run_lightgbm(args, policy, train, y, test, dtypes, encoding="native"):
    import lightgbm as lgb

    params = lgb_params(args.task, policy, args.lgb_min_data_in_leaf)
    t0 = time.perf_counter()
    X, cats = lgb_features(train, encoding)
    ds = lgb.Dataset(X, y, params=params, categorical_feature=cats or "auto",
                     free_raw_data=True)
    booster = lgb.train(params, ds, num_boost_round=P["rounds"])
    fit_s = time.perf_counter() - t0
    Xt = as_categorical(test, dtypes)
    if encoding == "drop":
        Xt = Xt.drop(columns=CAT_COLS)
    elif encoding == "codes":
        for c in CAT_COLS:
            Xt[c] = Xt[c].cat.codes.astype(np.float32).replace(-1.0, np.nan)
    pred = booster.predict(Xt, num_threads=P["threads"])
    return np.asarray(pred, dtype=np.float64), fit_s, {"params": params, "encoding": encoding}


def xgb_params(task: str, policy: str) -> dict:
    p = {
        "objective": "binary:logistic" if task == "binary" else "reg:squarederror",
        "tree_method": "hist", "max_bin": P["max_bin"], "nthread": P["threads"],
        "eta": P["learning_rate"], "lambda": P["lambda"], "alpha": 0.0, "gamma": 0.0,
        "min_child_weight": P["min_child_weight"],
        "max_cat_to_onehot": P["max_cat_to_onehot"],
        "max_cat_threshold": P["max_cat_threshold"],
        "subsample": 1.0, "colsample_bytree": 1.0, "seed": 0, "verbosity": 0,
    }
    if policy == "depthwise":
        p.update(grow_policy="depthwise", max_depth=P["depth"])
    else:
        p.update(grow_policy="lossguide", max_leaves=P["leaves"], max_depth=0)
    return p


def run_xgboost(args, policy, train, y, test, dtypes):
    import xgboost as xgb

    params = xgb_params(args.task, policy)
    t0 = time.perf_counter()
    X = as_categorical(train, category_dtypes(train))
    dtrain = xgb.QuantileDMatrix(X, y, enable_categorical=True, max_bin=P["max_bin"],
                                 nthread=P["threads"])
    booster = xgb.train(params, dtrain, num_boost_round=P["rounds"])
    fit_s = time.perf_counter() - t0
    dtest = xgb.DMatrix(as_categorical(test, dtypes), enable_categorical=True,
                        nthread=P["threads"])
    return np.asarray(booster.predict(dtest), dtype=np.float64), fit_s, {"params": params}


def gbdt_flags(task: str, policy: str, categorical: str) -> list[str]:
    objective = "binary:logistic" if task == "binary" else "reg:squarederror"
    f = ["--objective", objective, "--rounds", str(P["rounds"]), "--learning-rate", str(P["learning_rate"]),
         "--max-bin", str(P["max_bin"]), "--lambda", str(P["lambda"]), "--alpha", "0",
         "--gamma", "0", "--min-child-weight", str(P["min_child_weight"]),
         "--threads", str(P["threads"]), "--categorical", categorical]
    if policy == "depthwise":
        f += ["--grow-policy", "depthwise", "--max-depth", str(P["depth"])]
    else:
        f += ["--grow-policy", "lossguide", "--max-leaves", str(P["leaves"]), "--max-depth", "0"]
    if categorical != "none":
        f += ["--max-cat-to-onehot", str(P["max_cat_to_onehot"]),
              "--max-cat-threshold", str(P["max_cat_threshold"]),
              "--cat-l2", str(P["cat_l2"]), "--cat-smooth", str(P["cat_smooth"]),
              "--min-data-per-group", str(P["min_data_per_group"])]
    return f


def run_gbdt(args, policy, categorical, work):
    model, pred, rep = (os.path.join(work, n) for n in ("m.gbdt", "pred.csv", "report.json"))
    cmd = [args.gbdt, "train", args.train_csv, "--target", "y", "-o", model,
           "--no-train-metrics", "--quiet", "--report-json", rep] + gbdt_flags(args.task, policy, categorical)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    fit_s = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"gbdt train exited {r.returncode}: {r.stderr.strip()[-600:]}")
    r = subprocess.run([args.gbdt, "predict", model, args.test_csv, "-o", pred,
                        "--threads", str(P["threads"])], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"gbdt predict exited {r.returncode}: {r.stderr.strip()[-600:]}")
    with open(rep) as fh:
        report = json.load(fh)
    extra = {"cmd": cmd, "timings": report.get("timings"), "features": report.get("features"),
             "dropped": report.get("dropped")}
    lost = [d["name"] for d in report.get("dropped") or [] if d["name"] in CAT_COLS]
    if categorical != "none" and lost:
        log(f"    warning: gbdt dropped text columns {lost} with --categorical {categorical}")
    return pd.read_csv(pred)["prediction"].to_numpy(np.float64), fit_s, extra


# ---------------------------------------------------------------------------
# Metrics, runs, table
# ---------------------------------------------------------------------------
def metrics(task: str, y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    if task == "binary":
        p = np.clip(pred, 1e-15, 1 - 1e-15)
        return {"auc": float(roc_auc_score(y, p)), "logloss": float(log_loss(y, p))}
    return {"rmse": float(root_mean_squared_error(y, pred)),
            "mae": float(mean_absolute_error(y, pred))}


def configs(args) -> list[tuple[str, str, object]]:
    """(name, policy, runner) for every run asked for."""
    policies = ["leafwise", "depthwise"] if args.policy == "both" else [args.policy]
    out = []
    for pol in policies:
        out.append(("lightgbm", pol, "lightgbm"))
        out.append(("xgboost", pol, "xgboost"))
        if args.baselines:
            out.append(("lightgbm (level codes as numbers)", pol, "lgb-codes"))
            out.append(("lightgbm (text columns dropped)", pol, "lgb-drop"))
        if not args.skip_gbdt:
            out.append(("gbdt (categorical auto)", pol, "auto"))
            out.append(("gbdt (categorical none)", pol, "none"))
    return out


def run_one(args, name, policy, kind, data) -> dict:
    train, y, test, yt, dtypes = data
    times, pred, extra = [], None, {}
    for rep in range(args.repeats):
        if kind.startswith("lgb-"):
            p, t, e = run_lightgbm(args, policy, train, y, test, dtypes, kind[4:])
        elif kind == "lightgbm":
            p, t, e = run_lightgbm(args, policy, train, y, test, dtypes)
        elif kind == "xgboost":
            p, t, e = run_xgboost(args, policy, train, y, test, dtypes)
        else:
            with tempfile.TemporaryDirectory() as work:
                p, t, e = run_gbdt(args, policy, kind, work)
        times.append(t)
        if rep == 0:
            pred, extra = p, e
    return {"engine": name, "policy": policy, "fit_s": statistics.median(times),
            "fit_s_all": times, **metrics(args.task, yt, pred), **extra}


def table(task: str, results: list[dict]) -> str:
    names = ("test AUC", "test logloss") if task == "binary" else ("test RMSE", "test MAE")
    keys = ("auc", "logloss") if task == "binary" else ("rmse", "mae")
    lines = [f"| engine / config | policy | {names[0]} | {names[1]} | fit s | fit s (min) "
             "| time vs LightGBM |", "|---|---|---:|---:|---:|---:|---:|"]
    base = {r["policy"]: r["fit_s"] for r in results
            if r["engine"] == "lightgbm" and "error" not in r}
    for r in results:
        if "error" in r:
            lines.append(f"| {r['engine']} | {r['policy']} | failed | | | | |")
            continue
        ratio = f"{r['fit_s'] / base[r['policy']]:.2f}x" if r["policy"] in base else ""
        lines.append(f"| {r['engine']} | {r['policy']} | {r[keys[0]]:.4f} | "
                     f"{r[keys[1]]:.4f} | {r['fit_s']:.2f} | {min(r['fit_s_all']):.2f} | {ratio} |")
    return "\n".join(lines)


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__}
    for mod in ("lightgbm", "xgboost", "sklearn"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:
            out[mod] = None
    return out


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=("binary", "regression"), default="binary")
    ap.add_argument("--rows", type=int, default=100_000, help="train rows; test gets 25%%")
    ap.add_argument("--seed", type=int, default=11, help="data seed")
    ap.add_argument("--policy", choices=("leafwise", "depthwise", "both"), default="both")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs; the median is reported")
    ap.add_argument("--gbdt", default=os.path.join(os.path.dirname(os.path.dirname(HERE)),
                                                   "target", "release", "gbdt"))
    ap.add_argument("--skip-gbdt", action="store_true", help="run the peers only")
    ap.add_argument("--baselines", action="store_true",
                    help="also LightGBM with level codes as numbers and without the text columns")
    ap.add_argument("--lgb-min-data-in-leaf", type=int, default=1,
                    help="LightGBM min_data_in_leaf (1: no row limit, as XGBoost and gbdt)")
    ap.add_argument("--data-dir", default=os.path.join(HERE, "out", "data"))
    ap.add_argument("--json", metavar="OUT", help="write every result and the setup here")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    load_start = os.getloadavg()
    if load_start[0] > 0.5:
        log(f"WARNING: load average is {load_start[0]:.1f}: XGBoost's and LightGBM's OpenMP "
            "threads spin-wait and slow down by large factors when another process holds a "
            "core; timings will be noisy (compare the min column, or rerun on an idle machine)")
    args.gbdt = os.path.abspath(args.gbdt)
    if not args.skip_gbdt and not os.access(args.gbdt, os.X_OK):
        log(f"categorical.py: no gbdt binary at {args.gbdt}; build it "
            "(cargo build --release -p gbdt-cli), pass --gbdt PATH, or --skip-gbdt")
        return 2
    args.train_csv, args.test_csv = catgen.ensure_dataset(
        args.task, args.rows, args.seed, args.data_dir, log=log)
    train, y = read_frame(args.train_csv)
    test, yt = read_frame(args.test_csv)
    dtypes = category_dtypes(train)
    unseen = unseen_in_test(train, test)
    log(f"data: {len(train)} train / {len(test)} test rows; levels in train "
        f"{ {c: len(d.categories) for c, d in dtypes.items()} }; unseen test rows {unseen}")
    results = []
    for name, policy, kind in configs(args):
        log(f"  {name}, {policy} ...")
        try:
            results.append(run_one(args, name, policy, kind, (train, y, test, yt, dtypes)))
        except Exception as e:  # record and go on: one engine failing is a result too
            log(f"    failed: {e}")
            results.append({"engine": name, "policy": policy, "error": str(e)})
    print(table(args.task, results))
    if args.json:
        out = {"when": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
               "task": args.task, "rows": args.rows, "test_rows": len(test), "seed": args.seed,
               "repeats": args.repeats, "params": P,
               "lgb_min_data_in_leaf": args.lgb_min_data_in_leaf,
               "train_csv": args.train_csv, "test_csv": args.test_csv,
               "unseen_test_rows": unseen, "machine": platform.platform(),
               "cpus": os.cpu_count(), "loadavg_start": load_start,
               "versions": versions(), "results": results}
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1, default=str)
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
