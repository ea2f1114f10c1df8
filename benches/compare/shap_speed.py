"""SHAP contribution speed: gbdt vs XGBoost vs LightGBM (issue 13).

Generates the binary benchmark data (datagen.py, 28 features), trains the
same model shape in each engine (200 rounds, depth 6, learning rate 0.1,
2 threads; XGBoost hist depthwise, LightGBM num_leaves 64 and max_depth 6),
then times per-row contributions on the test rows:

- gbdt:     `gbdt predict MODEL test.csv --contrib`, the `predict_s` of its
            --report-json (CSV reading and writing excluded);
- XGBoost:  `Booster.predict(DMatrix, pred_contribs=True)`;
- LightGBM: `Booster.predict(X, pred_contrib=True)`.

Each is run --repeats times; the medians and their ratios to gbdt are printed
as a Markdown table. Not run in CI.

    cargo build --release -p gbdt-cli
    python3 benches/compare/shap_speed.py                      # 1M train, 250k test
    python3 benches/compare/shap_speed.py --rows 100000 --test-rows 25000
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import lightgbm as lgb  # noqa: E402
import xgboost as xgb  # noqa: E402

import datagen  # noqa: E402
from peer_worker import lgb_params, load_xy, xgb_params  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def spec_of(args) -> dict:
    """The training settings shared by the three engines (compare.py's)."""
    return {
        "task": "binary", "kind": "binary", "num_class": 2, "regime": "depthwise",
        "rounds": args.rounds, "learning_rate": 0.1, "max_depth": 6, "max_leaves": 64,
        "max_bin": 256, "lgb_max_bin": 255, "lambda": 1.0, "min_child_weight": 1.0,
        "lgb_min_data_in_leaf": 1, "threads": args.threads,
    }


def run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"failed (exit {r.returncode}): {' '.join(cmd)}\n{r.stderr[-3000:]}")


def train_gbdt(args, spec: dict, train_csv: str, model: str) -> None:
    run([args.gbdt_bin, "train", train_csv, "--target", "y",
         "--objective", "binary:logistic", "--rounds", str(spec["rounds"]),
         "--learning-rate", str(spec["learning_rate"]), "--max-bin", str(spec["max_bin"]),
         "--lambda", str(spec["lambda"]), "--alpha", "0", "--gamma", "0",
         "--min-child-weight", str(spec["min_child_weight"]),
         "--grow-policy", "depthwise", "--max-depth", str(spec["max_depth"]),
         "--threads", str(spec["threads"]), "--no-train-metrics", "--quiet",
         "--output", model])


def time_gbdt(args, model: str, test_csv: str, workdir: str) -> tuple[float, int]:
    """predict_s of one `gbdt predict --contrib` run, and the output's columns."""
    out = os.path.join(workdir, "contrib.csv")
    rj = os.path.join(workdir, "contrib.json")
    run([args.gbdt_bin, "predict", model, test_csv, "--contrib",
         "--threads", str(args.threads), "-o", out, "--report-json", rj])
    with open(rj) as f:
        rep = json.load(f)
    os.remove(out)
    return rep["timings"]["predict_s"], len(rep["columns"])


def timed(f) -> tuple[float, object]:
    t = time.perf_counter()
    value = f()
    return time.perf_counter() - t, value


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="training rows (default 1,000,000)")
    ap.add_argument("--test-rows", type=int, default=250_000, help="rows explained (default 250,000)")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--gbdt-bin", default=os.path.join(REPO, "target", "release", "gbdt"))
    ap.add_argument("--out-dir", default=os.path.join(HERE, "out"))
    args = ap.parse_args(argv)
    if not os.path.exists(args.gbdt_bin):
        raise SystemExit(f"no gbdt binary at {args.gbdt_bin}: cargo build --release -p gbdt-cli")

    spec = spec_of(args)
    train_csv, test_csv = datagen.ensure_dataset(
        "binary", args.rows, args.seed, os.path.join(args.out_dir, "data"),
        n_test=args.test_rows, log=log)
    workdir = os.path.join(args.out_dir, "shap")
    os.makedirs(workdir, exist_ok=True)

    log("training gbdt ...")
    model = os.path.join(workdir, f"binary_n{args.rows}.gbdt")
    train_gbdt(args, spec, train_csv, model)
    X, y = load_xy(train_csv)
    log("training XGBoost ...")
    dtrain = xgb.QuantileDMatrix(X, y, max_bin=spec["max_bin"], nthread=args.threads)
    bst = xgb.train(xgb_params(spec), dtrain, num_boost_round=args.rounds)
    log("training LightGBM ...")
    gbm = lgb.train(lgb_params(spec), lgb.Dataset(X, y, params=lgb_params(spec)),
                    num_boost_round=args.rounds)
    del X, y, dtrain

    Xt, _ = load_xy(test_csv)
    dtest = xgb.DMatrix(Xt, nthread=args.threads)
    bst.set_param({"nthread": args.threads})
    times: dict[str, list[float]] = {"gbdt": [], "XGBoost": [], "LightGBM": []}
    shapes = {}
    for k in range(args.repeats):
        log(f"repeat {k + 1}/{args.repeats} ...")
        s, cols = time_gbdt(args, model, test_csv, workdir)
        times["gbdt"].append(s)
        shapes["gbdt"] = (args.test_rows, cols)
        s, c = timed(lambda: bst.predict(dtest, pred_contribs=True))
        times["XGBoost"].append(s)
        shapes["XGBoost"] = c.shape
        s, c = timed(lambda: gbm.predict(Xt, pred_contrib=True, num_threads=args.threads))
        times["LightGBM"].append(s)
        shapes["LightGBM"] = c.shape
        # Sanity: XGBoost's and LightGBM's contributions add up to their margins.
        if k == 0:
            margin = gbm.predict(Xt, raw_score=True, num_threads=args.threads)
            log(f"  LightGBM max |sum - margin| = {np.abs(c.sum(axis=1) - margin).max():.2e}")

    med = {e: statistics.median(t) for e, t in times.items()}
    print(f"\nSHAP contributions, {args.test_rows} rows x 28 features, model of "
          f"{args.rounds} trees depth 6 trained on {args.rows} rows, {args.threads} threads, "
          f"median of {args.repeats}\n")
    print("| engine | median s | runs (s) | output shape | time / gbdt |")
    print("|---|---:|---|---|---:|")
    for e, t in times.items():
        runs = ", ".join(f"{v:.3f}" for v in t)
        print(f"| {e} | {med[e]:.3f} | {runs} | {shapes[e][0]}x{shapes[e][1]} "
              f"| {med[e] / med['gbdt']:.2f}x |")
    print(f"\nversions: xgboost {xgb.__version__}, lightgbm {lgb.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
